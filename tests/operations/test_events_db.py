"""Events, shifts and attendance through db.events, with the database's
access rules deciding."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import psycopg
import pytest

from db import clock
from db.errors import InvalidDataError, NotAllowedError
from db.events import (
    add_shift,
    attendance_of,
    create_event,
    delete_event,
    list_events,
    list_shifts,
    record_attendance,
    update_event,
)
from models.events import AttendanceIn, EventIn, ShiftIn
from tests.operations.conftest import Movement

DAY = datetime(2026, 3, 14)


def _event(chapter_id: int, title: str = "Listening circle", start: datetime = DAY) -> EventIn:
    return EventIn(
        chapter_id=chapter_id,
        kind="empathy_circle",
        title=title,
        starts_at=start.replace(hour=18),
        ends_at=start.replace(hour=20),
        place="Library, room 2",
        capacity=20,
    )


def _shift(event_id: int, title: str = "Welcome desk", hour: int = 17, capacity: int = 2) -> ShiftIn:
    return ShiftIn(
        event_id=event_id,
        title=title,
        starts_at=DAY.replace(hour=hour),
        ends_at=DAY.replace(hour=hour + 1),
        capacity=capacity,
    )


def test_create_event_with_shifts_in_the_chapters_local_time(movement: Movement) -> None:
    coord = movement.coordinator.identity
    event_id = create_event(coord, _event(movement.toronto), [_shift(0), _shift(0, "Tidy up", 20, 3)])
    frame = list_events(coord, chapter_ids=[movement.toronto])
    row = frame.row(0, named=True)
    assert (row["id"], row["starts_local"], row["time_zone"]) == (
        event_id,
        DAY.replace(hour=18),
        "America/Toronto",
    )
    assert (row["shifts"], row["volunteers_needed"], row["volunteers_signed_up"]) == (2, 5, 0)
    # 18:00 in Toronto on 14 March 2026 (after the DST change on the 8th) is 22:00 UTC.
    with psycopg.connect(movement.uri) as conn:
        utc = conn.execute(
            "select starts_at at time zone 'UTC' from public.events where id = %s", (event_id,)
        )
        assert utc.fetchone() == (datetime(2026, 3, 14, 22, 0),)
    shifts = list_shifts(coord, [event_id])
    assert shifts["title"].to_list() == ["Welcome desk", "Tidy up"]
    assert shifts["starts_local"].to_list() == [DAY.replace(hour=17), DAY.replace(hour=20)]


def test_date_window_and_chapter_filter(movement: Movement) -> None:
    admin = movement.admin.identity
    create_event(admin, _event(movement.toronto, "March", DAY))
    create_event(admin, _event(movement.toronto, "April", datetime(2026, 4, 2)))
    create_event(admin, _event(movement.montreal, "Montreal", DAY))
    march = list_events(admin, chapter_ids=[movement.toronto], start=date(2026, 3, 1), end=date(2026, 4, 1))
    assert march["title"].to_list() == ["March"]
    assert len(list_events(admin)) == 3


def test_coordinator_cannot_create_or_change_events_outside_their_chapters(movement: Movement) -> None:
    coord = movement.coordinator.identity
    with pytest.raises(NotAllowedError, match="only for chapters you coordinate"):
        create_event(coord, _event(movement.montreal))
    with pytest.raises(NotAllowedError):
        create_event(movement.volunteer.identity, _event(movement.toronto))
    theirs = create_event(movement.admin.identity, _event(movement.montreal))
    with pytest.raises(NotAllowedError):
        update_event(coord, theirs, _event(movement.montreal, "Renamed"))
    with pytest.raises(NotAllowedError):
        add_shift(coord, _shift(theirs))
    with pytest.raises(NotAllowedError):
        delete_event(coord, theirs)
    mine = create_event(coord, _event(movement.toronto))
    # Moving one's own event to another region's chapter is refused too.
    with pytest.raises(NotAllowedError):
        update_event(coord, mine, _event(movement.montreal))
    assert list_events(movement.admin.identity, chapter_ids=[movement.montreal])["title"].to_list() == [
        "Listening circle"
    ]


def test_shift_must_sit_near_its_event(movement: Movement) -> None:
    event_id = create_event(movement.coordinator.identity, _event(movement.toronto))
    far = ShiftIn(
        event_id=event_id,
        title="Next week",
        starts_at=DAY + timedelta(days=7),
        ends_at=DAY + timedelta(days=7, hours=2),
        capacity=1,
    )
    with pytest.raises(InvalidDataError, match="within 12 hours"):
        add_shift(movement.coordinator.identity, far)


def test_attendance_counts_members_and_guests(movement: Movement) -> None:
    coord = movement.coordinator.identity
    past = clock.now_in("America/Toronto").replace(tzinfo=None, second=0, microsecond=0) - timedelta(days=2)
    event_id = create_event(coord, _event(movement.toronto, start=past))
    members = [movement.volunteer.member_id, movement.coordinator.member_id]
    assert all(members)
    record_attendance(coord, AttendanceIn(event_id=event_id, member_ids=tuple(members), guest_count=7))
    row = list_events(coord).filter(id=event_id).row(0, named=True)
    assert (row["members_attended"], row["guests"]) == (2, 7)
    # Recording again replaces, never adds.
    record_attendance(coord, AttendanceIn(event_id=event_id, member_ids=(members[0],), guest_count=3))
    assert attendance_of(coord, event_id) == attendance_of(movement.admin.identity, event_id)
    got = attendance_of(coord, event_id)
    assert (got.member_ids, got.guest_count) == ((members[0],), 3)
    with pytest.raises(NotAllowedError):
        record_attendance(movement.volunteer.identity, AttendanceIn(event_id=event_id, guest_count=1))


def test_attendance_waits_for_the_event(movement: Movement) -> None:
    coord = movement.coordinator.identity
    future = clock.now_in("America/Toronto").replace(tzinfo=None, second=0, microsecond=0) + timedelta(days=5)
    event_id = create_event(coord, _event(movement.toronto, start=future))
    with pytest.raises(InvalidDataError, match="once the event has begun"):
        record_attendance(coord, AttendanceIn(event_id=event_id, guest_count=4))
