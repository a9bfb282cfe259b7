"""Every dashboard page renders on the small demo, on an empty database and
on a brand-new movement, without a traceback and with its figures."""

from __future__ import annotations

from datetime import date, timedelta

import psycopg
import pytest

from components.session import SignedIn
from db import clock
from tests.dashboard.conftest import add_board_member, page_app

PAGES = {
    "pages/overview.py": "Movement health",
    "pages/sustainability.py": "Sustainability",
    "pages/momentum.py": "Momentum",
    "pages/impact.py": "Impact",
    "pages/chapters_compare.py": "Chapters",
}


def _texts(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
    parts += [w.value for w in at.warning] + [e.value for e in at.error] + [s.value for s in at.success]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("path", list(PAGES))
def test_each_page_on_the_demo(board: SignedIn, path: str) -> None:
    at = page_app(path, board)
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == [PAGES[path]]
    assert not at.error, [e.value for e in at.error]
    assert at.sidebar.selectbox(key="flt_period").value == "cy"
    assert len(at.get("plotly_chart")) >= 1


def _metric(at, label: str):
    found = [m for m in at.metric if m.label == label]
    assert found, f"no metric {label!r}: {[m.label for m in at.metric]}"
    return found[0]


def test_overview_shows_the_report_with_changes_alerts_and_score(board: SignedIn) -> None:
    at = page_app("pages/overview.py", board)
    labels = [m.label for m in at.metric]
    for label in (
        "Members",
        "Active members",
        "Events",
        "Attendance",
        "Volunteer hours",
        "Value of volunteer time",
        "Funds raised",
        "Runway",
        "Donor retention",
        "Health score",
    ):
        assert label in labels
    year = clock.today_in(clock.person_time_zone(board.identity)).year
    assert _metric(at, "Members").delta.endswith(f"vs {year - 1}")
    assert at.warning or at.info or at.success  # alerts, or the all-clear
    keys = [b.key for b in at.get("download_button")]
    assert "board_report_html" in keys and "board_report_pdf" in keys


@pytest.mark.parametrize("path", list(PAGES))
def test_each_page_on_an_empty_database(app_on_empty: str, path: str) -> None:
    person = add_board_member(app_on_empty)
    at = page_app(path, person)
    assert not at.exception, at.exception
    assert not at.error
    assert "No chapters yet" in _texts(at)


@pytest.mark.parametrize("path", list(PAGES))
def test_each_page_on_a_new_movement_with_no_gifts_yet(new_movement: SignedIn, path: str) -> None:
    at = page_app(path, new_movement)
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    texts = _texts(at)
    if path == "pages/overview.py":
        assert _metric(at, "Members").value == "7"
        assert _metric(at, "Funds raised").value in ("$0", "—")
    if path == "pages/sustainability.py":
        assert "No gifts received in this period yet." in texts
        assert "No donor retention yet" in texts
    if path == "pages/impact.py":
        assert "No survey answers in this period" in texts
        assert "No goals set for this scope yet." in texts


def test_a_period_with_no_surveys_says_so(board: SignedIn, app_on_demo: str) -> None:
    import psycopg

    with psycopg.connect(app_on_demo) as conn:
        first = conn.execute("select min(answered_on) from public.survey_responses").fetchone()[0]
        founded = conn.execute("select min(founded_on) from public.chapters").fetchone()[0]
    assert first is not None and founded is not None
    # The months from the first chapter's founding to before the first answer.
    last = date(first.year, first.month, 1) - timedelta(days=1)
    assert founded <= last
    months = {"period": "custom", "from": f"{founded:%Y-%m}", "to": f"{last:%Y-%m}"}
    at = page_app("pages/impact.py", board, months)
    assert at.query_params["from"] == [f"{founded:%Y-%m}"] or at.query_params["from"] == f"{founded:%Y-%m}"
    assert not at.exception, at.exception
    assert "No survey answers in this period" in _texts(at)
    assert "No paired before-and-after answers in this period" in _texts(at)


def test_a_small_chapter_shows_fewer_than_5(app_on_empty: str) -> None:
    person = add_board_member(app_on_empty)
    with psycopg.connect(app_on_empty) as conn:
        chapter = conn.execute(
            "insert into public.chapters (name, level, founded_on) values ('Tiny', 'local', '2024-01-01') "
            "returning id"
        ).fetchone()[0]
        for i in range(3):
            conn.execute(
                "insert into public.members (full_name, chapter_id, joined_on) values (%s, %s, '2024-02-01')",
                (f"Member {i}", chapter),
            )
    at = page_app("pages/overview.py", person)
    assert not at.exception, at.exception
    assert _metric(at, "Members").value == "fewer than 5"
    assert _metric(at, "Active members").value == "hidden"
    at = page_app("pages/momentum.py", person)
    assert "This scope has fewer than 5 members." in _texts(at)


def test_opening_a_chapter_points_the_dashboard_at_it(board: SignedIn) -> None:
    at = page_app("pages/chapters_compare.py", board)
    compared = at.multiselect(key="chapters_selected").value
    assert len(compared) >= 2
    table = at.dataframe[0].value
    assert len(table) == len(compared)
    chosen = compared[-1]
    at.selectbox(key="chapters_open_choice").set_value(chosen).run()
    at.button(key="chapters_open").click().run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Movement health"]
    assert at.sidebar.selectbox(key="flt_chapter").value == chosen
    assert at.query_params["chapter"] in (str(chosen), [str(chosen)])


def test_the_numbers_are_drawn_once_their_expander_is_opened(board: SignedIn) -> None:
    at = page_app("pages/overview.py", board)
    labels = [e.label for e in at.expander]
    assert "The headline figures as a table" in labels and "What each figure means" in labels
    # Closed: each expander is there, its table and glossary are not.
    assert not at.dataframe
    assert [b.label for b in at.get("download_button")] == ["Board report (HTML)", "Board report (PDF)"]
    assert not [m for m in at.markdown if "**Members**:" in m.value]
    at.session_state["overview_kpi_open"] = True
    at.session_state["overview_glossary_open"] = True
    at.session_state["numbers_overview_health"] = True
    at.run()
    assert not at.exception
    assert len(at.dataframe) == 2
    assert [b.label for b in at.get("download_button")] == [
        *["CSV", "Excel", "Parquet"] * 2,
        "Board report (HTML)",
        "Board report (PDF)",
    ]
    assert [m for m in at.markdown if "**Members**:" in m.value]


def test_a_filter_at_its_first_option_is_sent_alike_on_every_run(board: SignedIn) -> None:
    """The first run leaves a filter at its first option to the widget
    itself, so its message equals every later run's and the browser is sent
    the chapter list once, not again on the first filter change."""
    at = page_app("pages/overview.py", board)
    first = {s.key: s.proto.SerializeToString() for s in at.sidebar.selectbox}
    at.sidebar.selectbox(key="flt_period").set_value("q").run()
    later = {s.key: s.proto.SerializeToString() for s in at.sidebar.selectbox}
    assert later["flt_chapter"] == first["flt_chapter"]
    assert later["flt_program"] == first["flt_program"]
    assert at.sidebar.selectbox(key="flt_chapter").value == 0
