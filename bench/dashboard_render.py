"""How fast the board dashboard renders, measured in a real browser.

For each database: starts `streamlit run app.py` on it, signs in as the demo
board member in Debian's Chromium and times, from the browser's side (click
to the page showing its figures with the script finished):

- first render: sign-in to the overview with every KPI card shown, with the
  app's caches empty;
- a filter change: period to "Quarter", then a chapter, then back to the
  year (a report already in the process's cache);
- moving to another page (Momentum).

Each is timed on two paths, in the same command: figures computed from the
scope's rows (nothing kept in the database: the frames are read through
RLS, prepared and reported, as before issue 13), and figures kept in
PostgreSQL by an earlier reader of the same scope (app.report_snapshots,
with the views computed ahead), which is what a board member meets once
anyone of the board has opened the dashboard in the last
`figures_max_age_seconds`.

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
import re
import statistics
import time
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import psycopg

from bench.harness import bench_server, existing_database, rows
from tests.browser import harness

BOARD = "board@demo.heartbeat.example"
TIMEOUT_MS = 600_000


def app_process(uri: str, log: Path) -> AbstractContextManager[harness.ServedApp]:
    """A private `streamlit run app.py` on `uri`: its URL and process id,
    stopped on exit."""
    env = harness.app_env(uri)
    env.setdefault("BROWSER_PATH", str(harness.CHROMIUM))
    return harness.serve_app(env, log, start_timeout_s=120)


def _figures_shown(page: Any, caption: str) -> None:
    """The overview for `caption`'s filters, fully drawn."""
    page.get_by_text(re.compile(re.escape(caption))).first.wait_for(timeout=TIMEOUT_MS)
    page.get_by_test_id("stMetric").filter(has_text="Donor retention").wait_for(timeout=TIMEOUT_MS)
    harness.wait_until_idle(page, TIMEOUT_MS)
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
    times: dict[str, float] = {}
    with harness.browser_page(browser, 120_000, viewport={"width": 1400, "height": 1000}) as page:
        page.goto(url)
        harness.wait_until_idle(page, TIMEOUT_MS)
        harness.fill_sign_in(page, BOARD)
        started = time.perf_counter()
        page.get_by_role("button", name="Sign in").click()
        _figures_shown(page, "Whole movement")
        times["first render (sign-in to overview)"] = time.perf_counter() - started

        # Each change: the sidebar's box and option, the query parameter the
        # change sets, and a caption of the redrawn overview.
        for key, label, option, parameter, caption in (
            ("filter change: period to quarter", "Period", "Quarter", r"period=q", ", to date"),
            ("filter change: chapter", "Chapter", chapter, r"chapter=\d+", chapter.strip()),
            (
                "filter change: back to the year (cached)",
                "Period",
                "Calendar year",
                r"period=cy",
                "All programs",
            ),
        ):
            choice = _choose(page, label, option)
            started = time.perf_counter()
            choice.click()
            page.wait_for_url(re.compile(parameter), timeout=TIMEOUT_MS)
            _figures_shown(page, caption)
            times[key] = time.perf_counter() - started

        started = time.perf_counter()
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Momentum", exact=True).click()
        page.get_by_role("heading", name="Momentum").wait_for()
        harness.wait_until_idle(page, TIMEOUT_MS)
        page.locator(".js-plotly-plot").first.wait_for()
        times["another page (Momentum)"] = time.perf_counter() - started
    return times


def a_national_chapter(uri: str) -> str:
    """The label the chapter filter shows for the first national chapter."""
    found = rows(uri, "select name, level from public.chapters where level = 'national' order by id limit 1")
    if not found:
        raise RuntimeError("the demo has no national chapter")
    name, level = found[0]
    return f"{name} ({level})"


def small_demo() -> str:
    uri = existing_database("hb_bench_small")
    if uri is not None:
        return uri
    # The tests' template of the small demo (built on first use).
    fixtures = importlib.import_module("tests.conftest")
    server = bench_server(fixtures.TEST_DATA)
    return str(fixtures.clone_database(server, "demo", "hb_bench_dashboard"))


def sizes(uri: str) -> str:
    ((members, chapters, hours, gifts),) = rows(
        uri,
        "select (select count(*) from public.members), (select count(*) from public.chapters), "
        "(select count(*) from public.volunteer_hours), (select count(*) from public.donations)",
    )
    return f"{members:,} members, {chapters:,} chapters, {hours:,} hour entries, {gifts:,} gifts"


