"""The fundraising pages' figures kept until the gifts change (issue 13):
every change to gifts stamps the database, a kept figure is read back only
when computed after the stamp settled, and right after a change the page
computes its figures from the gifts again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import psycopg
import pytest
from streamlit.testing.v1 import AppTest

import db.donations
from components import kept_figures
from db import gift_stamps
from db.config import PROJECT_ROOT
from tests.fundraising.conftest import Desk


def _stamp(uri: str) -> object:
    with psycopg.connect(uri) as conn:
        row = conn.execute("select changed_at from app.change_stamps where subject = 'gifts'").fetchone()
    return None if row is None else row[0]


def _add_gift(uri: str, name: str, on: date) -> None:
    with psycopg.connect(uri) as conn:
        row = conn.execute(
            "insert into public.donors (display_name, kind) values (%s, 'individual') returning id", (name,)
        ).fetchone()
        assert row is not None
        conn.execute(
            "insert into public.donations (donor_id, received_on, amount_minor, currency, "
            "reporting_amount_minor, method, idempotency_key) "
            "values (%s, %s, 5000, 'USD', 5000, 'cash', gen_random_uuid())",
            (row[0], on),
        )


def _settled(uri: str) -> None:
    """As if the last change to the gifts was an hour ago."""
    with psycopg.connect(uri) as conn:
        conn.execute("update app.change_stamps set changed_at = now() - interval '1 hour'")


@pytest.fixture
def gift_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    reads: list[int] = []
    real: Callable[..., object] = db.donations.gifts_frame

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        frame = real(*args, **kwargs)
        reads.append(frame.height)  # type: ignore[attr-defined]
        return frame

    monkeypatch.setattr(db.donations, "gifts_frame", counted)
    kept_figures.forget()
    return reads


def _retention(desk: Desk) -> AppTest:
    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / "retention.py"), default_timeout=90)
    at.session_state["signed_in"] = desk.fundraiser
    at.session_state["retention_year"] = 2025
    at.run()
    assert not at.exception, at.exception
    return at


def test_every_change_to_the_gifts_stamps_the_database(desk: Desk) -> None:
    stamps = [_stamp(desk.uri)]
    _add_gift(desk.uri, "Ada Donor", date(2025, 3, 1))
    stamps.append(_stamp(desk.uri))
    with psycopg.connect(desk.uri) as conn:
        conn.execute("update public.donations set method = 'cheque'")
    stamps.append(_stamp(desk.uri))
    with psycopg.connect(desk.uri) as conn:
        conn.execute("delete from public.donations")
    stamps.append(_stamp(desk.uri))
    assert stamps[1] is not None
    assert stamps[1] < stamps[2] < stamps[3]  # type: ignore[operator]
    changed, now = gift_stamps.gifts_changed_at(desk.fundraiser.identity)
    assert changed == stamps[3] and now >= changed


def test_retention_is_kept_until_the_gifts_change(desk: Desk, gift_reads: list[int]) -> None:
    _add_gift(desk.uri, "Ada Donor", date(2024, 3, 1))
    _add_gift(desk.uri, "Bea Donor", date(2025, 3, 1))
    # Just changed: computed on every run, kept nowhere.
    _retention(desk)
    _retention(desk)
    assert gift_reads == [2, 2]

    _settled(desk.uri)
    first = _retention(desk)
    assert gift_reads == [2, 2, 2]
    kept_figures.forget()  # a restart: what the database kept is read back
    again = _retention(desk)
    assert gift_reads == [2, 2, 2], "the kept figures were not used"
    assert [m.value for m in again.metric] == [m.value for m in first.metric]

    _add_gift(desk.uri, "Cy Donor", date(2025, 4, 1))
    _retention(desk)
    assert gift_reads == [2, 2, 2, 3], "a new gift did not show"
