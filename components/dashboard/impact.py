"""The Impact page's views: empathy scores before and after, the change per
program, the goals and the impact cards."""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go
import polars as pl

from components import charts, dates
from components import format as fmt
from components.dashboard.shared import Card, View, card, is_small, with_suppression
from metrics.figure import Figure
from metrics.impact import CONTROLLED_TRIALS_G, CONTROLLED_TRIALS_G_BIAS_CORRECTED, GoalProgress, PairedChange
from metrics.privacy import SUPPRESSED_TEXT, suppress_small_groups
from metrics.report_types import HealthReport

WAVE_LABELS = {"pre": "Before", "post": "After", "follow_up": "Follow-up"}


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
    groups: list[tuple[str, list[float], list[int]]] = []
    hidden = 0
    for wave in ("pre", "post", "follow_up"):
        part = by_wave.filter(pl.col("wave") == wave)
        n = int(part["respondents"].sum()) if part.height else 0
        if n == 0:
            continue
        if is_small(n):
            hidden += 1
            continue
        scores = [float(t) for t in part["teq"].to_list()]
        counts = [int(c) for c in part["respondents"].to_list()]
        groups.append((f"{WAVE_LABELS[wave]} (n={n})", scores, counts))
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
    caption = (
        "TEQ (Toronto Empathy Questionnaire): 16 items, 0–4 each, 8 reversed; 0–64, higher is more "
        "empathic (Spreng et al. 2009)."
    )
    caption = with_suppression(caption, hidden, "survey wave")
    return View("teq", title, fig=fig, caption=caption, table=table)


def _change_row(name: str, c: PairedChange) -> dict[str, object]:
    small = is_small(c.n)
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


MAX_DRAWN_PROGRAMS = 30


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
        if not is_small(c.n)
        and c.d_z.value is not None
        and c.ci_d_z.low is not None
        and c.ci_d_z.high is not None
    ]
    hidden = sum(1 for _, c in candidates if is_small(c.n))
    # A national movement runs thousands of programs: a forest of them all
    # cannot be read (nor drawn quickly), so it shows the movement and the
    # programs with the most paired answers; the table has every program.
    programs = [(name, c) for name, c in drawable if c is not imp.overall]
    cut = max(0, len(programs) - MAX_DRAWN_PROGRAMS)
    if cut:
        largest = {id(c) for _, c in sorted(programs, key=lambda nc: -nc[1].n)[:MAX_DRAWN_PROGRAMS]}
        drawable = [(name, c) for name, c in drawable if c is imp.overall or id(c) in largest]
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
        title="Change in empathy (paired d_z) per program, with its 95% confidence interval (CI)",
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
    if cut:
        caption += (
            f" The {MAX_DRAWN_PROGRAMS} programs with the most paired answers are drawn; "
            f"the other {cut:,} are in the table below."
        )
    caption = with_suppression(caption, hidden, "program")
    return View("effects", title, fig=fig, caption=caption, table=table)


def goals_view(goals: list[GoalProgress], *, scopes: dict[int, str], currency: str, today: date) -> View:
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
        f"{_wrap(g.name, 34)}<br><span style='font-size:15px;color:#404040'>"
        f"due {dates.day(g.due_on, today)}</span>"
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
            customdata=[[g.status, g.time_elapsed.value or 0.0, dates.day(g.due_on, today)] for g in known],
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
    if is_small(p.respondents):
        return SUPPRESSED_TEXT, f"{SUPPRESSED_TEXT} people answered the practice question."
    if p.rate.value is None:
        return "—", p.rate.reason or ""
    return fmt.percent(p.rate.value), (
        f"{fmt.count(p.weekly_or_more)} of {fmt.count(p.respondents)} respondents practise weekly or more "
        f"(latest answer in the period, waves: {', '.join(WAVE_LABELS.get(w, w) for w in p.waves)})."
    )


def impact_cards(r: HealthReport, goals: list[GoalProgress] | None = None) -> list[Card]:
    o = r.impact.overall
    small = is_small(o.n)
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
        card("pairs", "People answering before and after", fmt.people(o.n)),
        card(
            "change",
            "Mean TEQ change",
            SUPPRESSED_TEXT
            if small
            else ("—" if o.mean_diff.value is None else f"{o.mean_diff.value:+.1f} points"),
            "On the 0–64 Toronto Empathy Questionnaire.",
        ),
        card("d_z", "Effect size d_z", SUPPRESSED_TEXT if small else d_text, d_help),
        card("practice", "Practising empathy weekly", practice, practice_help),
        card(
            "goals",
            "Goals achieved or on track",
            f"{achieved + on_track} of {len(goals)}",
            f"{achieved} achieved, {on_track} on track.",
        ),
    ]
