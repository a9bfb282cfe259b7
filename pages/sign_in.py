"""Sign in: local accounts (embedded or plain PostgreSQL) or Supabase Auth
(password, email link, password reset) where Supabase is configured."""

from __future__ import annotations

import logging
from typing import Any

import streamlit as st

from components import preload
from components.passwords import password_input
from components.remembered import remember
from components.session import (
    SUPABASE_CLIENT_KEY,
    pop_notice,
    signed_in_from_profile,
    start_session,
)
from db.accounts import LockedOutError, SignInError, authenticate, load_profile
from db.config import get_settings
from db.identity import Identity

log = logging.getLogger(__name__)
settings = get_settings()
# This browser session's proof that it signed in before (app.known_devices).
KNOWN_DEVICE_KEY = "known_device_token"


def _demo_accounts() -> list[dict[str, str]]:
    """The demo accounts of the embedded database, as the seed defines them."""
    try:
        from db.seed import accounts as seed_accounts
    except ImportError:
        return []
    password = str(getattr(seed_accounts, "DEMO_PASSWORD", ""))
    rows = []
    for item in getattr(seed_accounts, "DEMO_ACCOUNTS", ()):
        email = _field(item, "email")
        if not email:
            continue
        roles = _field(item, "roles") or _field(item, "role") or ""
        if not isinstance(roles, str):
            roles = ", ".join(str(r) for r in roles)
        what = _field(item, "description") or _field(item, "full_name") or _field(item, "name") or ""
        rows.append({"email": str(email), "password": password, "roles": roles, "who": str(what)})
    return rows


def _field(item: Any, name: str) -> Any:
    if isinstance(item, dict):
        return item.get(name)
    if isinstance(item, str):
        return item if name == "email" else None
    return getattr(item, name, None)


def _client_address() -> str:
    # The remote address Streamlit saw (None on localhost, and not a string
    # under AppTest): one budget of failed sign-ins per address.
    address = st.context.ip_address
    return address if isinstance(address, str) and address else "unknown"


def _finish_local(email: str, password: str) -> None:
    try:
        account = authenticate(
            email,
            password,
            client=_client_address(),
            device_token=st.session_state.get(KNOWN_DEVICE_KEY),
        )
    except LockedOutError as exc:
        st.error(str(exc), icon=":material/lock_clock:")
        return
    except SignInError as exc:
        st.error(str(exc), icon=":material/error:")
        return
    st.session_state[KNOWN_DEVICE_KEY] = account.device_token
    profile = load_profile(Identity(user_id=account.user_id, email=account.email))
    user = signed_in_from_profile(profile, email=account.email, fallback_name=account.full_name)
    start_session(user)
    remember(user)
    st.rerun()


def _local_form() -> None:
    with st.form("sign_in_form", border=True):
        email = st.text_input("Email", key="sign_in_email", autocomplete="email", max_chars=254)
        password = password_input("Password", key="sign_in_password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary", key="sign_in_submit", width="stretch")
    if submitted:
        _finish_local(email, password)
    with st.expander("Forgot your password?", icon=":material/help:"):
        st.write(
            "Ask an admin of your movement to reset it under **Admin → People and roles**. "
            "You will get a temporary password to replace at your next sign-in."
        )


def _demo_panel() -> None:
    rows = _demo_accounts()
    if not rows:
        return
    st.subheader("Demo accounts", anchor=False)
    st.caption(
        "This is the embedded demo database, with one account for each kind of user. "
        "They exist only here, never on a configured database. The password of every demo account:"
    )
    st.code(rows[0]["password"], language=None)
    st.dataframe(
        [{k: v for k, v in row.items() if k != "password"} for row in rows],
        hide_index=True,
        width="stretch",
        key="sign_in_demo_accounts",
        column_config={
            "email": st.column_config.TextColumn("Email", width="medium"),
            "roles": st.column_config.TextColumn("Roles", width="small"),
            "who": st.column_config.TextColumn("Who they are", width="large"),
        },
    )


# -- Supabase Auth -----------------------------------------------------------


def _supabase_client() -> Any:
    from db.supabase_auth import new_client

    client = st.session_state.get(SUPABASE_CLIENT_KEY)
    if client is None:
        client = new_client(settings)
        st.session_state[SUPABASE_CLIENT_KEY] = client
    return client


def _finish_supabase(user: Any) -> None:
    profile = load_profile(Identity(user_id=user.user_id, email=user.email, extra_claims=user.claims))
    start_session(
        signed_in_from_profile(
            profile,
            email=user.email,
            fallback_name=user.full_name,
            extra_claims=user.claims,
            provider="supabase",
        )
    )
    st.rerun()


