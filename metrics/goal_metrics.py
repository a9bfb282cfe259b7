"""Goals: what each metric a goal may name measures, in which unit, and the
current progress of a set of goals, each in its own scope.

A goal names one key of `metrics.impact.GOAL_METRICS` (e.g. ``practice_rate``,
``active_chapters``, ``donor_retention``, ``schools_with_training``); its
current value is that metric of the health report (`metrics.report`) for the
goal's scope: the whole movement (``chapter_id`` null) or one chapter with
all its sub-chapters. Nothing here recomputes a metric: the health report is
the one definition, so a goal and the board's dashboard never disagree.

Period. Metrics of a moment (members, chapters, active ratio, retention,
runway, the practice rate's latest answers) are taken at `as_of`; metrics of
a flow (events, attendance, hours, volunteers, funds raised) are counted
over the fiscal year to date, the horizon goals are usually set on.
`goal_period` gives that year.

Progress = (current − baseline) / (target − baseline), baseline 0 when not
set, and a status (achieved, on track, behind, overdue, unknown) as
`metrics.impact.goal_progress` defines them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

import polars as pl

from metrics import impact
from metrics.figure import Figure
from metrics.impact import GoalProgress
from metrics.periods import Period, fiscal_year_of
from metrics.report import ReportParams, health_report
from metrics.schemas import ReportFrames

Unit = Literal["count", "share", "points", "months", "money", "score"]
Measured = Literal["at", "over"]


@dataclass(frozen=True)
class GoalMetric:
    """A metric a goal can name: a short label, its unit, whether it is
    taken at a day ("at") or counted over the period ("over"), and what
    `metrics.impact.GOAL_METRICS` says it measures."""

    key: str
    label: str
    unit: Unit
    measured: Measured
    description: str
    family: str


def _m(key: str, label: str, unit: Unit, measured: Measured, family: str) -> GoalMetric:
    return GoalMetric(key, label, unit, measured, impact.GOAL_METRICS[key], family)


GOAL_METRICS: dict[str, GoalMetric] = {
    m.key: m
    for m in (
        _m("practice_rate", "Participants practising empathy weekly", "share", "at", "Impact"),
        _m("teq_change", "Mean empathy score change (TEQ points)", "points", "at", "Impact"),
        _m("schools_with_training", "Schools with empathy training", "count", "at", "Impact"),
        _m("workplaces_with_training", "Workplaces with empathy training", "count", "at", "Impact"),
        _m("active_chapters", "Active chapters", "count", "at", "Momentum"),
        _m("chapters", "Open chapters", "count", "at", "Momentum"),
        _m("members", "Members", "count", "at", "Momentum"),
        _m("active_ratio", "Share of members active (90 days)", "share", "at", "Momentum"),
        _m("events", "Events held", "count", "over", "Momentum"),
        _m("attendance", "Attendances (members and guests)", "count", "over", "Momentum"),
        _m("volunteers", "Volunteers with approved hours", "count", "over", "Volunteers"),
        _m("volunteer_hours", "Approved volunteer hours", "count", "over", "Volunteers"),
        _m("volunteer_retention", "Volunteer retention", "share", "at", "Volunteers"),
        _m("donor_retention", "Donor retention", "share", "at", "Fundraising"),
        _m("funds_raised_minor", "Funds raised", "money", "over", "Fundraising"),
        _m("runway_months", "Months of runway", "months", "at", "Finance"),
        _m("reserve_months", "Months of operating reserve", "months", "at", "Finance"),
        _m("health_score", "Health score", "score", "at", "Health"),
    )
}
"""Every goal metric, in the order a form offers them."""


def goal_period(as_of: date, fy_start_month: int = 1) -> Period:
    """The fiscal year containing `as_of`, over which flows are counted.

    >>> goal_period(date(2026, 3, 14), fy_start_month=4)
    Period(start=datetime.date(2025, 4, 1), end=datetime.date(2026, 3, 31))
    """
    return Period.fiscal_year(fiscal_year_of(as_of, fy_start_month), fy_start_month)


def check_value(metric: str, value: float) -> str | None:
    """Why `value` cannot be a target or starting point of `metric`, or None.

    >>> check_value("practice_rate", 1.2)
    'a share lies between 0% and 100%'
    >>> check_value("members", 12.5) is None
    False
    """
    unit = GOAL_METRICS[metric].unit
    if unit == "share" and not 0.0 <= value <= 1.0:
        return "a share lies between 0% and 100%"
    if unit in ("count", "money") and (value < 0 or value != int(value)):
        return "this is a whole number, 0 or more"
    if unit == "months" and value < 0:
        return "months cannot be negative"
    if unit == "points" and not -64.0 <= value <= 64.0:
        return "a TEQ score change lies between −64 and 64 points"
    if unit == "score" and not -100.0 <= value <= 100.0:
        return "the health score lies between −100 and 100"
    return None


def format_value(metric: str, value: float | None, currency: str = "", minor_digits: int = 2) -> str:
    """A goal value as a person reads it.

    >>> format_value("practice_rate", 0.425)
    '42.5%'
    >>> format_value("funds_raised_minor", 1234500, "CAD")
    '12,345 CAD'
    >>> format_value("teq_change", 2.25)
    '+2.2 points'
    """
    if value is None:
        return "—"
    unit = GOAL_METRICS[metric].unit if metric in GOAL_METRICS else "count"
    if unit == "share":
        return f"{value * 100:.1f}%".replace(".0%", "%")
    if unit == "money":
        return f"{value / 10**minor_digits:,.0f} {currency}".strip()
    if unit == "points":
        return f"{value:+.1f} points"
    if unit in ("months", "score"):
        return f"{value:.1f}"
    return f"{value:,.0f}"


def goals_progress(
    frames: ReportFrames,
    *,
    as_of: date,
    complete_scopes: frozenset[int | None] | None = None,
    params: ReportParams | None = None,
) -> dict[int, GoalProgress]:
    """Progress of every goal in `frames.goals`, each measured in its own
    scope, keyed by goal id.

    One health report runs per distinct scope among the goals (the movement
    or a chapter with its sub-chapters), over `goal_period(as_of)`.
    `complete_scopes` lists the scopes whose rows the reader sees in full
    (None: all, as for the board); row-level security shows a coordinator
    only their own chapters' members, hours and gifts, so a movement-wide
    goal computed from those would be wrong, and is left undefined with the
    reason instead.

    Example: two movement goals and one for chapter 7 → two reports
    (movement, chapter 7), three progresses; with complete_scopes = {7}
    the two movement goals come back undefined."""
    goals = frames.goals
    fy = int(frames.settings["fiscal_year_start_month"][0]) if frames.settings.height else 1
    period = goal_period(as_of, fy)
    known = set(frames.chapters["id"].to_list())
    out: dict[int, GoalProgress] = {}
    for scope in goals.get_column("chapter_id").unique(maintain_order=True).to_list():
        of_scope = goals.filter(
            pl.col("chapter_id").is_null() if scope is None else pl.col("chapter_id") == scope
        )
        reason = None
        if scope is not None and scope not in known:
            reason = "this chapter is not in the data you can see"
        elif complete_scopes is not None and scope not in complete_scopes:
            reason = "its figures cover chapters beyond yours: the board and admins see its progress"
        if reason is not None:
            progress = impact.goal_progress(
                of_scope, {m: Figure.undefined(reason) for m in GOAL_METRICS}, as_of=as_of
            )
        else:
            report = health_report(frames, as_of=as_of, period=period, chapter_id=scope, params=params)
            progress = report.impact.goals
        out.update({p.goal_id: p for p in progress})
    return out
