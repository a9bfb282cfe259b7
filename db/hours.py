"""Volunteer hours: a volunteer logs, edits and withdraws their own; a
coordinator reviews their chapters' (and imports them: `db.hours_import`).

Every call runs as the person asking (row-level security decides what they
may see and change); the volunteer_hours trigger enforces the date and
24-hours-a-day rules under concurrency, and this module turns its refusals
into sentences a person can act on."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
import psycopg
from psycopg.rows import dict_row

import dates as date_rules
from db import clock
from db.arrow import read_frame
from db.connection import transaction
from db.errors import InvalidDataError, NotAllowedError
from db.identity import Identity
from db.models.hours import (
    ACTIVITY_LABELS,
    MSG_DAY_LIMIT,
    MSG_FUTURE,
    HoursEdit,
    HoursEntry,
    ReviewDecision,
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


@dataclass(frozen=True)
class Suggestion:
    """A likely entry, offered so a common one takes a couple of taps."""

    kind: str  # "shift", "event" or "repeat"
    label: str
    worked_on: date
    minutes: int | None
    activity: str
    event_id: int | None = None
    program_id: int | None = None
    shift_id: int | None = None


@dataclass(frozen=True)
class Choice:
    """An event or program the volunteer may attach an entry to."""

    kind: str  # "event" or "program"
    id: int
    label: str

    @property
    def value(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True)
class ReviewOutcome:
    approved: tuple[int, ...]
    rejected: tuple[int, ...]
    skipped: tuple[int, ...]  # no longer pending: someone else decided first


# An event's local time zone (its chapter's), for dates and times as people
# there read them; needs the event aliased as "e".
EVENT_TZ = "(select ch.time_zone from public.chapters ch where ch.id = e.chapter_id)"


def fetch_one(conn: psycopg.Connection[Any], sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
    """One row as a dict (None when there is none)."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(sql, params).fetchone()


def fetch_all(conn: psycopg.Connection[Any], sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """Every row as a dict."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(sql, params).fetchall()


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
         where m.user_id = auth.uid()
        """,
    )
    return Member(**row) if row else None


def my_member(identity: Identity) -> Member | None:
    """The signed-in person's member record, or None when the account has none."""
    with transaction(identity) as conn:
        return _member(conn)


def _day_minutes(identity: Identity, member_id: int, day: date) -> int:
    with transaction(identity) as conn:
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
    with transaction(identity) as conn:
        row = fetch_one(conn, _ENTRY_SELECT + " where h.idempotency_key = %s", (key,))
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
            row = fetch_one(
                conn,
                """
                insert into public.volunteer_hours
                  (member_id, chapter_id, worked_on, minutes, activity, event_id, program_id,
                   shift_id, note, idempotency_key)
                values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
                on conflict (idempotency_key) do nothing
                returning id
                """,
                (
                    member.id,
                    member.chapter_id,
                    entry.worked_on,
                    entry.minutes,
                    entry.activity,
                    entry.event_id,
                    entry.program_id,
                    entry.shift_id,
                    entry.note,
                    entry.idempotency_key,
                ),
            )
            # A twin request committed first: read what it stored.
            found = fetch_one(conn, _ENTRY_SELECT + " where h.idempotency_key = %s", (entry.idempotency_key,))
            if found is None:
                raise InvalidDataError("This entry could not be saved; please try again.")
            return _saved(found, already_saved=row is None)
    except InvalidDataError as exc:
        # A twin of this request may have taken the day's last minutes first;
        # then the entry is saved, and that is what the person should hear.
        twin = _find_by_key(identity, entry.idempotency_key)
        if twin is not None:
            return twin
        if exc.constraint in (None, EVENT_DAY):
            raise
        day_total = None
        if member is not None and exc.constraint == "volunteer_hours_max_per_day":
            day_total = _day_minutes(identity, member.id, entry.worked_on)
        message = explain(
            exc,
            joined_on=member.joined_on if member else None,
            day=entry.worked_on,
            day_minutes=day_total,
            whose="you",
        )
        raise InvalidDataError(message, constraint=exc.constraint) from exc


def get_hours(identity: Identity, hours_id: int) -> SavedHours | None:
    """One entry the person may see, or None."""
    with transaction(identity) as conn:
        row = fetch_one(conn, _ENTRY_SELECT + " where h.id = %s", (hours_id,))
    return _saved(row) if row else None


