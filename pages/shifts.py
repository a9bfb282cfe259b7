"""Shifts: upcoming volunteer slots near the volunteer, one tap to take one,
one tap to give it back, and a wait-list on a full shift. The database keeps
every shift within its capacity however many people tap at once, and hands a
freed place to the first person waiting."""

from __future__ import annotations

import polars as pl
import streamlit as st

from components.calendar_button import calendar_button
from components.page_start import volunteer_page
from components.text import plain
from db.errors import InvalidDataError, NotAllowedError
from db.shifts import (
    cancel_signup,
    join_wait_list,
    leave_wait_list,
    my_signups,
    sign_up,
    upcoming_shifts,
)
from models.hours import format_minutes
from models.shifts import CancelRequest, SignUpRequest, WaitListRequest

FLASH = "shifts_flash"
PROBLEM = "shifts_problem"  # (shift id, message) of the last refused sign-up

user, member = volunteer_page("Volunteer shifts")
if flash := st.session_state.pop(FLASH, None):
    st.success(flash, icon=":material/check_circle:")
    # The button tapped may be far down a phone's screen: say it there too.
    st.toast(flash, icon=":material/check_circle:")


def take(shift_id: int) -> None:
    try:
        taken = sign_up(user.identity, SignUpRequest(shift_id=shift_id))
    except (InvalidDataError, NotAllowedError) as exc:
        st.session_state[PROBLEM] = (shift_id, str(exc))
    else:
        st.session_state.pop(PROBLEM, None)
        st.session_state[FLASH] = (
            f"You're signed up: {taken.shift_title} at {taken.event_title}, {taken.when_text}."
        )


def give_back(signup_id: int, title: str) -> None:
    try:
        cancel_signup(user.identity, CancelRequest(signup_id=signup_id))
    except (InvalidDataError, NotAllowedError) as exc:
        st.session_state[PROBLEM] = (0, str(exc))
    else:
        st.session_state[FLASH] = f"Cancelled: {title}. The slot is free for someone else."


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th … 11th, 12th, 13th … 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def wait(shift_id: int, title: str) -> None:
    try:
        place = join_wait_list(user.identity, WaitListRequest(shift_id=shift_id))
    except (InvalidDataError, NotAllowedError) as exc:
        st.session_state[PROBLEM] = (shift_id, str(exc))
    else:
        # Short: it is also the toast on a phone. The button's help says the rest.
        st.session_state[FLASH] = f"You're on the wait-list for {title}, {ordinal(place)} in line."


def stop_waiting(shift_id: int, title: str) -> None:
    try:
        leave_wait_list(user.identity, WaitListRequest(shift_id=shift_id))
    except (InvalidDataError, NotAllowedError) as exc:
        st.session_state[PROBLEM] = (shift_id, str(exc))
    else:
        st.session_state[FLASH] = f"You left the wait-list for {title}."


problem = st.session_state.pop(PROBLEM, None)
near = st.session_state.get("shifts_near", True)
upcoming = upcoming_shifts(user.identity, near_me=near)
# Full shifts stay in the list, shown as full (issue 16: they used to vanish).
open_only = upcoming.filter(pl.col("my_signup_id").is_null())
# A refused sign-up is shown beside its shift, or here when the shift has
# left the list (it filled up).
if problem and problem[0] not in open_only["shift_id"].to_list():
    st.error(problem[1], icon=":material/error:")
    st.toast(problem[1], icon=":material/error:")

mine = my_signups(user.identity)
st.subheader("My upcoming shifts")
if mine.height == 0:
    st.caption("You have not signed up for any upcoming shift.")
for row in mine.iter_rows(named=True):
    with st.container(border=True):
        st.markdown(f"**{plain(row['shift_title'])}** · {plain(row['event_title'])}")
        st.caption(f"{row['when_text']}" + (f" · {plain(row['place'])}" if row["place"] else ""))
        if row["from_wait_list"]:
            st.info("You moved from the wait-list to this shift.", icon=":material/upgrade:")
        cancel_col, ics_col = st.columns(2)
        cancel_col.button(
            "Cancel my place",
            key=f"cancel_{row['signup_id']}",
            icon=":material/event_busy:",
            on_click=give_back,
            args=(row["signup_id"], f"{row['shift_title']} at {row['event_title']}, {row['when_text']}"),
        )
        calendar_button(
            "Add to my calendar",
            where=ics_col,
            uid=f"shift-signup-{row['signup_id']}@heartbeat",
            file_name=f"shift-{row['signup_id']}.ics",
            key=f"ics_{row['signup_id']}",
            title=f"{row['shift_title']} · {row['event_title']}",
            starts=row["starts_at"],
            ends=row["ends_at"],
            zone="UTC",
            place=row["place"],
        )

st.subheader("Open shifts")
st.toggle(
    f"Only near {member.chapter_name}",
    value=True,
    key="shifts_near",
    help="Your chapter, the chapters it belongs to and the ones within it.",
)
if open_only.height == 0:
    st.info(
        "No open shifts in the next two months"
        + (" near you. Switch off the filter above to see the whole movement." if near else "."),
        icon=":material/info:",
    )
for _day, group in open_only.group_by("day", maintain_order=True):
    first = group.row(0, named=True)
    st.markdown(f"#### {first['when_text'].split(',')[0]}")
    for row in group.iter_rows(named=True):
        with st.container(border=True):
            st.markdown(f"**{plain(row['shift_title'])}** · {plain(row['event_title'])}")
            where = f" · {plain(row['place'])}" if row["place"] else ""
            st.caption(
                f"{row['when_text']} ({format_minutes(row['minutes'])}){where} · {plain(row['chapter'])}"
            )
            left = int(row["open_slots"])
            st.progress(
                int(row["signed_up"]) / int(row["capacity"]),
                text="Full" if left <= 0 else f"{left} of {row['capacity']} places left",
            )
            if problem and problem[0] == row["shift_id"]:
                st.error(problem[1], icon=":material/error:")
            title = f"{plain(row['shift_title'])} at {plain(row['event_title'])}, {row['when_text']}"
            if left > 0:
                st.button(
                    "Sign up",
                    key=f"signup_{row['shift_id']}",
                    type="primary",
                    icon=":material/how_to_reg:",
                    on_click=take,
                    args=(row["shift_id"],),
                )
            elif row["my_wait_place"] is None:
                st.button(
                    "Join the wait-list",
                    key=f"wait_{row['shift_id']}",
                    icon=":material/playlist_add:",
                    on_click=wait,
                    args=(row["shift_id"], title),
                    help=(
                        "Every place is taken. If one comes free, the first person waiting gets it "
                        "at once, and it shows under My upcoming shifts."
                    ),
                )
            else:
                st.markdown(f"You are **{ordinal(int(row['my_wait_place']))}** on the wait-list.")
                st.button(
                    "Leave the wait-list",
                    key=f"unwait_{row['shift_id']}",
                    icon=":material/playlist_remove:",
                    on_click=stop_waiting,
                    args=(row["shift_id"], title),
                )
