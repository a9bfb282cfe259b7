"""Check-in: mark who came to an event, count guests, and record the hours of
the volunteers who worked it, in one save."""

from __future__ import annotations

import hashlib

import polars as pl
import streamlit as st
from pydantic import ValidationError

from components.feedback import show_flash
from components.session import require_role
from db.errors import InvalidDataError, NotAllowedError
from db.shifts import checkin_events, describe_outcome, event_members, guest_count, roster, save_check_in
from models.attendance import CheckIn, CheckInRow
from models.hours import ACTIVITIES, ACTIVITY_LABELS, first_errors

FLASH = "checkin_flash"
EDITOR = "checkin_editor_key"
SAVES = "checkin_saves"  # how many check-ins this session saved: each save starts a fresh grid
HOURS_STATUS = {"approved": "Recorded", "pending": "Logged by them, awaiting approval"}

user = require_role("coordinator")
st.title("Check-in")
show_flash(FLASH)

events = checkin_events(user.identity)
if events.height == 0:
    st.info(
        "No events in your chapters in the last two weeks or the next day.", icon=":material/event_available:"
    )
    st.stop()
labels = {
    int(r["event_id"]): f"{r['when_text']} · {r['title']} · {r['chapter']} ({r['present']} checked in)"
    for r in events.iter_rows(named=True)
}
event_id = st.selectbox("Event", options=list(labels), format_func=labels.__getitem__, key="checkin_event")
assert event_id is not None

people = roster(user.identity, event_id)
on_roster = set(people["member_id"].to_list())
others = [(mid, name) for mid, name in event_members(user.identity, event_id) if mid not in on_roster]
other_names = dict(others)
walk_ins = st.multiselect(
    "Add people who came without signing up",
    options=list(other_names),
    format_func=other_names.__getitem__,
    key=f"checkin_walkins_{event_id}",
    placeholder="Type a name",
)
walk_in_minutes = (
    int(people["minutes"].drop_nulls()[0]) if people.height and people["minutes"].drop_nulls().len() else 60
)
rows = pl.concat(
    [
        people.select(
            "member_id",
            "shift_id",
            pl.col("full_name").alias("Name"),
            pl.col("shift_title").fill_null("—").alias("Shift"),
            pl.col("came").alias("Came"),
            # Hours are offered for shift workers whose hours are not recorded yet.
            (pl.col("shift_id").is_not_null() & pl.col("hours_status").is_null()).alias("Record hours"),
            pl.col("minutes").alias("Minutes"),
            pl.col("hours_status").replace_strict(HOURS_STATUS, default="").alias("Hours"),
        ),
        pl.DataFrame(
            {
                "member_id": walk_ins,
                "shift_id": [None] * len(walk_ins),
                "Name": [other_names[m] for m in walk_ins],
                "Shift": ["—"] * len(walk_ins),
                "Came": [True] * len(walk_ins),
                "Record hours": [False] * len(walk_ins),
                "Minutes": [walk_in_minutes] * len(walk_ins),
                "Hours": [""] * len(walk_ins),
            },
            schema={
                "member_id": pl.Int64,
                "shift_id": pl.Int64,
                "Name": pl.String,
                "Shift": pl.String,
                "Came": pl.Boolean,
                "Record hours": pl.Boolean,
                "Minutes": pl.Int64,
                "Hours": pl.String,
            },
        ),
    ]
)

if rows.height == 0:
    st.info(
        "Nobody signed up for this event's shifts yet. Add the people who came above.", icon=":material/info:"
    )
# Edits are kept by row position: the key changes with the rows, so a tick
# never moves to another person. It changes with each save too: the grid then
# starts from what was saved, instead of the browser clearing its old edits in
# a rerun of its own, which swept the "Saved: ..." message away at once.
saves = st.session_state.get(SAVES, 0)
digest = hashlib.sha256(
    f"{event_id}|{saves}|{rows['member_id'].to_list()}|{rows['shift_id'].to_list()}".encode()
)
editor_key = f"checkin_editor_{digest.hexdigest()[:10]}"
st.session_state[EDITOR] = editor_key
edited = st.data_editor(
    rows.drop("member_id", "shift_id"),
    key=editor_key,
    hide_index=True,
    width="stretch",
    disabled=["Name", "Shift", "Hours"],
    # What matters at the door first, so a phone shows it without scrolling.
    column_order=["Name", "Came", "Record hours", "Minutes", "Shift", "Hours"],
    column_config={
        "Came": st.column_config.CheckboxColumn(help="Tick everyone who came"),
        "Record hours": st.column_config.CheckboxColumn(
            help="Record approved hours for this person (only if they came)"
        ),
        "Minutes": st.column_config.NumberColumn(min_value=1, max_value=1440, step=15, help="Time worked"),
        "Hours": st.column_config.TextColumn("Hours so far"),
    },
)
guests_now = guest_count(user.identity, event_id)
col_guests, col_activity = st.columns(2)
guests = col_guests.number_input(
    "Guests (not members)",
    min_value=0,
    max_value=10000,
    value=guests_now,
    step=1,
    key=f"checkin_guests_{event_id}",
)
activity = col_activity.selectbox(
    "Activity for recorded hours",
    options=list(ACTIVITIES),
    index=ACTIVITIES.index("event_support"),
    format_func=lambda code: ACTIVITY_LABELS[code],
    key="checkin_activity",
)
present = int(edited["Came"].sum()) if edited.height else 0
workers = int((edited["Came"] & edited["Record hours"]).sum()) if edited.height else 0
st.caption(f"Ticked as present: {present}. Hours will be recorded for: {workers}.")


def _rows() -> tuple[list[CheckInRow], list[str]]:
    """One validated row per person, and a message naming each bad one."""
    out: list[CheckInRow] = []
    problems: list[str] = []
    for name, member_id, shift_id, came, record, minutes in zip(
        rows["Name"].to_list(),
        rows["member_id"].to_list(),
        rows["shift_id"].to_list(),
        edited["Came"].to_list(),
        edited["Record hours"].to_list(),
        edited["Minutes"].to_list(),
        strict=True,
    ):
        try:
            out.append(
                CheckInRow(
                    member_id=int(member_id),
                    shift_id=None if shift_id is None else int(shift_id),
                    came=bool(came),
                    worked=bool(came) and bool(record),
                    minutes=None if minutes is None else int(minutes),
                )
            )
        except ValidationError as exc:
            problems += [f"{name}: {message}" for message in first_errors(exc).values()]
    return out, problems


if st.button(
    "Save check-in", key="checkin_save", type="primary", icon=":material/how_to_reg:", width="stretch"
):
    checked, problems = _rows()
    try:
        if problems:
            raise InvalidDataError("Nothing was saved. " + " ".join(problems))
        check_in = CheckIn(
            event_id=event_id, rows=tuple(checked), guest_count=int(guests or 0), activity=activity
        )
        outcome = save_check_in(user.identity, check_in)
    except ValidationError as exc:
        for message in first_errors(exc).values():
            st.error(message, icon=":material/error:")
    except (InvalidDataError, NotAllowedError) as exc:
        st.error(str(exc), icon=":material/error:")
    else:
        st.session_state[FLASH] = "Saved: " + describe_outcome(outcome, check_in.activity)
        st.session_state[SAVES] = saves + 1
        st.session_state.pop(f"checkin_walkins_{event_id}", None)
        st.rerun()
