"""Lapsed donors, LYBUNT ("last year but unfortunately not this") and
SYBUNT ("some year but unfortunately not this"): how many there are, who
they are, and the list a fundraiser calls.

Input is the `DONATIONS` frame (`metrics.schemas`); a gift counts as
`metrics.fundraising.gifts` counts it, and the fiscal years are those of
`metrics.fundraising.donor_years`.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import polars as pl

from metrics.donor_profiles import donor_profiles
from metrics.fundraising import LapsedDonors, donor_years, gifts, lapsed_from, year_frame
from metrics.periods import fiscal_year_expr
from metrics.query import Query

FrameLike = pl.DataFrame | pl.LazyFrame


def lapsed_donors(
    donations: FrameLike,
    *,
    year: int,
    as_of: date,
    fy_start_month: int = 1,
    sybunt_excludes_lybunt: bool = True,
) -> Query[LapsedDonors]:
    """LYBUNT and SYBUNT counts for FY `year` (to date).

    Formula: LYBUNT = D(y−1) \\ D(y to date); SYBUNT = (∪k<y D(k)) \\ D(y),
    minus the LYBUNTs when `sybunt_excludes_lybunt` (the usual reading:
    "some year, but not last year nor this").
    Source: standard fundraising practice (Blackbaud's term).

    Example: A gave 2022 and 2024, B gave 2023, C gave 2021, D gave 2024.
    For 2024: LYBUNT = {B}; SYBUNT = {C} (or {B, C} with the LYBUNTs).
    """
    return Query(
        year_frame(donations, year, as_of, fy_start_month, "not_new"),
        lambda df: lapsed_from(df.row(0, named=True), year, sybunt_excludes_lybunt),
    )


def lybunt_donors(
    donations: FrameLike, *, year: int, as_of: date, fy_start_month: int = 1
) -> Query[pl.DataFrame]:
    """The LYBUNT donors themselves: ``donor_id`` and ``last_year_minor``
    (their FY y−1 total), largest first, for a fundraiser's call list."""
    per_donor = donor_years(donations, year=year, as_of=as_of, fy_start_month=fy_start_month)
    return Query.frame_of(
        per_donor.filter((pl.col("a1") > 0) & (pl.col("a0") == 0))
        .select("donor_id", pl.col("a1").alias("last_year_minor"))
        .sort(["last_year_minor", "donor_id"], descending=[True, False])
    )


def sybunt_donors(
    donations: FrameLike,
    *,
    year: int,
    as_of: date,
    fy_start_month: int = 1,
    sybunt_excludes_lybunt: bool = True,
) -> Query[pl.DataFrame]:
    """The SYBUNT donors: ``donor_id`` and ``last_gift_fy``, most recent first."""
    fy = fiscal_year_expr(pl.col("received_on"), fy_start_month)
    per = (
        gifts(donations, as_of)
        .with_columns(fy.alias("fy"))
        .filter(pl.col("fy") <= year)
        .group_by("donor_id")
        .agg(pl.col("fy").max().alias("last_gift_fy"))
    )
    cutoff = year - 1 if sybunt_excludes_lybunt else year
    return Query.frame_of(
        per.filter(pl.col("last_gift_fy") < cutoff).sort(
            ["last_gift_fy", "donor_id"], descending=[True, False]
        )
    )


LapsedKind = Literal["lybunt", "sybunt"]


def lapsed_call_list(
    donations: FrameLike,
    *,
    kind: LapsedKind,
    year: int,
    as_of: date,
    fy_start_month: int = 1,
) -> Query[pl.DataFrame]:
    """The donors to call: the LYBUNT or SYBUNT donors of FY `year`
    (`lybunt_donors` / `sybunt_donors`, SYBUNT without
    the LYBUNTs), each with ``last_year_minor`` (their FY y−1 total, 0 for a
    SYBUNT), ``last_gift_fy``, ``last_gift_fy_minor`` (the total of the last
    year they gave), ``last_gift_on``, ``last_gift_minor``,
    ``lifetime_minor`` and ``gifts``. Sorted by last year's amount, then the
    last giving year's amount, largest first.

    Example: for 2024, B gave 300 in 2023 (LYBUNT, last_year 300); C gave
    500 in 2021 only (SYBUNT, last_year 0, last_gift_fy 2021,
    last_gift_fy_minor 500).
    """
    if kind == "lybunt":
        members = lybunt_donors(donations, year=year, as_of=as_of, fy_start_month=fy_start_month).frame
        members = members.select("donor_id")
    else:
        members = sybunt_donors(donations, year=year, as_of=as_of, fy_start_month=fy_start_month).frame
        members = members.select("donor_id")
    fy = fiscal_year_expr(pl.col("received_on"), fy_start_month)
    g = gifts(donations, as_of).with_columns(fy.alias("fy"))
    per_year = g.group_by("donor_id", "fy").agg(pl.col("amount").sum().alias("fy_amount"))
    last_year = per_year.filter(pl.col("fy") == year - 1).select(
        "donor_id", pl.col("fy_amount").cast(pl.Int64).alias("last_year_minor")
    )
    last_fy = (
        per_year.filter(pl.col("fy") < year)
        .sort("fy")
        .group_by("donor_id")
        .agg(
            pl.col("fy").last().alias("last_gift_fy"),
            pl.col("fy_amount").last().cast(pl.Int64).alias("last_gift_fy_minor"),
        )
    )
    profile = donor_profiles(donations, as_of=as_of).frame.select(
        "donor_id", "last_gift_on", "last_gift_minor", "lifetime_minor", "gifts"
    )
    frame = (
        members.join(last_year, on="donor_id", how="left")
        .join(last_fy, on="donor_id", how="left")
        .join(profile, on="donor_id", how="left")
        .with_columns(pl.col("last_year_minor").fill_null(0))
        .select(
            "donor_id",
            "last_year_minor",
            pl.col("last_gift_fy").cast(pl.Int32),
            "last_gift_fy_minor",
            "last_gift_on",
            "last_gift_minor",
            "lifetime_minor",
            "gifts",
        )
        .sort(
            ["last_year_minor", "last_gift_fy_minor", "donor_id"],
            descending=[True, True, False],
        )
    )
    return Query.frame_of(frame)
