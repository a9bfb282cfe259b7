"""The calendar file: RFC 5545 text, times in UTC with Z."""

from __future__ import annotations

from datetime import UTC, datetime

from components.ics import ics_event


def test_event_in_utc_with_crlf_and_escaping() -> None:
    text = ics_event(
        uid="event-7@heartbeat",
        title="Circle; listening, together",
        starts=datetime(2026, 12, 10, 18, 0),
        ends=datetime(2026, 12, 10, 20, 0),
        zone="America/Toronto",
        stamp=datetime(2026, 12, 6, 4, 45, tzinfo=UTC),
        place="Library\nroom 2",
    )
    assert text == (
        "BEGIN:VCALENDAR\r\n"
        "VERSION:2.0\r\n"
        "PRODID:-//Heartbeat//Empathy Movement//EN\r\n"
        "CALSCALE:GREGORIAN\r\n"
        "METHOD:PUBLISH\r\n"
        "BEGIN:VEVENT\r\n"
        "UID:event-7@heartbeat\r\n"
        "DTSTAMP:20261206T044500Z\r\n"
        "DTSTART:20261210T230000Z\r\n"
        "DTEND:20261211T010000Z\r\n"
        "SUMMARY:Circle\\; listening\\, together\r\n"
        "LOCATION:Library\\nroom 2\r\n"
        "END:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    )


def test_summer_time_and_long_lines_are_folded() -> None:
    text = ics_event(
        uid="shift-1@heartbeat",
        title="é" * 60,
        starts=datetime(2026, 7, 1, 9, 0),
        ends=datetime(2026, 7, 1, 10, 0),
        zone="America/Toronto",
        stamp=datetime(2026, 6, 1, tzinfo=UTC),
    )
    assert "DTSTART:20260701T130000Z\r\n" in text
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
    unfolded = text.replace("\r\n ", "")
    assert f"SUMMARY:{'é' * 60}\r\n" in unfolded
