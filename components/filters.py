"""The dashboard's filters: period, chapter (with its sub-chapters) and
program, shared by every dashboard page and kept in the URL so a view can be
shared.

The URL is untrusted text. It is read through `st.query_params` and validated
field by field with pydantic (`FilterParams`); a value that does not parse,
or a chapter the person may not open, is dropped with a message and the
default takes its place. Nothing from the URL is ever unpickled or evaluated.

Between pages the filters also live in the session, because moving to
another page through the navigation starts with an empty query string.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from components import dates
from components.chapter_tree import ChapterOption, chapter_depths, chapter_tree_order, subtree
from metrics.periods import Period, add_months, fiscal_year_of, fiscal_year_start, month_end

PeriodKind = Literal["cy", "fy", "q", "custom"]
PERIOD_KINDS: tuple[PeriodKind, ...] = ("cy", "fy", "q", "custom")
PERIOD_KIND_LABELS: dict[str, str] = {
    "cy": "Calendar year",
    "fy": "Fiscal year",
    "q": "Quarter",
    "custom": "Custom months",
}
PARAM_KEYS: tuple[str, ...] = ("period", "year", "q", "from", "to", "chapter", "program")
MAX_CUSTOM_MONTHS = 120
_SESSION_PARAMS = "dashboard_filter_params"
_MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

YearMonth = Annotated[str, Field(pattern=_MONTH_RE.pattern, description="YYYY-MM")]

_FIELD_NAMES: dict[str, str] = {
    "period": "period",
    "year": "year",
    "q": "quarter",
    "from": "first month",
    "to": "last month",
    "chapter": "chapter",
    "program": "program",
}
MONTHS_SHORT = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class FilterParams(BaseModel):
    """The filters as they travel in the URL. Every field is optional; what
    is missing takes its default when the filters are resolved."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True, str_strip_whitespace=True)

    period: PeriodKind | None = None
    year: int | None = Field(default=None, ge=1990, le=2100)
    q: int | None = Field(default=None, ge=1, le=4)
    from_: YearMonth | None = Field(default=None, alias="from")
    to: YearMonth | None = None
    chapter: int | None = Field(default=None, ge=1, le=2**63 - 1)
    program: int | None = Field(default=None, ge=1, le=2**63 - 1)

    @field_validator("year", "q", "chapter", "program", mode="before")
    @classmethod
    def _digits_only(cls, value: Any) -> Any:
        # int("1_000") and int(" 12") are accepted by Python; a URL value is
        # a plain run of digits or it is wrong.
        if isinstance(value, str) and not value.isdigit():
            raise ValueError("must be a whole number")
        return value

    @model_validator(mode="after")
    def _months_in_order(self) -> FilterParams:
        if self.from_ is not None and self.to is not None:
            first, last = _parse_month(self.from_), _parse_month(self.to)
            if last < first:
                raise ValueError("the last month comes before the first")
            if (last.year - first.year) * 12 + last.month - first.month + 1 > MAX_CUSTOM_MONTHS:
                raise ValueError(f"a custom period spans at most {MAX_CUSTOM_MONTHS} months")
        return self

    def to_query(self) -> dict[str, str]:
        """Only the fields that are set, as URL text."""
        out: dict[str, str] = {}
        for key, value in self.model_dump(by_alias=True).items():
            if value is not None:
                out[key] = str(value)
        return out


def _parse_month(text: str) -> date:
    year, month = text.split("-")
    return date(int(year), int(month), 1)


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_label(key: str) -> str:
    day = _parse_month(key)
    return f"{MONTHS_SHORT[day.month - 1]} {day.year}"


