"""Reports kept in PostgreSQL per scope (issue 13), as the dashboard uses
them: a restarted app shows the board's figures without reading a row of
the report's tables, a coordinator is never given what the board kept, a
refresh shows nothing kept before it, and the views a reader opens next are
computed ahead."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import psycopg
import pytest

import db.report_frames
from components import report_cache
from components.session import SignedIn
from db.config import get_settings
from tests.dashboard.conftest import page_app


def _figures(at) -> list[tuple[str, str]]:
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return [(m.label, str(m.value)) for m in at.metric]


@pytest.fixture
def frame_reads(monkeypatch: pytest.MonkeyPatch, app_on_demo: str) -> list[str]:
    """Who read the report's tables, in order (the reads still happen);
    nothing kept by an earlier test on this worker's demo database."""
    with psycopg.connect(app_on_demo) as conn:
        conn.execute("delete from app.report_snapshots")
    reads: list[str] = []
    real: Callable[..., object] = db.report_frames.load_report_frames

    def counted(identity, **kwargs):  # type: ignore[no-untyped-def]
        reads.append(str(identity.email))
        return real(identity, **kwargs)

    monkeypatch.setattr(db.report_frames, "load_report_frames", counted)
    return reads


def _kept_scopes(uri: str) -> list[str]:
    with psycopg.connect(uri) as conn:
        return [r[0] for r in conn.execute("select distinct scope from app.report_snapshots order by 1")]


def test_a_restarted_app_shows_the_kept_figures_without_reading_rows(
    board: SignedIn, app_on_demo: str, frame_reads: list[str]
) -> None:
    first = _figures(page_app("pages/overview.py", board))
    assert frame_reads == [board.email]
    assert "movement" in _kept_scopes(app_on_demo)

    report_cache.drop_process_caches()
    again = page_app("pages/overview.py", board)
    assert _figures(again) == first
    assert frame_reads == [board.email], "the kept report was not used"
    # Another dashboard page of the same view reads the same kept report.
    assert _figures(page_app("pages/momentum.py", board))
    assert frame_reads == [board.email]


def test_a_coordinator_is_never_given_what_the_board_kept(
    board: SignedIn, coordinator: SignedIn, app_on_demo: str, frame_reads: list[str]
) -> None:
    region = str(sorted(coordinator.coordinator_chapters)[0])
    board_figures = _figures(page_app("pages/overview.py", board, {"chapter": region}))
    report_cache.drop_process_caches()
    coordinator_figures = _figures(page_app("pages/overview.py", coordinator, {"chapter": region}))
    # The coordinator's figures came from their own rows, and were kept apart.
    assert frame_reads == [board.email, coordinator.email]
    scopes = _kept_scopes(app_on_demo)
    assert len(scopes) == 2 and "movement" in scopes
    assert [label for label, _ in coordinator_figures] == [label for label, _ in board_figures]
    # And the other way round: the board is given the board's own.
    report_cache.drop_process_caches()
    assert _figures(page_app("pages/overview.py", board, {"chapter": region})) == board_figures
    assert frame_reads == [board.email, coordinator.email]


def test_refresh_figures_shows_nothing_kept_before_it(
    board: SignedIn, app_on_demo: str, frame_reads: list[str]
) -> None:
    at = page_app("pages/overview.py", board)
    _figures(at)
    at.sidebar.button(key="dash_refresh").click().run()
    _figures(at)
    assert frame_reads == [board.email, board.email]


@pytest.fixture
def figures_ahead(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("FIGURES_AHEAD", "true")
    get_settings.cache_clear()
    yield
    report_cache.drop_process_caches()  # stops a thread still computing ahead
    get_settings.cache_clear()


def _wait_for_nearby_views(timeout_s: float = 240) -> None:
    deadline = time.monotonic() + timeout_s
    while report_cache._nearby_running():
        assert time.monotonic() < deadline, "the views ahead were not computed in time"
        time.sleep(0.25)


def test_the_views_a_reader_opens_next_are_computed_ahead(
    board: SignedIn, app_on_demo: str, figures_ahead: None, frame_reads: list[str]
) -> None:
    at = page_app("pages/overview.py", board)
    _figures(at)
    _wait_for_nearby_views()
    with psycopg.connect(app_on_demo) as conn:
        row = conn.execute(
            "select c.id from public.chapters c join public.chapters p on p.id = c.parent_id "
            "where p.parent_id is null order by c.id limit 1"
        ).fetchone()
    assert row is not None, "the demo has no chapter one level below the top"

    views = ({"period": "q"}, {"period": "fy"}, {"period": "q", "chapter": str(row[0])})
    report_cache.drop_process_caches()
    for query in views:
        _figures(page_app("pages/overview.py", board, query))
    assert frame_reads == [board.email], "a view was not computed ahead"


def test_a_reader_of_kept_figures_finds_the_views_ahead_in_memory(
    board: SignedIn, app_on_demo: str, figures_ahead: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _figures(page_app("pages/overview.py", board))
    _wait_for_nearby_views()
    # A new process: the overview comes from the database, and the views
    # ahead are fetched into memory while the reader looks at it.
    report_cache.drop_process_caches()
    _figures(page_app("pages/overview.py", board))
    _wait_for_nearby_views()
    fetched: list[str] = []
    real = report_cache.report_snapshots.kept

    def counted(identity, key, since, **kwargs):  # type: ignore[no-untyped-def]
        fetched.append(key)
        return real(identity, key, since, **kwargs)

    monkeypatch.setattr(report_cache.report_snapshots, "kept", counted)
    _figures(page_app("pages/overview.py", board, {"period": "q"}))
    assert fetched == [], "the quarter was read from the database on the click"
