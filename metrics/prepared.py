"""The per-person-per-period aggregates every health report reads.

Turning raw rows into aggregates (each member's activity per month, the
date each reached each rung of the ladder, attendance per event, each
donor's gifts by number) is the heavy part of a report. `prepare_frames`
does it once per `ReportFrames` object; `prepared_for` keeps the result
beside that object, so that a change of period, chapter or program reads
the aggregates instead of rescanning raw rows. A program's own rows are
set apart the first time a report asks for that program (`ProgramRows`).
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from metrics import activity, attendance, fundraising, impact, ladder, member_months
from metrics.donor_totals import DonorTotals, donor_totals
from metrics.lru import Lru
from metrics.member_months import MemberMonths
from metrics.query import deferred_frame
from metrics.schemas import ReportFrames, day_bit

__all__ = ["PreparedFrames", "ProgramRows", "Results", "prepare_frames", "prepared_for"]


class Results(Lru[tuple[Any, ...], Any]):
    """Finished figures of earlier reports on the same prepared frames,
    keyed by what they depend on (figure, scope, dates, parameters), least
    recently used dropped first. A filter change recomputes only what it
    changed: another program leaves the chapter's money figures as they
    were, the quarter after Q2 finds Q2's figures as its previous period."""

    def __init__(self, size: int = 1024) -> None:
        super().__init__(size)


@dataclass(frozen=True)
class ProgramRows:
    """One program's rows, each sorted by its date as in `PreparedFrames`:
    ``attended`` and ``hours`` of its events and hours, ``activity`` (its
    attendance and hours as member activity), ``rungs`` (the ladder climbed
    within the program, for every member) and ``climbs``."""

    attended: pl.DataFrame
    hours: pl.DataFrame
    activity: tuple[pl.DataFrame, ...]
    rungs: pl.DataFrame
    climbs: pl.DataFrame


@dataclass(frozen=True)
class PreparedFrames:
    """The per-person-per-period aggregates of `frames` (cut at `as_of`
    when given; None keeps everything, and each report cuts exactly at its
    own as_of, whole months for volunteer hours).

    Each row frame is sorted by its date, so a report slices the months it
    needs by binary search instead of scanning all history:

    - ``members``: the members, by ``joined_on``;
    - ``gifts``: donations with net amount ``amount`` > 0, by ``received_on``;
    - ``expenses``: the expenses, by ``spent_on``;
    - ``hours``: monthly volunteer hours, by ``month``, and
      ``chapter_hours``: their approved entries per chapter and month
      (``chapter_id``, ``status``, ``month``, ``entries``), by ``month``;
    - ``attended``: attendance joined to its event (date, chapter, program,
      and the event's ``month`` and day bit ``day_mask``), by ``starts_on``;
    - ``event_counts``: events with their member and guest counts, by
      ``starts_on``;
    - ``rungs``: the date each member reached each rung of the ladder;
    - ``climbs``: the days on which members climbed it (`ladder.climbs`),
      by ``on``;
    - ``pairs``: paired pre/post TEQ scores, by ``post_on``;
    - ``member_months``: who was active in which month, as Boolean columns
      over the members (`metrics.member_months`), from attendance, hours
      and the gifts of donors who are members;
    - ``donor_totals``: the gifts with each donor's number, for per-donor
      sums over any window, and each donor's first gift
      (`metrics.donor_totals`)."""

    frames: ReportFrames
    as_of: date | None
    members: pl.DataFrame
    gifts: pl.DataFrame
    expenses: pl.DataFrame
    hours: pl.DataFrame
    chapter_hours: pl.DataFrame
    attended: pl.DataFrame
    event_counts: pl.DataFrame
    rungs: pl.DataFrame
    climbs: pl.DataFrame
    pairs: pl.DataFrame
    member_months: MemberMonths
    donor_totals: DonorTotals
    results: Results = field(default_factory=Results, compare=False, repr=False)
    # The programs asked for lately.
    programs: Lru[int, ProgramRows] = field(default_factory=lambda: Lru(8), compare=False, repr=False)

    def program(self, program_id: int) -> ProgramRows:
        """The rows of one program (set apart when first asked for)."""
        return self.programs.get_or_make(program_id, lambda: _program_rows(self, program_id))

    def forget(self) -> None:
        """Drop the figures and program rows made since preparing (the next
        report computes them again: for benchmarks that time a first view)."""
        self.results.clear()
        self.programs.clear()


_PREPARED: weakref.WeakKeyDictionary[ReportFrames, PreparedFrames] = weakref.WeakKeyDictionary()
_PREPARED_LOCK = threading.Lock()


