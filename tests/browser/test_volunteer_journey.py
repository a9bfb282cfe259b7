"""The volunteer portal in a real browser on the demo movement:

a volunteer signs in on a phone-sized window (390x844) and logs hours, a
coordinator approves them, and the volunteer sees them approved. The steps
a new user takes are timed and written to artifacts/ (speed is measured,
not asserted: see bench/submit_roundtrip.py for the numbers)."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from playwright.sync_api import expect

from db.seed.accounts import demo_account
from models.hours import MSG_ACTIVITY_MISSING
from tests.browser import harness
from tests.browser.conftest import add_shift, member_chapter, screenshot, served_db, served_row, sign_in
from tests.browser.harness import ARTIFACTS, PHONE, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

VOLUNTEER = demo_account("volunteer@demo.heartbeat.example")
COORDINATOR = demo_account("coordinator@demo.heartbeat.example")


def phone_sign_in(page: Any, app_url: str, email: str) -> None:
    """Sign in as a person on a phone does; the sidebar stays collapsed, so
    wait for the first page's title instead of the sidebar's sign-out."""
    page.goto(app_url)
    wait_for_app(page)
    harness.fill_sign_in(page, email)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_test_id("stSidebarNav").wait_for(state="attached")
    wait_for_app(page)


def go_to(page: Any, title: str) -> None:
    """Open a page from the navigation (behind the menu button on a phone)."""
    expand = page.get_by_test_id("stExpandSidebarButton")
    on_phone = expand.is_visible()
    if on_phone:
        expand.click()
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
    page.get_by_role("heading", name=title).first.wait_for()
    wait_for_app(page)
    sidebar = page.get_by_test_id("stSidebar")
    if on_phone and sidebar.get_attribute("data-collapsed") == "false":
        # On a phone the open menu covers the page: close it as a person would.
        page.get_by_test_id("stSidebarCollapseButton").locator("button").click(force=True)
        page.locator('[data-testid="stSidebar"][data-collapsed="true"]').wait_for(state="attached")


def choose(page: Any, label: str, option: str) -> None:
    page.get_by_label(label).click()
    page.get_by_role("option", name=option, exact=True).click()


def entries_with_note(pg_server: object, note: str) -> int:
    """Rows in the app's database (the browser fixture's copy of the demo)."""
    row = served_row(pg_server, "select count(*) from public.volunteer_hours where note = %s", note)
    return int(row[0]) if row else 0


def alert_text(page: Any, kind: str) -> str:
    alert = page.get_by_test_id(f"stAlertContent{kind}").first
    alert.wait_for()
    # An alert reads "<icon ligature>\n\n<message>".
    return str(alert.inner_text()).strip().split("\n")[-1]


@pytest.fixture
def shots_on_failure(request: pytest.FixtureRequest, phone: Any, page: Any) -> Iterator[None]:
    """Both windows' screenshots when a step fails, to see what a person saw."""
    failures = request.session.testsfailed
    yield
    if request.session.testsfailed > failures:
        for name, window in (("phone", phone), ("desktop", page)):
            # The window may be gone; the failure itself is what matters.
            with contextlib.suppress(Exception):
                screenshot(window, f"failed_{request.node.name}_{name}")


