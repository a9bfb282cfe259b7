"""An account an admin suspends or resets is signed out at its next click,
not when its session idles out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from uuid import uuid4

import psycopg
import pytest
from streamlit.testing.v1 import AppTest

from components.session import SESSION_KEY, STARTED_KEY, signed_in_from_profile
from db import clock
from db.accounts import create_account, load_profile, reset_password, session_ended
from db.config import PROJECT_ROOT, get_settings
from db.identity import Identity
from tests.auth.world import World
from tests.conftest import use_database
from tests.db import factories as f

APP = str(PROJECT_ROOT / "app.py")
ENDED = "Your session has ended: your account was changed by an admin. Please sign in again."


@pytest.fixture
def volunteer(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[Identity]:
    """A volunteer of their own, so changing their account touches no other test."""
    use_database(monkeypatch, world.uri)
    monkeypatch.delenv("SUPABASE_URL", raising=False)
    monkeypatch.delenv("SUPABASE_ANON_KEY", raising=False)
    email = f"vol-{uuid4().hex[:8]}@example.org"
    user_id = create_account(email, "a long enough password", full_name="Sam Volunteer", uri=world.uri)
    with f.owner(world.uri) as conn:
        f.add_role(conn, user_id, "volunteer")
    yield Identity(user_id=user_id, email=email)
    get_settings.cache_clear()


def _signed_in(world: World, who: Identity, **state: object) -> AppTest:
    user = signed_in_from_profile(load_profile(who, uri=world.uri), email=who.email or "")
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state[SESSION_KEY] = user
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def _next_click(world: World, who: Identity, before: AppTest) -> AppTest:
    # AppTest puts preset state back on every run, so the same browser
    # session's next run is a new AppTest carrying the time it began.
    return _signed_in(world, who, **{STARTED_KEY: before.session_state[STARTED_KEY]})


def test_an_admins_reset_ends_the_session_at_the_next_click(world: World, volunteer: Identity) -> None:
    at = _signed_in(world, volunteer)
    assert SESSION_KEY in at.session_state
    assert not session_ended(volunteer, clock.utc_now() - timedelta(minutes=5), uri=world.uri)
    reset_password(world.identity("admin"), volunteer.user_id, uri=world.uri)  # type: ignore[arg-type]
    at = _next_click(world, volunteer, at)
    assert SESSION_KEY not in at.session_state
    assert ENDED in [i.value for i in at.info]
    # A session begun after the reset (the new sign-in) is not ended.
    assert not session_ended(volunteer, clock.utc_now() + timedelta(seconds=1), uri=world.uri)


def test_a_suspension_ends_the_session_at_the_next_click(world: World, volunteer: Identity) -> None:
    at = _signed_in(world, volunteer)
    assert SESSION_KEY in at.session_state
    with psycopg.connect(world.uri, autocommit=True) as conn:
        conn.execute(
            "update auth.users set banned_until = now() + interval '7 days' where id = %s",
            (volunteer.user_id,),
        )
    at = _next_click(world, volunteer, at)
    assert SESSION_KEY not in at.session_state
    assert ENDED in [i.value for i in at.info]
    # Even a session begun after the ban is refused while it lasts.
    assert session_ended(volunteer, clock.utc_now() + timedelta(seconds=1), uri=world.uri)


def test_changing_ones_own_password_keeps_the_session(world: World, volunteer: Identity) -> None:
    at = _signed_in(world, volunteer)
    from db.accounts import change_own_password

    change_own_password(
        volunteer,
        volunteer.email or "",
        "a long enough password",
        "another long password here",
        uri=world.uri,
    )
    at = _next_click(world, volunteer, at)
    assert SESSION_KEY in at.session_state
