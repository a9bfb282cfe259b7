"""People and roles (admins): invite people, grant and revoke roles, reset a
local password, and read the audit trail of role changes. Every change runs
as the admin, so row-level security decides whether it happens."""

from __future__ import annotations

from uuid import UUID

import streamlit as st
from pydantic import ValidationError

from components import dates
from components.session import request_role_check, require_role
from components.tables import text_columns, wide_table
from db import accounts
from db.accounts import ROLE_NAMES, Invitation, RoleGrant, validation_message
from db.config import get_settings
from db.errors import InvalidDataError, NotAllowedError

user = require_role("admin")
settings = get_settings()
st.title("People and roles", anchor=False)
st.caption("Who may see and do what. Every change here is recorded in the audit log.")

try:
    people = accounts.list_people(user.identity)
    roles = accounts.list_roles(user.identity)
    chapters = accounts.chapter_choices(user.identity)
except NotAllowedError as exc:
    st.error(f"The database refused: {exc}")
    st.stop()

chapter_names = dict(chapters)
person_labels = {
    UUID(row["user_id"]): f"{row['full_name'] or row['email']} <{row['email']}>"
    for row in people.iter_rows(named=True)
}


def chapter_select(label: str, *, key: str) -> int | None:
    """A chapter to go with a coordinator role, or none ("—")."""
    return st.selectbox(
        label, [None, *chapter_names], format_func=lambda c: "—" if c is None else chapter_names[c], key=key
    )


flash = st.session_state.pop("admin_people_flash", None)
if flash:
    st.success(flash, icon=":material/check_circle:")
secret = st.session_state.pop("admin_people_secret", None)
if secret:
    st.warning(
        f"Temporary password for **{secret[0]}** — shown once. Hand it over in person or by a "
        "channel you trust; they must replace it at first sign-in.",
        icon=":material/key:",
    )
    st.code(secret[1], language=None)

people_tab, invite_tab, roles_tab, audit_tab = st.tabs(["People", "Invite", "Grant and revoke", "Audit"])

with people_tab:
    st.metric("People with an account", people.height)
    wide_table(
        people.drop("user_id", "member_id"),
        key="admin_people_table",
        column_config={
            **text_columns({"email": "Email", "full_name": "Name", "chapter": "Member of", "roles": "Roles"}),
            "last_sign_in_at": st.column_config.DatetimeColumn(
                "Last sign-in", format=dates.datetime_column()
            ),
            "created_at": st.column_config.DatetimeColumn("Account since", format=dates.column()),
        },
    )
    if not settings.uses_supabase_auth and person_labels:
        with st.form("admin_reset_password"):
            st.markdown("**Reset a password**")
            target = st.selectbox(
                "Person", list(person_labels), format_func=person_labels.__getitem__, key="admin_reset_person"
            )
            if st.form_submit_button("Reset password", key="admin_reset_submit") and target is not None:
                try:
                    temporary = accounts.reset_password(user.identity, target)
                except (NotAllowedError, InvalidDataError) as exc:
                    st.error(str(exc))
                else:
                    st.session_state["admin_people_secret"] = (person_labels[target], temporary)
                    st.rerun()

