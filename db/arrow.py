"""Bulk reads into polars through ADBC (Arrow), under the person's identity."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import adbc_driver_manager
import adbc_driver_postgresql.dbapi as adbc
import polars as pl

from db.connection import SET_IDENTITY
from db.errors import InvalidDataError, NotAllowedError
from db.identity import Identity
from db.server import database_uri


def _adbc_params(sql: str, params: Sequence[Any]) -> tuple[str, tuple[Any, ...]]:
    # ADBC's PostgreSQL driver takes $1, $2 …; we write %s like psycopg.
    parts = sql.split("%s")
    if len(parts) - 1 != len(params):
        raise ValueError("parameter count does not match the query")
    out = parts[0]
    for i, part in enumerate(parts[1:], start=1):
        out += f"${i}" + part
    return out, tuple(params)


def read_frame(
    identity: Identity | None,
    sql: str,
    params: Sequence[Any] = (),
    *,
    schema: Mapping[str, pl.DataType | type[pl.DataType]] | None = None,
    uri: str | None = None,
) -> pl.DataFrame:
    """Run one query as `identity` and return its rows as a polars frame.

    `identity=None` reads as the connecting (owner) role, bypassing RLS: only
    for operator commands such as `python -m metrics`, never for a page.

    Columns are cast to `schema` when given, so an empty result still has
    the right types and a page never sees ADBC's opaque `numeric` strings."""
    query, args = _adbc_params(sql, params)
    role_sql, _ = _adbc_params(SET_IDENTITY, ("", ""))
    try:
        with adbc.connect(uri or database_uri()) as conn:
            try:
                with conn.cursor() as cur:
                    if identity is not None:
                        cur.execute(role_sql, (identity.db_role, identity.claims_json()))
                        cur.fetchall()
                    cur.execute(query, args or None)
                    table = cur.fetch_arrow_table()
            finally:
                conn.rollback()
    except adbc_driver_manager.Error as exc:
        state = exc.sqlstate or ""
        if state == "42501":
            raise NotAllowedError(str(exc)) from exc
        if state[:2] in ("22", "23"):
            raise InvalidDataError(str(exc)) from exc
        raise
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    if schema is not None:
        if frame.width == 0 or (frame.height == 0 and frame.columns != list(schema)):
            frame = pl.DataFrame(schema=dict(schema))
        else:
            frame = frame.select([pl.col(name).cast(dtype) for name, dtype in schema.items()])
    return frame
