"""How a form tells a person what happened: a message that survives the
rerun after a save, and validation or database refusals shown in full."""

from __future__ import annotations

from typing import NoReturn

import streamlit as st
from pydantic import ValidationError

from db.models.chapters import error_messages


def show_flash(key: str) -> None:
    """Show (once) the success message a previous run left under `key`."""
    if flash := st.session_state.pop(key, None):
        st.success(flash, icon=":material/check_circle:")


def finish(key: str, message: str, *clear: str) -> NoReturn:
    """After a save: forget the form's widget values, keep `message` for the
    next run and rerun, so the page redraws from the database."""
    for widget in clear:
        st.session_state.pop(widget, None)
    st.session_state[key] = message
    st.rerun()


def show_errors(exc: Exception) -> None:
    """Every problem a person must fix, one message each, capitalised."""
    messages = error_messages(exc) if isinstance(exc, ValidationError) else [str(exc)]
    for message in messages:
        st.error(message[0].upper() + message[1:], icon=":material/error:")
