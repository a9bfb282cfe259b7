"""The app in AppTest: each role sees exactly its pages, each page checks
the role again, sessions expire, roles are re-read, and the people page
manages accounts through the database."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from components.navigation import PAGES, specs_for
from components.session import (
    LAST_ACTIVITY_KEY,
    NOTICE_KEY,
    ROLES_CHECKED_KEY,
    SESSION_KEY,
    SignedIn,
    signed_in_from_profile,
)
from db.accounts import SignInError, authenticate, load_profile
from db.config import PROJECT_ROOT, get_settings
from tests.auth.world import PASSWORD, World
from tests.conftest import use_database

TIMEOUT = 60
APP = str(PROJECT_ROOT / "app.py")
ADMIN_PAGE = str(PROJECT_ROOT / "pages" / "admin_people.py")


@pytest.fixture
def on_world(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    use_database(monkeypatch, world.uri)
    monkeypatch.delenv("SUPABASE_URL", raising=False)
    monkeypatch.delenv("SUPABASE_ANON_KEY", raising=False)
    yield world
    get_settings.cache_clear()


def _person(world: World, who: str) -> SignedIn:
    profile = load_profile(world.identity(who), uri=world.uri)
    return signed_in_from_profile(profile, email=world.emails[who])


def _app(user: SignedIn | None, **state: object) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if user is not None:
        at.session_state[SESSION_KEY] = user
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def _navigation(at: AppTest) -> set[str]:
    # The default page is registered under the empty url path, so name
    # pages by their script instead.
    return {Path(str(info["script_path"])).stem for info in at._registered_pages.values()}


def _expected(role_set: set[str]) -> set[str]:
    return {spec.url_path for spec in PAGES if not spec.roles or spec.roles & role_set}


ROLE_OF = {
    "admin": {"admin"},
    "board": {"board"},
    "fundraiser": {"fundraiser"},
    "coordinator": {"coordinator", "volunteer"},
    "coordinator.other": {"coordinator"},
    "volunteer": {"volunteer"},
}


@pytest.mark.parametrize("who", list(ROLE_OF))
def test_each_role_sees_exactly_its_pages(on_world: World, who: str) -> None:
    user = _person(on_world, who)
    assert user.roles == ROLE_OF[who]
    at = _app(user)
    assert not at.exception, at.exception
    shown = _navigation(at)
    assert shown == _expected(ROLE_OF[who]) == {spec.url_path for spec in specs_for(user)}
    assert "account" in shown and "sign_in" not in shown
    assert ("admin_people" in shown) == (who == "admin")
    assert ("status" in shown) == (who in ("admin", "board"))
    for spec in PAGES:
        if spec.url_path not in shown:
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                at.switch_page(spec.path)
    assert at.sidebar.button(key="session_sign_out").label == "Sign out"


def test_a_visitor_sees_only_the_sign_in_page(on_world: World) -> None:
    at = _app(None)
    assert not at.exception
    assert _navigation(at) == {"sign_in"}
    assert at.text_input(key="sign_in_email") is not None
    # Not embedded (DATABASE_URL is set): no demo credentials anywhere.
    assert not at.dataframe
    assert "demo" not in " ".join(m.value for m in at.markdown).lower()


@pytest.mark.parametrize("who", ["volunteer", "coordinator.other", "fundraiser", "board"])
def test_require_role_stops_other_roles_on_the_admin_page(on_world: World, who: str) -> None:
    at = AppTest.from_file(ADMIN_PAGE, default_timeout=TIMEOUT)
    at.session_state[SESSION_KEY] = _person(on_world, who)
    at.run()
    assert [e.value for e in at.error] == ["Your roles do not include this page."]
    assert not at.dataframe and not at.tabs


def test_require_role_stops_an_anonymous_visitor(on_world: World) -> None:
    for path in ("pages/admin_people.py", "pages/account.py"):
        at = AppTest.from_file(str(PROJECT_ROOT / path), default_timeout=TIMEOUT).run()
        assert [w.value for w in at.warning] == ["Please sign in to see this page."]
        assert not at.dataframe and not at.text_input


def test_a_tampered_session_gets_nothing_from_the_database(on_world: World) -> None:
    # A session value claiming the admin role for a volunteer's user id: the
    # page lets it through, the database does not.
    real = _person(on_world, "volunteer")
    forged = SignedIn(
        user_id=real.user_id, email="admin@access.test", display_name="X", roles=frozenset({"admin"})
    )
    at = AppTest.from_file(ADMIN_PAGE, default_timeout=TIMEOUT)
    at.session_state[SESSION_KEY] = forged
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == ["The database refused: only an admin can list people"]
    assert not at.dataframe


def test_an_idle_session_is_signed_out(on_world: World) -> None:
    idle = get_settings().session_idle_minutes
    at = _app(
        _person(on_world, "board"),
        **{LAST_ACTIVITY_KEY: datetime.now(UTC) - timedelta(minutes=idle, seconds=5)},
    )
    assert SESSION_KEY not in at.session_state
    assert _navigation(at) == {"sign_in"}
    assert [i.value for i in at.info] == [
        f"You were signed out after {idle} minutes without activity. Please sign in again."
    ]


def test_a_recent_session_stays_and_its_clock_moves(on_world: World) -> None:
    before = datetime.now(UTC) - timedelta(minutes=5)
    at = _app(_person(on_world, "board"), **{LAST_ACTIVITY_KEY: before})
    assert isinstance(at.session_state[SESSION_KEY], SignedIn)
    assert at.session_state[LAST_ACTIVITY_KEY] > before
    assert "status" in _navigation(at)


def test_roles_are_read_again_from_the_database(on_world: World) -> None:
    stale = _person(on_world, "volunteer")
    stale = SignedIn(**{**stale.__dict__, "roles": frozenset({"volunteer", "admin"})})
    at = _app(stale, **{ROLES_CHECKED_KEY: datetime.now(UTC) - timedelta(minutes=10)})
    assert at.session_state[SESSION_KEY].roles == {"volunteer"}
    assert "admin_people" not in _navigation(at)


def test_sign_out_from_the_sidebar(on_world: World) -> None:
    at = _app(_person(on_world, "fundraiser"))
    at.sidebar.button(key="session_sign_out").click().run()
    # AppTest does not follow the switch to the new navigation (see
    # NOTES.md); the browser test checks the sign-in page that follows.
    assert SESSION_KEY not in at.session_state
    assert LAST_ACTIVITY_KEY not in at.session_state
    assert at.session_state[NOTICE_KEY] == "You have signed out."


def test_sign_in_page_wrong_password_and_right_password(
    on_world: World, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "Not-The-Password-123"
    with caplog.at_level(logging.DEBUG):
        at = _app(None)
        at.text_input(key="sign_in_email").input(on_world.emails["volunteer.two"])
        at.text_input(key="sign_in_password").input(wrong)
        at.button(key="sign_in_submit").click().run()
        assert [e.value for e in at.error] == ["That email and password do not match an account."]
        assert SESSION_KEY not in at.session_state

        at.text_input(key="sign_in_email").input(on_world.emails["volunteer.two"])
        at.text_input(key="sign_in_password").input(PASSWORD)
        at.button(key="sign_in_submit").click().run()
    user = at.session_state[SESSION_KEY]
    assert isinstance(user, SignedIn)
    assert user.user_id == on_world.users["volunteer.two"]
    assert user.roles == {"volunteer"} and user.member_id == on_world.members["volunteer.two"]
    logged = caplog.text
    assert "sign-in failed" in logged and "sign-in succeeded" in logged
    assert wrong not in logged and PASSWORD not in logged


def test_sign_in_page_says_how_long_to_wait_after_repeated_failures(on_world: World) -> None:
    email = "waiting.page@access.test"
    for i in range(3):
        with pytest.raises(SignInError):
            authenticate(email, f"guess {i}", client="unknown", uri=on_world.uri)
    at = _app(None)
    at.text_input(key="sign_in_email").input(email)
    at.text_input(key="sign_in_password").input("another guess")
    at.button(key="sign_in_submit").click().run()
    [message] = [e.value for e in at.error]
    assert message.startswith("Too many failed sign-ins. Try again in ") and message.endswith("seconds.")
    assert SESSION_KEY not in at.session_state


def _frame(at: AppTest, column: str) -> pd.DataFrame:
    """The table on the page that has `column` (AppTest does not expose
    the keys of st.dataframe)."""
    for df in at.dataframe:
        if column in df.value.columns:
            return df.value
    raise AssertionError(f"no table with a {column!r} column")


def test_admin_invites_grants_and_revokes_on_the_page(on_world: World) -> None:
    at = AppTest.from_file(ADMIN_PAGE, default_timeout=TIMEOUT)
    at.session_state[SESSION_KEY] = _person(on_world, "admin")
    at.run()
    assert not at.exception
    emails = _frame(at, "last_sign_in_at")["email"].to_list()
    assert "volunteer@access.test" in emails
    assert "**Reset a password**" in [m.value for m in at.markdown]  # local accounts only

    # A coordinator role without a chapter is refused with a plain message.
    at.text_input(key="admin_invite_email").input("page.invitee@access.test")
    at.text_input(key="admin_invite_name").input("Paz Page")
    at.multiselect(key="admin_invite_roles").select("coordinator")
    at.button(key="admin_invite_submit").click().run()
    assert [e.value for e in at.error] == [
        "A coordinator role needs a chapter, and only a coordinator role takes one"
    ] or "coordinator role needs a chapter" in at.error[0].value

    at.multiselect(key="admin_invite_roles").unselect("coordinator").select("volunteer")
    at.button(key="admin_invite_submit").click().run()
    assert not at.error, [e.value for e in at.error]
    assert at.success[0].value == "Paz Page is invited."
    temporary = at.code[0].value
    assert len(temporary) >= 16
    assert "page.invitee@access.test" in _frame(at, "last_sign_in_at")["email"].to_list()

    roles = _frame(at, "granted_by")
    assert ((roles["email"] == "page.invitee@access.test") & (roles["role"] == "volunteer")).any()

    options = at.selectbox(key="admin_revoke_role").options
    target = next(o for o in options if o.startswith("page.invitee@access.test: volunteer"))
    at.selectbox(key="admin_revoke_role").select(target)
    at.button(key="admin_revoke_submit").click().run()
    assert at.success[0].value == f"Revoked {target}."
    audit = _frame(at, "actor")
    mine = audit[audit["person"] == "page.invitee@access.test"]
    assert list(mine["action"])[:2] == ["revoked", "granted"]


def test_temporary_password_must_be_replaced_first(on_world: World) -> None:
    from db.accounts import create_account, reset_password

    email = "temp.user@access.test"
    user_id = create_account(email, PASSWORD, uri=on_world.uri)
    temporary = reset_password(on_world.identity("admin"), user_id, uri=on_world.uri)
    profile = load_profile(on_world.identity("admin").__class__(user_id=user_id), uri=on_world.uri)
    user = signed_in_from_profile(profile, email=email)
    assert user.must_change_password
    at = _app(user)
    assert _navigation(at) == {"account"}
    at.text_input(key="account_current_password").input(temporary)
    at.text_input(key="account_new_password").input("my own long passphrase")
    at.text_input(key="account_new_password_again").input("my own long passphrase")
    at.button(key="account_change_password").click().run()
    assert not at.error, [e.value for e in at.error]
    assert not at.session_state[SESSION_KEY].must_change_password
    again = _app(at.session_state[SESSION_KEY])
    # No roles: the pages for everyone signed in, now without the warning.
    assert _navigation(again) == {spec.url_path for spec in PAGES if not spec.roles}
    assert not again.warning
    assert (
        load_profile(on_world.identity("admin").__class__(user_id=user_id), uri=on_world.uri).roles == set()
    )


SIGN_IN_PAGE = str(PROJECT_ROOT / "pages" / "sign_in.py")


def test_demo_credentials_only_on_the_embedded_default(monkeypatch: pytest.MonkeyPatch) -> None:
    from db.seed.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD

    # Rendering the sign-in page touches no database, so the embedded
    # setting can be checked without starting one.
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SUPABASE_URL", raising=False)
    monkeypatch.delenv("SUPABASE_ANON_KEY", raising=False)
    get_settings.cache_clear()
    try:
        assert get_settings().embedded
        at = AppTest.from_file(SIGN_IN_PAGE, default_timeout=TIMEOUT).run()
        table = _frame(at, "who")
        assert table["email"].to_list() == [a.email for a in DEMO_ACCOUNTS]
        assert [c.value for c in at.code] == [DEMO_PASSWORD]
        assert "board@demo.heartbeat.example" in table["email"].to_list()

        # Embedded data but Supabase Auth for sign-in: no demo credentials.
        monkeypatch.setenv("SUPABASE_URL", "http://127.0.0.1:9")
        monkeypatch.setenv("SUPABASE_ANON_KEY", "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiJ9.c2ln")
        get_settings.cache_clear()
        at = AppTest.from_file(SIGN_IN_PAGE, default_timeout=TIMEOUT).run()
        assert not at.exception
        assert not at.dataframe
        assert DEMO_PASSWORD not in str(at)
    finally:
        get_settings.cache_clear()
