"""The Momentum page's views: members, growth, cohorts, the engagement
ladder, breadth and depth, events, attendance and chapters by level."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from components import charts, dates
from components import format as fmt
from components.dashboard.shared import Card, View, as_int, card, figure_text, is_small, with_suppression
from metrics.chapters import LEVELS
from metrics.ladder import RUNGS
from metrics.privacy import (
    MIN_GROUP_SIZE,
    SUPPRESSED_TEXT,
    hidden_group_count,
    suppress_small_groups,
    visible_groups,
)
from metrics.report_types import HealthReport
from models.events import EVENT_KIND_LABELS

LEVEL_COLOURS = dict(zip(LEVELS, charts.OKABE_ITO, strict=False))
RUNG_LABELS: dict[str, str] = {
    "member": "Members",
    "attendee": "Came to an event",
    "repeat_attendee": "Came back",
    "volunteer": "Volunteered",
    "trained": "Trained",
    "leader": "Facilitator or leader",
}


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
    if is_small(as_int(mw["members"].max())):
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
    if mw.height == 0 or is_small(as_int(mw["members"].max())) or mw["members"].max() == 0:
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
            dates.month_expr("cohort").alias("joined in"),
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
    ylabels = [f"{dates.month(c)} (n={n})" for c, n in cohorts.iter_rows()]
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
    caption = with_suppression(caption, hidden, "cohort")
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
        "Each rung counts the members who reached it (conversion rate = this rung ÷ the rung below, as "
        "CHAOSS, the Community Health Analytics in Open Source Software project, defines it). "
        f"Rungs in order: {', '.join(RUNG_LABELS[k].lower() for k in ('member', *RUNGS))}."
    )
    caption = with_suppression(caption, hidden, "rung")
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
        [dates.month(m) for m in shown["month"].to_list()],
        title="Breadth against depth, each month",
        x_title="people taking part",
        y_title="people who climbed a rung",
        x_unit=charts.count("people"),
        y_unit=charts.count("people"),
    )
    labels = [dates.month(m) for m in shown["month"].to_list()]
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
        pl.col("kind").replace_strict(EVENT_KIND_LABELS, default=pl.col("kind")).alias("kind"),
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
        f"{fmt.count(s.chapters, 'chapters')} open at {dates.day(s.at, r.as_of)}, "
        f"{fmt.count(s.active_chapters)} of them active "
        f"in the period; elephant factor {figure_text(s.elephant_factor, r.currency)} "
        "(the fewest chapters that together produce half of the activity)."
    )
    return View("chapters", title, fig=fig, caption=caption, table=table)


def momentum_cards(r: HealthReport) -> list[Card]:
    m = r.momentum
    cur = r.currency
    small = is_small(m.members.members)
    return [
        card(
            "members",
            "Members",
            fmt.people(m.members.members, "members"),
            f"At {dates.day(m.members.at, r.as_of)}.",
        ),
        card("joins", "Joined in the period", SUPPRESSED_TEXT if small else fmt.count(m.members.joins)),
        card("growth", "Growth", SUPPRESSED_TEXT if small else figure_text(m.members.growth, cur)),
        card("churn", "Churn", SUPPRESSED_TEXT if small else figure_text(m.members.churn, cur)),
        card(
            "active",
            "Active members",
            SUPPRESSED_TEXT if small else figure_text(m.active.ratio, cur),
            f"Members who came to an event, logged hours or gave in the {m.active.window_days} days to "
            f"{dates.day(m.active.at, r.as_of)}.",
        ),
        card(
            "chapters",
            "Active chapters",
            f"{m.chapters.active_chapters} of {m.chapters.chapters}",
            "Chapters with events or hours in the period, of those open.",
        ),
    ]
