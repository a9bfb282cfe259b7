"""Volunteer shifts and event check-in.

Volunteers browse upcoming shifts with open slots, sign up and cancel; the
shift_signups trigger keeps shifts.signed_up under a row lock, so two people
racing for the last slot get one slot between them and the other a clear
"this shift is full". A full shift takes a wait-list: whoever waits longest
takes a freed place in the transaction that frees it (triggers of migration
20261207120000), so the pages here only join and leave. Coordinators check people in at their chapters'
events and can record the hours of those who worked."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

import polars as pl
import psycopg

import dates as date_rules
from db.arrow import read_frame
from db.connection import transaction
from db.errors import InvalidDataError, NotAllowedError
from db.hours import EVENT_TZ, KEY_NAMESPACE, MSG_NO_MEMBER
from db.identity import Identity
from db.rows import fetch_all, fetch_one, read_all, read_count
from db.writes import insert_once
from models.attendance import CheckIn
from models.hours import ACTIVITY_LABELS, MSG_DAY_LIMIT
from models.shifts import CancelRequest, SignUpRequest, WaitListRequest

MSG_FULL = "This shift is full: someone took the last slot just before you."
MSG_STARTED = "This shift has already started, so sign-ups are closed."

# The volunteer's chapter, the chapters above it and the ones below it: the
# events a volunteer can reasonably travel to.
_NEAR_ME = """
with recursive mine as (
  select m.chapter_id as id from public.members m where m.user_id = (select auth.uid())
), up as (
  select c.id, c.parent_id from public.chapters c where c.id in (select id from mine)
  union
  select c.id, c.parent_id from public.chapters c join up on c.id = up.parent_id
), down as (
  select c.id from public.chapters c where c.id in (select id from mine)
  union
  select c.id from public.chapters c join down on c.parent_id = down.id
), near as (select id from up union select id from down)
"""

# How a shift's time reads: "Sat 28 Nov, 10:00–12:30" (the database's time zone).
_WHEN = (
    f"to_char(s.starts_at at time zone {EVENT_TZ}, 'Dy DD Mon, HH24:MI') || '–' "
    f"|| to_char(s.ends_at at time zone {EVENT_TZ}, 'HH24:MI')"
)

UPCOMING_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "shift_id": pl.Int64,
    "event_id": pl.Int64,
    "event_title": pl.String,
    "event_kind": pl.String,
    "chapter": pl.String,
    "place": pl.String,
    "shift_title": pl.String,
    "starts_at": pl.Datetime("us", "UTC"),
    "day": pl.Date,
    "when_text": pl.String,
    "minutes": pl.Int64,
    "capacity": pl.Int64,
    "signed_up": pl.Int64,
    "open_slots": pl.Int64,
    "my_signup_id": pl.Int64,
    "my_wait_place": pl.Int64,
}


def upcoming_shifts(
    identity: Identity, *, near_me: bool = True, days: int = 60, limit: int = 300
) -> pl.DataFrame:
    """Shifts starting in the next ``days``, soonest first; full ones too
    (``open_slots`` 0), so the page can show them as full, with the volunteer's
    place on its wait-list (1 = next in line) when they wait. ``near_me`` keeps
    to the volunteer's own chapter, the chapters above it and below it."""
    near = "and e.chapter_id in (select id from near)" if near_me else ""
    return read_frame(
        identity,
        f"""
        {_NEAR_ME}, waits as (select shift_id, place from app.my_wait_list())
        select s.id as shift_id, e.id as event_id, e.title as event_title, e.kind as event_kind,
               c.name as chapter, e.place, s.title as shift_title, s.starts_at,
               (s.starts_at at time zone {EVENT_TZ})::date as day,
               {_WHEN} as when_text,
               round(extract(epoch from (s.ends_at - s.starts_at)) / 60)::bigint as minutes,
               s.capacity::bigint as capacity, s.signed_up::bigint as signed_up,
               (s.capacity - s.signed_up)::bigint as open_slots,
               (select ss.id from public.shift_signups ss
                 where ss.shift_id = s.id and ss.status = 'signed_up'
                   and ss.member_id in (select app.my_member_ids()) limit 1) as my_signup_id,
               w.place as my_wait_place
          from public.shifts s
          left join waits w on w.shift_id = s.id
          join public.events e on e.id = s.event_id
          join public.chapters c on c.id = e.chapter_id
         where s.starts_at > now() and s.starts_at < now() + make_interval(days => %s::int)
           {near}
         order by s.starts_at, s.id
         limit %s
        """,
        [days, limit],
        schema=UPCOMING_SCHEMA,
    )


