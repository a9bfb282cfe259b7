"""The button that hands a person one event or shift as a calendar file."""

from __future__ import annotations

from datetime import datetime

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from components.ics import ics_event
from db.clock import utc_now


def calendar_button(
    label: str,
    *,
    where: DeltaGenerator | None = None,
    uid: str,
    file_name: str,
    key: str,
    title: str,
    starts: datetime,
    ends: datetime,
    zone: str,
    place: str | None,
) -> None:
    """A download of one event as `file_name`; the same `uid` on a second
    download updates the calendar entry rather than adding another."""
    event = ics_event(uid=uid, title=title, starts=starts, ends=ends, zone=zone, stamp=utc_now(), place=place)
    button = st.download_button if where is None else where.download_button
    button(
        label,
        data=event,
        file_name=file_name,
        mime="text/calendar",
        key=key,
        icon=":material/calendar_add_on:",
    )