def parse_params(raw: Mapping[str, str | Sequence[str]]) -> tuple[FilterParams, list[str]]:
    """Validate the URL's filter fields; a field that fails is dropped.

    Returns the parameters that passed and one sentence per dropped field.

    >>> params, problems = parse_params({"period": "q", "year": "2025", "q": "9"})
    >>> params.year, params.q, len(problems)
    (2025, None, 1)
    """
    data: dict[str, str] = {}
    for key in PARAM_KEYS:
        if key in raw:
            value = raw[key]
            # A repeated parameter (?year=1&year=2) is ambiguous: take none.
            if isinstance(value, str):
                data[key] = value[:64]
            elif len(value) == 1:
                data[key] = str(value[0])[:64]
            else:
                data[key] = "(repeated)"
    problems: list[str] = []
    for _ in range(len(PARAM_KEYS) + 1):
        try:
            return FilterParams.model_validate(data), problems
        except ValidationError as exc:
            bad: set[str] = set()
            for error in exc.errors():
                loc = error.get("loc") or ()
                field = str(loc[0]) if loc else ""
                message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
                if field in data:
                    bad.add(field)
                    problems.append(
                        f'The link\'s {_FIELD_NAMES.get(field, field)} ("{data[field]}") was not understood '
                        f"({message}); the default is shown instead."
                    )
                else:
                    # A check across fields (the custom months): drop both.
                    bad.update(k for k in ("from", "to") if k in data)
                    problems.append(f"The link's custom months were not used: {message}.")
            for field in bad:
                data.pop(field, None)
            if not bad:  # pragma: no cover - every error names a field we sent
                return FilterParams(), problems
    return FilterParams(), problems


# Above this many chapters (or programs), a filter lists only those near
# the one chosen: the small demo's 21 chapters are all listed, a national
# movement's 2,278 are not.
MAX_LISTED = 200


