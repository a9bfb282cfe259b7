"""The report's frames read from the real database, as different people,
and the `python -m metrics` command end to end."""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime
from typing import Any

import polars as pl
import psycopg
import pytest

from db.identity import ANONYMOUS, Identity
from db.report_frames import load_report_frames
from metrics import schemas as S
from metrics.__main__ import main
from metrics.periods import Period
from metrics.report import health_report
from tests.conftest import clone_database, run_command, use_database
from tests.db import factories as f


@pytest.fixture(scope="module")
def world(pg_server: object) -> dict[str, Any]:
    """A small movement written as the owner, in a database of its own that
    every test here only reads: two chapters, members, an event with
    attendance, hours, gifts (one refunded, one by a merged donor),
    expenses, a balance, surveys and a goal."""
    uri = clone_database(pg_server, "empty", f"hb_metrics_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}")
    w: dict[str, Any] = {"uri": uri}
    with f.owner(uri) as conn:
        region = f.add_chapter(conn, "regional", founded_on=date(2023, 1, 1))
        local = f.add_chapter(
            conn, "local", region, founded_on=date(2023, 1, 1), time_zone="Pacific/Auckland"
        )
        program = f.add_program(conn, local)
        user = f.add_user(conn)
        w.update(region=region, local=local, program=program, user=user)
        a = f.add_member(conn, local, user_id=user, email="ann@people.test", joined_on=date(2024, 1, 1))
        b = f.add_member(conn, local, joined_on=date(2024, 1, 1))
        c = f.add_member(conn, region, joined_on=date(2024, 1, 1), left_on=date(2024, 6, 1), status="left")
        w.update(a=a, b=b, c=c)
        f.add_role(conn, user, "volunteer")
        # 23:30 UTC on 2 March is 3 March in Auckland.
        ev = f.add_event(conn, local, program_id=program, starts_at=datetime(2024, 3, 2, 23, 30, tzinfo=UTC))
        f.add_attendance(conn, ev, a)
        f.add_attendance(conn, ev, None, guest_count=4)
        for day, minutes, status, member in [
            (date(2024, 3, 3), 60, "approved", a),
            (date(2024, 3, 5), 30, "approved", a),
            (date(2024, 3, 31), 15, "pending", a),
            (date(2024, 4, 2), 120, "approved", b),
            (date(2024, 4, 3), 45, "rejected", b),
        ]:
            f.add_hours(
                conn,
                member,
                worked_on=day,
                minutes=minutes,
                status=status,
                **({"event_id": ev} if member == a and status == "approved" else {}),
            )
        survivor = f.add_donor(conn, email="ann@people.test")
        merged = f.add_donor(conn, merged_into_id=survivor)
        f.add_donation(conn, survivor, received_on=date(2024, 2, 1), amount_minor=10_000, chapter_id=local)
        gift = f.add_donation(
            conn,
            merged,
            received_on=date(2024, 5, 1),
            amount_minor=1_000,
            currency="EUR",
            reporting_amount_minor=1_100,
            chapter_id=local,
        )
        conn.execute("update public.donations set refunded_minor = 500 where id = %s", (gift,))
        f.add_expense(conn, spent_on=date(2024, 3, 15), amount_minor=30_000, category="admin")
        f.add_balance_snapshot(conn, as_of=date(2024, 3, 31))
        f.add_survey_response(
            conn,
            local,
            respondent_code="resp-1",
            program_id=program,
            answered_on=date(2024, 3, 3),
            practice="weekly",
        )
        f.add_goal(conn, None, metric="members", target_value=10.0)
    return w