def _refuse_change(identity: Identity, hours_id: int) -> None:
    with transaction(identity) as conn:
        row = fetch_one(
            conn,
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
                   set worked_on = %s, minutes = %s, activity = %s, event_id = %s,
                       program_id = %s, shift_id = %s, note = %s
                 where id = %s and status = 'pending'
                   and member_id in (select app.my_member_ids())
                returning id
                """,
                (
                    edit.worked_on,
                    edit.minutes,
                    edit.activity,
                    edit.event_id,
                    edit.program_id,
                    edit.shift_id,
                    edit.note,
                    edit.hours_id,
                ),
            )
            if row is not None:
                saved = fetch_one(conn, _ENTRY_SELECT + " where h.id = %s", (edit.hours_id,))
                assert saved is not None
                return _saved(saved)
    except InvalidDataError as exc:
        if exc.constraint in (None, EVENT_DAY):
            raise
        day_total = None
        if member is not None and exc.constraint == "volunteer_hours_max_per_day":
            day_total = _day_minutes(identity, member.id, edit.worked_on)
        message = explain(
            exc,
            joined_on=member.joined_on if member else None,
            day=edit.worked_on,
            day_minutes=day_total,
            whose="you",
        )
        raise InvalidDataError(message, constraint=exc.constraint) from exc
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


@dataclass(frozen=True)
class PortalSettings:
    """The movement's settings the volunteer portal shows."""

    movement_name: str
    hour_value_minor: int  # value of one volunteer hour, minor units
    currency: str


def portal_settings(identity: Identity) -> PortalSettings:
    """The movement's name, its value of a volunteer hour and its currency."""
    with transaction(identity) as conn:
        row = fetch_one(
            conn,
            "select movement_name, volunteer_hour_value_minor, reporting_currency "
            "from public.movement_settings",
        )
    if row is None:
        return PortalSettings("Empathy Movement", 0, "USD")
    return PortalSettings(
        str(row["movement_name"]), int(row["volunteer_hour_value_minor"]), str(row["reporting_currency"])
    )


_EVENT_ACTIVITY = {"training": "training"}


def _day_label(day: date, today: date, locale: str) -> str:
    """'Today, Sat, Dec 5', 'Yesterday, Fri, Dec 4' or 'Thu, Dec 3' (en_US;
    the year outside the current one): a suggestion always shows the date
    it fills in."""
    shown = date_rules.weekday(day, today, locale)
    if day == today:
        return f"Today, {shown}"
    if (today - day).days == 1:
        return f"Yesterday, {shown}"
    return shown


def suggestions(
    identity: Identity, *, days: int = 30, limit: int = 5, locale: str = date_rules.DEFAULT_LOCALE
) -> list[Suggestion]:
    """The volunteer's likely next entries: recent shifts they signed up for
    and events they attended that have no hours yet, then what they log
    most often outside events (for today)."""
    # The volunteer's own date: at 00:30 UTC it is still yesterday in Los Angeles.
    today = clock.today_in(clock.person_time_zone(identity))
    with transaction(identity) as conn:
        rows = fetch_all(
            conn,
            f"""
            with mine as (select app.my_member_ids() as id)
            select 'shift' as kind, s.id as shift_id, e.id as event_id, e.program_id, e.kind as event_kind,
                   e.title, s.title as shift_title, (s.starts_at at time zone {EVENT_TZ})::date as worked_on,
                   least(1440, round(extract(epoch from (s.ends_at - s.starts_at)) / 60))::int as minutes,
                   s.starts_at
              from public.shift_signups ss
              join public.shifts s on s.id = ss.shift_id
              join public.events e on e.id = s.event_id
             where ss.member_id in (select id from mine)
               and ss.status in ('signed_up', 'attended')
               and (s.starts_at at time zone {EVENT_TZ})::date <= %s::date
               and s.starts_at > now() - make_interval(days => %s::int)
               and not exists (select 1 from public.volunteer_hours h
                                where h.member_id = ss.member_id and h.shift_id = s.id
                                  and h.status <> 'rejected')
            union all
            select 'event', null, e.id, e.program_id, e.kind, e.title, null,
                   (e.starts_at at time zone {EVENT_TZ})::date,
                   case when e.ends_at - e.starts_at <= interval '12 hours'
                        then round(extract(epoch from (e.ends_at - e.starts_at)) / 60)::int end,
                   e.starts_at
              from public.attendance a
              join public.events e on e.id = a.event_id
             where a.member_id in (select id from mine)
               and e.starts_at <= now() and e.starts_at > now() - make_interval(days => %s::int)
               and not exists (select 1 from public.volunteer_hours h
                                where h.member_id = a.member_id and h.event_id = e.id
                                  and h.status <> 'rejected')
               and not exists (select 1 from public.shift_signups ss
                                  join public.shifts s on s.id = ss.shift_id
                                where ss.member_id = a.member_id and s.event_id = e.id
                                  and ss.status in ('signed_up', 'attended'))
             order by starts_at desc
             limit %s
            """,
            (today, days, days, limit),
        )
        repeats = fetch_all(
            conn,
            """
            select h.activity, h.minutes, h.program_id, p.name as program_name, count(*) as times,
                   max(h.worked_on) as last_on
              from (select * from public.volunteer_hours
                     where member_id in (select app.my_member_ids()) and event_id is null
                       and status <> 'rejected'
                     order by worked_on desc, id desc limit 30) h
              left join public.programs p on p.id = h.program_id
             group by h.activity, h.minutes, h.program_id, p.name
             order by count(*) desc, max(h.worked_on) desc
             limit 2
            """,
        )
    out: list[Suggestion] = []
    for r in rows:
        title = r["title"] if r["kind"] == "event" else f"{r['shift_title']} · {r['title']}"
        minutes = r["minutes"]
        duration = f" · {format_minutes(minutes)}" if minutes else ""
        out.append(
            Suggestion(
                kind=r["kind"],
                label=f"{_day_label(r['worked_on'], today, locale)} · {title}{duration}",
                worked_on=r["worked_on"],
                minutes=minutes,
                activity="event_support"
                if r["kind"] == "shift"
                else _EVENT_ACTIVITY.get(r["event_kind"], "event_support"),
                event_id=r["event_id"],
                program_id=r["program_id"],
                shift_id=r["shift_id"],
            )
        )
    for r in repeats:
        what = ACTIVITY_LABELS.get(r["activity"], r["activity"])
        where = f" · {r['program_name']}" if r["program_name"] else ""
        out.append(
            Suggestion(
                kind="repeat",
                label=f"{_day_label(today, today, locale)} · {what}{where} · {format_minutes(r['minutes'])}",
                worked_on=today,
                minutes=int(r["minutes"]),
                activity=r["activity"],
                program_id=r["program_id"],
            )
        )
    return out


def log_choices(
    identity: Identity, *, days: int = 60, today: date | None = None, locale: str = date_rules.DEFAULT_LOCALE
) -> list[Choice]:
    """Events (recent, in the volunteer's chapter or above it, or ones they
    took part in) and programs to attach an entry to, most recent first."""
    with transaction(identity) as conn:
        events = fetch_all(
            conn,
            f"""
            with recursive up as (
              select c.id, c.parent_id from public.chapters c
               where c.id in (select m.chapter_id from public.members m where m.user_id = auth.uid())
              union
              select c.id, c.parent_id from public.chapters c join up on c.id = up.parent_id
            )
            select e.id, e.title, (e.starts_at at time zone {EVENT_TZ})::date as day
              from public.events e
             where e.starts_at <= now() + interval '1 day'
               and e.starts_at > now() - make_interval(days => %s::int)
               and (e.chapter_id in (select id from up)
                    or e.id in (select a.event_id from public.attendance a
                                 where a.member_id in (select app.my_member_ids()))
                    or e.id in (select s.event_id from public.shifts s
                                  join public.shift_signups ss on ss.shift_id = s.id
                                 where ss.member_id in (select app.my_member_ids())
                                   and ss.status <> 'cancelled'))
             order by e.starts_at desc
             limit 60
            """,
            (days,),
        )
        programs = fetch_all(
            conn,
            """
            with recursive up as (
              select c.id, c.parent_id from public.chapters c
               where c.id in (select m.chapter_id from public.members m where m.user_id = auth.uid())
              union
              select c.id, c.parent_id from public.chapters c join up on c.id = up.parent_id
            )
            select p.id, p.name from public.programs p
             where (p.chapter_id is null or p.chapter_id in (select id from up))
               and (p.ended_on is null or p.ended_on > current_date - 365)
             order by p.name
             limit 100
            """,
        )
    # The person's today decides which days need their year.
    shown_for = today or clock.today_in(clock.person_time_zone(identity))
    out = [
        Choice("event", int(r["id"]), f"{date_rules.day(r['day'], shown_for, locale)} · {r['title']}")
        for r in events
    ]
    out += [Choice("program", int(r["id"]), f"Program · {r['name']}") for r in programs]
    return out


# --- coordinators ----------------------------------------------------------

QUEUE_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "hours_id": pl.Int64,
    "member": pl.String,
    "chapter": pl.String,
    "worked_on": pl.Date,
    "minutes": pl.Int64,
    "activity": pl.String,
    "context": pl.String,
    "note": pl.String,
    "day_minutes": pl.Int64,
    "created_at": pl.Datetime("us", "UTC"),
}

