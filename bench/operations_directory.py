"""How the member directory and the events calendar hold up at national
scale: a movement of 1,111 chapters, 1,000,000 members and 200,000 events,
read as an admin (everything) and as a coordinator of one region.

Times db.members.search_members (first page, a deep page, a name search),
db.members.export_members for one region, and db.events.list_events for a
month of one chapter and of a region, each with and without the
directory's name index (members_name_order), and prints the ratios.

    .venv/bin/python -m bench.operations_directory [--members 1000000] [--repeat 5]

Runs its own embedded PostgreSQL in .data/bench-postgres (stopped at exit)
and a throwaway database in it; nothing else is touched."""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import psycopg

from bench.harness import bench_server, fresh_database
from db.identity import Identity


def build(uri: str, members: int) -> tuple[Identity, Identity, int, int]:
    """The movement; returns (admin, coordinator, a region id, a local id)."""
    from db.migrate import migrate

    migrate(uri)
    admin_id, coord_id = uuid.uuid4(), uuid.uuid4()
    with psycopg.connect(uri) as conn:
        conn.execute("insert into public.chapters (id, name, level) values (1, 'World', 'international')")
        conn.execute(
            "insert into public.chapters (id, name, level, parent_id) "
            "select 1 + n, 'Nation ' || n, 'national', 1 from generate_series(1, 10) n"
        )
        conn.execute(
            "insert into public.chapters (id, name, level, parent_id) "
            "select 100 + n, 'Region ' || n, 'regional', 1 + (n - 1) / 10 + 1 from generate_series(1, 100) n"
        )
        conn.execute(
            "insert into public.chapters (id, name, level, parent_id) "
            "select 1000 + n, 'Local ' || n, 'local', 100 + (n - 1) / 10 + 1 from generate_series(1, 1000) n"
        )
        conn.execute("select setval(pg_get_serial_sequence('public.chapters', 'id'), 3000)")
        conn.execute(
            """
            insert into public.members (full_name, email, chapter_id, joined_on, consent_contact,
                                        consent_data_use)
            select (array['Ana','Ben','Chloe','Dev','Emma','Farid','Grace','Hiro','Ines','Jon'])[1 + n %% 10]
                   || ' ' || md5(n::text), 'm' || n || '@example.org', 1001 + n %% 1000,
                   date '2015-01-01' + (n %% 3650), n %% 3 = 0, n %% 50 <> 0
              from generate_series(1, %s) n
            """,
            (members,),
        )
        conn.execute(
            """
            insert into public.events (chapter_id, kind, title, starts_at, ends_at)
            select 1001 + n % 1000, 'empathy_circle', 'Circle ' || n,
                   timestamptz '2024-01-01 18:00Z' + (n % 1000) * interval '1 day',
                   timestamptz '2024-01-01 20:00Z' + (n % 1000) * interval '1 day'
              from generate_series(1, 200000) n
            """
        )
        conn.execute("insert into auth.users (id, email) values (%s, 'a@x.org'), (%s, 'c@x.org')",
                     (admin_id, coord_id))  # fmt: skip
        conn.execute(
            "insert into public.roles (user_id, role, chapter_id) values (%s, 'admin', null), "
            "(%s, 'coordinator', 101)",
            (admin_id, coord_id),
        )
    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute("vacuum analyze")
    return Identity(admin_id), Identity(coord_id), 101, 1001


def timed(fn: Callable[[], Any], repeat: int) -> float:
    fn()  # warm the pool and the caches
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from db.connection import close_pools
    from db.events import list_events
    from db.members import export_members, search_members

    uri = fresh_database(bench_server(), "bench_operations")
    started = time.perf_counter()
    admin, coordinator, region, local = build(uri, args.members)
    print(f"built {args.members:,} members and 200,000 events in {time.perf_counter() - started:.1f} s")
    region_ids = [region, *range(1001, 1011)]
    cases: list[tuple[str, Callable[[], Any]]] = [
        ("directory, first page (admin, all)", lambda: search_members(admin, uri=uri)),
        ("directory, page 500 (admin, all)", lambda: search_members(admin, page=500, uri=uri)),
        ("directory, name search (admin)", lambda: search_members(admin, text="grace 7f", uri=uri)),
        (
            "directory, first page (coordinator's region)",
            lambda: search_members(coordinator, chapter_ids=region_ids, uri=uri),
        ),
        (
            "export, one region (coordinator)",
            lambda: export_members(coordinator, chapter_ids=region_ids, uri=uri),
        ),
        (
            "events, a month of one chapter",
            lambda: list_events(
                admin, chapter_ids=[local], start=date(2025, 3, 1), end=date(2025, 4, 1), uri=uri
            ),
        ),
        (
            "events, a month of a region (coordinator)",
            lambda: list_events(
                coordinator, chapter_ids=region_ids, start=date(2025, 3, 1), end=date(2025, 4, 1), uri=uri
            ),
        ),
    ]
    with_index = {label: timed(fn, args.repeat) for label, fn in cases}
    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute("drop index public.members_name_order")
        conn.execute("analyze public.members")
    without = {label: timed(fn, args.repeat) for label, fn in cases}
    print(f"{'case':<44} {'indexed':>12} {'without':>12} {'ratio':>8}")
    for label, _ in cases:
        a, b = with_index[label], without[label]
        print(f"{label:<44} {a * 1000:9.1f} ms {b * 1000:9.1f} ms {b / a:7.1f}x")
    close_pools()


if __name__ == "__main__":
    main()
