"""Who was active in which month: one Boolean column per month over the
members, the per-person-per-period aggregate behind the member figures.

A report asks the same few questions of its members many times over: who
was active on some day of a window, who volunteered in a month, how many of
a join cohort came back k months later. Answered from the activity rows,
each question hashes millions of member ids. Here each month's rows are
scattered once into a Boolean column (a bit per member), so that a question
becomes a few ORs of columns and a sum; a change of period or chapter reads
the columns already made.

Rows are the members, in the order of the frame given, then one row for
each id seen in the activity but not among the members (activity of a
person the reader may not see still counts where a figure counts ids, as
the row-level figures do).

The figures here are the same as those of `metrics.activity`,
`metrics.ladder` and `metrics.volunteers` computed on whole frames;
`tests/metrics` checks that they agree. They cover the movement or a chapter scope without a program
(a program's activity is a small part of the rows, read as rows).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import polars as pl

from metrics.activity import ActiveRatio
from metrics.dense import DenseIndex, flags, sums
from metrics.figure import Figure
from metrics.lru import Lru
from metrics.membership import member_at
from metrics.periods import (
    add_months,
    fiscal_year_start,
    last_complete_month,
    month_end,
    month_start,
    months_between,
    rows_between,
)
from metrics.volunteers import (
    DROPPED_SCHEMA,
    BurnoutParams,
    BurnoutSignals,
    VolunteerRetention,
    burnout_windows,
)

ACTIVE_KINDS = ("attended", "volunteered", "gave")
"""What makes a member active (METRICS.md): an event, approved hours or a
gift. Pending hours do not count until approved: they may yet be rejected,
and a figure must not count work its reviewers have not accepted."""
ENGAGED_KINDS = ("attended", "volunteered")
"""What counts for breadth: showing up, not giving."""
APPROVED = "approved"
"""Approved volunteer hours: the volunteer figures' kind, whole months."""

_KEPT_COLUMNS = 2048

_SOURCES: dict[str, tuple[str, pl.Expr | None]] = {
    "attended": ("attended", None),
    # Activity counts approved hours only, by day (APPROVED: by whole month).
    "volunteered": ("hours", pl.col("status") == "approved"),
    "gave": ("gave", None),
    APPROVED: ("hours", pl.col("status") == "approved"),
}
"""Each kind: the rows it is read from, and which of them count."""


