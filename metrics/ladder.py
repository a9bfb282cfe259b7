"""The engagement ladder: the date each member reached each rung, the
funnel of members by rung, and breadth against depth (mobilising against
organising).

Inputs (`metrics.schemas`): `MEMBERS`, attendance joined to `EVENTS`
(`metrics.attendance.attendance_with_events`), `VOLUNTEER_HOURS_MONTHLY`
and, for breadth, the member activity of `metrics.activity`. Most functions
read a *rung* frame built once by `ladder_rungs` (the date each member
reached each rung).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from metrics.activity import activity_until
from metrics.membership import member_at
from metrics.periods import by_month, month_start
from metrics.query import Query

FrameLike = pl.DataFrame | pl.LazyFrame

RUNGS = ("attendee", "repeat_attendee", "volunteer", "trained", "leader")
"""The engagement ladder, lowest first; rank = position + 1."""

RUNG_SCHEMA: dict[str, pl.DataType] = {
    "member_id": pl.Int64(),
    "chapter_id": pl.Int64(),
    "joined_on": pl.Date(),
    "left_on": pl.Date(),
    **{rung: pl.Date() for rung in RUNGS},
}


_DAY_ORIGIN = date(1900, 1, 1)
_DAY_BITS = 2**20  # days since 1900 fit in 20 bits until the 4770s
# Dates are whole days since 1970 underneath: integer arithmetic on them is
# several times cheaper than date arithmetic over millions of rows.
_ORIGIN_DAYS = (_DAY_ORIGIN - date(1970, 1, 1)).days


def _days_since_origin(day: pl.Expr) -> pl.Expr:
    return (day.cast(pl.Int32).cast(pl.Int64) - _ORIGIN_DAYS).clip(0)


def _date_of(days_since_origin: pl.Expr) -> pl.Expr:
    return (days_since_origin + _ORIGIN_DAYS).cast(pl.Int32).cast(pl.Date)


def first_two_days(ids: FrameLike, id_col: str, day: pl.Expr) -> pl.LazyFrame:
    """Per id, its earliest ``first`` and second-earliest ``second`` date
    (the same date again when two rows share the earliest day; null with a
    single row).

    One sort of a packed (id, day) integer instead of a million-group
    aggregation: after sorting, an id's first row holds its first date and
    the row after it, if it is the same id's, its second."""
    packed = pl.col(id_col).cast(pl.Int64) * _DAY_BITS + _days_since_origin(day)
    k = pl.col("_k")
    ident = k // _DAY_BITS
    return (
        ids.lazy()
        .select(packed.alias("_k"))
        .sort("_k")
        .with_columns(
            (ident != ident.shift(1)).fill_null(True).alias("_head"),
            pl.when(ident == ident.shift(-1)).then(k.shift(-1)).alias("_next"),
        )
        .filter(pl.col("_head"))
        .select(
            ident.alias(id_col),
            _date_of(k % _DAY_BITS).alias("first"),
            _date_of(pl.col("_next") % _DAY_BITS).alias("second"),
        )
    )


def ladder_rungs(members: FrameLike, attended: FrameLike, hours: FrameLike) -> pl.LazyFrame:
    """The date each member reached each rung of the engagement ladder
    (`RUNG_SCHEMA`; null = not yet), from attendance joined to events
    (`attendance_with_events`) and monthly hours.

    Rungs (METRICS.md): attendee (first event attended), repeat attendee
    (second event), volunteer (first approved hours: the first day of the
    first month with approved hours, read from its day mask), trained
    (``trained_on``), leader (``leader_since``: facilitators and chapter
    leaders).

    Example: a member attending on 3 Feb and 10 Mar, with approved hours in
    April (first on the 9th) and trained on 5 May → attendee 3 Feb, repeat
    10 Mar, volunteer 9 Apr, trained 5 May, leader null.
    """
    att = first_two_days(
        attended.lazy().filter(pl.col("member_id").is_not_null()), "member_id", pl.col("starts_on")
    ).select("member_id", pl.col("first").alias("attendee"), pl.col("second").alias("repeat_attendee"))
    # The first day with approved hours: the month's first day plus the
    # lowest day bit, in whole days.
    first_day = pl.col("month").cast(pl.Int32) + pl.col("day_mask").bitwise_trailing_zeros().cast(pl.Int32)
    vol = (
        hours.lazy()
        .filter((pl.col("status") == "approved") & (pl.col("day_mask") != 0))
        .group_by("member_id")
        .agg(first_day.min().cast(pl.Date).alias("volunteer"))
    )
    return (
        members.lazy()
        .select(
            pl.col("id").alias("member_id"),
            "chapter_id",
            "joined_on",
            "left_on",
            pl.col("trained_on").alias("trained"),
            pl.col("leader_since").alias("leader"),
        )
        .join(att, on="member_id", how="left")
        .join(vol, on="member_id", how="left")
        .select([pl.col(c).cast(t) for c, t in RUNG_SCHEMA.items()])
    )


# --- engagement ladder, breadth and depth -----------------------------------------


def _rank_at(at: date) -> pl.Expr:
    return pl.max_horizontal(
        [pl.when(pl.col(r) <= at).then(pl.lit(i + 1)).otherwise(pl.lit(0)) for i, r in enumerate(RUNGS)]
    )


