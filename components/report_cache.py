"""What every dashboard page does first: check the role, load the frames of
the person's scope, draw the filters and compute the health report, cached.

The caches are keyed by scope, not by person: the database answers which
rows of the report's tables a person may read (`app.report_scope`, e.g.
every board member reads the whole movement), and everyone with the same
answer shares one copy of those frames and of the reports computed from
them. Memory grows with the number of distinct scopes, not with the number
of people signed in, and one person's figures can only reach someone the
database lets read the same rows. Each key also names the database the rows
came from.

- the frames, with `st.cache_resource`: polars frames are never changed in
  place, and copying hundreds of megabytes on every rerun (what
  `st.cache_data` does) would cost more than the report itself;
- the report per filter, with `st.cache_data`: small, and a filter change
  back to an earlier view is instant.

"Refresh figures" reads one scope again (a new generation of its key), not
everyone's. A page never computes a metric itself: it reads the
`HealthReport` that `metrics.report.health_report` returns.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal

import polars as pl
import streamlit as st

from components.chapter_tree import ChapterOption, subtree
from components.filters import FilterOptions, Filters, dashboard_filters
from components.session import SignedIn, local_today, require_role
from db.identity import Identity

if TYPE_CHECKING:
    from metrics.impact import GoalProgress
    from metrics.prepared import PreparedFrames
    from metrics.report_types import HealthReport
    from metrics.schemas import ReportFrames

log = logging.getLogger(__name__)

FRAMES_TTL_SECONDS = 600
REPORT_TTL_SECONDS = 600
WHOLE_MOVEMENT_ROLES = ("board", "admin")


@dataclass(frozen=True)
class LoadedFrames:
    """The frames of one scope with the moment they were read, which keys
    the reports computed from them (a refresh makes new reports, never
    stale ones)."""

    frames: ReportFrames
    scope: str
    loaded_at: float
    seconds: float


def scope_key(identity: Identity) -> str:
    """What the database says this person may read of the report's tables;
    asked on every run, so a changed role changes the key at once."""
    from db.report_frames import report_scope

    return report_scope(identity)


@st.cache_resource(show_spinner=False)
def _generations() -> dict[str, int]:
    # Shared by every session of the process: a scope's refresh is seen by
    # everyone reading that scope, and by no one else.
    return {}


def _database_key() -> str:
    # Tests and operators switch databases within one process; a cache
    # entry must never outlive the database it was read from.
    from db.server import database_uri

    return hashlib.sha256(database_uri().encode()).hexdigest()[:16]


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


@st.cache_data(ttl=REPORT_TTL_SECONDS, max_entries=512, show_spinner=False)
def _report(
    scope: str,
    database: str,
    loaded_at: float,
    as_of: str,
    period_start: str,
    period_end: str,
    chapter_id: int | None,
    program_id: int | None,
    _prepared: PreparedFrames,
) -> HealthReport:
    from metrics.periods import Period
    from metrics.report import health_report

    return health_report(
        _prepared,
        as_of=date.fromisoformat(as_of),
        period=Period(date.fromisoformat(period_start), date.fromisoformat(period_end)),
        chapter_id=chapter_id,
        program_id=program_id,
    )


def load_frames(identity: Identity) -> LoadedFrames:
    """The report's frames of this person's scope, shared with everyone the
    database gives the same scope."""
    scope = scope_key(identity)
    return _frames(scope, _database_key(), _generations().get(scope, 0), identity)


def compute_report(
    identity: Identity,
    loaded: LoadedFrames,
    filters: Filters,
    *,
    as_of: date,
    chapter_id: int | Literal["filter"] | None = "filter",
) -> HealthReport:
    """The health report for `filters` (or for another chapter with the same
    period and program), from this person's frames, cached.

    `as_of` is today: figures of a past period are cut at its end by the
    report itself, and one set of prepared aggregates serves every period."""
    database = _database_key()
    prepared = _prepared(loaded.scope, database, loaded.loaded_at, as_of.isoformat(), loaded)
    return _report(
        loaded.scope,
        database,
        loaded.loaded_at,
        as_of.isoformat(),
        filters.period.start.isoformat(),
        filters.period.end.isoformat(),
        filters.chapter_id if chapter_id == "filter" else chapter_id,
        filters.program_id,
        prepared,
    )


@st.cache_data(ttl=REPORT_TTL_SECONDS, max_entries=128, show_spinner=False)
def _goals(
    scope: str,
    database: str,
    loaded_at: float,
    as_of: str,
    chapter_id: int | None,
    complete: tuple[int, ...] | None,
    _frames: ReportFrames,
) -> list[GoalProgress]:
    from metrics.goal_progress import goals_progress
    from metrics.scope import chapter_subtree

    goals = _frames.goals
    if chapter_id is not None:
        goals = goals.filter(pl.col("chapter_id").is_in(chapter_subtree(_frames.chapters, chapter_id)))
    progress = goals_progress(
        _frames.with_frames(goals=goals),
        as_of=date.fromisoformat(as_of),
        complete_scopes=None if complete is None else frozenset(complete),
    )
    return [progress[int(gid)] for gid in goals.get_column("id").to_list() if int(gid) in progress]


def refresh(scope: str | None = None) -> None:
    """Read `scope`'s rows again on its next run (after new data arrived);
    the other scopes keep their copies. Without a scope, every cache is
    dropped (tests and operators switching databases)."""
    if scope is not None:
        generations = _generations()
        generations[scope] = generations.get(scope, 0) + 1
        return
    _generations().clear()
    _frames.clear()
    _prepared.clear()
    _report.clear()
    _goals.clear()


def filter_options(user: SignedIn, frames: ReportFrames, today: date) -> FilterOptions:
    chapters = tuple(
        ChapterOption(int(r["id"]), str(r["name"]), str(r["level"]), r["parent_id"])
        for r in frames.chapters.select("id", "name", "level", "parent_id").iter_rows(named=True)
    )
    programs = tuple(
        (int(r["id"]), str(r["name"])) for r in frames.programs.select("id", "name").iter_rows(named=True)
    )
    settings = frames.settings
    fy_start = int(settings["fiscal_year_start_month"][0]) if settings.height else 1
    founded = frames.chapters.get_column("founded_on").drop_nulls()
    first_year = min(founded.min(), today) if founded.len() else today  # type: ignore[type-var]
    if user.has(*WHOLE_MOVEMENT_ROLES):
        allowed = None
        default = None
    else:
        allowed = subtree(chapters, user.coordinator_chapters)
        # A coordinator starts on their own chapter: RLS already limits the
        # rows, and a "whole movement" label over one chapter would mislead.
        default = next((c for c in user.coordinator_chapters if c in allowed), None)
    owners = dict(frames.programs.select("id", "chapter_id").iter_rows())
    return FilterOptions(
        chapters=chapters,
        programs=programs,
        program_chapters=owners,
        fy_start_month=fy_start,
        first_year=first_year.year if isinstance(first_year, date) else today.year,
        today=today,
        allowed_chapters=allowed,
        default_chapter=default,
    )


def movement_name(frames: ReportFrames) -> str:
    settings = frames.settings
    return str(settings["movement_name"][0]) if settings.height else "Empathy Movement"


def currency(frames: ReportFrames) -> str:
    settings = frames.settings
    return str(settings["reporting_currency"][0]) if settings.height else "USD"


@dataclass(frozen=True)
class Dashboard:
    """What a dashboard page works with."""

    user: SignedIn
    filters: Filters
    loaded: LoadedFrames
    report: HealthReport
    currency: str
    movement: str
    options: FilterOptions

    @property
    def frames(self) -> ReportFrames:
        return self.loaded.frames

    def goals(self) -> list[GoalProgress]:
        """The goals in the filter's scope (a chapter's and those of its
        sub-chapters; every goal for the whole movement) with their progress,
        the same figures as the Goals page. A coordinator's movement-wide
        goals are left undefined with the reason (their rows are partial)."""
        allowed = self.options.allowed_chapters
        return _goals(
            self.loaded.scope,
            _database_key(),
            self.loaded.loaded_at,
            self.options.today.isoformat(),
            self.filters.chapter_id,
            None if allowed is None else tuple(sorted(allowed)),
            self.frames,
        )

    def goal_scopes(self) -> dict[int, str]:
        """Each goal's scope in words, by goal id."""
        goals = self.frames.goals.select("id", "chapter_id")
        return {
            int(gid): self.options.chapter_label(cid) if cid is not None else "Whole movement"
            for gid, cid in goals.iter_rows()
        }

    def report_for(self, chapter_id: int | None) -> HealthReport:
        """The same period and program for another chapter (cached)."""
        return compute_report(
            self.user.identity, self.loaded, self.filters, as_of=self.options.today, chapter_id=chapter_id
        )


