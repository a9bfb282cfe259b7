"""Password hashing for local accounts: argon2id (RFC 9106) through argon2-cffi.

The only module that knows how passwords are stored."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# RFC 9106's second recommended option (64 MiB, 3 passes, 4 lanes) is the
# library's default profile; spelled out so a change is a visible decision.
_HASHER = PasswordHasher(
    time_cost=3, memory_cost=65536, parallelism=4, hash_len=32, salt_len=16, type=Type.ID
)


class PasswordsBusy(RuntimeError):
    """Too many passwords are being hashed at once; try again shortly."""


_slots_lock = threading.Lock()
_slots: tuple[int, threading.BoundedSemaphore] | None = None


def _semaphore() -> tuple[threading.BoundedSemaphore, float]:
    global _slots
    from db.config import get_settings

    settings = get_settings()
    size = settings.password_hashing_concurrency
    with _slots_lock:
        if _slots is None or _slots[0] != size:
            _slots = (size, threading.BoundedSemaphore(size))
        return _slots[1], settings.password_hashing_wait_seconds


@contextmanager
def _hashing_slot() -> Iterator[None]:
    # Each argon2id hash holds 64 MiB: eight at once lifted one process by
    # 450 MB, so hashes take turns and a burst waits (or is told to retry).
    semaphore, wait = _semaphore()
    if not semaphore.acquire(timeout=wait):
        raise PasswordsBusy("Many people are signing in at once. Try again in a moment.")
    try:
        yield
    finally:
        semaphore.release()


def hash_password(password: str) -> str:
    with _hashing_slot():
        return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when `password` matches; False for a wrong password or a missing
    or malformed hash (never an exception a caller could leak)."""
    if not stored_hash:
        # Spend the same time as a real check so a missing account is not
        # distinguishable by timing.
        hash_password(password)
        return False
    try:
        with _hashing_slot():
            return _HASHER.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _HASHER.check_needs_rehash(stored_hash)
