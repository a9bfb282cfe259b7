"""The one entry point: the whole health report for a period and scope.

`health_report` builds every figure as a lazy polars query and collects
them together (`pl.collect_all`), so a page asks once. The heavy part,
turning raw rows into per-person-per-period aggregates, is done once per
`ReportFrames` object and kept beside it (`metrics.prepared`); each report
reads them through a `metrics.view.View` of its scope and dates, and
figures it computed before for the same prepared frames are reused, so a
change of period, chapter or program recomputes only what it changed.

    frames = load_report_frames(identity)            # db/, once
    report = health_report(frames, as_of=today, period=Period.quarter(2025, 2),
                           chapter_id=None, program_id=None, params=ReportParams())
    # later calls with the same `frames` reuse its prepared aggregates
    report.to_dict()                                 # JSON-ready

Scope: a chapter means that chapter and all below it (parent links).
Members, gifts and expenses belong to chapters, not programs: with a
program chosen they stay those of the chapter scope (the report says so in
``notes``); events, attendance, hours, surveys and the ladder follow the
program.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import polars as pl
from pydantic import BaseModel, ConfigDict, Field

import dates as date_rules
from metrics import (
    activity,
    attendance,
    chapters,
    finance,
    fundraising,
    health,
    impact,
    ladder,
    member_months,
    membership,
    volunteers,
)
from metrics.activity import ActiveRatio
from metrics.attendance import EventFigures, SpikeParams
from metrics.chapters import ChapterSpread
from metrics.figure import Figure, jsonable
from metrics.finance import FinanceSummary, TuckmanChangBands
from metrics.fundraising import FundraisingYear, GiftSummary, RepeatDefinition
from metrics.goal_metrics import goal_values as named_goal_values
from metrics.health import Component, HealthScore
from metrics.impact import GoalProgress, PairedChange, PracticeRate
from metrics.membership import MemberCounts
from metrics.periods import Period, add_months, fiscal_year_of, fiscal_year_start, month_start, year_before
from metrics.prepared import PreparedFrames, Results, prepared_for
from metrics.query import Query, collect_all
from metrics.schemas import ReportFrames
from metrics.scope import Scope
from metrics.view import View
from metrics.volunteers import BurnoutParams, BurnoutSignals, VolunteerHours, VolunteerRetention

__all__ = ["Alert", "HealthReport", "Kpi", "ReportParams", "health_report"]


class ReportParams(BaseModel):
    """Every choice METRICS.md leaves open, validated.

    ``None`` for fiscal-year start, hourly value or currency means "the
    movement's settings" (`movement_settings`)."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    fy_start_month: int | None = Field(default=None, ge=1, le=12)
    active_window_days: int = Field(default=90, ge=1, le=3660)
    repeat_definition: RepeatDefinition = "not_new"
    sybunt_excludes_lybunt: bool = True
    hourly_value_minor: int | None = Field(default=None, ge=0)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    burn_months: int = Field(default=3, ge=1, le=24)
    top_k: int = Field(default=10, ge=1, le=10_000)
    hhi_alert: float = Field(default=fundraising.HHI_HIGHLY_CONCENTRATED, ge=0, le=10_000)
    runway_alert_months: float = Field(default=6.0, ge=0)
    reserve_alert_months: float = Field(default=3.0, ge=0)
    cohort_months: int = Field(default=12, ge=1, le=120)
    practice_waves: tuple[str, ...] = ("post", "follow_up")
    spike: SpikeParams = SpikeParams()
    burnout: BurnoutParams = BurnoutParams()
    tuckman_chang: TuckmanChangBands = TuckmanChangBands()
    health_components: dict[str, Component] = Field(default_factory=lambda: dict(health.DEFAULT_COMPONENTS))


@dataclass(frozen=True)
class Kpi:
    """A headline figure beside the previous period's, for a KPI card.

    ``change`` = value − previous (same unit); ``change_ratio`` =
    change / |previous| (undefined when previous is 0 or undefined)."""

    key: str
    label: str
    value: Figure
    previous: Figure
    change: Figure
    change_ratio: Figure
    note: str | None = None