@dataclass(frozen=True)
class MemberMonths:
    """Activity rows by kind, each with the member's ``row``, and the columns
    made from them so far.

    ``members``: ``id``, ``chapter_id``, ``joined_on``, ``left_on`` of the
    first ``len(members)`` rows; ``ids``: the member id of every row, the
    unknown ids after the members. ``rows``: ``attended``, ``hours`` and
    ``gave``, frames with ``month`` (sorted), ``day_mask`` and ``row``
    (hours also ``status`` and ``minutes``); each kind of activity is read
    from one of them (`_SOURCES`)."""

    members: pl.DataFrame
    ids: pl.Series
    rows: Mapping[str, pl.DataFrame]
    # Columns made so far, the least recently read dropped first: each is a
    # bit per row (125 kB at a million members).
    _columns: Lru[tuple[tuple[str, ...], date, int, int], pl.Series] = field(
        default_factory=lambda: Lru(_KEPT_COLUMNS), repr=False
    )

    @property
    def n_rows(self) -> int:
        return self.ids.len()

    # --- columns -----------------------------------------------------------------

    def none(self) -> pl.Series:
        return pl.repeat(False, self.n_rows, dtype=pl.Boolean, eager=True)

    def _month(self, kinds: tuple[str, ...], month: date, lo: int, hi: int) -> pl.Series:
        """Rows with activity of any of `kinds` on a day lo … hi of `month`."""

        def make() -> pl.Series:
            if len(kinds) > 1:
                column = self._month(kinds[:1], month, lo, hi)
                for kind in kinds[1:]:
                    column = column | self._month((kind,), month, lo, hi)
                return column
            part = self._slice(kinds[0], month, month)
            if kinds[0] != APPROVED:
                # Activity counts on its days (a row with no day never counts).
                window = (1 << hi) - (1 << (lo - 1))
                part = part.filter((pl.col("day_mask").cast(pl.Int64) & window) != 0)
            return flags(part.get_column("row"), self.n_rows)

        return self._columns.get_or_make((kinds, month, lo, hi), make)

    def on_days(self, kinds: Iterable[str], first: date, last: date) -> pl.Series:
        """Rows with activity of any of `kinds` on some day in [first, last]
        (approved hours: in any month of it, whole)."""
        kinds = tuple(kinds)
        if APPROVED in kinds and len(kinds) > 1:
            raise ValueError("approved hours are read by whole months, apart from activity by day")
        columns = []
        month = month_start(first)
        while month <= last:
            lo = first.day if month == month_start(first) else 1
            hi = last.day if month == month_start(last) and last < month_end(month) else 31
            if kinds == (APPROVED,):
                lo, hi = 1, 31
            columns.append(self._month(kinds, month, lo, hi))
            month = add_months(month, 1)
        if not columns:
            return self.none()
        out = columns[0]
        for column in columns[1:]:
            out = out | column
        return out

    def _slice(self, kind: str, first: date, last: date) -> pl.DataFrame:
        """The rows of `kind` in the months from `first`'s to `last`."""
        source, keep = _SOURCES[kind]
        part = rows_between(self.rows[source], "month", month_start(first), last)
        return part if keep is None else part.filter(keep)

    def hours_in(self, first: date, last: date) -> pl.DataFrame:
        """The approved hours (``month``, ``minutes``, ``row``) of the months
        from `first`'s to `last`."""
        return self._slice(APPROVED, first, last)

    def volunteer_totals(self, first_month: date, last_month: date) -> pl.DataFrame:
        """Approved hours per volunteer in the months from `first_month` to
        `last_month` (the movement's): ``member_id``, ``h``, as
        `metrics.volunteers.per_volunteer` sums them."""
        given = self.hours_in(first_month, last_month)
        rows = given.get_column("row")
        minutes = sums(rows, given.get_column("minutes"), self.n_rows)
        totals = pl.DataFrame({"member_id": self.ids, "h": minutes / 60.0}).filter(flags(rows, self.n_rows))
        # Most active first, the order every figure of the load reads them in.
        return totals.sort("h", descending=True)

    def monthly_volunteers(self, first_month: date, last_month: date) -> pl.DataFrame:
        """Per month with approved hours from `first_month` to `last_month`:
        ``month``, ``volunteers``, ``hours`` (the movement's)."""
        rows: list[tuple[date, int, float]] = []
        month = month_start(first_month)
        while month <= last_month:
            minutes = self.hours_in(month, month).get_column("minutes")
            if minutes.len():
                volunteers = int(self.on_days([APPROVED], month, month).sum())
                rows.append((month, volunteers, float(minutes.sum()) / 60.0))
            month = add_months(month, 1)
        schema = {"month": pl.Date, "volunteers": pl.Int64, "hours": pl.Float64}
        return pl.DataFrame(rows, schema=schema, orient="row")

    def attendees(self, first: date, last: date) -> int:
        """Distinct members who attended an event from `first` to `last`."""
        return int(self.on_days(["attended"], first, last).sum())

    def of_members(self, mask: pl.Expr) -> pl.Series:
        """`mask` over the member rows (false for unknown ids)."""
        values = self.members.select(mask.fill_null(False)).to_series()
        if self.n_rows > values.len():
            values = values.extend(pl.repeat(False, self.n_rows - values.len(), dtype=pl.Boolean, eager=True))
        return values

    def in_scope(self, chapter_ids: tuple[int, ...] | None) -> pl.Series:
        """Rows of a chapter scope: members of those chapters (every row for
        the movement, unknown ids included)."""
        if chapter_ids is None:
            return pl.repeat(True, self.n_rows, dtype=pl.Boolean, eager=True)
        return self.of_members(pl.col("chapter_id").is_in(list(chapter_ids)))


