"""Suggestions for the volunteer logging hours: likely entries (recent
shifts and events with no hours yet, what they log most often) and the
events and programs an entry may be attached to. Saving is `db.hours`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import dates as date_rules
from db import clock
from db.connection import transaction
from db.hours import EVENT_TZ
from db.identity import Identity
from db.rows import fetch_all
from models.hours import ACTIVITY_LABELS, format_minutes


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
               where c.id in (select m.chapter_id from public.members m where m.user_id = (select auth.uid()))
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
               where c.id in (select m.chapter_id from public.members m where m.user_id = (select auth.uid()))
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