def _kpi(key: str, label: str, value: Figure, previous: Figure, note: str | None = None) -> Kpi:
    if value.value is None or previous.value is None:
        missing = value if value.value is None else previous
        reason = f"no comparison: {missing.reason}"
        change = Figure.undefined(reason, value.unit)
        ratio = Figure.undefined(reason, "ratio")
    else:
        change = Figure.of(value.value - previous.value, value.unit)
        ratio = Figure.ratio(
            value.value - previous.value, abs(previous.value), "ratio", "the previous value was 0"
        )
    return Kpi(key, label, value, previous, change, ratio, note)


@dataclass(frozen=True)
class Alert:
    """Something a board member should look at, in words."""

    code: str  # runway, reserves, donor_concentration, burnout_load, burnout_dropouts, attendance_spike
    severity: str  # critical, warning, info
    title: str
    message: str
    value: Figure | None = None
    threshold: float | None = None


@dataclass(frozen=True)
class ReportSeries:
    """The time series and distributions a dashboard draws."""

    members_weekly: pl.DataFrame
    attendance_weekly: pl.DataFrame
    finance_monthly: pl.DataFrame
    revenue_by_source_monthly: pl.DataFrame
    cohort_retention: pl.DataFrame
    engagement_ladder: pl.DataFrame
    breadth_depth_monthly: pl.DataFrame
    chapters_by_level_monthly: pl.DataFrame
    hours_distribution: pl.DataFrame
    hours_lorenz: pl.DataFrame
    volunteers_monthly: pl.DataFrame
    teq_distribution: pl.DataFrame


@dataclass(frozen=True)
class FundraisingSection:
    year: FundraisingYear
    gifts: GiftSummary


@dataclass(frozen=True)
class VolunteerSection:
    retention: VolunteerRetention
    hours: VolunteerHours
    burnout: BurnoutSignals


@dataclass(frozen=True)
class MomentumSection:
    members: MemberCounts
    active: ActiveRatio
    events: EventFigures
    chapters: ChapterSpread
    breadth: int
    depth: int


@dataclass(frozen=True)
class ImpactSection:
    overall: PairedChange
    by_program: list[PairedChange]
    practice: PracticeRate
    goals: list[GoalProgress]
    partners_with_training: dict[str, int]
    program_names: dict[int, str]
    caveat: str = impact.UNCONTROLLED_CAVEAT


