"""A volunteer's own hours: logging, editing, withdrawing and listing them.
Suggestions for what to log are `db.hours_suggestions`; a coordinator's
review is `db.hours_review` and their imports `db.hours_import`.

Every call runs as the person asking (row-level security decides what they
may see and change); the volunteer_hours trigger enforces the date and
24-hours-a-day rules under concurrency, and this module turns its refusals
into sentences a person can act on."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
import psycopg

import dates as date_rules
from db import clock
from db.arrow import read_frame
from db.connection import transaction
from db.errors import InvalidDataError, NotAllowedError
from db.identity import Identity
from db.rows import fetch_one, read_one
from db.writes import insert_once
from models.hours import (
    ACTIVITY_LABELS,
    MSG_DAY_LIMIT,
    MSG_FUTURE,
    HoursEdit,
    HoursEntry,
    format_minutes,
)

# Keys for entries made by Heartbeat itself (imports, check-ins) are derived
# from what they record, so doing the same thing twice stores it once.
KEY_NAMESPACE = uuid.UUID("5b0c1f7e-3f64-4d57-9a3f-6f1b2d8e4c21")

MSG_NO_MEMBER = (
    "Your account is not linked to a member record yet, so hours cannot be logged. "
    "Ask your chapter's coordinator to link it."
)
MSG_NOT_PENDING = "Only entries that are still pending can be changed; this one has been {status}."
MSG_NOT_YOURS = "This entry does not exist or is not yours."


@dataclass(frozen=True)
class Member:
    """The signed-in person's member record."""

    id: int
    full_name: str
    chapter_id: int
    chapter_name: str
    joined_on: date
    time_zone: str = "UTC"

    def today(self) -> date:
        """Today where the member's chapter is: a volunteer ahead of the
        server's clock can still log the day they are living in."""
        return clock.today_in(self.time_zone)


@dataclass(frozen=True)
class SavedHours:
    """One stored entry, as its owner sees it."""

    id: int
    worked_on: date
    minutes: int
    activity: str
    status: str
    event_id: int | None
    program_id: int | None
    shift_id: int | None
    note: str | None
    event_title: str | None
    program_name: str | None
    rejection_reason: str | None
    already_saved: bool = False

    @property
    def summary(self) -> str:
        """The entry in words, its day with the year (no one's today known)."""
        return self._summary(date_rules.with_year(self.worked_on, weekday=True))

    def summary_for(self, today: date, locale: str = date_rules.DEFAULT_LOCALE) -> str:
        """The entry in words for a person: the day in their locale, its year
        only outside their current year."""
        return self._summary(date_rules.weekday(self.worked_on, today, locale))

    def _summary(self, day: str) -> str:
        what = ACTIVITY_LABELS.get(self.activity, self.activity)
        where = self.event_title or self.program_name
        text = f"{format_minutes(self.minutes)} of {what.lower()} on {day}"
        return f"{text} ({where})" if where else text


# An event's local time zone (its chapter's), for dates and times as people
# there read them; needs the event aliased as "e".
EVENT_TZ = "(select ch.time_zone from public.chapters ch where ch.id = e.chapter_id)"


_ENTRY_SELECT = """
select h.id, h.worked_on, h.minutes, h.activity, h.status, h.event_id, h.program_id,
       h.shift_id, h.note, e.title as event_title, p.name as program_name, h.rejection_reason
  from public.volunteer_hours h
  left join public.events e on e.id = h.event_id
  left join public.programs p on p.id = h.program_id
"""


def _saved(row: dict[str, Any], *, already_saved: bool = False) -> SavedHours:
    return SavedHours(**row, already_saved=already_saved)


def _member(conn: psycopg.Connection) -> Member | None:
    row = fetch_one(
        conn,
        """
        select m.id, m.full_name, m.chapter_id, c.name as chapter_name, m.joined_on, c.time_zone
          from public.members m join public.chapters c on c.id = m.chapter_id
         where m.user_id = (select auth.uid())
        """,
    )
    return Member(**row) if row else None


def my_member(identity: Identity) -> Member | None:
    """The signed-in person's member record, or None when the account has none."""
    with transaction(identity) as conn:
        return _member(conn)


def day_minutes(conn: psycopg.Connection, member_id: int, day: date) -> int:
    """The minutes a member has logged on a day, leaving out rejected hours:
    what the 24-hours-a-day rule counts."""
    row = fetch_one(
        conn,
        "select coalesce(sum(minutes), 0)::int as total from public.volunteer_hours "
        "where member_id = %s and worked_on = %s and status <> 'rejected'",
        (member_id, day),
    )
    return int(row["total"]) if row else 0


