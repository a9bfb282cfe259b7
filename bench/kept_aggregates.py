"""What the aggregates kept by PostgreSQL cost and save (issue 13).

On the national demo (`hb_bench_national` in .data/bench-postgres, made by
bench/seed_national.py; at the small demo's size nothing here is slow):

1. reading the report's volunteer hours as the board: grouped from the ten
   million entries on each read (today's path with a cut, the baseline),
   against the rows `public.volunteer_hours_monthly` keeps; each read
   twice, alternating, best of the two;
2. one hour entry written by the app (`db.hours.log_hours`, as the demo
   volunteer, through RLS, the checks and the triggers), with the
   aggregate's triggers on, against the same insert with them switched
   off (in a transaction rolled back), so the price of keeping the months
   current is printed beside the write it rides on.

    .venv/bin/python -m bench.kept_aggregates [--writes 30]

It prints times and ratios; it is a benchmark, not a test. The entries it
writes are deleted at the end."""

from __future__ import annotations

import argparse
import os
import statistics
import time
import uuid
from datetime import date, timedelta

import psycopg

from bench.harness import existing_database
from bench.seed_national import database_name
from db import report_frames
from db.identity import Identity
from db.seed.accounts import demo_account
from db.server import app_uri

BOARD = "board@demo.heartbeat.example"
VOLUNTEER = "volunteer@demo.heartbeat.example"
TRIGGERS = ("volunteer_hours_monthly_insert",)
INSERT = """
    insert into public.volunteer_hours (member_id, worked_on, minutes, activity, status, idempotency_key)
    values (%s, %s, 5, 'administration', 'pending', %s)"""


def person(email: str) -> Identity:
    account = demo_account(email)
    return Identity(user_id=account.user_id, email=account.email)


def hours_reads(uri: str) -> None:
    board = person(BOARD)
    login = app_uri(uri)
    best: dict[str, float] = {}
    rows = 0
    for _ in range(2):
        for label, cut in (("grouped on each read", date(9000, 1, 1)), ("kept by the database", None)):
            started = time.perf_counter()
            _, frame, _ = report_frames._read("volunteer_hours", board, cut or report_frames._NO_CUT, login)
            seconds = time.perf_counter() - started
            best[label] = min(best.get(label, seconds), seconds)
            rows = frame.height
    base = best["grouped on each read"]
    print(f"volunteer hours for the board's report ({rows:,} rows)")
    for label, seconds in best.items():
        print(f"  {label:<28} {seconds:7.2f} s   {base / seconds:5.2f}x")


def _member(uri: str) -> tuple[int, date]:
    volunteer = demo_account(VOLUNTEER)
    with psycopg.connect(uri) as conn:
        row = conn.execute(
            "select m.id, m.joined_on from public.members m where m.user_id = %s", (volunteer.user_id,)
        ).fetchone()
    assert row is not None, "the demo volunteer has no member record"
    return int(row[0]), row[1]


def _insert_ms(uri: str, member: int, day: date, *, keep: bool) -> float:
    with psycopg.connect(uri) as conn:
        if not keep:
            for trigger in TRIGGERS:
                conn.execute(f"alter table public.volunteer_hours disable trigger {trigger}")
        started = time.perf_counter()
        conn.execute(INSERT, (member, day, uuid.uuid4()))
        seconds = time.perf_counter() - started
        conn.rollback()
    return seconds * 1000


def writes(uri: str, count: int) -> None:
    from db.hours import log_hours
    from models.hours import HoursEntry

    member, joined = _member(uri)
    days = [max(joined, date(2026, 1, 1)) + timedelta(days=i % 300) for i in range(count)]
    statements: dict[str, list[float]] = {"aggregate triggers off": [], "aggregate kept current": []}
    for day in days:
        statements["aggregate triggers off"].append(_insert_ms(uri, member, day, keep=False))
        statements["aggregate kept current"].append(_insert_ms(uri, member, day, keep=True))
    base = statistics.median(statements["aggregate triggers off"])
    print(f"one hour entry inserted ({count} samples, median)")
    for label, ms in statements.items():
        print(f"  {label:<28} {statistics.median(ms):7.1f} ms   {statistics.median(ms) / base:5.2f}x")

    os.environ["DATABASE_URL"] = uri
    from db.config import get_settings

    get_settings.cache_clear()
    volunteer = person(VOLUNTEER)
    keys: list[uuid.UUID] = []
    trips: list[float] = []
    for day in days:
        entry = HoursEntry(worked_on=day, minutes=5, activity="administration", idempotency_key=uuid.uuid4())
        keys.append(entry.idempotency_key)
        started = time.perf_counter()
        log_hours(volunteer, entry)
        trips.append((time.perf_counter() - started) * 1000)
    label = "app round trip, log_hours"
    print(f"  {label:<28} {statistics.median(trips):7.1f} ms   (max {max(trips):.1f} ms)")
    with psycopg.connect(uri) as conn:
        conn.execute("delete from public.volunteer_hours where idempotency_key = any(%s)", (keys,))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writes", type=int, default=30)
    args = parser.parse_args()
    uri = existing_database(database_name("national"))
    if uri is None:
        raise SystemExit("no national demo: run `.venv/bin/python -m bench.seed_national` first")
    hours_reads(uri)
    writes(uri, args.writes)


if __name__ == "__main__":
    main()