@dataclass(frozen=True)
class FilterOptions:
    """What the filters may offer this person.

    `allowed_chapters` is None when the person may look at the whole
    movement (board, admin); otherwise it lists the chapters they may open
    (a coordinator's chapters and everything below them)."""

    chapters: tuple[ChapterOption, ...]
    programs: tuple[tuple[int, str], ...]
    fy_start_month: int
    first_year: int
    today: date
    allowed_chapters: frozenset[int] | None = None
    default_chapter: int | None = None
    program_chapters: Mapping[int, int | None] | None = None
    """Each program's chapter (None: movement-wide), to offer with a chapter
    only its programs; when not given every program is offered."""

    # Looked up once per option on every run: a national movement has
    # thousands of chapters, so these are built once, not scanned per label.
    @cached_property
    def _by_id(self) -> dict[int, ChapterOption]:
        return {c.id: c for c in self.chapters}

    @cached_property
    def _depth(self) -> dict[int, int]:
        return chapter_depths(self.chapters)

    @cached_property
    def _program_names(self) -> dict[int, str]:
        return dict(self.programs)

    @cached_property
    def _choices(self) -> list[int | None]:
        ordered = [c.id for c in chapter_tree_order(self.chapters)]
        if self.allowed_chapters is None:
            return [None, *ordered]
        return [cid for cid in ordered if cid in self.allowed_chapters]

    def chapter_choices(self) -> list[int | None]:
        return list(self._choices)

    def _listed_parent(self, chapter_id: int) -> int | None:
        """The chapter's parent, or None when its parent is not a choice
        (the top of the tree, or of a coordinator's part of it)."""
        parent = self._by_id[chapter_id].parent_id
        return parent if parent in self._choice_set else None

    @cached_property
    def _choice_set(self) -> frozenset[int | None]:
        return frozenset(self._choices)

    def _opened(self, selected: int | None) -> set[int | None]:
        """The chapters whose children a long list shows with `selected`
        chosen: it and every chapter above it, the top (None), and, when
        the top is a single chapter (one international), that chapter."""
        opened: set[int | None] = {None}
        chapter = selected if selected in self._choice_set else None
        while chapter is not None:
            opened.add(chapter)
            chapter = self._listed_parent(chapter)
        tops = [c for c in self._choices if c is not None and self._listed_parent(c) is None]
        if len(tops) == 1:
            opened.add(tops[0])
        return opened

    def chapter_menu(self, selected: int | None) -> list[int | None]:
        """The chapters the filter lists with `selected` chosen, in tree
        order: every choice, up to `MAX_LISTED`; above that, the tree opened
        on the way to `selected` (the chapters beside it and beside each one
        above it, and those just below it). A national movement's list is
        then tens of chapters rather than thousands, which the browser
        redraws on every filter change."""
        if len(self._choices) <= MAX_LISTED:
            return list(self._choices)
        opened = self._opened(selected)
        return [c for c in self._choices if c is None or c == selected or self._listed_parent(c) in opened]

    def program_menu(self, chapter_id: int | None, selected: int | None) -> list[int]:
        """The programs the filter lists with `chapter_id` chosen:
        `programs_for(chapter_id)`, up to `MAX_LISTED`; above that, the
        movement-wide ones and those of the chapter and of the chapters
        just below it (and `selected`)."""
        offered = self.programs_for(chapter_id)
        owner = self.program_chapters
        if len(offered) <= MAX_LISTED or owner is None:
            return offered
        here: set[int | None] = {None}
        if chapter_id is not None:
            here.add(chapter_id)
        here.update(c for c in self._choices if c is not None and self._listed_parent(c) == chapter_id)
        return [p for p in offered if owner.get(p) in here or p == selected]

    def compared_first(self, chapter_id: int | None, limit: int = 24) -> list[int]:
        """The chapters just below `chapter_id` (or the top of the tree for
        the whole movement), so a comparison starts one level down; with a
        single international chapter at the top, the chapters below it; for
        a chapter with none below, it and its siblings."""
        choices = {c for c in self._choices if c is not None}
        ordered = [c.id for c in chapter_tree_order(self.chapters) if c.id in choices]
        by_id = self._by_id
        below = [cid for cid in ordered if by_id[cid].parent_id == chapter_id]
        if chapter_id is None and len(below) == 1:
            below = [cid for cid in ordered if by_id[cid].parent_id == below[0]] or below
        if not below and chapter_id is not None:
            parent = by_id[chapter_id].parent_id
            siblings = [cid for cid in ordered if by_id[cid].parent_id == parent]
            below = siblings if parent in choices else [chapter_id]
        return below[:limit]

    def chapter_label(self, chapter_id: int | None) -> str:
        if chapter_id is None:
            return "Whole movement"
        c = self._by_id.get(chapter_id)
        return f"{c.name} ({c.level})" if c is not None else f"chapter {chapter_id}"

    def indented_chapter_label(self, chapter_id: int | None) -> str:
        if chapter_id is None:
            return "Whole movement"
        return "\u2003" * self._depth.get(chapter_id, 0) + self.chapter_label(chapter_id)

    def program_label(self, program_id: int | None) -> str:
        if program_id is None:
            return "All programs"
        return self._program_names.get(program_id, f"program {program_id}")

    @cached_property
    def parents(self) -> frozenset[int]:
        """Chapters with at least one chapter below them."""
        return frozenset(c.parent_id for c in self.chapters if c.parent_id is not None)

    def has_program(self, program_id: int) -> bool:
        return program_id in self._program_names

    @cached_property
    def _programs_by_name(self) -> list[int]:
        names = self._program_names
        return sorted(names, key=lambda pid: names[pid].lower())

    @cached_property
    def _programs_offered(self) -> dict[int | None, list[int]]:
        # By chapter: asked three times a run (the link's program, the list,
        # its caption), and the options outlive the run
        # (`components.dashboard_page.filter_options`).
        return {}

    def programs_for(self, chapter_id: int | None) -> list[int]:
        """The programs offered with `chapter_id` in the filter: the
        movement-wide ones and those of the chapter or any chapter below it
        (all programs for the whole movement), by name."""
        offered = self._programs_offered.get(chapter_id)
        if offered is None:
            ordered = self._programs_by_name
            if chapter_id is None or self.program_chapters is None:
                offered = ordered
            else:
                below = subtree(self.chapters, [chapter_id])
                owner = self.program_chapters
                offered = [pid for pid in ordered if owner.get(pid) is None or owner.get(pid) in below]
            self._programs_offered[chapter_id] = offered
        return list(offered)

    def years(self) -> list[int]:
        last = max(self.today.year, fiscal_year_of(self.today, self.fy_start_month))
        first = min(self.first_year, last)
        return list(range(last, first - 1, -1))

    def months(self) -> list[str]:
        first = date(min(self.first_year, self.today.year), 1, 1)
        out: list[str] = []
        day = first
        while day <= self.today:
            out.append(month_key(day))
            day = add_months(day, 1)
        return out