def _supabase_forms() -> None:
    from db import supabase_auth as sa

    client = _supabase_client()
    redirect = st.context.url if hasattr(st, "context") else None
    params = st.query_params
    token_hash, kind = params.get("token_hash"), params.get("type")
    if token_hash and kind:
        st.query_params.clear()
        try:
            user = sa.verify_token_hash(client, token_hash, kind)
        except sa.SupabaseAuthError as exc:
            st.error(str(exc))
        else:
            if kind == "recovery":
                st.session_state["sign_in_recovery_user"] = user
            else:
                _finish_supabase(user)

    recovering = st.session_state.get("sign_in_recovery_user")
    if recovering is not None:
        _new_password_form(client, recovering)
        return

    password_tab, link_tab, reset_tab = st.tabs(["Password", "Email me a link", "Forgot password"])
    with password_tab, st.form("sign_in_supabase_password"):
        email = st.text_input("Email", key="sb_email", autocomplete="email", max_chars=254)
        password = password_input("Password", key="sb_password", autocomplete="current-password")
        if st.form_submit_button("Sign in", type="primary", key="sb_sign_in"):
            try:
                user = sa.password_sign_in(client, email, password)
            except sa.SupabaseAuthError as exc:
                st.error(str(exc), icon=":material/error:")
            else:
                _finish_supabase(user)
    with link_tab:
        _email_code_flow(client, "magiclink", redirect)
    with reset_tab:
        _email_code_flow(client, "recovery", redirect)


def _email_code_flow(client: Any, kind: str, redirect: str | None) -> None:
    from db import supabase_auth as sa

    sent_key = f"sign_in_{kind}_sent_to"
    with st.form(f"sign_in_{kind}_request"):
        email = st.text_input("Email", key=f"sb_{kind}_email", autocomplete="email", max_chars=254)
        label = "Email me a sign-in link" if kind == "magiclink" else "Email me a reset link"
        if st.form_submit_button(label, key=f"sb_{kind}_send"):
            try:
                if kind == "magiclink":
                    sa.send_magic_link(client, email, redirect_to=redirect)
                else:
                    sa.send_password_reset(client, email, redirect_to=redirect)
            except sa.SupabaseAuthError as exc:
                st.error(str(exc))
            else:
                st.session_state[sent_key] = email.strip()
    sent_to = st.session_state.get(sent_key)
    if not sent_to:
        return
    st.success(f"If {sent_to} has an account, an email is on its way. Open its link, or type its code here.")
    with st.form(f"sign_in_{kind}_code"):
        code = st.text_input("Code from the email", key=f"sb_{kind}_code", max_chars=10)
        if st.form_submit_button("Continue", key=f"sb_{kind}_verify"):
            try:
                user = sa.verify_email_code(
                    client, sent_to, code, "magiclink" if kind == "magiclink" else "recovery"
                )
            except sa.SupabaseAuthError as exc:
                st.error(str(exc))
            else:
                if kind == "recovery":
                    st.session_state["sign_in_recovery_user"] = user
                    st.rerun()
                _finish_supabase(user)


def _new_password_form(client: Any, user: Any) -> None:
    from db import supabase_auth as sa
    from db.accounts import password_problem

    st.info(f"Choose a new password for {user.email}.")
    with st.form("sign_in_new_password"):
        first = password_input("New password", key="sb_new_password")
        again = password_input("Repeat it", key="sb_new_password_again")
        if st.form_submit_button("Save and sign in", type="primary", key="sb_new_password_save"):
            problem = password_problem(first, user.email) or (
                None if first == again else "The two do not match."
            )
            if problem:
                st.error(problem)
                return
            try:
                sa.set_new_password(client, first)
            except sa.SupabaseAuthError as exc:
                st.error(str(exc))
                return
            st.session_state.pop("sign_in_recovery_user", None)
            _finish_supabase(user)


# -- the page ------------------------------------------------------------------

_, middle, _ = st.columns([1, 2, 1])
with middle:
    st.title("Heartbeat", anchor=False)
    st.caption("The operating dashboard of the movement. Sign in to continue.")
    notice = pop_notice()
    if notice:
        st.info(notice, icon=":material/info:")
    if settings.uses_supabase_auth:
        _supabase_forms()
    else:
        _local_form()
if settings.embedded and not settings.uses_supabase_auth:
    _, wide, _ = st.columns([1, 6, 1])
    with wide:
        _demo_panel()
# While the person types, the browser fetches the code of the dashboard's
# elements, which the first page after sign-in would otherwise wait for.
preload.dashboard_code()
