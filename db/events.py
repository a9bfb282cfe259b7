"""Events, their volunteer shifts, and who came.

Times go in and come out as the chapter's wall-clock time: SQL converts
with the chapter's `time_zone`, so the instant stored is right whatever the
server's or the browser's zone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
import psycopg

from db.arrow import read_frame
from db.connection import transaction
from db.errors import InvalidDataError, NotAllowedError
from db.identity import Identity
from db.rows import fetch_one
from db.writes import change_one, delete_by_id, refused_as
from models.events import SHIFT_MARGIN, AttendanceIn, EventIn, ShiftIn

EVENT_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "id": pl.Int64,
    "chapter_id": pl.Int64,
    "chapter_name": pl.String,
    "program_id": pl.Int64,
    "program_name": pl.String,
    "kind": pl.String,
    "title": pl.String,
    "starts_local": pl.Datetime("us"),
    "ends_local": pl.Datetime("us"),
    "time_zone": pl.String,
    "place": pl.String,
    "capacity": pl.Int64,
    "shifts": pl.Int64,
    "volunteers_needed": pl.Int64,
    "volunteers_signed_up": pl.Int64,
    "members_attended": pl.Int64,
    "guests": pl.Int64,
    "begun": pl.Boolean,
    "can_edit": pl.Boolean,
}

SHIFT_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "id": pl.Int64,
    "event_id": pl.Int64,
    "title": pl.String,
    "starts_local": pl.Datetime("us"),
    "ends_local": pl.Datetime("us"),
    "capacity": pl.Int64,
    "signed_up": pl.Int64,
    "waiting": pl.Int64,
}


def list_events(
    identity: Identity,
    *,
    chapter_ids: Sequence[int] | None = None,
    start: date | None = None,
    end: date | None = None,
    uri: str | None = None,
) -> pl.DataFrame:
    """Events in `chapter_ids` (all when None) starting on or after `start`
    and before `end` (local days), in time order, with shift and attendance
    counts as this person may see them."""
    sql = """
    select e.id, e.chapter_id, c.name as chapter_name, e.program_id, p.name as program_name, e.kind,
           e.title,
           (e.starts_at at time zone c.time_zone) as starts_local,
           (e.ends_at at time zone c.time_zone) as ends_local,
           c.time_zone, e.place, e.capacity,
           coalesce(s.shifts, 0) as shifts,
           coalesce(s.needed, 0) as volunteers_needed,
           coalesce(s.signed_up, 0) as volunteers_signed_up,
           coalesce(a.members, 0) as members_attended,
           coalesce(a.guests, 0) as guests,
           e.starts_at <= now() as begun,
           (select app.has_role('admin'))
             or e.chapter_id in (select app.coordinated_chapters()) as can_edit
      from public.events e
      join public.chapters c on c.id = e.chapter_id
      left join public.programs p on p.id = e.program_id
      left join lateral (
        select count(*) as shifts, sum(capacity) as needed, sum(signed_up) as signed_up
          from public.shifts where event_id = e.id
      ) s on true
      left join lateral (
        select count(member_id) as members, sum(guest_count) as guests
          from public.attendance where event_id = e.id
      ) a on true
     where (%s::bigint[] is null or e.chapter_id = any(%s::bigint[]))
       and (%s::date is null or e.starts_at >= (%s::date::timestamp at time zone c.time_zone))
       and (%s::date is null or e.starts_at < (%s::date::timestamp at time zone c.time_zone))
     order by e.starts_at, e.id
    """
    ids = list(chapter_ids) if chapter_ids is not None else None
    return read_frame(identity, sql, (ids, ids, start, start, end, end), schema=EVENT_SCHEMA, uri=uri)


def create_event(
    identity: Identity, event: EventIn, shifts: Sequence[ShiftIn] = (), *, uri: str | None = None
) -> int:
    """Creates an event (and any shifts given with it, whose `event_id` is
    ignored) in one transaction; returns the event's id."""
    with (
        refused_as("you can create events only for chapters you coordinate"),
        transaction(identity, uri) as conn,
    ):
        row = fetch_one(
            conn,
            """
            insert into public.events
              (chapter_id, program_id, kind, title, starts_at, ends_at, place, capacity)
            select c.id, %(program_id)s, %(kind)s, %(title)s,
                   (%(starts_at)s::timestamp at time zone c.time_zone),
                   (%(ends_at)s::timestamp at time zone c.time_zone), %(place)s, %(capacity)s
              from public.chapters c where c.id = %(chapter_id)s
            returning id
            """,
            event.model_dump(),
        )
        if row is None:
            raise InvalidDataError("this chapter does not exist")
        event_id = int(row["id"])
        for shift in shifts:
            _insert_shift(conn, event_id, shift)
    return event_id


def update_event(identity: Identity, event_id: int, event: EventIn, *, uri: str | None = None) -> None:
    """Changes an event's details (its shifts stay as they are)."""
    refusal = "you can change only your chapters' events"
    with refused_as(refusal), transaction(identity, uri) as conn:
        change_one(
            conn,
            """
            update public.events e
               set program_id = %(program_id)s, kind = %(kind)s, title = %(title)s,
                   starts_at = (%(starts_at)s::timestamp at time zone c.time_zone),
                   ends_at = (%(ends_at)s::timestamp at time zone c.time_zone),
                   place = %(place)s, capacity = %(capacity)s, chapter_id = c.id
              from public.chapters c
             where c.id = %(chapter_id)s and e.id = %(id)s
            """,
            {**event.model_dump(), "id": event_id},
            refusal,
        )