@dataclass(frozen=True)
class Filters:
    """The filters resolved into what the metrics need."""

    kind: PeriodKind
    period: Period
    as_of: date
    chapter_id: int | None
    program_id: int | None
    period_label: str
    chapter_label: str
    program_label: str
    params: FilterParams

    @property
    def partial(self) -> bool:
        return self.as_of < self.period.end

    def previous_period(self) -> Period:
        """The period a change is measured against: the same span just
        before (the previous year, quarter or run of months)."""
        return self.period.previous()

    @property
    def previous_label(self) -> str:
        """The previous period in the words of this one ("2025", "Q1 2026")."""
        prev = self.previous_period()
        if self.kind == "cy":
            return str(prev.start.year)
        if self.kind == "fy":
            return f"FY {prev.end.year}"
        if self.kind == "q":
            # The fiscal year's first month, from this quarter's start and number.
            m = (self.period.start.month - 3 * ((self.params.q or 1) - 1) - 1) % 12 + 1
            number = (prev.start.month - m) % 12 // 3 + 1
            fy = fiscal_year_of(prev.start, m)
            return f"Q{number} {fy}" if m == 1 else f"Q{number} FY {fy}"
        return prev.label()

    def describe(self) -> str:
        # A partial period ends today, so as_of is the person's today.
        partial = f", to date ({dates.day(self.as_of, self.as_of)})" if self.partial else ""
        return f"{self.period_label}{partial} · {self.chapter_label} · {self.program_label}"

    def cache_key(self) -> tuple[str, str, str, int | None, int | None]:
        return (
            self.period.start.isoformat(),
            self.period.end.isoformat(),
            self.as_of.isoformat(),
            self.chapter_id,
            self.program_id,
        )


def current_quarter(today: date, fy_start_month: int) -> tuple[int, int]:
    """(fiscal year, quarter 1–4) containing `today`."""
    fy = fiscal_year_of(today, fy_start_month)
    start = fiscal_year_start(fy, fy_start_month)
    months = (today.year - start.year) * 12 + today.month - start.month
    return fy, months // 3 + 1


def resolve(params: FilterParams, options: FilterOptions) -> tuple[Filters, list[str]]:
    """Defaults for what is missing, the period as whole months, and the
    chapter checked against what this person may open."""
    notes: list[str] = []
    kind: PeriodKind = params.period or "cy"
    today = options.today
    m = options.fy_start_month
    years = options.years()
    year: int | None = None
    quarter: int | None = None
    if kind == "cy":
        year = params.year if params.year in years else today.year
        period = Period.calendar_year(year)
        label = f"{year}"
    elif kind == "fy":
        year = params.year if params.year in years else fiscal_year_of(today, m)
        period = Period.fiscal_year(year, m)
        label = f"FY {year}" if m == 1 else f"FY {year} ({period.label()})"
    elif kind == "q":
        default_fy, default_q = current_quarter(today, m)
        year = params.year if params.year in years else default_fy
        quarter = params.q or (default_q if year == default_fy else 4)
        first = add_months(fiscal_year_start(year, m), 3 * (quarter - 1))
        period = Period(first, month_end(add_months(first, 2)))
        label = f"Q{quarter} {year}" if m == 1 else f"Q{quarter} FY {year} ({period.label()})"
    else:
        months = options.months()
        last_key = params.to if params.to in months else months[-1]
        first_default = months[max(0, months.index(last_key) - 11)]
        first_key = first_default
        if params.from_ in months and params.from_ <= last_key:
            first_key = params.from_
        period = Period(_parse_month(first_key), month_end(_parse_month(last_key)))
        label = period.label()
    if period.start > today:
        current, more = resolve(
            FilterParams(period=kind, chapter=params.chapter, program=params.program), options
        )
        return current, ["That period has not started yet; showing the current one instead.", *more]

    choices = options.chapter_choices()
    chapter = params.chapter if params.chapter is not None else options.default_chapter
    if chapter not in choices:
        if params.chapter is not None:
            notes.append(
                "The chapter in the link is not one you can open; "
                f"showing {options.chapter_label(options.default_chapter)} instead."
            )
        chapter = options.default_chapter if options.default_chapter in choices else (choices or [None])[0]
    program = params.program if params.program is not None and options.has_program(params.program) else None
    if params.program is not None and program is None:
        notes.append("The program in the link does not exist; showing all programs instead.")
    elif program is not None and program not in options.programs_for(chapter):
        notes.append(
            f"{options.program_label(program)} does not run in {options.chapter_label(chapter)}; "
            "showing all its programs instead."
        )
        program = None

    resolved = FilterParams.model_validate(
        {
            "period": kind,
            "year": year,
            "q": quarter,
            "from": month_key(period.start) if kind == "custom" else None,
            "to": month_key(period.end) if kind == "custom" else None,
            "chapter": chapter,
            "program": program,
        }
    )
    return (
        Filters(
            kind=kind,
            period=period,
            as_of=min(period.end, today),
            chapter_id=chapter,
            program_id=program,
            period_label=label,
            chapter_label=options.chapter_label(chapter)
            + (" and its sub-chapters" if chapter is not None and _has_children(options, chapter) else ""),
            program_label=options.program_label(program),
            params=resolved,
        ),
        notes,
    )


