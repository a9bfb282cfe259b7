"""The dashboard's plotly figures: one look for all of them.

Every figure has a title, axis titles with units, hover values with units, a
colour-blind-safe palette (Okabe & Ito 2008) and fonts large enough to read
on a projector. The builders are pure (data in, figure out) so the board
report renders exactly what the page shows; `show` puts one on the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

import money as money_rules
from components.chart_dates import localize, month_step
from components.text import chart_text

# Okabe & Ito's eight colours, ordered so the first few differ most for
# every common form of colour blindness; yellow last because it fades on a
# white projector screen.
OKABE_ITO: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#56B4E9",  # sky blue
    "#CC79A7",  # reddish purple
    "#000000",  # black
    "#F0E442",  # yellow
)
GOOD = "#009E73"
BAD = "#D55E00"
NEUTRAL = "#0072B2"
MUTED = "#7F7F7F"
# Sequential scale for heatmaps: cividis is designed to read the same with
# deuteranopia and in greyscale print.
SEQUENTIAL = "cividis"

BASE_FONT = 18
TITLE_FONT = 22
FONT_FAMILY = "Source Sans Pro, DejaVu Sans, Arial, sans-serif"
DEFAULT_HEIGHT = 460


@dataclass(frozen=True)
class Unit:
    """How one axis's values read: the axis title suffix, the tick format
    and the hover text (d3-format), so a number never appears bare."""

    name: str
    tickformat: str
    hover: str  # d3 format for the value in hover text
    prefix: str = ""
    suffix: str = ""

    def hover_value(self, ref: str) -> str:
        return f"{self.prefix}%{{{ref}:{self.hover}}}{self.suffix}"


def count(noun: str) -> Unit:
    return Unit(noun, ",.0f", ",.0f", suffix=f" {noun}")


PERCENT = Unit("%", ".0%", ".1%")
HOURS = Unit("hours", ",.0f", ",.1f", suffix=" h")
MONTHS = Unit("months", ",.0f", ",.1f", suffix=" months")
SCORE = Unit("score", ",.1f", ",.2f")


def money(currency: str) -> Unit:
    """Amounts in major units of `currency` (pages convert minor units)."""
    symbol = money_rules.symbol(currency)
    if symbol != currency:
        return Unit(currency, ",.0f", ",.0f", prefix=symbol)
    return Unit(currency, ",.0f", ",.0f", suffix=f" {currency}")


def template() -> go.layout.Template:
    """The dashboard's plotly template (large type, light grid, Okabe-Ito)."""
    return go.layout.Template(
        layout=go.Layout(
            font={"family": FONT_FAMILY, "size": BASE_FONT, "color": "#1A1A1A"},
            title={
                "font": {"size": TITLE_FONT},
                "x": 0.0,
                "xanchor": "left",
                "xref": "container",
                "y": 0.98,
                "yref": "container",
                "yanchor": "top",
                "pad": {"l": 8},
            },
            colorway=list(OKABE_ITO),
            paper_bgcolor="white",
            plot_bgcolor="white",
            hoverlabel={"font": {"size": BASE_FONT - 2, "family": FONT_FAMILY}, "bgcolor": "white"},
            legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0.0},
            margin={"l": 70, "r": 30, "t": 100, "b": 60},
            xaxis={
                "gridcolor": "#E5E5E5",
                "linecolor": "#7F7F7F",
                "automargin": True,
                "title": {"standoff": 12},
            },
            yaxis={
                "gridcolor": "#E5E5E5",
                "linecolor": "#7F7F7F",
                "zerolinecolor": "#B0B0B0",
                "automargin": True,
                "title": {"standoff": 12},
            },
            height=DEFAULT_HEIGHT,
        )
    )


_TEMPLATE = template()


def _layout(
    fig: go.Figure, title: str, *, x_title: str | None, y_title: str | None, **extra: Any
) -> go.Figure:
    fig.update_layout(template=_TEMPLATE, title={"text": title}, **extra)
    if x_title is not None:
        fig.update_xaxes(title_text=x_title)
    if y_title is not None:
        fig.update_yaxes(title_text=y_title)
    return fig


def month_axis(fig: go.Figure, months: int) -> go.Figure:
    """Ticks on whole months for monthly data (plotly would otherwise pick
    days when a period holds only a few months). On the page, `show` writes
    them in the viewer's locale; the English d3 format is for images."""
    step = month_step(months)
    fig.update_xaxes(dtick=f"M{step}", tickformat="%b %Y" if step != 12 else "%Y")
    return fig


def _axis_title(label: str, unit: Unit) -> str:
    return label if unit.name in label else f"{label} ({unit.name})"


@dataclass(frozen=True)
class Series:
    """One line or bar series: its name, x values, y values."""

    name: str
    x: Sequence[Any]
    y: Sequence[Any]
    color: str | None = None
    dash: str | None = None


