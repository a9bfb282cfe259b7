"""My account: who I am to Heartbeat, my roles, my password, sign out."""

from __future__ import annotations

import streamlit as st

from components.passwords import password_input
from components.session import (
    SESSION_KEY,
    SUPABASE_CLIENT_KEY,
    require_role,
    sign_out,
)
from components.text import plain
from db.accounts import change_own_password, chapter_choices, password_problem
from db.errors import InvalidDataError, NotAllowedError

user = require_role()
st.title("My account", anchor=False)

if user.must_change_password:
    st.warning(
        "You signed in with a temporary password. Choose your own password below to open Heartbeat.",
        icon=":material/key:",
    )

left, right = st.columns(2)
with left:
    st.subheader("Profile", anchor=False)
    st.markdown(f"**{plain(user.display_name)}**  \n{plain(user.email)}")
    st.caption(
        "Signed in with Supabase Auth"
        if user.provider == "supabase"
        else "Signed in with a Heartbeat account"
    )
    if user.member_id is None:
        st.caption("Your account is not linked to a member record; an admin can link it.")
with right:
    st.subheader("Roles", anchor=False)
    if not user.roles:
        st.info("You hold no roles yet. An admin of your movement grants them.")
    else:
        names = dict(chapter_choices(user.identity)) if user.coordinator_chapters else {}
        for role in sorted(user.roles):
            if role == "coordinator":
                chapters = ", ".join(plain(names.get(c, f"chapter {c}")) for c in user.coordinator_chapters)
                st.markdown(f"- **coordinator** of {chapters} and the chapters below")
            else:
                st.markdown(f"- **{role}**")

st.subheader("Password", anchor=False)
with st.form("account_password", border=True, clear_on_submit=True):
    current = (
        password_input("Current password", key="account_current_password", autocomplete="current-password")
        if user.provider == "local"
        else ""
    )
    new = password_input("New password", key="account_new_password", autocomplete="new-password")
    again = password_input(
        "Repeat the new password", key="account_new_password_again", autocomplete="new-password"
    )
    st.caption("At least 12 characters; a few words you will remember are better than a short jumble.")
    submitted = st.form_submit_button("Change password", type="primary", key="account_change_password")

if submitted:
    problem = password_problem(new, user.email) or (None if new == again else "The two new passwords differ.")
    if problem:
        st.error(problem)
    elif user.provider == "supabase":
        from db.supabase_auth import SupabaseAuthError, set_new_password

        try:
            set_new_password(st.session_state[SUPABASE_CLIENT_KEY], new)
        except (SupabaseAuthError, KeyError) as exc:
            st.error(
                str(exc) if isinstance(exc, SupabaseAuthError) else "Sign in again to change your password."
            )
        else:
            st.success("Your password is changed.")
    else:
        try:
            change_own_password(user.identity, user.email, current, new)
        except (InvalidDataError, NotAllowedError) as exc:
            st.error(str(exc))
        else:
            st.success("Your password is changed.")
            if user.must_change_password:
                from dataclasses import replace

                st.session_state[SESSION_KEY] = replace(user, must_change_password=False)
                st.rerun()

st.divider()
if st.button("Sign out", key="account_sign_out", icon=":material/logout:"):
    sign_out("You have signed out.")
    st.rerun()