def _has_children(options: FilterOptions, chapter_id: int) -> bool:
    return chapter_id in options.parents


# --- Streamlit -------------------------------------------------------------

_W_KIND, _W_YEAR, _W_Q, _W_MONTHS, _W_CHAPTER, _W_PROGRAM = (
    "flt_period",
    "flt_year",
    "flt_quarter",
    "flt_months",
    "flt_chapter",
    "flt_program",
)


_NOTHING = object()


def _widget_values(filters: Filters) -> dict[str, Any]:
    p = filters.params
    values: dict[str, Any] = {_W_KIND: filters.kind, _W_CHAPTER: p.chapter or 0, _W_PROGRAM: p.program or 0}
    if filters.kind in ("cy", "fy", "q"):
        values[_W_YEAR] = p.year
    if filters.kind == "q":
        values[_W_Q] = p.q
    if filters.kind == "custom":
        values[_W_MONTHS] = (p.from_, p.to)
    return values


def _params_from_widgets() -> FilterParams:
    import streamlit as st

    state = st.session_state
    kind = state.get(_W_KIND, "cy")
    saved = state.get(_SESSION_PARAMS) or {}
    # 0 stands for "whole movement" and "all programs" in the widgets: a
    # selectbox reads None as "nothing selected".
    data: dict[str, Any] = {
        "period": kind,
        "chapter": state.get(_W_CHAPTER) or None,
        "program": state.get(_W_PROGRAM) or None,
    }
    if kind in ("cy", "fy", "q"):
        data["year"] = state.get(_W_YEAR, saved.get("year"))
    if kind == "q":
        data["q"] = state.get(_W_Q, saved.get("q"))
    if kind == "custom":
        data["from"], data["to"] = saved.get("from"), saved.get("to")
        months = state.get(_W_MONTHS)
        # A range slider holds two months; anything else (a half-finished
        # drag, a test harness sending one value) keeps the months we had.
        if isinstance(months, tuple | list) and len(months) == 2:
            data["from"], data["to"] = months[0], months[1]
    if saved.get("period") != kind:
        # A new kind of period starts from its own defaults, not from the
        # previous kind's year (a fiscal year is not a calendar year).
        data.pop("year", None)
        data.pop("q", None)
    try:
        return FilterParams.model_validate({k: v for k, v in data.items() if v is not None})
    except ValidationError:
        return FilterParams(period=kind)


def _on_change() -> None:
    import streamlit as st

    params = _params_from_widgets()
    st.session_state[_SESSION_PARAMS] = params.to_query()
    _write_url(params)


def _write_url(params: FilterParams) -> None:
    import streamlit as st

    wanted = params.to_query()
    for key in PARAM_KEYS:
        if key in wanted:
            if st.query_params.get(key) != wanted[key]:
                st.query_params[key] = wanted[key]
        elif key in st.query_params:
            del st.query_params[key]


