"""Sustainability: will the movement last? Runway, reserves and burn;
revenue sources and their concentration; donor retention against the FEP
benchmark with gains and losses; volunteer retention and load."""

from __future__ import annotations

import streamlit as st

from components import dashboard_views as v
from components.downloads import show_table
from components.report_cache import open_dashboard

dash = open_dashboard("Sustainability", "board")
r = dash.report

st.subheader("Money", anchor=False)
v.render_cards(v.finance_cards(r), columns=3, key="sust_finance")
v.render(v.runway_view(r), key="sust_runway")
v.render(v.burn_view(r), key="sust_burn")
with st.expander("Tuckman–Chang vulnerability ratios (trailing 12 months)", icon=":material/table:"):
    show_table(v.tuckman_chang_table(r), title="Tuckman–Chang vulnerability ratios", key="sust_tc")

st.subheader("Revenue", anchor=False)
v.render(v.revenue_view(r), key="sust_revenue")

st.subheader("Donors", anchor=False)
v.render(v.retention_view(r), key="sust_retention")
v.render(v.gains_losses_view(r), key="sust_gains")

st.subheader("Volunteers", anchor=False)
v.render(v.volunteers_view(r), key="sust_volunteers")
v.render(v.hours_spread_view(r), key="sust_spread")
v.render_notes(r)
