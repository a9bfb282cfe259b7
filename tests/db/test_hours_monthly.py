"""The monthly hours the database keeps (`public.volunteer_hours_monthly`,
migration 20261207150000) are always what grouping the entries gives: after
inserts, edits, approvals, moves to another month, deletions, bulk imports,
an event moved to another program, and concurrent writers. The report read
from them equals the report read from the entries."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import polars as pl
import psycopg
import pytest

from db.report_frames import load_report_frames
from tests.db import factories as f

pytestmark = pytest.mark.xdist_group("db_hours_monthly")

COLUMNS = "member_id, chapter_id, program_id, status, month, minutes, entries, day_mask"


def differences(conn: psycopg.Connection[Any]) -> list[tuple[Any, ...]]:
    """Rows kept but not grouped from the entries, and the other way round
    (each marked by its side); empty when the two agree."""
    return conn.execute(
        f"""
        (select 'kept' as side, {COLUMNS} from public.volunteer_hours_monthly
         except all
         select 'kept', {COLUMNS} from app.volunteer_hours_by_month)
        union all
        (select 'grouped', {COLUMNS} from app.volunteer_hours_by_month
         except all
         select 'grouped', {COLUMNS} from public.volunteer_hours_monthly)"""
    ).fetchall()


@pytest.fixture
def world(pg_server: object) -> Iterator[tuple[str, f.Cast]]:
    with f.cast_scene(pg_server, "hb_hours_monthly") as scene:
        yield scene.uri, scene.cast


def test_the_demo_is_kept_as_its_entries_group(demo_db: str) -> None:
    with f.owner(demo_db) as conn:
        kept = conn.execute("select count(*), sum(entries) from public.volunteer_hours_monthly").fetchone()
        entries = conn.execute("select count(*) from public.volunteer_hours").fetchone()
        assert kept is not None and entries is not None
        assert kept[0] > 0 and kept[1] == entries[0]
        assert differences(conn) == []


def test_every_kind_of_change_keeps_the_months_equal(world: tuple[str, f.Cast]) -> None:
    uri, cast = world
    l1, l2 = cast.members["volunteer_L1"], cast.members["volunteer_L2"]
    with f.owner(uri) as conn:
        day = date(2026, 3, 10)
        first = f.add_hours(conn, l1, worked_on=day, minutes=30)
        second = f.add_hours(conn, l1, worked_on=day + timedelta(days=5), minutes=45)
        other = f.add_hours(conn, l2, worked_on=day, minutes=60, status="approved")
        kept = conn.execute(
            "select minutes, entries, day_mask from public.volunteer_hours_monthly "
            "where member_id = %s and month = '2026-03-01'",
            (l1,),
        ).fetchone()
        assert kept == (75, 2, (1 << 9) | (1 << 14))
        assert differences(conn) == []

        conn.execute("update public.volunteer_hours set minutes = 50 where id = %s", (first,))
        assert differences(conn) == []
        conn.execute("update public.volunteer_hours set status = 'approved' where id = %s", (second,))
        assert differences(conn) == []
        # Into another month: the old month loses it, the new one gains it.
        conn.execute("update public.volunteer_hours set worked_on = '2026-02-27' where id = %s", (first,))
        assert differences(conn) == []
        conn.execute("delete from public.volunteer_hours where id = %s", (other,))
        assert differences(conn) == []
        assert conn.execute(
            "select count(*) from public.volunteer_hours_monthly where member_id = %s", (l2,)
        ).fetchone() == (0,)

        # An event moved to another program moves the hours logged on it.
        event = f.add_event(conn, cast.chapters["L1"])
        f.add_hours(conn, l1, worked_on=day, event_id=event)
        program = f.add_program(conn, cast.chapters["L1"])
        conn.execute("update public.events set program_id = %s where id = %s", (program, event))
        assert differences(conn) == []
        assert conn.execute(
            "select count(*) from public.volunteer_hours_monthly where program_id = %s", (program,)
        ).fetchone() == (1,)

        # One statement of many rows (an import), then one deleting many.
        conn.execute(
            """
            insert into public.volunteer_hours
              (member_id, worked_on, minutes, activity, status, idempotency_key)
            select m, '2025-01-01'::date + (i %% 200), 15 + i %% 60, 'outreach', 'pending', gen_random_uuid()
            from unnest(array[%s, %s]::bigint[]) m, generate_series(1, 150) i""",
            (l1, l2),
        )
        assert differences(conn) == []
        conn.execute("delete from public.volunteer_hours where worked_on < '2025-04-01'")
        assert differences(conn) == []


def test_random_changes_keep_the_months_equal(world: tuple[str, f.Cast]) -> None:
    uri, cast = world
    rng = random.Random(13)
    members = [cast.members["volunteer_L1"], cast.members["volunteer_L2"]]
    with f.owner(uri) as conn:
        ids: list[int] = []
        for _ in range(60):
            action = rng.choice(("add", "add", "edit", "approve", "move", "delete"))
            if action == "add" or not ids:
                worked = date(2026, 1, 1) + timedelta(days=rng.randrange(120))
                minutes = rng.randrange(5, 300)
                ids.append(f.add_hours(conn, rng.choice(members), worked_on=worked, minutes=minutes))
                continue
            target = rng.choice(ids)
            if action == "edit":
                minutes = rng.randrange(5, 300)
                edit = "update public.volunteer_hours set minutes = %s where id = %s"
                conn.execute(edit, (minutes, target))
            elif action == "approve":
                conn.execute("update public.volunteer_hours set status = 'approved' where id = %s", (target,))
            elif action == "move":
                conn.execute(
                    "update public.volunteer_hours set worked_on = worked_on + %s where id = %s",
                    (rng.randrange(-40, 40), target),
                )
            else:
                conn.execute("delete from public.volunteer_hours where id = %s", (target,))
                ids.remove(target)
        assert differences(conn) == []


def test_concurrent_writers_of_one_member_both_count(world: tuple[str, f.Cast]) -> None:
    """Two transactions add entries for one member and month at once: the
    second waits for the first, then counts both."""
    uri, cast = world
    member = cast.members["volunteer_L1"]
    first_inserted = threading.Event()
    errors: list[BaseException] = []

    def second_writer() -> None:
        try:
            first_inserted.wait(10)
            with psycopg.connect(uri) as conn:
                f.add_hours(conn, member, worked_on=date(2026, 5, 20), minutes=20)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=second_writer)
    thread.start()
    with psycopg.connect(uri) as conn:
        f.add_hours(conn, member, worked_on=date(2026, 5, 2), minutes=40)
        first_inserted.set()
        thread.join(1)  # the second writer is now waiting on this one
        conn.commit()
    thread.join(20)
    assert not errors
    with f.owner(uri) as conn:
        assert conn.execute(
            "select minutes, entries from public.volunteer_hours_monthly where member_id = %s", (member,)
        ).fetchall() == [(60, 2)]
        assert differences(conn) == []


def test_api_roles_read_their_scope_and_write_nothing(world: tuple[str, f.Cast]) -> None:
    uri, cast = world
    with f.owner(uri) as conn:
        f.add_hours(conn, cast.members["volunteer_L1"])
        f.add_hours(conn, cast.members["volunteer_L2"])
    from db.connection import transaction
    from db.errors import NotAllowedError

    def seen(persona: str) -> set[int]:
        with transaction(cast.identity(persona), uri) as conn:
            rows = conn.execute("select member_id from public.volunteer_hours_monthly").fetchall()
            return {r["member_id"] for r in rows}

    both = {cast.members["volunteer_L1"], cast.members["volunteer_L2"]}
    assert seen("board") == both
    assert seen("coordinator_R1") == {cast.members["volunteer_L1"]}
    assert seen("volunteer_L2") == {cast.members["volunteer_L2"]}
    assert seen("fundraiser") == set()
    for statement in (
        "update public.volunteer_hours_monthly set minutes = 1",
        "delete from public.volunteer_hours_monthly",
        f"insert into public.volunteer_hours_monthly ({COLUMNS}) "
        f"values ({cast.members['volunteer_L1']}, {cast.chapters['L1']}, null, 'approved', "
        "'2026-01-01', 1, 1, 1)",
    ):
        with pytest.raises(NotAllowedError), transaction(cast.identity("board"), uri) as conn:
            conn.execute(statement)


def test_the_report_reads_the_same_hours_kept_or_grouped(demo_db: str) -> None:
    """Without a cut the report reads the kept months; with a cut it groups
    the entries itself. A cut after every review gives the same rows."""

    def hours(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.sort(pl.all())

    kept = load_report_frames(None, uri=demo_db).volunteer_hours
    grouped = load_report_frames(None, uri=demo_db, as_of=date(9000, 1, 1)).volunteer_hours
    assert kept.height > 0
    assert hours(kept).equals(hours(grouped))
