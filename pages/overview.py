"""Overview: is the movement healthy? The health score with each
component's contribution, the headline figures against the previous
period, the alerts, and the board report."""

from __future__ import annotations

import streamlit as st

from components.dashboard import overview as v
from components.dashboard import shared
from components.dashboard_page import open_dashboard
from components.documents.board_pack import download_buttons
from components.downloads import show_table
from components.lazy_expander import expander_on_open

# Not for admins: their access hides hours and gifts, so those figures
# would read as zero rather than as unknown.
dash = open_dashboard("Movement health", "board", "coordinator")
r = dash.report
f = dash.filters

v.render_alerts(r)

st.subheader("Headline figures", anchor=False)
shared.render_cards(v.kpi_cards(r, f.previous_label), key="overview_kpis")
shared.render_notes(r)

st.subheader("Health score", anchor=False)
score_col, chart_col = st.columns([1, 3], vertical_alignment="center")
health = v.health_view(r)
with score_col:
    score = r.health.score
    st.metric(
        "Health score",
        "—" if score.value is None else f"{score.value:.0f}",
        help="One number from −100 to +100 built from the components on the right: "
        "each adds or takes away points, and they sum to the score. " + (score.reason or ""),
        border=True,
    )
    st.caption("From −100 to +100. Read it with its components, never alone.")
with chart_col:
    shared.render(health, key="overview_health")

expander_on_open(
    "The headline figures as a table",
    lambda: show_table(v.kpi_table(r, f.previous_label), title="Headline figures", key="overview_kpi_table"),
    key="overview_kpi_open",
    icon=":material/table:",
)
expander_on_open(
    "What each figure means", v.render_glossary, key="overview_glossary_open", icon=":material/menu_book:"
)

st.subheader("Board report", anchor=False)
st.caption(
    "Every figure and chart of this period and scope (overview, sustainability, momentum, impact) "
    "in one file for the board pack. Drawing its charts takes up to half a minute."
)
download_buttons(
    r,
    scope=f.describe(),
    movement=dash.movement,
    against=f.previous_label,
    key="board_report",
    goals=dash.goals,
    goal_scopes=dash.goal_scopes(),
)
