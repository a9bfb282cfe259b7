"""What several pages' views use: the view and card shapes, the privacy
test for a small group, a figure's text, and drawing them in Streamlit."""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go
import polars as pl

from components import charts
from components import format as fmt
from components.text import plain
from metrics.figure import Figure
from metrics.privacy import MIN_GROUP_SIZE, suppression_caption
from metrics.report_types import HealthReport


@dataclass
class View:
    """One chart (or its empty state) and the table behind it."""

    key: str
    title: str
    fig: go.Figure | None = None
    empty: str | None = None
    caption: str | None = None
    table: pl.DataFrame | None = None


def with_suppression(caption: str, hidden: int, noun: str) -> str:
    """`caption`, followed by the privacy sentence when `hidden` groups
    (each a `noun`) were left out of the chart."""
    note = suppression_caption(hidden, noun)
    return f"{caption} {note}" if note else caption


def month_lines(
    frame: pl.DataFrame,
    solid: tuple[str, str],
    dotted: tuple[str, str],
    *,
    title: str,
    y_title: str,
    unit: charts.Unit,
) -> go.Figure:
    """Two of `frame`'s columns by its ``month``, each given as (legend
    label, column): the first solid, the second dotted, months marked."""
    months = frame["month"].to_list()
    return charts.lines(
        [
            charts.Series(solid[0], months, frame[solid[1]].to_list()),
            charts.Series(dotted[0], months, frame[dotted[1]].to_list(), dash="dot"),
        ],
        title=title,
        x_title="month",
        y_title=y_title,
        unit=unit,
        markers=True,
        hover_x="%{x|%b %Y}",
        monthly=True,
    )


def as_int(value: object) -> int:
    return int(value) if isinstance(value, int | float) else 0


def is_small(n: int | None) -> bool:
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


@dataclass(frozen=True)
class Card:
    key: str
    label: str
    value: str
    delta: str | None
    help: str
    suppressed: bool = False


def card(key: str, label: str, value: str, help_text: str = "", delta: str | None = None) -> Card:
    return Card(key, label, value, delta, help_text)


def render(view: View, *, key: str | None = None) -> None:
    """The chart (or its empty state), its caption, and its numbers to
    download."""
    import streamlit as st

    from components.charts import show
    from components.downloads import show_table
    from components.lazy_expander import expander_on_open

    k = key or view.key
    if view.fig is not None:
        show(view.fig, key=f"chart_{k}")
    else:
        st.markdown(f"**{plain(view.title)}**")
        st.info(view.empty or "Nothing to show for these filters.", icon=":material/info:")
    if view.caption:
        st.caption(view.caption)
    if view.table is not None and view.table.height:
        table, title = view.table, view.title
        expander_on_open(
            f"The numbers: {plain(title.lower())}",
            lambda: show_table(table, title=title, key=f"table_{k}"),
            key=f"numbers_{k}",
            icon=":material/table:",
        )


def render_section(title: str, views: list[View], *, page: str) -> None:
    """A subheader over views drawn one under another, each keyed by the
    page and the view (``mom_members``), so no two pages' widgets share a key."""
    import streamlit as st

    st.subheader(title, anchor=False)
    for view in views:
        render(view, key=f"{page}_{view.key}")


# Wide enough for the longest figure ("$350,070,801"): three cards to a row
# on a laptop, more on a wider screen.
CARD_WIDTH_PX = 300


def render_cards(cards: list[Card], *, key: str = "cards") -> None:
    """The cards in one wrapping row of fixed-width cards. Rows of `st.columns`
    cost two more elements per card, each redrawn on every rerun."""
    import streamlit as st

    with st.container(horizontal=True, wrap=True, gap="small", key=key):
        for card in cards:
            st.metric(
                card.label,
                card.value,
                card.delta,
                help=card.help or None,
                border=True,
                delta_color="normal" if card.delta else "off",
                width=CARD_WIDTH_PX,
            )


def render_notes(r: HealthReport) -> None:
    import streamlit as st

    for note in r.notes:
        st.caption(note)
