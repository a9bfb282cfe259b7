"""The signed-in person of this browser session, and the role check every
page makes again (navigation alone is not access control).

Everything here lives in `st.session_state`, which belongs to one browser
session: the signed-in person, the time of their last action, and (with
Supabase Auth) the client that holds their Supabase session. Nothing of it is
ever put in `st.cache_resource`, which every visitor shares."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import streamlit as st

from components.text import plain
from db import clock
from db.config import Settings, get_settings
from db.identity import ANONYMOUS, Identity

log = logging.getLogger(__name__)

SESSION_KEY = "signed_in"
LAST_ACTIVITY_KEY = "session_last_activity_at"
ROLES_CHECKED_KEY = "session_roles_checked_at"
STARTED_KEY = "session_started_at"
NOTICE_KEY = "session_notice"
SUPABASE_CLIENT_KEY = "supabase_client"
ROLE_NAMES = ("board", "coordinator", "fundraiser", "volunteer", "admin")
# Roles are read again from the database this often, so a grant or a
# revocation reaches an open session without a new sign-in. (The database
# never needed it: it reads roles afresh in every query.)
ROLE_RECHECK = timedelta(minutes=2)


@dataclass(frozen=True)
class SignedIn:
    """What the app knows about the person, loaded from the database at
    sign-in. The database never trusts this: it re-derives roles from the
    roles table on every query through auth.uid()."""

    user_id: UUID
    email: str
    display_name: str
    roles: frozenset[str]
    coordinator_chapters: tuple[int, ...] = ()
    member_id: int | None = None
    extra_claims: dict[str, str] = field(default_factory=dict)
    must_change_password: bool = False
    provider: str = "local"  # "local" or "supabase"

    @property
    def identity(self) -> Identity:
        return Identity(user_id=self.user_id, email=self.email, extra_claims=self.extra_claims)

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


def utcnow() -> datetime:
    return clock.utc_now()


_ZONE_KEY = "hb_time_zone"


def local_today() -> date:
    """Today where the signed-in person is (their chapter's zone, looked up
    once per session), for every date default and check of a page."""
    user = current_user()
    if user is None:
        return clock.latest_today()
    cached = st.session_state.get(_ZONE_KEY)
    if not (isinstance(cached, tuple) and cached[0] == user.user_id):
        cached = (user.user_id, clock.person_time_zone(user.identity))
        st.session_state[_ZONE_KEY] = cached
    return clock.today_in(cached[1])


def on_or_after(today: date, stored: date | None) -> date:
    """The latest date a picker may offer: today, or a saved date that is
    already later (recorded where the day had begun, in a zone ahead of this
    person's), which must stay showable and savable unchanged."""
    return today if stored is None or stored <= today else stored


def current_user() -> SignedIn | None:
    value = st.session_state.get(SESSION_KEY)
    return value if isinstance(value, SignedIn) else None


def current_identity() -> Identity:
    user = current_user()
    return user.identity if user else ANONYMOUS


def require_role(*roles: str) -> SignedIn:
    """Stop the page unless the person holds one of `roles` (no roles given:
    anyone signed in)."""
    user = current_user()
    if user is None:
        st.warning("Please sign in to see this page.")
        st.stop()
        raise AssertionError("unreachable")
    if roles and not user.has(*roles):
        st.error("Your roles do not include this page.")
        st.stop()
        raise AssertionError("unreachable")
    return user


def signed_in_from_profile(
    profile: Any,
    *,
    email: str,
    fallback_name: str | None = None,
    extra_claims: dict[str, str] | None = None,
    provider: str = "local",
) -> SignedIn:
    """A SignedIn from db.accounts.Profile (typed loosely so this module does
    not import the accounts module at import time)."""
    name = profile.member_name or fallback_name or email.split("@")[0]
    return SignedIn(
        user_id=profile.user_id,
        email=email,
        display_name=name,
        roles=frozenset(profile.roles),
        coordinator_chapters=tuple(profile.coordinator_chapters),
        member_id=profile.member_id,
        extra_claims=dict(extra_claims or {}),
        must_change_password=bool(profile.must_change_password),
        provider=provider,
    )


def start_session(user: SignedIn, *, now: datetime | None = None) -> None:
    """Make `user` the signed-in person of this browser session. The caller
    then calls st.rerun() so the navigation is built for them."""
    at = now or utcnow()
    st.session_state[SESSION_KEY] = user
    st.session_state[LAST_ACTIVITY_KEY] = at
    st.session_state[STARTED_KEY] = at
    st.session_state[ROLES_CHECKED_KEY] = at
    st.session_state.pop(NOTICE_KEY, None)
    log.info("session started for user %s", user.user_id)


def sign_out(notice: str | None = None) -> None:
    """Forget the signed-in person (and end their Supabase session and the
    browser's remembered token)."""
    user = current_user()
    from components.remembered import forget

    forget()
    client = st.session_state.pop(SUPABASE_CLIENT_KEY, None)
    if client is not None:
        from db.supabase_auth import sign_out as supabase_sign_out

        supabase_sign_out(client)
    for key in (SESSION_KEY, LAST_ACTIVITY_KEY, ROLES_CHECKED_KEY, STARTED_KEY):
        st.session_state.pop(key, None)
    if notice:
        st.session_state[NOTICE_KEY] = notice
    if user is not None:
        log.info("session ended for user %s", user.user_id)


def pop_notice() -> str | None:
    """A message for the sign-in page (e.g. why the person was signed out)."""
    value = st.session_state.pop(NOTICE_KEY, None)
    return value if isinstance(value, str) else None


def request_role_check() -> None:
    """Read the person's roles again on the next run (after an admin changed
    their own roles, say)."""
    st.session_state[ROLES_CHECKED_KEY] = datetime.min.replace(tzinfo=UTC)


def enforce_session(*, now: datetime | None = None, settings: Settings | None = None) -> SignedIn | None:
    """Run at the top of every script run: sign out a session idle for
    longer than `session_idle_minutes`, keep a Supabase session fresh, and
    re-read roles from the database every ROLE_RECHECK. Returns the person
    still signed in, if any."""
    user = current_user()
    if user is None:
        return None
    settings = settings or get_settings()
    at = now or utcnow()
    last = st.session_state.get(LAST_ACTIVITY_KEY)
    idle = timedelta(minutes=settings.session_idle_minutes)
    if isinstance(last, datetime) and at - last > idle:
        minutes = settings.session_idle_minutes
        log.info("session of user %s expired after %s idle minutes", user.user_id, minutes)
        sign_out(f"You were signed out after {minutes} minutes without activity. Please sign in again.")
        return None
    st.session_state[LAST_ACTIVITY_KEY] = at

    started = st.session_state.get(STARTED_KEY)
    if not isinstance(started, datetime):
        started = st.session_state[STARTED_KEY] = at
    from db.accounts import session_ended

    # Asked on every run, so a suspension or an admin's password reset
    # signs the person out at their next click, not when the session idles.
    if session_ended(user.identity, started):
        log.info("session of user %s ended by an account change", user.user_id)
        sign_out("Your session has ended: your account was changed by an admin. Please sign in again.")
        return None

    if user.provider == "supabase":
        client = st.session_state.get(SUPABASE_CLIENT_KEY)
        from db.supabase_auth import SupabaseAuthError, ensure_fresh

        try:
            if client is None:
                raise SupabaseAuthError("no Supabase session")
            ensure_fresh(client)
        except SupabaseAuthError:
            sign_out("Your Supabase session has ended. Please sign in again.")
            return None

    checked = st.session_state.get(ROLES_CHECKED_KEY)
    if not isinstance(checked, datetime):
        # A session set up without start_session (tests preset it): count
        # from now.
        st.session_state[ROLES_CHECKED_KEY] = at
    elif at - checked >= ROLE_RECHECK:
        user = _recheck_roles(user, at)
    return user


def _recheck_roles(user: SignedIn, at: datetime) -> SignedIn:
    from db.accounts import load_profile
    from db.errors import NotAllowedError

    try:
        profile = load_profile(user.identity)
    except NotAllowedError:
        return user
    st.session_state[ROLES_CHECKED_KEY] = at
    updated = replace(
        user,
        roles=frozenset(profile.roles),
        coordinator_chapters=tuple(profile.coordinator_chapters),
        member_id=profile.member_id,
        must_change_password=profile.must_change_password,
    )
    if updated != user:
        log.info("roles of user %s changed since sign-in", user.user_id)
        st.session_state[SESSION_KEY] = updated
    return updated


def account_sidebar(user: SignedIn) -> None:
    """Who is signed in, and the sign-out button, under the navigation."""
    with st.sidebar:
        roles = ", ".join(sorted(user.roles)) or "no roles yet"
        st.caption(f"Signed in as **{plain(user.display_name)}**  \n{plain(user.email)}  \n{roles}")
        st.button(
            "Sign out",
            key="session_sign_out",
            icon=":material/logout:",
            on_click=sign_out,
            args=("You have signed out.",),
            width="stretch",
        )