def lines(
    series: Sequence[Series],
    *,
    title: str,
    x_title: str,
    y_title: str,
    unit: Unit,
    markers: bool = False,
    hover_x: str = "%{x|%d %b %Y}",
    monthly: bool = False,
) -> go.Figure:
    fig = go.Figure()
    for i, s in enumerate(series):
        fig.add_trace(
            go.Scatter(
                x=list(s.x),
                y=list(s.y),
                name=s.name,
                mode="lines+markers" if markers else "lines",
                line={"color": s.color or OKABE_ITO[i % len(OKABE_ITO)], "width": 3, "dash": s.dash},
                marker={"size": 8},
                hovertemplate=f"{chart_text(s.name)}<br>{hover_x}: {unit.hover_value('y')}<extra></extra>",
            )
        )
    fig.update_yaxes(tickformat=unit.tickformat, tickprefix=unit.prefix, rangemode="tozero")
    if monthly:
        month_axis(fig, max((len(s.x) for s in series), default=0))
    return _layout(
        fig, title, x_title=x_title, y_title=_axis_title(y_title, unit), showlegend=len(series) > 1
    )


def bars(
    series: Sequence[Series],
    *,
    title: str,
    x_title: str,
    y_title: str,
    unit: Unit,
    stacked: bool = False,
    horizontal: bool = False,
    hover_x: str = "%{x}",
    monthly: bool = False,
) -> go.Figure:
    fig = go.Figure()
    for i, s in enumerate(series):
        value_ref = "x" if horizontal else "y"
        label_ref = "%{y}" if horizontal else hover_x
        fig.add_trace(
            go.Bar(
                x=list(s.y) if horizontal else list(s.x),
                y=list(s.x) if horizontal else list(s.y),
                name=s.name,
                orientation="h" if horizontal else "v",
                marker={"color": s.color or OKABE_ITO[i % len(OKABE_ITO)]},
                hovertemplate=(
                    f"{chart_text(s.name)}<br>{label_ref}: {unit.hover_value(value_ref)}<extra></extra>"
                ),
            )
        )
    value_axis = fig.update_xaxes if horizontal else fig.update_yaxes
    value_axis(tickformat=unit.tickformat, tickprefix=unit.prefix)
    if horizontal:
        fig.update_yaxes(autorange="reversed")
    if monthly:
        month_axis(fig, max((len(set(s.x)) for s in series), default=0))
    titles = (
        {"x_title": _axis_title(y_title, unit), "y_title": x_title}
        if horizontal
        else {"x_title": x_title, "y_title": _axis_title(y_title, unit)}
    )
    return _layout(
        fig,
        title,
        **titles,
        barmode="stack" if stacked else "group",
        showlegend=len(series) > 1,
    )


def add_reference_series(
    fig: go.Figure, value: float, label: str, *, color: str = MUTED, dash: str = "dash"
) -> go.Figure:
    """A horizontal benchmark across the chart's x extent, named in the
    legend (annotations beside the line collide when two lines are close)."""
    xs = [x for trace in fig.data for x in (getattr(trace, "x", None) or ())]
    if not xs:
        return fig
    fig.add_trace(
        go.Scatter(
            x=[min(xs), max(xs)],
            y=[value, value],
            mode="lines",
            name=label,
            line={"color": color, "dash": dash, "width": 2},
            hovertemplate=f"{label}<extra></extra>",
        )
    )
    fig.update_layout(showlegend=True)
    return fig


def add_reference_line(
    fig: go.Figure, value: float, label: str, *, horizontal: bool = True, position: str | None = None
) -> go.Figure:
    """A dashed benchmark line with its label, e.g. FEP's 43.3% retention."""
    kwargs: dict[str, Any] = {
        "line": {"color": MUTED, "dash": "dash", "width": 2},
        "annotation_text": label,
        "annotation_font": {"size": BASE_FONT - 2, "color": "#404040"},
    }
    if horizontal:
        fig.add_hline(y=value, annotation_position=position or "top left", **kwargs)
    else:
        fig.add_vline(x=value, annotation_position=position or "top right", **kwargs)
    return fig


