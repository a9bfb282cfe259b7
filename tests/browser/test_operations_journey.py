"""Movement operations in a real browser: a coordinator creates an event
with volunteer shifts, and a volunteer of the chapter signs up for one; and
every operations page, with a screenshot of each."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest

import dates
from tests.browser.conftest import follow_link, person_today, screenshot, served_row, sign_in, wait_for_app
from tests.imports.test_survey_csv import A_NUMBERS, B_WORDS, _csv

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _choose(page: Any, key: str, option_text: str) -> None:
    """Type into a select box's filter and take the first match."""
    box = page.locator(f".st-key-{key} [role='combobox']")
    box.wait_for()
    if option_text in (box.input_value() or ""):
        return
    box.fill(option_text)
    page.get_by_role("option").filter(has_text=option_text).first.wait_for()
    box.press("Enter")
    wait_for_app(page)


def test_coordinator_creates_an_event_with_shifts_and_a_volunteer_signs_up(
    browser: Any, page: Any, app_url: str, pg_server: object
) -> None:
    title = f"Listening circle {uuid4().hex[:6]}"
    sign_in(page, app_url, "coordinator@demo.heartbeat.example")
    follow_link(page, "Events")
    page.get_by_role("tab", name="New event").click()
    wait_for_app(page)
    page.locator(".st-key-new_event_title input").fill(title)
    # The coordinator's own regional chapter comes first: the volunteer's
    # local chapter lies below it, so its shifts are "near" her.
    page.locator(".st-key-new_event_chapter [role='combobox']").click()
    options = page.get_by_role("option").all_inner_texts()
    assert options and all("Empathy" not in o or "—" in o for o in options)
    region = next(o for o in options if o.endswith("regional"))
    page.get_by_role("option", name=region).click()
    page.locator(".st-key-new_event_place input").fill("Community hall")
    page.locator(".st-key-new_shift_title_0 input").fill("Welcome desk")
    page.locator(".st-key-new_shift_title_1 input").fill("Tea and tidy-up")
    screenshot(page, "operations_event_form")
    page.locator(".st-key-new_event_submit button").click()
    wait_for_app(page)
    day = person_today(pg_server, "coordinator@demo.heartbeat.example") + timedelta(days=7)
    success = page.get_by_test_id("stAlertContentSuccess")
    success.wait_for()
    assert f"{title} on {dates.full(day)} is created with 2 volunteer shift(s)." in success.inner_text()
    page.get_by_role("tab", name="Calendar").click()
    wait_for_app(page)
    screenshot(page, "operations_events_calendar")
    page.get_by_role("tab", name="List").click()
    wait_for_app(page)
    screenshot(page, "operations_events_list")

    shift = served_row(
        pg_server,
        "select s.id from public.shifts s join public.events e on e.id = s.event_id "
        "where e.title = %s and s.title = 'Welcome desk'",
        title,
    )
    assert shift is not None
    shift_id = shift[0]

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        volunteer = context.new_page()
        sign_in(volunteer, app_url, "volunteer@demo.heartbeat.example")
        follow_link(volunteer, "Shifts", "Volunteer shifts")
        button = volunteer.locator(f".st-key-signup_{shift_id} button")
        button.scroll_into_view_if_needed()
        screenshot(volunteer, "operations_volunteer_sees_shift")
        button.click()
        wait_for_app(volunteer)
        done = volunteer.get_by_test_id("stAlertContentSuccess")
        done.wait_for()
        assert f"You're signed up: Welcome desk at {title}" in done.inner_text()
        # The shift leaves the open list and joins hers.
        button.wait_for(state="detached")
        volunteer.get_by_test_id("stMain").get_by_text(f"Welcome desk · {title}").first.wait_for()
        screenshot(volunteer, "operations_volunteer_signed_up")
    finally:
        context.close()

    assert served_row(pg_server, "select signed_up from public.shifts where id = %s", shift_id) == (1,)
    # The coordinator sees the sign-up on the event's shifts.
    follow_link(page, "Events")
    page.get_by_role("tab", name="Volunteer shifts").click()
    wait_for_app(page)
    _choose(page, "shifts_event", title)
    # The chosen event's shifts arrive with the rerun: wait for them.
    page.get_by_test_id("stMain").get_by_text("1 of 2 signed up").first.wait_for()
    screenshot(page, "operations_event_shifts")


def test_coordinator_imports_survey_answers(page: Any, app_url: str) -> None:
    tag = uuid4().hex[:4]
    data = _csv(
        [
            ["2026/03/14 10:22:01", f"b{tag}-1", *map(str, A_NUMBERS), "Daily"],
            ["2026/03/14 10:25:40", f"b{tag}-2", *B_WORDS, "About once a month"],
        ]
    )
    sign_in(page, app_url, "coordinator@demo.heartbeat.example")
    follow_link(page, "Survey answers")
    page.locator(".st-key-import_target [role='combobox']").click()
    page.get_by_role("option").first.click()
    wait_for_app(page)
    page.locator(".st-key-import_file input[type='file']").set_input_files(
        files=[{"name": "responses.csv", "mimeType": "text/csv", "buffer": data}]
    )
    wait_for_app(page)
    page.locator(".st-key-import_check button").wait_for()
    page.locator(".st-key-import_run button").click()
    wait_for_app(page)
    success = page.get_by_test_id("stAlertContentSuccess")
    success.wait_for()
    assert "2 answers are imported." in success.inner_text()
    success.scroll_into_view_if_needed()
    screenshot(page, "operations_survey_import")


def test_coordinator_pages(page: Any, app_url: str) -> None:
    sign_in(page, app_url, "coordinator@demo.heartbeat.example")
    # Each page's last piece to appear, so the screenshot shows it whole.
    for title, last in (
        ("Chapters", "stDataFrame"),
        ("Programs", "stDataFrame"),
        ("Partners", "stDataFrame"),
        ("Members", "stDataFrame"),
        ("Survey answers", "stFileUploader"),
        ("Goals", "stForm"),
    ):
        follow_link(page, title)
        page.get_by_test_id("stMain").get_by_test_id(last).first.wait_for()
        wait_for_app(page)
        assert page.get_by_test_id("stException").count() == 0, title
        screenshot(page, f"operations_{title.lower().replace(' ', '_')}")


def test_participant_fills_in_the_survey(page: Any, app_url: str) -> None:
    sign_in(page, app_url, "volunteer@demo.heartbeat.example")
    follow_link(page, "Empathy survey")
    page.locator(".st-key-survey_target [role='combobox']").click()
    page.get_by_role("option").first.click()
    wait_for_app(page)
    # A movement-wide programme asks where the participant took part.
    if page.locator(".st-key-survey_chapter").count():
        page.locator(".st-key-survey_chapter [role='combobox']").click()
        page.get_by_role("option").first.click()
        wait_for_app(page)
    page.locator(".st-key-survey_code input").fill(f"otter-{uuid4().hex[:4]}")
    for i in range(1, 17):
        page.locator(f".st-key-survey_q{i:02d}").get_by_text("Often", exact=True).click()
    page.locator(".st-key-survey_practice").get_by_text("About once a week", exact=True).click()
    screenshot(page, "operations_survey_filled")
    page.locator(".st-key-survey_submit button").click()
    wait_for_app(page)
    page.get_by_test_id("stAlertContentSuccess").wait_for()
    assert "Thank you! Your answers are saved" in page.get_by_test_id("stAlertContentSuccess").inner_text()
    screenshot(page, "operations_survey_thanks")
