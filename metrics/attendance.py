"""Events and attendance: attendance rows with their events, per-event
counts, weekly attendance with its spikes and shifts, and the figures of
the events of a period.

Inputs (`metrics.schemas`): `EVENTS`, `ATTENDANCE`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import polars as pl

from metrics.figure import Figure
from metrics.periods import week_start
from metrics.query import Query

FrameLike = pl.DataFrame | pl.LazyFrame


def attendance_with_events(
    attendance: FrameLike, events: FrameLike, *, extra: tuple[str, ...] = ()
) -> pl.LazyFrame:
    """Attendance rows with their event's ``starts_on``, ``chapter_id``,
    ``program_id``, ``kind`` and ``capacity`` (and the `extra` columns of
    `events`)."""
    ev = events.lazy().select(
        pl.col("id").alias("event_id"), "starts_on", "chapter_id", "program_id", "kind", "capacity", *extra
    )
    # Keeping attendance's order keeps rows that arrive by event date sorted.
    return attendance.lazy().join(ev, on="event_id", how="inner", maintain_order="left")


def event_counts(events: FrameLike, attendance: FrameLike) -> pl.LazyFrame:
    """Events (`EVENTS`) with ``member_attendances`` and ``guests``: the
    per-event aggregate every event figure reads."""
    per_event = (
        attendance.lazy()
        .group_by("event_id")
        .agg(
            pl.col("member_id").count().cast(pl.Int64).alias("member_attendances"),
            pl.col("guest_count").sum().cast(pl.Int64).alias("guests"),
        )
    )
    return (
        events.lazy()
        .join(per_event, left_on="id", right_on="event_id", how="left")
        .with_columns(pl.col("member_attendances", "guests").fill_null(0))
    )


@dataclass(frozen=True)
class SpikeParams:
    """A week outside the trailing mean ± `sd_multiplier` · sd of the
    previous `window_weeks` weeks is marked; `trend_weeks` or more such
    weeks in a row on the same side are a shift (a trend), fewer a spike.
    At least `min_history` earlier weeks are needed to judge a week, and a
    usual level of at least `min_mean` attendances a week: below that, a
    handful of people more or less is noise, not news."""

    window_weeks: int = 8
    sd_multiplier: float = 2.0
    trend_weeks: int = 2
    min_history: int = 4
    min_mean: float = 5.0


def weekly_attendance(
    counts: FrameLike,
    *,
    start: date,
    end: date,
    as_of: date,
    params: SpikeParams | None = None,
) -> Query[pl.DataFrame]:
    """Events and attendance per ISO week, with spikes marked apart from trend.

    `counts` is `event_counts`' per-event frame. Columns: ``week``,
    ``events``, ``attendance`` (members + counted guests),
    ``mean`` and ``sd`` of the previous `window_weeks` weeks, ``lower`` /
    ``upper`` = mean ∓ k·sd, ``marker``: "spike" (outside the band for fewer
    than `trend_weeks` weeks in a row), "shift" (outside, on the same side,
    for `trend_weeks` or more: a trend, not a spike) or null, and
    ``partial`` for a week not over by `as_of` (never marked).
    Source: METRICS.md "burstiness".

    Example: attendance 10, 12, 10, 12, 10, 12, 10, 12, then 40, then 11 →
    the week of 40 lies far above 11 ± 2·1.07 and is a spike; the next week
    is inside the band.
    """
    p = params or SpikeParams()
    eff_end = min(end, as_of)
    first_week = week_start(start)
    lead = first_week - timedelta(weeks=p.window_weeks)
    weekly = (
        counts.lazy()
        .filter(pl.col("starts_on").is_between(lead, eff_end))
        .group_by(pl.col("starts_on").dt.truncate("1w").alias("week"))
        .agg(
            pl.len().cast(pl.Int64).alias("events"),
            (pl.col("member_attendances") + pl.col("guests")).sum().cast(pl.Int64).alias("attendance"),
        )
    )
    weeks = pl.LazyFrame({"week": pl.date_range(lead, week_start(eff_end), "1w", eager=True)})
    # History starts with the scope's first event ever: the empty weeks
    # before a movement began are not its normal.
    started = pl.col("week") >= pl.col("_first_week")
    prior = pl.when(started).then(pl.col("attendance").cast(pl.Float64)).shift(1)
    first_ever = counts.lazy().select(pl.col("starts_on").min().dt.truncate("1w").alias("_first_week"))
    k = p.sd_multiplier
    side = (
        pl.when(pl.col("attendance") > pl.col("upper"))
        .then(1)
        .when(pl.col("attendance") < pl.col("lower"))
        .then(-1)
        .otherwise(0)
    )
    frame = (
        weeks.join(weekly, on="week", how="left")
        .with_columns(pl.col("events", "attendance").fill_null(0))
        .join(first_ever, how="cross")
        .sort("week")
        .with_columns(
            prior.rolling_mean(p.window_weeks, min_samples=p.min_history).alias("mean"),
            prior.rolling_std(p.window_weeks, min_samples=p.min_history).alias("sd"),
        )
        .with_columns(
            (pl.col("mean") - k * pl.col("sd")).alias("lower"),
            (pl.col("mean") + k * pl.col("sd")).alias("upper"),
        )
        .with_columns(
            (pl.col("week") + pl.duration(days=6) > pl.lit(eff_end)).alias("partial"),
        )
        .with_columns(
            pl.when(pl.col("partial") | (pl.col("mean") < p.min_mean))
            .then(0)
            .otherwise(side.fill_null(0))
            .alias("_side")
        )
        .with_columns((pl.col("_side") != pl.col("_side").shift(1)).fill_null(True).cum_sum().alias("_run"))
        .with_columns(pl.len().over("_run").alias("_run_len"))
        .with_columns(
            pl.when((pl.col("_side") == 0) | pl.col("partial"))
            .then(pl.lit(None, pl.String))
            .when(pl.col("_run_len") >= p.trend_weeks)
            .then(pl.lit("shift"))
            .otherwise(pl.lit("spike"))
            .alias("marker")
        )
        .filter(pl.col("week") >= first_week)
        .select("week", "events", "attendance", "mean", "sd", "lower", "upper", "marker", "partial")
    )
    return Query.frame_of(frame)


@dataclass(frozen=True)
class EventFigures:
    """Events and attendance from `start` to `end`."""

    start: date
    end: date
    events: int
    attendance: int
    member_attendances: int
    guests: int
    unique_attendees: int
    fill_rate: Figure
    by_kind: pl.DataFrame  # kind, events, attendance


def event_figures(
    counts: FrameLike, attended: FrameLike, *, start: date, end: date, attendees: FrameLike | None = None
) -> Query[EventFigures]:
    """Events held, attendance (members + counted guests), unique member
    attendees, fill rate (attendance / capacity over events with a
    capacity) and the same by kind of event, from `event_counts` and
    `attendance_with_events`.

    Example: a workshop (capacity 20) with 8 members and 2 guests and a
    circle (no capacity) with 5 members → 2 events, attendance 15, fill
    rate 10/20 = 0.5.

    `attendees`: the number of distinct member attendees (one row, column
    ``unique``), when already counted."""
    joined = (
        counts.lazy()
        .filter(pl.col("starts_on").is_between(start, end))
        .rename({"member_attendances": "_members", "guests": "_guests"})
    )
    att_total = pl.col("_members") + pl.col("_guests")
    totals = joined.select(
        pl.len().cast(pl.Int64).alias("events"),
        pl.col("_members").sum().cast(pl.Int64).alias("members"),
        pl.col("_guests").sum().cast(pl.Int64).alias("guests"),
        att_total.filter(pl.col("capacity").is_not_null()).sum().cast(pl.Int64).alias("att_cap"),
        pl.col("capacity").sum().cast(pl.Int64).alias("cap"),
    )
    unique = (
        attended.lazy()
        .filter(pl.col("starts_on").is_between(start, end))
        .select(pl.col("member_id").drop_nulls().n_unique().cast(pl.Int64).alias("unique"))
        if attendees is None
        else attendees.lazy()
    )
    kinds = joined.group_by("kind").agg(
        pl.len().cast(pl.Int64).alias("events"), att_total.sum().cast(pl.Int64).alias("attendance")
    )
    by_kind = kinds.sort("kind").select(pl.struct(pl.all()).implode().alias("by_kind"))

    def finish(r: dict[str, Any]) -> EventFigures:
        return EventFigures(
            start=start,
            end=end,
            events=r["events"],
            attendance=r["members"] + r["guests"],
            member_attendances=r["members"],
            guests=r["guests"],
            unique_attendees=r["unique"],
            fill_rate=Figure.ratio(
                r["att_cap"] or 0, r["cap"] or 0, "ratio", "no event with a capacity in the period"
            ),
            by_kind=pl.DataFrame(
                r["by_kind"] or [],
                schema={"kind": pl.String, "events": pl.Int64, "attendance": pl.Int64},
                orient="row",
            ),
        )

    return Query.one_row([totals, unique, by_kind], finish)
