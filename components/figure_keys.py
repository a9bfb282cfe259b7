"""The keys figures are kept under: the database they were read from, and
the version of the code that computed them (a deployment with other code
never shows figures the old code made)."""

from __future__ import annotations

import hashlib
import sys

from db.config import PROJECT_ROOT


def database_key() -> str:
    # Tests and operators switch databases within one process; a cache
    # entry must never outlive the database it was read from.
    from db.server import database_uri

    return hashlib.sha256(database_uri().encode()).hexdigest()[:16]


def code_version() -> str:
    """The code that reads and computes kept figures (metrics/ and db/) and
    the libraries their kept form depends on: a deployment with other code
    never shows figures the old code made."""
    import polars

    digest = hashlib.sha256(f"{sys.version_info[:2]} polars {polars.__version__}".encode())
    for path in sorted([*(PROJECT_ROOT / "metrics").glob("*.py"), *(PROJECT_ROOT / "db").glob("*.py")]):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


CODE_VERSION = code_version()


def view_key(*parts: object) -> str:
    """The key figures named by `parts` are kept under within a scope."""
    return hashlib.sha256(repr((CODE_VERSION, *parts)).encode()).hexdigest()