@dataclass(frozen=True)
class HealthReport:
    """The whole health report of one period and scope, ready to render.

    ``kpis`` are the headline cards (with the previous period's values);
    ``series`` the frames to chart; the sections hold every figure of their
    family; ``health`` the score with each component's contribution;
    ``alerts`` what needs attention, in words. Undefined figures carry
    their reason. Money is in minor units of ``currency``."""

    as_of: date
    period: Period
    previous_period: Period
    through: date
    partial: bool
    scope: Scope
    scope_label: str
    currency: str
    fy_start_month: int
    params: ReportParams
    kpis: list[Kpi]
    series: ReportSeries
    fundraising: FundraisingSection
    finance: FinanceSummary
    volunteers: VolunteerSection
    momentum: MomentumSection
    impact: ImpactSection
    health: HealthScore
    alerts: list[Alert]
    notes: list[str] = field(default_factory=list)
    unreadable: tuple[str, ...] = ()

    def kpi(self, key: str) -> Kpi:
        for k in self.kpis:
            if k.key == key:
                return k
        raise KeyError(key)

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON types (frames become lists of rows)."""
        out: dict[str, Any] = jsonable(self)
        return out


# --- building ------------------------------------------------------------------------


def _settings(frames: ReportFrames, params: ReportParams) -> tuple[int, int, str, str]:
    s = frames.settings
    row = s.row(0, named=True) if s.height else {}
    fy = params.fy_start_month or row.get("fiscal_year_start_month") or 1
    rate = params.hourly_value_minor
    if rate is None:
        rate = row.get("volunteer_hour_value_minor")
    if rate is None:
        rate = volunteers.INDEPENDENT_SECTOR_HOUR_VALUE_2022_MINOR
    currency = params.currency or row.get("reporting_currency") or "USD"
    name = row.get("movement_name") or "the movement"
    return int(fy), int(rate), str(currency), str(name)


Keyed = tuple[tuple[Any, ...], Query[Any]]


def _period_queries(
    v: View, period: Period, as_of: date, params: ReportParams, fy: int, rate: int, currency: str
) -> list[Keyed]:
    """The seven figures a KPI card compares, each with the key of what it
    depends on: members, active, events, hours, gifts, finance, year."""
    end = period.effective_end(as_of)
    year = fiscal_year_of(end, fy)
    # Finance looks back a year (and at most `burn_months` for burn).
    money_from = min(year_before(end), add_months(end, -params.burn_months - 1))
    s0, s1 = v.scope.chapter_ids, (v.scope.chapter_ids, v.scope.program_id)
    start = period.start
    return [
        (("members", s0, start, end), membership.member_counts(v.members(end), start=start, at=end)),
        (("active", s1, end), _active(v, end, params.active_window_days)),
        (
            ("events", s1, start, end),
            attendance.event_figures(
                v.counts(start, end),
                v.attended(start, end),
                start=start,
                end=end,
                attendees=v.attendees(start, end),
            ),
        ),
        (
            ("hours", s1, start, end),
            volunteers.volunteer_hours(
                v.hours(start, end),
                totals=v.volunteer_totals(start, end),
                first_month=start,
                last_month=month_start(end),
                hourly_value_minor=rate,
                currency=currency,
            ),
        ),
        (
            ("gifts", s0, start, end),
            fundraising.gift_summary(
                v.gifts(start, end),
                start=start,
                end=end,
                top_k=params.top_k,
                per_donor=v.gifts_per_donor(start, end),
            ),
        ),
        (
            ("finance", s0, end),
            finance.finance_summary(
                v.gifts(money_from, end),
                v.expenses(money_from, end),
                v.balances,
                as_of=end,
                burn_months=params.burn_months,
                bands=params.tuckman_chang,
            ),
        ),
        (
            ("year", s0, year, end),
            fundraising.fundraising_year(
                v.gifts(fiscal_year_start(year - 2, fy), end),
                year=year,
                as_of=end,
                fy_start_month=fy,
                repeat_definition=params.repeat_definition,
                sybunt_excludes_lybunt=params.sybunt_excludes_lybunt,
                first=v.donor_first,
                years=v.donor_years(year, end, fy),
            ),
        ),
    ]


# Member and volunteer figures read the member-month columns where the scope
# allows it (`View.by_member_month`, `View.movement_wide`), else the rows;
# both give the same numbers (tests/metrics/test_member_months.py).


def _active(v: View, at: date, window_days: int) -> Query[ActiveRatio]:
    if v.by_member_month:
        mm = v.p.member_months
        return Query.deferred(
            lambda: member_months.active_ratio(mm, v.scope_rows(), at=at, window_days=window_days)
        )
    first = at - timedelta(days=window_days - 1)
    return activity.active_ratio(v.members(at), v.activity(first, at), at=at, window_days=window_days)


def _cohorts(v: View, end: date, cohorts: int) -> Query[pl.DataFrame]:
    if v.by_member_month:
        mm = v.p.member_months
        return Query.deferred(
            lambda: member_months.cohort_retention(
                mm, v.scope_rows(), last_cohort=end, cohorts=cohorts, as_of=end
            )
        )
    first = add_months(month_start(end), -(cohorts - 1))
    return activity.cohort_retention(
        v.members(end, first), v.activity(first, end), last_cohort=end, cohorts=cohorts, as_of=end
    )


def _breadth_and_depth(v: View, start: date, end: date) -> Query[pl.DataFrame]:
    if v.by_member_month:
        mm = v.p.member_months

        def finish(depth: pl.DataFrame) -> pl.DataFrame:
            breadth = member_months.breadth(mm, v.scope_rows(), first=start, last=end)
            return ladder.with_depth(breadth, depth).collect(engine="in-memory")

        return Query(ladder.depth_by_month(v.climbs(start, end), first=start, last=end), finish)
    return ladder.breadth_and_depth(
        v.activity(start, end), v.rungs, first=start, last=end, climbed=v.climbs(start, end)
    )


def _volunteer_retention(v: View, year: int, end: date, fy: int) -> Query[VolunteerRetention]:
    if v.movement_wide:
        mm = v.p.member_months
        return Query.deferred(
            lambda: member_months.volunteer_retention(mm, year=year, as_of=end, fy_start_month=fy)
        )
    hours = v.hours(fiscal_year_start(year - 1, fy), end)
    return volunteers.volunteer_retention(hours, year=year, as_of=end, fy_start_month=fy)


def _burnout(v: View, end: date, params: BurnoutParams) -> Query[BurnoutSignals]:
    if v.movement_wide:
        mm = v.p.member_months
        return Query.deferred(lambda: member_months.burnout_signals(mm, as_of=end, params=params))
    windows = volunteers.burnout_windows(params, end)
    first = min(windows.before_first, windows.sustained_first)
    return volunteers.burnout_signals(v.hours(first, end), as_of=end, params=params)


def _collect_cached(results: Results, items: list[Keyed], context: tuple[Any, ...]) -> list[Any]:
    """Each item's result: from `results` when an earlier report computed it
    with the same key and `context` (parameters), else collected now, all
    missing ones in one `collect_all`."""
    keys = [(*key, context) for key, _ in items]
    found = [results.get(k) for k in keys]
    missing = [i for i, (hit, _) in enumerate(found) if not hit]
    fresh = collect_all([items[i][1] for i in missing])
    out = [value for _, value in found]
    for i, value in zip(missing, fresh, strict=True):
        results.put(keys[i], value)
        out[i] = value
    return out


@dataclass(frozen=True)
class PeriodFigures:
    """The figures of one period, by name (collected in this order)."""

    members: MemberCounts
    active: ActiveRatio
    events: EventFigures
    hours: VolunteerHours
    gifts: GiftSummary
    finance: FinanceSummary
    year: FundraisingYear


def _finish_period(results: list[Any], scope: Scope) -> PeriodFigures:
    period = PeriodFigures(*results)
    fin = period.finance
    if not scope.is_movement:
        reason = "balances are kept for the whole movement, not per chapter"
        u_m, u_mo, u_r = (
            Figure.undefined(reason, "minor"),
            Figure.undefined(reason, "months"),
            Figure.undefined(reason, "ratio"),
        )
        fin = replace(
            fin,
            cash_minor=u_m,
            runway_months=u_mo,
            unrestricted_reserves_minor=u_m,
            reserve_ratio=u_r,
            reserve_months=u_mo,
            tuckman_chang=replace(fin.tuckman_chang, equity_ratio=u_r),
        )
        period = replace(period, finance=fin)
    return period


def health_report(
    frames: ReportFrames | PreparedFrames,
    *,
    as_of: date,
    period: Period,
    chapter_id: int | None = None,
    program_id: int | None = None,
    params: ReportParams | None = None,
) -> HealthReport:
    """The whole health report of `period` (cut at `as_of`) for a chapter
    with all its sub-chapters (None = the movement) and optionally one
    program, computed from `frames` in one `pl.collect_all`.

    The per-person-per-period aggregates are prepared once per
    `ReportFrames` object and reused by every later call with it (another
    period, chapter or program); `PreparedFrames` may also be passed.

    Raises
    ------
    ValueError
        When the period starts after `as_of`.
    KeyError
        When `chapter_id` is not a chapter in the frames.
    """
    params = params or ReportParams()
    if period.start > as_of:
        raise ValueError(f"the period starts after {as_of.isoformat()}: there is nothing to report yet")
    prepared = prepared_for(frames, as_of)
    f = prepared.frames
    scope = Scope.of(f.chapters, chapter_id, program_id)
    fy, rate, currency, movement = _settings(f, params)
    v = View(prepared, scope)
    end = period.effective_end(as_of)
    previous = period.previous()

    cur = _period_queries(v, period, as_of, params, fy, rate, currency)
    prev = _period_queries(v, previous, as_of, params, fy, rate, currency)
    first_month, last_month = period.start, month_start(end)
    start = period.start
    hours_window = v.hours(start, end)
    totals = v.volunteer_totals(start, end)
    pairs = v.pairs(start, end)
    year = fiscal_year_of(end, fy)
    first_volunteered = v.rungs.select("member_id", pl.col("volunteer").alias("first")).drop_nulls()
    s0, s1 = scope.chapter_ids, (scope.chapter_ids, scope.program_id)
    series_q: list[Keyed] = [
        (
            ("members_weekly", s0, start, period.end, as_of),
            membership.members_over_time(v.members(end), start=start, end=period.end, as_of=as_of),
        ),
        (
            ("attendance_weekly", s1, start, period.end, as_of),
            attendance.weekly_attendance(
                v.counts(None, end), start=start, end=period.end, as_of=as_of, params=params.spike
            ),
        ),
        (
            ("finance_monthly", s0, start, end),
            finance.monthly_finance(
                v.gifts(add_months(start, -max(params.burn_months, 12)), end),
                v.expenses(add_months(start, -max(params.burn_months, 12)), end),
                v.balances,
                start=start,
                end=end,
                burn_months=params.burn_months,
            ),
        ),
        (
            ("revenue_by_source", s0, start, end),
            fundraising.revenue_by_source_monthly(v.gifts(start, end), start=start, end=end),
        ),
        (("cohorts", s1, end), _cohorts(v, end, params.cohort_months)),
        (("ladder", s1, end), ladder.engagement_ladder(v.rungs, at=end)),
        (("breadth_depth", s1, start, end), _breadth_and_depth(v, start, end)),
        (
            ("chapters_by_level", s0, start, end),
            chapters.chapters_by_level_monthly(v.chapters, first=start, last=end),
        ),
        (
            ("hours_distribution", s1, start, end),
            volunteers.hours_distribution(
                hours_window, first_month=first_month, last_month=last_month, totals=totals
            ),
        ),
        (
            ("hours_lorenz", s1, start, end),
            volunteers.hours_lorenz(
                hours_window, first_month=first_month, last_month=last_month, totals=totals
            ),
        ),
        (
            ("volunteers_monthly", s1, start, end),
            volunteers.monthly_volunteers(
                hours_window,
                first_month=first_month,
                last_month=last_month,
                first=first_volunteered,
                per_month=v.monthly_volunteers(first_month, last_month),
            ),
        ),
        (("teq_distribution", s1, start, end), impact.teq_distribution(v.surveys, first=start, last=end)),
    ]
    other_q: list[Keyed] = [
        (("volunteer_retention", s1, year, end), _volunteer_retention(v, year, end, fy)),
        (("burnout", s1, end), _burnout(v, end, params.burnout)),
        (
            ("chapter_spread", s1, start, end),
            chapters.chapter_spread(
                v.chapters,
                chapters.chapter_activity(
                    v.counts(start, end), v.chapter_hours(start, end), first=start, last=end
                ),
                at=end,
            ),
        ),
        (("paired", s1, start, end), impact.paired_change(pairs)),
        # Its finishing step solves an interval per program: done in the plans.
        (("paired_by_program", s1, start, end), impact.paired_change_by_program(pairs).in_plan()),
        (
            ("practice", s1, start, end),
            impact.practice_rate(v.surveys, first=start, last=end, waves=params.practice_waves),
        ),
        (
            ("partners", s1, end),
            impact.partners_with_training(v.partners, f.program_partners, v.counts(None, end), at=end),
        ),
    ]
    context = (fy, rate, currency, params.model_dump_json())
    results = _collect_cached(prepared.results, cur + prev + series_q + other_q, context)
    n = len(cur)
    now = _finish_period(results[:n], scope)
    before = _finish_period(results[n : 2 * n], scope)
    series = ReportSeries(*results[2 * n : 2 * n + len(series_q)])
    (v_ret, burnout, spread, overall, by_program, practice, partners) = results[2 * n + len(series_q) :]

    members_now, active_now, events_now = now.members, now.active, now.events
    hours_now, gifts_now, fin_now, year_now = now.hours, now.gifts, now.finance, now.year
    bd_total = series.breadth_depth_monthly.filter(pl.col("month").is_null())
    breadth = int(bd_total["breadth"][0]) if bd_total.height else 0
    depth = int(bd_total["depth"][0]) if bd_total.height else 0

    notes: list[str] = []
    if period.is_partial(as_of):
        notes.append(f"The period is not over: figures run to {end.isoformat()}.")
    if year_now.caveat:
        notes.append(f"Donor figures are year to date for FY {year_now.year}. {year_now.caveat}")
    if scope.program_id is not None:
        notes.append(
            "Members, gifts and money belong to chapters, not programs: they cover the chapter scope, "
            "while events, attendance, hours, surveys and the ladder cover the program."
        )
    notes.extend(fin_now.notes)
    unreadable = f.unreadable
    if unreadable:
        notes.append("Some data is not visible to you and is left out: " + ", ".join(unreadable) + ".")

    kpis = _kpis(now, before, f.unreadable)
    goal_values = _goal_values(
        members_now,
        active_now,
        events_now,
        hours_now,
        gifts_now,
        fin_now,
        year_now,
        v_ret,
        practice,
        overall,
        spread,
        partners,
    )
    score_inputs = _score_inputs(
        period,
        as_of,
        members_now,
        active_now,
        year_now,
        gifts_now,
        fin_now,
        v_ret,
        burnout,
        practice,
        overall,
    )
    score = health.health_score(score_inputs, params.health_components)
    goal_values["health_score"] = score.score
    goals_frame = f.goals.filter(
        pl.col("chapter_id").is_null()
        if scope.chapter_id is None
        else pl.col("chapter_id") == scope.chapter_id
    )
    program_names = {
        int(r["id"]): str(r["name"]) for r in f.programs.select("id", "name").iter_rows(named=True)
    }
    alerts = _alerts(params, fin_now, gifts_now, burnout, series.attendance_weekly)
    chapter_names = dict(zip(f.chapters["id"].to_list(), f.chapters["name"].to_list(), strict=True))
    label = (
        movement
        if scope.chapter_id is None
        else f"{chapter_names.get(scope.chapter_id)} and its sub-chapters"
    )
    if scope.program_id is not None:
        label += f", program {program_names.get(scope.program_id, scope.program_id)}"

    report = HealthReport(
        as_of=as_of,
        period=period,
        previous_period=previous,
        through=end,
        partial=period.is_partial(as_of),
        scope=scope,
        scope_label=label,
        currency=currency,
        fy_start_month=fy,
        params=params,
        kpis=kpis,
        series=series,
        fundraising=FundraisingSection(year=year_now, gifts=gifts_now),
        finance=fin_now,
        volunteers=VolunteerSection(retention=v_ret, hours=hours_now, burnout=burnout),
        momentum=MomentumSection(
            members=members_now,
            active=active_now,
            events=events_now,
            chapters=spread,
            breadth=breadth,
            depth=depth,
        ),
        impact=ImpactSection(
            overall=overall,
            by_program=list(by_program),
            practice=practice,
            goals=[],
            partners_with_training=partners,
            program_names=program_names,
        ),
        health=score,
        alerts=alerts,
        notes=notes,
        unreadable=unreadable,
    )
    # Goals name metrics by family-prefixed keys (metrics.goal_metrics), which
    # read figures of the finished report; the short names stay accepted.
    values = {**goal_values, **named_goal_values(report)}
    goals = impact.goal_progress(goals_frame, values, as_of=end)
    return replace(report, impact=replace(report.impact, goals=goals))


_SOURCES = {
    "members": ("members",),
    "active_ratio": ("members",),
    "events": ("events",),
    "attendance": ("events", "attendance"),
    "volunteer_hours": ("volunteer_hours",),
    "volunteer_value": ("volunteer_hours",),
    "funds_raised": ("donations",),
    "runway_months": ("donations", "expenses", "balance_snapshots"),
    "donor_retention": ("donations",),
}


def _kpis(now: PeriodFigures, before: PeriodFigures, unreadable: tuple[str, ...]) -> list[Kpi]:
    def pick(p: PeriodFigures) -> dict[str, Figure]:
        return {
            "members": Figure.of(p.members.members, "members"),
            "active_ratio": p.active.ratio,
            "events": Figure.of(p.events.events, "events"),
            "attendance": Figure.of(p.events.attendance, "attendances"),
            "volunteer_hours": Figure.of(p.hours.hours, "hours"),
            "volunteer_value": p.hours.value_minor,
            "funds_raised": p.gifts.funds_raised_minor,
            "runway_months": p.finance.runway_months,
            "donor_retention": p.year.retention.overall,
        }

    labels = {
        "members": "Members",
        "active_ratio": "Active members",
        "events": "Events",
        "attendance": "Attendance",
        "volunteer_hours": "Volunteer hours",
        "volunteer_value": "Value of volunteer time",
        "funds_raised": "Funds raised",
        "runway_months": "Runway",
        "donor_retention": "Donor retention",
    }
    cur, prev = pick(now), pick(before)
    out = []
    for key, label in labels.items():
        value, previous = cur[key], prev[key]
        hidden = [t for t in _SOURCES[key] if t in unreadable]
        if hidden:
            reason = f"you may not see {', '.join(hidden)}"
            value = previous = Figure.undefined(reason, value.unit)
        note = None
        if key == "donor_retention":
            note = f"FY {now.year.year}" + (" to date" if now.year.partial else "")
        out.append(_kpi(key, label, value, previous, note))
    return out


def _goal_values(
    members: MemberCounts,
    active: ActiveRatio,
    events: EventFigures,
    hours: VolunteerHours,
    gifts: GiftSummary,
    fin: FinanceSummary,
    year: FundraisingYear,
    v_ret: VolunteerRetention,
    practice: PracticeRate,
    overall: PairedChange,
    spread: ChapterSpread,
    partners: dict[str, int],
) -> dict[str, Figure]:
    return {
        "members": Figure.of(members.members, "members"),
        "active_ratio": active.ratio,
        "chapters": Figure.of(spread.chapters, "chapters"),
        "active_chapters": Figure.of(spread.active_chapters, "chapters"),
        "events": Figure.of(events.events, "events"),
        "attendance": Figure.of(events.attendance, "attendances"),
        "volunteers": Figure.of(hours.volunteers, "volunteers"),
        "volunteer_hours": Figure.of(hours.hours, "hours"),
        "funds_raised_minor": gifts.funds_raised_minor,
        "donor_retention": year.retention.overall,
        "volunteer_retention": v_ret.retention,
        "runway_months": fin.runway_months,
        "reserve_months": fin.reserve_months,
        "practice_rate": practice.rate,
        "teq_change": overall.mean_diff,
        "schools_with_training": Figure.of(partners["schools"], "partners"),
        "workplaces_with_training": Figure.of(partners["workplaces"], "partners"),
    }


def _score_inputs(
    period: Period,
    as_of: date,
    members: MemberCounts,
    active: ActiveRatio,
    year: FundraisingYear,
    gifts: GiftSummary,
    fin: FinanceSummary,
    v_ret: VolunteerRetention,
    burnout: BurnoutSignals,
    practice: PracticeRate,
    overall: PairedChange,
) -> dict[str, Figure]:
    # Growth and churn so far are annual rates over the months that have run,
    # not over the whole period: at 30 June a calendar year has run six months.
    elapsed = period.months_elapsed(as_of)
    per_year = 12.0 / elapsed if elapsed > 0 else 0.0
    if burnout.volunteers_before > 0:
        dropouts = Figure.of(burnout.dropped / burnout.volunteers_before, "ratio")
    else:
        dropouts = Figure.undefined("nobody volunteered in the months compared", "ratio")
    return {
        "active_ratio": active.ratio,
        "member_growth": members.growth.map(lambda g: g * per_year),
        "member_churn": members.churn.map(lambda c: c * per_year),
        "donor_retention": year.retention.overall,
        "recurring_share": gifts.recurring_share,
        "donor_concentration": gifts.hhi_donors,
        "runway_months": fin.runway_months,
        "reserve_months": fin.reserve_months,
        "volunteer_retention": v_ret.retention,
        "volunteer_dropouts": dropouts,
        "practice_rate": practice.rate,
        "empathy_change": overall.d_z,
    }


def _alerts(
    params: ReportParams,
    fin: FinanceSummary,
    gifts: GiftSummary,
    burnout: BurnoutSignals,
    weekly: pl.DataFrame,
) -> list[Alert]:
    alerts: list[Alert] = []
    runway = fin.runway_months
    if runway.value is not None and runway.value < params.runway_alert_months:
        alerts.append(
            Alert(
                "runway",
                "critical" if runway.value < params.runway_alert_months / 2 else "warning",
                "Runway is short",
                f"At the current net burn the cash lasts {runway.value:.1f} months, "
                f"under the {params.runway_alert_months:g}-month threshold.",
                runway,
                params.runway_alert_months,
            )
        )
    reserve = fin.reserve_months
    if reserve.value is not None and reserve.value < params.reserve_alert_months:
        alerts.append(
            Alert(
                "reserves",
                "warning",
                "Operating reserve is thin",
                f"Unrestricted reserves cover {reserve.value:.1f} months of operating expenses, under "
                f"{params.reserve_alert_months:g} months (the minimum of the Nonprofit Operating Reserves "
                "Initiative, NORI, is 3).",
                reserve,
                params.reserve_alert_months,
            )
        )
    hhi = gifts.hhi_donors
    if hhi.value is not None and hhi.value > params.hhi_alert:
        top = gifts.top_k_share.value
        share = f" The top {gifts.top_k} donors gave {top:.0%} of it." if top is not None else ""
        alerts.append(
            Alert(
                "donor_concentration",
                "warning",
                "Funding depends on few donors",
                f"Donor concentration (HHI) is {hhi.value:,.0f}, above {params.hhi_alert:,.0f} "
                f"(highly concentrated).{share}",
                hhi,
                params.hhi_alert,
            )
        )
    if burnout.load_concentrating:
        alerts.append(
            Alert(
                "burnout_load",
                "warning",
                "Fewer volunteers are carrying more",
                f"Volunteers fell from {burnout.volunteers_before} to {burnout.volunteers_recent} "
                f"while hours per volunteer rose by {burnout.hours_per_volunteer_change.value or 0:.0%} "
                f"({burnout.recent[0]:%b %Y}–{burnout.recent[1]:%b %Y} against the months before).",
                burnout.hours_per_volunteer_change,
            )
        )
    if burnout.dropped:
        p = burnout.params
        alerts.append(
            Alert(
                "burnout_dropouts",
                "warning",
                "Sustained volunteers have stopped",
                f"{burnout.dropped} volunteer{'s' if burnout.dropped != 1 else ''} who gave hours "
                f"every month for {p.sustained_months} months logged none in the last {p.quiet_months}.",
                Figure.of(burnout.dropped, "volunteers"),
            )
        )
    spikes = weekly.filter(pl.col("marker") == "spike")
    if spikes.height:
        last = spikes.tail(1).row(0, named=True)
        direction = "above" if last["attendance"] > (last["upper"] or 0) else "below"
        alerts.append(
            Alert(
                "attendance_spike",
                "info",
                "An attendance spike, not a trend",
                f"Attendance in the week of {date_rules.with_year(last['week'])} was {last['attendance']:,}, "
                f"{direction} the usual {max(0.0, last['lower']):,.0f}–{last['upper']:,.0f}; "
                "it stands alone, so read it as a one-off rather than a change of course.",
                Figure.of(float(last["attendance"]), "attendances"),
            )
        )
    return alerts
