"""Volunteer figures on hand-computed hours."""

from __future__ import annotations

import pytest

from metrics import schemas as S
from metrics import volunteers as V
from tests.metrics.builders import D, entry, hours, hours_month


def test_retention_by_hand() -> None:
    # V(2023) = {1, 2, 3, 4}; V(2024) = {2, 4, 5}; member 6 only pending.
    h = hours(
        *(hours_month(m, D(2023, 5, 1), 60) for m in (1, 2, 3, 4)),
        *(hours_month(m, D(2024, 2, 1), 60) for m in (2, 4, 5)),
        hours_month(6, D(2023, 5, 1), 60, status="pending"),
        hours_month(1, D(2024, 2, 1), 60, status="rejected"),
    )
    r = V.volunteer_retention(h, year=2024, as_of=D(2024, 12, 31)).collect()
    assert (r.volunteers_prev, r.volunteers, r.retained) == (4, 3, 2)
    assert r.retention.value == pytest.approx(0.5)
    assert r.benchmark == 0.65
    assert not r.partial


def test_retention_with_nobody_last_year_is_undefined() -> None:
    r = V.volunteer_retention(
        hours(hours_month(1, D(2024, 1, 1), 60)), year=2024, as_of=D(2024, 12, 31)
    ).collect()
    assert r.retention.value is None and r.retention.reason == "nobody had approved hours in FY 2023"


def test_hours_value_absence_factor_and_top_decile_by_hand() -> None:
    # 50, 30, 10, 10 hours in Q1; a pending hour and a rejected one do not count.
    h = hours(
        hours_month(1, D(2024, 1, 1), 50 * 60),
        hours_month(2, D(2024, 2, 1), 20 * 60),
        hours_month(2, D(2024, 3, 1), 10 * 60),
        hours_month(3, D(2024, 3, 1), 10 * 60),
        hours_month(4, D(2024, 3, 1), 10 * 60),
        hours_month(5, D(2024, 3, 1), 60, status="pending"),
        hours_month(6, D(2024, 3, 1), 600, status="rejected"),
        hours_month(7, D(2024, 4, 1), 600),  # after the period
    )
    s = V.volunteer_hours(
        h, first_month=D(2024, 1, 1), last_month=D(2024, 3, 1), hourly_value_minor=3180
    ).collect()
    assert (s.hours, s.volunteers) == (100.0, 4)
    assert s.hours_per_volunteer.value == 25.0
    assert s.hours_per_volunteer_per_year.value == 100.0  # 25 × 12 / 3
    assert s.value_minor.value == 318_000  # 100 h × $31.80
    assert s.absence_factor.value == 1  # 50 ≥ half of 100
    assert s.top_decile_share.value == pytest.approx(0.5)  # ⌈0.4⌉ = 1 volunteer
    assert s.pending_hours == 1.0


def test_absence_factor_needs_as_many_as_it_takes() -> None:
    h = hours(*(hours_month(m, D(2024, 1, 1), 600) for m in range(1, 6)))  # five × 10 h
    s = V.volunteer_hours(h, first_month=D(2024, 1, 1), last_month=D(2024, 1, 1)).collect()
    assert s.absence_factor.value == 3  # 10 + 10 < 25 ≤ 30


def test_empty_period_hours_are_undefined_where_division_is_needed() -> None:
    s = V.volunteer_hours(hours(), first_month=D(2024, 1, 1), last_month=D(2024, 3, 1)).collect()
    assert s.hours == 0 and s.volunteers == 0
    assert s.value_minor.value == 0
    for fig in (s.hours_per_volunteer, s.absence_factor, s.top_decile_share):
        assert fig.value is None and fig.reason == "nobody had approved hours in the period"


def test_distribution_and_lorenz_by_hand() -> None:
    h = hours(
        hours_month(1, D(2024, 1, 1), 30),
        hours_month(2, D(2024, 1, 1), 180),
        hours_month(3, D(2024, 1, 1), 180),
    )
    dist = V.hours_distribution(h, first_month=D(2024, 1, 1), last_month=D(2024, 1, 1)).collect()
    assert dist.rows()[:3] == [(0.0, 1.0, 1, 0.5), (1.0, 5.0, 2, 6.0), (5.0, 10.0, 0, 0.0)]
    assert dist["volunteers"].sum() == 3 and dist.height == len(V.HOUR_BINS)
    assert dist["bin_to"][-1] is None
    lorenz = V.hours_lorenz(h, first_month=D(2024, 1, 1), last_month=D(2024, 1, 1), points=3).collect()
    shares = lorenz["hours_share"].to_list()
    assert shares == pytest.approx([3 / 6.5, 6 / 6.5, 1.0])