def explain(
    exc: InvalidDataError, *, joined_on: date | None, day: date, day_minutes: int | None, whose: str
) -> str:
    """A person's sentence for the trigger's and constraints' refusals."""
    constraint = exc.constraint or ""
    if constraint == "volunteer_hours_not_future":
        return MSG_FUTURE
    if constraint == "volunteer_hours_after_joining":
        since = f" (on {date_rules.with_year(joined_on)})" if joined_on else ""
        return f"Hours cannot be logged before {whose} joined the movement{since}."
    if constraint == "volunteer_hours_max_per_day":
        already = ""
        if day_minutes is not None:
            shown = date_rules.with_year(day, weekday=True)
            already = f" {shown} already has {format_minutes(day_minutes)} logged."
        return MSG_DAY_LIMIT + already
    if constraint == "volunteer_hours_event_id_fkey":
        return "The chosen event no longer exists."
    if constraint == "volunteer_hours_program_id_fkey":
        return "The chosen program no longer exists."
    if constraint == "volunteer_hours_shift_id_fkey":
        return "The chosen shift no longer exists."
    return str(exc)


def _in_words(
    identity: Identity, exc: InvalidDataError, member: Member | None, day: date
) -> InvalidDataError:
    """The volunteer's own refusal, `explain`ed, with the day's logged total
    where the 24-hour limit was the rule."""
    day_total = None
    if member is not None and exc.constraint == "volunteer_hours_max_per_day":
        with transaction(identity) as conn:
            day_total = day_minutes(conn, member.id, day)
    joined_on = member.joined_on if member else None
    message = explain(exc, joined_on=joined_on, day=day, day_minutes=day_total, whose="you")
    return InvalidDataError(message, constraint=exc.constraint)


EVENT_DAY = "volunteer_hours_event_day"  # our own rule, named like a constraint


def _check_event_day(conn: psycopg.Connection, event_id: int | None, day: date) -> None:
    """Refuse hours attached to an event on a day the event did not run."""
    if event_id is None:
        return
    row = fetch_one(
        conn,
        f"""
        select e.title, (e.starts_at at time zone {EVENT_TZ})::date as first_day,
               (coalesce(e.ends_at, e.starts_at) at time zone {EVENT_TZ})::date as last_day
          from public.events e where e.id = %s
        """,
        (event_id,),
    )
    if row is None:
        raise InvalidDataError("The chosen event no longer exists.", constraint=EVENT_DAY)
    first, last = row["first_day"], row["last_day"]
    if not first <= day <= last:
        ran = [date_rules.with_year(d, weekday=True) for d in (first, last)]
        when = ran[0] if first == last else f"{ran[0]} to {ran[1]}"
        raise InvalidDataError(
            f"{row['title']} ran on {when}, not on {date_rules.with_year(day, weekday=True)}: "
            "choose that date, or another event (or none).",
            constraint=EVENT_DAY,
        )


def _find_by_key(identity: Identity, key: uuid.UUID) -> SavedHours | None:
    row = read_one(identity, _ENTRY_SELECT + " where h.idempotency_key = %s", (key,))
    return _saved(row, already_saved=True) if row else None


def log_hours(identity: Identity, entry: HoursEntry) -> SavedHours:
    """Save a new pending entry for the signed-in volunteer.

    Idempotent on ``entry.idempotency_key``: when an entry with that key is
    already stored (a double click, a rerun, a retry after a lost reply), it
    is returned with ``already_saved=True`` and nothing new is written.
    Raises InvalidDataError with a person's message when a rule refuses it."""
    member: Member | None = None
    try:
        with transaction(identity) as conn:
            member = _member(conn)
            if member is None:
                raise NotAllowedError(MSG_NO_MEMBER)
            existing = fetch_one(
                conn, _ENTRY_SELECT + " where h.idempotency_key = %s", (entry.idempotency_key,)
            )
            if existing:
                return _saved(existing, already_saved=True)
            if entry.shift_id is not None:
                mine = fetch_one(
                    conn,
                    "select 1 from public.shift_signups where shift_id = %s and member_id = %s "
                    "and status <> 'cancelled'",
                    (entry.shift_id, member.id),
                )
                if not mine:
                    raise InvalidDataError("You were not signed up for that shift.")
            _check_event_day(conn, entry.event_id, entry.worked_on)
            new_id = insert_once(
                conn,
                "volunteer_hours",
                {"member_id": member.id, "chapter_id": member.chapter_id, **entry.model_dump()},
                "idempotency_key",
            )
            # A twin request committed first: read what it stored.
            found = fetch_one(conn, _ENTRY_SELECT + " where h.idempotency_key = %s", (entry.idempotency_key,))
            if found is None:
                raise InvalidDataError("This entry could not be saved; please try again.")
            return _saved(found, already_saved=new_id is None)
    except InvalidDataError as exc:
        # A twin of this request may have taken the day's last minutes first;
        # then the entry is saved, and that is what the person should hear.
        twin = _find_by_key(identity, entry.idempotency_key)
        if twin is not None:
            return twin
        if exc.constraint in (None, EVENT_DAY):
            raise
        raise _in_words(identity, exc, member, entry.worked_on) from exc


