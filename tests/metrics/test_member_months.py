"""The member-month columns and dense donor totals give exactly the figures
of `metrics.activity`, `metrics.ladder`, `metrics.volunteers` and
`metrics.fundraising` computed from whole frames: by hand, on a synthetic
movement at many dates and scopes, and on random data."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.metrics_data import Scale, generate
from metrics import fundraising as F
from metrics import member_months as MM
from metrics import schemas as S
from metrics import volunteers as V
from metrics.activity import active_ratio, cohort_retention, member_activity
from metrics.attendance import attendance_with_events
from metrics.ladder import breadth_and_depth
from metrics.periods import fiscal_year_of
from metrics.prepared import PreparedFrames, prepare_frames
from metrics.scope import chapter_subtree
from tests.metrics.builders import (
    D,
    attend,
    attendance,
    event,
    events,
    hours,
    hours_month,
    member,
    members,
    same_frame,
)


def _prepared(**frames: pl.DataFrame) -> PreparedFrames:
    return prepare_frames(S.ReportFrames.of(**frames))


def _activity(p: PreparedFrames) -> pl.DataFrame:
    f = p.frames
    attended = attendance_with_events(f.attendance, f.events)
    return member_activity(attended, f.volunteer_hours, f.donations, f.donor_members).collect()


# --- by hand ------------------------------------------------------------------------


def test_the_active_window_counts_days_not_months() -> None:
    # Member 1 attends on 2 Jan, member 2 on 31 Mar, member 3 logs hours on
    # 20 Dec; member 4 does nothing. At 31 Mar a 90-day window starts 1 Jan.
    p = _prepared(
        members=members(*(member(i, D(2023, 1, 1)) for i in (1, 2, 3, 4))),
        events=events(event(1, D(2024, 1, 2)), event(2, D(2024, 3, 31))),
        attendance=attendance(attend(1, 1), attend(2, 2)),
        volunteer_hours=hours(hours_month(3, D(2023, 12, 1), 60, days=(20,))),
    )
    every = p.member_months.in_scope(None)
    at = D(2024, 3, 31)
    assert MM.active_ratio(p.member_months, every, at=at, window_days=90).active == 2
    assert MM.active_ratio(p.member_months, every, at=at, window_days=89).active == 1
    assert MM.active_ratio(p.member_months, every, at=at, window_days=102).active == 2
    assert MM.active_ratio(p.member_months, every, at=at, window_days=103).active == 3
    assert MM.active_ratio(p.member_months, every, at=at).members == 4


def test_a_month_not_yet_over_counts_only_its_days_so_far() -> None:
    # Member 1 joins in January and attends on 10 and 25 February.
    p = _prepared(
        members=members(member(1, D(2024, 1, 5))),
        events=events(event(1, D(2024, 2, 10)), event(2, D(2024, 2, 25))),
        attendance=attendance(attend(1, 1), attend(2, 1)),
    )
    every = p.member_months.in_scope(None)
    early = MM.cohort_retention(
        p.member_months, every, last_cohort=D(2024, 2, 5), cohorts=2, as_of=D(2024, 2, 5)
    )
    assert early.filter(pl.col("months_since") == 1)["active"].to_list() == [0]
    late = MM.cohort_retention(
        p.member_months, every, last_cohort=D(2024, 2, 12), cohorts=2, as_of=D(2024, 2, 12)
    )
    assert late.filter(pl.col("months_since") == 1)["active"].to_list() == [1]
    assert MM.breadth(p.member_months, every, first=D(2024, 2, 1), last=D(2024, 2, 9))[
        "breadth"
    ].to_list() == [0, 0]
    assert MM.breadth(p.member_months, every, first=D(2024, 2, 1), last=D(2024, 2, 29))[
        "breadth"
    ].to_list() == [1, 1]


def test_activity_of_an_unknown_member_counts_for_the_movement_only() -> None:
    # Member 9 is not among the members (the reader may not see them).
    p = _prepared(
        members=members(member(1, D(2023, 1, 1), chapter=1)),
        volunteer_hours=hours(
            hours_month(1, D(2024, 3, 1), 60, days=(3,)), hours_month(9, D(2024, 3, 1), 60, days=(4,))
        ),
    )
    mm = p.member_months
    assert mm.n_rows == 2
    assert MM.breadth(mm, mm.in_scope(None), first=D(2024, 3, 1), last=D(2024, 3, 31))["breadth"][-1] == 2
    assert MM.breadth(mm, mm.in_scope((1,)), first=D(2024, 3, 1), last=D(2024, 3, 31))["breadth"][-1] == 1
    assert MM.active_ratio(mm, mm.in_scope(None), at=D(2024, 3, 31)).active == 1  # members only
    assert sorted(mm.volunteer_totals(D(2024, 3, 1), D(2024, 3, 31))["member_id"].to_list()) == [1, 9]


def test_retention_and_burnout_from_the_columns_by_hand() -> None:
    # V(2023) = {1, 2, 3, 4}, V(2024) = {2, 4, 5}; member 6 volunteered every
    # month of 2023 and none since.
    rows = [hours_month(m, D(2023, 5, 1), 60) for m in (1, 2, 3, 4)]
    rows += [hours_month(m, D(2024, 2, 1), 60) for m in (2, 4, 5)]
    rows += [hours_month(6, D(2023, k, 1), 120) for k in range(1, 13)]
    p = _prepared(volunteer_hours=hours(*rows))
    retention = MM.volunteer_retention(p.member_months, year=2024, as_of=D(2024, 6, 30))
    assert (retention.volunteers_prev, retention.volunteers, retention.retained) == (5, 3, 2)
    burnout = MM.burnout_signals(p.member_months, as_of=D(2024, 2, 29))
    assert burnout.dropped_volunteers["member_id"].to_list() == [6]
    assert burnout.dropped_volunteers["mean_monthly_hours"].to_list() == [2.0]


# --- a synthetic movement -----------------------------------------------------------


@pytest.fixture(scope="module")
def movement() -> tuple[S.ReportFrames, PreparedFrames]:
    frames, _ = generate(Scale(members=2_000, hour_entries=20_000, donations=6_000), as_of=D(2025, 6, 30))
    return frames, prepare_frames(frames)


DATES = [D(2025, 6, 30), D(2025, 6, 14), D(2025, 3, 3), D(2024, 12, 31), D(2024, 2, 29)]


@pytest.mark.parametrize("at", DATES)
@pytest.mark.parametrize("region", [False, True])
def test_member_figures_agree_with_the_rows(
    movement: tuple[S.ReportFrames, PreparedFrames], at: date, region: bool
) -> None:
    frames, p = movement
    mm = p.member_months
    ids: tuple[int, ...] | None = None
    member_rows, activity = p.members, _activity(p)
    if region:
        chapter = int(frames.chapters.filter(pl.col("level") == "regional")["id"][0])
        ids = tuple(chapter_subtree(frames.chapters, chapter))
        member_rows = member_rows.filter(pl.col("chapter_id").is_in(list(ids)))
        activity = activity.join(
            member_rows.select(pl.col("id").alias("member_id")), on="member_id", how="semi"
        )
    scope = mm.in_scope(ids)
    assert MM.active_ratio(mm, scope, at=at) == active_ratio(member_rows, activity, at=at).collect()
    assert MM.active_ratio(mm, scope, at=at, window_days=31) == (
        active_ratio(member_rows, activity, at=at, window_days=31).collect()
    )
    cohorts = cohort_retention(member_rows, activity, last_cohort=at, as_of=at).collect()
    same_frame(MM.cohort_retention(mm, scope, last_cohort=at, as_of=at), cohorts)
    first = D(at.year, 1, 1)
    reference = breadth_and_depth(activity, p.rungs, first=first, last=at).collect()
    same_frame(MM.breadth(mm, scope, first=first, last=at), reference.select("month", "breadth"))


@pytest.mark.parametrize("at", DATES)
def test_volunteer_figures_agree_with_the_rows(
    movement: tuple[S.ReportFrames, PreparedFrames], at: date
) -> None:
    frames, p = movement
    mm = p.member_months
    for fy in (1, 7):
        year = fiscal_year_of(at, fy)
        expected = V.volunteer_retention(frames.volunteer_hours, year=year, as_of=at, fy_start_month=fy)
        assert MM.volunteer_retention(mm, year=year, as_of=at, fy_start_month=fy) == expected.collect()
    burnout = V.burnout_signals(frames.volunteer_hours, as_of=at).collect()
    fast = MM.burnout_signals(mm, as_of=at)
    same_frame(fast.dropped_volunteers, burnout.dropped_volunteers)
    assert fast.hours_per_volunteer_change == burnout.hours_per_volunteer_change
    assert (fast.volunteers_recent, fast.volunteers_before) == (
        burnout.volunteers_recent,
        burnout.volunteers_before,
    )
    first = D(at.year, 1, 1)
    totals = V.per_volunteer(frames.volunteer_hours, first_month=first, last_month=at).collect()
    same_frame(mm.volunteer_totals(first, at).sort("member_id"), totals.sort("member_id"))


@pytest.mark.parametrize("at", DATES)
def test_donor_totals_agree_with_the_rows(movement: tuple[S.ReportFrames, PreparedFrames], at: date) -> None:
    frames, p = movement
    for fy in (1, 7):
        year = fiscal_year_of(at, fy)
        expected = F.donor_years(frames.donations, year=year, as_of=at, fy_start_month=fy).collect()
        got = p.donor_totals.years(year=year, as_of=at, fy_start_month=fy)
        same_frame(got.sort("donor_id"), expected.sort("donor_id"))
    first = at - timedelta(days=120)
    per_donor = (
        F.gifts(frames.donations, at)
        .filter(pl.col("received_on") >= first)
        .group_by("donor_id")
        .agg(pl.col("amount").sum().cast(pl.Float64).alias("a"))
        .collect()
    )
    same_frame(p.donor_totals.per_donor(first, at).sort("donor_id"), per_donor.sort("donor_id"))


# --- random data --------------------------------------------------------------------

DAY0, LAST = D(2023, 1, 1), D(2024, 12, 31)
day = st.integers(0, (LAST - DAY0).days).map(lambda n: DAY0 + timedelta(days=n))


@st.composite
def small_movements(draw: Any) -> dict[str, pl.DataFrame]:
    n = draw(st.integers(1, 8))
    people = []
    for i in range(1, n + 1):
        joined = draw(day)
        left = draw(st.none() | day.filter(lambda d, j=joined: d > j))
        people.append(member(i, joined, chapter=draw(st.integers(1, 2)), left=left))
    evs = [event(k, draw(day)) for k in range(1, draw(st.integers(0, 6)) + 1)]
    att = [attend(e["id"], draw(st.integers(1, n + 1))) for e in evs for _ in range(draw(st.integers(0, 3)))]
    hrs = [
        hours_month(
            draw(st.integers(1, n + 1)),
            draw(day),
            draw(st.integers(0, 300)),
            status=draw(st.sampled_from(["approved", "pending", "rejected"])),
            days=tuple(draw(st.sets(st.integers(1, 28), min_size=1, max_size=3))),
        )
        for _ in range(draw(st.integers(0, 12)))
    ]
    return {
        "members": members(*people),
        "events": events(*evs),
        "attendance": attendance(*att),
        "volunteer_hours": hours(*hrs).unique(["member_id", "chapter_id", "program_id", "status", "month"]),
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames=small_movements(), at=day, window=st.integers(1, 120))
def test_random_movements_give_the_same_figures(
    frames: dict[str, pl.DataFrame], at: date, window: int
) -> None:
    p = _prepared(**frames)
    mm, every = p.member_months, p.member_months.in_scope(None)
    activity = _activity(p)
    assert MM.active_ratio(mm, every, at=at, window_days=window) == (
        active_ratio(p.members, activity, at=at, window_days=window).collect()
    )
    cohorts = cohort_retention(p.members, activity, last_cohort=at, cohorts=6, as_of=at).collect()
    same_frame(MM.cohort_retention(mm, every, last_cohort=at, cohorts=6, as_of=at), cohorts)
    reference = breadth_and_depth(activity, p.rungs, first=D(at.year, 1, 1), last=at).collect()
    same_frame(MM.breadth(mm, every, first=D(at.year, 1, 1), last=at), reference.select("month", "breadth"))
    hrs = frames["volunteer_hours"]
    year = at.year
    assert (
        MM.volunteer_retention(mm, year=year, as_of=at)
        == V.volunteer_retention(hrs, year=year, as_of=at).collect()
    )
    burnout = V.burnout_signals(hrs, as_of=at).collect()
    same_frame(MM.burnout_signals(mm, as_of=at).dropped_volunteers, burnout.dropped_volunteers)