def _by(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """`frame` sorted by `column`, flagged so, in one chunk; no sort when it
    already is (the loader reads rows in date order, so normally it is).

    Frames arrive in many chunks (record batches, row groups); every binary
    search and slice of a report would walk them, so they are joined once."""
    if frame.height and not frame.get_column(column).is_sorted():
        return frame.sort(column).rechunk()
    return frame.rechunk().with_columns(pl.col(column).set_sorted())


def prepare_frames(frames: ReportFrames, *, as_of: date | None = None) -> PreparedFrames:
    """Build the aggregates every report of `frames` reuses (cut at `as_of`
    when given), in two `pl.collect_all` rounds and the climbs."""
    cut = as_of or date.max

    def upto(frame: pl.DataFrame, column: str) -> pl.LazyFrame:
        # Without a cut, the frame itself: filtering would copy it.
        return frame.lazy() if as_of is None else frame.lazy().filter(pl.col(column) <= as_of)

    events = upto(frames.events, "starts_on")
    # An event's month and day bit, computed once per event rather than once
    # per attendance.
    dated = events.with_columns(
        pl.col("starts_on").dt.month_start().alias("month"), day_bit(pl.col("starts_on")).alias("day_mask")
    )
    counted = fundraising.gifts(frames.donations, cut)
    members, gifts, hours, attended, gave = pl.collect_all(
        [
            frames.members.lazy(),
            counted,
            upto(frames.volunteer_hours, "month"),
            attendance.attendance_with_events(frames.attendance, dated, extra=("month", "day_mask")).drop(
                "kind", "capacity"
            ),
            counted.join(
                frames.donor_members.lazy(), on="donor_id", how="inner", maintain_order="left"
            ).select(
                "member_id",
                pl.col("received_on").dt.month_start().alias("month"),
                day_bit(pl.col("received_on")).alias("day_mask"),
            ),
        ]
    )
    # Every member, whenever they joined: each figure tests membership on its
    # own date, and a cut here would drop activity logged before a late join.
    members, gifts = _by(members, "joined_on"), _by(gifts, "received_on")
    hours, attended, gave = _by(hours, "month"), _by(attended, "starts_on"), _by(gave, "month")
    surveys = upto(frames.survey_responses, "answered_on")
    # The eager builds run beside the plans.
    counts, rungs, pairs, chapter_hours, months, totals = pl.collect_all(
        [
            attendance.event_counts(events, frames.attendance).sort("starts_on"),
            ladder.ladder_rungs(members, attended, hours),
            impact.paired_scores(surveys).sort("post_on"),
            hours.lazy()
            .filter(pl.col("status") == "approved")
            .group_by("month", "chapter_id", "status")
            .agg(pl.col("entries").sum())
            .sort("month"),
            deferred_frame(
                lambda: member_months.member_months(members, attended=attended, hours=hours, gave=gave)
            ),
            deferred_frame(lambda: donor_totals(gifts)),
        ]
    )
    return PreparedFrames(
        frames=frames,
        as_of=as_of,
        members=members,
        gifts=gifts,
        expenses=_by(frames.expenses, "spent_on"),
        hours=hours,
        chapter_hours=chapter_hours,
        attended=attended,
        event_counts=counts,
        rungs=rungs.rechunk(),
        climbs=_by(ladder.climbs(rungs).collect(), "on"),
        pairs=pairs,
        member_months=months.item(),
        donor_totals=totals.item(),
    )


def _program_rows(p: PreparedFrames, program_id: int) -> ProgramRows:
    of = pl.col("program_id") == program_id
    # A program's rows are a small part of all: the in-memory engine (see
    # metrics.query) suits them.
    attended, hours = pl.collect_all(
        [p.attended.lazy().filter(of), p.hours.lazy().filter(of)], engine="in-memory"
    )
    attended, hours = _by(attended, "starts_on"), _by(hours, "month")
    # Gifts belong to no program.
    parts = pl.collect_all(activity.activity_parts(attended, hours), engine="in-memory")
    rungs = ladder.ladder_rungs(p.members, attended, hours).collect(engine="in-memory")
    return ProgramRows(
        attended=attended,
        hours=hours,
        activity=tuple(_by(part, "month") for part in parts),
        rungs=rungs.rechunk(),
        climbs=_by(ladder.climbs(rungs).collect(engine="in-memory"), "on"),
    )


def prepared_for(frames: ReportFrames | PreparedFrames, as_of: date) -> PreparedFrames:
    """The aggregates to report from at `as_of`: `frames` itself when
    prepared and cut no earlier than `as_of`; otherwise those prepared once
    for this `ReportFrames` object (kept while it lives) or built now."""
    if isinstance(frames, PreparedFrames):
        if frames.as_of is None or frames.as_of >= as_of:
            return frames
        frames = frames.frames
    with _PREPARED_LOCK:
        prepared = _PREPARED.get(frames)
    if prepared is None:
        prepared = prepare_frames(frames)
        with _PREPARED_LOCK:
            _PREPARED[frames] = prepared
    return prepared
