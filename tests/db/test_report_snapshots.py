"""Reports kept in PostgreSQL per scope (issue 13): only the scope that
kept one reads it back, only while it is recent enough, and only when this
app signed it; the table itself is closed to every API role."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from db import report_snapshots
from db.errors import NotAllowedError
from db.identity import ANONYMOUS, Identity
from db.report_frames import report_scope
from tests.conftest import use_database
from tests.dashboard.conftest import demo_person

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def _keep(identity: Identity, key: str, value: object, **kwargs: float) -> bool:
    """Keep as the app does: for the scope the database gives `identity`."""
    return report_snapshots.keep(identity, report_scope(identity), key, value, **kwargs)


@pytest.fixture
def people(fresh_demo_db: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Identity]:
    use_database(monkeypatch, fresh_demo_db)
    found = {
        name: demo_person(fresh_demo_db, f"{name}@demo.heartbeat.example").identity
        for name in ("board", "coordinator", "fundraiser")
    }
    with psycopg.connect(fresh_demo_db) as conn:
        row = conn.execute(
            "insert into auth.users (email) values ('board.two@demo.example') returning id"
        ).fetchone()
        assert row is not None
        conn.execute("insert into public.roles (user_id, role) values (%s, 'board')", (row[0],))
    found["board.two"] = Identity(user_id=row[0], email="board.two@demo.example")
    return found


def test_what_one_board_member_keeps_the_other_reads(people: dict[str, Identity]) -> None:
    figures = {"members": 1234, "as_of": "2026-12-07"}
    _keep(people["board"], "view-a", figures)
    assert report_snapshots.kept(people["board.two"], "view-a", LONG_AGO) == figures
    assert report_snapshots.is_kept(people["board.two"], "view-a", LONG_AGO)
    assert report_snapshots.kept(people["board.two"], "view-b", LONG_AGO) is None


def test_another_scope_never_reads_it_and_keeps_its_own(people: dict[str, Identity]) -> None:
    _keep(people["board"], "view-a", "the movement's figures")
    for name in ("coordinator", "fundraiser"):
        assert report_snapshots.kept(people[name], "view-a", LONG_AGO) is None
        assert not report_snapshots.is_kept(people[name], "view-a", LONG_AGO)
    _keep(people["coordinator"], "view-a", "the region's figures")
    assert report_snapshots.kept(people["coordinator"], "view-a", LONG_AGO) == "the region's figures"
    assert report_snapshots.kept(people["board"], "view-a", LONG_AGO) == "the movement's figures"


def test_figures_are_not_kept_in_a_scope_other_than_the_one_they_were_computed_for(
    people: dict[str, Identity],
) -> None:
    # A coordinator whose board role was taken away while the movement's
    # figures were computed: nothing lands in their new scope.
    assert not report_snapshots.keep(people["coordinator"], "movement", "view-a", "the movement's figures")
    assert report_snapshots.kept(people["coordinator"], "view-a", LONG_AGO) is None
    assert _keep(people["coordinator"], "view-a", "the region's figures")


def test_a_report_older_than_asked_is_not_given(people: dict[str, Identity]) -> None:
    board = people["board"]
    _keep(board, "view-a", "figures", age_seconds=3600)
    now = report_snapshots.database_now(board)
    assert report_snapshots.kept(board, "view-a", now - timedelta(minutes=10)) is None
    assert report_snapshots.kept(board, "view-a", now - timedelta(minutes=61)) == "figures"
    # A newer report replaces it; an older one never replaces a newer.
    _keep(board, "view-a", "newer")
    _keep(board, "view-a", "older", age_seconds=600)
    assert report_snapshots.kept(board, "view-a", now - timedelta(minutes=1)) == "newer"


def test_a_planted_or_altered_payload_is_ignored(people: dict[str, Identity], fresh_demo_db: str) -> None:
    board = people["board"]
    _keep(board, "view-a", "figures")
    with psycopg.connect(fresh_demo_db) as conn:
        conn.execute("update app.report_snapshots set payload = payload || '\\x00'::bytea")
    assert report_snapshots.kept(board, "view-a", LONG_AGO) is None
    with psycopg.connect(fresh_demo_db) as conn:
        # Signed for another view: a copy moved between keys is refused too.
        _keep(board, "view-b", "other figures")
        conn.execute(
            "update app.report_snapshots a set payload = b.payload, signature = b.signature "
            "from app.report_snapshots b where a.view_key = 'view-a' and b.view_key = 'view-b'"
        )
    assert report_snapshots.kept(board, "view-a", LONG_AGO) is None
    assert report_snapshots.kept(board, "view-b", LONG_AGO) == "other figures"


def test_the_table_is_closed_to_api_roles_and_anonymous_callers(
    people: dict[str, Identity], fresh_demo_db: str
) -> None:
    with pytest.raises(NotAllowedError):
        report_snapshots.keep(ANONYMOUS, "nobody", "view-a", "figures")
    for role in ("anon", "authenticated"):
        with psycopg.connect(fresh_demo_db) as conn, conn.transaction():
            conn.execute(f"set local role {role}")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("select * from app.report_snapshots")


def test_reports_older_than_a_day_are_dropped_when_the_scope_keeps_another(
    people: dict[str, Identity], fresh_demo_db: str
) -> None:
    board = people["board"]
    _keep(board, "old", "figures", age_seconds=2 * 24 * 3600)
    _keep(board, "new", "figures")
    with psycopg.connect(fresh_demo_db) as conn:
        keys = [r[0] for r in conn.execute("select view_key from app.report_snapshots order by 1")]
    assert keys == ["new"]
