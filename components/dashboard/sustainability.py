"""The Sustainability page's views: runway, burn, revenue, donor retention,
donors gained and lost, volunteers, and the finance cards."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

import money
from components import charts
from components import format as fmt
from components.dashboard.shared import Card, View, card, figure_text, is_small, month_lines, with_suppression
from metrics.figure import Figure
from metrics.privacy import (
    SUPPRESSED_TEXT,
    hidden_group_count,
    suppress_small_groups,
    visible_groups,
)
from metrics.report_types import HealthReport

SOURCE_LABELS = {
    "individual": "Individuals",
    "foundation": "Foundations",
    "business": "Businesses",
    "government": "Government",
    "event": "Events",
    "other": "Other",
}


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
    fig = month_lines(
        fm,
        ("Runway", "runway_months"),
        ("Operating reserve", "reserve_months"),
        title="Runway and operating reserve",
        y_title="months",
        unit=charts.MONTHS,
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
        "concentration over sources (Herfindahl–Hirschman index, HHI, 0–10,000) "
        f"{figure_text(g.hhi_sources, cur)}",
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
                "donors last year": SUPPRESSED_TEXT if is_small(n) else str(n),
                "retention": SUPPRESSED_TEXT
                if is_small(n)
                else (fmt.percent(fig.value) if fig.value is not None else f"— ({fig.reason})"),
                "FEP benchmark": fmt.percent(bench),
            }
            for name, fig, bench, n in rows
        ]
    )
    shown = [(name, fig, bench) for name, fig, bench, n in rows if fig.value is not None and not is_small(n)]
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
                money.major(-gl.losses_amount_minor.get("lapsed_new", 0.0), cur),
                money.major(-gl.losses_amount_minor.get("lapsed_repeat", 0.0), cur),
                money.major(gl.gains_amount_minor.get("new", 0.0), cur),
                money.major(gl.gains_amount_minor.get("recaptured", 0.0), cur),
                money.major(gl.gains_amount_minor.get("upgraded", 0.0), cur),
                money.major(-gl.losses_amount_minor.get("downgraded", 0.0), cur),
            ],
        }
    )
    table = suppress_small_groups(table.with_columns(pl.col("donors").abs().alias("donors")), "donors")
    if ret.donors_prev == 0 and y.donors == 0:
        return View("gains", title, empty="No donors in either year yet.", table=table)
    counts = [abs(v) for v in values]
    if any(is_small(c) for c in counts):
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
    fig = month_lines(
        shown,
        ("Volunteers with approved hours", "volunteers"),
        ("New volunteers", "new_volunteers"),
        title="Volunteers each month",
        y_title="volunteers",
        unit=charts.count("volunteers"),
    )
    ret = v.retention
    parts = [
        f"Volunteer retention FY {ret.year}{' to date' if ret.partial else ''}: "
        + (
            SUPPRESSED_TEXT + " volunteers last year"
            if is_small(ret.volunteers_prev)
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
    hidden = hidden_group_count(vm.filter(pl.col("volunteers") > 0), "volunteers")
    caption = with_suppression(caption, hidden, "month")
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
    if is_small(hv.volunteers):
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
        card("runway", "Runway", figure_text(fin.runway_months, cur), why(fin.runway_months)),
        card(
            "reserve",
            "Operating reserve",
            figure_text(fin.reserve_months, cur),
            why(fin.reserve_months) or f"NORI minimum: {fin.nori_minimum_ratio * 12:.0f} months.",
        ),
        card(
            "burn",
            f"Net burn ({fin.burn_months}-month mean)",
            figure_text(fin.net_burn_minor, cur)
            + (" a month" if fin.net_burn_minor.value is not None else ""),
            why(fin.net_burn_minor) or "Cash out minus cash in, averaged over complete months.",
        ),
        card("cash", "Cash", figure_text(fin.cash_minor, cur), why(fin.cash_minor)),
        card(
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
