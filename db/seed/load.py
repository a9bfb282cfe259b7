"""Copying the generated movement into PostgreSQL: COPY in CSV through
psycopg, in one transaction, as the owner role (bypassing RLS).

The big tables are copied with their user triggers disabled (the per-row
checks, counters and audit would make a national load take hours); the
generator guarantees everything those triggers enforce. `ALTER TABLE …
DISABLE TRIGGER USER` is allowed to a table's owner, also on Supabase, and
is transactional: a failed load rolls it back with everything else."""

from __future__ import annotations

import io
import itertools
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import polars as pl
import psycopg
from psycopg import sql
from psycopg.copy import QueuedLibpqWriter
from psycopg.pq import TransactionStatus

log = logging.getLogger(__name__)

# Tables copied with user triggers disabled (roles too, so that the audit
# log starts empty rather than with the seed's own grants).
BIG_TABLES = (
    "roles",
    "members",
    "events",
    "attendance",
    "shifts",
    "shift_signups",
    "volunteer_hours",
    "donors",
    "recurring_plans",
    "donations",
    "donation_refunds",
    "survey_responses",
)

# Rows in any of these mean the database already holds a movement.
MOVEMENT_TABLES = ("chapters", "members")

_CSV_ROWS = 250_000


class DatabaseNotEmptyError(RuntimeError):
    """The database already holds movement data and no one asked to replace it."""


def public_columns(conn: psycopg.Connection) -> dict[str, list[str]]:
    """Every base table in public with its columns, as the database has them
    now (later migrations may add tables and columns the seed knows of)."""
    rows = conn.execute(
        """select c.table_name::text, c.column_name::text
             from information_schema.columns c
             join information_schema.tables t
               on t.table_schema = c.table_schema and t.table_name = c.table_name
            where c.table_schema = 'public' and t.table_type = 'BASE TABLE'
            order by c.table_name, c.ordinal_position"""
    ).fetchall()
    out: dict[str, list[str]] = {}
    for table, column in rows:
        out.setdefault(table, []).append(column)
    return out


def tables_holding_rows(conn: psycopg.Connection, tables: Sequence[str]) -> list[str]:
    found = []
    for table in tables:
        row = conn.execute(
            sql.SQL("select exists (select 1 from public.{})").format(sql.Identifier(table))
        ).fetchone()
        if row and row[0]:
            found.append(table)
    return found


def wipe_movement(conn: psycopg.Connection, demo_user_ids: Sequence[str], demo_emails: Sequence[str]) -> None:
    """Delete every row of every public table (the settings row stays) and
    the demo sign-in accounts."""
    tables = [t for t in public_columns(conn) if t != "movement_settings"]
    if tables:
        conn.execute(
            sql.SQL("truncate {} restart identity cascade").format(
                sql.SQL(", ").join(sql.Identifier("public", t) for t in tables)
            )
        )
    # On Supabase, auth.users belongs to GoTrue and may not be ours to change.
    if has_auth_users(conn) and _may_delete_users(conn):
        conn.execute(
            "delete from auth.users where id = any(%s::uuid[]) or lower(email) = any(%s)",
            (list(demo_user_ids), list(demo_emails)),
        )


def _may_delete_users(conn: psycopg.Connection) -> bool:
    row = conn.execute("select has_table_privilege('auth.users', 'delete')").fetchone()
    return bool(row and row[0])


def has_auth_users(conn: psycopg.Connection) -> bool:
    row = conn.execute("select to_regclass('auth.users') is not null").fetchone()
    return bool(row and row[0])


def set_user_triggers(conn: psycopg.Connection, tables: Iterable[str], *, enabled: bool) -> None:
    verb = sql.SQL("enable" if enabled else "disable")
    for table in tables:
        conn.execute(sql.SQL("alter table {} {} trigger user").format(sql.Identifier("public", table), verb))


def reenable_triggers(conn: psycopg.Connection, tables: Iterable[str]) -> None:
    """Turn the triggers back on, unless the transaction already failed (its
    rollback restores them, and a statement now would hide the real error)."""
    if conn.info.transaction_status == TransactionStatus.INERROR:
        return
    set_user_triggers(conn, tables, enabled=True)


@dataclass
class Deferred:
    """Foreign keys, keys and plain indexes of the big tables, dropped for
    the load and recreated from their own definitions afterwards (as
    pg_restore does): one validating join and one sorted build each are far
    cheaper than millions of per-row checks and index insertions (random
    UUIDs especially)."""

    foreign_keys: list[tuple[str, str, str]] = field(default_factory=list)  # table, name, definition
    keys: list[tuple[str, str, str]] = field(default_factory=list)  # primary and unique keys
    indexes: list[str] = field(default_factory=list)  # create index statements


