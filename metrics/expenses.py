"""Expenses by functional category (program, admin, fundraising): month
by month and as shares of a period's total.

Input is the `EXPENSES` frame of `metrics.schemas` (amounts in minor units
of the reporting currency). Burn, runway and the other Tuckman–Chang
ratios are `metrics.finance`'s.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from metrics.figure import Figure
from metrics.query import Query

FrameLike = pl.DataFrame | pl.LazyFrame


def expenses_by_month_and_category(expenses: FrameLike, *, start: date, end: date) -> Query[pl.DataFrame]:
    """Expenses per month and category (program, admin, fundraising):
    ``month``, ``category``, ``amount_minor``, and each month's
    ``share`` of the category in that month's total; every month and
    category present (0 where nothing was spent).

    Formula: share = category total / month total (the functional split of
    Form 990's Part IX, by month). Example: March program 800, admin 200 →
    program 0.8, admin 0.2, fundraising 0.
    """
    months = pl.LazyFrame(
        {"month": pl.date_range(start.replace(day=1), end.replace(day=1), "1mo", eager=True)}
    )
    grid = months.join(pl.LazyFrame({"category": ["program", "admin", "fundraising"]}), how="cross")
    spent = (
        expenses.lazy()
        .filter(pl.col("spent_on").is_between(start, end))
        .group_by(pl.col("spent_on").dt.month_start().alias("month"), pl.col("category").cast(pl.String))
        .agg(pl.col("reporting_amount_minor").sum().cast(pl.Int64).alias("amount_minor"))
    )
    frame = (
        grid.join(spent, on=["month", "category"], how="left")
        .with_columns(pl.col("amount_minor").fill_null(0))
        .with_columns(
            (pl.col("amount_minor") / pl.col("amount_minor").sum().over("month"))
            .fill_nan(None)
            .alias("share")
        )
        .sort("month", "category")
    )
    return Query.frame_of(frame)


def expense_shares(expenses: FrameLike, *, start: date, end: date) -> Query[dict[str, Figure]]:
    """Share of each category in all expenses of the period; the admin
    share is Tuckman–Chang's administrative cost ratio.

    Example: program 7,000, admin 2,000, fundraising 1,000 → 0.7, 0.2, 0.1."""
    totals = (
        expenses.lazy()
        .filter(pl.col("spent_on").is_between(start, end))
        .group_by(pl.col("category").cast(pl.String))
        .agg(pl.col("reporting_amount_minor").sum().cast(pl.Float64).alias("a"))
    )

    def finish(df: pl.DataFrame) -> dict[str, Figure]:
        by = dict(zip(df["category"].to_list(), df["a"].to_list(), strict=True))
        total = sum(by.values())
        return {
            c: Figure.ratio(by.get(c, 0.0), total, "ratio", "no expenses in the period")
            for c in ("program", "admin", "fundraising")
        }

    return Query(totals, finish)
