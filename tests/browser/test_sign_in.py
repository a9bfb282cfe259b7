"""Sign-in in a real browser: each demo role sees exactly its navigation, a
wrong password is refused plainly, sign-out returns to the sign-in page."""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

import pytest
from playwright.sync_api import expect

from components.navigation import specs_for
from components.preload import ELEMENTS, element_files
from components.session import SignedIn
from db.seed.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from tests.browser import harness
from tests.browser.conftest import open_sign_in, screenshot, sign_in, wait_for_app

# One group, so that under `-n 2 --dist loadgroup` one worker runs them all
# against one app server and one Chromium.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _expected_titles(roles: tuple[str, ...]) -> list[str]:
    person = SignedIn(user_id=uuid4(), email="x@example.org", display_name="x", roles=frozenset(roles))
    return [spec.title for spec in specs_for(person)]


def _navigation_titles(page: Any) -> list[str]:
    nav = page.get_by_test_id("stSidebarNav")
    if nav.count() == 0:
        return []
    # Each link reads "<icon ligature>\n\n<title>".
    return [text.strip().split("\n")[-1] for text in nav.get_by_test_id("stSidebarNavLink").all_inner_texts()]


@pytest.mark.parametrize("account", DEMO_ACCOUNTS, ids=lambda a: a.email.split("@")[0])
def test_each_demo_role_sees_exactly_its_navigation(page: Any, app_url: str, account: Any) -> None:
    sign_in(page, app_url, account.email)
    expected = _expected_titles(account.roles)
    shown = _navigation_titles(page)
    if len(expected) == 1:
        # A single page needs no navigation menu.
        assert shown == []
    else:
        assert shown == expected
    sidebar = page.get_by_test_id("stSidebar")
    assert account.email in sidebar.inner_text()
    screenshot(page, f"sign_in_{account.email.split('@')[0].replace('.', '_')}")
    # No page of another role is reachable by URL either.
    if "admin" not in account.roles:
        page.goto(f"{app_url}/admin_people")
        wait_for_app(page)
        assert page.get_by_role("heading", name="People and roles").count() == 0


def test_the_sign_in_page(page: Any, app_url: str) -> None:
    open_sign_in(page, app_url)
    screenshot(page, "sign_in_page")
    assert page.get_by_test_id("stSidebarNav").count() == 0
    # DATABASE_URL is set here, so this is not the embedded demo: the demo
    # credentials are not shown.
    assert DEMO_PASSWORD not in page.content()


def test_the_sign_in_page_loads_the_dashboards_code_before_anyone_signs_in(page: Any, app_url: str) -> None:
    files = element_files()
    assert len(files) == len(ELEMENTS), f"this Streamlit names its element code otherwise: {files}"
    loaded = "performance.getEntriesByType('resource').map(e => e.name.split('/').pop())"
    open_sign_in(page, app_url)
    page.wait_for_function(f"{json.dumps(list(files))}.every(f => {loaded}.includes(f))", timeout=30_000)
    board = next(a for a in DEMO_ACCOUNTS if "board" in a.roles)
    harness.fill_sign_in(page, board.email)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_test_id("stMetric").first.wait_for()
    wait_for_app(page)
    # The dashboard used the code the sign-in page loaded, never a second copy.
    names = page.evaluate(loaded)
    assert all(names.count(f) == 1 for f in files), names


def test_wrong_password_shows_a_clear_error(page: Any, app_url: str) -> None:
    open_sign_in(page, app_url)
    page.get_by_role("textbox", name="Email").fill(DEMO_ACCOUNTS[0].email)
    page.get_by_role("textbox", name="Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    error = page.get_by_test_id("stAlertContentError")
    error.wait_for()
    # The alert reads "<icon ligature>\n\n<message>".
    assert error.inner_text().strip().split("\n")[-1] == "That email and password do not match an account."
    assert page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").count() == 0
    screenshot(page, "sign_in_wrong_password")


def test_sign_out(page: Any, app_url: str) -> None:
    volunteer = next(a for a in DEMO_ACCOUNTS if a.roles == ("volunteer",))
    sign_in(page, app_url, volunteer.email)
    page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
    page.get_by_role("textbox", name="Email").wait_for()
    info = page.get_by_test_id("stAlertContentInfo")
    info.wait_for()
    assert "You have signed out." in info.inner_text()
    # The signed-in sidebar lingers (stale) until the rerun has finished.
    wait_for_app(page)
    expect(page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out")).to_have_count(0)
    screenshot(page, "signed_out")
    # Reloading does not bring the session back.
    page.reload()
    wait_for_app(page)
    page.get_by_role("textbox", name="Email").wait_for()


def test_a_reload_or_an_opened_link_keeps_the_person_signed_in(page: Any, app_url: str) -> None:
    volunteer = next(a for a in DEMO_ACCOUNTS if a.roles == ("volunteer",))
    sign_in(page, app_url, volunteer.email)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="My hours", exact=True).click()
    wait_for_app(page)
    page.get_by_role("heading", name="My hours").first.wait_for()
    assert page.url.endswith("/my_hours")
    cookie = next(c for c in page.context.cookies() if c["name"] == "hb_session")
    assert cookie["sameSite"] == "Strict" and len(cookie["value"]) == 64
    page.reload()
    wait_for_app(page)
    page.get_by_role("heading", name="My hours").first.wait_for()
    expect(page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out")).to_be_visible()
    screenshot(page, "reloaded_still_signed_in")
    # A link to another page, opened in a new tab of the same browser.
    other = page.context.new_page()
    other.goto(f"{app_url}/shifts")
    wait_for_app(other)
    other.get_by_role("heading", name="Volunteer shifts").first.wait_for()
    other.close()
    # Signing out ends the token: a reload then asks to sign in.
    page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
    page.get_by_role("textbox", name="Email").wait_for()
    wait_for_app(page)
    page.reload()
    wait_for_app(page)
    page.get_by_role("textbox", name="Email").wait_for()
