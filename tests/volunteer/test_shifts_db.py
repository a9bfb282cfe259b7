"""db.shifts against the real database: browsing, signing up, cancelling,
and a coordinator's check-in creating the hours of those who worked."""

from __future__ import annotations

import psycopg
import pytest

from db import hours, shifts
from db.errors import InvalidDataError, NotAllowedError
from models.attendance import CheckIn, CheckInRow
from models.shifts import CancelRequest, SignUpRequest
from tests.volunteer.conftest import World, count


def worked(member: int, minutes: int, shift: int | None = None) -> CheckInRow:
    """A check-in row of someone who came and worked `minutes`."""
    return CheckInRow(member_id=member, shift_id=shift, came=True, worked=True, minutes=minutes)


def slots(world: World, shift_id: int) -> int:
    return count(world.uri, "select signed_up from public.shifts where id = %s", (shift_id,))


def test_upcoming_shifts_near_me_and_everywhere(world: World) -> None:
    near = shifts.upcoming_shifts(world.volunteer.identity)
    assert near["shift_id"].to_list() == [world.future_shift]
    row = near.row(0, named=True)
    assert (row["shift_title"], row["event_title"], row["open_slots"], row["minutes"]) == (
        "Welcome desk",
        "Listening festival",
        2,
        150,
    )
    assert row["my_signup_id"] is None
    everywhere = shifts.upcoming_shifts(world.volunteer.identity, near_me=False)
    assert set(everywhere["shift_id"].to_list()) == {world.future_shift, world.other_future_shift}


def test_sign_up_take_a_slot_then_cancel_gives_it_back(world: World) -> None:
    me = world.volunteer.identity
    taken = shifts.sign_up(me, SignUpRequest(shift_id=world.future_shift))
    assert slots(world, world.future_shift) == 1
    assert taken.shift_title == "Welcome desk"
    with pytest.raises(InvalidDataError, match="already signed up"):
        shifts.sign_up(me, SignUpRequest(shift_id=world.future_shift))
    mine = shifts.my_signups(me)
    assert mine["signup_id"].to_list() == [taken.signup_id]
    assert shifts.upcoming_shifts(me)["my_signup_id"].to_list() == [taken.signup_id]
    # Someone else cannot cancel it.
    with pytest.raises(InvalidDataError, match="can no longer be cancelled"):
        shifts.cancel_signup(world.volunteer2.identity, CancelRequest(signup_id=taken.signup_id))
    shifts.cancel_signup(me, CancelRequest(signup_id=taken.signup_id))
    assert slots(world, world.future_shift) == 0
    with pytest.raises(InvalidDataError, match="can no longer be cancelled"):
        shifts.cancel_signup(me, CancelRequest(signup_id=taken.signup_id))
    # Signing up again after cancelling is allowed.
    shifts.sign_up(me, SignUpRequest(shift_id=world.future_shift))
    assert slots(world, world.future_shift) == 1


def test_a_full_shift_refuses_with_a_clear_message_and_stays_listed_as_full(world: World) -> None:
    shifts.sign_up(world.volunteer.identity, SignUpRequest(shift_id=world.future_shift))
    shifts.sign_up(world.volunteer2.identity, SignUpRequest(shift_id=world.future_shift))
    with pytest.raises(InvalidDataError, match="This shift is full"):
        shifts.sign_up(world.coordinator.identity, SignUpRequest(shift_id=world.future_shift))
    assert slots(world, world.future_shift) == 2
    # Issue 16: a full shift stays in the list, with no open slot, to be shown as full.
    listed = shifts.upcoming_shifts(world.coordinator.identity).filter(shift_id=world.future_shift)
    assert listed["open_slots"].to_list() == [0]
    # Those who hold a slot still see the full shift, to cancel it.
    assert world.future_shift in shifts.upcoming_shifts(world.volunteer.identity)["shift_id"].to_list()


def test_a_shift_that_started_cannot_be_taken(world: World) -> None:
    with pytest.raises(InvalidDataError, match="already started"):
        shifts.sign_up(world.volunteer2.identity, SignUpRequest(shift_id=world.past_shift))
    with pytest.raises(InvalidDataError, match="no longer exists"):
        shifts.sign_up(world.volunteer2.identity, SignUpRequest(shift_id=999_999))


def test_check_in_records_attendance_and_creates_approved_hours_once(world: World) -> None:
    coord = world.coordinator.identity
    events = shifts.checkin_events(coord)
    assert world.past_event in events["event_id"].to_list()
    assert world.future_event not in events["event_id"].to_list()  # five days ahead
    roster = shifts.roster(coord, world.past_event)
    assert roster.select("member_id", "shift_id", "came", "minutes", "hours_status").rows() == [
        (world.volunteer_member, world.past_shift, False, 120, None)
    ]
    check_in = CheckIn(
        event_id=world.past_event,
        rows=(
            worked(world.volunteer_member, 120, shift=world.past_shift),
            worked(world.volunteer2_member, 60),
            CheckInRow(member_id=world.coordinator_member, came=True),
        ),
        guest_count=3,
        activity="event_support",
    )
    outcome = shifts.save_check_in(coord, check_in)
    assert (outcome.present, outcome.guests, outcome.hours_created, outcome.hours_existing) == (3, 3, 2, 0)
    assert shifts.guest_count(coord, world.past_event) == 3
    again = shifts.save_check_in(coord, check_in)
    assert (again.hours_created, again.hours_existing) == (0, 2)
    assert count(world.uri, "select count(*) from public.volunteer_hours where status = 'approved'") == 2
    assert (
        count(world.uri, "select count(*) from public.attendance where event_id = %s", (world.past_event,))
        == 4
    )
    assert count(world.uri, "select count(*) from public.shift_signups where status = 'attended'") == 1
    vera = hours.my_hours(world.volunteer.identity).row(0, named=True)
    assert (vera["status"], vera["minutes"], vera["shift_id"], vera["event_title"]) == (
        "approved",
        120,
        world.past_shift,
        "Riverside picnic",
    )
    roster = shifts.roster(coord, world.past_event)
    assert set(roster["hours_status"].to_list()) == {"approved", None}
    # Un-checking someone removes their attendance, and an ended event marks a no-show.
    shifts.save_check_in(
        coord,
        CheckIn(
            event_id=world.past_event,
            rows=(CheckInRow(member_id=world.volunteer_member, shift_id=world.past_shift, came=False),),
        ),
    )
    assert (
        count(
            world.uri,
            "select count(*) from public.attendance where member_id = %s",
            (world.volunteer_member,),
        )
        == 0
    )
    assert count(world.uri, "select count(*) from public.attendance where member_id is null") == 0


