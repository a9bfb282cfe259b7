"""Sign-in through Supabase Auth (GoTrue) with the `supabase` Python client,
used when SUPABASE_URL and SUPABASE_ANON_KEY are configured.

The client keeps the signed-in session inside itself, so each browser
session gets its own client (kept in `st.session_state` by the caller) and
no client is ever shared through `st.cache_resource`.

Once signed in, the person's Supabase user id (the JWT `sub`) and a few of
its claims make up the Identity that every database transaction carries;
row-level security reads that `sub` through auth.uid(), exactly as PostgREST
would. So every access token is verified first (db/supabase_tokens.py:
the project's keys, issuer, audience, expiry), each time a session starts
or is refreshed: a token from anywhere else is never trusted.

Email links: Streamlit runs on the server and cannot read the `#fragment`
of a redirect, so the Magic Link and Reset Password email templates link
back with `?token_hash={{ .TokenHash }}&type=magiclink` (or `recovery`), or
show the 6-digit `{{ .Token }}` to type in; both are verified here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID

from supabase.lib.client_options import SyncClientOptions
from supabase_auth.errors import AuthApiError, AuthError, AuthRetryableError, AuthWeakPasswordError
from supabase_auth.types import AuthResponse, Session

from db.config import Settings, get_settings
from db.supabase_tokens import TokenError, verified_claims
from supabase import Client, create_client

log = logging.getLogger(__name__)

LinkKind = Literal["magiclink", "recovery"]
# Claims passed on to the database besides `sub`, `email` and `role`.
_FORWARDED_CLAIMS = ("aal", "session_id", "iss")

_MESSAGES = {
    "invalid_credentials": "That email and password do not match an account.",
    "email_not_confirmed": "Confirm your email address first: follow the link in the email you received.",
    "user_banned": "This account is suspended. Ask an admin of your movement.",
    "over_request_rate_limit": "Too many attempts. Wait a minute, then try again.",
    "over_email_send_rate_limit": "Too many emails were requested. Wait a minute, then try again.",
    "otp_expired": "This link or code has expired or was already used. Ask for a new one.",
    "same_password": "The new password must differ from the current one.",
    "session_not_found": "Your Supabase session has ended. Please sign in again.",
    "refresh_token_not_found": "Your Supabase session has ended. Please sign in again.",
    "refresh_token_already_used": "Your Supabase session has ended. Please sign in again.",
}
# Answers that would tell whether an email has an account; the person reads
# the same sentence as on success.
_SILENT = {"otp_disabled", "user_not_found", "signup_disabled", "email_address_invalid"}


class SupabaseAuthError(Exception):
    """A Supabase Auth failure, with the sentence a person reads."""


@dataclass(frozen=True)
class SupabaseUser:
    """The signed-in Supabase user, as the app and the database need them."""

    user_id: UUID
    email: str
    full_name: str | None
    claims: dict[str, str] = field(default_factory=dict)
    expires_at: datetime | None = None


def new_client(settings: Settings | None = None, *, http_client: Any = None) -> Client:
    """A client for ONE browser session (store it in st.session_state).

    Tokens are refreshed on demand (ensure_fresh) rather than by the
    library's background timer, which would outlive the browser session."""
    settings = settings or get_settings()
    if settings.supabase_url is None or settings.supabase_anon_key is None:
        raise SupabaseAuthError("Supabase Auth is not configured (SUPABASE_URL and SUPABASE_ANON_KEY).")
    options = SyncClientOptions(auto_refresh_token=False, persist_session=True, flow_type="implicit")
    if http_client is not None:
        options.httpx_client = http_client
    return create_client(settings.supabase_url, settings.supabase_anon_key.get_secret_value(), options)


def _message(exc: AuthError) -> str:
    if isinstance(exc, AuthRetryableError):
        return "Supabase Auth could not be reached. Try again in a moment."
    if isinstance(exc, AuthWeakPasswordError):
        reasons = ", ".join(exc.reasons) if exc.reasons else "too weak"
        return f"Choose a stronger password ({reasons})."
    code = getattr(exc, "code", None)
    if code in _MESSAGES:
        return _MESSAGES[str(code)]
    status = getattr(exc, "status", None)
    if status == 429:
        return _MESSAGES["over_request_rate_limit"]
    return "Supabase Auth refused the request. Try again, or ask an admin of your movement."


def _log_failure(action: str, exc: AuthError) -> None:
    # The code and status only: GoTrue's messages can echo the email.
    log.warning(
        "supabase %s failed: code=%s status=%s",
        action,
        getattr(exc, "code", None),
        getattr(exc, "status", None),
    )


def _user_from(client: Client, response: AuthResponse | None) -> SupabaseUser:
    session = response.session if response else None
    if session is None or session.user is None:
        raise SupabaseAuthError("Supabase Auth did not start a session. Try again.")
    return user_from_session(client, session)


def token_claims(client: Client, access_token: str) -> dict[str, Any]:
    """The verified claims of an access token of `client`'s project."""
    secret = get_settings().supabase_jwt_secret
    try:
        return verified_claims(
            access_token,
            project_url=str(client.supabase_url),
            jwt_secret=secret.get_secret_value() if secret else None,
        )
    except TokenError as exc:
        log.warning("supabase token refused: %s", exc)
        raise SupabaseAuthError("Supabase Auth returned a token that could not be verified.") from exc


