"""The report's figures as others read them: the KPI cards (a figure beside
the previous period's), the values goals name, and the inputs of the
health score.

`metrics.report.health_report` calls these on the collected figures;
nothing here runs a query.
"""

from __future__ import annotations

from datetime import date

from metrics.activity import ActiveRatio
from metrics.attendance import EventFigures
from metrics.chapters import ChapterSpread
from metrics.figure import Figure
from metrics.finance import FinanceSummary
from metrics.fundraising import FundraisingYear, GiftSummary
from metrics.impact import PairedChange, PracticeRate
from metrics.membership import MemberCounts
from metrics.periods import Period
from metrics.report_period import PeriodFigures
from metrics.report_types import Kpi
from metrics.volunteers import BurnoutSignals, VolunteerHours, VolunteerRetention


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


def kpis(now: PeriodFigures, before: PeriodFigures, unreadable: tuple[str, ...]) -> list[Kpi]:
    """The headline cards, each beside the previous period's value (`Kpi`:
    change = value − previous, change ratio = change / |previous|). A card
    whose source tables the reader may not see (`unreadable`) is undefined
    in both periods and says which tables; donor retention names its fiscal
    year (formula in `fundraising.fundraising_year`)."""

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


def goal_values(
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
    """The figures goals may name by their short keys, from the report's
    figures as they are (each formula is in its own family module); the
    family-prefixed keys are `metrics.goal_metrics.goal_values`."""
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


def score_inputs(
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
    """The inputs of `health.health_score`. Member growth and churn are
    annualised over the months of `period` run by `as_of` (× 12 / elapsed);
    volunteer dropouts = sustained volunteers who stopped / volunteers in
    the months before (`volunteers.burnout_signals`); the rest are the
    report's figures as they are."""
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
