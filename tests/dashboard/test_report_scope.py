"""One cached copy of the report's frames per scope, never per person
(issue 13): the database says who reads the same rows, and only they share.

The demo's people are joined by a second board member (who also volunteers
and logs hours, rows a board member reads anyway), two more coordinators of
the demo coordinator's region, and a fourth who volunteers in the other
region (rows outside their chapters: a scope of their own, like the demo
coordinator, who attended events of the chapters above his region)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import polars as pl
import psycopg
import pytest
from polars.testing import assert_frame_equal

from components.report_cache import load_frames, refresh, scope_key
from db.identity import Identity
from db.report_frames import load_report_frames, report_scope
from metrics.schemas import ReportFrames
from tests.conftest import use_database
from tests.dashboard.conftest import demo_person

FRAME_NAMES = tuple(name for name in ReportFrames.__dataclass_fields__ if name != "unreadable")


def _account(conn: psycopg.Connection, email: str, *roles: tuple[str, int | None]) -> Identity:
    row = conn.execute("insert into auth.users (email) values (%s) returning id", (email,)).fetchone()
    assert row is not None
    for role, chapter in roles:
        conn.execute(
            "insert into public.roles (user_id, role, chapter_id) values (%s, %s, %s)",
            (row[0], role, chapter),
        )
    return Identity(user_id=row[0], email=email)


def _member_with_hours(conn: psycopg.Connection, user_id: UUID, chapter_id: int, name: str) -> None:
    row = conn.execute(
        "insert into public.members (full_name, chapter_id, joined_on, user_id) values (%s, %s, %s, %s) "
        "returning id",
        (name, chapter_id, date(2024, 1, 15), user_id),
    ).fetchone()
    assert row is not None
    conn.execute(
        "insert into public.volunteer_hours (member_id, chapter_id, worked_on, minutes, activity, "
        "idempotency_key) values (%s, %s, %s, 90, 'event_support', gen_random_uuid())",
        (row[0], chapter_id, date(2024, 2, 1)),
    )


def _coordinated_chapter(conn: psycopg.Connection, email: str) -> int:
    row = conn.execute(
        "select r.chapter_id from public.roles r join auth.users u on u.id = r.user_id "
        "where u.email = %s and r.role = 'coordinator'",
        (email,),
    ).fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture
def people(fresh_demo_db: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Identity]:
    use_database(monkeypatch, fresh_demo_db)
    found: dict[str, Identity] = {
        name: demo_person(fresh_demo_db, f"{name}@demo.heartbeat.example").identity
        for name in ("board", "coordinator", "coordinator.other", "fundraiser", "volunteer", "admin")
    }
    with psycopg.connect(fresh_demo_db) as conn:
        region_a = _coordinated_chapter(conn, "coordinator@demo.heartbeat.example")
        region_b = _coordinated_chapter(conn, "coordinator.other@demo.heartbeat.example")
        found["board.two"] = _account(conn, "board.two@demo.example", ("board", None), ("volunteer", None))
        _member_with_hours(conn, found["board.two"].user_id, region_b, "Second Board")  # type: ignore[arg-type]
        found["coordinator.two"] = _account(conn, "coord.two@demo.example", ("coordinator", region_a))
        found["coordinator.three"] = _account(conn, "coord.three@demo.example", ("coordinator", region_a))
        found["coordinator.away"] = _account(
            conn, "coord.away@demo.example", ("coordinator", region_a), ("volunteer", None)
        )
        _member_with_hours(conn, found["coordinator.away"].user_id, region_b, "Away Coord")  # type: ignore[arg-type]
    refresh()
    yield found
    refresh()


def _assert_same_frames(got: ReportFrames, expected: ReportFrames, *, skip: tuple[str, ...] = ()) -> None:
    for name in FRAME_NAMES:
        if name not in skip:
            assert_frame_equal(getattr(got, name), getattr(expected, name), check_row_order=False)


def test_the_database_names_each_scope(people: dict[str, Identity]) -> None:
    scopes = {name: report_scope(identity) for name, identity in people.items()}
    assert scopes["board"] == scopes["board.two"] == "movement"
    region = scopes["coordinator.two"]
    assert region.startswith("chapters:") and ";" not in region
    assert scopes["coordinator.three"] == region
    for name in ("coordinator", "coordinator.away"):
        assert scopes[name] == f"{region};person:{people[name].user_id}"
    assert scopes["coordinator.other"].startswith("chapters:") and scopes["coordinator.other"] != region
    assert scopes["fundraiser"] == f"fundraiser;donors;chapters:;person:{people['fundraiser'].user_id}"
    assert scopes["volunteer"] == f"chapters:;person:{people['volunteer'].user_id}"
    assert scopes["admin"] == "admin;chapters:"
    assert len(set(scopes.values())) == len(scopes) - 2


def test_people_of_one_scope_read_the_same_rows(people: dict[str, Identity], fresh_demo_db: str) -> None:
    by_scope: dict[str, list[str]] = {}
    for name, identity in people.items():
        by_scope.setdefault(report_scope(identity), []).append(name)
    shared = [names for names in by_scope.values() if len(names) > 1]
    assert sorted(map(sorted, shared)) == [["board", "board.two"], ["coordinator.three", "coordinator.two"]]
    for names in shared:
        first, *others = (load_report_frames(people[n]) for n in names)
        for other in others:
            _assert_same_frames(other, first)
    # The movement's scope is every row (donor identities aside, which the
    # demo's settings hide from the board).
    everything = load_report_frames(None)
    _assert_same_frames(load_report_frames(people["board"]), everything, skip=("donor_members",))


def test_one_copy_per_scope_and_none_across_scopes(people: dict[str, Identity]) -> None:
    board = load_frames(people["board"])
    assert load_frames(people["board.two"]) is board
    coordinator = load_frames(people["coordinator.two"])
    assert coordinator is not board
    assert load_frames(people["coordinator.three"]) is coordinator
    assert coordinator.frames.members.height < board.frames.members.height
    # Whoever is served second, the other scope's copy never reaches them.
    refresh()
    coordinator_first = load_frames(people["coordinator.three"])
    board_after = load_frames(people["board"])
    assert board_after is not coordinator_first
    assert board_after.frames.members.height == board.frames.members.height
    assert coordinator_first.frames.members.height == coordinator.frames.members.height


def test_refreshing_one_scope_keeps_the_others(people: dict[str, Identity]) -> None:
    board = load_frames(people["board"])
    coordinator = load_frames(people["coordinator.two"])
    refresh(board.scope)
    assert load_frames(people["board.two"]) is not board
    assert load_frames(people["coordinator.three"]) is coordinator


def test_a_revoked_role_changes_the_scope_at_once(people: dict[str, Identity], fresh_demo_db: str) -> None:
    assert load_frames(people["board.two"]).scope == "movement"
    with psycopg.connect(fresh_demo_db) as conn:
        conn.execute(
            "delete from public.roles where user_id = %s and role = 'board'", (people["board.two"].user_id,)
        )
    assert scope_key(people["board.two"]) == f"chapters:;person:{people['board.two'].user_id}"
    mine = load_frames(people["board.two"])
    assert mine.frames.members.height == 1
    assert mine.frames.volunteer_hours.select(pl.col("minutes").sum()).item() == 90
