"""Goals: the metrics a goal may name, their units, and how each is read
from the health report (the progress of goals is in metrics/goal_progress.py).

A goal names a metric by a family-prefixed key (``impact.practice_rate``,
``momentum.active_chapters``, ``fundraising.donor_retention``,
``impact.trained_partners`` …; `GOAL_METRICS`). The short names of
`metrics.impact.GOAL_METRICS` (``practice_rate``, ``members`` …) and a few
older spellings are accepted as aliases (`canonical`). The value is the
figure of the health report (`metrics.report.health_report`) for the goal's
scope (the whole movement, or one chapter with all its sub-chapters): nothing
here recomputes a metric, so a goal and the dashboards never disagree
(`goal_values` only picks figures out of the report).

Period. Metrics of a moment (members, chapters, ratios, retention, runway,
the practice rate of the latest answers) are taken at `as_of`; metrics of a
flow (events, attendance, hours, volunteers, funds raised) are counted over
the fiscal year to date (`goal_period`), the horizon goals are set on.

Progress and status follow `metrics.impact.goal_progress`: progress =
(current − baseline) / (target − baseline), baseline 0 when not set;
achieved, on track (progress ≥ share of the time elapsed), behind, overdue,
or unknown when the metric has no value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Literal

import money
from metrics import impact
from metrics.figure import Figure
from metrics.periods import Period, fiscal_year_of
from metrics.report_types import HealthReport

Unit = Literal["count", "share", "points", "effect", "months", "money", "score"]
Measured = Literal["at", "over"]


@dataclass(frozen=True)
class GoalMetric:
    """A metric a goal can name: its label, unit, whether it is taken at a
    day ("at") or counted over the fiscal year to date ("over"), what it
    measures, and how to read it from a health report."""

    key: str
    label: str
    unit: Unit
    measured: Measured
    description: str
    read: Callable[[HealthReport], Figure]

    @property
    def family(self) -> str:
        return self.key.split(".", 1)[0].capitalize()


def _count(value: float, unit: str) -> Figure:
    return Figure.of(value, unit)


GOAL_METRICS: dict[str, GoalMetric] = {
    m.key: m
    for m in (
        GoalMetric(
            "impact.practice_rate",
            "Participants practising empathy weekly",
            "share",
            "at",
            "share of respondents whose latest answer is weekly or more often",
            lambda r: r.impact.practice.rate,
        ),
        GoalMetric(
            "impact.teq_change",
            "Mean empathy score change (TEQ points)",
            "points",
            "at",
            "mean paired post − pre change of TEQ scores, in points",
            lambda r: r.impact.overall.mean_diff,
        ),
        GoalMetric(
            "impact.teq_effect_size",
            "Empathy score change as effect size (d_z)",
            "effect",
            "at",
            "paired pre/post effect size d_z = mean(Δ) / sd(Δ) (uncontrolled)",
            lambda r: r.impact.overall.d_z,
        ),
        GoalMetric(
            "impact.trained_partners",
            "Schools and workplaces with empathy training",
            "count",
            "at",
            "schools, universities, businesses, healthcare and public bodies that are active partners "
            "of a program that held events",
            lambda r: _count(
                r.impact.partners_with_training["schools"] + r.impact.partners_with_training["workplaces"],
                "partners",
            ),
        ),
        GoalMetric(
            "impact.schools_with_training",
            "Schools with empathy training",
            "count",
            "at",
            impact.GOAL_METRICS["schools_with_training"],
            lambda r: _count(r.impact.partners_with_training["schools"], "partners"),
        ),
        GoalMetric(
            "impact.workplaces_with_training",
            "Workplaces with empathy training",
            "count",
            "at",
            impact.GOAL_METRICS["workplaces_with_training"],
            lambda r: _count(r.impact.partners_with_training["workplaces"], "partners"),
        ),
        GoalMetric(
            "momentum.active_chapters",
            "Active chapters",
            "count",
            "at",
            impact.GOAL_METRICS["active_chapters"],
            lambda r: _count(r.momentum.chapters.active_chapters, "chapters"),
        ),
        GoalMetric(
            "momentum.chapters",
            "Open chapters",
            "count",
            "at",
            impact.GOAL_METRICS["chapters"],
            lambda r: _count(r.momentum.chapters.chapters, "chapters"),
        ),
        GoalMetric(
            "momentum.members",
            "Members",
            "count",
            "at",
            "members on the day",
            lambda r: _count(r.momentum.members.members, "members"),
        ),
        GoalMetric(
            "momentum.active_ratio",
            "Share of members active",
            "share",
            "at",
            impact.GOAL_METRICS["active_ratio"],
            lambda r: r.momentum.active.ratio,
        ),
        GoalMetric(
            "momentum.events",
            "Events held",
            "count",
            "over",
            "events held",
            lambda r: _count(r.momentum.events.events, "events"),
        ),
        GoalMetric(
            "momentum.attendance",
            "Attendances (members and guests)",
            "count",
            "over",
            "attendances, members and guests",
            lambda r: _count(r.momentum.events.attendance, "attendances"),
        ),
        GoalMetric(
            "volunteers.volunteers",
            "Volunteers with approved hours",
            "count",
            "over",
            "volunteers with approved hours",
            lambda r: _count(r.volunteers.hours.volunteers, "volunteers"),
        ),
        GoalMetric(
            "volunteers.hours",
            "Approved volunteer hours",
            "count",
            "over",
            "approved volunteer hours",
            lambda r: _count(r.volunteers.hours.hours, "hours"),
        ),
        GoalMetric(
            "volunteers.retention",
            "Volunteer retention",
            "share",
            "at",
            impact.GOAL_METRICS["volunteer_retention"],
            lambda r: r.volunteers.retention.retention,
        ),
        GoalMetric(
            "fundraising.donor_retention",
            "Donor retention",
            "share",
            "at",
            impact.GOAL_METRICS["donor_retention"],
            lambda r: r.fundraising.year.retention.overall,
        ),
        GoalMetric(
            "fundraising.recurring_share",
            "Share of gifts that are recurring",
            "share",
            "over",
            "recurring gifts' share of the amount given",
            lambda r: r.fundraising.gifts.recurring_share,
        ),
        GoalMetric(
            "fundraising.funds_raised_minor",
            "Funds raised",
            "money",
            "over",
            "net gifts, in the reporting currency",
            lambda r: r.fundraising.gifts.funds_raised_minor,
        ),
        GoalMetric(
            "sustainability.runway_months",
            "Months of runway",
            "months",
            "at",
            impact.GOAL_METRICS["runway_months"],
            lambda r: r.finance.runway_months,
        ),
        GoalMetric(
            "sustainability.reserve_months",
            "Months of operating reserve",
            "months",
            "at",
            impact.GOAL_METRICS["reserve_months"],
            lambda r: r.finance.reserve_months,
        ),
        GoalMetric(
            "health.score",
            "Health score",
            "score",
            "at",
            impact.GOAL_METRICS["health_score"],
            lambda r: r.health.score,
        ),
    )
}
"""Every goal metric, in the order a form offers them."""

ALIASES: dict[str, str] = {
    "practice_rate": "impact.practice_rate",
    "teq_change": "impact.teq_change",
    "schools_with_training": "impact.schools_with_training",
    "workplaces_with_training": "impact.workplaces_with_training",
    "programs.trained_partners": "impact.trained_partners",
    "members": "momentum.members",
    "active_ratio": "momentum.active_ratio",
    "chapters": "momentum.chapters",
    "active_chapters": "momentum.active_chapters",
    "events": "momentum.events",
    "attendance": "momentum.attendance",
    "volunteers": "volunteers.volunteers",
    "volunteer_hours": "volunteers.hours",
    "volunteer_retention": "volunteers.retention",
    "donor_retention": "fundraising.donor_retention",
    "funds_raised_minor": "fundraising.funds_raised_minor",
    "runway_months": "sustainability.runway_months",
    "reserve_months": "sustainability.reserve_months",
    "health_score": "health.score",
}
"""Other spellings of the same metrics: `metrics.impact.GOAL_METRICS`'
short names, and the brief's ``programs.trained_partners``."""


