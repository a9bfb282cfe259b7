"""The access-test movement, built once per worker on its own database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.auth.gotrue_replay import GoTrueReplay, serve
from tests.auth.world import World, build_world
from tests.conftest import _worker, clone_database


@pytest.fixture(scope="session")
def world(pg_server: object) -> World:
    """Shared by the auth tests: tests that change it use their own
    accounts or undo what they did."""
    uri = clone_database(pg_server, "empty", f"hb_auth_{_worker()}")
    return build_world(uri)


@pytest.fixture
def gotrue() -> Iterator[GoTrueReplay]:
    """The recorded Supabase Auth, served over HTTP for one test."""
    with serve() as replay:
        yield replay