@pytest.mark.usefixtures("shots_on_failure")
def test_log_hours_on_a_phone_then_approved_and_seen(
    phone: Any, page: Any, app_url: str, pg_server: object
) -> None:
    note = f"Journey {uuid4().hex[:8]}"
    timings: dict[str, float] = {}

    # 1. A volunteer, new to the app, on a phone: sign in and log two hours.
    start = time.perf_counter()
    phone_sign_in(phone, app_url, VOLUNTEER.email)
    signed_in = time.perf_counter()
    screenshot(phone, "volunteer_phone_1_log_hours_form")
    phone.get_by_label("Hours", exact=True).fill("2")
    choose(phone, "What did you do?", "Outreach")
    phone.get_by_label("Note (optional)").fill(note)
    screenshot(phone, "volunteer_phone_2_filled")
    # An impatient double tap on Save stores the entry once.
    phone.get_by_role("button", name="Save hours").dblclick()
    phone.get_by_role("button", name="Log more hours").wait_for()
    saved = alert_text(phone, "Success")
    done = time.perf_counter()
    assert entries_with_note(pg_server, note) == 1
    assert saved.startswith("Saved: 2 h of outreach on ")
    screenshot(phone, "volunteer_phone_3_saved")
    timings["sign_in_s"] = signed_in - start
    timings["form_to_saved_s"] = done - signed_in
    timings["new_user_total_s"] = done - start

    # 2. A common entry from a suggestion: one tap to fill, one to save.
    harness.log_more_hours(phone)
    # The tap fills the form on the server; it is saved once the values are in.
    two_taps = harness.save_a_suggestion(phone)
    if two_taps is not None:
        assert alert_text(phone, "Success").startswith("Saved: ")
        timings["suggestion_two_taps_s"] = two_taps
        screenshot(phone, "volunteer_phone_4_suggestion_saved")

    # 3. The coordinator approves them (desktop window).
    sign_in(page, app_url, COORDINATOR.email)
    go_to(page, "Approvals")
    waiting = page.get_by_text("wait for approval", exact=False).first
    before = waiting.inner_text()
    search = page.get_by_label("Find a volunteer")
    search.fill(VOLUNTEER.display_name)
    search.press("Enter")
    # The queue narrows to her entries once the rerun is done.
    expect(page.get_by_text("for approval", exact=False).first).not_to_have_text(before)
    wait_for_app(page)
    page.get_by_test_id("stDataFrame").wait_for()
    screenshot(page, "coordinator_approvals_queue")
    page.get_by_text("Select all").click()
    wait_for_app(page)
    page.get_by_role("button", name="Approve selected").click()
    approved = alert_text(page, "Success")
    assert approved.startswith("Approved ")
    screenshot(page, "coordinator_approvals_done")

    # 4. The volunteer sees them approved.
    phone.context.clear_cookies()
    phone_sign_in(phone, app_url, VOLUNTEER.email)
    go_to(phone, "My hours")
    recent = phone.get_by_text("2 h of outreach on ", exact=False).first
    recent.wait_for()
    assert phone.get_by_role("heading", name="Recently approved").is_visible()
    screenshot(phone, "volunteer_phone_5_my_hours_approved")
    phone.get_by_role("tab", name="Totals").click()
    phone.get_by_test_id("stPlotlyChart").first.wait_for()
    screenshot(phone, "volunteer_phone_6_totals")
    phone.get_by_role("tab", name="Statement").click()
    phone.get_by_role("button", name="Statement (PDF)").wait_for()
    screenshot(phone, "volunteer_phone_7_statement")

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "volunteer_journey_timings.json").write_text(json.dumps(timings, indent=2))
    print("volunteer journey timings:", json.dumps(timings))


def test_shifts_on_a_phone(phone: Any, app_url: str) -> None:
    phone_sign_in(phone, app_url, VOLUNTEER.email)
    go_to(phone, "Shifts")
    screenshot(phone, "volunteer_phone_shifts")
    buttons = phone.get_by_role("button", name="Sign up")
    if buttons.count() == 0:
        # Nothing near her chapter: look across the movement.
        phone.get_by_text("Only near", exact=False).click()
        wait_for_app(phone)
        screenshot(phone, "volunteer_phone_shifts_everywhere")
    if buttons.count() == 0:
        pytest.skip("the demo has no open shift anywhere today")
    cancels = phone.get_by_role("button", name="Cancel my place")
    held = cancels.count()
    buttons.first.click()
    success = phone.get_by_test_id("stAlertContentSuccess").first
    expect(success).to_contain_text("You're signed up: ")
    wait_for_app(phone)
    screenshot(phone, "volunteer_phone_shifts_signed_up")
    expect(cancels).to_have_count(held + 1)
    # Her shifts are in time order, so the one just taken is not always first:
    # give back the one named in the confirmation.
    taken = success.inner_text().split("You're signed up: ", 1)[1].rsplit(".", 1)[0]
    shift_title, rest = taken.split(" at ", 1)
    event_title = rest.rsplit(", ", 2)[0]
    card = (
        phone.get_by_test_id("stVerticalBlock")
        .filter(has_text=f"{shift_title} · {event_title}")
        .filter(has=cancels)
        .last
    )
    card.get_by_role("button", name="Cancel my place").click()
    expect(success).to_contain_text("Cancelled: ")
    expect(cancels).to_have_count(held)


