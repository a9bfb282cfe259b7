"""The demo movement: a seeded, deterministic Empathy Movement loaded with
COPY, for the embedded default, the tests and the benchmarks.

`load_demo(uri, size="small")` fills an empty migrated database; the same
seed and end date always give the same rows. `python -m db.seed` does it on
the configured database (see `db/seed/__main__.py`)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import psycopg

from db.passwords import hash_password
from db.seed.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD, DemoAccount
from db.seed.load import (
    BIG_TABLES,
    MOVEMENT_TABLES,
    DatabaseNotEmptyError,
    analyze,
    copy_frames,
    defer_checks,
    has_auth_users,
    public_columns,
    reenable_triggers,
    reset_identity,
    restore_checks,
    set_user_triggers,
    tables_holding_rows,
    wipe_movement,
)
from db.seed.movement import Movement, generate
from db.seed.scale import SIZES, get_scale
from db.seed.world import Context

__all__ = [
    "DEMO_ACCOUNTS",
    "DEMO_PASSWORD",
    "SIZES",
    "DatabaseNotEmptyError",
    "DemoAccount",
    "SeedSummary",
    "load_demo",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SeedSummary:
    size: str
    seed: int
    end_date: date
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows loaded
    seconds: float = 0.0
    accounts: int = 0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def load_demo(
    uri: str,
    *,
    size: str = "small",
    with_accounts: bool = True,
    seed: int = 42,
    end_date: date | None = None,
    replace: bool = False,
) -> SeedSummary:
    """Generate the demo movement of `size` and load it into the migrated
    database at `uri`, in one transaction.

    The history runs several years up to `end_date` (default: today, UTC);
    nothing is dated on or after it except upcoming events and shifts.
    Refuses (DatabaseNotEmptyError) a database that already holds chapters
    or members, unless `replace`, which first deletes every public table's
    rows and the demo accounts in the same transaction. `with_accounts`
    creates the demo sign-in accounts in auth.users (embedded and tests
    only: on Supabase, GoTrue owns auth.users)."""
    started = time.perf_counter()
    scale = get_scale(size)
    end = end_date or datetime.now(UTC).date()
    ctx = Context(scale=scale, seed=seed, end_date=end, with_accounts=with_accounts)
    movement = generate(ctx)
    password_hash = hash_password(DEMO_PASSWORD) if with_accounts else ""

    rows: dict[str, int] = {}
    accounts = 0
    with psycopg.connect(uri) as conn, conn.transaction():
        conn.execute("set local time zone 'UTC'")
        if replace:
            wipe_movement(conn, [str(a.user_id) for a in DEMO_ACCOUNTS], [a.email for a in DEMO_ACCOUNTS])
        else:
            holding = tables_holding_rows(conn, MOVEMENT_TABLES)
            if holding:
                raise DatabaseNotEmptyError(
                    "this database already holds a movement (rows in "
                    + ", ".join(holding)
                    + "); use --force to delete it and load the demo instead"
                )
        columns = public_columns(conn)
        if with_accounts:
            if not has_auth_users(conn):
                raise RuntimeError("auth.users does not exist: run the migrations (db.migrate) first")
            accounts = _create_accounts(conn, movement, password_hash)
        big = [t for t in BIG_TABLES if t in columns]
        # Index builds and foreign-key validation after the copy sort and
        # join in memory: give them room (settings any role may change,
        # undone at commit).
        conn.execute("set local maintenance_work_mem = '512MB'")
        conn.execute("set local work_mem = '256MB'")
        set_user_triggers(conn, big, enabled=False)
        try:
            deferred = defer_checks(conn, big)
            rows = _copy_all(conn, movement, columns)
            if with_accounts:
                _grant_roles(conn, movement, end)
            began = time.perf_counter()
            restore_checks(conn, deferred)
            log.debug("rebuilt indexes and foreign keys in %.2f s", time.perf_counter() - began)
            # The kept aggregates' triggers were off for the copy.
            began = time.perf_counter()
            conn.execute("select app.rebuild_hours_monthly()")
            log.debug("rebuilt the monthly hours in %.2f s", time.perf_counter() - began)
        finally:
            reenable_triggers(conn, big)
        reset_identity(conn, [t for t in rows if "id" in columns.get(t, [])])
        _settings(conn, end)
    analyze(uri, [t for t in rows if rows[t]])
    summary = SeedSummary(
        size=size,
        seed=seed,
        end_date=end,
        rows=rows,
        seconds=round(time.perf_counter() - started, 2),
        accounts=accounts,
    )
    log.info("loaded the %s demo movement: %d rows in %.1f s", size, summary.total_rows, summary.seconds)
    return summary


def _copy_all(conn: psycopg.Connection, movement: Movement, columns: dict[str, list[str]]) -> dict[str, int]:
    rows: dict[str, int] = {}
    for table, frame in movement.tables.items():
        if table not in columns:
            # A table a later migration removed, or one not yet added here.
            continue
        began = time.perf_counter()
        if table == "volunteer_hours":
            rows[table] = copy_frames(conn, table, movement.hours(), columns[table])
        elif frame.height == 0:
            rows[table] = 0
        else:
            rows[table] = copy_frames(conn, table, [frame], columns[table])
        log.debug("copied %d rows into %s in %.2f s", rows[table], table, time.perf_counter() - began)
    return rows


def _create_accounts(conn: psycopg.Connection, movement: Movement, password_hash: str) -> int:
    """The demo sign-in accounts, with fixed ids so that links survive a reload."""
    confirmed = datetime.combine(movement.ctx.end_date, datetime.min.time(), tzinfo=UTC)
    conn.execute(
        "delete from auth.users where id = any(%s::uuid[]) or lower(email) = any(%s)",
        ([str(a.user_id) for a in DEMO_ACCOUNTS], [a.email for a in DEMO_ACCOUNTS]),
    )
    with conn.cursor() as cur:
        cur.executemany(
            """insert into auth.users (id, email, encrypted_password, email_confirmed_at,
                                       raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
               values (%s, %s, %s, %s, '{"provider": "email", "demo": true}',
                       jsonb_build_object('full_name', %s::text), %s, %s)""",
            [
                (a.user_id, a.email, password_hash, confirmed, a.display_name, confirmed, confirmed)
                for a in DEMO_ACCOUNTS
            ],
        )
    return len(DEMO_ACCOUNTS)


def _grant_roles(conn: psycopg.Connection, movement: Movement, end: date) -> None:
    granted = datetime.combine(end, datetime.min.time(), tzinfo=UTC)
    rows = []
    for account in DEMO_ACCOUNTS:
        for role in account.roles:
            chapter = movement.placements[account.placement] if role == "coordinator" else None
            rows.append((account.user_id, role, chapter, granted))
    with conn.cursor() as cur:
        cur.executemany(
            "insert into public.roles (user_id, role, chapter_id, granted_at) values (%s, %s, %s, %s)", rows
        )


def _settings(conn: psycopg.Connection, end: date) -> None:
    updated = datetime.combine(end, datetime.min.time(), tzinfo=UTC)
    conn.execute(
        """insert into public.movement_settings (id, movement_name, reporting_currency,
                                                 fiscal_year_start_month, legal_name, postal_address,
                                                 tax_number, updated_at)
           values (true, 'Empathy Movement', 'USD', 1, 'Empathy Movement Inc.',
                   E'100 Example Street\nSpringfield, IL 62701\nUnited States', 'EIN 00-0000000', %s)
           on conflict (id) do update
              set movement_name = excluded.movement_name,
                  legal_name = excluded.legal_name,
                  postal_address = excluded.postal_address,
                  tax_number = excluded.tax_number,
                  reporting_currency = excluded.reporting_currency,
                  fiscal_year_start_month = excluded.fiscal_year_start_month,
                  updated_at = excluded.updated_at""",
        (updated,),
    )
