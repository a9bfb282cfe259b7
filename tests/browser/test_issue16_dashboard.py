"""Issue 16, everyone's item, in a real browser (1366x900): a metric's
abbreviation (FEP, LYBUNT, HHI, TEQ ...) is spelled out on the page that
shows it, not only in a tooltip: on each dashboard page for the board, and
on Retention, where LYBUNT and SYBUNT live, for a fundraiser."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import DASHBOARD_PAGES, screenshot, sign_in, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

# An abbreviation a page shows, and what spells it out there.
SPELLED_OUT = {
    "FEP": "Fundraising Effectiveness Project",
    "LYBUNT": "last year, not this year",
    "SYBUNT": "some year, not last or this year",
    "HHI": "Herfindahl–Hirschman index",
    "TEQ": "Toronto Empathy Questionnaire",
    "NORI": "Nonprofit Operating Reserves Initiative",
    "CHAOSS": "Community Health Analytics in Open Source Software",
    "CI": "confidence interval",
}


def _unexplained(text: str) -> dict[str, str]:
    """Abbreviations on the page whose long form is not on it."""
    return {
        short: long
        for short, long in SPELLED_OUT.items()
        if re.search(rf"\b{short}\b", text) and long.lower() not in text.lower()
    }


def _page_text(page: Any) -> str:
    return str(page.get_by_test_id("stMain").inner_text())


def test_dashboard_abbreviations_are_spelled_out_on_the_page(desk: Any, app_url: str) -> None:
    sign_in(desk, app_url, "board@demo.heartbeat.example")
    seen: set[str] = set()
    for title, last in DASHBOARD_PAGES.items():
        desk.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
        wait_for_app(desk)
        desk.get_by_text(last, exact=True).first.wait_for()
        text = _page_text(desk)
        seen |= {short for short in SPELLED_OUT if re.search(rf"\b{short}\b", text)}
        assert _unexplained(text) == {}, title
        screenshot(desk, f"issue16_spelled_out_{title.lower().replace(' ', '_')}")
    # The check is not empty: the dashboard does use these names.
    assert {"FEP", "HHI", "TEQ"} <= seen, seen


def test_retention_spells_out_lybunt_and_sybunt(desk: Any, app_url: str) -> None:
    sign_in(desk, app_url, "fundraiser@demo.heartbeat.example")
    desk.get_by_test_id("stSidebarNav").get_by_role("link", name="Retention", exact=True).click()
    wait_for_app(desk)
    desk.get_by_role("tab", name=re.compile("^LYBUNT")).wait_for()
    text = _page_text(desk)
    assert {"LYBUNT", "SYBUNT", "FEP"} <= {s for s in SPELLED_OUT if re.search(rf"\b{s}\b", text)}
    assert _unexplained(text) == {}
    screenshot(desk, "issue16_spelled_out_retention")