def test_monthly_volunteers_counts_new_ones() -> None:
    h = hours(
        hours_month(1, D(2023, 12, 1), 60),
        hours_month(1, D(2024, 1, 1), 60),
        hours_month(2, D(2024, 1, 1), 120),
        hours_month(3, D(2024, 2, 1), 60, status="pending"),
    )
    frame = V.monthly_volunteers(h, first_month=D(2024, 1, 1), last_month=D(2024, 2, 1)).collect()
    assert frame.rows() == [(D(2024, 1, 1), 2, 3.0, 1, 1.5), (D(2024, 2, 1), 0, 0.0, 0, None)]


def test_burnout_load_concentrating_by_hand() -> None:
    # Jan–Mar: 10 volunteers × 10 h; Apr–Jun: 8 volunteers, 120 h → 15 h each.
    rows = [hours_month(m, D(2024, 2, 1), 600) for m in range(1, 11)]
    rows += [hours_month(m, D(2024, 5, 1), 900) for m in range(1, 9)]
    b = V.burnout_signals(hours(*rows), as_of=D(2024, 6, 30)).collect()
    assert b.recent == (D(2024, 4, 1), D(2024, 6, 1)) and b.before == (D(2024, 1, 1), D(2024, 3, 1))
    assert (b.volunteers_before, b.volunteers_recent) == (10, 8)
    assert b.hours_per_volunteer_change.value == pytest.approx(0.5)
    assert b.headcount_change.value == pytest.approx(-0.2)
    assert b.load_concentrating and b.any


def test_burnout_is_quiet_when_headcount_holds() -> None:
    rows = [hours_month(m, D(2024, 2, 1), 600) for m in range(1, 11)]
    rows += [hours_month(m, D(2024, 5, 1), 900) for m in range(1, 11)]
    b = V.burnout_signals(hours(*rows), as_of=D(2024, 6, 30)).collect()
    assert not b.load_concentrating


def test_sustained_volunteer_dropping_to_zero_by_hand() -> None:
    # Member 1: every month Jan–Jun, nothing Jul–Aug → dropped. Member 2 the
    # same but back in August. Member 3 skipped March → never sustained.
    rows = [hours_month(1, D(2024, m, 1), 120) for m in range(1, 7)]
    rows += [hours_month(2, D(2024, m, 1), 60) for m in (*range(1, 7), 8)]
    rows += [hours_month(3, D(2024, m, 1), 60) for m in (1, 2, 4, 5, 6)]
    b = V.burnout_signals(hours(*rows), as_of=D(2024, 8, 31)).collect()
    assert b.dropped_volunteers.rows() == [(1, 6, 2.0, D(2024, 6, 1))]
    assert b.dropped == 1


def test_burnout_with_no_hours_is_undefined_not_alarming() -> None:
    b = V.burnout_signals(hours(), as_of=D(2024, 8, 31)).collect()
    assert not b.any
    assert b.hours_per_volunteer_change.value is None


def test_monthly_aggregate_matches_raw_entries() -> None:
    raw = S.rows(
        S.VOLUNTEER_HOURS,
        [
            entry(1, D(2024, 3, 3), 60),
            entry(1, D(2024, 3, 5), 30),
            entry(1, D(2024, 3, 31), 15),
            entry(1, D(2024, 4, 1), 10, status="pending"),
        ],
    )
    monthly = S.aggregate_volunteer_hours(raw).collect().sort("month")
    assert monthly.select("month", "status", "minutes", "entries", "day_mask").rows() == [
        (D(2024, 3, 1), "approved", 105, 3, (1 << 2) | (1 << 4) | (1 << 30)),
        (D(2024, 4, 1), "pending", 10, 1, 1),
    ]
