"""Connections and transactions that carry the signed-in person's identity.

Every request runs in a transaction that switches to the `anon` or
`authenticated` role and sets `request.jwt.claims`, exactly as PostgREST
does, so row-level security decides what each person sees, on Supabase
(where the connecting postgres role would otherwise bypass RLS) and embedded.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from db.config import get_settings
from db.errors import mapped_errors
from db.identity import Identity
from db.server import app_uri, database_uri

_pools: dict[str, ConnectionPool] = {}
_pools_lock = threading.Lock()

# PostgREST's own statement: role and claims are transaction-local, so a
# pooled connection never carries one person's identity into another's request.
SET_IDENTITY = "select set_config('role', %s, true), set_config('request.jwt.claims', %s, true)"


def get_pool(uri: str | None = None) -> ConnectionPool:
    uri = uri or database_uri()
    with _pools_lock:
        pool = _pools.get(uri)
        if pool is None:
            pool = ConnectionPool(
                uri,
                min_size=1,
                max_size=get_settings().pool_max_size,
                kwargs={"row_factory": dict_row},
                open=True,
                name="heartbeat",
            )
            _pools[uri] = pool
    return pool


def close_pools() -> None:
    with _pools_lock:
        for pool in _pools.values():
            pool.close()
        _pools.clear()


@contextmanager
def transaction(identity: Identity, uri: str | None = None) -> Iterator[psycopg.Connection]:
    """A transaction in which the database sees `identity`; commits on
    success, rolls back on any error, and maps errors a person can cause to
    NotAllowedError or InvalidDataError."""
    with (
        get_pool(app_uri(uri)).connection() as conn,
        mapped_errors(),
        conn.transaction(),
    ):
        conn.execute(SET_IDENTITY, (identity.db_role, identity.claims_json()))
        yield conn


DictConnection = psycopg.Connection[dict[str, Any]]


@contextmanager
def dict_transaction(identity: Identity) -> Iterator[DictConnection]:
    """`transaction`, typed for the pool's dict rows."""
    with transaction(identity) as conn:
        yield conn  # type: ignore[misc]


@contextmanager
def login_transaction(uri: str | None = None) -> Iterator[psycopg.Connection]:
    """A transaction as the login role itself, before anyone is signed in:
    it may run the sign-in functions granted to it and nothing else."""
    with get_pool(app_uri(uri)).connection() as conn, mapped_errors(), conn.transaction():
        yield conn


@contextmanager
def service_transaction(uri: str | None = None) -> Iterator[psycopg.Connection]:
    """A transaction as the connecting (owner) role, bypassing RLS: only for
    migrations, seeding and operators' commands, never for a page."""
    with get_pool(uri).connection() as conn, mapped_errors(), conn.transaction():
        yield conn
