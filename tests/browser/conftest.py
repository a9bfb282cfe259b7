"""Browser tests: Debian's Chromium driven by Playwright against the real
app (`streamlit run app.py`) on a private copy of the small demo database.

Shared by every page's browser tests:

- `browser` (session): the launched Chromium;
- `app_url` (session): the base URL of a running app on the demo data;
- `page` (per test): a fresh browser context and page, 1280x900;
- `sign_in(page, app_url, email, password=DEMO_PASSWORD)`: signs in through
  the form and waits until the signed-in app is shown;
- `screenshot(page, name)`: saves artifacts/screenshots/<name>.png.

Mark the tests with @pytest.mark.browser (and pytest.mark.xdist_group("browser")
so that `make test`'s `--dist loadgroup` runs them on one worker, sharing one
app server and one Chromium). Wait on data-testid markers, never sleep."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from db import clock
from db.config import PROJECT_ROOT
from db.identity import Identity
from db.seed.accounts import DEMO_PASSWORD, demo_account
from tests.conftest import _db_uri, _worker, clone_database

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = PROJECT_ROOT / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
DEFAULT_TIMEOUT_MS = 20_000
START_TIMEOUT_S = 90
# expect() waits 5 s by default: on two busy cores a rerun can take longer,
# and an assertion then fails on a page that was about to be right.
expect.set_options(timeout=DEFAULT_TIMEOUT_MS)

__all__ = ["DEMO_PASSWORD", "screenshot", "sign_in"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        reason = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}: the browser tests must run in CI")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@contextlib.contextmanager
def running_app(env: dict[str, str], log_name: str) -> Iterator[str]:
    """`streamlit run app.py` with `env`, until the block ends; yields its URL
    once the server answers (the app's first run may still be starting)."""
    port = _free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log_path = ARTIFACTS / f"{log_name}.log"
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while not _healthy(url):
                if process.poll() is not None:
                    raise RuntimeError(f"streamlit exited with {process.returncode}; see {log_path}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not serve within {START_TIMEOUT_S} s; see {log_path}")
                time.sleep(0.2)  # polling a server that is starting, not waiting on the page
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def app_env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SUPABASE_URL", "SUPABASE_ANON_KEY")}
    env["DATABASE_URL"] = database_url
    return env


@pytest.fixture(scope="session")
def app_url(pg_server: object) -> Iterator[str]:
    """`streamlit run app.py` on a private copy of the small demo, for this
    worker's whole session; stopped at the end."""
    worker = _worker()
    uri = clone_database(pg_server, "demo", f"hb_browser_{worker}")
    with running_app(app_env(uri), f"streamlit-{worker}") as url:
        yield url


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    new_page = context.new_page()
    try:
        yield new_page
    finally:
        context.close()


def wait_for_app(page: Any) -> None:
    """Until the app has rendered and no script run is in progress.

    Right after a click the rerun may not have begun yet, and "not running"
    would then be true too early: give the run a moment to start first."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    page.get_by_test_id("stAppViewContainer").wait_for()
    running = page.locator('[data-testid="stApp"][data-test-script-state="running"]')
    # No rerun may have been triggered, or it finished before we looked.
    with contextlib.suppress(PlaywrightTimeoutError):
        running.wait_for(state="attached", timeout=500)
    running.wait_for(state="detached")


def open_sign_in(page: Any, app_url: str) -> None:
    page.goto(app_url)
    wait_for_app(page)
    page.get_by_role("textbox", name="Email").wait_for()


def sign_in(page: Any, app_url: str, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the form and wait for the signed-in app (the sidebar
    with the person's navigation and the sign-out button)."""
    open_sign_in(page, app_url)
    page.get_by_role("textbox", name="Email").fill(email)
    page.get_by_role("textbox", name="Password").fill(password)
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
    uri = _db_uri(pg_server, f"hb_browser_{_worker()}")
    return clock.today_in(clock.person_time_zone(Identity(user_id=account.user_id, email=email), uri=uri))


DESKTOP = {"width": 1366, "height": 900}


def served_db(pg_server: object) -> str:
    """The database app_url serves, for a test that adds its own rows."""
    return _db_uri(pg_server, f"hb_browser_{_worker()}")


@pytest.fixture
def desk(browser: Any) -> Iterator[Any]:
    """A desktop page (1366×900), the size the issues were tried at."""
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def follow_link(page: Any, link: str, heading: str | None = None) -> None:
    """Follow the sidebar link (a new page load would start a new session)
    and wait for the page's heading."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=link, exact=True).click()
    wait_for_app(page)
    page.get_by_role("heading", name=heading or link).first.wait_for()
