"""Remembered browser sessions in the database: only the signed-in person
begins one, only a hash is kept, and a token stops working when the session
would end (idle, twelve hours, sign-out, an admin's reset, a suspension)."""

from __future__ import annotations

from uuid import uuid4

import psycopg
import pytest

from db import browser_sessions
from db.accounts import create_account, reset_password
from db.errors import NotAllowedError
from db.identity import ANONYMOUS, Identity
from db.server import login_uri
from tests.auth.world import World
from tests.db import factories as f

IDLE = 30


@pytest.fixture
def person(world: World) -> Identity:
    email = f"remember-{uuid4().hex[:8]}@example.org"
    user_id = create_account(email, "a long enough password", uri=world.uri)
    with f.owner(world.uri) as conn:
        f.add_role(conn, user_id, "volunteer")
    return Identity(user_id=user_id, email=email)


def _age(world: World, token: str, column: str, interval: str) -> None:
    with psycopg.connect(world.uri, autocommit=True) as conn:
        conn.execute(
            f"update app.browser_sessions set {column} = {column} - %s::interval "
            "where token_hash = sha256(convert_to(%s, 'UTF8'))",
            (interval, token),
        )


def test_a_token_signs_its_person_in_again_and_only_its_hash_is_kept(world: World, person: Identity) -> None:
    token = browser_sessions.begin(person, uri=world.uri)
    resumed = browser_sessions.resume(token, IDLE, uri=world.uri)
    assert resumed is not None and resumed.user_id == person.user_id and resumed.email == person.email
    with psycopg.connect(world.uri) as conn:
        stored = conn.execute("select encode(token_hash, 'hex') from app.browser_sessions").fetchall()
    assert token not in {s for (s,) in stored}
    assert (
        browser_sessions.resume(
            token[:-1] + "0" if token[-1] != "0" else token[:-1] + "1", IDLE, uri=world.uri
        )
        is None
    )


def test_nobody_signed_out_can_begin_one(world: World) -> None:
    with pytest.raises(NotAllowedError):
        browser_sessions.begin(ANONYMOUS, uri=world.uri)


def test_unused_past_the_idle_limit_or_twelve_hours_old_it_is_over(world: World, person: Identity) -> None:
    idle = browser_sessions.begin(person, uri=world.uri)
    _age(world, idle, "last_seen_at", f"{IDLE + 1} minutes")
    assert browser_sessions.resume(idle, IDLE, uri=world.uri) is None
    old = browser_sessions.begin(person, uri=world.uri)
    _age(world, old, "started_at", "12 hours 1 minute")
    assert browser_sessions.resume(old, IDLE, uri=world.uri) is None
    used = browser_sessions.begin(person, uri=world.uri)
    _age(world, used, "last_seen_at", f"{IDLE - 1} minutes")
    assert browser_sessions.resume(used, IDLE, uri=world.uri) is not None  # and use renews it
    _age(world, used, "last_seen_at", f"{IDLE - 1} minutes")
    assert browser_sessions.resume(used, IDLE, uri=world.uri) is not None


def test_sign_out_a_reset_or_a_suspension_ends_it(world: World, person: Identity) -> None:
    token = browser_sessions.begin(person, uri=world.uri)
    browser_sessions.end(token, uri=world.uri)
    assert browser_sessions.resume(token, IDLE, uri=world.uri) is None
    token = browser_sessions.begin(person, uri=world.uri)
    reset_password(world.identity("admin"), person.user_id, uri=world.uri)  # type: ignore[arg-type]
    assert browser_sessions.resume(token, IDLE, uri=world.uri) is None
    token = browser_sessions.begin(person, uri=world.uri)
    with psycopg.connect(world.uri, autocommit=True) as conn:
        conn.execute(
            "update auth.users set banned_until = now() + interval '1 day' where id = %s", (person.user_id,)
        )
    assert browser_sessions.resume(token, IDLE, uri=world.uri) is None


def test_no_api_role_reads_the_tokens_or_resumes_one(world: World, person: Identity) -> None:
    token = browser_sessions.begin(person, uri=world.uri)
    with psycopg.connect(login_uri(world.uri)) as conn:
        for role in ("anon", "authenticated"):
            with conn.transaction():
                conn.execute(f"set local role {role}")
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute("select * from app.browser_sessions")
            with conn.transaction():
                conn.execute(f"set local role {role}")
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute("select * from app.browser_session_resume(%s, 30)", (token,))
