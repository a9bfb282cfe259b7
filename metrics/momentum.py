"""Momentum: members over time, growth and churn, active ratio, cohort
retention, the engagement ladder, breadth and depth, chapter spread and
attendance with its spikes.

Inputs (`metrics.schemas`): `MEMBERS`, `EVENTS`, `ATTENDANCE`,
`VOLUNTEER_HOURS_MONTHLY`, `DONATIONS` with `DONOR_MEMBERS`, `CHAPTERS`.
Most functions read a *member activity* frame built once by
`member_activity` (a row per attendance, month of hours or gift, each with
the month and a bitmask of its days) and a *rung* frame built by
`ladder_rungs` (the date each member reached each rung): these are the
per-person-per-period aggregates that make a change of period, chapter or
program cheap at national scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from metrics.figure import Figure
from metrics.fundraising import gifts
from metrics.periods import add_months, by_month, month_end, month_start, months_between
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

RUNGS = ("attendee", "repeat_attendee", "volunteer", "trained", "leader")
"""The engagement ladder, lowest first; rank = position + 1."""

RUNG_SCHEMA: dict[str, pl.DataType] = {
    "member_id": pl.Int64(),
    "chapter_id": pl.Int64(),
    "joined_on": pl.Date(),
    "left_on": pl.Date(),
    **{rung: pl.Date() for rung in RUNGS},
}


def week_start(day: date) -> date:
    """The Monday of `day`'s ISO week."""
    return day - timedelta(days=day.weekday())


def member_at(day: date | pl.Expr) -> pl.Expr:
    """True for a member on `day`: joined on or before it, not left by it."""
    d = day if isinstance(day, pl.Expr) else pl.lit(day)
    return (pl.col("joined_on") <= d) & (pl.col("left_on").is_null() | (pl.col("left_on") > d))


# --- per-person-per-period aggregates ---------------------------------------------


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


# --- members over time ------------------------------------------------------------


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
    frame = pl.concat(
        [
            current.select(pl.len().cast(pl.Int64).alias("members")),
            active.select(pl.len().cast(pl.Int64).alias("active")),
        ],
        how="horizontal",
    )

    def finish(df: pl.DataFrame) -> ActiveRatio:
        r = df.row(0, named=True)
        return ActiveRatio(
            at=at,
            window_days=window_days,
            members=r["members"],
            active=r["active"],
            ratio=Figure.ratio(r["active"], r["members"], "ratio", f"no members on {at.isoformat()}"),
        )

    return Query(frame, finish)


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


# --- chapters ---------------------------------------------------------------------

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
    frame = pl.concat(
        [by_level.select(pl.struct(pl.all()).implode().alias("by_level")), elephant], how="horizontal"
    )

    def finish(df: pl.DataFrame) -> ChapterSpread:
        r = df.row(0, named=True)
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

    return Query(frame, finish)


# --- events and attendance --------------------------------------------------------


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
    frame = pl.concat(
        [totals, unique, kinds.sort("kind").select(pl.struct(pl.all()).implode().alias("by_kind"))],
        how="horizontal",
    )

    def finish(df: pl.DataFrame) -> EventFigures:
        r = df.row(0, named=True)
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

    return Query(frame, finish)