with invite_tab:
    with st.form("admin_invite", clear_on_submit=False):
        email = st.text_input("Email", key="admin_invite_email", max_chars=254)
        full_name = st.text_input("Full name", key="admin_invite_name", max_chars=200)
        invite_roles = st.multiselect("Roles", ROLE_NAMES, key="admin_invite_roles")
        chapter = chapter_select("Chapter (for the coordinator role)", key="admin_invite_chapter")
        member_id = st.number_input(
            "Member number, to link the account to an existing member record (optional)",
            min_value=1,
            value=None,
            step=1,
            key="admin_invite_member",
        )
        submitted = st.form_submit_button("Invite", type="primary", key="admin_invite_submit")
    if submitted:
        try:
            invitation = Invitation(
                email=email,
                full_name=full_name,
                roles=invite_roles,
                coordinator_chapter_id=chapter,
                member_id=int(member_id) if member_id is not None else None,
            )
        except ValidationError as exc:
            st.error(validation_message(exc))
        else:
            if settings.uses_supabase_auth:
                from db.supabase_auth import SupabaseAuthError, invite_by_email, new_client

                try:
                    # A fresh client: the admin's own session must not change.
                    invite_by_email(new_client(settings), invitation.email, redirect_to=st.context.url)
                    accounts.set_up_invitee(user.identity, invitation)
                except (SupabaseAuthError, NotAllowedError, InvalidDataError) as exc:
                    st.error(str(exc))
                else:
                    st.session_state["admin_people_flash"] = (
                        f"A sign-in link is on its way to {invitation.email}; "
                        "their account and roles are ready."
                    )
                    st.rerun()
            else:
                try:
                    new_id, temporary = accounts.invite_person(user.identity, invitation)
                except (NotAllowedError, InvalidDataError) as exc:
                    st.error(str(exc))
                else:
                    st.session_state["admin_people_flash"] = f"{invitation.full_name} is invited."
                    st.session_state["admin_people_secret"] = (invitation.email, temporary)
                    st.rerun()

with roles_tab:
    grant_col, revoke_col = st.columns(2)
    with grant_col, st.form("admin_grant"):
        st.markdown("**Grant a role**")
        person = st.selectbox(
            "Person", list(person_labels), format_func=person_labels.__getitem__, key="admin_grant_person"
        )
        role = st.selectbox("Role", ROLE_NAMES, key="admin_grant_role")
        grant_chapter = chapter_select("Chapter (coordinators only)", key="admin_grant_chapter")
        if st.form_submit_button("Grant", type="primary", key="admin_grant_submit"):
            try:
                grant = RoleGrant(user_id=person, role=role, chapter_id=grant_chapter)
                accounts.grant_role(user.identity, grant)
            except ValidationError as exc:
                st.error(validation_message(exc))
            except (NotAllowedError, InvalidDataError) as exc:
                st.error(str(exc))
            else:
                if person == user.user_id:
                    request_role_check()
                st.session_state["admin_people_flash"] = (
                    f"Granted {role} to {person_labels.get(person, person)}."
                )
                st.rerun()
    with revoke_col, st.form("admin_revoke"):
        st.markdown("**Revoke a role**")
        grants = {
            row["role_id"]: f"{row['email']}: {row['role']}"
            + (f" ({row['chapter']})" if row["chapter"] else "")
            for row in roles.iter_rows(named=True)
        }
        role_id = st.selectbox(
            "Role held", list(grants), format_func=grants.__getitem__, key="admin_revoke_role", index=None
        )
        if st.form_submit_button("Revoke", key="admin_revoke_submit"):
            if role_id is None:
                st.error("Choose the role to revoke.")
            else:
                try:
                    accounts.revoke_role(user.identity, role_id)
                except (NotAllowedError, InvalidDataError) as exc:
                    st.error(str(exc))
                else:
                    request_role_check()
                    st.session_state["admin_people_flash"] = f"Revoked {grants[role_id]}."
                    st.rerun()
    wide_table(
        roles.drop("role_id", "user_id", "chapter_id"),
        key="admin_roles_table",
        column_config={
            **text_columns(
                {"email": "Person", "role": "Role", "chapter": "Chapter", "granted_by": "Granted by"}
            ),
            "granted_at": st.column_config.DatetimeColumn("Granted", format=dates.datetime_column()),
        },
    )

with audit_tab:
    audit = accounts.role_audit(user.identity)
    st.caption("Role changes, newest first: who changed what, and when.")
    wide_table(
        audit,
        key="admin_audit_table",
        column_config={
            "at": st.column_config.DatetimeColumn("When", format=dates.datetime_column(seconds=True)),
            **text_columns(
                {"actor": "By", "action": "Change", "person": "Person", "role": "Role", "chapter": "Chapter"}
            ),
        },
    )