def defer_checks(conn: psycopg.Connection, tables: Sequence[str]) -> Deferred:
    qualified = [f"public.{t}" for t in tables]
    deferred = Deferred()
    for table, name, definition in conn.execute(
        """select c.conrelid::regclass::text, c.conname::text, pg_get_constraintdef(c.oid)
             from pg_constraint c
            where c.contype = 'f' and c.conrelid = any(%s::regclass[])
            order by 1, 2""",
        (qualified,),
    ):
        deferred.foreign_keys.append((table, name, definition))
    for name, definition in conn.execute(
        """select i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
             from pg_index i
            where i.indrelid = any(%s::regclass[])
              and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid)
            order by 1""",
        (qualified,),
    ):
        deferred.indexes.append(definition)
        conn.execute(sql.SQL("drop index {}").format(sql.SQL(name)))
    for table, name, _ in deferred.foreign_keys:
        conn.execute(
            sql.SQL("alter table {} drop constraint {}").format(sql.SQL(table), sql.Identifier(name))
        )
    # Keys no remaining foreign key (from a table not being loaded) relies on.
    for table, name, definition in conn.execute(
        """select c.conrelid::regclass::text, c.conname::text, pg_get_constraintdef(c.oid)
             from pg_constraint c
            where c.contype in ('p', 'u') and c.conrelid = any(%s::regclass[])
              and not exists (select 1 from pg_constraint f where f.contype = 'f' and f.conindid = c.conindid)
            order by 1, 2""",
        (qualified,),
    ).fetchall():
        deferred.keys.append((table, name, definition))
        conn.execute(
            sql.SQL("alter table {} drop constraint {}").format(sql.SQL(table), sql.Identifier(name))
        )
    return deferred


def restore_checks(conn: psycopg.Connection, deferred: Deferred) -> None:
    """Recreate what defer_checks dropped; a row that breaks a foreign key
    fails the load here, as it would have during the copy."""
    for table, name, definition in deferred.keys:
        conn.execute(
            sql.SQL("alter table {} add constraint {} {}").format(
                sql.SQL(table), sql.Identifier(name), sql.SQL(definition)
            )
        )
    for definition in deferred.indexes:
        conn.execute(definition)
    for table, name, definition in deferred.foreign_keys:
        conn.execute(
            sql.SQL("alter table {} add constraint {} {}").format(
                sql.SQL(table), sql.Identifier(name), sql.SQL(definition)
            )
        )


def copy_frames(
    conn: psycopg.Connection,
    table: str,
    frames: Iterable[pl.DataFrame],
    available: Sequence[str],
) -> int:
    """COPY the frames' columns that the table has; returns rows copied.

    A queued writer sends each block from a thread, so generating the next
    chunk overlaps with the server ingesting this one."""
    stream = iter(frames)
    first = next(stream, None)
    if first is None:
        return 0
    columns = [c for c in first.columns if c in available]
    statement = sql.SQL("copy {} ({}) from stdin (format csv)").format(
        sql.Identifier("public", table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    copied = 0
    with conn.cursor() as cur, cur.copy(statement, writer=QueuedLibpqWriter(cur)) as copy:
        for frame in itertools.chain([first], stream):
            part = frame.select(columns)
            for chunk in part.iter_slices(_CSV_ROWS):
                buf = io.BytesIO()
                chunk.write_csv(buf, include_header=False, datetime_format="%Y-%m-%d %H:%M:%S%.f")
                copy.write(buf.getvalue())
            copied += part.height
    return copied


def reset_identity(conn: psycopg.Connection, tables: Iterable[str]) -> None:
    """Move each id sequence past the explicit ids just loaded."""
    for table in tables:
        row = conn.execute("select pg_get_serial_sequence(%s, 'id')", (f"public.{table}",)).fetchone()
        if not row or not row[0]:
            continue
        conn.execute(
            sql.SQL("select setval(%s, coalesce((select max(id) from {}), 0) + 1, false)").format(
                sql.Identifier("public", table)
            ),
            (row[0],),
        )


def analyze(uri: str, tables: Iterable[str]) -> None:
    with psycopg.connect(uri, autocommit=True) as conn:
        for table in tables:
            conn.execute(sql.SQL("analyze {}").format(sql.Identifier("public", table)))
