"""Steps that page tests through AppTest take alike."""

from __future__ import annotations

from datetime import date

from streamlit.testing.v1 import AppTest


def submit_with(at: AppTest, submit: str, **dates: date | None) -> None:
    """Put these days in the date fields (by key), then press `submit`."""
    for key, day in dates.items():
        at.date_input(key=key).set_value(day)
    at.button(key=submit).click().run()
