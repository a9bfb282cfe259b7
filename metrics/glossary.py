"""The metric dictionary shown in the app: what each headline figure counts,
in words a board member can check against METRICS.md."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    key: str
    name: str
    definition: str


AS_OF_RULE = (
    "A figure at a date counts what happened by the end of that day, and later changes to it only "
    "from their own dates: a refund from the day it was refunded, an approval from the day it was "
    "given. So the same date gives the same figure when computed again next year, except for "
    "records entered late for earlier days (an import of past gifts or hours), which are counted "
    "on the day they happened."
)

TERMS: tuple[Term, ...] = (
    Term("members", "Members", "People who have joined and not left, at the period's last day."),
    Term(
        "active_ratio",
        "Active members",
        "Share of members who, in the 90 days to the period's last day, attended an event, gave, "
        "or logged volunteer hours that a coordinator has approved. Hours still awaiting approval "
        "do not count: they may yet be rejected.",
    ),
    Term("events", "Events", "Events held in the period."),
    Term("attendance", "Attendance", "Members and guests checked in at the period's events."),
    Term("volunteer_hours", "Volunteer hours", "Approved hours worked in the period."),
    Term(
        "volunteer_value",
        "Value of volunteer time",
        "Approved hours × the movement's value of an hour of volunteer time.",
    ),
    Term("funds_raised", "Funds raised", "Gifts received in the period, net of refunds known by then."),
    Term(
        "runway_months",
        "Runway",
        "Months the cash at hand lasts at the recent net burn (expenses less income, averaged "
        "over the last months).",
    ),
    Term(
        "donor_retention",
        "Donor retention",
        "Share of last fiscal year's donors who gave again this fiscal year (Fundraising "
        "Effectiveness Project, FEP), net of refunds known by the date.",
    ),
    Term(
        "health_score",
        "Health score",
        "A weighted score from −100 to 100 of annual rates and ratios; growth and churn are "
        "annualised over the months of the period that have run.",
    ),
    Term("lybunt", "LYBUNT", "Donors who gave Last Year But Unfortunately Not This year."),
    Term("sybunt", "SYBUNT", "Donors who gave Some Year But Unfortunately Not This year."),
)

_BY_KEY = {t.key: t for t in TERMS}


def definition(key: str) -> str | None:
    """The dictionary's words for a figure's key, or None when it has none."""
    term = _BY_KEY.get(key)
    return term.definition if term else None
