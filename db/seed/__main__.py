"""`python -m db.seed --size tiny|small|medium|national [--seed N] [--force] [--no-accounts]`

Loads the demo movement into the configured database (DATABASE_URL, or the
embedded default), migrating it first. Refuses a database that already
holds a movement unless --force, which deletes all movement data (every
public table, and the demo accounts) in the same transaction as the load."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from db.cli import parse_args
from db.migrate import migrate
from db.seed import SIZES, DatabaseNotEmptyError, load_demo
from db.server import database_uri


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m db.seed", description=__doc__.split("\n\n")[1])
    parser.add_argument(
        "--size", choices=list(SIZES), default="small", help="how big a movement (default: small)"
    )
    parser.add_argument("--seed", type=int, default=42, help="random seed; the same seed gives the same rows")
    parser.add_argument(
        "--end-date",
        type=date.fromisoformat,
        default=None,
        help="the history runs up to (not including) this day, YYYY-MM-DD (default: today, UTC)",
    )
    parser.add_argument("--force", action="store_true", help="delete the existing movement data first")
    parser.add_argument(
        "--no-accounts",
        action="store_true",
        help="no demo sign-in accounts (always on Supabase, where GoTrue owns them)",
    )
    args = parse_args(parser, argv)

    uri = database_uri()
    migrate(uri)
    try:
        summary = load_demo(
            uri,
            size=args.size,
            with_accounts=not args.no_accounts,
            seed=args.seed,
            end_date=args.end_date,
            replace=args.force,
        )
    except DatabaseNotEmptyError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    width = max(len(t) for t in summary.rows) if summary.rows else 10
    print(f"{summary.size} demo movement, seed {summary.seed}, history up to {summary.end_date}")
    for table, count in summary.rows.items():
        print(f"  {table:<{width}}  {count:>12,}")
    print(f"  {'total':<{width}}  {summary.total_rows:>12,}")
    if summary.accounts:
        print(f"  {summary.accounts} demo accounts")
    print(f"loaded in {summary.seconds:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
