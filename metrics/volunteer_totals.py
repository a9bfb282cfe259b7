"""One volunteer's totals for the "My hours" page and the statement of hours.

Pure polars: frames in, frames out. The input is one row per hours entry with
the columns ``worked_on`` (date), ``minutes`` (integer), ``activity`` (text)
and ``status`` ("pending", "approved" or "rejected"), as
``db.hours.my_hours`` returns them.

Approved and pending time are always kept apart: only approved time counts
as given (METRICS.md, "Volunteers": V(y) counts approved hours); pending time
is shown beside it so a volunteer sees what still awaits a coordinator.
Rejected entries count in neither.
"""

from __future__ import annotations

from typing import Literal

import polars as pl

TOTAL_COLUMNS = ("approved_minutes", "pending_minutes", "approved_entries", "pending_entries")


def _split() -> list[pl.Expr]:
    approved = pl.col("status") == "approved"
    pending = pl.col("status") == "pending"
    return [
        pl.col("minutes").filter(approved).sum().cast(pl.Int64).alias("approved_minutes"),
        pl.col("minutes").filter(pending).sum().cast(pl.Int64).alias("pending_minutes"),
        approved.sum().cast(pl.Int64).alias("approved_entries"),
        pending.sum().cast(pl.Int64).alias("pending_entries"),
    ]


def totals(entries: pl.DataFrame) -> dict[str, int]:
    """Overall approved and pending minutes and entry counts.

    Formula: approved_minutes = Σ minutes over entries with status approved;
    pending_minutes likewise over pending; rejected entries are left out.
    Source: volunteer_hours (status, minutes).

    Example: entries (90, approved), (30, approved), (60, pending),
    (45, rejected) give approved_minutes 120, pending_minutes 60,
    approved_entries 2, pending_entries 1.
    """
    row = entries.select(_split()).row(0, named=True)
    return {name: int(row[name] or 0) for name in TOTAL_COLUMNS}


def by_period(entries: pl.DataFrame, every: Literal["month", "year"]) -> pl.DataFrame:
    """Approved and pending minutes per calendar month or year, oldest first.

    Formula: for each period p (the first day of the month or year of
    ``worked_on``), approved_minutes(p) = Σ minutes of approved entries
    worked in p; pending_minutes(p) likewise. Periods with only rejected
    entries appear with zeros, so a chart shows the month was logged.
    Source: volunteer_hours (worked_on, minutes, status).

    Example: (2026-03-02, 60, approved), (2026-03-20, 30, pending),
    (2026-04-01, 120, approved) by month give
    2026-03-01 → approved 60, pending 30; 2026-04-01 → approved 120, pending 0.
    """
    truncate = "1mo" if every == "month" else "1y"
    return (
        entries.with_columns(pl.col("worked_on").dt.truncate(truncate).alias("period"))
        .group_by("period")
        .agg(_split())
        .sort("period")
    )


def by_activity(entries: pl.DataFrame) -> pl.DataFrame:
    """Approved and pending minutes per activity, most approved time first.

    Formula: approved_minutes(a) = Σ minutes of approved entries with
    activity a; pending_minutes(a) likewise.
    Source: volunteer_hours (activity, minutes, status).

    Example: (training, 60, approved), (training, 30, pending),
    (outreach, 90, approved) give outreach → 90 / 0 and training → 60 / 30.
    """
    return (
        entries.group_by("activity")
        .agg(_split())
        .sort(["approved_minutes", "activity"], descending=[True, False])
    )


def value_of_time_minor(approved_minutes: int, hourly_rate_minor: int) -> int:
    """The value of time given, in minor units of the reporting currency.

    Formula: value = approved hours × hourly rate, i.e.
    round(minutes × rate_minor / 60), rounding half up to the nearest minor
    unit. Source: METRICS.md "value of volunteer time"; the rate is
    movement_settings.volunteer_hour_value_minor (Independent Sector's
    $31.80 for 2022 by default).

    Example: 90 approved minutes at 3,180 cents an hour are
    90 × 3180 / 60 = 4,770 cents ($47.70).
    """
    if approved_minutes < 0 or hourly_rate_minor < 0:
        raise ValueError("minutes and rate cannot be negative")
    return (approved_minutes * hourly_rate_minor + 30) // 60
