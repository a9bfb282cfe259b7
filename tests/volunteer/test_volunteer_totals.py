"""metrics.volunteer_totals: the docstrings' worked examples by hand, and
properties that must hold for any entries."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.volunteer_totals import by_activity, by_period, totals, value_of_time_minor


def frame(rows: list[tuple[date, int, str, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={"worked_on": pl.Date, "minutes": pl.Int64, "activity": pl.String, "status": pl.String},
        orient="row",
    )


def test_totals_keep_approved_and_pending_apart_and_drop_rejected() -> None:
    entries = frame(
        [
            (date(2026, 3, 1), 90, "outreach", "approved"),
            (date(2026, 3, 2), 30, "outreach", "approved"),
            (date(2026, 3, 3), 60, "training", "pending"),
            (date(2026, 3, 4), 45, "training", "rejected"),
        ]
    )
    assert totals(entries) == {
        "approved_minutes": 120,
        "pending_minutes": 60,
        "approved_entries": 2,
        "pending_entries": 1,
    }


def test_totals_of_nothing_are_zero() -> None:
    assert totals(frame([])) == dict.fromkeys(
        ("approved_minutes", "pending_minutes", "approved_entries", "pending_entries"), 0
    )


def test_by_month_and_by_year() -> None:
    entries = frame(
        [
            (date(2026, 3, 2), 60, "outreach", "approved"),
            (date(2026, 3, 20), 30, "outreach", "pending"),
            (date(2026, 4, 1), 120, "training", "approved"),
            (date(2025, 12, 31), 15, "training", "rejected"),
        ]
    )
    monthly = by_period(entries, "month")
    assert monthly.select("period", "approved_minutes", "pending_minutes").rows() == [
        (date(2025, 12, 1), 0, 0),
        (date(2026, 3, 1), 60, 30),
        (date(2026, 4, 1), 120, 0),
    ]
    yearly = by_period(entries, "year")
    assert yearly.select("period", "approved_minutes", "pending_minutes").rows() == [
        (date(2025, 1, 1), 0, 0),
        (date(2026, 1, 1), 180, 30),
    ]


def test_by_activity_most_approved_first() -> None:
    entries = frame(
        [
            (date(2026, 1, 5), 60, "training", "approved"),
            (date(2026, 1, 6), 30, "training", "pending"),
            (date(2026, 1, 7), 90, "outreach", "approved"),
        ]
    )
    assert by_activity(entries).select("activity", "approved_minutes", "pending_minutes").rows() == [
        ("outreach", 90, 0),
        ("training", 60, 30),
    ]


def test_value_of_time() -> None:
    # 90 minutes at $31.80 an hour = $47.70.
    assert value_of_time_minor(90, 3180) == 4770
    # Half a cent rounds up: 1 minute at 30 cents an hour is 0.5 cents.
    assert value_of_time_minor(1, 30) == 1
    assert value_of_time_minor(0, 3180) == 0
    with pytest.raises(ValueError, match="cannot be negative"):
        value_of_time_minor(-1, 3180)


entry_rows = st.lists(
    st.tuples(
        st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 12, 31)),
        st.integers(min_value=1, max_value=1440),
        st.sampled_from(["outreach", "training", "other"]),
        st.sampled_from(["approved", "pending", "rejected"]),
    ),
    max_size=60,
)


@settings(max_examples=80, deadline=None)
@given(entry_rows)
def test_every_breakdown_adds_up_to_the_totals(rows: list[tuple[date, int, str, str]]) -> None:
    entries = frame(rows)
    overall = totals(entries)
    for part in (by_period(entries, "month"), by_period(entries, "year"), by_activity(entries)):
        assert int(part["approved_minutes"].sum()) == overall["approved_minutes"]
        assert int(part["pending_minutes"].sum()) == overall["pending_minutes"]
        assert int(part["approved_entries"].sum()) == overall["approved_entries"]
    assert overall["approved_minutes"] == sum(m for _, m, _, s in rows if s == "approved")