def delete_event(identity: Identity, event_id: int, *, uri: str | None = None) -> None:
    """Removes an event with its shifts, sign-ups and attendance."""
    delete_by_id(identity, "events", event_id, refusal="you can remove only your chapters' events", uri=uri)


def _insert_shift(conn: psycopg.Connection[Any], event_id: int, shift: ShiftIn) -> int:
    row = fetch_one(
        conn,
        """
        select (%s::timestamp at time zone c.time_zone) >= e.starts_at - %s
               and (%s::timestamp at time zone c.time_zone) <= e.ends_at + %s as fits
          from public.events e join public.chapters c on c.id = e.chapter_id
         where e.id = %s
        """,
        (shift.starts_at, SHIFT_MARGIN, shift.ends_at, SHIFT_MARGIN, event_id),
    )
    if row is None:
        raise InvalidDataError("this event does not exist")
    if not row["fits"]:
        raise InvalidDataError(
            f"the shift '{shift.title}' must fall within 12 hours before or after its event"
        )
    new = fetch_one(
        conn,
        """
        insert into public.shifts (event_id, title, starts_at, ends_at, capacity)
        select e.id, %s, (%s::timestamp at time zone c.time_zone),
               (%s::timestamp at time zone c.time_zone), %s
          from public.events e join public.chapters c on c.id = e.chapter_id
         where e.id = %s
        returning id
        """,
        (shift.title, shift.starts_at, shift.ends_at, shift.capacity, event_id),
    )
    assert new is not None
    return int(new["id"])


def add_shift(identity: Identity, shift: ShiftIn, *, uri: str | None = None) -> int:
    """Adds a volunteer shift to an event; returns its id."""
    with refused_as("you can add shifts only to your chapters' events"), transaction(identity, uri) as conn:
        shift_id = _insert_shift(conn, shift.event_id, shift)
    return shift_id


def delete_shift(identity: Identity, shift_id: int, *, uri: str | None = None) -> None:
    """Removes a shift and its sign-ups."""
    delete_by_id(identity, "shifts", shift_id, refusal="you can remove only your chapters' shifts", uri=uri)


def list_shifts(identity: Identity, event_ids: Sequence[int], *, uri: str | None = None) -> pl.DataFrame:
    """The shifts of some events, in time order, with how many signed up and
    how many wait for a place (counted over the wait-list rows the person may
    read: their chapters' shifts for a coordinator)."""
    sql = """
    select s.id, s.event_id, s.title,
           (s.starts_at at time zone c.time_zone) as starts_local,
           (s.ends_at at time zone c.time_zone) as ends_local,
           s.capacity, s.signed_up,
           (select count(*) from public.shift_wait_list w where w.shift_id = s.id)::bigint as waiting
      from public.shifts s
      join public.events e on e.id = s.event_id
      join public.chapters c on c.id = e.chapter_id
     where s.event_id = any(%s::bigint[])
     order by s.starts_at, s.id
    """
    return read_frame(identity, sql, (list(event_ids),), schema=SHIFT_SCHEMA, uri=uri)


@dataclass(frozen=True)
class Attendance:
    member_ids: tuple[int, ...]
    guest_count: int


def attendance_of(identity: Identity, event_id: int, *, uri: str | None = None) -> Attendance:
    """Who is recorded as having come to an event."""
    frame = read_frame(
        identity,
        "select member_id, guest_count from public.attendance where event_id = %s order by id",
        (event_id,),
        schema={"member_id": pl.Int64, "guest_count": pl.Int64},
        uri=uri,
    )
    members = tuple(int(m) for m in frame["member_id"].drop_nulls())
    return Attendance(members, int(frame["guest_count"].sum()))


def record_attendance(identity: Identity, attendance: AttendanceIn, *, uri: str | None = None) -> None:
    """Replaces an event's attendance with these members and this many
    guests, in one transaction. Only once the event has begun."""
    try:
        with transaction(identity, uri) as conn:
            # Deleting rows RLS hides changes nothing and raises nothing, so
            # ask the database first whether this person keeps this record.
            row = fetch_one(
                conn,
                """
                select starts_at <= now() as begun,
                       (select app.has_role('admin'))
                         or chapter_id in (select app.coordinated_chapters()) as allowed
                  from public.events where id = %s
                """,
                (attendance.event_id,),
            )
            if row is None:
                raise InvalidDataError("this event does not exist")
            if not row["allowed"]:
                raise NotAllowedError("you can record attendance only for your chapters' events")
            if not row["begun"]:
                raise InvalidDataError("attendance can be recorded once the event has begun")
            members = list(attendance.member_ids)
            conn.execute(
                "delete from public.attendance where event_id = %s "
                "and (member_id is null or member_id <> all(%s))",
                (attendance.event_id, members),
            )
            if members:
                conn.execute(
                    """
                    insert into public.attendance (event_id, member_id)
                    select %s, unnest(%s::bigint[])
                    on conflict (event_id, member_id) do nothing
                    """,
                    (attendance.event_id, members),
                )
            # Guests are kept on one row of their own; a guest count held on a
            # member's row (an import may write one) moves there.
            conn.execute(
                "update public.attendance set guest_count = 0 "
                "where event_id = %s and member_id is not null and guest_count <> 0",
                (attendance.event_id,),
            )
            if attendance.guest_count:
                conn.execute(
                    "insert into public.attendance (event_id, member_id, guest_count) values (%s, null, %s)",
                    (attendance.event_id, attendance.guest_count),
                )
    except NotAllowedError as exc:
        raise NotAllowedError("you can record attendance only for your chapters' events") from exc