def today() -> date:
    """The dashboard's as_of: today where the person is."""
    return local_today()


def open_dashboard(title: str, *roles: str, caption: str | None = None) -> Dashboard:
    """The top of every dashboard page: role check, title, filters, report.

    Stops the page with a clear message (never a traceback) when the data
    cannot be read or the person's scope holds no chapter yet."""
    user = require_role(*roles)
    st.title(title, anchor=False)
    try:
        loaded = load_frames(user.identity)
    except Exception:
        log.exception("dashboard frames could not be read")
        st.error(
            "The figures could not be read from the database just now. Try again in a moment; "
            "if it persists, tell an admin.",
            icon=":material/error:",
        )
        st.stop()
        raise AssertionError("unreachable") from None
    frames = loaded.frames
    if frames.chapters.height == 0:
        st.info(
            "No chapters yet. Once the movement's first chapter is created, its figures appear here.",
            icon=":material/info:",
        )
        st.stop()
    options = filter_options(user, frames, today())
    if options.allowed_chapters is not None and not options.allowed_chapters:
        st.info(
            "You coordinate no chapter yet, so there are no figures to show. An admin can assign one.",
            icon=":material/info:",
        )
        st.stop()
    filters = dashboard_filters(options)
    with st.sidebar:
        if st.button("Refresh figures", key="dash_refresh", icon=":material/refresh:", type="tertiary"):
            refresh(loaded.scope)
            st.rerun()
    st.caption(filters.describe() + (f" · {caption}" if caption else ""))
    try:
        report = compute_report(user.identity, loaded, filters, as_of=options.today)
    except Exception:
        log.exception("health report failed for %s", filters.describe())
        st.error(
            "The figures for these filters could not be computed. Another period or chapter may work; "
            "the problem has been logged.",
            icon=":material/error:",
        )
        st.stop()
        raise AssertionError("unreachable") from None
    return Dashboard(user, filters, loaded, report, currency(frames), movement_name(frames), options)


def empty_state(message: str) -> None:
    st.info(message, icon=":material/info:")


def rows_of(frame: pl.DataFrame | None) -> int:
    return 0 if frame is None else frame.height
