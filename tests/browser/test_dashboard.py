"""The board dashboard in a real browser: the overview's figures are the
metrics' own, a period change re-renders them, the board report downloads
as HTML and PDF, and every dashboard page is captured for the record."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from db.identity import Identity
from db.report_frames import load_report_frames
from db.seed.accounts import DEMO_ACCOUNTS
from metrics.periods import Period
from metrics.report import health_report
from metrics.report_types import HealthReport
from tests.browser.conftest import DASHBOARD_PAGES, SCREENSHOTS, person_today, screenshot, served_db, sign_in
from tests.browser.harness import wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

BOARD = next(a for a in DEMO_ACCOUNTS if a.email == "board@demo.heartbeat.example")
DOWNLOAD_TIMEOUT_MS = 240_000


_BOARD_IDENTITY = Identity(user_id=BOARD.user_id, email=BOARD.email)


def _board_today(pg_server: object) -> date:
    """The app's as_of: the board member's own date, not the server's."""
    return person_today(pg_server, BOARD.email)


def _direct(pg_server: object, period: Period) -> HealthReport:
    """The report computed straight from metrics/ on the app's own data,
    read as the same person."""
    frames = load_report_frames(_BOARD_IDENTITY, uri=served_db(pg_server))
    return health_report(frames, as_of=_board_today(pg_server), period=period)


def _cards(page: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for metric in page.get_by_test_id("stMetric").all():
        label = metric.get_by_test_id("stMetricLabel").inner_text().strip()
        out[label] = metric.get_by_test_id("stMetricValue").inner_text().strip()
    return out


def _number(text: str) -> float:
    return float(re.sub(r"[^0-9.\-]", "", text.replace("−", "-")))


def _assert_cards_match(cards: dict[str, str], report: HealthReport) -> None:
    def value(key: str) -> float:
        figure = report.kpi(key).value.value
        assert figure is not None, key
        return figure

    assert _number(cards["Members"]) == value("members")
    assert _number(cards["Events"]) == value("events")
    assert _number(cards["Attendance"]) == value("attendance")
    assert _number(cards["Volunteer hours"]) == round(value("volunteer_hours"))
    assert _number(cards["Funds raised"]) == round(value("funds_raised") / 100)
    assert _number(cards["Active members"]) == round(value("active_ratio") * 100, 1)
    assert cards["Funds raised"].startswith("$") and cards["Active members"].endswith("%")
    assert cards["Volunteer hours"].endswith(" h")


def _full_screenshot(page: Any, name: str) -> None:
    """The whole page: Streamlit scrolls inside its own container, so the
    window is made as tall as the content first."""
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=stMain], section')]"
        ".map(e => e.scrollHeight))"
    )
    page.set_viewport_size({"width": 1400, "height": min(int(height) + 60, 16_000)})
    page.wait_for_timeout(800)  # plotly redraws at the new width before the capture
    screenshot(page, name)
    page.set_viewport_size({"width": 1280, "height": 900})


def _choose(page: Any, label: str, option: str) -> None:
    box = page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").filter(has_text=label)
    box.click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_for_app(page)


def test_overview_figures_period_change_board_report_and_screenshots(
    page: Any, app_url: str, pg_server: object
) -> None:
    sign_in(page, app_url, BOARD.email)
    page.get_by_role("heading", name="Movement health").wait_for()
    page.get_by_test_id("stMetric").filter(has_text="Donor retention").wait_for()
    wait_for_app(page)
    today = _board_today(pg_server)

    cards = _cards(page)
    _assert_cards_match(cards, _direct(pg_server, Period.calendar_year(today.year)))
    assert "period=cy" in page.url

    _choose(page, "Period", "Quarter")
    page.wait_for_url(re.compile(r"period=q"))
    quarter = (today.month - 1) // 3 + 1
    # The rerun that draws the quarter control writes its default to the
    # URL after the period itself: wait for it rather than race it.
    page.wait_for_url(re.compile(rf"[?&]q={quarter}(&|$)"))
    page.get_by_text(f"Q{quarter} {today.year}, to date").first.wait_for()
    page.get_by_test_id("stMetric").filter(has_text="Donor retention").wait_for()
    quarter_cards = _cards(page)
    _assert_cards_match(quarter_cards, _direct(pg_server, Period.quarter(today.year, quarter)))
    assert quarter_cards["Events"] != cards["Events"]

    for label, suffix, check in (
        ("Board report (HTML)", ".html", lambda data: b"<svg" in data and b"board report" in data),
        ("Board report (PDF)", ".pdf", lambda data: data.startswith(b"%PDF")),
    ):
        with page.expect_download(timeout=DOWNLOAD_TIMEOUT_MS) as download:
            page.get_by_role("button", name=label).click()
        saved = SCREENSHOTS.parent / f"board-report{suffix}"
        download.value.save_as(saved)
        assert download.value.suggested_filename.endswith(suffix)
        assert check(saved.read_bytes()), label

    _choose(page, "Period", "Calendar year")
    for title, last in DASHBOARD_PAGES.items():
        page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
        wait_for_app(page)
        page.get_by_text(last, exact=True).first.wait_for()
        assert page.get_by_test_id("stException").count() == 0, title
        _full_screenshot(page, f"dashboard_{title.lower().replace(' ', '_')}")
