"""Members: the directory of a coordinator's chapters (an admin's: all),
joining and leaving, and what each member consented to. Exports leave out
members who withdrew consent to the use of their data."""

from __future__ import annotations

import math
from typing import Any

import polars as pl
import streamlit as st
from pydantic import ValidationError

from components import dates
from components.crud_page import date_field
from components.downloads import download_buttons
from components.feedback import finish, show_errors, show_flash
from components.page_start import coordinated_chapters, coordinator_page
from components.tables import wide_table
from components.text import plain
from db.errors import InvalidDataError, NotAllowedError
from db.members import (
    PAGE_SIZE,
    export_members,
    join_member,
    leave_member,
    search_members,
    set_consent,
    update_member,
)
from metrics.scope import chapter_subtree
from models.members import MEMBER_STATUS_LABELS, ConsentIn, LeaveIn, MemberIn

FLASH = "members_flash"
EXPORT = "members_export"

user, today = coordinator_page("Members")
show_flash(FLASH)


def done(message: str, *clear: str) -> None:
    st.session_state.pop(EXPORT, None)
    finish(FLASH, message, *clear)


chapters, labels, mine, names = coordinated_chapters(user.identity)
mine_ids: list[int] = mine["id"].to_list()


ALL = 0
c1, c2, c3 = st.columns([3, 2, 3])
scope = c1.selectbox(
    "Chapter",
    [ALL, *mine_ids],
    format_func=lambda i: (
        ("All chapters" if user.has("admin") else "All your chapters") if i == ALL else labels[i]
    ),
    key="members_chapter",
)
status = c2.selectbox(
    "Status",
    [None, *MEMBER_STATUS_LABELS],
    format_func=lambda v: "Any" if v is None else MEMBER_STATUS_LABELS[v],
    key="members_status",
)
text = c3.text_input("Search name or email", key="members_search", max_chars=200)
# An admin's "all" asks the database for everyone; a coordinator's "all"
# is their own chapters (the database would refuse to show more anyway).
scope_ids = (
    None
    if scope in (ALL, None) and user.has("admin")
    else (mine_ids if scope in (ALL, None) else chapter_subtree(chapters, scope))
)
page_no = int(st.session_state.get("members_page", 1)) - 1
result = search_members(user.identity, chapter_ids=scope_ids, status=status, text=text, page=max(page_no, 0))
pages = max(1, math.ceil(result.total / PAGE_SIZE))

tab_dir, tab_join, tab_edit, tab_leave, tab_consent = st.tabs(
    ["Directory", "New member", "Edit", "Leaving", "Consent"]
)

with tab_dir:
    cols = st.columns(3)
    cols[0].metric("Members found", f"{result.total:,}")
    withdrawn = int((~result.rows["consent_data_use"]).sum())
    cols[1].metric("On this page without data consent", withdrawn)
    cols[2].number_input(
        "Page", min_value=1, max_value=pages, value=min(page_no + 1, pages), key="members_page"
    )
    if result.rows.is_empty():
        st.info("No members match.")
    else:
        table = result.rows.select(
            pl.col("full_name").alias("Name"),
            pl.col("email").fill_null("").alias("Email"),
            pl.col("chapter_name").alias("Chapter"),
            pl.when(pl.col("left_on").is_not_null())
            .then(pl.format("Left {}", dates.day_expr("left_on", today)))
            .otherwise(pl.col("status").replace_strict(MEMBER_STATUS_LABELS))
            .alias("Status"),
            dates.day_expr("joined_on", today).alias("Joined"),
            pl.when(pl.col("leader_since").is_not_null())
            .then(pl.format("leader since {}", dates.day_expr("leader_since", today)))
            .when(pl.col("trained_on").is_not_null())
            .then(pl.format("trained {}", dates.day_expr("trained_on", today)))
            .otherwise(pl.lit(""))
            .alias("Trained / leads"),
            pl.col("consent_contact").alias("Contact"),
            pl.col("consent_data_use").alias("Data use"),
        )
        wide_table(
            table,
            key="members_table",
            column_config={
                "Email": st.column_config.TextColumn(width="medium"),
                "Chapter": st.column_config.TextColumn(width="small"),
                "Contact": st.column_config.CheckboxColumn(width="small", help="Agrees to be contacted"),
                "Data use": st.column_config.CheckboxColumn(
                    width="small", help="Agrees to the use of their data; left out of exports if not"
                ),
            },
        )
        st.caption(f"Page {min(page_no + 1, pages)} of {pages}, {PAGE_SIZE} members a page, by name.")
    st.markdown("**Export**")
    st.caption(
        "The export holds the members of the chosen chapter(s) who allow their data to be used; an email "
        "appears only where the member agreed to be contacted."
    )
    if st.button("Prepare the export", key="members_export_prepare"):
        st.session_state[EXPORT] = export_members(user.identity, chapter_ids=scope_ids)
    prepared = st.session_state.get(EXPORT)
    if isinstance(prepared, pl.DataFrame):
        st.write(f"{prepared.height:,} members in the export.")
        download_buttons(prepared, name="members", key="members_download")


