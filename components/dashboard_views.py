"""The dashboard's views of a `HealthReport`: each chart with the table
behind it, or the sentence saying why there is nothing to draw.

Pages and the board report both build from here, so the PDF shows what the
screen shows. Nothing is computed here that `metrics/` defines: the views
only pick, relabel, convert minor units to major ones and hide groups of
fewer than five people (`metrics.privacy`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import plotly.graph_objects as go
import polars as pl

import money
from components import charts
from components import format as fmt
from components.text import plain
from metrics import glossary
from metrics.chapters import LEVELS
from metrics.figure import Figure
from metrics.impact import CONTROLLED_TRIALS_G, CONTROLLED_TRIALS_G_BIAS_CORRECTED, GoalProgress, PairedChange
from metrics.ladder import RUNGS
from metrics.privacy import (
    MIN_GROUP_SIZE,
    SUPPRESSED_TEXT,
    hidden_group_count,
    suppress_small_groups,
    suppression_caption,
    visible_groups,
)
from metrics.report import HealthReport, Kpi

LEVEL_COLOURS = dict(zip(LEVELS, charts.OKABE_ITO, strict=False))
RUNG_LABELS: dict[str, str] = {
    "member": "Members",
    "attendee": "Came to an event",
    "repeat_attendee": "Came back",
    "volunteer": "Volunteered",
    "trained": "Trained",
    "leader": "Facilitator or leader",
}
WAVE_LABELS = {"pre": "Before", "post": "After", "follow_up": "Follow-up"}
SOURCE_LABELS = {
    "individual": "Individuals",
    "foundation": "Foundations",
    "business": "Businesses",
    "government": "Government",
    "event": "Events",
    "other": "Other",
}
KIND_LABELS = {
    "workshop": "Workshop",
    "empathy_circle": "Empathy circle",
    "training": "Training",
    "community_event": "Community event",
    "cultural_event": "Cultural event",
    "talk": "Talk",
}
SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


@dataclass
class View:
    """One chart (or its empty state) and the table behind it."""

    key: str
    title: str
    fig: go.Figure | None = None
    empty: str | None = None
    caption: str | None = None
    table: pl.DataFrame | None = None


def _int(value: object) -> int:
    return int(value) if isinstance(value, int | float) else 0


def _wrap(text: str, width: int) -> str:
    """Break a long label over lines (plotly does not wrap axis labels)."""
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "<br>".join(lines)


def _is_small(n: int | None) -> bool:
    return n is not None and 0 < n < MIN_GROUP_SIZE


def figure_text(fig: Figure, currency: str) -> str:
    """A metric figure with its unit, from the unit the metric declared."""
    kind: fmt.Kind = {
        "ratio": "ratio",
        "minor": "money",
        "months": "months",
        "hours": "hours",
        "hhi": "hhi",
        "d": "effect",
        "points": "points",
    }.get(fig.unit, "count")  # type: ignore[assignment]
    return fmt.value(fig, kind, currency=currency, noun="" if kind != "count" else fig.unit)


def period_name(r: HealthReport) -> str:
    return r.period.label()


# --- overview ------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    key: str
    label: str
    value: str
    delta: str | None
    help: str
    suppressed: bool = False


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
        if _is_small(people) or (k.key == "members" and _is_small(int(k.previous.value or 0))):
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
                f"This period runs only to {r.through:%d %b %Y}, while {against} is complete: "
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


# --- sustainability ----------------------------------------------------------------


def runway_view(r: HealthReport) -> View:
    fm = r.series.finance_monthly
    title = "Runway and operating reserve"
    table = fm.select(
        "month",
        pl.col("runway_months").round(1).alias("runway (months)"),
        pl.col("runway_unbounded").alias("runway unlimited"),
        pl.col("reserve_months").round(1).alias("reserve (months)"),
    )
    has_values = fm.height and (
        fm["runway_months"].drop_nulls().len() or fm["reserve_months"].drop_nulls().len()
    )
    if not has_values:
        reason = r.finance.runway_months.reason or r.finance.reserve_months.reason or "no balances recorded"
        if r.finance.runway_months.unbounded:
            reason = r.finance.runway_months.reason or reason
        return View("runway", title, empty=f"No runway or reserve to draw: {reason}.", table=table)
    months = fm["month"].to_list()
    fig = charts.lines(
        [
            charts.Series("Runway", months, fm["runway_months"].to_list()),
            charts.Series("Operating reserve", months, fm["reserve_months"].to_list(), dash="dot"),
        ],
        title="Runway and operating reserve",
        x_title="month",
        y_title="months",
        unit=charts.MONTHS,
        markers=True,
        hover_x="%{x|%b %Y}",
        monthly=True,
    )
    charts.add_reference_series(
        fig, r.params.runway_alert_months, f"Runway alert ({r.params.runway_alert_months:g} months)"
    )
    charts.add_reference_series(
        fig,
        r.params.reserve_alert_months,
        f"Reserve minimum ({r.params.reserve_alert_months:g} months)",
        color=charts.OKABE_ITO[3],
        dash="dashdot",
    )
    unlimited = int(fm["runway_unbounded"].sum())
    caption = (
        f"Runway = cash ÷ net burn (trailing {r.finance.burn_months}-month mean); "
        "reserve = unrestricted reserves ÷ monthly operating expenses."
    )
    if unlimited:
        plural = "s" if unlimited != 1 else ""
        caption += f" In {unlimited} month{plural} cash in covered cash out: runway unlimited."
    return View("runway", title, fig=fig, caption=caption, table=table)


def burn_view(r: HealthReport) -> View:
    fm = r.series.finance_monthly
    cur = r.currency
    title = "Cash in, cash out and net burn"
    table = fm.select(
        "month",
        money.major_column("cash_in", cur).alias(f"cash in ({cur})"),
        money.major_column("cash_out", cur).alias(f"cash out ({cur})"),
        money.major_column("net_burn", cur).alias(f"net burn, trailing mean ({cur})"),
    )
    if fm.height == 0 or (fm["cash_in"].sum() == 0 and fm["cash_out"].sum() == 0):
        return View("burn", title, empty="No gifts or expenses recorded in this period yet.", table=table)
    months = fm["month"].to_list()
    unit = charts.money(cur)
    fig = charts.bars(
        [
            charts.Series("Cash in", months, table[f"cash in ({cur})"].to_list(), color=charts.GOOD),
            charts.Series("Cash out", months, table[f"cash out ({cur})"].to_list(), color=charts.BAD),
        ],
        title=f"Cash in, cash out and net burn, {cur}",
        x_title="month",
        y_title="amount",
        unit=unit,
        hover_x="%{x|%b %Y}",
        monthly=True,
    )
    fig.add_trace(
        go.Scatter(
            x=months,
            y=table[f"net burn, trailing mean ({cur})"].to_list(),
            name=f"Net burn ({r.finance.burn_months}-month mean)",
            mode="lines+markers",
            line={"color": charts.OKABE_ITO[6], "width": 3},
            hovertemplate=f"Net burn<br>%{{x|%b %Y}}: {unit.hover_value('y')}<extra></extra>",
        )
    )
    fig.update_layout(showlegend=True)
    burn = r.finance.net_burn_minor
    caption = (
        f"Net burn now: {fmt.money(burn.value, cur)} a month."
        if burn.value is not None
        else f"Net burn: {burn.reason}."
    )
    return View("burn", title, fig=fig, caption=caption, table=table)


def revenue_view(r: HealthReport) -> View:
    rs = r.series.revenue_by_source_monthly
    cur = r.currency
    g = r.fundraising.gifts
    title = "Revenue by source"
    table = rs.select(
        "month",
        pl.col("source").replace_strict(SOURCE_LABELS, default=pl.col("source")).alias("source"),
        money.major_column("amount_minor", cur).alias(f"amount ({cur})"),
        "gifts",
        money.major_column("recurring_minor", cur).alias(f"recurring ({cur})"),
    )
    if rs.height == 0 or rs["amount_minor"].sum() == 0:
        return View("revenue", title, empty="No gifts received in this period yet.", table=table)
    unit = charts.money(cur)
    series = []
    for i, (source, part) in enumerate(table.group_by("source", maintain_order=True)):
        series.append(
            charts.Series(
                str(source[0]),
                part["month"].to_list(),
                part[f"amount ({cur})"].to_list(),
                color=charts.OKABE_ITO[i % len(charts.OKABE_ITO)],
            )
        )
    fig = charts.bars(
        series,
        title=f"Revenue by source, {cur}",
        x_title="month",
        y_title="amount",
        unit=unit,
        stacked=True,
        hover_x="%{x|%b %Y}",
        monthly=True,
    )
    bits = [
        f"Funds raised: {figure_text(g.funds_raised_minor, cur)} from {fmt.people(g.donors, 'donors')}",
        f"recurring share {figure_text(g.recurring_share, cur)}",
        f"concentration over sources (HHI, 0–10,000) {figure_text(g.hhi_sources, cur)}",
        f"over donors {figure_text(g.hhi_donors, cur)}",
        f"top {g.top_k} donors' share {figure_text(g.top_k_share, cur)}",
    ]
    caption = "; ".join(bits) + ". Above 1,800 HHI is highly concentrated."
    return View("revenue", title, fig=fig, caption=caption, table=table)


def retention_view(r: HealthReport) -> View:
    ret = r.fundraising.year.retention
    fy = r.fundraising.year
    title = f"Donor retention, FY {ret.year}{' to date' if ret.partial else ''}"
    rows = [
        ("Overall", ret.overall, ret.benchmark_overall, ret.donors_prev),
        ("New donors", ret.new, ret.benchmark_new, ret.new_prev),
        ("Repeat donors", ret.repeat, ret.benchmark_repeat, ret.repeat_prev),
    ]
    table = pl.DataFrame(
        [
            {
                "donors": name,
                "donors last year": SUPPRESSED_TEXT if _is_small(n) else str(n),
                "retention": SUPPRESSED_TEXT
                if _is_small(n)
                else (fmt.percent(fig.value) if fig.value is not None else f"— ({fig.reason})"),
                "FEP benchmark": fmt.percent(bench),
            }
            for name, fig, bench, n in rows
        ]
    )
    shown = [(name, fig, bench) for name, fig, bench, n in rows if fig.value is not None and not _is_small(n)]
    if not shown:
        reason = ret.overall.reason or f"{SUPPRESSED_TEXT} donors gave last year"
        return View("retention", title, empty=f"No donor retention yet: {reason}.", table=table)
    names = [s[0] for s in shown]
    fig = charts.bars(
        [charts.Series(f"FY {ret.year}", names, [s[1].value for s in shown], color=charts.NEUTRAL)],
        title=title,
        x_title="donors",
        y_title="retention",
        unit=charts.PERCENT,
    )
    fig.data[0].update(
        text=[fmt.percent(s[1].value, 0) for s in shown], textposition="inside", insidetextanchor="end"
    )
    fig.add_trace(
        go.Scatter(
            x=names,
            y=[s[2] for s in shown],
            mode="markers",
            name="FEP benchmark",
            marker={"symbol": "line-ew", "size": 90, "line": {"width": 4, "color": charts.OKABE_ITO[6]}},
            hovertemplate="FEP benchmark for %{x}: %{y:.1%}<extra></extra>",
        )
    )
    fig.update_layout(showlegend=True)
    fig.update_yaxes(range=[0, 1])
    caption = (
        "Retention = share of last year's donors who gave again. Benchmarks: the Fundraising Effectiveness "
        "Project (FEP; overall 43.3 % in 2025, new ≈ 19 %, repeat ≈ 69 %)."
    )
    if ret.dollars.value is not None:
        caption += f" Dollar retention: {fmt.percent(ret.dollars.value)}."
    if fy.caveat:
        caption += f" {fy.caveat}"
    return View("retention", title, fig=fig, caption=caption, table=table)


def gains_losses_view(r: HealthReport) -> View:
    y = r.fundraising.year
    gl = y.gains_and_losses
    ret = y.retention
    title = f"Donors gained and lost, FY {gl.year - 1} → FY {gl.year}"
    labels = [
        f"Donors in<br>FY {gl.year - 1}",
        "Lapsed<br>new donors",
        "Lapsed<br>repeat donors",
        "New<br>donors",
        "Recaptured<br>donors",
    ]
    values = [
        ret.donors_prev,
        -gl.losses.get("lapsed_new", 0),
        -gl.losses.get("lapsed_repeat", 0),
        gl.gains.get("new", 0),
        gl.gains.get("recaptured", 0),
    ]
    cur = r.currency
    table = pl.DataFrame(
        {
            "step": [
                *(label.replace("<br>", " ") for label in labels[1:]),
                "Upgraded (same donors, gave more)",
                "Downgraded (same donors, gave less)",
            ],
            "donors": [
                gl.losses.get("lapsed_new", 0),
                gl.losses.get("lapsed_repeat", 0),
                gl.gains.get("new", 0),
                gl.gains.get("recaptured", 0),
                gl.gains.get("upgraded", 0),
                gl.losses.get("downgraded", 0),
            ],
            f"amount ({cur})": [
                fmt.major(-gl.losses_amount_minor.get("lapsed_new", 0.0), cur),
                fmt.major(-gl.losses_amount_minor.get("lapsed_repeat", 0.0), cur),
                fmt.major(gl.gains_amount_minor.get("new", 0.0), cur),
                fmt.major(gl.gains_amount_minor.get("recaptured", 0.0), cur),
                fmt.major(gl.gains_amount_minor.get("upgraded", 0.0), cur),
                fmt.major(-gl.losses_amount_minor.get("downgraded", 0.0), cur),
            ],
        }
    )
    table = suppress_small_groups(table.with_columns(pl.col("donors").abs().alias("donors")), "donors")
    if ret.donors_prev == 0 and y.donors == 0:
        return View("gains", title, empty="No donors in either year yet.", table=table)
    counts = [abs(v) for v in values]
    if any(_is_small(c) for c in counts):
        return View(
            "gains",
            title,
            empty=f"Some of these groups have {SUPPRESSED_TEXT} donors, so the chart is not drawn; "
            "the table shows the rest.",
            table=table,
        )
    fig = charts.waterfall(
        labels,
        [float(v) for v in values],
        title=title,
        unit=charts.count("donors"),
        total_label=f"Donors in<br>FY {gl.year}",
        y_title="donors",
    )
    lost = gl.lost_per_100_gained
    caption = (
        f"Lost per 100 gained: {lost.value:.0f}."
        if lost.value is not None
        else f"Lost per 100 gained: {lost.reason}."
    )
    if gl.upgraded_share.value is not None:
        caption += (
            f" Of donors who gave in both years, {fmt.percent(gl.upgraded_share.value, 0)} gave more, "
            f"{fmt.percent(gl.same_share.value, 0)} the same and "
            f"{fmt.percent(gl.downgraded_share.value, 0)} less "
            "(Fundraising Effectiveness Project, FEP, 2015→16: 42 / 27 / 30 %)."
        )
    if gl.partial:
        caption += " The year is not over: more donors may yet give."
    return View("gains", title, fig=fig, caption=caption, table=table)


def volunteers_view(r: HealthReport) -> View:
    vm = r.series.volunteers_monthly
    v = r.volunteers
    title = "Volunteers each month"
    table = suppress_small_groups(
        vm.select(
            "month",
            "volunteers",
            "new_volunteers",
            pl.col("hours").round(1),
            pl.col("hours_per_volunteer").round(1),
        ),
        "volunteers",
    )
    if vm.height == 0 or vm["volunteers"].sum() == 0:
        return View("volunteers", title, empty="No approved volunteer hours in this period yet.", table=table)
    shown = visible_groups(vm, "volunteers")
    months = shown["month"].to_list()
    fig = charts.lines(
        [
            charts.Series("Volunteers with approved hours", months, shown["volunteers"].to_list()),
            charts.Series("New volunteers", months, shown["new_volunteers"].to_list(), dash="dot"),
        ],
        title="Volunteers each month",
        x_title="month",
        y_title="volunteers",
        unit=charts.count("volunteers"),
        markers=True,
        hover_x="%{x|%b %Y}",
        monthly=True,
    )
    ret = v.retention
    parts = [
        f"Volunteer retention FY {ret.year}{' to date' if ret.partial else ''}: "
        + (
            SUPPRESSED_TEXT + " volunteers last year"
            if _is_small(ret.volunteers_prev)
            else figure_text(ret.retention, r.currency)
        )
        + f" (national benchmark ≈ {ret.benchmark:.0%})",
        f"hours per volunteer per year: {figure_text(v.hours.hours_per_volunteer_per_year, r.currency)} "
        f"(national ≈ {v.hours.benchmark_hours_per_volunteer_year:.0f} h)",
        f"value of volunteer time: {figure_text(v.hours.value_minor, r.currency)} at "
        f"{fmt.money(v.hours.hourly_value_minor, r.currency)} an hour",
    ]
    if v.hours.pending_hours:
        parts.append(f"{v.hours.pending_hours:,.0f} h still awaiting approval are not counted")
    caption = "; ".join(parts) + "."
    hidden = suppression_caption(hidden_group_count(vm.filter(pl.col("volunteers") > 0), "volunteers"))
    if hidden:
        caption += " " + hidden.replace("groups", "months").replace("group", "month")
    return View("volunteers", title, fig=fig, caption=caption, table=table)


def hours_spread_view(r: HealthReport) -> View:
    lz = r.series.hours_lorenz
    hv = r.volunteers.hours
    title = "How hours are spread over volunteers"
    table = lz.select(
        (pl.col("volunteer_share") * 100).round(1).alias("% of volunteers (most active first)"),
        (pl.col("hours_share") * 100).round(1).alias("% of hours"),
    )
    if hv.volunteers == 0 or lz.height == 0:
        return View("spread", title, empty="No approved volunteer hours in this period yet.", table=table)
    if _is_small(hv.volunteers):
        return View(
            "spread",
            title,
            empty=f"Hours were logged by {SUPPRESSED_TEXT} volunteers: "
            "the spread is not shown, to protect them.",
        )
    xs = [0.0, *lz["volunteer_share"].to_list()]
    ys = [0.0, *lz["hours_share"].to_list()]
    fig = charts.lines(
        [
            charts.Series("Hours logged", xs, ys),
            charts.Series(
                "If everyone gave the same", [0.0, 1.0], [0.0, 1.0], color=charts.MUTED, dash="dash"
            ),
        ],
        title="How hours are spread over volunteers",
        x_title="share of volunteers, most active first (%)",
        y_title="share of hours",
        unit=charts.PERCENT,
        hover_x="%{x:.0%} of volunteers",
    )
    fig.update_xaxes(tickformat=".0%")
    caption = (
        f"Absence factor: {figure_text(hv.absence_factor, r.currency)} volunteers log half of all hours; "
        f"the most active tenth logs {figure_text(hv.top_decile_share, r.currency)}. "
        "The further the curve bows above the diagonal, the more the work rests on a few people."
    )
    return View("spread", title, fig=fig, caption=caption, table=table)


# --- momentum ------------------------------------------------------------------------


def members_view(r: HealthReport) -> View:
    mw = r.series.members_weekly
    title = "Members over time"
    table = suppress_small_groups(
        mw.select(
            "week",
            "members",
            "joins",
            "leaves",
            (pl.col("growth_4w") * 100).round(2).alias("growth, 4 weeks (%)"),
            (pl.col("churn_4w") * 100).round(2).alias("churn, 4 weeks (%)"),
        ),
        "members",
        ["members"],
    )
    if mw.height == 0 or mw["members"].max() == 0:
        return View("members", title, empty="No members in this scope yet.", table=table)
    if _is_small(_int(mw["members"].max())):
        return View("members", title, empty=f"This scope has {SUPPRESSED_TEXT} members.", table=table)
    weeks = mw["week"].to_list()
    fig = charts.lines(
        [charts.Series("Members", weeks, mw["members"].to_list())],
        title="Members at the end of each week",
        x_title="week",
        y_title="members",
        unit=charts.count("members"),
    )
    m = r.momentum.members
    caption = (
        f"{fmt.count(m.joins)} joined and {fmt.count(m.leaves)} left in the period; growth "
        f"{figure_text(m.growth, r.currency)}, churn {figure_text(m.churn, r.currency)} against the "
        f"{fmt.count(m.members_at_start)} members at its start."
    )
    return View("members", title, fig=fig, caption=caption, table=table)


def growth_view(r: HealthReport) -> View:
    mw = r.series.members_weekly
    title = "Growth and churn, rolling four weeks"
    if mw.height == 0 or _is_small(_int(mw["members"].max())) or mw["members"].max() == 0:
        return View("growth", title, empty="Not enough members to show growth and churn.")
    weeks = mw["week"].to_list()
    fig = charts.lines(
        [
            charts.Series("Growth", weeks, mw["growth_4w"].to_list(), color=charts.GOOD),
            charts.Series("Churn", weeks, mw["churn_4w"].to_list(), color=charts.BAD),
        ],
        title="Growth and churn over the trailing four weeks",
        x_title="week",
        y_title="share of members",
        unit=charts.PERCENT,
    )
    caption = (
        "Growth = (members now − members four weeks earlier) ÷ members then; churn = leaves ÷ members then."
    )
    return View("growth", title, fig=fig, caption=caption)


def cohort_view(r: HealthReport) -> View:
    cr = r.series.cohort_retention
    title = "Cohort retention"
    table = suppress_small_groups(
        cr.select(
            pl.col("cohort").dt.strftime("%b %Y").alias("joined in"),
            pl.col("size").alias("cohort size"),
            pl.col("months_since").alias("months since joining"),
            pl.col("active").alias("active"),
            (pl.col("share") * 100).round(1).alias("active (%)"),
        ),
        "cohort size",
        ["cohort size", "active", "active (%)"],
    )
    if cr.height == 0:
        return View("cohorts", title, empty="No members joined in the months this chart covers.", table=table)
    sizes = cr.group_by("cohort").agg(pl.col("size").first())
    hidden = hidden_group_count(sizes.filter(pl.col("size") > 0), "size")
    shown = cr.filter(~((pl.col("size") > 0) & (pl.col("size") < MIN_GROUP_SIZE))).filter(pl.col("size") > 0)
    if shown.height == 0:
        return View(
            "cohorts",
            title,
            empty=f"Every cohort in these months has {SUPPRESSED_TEXT} members; none is shown.",
            table=table,
        )
    cohorts = shown.select("cohort", "size").unique().sort("cohort")
    ks = sorted(shown["months_since"].unique().to_list())
    lookup = {(c, k): s for c, k, s in shown.select("cohort", "months_since", "share").iter_rows()}
    z = [[lookup.get((c, k)) for k in ks] for c in cohorts["cohort"].to_list()]
    text = [["" if v is None else f"{v:.0%}" for v in row] for row in z]
    ylabels = [f"{c:%b %Y} (n={n})" for c, n in cohorts.iter_rows()]
    fig = charts.heatmap(
        ks,
        ylabels,
        z,
        title="Cohort retention: share still active, by month of joining",
        x_title="months since joining",
        y_title="joined in",
        unit=charts.PERCENT,
        text=text,
    )
    fig.data[0].update(zmax=1)
    caption = "Active = came to an event, logged hours or gave in that month."
    extra = suppression_caption(hidden)
    if extra:
        caption += " " + extra.replace("groups", "cohorts").replace("group", "cohort")
    return View("cohorts", title, fig=fig, caption=caption, table=table)


def ladder_view(r: HealthReport) -> View:
    lad = r.series.engagement_ladder
    title = "Engagement ladder"
    labelled = lad.with_columns(
        pl.col("rung").replace_strict(RUNG_LABELS, default=pl.col("rung")).alias("rung")
    )
    table = suppress_small_groups(
        labelled.select(
            "rung",
            "members",
            (pl.col("conversion") * 100).round(1).alias("conversion from the rung below (%)"),
        ),
        "members",
    )
    if lad.height == 0 or lad["members"].max() == 0:
        return View("ladder", title, empty="No members in this scope yet.", table=table)
    shown = visible_groups(labelled.filter(pl.col("members") > 0), "members")
    hidden = hidden_group_count(labelled.filter(pl.col("members") > 0), "members")
    if shown.height == 0:
        return View("ladder", title, empty=f"Every rung has {SUPPRESSED_TEXT} people.", table=table)
    fig = charts.funnel(
        shown["rung"].to_list(),
        shown["members"].to_list(),
        title="Engagement ladder",
        noun="people",
    )
    caption = (
        "Each rung counts the members who reached it (CHAOSS conversion rate = this rung ÷ the rung below). "
        f"Rungs in order: {', '.join(RUNG_LABELS[k].lower() for k in ('member', *RUNGS))}."
    )
    extra = suppression_caption(hidden)
    if extra:
        caption += " " + extra.replace("groups", "rungs").replace("group", "rung")
    return View("ladder", title, fig=fig, caption=caption, table=table)


def breadth_depth_view(r: HealthReport) -> View:
    bd = r.series.breadth_depth_monthly.filter(pl.col("month").is_not_null()).sort("month")
    title = "Breadth against depth"
    table = suppress_small_groups(
        bd.select(
            "month",
            pl.col("breadth").alias("breadth (people taking part)"),
            pl.col("depth").alias("depth (people who climbed a rung)"),
        ),
        "breadth (people taking part)",
    )
    if bd.height == 0 or bd["breadth"].sum() == 0:
        return View("breadth", title, empty="Nobody took part in this period yet.", table=table)
    shown = visible_groups(bd, "breadth")
    if shown.height == 0:
        return View("breadth", title, empty=f"Each month had {SUPPRESSED_TEXT} participants.", table=table)
    fig = charts.scatter(
        shown["breadth"].to_list(),
        shown["depth"].to_list(),
        [f"{m:%b %y}" for m in shown["month"].to_list()],
        title="Breadth against depth, each month",
        x_title="people taking part",
        y_title="people who climbed a rung",
        x_unit=charts.count("people"),
        y_unit=charts.count("people"),
    )
    labels = [f"{m:%b %Y}" for m in shown["month"].to_list()]
    fig.data[0].update(
        mode="lines+markers+text",
        line={"color": "#B0B0B0", "width": 1},
        text=[t if i in (0, len(labels) - 1) else "" for i, t in enumerate(labels)],
        customdata=labels,
        hovertemplate="%{customdata}<br>taking part: %{x:,.0f} people<br>climbed a rung: %{y:,.0f} people"
        "<extra></extra>",
    )
    m = r.momentum
    caption = (
        f"Over the period: {fmt.people(m.breadth, 'people')} took part (breadth) and "
        f"{fmt.people(m.depth, 'people')} climbed at least one rung (depth), after Han (2014). "
        "Up and to the right is both mobilising and organising."
    )
    return View("breadth", title, fig=fig, caption=caption, table=table)


def events_kind_view(r: HealthReport) -> View:
    bk = r.momentum.events.by_kind
    title = "Events by kind"
    table = bk.select(
        pl.col("kind").replace_strict(KIND_LABELS, default=pl.col("kind")).alias("kind"),
        "events",
        "attendance",
    ).sort("events", descending=True)
    if bk.height == 0 or bk["events"].sum() == 0:
        return View("events", title, empty="No events in this period yet.", table=table)
    fig = charts.bars(
        [charts.Series("Events", table["kind"].to_list(), table["events"].to_list())],
        title="Events by kind",
        x_title="kind",
        y_title="events",
        unit=charts.count("events"),
        horizontal=True,
    )
    fig.data[0].update(
        customdata=table["attendance"].to_list(),
        hovertemplate="%{y}: %{x:,.0f} events, %{customdata:,.0f} attendances<extra></extra>",
    )
    e = r.momentum.events
    caption = (
        f"{fmt.count(e.events, 'events')} with {fmt.count(e.attendance, 'attendances')} "
        f"({fmt.count(e.guests, 'guests')}); {fmt.people(e.unique_attendees, 'different members')} came; "
        f"fill rate {figure_text(e.fill_rate, r.currency)} of stated capacity."
    )
    return View("events", title, fig=fig, caption=caption, table=table)


def attendance_view(r: HealthReport) -> View:
    aw = r.series.attendance_weekly
    title = "Weekly attendance"
    table = aw.select(
        "week",
        "events",
        "attendance",
        pl.col("lower").round(1).alias("usual range from"),
        pl.col("upper").round(1).alias("usual range to"),
        pl.col("marker").fill_null("").alias("marked"),
        "partial",
    )
    if aw.height == 0 or aw["attendance"].sum() == 0:
        return View("attendance", title, empty="No attendance recorded in this period yet.", table=table)
    weeks = aw["week"].to_list()
    unit = charts.count("attendances")
    fig = go.Figure()
    band = aw.filter(pl.col("upper").is_not_null())
    if band.height:
        fig.add_trace(
            go.Scatter(
                x=band["week"].to_list(),
                y=band["upper"].to_list(),
                mode="lines",
                line={"width": 0},
                showlegend=False,
                hoverinfo="skip",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=band["week"].to_list(),
                y=[max(0.0, v) for v in band["lower"].to_list()],
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor="rgba(86,180,233,0.25)",
                name="Usual range",
                hoverinfo="skip",
            )
        )
    base = charts.lines(
        [charts.Series("Attendance", weeks, aw["attendance"].to_list())],
        title="Weekly attendance, spikes marked",
        x_title="week",
        y_title="attendances",
        unit=unit,
        markers=True,
        hover_x="week of %{x|%d %b %Y}",
    )
    for trace in base.data:
        fig.add_trace(trace)
    fig.update_layout(base.layout)
    spikes = aw.filter(pl.col("marker") == "spike")
    shifts = aw.filter(pl.col("marker") == "shift")
    if spikes.height:
        charts.mark_points(
            fig,
            spikes["week"].to_list(),
            spikes["attendance"].to_list(),
            name="Spike",
            unit=unit,
            hover_x="week of %{x|%d %b %Y}",
        )
    if shifts.height:
        charts.mark_points(
            fig,
            shifts["week"].to_list(),
            shifts["attendance"].to_list(),
            name="Shift",
            unit=unit,
            color=charts.OKABE_ITO[5],
            hover_x="week of %{x|%d %b %Y}",
        )
    fig.update_layout(showlegend=True)
    caption = (
        "Usual range = mean ± 2 sd of the 8 weeks before. A week outside it is a spike (diamond) "
        "when it stands alone and a shift when the next weeks stay on the same side: "
        "only a shift suggests a change of course."
    )
    if aw["partial"].any():
        caption += " The last week is not over and is never marked."
    return View("attendance", title, fig=fig, caption=caption, table=table)


def chapters_level_view(r: HealthReport) -> View:
    cl = r.series.chapters_by_level_monthly
    title = "Chapters by level"
    table = cl.pivot(on="level", index="month", values="chapters").sort("month") if cl.height else cl
    if cl.height == 0 or cl["chapters"].sum() == 0:
        return View("chapters", title, empty="No open chapters in this scope.", table=table)
    series = []
    for level in LEVELS:
        part = cl.filter(pl.col("level") == level).sort("month")
        if part.height and part["chapters"].sum() > 0:
            series.append(
                charts.Series(
                    level.capitalize(),
                    part["month"].to_list(),
                    part["chapters"].to_list(),
                    color=LEVEL_COLOURS[level],
                )
            )
    fig = charts.bars(
        series,
        title="Open chapters by level, from local to international",
        x_title="month",
        y_title="chapters",
        unit=charts.count("chapters"),
        stacked=True,
        hover_x="%{x|%b %Y}",
        monthly=True,
    )
    s = r.momentum.chapters
    caption = (
        f"{fmt.count(s.chapters, 'chapters')} open at {s.at:%d %b %Y}, "
        f"{fmt.count(s.active_chapters)} of them active "
        f"in the period; elephant factor {figure_text(s.elephant_factor, r.currency)} "
        "(the fewest chapters that together produce half of the activity)."
    )
    return View("chapters", title, fig=fig, caption=caption, table=table)


# --- impact --------------------------------------------------------------------------


IMPACT_NOTE = (
    "These are uncontrolled pre/post changes: they include everything else that changed for the participants "
    f"(time, other programs, who chose to answer twice), so they are not the effect a controlled trial "
    f"measures. For scale, controlled trials of empathy training found g = {CONTROLLED_TRIALS_G:.2f} "
    f"({CONTROLLED_TRIALS_G_BIAS_CORRECTED:.2f} after bias correction; Teding van Berkhout & Malouff 2016)."
)


def teq_view(r: HealthReport) -> View:
    td = r.series.teq_distribution
    title = "Empathy scores before and after (TEQ)"
    by_wave = td.group_by("wave", "teq").agg(pl.col("respondents").sum()).sort("wave", "teq")
    totals = by_wave.group_by("wave").agg(pl.col("respondents").sum().alias("n"))
    table = suppress_small_groups(
        by_wave.join(totals, on="wave")
        .with_columns(pl.col("wave").replace_strict(WAVE_LABELS, default=pl.col("wave")))
        .select(
            "wave",
            pl.col("teq").alias("TEQ score (0–64)"),
            "respondents",
            pl.col("n").alias("respondents in wave"),
        ),
        "respondents in wave",
        ["respondents", "respondents in wave"],
    )
    if td.height == 0:
        return View(
            "teq", title, empty="No survey answers in this period: no empathy scores to show.", table=table
        )
    groups: list[tuple[str, list[float]]] = []
    hidden = 0
    for wave in ("pre", "post", "follow_up"):
        part = by_wave.filter(pl.col("wave") == wave)
        n = int(part["respondents"].sum()) if part.height else 0
        if n == 0:
            continue
        if _is_small(n):
            hidden += 1
            continue
        scores: list[float] = []
        for teq, count in part.select("teq", "respondents").iter_rows():
            scores.extend([float(teq)] * int(count))
        groups.append((f"{WAVE_LABELS[wave]} (n={n})", scores))
    if not groups:
        return View("teq", title, empty=f"Each survey wave has {SUPPRESSED_TEXT} respondents.", table=table)
    fig = charts.distributions(
        groups,
        title="Empathy scores (TEQ) before and after",
        x_title="TEQ score",
        unit=charts.Unit("points of 64", ",.0f", ",.0f"),
        bin_size=4,
        grouped=True,
    )
    fig.update_xaxes(range=[0, 64], dtick=8)
    caption = "TEQ: 16 items, 0–4 each, 8 reversed; 0–64, higher is more empathic (Spreng et al. 2009)."
    extra = suppression_caption(hidden)
    if extra:
        caption += " " + extra.replace("groups", "survey waves").replace("group", "survey wave")
    return View("teq", title, fig=fig, caption=caption, table=table)


def _change_row(name: str, c: PairedChange) -> dict[str, object]:
    small = _is_small(c.n)
    hide = SUPPRESSED_TEXT if small else None

    def num(f: Figure, digits: int = 2) -> str:
        if hide:
            return hide
        return "—" if f.value is None else f"{f.value:.{digits}f}"

    ci = c.ci_d_z
    return {
        "program": name,
        "pairs": SUPPRESSED_TEXT if small else str(c.n),
        "mean before": num(c.mean_pre, 1),
        "mean after": num(c.mean_post, 1),
        "mean change": num(c.mean_diff, 1),
        "d_z": num(c.d_z),
        "95% CI of d_z": hide
        or ("—" if ci.low is None or ci.high is None else f"{ci.low:.2f} to {ci.high:.2f}"),
        "d_av": num(c.d_av),
        "g_z (Hedges)": num(c.g_z),
        "p": num(c.p_value, 3),
        "note": "" if small or c.d_z.value is not None else (c.d_z.reason or ""),
    }


def effects_view(r: HealthReport) -> View:
    imp = r.impact
    title = "Change in empathy per program, with 95% confidence intervals"
    rows = [_change_row("All programs", imp.overall)] + [
        _change_row(imp.program_names.get(c.program_id or 0, "No program"), c) for c in imp.by_program
    ]
    table = pl.DataFrame(rows)
    candidates = [("All programs", imp.overall)] + [
        (imp.program_names.get(c.program_id or 0, "No program"), c) for c in imp.by_program
    ]
    drawable = [
        (name, c)
        for name, c in candidates
        if not _is_small(c.n)
        and c.d_z.value is not None
        and c.ci_d_z.low is not None
        and c.ci_d_z.high is not None
    ]
    hidden = sum(1 for _, c in candidates if _is_small(c.n))
    if imp.overall.n == 0:
        return View(
            "effects",
            title,
            empty="No paired before-and-after answers in this period: no change to estimate.",
            table=table,
        )
    if not drawable:
        reason = imp.overall.d_z.reason or f"{SUPPRESSED_TEXT} respondents answered before and after"
        return View("effects", title, empty=f"No effect size to show: {reason}.", table=table)
    fig = charts.forest(
        [f"{name} (n={c.n})" for name, c in drawable],
        [float(c.d_z.value or 0.0) for _, c in drawable],
        [float(c.ci_d_z.low or 0.0) for _, c in drawable],
        [float(c.ci_d_z.high or 0.0) for _, c in drawable],
        title="Change in empathy (paired d_z) per program, 95% CI",
        x_title="standardised change d_z (0 = no change)",
        reference=CONTROLLED_TRIALS_G,
        reference_label=f"controlled trials g = {CONTROLLED_TRIALS_G:.2f}",
        notes=[
            f"mean change {c.mean_diff.value:+.1f} TEQ points" if c.mean_diff.value is not None else ""
            for _, c in drawable
        ],
    )
    caption = (
        "Squares are the paired change d_z of each program's participants, bars its 95% confidence interval; "
        "the dashed line marks the controlled-trial reference. Uncontrolled: see the note above."
    )
    extra = suppression_caption(hidden)
    if extra:
        caption += " " + extra.replace("groups", "programs").replace("group", "program")
    return View("effects", title, fig=fig, caption=caption, table=table)


def goals_view(goals: list[GoalProgress], *, scopes: dict[int, str], currency: str) -> View:
    """The goals with their progress (from `metrics.goal_metrics`, each goal
    measured in its own scope over the fiscal year to date) and due dates.
    `scopes` names each goal's scope by goal id."""
    from metrics.goal_metrics import format_value

    title = "Goals: progress and due dates"
    table = pl.DataFrame(
        [
            {
                "goal": g.name,
                "scope": scopes.get(g.goal_id, ""),
                "measured by": g.metric,
                "baseline": format_value(g.metric, g.baseline, currency),
                "now": format_value(g.metric, g.current.value, currency),
                "target": format_value(g.metric, g.target, currency),
                "progress (%)": None if g.progress.value is None else round(g.progress.value * 100, 1),
                "time elapsed (%)": None
                if g.time_elapsed.value is None
                else round(g.time_elapsed.value * 100, 1),
                "due": g.due_on,
                "status": g.status,
                "why unknown": "" if g.current.value is not None else (g.current.reason or ""),
            }
            for g in goals
        ],
        schema={
            "goal": pl.String,
            "scope": pl.String,
            "measured by": pl.String,
            "baseline": pl.String,
            "now": pl.String,
            "target": pl.String,
            "progress (%)": pl.Float64,
            "time elapsed (%)": pl.Float64,
            "due": pl.Date,
            "status": pl.String,
            "why unknown": pl.String,
        },
    )
    if not goals:
        return View("goals", title, empty="No goals set for this scope yet.", table=table)
    known = [g for g in goals if g.progress.value is not None]
    if not known:
        return View("goals", title, empty="No goal's current value can be measured yet.", table=table)
    status_colour = {
        "achieved": charts.GOOD,
        "on track": charts.NEUTRAL,
        "behind": charts.OKABE_ITO[1],
        "overdue": charts.BAD,
    }
    names = [
        f"{_wrap(g.name, 34)}<br><span style='font-size:15px;color:#404040'>due {g.due_on:%d %b %Y}</span>"
        for g in known
    ]
    progress = [min(1.5, max(0.0, float(g.progress.value or 0.0))) for g in known]
    fig = go.Figure(
        go.Bar(
            x=progress,
            y=names,
            orientation="h",
            marker={"color": [status_colour.get(g.status, charts.MUTED) for g in known]},
            name="progress",
            customdata=[[g.status, g.time_elapsed.value or 0.0, f"{g.due_on:%d %b %Y}"] for g in known],
            text=[f"{float(g.progress.value or 0.0):.0%} · {g.status}" for g in known],
            textposition="outside",
            cliponaxis=False,
            hovertemplate=(
                "%{y}<br>progress %{x:.0%} (%{customdata[0]}), due %{customdata[2]}"
                "<br>time elapsed %{customdata[1]:.0%}<extra></extra>"
            ),
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[float(g.time_elapsed.value or 0.0) for g in known],
            y=names,
            mode="markers",
            marker={"symbol": "line-ns", "size": 26, "line": {"width": 3, "color": "#000000"}},
            name="time elapsed",
            hovertemplate="%{y}<br>time elapsed %{x:.0%}<extra></extra>",
        )
    )
    fig.update_layout(template=charts.template(), title={"text": "Goals: progress towards each target"})
    fig.update_xaxes(
        title_text="progress from baseline to target", tickformat=".0%", range=[0, 2.1], dtick=0.25
    )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_layout(height=max(charts.DEFAULT_HEIGHT, 170 + 72 * len(known)), showlegend=True)
    caption = (
        "A bar reaching the black mark is on track: "
        "progress keeps pace with the time elapsed since the goal was set."
    )
    return View("goals", title, fig=fig, caption=caption, table=table)


