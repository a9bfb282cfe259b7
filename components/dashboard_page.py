"""The top of every dashboard page: the role check, the title, the
filters drawn from the scope's outline, and the health report for them
(kept and cached by `components.report_cache`), or a clear message when
there is nothing to show yet."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

import streamlit as st

from components.chapter_tree import ChapterOption, subtree
from components.filters import FilterOptions, FilterParams, Filters, PeriodKind, dashboard_filters, resolve
from components.report_cache import ScopeOutline, View, compute_report, goals_for, outline_of, refresh
from components.session import SignedIn, local_today, require_role

if TYPE_CHECKING:
    from db.report_frames import Outline
    from metrics.impact import GoalProgress
    from metrics.report_types import HealthReport

log = logging.getLogger(__name__)

WHOLE_MOVEMENT_ROLES = ("board", "admin")
# The period kinds whose current period is made ready ahead of a reader.
NEARBY_KINDS: tuple[PeriodKind, ...] = ("cy", "fy", "q")


def nearby_views(options: FilterOptions, filters: Filters) -> tuple[View, ...]:
    """The views a reader of `filters` is likely to open next, most likely
    first: the current year, fiscal year and quarter for the chapter in the
    filter; the chapters the Chapters page compares first (those one level
    down) in the same period; then those chapters in the other periods. All
    with the same program; each view once."""
    here, below = filters.chapter_id, options.compared_first(filters.chapter_id)
    periods = [resolve(FilterParams(period=kind), options)[0].period for kind in NEARBY_KINDS]
    pairs = [(p, here) for p in periods] + [(filters.period, c) for c in below]
    pairs += [(p, c) for c in below for p in periods]
    views = ((p.start.isoformat(), p.end.isoformat(), c, filters.program_id) for p, c in pairs)
    return tuple(dict.fromkeys(views))


def filter_options(user: SignedIn, where: ScopeOutline, today: date) -> FilterOptions:
    """The filters' options for this person, built once per scope, role and
    day: the chapter tree of a national movement takes tens of milliseconds
    to order, on the path of every filter change."""
    whole = user.has(*WHOLE_MOVEMENT_ROLES)
    coordinated = None if whole else tuple(user.coordinator_chapters)
    outline = where.outline
    return _filter_options(outline, where.scope, where.database, outline.read_at, coordinated, today)


@st.cache_resource(max_entries=256, show_spinner=False)
def _filter_options(
    _outline: Outline,
    scope: str,
    database: str,
    read_at: datetime,
    coordinated: tuple[int, ...] | None,
    today: date,
) -> FilterOptions:
    # The scope, database and time of reading name `_outline` (re-read every
    # minute), which is not hashed.
    outline = _outline
    chapters = tuple(
        ChapterOption(int(r["id"]), str(r["name"]), str(r["level"]), r["parent_id"])
        for r in outline.chapters.select("id", "name", "level", "parent_id").iter_rows(named=True)
    )
    programs = tuple(
        (int(r["id"]), str(r["name"])) for r in outline.programs.select("id", "name").iter_rows(named=True)
    )
    settings = outline.settings
    fy_start = int(settings["fiscal_year_start_month"][0]) if settings.height else 1
    founded = outline.chapters.get_column("founded_on").drop_nulls()
    first_year = min(founded.min(), today) if founded.len() else today  # type: ignore[type-var]
    if coordinated is None:
        allowed = None
        default = None
    else:
        allowed = subtree(chapters, coordinated)
        # A coordinator starts on their own chapter: RLS already limits the
        # rows, and a "whole movement" label over one chapter would mislead.
        default = next((c for c in coordinated if c in allowed), None)
    owners = dict(outline.programs.select("id", "chapter_id").iter_rows())
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


def movement_name(outline: Outline) -> str:
    settings = outline.settings
    return str(settings["movement_name"][0]) if settings.height else "Empathy Movement"


def currency(outline: Outline) -> str:
    settings = outline.settings
    return str(settings["reporting_currency"][0]) if settings.height else "USD"


@dataclass(frozen=True)
class Dashboard:
    """What a dashboard page works with."""

    user: SignedIn
    filters: Filters
    where: ScopeOutline
    report: HealthReport
    currency: str
    movement: str
    options: FilterOptions

    def goals(self) -> list[GoalProgress]:
        """The goals in the filter's scope (a chapter's and those of its
        sub-chapters; every goal for the whole movement) with their progress,
        the same figures as the Goals page. A coordinator's movement-wide
        goals are left undefined with the reason (their rows are partial)."""
        return goals_for(
            self.user.identity,
            self.where,
            self.options.today,
            self.filters.chapter_id,
            self.options.allowed_chapters,
        )

    def goal_scopes(self) -> dict[int, str]:
        """Each goal's scope in words, by goal id."""
        goals = self.where.outline.goals.select("id", "chapter_id")
        return {
            int(gid): self.options.chapter_label(cid) if cid is not None else "Whole movement"
            for gid, cid in goals.iter_rows()
        }

    def report_for(self, chapter_id: int | None) -> HealthReport:
        """The same period and program for another chapter (kept)."""
        return compute_report(
            self.user.identity, self.where, self.filters, as_of=self.options.today, chapter_id=chapter_id
        )


def today() -> date:
    """The dashboard's as_of: today where the person is."""
    return local_today()


def _cannot_read() -> None:
    log.exception("dashboard figures could not be read")
    st.error(
        "The figures could not be read from the database just now. Try again in a moment; "
        "if it persists, tell an admin.",
        icon=":material/error:",
    )
    st.stop()


def open_dashboard(title: str, *roles: str, caption: str | None = None) -> Dashboard:
    """The top of every dashboard page: role check, title, filters, report.

    Stops the page with a clear message (never a traceback) when the data
    cannot be read or the person's scope holds no chapter yet."""
    user = require_role(*roles)
    st.title(title, anchor=False)
    try:
        where = outline_of(user.identity)
    except Exception:
        _cannot_read()
        raise AssertionError("unreachable") from None
    outline = where.outline
    if outline.chapters.height == 0:
        st.info(
            "No chapters yet. Once the movement's first chapter is created, its figures appear here.",
            icon=":material/info:",
        )
        st.stop()
    options = filter_options(user, where, today())
    if options.allowed_chapters is not None and not options.allowed_chapters:
        st.info(
            "You coordinate no chapter yet, so there are no figures to show. An admin can assign one.",
            icon=":material/info:",
        )
        st.stop()
    filters = dashboard_filters(options)
    with st.sidebar:
        if st.button("Refresh figures", key="dash_refresh", icon=":material/refresh:", type="tertiary"):
            refresh(where.scope, identity=user.identity)
            st.rerun()
    st.caption(filters.describe() + (f" · {caption}" if caption else ""))
    try:
        report = compute_report(
            user.identity, where, filters, as_of=options.today, nearby=lambda: nearby_views(options, filters)
        )
    except Exception:
        log.exception("health report failed for %s", filters.describe())
        st.error(
            "The figures for these filters could not be computed. Another period or chapter may work; "
            "the problem has been logged.",
            icon=":material/error:",
        )
        st.stop()
        raise AssertionError("unreachable") from None
    return Dashboard(user, filters, where, report, currency(outline), movement_name(outline), options)