def member_form(prefix: str, row: dict[str, Any] | None, submit: str) -> MemberIn | None:
    name = st.text_input(
        "Name", value=str(row["full_name"]) if row else "", key=f"{prefix}_name", max_chars=200
    )
    email = st.text_input(
        "Email", value=str(row["email"] or "") if row else "", key=f"{prefix}_email", max_chars=320
    )
    options = [i for i in mine_ids if i in set(mine.filter(status="active")["id"].to_list())]
    if row and row["chapter_id"] not in options:
        options.append(int(row["chapter_id"]))
    chapter = st.selectbox(
        "Chapter",
        options,
        index=options.index(row["chapter_id"]) if row else (options.index(scope) if scope in options else 0),
        format_func=lambda i: labels[i].lstrip("· "),
        key=f"{prefix}_chapter",
    )
    a, b, c = st.columns(3)
    joined = date_field(a, "Joined", row, "joined_on", key=f"{prefix}_joined", default=today, not_after=today)
    trained = date_field(b, "Trained (optional)", row, "trained_on", key=f"{prefix}_trained")
    leader = date_field(c, "Leader since (optional)", row, "leader_since", key=f"{prefix}_leader")
    contact = st.checkbox(
        "Agrees to be contacted",
        value=bool(row["consent_contact"]) if row else False,
        key=f"{prefix}_contact",
    )
    data_use = st.checkbox(
        "Agrees to the use of their data in reports and exports",
        value=bool(row["consent_data_use"]) if row else True,
        key=f"{prefix}_data_use",
    )
    if not st.form_submit_button(submit, type="primary", key=f"{prefix}_submit"):
        return None
    try:
        return MemberIn.model_validate(
            {
                "full_name": name,
                "email": email,
                "chapter_id": chapter,
                "joined_on": joined,
                "trained_on": trained,
                "leader_since": leader,
                "consent_contact": contact,
                "consent_data_use": data_use,
            }
        )
    except ValidationError as exc:
        show_errors(exc)
        return None


rows = {int(r["id"]): r for r in result.rows.iter_rows(named=True)}


def member_label(member_id: int) -> str:
    r = rows[member_id]
    return f"{r['full_name']} — {r['chapter_name']}" + (f" ({r['email']})" if r["email"] else "")


with tab_join, st.form("join"):
    joined_member = member_form("join", None, "Add the member")
    if joined_member is not None:
        try:
            join_member(user.identity, joined_member)
        except (InvalidDataError, NotAllowedError) as exc:
            show_errors(exc)
        else:
            done(
                f"{plain(joined_member.full_name)} joined {plain(names[joined_member.chapter_id])}.",
                "join_name",
                "join_email",
            )

no_match = "Find the member with the search above; the first page of matches is offered here."

with tab_edit:
    if not rows:
        st.info(no_match)
    else:
        picked = st.selectbox("Member", list(rows), format_func=member_label, key="edit_member")
        if picked is not None:
            with st.form(f"edit_member_{picked}"):
                changed = member_form(f"edit_member_{picked}", rows[picked], "Save changes")
                if changed is not None:
                    try:
                        update_member(user.identity, picked, changed)
                    except (InvalidDataError, NotAllowedError) as exc:
                        show_errors(exc)
                    else:
                        done(f"{plain(changed.full_name)} is saved.")

with tab_leave:
    staying = [i for i, r in rows.items() if r["left_on"] is None]
    if not staying:
        st.info(no_match)
    else:
        with st.form("leave"):
            who = st.selectbox("Member", staying, format_func=member_label, key="leave_member")
            left_on = st.date_input(
                "Left on", value=today, max_value=today, key="leave_on", format=dates.input_format()
            )
            if st.form_submit_button("Record leaving", key="leave_submit"):
                try:
                    if who is None:
                        raise InvalidDataError("choose the member who left")
                    leave_member(user.identity, LeaveIn(member_id=who, left_on=left_on))
                except (ValidationError, InvalidDataError, NotAllowedError) as exc:
                    show_errors(exc)
                else:
                    done(f"{rows[who]['full_name']} left on {dates.full(left_on)}.")

with tab_consent:
    st.caption(
        "Record what the member told you. A member who withdraws consent to the use of their data stays "
        "in the directory for their chapter's coordinators but is left out of every export."
    )
    if not rows:
        st.info(no_match)
    else:
        who_c = st.selectbox("Member", list(rows), format_func=member_label, key="consent_member")
        if who_c is not None:
            r = rows[who_c]
            with st.form(f"consent_{who_c}"):
                contact = st.checkbox(
                    "Agrees to be contacted", value=bool(r["consent_contact"]), key=f"consent_contact_{who_c}"
                )
                data_use = st.checkbox(
                    "Agrees to the use of their data in reports and exports",
                    value=bool(r["consent_data_use"]),
                    key=f"consent_data_use_{who_c}",
                )
                if st.form_submit_button("Save consent", key=f"consent_submit_{who_c}"):
                    try:
                        set_consent(
                            user.identity,
                            ConsentIn(member_id=who_c, consent_contact=contact, consent_data_use=data_use),
                        )
                    except (ValidationError, InvalidDataError, NotAllowedError) as exc:
                        show_errors(exc)
                    else:
                        done(f"{r['full_name']}'s consent is saved.")
