"""Issue 16 in a real browser: the log-hours date picker and the charts'
months write the day the way the browser's language does (Playwright's `locale` sets
navigator.language, which st.context.locale reads)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import expect

import dates
from db.seed.accounts import demo_account
from tests.browser import harness
from tests.browser.conftest import DEFAULT_TIMEOUT_MS, LAPTOP, follow_link, person_today, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

VOLUNTEER = demo_account("volunteer@demo.heartbeat.example")
FUNDRAISER = "fundraiser@demo.heartbeat.example"


def _as_typed(day: date, order: str) -> str:
    fields = {"D": f"{day.day:02d}", "M": f"{day.month:02d}", "Y": f"{day.year}"}
    return "/".join(fields[f] for f in order)


@pytest.fixture
def browser_in(browser: Any) -> Iterator[Any]:
    """A page factory for a browser whose language is the given locale."""
    with contextlib.ExitStack() as pages:

        def open_page(locale: str) -> Any:
            return pages.enter_context(
                harness.browser_page(browser, DEFAULT_TIMEOUT_MS, viewport=LAPTOP, locale=locale)
            )

        yield open_page


@pytest.mark.parametrize(("locale", "order"), [("en-US", "MDY"), ("en-GB", "DMY")])
def test_the_log_hours_date_follows_the_browsers_language(
    browser_in: Any, app_url: str, pg_server: object, locale: str, order: str
) -> None:
    page = browser_in(locale)
    assert page.evaluate("navigator.language") == locale
    sign_in(page, app_url, VOLUNTEER.email)  # a volunteer starts on Log hours
    page.get_by_role("button", name="Save hours").wait_for()
    today = person_today(pg_server, VOLUNTEER.email)
    field = page.get_by_test_id("stDateInput").filter(has_text="Date").first
    expect(field).to_contain_text(_as_typed(today, order))
    screenshot(page, f"log_hours_date_{locale}")


@pytest.mark.parametrize("locale", ["en-US", "de-DE"])
def test_chart_months_follow_the_browsers_language(
    browser_in: Any, app_url: str, pg_server: object, locale: str
) -> None:
    """The MRR chart's month ticks and hover text are the locale's CLDR
    month-and-year ("Jan 2026" for en-US, "Jan. 2026" for de-DE), not
    plotly's English d3 formats."""
    page = browser_in(locale)
    sign_in(page, app_url, FUNDRAISER)
    follow_link(page, "Recurring gifts", "Recurring gifts")
    chart = page.locator(".st-key-recurring_mrr")
    chart.locator(".xtick text").first.wait_for()
    today = person_today(pg_server, FUNDRAISER)
    babel = dates.normalize(locale)
    months = {dates.month(date(today.year - y, m, 1), babel) for y in (0, 1) for m in range(1, 13)}
    ticks = chart.locator(".xtick text").all_text_contents()  # SVG text has no inner text
    assert ticks and set(ticks) <= months, (ticks, sorted(months))
    # Plotly's drag layer lies over the points: move the mouse, not onto an element.
    box = chart.locator(".scatterlayer .point").last.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    hover = chart.locator(".hoverlayer .hovertext")
    expect(hover).to_contain_text(dates.month(today.replace(day=1), babel))
    chart.scroll_into_view_if_needed()
    screenshot(page, f"chart_months_{locale}")
