"""People for the dashboard's AppTests: the demo's board member and
coordinator as sign-in would load them, and a brand-new movement."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest
from streamlit.testing.v1 import AppTest

from components.session import SESSION_KEY, SignedIn, signed_in_from_profile
from db.accounts import load_profile
from db.config import PROJECT_ROOT
from db.identity import Identity
from db.seed.accounts import DEMO_ACCOUNTS

TIMEOUT = 120


def demo_person(uri: str, email: str) -> SignedIn:
    """A demo account exactly as the sign-in page would set it up."""
    account = next(a for a in DEMO_ACCOUNTS if a.email == email)
    profile = load_profile(Identity(user_id=account.user_id, email=email), uri=uri)
    return signed_in_from_profile(profile, email=email)


def page_app(path: str, person: SignedIn | None, query: dict[str, str] | None = None) -> AppTest:
    """One dashboard page under `app.py`'s navigation, as `person`."""
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=TIMEOUT)
    if person is not None:
        at.session_state[SESSION_KEY] = person
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if path != "pages/overview.py":
        at.switch_page(path)
        at.run()
    return at


@pytest.fixture
def board(app_on_demo: str) -> SignedIn:
    return demo_person(app_on_demo, "board@demo.heartbeat.example")


@pytest.fixture
def coordinator(app_on_demo: str) -> SignedIn:
    return demo_person(app_on_demo, "coordinator@demo.heartbeat.example")


def add_board_member(uri: str, email: str = "board@new.example") -> SignedIn:
    with psycopg.connect(uri) as conn:
        row = conn.execute("insert into auth.users (email) values (%s) returning id", (email,)).fetchone()
        assert row is not None
        conn.execute("insert into public.roles (user_id, role) values (%s, 'board')", (row[0],))
    return SignedIn(user_id=row[0], email=email, display_name="New Board", roles=frozenset({"board"}))


@pytest.fixture
def new_movement(app_on_empty: str) -> SignedIn:
    """One chapter founded this year, a few members, one event and no gift,
    expense, hour or survey yet; and its board member."""
    person = add_board_member(app_on_empty)
    today = date.today()
    with psycopg.connect(app_on_empty) as conn:
        row = conn.execute(
            "insert into public.chapters (name, level, founded_on) values ('First circle', 'local', %s) "
            "returning id",
            (date(today.year, 1, 1),),
        ).fetchone()
        assert row is not None
        chapter = row[0]
        for i in range(7):
            conn.execute(
                "insert into public.members (full_name, chapter_id, joined_on) values (%s, %s, %s)",
                (f"Founder {i}", chapter, date(today.year, 1, 1)),
            )
    return person
