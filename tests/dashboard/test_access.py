"""Who sees which figures: a coordinator only their chapter's, through the
database's row-level security and the chapter filter; the URL cannot widen
that; roles without a dashboard page are stopped by the page itself."""

from __future__ import annotations

import polars as pl
from streamlit.testing.v1 import AppTest

from components.session import SESSION_KEY, SignedIn
from db import clock
from db.config import PROJECT_ROOT
from db.report_frames import load_report_frames
from metrics.periods import Period
from metrics.report import health_report
from metrics.scope import chapter_subtree
from tests.dashboard.conftest import TIMEOUT, demo_person, page_app


def _metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_a_coordinator_sees_only_their_chapters_figures(
    coordinator: SignedIn, board: SignedIn, app_on_demo: str
):
    (own,) = coordinator.coordinator_chapters
    at = page_app("pages/overview.py", coordinator)
    assert not at.exception, at.exception
    chapter = at.sidebar.selectbox(key="flt_chapter")
    assert chapter.value == own
    frames = load_report_frames(coordinator.identity, uri=app_on_demo)
    allowed = set(chapter_subtree(frames.chapters, own))
    assert len(chapter.options) == len(allowed)
    # The database hands the coordinator only their chapters' members.
    assert set(frames.members["chapter_id"].unique().to_list()) <= allowed
    # The app's as_of: the coordinator's own date, not the server's.
    today = clock.today_in(clock.person_time_zone(coordinator.identity, uri=app_on_demo))
    direct = health_report(frames, as_of=today, period=Period.calendar_year(today.year), chapter_id=own)
    assert _metric(at, "Members") == f"{direct.kpi('members').value.value:,.0f}"
    movement = page_app("pages/overview.py", board)
    assert _metric(movement, "Members") != _metric(at, "Members")
    assert "Whole movement" not in " ".join(c.value for c in at.caption)


def test_a_link_to_another_chapter_does_not_widen_a_coordinators_view(
    coordinator: SignedIn, app_on_demo: str
):
    (own,) = coordinator.coordinator_chapters
    frames = load_report_frames(coordinator.identity, uri=app_on_demo)
    other = next(c for c in frames.chapters["id"].to_list() if c not in chapter_subtree(frames.chapters, own))
    at = page_app("pages/overview.py", coordinator, {"chapter": str(other)})
    assert not at.exception, at.exception
    assert at.sidebar.selectbox(key="flt_chapter").value == own
    assert any("not one you can open" in w.value for w in at.warning)
    assert at.query_params["chapter"] in (str(own), [str(own)])


def test_a_coordinator_cannot_open_sustainability(coordinator: SignedIn):
    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / "sustainability.py"), default_timeout=TIMEOUT)
    at.session_state[SESSION_KEY] = coordinator
    at.run()
    assert [e.value for e in at.error] == ["Your roles do not include this page."]
    assert not at.metric


def test_an_admin_opens_no_dashboard_page(app_on_demo: str):
    # An admin's row-level security hides volunteer hours and gifts: a
    # dashboard would show them as zero, so admins manage people instead.
    admin = demo_person(app_on_demo, "admin@demo.heartbeat.example")
    for path in ("pages/overview.py", "pages/momentum.py", "pages/impact.py", "pages/sustainability.py"):
        page = AppTest.from_file(str(PROJECT_ROOT / path), default_timeout=TIMEOUT)
        page.session_state[SESSION_KEY] = admin
        page.run()
        assert [e.value for e in page.error] == ["Your roles do not include this page."]


def test_filters_travel_in_the_url_and_back(board: SignedIn, app_on_demo: str):
    at = page_app("pages/overview.py", board)
    assert at.query_params["period"] in ("cy", ["cy"])
    at.sidebar.selectbox(key="flt_period").set_value("q").run()
    assert not at.exception, at.exception
    params = {k: v[0] if isinstance(v, list) else v for k, v in at.query_params.items()}
    assert params["period"] == "q" and params["q"] in {"1", "2", "3", "4"}
    frames = load_report_frames(board.identity, uri=app_on_demo)
    national = frames.chapters.filter(pl.col("level") == "national")["id"].to_list()[0]
    at.sidebar.selectbox(key="flt_chapter").set_value(national).run()
    params = {k: v[0] if isinstance(v, list) else v for k, v in at.query_params.items()}
    assert params["chapter"] == str(national) and params["period"] == "q"
    assert "and its sub-chapters" in at.caption[0].value
    # The same link opened afresh gives the same view.
    again = page_app("pages/overview.py", board, params)
    assert again.caption[0].value == at.caption[0].value
    assert _metric(again, "Members") == _metric(at, "Members")
