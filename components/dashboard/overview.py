"""The Overview page's views: the KPI cards and their table, the alerts,
the health score with its components, and the glossary."""

from __future__ import annotations

import polars as pl

from components import charts, dates
from components import format as fmt
from components.dashboard.shared import Card, View, figure_text, is_small
from metrics import glossary
from metrics.privacy import SUPPRESSED_TEXT
from metrics.report_types import HealthReport, Kpi

SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


KPI_KINDS: dict[str, fmt.Kind] = {
    "members": "count",
    "active_ratio": "ratio",
    "events": "count",
    "attendance": "count",
    "volunteer_hours": "hours",
    "volunteer_value": "money",
    "funds_raised": "money",
    "runway_months": "months",
    "donor_retention": "ratio",
}
KPI_NOUNS = {"members": "members", "events": "events", "attendance": "attendances"}


def people_behind(r: HealthReport, key: str) -> int | None:
    """How many people a KPI is about (None when it is not about people)."""
    return {
        "members": r.momentum.members.members,
        "active_ratio": r.momentum.active.members,
        "attendance": r.momentum.events.unique_attendees,
        "volunteer_hours": r.volunteers.hours.volunteers,
        "volunteer_value": r.volunteers.hours.volunteers,
        "funds_raised": r.fundraising.gifts.donors,
        "donor_retention": r.fundraising.year.retention.donors_prev,
    }.get(key)


def kpi_delta(k: Kpi, kind: fmt.Kind, currency: str, against: str) -> str | None:
    """The change the report computed, worded for a card."""
    if k.change.value is None:
        return None
    if kind == "ratio":
        return f"{k.change.value * 100:+.1f} pp vs {against}"
    if kind == "months":
        return f"{k.change.value:+.1f} months vs {against}"
    if k.change_ratio.value is not None:
        return f"{k.change_ratio.value * 100:+.1f}% vs {against}"
    if kind == "money":
        # An ASCII sign: Streamlit reads it to pick the arrow's direction.
        sign = "+" if k.change.value >= 0 else "-"
        return f"{sign}{fmt.money(abs(k.change.value), currency)} vs {against}"
    return f"{k.change.value:+,.0f} vs {against}"


def kpi_cards(r: HealthReport, against: str | None = None) -> list[Card]:
    """The KPI cards; `against` names the previous period ("2025", "Q2 2026")."""
    against = against or r.previous_period.label()
    cards: list[Card] = []
    for k in r.kpis:
        kind = KPI_KINDS.get(k.key, "number")
        noun = ""  # the label names the thing; a long value would be cut on the card
        people = people_behind(r, k.key)
        help_parts: list[str] = []
        meaning = glossary.definition(k.key)
        if meaning:
            help_parts.append(meaning)
        if k.note:
            help_parts.append(k.note)
        if is_small(people) or (k.key == "members" and is_small(int(k.previous.value or 0))):
            cards.append(
                Card(
                    k.key,
                    k.label,
                    SUPPRESSED_TEXT if k.key == "members" else "hidden",
                    None,
                    f"This figure is about {SUPPRESSED_TEXT} people, so it is not shown, "
                    "to protect their privacy.",
                    suppressed=True,
                )
            )
            continue
        value = fmt.value(k.value, kind, currency=r.currency, noun=noun)
        if k.value.value is None and k.value.reason:
            help_parts.append(("Unlimited: " if k.value.unbounded else "Not available: ") + k.value.reason)
        help_parts.append(
            f"{against}: {fmt.value(k.previous, kind, currency=r.currency, noun=noun)}"
            + (f" ({k.previous.reason})" if k.previous.value is None and k.previous.reason else "")
        )
        if r.partial and kind in ("count", "hours", "money") and k.key != "members":
            help_parts.append(
                f"This period runs only to {dates.day(r.through, r.as_of)}, while {against} is complete: "
                "a sum over part of a period reads lower."
            )
        cards.append(
            Card(k.key, k.label, value, kpi_delta(k, kind, r.currency, against), "\n\n".join(help_parts))
        )
    return cards


