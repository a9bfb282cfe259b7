"""Browser tests: Debian's Chromium driven by Playwright against the real
app (`streamlit run app.py`) on a private copy of the small demo database.

Shared by every page's browser tests:

- `browser` (session): the launched Chromium;
- `app_url` (session): the base URL of a running app on the demo data;
- `page` (per test): a fresh browser context and page, 1280x900; `desk`
  (1366x900) and `phone` (390x844, touch) likewise;
- `sign_in(page, app_url, email, password=DEMO_PASSWORD)`: signs in through
  the form and waits until the signed-in app is shown;
- `screenshot(page, name)`: saves artifacts/screenshots/<name>.png.

Mark the tests with @pytest.mark.browser (and pytest.mark.xdist_group("browser")
so that `make test`'s `--dist loadgroup` runs them on one worker, sharing one
app server and one Chromium). Wait on data-testid markers, never sleep.
Starting the app, Chromium and the waits on a page are in harness.py, which
the browser benchmarks (bench/) share."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from playwright.sync_api import expect

from db import clock
from db.identity import Identity
from db.rows import fetch_one
from db.seed.accounts import DEMO_PASSWORD, demo_account
from tests.browser import harness
from tests.browser.harness import wait_for_app
from tests.conftest import _db_uri, _worker, clone_database

SCREENSHOTS = harness.ARTIFACTS / "screenshots"
DEFAULT_TIMEOUT_MS = 20_000
LAPTOP = {"width": 1280, "height": 900}
# expect() waits 5 s by default: on two busy cores a rerun can take longer,
# and an assertion then fails on a page that was about to be right.
expect.set_options(timeout=DEFAULT_TIMEOUT_MS)

__all__ = ["DEMO_PASSWORD", "screenshot", "sign_in", "wait_for_app"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not harness.CHROMIUM.exists():
        reason = f"Chromium is not installed at {harness.CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}: the browser tests must run in CI")
        pytest.skip(reason)
    with harness.chromium() as launched:
        yield launched


@pytest.fixture(scope="session")
def app_url(pg_server: object) -> Iterator[str]:
    """`streamlit run app.py` on a private copy of the small demo, for this
    worker's whole session; stopped at the end."""
    worker = _worker()
    uri = clone_database(pg_server, "demo", f"hb_browser_{worker}")
    with harness.serve_app(harness.app_env(uri), harness.ARTIFACTS / f"streamlit-{worker}.log") as app:
        yield app.url


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    with harness.browser_page(browser, DEFAULT_TIMEOUT_MS, viewport=LAPTOP) as new_page:
        yield new_page


def open_sign_in(page: Any, app_url: str) -> None:
    page.goto(app_url)
    wait_for_app(page)
    page.get_by_role("textbox", name="Email").wait_for()


def sign_in(page: Any, app_url: str, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the form and wait for the signed-in app (the sidebar
    with the person's navigation and the sign-out button)."""
    open_sign_in(page, app_url)
    harness.fill_sign_in(page, email, password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").wait_for()
    wait_for_app(page)


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def person_today(pg_server: object, email: str) -> date:
    """A demo person's own date, as the app gives it to them (their chapter's
    zone), on the database app_url serves."""
    account = demo_account(email)
    identity = Identity(user_id=account.user_id, email=email)
    return clock.today_in(clock.person_time_zone(identity, uri=served_db(pg_server)))


DESKTOP = {"width": 1366, "height": 900}
# Each dashboard page and the last thing it draws: a capture waits for it.
DASHBOARD_PAGES = {
    "Overview": "Board report (PDF)",
    "Sustainability": "The numbers: how hours are spread over volunteers",
    "Momentum": "The numbers: chapters by level",
    "Impact": "The numbers: goals: progress and due dates",
    "Compare chapters": "Open its overview",
}


def served_db(pg_server: object) -> str:
    """The database app_url serves, for a test that adds its own rows."""
    return _db_uri(pg_server, f"hb_browser_{_worker()}")


def served_row(pg_server: object, query: str, *params: Any) -> tuple[Any, ...] | None:
    """The first row of `query` on the database app_url serves."""
    with psycopg.connect(served_db(pg_server)) as conn:
        return conn.execute(query, params or None).fetchone()


def member_chapter(conn: psycopg.Connection[Any], user_id: object) -> tuple[int, int, str]:
    """A person's member id, their chapter and its time zone."""
    row = fetch_one(
        conn,
        "select m.id, m.chapter_id, c.time_zone from public.members m join public.chapters c "
        "on c.id = m.chapter_id where m.user_id = %s order by m.id limit 1",
        (user_id,),
    )
    assert row is not None
    return int(row["id"]), int(row["chapter_id"]), str(row["time_zone"])


def add_event(
    conn: psycopg.Connection[Any],
    chapter: int,
    zone: str,
    title: str,
    starts: datetime,
    ends: datetime,
    place: str = "Library",
) -> int:
    """A community event at local times `starts`..`ends` of the chapter's zone."""
    row = conn.execute(
        "insert into public.events (chapter_id, kind, title, starts_at, ends_at, place) values "
        "(%s, 'community_event', %s, (%s::timestamp) at time zone %s, (%s::timestamp) at time zone %s,"
        " %s) returning id",
        (chapter, title, starts, zone, ends, zone, place),
    ).fetchone()
    assert row is not None
    return int(row[0])


def add_shift(conn: psycopg.Connection[Any], event: int, title: str, capacity: int, held_by: int) -> int:
    """A shift over the whole of `event`, one of its places held by the
    member `held_by`."""
    row = fetch_one(
        conn,
        "insert into public.shifts (event_id, title, starts_at, ends_at, capacity)"
        " select id, %s, starts_at, ends_at, %s from public.events where id = %s returning id",
        (title, capacity, event),
    )
    assert row is not None
    shift = int(row["id"])
    conn.execute("insert into public.shift_signups (shift_id, member_id) values (%s, %s)", (shift, held_by))
    return shift


@pytest.fixture
def desk(browser: Any) -> Iterator[Any]:
    """A desktop page (1366×900), the size the issues were tried at."""
    with harness.browser_page(browser, DEFAULT_TIMEOUT_MS, viewport=DESKTOP) as page:
        yield page


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """A phone-sized touch window (an iPhone 12-14's CSS viewport)."""
    with harness.browser_page(
        browser,
        DEFAULT_TIMEOUT_MS,
        viewport=harness.PHONE,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    ) as page:
        yield page


def follow_link(page: Any, link: str, heading: str | None = None) -> None:
    """Follow the sidebar link (a new page load would start a new session)
    and wait for the page's heading."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=link, exact=True).click()
    wait_for_app(page)
    page.get_by_role("heading", name=heading or link).first.wait_for()


def choose_in(page: Any, key: str, option_text: str) -> None:
    """Type into the select box with this widget key and take the first
    option that matches (a long list may not show the option otherwise)."""
    box = page.locator(f".st-key-{key} [role='combobox']")
    box.click()
    box.fill(option_text)
    page.get_by_role("option").filter(has_text=option_text).first.click()
    wait_for_app(page)
