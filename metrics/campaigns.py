"""Campaign pace: raised to date against the goal and against time
elapsed, the day-by-day curve to the goal, and the sources (or methods,
or donors) a campaign's money came from.

The totals are those of `metrics.fundraising.gift_summary`.

Input is the `DONATIONS` frame of `metrics.schemas` (amounts in minor
units of the reporting currency, refunds too); a gift counts at its net
value and a fully refunded gift not at all (`metrics.fundraising.gifts`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from metrics.figure import Figure
from metrics.fundraising import gift_summary, gifts
from metrics.query import Query

FrameLike = pl.DataFrame | pl.LazyFrame


@dataclass(frozen=True)
class CampaignProgress:
    """Where a campaign stands on `as_of`.

    raised = Σ net gifts credited to it from its start to min(as_of, end);
    progress = raised / goal; elapsed = days run / days in the campaign
    (0 before it starts, 1 after it ends); pace = progress / elapsed (1.0 is
    exactly on track, above 1 ahead); projected = raised / elapsed (a
    straight-line projection to the end); still needed per day = (goal −
    raised) / days left.
    """

    raised_minor: int
    goal_minor: int | None
    progress: Figure
    elapsed: float
    pace: Figure
    projected_minor: Figure
    needed_per_day_minor: Figure
    days_total: int
    days_left: int
    gifts: int
    donors: int
    by_source_minor: dict[str, float]
    status: str


def campaign_progress(
    donations: FrameLike,
    *,
    goal_minor: int | None,
    starts_on: date,
    ends_on: date,
    as_of: date,
) -> Query[CampaignProgress]:
    """Raised to date against the goal and against time elapsed.

    `donations` are the campaign's gifts only (DONATIONS frame). The totals
    come from `metrics.fundraising.gift_summary` over the campaign's period.
    Source: "pace to goal" as fundraising platforms report it; the
    straight-line projection is a simplification (gifts bunch at launch and
    deadline), which the page says.

    Example: goal 10,000, 1–30 April, on 10 April with 4,000 raised:
    elapsed = 10/30 = 0.333, progress 0.4, pace 1.2 (ahead), projected
    12,000, needed per day = 6,000 / 20 = 300.
    """
    days_total = (ends_on - starts_on).days + 1
    through = min(as_of, ends_on)
    days_run = 0 if as_of < starts_on else min(days_total, (through - starts_on).days + 1)
    days_left = days_total - days_run
    elapsed = days_run / days_total
    summary = gift_summary(donations, start=starts_on, end=max(through, starts_on))

    def finish(df: pl.DataFrame) -> CampaignProgress:
        s = summary.finish(df)
        raised = int(s.funds_raised_minor.value or 0) if as_of >= starts_on else 0
        if goal_minor is None:
            progress = Figure.undefined("the goal has no exchange rate to the reporting currency", "ratio")
        else:
            progress = Figure.ratio(raised, goal_minor, "ratio", "the campaign has no goal")
        if elapsed == 0:
            pace = Figure.undefined("the campaign has not started", "ratio")
            projected = Figure.undefined("the campaign has not started", "minor")
        else:
            pace = progress.map(lambda p: p / elapsed)
            projected = Figure.of(raised / elapsed, "minor")
        if goal_minor is None:
            needed = Figure.undefined("no goal in the reporting currency", "minor")
        elif days_left == 0:
            needed = Figure.undefined("the campaign has ended", "minor")
        else:
            needed = Figure.of(max(0, goal_minor - raised) / days_left, "minor")
        if goal_minor is not None and raised >= goal_minor:
            status = "goal reached"
        elif elapsed == 0:
            status = "not started"
        elif days_left == 0:
            status = "ended short of the goal"
        elif pace.value is not None and pace.value >= 1.0:
            status = "ahead of pace"
        else:
            status = "behind pace"
        return CampaignProgress(
            raised_minor=raised,
            goal_minor=goal_minor,
            progress=progress,
            elapsed=elapsed,
            pace=pace,
            projected_minor=projected,
            needed_per_day_minor=needed,
            days_total=days_total,
            days_left=days_left,
            gifts=s.gifts,
            donors=s.donors,
            by_source_minor=s.by_source_minor,
            status=status,
        )

    return Query(summary.frame, finish)


def campaign_curve(
    donations: FrameLike, *, goal_minor: int | None, starts_on: date, ends_on: date, as_of: date
) -> Query[pl.DataFrame]:
    """Day by day from the start to min(as_of, end): ``day``,
    ``raised_minor`` (cumulative net gifts) and ``on_pace_minor`` (goal ×
    days run / days in the campaign, the straight line to the goal; null
    without a goal).

    Example: goal 3,000 over 3 days, gifts 500 on day 1 and 1,000 on day 3 →
    raised 500, 500, 1,500; on pace 1,000, 2,000, 3,000."""
    through = max(starts_on, min(as_of, ends_on))
    days = pl.LazyFrame({"day": pl.date_range(starts_on, through, interval="1d", eager=True)})
    total_days = (ends_on - starts_on).days + 1
    daily = (
        gifts(donations, through)
        .filter(pl.col("received_on") >= starts_on)
        .group_by(pl.col("received_on").alias("day"))
        .agg(pl.col("amount").sum().alias("amount"))
    )
    index = (pl.col("day") - pl.lit(starts_on)).dt.total_days() + 1
    on_pace = (
        (pl.lit(goal_minor) * index / total_days).round(0).cast(pl.Int64)
        if goal_minor is not None
        else pl.lit(None, pl.Int64)
    )
    frame = (
        days.join(daily, on="day", how="left")
        .sort("day")
        .select(
            "day",
            pl.col("amount").fill_null(0).cum_sum().cast(pl.Int64).alias("raised_minor"),
            on_pace.alias("on_pace_minor"),
        )
    )
    return Query.frame_of(frame)


def top_sources(gifts_frame: FrameLike, *, by: str, as_of: date, limit: int = 5) -> Query[pl.DataFrame]:
    """Net gifts grouped by any column of the frame (``source``,
    ``method``, ``donor_id`` …): ``by``'s value, ``amount_minor``,
    ``gifts``, ``share`` of the total; largest first, at most `limit` rows.

    Example: card 600 (2 gifts), paypal 300, cheque 100 → card 0.6, paypal
    0.3, cheque 0.1."""
    g = gifts(gifts_frame, as_of)
    frame = (
        g.group_by(by)
        .agg(
            pl.col("amount").sum().cast(pl.Int64).alias("amount_minor"),
            pl.len().cast(pl.Int64).alias("gifts"),
        )
        .with_columns((pl.col("amount_minor") / pl.col("amount_minor").sum()).alias("share"))
        .sort(["amount_minor", by], descending=[True, False])
        .head(limit)
    )
    return Query.frame_of(frame)