def test_check_in_is_all_or_nothing_and_names_who_was_refused(world: World) -> None:
    coord = world.coordinator.identity
    with pytest.raises(
        InvalidDataError, match=f"#{world.outsider_member} belongs to a chapter you do not coordinate"
    ):
        shifts.save_check_in(
            coord,
            CheckIn(
                event_id=world.past_event,
                rows=(
                    worked(world.volunteer2_member, 60),
                    worked(world.outsider_member, 60),
                ),
            ),
        )
    assert count(world.uri, "select count(*) from public.attendance") == 0
    assert count(world.uri, "select count(*) from public.volunteer_hours") == 0
    # Someone from another chapter who took a shift here shows on the roster
    # without their name, which row-level security keeps from this coordinator.
    with psycopg.connect(world.uri, autocommit=True) as conn:
        conn.execute(
            "insert into public.shift_signups (shift_id, member_id) values (%s, %s)",
            (world.past_shift, world.outsider_member),
        )
    names = shifts.roster(coord, world.past_event)["full_name"].to_list()
    assert names == ["Vera Volunteer", f"Volunteer from another chapter #{world.outsider_member}"]


def test_hours_the_volunteer_already_logged_are_not_created_again(world: World) -> None:
    import uuid

    from models.hours import HoursEntry

    with psycopg.connect(world.uri) as conn:
        day = conn.execute(
            "select starts_at::date from public.shifts where id = %s", (world.past_shift,)
        ).fetchone()[0]
    hours.log_hours(
        world.volunteer.identity,
        HoursEntry(
            worked_on=day,
            minutes=120,
            activity="event_support",
            shift_id=world.past_shift,
            event_id=world.past_event,
            idempotency_key=uuid.uuid4(),
        ),
    )
    outcome = shifts.save_check_in(
        world.coordinator.identity,
        CheckIn(
            event_id=world.past_event,
            rows=(worked(world.volunteer_member, 120, shift=world.past_shift),),
        ),
    )
    assert (outcome.hours_created, outcome.hours_existing) == (0, 1)
    assert shifts.roster(world.coordinator.identity, world.past_event)["hours_status"].to_list() == [
        "pending"
    ]


def test_only_the_events_coordinators_check_people_in(world: World) -> None:
    with pytest.raises(NotAllowedError):
        shifts.save_check_in(
            world.volunteer.identity,
            CheckIn(
                event_id=world.past_event, rows=(CheckInRow(member_id=world.volunteer_member, came=True),)
            ),
        )
    assert shifts.roster(world.volunteer.identity, world.past_event).height == 0
    assert shifts.checkin_events(world.outsider.identity).height == 0
    members = shifts.event_members(world.coordinator.identity, world.past_event)
    assert [name for _, name in members] == ["Cora Coordinator", "Vera Volunteer", "Victor Volunteer"]


def test_check_in_rows_validate_presence_and_duration() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="must also be marked as having come"):
        CheckInRow(member_id=1, came=False, worked=True, minutes=60)
    with pytest.raises(ValidationError, match="above zero"):
        CheckInRow(member_id=1, came=True, worked=True, minutes=0)
    with pytest.raises(ValidationError, match="activity must be known"):
        CheckIn(event_id=1, rows=(), activity="juggling")


def test_check_in_before_the_event_starts_records_attendance_without_hours(world: World) -> None:
    """Issue 16: check-in created approved hours for an event not yet started."""
    coord = world.coordinator.identity
    check_in = CheckIn(
        event_id=world.future_event,
        rows=(worked(world.volunteer_member, 150, shift=world.future_shift),),
        guest_count=0,
        activity="event_support",
    )
    outcome = shifts.save_check_in(coord, check_in)
    assert (outcome.present, outcome.hours_created, outcome.hours_not_yet) == (1, 0, 1)
    assert count(world.uri, "select count(*) from public.volunteer_hours") == 0
    assert "the event has not started yet" in shifts.describe_outcome(outcome, "event_support")


def test_the_coordinators_own_row_does_not_sink_everyone_elses(world: World) -> None:
    """Issue 16: a coordinator's own pre-ticked row made "Nothing was saved"."""
    coord = world.coordinator.identity
    check_in = CheckIn(
        event_id=world.past_event,
        rows=(
            worked(world.volunteer_member, 120, shift=world.past_shift),
            worked(world.coordinator_member, 60),
        ),
        guest_count=0,
        activity="event_support",
    )
    outcome = shifts.save_check_in(coord, check_in)
    assert (outcome.present, outcome.hours_created, outcome.own_hours_skipped) == (2, 1, True)
    assert "your own hours are not recorded here" in shifts.describe_outcome(outcome, "event_support")
