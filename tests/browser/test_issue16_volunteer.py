"""Issue 16, a volunteer's items, on a phone (390x844) in a real browser:
hours attached to an event on a day it did not run are refused beside the
field; suggestions show the date they fill in, and her own shift later today
is offered.

Each test makes its own event under a unique name in the shared demo copy,
on the chapter's own date (db.clock), never the machine's."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from playwright.sync_api import expect

import dates
from db import clock
from db.seed.accounts import demo_account
from tests.browser.conftest import (
    add_event,
    add_shift,
    member_chapter,
    screenshot,
    served_db,
    served_row,
    wait_for_app,
)
from tests.browser.test_volunteer_journey import choose, phone_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

VOLUNTEER = demo_account("volunteer@demo.heartbeat.example")
# "Today, Mon, Dec 7 · ...", "Yesterday, ..." or "Thu, Dec 3 · ..." (the browser's en-US).
DAY_LABEL = re.compile(r"(Today, |Yesterday, )?(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [^·]+ · ")


@pytest.fixture
def event_days_ago(pg_server: object) -> Iterator[tuple[int, str, date, date]]:
    """An event in her chapter three days ago (10:00 to 12:00 of the
    chapter's date: a fixed hour, so never across midnight); removed after.
    Yields its id, title, day, and her today."""
    title = f"Past circle {uuid4().hex[:6]}"
    with psycopg.connect(served_db(pg_server), autocommit=True) as conn:
        _, chapter, zone = member_chapter(conn, VOLUNTEER.user_id)
        today = clock.today_in(zone)
        day = today - timedelta(days=3)
        event = add_event(
            conn, chapter, zone, title, datetime.combine(day, time(10)), datetime.combine(day, time(12))
        )
        try:
            yield event, title, day, today
        finally:
            conn.execute("delete from public.volunteer_hours where event_id = %s", (event,))
            conn.execute("delete from public.events where id = %s", (event,))


def test_hours_on_a_day_the_event_did_not_run_are_refused_beside_the_field(
    phone: Any, app_url: str, pg_server: object, event_days_ago: tuple[int, str, date, date]
) -> None:
    event, title, day, today = event_days_ago
    phone_sign_in(phone, app_url, VOLUNTEER.email)
    # The date stays today's; the event ran three days ago.
    phone.get_by_label("Hours", exact=True).fill("2")
    choose(phone, "What did you do?", "Event support")
    link = phone.get_by_label("Event or program (optional)")
    link.click()
    phone.keyboard.type(title)
    phone.get_by_role("option", name=f"{dates.day(day, today)} · {title}", exact=True).click()
    phone.get_by_role("button", name="Save hours").click()
    error = phone.get_by_test_id("stAlertContentError")
    expect(error).to_have_count(1)
    expect(error.first).to_contain_text(
        f"{title} ran on {dates.with_year(day, weekday=True)}, not on "
        f"{dates.with_year(today, weekday=True)}: choose that date, "
        "or another event (or none)."
    )
    # Beside the field: below the event box, above the note. The form drawn
    # before the rerun can linger for a moment: measure once the run is over.
    wait_for_app(phone)
    field = phone.locator(".stSelectbox").filter(has_text="Event or program").bounding_box()
    message = error.first.bounding_box()
    note = phone.get_by_label("Note (optional)").bounding_box()
    assert field is not None and message is not None and note is not None
    assert field["y"] < message["y"] < note["y"]
    error.first.scroll_into_view_if_needed()
    screenshot(phone, "issue16_phone_event_day_refused")
    assert served_row(
        pg_server, "select count(*) from public.volunteer_hours where event_id = %s", event
    ) == (0,)


@pytest.fixture
def shift_later_today(pg_server: object) -> Iterator[tuple[str, date]]:
    """A shift of her chapter she signed up for, starting ten minutes from
    now and ending within the chapter's today (a shorter shift near the end
    of the day, never one across midnight); removed after."""
    title = f"Evening circle {uuid4().hex[:6]}"
    with psycopg.connect(served_db(pg_server), autocommit=True) as conn:
        member, chapter, zone = member_chapter(conn, VOLUNTEER.user_id)
        now = clock.now_in(zone).replace(tzinfo=None, second=0, microsecond=0)
        today = now.date()
        starts = now + timedelta(minutes=10)
        ends = min(starts + timedelta(hours=1), datetime.combine(today, time(23, 59)))
        if starts.date() != today or ends <= starts:
            pytest.skip("less than ten minutes to midnight in the chapter's zone")
        event = add_event(conn, chapter, zone, title, starts, ends)
        shift = add_shift(conn, event, "Chairs", 3, held_by=member)
        try:
            yield title, today
        finally:
            conn.execute("delete from public.volunteer_hours where shift_id = %s", (shift,))
            conn.execute("delete from public.events where id = %s", (event,))


def test_suggestions_show_their_date_and_offer_her_shift_later_today(
    phone: Any, app_url: str, shift_later_today: tuple[str, date]
) -> None:
    title, today = shift_later_today
    phone_sign_in(phone, app_url, VOLUNTEER.email)
    buttons = phone.locator("[class*='st-key-log_suggest_'] button")
    mine = buttons.filter(has_text=f"Today, {dates.weekday(today, today)} · Chairs · {title}")
    expect(mine).to_have_count(1)
    # Every suggestion names the date it fills in.
    labels = buttons.all_inner_texts()
    assert labels and all(DAY_LABEL.search(label) for label in labels), labels
    screenshot(phone, "issue16_phone_suggestions_with_dates")
    mine.click()
    wait_for_app(phone)
    expect(phone.get_by_label("Hours", exact=True)).not_to_have_value("")
    shown = dates.input_format().replace("YYYY", "%Y").replace("MM", "%m").replace("DD", "%d")
    expect(phone.get_by_label("Date", exact=True)).to_contain_text(today.strftime(shown))
    expect(phone.get_by_role("combobox", name="Event or program (optional)")).to_have_value(
        f"{dates.day(today, today)} · {title}"
    )
    screenshot(phone, "issue16_phone_suggestion_filled")
