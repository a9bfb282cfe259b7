"""The one clock. "Today" is a place's own date, never the server's: a
volunteer in Auckland at 00:30 UTC is already living tomorrow, one in Los
Angeles still yesterday. Every default, validation, import and `as_of`
takes its date from here, so tests freeze one clock (`time_machine`)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from db.identity import Identity

FALLBACK_ZONE = "UTC"
# The zone furthest ahead of UTC (UTC+14): a date later than today there is
# in the future everywhere, so a check that knows no place uses it.
EARLIEST_ZONE = "Pacific/Kiritimati"


def utc_now() -> datetime:
    """Now, as an aware UTC datetime: the only read of the wall clock."""
    return datetime.now(UTC)


@lru_cache(maxsize=512)
def zone(name: str | None) -> ZoneInfo:
    """The IANA zone `name`; UTC for no name or one this machine lacks."""
    try:
        return ZoneInfo(name or FALLBACK_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(FALLBACK_ZONE)


def now_in(time_zone: str | None) -> datetime:
    return utc_now().astimezone(zone(time_zone))


def today_in(time_zone: str | None) -> date:
    """Today's date in `time_zone` (a chapter's `time_zone`)."""
    return now_in(time_zone).date()


def latest_today() -> date:
    """The latest date anywhere on Earth: the bound for "not in the future"
    where the entry's place is not known."""
    return today_in(EARLIEST_ZONE)


_PERSON_ZONE = """
    select coalesce(
      (select c.time_zone from public.members m join public.chapters c on c.id = m.chapter_id
        where m.user_id = (select auth.uid()) order by m.id limit 1),
      (select c.time_zone from public.roles r join public.chapters c on c.id = r.chapter_id
        where r.user_id = (select auth.uid()) order by r.id limit 1),
      (select c.time_zone from public.chapters c where c.parent_id is null order by c.id limit 1),
      %s) as time_zone"""


def person_time_zone(identity: Identity, *, uri: str | None = None) -> str:
    """A person's zone: their member's chapter's, else the first chapter they
    hold a role in, else the movement's root chapter's, else UTC."""
    from db.connection import transaction

    with transaction(identity, uri) as conn:
        row = conn.execute(_PERSON_ZONE, (FALLBACK_ZONE,)).fetchone()
    if row is None:
        return FALLBACK_ZONE
    value = row["time_zone"] if isinstance(row, dict) else row[0]
    return str(value or FALLBACK_ZONE)