@dataclass(frozen=True)
class SignUp:
    signup_id: int
    shift_id: int
    shift_title: str
    event_title: str
    when_text: str


def sign_up(identity: Identity, request: SignUpRequest) -> SignUp:
    """Take one slot on a shift for the signed-in volunteer. Raises
    InvalidDataError("… full …") when the last slot went to someone else."""
    try:
        with transaction(identity) as conn:
            member = fetch_one(conn, "select id from public.members where user_id = (select auth.uid())")
            if member is None:
                raise NotAllowedError(MSG_NO_MEMBER)
            shift = fetch_one(
                conn,
                f"""
                select s.id, s.title, e.title as event_title, s.starts_at > now() as open,
                       {_WHEN} as when_text
                  from public.shifts s join public.events e on e.id = s.event_id where s.id = %s
                """,
                (request.shift_id,),
            )
            if shift is None:
                raise InvalidDataError("This shift no longer exists.")
            if not shift["open"]:
                raise InvalidDataError(MSG_STARTED)
            row = fetch_one(
                conn,
                "insert into public.shift_signups (shift_id, member_id) values (%s, %s) returning id",
                (request.shift_id, member["id"]),
            )
            assert row is not None
    except InvalidDataError as exc:
        if exc.constraint == "shifts_signed_up_check":
            raise InvalidDataError(MSG_FULL, constraint=exc.constraint) from exc
        raise
    return SignUp(
        signup_id=int(row["id"]),
        shift_id=request.shift_id,
        shift_title=str(shift["title"]),
        event_title=str(shift["event_title"]),
        when_text=str(shift["when_text"]),
    )


def cancel_signup(identity: Identity, request: CancelRequest) -> None:
    """Give back the volunteer's own slot on a shift that has not started."""
    with transaction(identity) as conn:
        row = fetch_one(
            conn,
            """
            update public.shift_signups ss set status = 'cancelled', cancelled_at = now()
              from public.shifts s
             where ss.id = %s and s.id = ss.shift_id and ss.status = 'signed_up'
               and ss.member_id in (select app.my_member_ids())
               and s.starts_at > now()
            returning ss.id
            """,
            (request.signup_id,),
        )
    if row is None:
        raise InvalidDataError(
            "This sign-up can no longer be cancelled: the shift has started or it was already cancelled."
        )


def join_wait_list(identity: Identity, request: WaitListRequest) -> int:
    """Put the signed-in volunteer on a full shift's wait-list; returns their
    place in line (1 = next). The database refuses a shift that has a free
    place, has started, or that they already hold or wait for."""
    try:
        with transaction(identity) as conn:
            member = fetch_one(conn, "select id from public.members where user_id = (select auth.uid())")
            if member is None:
                raise NotAllowedError(MSG_NO_MEMBER)
            conn.execute(
                "insert into public.shift_wait_list (shift_id, member_id) values (%s, %s)",
                (request.shift_id, member["id"]),
            )
            row = fetch_one(
                conn, "select place from app.my_wait_list() where shift_id = %s", (request.shift_id,)
            )
    except InvalidDataError as exc:
        # The database's sentences, as the page shows them.
        raise InvalidDataError(_sentence(str(exc)), constraint=exc.constraint) from exc
    assert row is not None
    return int(row["place"])


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")


def leave_wait_list(identity: Identity, request: WaitListRequest) -> None:
    """Take the signed-in volunteer off a shift's wait-list. Raises
    InvalidDataError when they were not on it (any more): a freed place may
    have just gone to them."""
    with transaction(identity) as conn:
        left = conn.execute(
            "delete from public.shift_wait_list"
            " where shift_id = %s and member_id in (select app.my_member_ids())",
            (request.shift_id,),
        ).rowcount
    if not left:
        raise InvalidDataError(
            "You are no longer on this shift's wait-list: a place may have just come free for you, "
            "see your upcoming shifts."
        )


MY_SIGNUPS_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "signup_id": pl.Int64,
    "shift_id": pl.Int64,
    "event_title": pl.String,
    "shift_title": pl.String,
    "place": pl.String,
    "starts_at": pl.Datetime("us", "UTC"),
    "ends_at": pl.Datetime("us", "UTC"),
    "when_text": pl.String,
    "from_wait_list": pl.Boolean,
}