def test_validation_messages_beside_the_fields_on_a_phone(phone: Any, app_url: str) -> None:
    phone_sign_in(phone, app_url, VOLUNTEER.email)
    phone.get_by_label("Hours", exact=True).fill("0")
    phone.get_by_role("button", name="Save hours").click()
    errors = phone.get_by_test_id("stAlertContentError")
    expect(errors).to_have_count(2)
    texts = [t.strip().split("\n")[-1] for t in errors.all_inner_texts()]
    assert texts == ["The duration must be above zero.", MSG_ACTIVITY_MISSING]
    screenshot(phone, "volunteer_phone_validation")


def test_hours_typed_as_on_a_phone_keyboard(phone: Any, app_url: str, pg_server: object) -> None:
    """25 h is refused visibly with the rule; "1,5" is an hour and a half."""
    note = f"Comma {uuid4().hex[:8]}"
    phone_sign_in(phone, app_url, VOLUNTEER.email)
    phone.get_by_label("Hours", exact=True).fill("25")
    choose(phone, "What did you do?", "Outreach")
    phone.get_by_role("button", name="Save hours").click()
    errors = phone.get_by_test_id("stAlertContentError")
    expect(errors).to_have_count(1)
    expect(errors.first).to_contain_text("At most 24 h in one day")
    screenshot(phone, "volunteer_phone_25_hours")
    phone.get_by_label("Hours", exact=True).fill("1,5")
    phone.get_by_label("Note (optional)").fill(note)
    harness.save_hours(phone)
    assert alert_text(phone, "Success").startswith("Saved: 1 h 30 min of outreach on ")
    assert entries_with_note(pg_server, note) == 1
    screenshot(phone, "volunteer_phone_comma_saved")


def test_a_date_typed_long_ago_is_kept_and_asked_about(phone: Any, app_url: str) -> None:
    """A date fifteen years back is not replaced by today: the form keeps it
    and asks before saving it."""
    phone_sign_in(phone, app_url, VOLUNTEER.email)
    day = phone.get_by_label("Date", exact=True)
    day.get_by_role("spinbutton").first.click()
    # The browser speaks en-US, so the picker reads month, day, year (issue 16).
    phone.keyboard.type("03042011")
    phone.get_by_label("Hours", exact=True).fill("2")
    choose(phone, "What did you do?", "Outreach")
    phone.get_by_role("button", name="Save hours").click()
    warning = phone.get_by_test_id("stAlertContentWarning")
    expect(warning).to_contain_text("Fri, Mar 4, 2011 is more than a year ago")
    expect(day).to_contain_text("2011")
    screenshot(phone, "volunteer_phone_long_ago")


def test_coordinator_check_in_and_import(page: Any, app_url: str, tmp_path: Any) -> None:
    sign_in(page, app_url, COORDINATOR.email)
    go_to(page, "Check-in")
    page.get_by_label("Event").wait_for()
    screenshot(page, "coordinator_check_in")
    go_to(page, "Import hours")
    bad = tmp_path / "october.csv"
    bad.write_text(
        "member_email,worked_on,minutes,activity,note\n"
        "nobody@example.org,2026-01-05,60,outreach,\n"
        'valentina@example.org,05/01/2026,60,outreach,"=HYPERLINK(""http://x.example"")"\n'
    )
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(bad))
    page.get_by_text("october.csv").wait_for()
    wait_for_app(page)
    page.get_by_role("button", name="Check the file").click()
    assert alert_text(page, "Error").startswith("Nothing was imported: 2 of 2 rows have problems.")
    page.get_by_test_id("stDataFrame").wait_for()
    screenshot(page, "coordinator_import_report")


