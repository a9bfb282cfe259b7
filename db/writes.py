"""The shapes a form's write takes: add a row and learn its id, change the
one row a person asked for, and say in the person's words what they may do
when the database refuses.

`insert_row` and `update_row` write a row whose columns are named like the
keys of `values` (a form model's `model_dump()`), so the list of columns is
written once, in the model; statements that compute a column stay written
out in their modules and go through `insert_id` and `change_one`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql
from psycopg.abc import Params, QueryNoTemplate

from db.connection import transaction
from db.errors import NotAllowedError
from db.identity import Identity
from db.rows import fetch_one

Values = Mapping[str, object]  # column name -> value, such as a form model's `model_dump()`


@contextmanager
def refused_as(message: str) -> Iterator[None]:
    """Any refusal inside reads `message`: the database's own words name a
    policy or a grant, not what this person may do instead."""
    try:
        yield
    except NotAllowedError as exc:
        raise NotAllowedError(message) from exc


def insert_id(conn: psycopg.Connection[Any], query: QueryNoTemplate, params: Params) -> int:
    """Runs an `insert … returning id` and gives the new row's id."""
    row = fetch_one(conn, query, params)
    assert row is not None
    return int(row["id"])


def change_one(conn: psycopg.Connection[Any], query: QueryNoTemplate, params: Params, refusal: str) -> None:
    """Runs an update or delete of one row by its id. Row-level security
    hides the rows a person may not change, so touching none is a refusal."""
    if conn.execute(query, params).rowcount != 1:
        raise NotAllowedError(refusal)


def _insert(table: str, values: Values) -> sql.Composed:
    return sql.SQL("insert into {} ({}) values ({})").format(
        sql.Identifier("public", table),
        sql.SQL(", ").join(map(sql.Identifier, values)),
        sql.SQL(", ").join(map(sql.Placeholder, values)),
    )


def insert_row(conn: psycopg.Connection[Any], table: str, values: Values) -> int:
    """`insert into public.<table> (<column>, …) values (…)`; the new id."""
    return insert_id(conn, _insert(table, values) + sql.SQL(" returning id"), values)


def insert_once(conn: psycopg.Connection[Any], table: str, values: Values, key: str) -> int | None:
    """`insert_row`, unless a row with the same `key` (a unique column such
    as an idempotency key) is already stored: then nothing, and None."""
    query = _insert(table, values) + sql.SQL(" on conflict ({}) do nothing returning id").format(
        sql.Identifier(key)
    )
    row = fetch_one(conn, query, values)
    return None if row is None else int(row["id"])


def update_row(conn: psycopg.Connection[Any], table: str, row_id: int, values: Values, refusal: str) -> None:
    """`update public.<table> set <column> = …, … where id = <row_id>`;
    NotAllowedError(refusal) when that row is not there for this person."""
    columns = sql.SQL(", ").join(
        sql.SQL("{} = {}").format(sql.Identifier(column), sql.Placeholder(column)) for column in values
    )
    query = sql.SQL("update {} set {} where id = %(id)s").format(sql.Identifier("public", table), columns)
    change_one(conn, query, {**values, "id": row_id}, refusal)


def insert_as(identity: Identity, table: str, values: Values, *, refusal: str, uri: str | None) -> int:
    """`insert_row` as `identity` in a transaction of its own; any refusal
    reads `refusal`."""
    with refused_as(refusal), transaction(identity, uri) as conn:
        new_id = insert_row(conn, table, values)
    return new_id


def update_as(
    identity: Identity, table: str, row_id: int, values: Values, *, refusal: str, uri: str | None
) -> None:
    """`update_row` as `identity` in a transaction of its own; any refusal
    reads `refusal`."""
    with refused_as(refusal), transaction(identity, uri) as conn:
        update_row(conn, table, row_id, values, refusal)


def delete_by_id(identity: Identity, table: str, row_id: int, *, refusal: str, uri: str | None) -> None:
    """Removes one row of `public.<table>` as `identity`, in a transaction of
    its own; NotAllowedError(refusal) when no row was removed."""
    query = sql.SQL("delete from {} where id = %s").format(sql.Identifier("public", table))
    with transaction(identity, uri) as conn:
        change_one(conn, query, (row_id,), refusal)
