"""Dates written in a frame's cells take the viewer's locale from the
script's thread, read once: polars may run a mapped function on a thread of
its own, where no browser session can be asked."""

from __future__ import annotations

import threading
from datetime import date

import polars as pl
import pytest

from components import dates


def test_month_labels_read_the_locale_once_in_the_callers_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    caller = threading.get_ident()
    asked: list[int] = []

    def viewer_locale() -> str:
        asked.append(threading.get_ident())
        # Another thread has no session: it would get the default.
        return "de_DE" if threading.get_ident() == caller else "en_US"

    monkeypatch.setattr(dates, "viewer_locale", viewer_locale)
    months = [date(2025, m, 1) for m in range(1, 13)] * 500
    frame = pl.DataFrame({"cohort": months, "size": range(len(months))})
    labels = frame.select(dates.month_expr("cohort").alias("joined in"), pl.col("size") * 2)["joined in"]
    assert asked == [caller]
    assert set(labels) == {dates.date_rules.month(m, "de_DE") for m in months[:12]}
    assert "Dez. 2025" in set(labels)