_QUEUE_WHERE = """
 where h.status = 'pending'
   and h.chapter_id in (select app.coordinated_chapters())
   and h.member_id not in (select app.my_member_ids())
"""


def _queue_filter(chapter_id: int | None, search: str | None) -> tuple[str, list[Any]]:
    where = _QUEUE_WHERE
    params: list[Any] = []
    if chapter_id is not None:
        where += " and h.chapter_id = %s"
        params.append(chapter_id)
    if search and search.strip():
        # The person's words are matched literally: LIKE's wildcards escaped.
        escaped = search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where += (
            " and h.member_id in (select m2.id from public.members m2"
            " where m2.full_name ilike %s or m2.email ilike %s)"
        )
        params += [f"%{escaped}%", f"%{escaped}%"]
    return where, params


def approval_queue(
    identity: Identity, *, chapter_id: int | None = None, search: str | None = None, limit: int = 500
) -> pl.DataFrame:
    """Pending entries in the chapters the person coordinates (their own
    entries excluded: nobody approves their own hours), oldest first;
    optionally one chapter's, or those of volunteers whose name or email
    contains ``search``."""
    where, params = _queue_filter(chapter_id, search)
    return read_frame(
        identity,
        f"""
        select h.id as hours_id, m.full_name as member, c.name as chapter, h.worked_on,
               h.minutes::bigint as minutes, h.activity, coalesce(e.title, p.name) as context, h.note,
               (select sum(d.minutes) from public.volunteer_hours d
                 where d.member_id = h.member_id and d.worked_on = h.worked_on
                   and d.status <> 'rejected')::bigint as day_minutes,
               h.created_at
          from public.volunteer_hours h
          join public.members m on m.id = h.member_id
          join public.chapters c on c.id = h.chapter_id
          left join public.events e on e.id = h.event_id
          left join public.programs p on p.id = h.program_id
          {where}
         order by h.worked_on, h.id
         limit %s
        """,
        [*params, limit],
        schema=QUEUE_SCHEMA,
    )


