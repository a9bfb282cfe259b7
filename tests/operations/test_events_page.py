"""The events page through AppTest: create with shifts, add shifts, record
attendance, edit, and the errors a coordinator can make."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import psycopg
from streamlit.testing.v1 import AppTest

import dates
from db.config import PROJECT_ROOT
from db.events import attendance_of, create_event, list_events, list_shifts
from db.shifts import join_wait_list, sign_up
from models.events import EventIn, EventKind
from models.shifts import SignUpRequest, WaitListRequest
from tests.operations.conftest import Movement

PAGE = str(PROJECT_ROOT / "pages" / "events.py")


def _page(movement: Movement, who: str = "coordinator") -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.session_state["signed_in"] = getattr(movement, who)
    return at.run()


def _fill_event(at: AppTest, movement: Movement, day: date) -> None:
    at.text_input(key="new_event_title").set_value("Listening circle")
    at.selectbox(key="new_event_chapter").set_value(movement.toronto)
    at.selectbox(key="new_event_kind").set_value("empathy_circle")
    at.date_input(key="new_event_day").set_value(day)
    at.time_input(key="new_event_start").set_value(time(18, 0))
    at.time_input(key="new_event_end").set_value(time(20, 0))
    at.text_input(key="new_event_place").set_value("Library, room 2")
    at.number_input(key="new_event_capacity").set_value(25)


def _event(
    movement: Movement,
    chapter_id: int,
    kind: EventKind,
    title: str,
    start: datetime,
    hours: int,
    capacity: int | None = None,
) -> int:
    """An event the coordinator made before the page opens."""
    return create_event(
        movement.coordinator.identity,
        EventIn(
            chapter_id=chapter_id,
            kind=kind,
            title=title,
            starts_at=start,
            ends_at=start + timedelta(hours=hours),
            capacity=capacity,
        ),
    )


def test_chapter_choices_are_only_the_coordinators(movement: Movement) -> None:
    at = _page(movement)
    assert not at.exception
    assert at.selectbox(key="events_chapter").options == [
        "All chapters you coordinate",
        "· · Ontario — regional",
        "· · · Ottawa — local",
        "· · · Toronto — local",
    ]
    assert len(at.selectbox(key="new_event_chapter").options) == 3


def test_volunteer_cannot_open_the_page(movement: Movement) -> None:
    at = _page(movement, "volunteer")
    assert [e.value for e in at.error] == ["Your roles do not include this page."]


def test_create_event_with_two_shifts(movement: Movement) -> None:
    at = _page(movement)
    day = date.today() + timedelta(days=10)
    _fill_event(at, movement, day)
    at.text_input(key="new_shift_title_0").set_value("Welcome desk")
    at.text_input(key="new_shift_title_2").set_value("Tidy up")
    at.time_input(key="new_shift_start_2").set_value(time(20, 0))
    at.time_input(key="new_shift_end_2").set_value(time(20, 45))
    at.number_input(key="new_shift_capacity_2").set_value(3)
    at.button(key="new_event_submit").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == [
        f"Listening circle on {dates.full(day)} is created with 2 volunteer shift(s)."
    ]
    ev = list_events(movement.admin.identity).row(0, named=True)
    assert (ev["starts_local"], ev["capacity"], ev["place"]) == (
        datetime.combine(day, time(18)),
        25,
        "Library, room 2",
    )
    shifts = list_shifts(movement.admin.identity, [ev["id"]])
    assert shifts.select("title", "capacity").rows() == [("Welcome desk", 2), ("Tidy up", 3)]
    # The page moved to the event's month: the list shows it.
    assert "Listening circle" in at.dataframe[0].value["Event"].tolist()
    assert at.text_input(key="new_event_title").value == ""


def test_create_event_errors(movement: Movement) -> None:
    at = _page(movement)
    at.button(key="new_event_submit").click().run()
    assert [e.value for e in at.error] == ["Choose the chapter that holds the event"]
    _fill_event(at, movement, date.today() + timedelta(days=3))
    at.time_input(key="new_event_end").set_value(time(17, 0))
    at.button(key="new_event_submit").click().run()
    assert [e.value for e in at.error] == ["An event must end after it starts."]
    at.time_input(key="new_event_end").set_value(time(20, 0))
    at.text_input(key="new_shift_title_1").set_value("Set-up")
    at.time_input(key="new_shift_start_1").set_value(time(17, 0))
    at.time_input(key="new_shift_end_1").set_value(time(16, 0))
    at.button(key="new_event_submit").click().run()
    assert [e.value for e in at.error] == ["A shift must end after it starts."]
    assert list_events(movement.admin.identity).is_empty()


def test_add_shift_record_attendance_and_edit(movement: Movement) -> None:
    # Yesterday morning on Toronto's clock, where the chapter meets: begun
    # (attendance is open) at any hour the suite runs, and within one day.
    toronto_today = datetime.now(ZoneInfo("America/Toronto")).date()
    start = datetime.combine(toronto_today - timedelta(days=1), time(10, 0))
    event_id = _event(movement, movement.toronto, "workshop", "Perspective-taking workshop", start, 2, 12)
    at = _page(movement)
    if start.month != toronto_today.month:  # the page opens on the coordinator's month
        at.button(key="events_prev").click().run()
    at.selectbox(key="shifts_event").set_value(event_id)
    at.text_input(key=f"add_shift_title_{event_id}").set_value("Note taker")
    at.button(key=f"add_shift_submit_{event_id}").click().run()
    assert [s.value for s in at.success] == ["The shift Note taker is added to Perspective-taking workshop."]
    assert list_shifts(movement.admin.identity, [event_id])["title"].to_list() == ["Note taker"]
    shift_id = int(list_shifts(movement.admin.identity, [event_id])["id"].item())
    at.selectbox(key="shifts_event").set_value(event_id).run()
    at.button(key=f"remove_shift_{shift_id}").click().run()
    assert [s.value for s in at.success] == ["The shift Note taker is removed."]
    assert list_shifts(movement.admin.identity, [event_id]).is_empty()

    at.selectbox(key="attendance_event").set_value(event_id).run()
    members = at.multiselect(key=f"attendance_members_{event_id}")
    assert set(members.options) == {"Coord (Toronto)", "Vol (Toronto)"}
    members.set_value([movement.volunteer.member_id])
    at.number_input(key=f"attendance_guests_{event_id}").set_value(4)
    at.button(key=f"attendance_submit_{event_id}").click().run()
    assert [s.value for s in at.success] == [
        "Perspective-taking workshop: 1 members and 4 guests came (5 of 12 places)."
    ]
    got = attendance_of(movement.admin.identity, event_id)
    assert (got.member_ids, got.guest_count) == ((movement.volunteer.member_id,), 4)

    at.selectbox(key="edit_event").set_value(event_id).run()
    at.text_input(key=f"edit_event_title_{event_id}").set_value("Perspective workshop")
    at.button(key=f"edit_event_submit_{event_id}").click().run()
    assert [s.value for s in at.success] == ["Perspective workshop is saved."]
    assert list_events(movement.admin.identity)["title"].to_list() == ["Perspective workshop"]


def test_a_shift_of_an_event_past_midnight_ends_the_next_day(movement: Movement) -> None:
    """An evening event that runs past midnight: the shift form's own times
    (22:00 to 01:00) make a shift that ends the next morning, not a refusal."""
    toronto_today = datetime.now(ZoneInfo("America/Toronto")).date()
    start = datetime.combine(toronto_today + timedelta(days=5), time(22, 0))
    event_id = _event(movement, movement.toronto, "community_event", "Night of listening", start, 3)
    at = _page(movement)
    if start.month != toronto_today.month:
        at.button(key="events_next").click().run()
    at.selectbox(key="shifts_event").set_value(event_id)
    at.text_input(key=f"add_shift_title_{event_id}").set_value("Door")
    at.button(key=f"add_shift_submit_{event_id}").click().run()
    assert [s.value for s in at.success] == ["The shift Door is added to Night of listening."]
    shift = list_shifts(movement.admin.identity, [event_id]).row(0, named=True)
    assert (shift["starts_local"], shift["ends_local"]) == (start, start + timedelta(hours=3))


def test_remove_an_event_only_when_sure(movement: Movement) -> None:
    start = datetime.combine(date.today().replace(day=1) + timedelta(days=14), time(18))
    event_id = _event(movement, movement.ottawa, "talk", "Why empathy", start, 1)
    at = _page(movement)
    at.selectbox(key="edit_event").set_value(event_id).run()
    assert at.button(key=f"remove_event_{event_id}").disabled
    at.checkbox(key=f"remove_event_sure_{event_id}").check().run()
    at.button(key=f"remove_event_{event_id}").click().run()
    assert [s.value for s in at.success] == ["Why empathy is removed."]
    assert list_events(movement.admin.identity).is_empty()


def test_new_event_times_are_labelled_with_the_chapters_zone(movement: Movement) -> None:
    """Issue 16: the form said "Starts" without saying in which time zone."""
    at = _page(movement)
    assert at.time_input(key="new_event_start").label == "Starts (the chapter's local time)"
    at.selectbox(key="new_event_chapter").set_value(movement.toronto).run()
    assert not at.exception
    assert at.time_input(key="new_event_start").label == "Starts (America/Toronto)"
    assert at.time_input(key="new_event_end").label == "Ends (America/Toronto)"


def test_a_second_click_after_create_does_not_duplicate(movement: Movement) -> None:
    """Issue 16: the form kept its values, so a second click re-created the event."""
    at = _page(movement)
    day = date.today() + timedelta(days=10)
    _fill_event(at, movement, day)
    at.text_input(key="new_shift_title_0").set_value("Welcome desk")
    at.button(key="new_event_submit").click().run()
    assert at.text_input(key="new_shift_title_0").value == ""
    assert at.text_input(key="new_event_place").value == ""
    # Set, not merely forgotten: only a set value reaches the browser, which
    # otherwise kept the old text and sent it back with the next click.
    for key in ("new_event_title", "new_event_place", "new_shift_title_0"):
        assert at.text_input(key=key).proto.set_value, key
    at.button(key="new_event_submit").click().run()
    assert not at.exception
    assert list_events(movement.admin.identity)["title"].to_list() == ["Listening circle"]


def test_a_refused_new_event_keeps_the_person_on_its_tab(movement: Movement) -> None:
    """Issue 16: after a create (the flash above the tabs) a refused second
    submit (the flash gone) went back to Calendar, hiding the error."""
    at = _page(movement)
    at.session_state["events_view"] = "New event"  # as a click on the tab sets it
    _fill_event(at, movement, date.today() + timedelta(days=10))
    at.button(key="new_event_submit").click().run()
    assert at.success and at.session_state["events_view"] == "New event"
    at.button(key="new_event_submit").click().run()
    assert at.session_state["events_view"] == "New event"
    new_event_tab = next(t for t in at.tabs if t.label == "New event")
    assert [e.value for e in new_event_tab.error] == ["Title: please fill this in."]


def test_an_event_offers_a_calendar_file(movement: Movement) -> None:
    """Issue 16: no .ics link for an event."""
    at = _page(movement)
    _fill_event(at, movement, date.today() + timedelta(days=10))
    at.button(key="new_event_submit").click().run()
    assert not at.exception
    assert [b.proto.label for b in at.get("download_button")] == ["Calendar file (.ics)"]


def test_the_shift_list_counts_who_waits_for_a_full_shift(movement: Movement) -> None:
    """Issue 16: a full shift has a wait-list, and the coordinator sees its length."""
    toronto_today = datetime.now(ZoneInfo("America/Toronto")).date()
    start = datetime.combine(toronto_today + timedelta(days=3), time(18, 0))
    event_id = _event(movement, movement.toronto, "empathy_circle", "Small circle", start, 2)
    with psycopg.connect(movement.uri, autocommit=True) as conn:
        shift_id = conn.execute(
            "insert into public.shifts (event_id, title, starts_at, ends_at, capacity)"
            " select id, 'Host', starts_at, ends_at, 1 from public.events where id = %s returning id",
            (event_id,),
        ).fetchone()[0]
    sign_up(movement.volunteer.identity, SignUpRequest(shift_id=shift_id))
    join_wait_list(movement.coordinator.identity, WaitListRequest(shift_id=shift_id))
    at = _page(movement)
    if start.month != toronto_today.month:
        at.button(key="events_next").click().run()
    at.selectbox(key="shifts_event").set_value(event_id).run()
    assert not at.exception
    assert [p.proto.text for p in at.get("progress")] == ["1 of 1 signed up · 1 waiting"]
