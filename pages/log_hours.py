"""Log hours: the volunteer's quickest path. Recent shifts and events are
offered as one-tap suggestions that fill the form; the form saves once per
instance whatever happens to the click (double clicks, reruns, reloads)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import streamlit as st
from pydantic import ValidationError

from components import dates
from components.page_start import volunteer_page
from components.text import plain
from db.errors import InvalidDataError, NotAllowedError
from db.hours import EVENT_DAY, SavedHours, log_hours
from db.hours_suggestions import Suggestion, log_choices, suggestions
from models.hours import (
    ACTIVITIES,
    ACTIVITY_LABELS,
    HoursEntry,
    first_errors,
    parse_hours,
    unusual,
)

FORM_KEY = "log_key"  # the idempotency key of the form instance on screen
SAVED = "log_saved"  # the entry this form instance saved, once it has
SHIFT = "log_shift"  # (link value, shift id) when a shift suggestion filled the form
EARLIEST_WIDGET_DAY = date(1900, 1, 1)  # the picker never clamps a typed date; the model refuses it

user, member = volunteer_page("Log hours")

today = member.today()
viewer_locale = dates.viewer_locale()
choices = log_choices(user.identity, today=today, locale=viewer_locale)
labels = {c.value: c.label for c in choices}


def _link_of(s: Suggestion) -> str | None:
    if s.event_id is not None:
        return f"event:{s.event_id}"
    if s.program_id is not None:
        return f"program:{s.program_id}"
    return None


def _hours_text(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours}:{rest:02d}" if rest else str(hours)


def start_new(suggestion: Suggestion | None, today: date, known: frozenset[str]) -> None:
    """A fresh form instance (a new idempotency key), filled from a
    suggestion when one was tapped. Runs as a callback, before the widgets."""
    st.session_state[FORM_KEY] = uuid.uuid4()
    st.session_state.pop(SAVED, None)
    st.session_state.pop(SHIFT, None)
    link = _link_of(suggestion) if suggestion else None
    st.session_state["log_date"] = suggestion.worked_on if suggestion else today
    minutes = suggestion.minutes if suggestion else None
    st.session_state["log_duration"] = _hours_text(minutes) if minutes else ""
    st.session_state["log_activity"] = suggestion.activity if suggestion else None
    st.session_state["log_link"] = link if link in known else None
    st.session_state["log_note"] = ""
    if suggestion is not None and suggestion.shift_id is not None and link in known:
        st.session_state[SHIFT] = (link, suggestion.shift_id)


def suggestion_buttons(found: list[Suggestion], *, heading: str) -> None:
    if not found:
        return
    st.markdown(f"**{heading}**")
    st.caption("Tap one to fill the form, then check it and save.")
    for i, s in enumerate(found):
        icon = ":material/event:" if s.kind in ("shift", "event") else ":material/replay:"
        st.button(
            plain(s.label),
            key=f"log_suggest_{i}",
            icon=icon,
            width="stretch",
            on_click=start_new,
            args=(s, today, frozenset(labels)),
        )


if FORM_KEY not in st.session_state:
    start_new(None, today, frozenset(labels))
# Streamlit forgets a widget's value when another page was shown in
# between; the form instance (and its key) survives, its fields restart.
for field, default in (
    ("log_date", today),
    ("log_duration", ""),
    ("log_activity", None),
    ("log_link", None),
    ("log_note", ""),
):
    st.session_state.setdefault(field, default)
if st.session_state["log_link"] not in labels:
    st.session_state["log_link"] = None

saved: SavedHours | None = st.session_state.get(SAVED)
if saved is not None:
    if saved.already_saved:
        st.info("This entry was already saved, so it is stored once.", icon=":material/task_alt:")
    st.success(f"Saved: {plain(saved.summary_for(today, viewer_locale))}.", icon=":material/check_circle:")
    st.caption(
        f"It waits for a coordinator of {member.chapter_name} to approve it. "
        "You can change or withdraw it under My hours until then."
    )
    st.button(
        "Log more hours",
        key="log_another",
        type="primary",
        icon=":material/add:",
        width="stretch",
        on_click=start_new,
        args=(None, today, frozenset(labels)),
    )
    suggestion_buttons(
        suggestions(user.identity, locale=viewer_locale),
        heading="Or log another recent shift or event",
    )
    st.stop()

suggestion_buttons(suggestions(user.identity, locale=viewer_locale), heading="Recent shifts and events")

options: list[str] = [c.value for c in choices]
with st.form("log_form", border=True):
    st.date_input(
        "Date",
        key="log_date",
        format=dates.input_format(),
        min_value=EARLIEST_WIDGET_DAY,
        max_value=today + timedelta(days=366),
    )
    slot_date = st.empty()
    st.text_input(
        "Hours",
        placeholder="e.g. 1.5, 1,5 or 1:30 for an hour and a half",
        key="log_duration",
    )
    slot_minutes = st.empty()
    st.selectbox(
        "What did you do?",
        options=list(ACTIVITIES),
        format_func=lambda code: ACTIVITY_LABELS[code],
        index=None,
        placeholder="Choose an activity",
        key="log_activity",
    )
    slot_activity = st.empty()
    st.selectbox(
        "Event or program (optional)",
        options=options,
        format_func=lambda value: labels.get(value, value),
        index=None,
        placeholder="None",
        key="log_link",
    )
    slot_link = st.empty()
    st.text_area("Note (optional)", max_chars=1000, height=80, key="log_note")
    slot_note = st.empty()
    # An unusual entry (very long, or long ago) asks to be confirmed; the
    # form shows the values just submitted, so the question appears with them.
    try:
        typed_minutes = parse_hours(st.session_state.get("log_duration"))
    except ValueError:
        typed_minutes = None
    why_unusual = unusual(st.session_state.get("log_date"), typed_minutes, today)
    confirmed = False
    if why_unusual:
        confirmed = st.checkbox(f"Yes, save it: {why_unusual}.", key="log_confirm")
    slot_confirm = st.empty()
    slot_form = st.empty()
    submitted = st.form_submit_button("Save hours", type="primary", icon=":material/save:", width="stretch")

SLOTS = {
    "worked_on": slot_date,
    "minutes": slot_minutes,
    "activity": slot_activity,
    "event_id": slot_link,
    "program_id": slot_link,
    "shift_id": slot_link,
    "note": slot_note,
    "form": slot_form,
}
# Which field a refusal from the database belongs beside.
CONSTRAINT_FIELD = {
    "volunteer_hours_not_future": "worked_on",
    "volunteer_hours_after_joining": "worked_on",
    "volunteer_hours_max_per_day": "minutes",
    EVENT_DAY: "event_id",
}


def _link_ids(link: str | None) -> tuple[int | None, int | None]:
    if not link:
        return None, None
    kind, _, raw = link.partition(":")
    return (int(raw), None) if kind == "event" else (None, int(raw))


if submitted:
    link = st.session_state.get("log_link")
    event_id, program_id = _link_ids(link)
    shift = st.session_state.get(SHIFT)
    unreadable = None
    try:
        minutes = parse_hours(st.session_state.get("log_duration"))
    except ValueError as exc:
        minutes, unreadable = None, str(exc)
    values = {
        "worked_on": st.session_state.get("log_date"),
        "minutes": minutes,
        "activity": st.session_state.get("log_activity"),
        "event_id": event_id,
        "program_id": program_id,
        "shift_id": shift[1] if shift and shift[0] == link else None,
        "note": st.session_state.get("log_note") or None,
        "idempotency_key": st.session_state[FORM_KEY],
    }
    try:
        entry = HoursEntry.model_validate(values, context={"today": today})
        if unreadable:
            slot_minutes.error(unreadable, icon=":material/error:")
            st.stop()
        if why_unusual and not confirmed:
            slot_confirm.warning(
                f'Please check: {why_unusual}. Tick "Yes, save it" above and save again, '
                "or correct the entry.",
                icon=":material/help:",
            )
            st.stop()
        result = log_hours(user.identity, entry)
    except ValidationError as exc:
        found = first_errors(exc)
        if unreadable:
            found["minutes"] = unreadable
        for field, message in found.items():
            SLOTS.get(field, slot_form).error(message, icon=":material/error:")
    except InvalidDataError as exc:
        SLOTS[CONSTRAINT_FIELD.get(exc.constraint or "", "form")].error(str(exc), icon=":material/error:")
    except NotAllowedError as exc:
        slot_form.error(str(exc), icon=":material/block:")
    else:
        st.session_state[SAVED] = result
        st.rerun()
