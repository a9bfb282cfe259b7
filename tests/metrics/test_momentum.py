"""Momentum figures on hand-computed members, events and activity."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest

from metrics.activity import active_ratio, cohort_retention, member_activity
from metrics.attendance import attendance_with_events, event_counts, event_figures, weekly_attendance
from metrics.chapters import chapter_activity, chapter_spread, chapters_by_level_monthly
from metrics.ladder import (
    RUNGS,
    breadth_and_depth,
    climbs,
    depth_by_month,
    engagement_ladder,
    first_two_days,
    ladder_rungs,
)
from metrics.membership import member_counts, members_over_time
from metrics.schemas import DONATIONS, DONOR_MEMBERS, rows
from tests.metrics.builders import (
    D,
    attend,
    attendance,
    chapter,
    chapters,
    event,
    events,
    gift,
    hours,
    hours_month,
    member,
    members,
)


def test_member_counts_growth_and_churn_by_hand() -> None:
    # 50 members before 1 Jan; in Q1 10 join and 5 of the first ones leave.
    ms = [member(i, D(2023, 6, 1), left=D(2024, 2, 1) if i <= 5 else None) for i in range(1, 51)]
    ms += [member(100 + i, D(2024, 3, 1)) for i in range(10)]
    c = member_counts(members(*ms), start=D(2024, 1, 1), at=D(2024, 3, 31)).collect()
    assert (c.members_at_start, c.members, c.joins, c.leaves) == (50, 55, 10, 5)
    assert c.growth.value == pytest.approx(0.1)
    assert c.churn.value == pytest.approx(0.1)


def test_member_on_the_day_they_leave_is_no_longer_a_member() -> None:
    c = member_counts(
        members(member(1, D(2024, 1, 1), left=D(2024, 3, 31))), start=D(2024, 1, 1), at=D(2024, 3, 31)
    )
    assert c.collect().members == 0


def test_weekly_members_growth_churn_and_four_week_figures_by_hand() -> None:
    # 100 members before 2024; week of 1 Jan: 6 join, 2 leave.
    ms = [member(i, D(2023, 1, 1), left=D(2024, 1, 3) if i <= 2 else None) for i in range(1, 101)]
    ms += [member(200 + i, D(2024, 1, 2)) for i in range(6)]
    ms += [member(300, D(2024, 1, 30))]  # week of 29 Jan
    frame = members_over_time(
        members(*ms), start=D(2024, 1, 1), end=D(2024, 1, 31), as_of=D(2024, 1, 31)
    ).collect()
    w = {r["week"]: r for r in frame.rows(named=True)}
    first = w[D(2024, 1, 1)]
    assert (first["members"], first["joins"], first["leaves"]) == (104, 6, 2)
    assert first["growth"] == pytest.approx(0.04)
    assert first["churn"] == pytest.approx(0.02)
    assert first["growth_4w"] == pytest.approx(0.04)  # four weeks earlier: 100
    last = w[D(2024, 1, 29)]
    assert last["members"] == 105 and last["partial"]  # the week runs past 31 Jan
    assert last["growth_4w"] == pytest.approx(1 / 104)
    assert last["churn_4w"] == pytest.approx(0.0)
    assert list(w) == [D(2024, 1, 1), D(2024, 1, 8), D(2024, 1, 15), D(2024, 1, 22), D(2024, 1, 29)]


def _activity(
    ms: pl.DataFrame, evs: pl.DataFrame, att: pl.DataFrame, hrs: pl.DataFrame, **kw: object
) -> pl.DataFrame:
    attended = attendance_with_events(att, evs)
    return member_activity(attended, hrs, **kw).collect()  # type: ignore[arg-type]


def test_activity_days_are_bits_of_their_month() -> None:
    ms = members(member(7, D(2024, 1, 1)))
    evs = events(event(1, D(2024, 3, 2)), event(2, D(2024, 3, 9)))
    act = _activity(ms, evs, attendance(attend(1, 7), attend(2, 7)), hours())
    assert sorted(act.rows()) == [
        (7, None, "attended", D(2024, 3, 1), 1 << 1, 1),
        (7, None, "attended", D(2024, 3, 1), 1 << 8, 1),
    ]


def test_active_ratio_by_hand() -> None:
    # Four members on 31 March: 1 attended on 15 Mar, 2 logged hours on
    # 20 Dec (outside 90 days), 3 gave on 2 Jan (inside), 4 did nothing.
    ms = members(*(member(i, D(2023, 1, 1)) for i in range(1, 5)))
    evs = events(event(1, D(2024, 3, 15)))
    hrs = hours(hours_month(2, D(2023, 12, 1), 60, days=(20,)))
    gifts = rows(DONATIONS, [gift(9, D(2024, 1, 2), 500)])
    links = rows(DONOR_MEMBERS, [{"donor_id": 9, "member_id": 3}])
    act = _activity(ms, evs, attendance(attend(1, 1)), hrs, donations=gifts, donor_members=links)
    a = active_ratio(ms, act, at=D(2024, 3, 31), window_days=90).collect()
    assert (a.members, a.active) == (4, 2)
    assert a.ratio.value == 0.5
    # The window starts on 2 Jan (31 Mar − 89 days): the gift on 2 Jan counts,
    # one a day earlier would not.
    assert D(2024, 3, 31) - timedelta(days=89) == D(2024, 1, 2)
    shorter = active_ratio(ms, act, at=D(2024, 3, 31), window_days=89).collect()
    assert shorter.active == 1


def test_active_ratio_with_no_members_is_undefined() -> None:
    a = active_ratio(
        members(), _activity(members(), events(), attendance(), hours()), at=D(2024, 3, 31)
    ).collect()
    assert a.ratio.value is None and a.ratio.reason == "no members on 2024-03-31"


def test_cohort_retention_by_hand() -> None:
    # 10 members join in January; 6 active in January, 3 in February.
    ms = members(*(member(i, D(2024, 1, 5)) for i in range(1, 11)))
    hrs = hours(
        *(hours_month(i, D(2024, 1, 1), 60, days=(10,)) for i in range(1, 7)),
        *(hours_month(i, D(2024, 2, 1), 60, days=(10,)) for i in range(1, 4)),
    )
    act = _activity(ms, events(), attendance(), hrs)
    frame = cohort_retention(ms, act, last_cohort=D(2024, 2, 1), cohorts=2, as_of=D(2024, 2, 29)).collect()
    # Shares to the last bit but one: polars divides by a column it holds as
    # one repeated value through its reciprocal (pola-rs/polars#23741).
    assert frame.drop("share").rows() == [(D(2024, 1, 1), 10, 0, 6), (D(2024, 1, 1), 10, 1, 3)]
    assert frame["share"].to_list() == pytest.approx([0.6, 0.3], rel=1e-15)


def test_cohort_activity_after_as_of_within_its_month_does_not_count() -> None:
    ms = members(member(1, D(2024, 1, 5)))
    act = _activity(ms, events(), attendance(), hours(hours_month(1, D(2024, 1, 1), 60, days=(20,))))
    frame = cohort_retention(ms, act, last_cohort=D(2024, 1, 1), cohorts=1, as_of=D(2024, 1, 15)).collect()
    assert frame.rows() == [(D(2024, 1, 1), 1, 0, 0, 0.0)]


def _ladder_world() -> tuple[pl.DataFrame, pl.DataFrame]:
    # 10 members: 6 attended (3 of them twice), 2 volunteered, 1 trained.
    ms = members(*(member(i, D(2023, 1, 1), trained=D(2024, 2, 1) if i == 1 else None) for i in range(1, 11)))
    evs = events(event(1, D(2024, 1, 10)), event(2, D(2024, 2, 10)))
    att = attendance(*(attend(1, i) for i in range(1, 7)), *(attend(2, i) for i in range(1, 4)))
    hrs = hours(hours_month(1, D(2024, 3, 1), 60, days=(5,)), hours_month(2, D(2024, 3, 1), 60, days=(9,)))
    return ms, ladder_rungs(ms, attendance_with_events(att, evs), hrs).collect()


def test_ladder_rungs_by_hand() -> None:
    _, rungs = _ladder_world()
    one = rungs.filter(pl.col("member_id") == 1).row(0, named=True)
    assert (one["attendee"], one["repeat_attendee"], one["volunteer"], one["trained"], one["leader"]) == (
        D(2024, 1, 10),
        D(2024, 2, 10),
        D(2024, 3, 5),
        D(2024, 2, 1),
        None,
    )
    two = rungs.filter(pl.col("member_id") == 2).row(0, named=True)
    assert two["volunteer"] == D(2024, 3, 9)


def test_engagement_ladder_funnel_by_hand() -> None:
    _, rungs = _ladder_world()
    funnel = engagement_ladder(rungs, at=D(2024, 3, 31)).collect()
    assert funnel["members"].to_list() == [10, 6, 3, 2, 1, 0]
    assert funnel["conversion"].to_list() == pytest.approx([None, 0.6, 0.5, 2 / 3, 0.5, 0.0], nan_ok=True)
    assert funnel["rung"].to_list() == ["member", *RUNGS]
    # On 31 January only the first event had happened.
    early = engagement_ladder(rungs, at=D(2024, 1, 31)).collect()
    assert early["members"].to_list() == [10, 6, 0, 0, 0, 0]


def test_breadth_and_depth_by_hand() -> None:
    ms, rungs = _ladder_world()
    evs = events(event(1, D(2024, 1, 10)), event(2, D(2024, 2, 10)))
    att = attendance(*(attend(1, i) for i in range(1, 7)), *(attend(2, i) for i in range(1, 4)))
    hrs = hours(hours_month(1, D(2024, 3, 1), 60, days=(5,)), hours_month(2, D(2024, 3, 1), 60, days=(9,)))
    act = _activity(ms, evs, att, hrs)
    frame = breadth_and_depth(act, rungs, first=D(2024, 1, 1), last=D(2024, 3, 31)).collect()
    by_month = {r["month"]: (r["breadth"], r["depth"]) for r in frame.rows(named=True)}
    # January: 6 first attendances (breadth, not depth). February: 3 repeat
    # attendees climb, and member 1 is trained. March: 1 and 2 volunteer;
    # member 1 was already trained (rank 4), so only member 2 climbs.
    assert by_month[D(2024, 1, 1)] == (6, 0)
    assert by_month[D(2024, 2, 1)] == (3, 3)
    assert by_month[D(2024, 3, 1)] == (2, 1)
    assert by_month[None] == (6, 3)  # distinct over the quarter: climbers {1, 2, 3}


def test_chapters_by_level_and_spread_by_hand() -> None:
    chs = chapters(
        chapter(1, "national"),
        chapter(2, "regional", 1),
        chapter(3, "local", 2),
        chapter(4, "local", 2, founded=D(2024, 3, 10)),
        chapter(5, "local", 2, dormant=D(2024, 2, 1)),
    )
    monthly = chapters_by_level_monthly(chs, first=D(2024, 1, 1), last=D(2024, 3, 31)).collect()
    local = monthly.filter(pl.col("level") == "local")["chapters"].to_list()
    assert local == [2, 1, 2]  # Jan: 3 and 5; Feb: 5 dormant; Mar: 4 founded
    units = pl.DataFrame({"chapter_id": [3, 4, 2], "units": [60, 30, 10]})
    spread = chapter_spread(chs, units, at=D(2024, 3, 31)).collect()
    assert spread.by_level.rows() == [
        ("local", 2, 2),
        ("regional", 1, 1),
        ("national", 1, 0),
        ("international", 0, 0),
    ]
    assert spread.elephant_factor.value == 1
    assert (spread.chapters, spread.active_chapters) == (4, 3)


def test_elephant_factor_counts_chapters_to_half_the_activity() -> None:
    chs = chapters(*(chapter(i) for i in range(1, 5)))
    units = pl.DataFrame({"chapter_id": [1, 2, 3, 4], "units": [25, 25, 25, 25]})
    assert chapter_spread(chs, units, at=D(2024, 1, 1)).collect().elephant_factor.value == 2
    none = chapter_spread(chs, units.clear(), at=D(2024, 1, 1)).collect()
    assert none.elephant_factor.value is None


def test_chapter_activity_units_by_hand() -> None:
    evs = events(event(1, D(2024, 1, 10), chapter=3), event(2, D(2024, 5, 10), chapter=3))
    counts = event_counts(
        evs, attendance(attend(1, 1), attend(1, 2), attend(1, None, guests=3), attend(2, 1))
    )
    hrs = hours(
        hours_month(1, D(2024, 2, 1), 60, chapter=4, entries=4),
        hours_month(1, D(2024, 2, 1), 60, chapter=4, status="pending"),
    )
    units = (
        chapter_activity(counts, hrs, first=D(2024, 1, 1), last=D(2024, 3, 31)).collect().sort("chapter_id")
    )
    assert units.rows() == [(3, 5), (4, 4)]


def _weekly(counts: list[int]) -> pl.DataFrame:
    first = D(2024, 1, 1)  # a Monday
    evs = events(*(event(i + 1, first + timedelta(weeks=i)) for i in range(len(counts))))
    att = attendance(*(attend(i + 1, None, guests=c) for i, c in enumerate(counts)))
    end = first + timedelta(weeks=len(counts)) - timedelta(days=1)
    return weekly_attendance(event_counts(evs, att), start=first, end=end, as_of=end).collect()


def test_attendance_spike_is_marked_apart_from_trend() -> None:
    frame = _weekly([10, 12, 10, 12, 10, 12, 10, 12, 40, 11])
    assert frame["marker"].to_list() == [None] * 8 + ["spike", None]
    spike = frame.row(8, named=True)
    assert spike["mean"] == pytest.approx(11.0)
    assert spike["sd"] == pytest.approx((8 / 7) ** 0.5)  # sample sd of 10, 12 × 4
    assert spike["upper"] == pytest.approx(11 + 2 * (8 / 7) ** 0.5)


def test_a_sustained_shift_is_a_trend_not_a_spike() -> None:
    frame = _weekly([10, 12, 10, 12, 10, 12, 10, 12, 40, 41])
    assert frame["marker"].to_list()[-2:] == ["shift", "shift"]


def test_too_little_history_marks_nothing() -> None:
    frame = _weekly([10, 12, 40])
    assert frame["marker"].to_list() == [None, None, None]


def test_event_figures_by_hand() -> None:
    evs = events(event(1, D(2024, 2, 1), capacity=20), event(2, D(2024, 2, 2), kind="empathy_circle"))
    att = attendance(
        *(attend(1, i) for i in range(1, 9)), attend(1, None, guests=2), *(attend(2, i) for i in range(1, 6))
    )
    f = event_figures(
        event_counts(evs, att), attendance_with_events(att, evs), start=D(2024, 1, 1), end=D(2024, 3, 31)
    ).collect()
    assert (f.events, f.attendance, f.member_attendances, f.guests, f.unique_attendees) == (2, 15, 13, 2, 8)
    assert f.fill_rate.value == pytest.approx(0.5)
    assert f.by_kind.rows() == [("empathy_circle", 1, 5), ("workshop", 1, 10)]


def test_empty_period_has_no_events_and_undefined_fill_rate() -> None:
    f = event_figures(
        event_counts(events(), attendance()),
        attendance_with_events(attendance(), events()),
        start=D(2024, 1, 1),
        end=D(2024, 3, 31),
    ).collect()
    assert (f.events, f.attendance, f.unique_attendees) == (0, 0, 0)
    assert f.fill_rate.value is None


def test_first_two_days_per_id_including_ties_and_single_rows() -> None:
    rows_ = pl.DataFrame(
        {
            "member_id": [3, 1, 1, 2, 2, 1, 4],
            "day": [
                D(2024, 5, 1),
                D(2024, 3, 9),
                D(2024, 1, 2),
                D(2024, 2, 2),
                D(2024, 2, 2),
                D(2024, 7, 1),
                D(1899, 12, 31),
            ],
        }
    )
    out = first_two_days(rows_, "member_id", pl.col("day")).collect().sort("member_id")
    assert out.rows() == [
        (1, D(2024, 1, 2), D(2024, 3, 9)),
        (2, D(2024, 2, 2), D(2024, 2, 2)),  # two events on the same day: the second is that day too
        (3, D(2024, 5, 1), None),
        (4, D(1900, 1, 1), None),  # dates before 1900 are clipped to the packing's origin
    ]


def test_climbs_name_the_day_and_chapter() -> None:
    _, rungs = _ladder_world()
    out = climbs(rungs).collect().sort("member_id", "on")
    # Member 1 was trained on 1 February and came back on the 10th.
    assert out.filter(pl.col("member_id") == 1).rows() == [(1, 1, D(2024, 2, 1)), (1, 1, D(2024, 2, 10))]
    assert {d.replace(day=1) for d in out["on"].to_list()} == {D(2024, 2, 1), D(2024, 3, 1)}


def test_depth_in_a_month_not_yet_over_counts_the_climbs_so_far() -> None:
    _, rungs = _ladder_world()
    climbed = climbs(rungs).collect()
    # By 5 February only member 1 had climbed (trained on the 1st); members
    # 2 and 3 came back on the 10th.
    early = depth_by_month(climbed, first=D(2024, 2, 1), last=D(2024, 2, 5)).collect()
    assert early["depth"].to_list() == [1, 1]
    whole = depth_by_month(climbed, first=D(2024, 2, 1), last=D(2024, 2, 29)).collect()
    assert whole["depth"].to_list() == [3, 3]