def test_check_in_on_a_phone_at_the_door(phone: Any, app_url: str) -> None:
    phone_sign_in(phone, app_url, COORDINATOR.email)
    go_to(phone, "Check-in")
    phone.get_by_test_id("stDataFrame").wait_for()
    screenshot(phone, "coordinator_phone_check_in")


def test_wide_grids_keep_their_key_columns_on_a_phone(phone: Any, app_url: str) -> None:
    phone_sign_in(phone, app_url, COORDINATOR.email)
    go_to(phone, "Approvals")
    grid = phone.get_by_test_id("stDataFrame").first
    grid.wait_for()
    box = grid.bounding_box()
    assert box is not None and box["width"] <= PHONE["width"]
    # Scrolled sideways to the reason column, the pinned columns stay put.
    grid.hover()
    phone.mouse.wheel(600, 0)
    screenshot(phone, "coordinator_phone_approvals_scrolled")
    go_to(phone, "My hours")
    phone.get_by_test_id("stDataFrame").first.wait_for()
    screenshot(phone, "coordinator_phone_my_hours")


@pytest.fixture
def full_shift(pg_server: object) -> Iterator[tuple[int, str]]:
    """A shift in the demo volunteer's chapter, starting in three hours (so
    first in her list), its one place taken by someone else; removed after."""
    title = f"Door {uuid4().hex[:6]}"
    with psycopg.connect(served_db(pg_server), autocommit=True) as conn:
        member, chapter, _ = member_chapter(conn, VOLUNTEER.user_id)
        other = conn.execute(
            "select id from public.members where chapter_id = %s and id <> %s order by id limit 1",
            (chapter, member),
        ).fetchone()[0]
        event = conn.execute(
            "insert into public.events (chapter_id, kind, title, starts_at, ends_at, place)"
            " values (%s, 'community_event', 'Evening of listening', now() + interval '3 hours',"
            " now() + interval '5 hours', 'Library') returning id",
            (chapter,),
        ).fetchone()[0]
        shift = add_shift(conn, event, title, 1, held_by=other)
        try:
            yield shift, title
        finally:
            conn.execute("delete from public.events where id = %s", (event,))


def test_a_full_shift_on_a_phone_shows_full_and_takes_the_wait_list(
    phone: Any, app_url: str, full_shift: tuple[int, str]
) -> None:
    """Issue 16: a full shift no longer vanishes; it reads "Full" and one tap
    puts the volunteer on its wait-list, with her place in line."""
    shift_id, title = full_shift
    phone_sign_in(phone, app_url, VOLUNTEER.email)
    go_to(phone, "Shifts")
    join = phone.locator(f".st-key-wait_{shift_id}").get_by_role("button", name="Join the wait-list")
    join.scroll_into_view_if_needed()
    card = phone.get_by_test_id("stVerticalBlock").filter(has=join).last
    expect(card).to_contain_text(title)
    expect(card).to_contain_text("Full")
    screenshot(phone, "volunteer_phone_shift_full")
    join.click()
    wait_for_app(phone)
    assert alert_text(phone, "Success").startswith(f"You're on the wait-list for {title} at ")
    leave = phone.locator(f".st-key-unwait_{shift_id}").get_by_role("button", name="Leave the wait-list")
    leave.scroll_into_view_if_needed()
    expect(leave).to_be_visible()
    expect(phone.get_by_text("on the wait-list.", exact=False).first).to_contain_text("You are 1st")
    screenshot(phone, "volunteer_phone_shift_wait_list")
