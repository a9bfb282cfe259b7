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

The figures are built in their own modules: the report's types
(`metrics.report_types`), the period's figures and the cached collection
(`metrics.report_period`), the series and section queries
(`metrics.report_series`), the KPI cards, goal values and score inputs
(`metrics.report_figures`) and the alerts (`metrics.report_alerts`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import polars as pl

from metrics import health, impact, report_alerts, report_figures, report_series
from metrics.goal_metrics import goal_values as named_goal_values
from metrics.periods import Period
from metrics.prepared import PreparedFrames, prepared_for
from metrics.report_period import collect_cached, finish_period, period_queries, report_settings
from metrics.report_types import (
    FundraisingSection,
    HealthReport,
    ImpactSection,
    MomentumSection,
    ReportParams,
    ReportSeries,
    VolunteerSection,
)
from metrics.schemas import ReportFrames
from metrics.scope import Scope
from metrics.view import View

__all__ = ["health_report"]


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
    fy, rate, currency, movement = report_settings(f, params)
    v = View(prepared, scope)
    end = period.effective_end(as_of)
    previous = period.previous()

    cur = period_queries(v, period, as_of, params, fy, rate, currency)
    prev = period_queries(v, previous, as_of, params, fy, rate, currency)
    series_q = report_series.series_queries(v, period, as_of, params)
    other_q = report_series.section_queries(v, f.program_partners, period, as_of, params, fy)
    context = (fy, rate, currency, params.model_dump_json())
    results = collect_cached(prepared.results, cur + prev + series_q + other_q, context)
    n = len(cur)
    now = finish_period(results[:n], scope)
    before = finish_period(results[n : 2 * n], scope)
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

    kpis = report_figures.kpis(now, before, f.unreadable)
    goal_values = report_figures.goal_values(
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
    score_inputs = report_figures.score_inputs(
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
    alerts = report_alerts.alerts(params, fin_now, gifts_now, burnout, series.attendance_weekly)
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
