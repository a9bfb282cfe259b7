"""Members over time: who is a member on a day, and weekly and
period counts of members, joins and leaves with growth and churn.

Input: `MEMBERS` (`metrics.schemas`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from metrics.figure import Figure
from metrics.periods import week_start
from metrics.query import Query

FrameLike = pl.DataFrame | pl.LazyFrame


def member_at(day: date | pl.Expr) -> pl.Expr:
    """True for a member on `day`: joined on or before it, not left by it."""
    d = day if isinstance(day, pl.Expr) else pl.lit(day)
    return (pl.col("joined_on") <= d) & (pl.col("left_on").is_null() | (pl.col("left_on") > d))


def members_over_time(members: FrameLike, *, start: date, end: date, as_of: date) -> Query[pl.DataFrame]:
    """Members, joins, leaves, growth and churn per ISO week (Monday).

    Formulas (METRICS.md): members at t = joined ≤ t and (no leave or leave
    > t), t = the week's last day (or `as_of` in a week not yet over);
    growth = (M_t − M_{t−1}) / M_{t−1}; churn = leaves in t / M_{t−1};
    rolling four-week: growth_4w = (M_t − M_{t−4}) / M_{t−4}, churn_4w =
    leaves in the four weeks to t / M_{t−4}. Growth and churn are null when
    the previous count is 0.

    Example: 100 members on Sunday; in the week 6 join and 2 leave → 104
    members, growth 0.04, churn 0.02.
    """
    eff_end = min(end, as_of)
    first_week = week_start(start)
    lead = first_week - timedelta(weeks=4)
    m = members.lazy().filter(pl.col("joined_on") <= eff_end)
    weeks = pl.LazyFrame({"week": pl.date_range(lead, week_start(eff_end), "1w", eager=True)})
    base = m.filter(member_at(lead - timedelta(days=1))).select(pl.len().cast(pl.Int64).alias("_base"))
    joins = (
        m.filter(pl.col("joined_on") >= lead)
        .group_by(pl.col("joined_on").dt.truncate("1w").alias("week"))
        .agg(pl.len().cast(pl.Int64).alias("joins"))
    )
    leaves = (
        m.filter(pl.col("left_on").is_between(lead, eff_end))
        .group_by(pl.col("left_on").dt.truncate("1w").alias("week"))
        .agg(pl.len().cast(pl.Int64).alias("leaves"))
    )
    members_col = pl.col("members")
    frame = (
        weeks.join(joins, on="week", how="left")
        .join(leaves, on="week", how="left")
        .with_columns(pl.col("joins", "leaves").fill_null(0))
        .join(base, how="cross")
        .sort("week")
        .with_columns((pl.col("_base") + (pl.col("joins") - pl.col("leaves")).cum_sum()).alias("members"))
        .with_columns(
            members_col.shift(1).fill_null(pl.col("_base")).alias("_prev"),
            members_col.shift(4).alias("_prev4"),
            pl.col("leaves").rolling_sum(4).alias("_leaves4"),
        )
        .with_columns(
            _rate(members_col - pl.col("_prev"), pl.col("_prev")).alias("growth"),
            _rate(pl.col("leaves"), pl.col("_prev")).alias("churn"),
            _rate(members_col - pl.col("_prev4"), pl.col("_prev4")).alias("growth_4w"),
            _rate(pl.col("_leaves4"), pl.col("_prev4")).alias("churn_4w"),
            (pl.col("week") + pl.duration(days=6) > pl.lit(eff_end)).alias("partial"),
        )
        .filter(pl.col("week") >= first_week)
        .select("week", "members", "joins", "leaves", "growth", "churn", "growth_4w", "churn_4w", "partial")
    )
    return Query.frame_of(frame)


def _rate(num: pl.Expr, den: pl.Expr) -> pl.Expr:
    return pl.when(den > 0).then(num.cast(pl.Float64) / den)


@dataclass(frozen=True)
class MemberCounts:
    """Members at `at`, with joins and leaves over `start` … `at`."""

    at: date
    members: int
    joins: int
    leaves: int
    members_at_start: int
    growth: Figure
    churn: Figure


def member_counts(members: FrameLike, *, start: date, at: date) -> Query[MemberCounts]:
    """Members at `at` and the period's growth and churn.

    Formula: M = joined ≤ at and not left by at; growth = (M_at − M_s) /
    M_s and churn = leaves in (s, at] / M_s, s = the day before `start`.
    Example: 50 members before 1 Jan; 10 join and 5 leave in Q1 → 55,
    growth 0.10, churn 0.10.
    """
    before = start - timedelta(days=1)
    m = members.lazy()
    frame = m.select(
        member_at(at).sum().cast(pl.Int64).alias("members"),
        member_at(before).sum().cast(pl.Int64).alias("members_at_start"),
        pl.col("joined_on").is_between(start, at).sum().cast(pl.Int64).alias("joins"),
        pl.col("left_on").is_between(start, at).sum().cast(pl.Int64).alias("leaves"),
    )

    def finish(df: pl.DataFrame) -> MemberCounts:
        r = df.row(0, named=True)
        none = f"no members on {before.isoformat()}"
        return MemberCounts(
            at=at,
            members=r["members"],
            joins=r["joins"],
            leaves=r["leaves"],
            members_at_start=r["members_at_start"],
            growth=Figure.ratio(r["members"] - r["members_at_start"], r["members_at_start"], "ratio", none),
            churn=Figure.ratio(r["leaves"], r["members_at_start"], "ratio", none),
        )

    return Query(frame, finish)
