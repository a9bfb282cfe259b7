"""Sustainability: will the movement last? Runway, reserves and burn;
revenue sources and their concentration; donor retention against the FEP
benchmark with gains and losses; volunteer retention and load."""

from __future__ import annotations

import streamlit as st

from components.dashboard import shared
from components.dashboard import sustainability as v
from components.dashboard_page import open_dashboard
from components.downloads import show_table
from components.lazy_expander import expander_on_open

dash = open_dashboard("Sustainability", "board")
r = dash.report

st.subheader("Money", anchor=False)
shared.render_cards(v.finance_cards(r), key="sust_finance")
shared.render(v.runway_view(r), key="sust_runway")
shared.render(v.burn_view(r), key="sust_burn")
expander_on_open(
    "Tuckman–Chang vulnerability ratios (trailing 12 months)",
    lambda: show_table(v.tuckman_chang_table(r), title="Tuckman–Chang vulnerability ratios", key="sust_tc"),
    key="sust_tc_open",
    icon=":material/table:",
)

shared.render_section("Revenue", [v.revenue_view(r)], page="sust")
shared.render_section("Donors", [v.retention_view(r), v.gains_losses_view(r)], page="sust")
shared.render_section("Volunteers", [v.volunteers_view(r), v.hours_spread_view(r)], page="sust")
shared.render_notes(r)
