"""Signed-in browsers remembered across reloads: an opaque token per browser,
of which the database keeps only the hash (migration 20261206110000). The
app's login role may resume or end a token; only the signed-in person may
begin one, for themselves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from psycopg.rows import dict_row

from db.connection import login_transaction, transaction
from db.identity import Identity

# Longer than any token the database hands out is certainly not one.
_MAX_TOKEN_LENGTH = 128


@dataclass(frozen=True)
class Resumed:
    user_id: UUID
    email: str
    started_at: datetime


def begin(identity: Identity, *, uri: str | None = None) -> str:
    """A new token for the signed-in `identity`'s browser."""
    with transaction(identity, uri) as conn, conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute("select app.browser_session_begin() as token").fetchone()
    assert row is not None
    return str(row["token"])


def resume(token: str, idle_minutes: int, *, uri: str | None = None) -> Resumed | None:
    """Whom `token` signs in, if it is still good (used within `idle_minutes`,
    under twelve hours old, not revoked, the account not suspended)."""
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        return None
    with login_transaction(uri) as conn, conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(
            "select * from app.browser_session_resume(%s, %s)", (token, idle_minutes)
        ).fetchone()
    if row is None:
        return None
    return Resumed(user_id=row["user_id"], email=str(row["email"]), started_at=row["started_at"])


def end(token: str, *, uri: str | None = None) -> None:
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        return
    with login_transaction(uri) as conn:
        conn.execute("select app.browser_session_end(%s)", (token,))
