"""Reports kept in PostgreSQL, per scope (migration 20261207170000).

A finished report is a few hundred kilobytes; the rows behind it are
hundreds of megabytes. `keep` stores what a person's scope computed, `kept`
gives it back to anyone whose scope is the same (the database decides, from
their claims) as long as it is recent enough, in any process or replica.

The payload is a pickle, so it is signed (HMAC-SHA256 over the view key and
the bytes) with a key only the app holds, and never unpickled unless the
signature matches: rows planted or altered in the table by anyone else are
ignored as if absent.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import pickle
import secrets
import zlib
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from db.config import get_settings
from db.connection import transaction
from db.identity import Identity
from db.rows import fetch_one

log = logging.getLogger(__name__)

KEY_FILE_NAME = "figures-signing.key"


@lru_cache(maxsize=1)
def _signing_key() -> bytes:
    settings = get_settings()
    if settings.figures_signing_key is not None:
        return settings.figures_signing_key.get_secret_value().encode()
    return _key_file(settings.data_dir.parent / KEY_FILE_NAME)


def _key_file(path: Path) -> bytes:
    """The key in `path`, made once (readable by its owner only); a process
    that loses the race to make it reads the winner's."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    key = secrets.token_hex(32).encode()
    with os.fdopen(fd, "wb") as out:
        out.write(key)
    return key


def _signature(view_key: str, payload: bytes) -> bytes:
    return hmac.new(_signing_key(), view_key.encode() + b"\0" + payload, hashlib.sha256).digest()


def keep(
    identity: Identity,
    scope: str,
    view_key: str,
    value: object,
    *,
    age_seconds: float = 0.0,
    uri: str | None = None,
) -> bool:
    """Keep `value`, computed from the rows `scope` reads, for `identity`'s
    scope under `view_key`, dated `age_seconds` before now (the age of the
    rows it was computed from). Nothing is kept, and False returned, when
    the database no longer gives `identity` that scope."""
    payload = zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), level=1)
    with transaction(identity, uri) as conn:
        row = fetch_one(
            conn,
            "select app.report_snapshot_keep(%s, %s, %s, %s, %s) as kept",
            (scope, view_key, payload, _signature(view_key, payload), age_seconds),
        )
    return bool(row and row["kept"])


def kept(identity: Identity, view_key: str, since: datetime, *, uri: str | None = None) -> object | None:
    """What `identity`'s scope kept under `view_key` at `since` or later,
    or None (none, too old, or not signed by this app)."""
    with transaction(identity, uri) as conn:
        row = fetch_one(
            conn, "select payload, signature from app.report_snapshot_read(%s, %s)", (view_key, since)
        )
    if row is None:
        return None
    payload, signature = bytes(row["payload"]), bytes(row["signature"])
    if not hmac.compare_digest(signature, _signature(view_key, payload)):
        log.warning("a kept report for view %s is not signed by this app: ignored", view_key)
        return None
    try:
        value: object = pickle.loads(zlib.decompress(payload))  # noqa: S301 - signed by us, checked above
        return value
    except Exception:
        # Signed by us but unreadable (a class moved between versions).
        log.warning("a kept report for view %s could not be read: ignored", view_key, exc_info=True)
        return None


def is_kept(identity: Identity, view_key: str, since: datetime, *, uri: str | None = None) -> bool:
    """Whether `identity`'s scope kept something under `view_key` at
    `since` or later (its signature is checked only when it is read)."""
    with transaction(identity, uri) as conn:
        row = fetch_one(conn, "select count(*) as n from app.report_snapshot_read(%s, %s)", (view_key, since))
    return row is not None and int(row["n"]) > 0


def database_now(identity: Identity, *, uri: str | None = None) -> datetime:
    """The database's clock, which dates kept reports."""
    with transaction(identity, uri) as conn:
        row = fetch_one(conn, "select statement_timestamp() as now")
    assert row is not None
    value: datetime = row["now"]
    return value
