"""Recurring revenue: each plan's amount per month and whether it is
overdue, monthly recurring revenue (MRR) with the revenue at risk, and
MRR month by month.

Input is a frame of recurring plans (`PLAN_FRAME_SCHEMA`, amounts in
minor units of the reporting currency), not gifts. The share of gifts
that are recurring, as FEP defines it, is `metrics.fundraising`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from metrics.figure import Figure
from metrics.query import Query

FrameLike = pl.DataFrame | pl.LazyFrame

PLAN_FRAME_SCHEMA: dict[str, pl.DataType] = {
    "plan_id": pl.Int64(),
    "donor_id": pl.Int64(),
    "reporting_amount_minor": pl.Int64(),
    "frequency": pl.String(),  # monthly, quarterly, annual
    "status": pl.String(),  # active, failed, cancelled
    "started_on": pl.Date(),
    "last_gift_on": pl.Date(),
}
PERIOD_DAYS = {"monthly": 31, "quarterly": 92, "annual": 366}


def monthly_amount(amount: pl.Expr, frequency: pl.Expr) -> pl.Expr:
    """A plan's amount per month: monthly ×1, quarterly ÷3, annual ÷12."""
    return (
        pl.when(frequency == "monthly")
        .then(amount)
        .when(frequency == "quarterly")
        .then(amount / 3)
        .otherwise(amount / 12)
    )


def plan_health(plans: FrameLike, *, as_of: date, grace_days: int = 7) -> Query[pl.DataFrame]:
    """Each plan with ``monthly_minor`` (its amount per month) and, for an
    active plan, ``days_since_gift`` and ``overdue``: no gift for longer
    than one period plus `grace_days` (a charge that should have happened
    and did not, though the processor has not said "failed").

    Example: a monthly plan of 3,000 whose last gift was 45 days ago is
    overdue (45 > 31 + 7); an annual plan of 12,000 is 1,000 a month.
    """
    period = pl.col("frequency").replace_strict(PERIOD_DAYS, default=31, return_dtype=pl.Int64)
    since = (pl.lit(as_of) - pl.coalesce("last_gift_on", "started_on")).dt.total_days()
    frame = plans.lazy().with_columns(
        monthly_amount(pl.col("reporting_amount_minor"), pl.col("frequency")).alias("monthly_minor"),
        since.alias("days_since_gift"),
        ((pl.col("status") == "active") & (since > period + grace_days)).alias("overdue"),
    )
    return Query.frame_of(frame)


@dataclass(frozen=True)
class RecurringRevenue:
    """Monthly recurring revenue (MRR) and the plans behind it.

    MRR = Σ over active plans of the amount per month (monthly ×1,
    quarterly ÷3, annual ÷12), in the reporting currency. Failed plans'
    monthly amount is revenue at risk; annualised = 12 × MRR.
    """

    mrr_minor: float
    annualised_minor: float
    at_risk_minor: float
    active: int
    failed: int
    cancelled: int
    overdue: int
    average_monthly_gift: Figure


def recurring_revenue(plans: FrameLike, *, as_of: date, grace_days: int = 7) -> Query[RecurringRevenue]:
    """MRR and counts of active, failed, cancelled and overdue plans.

    Formula: see `RecurringRevenue`. Source: the subscription-revenue
    convention (normalise every plan to a month); benchmarks for nonprofits
    are not standard, so none is shown.

    Example: active monthly 2,000 and annual 12,000, failed monthly 3,000,
    cancelled quarterly 9,000 → MRR 3,000, at risk 3,000, average monthly
    gift 1,500, annualised 36,000.
    """
    health = plan_health(plans, as_of=as_of, grace_days=grace_days).frame
    active = pl.col("status") == "active"
    frame = health.select(
        pl.col("monthly_minor").filter(active).sum().cast(pl.Float64).alias("mrr"),
        pl.col("monthly_minor").filter(pl.col("status") == "failed").sum().cast(pl.Float64).alias("risk"),
        active.sum().cast(pl.Int64).alias("active"),
        (pl.col("status") == "failed").sum().cast(pl.Int64).alias("failed"),
        (pl.col("status") == "cancelled").sum().cast(pl.Int64).alias("cancelled"),
        pl.col("overdue").sum().cast(pl.Int64).alias("overdue"),
    )

    def finish(df: pl.DataFrame) -> RecurringRevenue:
        row = df.row(0, named=True)
        mrr = float(row["mrr"] or 0.0)
        return RecurringRevenue(
            mrr_minor=mrr,
            annualised_minor=12 * mrr,
            at_risk_minor=float(row["risk"] or 0.0),
            active=int(row["active"] or 0),
            failed=int(row["failed"] or 0),
            cancelled=int(row["cancelled"] or 0),
            overdue=int(row["overdue"] or 0),
            average_monthly_gift=Figure.ratio(mrr, row["active"] or 0, "minor", "no active plans"),
        )

    return Query(frame, finish)


def mrr_by_month(plans: FrameLike, *, start: date, end: date) -> Query[pl.DataFrame]:
    """MRR at the end of each month from `start` to `end`, from the plans'
    start and end dates: a plan counts in a month when it started on or
    before the month's end and had not been cancelled or failed by then.
    Columns ``month``, ``mrr_minor``, ``active``.

    `plans` needs ``started_on``, ``cancelled_on`` and ``failed_on`` besides
    `PLAN_FRAME_SCHEMA`. A failed plan that later recovered is active with
    no failed_on, so history before the recovery is read as active (the
    table keeps only the latest status).

    Example: plan A monthly 1,000 from 2024-01-10, cancelled 2024-03-05;
    plan B annual 12,000 from 2024-02-01 → Jan 1,000; Feb 2,000; Mar 1,000.
    """
    months = pl.LazyFrame(
        {"month": pl.date_range(start.replace(day=1), end.replace(day=1), "1mo", eager=True)}
    )
    ended = pl.coalesce("cancelled_on", "failed_on")
    frame = (
        months.join(plans.lazy(), how="cross")
        .with_columns(pl.col("month").dt.month_end().alias("_end"))
        .filter((pl.col("started_on") <= pl.col("_end")) & (ended.is_null() | (ended > pl.col("_end"))))
        .group_by("month")
        .agg(
            monthly_amount(pl.col("reporting_amount_minor"), pl.col("frequency")).sum().alias("mrr_minor"),
            pl.len().cast(pl.Int64).alias("active"),
        )
    )
    return Query.frame_of(
        months.join(frame, on="month", how="left")
        .with_columns(pl.col("mrr_minor").fill_null(0.0).cast(pl.Float64), pl.col("active").fill_null(0))
        .sort("month")
    )
