"""A signed-in browser stays signed in across a reload or an opened link.

Streamlit forgets `st.session_state` when the page reloads, so the browser
keeps an opaque token in a cookie (SameSite=Strict, Secure over HTTPS) and
the database keeps only its hash (db/browser_sessions.py). The token ends
where the session would: after SESSION_IDLE_MINUTES unused, twelve hours
after sign-in, at sign-out, or when an admin resets or suspends the account.

The cookie is written by a line of JavaScript on the run after sign-in (an
app served by Streamlit cannot send a Set-Cookie header of its own, which is
also why it cannot be HTTP-only); the token in it is worth nothing without
the database's record, which the app checks on every restore."""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timedelta

import streamlit as st

from components.session import (
    STARTED_KEY,
    SignedIn,
    current_user,
    signed_in_from_profile,
    start_session,
    utcnow,
)
from db import browser_sessions
from db.config import get_settings
from db.identity import Identity

log = logging.getLogger(__name__)

COOKIE = "hb_session"
LIFETIME_SECONDS = 12 * 3600
TOKEN_KEY = "remembered_token"  # noqa: S105 - a session-state key, not a secret
_PENDING_KEY = "remembered_cookie"  # a token to write, or "" to clear
_TOUCHED_KEY = "remembered_touched_at"
# Use keeps the token alive; once a minute is enough against a 30-minute limit.
TOUCH_EVERY = timedelta(minutes=1)
_TOKEN = re.compile(r"^[0-9a-f]{64}$")


def cookie_token() -> str | None:
    """The token in this browser's cookie, if it has the shape of one."""
    value = st.context.cookies.get(COOKIE)
    return value if isinstance(value, str) and _TOKEN.match(value) else None


def remember(user: SignedIn) -> None:
    """After a sign-in: a token for this browser, written on the next run."""
    token = browser_sessions.begin(user.identity)
    st.session_state[TOKEN_KEY] = token
    st.session_state[_PENDING_KEY] = token
    st.session_state[_TOUCHED_KEY] = utcnow()


def forget() -> None:
    """At sign-out: the token ends in the database and leaves the browser."""
    token = st.session_state.pop(TOKEN_KEY, None)
    st.session_state.pop(_TOUCHED_KEY, None)
    if isinstance(token, str):
        browser_sessions.end(token)
        st.session_state[_PENDING_KEY] = ""


def restore() -> SignedIn | None:
    """Sign the browser in again from its cookie, if its token is still good."""
    if current_user() is not None:
        return None
    token = cookie_token()
    if token is None:
        return None
    resumed = browser_sessions.resume(token, get_settings().session_idle_minutes)
    if resumed is None:
        st.session_state[_PENDING_KEY] = ""  # a stale cookie: take it away
        return None
    from db.accounts import load_profile

    profile = load_profile(Identity(user_id=resumed.user_id, email=resumed.email))
    user = signed_in_from_profile(profile, email=resumed.email)
    start_session(user)
    # The session began at the sign-in, so a revocation since then ends it.
    st.session_state[STARTED_KEY] = resumed.started_at
    st.session_state[TOKEN_KEY] = token
    st.session_state[_TOUCHED_KEY] = utcnow()
    log.info("session of user %s restored from its browser", user.user_id)
    return user


def keep_alive(*, now: datetime | None = None) -> None:
    """Tell the database the token is in use, at most once a minute."""
    token = st.session_state.get(TOKEN_KEY)
    touched = st.session_state.get(_TOUCHED_KEY)
    at = now or utcnow()
    if not isinstance(token, str) or (isinstance(touched, datetime) and at - touched < TOUCH_EVERY):
        return
    st.session_state[_TOUCHED_KEY] = at
    if browser_sessions.resume(token, get_settings().session_idle_minutes) is None:
        st.session_state.pop(TOKEN_KEY, None)
        st.session_state[_PENDING_KEY] = ""


def write_cookie() -> None:
    """Put a pending token in the browser's cookie, or clear it."""
    pending = st.session_state.pop(_PENDING_KEY, None)
    if pending is None:
        return
    if pending and not _TOKEN.match(pending):
        return
    age = LIFETIME_SECONDS if pending else 0
    cookie = json.dumps(f"{COOKIE}={pending}; Path=/; Max-Age={age}; SameSite=Strict")
    st.html(
        "<script>document.cookie = "
        + cookie
        + ' + (location.protocol === "https:" ? "; Secure" : "");</script>',
        unsafe_allow_javascript=True,
        width="content",
    )