def my_signups(identity: Identity) -> pl.DataFrame:
    """The volunteer's live sign-ups for shifts that have not started;
    ``from_wait_list`` marks a place they moved up to from a wait-list."""
    return read_frame(
        identity,
        f"""
        select ss.id as signup_id, s.id as shift_id, e.title as event_title, s.title as shift_title,
               e.place, s.starts_at, s.ends_at,
               {_WHEN} as when_text, ss.from_wait_list_at is not null as from_wait_list
          from public.shift_signups ss
          join public.shifts s on s.id = ss.shift_id
          join public.events e on e.id = s.event_id
         where ss.member_id in (select app.my_member_ids())
           and ss.status = 'signed_up' and s.starts_at > now()
         order by s.starts_at
        """,
        schema=MY_SIGNUPS_SCHEMA,
    )


# --- check-in --------------------------------------------------------------

CHECKIN_EVENTS_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "event_id": pl.Int64,
    "title": pl.String,
    "chapter": pl.String,
    "starts_at": pl.Datetime("us", "UTC"),
    "when_text": pl.String,
    "present": pl.Int64,
    "signed_up": pl.Int64,
}


def checkin_events(identity: Identity, *, days_back: int = 14, days_ahead: int = 1) -> pl.DataFrame:
    """Events in the coordinator's chapters from ``days_back`` ago to
    ``days_ahead`` from now, most recent first."""
    return read_frame(
        identity,
        """
        select e.id as event_id, e.title, c.name as chapter, e.starts_at,
               to_char(e.starts_at at time zone c.time_zone, 'Dy DD Mon, HH24:MI') as when_text,
               (select count(*) from public.attendance a
                 where a.event_id = e.id and a.member_id is not null)::bigint as present,
               (select count(*) from public.shift_signups ss join public.shifts s on s.id = ss.shift_id
                 where s.event_id = e.id and ss.status <> 'cancelled')::bigint as signed_up
          from public.events e
          join public.chapters c on c.id = e.chapter_id
         where e.chapter_id in (select app.coordinated_chapters())
           and e.starts_at > now() - make_interval(days => %s::int)
           and e.starts_at < now() + make_interval(days => %s::int)
         order by e.starts_at desc
         limit 200
        """,
        [days_back, days_ahead],
        schema=CHECKIN_EVENTS_SCHEMA,
    )


ROSTER_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "member_id": pl.Int64,
    "full_name": pl.String,
    "shift_id": pl.Int64,
    "shift_title": pl.String,
    "signup_status": pl.String,
    "minutes": pl.Int64,
    "came": pl.Boolean,
    "hours_status": pl.String,
}


def roster(identity: Identity, event_id: int) -> pl.DataFrame:
    """Everyone expected at or already checked in to an event: one row per
    person and shift (people who came without a shift have no shift_id),
    whether they came, and the status of hours already recorded for it."""
    return read_frame(
        identity,
        """
        with ev as (
          select e.id, e.starts_at, e.ends_at from public.events e
           where e.id = %s and e.chapter_id in (select app.coordinated_chapters())
        ), su as (
          select ss.member_id, s.id as shift_id, s.title as shift_title, ss.status as signup_status,
                 least(1440, round(extract(epoch from (s.ends_at - s.starts_at)) / 60))::bigint as minutes,
                 s.starts_at
            from public.shift_signups ss join public.shifts s on s.id = ss.shift_id
           where s.event_id = (select id from ev) and ss.status <> 'cancelled'
        ), att as (
          select a.member_id from public.attendance a
           where a.event_id = (select id from ev) and a.member_id is not null
        ), r as (
          select member_id, shift_id, shift_title, signup_status, minutes, starts_at from su
          union all
          select a.member_id, null, null, null,
                 (select case when ev.ends_at - ev.starts_at <= interval '12 hours'
                              then round(extract(epoch from (ev.ends_at - ev.starts_at)) / 60)::bigint end
                    from ev),
                 (select starts_at from ev)
            from att a where a.member_id not in (select member_id from su)
        )
        select r.member_id,
               coalesce(m.full_name, 'Volunteer from another chapter #' || r.member_id) as full_name,
               r.shift_id, r.shift_title, r.signup_status, r.minutes,
               r.member_id in (select member_id from att) as came,
               (select h.status from public.volunteer_hours h
                 where h.member_id = r.member_id and h.status <> 'rejected'
                   and ((r.shift_id is not null and h.shift_id = r.shift_id)
                        or (r.shift_id is null and h.event_id = (select id from ev) and h.shift_id is null))
                 order by h.status = 'approved' desc limit 1) as hours_status
          from r left join public.members m on m.id = r.member_id
         order by m.full_name is null, lower(m.full_name), r.starts_at, r.shift_id
        """,
        [event_id],
        schema=ROSTER_SCHEMA,
    )