def test_owner_reads_every_frame_with_its_schema_and_sql_aggregates(world: dict[str, Any]) -> None:
    frames = load_report_frames(None, uri=world["uri"])
    assert frames.unreadable == ()
    for name, schema in S.SCHEMAS.items():
        assert getattr(frames, name).schema == pl.Schema(dict(schema)), name
    assert frames.settings.row(0, named=True)["reporting_currency"] == "USD"
    assert frames.members.height == 3
    assert frames.events["starts_on"].to_list() == [date(2024, 3, 3)]  # the chapter's own date
    hours = frames.volunteer_hours.sort("member_id", "month", pl.col("status").cast(pl.String))
    a, b = world["a"], world["b"]
    assert hours.select(
        "member_id", "program_id", "status", "month", "minutes", "entries", "day_mask"
    ).rows() == [
        (
            a,
            world["program"],
            "approved",
            date(2024, 3, 1),
            90,
            2,
            (1 << 2) | (1 << 4),
        ),  # program via the event
        (a, None, "pending", date(2024, 3, 1), 15, 1, 1 << 30),
        (b, None, "approved", date(2024, 4, 1), 120, 1, 1 << 1),
        (b, None, "rejected", date(2024, 4, 1), 45, 1, 1 << 2),
    ]
    gifts = frames.donations.sort("received_on")
    # Both gifts are credited to the surviving donor; the refund of 500 EUR
    # is 550 at the gift's own rate (1,100 / 1,000).
    assert gifts.select("donor_id", "reporting_amount_minor", "refunded_minor").rows() == [
        (gifts["donor_id"][0], 10_000, 0),
        (gifts["donor_id"][0], 1_100, 550),
    ]
    assert frames.donor_members.rows() == [(gifts["donor_id"][0], a)]
    assert frames.survey_responses["q01"].to_list() == [2]
    assert frames.goals["created_on"].to_list() == [datetime.now(UTC).date()]


def test_the_report_from_the_database_matches_the_rows(world: dict[str, Any]) -> None:
    frames = load_report_frames(None, uri=world["uri"])
    r = health_report(frames, as_of=date(2024, 6, 30), period=Period.calendar_year(2024))
    assert r.kpi("members").value.value == 2  # c left on 1 June
    assert r.kpi("volunteer_hours").value.value == 3.5  # 90 + 120 approved minutes
    assert r.kpi("funds_raised").value.value == 10_000 + 1_100 - 550
    assert r.kpi("attendance").value.value == 5
    assert r.impact.practice.respondents == 0  # the one answer is a "pre"
    local = health_report(
        frames, as_of=date(2024, 6, 30), period=Period.calendar_year(2024), chapter_id=world["local"]
    )
    assert local.kpi("members").value.value == 2 and local.scope.chapter_ids == (world["local"],)


def test_as_of_leaves_later_rows_in_the_database(world: dict[str, Any]) -> None:
    frames = load_report_frames(None, uri=world["uri"], as_of=date(2024, 3, 31))
    assert frames.donations.height == 1
    assert frames.volunteer_hours["month"].max() == date(2024, 3, 1)
    assert frames.expenses.height == 1 and frames.balance_snapshots.height == 1


def test_anonymous_reads_nothing_and_is_told_so(world: dict[str, Any]) -> None:
    frames = load_report_frames(ANONYMOUS, uri=world["uri"])
    assert set(frames.unreadable) == set(S.SCHEMAS)
    assert all(getattr(frames, name).height == 0 for name in S.SCHEMAS)
    r = health_report(frames, as_of=date(2024, 6, 30), period=Period.calendar_year(2024))
    assert r.kpi("members").value.reason == "you may not see members"


def test_a_volunteer_reads_only_what_row_level_security_allows(world: dict[str, Any]) -> None:
    me = Identity(user_id=world["user"], email="ann@people.test")
    frames = load_report_frames(me, uri=world["uri"])
    assert frames.unreadable == ()  # granted, but filtered by policy
    assert set(frames.volunteer_hours["member_id"].to_list()) == {world["a"]}
    assert frames.members["id"].to_list() == [world["a"]]
    assert frames.donations.height == 0 and frames.expenses.height == 0
    assert frames.chapters.height == 2  # the map of the movement is public