def practice_text(r: HealthReport) -> tuple[str, str]:
    """(value, help) for the practice-rate card."""
    p = r.impact.practice
    if _is_small(p.respondents):
        return SUPPRESSED_TEXT, f"{SUPPRESSED_TEXT} people answered the practice question."
    if p.rate.value is None:
        return "—", p.rate.reason or ""
    return fmt.percent(p.rate.value), (
        f"{fmt.count(p.weekly_or_more)} of {fmt.count(p.respondents)} respondents practise weekly or more "
        f"(latest answer in the period, waves: {', '.join(WAVE_LABELS.get(w, w) for w in p.waves)})."
    )


# --- chapters --------------------------------------------------------------------------


CHAPTER_COLUMNS = (
    "members",
    "active members (%)",
    "events",
    "attendance",
    "volunteers",
    "volunteer hours",
    "donors",
    "funds raised",
    "donor retention (%)",
    "health score",
)


def chapter_row(name: str, level: str, r: HealthReport) -> dict[str, object]:
    """One chapter's headline figures, read from its own health report."""
    cur = r.currency
    k = {kpi.key: kpi for kpi in r.kpis}

    def v(key: str) -> float | None:
        return k[key].value.value if key in k else None

    def pct(x: float | None) -> float | None:
        return None if x is None else round(x * 100, 1)

    funds = v("funds_raised")
    return {
        "chapter": name,
        "level": level,
        "members": r.momentum.members.members,
        "active members (%)": pct(v("active_ratio")),
        "events": r.momentum.events.events,
        "attendance": r.momentum.events.attendance,
        "volunteers": r.volunteers.hours.volunteers,
        "volunteer hours": None
        if v("volunteer_hours") is None
        else round(float(v("volunteer_hours") or 0), 1),
        "donors": r.fundraising.gifts.donors,
        "funds raised": None if funds is None else round(fmt.major(funds, cur), 2),
        "donor retention (%)": pct(v("donor_retention")),
        "health score": None if r.health.score.value is None else round(r.health.score.value, 1),
    }


