"""Volunteers: retention, hours, the value of volunteer time, how the load
is spread (absence factor) and burnout signals.

Input is `VOLUNTEER_HOURS_MONTHLY` (`metrics.schemas`): hours summed per
member, chapter, program, status and month, already limited to the scope
by the caller. Only *approved* hours count: V(y) = volunteers with approved
hours in FY y (METRICS.md). Hours are reported as hours (minutes / 60).
Months are whole: a month counts when its first day is on or before the
cut-off date; the loader keeps entries after `as_of` out of the aggregate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from metrics.figure import Figure
from metrics.periods import add_months, fiscal_year_expr, fiscal_year_start, last_complete_month
from metrics.query import Query

FrameLike = pl.DataFrame | pl.LazyFrame

NATIONAL_RETENTION = 0.65  # volunteer retention, national, 2006→07
NATIONAL_HOURS_PER_VOLUNTEER_YEAR = 66.0  # 4.99B hours / 75.7M volunteers, 2023
INDEPENDENT_SECTOR_HOUR_VALUE_2022_MINOR = 3180  # $31.80


def approved(hours: FrameLike) -> pl.LazyFrame:
    return hours.lazy().filter(pl.col("status") == "approved")


def _months(hours: FrameLike, first: date, last: date) -> pl.LazyFrame:
    return approved(hours).filter(pl.col("month").is_between(first.replace(day=1), last))


def per_volunteer(hours: FrameLike, *, first_month: date, last_month: date) -> pl.LazyFrame:
    """Approved hours per volunteer in the months from `first_month` to
    `last_month`: ``member_id``, ``h`` (volunteers with approved entries
    only). The figures on how the load is spread all start from it."""
    per = _months(hours, first_month, last_month).group_by("member_id")
    return per.agg((pl.col("minutes").sum() / 60.0).alias("h"))


def _per(hours: FrameLike, first: date, last: date, totals: FrameLike | None) -> pl.LazyFrame:
    return per_volunteer(hours, first_month=first, last_month=last) if totals is None else totals.lazy()


@dataclass(frozen=True)
class VolunteerRetention:
    """|V(y−1) ∩ V(y)| / |V(y−1)| with its counts."""

    year: int
    retention: Figure
    volunteers_prev: int
    volunteers: int
    retained: int
    partial: bool
    benchmark: float = NATIONAL_RETENTION


def volunteer_retention(
    hours: FrameLike, *, year: int, as_of: date, fy_start_month: int = 1
) -> Query[VolunteerRetention]:
    """Volunteer retention of FY `year`.

    Formula: |V(y−1) ∩ V(y)| / |V(y−1)|, V(y) = members with approved hours
    in FY y (to `as_of`).
    Source: METRICS.md; benchmark ≈ 65 % (US national, 2006→07, Corporation
    for National and Community Service).

    Example: V(2023) = {1, 2, 3, 4}, V(2024) = {2, 4, 5} → retention 2/4 = 0.5.
    Undefined when nobody volunteered in FY y−1.
    """
    fy = fiscal_year_expr(pl.col("month"), fy_start_month)
    per = (
        approved(hours)
        .filter(pl.col("month") <= as_of)
        .with_columns(fy.alias("fy"))
        .filter(pl.col("fy").is_between(year - 1, year))
        .group_by("member_id")
        .agg((pl.col("fy") == year).any().alias("in0"), (pl.col("fy") == year - 1).any().alias("in1"))
    )
    frame = per.select(
        pl.col("in0").sum().cast(pl.Int64).alias("v0"),
        pl.col("in1").sum().cast(pl.Int64).alias("v1"),
        (pl.col("in0") & pl.col("in1")).sum().cast(pl.Int64).alias("both"),
    )

    fy_last_month = add_months(fiscal_year_start(year, fy_start_month), 11)
    partial = last_complete_month(as_of) < fy_last_month

    def finish(df: pl.DataFrame) -> VolunteerRetention:
        row = df.row(0, named=True)
        return VolunteerRetention(
            year=year,
            retention=Figure.ratio(
                row["both"], row["v1"], "ratio", f"nobody had approved hours in FY {year - 1}"
            ),
            volunteers_prev=row["v1"],
            volunteers=row["v0"],
            retained=row["both"],
            partial=partial,
        )

    return Query(frame, finish)


@dataclass(frozen=True)
class VolunteerHours:
    """Approved hours in the months from `first_month` to `last_month`."""

    first_month: date
    last_month: date
    hours: float
    volunteers: int
    hours_per_volunteer: Figure
    hours_per_volunteer_per_year: Figure
    value_minor: Figure
    hourly_value_minor: int
    currency: str
    absence_factor: Figure
    top_decile_share: Figure
    pending_hours: float
    benchmark_hours_per_volunteer_year: float = NATIONAL_HOURS_PER_VOLUNTEER_YEAR


def volunteer_hours(
    hours: FrameLike,
    *,
    first_month: date,
    last_month: date,
    hourly_value_minor: int = INDEPENDENT_SECTOR_HOUR_VALUE_2022_MINOR,
    currency: str = "USD",
    totals: FrameLike | None = None,
) -> Query[VolunteerHours]:
    """Hours, hours per volunteer, their value, and how the load is spread.

    Formulas (METRICS.md):
    - hours per volunteer = Σ hours / distinct volunteers (also per year:
      × 12 / months, to compare with ≈ 66 h/year nationally, 2023);
    - value of volunteer time = hours × hourly rate (configurable; the
      movement's setting, e.g. Independent Sector's $31.80 for 2022);
    - absence factor = the smallest number of volunteers who together log
      ≥ 50 % of the hours (CHAOSS "bus factor");
    - top-decile share = share of hours logged by the 10 % of volunteers who
      logged most (rounded up to at least one volunteer).

    Example: volunteers with 50, 30, 10, 10 hours → 100 hours, 25 per
    volunteer; at 31.80 the value is 3,180.00; absence factor 1 (50 ≥ 50);
    top decile = the top 1 volunteer's 50 % .

    `totals`: `per_volunteer` of the same hours and months, when already
    summed.
    """
    months = (last_month.year - first_month.year) * 12 + last_month.month - first_month.month + 1
    per = _per(hours, first_month, last_month, totals)
    ranked = per.sort("h", descending=True).with_columns(
        pl.col("h").cum_sum().alias("_cum"), pl.int_range(pl.len()).alias("_rank")
    )
    summary = ranked.select(
        pl.col("h").sum().alias("hours"),
        pl.len().cast(pl.Int64).alias("volunteers"),
        ((pl.col("_cum") - pl.col("h")) < 0.5 * pl.col("h").sum()).sum().cast(pl.Int64).alias("absence"),
        pl.col("h").filter(pl.col("_rank") < (pl.len() / 10).ceil()).sum().alias("top_decile"),
    )
    pending = (
        hours.lazy()
        .filter(
            (pl.col("status") == "pending")
            & pl.col("month").is_between(first_month.replace(day=1), last_month)
        )
        .select((pl.col("minutes").sum() / 60.0).alias("pending"))
    )
    parts = [summary, pending]

    def finish(row: dict[str, Any]) -> VolunteerHours:
        total, n = float(row["hours"] or 0.0), int(row["volunteers"])
        nobody = "nobody had approved hours in the period"
        hpv = Figure.ratio(total, n, "hours", nobody)
        return VolunteerHours(
            first_month=first_month,
            last_month=last_month,
            hours=total,
            volunteers=n,
            hours_per_volunteer=hpv,
            hours_per_volunteer_per_year=hpv.map(lambda h: h * 12 / months),
            value_minor=Figure.of(total * hourly_value_minor, "minor"),
            hourly_value_minor=hourly_value_minor,
            currency=currency,
            absence_factor=Figure.of(row["absence"], "volunteers") if total > 0 else Figure.undefined(nobody),
            top_decile_share=Figure.ratio(row["top_decile"] or 0.0, total, "ratio", nobody),
            pending_hours=float(row["pending"] or 0.0),
        )

    return Query.one_row(parts, finish)


HOUR_BINS = (0.0, 1.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0)


def hours_distribution(
    hours: FrameLike, *, first_month: date, last_month: date, totals: FrameLike | None = None
) -> Query[pl.DataFrame]:
    """How approved hours are spread over volunteers: one row per bin of
    hours per volunteer (``bin_from`` ≤ h < ``bin_to``; the last bin is open,
    ``bin_to`` null) with ``volunteers`` and ``hours``, every bin present.

    Example: volunteers with 0.5, 3 and 3 hours → bin [0, 1): 1 volunteer,
    0.5 h; bin [1, 5): 2 volunteers, 6 h; other bins 0.

    `totals`: `per_volunteer` of the same hours and months, when known."""
    per = _per(hours, first_month, last_month, totals)
    edges = list(HOUR_BINS)
    bins = pl.LazyFrame(
        {
            "bin": list(range(len(edges))),
            "bin_from": edges,
            "bin_to": [*edges[1:], None],
        },
        schema={"bin": pl.Int64, "bin_from": pl.Float64, "bin_to": pl.Float64},
    )
    # Index of the last edge ≤ h: count edges at or below h, minus one.
    index = pl.sum_horizontal([(pl.col("h") >= e).cast(pl.Int64) for e in edges]) - 1
    counted = per.group_by(index.alias("bin")).agg(
        pl.len().cast(pl.Int64).alias("volunteers"), pl.col("h").sum().alias("hours")
    )
    frame = (
        bins.join(counted, on="bin", how="left")
        .with_columns(pl.col("volunteers").fill_null(0), pl.col("hours").fill_null(0.0))
        .sort("bin")
        .drop("bin")
    )
    return Query.frame_of(frame)


def hours_lorenz(
    hours: FrameLike,
    *,
    first_month: date,
    last_month: date,
    points: int = 20,
    totals: FrameLike | None = None,
) -> Query[pl.DataFrame]:
    """The Lorenz curve of hours over volunteers, most active first:
    ``volunteer_share`` (0 … 1 in `points` steps) and ``hours_share`` logged
    by that top share. A flat curve means the load is shared; a steep one
    means a few carry it. `totals`: `per_volunteer` of the same hours and
    months, when known."""
    per = _per(hours, first_month, last_month, totals)
    ranked = per.sort("h", descending=True).select(
        ((pl.int_range(pl.len()) + 1) / pl.len()).alias("vs"),
        (pl.col("h").cum_sum() / pl.col("h").sum()).alias("hs"),
    )
    grid = pl.LazyFrame({"volunteer_share": [i / points for i in range(1, points + 1)]})
    frame = (
        grid.sort("volunteer_share")
        .join_asof(ranked.sort("vs"), left_on="volunteer_share", right_on="vs", strategy="backward")
        .select("volunteer_share", pl.col("hs").fill_null(0.0).alias("hours_share"))
    )
    return Query.frame_of(frame)


def monthly_volunteers(
    hours: FrameLike,
    *,
    first_month: date,
    last_month: date,
    first: FrameLike | None = None,
    per_month: FrameLike | None = None,
) -> Query[pl.DataFrame]:
    """Per month: ``volunteers`` (with approved hours), ``hours``,
    ``new_volunteers`` (whose first approved month ever this is) and
    ``hours_per_volunteer``; months without hours are 0.

    `first` (``member_id``, ``first``: the first day with approved hours,
    as `metrics.ladder.ladder_rungs` finds it) saves reading all history;
    `per_month` (``month``, ``volunteers``, ``hours``: every month with
    approved hours) saves grouping the hours."""
    ap = approved(hours).filter(pl.col("month") <= last_month)
    if first is None:
        first_seen = ap.group_by("member_id").agg(pl.col("month").min().alias("first"))
    else:
        first_seen = first.lazy().select("member_id", pl.col("first").dt.month_start())
    months = pl.LazyFrame({"month": pl.date_range(first_month.replace(day=1), last_month, "1mo", eager=True)})
    if per_month is None:
        per_month = (
            ap.filter(pl.col("month").is_between(first_month.replace(day=1), last_month))
            .group_by("month")
            .agg(
                pl.col("member_id").n_unique().cast(pl.Int64).alias("volunteers"),
                (pl.col("minutes").sum() / 60.0).alias("hours"),
            )
        )
    new = (
        first_seen.filter(pl.col("first") >= first_month.replace(day=1))
        .group_by(pl.col("first").alias("month"))
        .agg(pl.len().cast(pl.Int64).alias("new_volunteers"))
    )
    frame = (
        months.join(per_month.lazy(), on="month", how="left")
        .join(new, on="month", how="left")
        .with_columns(pl.col("volunteers", "new_volunteers").fill_null(0), pl.col("hours").fill_null(0.0))
        .with_columns(
            pl.when(pl.col("volunteers") > 0)
            .then(pl.col("hours") / pl.col("volunteers"))
            .alias("hours_per_volunteer")
        )
        .sort("month")
    )
    return Query.frame_of(frame)


@dataclass(frozen=True)
class BurnoutParams:
    """Our thresholds for burnout signals (METRICS.md leaves them open).

    ``window_months``: the recent window compared with the one before it.
    ``hours_rise``/``headcount_fall``: relative change that counts (0.10 = 10 %).
    ``sustained_months``: consecutive months with hours that make a
    volunteer "sustained"; ``quiet_months``: months at zero after that."""

    window_months: int = 3
    hours_rise: float = 0.10
    headcount_fall: float = 0.10
    sustained_months: int = 6
    quiet_months: int = 2


@dataclass(frozen=True)
class BurnoutSignals:
    """Two signals: the load concentrating (hours per volunteer up while
    headcount falls), and sustained volunteers dropping to zero."""

    recent: tuple[date, date]
    before: tuple[date, date]
    volunteers_recent: int
    volunteers_before: int
    hours_per_volunteer_recent: Figure
    hours_per_volunteer_before: Figure
    hours_per_volunteer_change: Figure
    headcount_change: Figure
    load_concentrating: bool
    dropped_volunteers: pl.DataFrame
    """member_id, months_sustained, mean_monthly_hours, last_month: each a
    volunteer with hours in every one of the `sustained_months` before the
    quiet window and none in it."""
    params: BurnoutParams

    @property
    def dropped(self) -> int:
        return self.dropped_volunteers.height

    @property
    def any(self) -> bool:
        return self.load_concentrating or self.dropped > 0


@dataclass(frozen=True)
class BurnoutWindows:
    """The months `burnout_signals` compares, for complete months up to an
    as_of date: the recent window and the one before it, the sustained
    months and the quiet months after them."""

    params: BurnoutParams
    last: date
    recent_first: date
    before_first: date
    before_last: date
    quiet_first: date
    sustained_first: date
    sustained_last: date

    def dropped_list(self, minutes: FrameLike) -> pl.LazyFrame:
        """The volunteers who dropped (`DROPPED_SCHEMA`), most hours first,
        from their approved ``minutes`` over the sustained months (by
        ``member_id``)."""
        months = self.params.sustained_months
        return (
            minutes.lazy()
            .select(
                "member_id",
                pl.lit(months, pl.Int64).alias("months_sustained"),
                (pl.col("minutes") / 60.0 / months).alias("mean_monthly_hours"),
                pl.lit(self.sustained_last).alias("last_month"),
            )
            .sort("mean_monthly_hours", "member_id", descending=[True, False])
        )

    def signals(
        self, v_recent: int, h_recent: float, v_before: int, h_before: float, dropped: pl.DataFrame
    ) -> BurnoutSignals:
        """The signals from each window's volunteers and hours and the
        volunteers who dropped."""
        p = self.params
        hpv_r = Figure.ratio(h_recent, v_recent, "hours", "nobody volunteered in the recent window")
        hpv_b = Figure.ratio(h_before, v_before, "hours", "nobody volunteered in the window before")
        if hpv_r.value is not None and hpv_b.value is not None and hpv_b.value > 0:
            hpv_change = Figure.of(hpv_r.value / hpv_b.value - 1.0, "ratio")
        else:
            hpv_change = Figure.undefined("no hours per volunteer to compare", "ratio")
        headcount_change = Figure.ratio(
            v_recent - v_before, v_before, "ratio", "nobody volunteered in the window before"
        )
        concentrating = (
            hpv_change.value is not None
            and headcount_change.value is not None
            and hpv_change.value >= p.hours_rise
            and headcount_change.value <= -p.headcount_fall
        )
        return BurnoutSignals(
            recent=(self.recent_first, self.last),
            before=(self.before_first, self.before_last),
            volunteers_recent=v_recent,
            volunteers_before=v_before,
            hours_per_volunteer_recent=hpv_r,
            hours_per_volunteer_before=hpv_b,
            hours_per_volunteer_change=hpv_change,
            headcount_change=headcount_change,
            load_concentrating=concentrating,
            dropped_volunteers=dropped,
            params=p,
        )


DROPPED_SCHEMA: dict[str, pl.DataType] = {
    "member_id": pl.Int64(),
    "months_sustained": pl.Int64(),
    "mean_monthly_hours": pl.Float64(),
    "last_month": pl.Date(),
}


def burnout_windows(params: BurnoutParams, as_of: date) -> BurnoutWindows:
    """The windows of `burnout_signals` at `as_of` (see there)."""
    p = params
    if min(p.window_months, p.sustained_months, p.quiet_months) < 1:
        raise ValueError("burnout windows must be at least one month")
    if p.sustained_months + p.quiet_months > 60:
        raise ValueError("sustained and quiet months together cover at most 60 months")
    last = last_complete_month(as_of)
    recent_first = add_months(last, -(p.window_months - 1))
    quiet_first = add_months(last, -(p.quiet_months - 1))
    return BurnoutWindows(
        params=p,
        last=last,
        recent_first=recent_first,
        before_first=add_months(recent_first, -p.window_months),
        before_last=add_months(recent_first, -1),
        quiet_first=quiet_first,
        sustained_first=add_months(quiet_first, -p.sustained_months),
        sustained_last=add_months(quiet_first, -1),
    )


def burnout_signals(
    hours: FrameLike, *, as_of: date, params: BurnoutParams | None = None
) -> Query[BurnoutSignals]:
    """Burnout signals over the complete months up to `as_of`.

    Formulas (thresholds are ours, in `BurnoutParams`):
    - load concentrating: over the last w complete months against the w
      before, hours per volunteer rose by ≥ `hours_rise` while volunteers
      with approved hours fell by ≥ `headcount_fall`;
    - dropped: a volunteer with approved hours in each of the
      `sustained_months` months before the last `quiet_months` complete
      months, and none in those.

    Example (w = 3): Jan–Mar 10 volunteers, 100 h (10 h each); Apr–Jun 8
    volunteers, 120 h (15 h each): +50 % hours per volunteer, −20 %
    headcount → load concentrating.
    """
    p = params or BurnoutParams()
    w = burnout_windows(p, as_of)
    ap = approved(hours).filter(pl.col("month").is_between(min(w.before_first, w.sustained_first), w.last))

    def window(first: date, end: date, name: str) -> pl.LazyFrame:
        return ap.filter(pl.col("month").is_between(first, end)).select(
            pl.col("member_id").n_unique().cast(pl.Int64).alias(f"v_{name}"),
            (pl.col("minutes").sum() / 60.0).alias(f"h_{name}"),
        )

    counts = pl.concat(
        [window(w.recent_first, w.last, "recent"), window(w.before_first, w.before_last, "before")],
        how="horizontal",
    )
    # Each member's months with hours as bits (bit k = the k-th month from
    # sustained_first): one aggregation instead of grouping by member-month.
    offset = (pl.col("month").dt.year().cast(pl.Int64) - w.sustained_first.year) * 12 + (
        pl.col("month").dt.month().cast(pl.Int64) - w.sustained_first.month
    )
    sustained_bits = 2**p.sustained_months - 1
    quiet_bits = 2 ** (p.sustained_months + p.quiet_months) - 1 - sustained_bits
    dropped = (
        ap.filter(pl.col("month") >= w.sustained_first)
        .with_columns(offset.alias("_k"))
        .group_by("member_id")
        .agg(
            pl.lit(2, pl.Int64).pow(pl.col("_k")).bitwise_or().alias("_mask"),
            (pl.col("minutes") * (pl.col("_k") < p.sustained_months)).sum().alias("_minutes"),
        )
        .filter(
            ((pl.col("_mask") & sustained_bits) == sustained_bits) & ((pl.col("_mask") & quiet_bits) == 0)
        )
        .select("member_id", pl.col("_minutes").alias("minutes"))
    )
    dropped = w.dropped_list(dropped)
    # Two results from one plan: the counts row, with the dropped list nested.
    parts = [counts, dropped.select(pl.struct(pl.all()).implode().alias("dropped"))]

    def finish(row: dict[str, Any]) -> BurnoutSignals:
        dropped_df = pl.DataFrame(row["dropped"] or [], schema=DROPPED_SCHEMA, orient="row")
        return w.signals(
            row["v_recent"], row["h_recent"] or 0.0, row["v_before"], row["h_before"] or 0.0, dropped_df
        )

    return Query.one_row(parts, finish)