def test_command_prints_the_report_as_json(world: dict[str, Any]) -> None:
    out = run_command("metrics", world["uri"], "--as-of", "2024-06-30", "--period", "calendar-year", "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    kpis = {k["key"]: k for k in report["kpis"]}
    assert kpis["members"]["value"]["value"] == 2
    assert kpis["funds_raised"]["value"]["value"] == 10_550
    assert report["period"]["start"] == "2024-01-01" and report["through"] == "2024-06-30"


def test_command_scopes_summarises_and_explains_bad_arguments(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # In process: the same entry point, without paying for a new interpreter.
    use_database(monkeypatch, world["uri"])
    assert main(["--as-of", "2024-06-30", "--chapter", str(world["region"]), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["scope"]["chapter_ids"] == [world["region"], world["local"]]
    assert main(["--as-of", "2024-06-30"]) == 0
    assert "Health score" in capsys.readouterr().out
    assert main(["--as-of", "2024-02-30", "--json"]) == 2
    assert "--as-of" in capsys.readouterr().err
    assert main(["--as-of", "2024-06-30", "--fy-start-month", "13"]) == 2
    assert "--fy-start-month" in capsys.readouterr().err
    assert main(["--as-of", "2024-06-30", "--chapter", "999999"]) == 2
    assert "no chapter 999999" in capsys.readouterr().err


def test_command_on_the_demo_movement(demo_db: str) -> None:
    today = datetime.now(UTC).date()
    out = run_command("metrics", demo_db, "--as-of", today.isoformat(), "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    with psycopg.connect(demo_db) as conn:
        row = conn.execute(
            "select count(*) from public.members where joined_on <= %s and (left_on is null or left_on > %s)",
            (today, today),
        ).fetchone()
    assert row is not None
    kpis = {k["key"]: k for k in report["kpis"]}
    assert kpis["members"]["value"]["value"] == row[0]
    assert report["health"]["score"]["value"] is not None
    assert report["series"]["members_weekly"]


def _as_of_figures(uri: str, as_of: date) -> tuple[object, ...]:
    frames = load_report_frames(None, uri=uri, as_of=as_of)
    r = health_report(frames, as_of=as_of, period=Period.quarter(2024, 2))
    return (
        r.kpi("funds_raised").value.value,
        r.kpi("active_ratio").value.value,
        r.kpi("volunteer_hours").value.value,
        r.volunteers.hours.pending_hours,
    )


def test_a_figure_at_an_as_of_is_the_same_when_computed_again_after_later_changes(
    fresh_empty_db: str,
) -> None:
    """Refunds dated after as_of and approvals given after it do not move the
    figures at as_of; they count from their own dates."""
    uri = fresh_empty_db
    as_of = date(2024, 6, 30)
    with f.owner(uri) as conn:
        local = f.add_chapter(conn, "local", founded_on=date(2023, 1, 1), time_zone="America/Los_Angeles")
        reviewer = f.add_user(conn)
        member = f.add_member(conn, local, joined_on=date(2024, 1, 1))
        f.add_member(conn, local, joined_on=date(2024, 1, 1))
        entry = f.add_hours(conn, member, worked_on=date(2024, 6, 10), minutes=120, status="pending")
        # Logged on the day worked: it was pending at as_of.
        conn.execute(
            "update public.volunteer_hours set created_at = '2024-06-10 18:00+00' where id = %s", (entry,)
        )
        donor = f.add_donor(conn)
        gift = f.add_donation(
            conn, donor, received_on=date(2024, 5, 1), amount_minor=10_000, chapter_id=local
        )
    before = _as_of_figures(uri, as_of)
    assert before == (10_000, 0.0, 0.0, 2.0)

    with f.owner(uri) as conn:
        conn.execute(
            """insert into public.donation_refunds
                 (donation_id, refunded_on, amount_minor, processor, processor_ref)
               values (%s, '2024-07-15', 3000, 'manual', 'later-refund')""",
            (gift,),
        )
        # The trigger stamps an approval with now(); move it to when it was given.
        conn.execute(
            "update public.volunteer_hours set status = 'approved', reviewed_by = %s where id = %s",
            (reviewer, entry),
        )
        conn.execute(
            "update public.volunteer_hours set reviewed_at = '2024-07-01 07:30+00' where id = %s", (entry,)
        )
    # 07:30 UTC on 1 July is 00:30 on 1 July in Los Angeles: after as_of.
    assert _as_of_figures(uri, as_of) == before
    # At 31 July both changes count.
    later = _as_of_figures(uri, date(2024, 7, 31))
    assert later[0] == 7_000 and later[2] == 2.0 and later[3] == 0.0

    with f.owner(uri) as conn:
        conn.execute(
            "update public.volunteer_hours set reviewed_at = '2024-07-01 06:30+00' where id = %s", (entry,)
        )
    # 06:30 UTC on 1 July is 23:30 on 30 June in Los Angeles: approved by as_of.
    assert _as_of_figures(uri, as_of)[1:] == (0.5, 2.0, 0.0)
