"""Only our own project's tokens are trusted: signed by its keys (JWKS, or
the legacy HS256 secret where configured), issued by its Auth, for signed-in
users, and not expired. Checked through the real client against the replayed
GoTrue (which signs and publishes its keys like a project) and directly."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from db import supabase_auth as sa
from db.supabase_tokens import TokenError, verified_claims
from tests.auth.gotrue_replay import KID, TOKEN, GoTrueReplay

LEGACY_SECRET = "the-projects-legacy-jwt-secret-of-32+chars"
SUB = "6f1d2c3b-4a5e-4f60-9b7a-8c9d0e1f2a3b"


def _sign_in(gotrue: GoTrueReplay) -> sa.SupabaseUser:
    gotrue.respond("POST", TOKEN, "token_password_ok", grant_type="password")
    return sa.password_sign_in(gotrue.client(), "volunteer@supabase.test", "Sup3r-Secret-Passphrase")


def test_a_token_signed_by_the_projects_key_is_trusted(gotrue: GoTrueReplay) -> None:
    assert _sign_in(gotrue).claims["iss"] == f"{gotrue.url}/auth/v1"


def test_a_token_signed_by_another_key_is_refused(gotrue: GoTrueReplay) -> None:
    gotrue.signing_key = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(sa.SupabaseAuthError, match="could not be verified"):
        _sign_in(gotrue)


def test_a_token_of_another_project_is_refused(gotrue: GoTrueReplay) -> None:
    gotrue.issuer = "https://someone-else.supabase.co/auth/v1"
    with pytest.raises(sa.SupabaseAuthError, match="could not be verified"):
        _sign_in(gotrue)


def _claims(**extra: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"sub": SUB, "aud": "authenticated", "iss": "https://p.supabase.co/auth/v1", "iat": now,
            "exp": now + 3600, "role": "authenticated", **extra}  # fmt: skip


def test_the_legacy_secret_is_used_only_where_configured() -> None:
    token = jwt.encode(_claims(), LEGACY_SECRET, algorithm="HS256")
    secret = LEGACY_SECRET
    assert verified_claims(token, project_url="https://p.supabase.co", jwt_secret=secret)["sub"] == SUB
    with pytest.raises(TokenError):
        verified_claims(token, project_url="https://p.supabase.co")
    with pytest.raises(TokenError):
        verified_claims(
            token, project_url="https://p.supabase.co", jwt_secret="another-secret-of-32-characters!!"
        )


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param({"exp": int(time.time()) - 120}, id="expired"),
        pytest.param({"aud": "anon"}, id="not-for-signed-in-users"),
        pytest.param({"iss": "https://p.supabase.co.evil.example/auth/v1"}, id="other-issuer"),
    ],
)
def test_tokens_that_do_not_hold_are_refused(claims: dict[str, Any]) -> None:
    secret = LEGACY_SECRET
    token = jwt.encode(_claims(**claims), secret, algorithm="HS256")
    with pytest.raises(TokenError):
        verified_claims(token, project_url="https://p.supabase.co", jwt_secret=secret)


def test_an_unsigned_token_is_refused() -> None:
    token = jwt.encode(_claims(), None, algorithm="none", headers={"kid": KID})
    with pytest.raises(TokenError):
        verified_claims(token, project_url="https://p.supabase.co", jwt_secret="x" * 32)
