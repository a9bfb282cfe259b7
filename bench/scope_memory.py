"""What one more person signed in costs the app's memory, now that the
report's frames are cached per scope (what the database lets a person read,
`app.report_scope()`), not per person.

Starts `streamlit run app.py` on the demo, then signs in, each in a browser
context of its own and each waiting on their landing page: the admin, the
board member, a second board member (made here, same scope), a coordinator,
a second coordinator and the fundraiser. After each it reads the app
process's resident memory (VmRSS of /proc). The first board member's cost is
the price of one copy of the movement's frames, which is what every board
member paid when the caches were keyed by person; the second board member's
cost is what a person sharing a scope pays now. Both are measured in the
same run, so their ratio does not depend on the machine's speed.

Two app processes are measured in turn: the first with nothing kept in the
database (each scope's frames are read and its figures computed, then
kept), the second on the same database, where each landing page finds its
scope's figures kept in PostgreSQL and reads only the outline.

    .venv/bin/python -m bench.scope_memory [--national]

It is a benchmark, not a test: it prints figures and ratios.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import psycopg

from bench.dashboard_render import (
    TIMEOUT_MS,
    app_process,
    forget_kept_reports,
    sizes,
    small_demo,
    wait_for_views_ahead,
)
from bench.harness import existing_database
from tests.browser import harness

SECOND_BOARD = "board.two@bench.heartbeat.example"
# The admin first: their landing page imports every library the board's
# does, so the board member's cost that follows is their scope's frames and
# reports alone.
PEOPLE = (
    "admin@demo.heartbeat.example",
    "board@demo.heartbeat.example",
    SECOND_BOARD,
    "coordinator@demo.heartbeat.example",
    "coordinator.other@demo.heartbeat.example",
    "fundraiser@demo.heartbeat.example",
)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def add_second_board_member(uri: str) -> None:
    """A second board account with the demo password (idempotent)."""
    with psycopg.connect(uri) as conn:
        conn.execute(
            """insert into auth.users (email, encrypted_password, email_confirmed_at, raw_user_meta_data)
               select %s, encrypted_password, now(), '{"full_name": "Second Board"}'
                 from auth.users where email = 'board@demo.heartbeat.example'
               on conflict do nothing""",
            (SECOND_BOARD,),
        )
        conn.execute(
            """insert into public.roles (user_id, role)
               select id, 'board' from auth.users u
                where email = %s
                  and not exists (select 1 from public.roles r
                                   where r.user_id = u.id and r.role = 'board')""",
            (SECOND_BOARD,),
        )


def scope_of(uri: str, email: str) -> str:
    """What the database says this person may read of the report's tables,
    asked as the app asks it (their claims, role authenticated)."""
    with psycopg.connect(uri) as conn, conn.transaction():
        row = conn.execute("select id from auth.users where email = %s", (email,)).fetchone()
        assert row is not None, email
        claims = f'{{"sub": "{row[0]}", "role": "authenticated", "email": "{email}"}}'
        conn.execute("select set_config('request.jwt.claims', %s, true)", (claims,))
        conn.execute("set local role authenticated")
        scope = conn.execute("select app.report_scope()").fetchone()
    assert scope is not None
    return str(scope[0])


def sign_in(browser: Any, url: str, email: str) -> tuple[Any, float]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(180_000)
    page = context.new_page()
    page.goto(url)
    harness.wait_until_idle(page, TIMEOUT_MS)
    harness.fill_sign_in(page, email)
    started = time.perf_counter()
    page.get_by_role("button", name="Sign in").click()
    page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").wait_for()
    harness.wait_until_idle(page, TIMEOUT_MS)
    page.get_by_test_id("stMain").get_by_role("heading", level=1).first.wait_for()
    harness.wait_until_idle(page, TIMEOUT_MS)
    return context, time.perf_counter() - started


def run(label: str, uri: str, path: str) -> None:
    from playwright.sync_api import sync_playwright

    print(f"{label}, figures {path}:")
    log = harness.ARTIFACTS / f"bench-scope-memory-{label.split()[0]}-{path.split()[0]}.log"
    with sync_playwright() as playwright, app_process(uri, log) as (url, pid):
        browser = harness.launch_chromium(playwright)
        contexts = []
        try:
            before = rss_mb(pid)
            print(f"  {'app started, nobody signed in':<45} {before:8.0f} MB")
            costs: dict[str, float] = {}
            scopes: set[str] = set()
            for email in PEOPLE:
                previous = rss_mb(pid)
                context, seconds = sign_in(browser, url, email)
                contexts.append(context)
                time.sleep(1)  # let the session's last rerun settle
                now = rss_mb(pid)
                scope = scope_of(uri, email)
                shared = "shared" if scope in scopes else "new"
                scopes.add(scope)
                costs[email] = now - previous
                print(
                    f"  {email:<45} {now:8.0f} MB  (+{now - previous:6.0f} MB, landing {seconds:5.1f} s, "
                    f"{shared} scope {scope.split(';')[0]})"
                )
        finally:
            for context in contexts:
                context.close()
            browser.close()
    first, second = costs["board@demo.heartbeat.example"], costs[SECOND_BOARD]
    print(f"  people signed in: {len(PEOPLE)}, distinct scopes: {len(scopes)}")
    print(
        f"  second board member ÷ first (a copy per person, as before): "
        f"{second:.0f} MB ÷ {first:.0f} MB = {second / first if first else float('nan'):.2f}"
    )


def both_paths(label: str, uri: str) -> None:
    """Today's path first (nothing kept: each scope's figures are computed
    from its rows, and kept), then a new app process on the same database,
    where every landing page finds its figures kept."""
    add_second_board_member(uri)
    print(f"{label}: {sizes(uri)}")
    forget_kept_reports(uri)
    run(label, uri, "computed from rows")
    print(f"  ({wait_for_views_ahead(uri)} reports kept)")
    run(label, uri, "kept in PostgreSQL")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--national", action="store_true", help="the national demo instead, if it exists")
    args = parser.parse_args()
    if not harness.CHROMIUM.exists():
        raise SystemExit(f"Chromium is not installed at {harness.CHROMIUM} (apt-get install -y chromium)")
    if args.national:
        national = existing_database("hb_bench_national")
        if national is None:
            raise SystemExit("national demo: not in .data/bench-postgres (run bench/seed_national.py first)")
        both_paths("national demo", national)
    else:
        both_paths("small demo", small_demo())


if __name__ == "__main__":
    main()
