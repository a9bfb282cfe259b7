"""argon2id holds 64 MiB per hash: a burst of sign-ins takes turns instead
of exhausting the process's memory."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from argon2 import PasswordHasher

from db import passwords
from db.config import get_settings


class _Counting(PasswordHasher):
    """The real hasher, counting how many hashes run at the same moment."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.lock = threading.Lock()
        self.inside = 0
        self.most = 0

    def _enter(self) -> None:
        with self.lock:
            self.inside += 1
            self.most = max(self.most, self.inside)

    def _leave(self) -> None:
        with self.lock:
            self.inside -= 1

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self._enter()
        try:
            return super().hash(password, salt=salt)
        finally:
            self._leave()

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self._enter()
        try:
            return super().verify(hash, password)
        finally:
            self._leave()


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> _Counting:
    hasher = _Counting(time_cost=1, memory_cost=65536, parallelism=4)
    monkeypatch.setattr(passwords, "_HASHER", hasher)
    return hasher


# Sets how many hashes may run at once and how long a check waits its turn.
Limits = Callable[[int, float], None]


@pytest.fixture
def limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[Limits]:
    def set_limits(concurrency: int, wait: float) -> None:
        monkeypatch.setenv("PASSWORD_HASHING_CONCURRENCY", str(concurrency))
        monkeypatch.setenv("PASSWORD_HASHING_WAIT_SECONDS", str(wait))
        get_settings.cache_clear()

    yield set_limits
    get_settings.cache_clear()


def test_eight_concurrent_checks_hash_two_at_a_time(limits: Limits, counting: _Counting) -> None:
    limits(2, 60)
    stored = passwords.hash_password("correct horse battery staple")
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda i: passwords.verify_password(stored, f"guess {i}"), range(8)))
    assert results == [False] * 8
    assert counting.most == 2


def test_a_burst_beyond_the_wait_is_told_to_try_again(limits: Limits, counting: _Counting) -> None:
    limits(1, 0.01)
    stored = passwords.hash_password("correct horse battery staple")
    outcomes: list[str] = []

    def attempt(i: int) -> None:
        try:
            passwords.verify_password(stored, f"guess {i}")
            outcomes.append("checked")
        except passwords.PasswordsBusy as exc:
            outcomes.append(str(exc))

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(attempt, range(4)))
    assert "checked" in outcomes
    assert "Many people are signing in at once. Try again in a moment." in outcomes
    assert counting.most == 1