def contributions(
    names: Sequence[str],
    values: Sequence[float],
    *,
    total: float,
    title: str,
    hover_notes: Sequence[str] | None = None,
) -> go.Figure:
    """Each component's signed contribution, stacking up to the composite
    score, as a horizontal waterfall: the bars explain the total."""
    notes = list(hover_notes) if hover_notes is not None else [""] * len(names)
    fig = go.Figure(
        go.Waterfall(
            orientation="h",
            y=[*names, "Health score"],
            x=[*values, total],
            measure=["relative"] * len(names) + ["total"],
            customdata=[*notes, "sum of the contributions"],
            increasing={"marker": {"color": GOOD}},
            decreasing={"marker": {"color": BAD}},
            totals={"marker": {"color": NEUTRAL}},
            connector={"line": {"color": "#B0B0B0", "width": 1}},
            text=[f"{v:+.1f}" for v in values] + [f"{total:.1f}"],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:+.2f} points<br>%{customdata}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    height = max(DEFAULT_HEIGHT, 120 + 48 * (len(names) + 1))
    return _layout(
        fig, title, x_title="contribution (points of 100)", y_title=None, height=height, showlegend=False
    )


def waterfall(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    unit: Unit,
    total_label: str,
    y_title: str,
) -> go.Figure:
    """Gains and losses from one figure to the next (e.g. donors y−1 → y)."""
    fig = go.Figure(
        go.Waterfall(
            x=[*labels, total_label],
            y=[*values, 0],
            text=[f"{v:+,.0f}" if i else f"{v:,.0f}" for i, v in enumerate(values)] + [f"{sum(values):,.0f}"],
            textposition="outside",
            cliponaxis=False,
            measure=["absolute"] + ["relative"] * (len(values) - 1) + ["total"],
            increasing={"marker": {"color": GOOD}},
            decreasing={"marker": {"color": BAD}},
            totals={"marker": {"color": NEUTRAL}},
            connector={"line": {"color": "#B0B0B0", "width": 1}},
            hovertemplate=f"%{{x}}: {unit.hover_value('y')}<extra></extra>",
        )
    )
    fig.update_yaxes(tickformat=unit.tickformat, tickprefix=unit.prefix)
    return _layout(fig, title, x_title=None, y_title=_axis_title(y_title, unit), showlegend=False)


def heatmap(
    x: Sequence[Any],
    y: Sequence[Any],
    z: Sequence[Sequence[float | None]],
    *,
    title: str,
    x_title: str,
    y_title: str,
    unit: Unit,
    text: Sequence[Sequence[str]] | None = None,
) -> go.Figure:
    fig = go.Figure(
        go.Heatmap(
            x=list(x),
            y=list(y),
            z=[list(row) for row in z],
            colorscale=SEQUENTIAL,
            zmin=0,
            text=[list(r) for r in text] if text is not None else None,
            texttemplate="%{text}" if text is not None else None,
            hovertemplate=f"{y_title} %{{y}}, {x_title} %{{x}}: {unit.hover_value('z')}<extra></extra>",
            colorbar={"tickformat": unit.tickformat, "title": {"text": unit.name}},
            xgap=1,
            ygap=1,
        )
    )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category")
    height = max(DEFAULT_HEIGHT, 140 + 26 * len(y))
    return _layout(fig, title, x_title=x_title, y_title=y_title, height=min(height, 1100))


def funnel(stages: Sequence[str], counts: Sequence[float], *, title: str, noun: str) -> go.Figure:
    fig = go.Figure(
        go.Funnel(
            y=list(stages),
            x=list(counts),
            textinfo="value+percent previous",
            marker={"color": [OKABE_ITO[i % len(OKABE_ITO)] for i in range(len(stages))]},
            hovertemplate=(
                f"%{{y}}: %{{x:,.0f}} {noun}<br>%{{percentPrevious:.1%}} of the rung below"
                "<br>%{percentInitial:.1%} of the first rung<extra></extra>"
            ),
        )
    )
    return _layout(fig, title, x_title=None, y_title=None, showlegend=False)


def forest(
    labels: Sequence[str],
    estimates: Sequence[float],
    lows: Sequence[float],
    highs: Sequence[float],
    *,
    title: str,
    x_title: str,
    reference: float | None = None,
    reference_label: str = "",
    notes: Sequence[str] | None = None,
) -> go.Figure:
    """Point estimates with 95% confidence intervals, one row per group."""
    notes_ = list(notes) if notes is not None else [""] * len(labels)
    fig = go.Figure(
        go.Scatter(
            x=list(estimates),
            y=list(labels),
            mode="markers",
            marker={"size": 14, "color": NEUTRAL, "symbol": "square"},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [h - e for h, e in zip(highs, estimates, strict=True)],
                "arrayminus": [e - lo for lo, e in zip(lows, estimates, strict=True)],
                "thickness": 3,
                "width": 8,
                "color": NEUTRAL,
            },
            customdata=[[lo, hi, n] for lo, hi, n in zip(lows, highs, notes_, strict=True)],
            hovertemplate=(
                "%{y}: %{x:.2f} (95% CI %{customdata[0]:.2f} to %{customdata[1]:.2f})"
                "<br>%{customdata[2]}<extra></extra>"
            ),
            name="uncontrolled pre/post d",
        )
    )
    fig.add_vline(x=0, line={"color": "#404040", "width": 1})
    if reference is not None:
        add_reference_line(fig, reference, reference_label, horizontal=False)
    fig.update_yaxes(autorange="reversed", type="category")
    height = max(DEFAULT_HEIGHT, 160 + 56 * len(labels))
    return _layout(fig, title, x_title=x_title, y_title=None, height=height, showlegend=False)