def user_from_session(client: Client, session: Session) -> SupabaseUser:
    claims = token_claims(client, session.access_token)
    sub = claims["sub"]
    if str(sub) != session.user.id:
        raise SupabaseAuthError("Supabase Auth returned a token for another user.")
    meta = session.user.user_metadata or {}
    name = meta.get("full_name") or meta.get("name")
    expires = datetime.fromtimestamp(session.expires_at, UTC) if session.expires_at else None
    return SupabaseUser(
        user_id=UUID(str(sub)),
        email=(session.user.email or claims.get("email") or "").lower(),
        full_name=str(name) if name else None,
        claims={k: str(claims[k]) for k in _FORWARDED_CLAIMS if claims.get(k) is not None},
        expires_at=expires,
    )


def password_sign_in(client: Client, email: str, password: str) -> SupabaseUser:
    """Sign in with email and password; the session stays in `client`."""
    if not email.strip() or not password:
        raise SupabaseAuthError("Enter your email and your password.")
    try:
        response = client.auth.sign_in_with_password({"email": email.strip(), "password": password})
    except AuthError as exc:
        _log_failure("password sign-in", exc)
        raise SupabaseAuthError(_message(exc)) from exc
    user = _user_from(client, response)
    log.info("supabase sign-in succeeded for user %s", user.user_id)
    return user


def send_magic_link(client: Client, email: str, *, redirect_to: str | None = None) -> None:
    """Email a sign-in link (and code) to an existing account. Succeeds
    silently for an unknown email, so the answer reveals nothing."""
    _send_otp(client, email, redirect_to=redirect_to, create_user=False)


def invite_by_email(client: Client, email: str, *, redirect_to: str | None = None) -> None:
    """An admin's invitation on Supabase: a sign-in link that creates the
    account if needed. Use a fresh client (new_client()), not the admin's."""
    _send_otp(client, email, redirect_to=redirect_to, create_user=True)


def _send_otp(client: Client, email: str, *, redirect_to: str | None, create_user: bool) -> None:
    if not email.strip():
        raise SupabaseAuthError("Enter your email.")
    options: dict[str, Any] = {"should_create_user": create_user}
    if redirect_to:
        options["email_redirect_to"] = redirect_to
    try:
        client.auth.sign_in_with_otp({"email": email.strip(), "options": options})  # type: ignore[typeddict-item]
    except AuthApiError as exc:
        if not create_user and exc.code in _SILENT:
            log.info("supabase magic link requested for an email without an account")
            return
        _log_failure("magic link request", exc)
        raise SupabaseAuthError(_message(exc)) from exc
    except AuthError as exc:
        _log_failure("magic link request", exc)
        raise SupabaseAuthError(_message(exc)) from exc
    log.info("supabase magic link requested")


def send_password_reset(client: Client, email: str, *, redirect_to: str | None = None) -> None:
    """Email a password-reset link (and code). Supabase answers the same
    whether or not the email has an account."""
    if not email.strip():
        raise SupabaseAuthError("Enter your email.")
    try:
        client.auth.reset_password_for_email(
            email.strip(), {"redirect_to": redirect_to} if redirect_to else {}
        )
    except AuthError as exc:
        if isinstance(exc, AuthApiError) and exc.code in _SILENT:
            return
        _log_failure("password reset request", exc)
        raise SupabaseAuthError(_message(exc)) from exc
    log.info("supabase password reset requested")


def verify_email_code(client: Client, email: str, code: str, kind: LinkKind) -> SupabaseUser:
    """Sign in with the 6-digit code from a magic-link or reset email."""
    code = code.strip()
    if not code.isdigit() or not 6 <= len(code) <= 10:
        raise SupabaseAuthError("The code is the 6 digits from the email.")
    otp_type = "email" if kind == "magiclink" else "recovery"
    try:
        response = client.auth.verify_otp({"email": email.strip(), "token": code, "type": otp_type})  # type: ignore[typeddict-item]
    except AuthError as exc:
        _log_failure("code verification", exc)
        raise SupabaseAuthError(_message(exc)) from exc
    return _user_from(client, response)


def verify_token_hash(client: Client, token_hash: str, kind: str) -> SupabaseUser:
    """Sign in from an email link that carried `?token_hash=…&type=…`."""
    if kind not in ("magiclink", "recovery", "email", "invite", "signup"):
        raise SupabaseAuthError("This link is not a sign-in link.")
    if not token_hash or len(token_hash) > 200:
        raise SupabaseAuthError("This link is incomplete. Ask for a new one.")
    try:
        response = client.auth.verify_otp({"token_hash": token_hash, "type": kind})  # type: ignore[typeddict-item]
    except AuthError as exc:
        _log_failure("link verification", exc)
        raise SupabaseAuthError(_message(exc)) from exc
    return _user_from(client, response)


def set_new_password(client: Client, password: str) -> None:
    """Change the signed-in Supabase user's password (also after a reset)."""
    try:
        client.auth.update_user({"password": password})
    except AuthError as exc:
        _log_failure("password change", exc)
        raise SupabaseAuthError(_message(exc)) from exc
    log.info("supabase password changed")


def ensure_fresh(client: Client) -> SupabaseUser:
    """The session of `client`, refreshed by the library when its access
    token is about to expire. Raises SupabaseAuthError when there is no
    session any more (signed out elsewhere, or the refresh was refused)."""
    try:
        session = client.auth.get_session()
    except AuthError as exc:
        _log_failure("session refresh", exc)
        raise SupabaseAuthError(_message(exc)) from exc
    if session is None:
        raise SupabaseAuthError(_MESSAGES["session_not_found"])
    return user_from_session(client, session)


def sign_out(client: Client) -> None:
    """End the Supabase session (revoking its refresh token); a failure to
    reach Supabase still forgets the session here."""
    try:
        client.auth.sign_out({"scope": "local"})
    except AuthError as exc:
        _log_failure("sign-out", exc)