def member_months(
    members: pl.DataFrame, *, attended: pl.DataFrame, hours: pl.DataFrame, gave: pl.DataFrame
) -> MemberMonths:
    """`MemberMonths` over `members` (``id``, ``chapter_id``, ``joined_on``,
    ``left_on``) from the rows, each sorted by ``month``: `attended` (one per
    attendance: ``member_id``, ``month``, ``day_mask``; null members are
    guests), `hours` (`metrics.schemas.VOLUNTEER_HOURS_MONTHLY`) and `gave`
    (gifts of members: ``member_id``, ``month``, ``day_mask``)."""
    members = members.select("id", "chapter_id", "joined_on", "left_on")
    attended = attended.filter(pl.col("member_id").is_not_null())
    sources = {"attended": attended, "hours": hours, "gave": gave}
    index = DenseIndex.of(members.get_column("id"))
    found = {name: index.rows_of(frame.get_column("member_id")) for name, frame in sources.items()}
    unknown = [frame.get_column("member_id").filter(found[name].is_null()) for name, frame in sources.items()]
    if sum(ids.len() for ids in unknown):
        index = index.extended(pl.concat(unknown))
        found = {name: index.rows_of(frame.get_column("member_id")) for name, frame in sources.items()}
    kept = {"attended": (), "hours": ("status", "minutes"), "gave": ()}
    rows = {
        name: frame.select("month", "day_mask", *kept[name], found[name].alias("row"))
        for name, frame in sources.items()
    }
    return MemberMonths(members, index.ids, rows)


# --- figures --------------------------------------------------------------------


def active_ratio(mm: MemberMonths, scope: pl.Series, *, at: date, window_days: int = 90) -> ActiveRatio:
    """Active-member ratio at `at`, as `metrics.activity.active_ratio`, read
    from the columns.

    Formula (METRICS.md): members in `scope` at `at` with activity (event,
    approved hours, gift) on some day of the trailing
    `window_days` (at − N + 1 … at), over the members in `scope` at `at`.
    The window's whole months are one column each; a month it covers only
    in part is made from that month's day bits.

    Example: 4 members on 31 March; one attended on 15 March, one gave on
    2 January, one logged hours on 20 December → 2 / 4 = 0.5 with 90 days.
    """
    if window_days < 1:
        raise ValueError("the active window is at least one day")
    current = mm.of_members(member_at(at)) & scope
    active = current & mm.on_days(ACTIVE_KINDS, at - timedelta(days=window_days - 1), at)
    n, k = int(current.sum()), int(active.sum())
    return ActiveRatio(
        at=at,
        window_days=window_days,
        members=n,
        active=k,
        ratio=Figure.ratio(k, n, "ratio", f"no members on {at.isoformat()}"),
    )


def cohort_retention(
    mm: MemberMonths, scope: pl.Series, *, last_cohort: date, cohorts: int = 12, as_of: date
) -> pl.DataFrame:
    """Cohort retention, as `metrics.activity.cohort_retention`, read from
    the columns.

    Formula (METRICS.md): for each join month c of the last `cohorts` and
    each k up to `as_of`'s month, share = |members of cohort c in `scope`
    active in month c + k| / |cohort c| (activity to `as_of` only).

    Example: 10 members join in January; 6 are active in January, 3 in
    February → (Jan, 10, 0, 6, 0.6), (Jan, 10, 1, 3, 0.3).
    """
    last = month_start(min(last_cohort, as_of))
    first = add_months(last, -(cohorts - 1))
    cut = month_start(as_of)
    joined = pl.col("joined_on")
    rows: list[tuple[date, int, int, int]] = []
    for c in range(cohorts):
        cohort = add_months(first, c)
        upto = min(month_end(cohort), as_of)
        members = mm.of_members(joined.is_between(cohort, upto)) & scope
        size = int(members.sum())
        if size == 0:
            continue
        for k in range(months_between(cohort, cut) + 1):
            month = add_months(cohort, k)
            active = members & mm.on_days(ACTIVE_KINDS, month, min(month_end(month), as_of))
            rows.append((cohort, size, k, int(active.sum())))
    frame = pl.DataFrame(
        rows,
        schema={"cohort": pl.Date, "size": pl.Int64, "months_since": pl.Int32, "active": pl.Int64},
        orient="row",
    )
    return frame.with_columns((pl.col("active") / pl.col("size")).alias("share"))