def canonical(key: str) -> str | None:
    """The `GOAL_METRICS` key a goal's metric name means, or None.

    >>> canonical("practice_rate"), canonical("momentum.members"), canonical("happiness")
    ('impact.practice_rate', 'momentum.members', None)
    """
    if key in GOAL_METRICS:
        return key
    return ALIASES.get(key)


def goal_values(report: HealthReport) -> dict[str, Figure]:
    """Every goal metric's current figure in `report`, under its key and its
    aliases.

    Example: a report with 120 members gives ``{"momentum.members":
    Figure(120), "members": Figure(120), …}``."""
    values = {key: metric.read(report) for key, metric in GOAL_METRICS.items()}
    values.update({alias: values[key] for alias, key in ALIASES.items()})
    return values


def goal_period(as_of: date, fy_start_month: int = 1) -> Period:
    """The fiscal year containing `as_of`, over which flows are counted.

    >>> goal_period(date(2026, 3, 14), fy_start_month=4)
    Period(start=datetime.date(2025, 4, 1), end=datetime.date(2026, 3, 31))
    """
    return Period.fiscal_year(fiscal_year_of(as_of, fy_start_month), fy_start_month)


def check_value(metric: str, value: float) -> str | None:
    """Why `value` cannot be a target or starting point of `metric`, or None.

    >>> check_value("impact.practice_rate", 1.2)
    'a share lies between 0% and 100%'
    >>> check_value("momentum.members", 12.5)
    'this is a whole number, 0 or more'
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
    if unit == "effect" and not -5.0 <= value <= 5.0:
        return "an effect size lies between −5 and 5"
    if unit == "score" and not -100.0 <= value <= 100.0:
        return "the health score lies between −100 and 100"
    return None


# How a goal value of each unit reads, besides shares and money (counts
# by the default, "{:,.0f}").
_VALUE_FORMATS: dict[Unit, str] = {
    "points": "{:+.1f} points",
    "effect": "{:+.2f}",
    "months": "{:.1f}",
    "score": "{:.1f}",
}


def format_value(metric: str, value: float | None, currency: str = "USD") -> str:
    """A goal value as a person reads it; money targets are minor units of
    `currency`, read with its own exponent (money.exponent).

    >>> format_value("impact.practice_rate", 0.425)
    '42.5%'
    >>> format_value("fundraising.funds_raised_minor", 1234500, "CAD")
    '12,345 CAD'
    >>> format_value("impact.teq_change", 2.25)
    '+2.2 points'
    """
    if value is None:
        return "—"
    key = canonical(metric)
    unit = GOAL_METRICS[key].unit if key else "count"
    if unit == "share":
        return f"{value * 100:.1f}%".replace(".0%", "%")
    if unit == "money":
        return f"{money.major(value, currency):,.0f} {currency}"
    return _VALUE_FORMATS.get(unit, "{:,.0f}").format(value)