def chapters_table(rows: list[dict[str, object]]) -> pl.DataFrame:
    schema = {
        "chapter": pl.String,
        "level": pl.String,
        "members": pl.Int64,
        "active members (%)": pl.Float64,
        "events": pl.Int64,
        "attendance": pl.Int64,
        "volunteers": pl.Int64,
        "volunteer hours": pl.Float64,
        "donors": pl.Int64,
        "funds raised": pl.Float64,
        "donor retention (%)": pl.Float64,
        "health score": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


CHAPTER_PEOPLE: dict[str, tuple[str, ...]] = {
    "members": ("members", "active members (%)", "attendance", "health score"),
    "volunteers": ("volunteers", "volunteer hours"),
    "donors": ("donors", "funds raised", "donor retention (%)"),
}


def _number_text(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def chapters_for_display(frame: pl.DataFrame) -> pl.DataFrame:
    """The comparison as text with thousands separators, and every figure
    about a group of fewer than five people (a chapter's members,
    volunteers or donors) as "fewer than 5"."""
    rows = []
    for row in frame.iter_rows(named=True):
        out = {c: str(row[c]) if c in ("chapter", "level") else _number_text(row[c]) for c in frame.columns}
        for people, columns in CHAPTER_PEOPLE.items():
            hide = _is_small(row[people])
            for column in columns:
                out[column] = SUPPRESSED_TEXT if hide else _number_text(row[column])
        rows.append({c: out[c] for c in frame.columns})
    return pl.DataFrame(rows, schema=dict.fromkeys(frame.columns, pl.String), orient="row")


def chapter_compare_view(frame: pl.DataFrame, column: str, *, currency: str) -> View:
    people_col = {
        "volunteer hours": "volunteers",
        "volunteers": "volunteers",
        "funds raised": "donors",
        "donors": "donors",
        "donor retention (%)": "donors",
    }.get(column, "members")
    title = f"Chapters compared: {column}"
    if frame.height == 0:
        return View("compare", title, empty="No chapters to compare.")
    shown = visible_groups(frame, people_col).filter(pl.col(column).is_not_null())
    hidden = hidden_group_count(frame, people_col)
    if shown.height == 0:
        return View("compare", title, empty=f"No chapter has a value for {column} that may be shown.")
    unit = {
        "active members (%)": charts.Unit("%", ",.1f", ",.1f", suffix=" %"),
        "donor retention (%)": charts.Unit("%", ",.1f", ",.1f", suffix=" %"),
        "funds raised": charts.money(currency),
        "volunteer hours": charts.HOURS,
        "health score": charts.Unit("points", ",.0f", ",.1f", suffix=" points"),
    }.get(column, charts.count(column))
    ordered = shown.sort(column, descending=True)
    fig = charts.bars(
        [charts.Series(column, ordered["chapter"].to_list(), ordered[column].to_list())],
        title=f"Chapters compared: {column}",
        x_title="chapter",
        y_title=column,
        unit=unit,
        horizontal=True,
    )
    fig.update_layout(height=max(charts.DEFAULT_HEIGHT, 140 + 40 * ordered.height))
    caption = suppression_caption(hidden)
    if caption:
        caption = caption.replace("groups", "chapters").replace("group", "chapter")
    return View("compare", title, fig=fig, caption=caption)


def as_of_text(d: date) -> str:
    return f"{d:%d %b %Y}"


# --- section cards ---------------------------------------------------------------------


def _card(key: str, label: str, value: str, help_text: str = "", delta: str | None = None) -> Card:
    return Card(key, label, value, delta, help_text)


def finance_cards(r: HealthReport) -> list[Card]:
    fin = r.finance
    cur = r.currency
    tc = fin.tuckman_chang
    flags = [name.replace("_", " ") for name, raised in tc.flags.items() if raised]

    def why(f: Figure) -> str:
        return (
            ""
            if f.value is not None
            else (("Unlimited: " if f.unbounded else "Not available: ") + (f.reason or ""))
        )

    return [
        _card("runway", "Runway", figure_text(fin.runway_months, cur), why(fin.runway_months)),
        _card(
            "reserve",
            "Operating reserve",
            figure_text(fin.reserve_months, cur),
            why(fin.reserve_months) or f"NORI minimum: {fin.nori_minimum_ratio * 12:.0f} months.",
        ),
        _card(
            "burn",
            f"Net burn ({fin.burn_months}-month mean)",
            figure_text(fin.net_burn_minor, cur)
            + (" a month" if fin.net_burn_minor.value is not None else ""),
            why(fin.net_burn_minor) or "Cash out minus cash in, averaged over complete months.",
        ),
        _card("cash", "Cash", figure_text(fin.cash_minor, cur), why(fin.cash_minor)),
        _card(
            "tuckman_chang",
            "Vulnerability flags (Tuckman–Chang)",
            f"{tc.score} of 4",
            ("Flags raised: " + ", ".join(flags) + ".") if flags else "No ratio is in its worst band.",
        ),
    ]


def tuckman_chang_table(r: HealthReport) -> pl.DataFrame:
    tc = r.finance.tuckman_chang
    b = tc.bands
    rows = [
        (
            "Equity ratio (net assets ÷ revenue)",
            tc.equity_ratio,
            f"below {b.equity_ratio_below:.0%}",
            "low_equity",
        ),
        (
            "Revenue concentration (HHI over sources)",
            tc.revenue_concentration_hhi,
            f"above {b.revenue_hhi_above:,.0f}",
            "concentrated_revenue",
        ),
        (
            "Administrative cost ratio",
            tc.admin_cost_ratio,
            f"below {b.admin_ratio_below:.0%}",
            "low_admin_costs",
        ),
        (
            "Operating margin",
            tc.operating_margin,
            f"below {b.operating_margin_below:.0%}",
            "deficit",
        ),
    ]
    return pl.DataFrame(
        [
            {
                "ratio": name,
                "value": figure_text(fig, r.currency) if fig.value is not None else f"— ({fig.reason})",
                "worst band": band,
                "flagged": "yes" if tc.flags.get(key, False) else "no",
            }
            for name, fig, band, key in rows
        ]
    )


def momentum_cards(r: HealthReport) -> list[Card]:
    m = r.momentum
    cur = r.currency
    small = _is_small(m.members.members)
    return [
        _card("members", "Members", fmt.people(m.members.members, "members"), f"At {m.members.at:%d %b %Y}."),
        _card("joins", "Joined in the period", SUPPRESSED_TEXT if small else fmt.count(m.members.joins)),
        _card("growth", "Growth", SUPPRESSED_TEXT if small else figure_text(m.members.growth, cur)),
        _card("churn", "Churn", SUPPRESSED_TEXT if small else figure_text(m.members.churn, cur)),
        _card(
            "active",
            "Active members",
            SUPPRESSED_TEXT if small else figure_text(m.active.ratio, cur),
            f"Members who came to an event, logged hours or gave in the {m.active.window_days} days to "
            f"{m.active.at:%d %b %Y}.",
        ),
        _card(
            "chapters",
            "Active chapters",
            f"{m.chapters.active_chapters} of {m.chapters.chapters}",
            "Chapters with events or hours in the period, of those open.",
        ),
    ]


def impact_cards(r: HealthReport, goals: list[GoalProgress] | None = None) -> list[Card]:
    o = r.impact.overall
    small = _is_small(o.n)
    ci = o.ci_d_z
    practice, practice_help = practice_text(r)
    goals = r.impact.goals if goals is None else goals
    achieved = sum(1 for g in goals if g.status == "achieved")
    on_track = sum(1 for g in goals if g.status == "on track")
    d_text = "—" if o.d_z.value is None else f"{o.d_z.value:+.2f}"
    d_help = (
        f"95% CI {ci.low:.2f} to {ci.high:.2f}. " if ci.low is not None and ci.high is not None else ""
    ) + "Paired d_z = mean change ÷ sd of the changes; uncontrolled (see the note below)."
    if o.d_z.value is None and o.d_z.reason:
        d_help = o.d_z.reason
    return [
        _card("pairs", "People answering before and after", fmt.people(o.n)),
        _card(
            "change",
            "Mean TEQ change",
            SUPPRESSED_TEXT
            if small
            else ("—" if o.mean_diff.value is None else f"{o.mean_diff.value:+.1f} points"),
            "On the 0–64 Toronto Empathy Questionnaire.",
        ),
        _card("d_z", "Effect size d_z", SUPPRESSED_TEXT if small else d_text, d_help),
        _card("practice", "Practising empathy weekly", practice, practice_help),
        _card(
            "goals",
            "Goals achieved or on track",
            f"{achieved + on_track} of {len(goals)}",
            f"{achieved} achieved, {on_track} on track.",
        ),
    ]


# --- Streamlit ---------------------------------------------------------------------------


def render(view: View, *, key: str | None = None) -> None:
    """The chart (or its empty state), its caption, and its numbers to
    download."""
    import streamlit as st

    from components.charts import show
    from components.downloads import show_table

    k = key or view.key
    if view.fig is not None:
        show(view.fig, key=f"chart_{k}")
    else:
        st.markdown(f"**{plain(view.title)}**")
        st.info(view.empty or "Nothing to show for these filters.", icon=":material/info:")
    if view.caption:
        st.caption(view.caption)
    if view.table is not None and view.table.height:
        with st.expander(f"The numbers: {plain(view.title.lower())}", icon=":material/table:"):
            show_table(view.table, title=view.title, key=f"table_{k}")


def render_cards(cards: list[Card], *, columns: int = 3, key: str = "cards") -> None:
    import streamlit as st

    for start in range(0, len(cards), columns):
        row = cards[start : start + columns]
        cols = st.columns(columns)
        for col, card in zip(cols, row, strict=False):
            with col:
                st.metric(
                    card.label,
                    card.value,
                    card.delta,
                    help=card.help or None,
                    border=True,
                    delta_color="normal" if card.delta else "off",
                )


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


def render_notes(r: HealthReport) -> None:
    import streamlit as st

    for note in r.notes:
        st.caption(note)


def render_glossary() -> None:
    """The metric dictionary: each headline figure's definition and the
    as-of rule, as plain text."""
    import streamlit as st

    for term in glossary.TERMS:
        st.markdown(f"**{term.name}**: {term.definition}")
    st.caption(glossary.AS_OF_RULE)
