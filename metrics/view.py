"""The prepared frames as one report sees them: its scope, its dates.

A report never scans all history: each frame of `metrics.prepared` is
sorted by its date, so `View` slices the days a figure needs by binary
search (a zero-copy slice) and filters the slice to the chapters in scope;
under a program it reads that program's own rows. Member, volunteer and
donor figures of the movement (or of a chapter, for members) read the
member-month columns and donor totals instead of grouping rows.
"""

from __future__ import annotations

import functools
from datetime import date
from typing import Any

import polars as pl

from metrics import volunteers
from metrics.periods import month_start, rows_between
from metrics.prepared import PreparedFrames, ProgramRows
from metrics.scope import Scope

__all__ = ["View"]


class View:
    """The prepared frames as one report sees them: limited to its scope,
    and sliced to the dates each figure needs. A window asked for twice is
    the same lazy frame, so `pl.collect_all` computes what they share once."""

    def __init__(self, p: PreparedFrames, scope: Scope) -> None:
        self.p = p
        self.scope = scope
        self._cache: dict[tuple[object, ...], pl.LazyFrame] = {}
        self._scope_rows: pl.Series | None = None
        f = p.frames
        ch, pr = scope.chapter_filter(), scope.program_filter()
        self._ch, self._pr = ch, pr
        self.member_ids = p.members.lazy().filter(ch).select(pl.col("id").alias("member_id"))
        self.balances = (
            f.balance_snapshots.lazy() if scope.is_movement else f.balance_snapshots.lazy().head(0)
        )
        self.surveys = f.survey_responses.lazy().filter(ch & pr)
        self.chapters = f.chapters.lazy().filter(scope.chapter_filter("id"))
        self.partners = f.partners.lazy().filter(ch)
        # Under a program, its own rows: its events, hours and the ladder
        # climbed within it.
        self.program: ProgramRows | None = None if scope.program_id is None else p.program(scope.program_id)
        self.rungs = (p.rungs if self.program is None else self.program.rungs).lazy().filter(ch)
        # Each donor's first gift within the scope: a chapter's new donors
        # may have given elsewhere before.
        if scope.is_movement:
            self.donor_first = p.donor_totals.first_gifts().lazy()
        else:
            in_scope = p.gifts.lazy().filter(ch).group_by("donor_id")
            self.donor_first = in_scope.agg(pl.col("received_on").min().alias("first_on"))

    @property
    def by_member_month(self) -> bool:
        """Whether member figures read the member-month columns: not under a
        program, whose activity is its own rows."""
        return self.scope.program_id is None

    @property
    def movement_wide(self) -> bool:
        """Whether figures over rows that belong to a chapter of their own
        (hours, events) read the movement's columns: the whole movement,
        no program."""
        return self.scope.program_id is None and self.scope.is_movement

    def scope_rows(self) -> pl.Series:
        """The member-month rows in scope (made when first asked)."""
        if self._scope_rows is None:
            self._scope_rows = self.p.member_months.in_scope(self.scope.chapter_ids)
        return self._scope_rows

    def _memo(self, key: tuple[object, ...], build: Any) -> pl.LazyFrame:
        frame = self._cache.get(key)
        if frame is None:
            frame = build()
            self._cache[key] = frame
        return frame

    def volunteer_totals(self, first: date, last: date) -> pl.LazyFrame:
        """Approved hours per volunteer in the months from `first`'s to
        `last` (`volunteers.per_volunteer`), summed once for the figures
        that share them; the movement's from the member-month rows."""
        lo = month_start(first)
        if not self.movement_wide:
            return self._memo(
                ("volunteer_totals", lo, last),
                lambda: volunteers.per_volunteer(self.hours(lo, last), first_month=lo, last_month=last),
            )
        mm = self.p.member_months
        return self._memo(
            ("volunteer_totals", lo, last),
            lambda: pl.defer(
                functools.cache(lambda: mm.volunteer_totals(lo, last)),
                schema={"member_id": pl.Int64, "h": pl.Float64},
            ),
        )

    def attendees(self, first: date, last: date) -> pl.LazyFrame | None:
        """The number of distinct members who attended the movement's events
        from `first` to `last` (column ``unique``), from the columns."""
        if not self.movement_wide:
            return None  # a chapter's events, not its members: read the rows
        mm = self.p.member_months
        return pl.defer(
            lambda: pl.DataFrame({"unique": [mm.attendees(first, last)]}, schema={"unique": pl.Int64}),
            schema={"unique": pl.Int64},
        )

    def monthly_volunteers(self, first_month: date, last_month: date) -> pl.LazyFrame | None:
        """Volunteers and hours per month of the movement, from the columns."""
        if not self.movement_wide:
            return None
        mm = self.p.member_months
        schema = {"month": pl.Date, "volunteers": pl.Int64, "hours": pl.Float64}
        return pl.defer(lambda: mm.monthly_volunteers(first_month, last_month), schema=schema)

    def gifts_per_donor(self, first: date, last: date) -> pl.LazyFrame | None:
        """Each donor's total from `first` to `last`, for the movement (a
        chapter's gifts are grouped as rows)."""
        if not self.scope.is_movement:
            return None
        totals = self.p.donor_totals
        return self._memo(
            ("gifts_per_donor", first, last),
            lambda: pl.defer(
                lambda: totals.per_donor(first, last), schema={"donor_id": pl.Int64, "a": pl.Float64}
            ),
        )

    def donor_years(self, year: int, end: date, fy: int) -> pl.LazyFrame | None:
        """`fundraising.donor_years` of FY `year` to `end`, for the movement."""
        if not self.scope.is_movement:
            return None
        totals = self.p.donor_totals
        schema = {"donor_id": pl.Int64, "a0": pl.Int64, "a1": pl.Int64, "a2": pl.Int64, "first_fy": pl.Int32}
        return pl.defer(lambda: totals.years(year=year, as_of=end, fy_start_month=fy), schema=schema)

    def members(self, last: date | None = None, first: date | None = None) -> pl.LazyFrame:
        """Members who joined between `first` and `last`."""
        return self._memo(
            ("members", first, last),
            lambda: rows_between(self.p.members, "joined_on", first, last).lazy().filter(self._ch),
        )

    def activity(self, first: date, last: date) -> pl.LazyFrame:
        """A program's member activity (`metrics.activity.ACTIVITY_SCHEMA`) in the
        months from `first`'s to `last` (without a program, member figures
        read the member-month columns instead)."""
        if self.program is None:
            raise ValueError("activity rows are read under a program only")
        parts = self.program.activity
        lo = month_start(first)

        def build() -> pl.LazyFrame:
            lf = pl.concat([rows_between(part, "month", lo, last).lazy() for part in parts])
            if not self.scope.is_movement:
                # Activity is the members' own, wherever it happened.
                lf = lf.join(self.member_ids, on="member_id", how="semi")
            return lf

        return self._memo(("activity", first, last), build)

    def hours(self, first: date | None, last: date) -> pl.LazyFrame:
        lo = None if first is None else month_start(first)
        rows = self.p.hours if self.program is None else self.program.hours
        return self._memo(
            ("hours", lo, last), lambda: rows_between(rows, "month", lo, last).lazy().filter(self._ch)
        )

    def chapter_hours(self, first: date, last: date) -> pl.LazyFrame:
        """Approved hour entries per chapter and month (a program's: its rows)."""
        lo = month_start(first)
        if self.program is not None:
            return self.hours(lo, last)
        rows = self.p.chapter_hours
        return self._memo(
            ("chapter_hours", lo, last), lambda: rows_between(rows, "month", lo, last).lazy().filter(self._ch)
        )

    def gifts(self, first: date | None, last: date) -> pl.LazyFrame:
        return self._memo(
            ("gifts", first, last),
            lambda: rows_between(self.p.gifts, "received_on", first, last).lazy().filter(self._ch),
        )

    def expenses(self, first: date, last: date) -> pl.LazyFrame:
        return self._memo(
            ("expenses", first, last),
            lambda: rows_between(self.p.expenses, "spent_on", first, last).lazy().filter(self._ch),
        )

    def attended(self, first: date, last: date) -> pl.LazyFrame:
        rows = self.p.attended if self.program is None else self.program.attended
        return self._memo(
            ("attended", first, last),
            lambda: rows_between(rows, "starts_on", first, last).lazy().filter(self._ch),
        )

    def counts(self, first: date | None, last: date) -> pl.LazyFrame:
        return self._memo(
            ("counts", first, last),
            lambda: (
                rows_between(self.p.event_counts, "starts_on", first, last).lazy().filter(self._ch & self._pr)
            ),
        )

    def climbs(self, first: date, last: date) -> pl.LazyFrame:
        rows = self.p.climbs if self.program is None else self.program.climbs
        return self._memo(
            ("climbs", first, last),
            lambda: rows_between(rows, "on", month_start(first), last).lazy().filter(self._ch),
        )

    def pairs(self, first: date, last: date) -> pl.LazyFrame:
        return self._memo(
            ("pairs", first, last),
            lambda: rows_between(self.p.pairs, "post_on", first, last).lazy().filter(self._ch & self._pr),
        )
