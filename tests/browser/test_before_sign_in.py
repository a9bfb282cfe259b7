"""What a visitor sees before signing in, even while the database is still
starting: the sign-in page alone, never the list of the app's pages."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import screenshot
from tests.browser.harness import ARTIFACTS, app_env, serve_app

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def silent_database() -> Iterator[str]:
    """A port that takes connections and never answers: a database that is
    still starting, for as long as the test looks."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        port = listener.getsockname()[1]
        yield f"postgresql://heartbeat@127.0.0.1:{port}/heartbeat?connect_timeout=60"


def test_no_page_is_listed_while_the_database_starts(page: Any, silent_database: str) -> None:
    with serve_app(app_env(silent_database), ARTIFACTS / "streamlit-silent-database.log") as app:
        page.goto(app.url)
        page.get_by_text("Starting the database").wait_for()
        screenshot(page, "visitor_while_the_database_starts")
        assert page.get_by_test_id("stSidebarNav").count() == 0
        for script in ("approvals", "donors", "admin people", "log hours"):
            assert page.get_by_role("link", name=script).count() == 0
