"""Calendar files (RFC 5545 iCalendar) for one event or shift: a pure
function, no Streamlit. Times are written in UTC with the "Z" suffix, so
every calendar application places them right whatever its own zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

PRODID = "-//Heartbeat//Empathy Movement//EN"


def _escape(text: str) -> str:
    """TEXT value escaping (RFC 5545 3.3.11)."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _fold(line: str) -> str:
    """Lines longer than 75 octets are folded with CRLF and a space (3.1),
    never inside a UTF-8 character."""
    out: list[str] = []
    current = ""
    size = 0
    limit = 75
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            out.append(current)
            current, size, limit = ch, n, 74  # continuation lines start with a space
        else:
            current += ch
            size += n
    out.append(current)
    return "\r\n ".join(out)


def _utc(moment: datetime, zone: str) -> str:
    """A naive local time in `zone` (or an aware one) as UTC basic format."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=ZoneInfo(zone))
    return aware.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def ics_event(
    *,
    uid: str,
    title: str,
    starts: datetime,
    ends: datetime,
    zone: str,
    stamp: datetime,
    place: str | None = None,
    description: str | None = None,
) -> str:
    """One VEVENT in a VCALENDAR, CRLF line ends. `starts` and `ends` are
    local times in `zone` (naive) or aware datetimes; `stamp` is when the
    file is made (DTSTAMP)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{_escape(uid)}",
        f"DTSTAMP:{_utc(stamp, 'UTC')}",
        f"DTSTART:{_utc(starts, zone)}",
        f"DTEND:{_utc(ends, zone)}",
        f"SUMMARY:{_escape(title)}",
    ]
    if place:
        lines.append(f"LOCATION:{_escape(place)}")
    if description:
        lines.append(f"DESCRIPTION:{_escape(description)}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(_fold(line) + "\r\n" for line in lines)
