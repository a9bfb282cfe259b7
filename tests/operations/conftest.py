"""People and chapters made directly in a fresh database, for tests that
must not depend on the demo generator's choices."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import psycopg
import pytest

from components.session import SignedIn
from db.connection import close_pools
from db.programs import create_program
from models.programs import ProgramIn
from tests.conftest import clone_database, use_database


def add_chapter(uri: str, name: str, level: str, parent_id: int | None = None, **extra: object) -> int:
    cols = ["name", "level", "parent_id", *extra]
    vals = [name, level, parent_id, *extra.values()]
    with psycopg.connect(uri) as conn:
        row = conn.execute(
            f"insert into public.chapters ({', '.join(cols)}) values ({', '.join(['%s'] * len(cols))}) "
            "returning id",
            vals,
        ).fetchone()
    assert row is not None
    return int(row[0])


def add_person(
    uri: str,
    email: str,
    *roles: str,
    chapter_id: int | None = None,
    member_chapter_id: int | None = None,
) -> SignedIn:
    """An account with `roles` (coordinator of `chapter_id`) and, when
    `member_chapter_id` is given, a member record linked to it."""
    with psycopg.connect(uri) as conn:
        row = conn.execute("insert into auth.users (email) values (%s) returning id", (email,)).fetchone()
        assert row is not None
        user_id = row[0]
        for role in roles:
            conn.execute(
                "insert into public.roles (user_id, role, chapter_id) values (%s, %s, %s)",
                (user_id, role, chapter_id if role == "coordinator" else None),
            )
        member_id = None
        if member_chapter_id is not None:
            m = conn.execute(
                "insert into public.members (user_id, full_name, email, chapter_id, joined_on) "
                "values (%s, %s, %s, %s, %s) returning id",
                (user_id, email.split("@")[0].title(), email, member_chapter_id, date(2024, 1, 1)),
            ).fetchone()
            assert m is not None
            member_id = int(m[0])
    return SignedIn(
        user_id=user_id,
        email=email,
        display_name=email.split("@")[0].title(),
        roles=frozenset(roles),
        coordinator_chapters=(chapter_id,) if "coordinator" in roles and chapter_id else (),
        member_id=member_id,
    )


@dataclass
class Movement:
    """International › Canada › Ontario › Toronto and Ottawa; Quebec › Montreal;
    a coordinator of Ontario, an admin, a board member and a volunteer in
    Toronto."""

    uri: str
    international: int
    canada: int
    ontario: int
    quebec: int
    toronto: int
    ottawa: int
    montreal: int
    admin: SignedIn
    coordinator: SignedIn
    board: SignedIn
    volunteer: SignedIn


def build_movement(uri: str) -> Movement:
    intl = add_chapter(uri, "Empathy International", "international")
    canada = add_chapter(uri, "Canada", "national", intl)
    ontario = add_chapter(uri, "Ontario", "regional", canada, time_zone="America/Toronto")
    quebec = add_chapter(uri, "Quebec", "regional", canada, time_zone="America/Toronto")
    toronto = add_chapter(uri, "Toronto", "local", ontario, time_zone="America/Toronto")
    ottawa = add_chapter(uri, "Ottawa", "local", ontario, time_zone="America/Toronto")
    montreal = add_chapter(uri, "Montreal", "local", quebec, time_zone="America/Toronto")
    return Movement(
        uri=uri,
        international=intl,
        canada=canada,
        ontario=ontario,
        quebec=quebec,
        toronto=toronto,
        ottawa=ottawa,
        montreal=montreal,
        admin=add_person(uri, "admin@test.example", "admin"),
        coordinator=add_person(
            uri,
            "coord@test.example",
            "coordinator",
            "volunteer",
            chapter_id=ontario,
            member_chapter_id=toronto,
        ),
        board=add_person(uri, "board@test.example", "board"),
        volunteer=add_person(uri, "vol@test.example", "volunteer", member_chapter_id=toronto),
    )


def circles_at_work(movement: Movement, started_on: date) -> int:
    """A workplace program of empathy circles in Toronto, made by the admin."""
    return create_program(
        movement.admin.identity,
        ProgramIn(
            name="Circles at work",
            kind="empathy_circles",
            audience="workplace",
            chapter_id=movement.toronto,
            started_on=started_on,
        ),
    )


def private_database(server: object, kind: str) -> str:
    """A copy of a template under a name no other test process uses (the
    shared per-worker names collide when several pytest runs share the
    server), dropped again by `drop_private_database`."""
    return clone_database(server, kind, f"hb_ops_{kind}_{os.getpid()}")


def drop_private_database(server: object, kind: str) -> None:
    close_pools()
    with psycopg.connect(str(server.get_uri("postgres")), autocommit=True) as conn:  # type: ignore[attr-defined]
        conn.execute(f'drop database if exists "hb_ops_{kind}_{os.getpid()}" with (force)')


@pytest.fixture
def movement(monkeypatch: pytest.MonkeyPatch, pg_server: object) -> Iterator[Movement]:
    """A small movement in a private database the app is pointed at."""
    uri = private_database(pg_server, "empty")
    use_database(monkeypatch, uri)
    yield build_movement(uri)
    drop_private_database(pg_server, "empty")
