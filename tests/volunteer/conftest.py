"""A small movement built in a fresh empty database for the volunteer
portal's tests: two local chapters under a regional one, a volunteer, a
coordinator, a volunteer elsewhere, events and shifts in the past and the
future. Rows are created as the owner (like the seed); every test then acts
as a signed-in person through the app's own functions."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import psycopg
import pytest
from streamlit.testing.v1 import AppTest

from components.session import SignedIn
from db.config import get_settings
from tests.conftest import clone_database, use_database
from tests.db import factories as f


@dataclass(frozen=True)
class World:
    uri: str
    region: int
    local: int
    other: int
    volunteer: SignedIn
    volunteer_member: int
    volunteer2: SignedIn
    volunteer2_member: int
    coordinator: SignedIn
    coordinator_member: int
    outsider: SignedIn
    outsider_member: int
    program: int
    past_event: int
    past_shift: int
    future_event: int
    future_shift: int  # capacity 2
    other_future_shift: int  # in the other chapter


def add_person(
    conn: psycopg.Connection,
    email: str,
    name: str,
    chapter_id: int,
    roles: dict[str, int | None],
    joined_on: date = date(2020, 1, 1),
) -> tuple[SignedIn, int]:
    """An account, its member record and its roles; returns the session a
    sign-in would make and the member id."""
    user_id = conn.execute("insert into auth.users (email) values (%s) returning id", (email,)).fetchone()[0]
    member_id = conn.execute(
        "insert into public.members (user_id, full_name, email, chapter_id, joined_on) "
        "values (%s, %s, %s, %s, %s) returning id",
        (user_id, name, email, chapter_id, joined_on),
    ).fetchone()[0]
    for role, chapter in roles.items():
        conn.execute(
            "insert into public.roles (user_id, role, chapter_id) values (%s, %s, %s)",
            (user_id, role, chapter),
        )
    signed = SignedIn(
        user_id=UUID(str(user_id)),
        email=email,
        display_name=name,
        roles=frozenset(roles),
        coordinator_chapters=tuple(c for r, c in roles.items() if r == "coordinator" and c),
        member_id=member_id,
    )
    return signed, member_id


def add_event(
    conn: psycopg.Connection,
    chapter_id: int,
    title: str,
    starts_at: datetime,
    hours: float = 3,
    program_id: int | None = None,
) -> int:
    return conn.execute(
        "insert into public.events (chapter_id, program_id, kind, title, starts_at, ends_at, place) "
        "values (%s, %s, 'community_event', %s, %s, %s, 'Town hall') returning id",
        (chapter_id, program_id, title, starts_at, starts_at + timedelta(hours=hours)),
    ).fetchone()[0]


def add_shift(
    conn: psycopg.Connection, event_id: int, title: str, starts_at: datetime, hours: float, capacity: int
) -> int:
    return conn.execute(
        "insert into public.shifts (event_id, title, starts_at, ends_at, capacity) "
        "values (%s, %s, %s, %s, %s) returning id",
        (event_id, title, starts_at, starts_at + timedelta(hours=hours), capacity),
    ).fetchone()[0]


def build_world(uri: str) -> World:
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    with psycopg.connect(uri, autocommit=True) as conn:
        region = f.add_chapter(conn, "regional", name="North Region")
        local = f.add_chapter(conn, "local", region, name="Riverside")
        other = f.add_chapter(conn, "local", name="Hillside")
        program = f.add_program(conn, local, name="Circles in schools", kind="empathy_circles")
        volunteer, volunteer_member = add_person(
            conn, "vera@example.org", "Vera Volunteer", local, {"volunteer": None}
        )
        volunteer2, volunteer2_member = add_person(
            conn, "victor@example.org", "Victor Volunteer", local, {"volunteer": None}
        )
        coordinator, coordinator_member = add_person(
            conn, "cora@example.org", "Cora Coordinator", local, {"volunteer": None, "coordinator": region}
        )
        outsider, outsider_member = add_person(
            conn, "otto@example.org", "Otto Outsider", other, {"volunteer": None}
        )
        past_start = now - timedelta(days=2)
        past_event = add_event(conn, local, "Riverside picnic", past_start, 4, program)
        past_shift = add_shift(conn, past_event, "Set-up crew", past_start, 2, 5)
        future_start = now + timedelta(days=5)
        future_event = add_event(conn, local, "Listening festival", future_start, 5)
        future_shift = add_shift(conn, future_event, "Welcome desk", future_start, 2.5, 2)
        other_event = add_event(conn, other, "Hillside circle", future_start, 2)
        other_future_shift = add_shift(conn, other_event, "Tea and chairs", future_start, 2, 3)
        # Vera signed up for the past shift and attended the picnic.
        conn.execute(
            "insert into public.shift_signups (shift_id, member_id) values (%s, %s)",
            (past_shift, volunteer_member),
        )
    return World(
        uri=uri,
        region=region,
        local=local,
        other=other,
        volunteer=volunteer,
        volunteer_member=volunteer_member,
        volunteer2=volunteer2,
        volunteer2_member=volunteer2_member,
        coordinator=coordinator,
        coordinator_member=coordinator_member,
        outsider=outsider,
        outsider_member=outsider_member,
        program=program,
        past_event=past_event,
        past_shift=past_shift,
        future_event=future_event,
        future_shift=future_shift,
        other_future_shift=other_future_shift,
    )


@pytest.fixture
def world(pg_server: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """A fresh database with the small movement above; the app's settings
    point at it for the test. Its name carries the process id, so test runs
    started at the same time on one server never drop each other's copy."""
    from db.connection import close_pools

    name = f"hb_volunteer_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"
    uri = clone_database(pg_server, "empty", name)
    use_database(monkeypatch, uri)
    yield build_world(uri)
    close_pools()
    get_settings.cache_clear()
    with psycopg.connect(str(pg_server.get_uri("postgres")), autocommit=True) as conn:  # type: ignore[attr-defined]
        conn.execute(f'drop database if exists "{name}" with (force)')


def count(uri: str, sql: str, params: tuple[object, ...] = ()) -> int:
    with psycopg.connect(uri) as conn:
        return int(conn.execute(sql, params).fetchone()[0])


def edit_table(at: AppTest, key_holder: str, rows: dict[int, dict[str, object]]) -> None:
    """What a person's clicks in a data editor leave in Streamlit's state:
    `rows` (by position) edited in the editor whose widget key the page keeps
    in session_state[`key_holder`]."""
    edits = {"edited_rows": rows, "added_rows": [], "deleted_rows": []}
    at.session_state[at.session_state[key_holder]] = edits