def engagement_ladder(rungs: FrameLike, *, at: date) -> Query[pl.DataFrame]:
    """The engagement-ladder funnel of members at `at`.

    Each member stands on the highest rung reached by `at` (rungs in
    `RUNGS`). Columns: ``rung`` ("member", then the rungs), ``rank``
    (0 … 5), ``members`` at or above it, and ``conversion`` = |rung k| /
    |rung k−1| (CHAOSS conversion rate; null for the first row or when the
    rung below is empty).

    Example: 10 members; 6 attended, 3 of them twice, 2 volunteered, 1
    trained, none lead → 10, 6, 3, 2, 1, 0 with conversions 0.6, 0.5,
    0.667, 0.5, 0.
    """
    ranks = rungs.lazy().filter(member_at(at)).select(_rank_at(at).alias("rank"))
    frame = ranks.select(
        [pl.len().cast(pl.Int64).alias("r0")]
        + [(pl.col("rank") >= k).sum().cast(pl.Int64).alias(f"r{k}") for k in range(1, len(RUNGS) + 1)]
    )

    def finish(df: pl.DataFrame) -> pl.DataFrame:
        r = df.row(0, named=True)
        counts = [r[f"r{k}"] for k in range(len(RUNGS) + 1)]
        conv: list[float | None] = [None]
        conv += [counts[k] / counts[k - 1] if counts[k - 1] else None for k in range(1, len(counts))]
        return pl.DataFrame(
            {
                "rung": ["member", *RUNGS],
                "rank": list(range(len(RUNGS) + 1)),
                "members": counts,
                "conversion": conv,
            },
            schema={"rung": pl.String, "rank": pl.Int64, "members": pl.Int64, "conversion": pl.Float64},
        )

    return Query(frame, finish)


def climbs(rungs: FrameLike, *, first: date | None = None, last: date | None = None) -> pl.LazyFrame:
    """(``member_id``, ``chapter_id``, ``on``) for each day ``on`` in [first,
    last] (all time when None) on which a member climbed to a rung of rank
    ≥ 2 above every rung reached before (a row per rung: two rungs reached
    on one day are two rows).

    A rung r reached in month m is such a climb when no higher rung was
    reached before m (so the member's highest rung rose in m)."""
    lf = rungs.lazy()
    parts = []
    for i in range(1, len(RUNGS)):  # rank 2 and up: climbing beyond first contact
        r = RUNGS[i]
        m_r = pl.col(r).dt.month_start()
        higher_not_before = pl.all_horizontal(
            [pl.col(s).is_null() | (pl.col(s) >= m_r) for s in RUNGS[i + 1 :]] or [pl.lit(True)]
        )
        reached = pl.col(r).is_between(first or date.min, last or date.max)
        parts.append(
            lf.filter(reached & higher_not_before).select("member_id", "chapter_id", pl.col(r).alias("on"))
        )
    return pl.concat(parts)


def _distinct_by_month(
    rows: FrameLike, first: date, last_month: date, name: str, *, day: str | None = None
) -> pl.LazyFrame:
    """Distinct ``member_id`` of `rows` per month from `first` to
    `last_month` (0 where none), then over them all (``month`` null). The
    month is the rows' ``month``, or that of the date column `day`."""
    months = pl.LazyFrame({"month": pl.date_range(first, last_month, "1mo", eager=True)})
    distinct = pl.col("member_id").n_unique().cast(pl.Int64).alias(name)
    grouped = rows.lazy().group_by("month").agg(distinct) if day is None else by_month(rows, day, [distinct])
    per_month = (
        months.join(grouped, on="month", how="left").with_columns(pl.col(name).fill_null(0)).sort("month")
    )
    total = rows.lazy().select(pl.lit(None, pl.Date).alias("month"), distinct)
    return pl.concat([per_month, total])


def depth_by_month(climbed: FrameLike, *, first: date, last: date) -> pl.LazyFrame:
    """The depth column of `breadth_and_depth` from `climbs` (any wider
    range): ``month``, ``depth``, the total last with ``month`` null."""
    first, last_month = month_start(first), month_start(last)
    cl = climbed.lazy().filter(pl.col("on").is_between(first, last))
    return _distinct_by_month(cl, first, last_month, "depth", day="on")


def with_depth(breadth: FrameLike, depth: FrameLike) -> pl.LazyFrame:
    """Breadth and depth side by side (the same months, in the same order)
    with ``depth_share`` = depth / breadth."""
    return pl.concat([breadth.lazy(), depth.lazy().select("depth")], how="horizontal").with_columns(
        pl.when(pl.col("breadth") > 0).then(pl.col("depth") / pl.col("breadth")).alias("depth_share")
    )


def breadth_and_depth(
    activity: FrameLike, rungs: FrameLike, *, first: date, last: date, climbed: FrameLike | None = None
) -> Query[pl.DataFrame]:
    """Breadth and depth per month, and for the whole range (a last row with
    ``month`` null).

    breadth = distinct members who attended an event or volunteered
    (mobilising); depth = members who climbed at least one rung beyond
    their first attendance (rank ≥ 2, see `climbs`; organising) — Han
    (2014), *How Organizations Develop Activists*; our operationalisation.

    `climbed`: the `climbs` of `rungs` already found (any wider range).

    Example: in March members 1, 2, 3 attend; member 2 attends for the
    second time ever and member 3 logs their first approved hours →
    breadth 3, depth 2.
    """
    first, last_month = month_start(first), month_start(last)
    part = (
        activity_until(activity, last)
        .filter(pl.col("kind").is_in(["attended", "volunteered"]) & (pl.col("month") >= first))
        .select("member_id", "month")
    )
    breadth = _distinct_by_month(part, first, last_month, "breadth")
    depth = depth_by_month(
        climbs(rungs, first=first, last=last) if climbed is None else climbed, first=first, last=last
    )
    return Query.frame_of(with_depth(breadth, depth))