def set_chapter(chapter_id: int | None) -> dict[str, str]:
    """Point the filters at one chapter (the Chapters page's "open");
    returns the query parameters for `st.switch_page`."""
    import streamlit as st

    saved = dict(st.session_state.get(_SESSION_PARAMS) or {})
    if chapter_id is None:
        saved.pop("chapter", None)
    else:
        saved["chapter"] = str(chapter_id)
    st.session_state[_SESSION_PARAMS] = saved
    st.session_state.pop(_W_CHAPTER, None)
    return saved


def dashboard_filters(options: FilterOptions) -> Filters:
    """Read the filters from the URL (or this session), draw them in the
    sidebar, and return them resolved. Call once per dashboard page."""
    import streamlit as st

    url_has_filters = any(key in st.query_params for key in PARAM_KEYS)
    if url_has_filters:
        raw = {key: st.query_params.get_all(key) for key in PARAM_KEYS if key in st.query_params}
        params, problems = parse_params(raw)
    else:
        params, problems = parse_params(st.session_state.get(_SESSION_PARAMS) or {})
        problems = []  # our own session values; nothing to tell the person
    filters, notes = resolve(params, options)
    for message in [*problems, *notes]:
        st.warning(message, icon=":material/link_off:")
    st.session_state[_SESSION_PARAMS] = filters.params.to_query()
    _write_url(filters.params)

    years = options.years()
    chapters = [c or 0 for c in options.chapter_menu(filters.chapter_id)]
    program_menu = options.program_menu(filters.chapter_id, filters.program_id)
    programs = [0, *program_menu]
    cut = len(chapters) < len(options.chapter_choices())
    cut |= len(program_menu) < len(options.programs_for(filters.chapter_id))
    # A widget with no state yet shows its first option by itself. Writing
    # that value anyway would mark the widget as set from code in the first
    # run only, so its message would differ from every later run's and the
    # browser would be sent (and would redraw) 2,278 chapter names again on
    # the first filter change of a national movement.
    first = {_W_KIND: PERIOD_KINDS[0], _W_YEAR: years[0], _W_CHAPTER: chapters[0], _W_PROGRAM: 0}
    for key, value in _widget_values(filters).items():
        at_first = key not in st.session_state and first.get(key, _NOTHING) == value
        if not at_first and st.session_state.get(key) != value:
            st.session_state[key] = value

    with st.sidebar:
        st.subheader("Filters", anchor=False)
        st.selectbox(
            "Period",
            PERIOD_KINDS,
            format_func=lambda k: (
                PERIOD_KIND_LABELS[k]
                + (f" (from {MONTHS_SHORT[options.fy_start_month - 1]})" if k == "fy" else "")
            ),
            key=_W_KIND,
            on_change=_on_change,
        )
        if filters.kind in ("cy", "fy", "q"):
            st.selectbox(
                "Fiscal year" if filters.kind != "cy" else "Year",
                years,
                format_func=lambda y: f"FY {y}" if filters.kind != "cy" else str(y),
                key=_W_YEAR,
                on_change=_on_change,
            )
        if filters.kind == "q":
            st.segmented_control(
                "Quarter",
                [1, 2, 3, 4],
                format_func=lambda q: f"Q{q}",
                key=_W_Q,
                on_change=_on_change,
                required=True,
            )
        if filters.kind == "custom":
            months = options.months()
            st.select_slider(
                "Months",
                months,
                format_func=month_label,
                key=_W_MONTHS,
                on_change=_on_change,
            )
        st.selectbox(
            "Chapter (with its sub-chapters)",
            chapters,
            format_func=lambda c: options.indented_chapter_label(c or None),
            key=_W_CHAPTER,
            on_change=_on_change,
        )
        st.selectbox(
            "Program",
            programs,
            format_func=lambda p: options.program_label(p or None),
            key=_W_PROGRAM,
            on_change=_on_change,
        )
        if cut:
            st.caption(
                "The lists are long, so they show the chapters and programs around the chapter "
                "chosen: choose a chapter to list those just below it."
            )
        st.caption("The address bar keeps these filters: copy it to share this view.")
    return filters
