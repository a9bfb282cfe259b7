"""How a form tells a person what happened: a message that survives the
rerun after a save, and validation or database refusals shown in full."""

from __future__ import annotations

from typing import NoReturn

import streamlit as st
from pydantic import ValidationError

from db.models.chapters import error_messages

# Text fields a save empties, set to "" on the next run before they are
# drawn: a key merely forgotten keeps its old text in the browser, which
# sends it back with the next click (a second "Create" made a second row).
_EMPTY = "feedback_empty_fields"


def show_flash(key: str) -> None:
    """Show (once) the success message a previous run left under `key`, and
    empty the text fields that save cleared (call it before any widget)."""
    for field in st.session_state.pop(_EMPTY, ()):
        st.session_state[field] = ""
    if flash := st.session_state.pop(key, None):
        st.success(flash, icon=":material/check_circle:")


def finish(key: str, message: str, *clear: str) -> NoReturn:
    """After a save: clear the form's widgets (text ones emptied on the next
    run, others back to their defaults), keep `message` for the next run and
    rerun, so the page redraws from the database."""
    st.session_state[_EMPTY] = [w for w in clear if isinstance(st.session_state.get(w), str)]
    for widget in clear:
        st.session_state.pop(widget, None)
    st.session_state[key] = message
    st.rerun()


def show_errors(exc: Exception) -> None:
    """Every problem a person must fix, one message each, capitalised."""
    messages = error_messages(exc) if isinstance(exc, ValidationError) else [str(exc)]
    for message in messages:
        st.error(message[0].upper() + message[1:], icon=":material/error:")
