"""Importing hours from CSV: all or nothing, with every bad row reported.
Malformed, duplicated and hostile files change nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from db import hours
from db.hours_import import import_hours_csv
from imports.hours_csv import MAX_IMPORT_ROWS, ImportReport
from models.hours import MSG_FORMULA
from tests.volunteer.conftest import World, count

YESTERDAY = date.today() - timedelta(days=1)
D = YESTERDAY.isoformat()
D2 = (YESTERDAY - timedelta(days=1)).isoformat()
HEADER = "member_email,worked_on,minutes,activity,event_id,program_id,note\n"


def rows_in(world: World) -> int:
    return count(world.uri, "select count(*) from public.volunteer_hours")


def good_file(world: World) -> bytes:
    return (
        HEADER
        + f"vera@example.org,{D},90,outreach,,,Market stall\n"
        + f"VICTOR@example.org,{D},120,Event support,{world.past_event},,\n"
        + f'vera@example.org,{D2},30,mentoring,,{world.program},"Call with Sam, new volunteer"\n'
    ).encode()


def problems(report: ImportReport) -> list[tuple[int, str]]:
    return [(e.row, e.message) for e in report.errors]


def test_a_good_file_imports_every_row_as_approved(world: World) -> None:
    report = import_hours_csv(world.coordinator.identity, good_file(world), approve=True)
    assert report.ok and (report.rows, report.imported) == (3, 3)
    assert count(world.uri, "select count(*) from public.volunteer_hours where status = 'approved'") == 3
    assert count(world.uri, "select count(*) from public.volunteer_hours where reviewed_by is not null") == 3
    vera = hours.my_hours(world.volunteer.identity).sort("worked_on")
    assert vera.select("minutes", "activity", "program_name", "note").rows() == [
        (30, "mentoring", "Circles in schools", "Call with Sam, new volunteer"),
        (90, "outreach", None, "Market stall"),
    ]


def test_importing_the_same_file_again_changes_nothing_and_names_every_row(world: World) -> None:
    assert import_hours_csv(world.coordinator.identity, good_file(world), approve=False).ok
    again = import_hours_csv(world.coordinator.identity, good_file(world), approve=False)
    assert not again.ok and again.imported == 0
    assert [e.row for e in again.errors] == [2, 3, 4]
    assert all(e.message.startswith("Already recorded") for e in again.errors)
    assert rows_in(world) == 3


def test_a_dry_run_checks_everything_and_stores_nothing(world: World) -> None:
    report = import_hours_csv(world.coordinator.identity, good_file(world), approve=True, dry_run=True)
    assert report.ok and report.dry_run and report.imported == 3
    assert rows_in(world) == 0


def test_decimal_hours_and_semicolons_as_excel_writes_them(world: World) -> None:
    data = f"member_email;worked_on;hours;activity\nvera@example.org;{D};1.5;training\n".encode("cp1252")
    report = import_hours_csv(world.coordinator.identity, data, approve=False)
    assert report.ok, report.errors
    assert count(world.uri, "select minutes from public.volunteer_hours") == 90


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"email,date,minutes,activity\nvera@example.org,2026-01-01,60,training\n", "Unknown column 'email'"),
        (b"member_email,minutes,activity\n", "The column 'worked_on' is missing"),
        (b"member_email,worked_on,activity\n", "exactly one column: 'minutes' or 'hours'"),
        (b"member_email,worked_on,minutes,hours,activity\n", "exactly one column: 'minutes' or 'hours'"),
        (b"member_email,worked_on,minutes,minutes,activity\n", "appears more than once"),
        (b"", "The file is empty"),
        (b"member_email,worked_on,minutes,activity\n", "a header but no rows"),
        (b"\x00\x01PK\x03\x04binary", "not a CSV text file"),
    ],
)
def test_wrong_columns_and_empty_files_are_refused_whole(world: World, data: bytes, expected: str) -> None:
    report = import_hours_csv(world.coordinator.identity, data, approve=True)
    assert not report.ok and report.imported == 0
    assert any(expected in e.message for e in report.errors), problems(report)
    assert rows_in(world) == 0


def test_every_bad_row_is_reported_and_nothing_is_stored(world: World) -> None:
    future = (date.today() + timedelta(days=3)).isoformat()
    data = (
        HEADER
        + f"vera@example.org,{D},60,outreach,,,fine on its own\n"  # 2: good
        + "vera@example.org,14/03/2026,60,outreach,,,\n"  # 3: date format
        + "vera@example.org,2026-02-30,60,outreach,,,\n"  # 4: no such day
        + f"vera@example.org,{future},60,outreach,,,\n"  # 5: future
        + f"vera@example.org,{D},0,outreach,,,\n"  # 6: zero duration
        + f"vera@example.org,{D},ninety,outreach,,,\n"  # 7: not a number
        + f"vera@example.org,{D},60,juggling,,,\n"  # 8: unknown activity
        + f'vera@example.org,{D},60,outreach,,,"=HYPERLINK(""http://x.example"",""go"")"\n'  # 9
        + f"@SUM(A1),{D},60,outreach,,,\n"  # 10: formula in the email
        + f"nobody@example.org,{D},60,outreach,,,\n"  # 11: unknown member
        + f"otto@example.org,{D},60,outreach,,,\n"  # 12: member of another chapter
        + f"vera@example.org,{D},60,outreach,,,fine on its own\n"  # 13: duplicate of 2
        + f"vera@example.org,{D},60,outreach\n"  # 14: too few cells
        + f"victor@example.org,{D2},800,training,,,\n"  # 15: good alone
        + f"victor@example.org,{D2},700,facilitation,,,\n"  # 16: 25 h that day with 15
        + "victor@example.org,2019-06-01,60,training,,,\n"  # 17: before joining
        + f"victor@example.org,{D},60,training,999999,,\n"  # 18: no such event
        + f"victor@example.org,{D},-30,training,,,\n"  # 19: negative
    ).encode()
    report = import_hours_csv(world.coordinator.identity, data, approve=True)
    assert report.imported == 0 and rows_in(world) == 0
    by_row: dict[int, list[str]] = {}
    for e in report.errors:
        by_row.setdefault(e.row, []).append(e.message)
    assert sorted(by_row) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 17, 18, 19]
    assert report.bad_rows == 16 and report.rows == 18
    assert "YYYY-MM-DD" in by_row[3][0]
    assert by_row[4] == ["This date does not exist."]
    assert by_row[5] == ["The date cannot be in the future."]
    assert by_row[6] == ["The duration must be above zero."]
    assert "whole number" in by_row[7][0]
    assert "activity must be known" in by_row[8][0]
    assert by_row[9] == [MSG_FORMULA]
    assert "Formula cells are refused" in by_row[10][0]
    assert "No member with this email" in by_row[11][0]
    assert "No member with this email" in by_row[12][0]
    assert by_row[13] == ["The same entry as row 2."]
    assert "has 4 cells; the header has 7" in by_row[14][0]
    assert by_row[16][0].startswith("No more than 24 hours in a day across all entries.")
    assert "before this member joined" in by_row[17][0]
    assert by_row[18] == ["No such event."]
    assert by_row[19] == ["The duration must be above zero."]
    frame = report.errors_frame()
    assert frame.columns == ["row", "column", "value", "problem"] and frame.height == len(report.errors)
    # The downloadable report never carries a live formula back to a spreadsheet.
    text = report.errors_csv().decode()
    assert "'=HYPERLINK" in text and "'@SUM(A1)" in text
    assert ",=HYPERLINK" not in text and ',"=HYPERLINK' not in text


def test_a_huge_file_is_refused_before_reading_it(world: World) -> None:
    line = f"vera@example.org,{D},1,outreach,,,{'x' * 200}\n".encode()
    data = HEADER.encode() + line * (3 * 1024 * 1024 // len(line))
    report = import_hours_csv(world.coordinator.identity, data, approve=True)
    assert [e.row for e in report.errors] == [0]
    assert "the limit is 2 MB" in report.errors[0].message
    assert rows_in(world) == 0


def test_too_many_rows_are_refused_whole(world: World) -> None:
    data = HEADER.encode() + f"vera@example.org,{D},1,outreach,,,\n".encode() * (MAX_IMPORT_ROWS + 1)
    report = import_hours_csv(world.coordinator.identity, data, approve=True)
    assert [e.row for e in report.errors] == [0] and "more than 10,000 rows" in report.errors[0].message
    assert rows_in(world) == 0


def test_a_volunteer_cannot_import_for_anyone(world: World) -> None:
    report = import_hours_csv(world.volunteer.identity, good_file(world), approve=True)
    assert report.imported == 0 and [e.row for e in report.errors] == [2, 3, 4]
    assert rows_in(world) == 0


def test_a_large_valid_file_imports_in_one_go(world: World) -> None:
    # 2,000 rows across two members and many days, all valid.
    lines = [HEADER]
    for i in range(2000):
        who = "vera" if i % 2 else "victor"
        day = (YESTERDAY - timedelta(days=i // 2)).isoformat()
        lines.append(f"{who}@example.org,{day},45,outreach,,,\n")
    report = import_hours_csv(world.coordinator.identity, "".join(lines).encode(), approve=False)
    assert report.ok and report.imported == 2000
    assert rows_in(world) == 2000
