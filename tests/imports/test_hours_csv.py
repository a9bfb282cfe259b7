"""An hours file read and validated without a database: any bytes give rows
or problems with their lines, never a crash."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imports.hours_csv import MAX_IMPORT_BYTES, parse_hours_csv, too_big

HEADER = "member_email,worked_on,minutes,activity,event_id,program_id,note\n"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400) | st.text(max_size=400).map(lambda t: (HEADER + t).encode()))
def test_parsing_any_bytes_never_crashes_and_reports_lines(data: bytes) -> None:
    parsed, errors, rows = parse_hours_csv(data)
    assert all(e.row >= 0 for e in errors)
    assert len(parsed) <= rows
    assert {p.line for p in parsed}.isdisjoint({e.row for e in errors if e.row > 1})


def test_a_repeated_row_is_reported_against_the_first() -> None:
    line = "vera@example.org,2026-11-02,90,outreach,,,Market stall\n"
    parsed, errors, rows = parse_hours_csv((HEADER + line + line).encode(), today=date(2026, 12, 5))
    assert rows == 2 and [p.line for p in parsed] == [2]
    assert [(e.row, e.message) for e in errors] == [(3, "The same entry as row 2.")]


def test_a_file_too_big_is_refused_by_its_size() -> None:
    report = too_big(MAX_IMPORT_BYTES + 1, dry_run=True)
    assert report.dry_run and not report.ok and report.errors[0].row == 0
    assert "the limit is 2 MB" in report.errors[0].message
