"""A small thread-safe cache that drops the least recently used entry first.

Prepared frames keep several things made on demand (finished figures,
a program's rows, member-month columns, donor totals); Streamlit serves
sessions from threads that share them, so each is one of these.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Lru(Generic[K, V]):
    """At most `size` entries; reading or writing one makes it the newest."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> tuple[bool, V | None]:
        """Whether `key` is kept, and its value."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return True, self._items[key]
        return False, None

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def get_or_make(self, key: K, make: Callable[[], V]) -> V:
        """The value kept for `key`, else `make()`'s, kept. The lock is not
        held while making: two threads may make the same value once each."""
        hit, value = self.get(key)
        if hit:
            return value  # type: ignore[return-value]
        made = make()
        self.put(key, made)
        return made

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
