"""The Supabase Auth path: the real `supabase` client over real HTTP against
recorded GoTrue answers (no Supabase server runs here), then the signed-in
user's id identifying them to the database."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from uuid import UUID

import pytest
import time_machine
from streamlit.testing.v1 import AppTest

from components.session import SESSION_KEY, SUPABASE_CLIENT_KEY, SignedIn
from db import supabase_auth as sa
from db.accounts import load_profile
from db.config import PROJECT_ROOT, get_settings
from db.connection import service_transaction, transaction
from db.identity import Identity
from tests.auth.gotrue_replay import ANON_KEY, TOKEN, GoTrueReplay, recorded
from tests.auth.world import World
from tests.conftest import use_database

SUB = UUID(recorded("token_password_ok")["body"]["user"]["id"])
EMAIL = "volunteer@supabase.test"
SECRET = "Sup3r-Secret-Passphrase"


def test_password_sign_in_success(gotrue: GoTrueReplay) -> None:
    gotrue.respond("POST", TOKEN, "token_password_ok", grant_type="password")
    client = gotrue.client()
    user = sa.password_sign_in(client, f" {EMAIL} ", SECRET)  # type: ignore[arg-type]
    assert user.user_id == SUB
    assert user.email == EMAIL and user.full_name == "Vera Volunteer"
    assert user.claims == {
        "aal": "aal1",
        "session_id": "d3c1f7a2-5e4b-4c19-8a6d-2f0b9e7c4a58",
        "iss": f"{gotrue.url}/auth/v1",
    }
    sent = gotrue.last(TOKEN)
    assert sent.query["grant_type"] == ["password"]
    assert sent.body["email"] == EMAIL and sent.body["password"] == SECRET
    assert sent.headers["apikey"] == ANON_KEY
    # The session lives in this client only.
    assert client.auth.get_session().user.id == str(SUB)  # type: ignore[attr-defined]
    assert gotrue.client().auth.get_session() is None  # type: ignore[attr-defined]


def test_wrong_password(gotrue: GoTrueReplay, caplog: pytest.LogCaptureFixture) -> None:
    gotrue.respond("POST", TOKEN, "token_password_invalid", grant_type="password")
    with caplog.at_level(logging.DEBUG), pytest.raises(sa.SupabaseAuthError) as caught:
        sa.password_sign_in(gotrue.client(), EMAIL, "wrong-" + SECRET)  # type: ignore[arg-type]
    assert str(caught.value) == "That email and password do not match an account."
    assert "code=invalid_credentials status=400" in caplog.text
    assert SECRET not in caplog.text and EMAIL not in caplog.text


def test_magic_link_request(gotrue: GoTrueReplay) -> None:
    gotrue.respond("POST", "/auth/v1/otp", "otp_ok")
    sa.send_magic_link(gotrue.client(), EMAIL, redirect_to="https://heartbeat.example/")  # type: ignore[arg-type]
    sent = gotrue.last("/auth/v1/otp")
    assert sent.body["email"] == EMAIL
    assert sent.body["create_user"] is False  # signing in never creates accounts
    assert sent.query["redirect_to"] == ["https://heartbeat.example/"]


def test_magic_link_for_an_unknown_email_reads_like_success(gotrue: GoTrueReplay) -> None:
    gotrue.respond("POST", "/auth/v1/otp", "otp_signups_disabled")
    sa.send_magic_link(gotrue.client(), "nobody@supabase.test")  # type: ignore[arg-type]


def test_magic_link_rate_limit_is_explained(gotrue: GoTrueReplay) -> None:
    gotrue.respond("POST", "/auth/v1/otp", "otp_rate_limited")
    with pytest.raises(sa.SupabaseAuthError, match="Too many emails were requested"):
        sa.send_magic_link(gotrue.client(), EMAIL)  # type: ignore[arg-type]


def test_admin_invitation_creates_the_account(gotrue: GoTrueReplay) -> None:
    gotrue.respond("POST", "/auth/v1/otp", "otp_ok")
    sa.invite_by_email(gotrue.client(), "new.person@supabase.test")  # type: ignore[arg-type]
    assert gotrue.last("/auth/v1/otp").body["create_user"] is True


def test_password_reset_request(gotrue: GoTrueReplay) -> None:
    gotrue.respond("POST", "/auth/v1/recover", "recover_ok")
    sa.send_password_reset(gotrue.client(), EMAIL, redirect_to="https://heartbeat.example/")  # type: ignore[arg-type]
    sent = gotrue.last("/auth/v1/recover")
    assert sent.body["email"] == EMAIL
    assert sent.query["redirect_to"] == ["https://heartbeat.example/"]


def test_email_code_and_link_sign_in(gotrue: GoTrueReplay) -> None:
    gotrue.respond("POST", "/auth/v1/verify", "verify_ok")
    user = sa.verify_email_code(gotrue.client(), EMAIL, "123456", "magiclink")  # type: ignore[arg-type]
    assert user.user_id == SUB
    assert gotrue.last("/auth/v1/verify").body["type"] == "email"
    user = sa.verify_token_hash(gotrue.client(), "pkce_0a1b2c", "recovery")  # type: ignore[arg-type]
    assert user.user_id == SUB
    assert gotrue.last("/auth/v1/verify").body == {
        "gotrue_meta_security": {"captcha_token": None},
        "token_hash": "pkce_0a1b2c",
        "type": "recovery",
    }
    with pytest.raises(sa.SupabaseAuthError, match="6 digits"):
        sa.verify_email_code(gotrue.client(), EMAIL, "12ab", "magiclink")  # type: ignore[arg-type]
    with pytest.raises(sa.SupabaseAuthError, match="not a sign-in link"):
        sa.verify_token_hash(gotrue.client(), "x", "email_change")  # type: ignore[arg-type]


def test_expired_link(gotrue: GoTrueReplay) -> None:
    gotrue.respond("POST", "/auth/v1/verify", "verify_expired")
    with pytest.raises(sa.SupabaseAuthError, match="expired or was already used"):
        sa.verify_token_hash(gotrue.client(), "pkce_old", "magiclink")  # type: ignore[arg-type]


def test_an_expired_access_token_is_refreshed_and_sign_out_revokes(gotrue: GoTrueReplay) -> None:
    gotrue.respond("POST", TOKEN, "token_password_ok", grant_type="password")
    gotrue.respond("POST", TOKEN, "token_refresh_ok", grant_type="refresh_token")
    gotrue.respond("POST", "/auth/v1/logout", "logout_ok")
    client = gotrue.client()
    sa.password_sign_in(client, EMAIL, SECRET)  # type: ignore[arg-type]
    # Two hours later the access token (one hour) has expired: the next use
    # refreshes it, and the new token is verified in its turn.
    with time_machine.travel(time.time() + 7200):
        user = sa.ensure_fresh(client)  # type: ignore[arg-type]
    assert user.user_id == SUB
    assert gotrue.last(TOKEN).body == {"refresh_token": "k3xq7vbn2mlp"}
    assert client.auth.get_session().refresh_token == "p9wz4rty8hud"  # type: ignore[attr-defined]
    sa.sign_out(client)  # type: ignore[arg-type]
    logout = gotrue.last("/auth/v1/logout")
    assert logout.query["scope"] == ["local"]
    assert logout.headers["authorization"].startswith("Bearer ")
    with pytest.raises(sa.SupabaseAuthError, match="session has ended"):
        sa.ensure_fresh(client)  # type: ignore[arg-type]


def test_changing_the_password(gotrue: GoTrueReplay) -> None:
    gotrue.respond("POST", TOKEN, "token_password_ok", grant_type="password")
    gotrue.respond("PUT", "/auth/v1/user", "user_update_ok")
    client = gotrue.client()
    sa.password_sign_in(client, EMAIL, SECRET)  # type: ignore[arg-type]
    sa.set_new_password(client, "a brand new passphrase")  # type: ignore[arg-type]
    assert gotrue.last("/auth/v1/user").body == {"password": "a brand new passphrase"}


# -- the Supabase user meets the database ---------------------------------------


@pytest.fixture
def supabase_user(world: World) -> UUID:
    """The recorded user, as Supabase would have them in auth.users, with
    a member record and the volunteer role."""
    with service_transaction(world.uri) as conn:
        conn.execute(
            "insert into auth.users (id, email) values (%s, %s) on conflict (id) do nothing", (SUB, EMAIL)
        )
        conn.execute(
            """insert into public.roles (user_id, role) values (%s, 'volunteer')
               on conflict do nothing""",
            (SUB,),
        )
        conn.execute(
            """insert into public.members (user_id, full_name, email, chapter_id, joined_on)
               values (%s, 'Vera Volunteer', %s, %s, '2024-05-01') on conflict do nothing""",
            (SUB, EMAIL, world.chapters["Harbour"]),
        )
    return SUB


def test_the_supabase_user_identifies_to_the_database(
    gotrue: GoTrueReplay, world: World, supabase_user: UUID
) -> None:
    gotrue.respond("POST", TOKEN, "token_password_ok", grant_type="password")
    user = sa.password_sign_in(gotrue.client(), EMAIL, SECRET)  # type: ignore[arg-type]
    identity = Identity(user_id=user.user_id, email=user.email, extra_claims=user.claims)
    profile = load_profile(identity, uri=world.uri)
    assert profile.roles == {"volunteer"} and profile.member_name == "Vera Volunteer"
    with transaction(identity, world.uri) as conn:
        row = conn.execute(
            """select auth.uid() as uid, auth.jwt() ->> 'aal' as aal, auth.jwt() ->> 'session_id' as sid,
                      current_user as db_role,
                      (select count(*) from public.volunteer_hours) as hours,
                      (select count(*) from public.members) as members"""
        ).fetchone()
    assert row is not None
    assert row["uid"] == SUB and row["aal"] == "aal1" and row["db_role"] == "authenticated"
    assert row["sid"] == "d3c1f7a2-5e4b-4c19-8a6d-2f0b9e7c4a58"
    # A volunteer: their own member row, nobody else's hours.
    assert row["members"] == 1 and row["hours"] == 0


@pytest.fixture
def app_on_supabase(
    world: World, gotrue: GoTrueReplay, monkeypatch: pytest.MonkeyPatch
) -> Iterator[GoTrueReplay]:
    use_database(monkeypatch, world.uri)
    monkeypatch.setenv("SUPABASE_URL", gotrue.url)
    monkeypatch.setenv("SUPABASE_ANON_KEY", ANON_KEY)
    get_settings.cache_clear()
    yield gotrue
    get_settings.cache_clear()


def _sign_in_page() -> AppTest:
    return AppTest.from_file(str(PROJECT_ROOT / "pages" / "sign_in.py"), default_timeout=60).run()


def test_sign_in_page_on_supabase(app_on_supabase: GoTrueReplay, supabase_user: UUID) -> None:
    gotrue = app_on_supabase
    at = _sign_in_page()
    assert not at.exception
    assert [t.label for t in at.tabs] == ["Password", "Email me a link", "Forgot password"]
    assert not at.dataframe  # never the demo accounts with Supabase Auth

    gotrue.respond("POST", TOKEN, "token_password_invalid", grant_type="password")
    at.text_input(key="sb_email").input(EMAIL)
    at.text_input(key="sb_password").input("nope")
    at.button(key="sb_sign_in").click().run()
    assert [e.value for e in at.error] == ["That email and password do not match an account."]

    gotrue.respond("POST", TOKEN, "token_password_ok", grant_type="password")
    at.text_input(key="sb_email").input(EMAIL)
    at.text_input(key="sb_password").input(SECRET)
    at.button(key="sb_sign_in").click().run()
    user = at.session_state[SESSION_KEY]
    assert isinstance(user, SignedIn)
    assert user.provider == "supabase" and user.user_id == SUB and user.roles == {"volunteer"}
    assert user.identity.claims_json().count(str(SUB)) == 1
    client = at.session_state[SUPABASE_CLIENT_KEY]
    assert client.auth.get_session().user.id == str(SUB)

    # Another browser session gets its own client, without anyone's session.
    other = _sign_in_page()
    assert other.session_state[SUPABASE_CLIENT_KEY] is not client
    assert other.session_state[SUPABASE_CLIENT_KEY].auth.get_session() is None


def test_magic_link_and_reset_on_the_page(app_on_supabase: GoTrueReplay, supabase_user: UUID) -> None:
    gotrue = app_on_supabase
    gotrue.respond("POST", "/auth/v1/otp", "otp_ok")
    gotrue.respond("POST", "/auth/v1/recover", "recover_ok")
    gotrue.respond("POST", "/auth/v1/verify", "verify_ok")
    at = _sign_in_page()
    at.text_input(key="sb_magiclink_email").input(EMAIL)
    at.button(key="sb_magiclink_send").click().run()
    assert at.success[0].value.startswith(f"If {EMAIL} has an account, an email is on its way.")
    at.text_input(key="sb_recovery_email").input(EMAIL)
    at.button(key="sb_recovery_send").click().run()
    assert gotrue.last("/auth/v1/recover").body["email"] == EMAIL

    at.text_input(key="sb_magiclink_code").input("654321")
    at.button(key="sb_magiclink_verify").click().run()
    assert gotrue.last("/auth/v1/verify").body["token"] == "654321"
    assert at.session_state[SESSION_KEY].user_id == SUB


def test_email_link_with_token_hash_signs_in(app_on_supabase: GoTrueReplay, supabase_user: UUID) -> None:
    app_on_supabase.respond("POST", "/auth/v1/verify", "verify_ok")
    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / "sign_in.py"), default_timeout=60)
    at.query_params["token_hash"] = "pkce_from_the_email"
    at.query_params["type"] = "magiclink"
    at.run()
    assert at.session_state[SESSION_KEY].user_id == SUB
    assert app_on_supabase.last("/auth/v1/verify").body["token_hash"] == "pkce_from_the_email"


def test_admin_invites_through_supabase(app_on_supabase: GoTrueReplay, world: World) -> None:
    from components.session import signed_in_from_profile

    gotrue = app_on_supabase
    gotrue.respond("POST", "/auth/v1/otp", "otp_ok")
    admin = signed_in_from_profile(
        load_profile(world.identity("admin"), uri=world.uri), email=world.emails["admin"]
    )
    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / "admin_people.py"), default_timeout=60)
    at.session_state[SESSION_KEY] = admin
    at.run()
    assert not at.exception
    # Passwords belong to Supabase Auth there: no local reset form.
    assert "**Reset a password**" not in [m.value for m in at.markdown]

    email = "invited.fundraiser@supabase.test"
    at.text_input(key="admin_invite_email").input(email)
    at.text_input(key="admin_invite_name").input("Ines Invited")
    at.multiselect(key="admin_invite_roles").select("fundraiser")
    # GoTrue has not created the account (no real server here): a plain error.
    at.button(key="admin_invite_submit").click().run()
    assert [e.value for e in at.error] == ["Supabase has not created this account yet: try again in a moment"]
    assert gotrue.last("/auth/v1/otp").body["create_user"] is True
    assert gotrue.last("/auth/v1/otp").body["email"] == email

    # What GoTrue does on that request: the account row appears.
    with service_transaction(world.uri) as conn:
        conn.execute("insert into auth.users (email) values (%s)", (email,))
    at.button(key="admin_invite_submit").click().run()
    assert not at.error, [e.value for e in at.error]
    assert at.success[0].value.startswith(f"A sign-in link is on its way to {email}")
    with transaction(world.identity("admin"), world.uri) as conn:
        row = conn.execute(
            """select r.role, r.granted_by from public.roles r join app.people() p on p.user_id = r.user_id
                where p.email = %s""",
            (email,),
        ).fetchone()
    assert row is not None and row["role"] == "fundraiser" and row["granted_by"] == world.users["admin"]
