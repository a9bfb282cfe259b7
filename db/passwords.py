"""Password hashing for local accounts: argon2id (RFC 9106) through argon2-cffi.

The only module that knows how passwords are stored."""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# RFC 9106's second recommended option (64 MiB, 3 passes, 4 lanes) is the
# library's default profile; spelled out so a change is a visible decision.
_HASHER = PasswordHasher(
    time_cost=3, memory_cost=65536, parallelism=4, hash_len=32, salt_len=16, type=Type.ID
)


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when `password` matches; False for a wrong password or a missing
    or malformed hash (never an exception a caller could leak)."""
    if not stored_hash:
        # Spend the same time as a real check so a missing account is not
        # distinguishable by timing.
        _HASHER.hash(password)
        return False
    try:
        return _HASHER.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _HASHER.check_needs_rehash(stored_hash)