def breadth(mm: MemberMonths, scope: pl.Series, *, first: date, last: date) -> pl.DataFrame:
    """Breadth per month from `first`'s month to `last` (cut at `last`), and
    over the whole range (a last row with ``month`` null).

    Formula: breadth = distinct members in `scope` who attended an event or
    volunteered (mobilising; Han 2014, our operationalisation, as
    `metrics.ladder.breadth_and_depth` counts it).

    Example: members 1 and 2 attend in March, member 2 and 3 volunteer in
    April → March 2, April 2, both months 3.
    """
    months: list[date | None] = []
    counts: list[int] = []
    union = mm.none()
    month = month_start(first)
    while month <= last:
        engaged = scope & mm.on_days(ENGAGED_KINDS, month, min(month_end(month), last))
        months.append(month)
        counts.append(int(engaged.sum()))
        union = union | engaged
        month = add_months(month, 1)
    months.append(None)
    counts.append(int(union.sum()))
    return pl.DataFrame({"month": months, "breadth": counts}, schema={"month": pl.Date, "breadth": pl.Int64})


def volunteer_retention(
    mm: MemberMonths, *, year: int, as_of: date, fy_start_month: int = 1
) -> VolunteerRetention:
    """Volunteer retention of FY `year`, as
    `metrics.volunteers.volunteer_retention`, read from the columns of
    approved hours (the movement's: hours belong to the chapter they were
    given in, so a chapter's are read as rows).

    Formula (METRICS.md): |V(y−1) ∩ V(y)| / |V(y−1)|, V(y) = members with
    approved hours in FY y (to `as_of`); benchmark ≈ 65 % (2006→07).

    Example: V(2023) = {1, 2, 3, 4}, V(2024) = {2, 4, 5} → 2 / 4 = 0.5.
    """
    start = fiscal_year_start(year, fy_start_month)
    prev = mm.on_days([APPROVED], fiscal_year_start(year - 1, fy_start_month), start - timedelta(days=1))
    now = mm.on_days([APPROVED], start, min(as_of, add_months(start, 12) - timedelta(days=1)))
    v0, v1, both = int(now.sum()), int(prev.sum()), int((now & prev).sum())
    partial = last_complete_month(as_of) < add_months(start, 11)
    return VolunteerRetention(
        year=year,
        retention=Figure.ratio(both, v1, "ratio", f"nobody had approved hours in FY {year - 1}"),
        volunteers_prev=v1,
        volunteers=v0,
        retained=both,
        partial=partial,
    )


def burnout_signals(mm: MemberMonths, *, as_of: date, params: BurnoutParams | None = None) -> BurnoutSignals:
    """Burnout signals, as `metrics.volunteers.burnout_signals`, read from the
    columns of approved hours (the movement's).

    Formulas (thresholds are ours, in `BurnoutParams`): load concentrating
    = hours per volunteer up by ≥ `hours_rise` while volunteers fell by ≥
    `headcount_fall` (last w complete months against the w before);
    dropped = approved hours in each of the `sustained_months` months
    before the last `quiet_months` complete months, and none in those.

    Example: a volunteer with 2 h in every month of 2023 and none in
    January and February 2024 has dropped, at 29 February 2024.
    """
    p = params or BurnoutParams()
    w = burnout_windows(p, as_of)

    def window(first: date, last: date) -> tuple[int, float]:
        volunteers = int(mm.on_days([APPROVED], first, last).sum())
        return volunteers, float(mm.hours_in(first, last).get_column("minutes").sum()) / 60.0

    sustained = pl.repeat(True, mm.n_rows, dtype=pl.Boolean, eager=True)
    for k in range(p.sustained_months):
        month = add_months(w.sustained_first, k)
        sustained = sustained & mm.on_days([APPROVED], month, month)
    dropped = sustained & ~mm.on_days([APPROVED], w.quiet_first, w.last)
    minutes = None
    if dropped.any():
        # The hours of those who dropped only: a few among many.
        given = mm.hours_in(w.sustained_first, w.sustained_last)
        theirs = given.filter(dropped.gather(given.get_column("row")))
        minutes = sums(theirs.get_column("row"), theirs.get_column("minutes"), mm.n_rows)
    dropped_rows = (
        w.dropped_list(pl.DataFrame({"member_id": mm.ids, "minutes": minutes}).filter(dropped)).collect(
            engine="in-memory"
        )
        if minutes is not None
        else pl.DataFrame(schema=DROPPED_SCHEMA)
    )
    v_r, h_r = window(w.recent_first, w.last)
    v_b, h_b = window(w.before_first, w.before_last)
    return w.signals(v_r, h_r, v_b, h_b, dropped_rows)
