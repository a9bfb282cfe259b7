"""Chromium, a served app and the waits on it, shared by the browser tests
(tests/browser) and the browser benchmarks (bench/).

A plain module, not a conftest: a benchmark imports it without pytest.
Playwright is imported where it is used, so that importing this module needs
only the app's own packages."""

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
from pathlib import Path
from typing import Any, NamedTuple

from db.config import PROJECT_ROOT
from db.seed.accounts import DEMO_PASSWORD

# Logs, screenshots and timings of the browser runs.
ARTIFACTS = PROJECT_ROOT / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# An iPhone 12-14's CSS viewport.
PHONE = {"width": 390, "height": 844}
SCRIPT_RUNNING = '[data-testid="stApp"][data-test-script-state="running"]'


class ServedApp(NamedTuple):
    url: str
    pid: int


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def app_env(database_url: str) -> dict[str, str]:
    """This process's environment on `database_url`, without Supabase: the
    app then signs people in against that database."""
    env = {k: v for k, v in os.environ.items() if k not in ("SUPABASE_URL", "SUPABASE_ANON_KEY")}
    env["DATABASE_URL"] = database_url
    return env


@contextlib.contextmanager
def serve_app(env: dict[str, str], log: Path, start_timeout_s: float = 90) -> Iterator[ServedApp]:
    """`streamlit run app.py` with `env`, its output in `log`, until the block
    ends; yields once the server answers (the app's first run may still be
    starting)."""
    port = free_port()
    log.parent.mkdir(parents=True, exist_ok=True)
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
            deadline = time.monotonic() + start_timeout_s
            while not healthy(url):
                if process.poll() is not None:
                    raise RuntimeError(f"streamlit exited with {process.returncode}; see {log}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not serve within {start_timeout_s} s; see {log}")
                time.sleep(0.2)  # polling a server that is starting, not waiting on the page
            yield ServedApp(url, process.pid)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def launch_chromium(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium under Playwright, closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def browser_page(browser: Any, timeout_ms: float, **context_options: Any) -> Iterator[Any]:
    """A page in a browser context of its own (`context_options`: viewport,
    touch, locale…), every wait on it bounded by `timeout_ms`; closed after."""
    context = browser.new_context(**context_options)
    context.set_default_timeout(timeout_ms)
    try:
        yield context.new_page()
    finally:
        context.close()


def wait_until_idle(page: Any, timeout_ms: float | None = None) -> None:
    """Until the app has rendered and no script run is in progress now
    (`timeout_ms`: how long a run may take; the page's default if None)."""
    page.get_by_test_id("stAppViewContainer").wait_for()
    page.locator(SCRIPT_RUNNING).wait_for(state="detached", timeout=timeout_ms)


def wait_for_app(page: Any) -> None:
    """Until the app has rendered and no script run is in progress.

    Right after a click the rerun may not have begun yet, and "not running"
    would then be true too early: give the run a moment to start first."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    page.get_by_test_id("stAppViewContainer").wait_for()
    # No rerun may have been triggered, or it finished before we looked.
    with contextlib.suppress(PlaywrightTimeoutError):
        page.locator(SCRIPT_RUNNING).wait_for(state="attached", timeout=500)
    wait_until_idle(page)


def fill_sign_in(page: Any, email: str, password: str = DEMO_PASSWORD) -> None:
    """Type into the sign-in form (the click on "Sign in" is the caller's:
    a benchmark times from it)."""
    page.get_by_role("textbox", name="Email").fill(email)
    page.get_by_role("textbox", name="Password").fill(password)


def save_hours(page: Any) -> None:
    """Save the log-hours form and wait for its confirmation."""
    page.get_by_role("button", name="Save hours").click()
    page.get_by_role("button", name="Log more hours").wait_for()


def log_more_hours(page: Any) -> None:
    """From the confirmation back to an empty log-hours form."""
    page.get_by_role("button", name="Log more hours").click()
    # While the rerun draws the empty form, the old one can still be on the
    # page for a moment: wait for the run to end before looking for Save.
    wait_for_app(page)
    page.get_by_role("button", name="Save hours").wait_for()
    wait_for_app(page)


def save_a_suggestion(page: Any) -> float | None:
    """On the log-hours form: tap the first suggestion, save once the server
    has filled the form, and wait for the confirmation. The seconds from tap
    to saved, or None when no suggestion is offered."""
    from playwright.sync_api import expect

    suggestion = page.get_by_test_id("stButton").filter(has_text=" · ").first
    if not suggestion.count():
        return None
    tapped = time.perf_counter()
    suggestion.click()
    expect(page.get_by_label("Hours", exact=True)).not_to_have_value("")
    save_hours(page)
    return time.perf_counter() - tapped
