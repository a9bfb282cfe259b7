"""Check-in in AppTest: tick who came, add walk-ins and guests, record the
hours of those who worked, and the messages when something is missing."""

from __future__ import annotations

import psycopg
from streamlit.testing.v1 import AppTest

from components.session import SignedIn
from db import hours
from db.config import PROJECT_ROOT
from tests.volunteer.conftest import World, add_person, count, edit_table

PAGE = str(PROJECT_ROOT / "pages" / "check_in.py")


def page(user: SignedIn) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.session_state["signed_in"] = user
    return at.run()


def edit(at: AppTest, rows: dict[int, dict[str, object]]) -> None:
    """What a coordinator's clicks in the roster leave in Streamlit's state."""
    edit_table(at, "checkin_editor_key", rows)


def test_volunteers_are_turned_away(world: World) -> None:
    at = page(world.volunteer)
    assert [e.value for e in at.error] == ["Your roles do not include this page."]


def test_no_recent_events_says_so(world: World) -> None:
    with psycopg.connect(world.uri, autocommit=True) as conn:
        hilde, _ = add_person(conn, "hilde@example.org", "Hilde", world.other, {"coordinator": world.other})
    at = page(hilde)
    assert at.info[0].value == "No events in your chapters in the last two weeks or the next day."


def test_check_in_a_shift_worker_records_their_hours(world: World) -> None:
    at = page(world.coordinator)
    assert not at.exception
    assert at.selectbox(key="checkin_event").value == world.past_event
    frame = at.data_editor[0].value
    assert frame["Name"].to_list() == ["Vera Volunteer"]
    assert (
        frame["Shift"][0],
        bool(frame["Came"][0]),
        bool(frame["Record hours"][0]),
        frame["Minutes"][0],
    ) == (
        "Set-up crew",
        False,
        True,
        120,
    )
    edit(at, {0: {"Came": True}})
    at.number_input(key=f"checkin_guests_{world.past_event}").set_value(4)
    at.run()
    assert at.caption[0].value == "Ticked as present: 1. Hours will be recorded for: 1."
    grid = at.session_state["checkin_editor_key"]
    at.button(key="checkin_save").click().run()
    assert [s.value for s in at.success] == [
        "Saved: 1 checked in, 4 guests, hours of event support recorded for 1 person."
    ]
    # A fresh grid after the save: the browser's old edits are not cleared by
    # a rerun of its own that would sweep the message away.
    assert at.session_state["checkin_editor_key"] != grid
    vera = hours.my_hours(world.volunteer.identity).row(0, named=True)
    assert (vera["status"], vera["minutes"], vera["shift_id"]) == ("approved", 120, world.past_shift)
    assert count(world.uri, "select coalesce(sum(guest_count), 0) from public.attendance") == 4
    # Afterwards the roster shows her as present with her hours recorded.
    frame = at.data_editor[0].value
    assert (bool(frame["Came"][0]), frame["Hours"][0], bool(frame["Record hours"][0])) == (
        True,
        "Recorded",
        False,
    )
    assert at.number_input(key=f"checkin_guests_{world.past_event}").value == 4


def test_walk_ins_and_an_absent_sign_up(world: World) -> None:
    at = page(world.coordinator)
    walk_ins = at.multiselect(key=f"checkin_walkins_{world.past_event}")
    assert walk_ins.options == ["Cora Coordinator", "Victor Volunteer"]
    walk_ins.set_value([world.volunteer2_member]).run()
    frame = at.data_editor[0].value
    assert frame["Name"].to_list() == ["Vera Volunteer", "Victor Volunteer"]
    # Victor worked 90 minutes without a shift; Vera did not come.
    edit(at, {1: {"Record hours": True, "Minutes": 90}})
    at.run()
    at.button(key="checkin_save").click().run()
    assert [s.value for s in at.success] == [
        "Saved: 1 checked in, hours of event support recorded for 1 person."
    ]
    victor = hours.my_hours(world.volunteer2.identity).row(0, named=True)
    assert (victor["minutes"], victor["event_id"], victor["shift_id"]) == (90, world.past_event, None)
    assert hours.my_hours(world.volunteer.identity).height == 0
    assert count(world.uri, "select count(*) from public.shift_signups where status = 'no_show'") == 1


def test_a_worker_without_a_duration_is_named_and_nothing_is_saved(world: World) -> None:
    at = page(world.coordinator)
    at.multiselect(key=f"checkin_walkins_{world.past_event}").set_value([world.volunteer2_member]).run()
    edit(at, {0: {"Came": True}, 1: {"Record hours": True, "Minutes": None}})
    at.run()
    at.button(key="checkin_save").click().run()
    assert [e.value for e in at.error] == [
        "Nothing was saved. Victor Volunteer: The duration must be above zero for everyone who worked."
    ]
    assert count(world.uri, "select count(*) from public.attendance") == 0
    assert count(world.uri, "select count(*) from public.volunteer_hours") == 0
