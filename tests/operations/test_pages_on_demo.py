"""Every operations page opens without an error on the demo movement, for
each role that may see it, and shows the demo's data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from components.report_cache import refresh
from components.session import SignedIn, signed_in_from_profile
from db.accounts import load_profile
from db.config import PROJECT_ROOT
from db.identity import Identity
from db.seed.accounts import DEMO_ACCOUNTS
from tests.conftest import use_database
from tests.operations.conftest import drop_private_database, private_database

PAGES = {
    "chapters": ("coordinator", "admin"),
    "programs": ("coordinator", "admin"),
    "partners": ("coordinator", "admin"),
    "events": ("coordinator", "admin"),
    "members": ("coordinator", "admin"),
    "import_surveys": ("coordinator", "admin"),
    "goals": ("coordinator", "admin", "board"),
    "survey": ("volunteer", "board", "coordinator"),
}


@pytest.fixture(scope="module")
def demo(pg_server: object) -> Iterator[str]:
    uri = private_database(pg_server, "demo")
    yield uri
    drop_private_database(pg_server, "demo")


def _person(uri: str, role: str) -> SignedIn:
    account = next(a for a in DEMO_ACCOUNTS if a.roles[0] == role)
    profile = load_profile(Identity(user_id=account.user_id, email=account.email), uri=uri)
    return signed_in_from_profile(profile, email=account.email)


@pytest.mark.parametrize(
    ("page", "role"), [(p, r) for p, roles in PAGES.items() for r in roles], ids=lambda v: str(v)
)
def test_page_opens_on_the_demo(monkeypatch: pytest.MonkeyPatch, demo: str, page: str, role: str) -> None:
    use_database(monkeypatch, demo)
    refresh()
    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / f"{page}.py"), default_timeout=120)
    at.session_state["signed_in"] = _person(demo, role)
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    if page in ("chapters", "programs", "partners", "members"):
        assert at.dataframe, "the demo's rows are listed"
    if page == "goals":
        assert [m for m in at.metric], "the goal counts are shown"
