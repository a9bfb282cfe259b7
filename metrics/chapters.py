"""Chapters: how many are open at each level, how many are active, and
how concentrated the activity is among them (the elephant factor).

Inputs (`metrics.schemas`): `CHAPTERS`, the per-event counts of
`metrics.attendance.event_counts` and `VOLUNTEER_HOURS_MONTHLY`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from metrics.figure import Figure
from metrics.periods import month_start
from metrics.query import Query

FrameLike = pl.DataFrame | pl.LazyFrame


LEVELS = ("local", "regional", "national", "international")


def chapter_open_at(day: date | pl.Expr) -> pl.Expr:
    """A chapter founded by `day` and not dormant on it."""
    d = day if isinstance(day, pl.Expr) else pl.lit(day)
    return (pl.col("founded_on") <= d) & (pl.col("dormant_since").is_null() | (pl.col("dormant_since") > d))


def chapters_by_level_monthly(chapters: FrameLike, *, first: date, last: date) -> Query[pl.DataFrame]:
    """Open chapters per level at each month's end, every level present:
    ``month``, ``level``, ``chapters``. Example: a local chapter founded on
    10 March counts from March; one dormant since 1 May stops at April."""
    months = pl.LazyFrame({"month": pl.date_range(month_start(first), month_start(last), "1mo", eager=True)})
    levels = pl.LazyFrame({"level": list(LEVELS)})
    grid = months.join(levels, how="cross").with_columns(pl.col("month").dt.month_end().alias("_end"))
    ch = chapters.lazy().select("id", "level", "founded_on", "dormant_since")
    frame = (
        grid.join(ch, on="level", how="left")
        .group_by("month", "level")
        .agg(chapter_open_at(pl.col("_end")).sum().cast(pl.Int64).alias("chapters"))
        .with_columns(pl.col("level").replace_strict({lv: i for i, lv in enumerate(LEVELS)}).alias("_o"))
        .sort("month", "_o")
        .drop("_o")
    )
    return Query.frame_of(frame)


def chapter_activity(counts: FrameLike, hours: FrameLike, *, first: date, last: date) -> pl.LazyFrame:
    """Activity units per chapter in [first, last]: attendances (members and
    guests) at the chapter's events (`event_counts`) plus its approved hour
    entries."""
    att = (
        counts.lazy()
        .filter(pl.col("starts_on").is_between(first, last))
        .group_by("chapter_id")
        .agg((pl.col("member_attendances") + pl.col("guests")).sum().cast(pl.Int64).alias("units"))
    )
    vol = (
        hours.lazy()
        .filter((pl.col("status") == "approved") & pl.col("month").is_between(month_start(first), last))
        .group_by("chapter_id")
        .agg(pl.col("entries").sum().cast(pl.Int64).alias("units"))
    )
    return pl.concat([att, vol]).group_by("chapter_id").agg(pl.col("units").sum())


@dataclass(frozen=True)
class ChapterSpread:
    """Chapters by level at `at`, those active in the period, and the
    elephant factor of the period's activity."""

    at: date
    by_level: pl.DataFrame  # level, chapters, active_chapters
    elephant_factor: Figure
    chapters: int
    active_chapters: int


def chapter_spread(chapters: FrameLike, activity_units: FrameLike, *, at: date) -> Query[ChapterSpread]:
    """Open and active chapters per level; elephant factor.

    Formulas: open = founded ≤ at and not dormant; active = with activity
    units (see `chapter_activity`) in the period; elephant factor = the
    smallest number of chapters producing ≥ 50 % of the activity (CHAOSS).

    Example: chapters with 60, 30, 10 units → elephant factor 1.
    """
    ch = chapters.lazy().filter(chapter_open_at(at)).select("id", "level")
    units = activity_units.lazy().filter(pl.col("units") > 0)
    by_level = (
        pl.LazyFrame({"level": list(LEVELS), "_o": list(range(len(LEVELS)))})
        .join(
            ch.join(units, left_on="id", right_on="chapter_id", how="left")
            .group_by("level")
            .agg(
                pl.len().cast(pl.Int64).alias("chapters"),
                pl.col("units").is_not_null().sum().cast(pl.Int64).alias("active_chapters"),
            ),
            on="level",
            how="left",
        )
        .with_columns(pl.col("chapters", "active_chapters").fill_null(0))
        .sort("_o")
        .select("level", "chapters", "active_chapters")
    )
    ranked = units.sort("units", descending=True).with_columns(pl.col("units").cum_sum().alias("_cum"))
    elephant = ranked.select(
        ((pl.col("_cum") - pl.col("units")) < 0.5 * pl.col("units").sum())
        .sum()
        .cast(pl.Int64)
        .alias("elephant"),
        pl.col("units").sum().cast(pl.Int64).alias("total"),
    )
    parts = [by_level.select(pl.struct(pl.all()).implode().alias("by_level")), elephant]

    def finish(r: dict[str, Any]) -> ChapterSpread:
        levels = pl.DataFrame(
            r["by_level"],
            schema={"level": pl.String, "chapters": pl.Int64, "active_chapters": pl.Int64},
            orient="row",
        )
        ef = (
            Figure.of(r["elephant"], "chapters")
            if (r["total"] or 0) > 0
            else Figure.undefined("no chapter activity in the period", "chapters")
        )
        return ChapterSpread(
            at=at,
            by_level=levels,
            elephant_factor=ef,
            chapters=int(levels["chapters"].sum()),
            active_chapters=int(levels["active_chapters"].sum()),
        )

    return Query.one_row(parts, finish)
