"""How long each dashboard and fundraising page takes to open, in Chromium.

Starts `streamlit run app.py` on the database, signs in as the demo board
member and opens Sustainability, Momentum, Impact and Compare chapters from
the sidebar, then as the demo fundraiser opens Campaigns, Donors and
Retention; each is timed from the click to the page's title shown with the
script finished. Two cold apps in the same command: one with nothing kept
in the database (the board's figures are computed from the scope's rows, as
before issue 13's kept reports), then one where an earlier reader of each
scope kept them (app.report_snapshots).

    .venv/bin/python -m bench.page_open [--national]

The small demo always; the national demo with --national when
bench/seed_national.py has made it. A benchmark, not a test: it prints the
seconds and their ratio.
"""

from __future__ import annotations

import argparse
import re
import time
from typing import Any

from bench.dashboard_render import (
    TIMEOUT_MS,
    app_process,
    chromium,
    demo_databases,
    forget_kept_reports,
    sizes,
    wait_for_views_ahead,
)
from tests.browser import harness

PAGES = (
    ("board@demo.heartbeat.example", ("Sustainability", "Momentum", "Impact", "Compare chapters")),
    ("fundraiser@demo.heartbeat.example", ("Campaigns", "Donors", "Retention")),
)


def open_pages(browser: Any, url: str) -> dict[str, float]:
    """Each page of `PAGES`, opened from the sidebar after its person's
    sign-in (whose own landing page is not timed)."""
    times: dict[str, float] = {}
    for email, titles in PAGES:
        with harness.browser_page(browser, 120_000, viewport={"width": 1400, "height": 1000}) as page:
            page.goto(url)
            harness.wait_until_idle(page, TIMEOUT_MS)
            harness.fill_sign_in(page, email)
            page.get_by_role("button", name="Sign in").click()
            sidebar = page.get_by_test_id("stSidebar")
            sidebar.get_by_role("button", name="Sign out").wait_for(timeout=TIMEOUT_MS)
            harness.wait_until_idle(page, TIMEOUT_MS)
            for title in titles:
                link = sidebar.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True)
                path = str(link.get_attribute("href")).rsplit("/", 1)[-1]
                started = time.perf_counter()
                link.click()
                page.wait_for_url(re.compile(rf"/{re.escape(path)}(\?|$)"), timeout=TIMEOUT_MS)
                harness.wait_for_app(page)
                page.get_by_test_id("stMain").get_by_role("heading", level=1).first.wait_for()
                times[title] = time.perf_counter() - started
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--national", action="store_true", help="also the national demo, if it exists")
    args = parser.parse_args()
    with chromium() as browser:
        for label, uri in demo_databases(national=args.national):
            print(f"{label}: {sizes(uri)}")
            tag = label.split()[0]
            forget_kept_reports(uri)
            with app_process(uri, harness.ARTIFACTS / f"bench-page-open-{tag}-computed.log") as app:
                computed = open_pages(browser, app.url)
                print(f"  ({wait_for_views_ahead(uri)} reports kept)")
            with app_process(uri, harness.ARTIFACTS / f"bench-page-open-{tag}-kept.log") as app:
                kept = open_pages(browser, app.url)
            heading = f"  {'opening (seconds)':<20} {'computed from rows':>20} {'kept in PostgreSQL':>20}"
            print(f"{heading} {'ratio':>7}")
            for title, seconds in computed.items():
                print(f"  {title:<20} {seconds:20.2f} {kept[title]:20.2f} {seconds / kept[title]:6.1f}×")


if __name__ == "__main__":
    main()