def guest_count(identity: Identity, event_id: int) -> int:
    return read_count(
        identity,
        "select coalesce(sum(guest_count), 0)::int as n from public.attendance "
        "where event_id = %s and member_id is null",
        (event_id,),
    )


def event_members(identity: Identity, event_id: int) -> list[tuple[int, str]]:
    """Active members of the event's chapter and its sub-chapters whom the
    coordinator may check in as walk-ins: (id, name)."""
    rows = read_all(
        identity,
        """
        with recursive down as (
          select e.chapter_id as id from public.events e
           where e.id = %s and e.chapter_id in (select app.coordinated_chapters())
          union
          select c.id from public.chapters c join down on c.parent_id = down.id
        )
        select m.id, m.full_name from public.members m
         where m.chapter_id in (select id from down) and m.status = 'active'
         order by lower(m.full_name), m.id
         limit 5000
        """,
        (event_id,),
    )
    return [(int(r["id"]), str(r["full_name"])) for r in rows]


@dataclass(frozen=True)
class CheckInOutcome:
    present: int
    guests: int
    hours_created: int
    hours_existing: int  # already recorded (by the volunteer or an earlier check-in)
    hours_not_yet: int = 0  # asked for before the event started: attendance only
    own_hours_skipped: bool = False  # the coordinator's own row: they log their hours themselves


def checkin_key(event_id: int, member_id: int, shift_id: int | None) -> uuid.UUID:
    """Saving the same check-in twice records the hours once."""
    return uuid.uuid5(KEY_NAMESPACE, f"checkin|{event_id}|{member_id}|{shift_id or ''}")


def save_check_in(identity: Identity, check_in: CheckIn) -> CheckInOutcome:
    """Record who came to an event (and how many guests), mark sign-ups as
    attended or no-show, and create approved hours for those who worked, all
    in one transaction: if any person's hours are refused, nothing is saved
    and the message names them."""
    event_id = check_in.event_id
    with transaction(identity) as conn:
        ev = fetch_one(
            conn,
            """
            select e.id, e.program_id, e.starts_at, e.ends_at < now() as ended,
                   e.starts_at <= now() as begun, c.time_zone
              from public.events e join public.chapters c on c.id = e.chapter_id
             where e.id = %s and e.chapter_id in (select app.coordinated_chapters())
            """,
            (event_id,),
        )
        if ev is None:
            raise NotAllowedError("You do not coordinate this event's chapter.")
        everyone = sorted({r.member_id for r in check_in.rows})
        present = sorted({r.member_id for r in check_in.rows if r.came})
        absent = sorted(set(everyone) - set(present))
        conn.execute(
            "insert into public.attendance (event_id, member_id) select %s, unnest(%s::bigint[]) "
            "on conflict (event_id, member_id) do nothing",
            (event_id, present),
        )
        conn.execute(
            "delete from public.attendance where event_id = %s and member_id = any(%s)", (event_id, absent)
        )
        conn.execute("delete from public.attendance where event_id = %s and member_id is null", (event_id,))
        if check_in.guest_count:
            conn.execute(
                "insert into public.attendance (event_id, member_id, guest_count) values (%s, null, %s)",
                (event_id, check_in.guest_count),
            )
        conn.execute(
            """
            update public.shift_signups ss
               set status = case when ss.member_id = any(%s) then 'attended'
                                 when %s then 'no_show' else 'signed_up' end
              from public.shifts s
             where s.id = ss.shift_id and s.event_id = %s and ss.status <> 'cancelled'
               and ss.member_id = any(%s)
            """,
            (present, bool(ev["ended"]), event_id, everyone),
        )
        created = existing = not_yet = 0
        own_skipped = False
        own_ids = {int(row["id"]) for row in fetch_all(conn, "select app.my_member_ids() as id")}
        problems: list[str] = []
        for r in check_in.rows:
            if not r.worked:
                continue
            if r.member_id in own_ids:
                # Issue 16: nobody approves their own hours; their attendance is saved.
                own_skipped = True
                continue
            if not ev["begun"]:
                # Issue 16: no approved hours for an event that has not started.
                not_yet += 1
                continue
            outcome = _create_hours(conn, check_in, ev, r.member_id, r.shift_id, int(r.minutes or 0))
            if outcome == "created":
                created += 1
            elif outcome == "existing":
                existing += 1
            else:
                problems.append(outcome)
        if problems:
            raise InvalidDataError("Nothing was saved. " + " ".join(problems))
    return CheckInOutcome(
        present=len(present),
        guests=check_in.guest_count,
        hours_created=created,
        hours_existing=existing,
        hours_not_yet=not_yet,
        own_hours_skipped=own_skipped,
    )


