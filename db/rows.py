"""Rows as dicts: the one way db/ modules read a row or a few through a
cursor of their own, in a transaction already open or in one of their own
(frames go through `db.arrow.read_frame`)."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.abc import Params, QueryNoTemplate
from psycopg.rows import dict_row

from db.connection import transaction
from db.identity import Identity

Row = dict[str, Any]


def fetch_one(conn: psycopg.Connection[Any], sql: QueryNoTemplate, params: Params = ()) -> Row | None:
    """One row as a dict (None when there is none)."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(sql, params).fetchone()


def fetch_all(conn: psycopg.Connection[Any], sql: QueryNoTemplate, params: Params = ()) -> list[Row]:
    """Every row as a dict."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(sql, params).fetchall()


def read_one(identity: Identity, sql: QueryNoTemplate, params: Params = ()) -> Row | None:
    """`fetch_one` as `identity`, in a transaction of its own."""
    with transaction(identity) as conn:
        return fetch_one(conn, sql, params)


def read_count(identity: Identity, sql: QueryNoTemplate, params: Params = ()) -> int:
    """A count query's ``n`` as `identity` (`read_one`), 0 when it gives no row."""
    row = read_one(identity, sql, params)
    return int(row["n"]) if row else 0


def read_all(identity: Identity, sql: QueryNoTemplate, params: Params = ()) -> list[Row]:
    """`fetch_all` as `identity`, in a transaction of its own."""
    with transaction(identity) as conn:
        return fetch_all(conn, sql, params)
