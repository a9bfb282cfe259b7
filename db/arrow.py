"""Bulk reads into polars through ADBC (Arrow), under the person's identity."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import adbc_driver_manager
import adbc_driver_postgresql.dbapi as adbc
import polars as pl
import pyarrow as pa

from db.connection import SET_IDENTITY
from db.errors import InvalidDataError, NotAllowedError
from db.identity import Identity
from db.server import app_uri, database_uri

_PLACEHOLDER = re.compile(r"%[s%]")


def _adbc_params(sql: str, params: Sequence[Any]) -> tuple[str, tuple[Any, ...]]:
    # ADBC's PostgreSQL driver takes $1, $2 …; we write %s like psycopg, and
    # %% for a literal percent sign, so the same SQL works with both.
    count = 0

    def number(match: re.Match[str]) -> str:
        nonlocal count
        if match.group() == "%%":
            return "%"
        count += 1
        return f"${count}"

    out = _PLACEHOLDER.sub(number, sql)
    if count != len(params):
        raise ValueError(f"the query has {count} placeholder(s) but {len(params)} parameter(s) were given")
    return out, tuple(params)


def _plain(table: pa.Table) -> pl.DataFrame:
    """The table as polars understands it: ADBC hands numeric, json and
    uuid over as Arrow extension types, which polars cannot cast; unwrap them
    to their text (numeric, json) and canonical uuid text."""
    uuids: list[str] = []
    columns: list[pa.ChunkedArray] = []
    for field, column in zip(table.schema, table.columns, strict=True):
        if isinstance(field.type, pa.BaseExtensionType):
            if isinstance(field.type, pa.UuidType):
                uuids.append(field.name)
            storage = [chunk.storage for chunk in column.chunks]
            column = pa.chunked_array(storage, type=field.type.storage_type)
        columns.append(column)
    frame = pl.from_arrow(pa.table(columns, names=table.column_names))
    assert isinstance(frame, pl.DataFrame)
    if uuids:
        frame = frame.with_columns(_uuid_text(name) for name in uuids)
    return frame


def _uuid_text(name: str) -> pl.Expr:
    hexed = pl.col(name).bin.encode("hex")
    parts = [hexed.str.slice(a, b - a) for a, b in ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32))]
    return pl.concat_str(parts, separator="-").alias(name)


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
        with adbc.connect((uri or database_uri()) if identity is None else app_uri(uri)) as conn:
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
    frame = _plain(table)
    if schema is not None:
        if frame.width == 0 or (frame.height == 0 and frame.columns != list(schema)):
            frame = pl.DataFrame(schema=dict(schema))
        else:
            frame = frame.select([pl.col(name).cast(dtype) for name, dtype in schema.items()])
    return frame