def _create_hours(
    conn: psycopg.Connection,
    check_in: CheckIn,
    ev: dict[str, object],
    member_id: int,
    shift_id: int | None,
    minutes: int,
) -> str:
    """Insert one worker's approved hours under a savepoint: 'created',
    'existing', or a sentence saying why not."""
    event_id = check_in.event_id
    already = fetch_one(
        conn,
        """
        select 1 from public.volunteer_hours h
         where h.member_id = %s and h.status <> 'rejected'
           and ((%s::bigint is not null and h.shift_id = %s)
                or (%s::bigint is null and h.event_id = %s and h.shift_id is null))
        """,
        (member_id, shift_id, shift_id, shift_id, event_id),
    )
    if already:
        return "existing"
    person = fetch_one(
        conn,
        "select m.full_name, m.chapter_id, m.joined_on, "
        "(coalesce((select s.starts_at from public.shifts s where s.id = %s), %s) at time zone %s)::date "
        "as worked_on "
        "from public.members m where m.id = %s",
        (shift_id, ev["starts_at"], ev["time_zone"], member_id),
    )
    if person is None:
        # Row-level security hides members of chapters this coordinator
        # does not run, even when they took a shift here.
        return (
            f"Volunteer #{member_id} belongs to a chapter you do not coordinate, so you cannot record "
            "their hours; they can log them themselves."
        )
    name = str(person["full_name"])
    worked_on: date = person["worked_on"]
    try:
        with conn.transaction():
            new_id = insert_once(
                conn,
                "volunteer_hours",
                {
                    "member_id": member_id,
                    "chapter_id": person["chapter_id"],
                    "worked_on": worked_on,
                    "minutes": minutes,
                    "activity": check_in.activity,
                    "event_id": event_id,
                    "program_id": ev["program_id"],
                    "shift_id": shift_id,
                    "status": "approved",
                    "idempotency_key": checkin_key(event_id, member_id, shift_id),
                },
                "idempotency_key",
            )
    except psycopg.errors.InsufficientPrivilege:
        return (
            f"{name} belongs to a chapter you do not coordinate, so you cannot record their hours; "
            "they can log them themselves."
        )
    except (psycopg.errors.IntegrityError, psycopg.errors.RaiseException) as exc:
        constraint = exc.diag.constraint_name
        if constraint == "volunteer_hours_max_per_day":
            return f"{name}: {MSG_DAY_LIMIT} {date_rules.with_year(worked_on)} would have more than 24 hours."
        if constraint == "volunteer_hours_not_future":
            worked = date_rules.with_year(worked_on)
            return f"{name}: hours cannot be recorded before the day they were worked ({worked})."
        if constraint == "volunteer_hours_after_joining":
            return f"{name} joined on {date_rules.with_year(person['joined_on'])}, after this event."
        return f"{name}: {exc.diag.message_primary or exc}."
    return "created" if new_id else "existing"


def _people(n: int) -> str:
    return "1 person" if n == 1 else f"{n} people"


def describe_outcome(outcome: CheckInOutcome, activity: str) -> str:
    parts = [f"{outcome.present} checked in"]
    if outcome.guests:
        parts.append(f"{outcome.guests} guests")
    if outcome.hours_created:
        what = ACTIVITY_LABELS.get(activity, activity).lower()
        parts.append(f"hours of {what} recorded for {_people(outcome.hours_created)}")
    if outcome.hours_existing:
        parts.append(f"{_people(outcome.hours_existing)} already had their hours recorded")
    if outcome.hours_not_yet:
        parts.append(f"no hours recorded for {_people(outcome.hours_not_yet)}: the event has not started yet")
    if outcome.own_hours_skipped:
        parts.append("your own hours are not recorded here: log them on My hours for approval")
    return ", ".join(parts) + "."
