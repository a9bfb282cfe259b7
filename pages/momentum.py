"""Momentum: is the movement growing? Members, growth and churn; cohorts
and the engagement ladder; breadth against depth; events and attendance
with spikes marked; chapters by level."""

from __future__ import annotations

import streamlit as st

from components.dashboard import momentum as v
from components.dashboard import shared
from components.dashboard_page import open_dashboard

dash = open_dashboard("Momentum", "board", "coordinator")
r = dash.report

shared.render_cards(v.momentum_cards(r), key="mom_cards")

shared.render_section("Members", [v.members_view(r), v.growth_view(r)], page="mom")

st.subheader("Staying and climbing", anchor=False)
shared.render(v.cohort_view(r), key="mom_cohorts")
left, right = st.columns(2)
with left:
    shared.render(v.ladder_view(r), key="mom_ladder")
with right:
    shared.render(v.breadth_depth_view(r), key="mom_breadth")

shared.render_section("Events and attendance", [v.attendance_view(r), v.events_kind_view(r)], page="mom")
shared.render_section("Chapters", [v.chapters_level_view(r)], page="mom")
shared.render_notes(r)
