"""Each donor on the fundraising desk: their segment in a fiscal year
(new, upgraded, retained, downgraded, recaptured, lapsed), their profile
(first and last gift, lifetime, largest) and their giving by year.

The FEP figures these build on (retention, gains and losses) live in
`metrics.fundraising`; LYBUNT and SYBUNT in `metrics.lapsed`.

Input is the `DONATIONS` frame of `metrics.schemas` (amounts in minor
units of the reporting currency, refunds too); a gift counts at its net
value and a fully refunded gift not at all (`metrics.fundraising.gifts`).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import polars as pl

from metrics.fundraising import donor_years, gifts
from metrics.periods import fiscal_year_expr
from metrics.query import Query

FrameLike = pl.DataFrame | pl.LazyFrame
Segment = Literal["new", "upgraded", "retained", "downgraded", "recaptured", "lapsed"]
SEGMENTS: tuple[Segment, ...] = ("new", "upgraded", "retained", "downgraded", "recaptured", "lapsed")
SEGMENT_MEANING: dict[Segment, str] = {
    "new": "first gift ever this fiscal year",
    "upgraded": "gave last year and more this year",
    "retained": "gave last year and the same this year",
    "downgraded": "gave last year and less this year (so far)",
    "recaptured": "came back this year after missing last year",
    "lapsed": "gave before, not yet this year",
}


def donor_segments(
    donations: FrameLike, *, year: int, as_of: date, fy_start_month: int = 1
) -> Query[pl.DataFrame]:
    """Each donor's segment in FY `year` (to `as_of`): ``donor_id``,
    ``segment``, ``this_year_minor`` (a0), ``last_year_minor`` (a1).

    Formula, with a0, a1 = the donor's net totals in FY y and y−1 and
    first = the FY of their first gift (`metrics.fundraising.donor_years`):
    new: first = y; upgraded: a1 > 0 and a0 > a1; retained: a1 > 0 and
    a0 = a1; downgraded: a1 > 0 and 0 < a0 < a1; recaptured: a0 > 0,
    a1 = 0 and first < y − 1; lapsed: a0 = 0 (gave before y, not in y).
    Source: the FEP gain/loss categories (new, recaptured, upgraded,
    downgraded; "same" named retained here), applied to one donor.

    Example: FY 2024 against 2023: A gave 100 then 150 → upgraded; B gave
    100 in 2023 only → lapsed; C first gave in 2024 → new; D gave in 2022
    and 2024, not 2023 → recaptured; E gave 80 both years → retained.

    A year to date is partial: a donor "downgraded" in March may yet give
    more; the page says so.
    """
    a0, a1 = pl.col("a0"), pl.col("a1")
    segment = (
        pl.when(pl.col("first_fy") == year)
        .then(pl.lit("new"))
        .when((a1 > 0) & (a0 > a1))
        .then(pl.lit("upgraded"))
        .when((a1 > 0) & (a0 == a1))
        .then(pl.lit("retained"))
        .when((a1 > 0) & (a0 > 0))
        .then(pl.lit("downgraded"))
        .when(a0 > 0)
        .then(pl.lit("recaptured"))
        .otherwise(pl.lit("lapsed"))
    )
    frame = (
        donor_years(donations, year=year, as_of=as_of, fy_start_month=fy_start_month)
        .select(
            "donor_id",
            segment.alias("segment"),
            a0.cast(pl.Int64).alias("this_year_minor"),
            a1.cast(pl.Int64).alias("last_year_minor"),
        )
        .sort("donor_id")
    )
    return Query.frame_of(frame)


PROFILE_SCHEMA: dict[str, pl.DataType] = {
    "donor_id": pl.Int64(),
    "first_gift_on": pl.Date(),
    "last_gift_on": pl.Date(),
    "gifts": pl.Int64(),
    "lifetime_minor": pl.Int64(),
    "largest_gift_minor": pl.Int64(),
    "last_gift_minor": pl.Int64(),
    "recurring_gifts": pl.Int64(),
}


def donor_profiles(donations: FrameLike, *, as_of: date) -> Query[pl.DataFrame]:
    """One row per donor with a counting gift up to `as_of`: first and last
    gift dates, number of gifts, lifetime total, largest and latest gift, and
    how many gifts were recurring (columns of `PROFILE_SCHEMA`).

    Formula: lifetime = Σ net gift; first/last = min/max received_on; the
    latest gift is the net amount on the last day (summed if several).

    Example: gifts 2023-05-01 100, 2024-02-01 40 (recurring), 2024-03-01 60
    (recurring) → first 2023-05-01, last 2024-03-01, 3 gifts, lifetime 200,
    largest 100, last 60, recurring 2.
    """
    g = gifts(donations, as_of)
    frame = (
        g.group_by("donor_id")
        .agg(
            pl.col("received_on").min().alias("first_gift_on"),
            pl.col("received_on").max().alias("last_gift_on"),
            pl.len().cast(pl.Int64).alias("gifts"),
            pl.col("amount").sum().cast(pl.Int64).alias("lifetime_minor"),
            pl.col("amount").max().cast(pl.Int64).alias("largest_gift_minor"),
            pl.col("amount")
            .filter(pl.col("received_on") == pl.col("received_on").max())
            .sum()
            .cast(pl.Int64)
            .alias("last_gift_minor"),
            pl.col("is_recurring").sum().cast(pl.Int64).alias("recurring_gifts"),
        )
        .select(list(PROFILE_SCHEMA))
        .sort("donor_id")
    )
    return Query.frame_of(frame)


def giving_by_year(donations: FrameLike, *, as_of: date, fy_start_month: int = 1) -> Query[pl.DataFrame]:
    """Net giving per donor and fiscal year: ``donor_id``, ``fy``,
    ``amount_minor``, ``gifts``; sorted by donor and year.

    Example (FY from July): gifts on 2024-06-30 (50) and 2024-07-01 (70) fall
    in FY 2024 and FY 2025 respectively."""
    fy = fiscal_year_expr(pl.col("received_on"), fy_start_month)
    return Query.frame_of(
        gifts(donations, as_of)
        .group_by("donor_id", fy.alias("fy"))
        .agg(
            pl.col("amount").sum().cast(pl.Int64).alias("amount_minor"),
            pl.len().cast(pl.Int64).alias("gifts"),
        )
        .sort("donor_id", "fy")
    )
