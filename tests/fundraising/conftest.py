"""A private empty database with a fundraiser (and a board member) for each
test that changes fundraising data, and the sample exports."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import psycopg
import pytest

from components.session import SignedIn
from db.config import get_settings
from tests.conftest import _worker, clone_database, use_database

SAMPLES = Path(__file__).parent / "samples"
RATES = {"EUR": Decimal("1.08"), "GBP": Decimal("1.26"), "JPY": Decimal("0.0067")}


@dataclass(frozen=True)
class Desk:
    uri: str
    fundraiser: SignedIn
    board: SignedIn


def _person(conn: psycopg.Connection[tuple[object, ...]], email: str, role: str) -> SignedIn:
    row = conn.execute(
        "insert into auth.users (email, email_confirmed_at) values (%s, now()) returning id", (email,)
    ).fetchone()
    assert row is not None
    user_id = UUID(str(row[0]))
    conn.execute("insert into public.roles (user_id, role) values (%s, %s)", (user_id, role))
    return SignedIn(user_id=user_id, email=email, display_name=email.split("@")[0], roles=frozenset({role}))


def private_database(pg_server: object, kind: str) -> str:
    """A fresh clone named for this process: engineers and workers sharing
    the test server never drop each other's database mid-test."""
    return clone_database(pg_server, kind, f"hb_fundraising_{kind}_{_worker()}_{os.getpid()}")


@pytest.fixture
def desk(monkeypatch: pytest.MonkeyPatch, pg_server: object) -> Iterator[Desk]:
    """A fresh database the app's settings point at, with exchange rates
    for EUR, GBP and JPY from 1 January 2024 (reporting currency USD)."""
    uri = private_database(pg_server, "empty")
    use_database(monkeypatch, uri)
    with psycopg.connect(uri, autocommit=True) as conn:
        fundraiser = _person(conn, "fundraiser@desk.test", "fundraiser")
        board = _person(conn, "board@desk.test", "board")
        for currency, rate in RATES.items():
            conn.execute(
                "insert into public.exchange_rates (currency, valid_on, rate) values (%s, %s, %s)",
                (currency, date(2024, 1, 1), rate),
            )
    yield Desk(uri, fundraiser, board)
    get_settings.cache_clear()
    drop_private_database(pg_server, uri)


def drop_private_database(pg_server: object, uri: str) -> None:
    from db.connection import close_pools

    close_pools()
    name = uri.split("/")[-1].split("?")[0]
    with psycopg.connect(str(pg_server.get_uri("postgres")), autocommit=True) as conn:  # type: ignore[attr-defined]
        conn.execute(f'drop database if exists "{name}" with (force)')


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()