def get_hours(identity: Identity, hours_id: int) -> SavedHours | None:
    """One entry the person may see, or None."""
    row = read_one(identity, _ENTRY_SELECT + " where h.id = %s", (hours_id,))
    return _saved(row) if row else None


def _refuse_change(identity: Identity, hours_id: int) -> None:
    row = read_one(
        identity,
        "select status from public.volunteer_hours where id = %s "
        "and member_id in (select app.my_member_ids())",
        (hours_id,),
    )
    if row is None:
        raise NotAllowedError(MSG_NOT_YOURS)
    raise InvalidDataError(MSG_NOT_PENDING.format(status=row["status"]))


def edit_hours(identity: Identity, edit: HoursEdit) -> SavedHours:
    """Change one of the volunteer's own entries while it is pending."""
    member: Member | None = None
    try:
        with transaction(identity) as conn:
            member = _member(conn)
            _check_event_day(conn, edit.event_id, edit.worked_on)
            row = fetch_one(
                conn,
                """
                update public.volunteer_hours
                   set worked_on = %(worked_on)s, minutes = %(minutes)s, activity = %(activity)s,
                       event_id = %(event_id)s, program_id = %(program_id)s, shift_id = %(shift_id)s,
                       note = %(note)s
                 where id = %(hours_id)s and status = 'pending'
                   and member_id in (select app.my_member_ids())
                returning id
                """,
                edit.model_dump(),
            )
            if row is not None:
                saved = fetch_one(conn, _ENTRY_SELECT + " where h.id = %s", (edit.hours_id,))
                assert saved is not None
                return _saved(saved)
    except InvalidDataError as exc:
        if exc.constraint in (None, EVENT_DAY):
            raise
        raise _in_words(identity, exc, member, edit.worked_on) from exc
    _refuse_change(identity, edit.hours_id)
    raise AssertionError("unreachable")


def withdraw_hours(identity: Identity, hours_id: int) -> None:
    """Delete one of the volunteer's own entries while it is pending."""
    with transaction(identity) as conn:
        row = fetch_one(
            conn,
            "delete from public.volunteer_hours where id = %s and status = 'pending' "
            "and member_id in (select app.my_member_ids()) returning id",
            (hours_id,),
        )
    if row is None:
        _refuse_change(identity, hours_id)


MY_HOURS_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "id": pl.Int64,
    "worked_on": pl.Date,
    "minutes": pl.Int64,
    "activity": pl.String,
    "status": pl.String,
    "event_id": pl.Int64,
    "program_id": pl.Int64,
    "shift_id": pl.Int64,
    "event_title": pl.String,
    "program_name": pl.String,
    "note": pl.String,
    "rejection_reason": pl.String,
    "reviewed_at": pl.Datetime("us", "UTC"),
    "created_at": pl.Datetime("us", "UTC"),
}


def my_hours(identity: Identity) -> pl.DataFrame:
    """Every entry of the signed-in volunteer's own, newest first (a
    coordinator sees only their own here, not their chapter's)."""
    return read_frame(
        identity,
        """
        select h.id, h.worked_on, h.minutes::bigint as minutes, h.activity, h.status,
               h.event_id, h.program_id, h.shift_id, e.title as event_title,
               p.name as program_name, h.note, h.rejection_reason, h.reviewed_at, h.created_at
          from public.volunteer_hours h
          left join public.events e on e.id = h.event_id
          left join public.programs p on p.id = h.program_id
         where h.member_id in (select app.my_member_ids())
         order by h.worked_on desc, h.id desc
        """,
        schema=MY_HOURS_SCHEMA,
    )
