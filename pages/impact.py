"""Impact: are the programs changing anything? Empathy scores before and
after, the change per program with its confidence interval (and what an
uncontrolled change is not), the practice rate, and the goals."""

from __future__ import annotations

import streamlit as st

from components.dashboard import impact as v
from components.dashboard import shared
from components.dashboard_page import open_dashboard

dash = open_dashboard("Impact", "board", "coordinator")
r = dash.report

goals = dash.goals()
shared.render_cards(v.impact_cards(r, goals), key="impact_cards")
st.info(v.IMPACT_NOTE, icon=":material/science:")

shared.render_section("Empathy before and after", [v.teq_view(r), v.effects_view(r)], page="impact")
goals_view = v.goals_view(goals, scopes=dash.goal_scopes(), currency=dash.currency, today=r.as_of)
shared.render_section("Goals", [goals_view], page="impact")
shared.render_notes(r)
