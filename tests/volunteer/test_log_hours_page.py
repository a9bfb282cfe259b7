"""The log-hours page in AppTest against the real database: every path of
the form, each validation message, suggestions and idempotency."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import psycopg
import pytest
from streamlit.testing.v1 import AppTest

import dates
from components.session import SignedIn
from db import hours
from db.config import PROJECT_ROOT
from models.hours import (
    MSG_ACTIVITY_MISSING,
    MSG_DURATION,
    MSG_FUTURE,
    MSG_HOURS_UNREADABLE,
    MSG_TOO_LONG,
    MSG_TOO_OLD,
    HoursEntry,
)
from tests.volunteer.conftest import World, count

PAGE = str(PROJECT_ROOT / "pages" / "log_hours.py")
YESTERDAY = date.today() - timedelta(days=1)


def page(user: SignedIn, **state: object) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.session_state["signed_in"] = user
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def fill(
    at: AppTest, *, day: date = YESTERDAY, hours_: float | str | None = 1.5, activity: str | None = "outreach"
) -> None:
    at.date_input(key="log_date").set_value(day)
    at.text_input(key="log_duration").set_value("" if hours_ is None else str(hours_))
    at.selectbox(key="log_activity").set_value(activity)


def submit(at: AppTest) -> AppTest:
    at.button(key="FormSubmitter:log_form-Save hours").click()
    return at.run()


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def entries(world: World) -> int:
    return count(world.uri, "select count(*) from public.volunteer_hours")


def test_other_roles_are_turned_away(world: World) -> None:
    board = SignedIn(
        user_id=world.volunteer.user_id, email="b@example.org", display_name="B", roles=frozenset({"board"})
    )
    at = page(board)
    assert errors(at) == ["Your roles do not include this page."]
    assert not at.date_input


def test_an_account_without_a_member_record_is_told_why(world: World) -> None:
    with psycopg.connect(world.uri, autocommit=True) as conn:
        user_id = conn.execute(
            "insert into auth.users (email) values ('n@example.org') returning id"
        ).fetchone()[0]
    nobody = SignedIn(
        user_id=user_id, email="n@example.org", display_name="N", roles=frozenset({"volunteer"})
    )
    at = page(nobody)
    assert "not linked to a member record" in at.info[0].value
    assert not at.date_input


def test_log_hours_saves_once_and_shows_the_saved_entry(world: World) -> None:
    at = page(world.volunteer)
    assert not at.exception
    assert at.date_input(key="log_date").value == date.today()
    fill(at)
    at.selectbox(key="log_link").set_value(f"program:{world.program}")
    at.text_area(key="log_note").set_value("Stall at the farmers' market")
    submit(at)
    assert not at.exception and not errors(at)
    assert at.success[0].value == (
        f"Saved: 1 h 30 min of outreach on {dates.weekday(YESTERDAY, date.today())} (Circles in schools)."
    )
    assert entries(world) == 1
    # A rerun (or a second click arriving late) shows the same entry and saves nothing.
    at.run()
    assert at.success[0].value.startswith("Saved: 1 h 30 min") and entries(world) == 1
    assert not at.date_input  # the form is gone, so a late second click has nothing to submit
    row = hours.my_hours(world.volunteer.identity).row(0, named=True)
    assert (row["minutes"], row["activity"], row["program_id"], row["note"], row["status"]) == (
        90,
        "outreach",
        world.program,
        "Stall at the farmers' market",
        "pending",
    )
    # "Log more hours" starts a new form instance with a new key.
    key = at.session_state["log_key"]
    at.button(key="log_another").click().run()
    assert at.session_state["log_key"] != key
    assert at.text_input(key="log_duration").value == ""
    fill(at, hours_=2)
    submit(at)
    assert entries(world) == 2


def test_a_submit_whose_entry_was_already_stored_says_so(world: World) -> None:
    key = uuid.uuid4()
    hours.log_hours(
        world.volunteer.identity,
        HoursEntry(worked_on=YESTERDAY, minutes=90, activity="outreach", idempotency_key=key),
    )
    at = page(world.volunteer, log_key=key)
    fill(at)
    submit(at)
    assert at.info[0].value == "This entry was already saved, so it is stored once."
    assert at.success[0].value.startswith("Saved: 1 h 30 min of outreach")
    assert entries(world) == 1


@pytest.mark.parametrize(
    ("day", "hours_", "activity", "expected"),
    [
        (date.today() + timedelta(days=2), 1.0, "outreach", [MSG_FUTURE]),
        (YESTERDAY, 0.0, "outreach", [MSG_DURATION]),
        (YESTERDAY, None, "outreach", [MSG_DURATION]),
        (YESTERDAY, 1.0, None, [MSG_ACTIVITY_MISSING]),
        (date.today() + timedelta(days=2), 0.0, None, [MSG_FUTURE, MSG_DURATION, MSG_ACTIVITY_MISSING]),
    ],
)
def test_each_validation_message_beside_the_form(
    world: World, day: date, hours_: float | None, activity: str | None, expected: list[str]
) -> None:
    at = page(world.volunteer)
    fill(at, day=day, hours_=hours_, activity=activity)
    submit(at)
    assert errors(at) == expected
    assert entries(world) == 0
    # The form keeps what was typed so it can be corrected.
    assert at.selectbox(key="log_activity").value == activity


def test_more_than_24_hours_in_a_day_is_refused_with_what_is_already_logged(world: World) -> None:
    hours.log_hours(
        world.volunteer.identity,
        HoursEntry(worked_on=YESTERDAY, minutes=20 * 60, activity="training", idempotency_key=uuid.uuid4()),
    )
    at = page(world.volunteer)
    fill(at, hours_=5)
    submit(at)
    assert errors(at) == [
        "No more than 24 hours in a day across all entries. "
        f"{dates.with_year(YESTERDAY, weekday=True)} already has 20 h logged."
    ]
    assert entries(world) == 1


def test_hours_before_joining_are_refused(world: World) -> None:
    at = page(world.volunteer)
    fill(at, day=date(2019, 5, 1))
    submit(at)
    # A date over a year back asks first.
    assert not errors(at) and "more than a year ago" in at.warning[0].value
    at.checkbox(key="log_confirm").check()
    submit(at)
    assert errors(at) == ["Hours cannot be logged before you joined the movement (on Jan 1, 2020)."]


def test_a_suggested_shift_fills_the_form_in_one_tap(world: World) -> None:
    at = page(world.volunteer)
    suggestion = at.button(key="log_suggest_0")
    assert "Set-up crew · Riverside picnic · 2 h" in suggestion.label
    suggestion.click().run()
    assert at.text_input(key="log_duration").value == "2"
    assert at.selectbox(key="log_activity").value == "event_support"
    assert at.selectbox(key="log_link").value == f"event:{world.past_event}"
    submit(at)
    assert not errors(at)
    row = hours.my_hours(world.volunteer.identity).row(0, named=True)
    assert (row["shift_id"], row["event_id"], row["minutes"]) == (world.past_shift, world.past_event, 120)
    # The logged shift is no longer suggested.
    at.button(key="log_another").click().run()
    assert not [b for b in at.button if b.key and b.key.startswith("log_suggest_")]


def test_changing_the_event_after_a_suggestion_drops_the_shift(world: World) -> None:
    at = page(world.volunteer)
    at.button(key="log_suggest_0").click().run()
    at.selectbox(key="log_link").set_value(f"program:{world.program}")
    submit(at)
    row = hours.my_hours(world.volunteer.identity).row(0, named=True)
    assert (row["shift_id"], row["program_id"]) == (None, world.program)


@pytest.mark.parametrize(("typed", "minutes"), [("1,5", 90), ("1:30", 90), ("1 h 30", 90), ("2", 120)])
def test_hours_are_read_as_people_write_them(world: World, typed: str, minutes: int) -> None:
    at = page(world.volunteer)
    fill(at, hours_=typed)
    submit(at)
    assert not errors(at), errors(at)
    assert hours.my_hours(world.volunteer.identity).row(0, named=True)["minutes"] == minutes


@pytest.mark.parametrize(("typed", "message"), [("an hour-ish", MSG_HOURS_UNREADABLE), (25, MSG_TOO_LONG)])
def test_unreadable_or_too_many_hours_are_refused_beside_the_field(
    world: World, typed: str | int, message: str
) -> None:
    at = page(world.volunteer)
    fill(at, hours_=typed)
    submit(at)
    assert errors(at) == [message]
    assert entries(world) == 0


def test_25_hours_names_the_rule() -> None:
    assert "At most 24 h in one day" in MSG_TOO_LONG


def test_a_date_long_ago_is_kept_and_refused_not_replaced_by_today(world: World) -> None:
    at = page(world.volunteer)
    fill(at, day=date(1990, 3, 4))
    submit(at)
    assert at.date_input(key="log_date").value == date(1990, 3, 4)
    assert errors(at) == [MSG_TOO_OLD]
    assert entries(world) == 0


def test_a_long_entry_asks_for_confirmation_before_saving(world: World) -> None:
    at = page(world.volunteer)
    fill(at, hours_=13)
    submit(at)
    assert entries(world) == 0
    assert "more than 12 h" in at.warning[0].value
    at.checkbox(key="log_confirm").check()
    submit(at)
    assert not errors(at) and entries(world) == 1


def test_hours_on_a_day_the_event_did_not_run_are_refused(world: World) -> None:
    at = page(world.volunteer)
    fill(at, day=date.today() - timedelta(days=40))
    at.selectbox(key="log_link").set_value(f"event:{world.past_event}")
    submit(at)
    assert len(errors(at)) == 1 and "Riverside picnic ran on" in errors(at)[0]
    assert entries(world) == 0


def test_repeat_suggestions_show_the_date_they_fill(world: World) -> None:
    hours.log_hours(
        world.volunteer.identity,
        HoursEntry(worked_on=YESTERDAY, minutes=60, activity="outreach", idempotency_key=uuid.uuid4()),
    )
    at = page(world.volunteer)
    labels = [b.label for b in at.button if b.key and b.key.startswith("log_suggest_")]
    assert any(
        label.startswith(f"Today, {dates.weekday(date.today(), date.today())} · Outreach") for label in labels
    ), labels


@pytest.mark.parametrize(
    ("browser_locale", "picker"),
    [(None, "MM/DD/YYYY"), ("en-US", "MM/DD/YYYY"), ("en-GB", "DD/MM/YYYY"), ("de-DE", "DD.MM.YYYY")],
)
def test_the_date_picker_follows_the_browsers_locale(
    world: World, browser_locale: str | None, picker: str
) -> None:
    # Issue 16: a US volunteer read 07/12 as July; the picker now writes the
    # day the way the browser's language does, en_US when it says nothing.
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.session_state["signed_in"] = world.volunteer
    at.context["locale"] = browser_locale
    at.run()
    assert not at.exception
    assert at.date_input(key="log_date").proto.format == picker