def chromium() -> AbstractContextManager[Any]:
    """Debian's Chromium under Playwright, closed on exit; a clear stop
    where it is not installed."""
    if not harness.CHROMIUM.exists():
        raise SystemExit(f"Chromium is not installed at {harness.CHROMIUM} (apt-get install -y chromium)")
    return harness.chromium()


def demo_databases(*, national: bool) -> list[tuple[str, str]]:
    """The small demo, and the national one when asked for and made."""
    targets = [("small demo", small_demo())]
    if national:
        uri = existing_database("hb_bench_national")
        if uri is None:
            print("national demo: not found in .data/bench-postgres (run bench/seed_national.py first)")
        else:
            targets.append(("national demo", uri))
    return targets


def forget_kept_reports(uri: str) -> None:
    """No report kept in the database: the next render computes its figures
    from the scope's rows, as every render did before they were kept."""
    with psycopg.connect(uri) as conn:
        conn.execute("delete from app.report_snapshots")


def _kept_count(uri: str) -> int:
    ((n,),) = rows(uri, "select count(*) from app.report_snapshots")
    return int(n)


def wait_for_views_ahead(uri: str, *, quiet_s: float = 8.0, timeout_s: float = 300.0) -> int:
    """Wait until the app has stopped keeping reports (the views it computes
    ahead in the background) for `quiet_s`; how many are kept."""
    deadline = time.monotonic() + timeout_s
    count, since = _kept_count(uri), time.monotonic()
    while time.monotonic() - since < quiet_s and time.monotonic() < deadline:
        time.sleep(1.0)
        now = _kept_count(uri)
        if now != count:
            count, since = now, time.monotonic()
    return count


def cold_runs(
    browser: Any, uri: str, chapter: str, repeat: int, tag: str, *, kept: bool
) -> dict[str, list[float]]:
    """`repeat` runs of `one_run`, each on a newly started app (cold
    caches); the seconds of each step, by step.

    `kept=False`: before each run nothing is kept in the database, so the
    figures are computed from the rows (the path before issue 13's kept
    reports). `kept=True`: the figures an earlier reader of the scope kept
    (one uncounted run first keeps them and waits for the views ahead)."""
    runs: dict[str, list[float]] = {}
    if kept:
        with app_process(uri, harness.ARTIFACTS / f"bench-dashboard-{tag}-warm.log") as app:
            one_run(browser, app.url, chapter)
            print(f"  ({wait_for_views_ahead(uri)} reports kept by a first reader)")
    for i in range(repeat):
        if not kept:
            forget_kept_reports(uri)
        with app_process(uri, harness.ARTIFACTS / f"bench-dashboard-{tag}-{i}.log") as app:
            for key, seconds in one_run(browser, app.url, chapter).items():
                runs.setdefault(key, []).append(seconds)
    return runs


def _median(values: list[float]) -> str:
    return f"{statistics.median(values):7.2f} ({min(values):.2f}–{max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--national", action="store_true", help="also the national demo, if it exists")
    parser.add_argument("--repeat", type=int, default=3, help="cold runs per database and path")
    args = parser.parse_args()
    results: dict[str, dict[str, dict[str, list[float]]]] = {}
    with chromium() as browser:
        for label, uri in demo_databases(national=args.national):
            print(f"{label}: {sizes(uri)}")
            chapter = a_national_chapter(uri)
            tag = label.split()[0]
            results[label] = {
                "computed": cold_runs(browser, uri, chapter, args.repeat, f"{tag}-computed", kept=False),
                "kept": cold_runs(browser, uri, chapter, args.repeat, f"{tag}-kept", kept=True),
            }

    for label, paths in results.items():
        print(f"\n{label} (median of {args.repeat} cold runs, seconds; min–max)")
        print(f"  {'':<45} {'computed from rows':>22} {'kept in PostgreSQL':>22} {'ratio':>7}")
        for key, values in paths["computed"].items():
            kept = paths["kept"][key]
            ratio = statistics.median(values) / statistics.median(kept)
            print(f"  {key:<45} {_median(values):>22} {_median(kept):>22} {ratio:6.1f}×")
    if len(results) == 2:
        small_runs, national_runs = results["small demo"]["kept"], results["national demo"]["kept"]
        print("\nnational ÷ small (kept)")
        for key, values in small_runs.items():
            ratio = statistics.median(national_runs[key]) / statistics.median(values)
            print(f"  {key:<45} {ratio:7.1f}×")


if __name__ == "__main__":
    main()