def distributions(
    groups: Sequence[tuple[str, Sequence[float], Sequence[int]]],
    *,
    title: str,
    x_title: str,
    unit: Unit,
    bin_size: float | None = None,
    grouped: bool = False,
) -> go.Figure:
    """Histograms of several groups (e.g. TEQ before and after a program),
    side by side when `grouped`, else overlaid. Each group gives its
    distinct values and how many respondents had each, so the browser gets
    a few dozen numbers, not one per respondent (a national survey has
    hundreds of thousands)."""
    fig = go.Figure()
    for i, (name, values, counts) in enumerate(groups):
        fig.add_trace(
            go.Histogram(
                x=list(values),
                y=list(counts),
                histfunc="sum",
                name=name,
                opacity=1.0 if grouped else 0.65,
                marker={"color": OKABE_ITO[i % len(OKABE_ITO)]},
                xbins={"size": bin_size} if bin_size else None,
                hovertemplate=f"{name}<br>{x_title} %{{x}}: %{{y}} respondents<extra></extra>",
            )
        )
    fig.update_xaxes(tickformat=unit.tickformat)
    return _layout(
        fig,
        title,
        x_title=_axis_title(x_title, unit),
        y_title="respondents",
        barmode="group" if grouped else "overlay",
        bargap=0.15,
    )


def scatter(
    x: Sequence[float],
    y: Sequence[float],
    labels: Sequence[str],
    *,
    title: str,
    x_title: str,
    y_title: str,
    x_unit: Unit,
    y_unit: Unit,
    color: str = NEUTRAL,
) -> go.Figure:
    fig = go.Figure(
        go.Scatter(
            x=list(x),
            y=list(y),
            text=list(labels),
            mode="markers+text",
            textposition="top center",
            marker={"size": 16, "color": color, "line": {"color": "white", "width": 1}},
            hovertemplate=f"%{{text}}<br>{x_title}: {x_unit.hover_value('x')}<br>"
            f"{y_title}: {y_unit.hover_value('y')}<extra></extra>",
        )
    )
    fig.update_xaxes(tickformat=x_unit.tickformat, rangemode="tozero")
    fig.update_yaxes(tickformat=y_unit.tickformat, rangemode="tozero")
    return _layout(
        fig,
        title,
        x_title=_axis_title(x_title, x_unit),
        y_title=_axis_title(y_title, y_unit),
        showlegend=False,
    )


def mark_points(
    fig: go.Figure,
    x: Sequence[Any],
    y: Sequence[float],
    *,
    name: str,
    unit: Unit,
    color: str = BAD,
    hover_x: str = "%{x|%d %b %Y}",
) -> go.Figure:
    """Highlight individual points of a line (e.g. attendance spikes)."""
    fig.add_trace(
        go.Scatter(
            x=list(x),
            y=list(y),
            mode="markers",
            name=name,
            marker={"size": 14, "color": color, "symbol": "diamond", "line": {"color": "white", "width": 1}},
            hovertemplate=f"{chart_text(name)}<br>{hover_x}: {unit.hover_value('y')}<extra></extra>",
        )
    )
    fig.update_layout(showlegend=True)
    return fig


_TRACE_TEXT = ("x", "y", "text", "labels", "name")


def as_text(fig: go.Figure) -> go.Figure:
    """The figure with every name and label from the data escaped, so a
    chapter called `<a href=…>` is shown as typed, never as a link."""
    for trace in fig.data:
        for attr in _TRACE_TEXT:
            value = getattr(trace, attr, None)
            if isinstance(value, str):
                trace[attr] = chart_text(value)
            elif value is not None and not isinstance(value, (int, float)):
                items = value.tolist() if hasattr(value, "tolist") else list(value)
                if any(isinstance(v, str) for v in items):
                    trace[attr] = [chart_text(v) if isinstance(v, str) else v for v in items]
    return fig


def show(fig: go.Figure, *, key: str) -> None:
    """Put a figure on the page with our own template (Streamlit's theme
    would replace the colour-blind-safe palette and the large fonts), its
    data's text escaped (`as_text`) and its dates in the viewer's locale."""
    import streamlit as st

    from components.dates import viewer_locale

    as_text(localize(fig, viewer_locale()))

    st.plotly_chart(
        fig,
        theme=None,
        key=key,
        config={
            "displaylogo": False,
            "toImageButtonOptions": {"format": "png", "scale": 2},
            "modeBarButtonsToRemove": ["lasso2d", "select2d"],
        },
    )