def kpi_table(r: HealthReport, against: str | None = None) -> pl.DataFrame:
    rows = []
    for card, k in zip(kpi_cards(r, against), r.kpis, strict=True):
        kind = KPI_KINDS.get(k.key, "number")
        noun = KPI_NOUNS.get(k.key, "")
        rows.append(
            {
                "figure": k.label,
                "value": card.value
                if card.suppressed
                else fmt.value(k.value, kind, currency=r.currency, noun=noun),
                "previous period": SUPPRESSED_TEXT
                if card.suppressed
                else fmt.value(k.previous, kind, currency=r.currency, noun=noun),
                "change": card.delta or "",
                "note": (k.value.reason or "") if k.value.value is None else (k.note or ""),
            }
        )
    return pl.DataFrame(
        rows, schema=dict.fromkeys(("figure", "value", "previous period", "change", "note"), pl.String)
    )


def alerts(r: HealthReport) -> list[tuple[str, str, str]]:
    """(severity, title, message), the most urgent first."""
    ordered = sorted(r.alerts, key=lambda a: SEVERITY_ORDER.get(a.severity, 3))
    return [(a.severity, a.title, a.message) for a in ordered]


def health_view(r: HealthReport) -> View:
    score = r.health.score
    title = "Health score and what makes it"
    scored = [c for c in r.health.components if c.contribution is not None]
    table = pl.DataFrame(
        [
            {
                "component": c.label,
                "value": figure_text(c.figure, r.currency) if c.figure.value is not None else "—",
                "weight": c.weight,
                "full credit at": c.cap,
                "contribution (points)": None if c.contribution is None else round(c.contribution, 2),
                "how it is read": c.description,
                "not scored because": None if c.contribution is not None else (c.figure.reason or ""),
            }
            for c in r.health.components
        ],
        schema={
            "component": pl.String,
            "value": pl.String,
            "weight": pl.Float64,
            "full credit at": pl.Float64,
            "contribution (points)": pl.Float64,
            "how it is read": pl.String,
            "not scored because": pl.String,
        },
    )
    if score.value is None or not scored:
        return View("health", title, empty=f"No health score yet: {score.reason}.", table=table)
    fig = charts.contributions(
        [c.label for c in scored],
        [float(c.contribution or 0.0) for c in scored],
        total=score.value,
        title=f"Health score {score.value:.0f} (of −100 to +100): each component's points",
        hover_notes=[
            f"{figure_text(c.figure, r.currency)}; weight {c.weight:+g}; {c.description}" for c in scored
        ],
    )
    caption = (
        "Green bars add points, orange bars take them away; the blue bar is their sum. "
        "A component at or beyond its cap gives its full weight."
    )
    if r.health.not_scored:
        caption += " Not scored: " + "; ".join(r.health.not_scored) + "."
    return View("health", title, fig=fig, caption=caption, table=table)


def render_alerts(r: HealthReport) -> None:
    import streamlit as st

    items = alerts(r)
    if not items:
        st.success(
            "No alerts for this period: runway, reserves, donor concentration, volunteer load and attendance "
            "are within their thresholds (or cannot be measured in this scope).",
            icon=":material/check_circle:",
        )
        return
    show = {"critical": st.error, "warning": st.warning, "info": st.info}
    icons = {"critical": ":material/error:", "warning": ":material/warning:", "info": ":material/insights:"}
    for severity, title, message in items:
        show.get(severity, st.info)(f"**{title}.** {message}", icon=icons.get(severity, ":material/info:"))


def render_glossary() -> None:
    """The metric dictionary: each headline figure's definition and the
    as-of rule, as plain text."""
    import streamlit as st

    st.markdown("\n".join(f"- **{term.name}**: {term.definition}" for term in glossary.TERMS))
    st.caption(glossary.AS_OF_RULE)
