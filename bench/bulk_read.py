"""Reading volunteer_hours into polars: ADBC (Arrow, db.arrow.read_frame)
against psycopg's row-by-row fetch, in the same run on the same database.

    .venv/bin/python -m bench.bulk_read [--size small|medium|national] [--repeat 2]

Uses the benchmark server in .data/bench-postgres (bench/seed_national.py);
a database of the size asked for is loaded there first if it is missing."""

from __future__ import annotations

import argparse
import logging
import time

import polars as pl
import psycopg

from bench.harness import bench_server, fresh_database
from bench.seed_national import database_name
from db.arrow import read_frame
from db.migrate import migrate
from db.seed import load_demo

QUERY = """select id, member_id, chapter_id, worked_on, minutes, activity, status, program_id, event_id
             from public.volunteer_hours"""
SCHEMA: dict[str, pl.DataType] = {
    "id": pl.Int64(),
    "member_id": pl.Int64(),
    "chapter_id": pl.Int64(),
    "worked_on": pl.Date(),
    "minutes": pl.Int32(),
    "activity": pl.String(),
    "status": pl.String(),
    "program_id": pl.Int64(),
    "event_id": pl.Int64(),
}
BATCH = 50_000


def ensure_database(size: str) -> str:
    server = bench_server()
    name = database_name(size)
    admin = str(server.get_uri("postgres"))  # type: ignore[attr-defined]
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone()
    if exists:
        uri = str(server.get_uri(name))  # type: ignore[attr-defined]
        with psycopg.connect(uri) as conn:
            row = conn.execute("select to_regclass('public.volunteer_hours') is not null").fetchone()
            loaded = bool(row and row[0]) and conn.execute(
                "select exists (select 1 from public.volunteer_hours)"
            ).fetchone() == (True,)
        if loaded:
            return uri
    uri = fresh_database(server, name)
    migrate(uri)
    print(f"loading the {size} demo movement into {name} …")
    load_demo(uri, size=size)
    return uri


def read_adbc(uri: str) -> pl.DataFrame:
    return read_frame(None, QUERY, uri=uri, schema=SCHEMA)


def read_psycopg(uri: str) -> pl.DataFrame:
    """Row by row through a server-side cursor, a batch of tuples at a time
    into polars (all at once would hold ten million Python tuples)."""
    parts = []
    with psycopg.connect(uri) as conn, conn.cursor(name="bench_rows") as cur:
        cur.itersize = BATCH
        cur.execute(QUERY)
        while rows := cur.fetchmany(BATCH):
            parts.append(pl.DataFrame(rows, schema=SCHEMA, orient="row"))
    return pl.concat(parts) if parts else pl.DataFrame(schema=SCHEMA)


def timed(label: str, fn: object, uri: str, repeat: int) -> tuple[float, int]:
    best = float("inf")
    rows = 0
    for _ in range(repeat):
        started = time.perf_counter()
        frame = fn(uri)  # type: ignore[operator]
        best = min(best, time.perf_counter() - started)
        rows = frame.height
        del frame
    print(f"{label:<22} {rows:>12,} rows  {best:>8.2f} s  {rows / best:>14,.0f} rows/s")
    return best, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="small", choices=["tiny", "small", "medium", "national"])
    parser.add_argument("--repeat", type=int, default=2, help="runs of each reader; the best counts")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    uri = ensure_database(args.size)
    print(f"volunteer_hours of the {args.size} movement, best of {args.repeat}")
    adbc_s, adbc_rows = timed("ADBC (read_frame)", read_adbc, uri, args.repeat)
    rows_s, rows_rows = timed("psycopg row by row", read_psycopg, uri, args.repeat)
    assert adbc_rows == rows_rows
    ratio = rows_s / adbc_s
    verdict = "faster" if ratio >= 1 else "slower (connection set-up dominates small reads)"
    print(f"ratio psycopg time / ADBC time: {ratio:.2f} (ADBC {verdict})")


if __name__ == "__main__":
    main()
