"""The password fields of the sign-in and account pages."""

from __future__ import annotations

from typing import Literal

import streamlit as st

from db.accounts import MAX_PASSWORD_LENGTH


def password_input(
    label: str, *, key: str, autocomplete: Literal["current-password", "new-password"] | None = None
) -> str:
    """A masked password field. `autocomplete` tells a password manager to
    fill in the saved password ("current-password") or to offer a new one
    ("new-password")."""
    return st.text_input(
        label, type="password", key=key, autocomplete=autocomplete, max_chars=MAX_PASSWORD_LENGTH
    )
