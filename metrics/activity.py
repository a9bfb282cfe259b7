"""Member activity: the rows of attending, volunteering and giving each
member has, the active-member ratio and cohort retention.

Inputs (`metrics.schemas`): `MEMBERS`, attendance joined to `EVENTS`
(`metrics.attendance.attendance_with_events`), `VOLUNTEER_HOURS_MONTHLY`,
`DONATIONS` with `DONOR_MEMBERS`. The *member activity* frame built once by
`member_activity` (a row per attendance, month of hours or gift, each with
the month and a bitmask of its days) is the per-person-per-period aggregate
that makes a change of period, chapter or program cheap at national scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import polars as pl

from metrics.figure import Figure
from metrics.fundraising import gifts
from metrics.membership import member_at
from metrics.periods import add_months, month_end, month_start, months_between
from metrics.query import Query
from metrics.schemas import day_bit

FrameLike = pl.DataFrame | pl.LazyFrame

ACTIVITY_KIND = pl.Enum(["attended", "volunteered", "gave"])

ACTIVITY_SCHEMA: dict[str, pl.DataType] = {
    "member_id": pl.Int64(),
    "program_id": pl.Int64(),
    "kind": ACTIVITY_KIND,
    "month": pl.Date(),
    "day_mask": pl.Int32(),
    "count": pl.Int64(),  # events attended, hour entries, gifts
}


def activity_parts(
    attended: FrameLike,
    hours: FrameLike,
    donations: FrameLike | None = None,
    donor_members: FrameLike | None = None,
    *,
    as_of: date | None = None,
) -> list[pl.LazyFrame]:
    """The parts of `member_activity` (attendance, hours, gifts), each of
    `ACTIVITY_SCHEMA` and in its input's order: attendance and gifts that
    arrive by date and hours by month make parts sorted by month."""
    return _activity_parts(attended, hours, donations, donor_members, as_of)


def member_activity(
    attended: FrameLike,
    hours: FrameLike,
    donations: FrameLike | None = None,
    donor_members: FrameLike | None = None,
    *,
    as_of: date | None = None,
) -> pl.LazyFrame:
    """Every member's activity as rows of `ACTIVITY_SCHEMA`: one per event
    attended, per month of hours, per gift.

    `attended` is attendance joined to its events (`attendance_with_events`).
    Activity is what METRICS.md counts for the active ratio: attending an
    event, volunteer hours once approved (pending entries may yet be
    rejected, so they do not count until a coordinator accepts them) or giving (a gift by a donor matched to
    the member by e-mail, in `donor_members`). ``day_mask`` has bit d−1 set
    for each day of ``month`` the row covers, so any window of days can be
    tested exactly. The rows are stacked, never grouped: every figure first
    cuts them to its own window, which is cheaper than a million-group
    aggregation up front.

    With `as_of`, later activity is left out (whole months for hours).

    Example: member 7 attends events on 2 and 9 March → two rows (7, …,
    "attended", 2024-03-01, day_mask 0b10 = 2, count 1) and (…, 0b100000000
    = 256, 1).
    """
    return pl.concat(_activity_parts(attended, hours, donations, donor_members, as_of))


def _activity_parts(
    attended: FrameLike,
    hours: FrameLike,
    donations: FrameLike | None,
    donor_members: FrameLike | None,
    as_of: date | None,
) -> list[pl.LazyFrame]:
    cut = as_of or date.max
    att = (
        attended.lazy()
        .filter(pl.col("member_id").is_not_null() & (pl.col("starts_on") <= cut))
        .select(
            "member_id",
            "program_id",
            pl.lit("attended", ACTIVITY_KIND).alias("kind"),
            pl.col("starts_on").dt.month_start().alias("month"),
            day_bit(pl.col("starts_on")).alias("day_mask"),
            pl.lit(1, pl.Int64).alias("count"),
        )
    )
    vol = (
        hours.lazy()
        .filter((pl.col("status") == "approved") & (pl.col("month") <= cut))
        .select(
            "member_id",
            "program_id",
            pl.lit("volunteered", ACTIVITY_KIND).alias("kind"),
            "month",
            "day_mask",
            pl.col("entries").alias("count"),
        )
    )
    parts = [att, vol]
    if donations is not None and donor_members is not None:
        gave = (
            gifts(donations, cut)
            .join(donor_members.lazy(), on="donor_id", how="inner", maintain_order="left")
            .select(
                "member_id",
                pl.lit(None, pl.Int64).alias("program_id"),
                pl.lit("gave", ACTIVITY_KIND).alias("kind"),
                pl.col("received_on").dt.month_start().alias("month"),
                day_bit(pl.col("received_on")).alias("day_mask"),
                pl.lit(1, pl.Int64).alias("count"),
            )
        )
        parts.append(gave)
    # Casts are no-ops where the parts already have the schema's types.
    return [p.select([pl.col(c).cast(t) for c, t in ACTIVITY_SCHEMA.items()]) for p in parts]


# --- active ratio and cohorts -----------------------------------------------------


def window_mask(first: date, last: date) -> pl.Expr:
    """For activity rows (column ``month``): the bitmask of the days of that
    month inside [first, last], as Int64."""
    lo = pl.when(pl.col("month") == month_start(first)).then(pl.lit(first.day)).otherwise(pl.lit(1))
    hi = pl.when(pl.col("month") == month_start(last)).then(pl.lit(last.day)).otherwise(pl.lit(31))
    two = pl.lit(2, pl.Int64)
    return two.pow(hi.cast(pl.Int64)) - two.pow((lo - 1).cast(pl.Int64))


def active_in_window(activity: FrameLike, first: date, last: date) -> pl.LazyFrame:
    """Distinct ``member_id``s with activity on some day in [first, last]."""
    return (
        activity.lazy()
        .filter(pl.col("month").is_between(month_start(first), last))
        .filter((pl.col("day_mask").cast(pl.Int64) & window_mask(first, last)) != 0)
        .select("member_id")
        .unique()
    )


def activity_until(activity: FrameLike, at: date) -> pl.LazyFrame:
    """Activity rows up to `at`, exactly: in `at`'s own month only the days
    up to `at` count (a row active only later that month is dropped)."""
    this_month = month_start(at)
    up_to = pl.lit(2**at.day - 1, pl.Int64)
    return (
        activity.lazy()
        .filter(pl.col("month") <= at)
        .filter((pl.col("month") < this_month) | ((pl.col("day_mask").cast(pl.Int64) & up_to) != 0))
    )


@dataclass(frozen=True)
class ActiveRatio:
    at: date
    window_days: int
    members: int
    active: int
    ratio: Figure


def active_ratio(
    members: FrameLike, activity: FrameLike, *, at: date, window_days: int = 90
) -> Query[ActiveRatio]:
    """Active-member ratio at `at`.

    Formula: members active (event, hours or gift) in the trailing N days
    (at − N + 1 … at; default N = 90) / members at `at` (METRICS.md).

    Example: 4 members on 31 March; member 1 attended on 15 March, member 2
    logged hours on 20 December (outside 90 days), member 3 gave on 2 Jan →
    active {1, 3} → 2 / 4 = 0.5.
    """
    if window_days < 1:
        raise ValueError("the active window is at least one day")
    first = at - timedelta(days=window_days - 1)
    current = members.lazy().filter(member_at(at)).select(pl.col("id").alias("member_id"))
    active = current.join(active_in_window(activity, first, at), on="member_id", how="semi")
    counts = [
        current.select(pl.len().cast(pl.Int64).alias("members")),
        active.select(pl.len().cast(pl.Int64).alias("active")),
    ]

    def finish(r: dict[str, Any]) -> ActiveRatio:
        return ActiveRatio(
            at=at,
            window_days=window_days,
            members=r["members"],
            active=r["active"],
            ratio=Figure.ratio(r["active"], r["members"], "ratio", f"no members on {at.isoformat()}"),
        )

    return Query.one_row(counts, finish)


def cohort_retention(
    members: FrameLike, activity: FrameLike, *, last_cohort: date, cohorts: int = 12, as_of: date
) -> Query[pl.DataFrame]:
    """Share of each join-month cohort active in month c + k.

    Columns: ``cohort`` (join month), ``size``, ``months_since`` (k),
    ``active`` (cohort members with any activity in month c + k) and
    ``share`` = active / size; k runs to `as_of`'s month, so the newest
    cohorts have the shortest rows (a triangle). Source: METRICS.md
    (cohort analysis as in product analytics).

    Example: 10 members join in January; 6 are active in January, 3 in
    February → (Jan, 10, 0, 6, 0.6), (Jan, 10, 1, 3, 0.3).
    """
    last = month_start(min(last_cohort, as_of))
    first = add_months(last, -(cohorts - 1))
    cut = month_start(as_of)
    mem = (
        members.lazy()
        .filter(pl.col("joined_on").is_between(first, min(month_end(last), as_of)))
        .select(pl.col("id").alias("member_id"), pl.col("joined_on").dt.month_start().alias("cohort"))
    )
    sizes = mem.group_by("cohort").agg(pl.len().cast(pl.Int64).alias("size"))
    act = activity_until(activity, as_of).filter(pl.col("month") >= first).select("member_id", "month")
    k_expr = (
        (pl.col("month").dt.year() - pl.col("cohort").dt.year()) * 12
        + pl.col("month").dt.month().cast(pl.Int32)
        - pl.col("cohort").dt.month().cast(pl.Int32)
    )
    # Join first (cohort members only), then one row per member and month.
    counts = (
        mem.join(act, on="member_id", how="inner")
        .unique(["member_id", "month"])
        .with_columns(k_expr.cast(pl.Int32).alias("months_since"))
        .filter(pl.col("months_since") >= 0)
        .group_by("cohort", "months_since")
        .agg(pl.len().cast(pl.Int64).alias("active"))
    )
    ks = pl.LazyFrame(
        {"months_since": list(range(months_between(first, cut) + 1))}, schema={"months_since": pl.Int32}
    )
    grid = sizes.join(ks, how="cross").filter(
        (
            (pl.col("cohort").dt.year() - cut.year) * 12
            + pl.col("cohort").dt.month().cast(pl.Int32)
            - cut.month
        )
        + pl.col("months_since")
        <= 0
    )
    frame = (
        grid.join(counts, on=["cohort", "months_since"], how="left")
        .with_columns(pl.col("active").fill_null(0))
        .with_columns((pl.col("active") / pl.col("size")).alias("share"))
        .sort("cohort", "months_since")
        .select("cohort", "size", "months_since", "active", "share")
    )
    return Query.frame_of(frame)