def pending_count(identity: Identity, *, chapter_id: int | None = None, search: str | None = None) -> int:
    """How many entries await this coordinator (with the same filters)."""
    where, params = _queue_filter(chapter_id, search)
    with transaction(identity) as conn:
        row = fetch_one(conn, f"select count(*) as n from public.volunteer_hours h {where}", params)
    return int(row["n"]) if row else 0


def coordinated_chapters(identity: Identity) -> list[tuple[int, str]]:
    """(id, name) of every chapter the person coordinates, sub-chapters included."""
    with transaction(identity) as conn:
        rows = fetch_all(
            conn,
            "select c.id, c.name from public.chapters c "
            "where c.id in (select app.coordinated_chapters()) order by c.name",
        )
    return [(int(r["id"]), str(r["name"])) for r in rows]


def review_hours(identity: Identity, decisions: Sequence[ReviewDecision]) -> ReviewOutcome:
    """Approve and reject pending entries in one transaction. An entry that
    is no longer pending (another coordinator was quicker, or the volunteer
    withdrew it) is skipped and reported, never changed twice."""
    approve = sorted({d.hours_id for d in decisions if d.decision == "approve"})
    reject = {d.hours_id: d.reason or "" for d in decisions if d.decision == "reject"}
    if set(approve) & set(reject):
        raise InvalidDataError("An entry cannot be both approved and rejected.")
    with transaction(identity) as conn:
        approved = fetch_all(
            conn,
            f"""
            update public.volunteer_hours h set status = 'approved', rejection_reason = null
              {_QUEUE_WHERE} and h.id = any(%s)
            returning h.id
            """,
            (approve,),
        )
        rejected = fetch_all(
            conn,
            f"""
            update public.volunteer_hours h set status = 'rejected', rejection_reason = r.reason
              from unnest(%s::bigint[], %s::text[]) as r(id, reason)
              {_QUEUE_WHERE} and h.id = r.id
            returning h.id
            """,
            (list(reject), list(reject.values())),
        )
    done_a = tuple(sorted(int(r["id"]) for r in approved))
    done_r = tuple(sorted(int(r["id"]) for r in rejected))
    skipped = tuple(sorted((set(approve) | set(reject)) - set(done_a) - set(done_r)))
    return ReviewOutcome(approved=done_a, rejected=done_r, skipped=skipped)


def statement_entries(identity: Identity, start: date, end: date) -> pl.DataFrame:
    """The volunteer's approved entries between two dates, oldest first, for
    a statement of hours."""
    frame = my_hours(identity)
    return frame.filter((pl.col("status") == "approved") & pl.col("worked_on").is_between(start, end)).sort(
        ["worked_on", "id"]
    )
