"""How a form tells a person what happened: a message that survives the
rerun after a save, and validation or database refusals shown in full."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import NoReturn

import streamlit as st
from pydantic import ValidationError

from db.errors import InvalidDataError, NotAllowedError
from models.chapters import error_messages

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


# Words a validation error as sentences a person reads; the fundraising desk
# has its own wording (models.donations.error_messages).
Explain = Callable[[ValidationError], list[str]]


def problems(exc: Exception, explain: Explain = error_messages) -> list[str]:
    """Every problem a person must fix, one message each, capitalised: a
    validation error as `explain` words it, any other refusal as it reads."""
    messages = explain(exc) if isinstance(exc, ValidationError) else [str(exc)]
    return [message[:1].upper() + message[1:] for message in messages]


def show_errors(exc: Exception, explain: Explain = error_messages) -> None:
    """Every problem a person must fix, one error box each."""
    for message in problems(exc, explain):
        st.error(message, icon=":material/error:")


def submit_callback(
    *,
    flash: str,
    errors: str,
    reset: Mapping[str, object] | None = None,
    explain: Explain = error_messages,
) -> Callable[[Callable[[], str]], Callable[[], None]]:
    """Turns a save that returns its success message into a form's submit
    callback. Saved: the message is kept under `flash` for the next run and
    the fields of `reset` set back to their values (a callback runs before
    the widgets are drawn again, so it may). Refused: every problem is kept
    under `errors`, for `show_problems` to show under the form."""

    def wrap(save: Callable[[], str]) -> Callable[[], None]:
        @functools.wraps(save)
        def callback() -> None:
            state = st.session_state
            found: list[str] = []
            try:
                message = save()
            except (ValidationError, InvalidDataError, NotAllowedError) as exc:
                found = problems(exc, explain)
            else:
                state[flash] = message
                for key, value in (reset or {}).items():
                    state[key] = value
            state[errors] = found

        return callback

    return wrap


def show_problems(errors: str) -> None:
    """Show (once) the problems the last submit kept under `errors`."""
    for message in st.session_state.pop(errors, []):
        st.error(message, icon=":material/error:")


def saved(change: Callable[..., object], *args: object) -> bool:
    """Makes one change in the database, `change(*args)`: True when it went
    through, False (every problem shown) when the data or the person's
    rights refused it."""
    try:
        change(*args)
    except (InvalidDataError, NotAllowedError) as exc:
        show_errors(exc)
        return False
    return True
