"""The demo movement generator (being built)."""

from __future__ import annotations


def load_demo(uri: str, *, size: str = "small", with_accounts: bool = True) -> None:
    raise NotImplementedError("demo generator not written yet")
