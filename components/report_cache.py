"""The dashboard's figures for a person's scope: the outline of the scope,
its frames, and the health report per view, kept and cached
(`components.dashboard_page` draws them).

The caches are keyed by scope, not by person: the database answers which
rows of the report's tables a person may read (`app.report_scope`, e.g.
every board member reads the whole movement), and everyone with the same
answer shares one copy of those frames and of the reports computed from
them. Memory grows with the number of distinct scopes, not with the number
of people signed in, and one person's figures can only reach someone the
database lets read the same rows. Each key also names the database the rows
came from.

A report is looked for, in order:

1. in this process, while the outline it was asked with is current: per
   view (`st.cache_resource`: shared, never copied, since a national report
   holds megabytes of frames and a copy on every rerun cost a tenth of a
   second), or among the views made ready ahead (below);
2. kept in PostgreSQL for the scope (`db.report_snapshots`): what any app
   process computed for the same scope and view in the last
   `figures_max_age_seconds`, so a restarted app or another replica shows
   the board's first page without reading a million members' rows;
3. computed from the scope's frames (`st.cache_resource`: read once, shared,
   never copied) and then kept in PostgreSQL.

After either of the last two, the views a reader is likely to open next (the
other periods, the chapters the Chapters page compares) are made ready in
memory by a background thread: fetched where the scope kept them, else
computed from the frames just read and kept as well. A filter change then
finds its report in memory.

A page first reads the scope's outline (settings, chapters, programs,
goals: a few thousand rows), which dates what "recent" means. "Refresh
figures" starts a new generation of one scope: new frames, and no kept
report older than the refresh. A page never computes a metric itself: it
reads the `HealthReport` that `metrics.report.health_report` returns.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Literal, TypeVar

import polars as pl
import streamlit as st

from components.figure_keys import database_key, view_key
from components.filters import Filters
from db import report_snapshots
from db.config import get_settings
from db.identity import Identity
from metrics.lru import Lru

if TYPE_CHECKING:
    from db.report_frames import Outline
    from metrics.impact import GoalProgress
    from metrics.prepared import PreparedFrames
    from metrics.report_types import HealthReport
    from metrics.schemas import ReportFrames

log = logging.getLogger(__name__)

FRAMES_TTL_SECONDS = 600
REPORT_TTL_SECONDS = 600
# The outline is small; re-reading it each minute also re-asks the database
# for kept reports, so one computed by another process shows within a minute.
OUTLINE_TTL_SECONDS = 60

T = TypeVar("T")


@dataclass(frozen=True)
class LoadedFrames:
    """The frames of one scope with the moment they were read, which keys
    the reports computed from them (a refresh makes new reports, never
    stale ones)."""

    frames: ReportFrames
    scope: str
    loaded_at: float
    seconds: float


@dataclass(frozen=True)
class ScopeOutline:
    """A scope's outline, its generation, and the oldest kept report that
    is still current for it (`since`, on the database's clock)."""

    outline: Outline
    scope: str
    database: str
    generation: int
    since: datetime


def scope_key(identity: Identity) -> str:
    """What the database says this person may read of the report's tables;
    asked on every run, so a changed role changes the key at once."""
    from db.report_frames import report_scope

    return report_scope(identity)


@st.cache_resource(show_spinner=False)
def _generations() -> dict[str, tuple[int, datetime | None]]:
    # Shared by every session of the process: a scope's refresh (its
    # generation and when it happened) is seen by everyone reading that
    # scope, and by no one else.
    return {}


@st.cache_resource(show_spinner=False)
def _floor() -> dict[str, datetime]:
    # When this process last dropped every cache: kept reports from before
    # are not shown either (tests and operators after changing data).
    return {}


# Reports of the views ahead, fetched from the database or computed in the
# background, by (scope, database, since, key): the next filter change finds
# its report in memory. A national report is up to a few megabytes.
AHEAD_IN_MEMORY = 64


@st.cache_resource(show_spinner=False)
def _ahead() -> Lru[tuple[str, str, str, str], object]:
    return Lru(AHEAD_IN_MEMORY)


@st.cache_resource(show_spinner=False)
def _computing() -> threading.Lock:
    # One report computed at a time per process: the nearby views share the
    # prepared frames' result cache with the page that asked first.
    return threading.Lock()


@st.cache_resource(ttl=OUTLINE_TTL_SECONDS, max_entries=64, show_spinner=False)
def _outline(scope: str, database: str, generation: int, _identity: Identity) -> ScopeOutline:
    from db.report_frames import load_outline

    outline = load_outline(_identity)
    since = outline.read_at - timedelta(seconds=get_settings().figures_max_age_seconds)
    for floor in (_generations().get(scope, (0, None))[1], _floor().get("since")):
        if floor is not None:
            since = max(since, floor)
    return ScopeOutline(outline, scope, database, generation, since)


@st.cache_resource(ttl=FRAMES_TTL_SECONDS, max_entries=16, show_spinner=False)
def _frames(scope: str, database: str, generation: int, _identity: Identity) -> LoadedFrames:
    # Read as whoever asked first: everyone sharing `scope` reads these rows.
    from db.report_frames import load_report_frames

    started = time.perf_counter()
    frames = load_report_frames(_identity)
    return LoadedFrames(frames, scope, time.time(), time.perf_counter() - started)


@st.cache_resource(ttl=FRAMES_TTL_SECONDS, max_entries=16, show_spinner=False)
def _prepared(
    scope: str, database: str, loaded_at: float, as_of: str, _loaded: LoadedFrames
) -> PreparedFrames:
    # The per-person-per-month aggregates every filter reuses: a change of
    # period, chapter or program then never rescans raw rows.
    from metrics.prepared import prepare_frames

    return prepare_frames(_loaded.frames, as_of=date.fromisoformat(as_of))


def _generation(scope: str) -> int:
    return _generations().get(scope, (0, None))[0]


def outline_of(identity: Identity) -> ScopeOutline:
    """The outline of this person's scope, shared with everyone the
    database gives the same scope."""
    scope = scope_key(identity)
    return _outline(scope, database_key(), _generation(scope), identity)


def load_frames(identity: Identity) -> LoadedFrames:
    """The report's frames of this person's scope, shared with everyone the
    database gives the same scope."""
    scope = scope_key(identity)
    return _frames(scope, database_key(), _generation(scope), identity)


def _kept_or_computed(
    identity: Identity,
    where: ScopeOutline,
    key: str,
    compute: Callable[[LoadedFrames], T],
    kind: type[T],
    after: Callable[[LoadedFrames | None], None] | None = None,
) -> T:
    """What the scope has under `key` since `where.since` (fetched ahead
    into memory, else kept in the database), else `compute`d from the
    scope's frames and kept (a failure to keep is logged, never shown: the
    figures are right either way). Then `after` is called, with the frames
    when they were read."""
    ahead = _ahead()
    hit, found = ahead.get(_ahead_key(where, key))
    if not (hit and isinstance(found, kind)):
        found = report_snapshots.kept(identity, key, where.since)
    if isinstance(found, kind):
        # In memory too: the views ahead of the next view include this one.
        ahead.put(_ahead_key(where, key), found)
        if after is not None:
            after(None)
        return found
    loaded = _frames(where.scope, where.database, where.generation, identity)
    with _computing():
        value = compute(loaded)
    _keep(identity, key, value, loaded)
    ahead.put(_ahead_key(where, key), value)
    if after is not None:
        after(loaded)
    return value


def _ahead_key(where: ScopeOutline, key: str) -> tuple[str, str, str, str]:
    return (where.scope, where.database, where.since.isoformat(), key)


def _keep(
    identity: Identity, key: str, value: object, loaded: LoadedFrames, *, uri: str | None = None
) -> None:
    try:
        age = time.time() - loaded.loaded_at
        if not report_snapshots.keep(identity, loaded.scope, key, value, age_seconds=age, uri=uri):
            log.info("a report was not kept: the reader's scope changed since its rows were read")
    except Exception:
        log.exception("a computed report could not be kept in the database")


# A view: (period start, period end, chapter, program), dates in ISO form.
View = tuple[str, str, int | None, int | None]


def _prepared_of(loaded: LoadedFrames, as_of: date) -> PreparedFrames:
    return _prepared(loaded.scope, database_key(), loaded.loaded_at, as_of.isoformat(), loaded)


def _health_report(prepared: PreparedFrames, as_of: date, view: View) -> HealthReport:
    from metrics.periods import Period
    from metrics.report import health_report

    start, end, chapter_id, program_id = view
    return health_report(
        prepared,
        as_of=as_of,
        period=Period(date.fromisoformat(start), date.fromisoformat(end)),
        chapter_id=chapter_id,
        program_id=program_id,
    )


def _report_key(as_of: date, view: View) -> str:
    return view_key("report", as_of.isoformat(), view)


@st.cache_resource(show_spinner=False)
def _nearby_running() -> set[tuple[str, str, int, str, bool]]:
    return set()


def _views_ahead(
    identity: Identity, where: ScopeOutline, loaded: LoadedFrames | None, as_of: date, views: tuple[View, ...]
) -> None:
    """Have each of `views` in memory before the reader asks, from a
    background thread: fetched from the database where the scope kept it,
    else, when the scope's frames were just read (`loaded`), computed from
    them and kept, so any reader of the scope finds it kept. One such thread
    per scope and path at a time; it stops early when the scope is
    refreshed or every cache dropped."""
    from db.server import database_uri

    if not get_settings().figures_ahead:
        return
    running = _nearby_running()
    computing_ahead = loaded is not None
    marker = (where.scope, where.database, where.generation, where.since.isoformat(), computing_ahead)
    if marker in running or not views:
        return
    running.add(marker)
    prepared = _prepared_of(loaded, as_of) if loaded is not None else None
    # Taken here, in the script's thread: the worker calls no Streamlit
    # function, and reads and writes the database this scope was read from
    # even if the settings change meanwhile.
    uri = database_uri()
    generations, computing, ahead = _generations(), _computing(), _ahead()

    def work() -> None:
        try:
            for view in views:
                if marker not in running or generations.get(where.scope, (0, None))[0] != where.generation:
                    return
                key = _report_key(as_of, view)
                if ahead.get(_ahead_key(where, key))[0]:
                    continue
                report = report_snapshots.kept(identity, key, where.since, uri=uri)
                if report is None and prepared is not None and loaded is not None:
                    with computing:
                        report = _health_report(prepared, as_of, view)
                    _keep(identity, key, report, loaded, uri=uri)
                if report is not None:
                    ahead.put(_ahead_key(where, key), report)
        except Exception:
            log.exception("the views ahead of a scope could not be made ready")
        finally:
            running.discard(marker)

    threading.Thread(target=work, name="views-ahead", daemon=True).start()


@st.cache_resource(ttl=REPORT_TTL_SECONDS, max_entries=128, show_spinner=False)
def _report(
    scope: str,
    database: str,
    since: str,
    as_of: str,
    view: View,
    _where: ScopeOutline,
    _identity: Identity,
    _nearby: Callable[[], tuple[View, ...]],
) -> HealthReport:
    from metrics.report_types import HealthReport

    day = date.fromisoformat(as_of)
    return _kept_or_computed(
        _identity,
        _where,
        _report_key(day, view),
        lambda loaded: _health_report(_prepared_of(loaded, day), day, view),
        HealthReport,
        after=lambda loaded: _views_ahead(
            _identity, _where, loaded, day, tuple(v for v in _nearby() if v != view)
        ),
    )


def compute_report(
    identity: Identity,
    where: ScopeOutline,
    filters: Filters,
    *,
    as_of: date,
    chapter_id: int | Literal["filter"] | None = "filter",
    nearby: Callable[[], tuple[View, ...]] = tuple,
) -> HealthReport:
    """The health report for `filters` (or for another chapter with the same
    period and program), kept for this person's scope. When the report was
    not in this process yet, the views `nearby()` gives are then made ready
    in memory in the background (fetched where kept, computed and kept where
    not, when the frames had to be read anyway).

    `as_of` is today: figures of a past period are cut at its end by the
    report itself, and one set of prepared aggregates serves every period."""
    view: View = (
        filters.period.start.isoformat(),
        filters.period.end.isoformat(),
        filters.chapter_id if chapter_id == "filter" else chapter_id,
        filters.program_id,
    )
    since = where.since.isoformat()
    return _report(where.scope, where.database, since, as_of.isoformat(), view, where, identity, nearby)


@st.cache_resource(ttl=REPORT_TTL_SECONDS, max_entries=128, show_spinner=False)
def _goals(
    scope: str,
    database: str,
    since: str,
    as_of: str,
    chapter_id: int | None,
    complete: tuple[int, ...] | None,
    _where: ScopeOutline,
    _identity: Identity,
) -> list[GoalProgress]:
    day = date.fromisoformat(as_of)
    complete_scopes = None if complete is None else frozenset(complete)
    return _kept_or_computed(
        _identity,
        _where,
        view_key("goals", as_of, chapter_id, complete),
        lambda loaded: goals_in_scope(loaded.frames, day, chapter_id, complete_scopes),
        list,
    )


def goals_for(
    identity: Identity,
    where: ScopeOutline,
    as_of: date,
    chapter_id: int | None,
    complete: frozenset[int] | None,
) -> list[GoalProgress]:
    """The goals of `chapter_id` and below with their progress at `as_of`,
    kept for the person's scope (`complete`: the chapters whose rows the
    person reads in full; None for all)."""
    return _goals(
        where.scope,
        where.database,
        where.since.isoformat(),
        as_of.isoformat(),
        chapter_id,
        None if complete is None else tuple(sorted(complete)),
        where,
        identity,
    )


def goals_in_scope(
    frames: ReportFrames, as_of: date, chapter_id: int | None, complete: frozenset[int] | None
) -> list[GoalProgress]:
    """The goals of `chapter_id` and below (every goal for None) with their
    progress at `as_of`, in the order of the goals table."""
    from metrics.goal_progress import goals_progress
    from metrics.scope import chapter_subtree

    goals = frames.goals
    if chapter_id is not None:
        goals = goals.filter(pl.col("chapter_id").is_in(chapter_subtree(frames.chapters, chapter_id)))
    progress = goals_progress(frames.with_frames(goals=goals), as_of=as_of, complete_scopes=complete)
    return [progress[int(gid)] for gid in goals.get_column("id").to_list() if int(gid) in progress]


def refresh(scope: str | None = None, *, identity: Identity | None = None) -> None:
    """Read `scope`'s rows again on its next run (after new data arrived),
    and show no report kept before now; the other scopes keep their copies.
    Without a scope, every cache of this process is dropped (tests and
    operators switching databases)."""
    if scope is not None:
        generations = _generations()
        generation = generations.get(scope, (0, None))[0]
        now = report_snapshots.database_now(identity) if identity is not None else datetime.now(UTC)
        generations[scope] = (generation + 1, now)
        return
    _floor()["since"] = datetime.now(UTC)
    drop_process_caches()


def drop_process_caches() -> None:
    """Forget everything this process holds, as a restart would; what is
    kept in the database stays and is read again on the next run."""
    _generations().clear()
    _nearby_running().clear()
    _ahead().clear()
    _outline.clear()
    _frames.clear()
    _prepared.clear()
    _report.clear()
    _goals.clear()
