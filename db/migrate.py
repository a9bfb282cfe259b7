"""Applies the bootstrap (bare PostgreSQL only) and pending migrations.

`python -m db.migrate` runs it against whichever database is configured.
Applied versions are recorded in supabase_migrations.schema_migrations, the
table the Supabase CLI uses, so `supabase db push` and this command agree."""

from __future__ import annotations

import argparse
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg

from db.cli import parse_args
from db.config import PROJECT_ROOT
from db.server import database_uri

log = logging.getLogger(__name__)
MIGRATIONS_DIR = PROJECT_ROOT / "supabase" / "migrations"
BOOTSTRAP_FILE = Path(__file__).with_name("bootstrap.sql")
_NAME = re.compile(r"^(\d{14})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    path: Path


def list_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise ValueError(f"migration file name must be <14 digits>_<name>.sql: {path.name}")
        found.append(Migration(match.group(1), match.group(2), path))
    return found


def is_supabase(conn: psycopg.Connection) -> bool:
    """A Supabase project already has auth.uid() and its roles; we must not
    recreate them there, and cannot, as a non-superuser."""
    row = conn.execute("select exists (select 1 from pg_roles where rolname = 'supabase_admin')").fetchone()
    return bool(row and row[0])


def needs_bootstrap(conn: psycopg.Connection) -> bool:
    row = conn.execute("select to_regprocedure('auth.uid()') is null").fetchone()
    return bool(row and row[0])


def apply_bootstrap(conn: psycopg.Connection) -> None:
    conn.execute(BOOTSTRAP_FILE.read_text())


def applied_versions(conn: psycopg.Connection) -> set[str]:
    conn.execute("create schema if not exists supabase_migrations")
    conn.execute(
        "create table if not exists supabase_migrations.schema_migrations "
        "(version text primary key, statements text[], name text)"
    )
    return {r[0] for r in conn.execute("select version from supabase_migrations.schema_migrations")}


def migrate(uri: str | None = None, *, bootstrap: bool | None = None) -> list[str]:
    """Apply what has not run yet; returns the versions applied now.

    Each migration runs in its own transaction together with its record, so
    a failure leaves the database at the previous migration."""
    uri = uri or database_uri()
    applied_now: list[str] = []
    with psycopg.connect(uri, autocommit=True) as conn:
        # Serialise concurrent starts (two app processes, tests in parallel).
        conn.execute("select pg_advisory_lock(hashtext('heartbeat.migrate'))")
        try:
            automatic = bootstrap is None
            if automatic:
                bootstrap = not is_supabase(conn)
            if bootstrap:
                try:
                    with conn.transaction():
                        apply_bootstrap(conn)
                except psycopg.errors.InsufficientPrivilege:
                    # A managed Postgres where an administrator applied the
                    # bootstrap and the app connects as a non-superuser: fine,
                    # as long as what the bootstrap provides is there.
                    if not automatic or needs_bootstrap(conn):
                        raise
                    log.warning("bootstrap not re-applied: this role lacks the privileges; auth.uid() exists")
            done = applied_versions(conn)
            for migration in list_migrations():
                if migration.version in done:
                    continue
                sql = migration.path.read_text()
                with conn.transaction():
                    conn.execute(sql)
                    conn.execute(
                        "insert into supabase_migrations.schema_migrations (version, statements, name) "
                        "values (%s, %s, %s)",
                        (migration.version, [sql], migration.name),
                    )
                log.info("applied migration %s_%s", migration.version, migration.name)
                applied_now.append(migration.version)
        finally:
            conn.execute("select pg_advisory_unlock(hashtext('heartbeat.migrate'))")
    return applied_now


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m db.migrate", description=__doc__)
    parser.add_argument(
        "--no-bootstrap",
        action="store_true",
        help="never create the Supabase-provided roles and auth schema",
    )
    args = parse_args(parser, argv)
    applied = migrate(bootstrap=False if args.no_bootstrap else None)
    print(f"applied {len(applied)} migration(s)" + (": " + ", ".join(applied) if applied else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
