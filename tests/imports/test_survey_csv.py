"""A form tool's survey export read and checked without a database: the
columns guessed from the statements' wording, answers on either number
scale or in words, dates in the file's order, and every bad cell reported
with its spreadsheet row."""

from __future__ import annotations

import codecs
from datetime import date
from typing import Any

import pytest

from imports.survey_csv import (
    MAX_IMPORT_BYTES,
    parse_answer,
    read_csv_export,
    suggest_mapping,
    validate_import,
)
from imports.text import UnreadableFile
from models.surveys import PRACTICE_QUESTION, TEQ_ITEMS, ImportMapping

# A Google Forms export: the header holds the statements' wording. Row 2 uses
# the 1-5 numbers, rows 3 and 4 the words.
A_NUMBERS = [5, 1, 5, 2, 4, 4, 1, 5, 4, 2, 1, 1, 5, 1, 2, 5]
B_WORDS = ["Sometimes"] * 16
REVERSED = {2, 4, 7, 10, 11, 12, 14, 15}
C_WORDS = ["Rarely" if i in REVERSED else "Often" for i in range(1, 17)]


def _csv(rows: list[list[str]]) -> bytes:
    def q(cell: str) -> str:
        return '"' + cell.replace('"', '""') + '"'

    header = ["Timestamp", "Participant code", *TEQ_ITEMS, PRACTICE_QUESTION]
    lines = [",".join(q(c) for c in header)] + [",".join(q(c) for c in r) for r in rows]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


GOOD = _csv(
    [
        ["2025/03/14 10:22:01", "p-001", *map(str, A_NUMBERS), "Daily"],
        ["2025/03/14 10:25:40", "p-002", *B_WORDS, "About once a month"],
        ["2025/03/15 09:01:13", "p-003", *C_WORDS, ""],
    ]
)

# Rows 3, 4 and 5 of a file with these rows have problems.
BAD_ROWS = [
    ["2025/03/14 10:22:01", "p-001", *map(str, A_NUMBERS), "Daily"],
    ["2025/03/14 10:25:40", "", *B_WORDS, "Maybe"],
    ["2025/03/15 09:01:13", "p-001", *C_WORDS, ""],
    ["yesterday", "p-004", "6", *C_WORDS[1:], ""],
]


def mapping_for(headers: tuple[str, ...], **fixed: Any) -> ImportMapping:
    """The guessed mapping, for the pre survey of program 1 in chapter 1
    unless `fixed` says otherwise."""
    guess = suggest_mapping(headers)
    return ImportMapping.model_validate(
        {**guess, "wave_column": None, "wave": "pre", "chapter_id": 1, "program_id": 1, **fixed}
    )


def test_mapping_is_guessed_from_the_statements_wording() -> None:
    export = read_csv_export(GOOD)
    guess = suggest_mapping(export.headers)
    assert guess["item_columns"] == list(TEQ_ITEMS)
    assert (guess["code_column"], guess["date_column"], guess["practice_column"]) == (
        "Participant code",
        "Timestamp",
        PRACTICE_QUESTION,
    )


def test_mapping_is_guessed_from_short_column_names() -> None:
    headers = ("Respondent code", "Wave", "Submitted at", *(f"TEQ_{i}" for i in range(1, 17)))
    guess = suggest_mapping(headers)
    assert guess["item_columns"] == [f"TEQ_{i}" for i in range(1, 17)]
    assert (guess["code_column"], guess["wave_column"], guess["date_column"]) == (
        "Respondent code",
        "Wave",
        "Submitted at",
    )
    assert guess["practice_column"] is None
    assert suggest_mapping(("q01", "Item 2", "question3"))["item_columns"][:4] == [
        "q01",
        "Item 2",
        "question3",
        None,
    ]


def test_answers_on_each_scale_and_in_words() -> None:
    assert [parse_answer(x, "1-5") for x in ("1", "5", "Never", " always ", "3.0")] == [0, 4, 0, 4, 2]
    assert [parse_answer(x, "0-4") for x in ("0", "4", "Often")] == [0, 4, 3]
    with pytest.raises(ValueError, match="outside the 1-5 scale"):
        parse_answer("0", "1-5")
    with pytest.raises(ValueError, match="outside the 0-4 scale"):
        parse_answer("5", "0-4")
    with pytest.raises(ValueError, match="not one of"):
        parse_answer("Maybe", "1-5")


def test_the_whole_file_reads_answers_on_the_0_to_4_scale() -> None:
    export = read_csv_export(_csv([["2025-03-14", "p-001", *(str(a - 1) for a in A_NUMBERS), ""]]))
    report = validate_import(export, mapping_for(export.headers, numeric_scale="0-4"))
    assert report.errors == ()
    (response,) = report.responses
    assert response.answers == tuple(a - 1 for a in A_NUMBERS)


@pytest.mark.parametrize(
    ("day_first", "cells", "days"),
    [
        (True, ["14/03/2025", "03/04/2025 09:30"], [date(2025, 3, 14), date(2025, 4, 3)]),
        (False, ["3/14/2025 10:22:01", "03/04/2025"], [date(2025, 3, 14), date(2025, 3, 4)]),
        (False, ["2025/03/14 10:22:01", "2025-03-14T10:22:01Z"], [date(2025, 3, 14)] * 2),
    ],
)
def test_dates_in_the_order_the_file_writes_them(day_first: bool, cells: list[str], days: list[date]) -> None:
    rows = [[cell, f"p-00{i}", *B_WORDS, ""] for i, cell in enumerate(cells, start=1)]
    export = read_csv_export(_csv(rows))
    report = validate_import(export, mapping_for(export.headers, day_first=day_first))
    assert report.errors == ()
    assert [r.answered_on for r in report.responses] == days


def test_every_bad_cell_is_reported_with_its_row() -> None:
    export = read_csv_export(_csv([*BAD_ROWS, ["14/03/2025", "p 5", *B_WORDS, ""]]))
    report = validate_import(export, mapping_for(export.headers))
    assert report.rows_read == 5 and not report.ok
    assert [(e.row, e.message) for e in report.errors] == [
        (3, "no participant code"),
        (
            3,
            "practice 'Maybe': expected one of Never, Less than once a month, About once a month, "
            "About once a week, Several times a week, Every day",
        ),
        (4, "participant code 'p-001' already answered this survey in row 2"),
        (
            5,
            "statement 1 (When someone else is feeling excited, I tend to get excited too.): "
            "'6' is outside the 1-5 scale",
        ),
        (5, "date: 'yesterday' is not a date like 2025-03-14"),
        (6, "participant code 'p 5': use 3 to 64 letters, digits, - or _"),
        # Month first, as the mapping says: there is no 14th month.
        (6, "date: '14/03/2025' is not a date like 2025-03-14"),
    ]


def test_a_wave_column_and_the_models_own_checks() -> None:
    text = "code,wave,date," + ",".join(f"q{i}" for i in range(1, 17)) + "\n"
    text += "p-001,Follow-up,2025-03-14," + ",".join(["3"] * 16) + "\n"
    text += "p-002,later,2025-03-14," + ",".join(["3"] * 16) + "\n"
    text += "p-003,pre,1999-12-31," + ",".join(["3"] * 16) + "\n"
    export = read_csv_export(text.encode())
    report = validate_import(export, mapping_for(export.headers, wave_column="wave", wave=None))
    assert [r.wave for r in report.responses] == ["follow_up"]
    assert [(e.row, e.message) for e in report.errors] == [
        (3, "survey 'later': expected pre, post or follow-up"),
        (4, "Answered on: please give a date in 2000 or later"),
    ]


def test_a_mapped_column_missing_from_the_file_is_refused() -> None:
    export = read_csv_export(GOOD)
    mapping = mapping_for(export.headers, wave_column="Wave", wave=None)
    with pytest.raises(UnreadableFile, match="no column 'Wave'"):
        validate_import(export, mapping)


def test_unreadable_files() -> None:
    with pytest.raises(UnreadableFile, match="empty"):
        read_csv_export(b"  \n")
    with pytest.raises(UnreadableFile, match="no answers"):
        read_csv_export(b"a,b,c\n")
    with pytest.raises(UnreadableFile, match="binary data"):
        read_csv_export(b"PK\x03\x04\x00\x00a,b\n")
    with pytest.raises(UnreadableFile, match="larger than 5 MB"):
        read_csv_export(b"a\n" + b"x\n" * (MAX_IMPORT_BYTES // 2))
    semicolons = read_csv_export(b"code;q1\nabc;3\n")
    assert semicolons.headers == ("code", "q1") and semicolons.rows == (("abc", "3"),)
    assert read_csv_export(b"x,x\n1,2\n").headers == ("x", "x (2)")
    # Short rows are padded, blank lines skipped but counted in the row numbers.
    export = read_csv_export(b"a,b\n1\n\n3,4\n")
    assert export.rows == (("1", ""), ("3", "4")) and export.lines == (2, 4)


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: codecs.BOM_UTF16_LE + text.replace(",", "\t").encode("utf-16-le"),
        lambda text: text.replace(",", "\t").encode("utf-16-be"),
        lambda text: text.encode("latin-1"),
        lambda text: text.encode("cp1252"),
    ],
    ids=["utf-16-le tabs", "utf-16-be no bom", "latin-1", "windows-1252"],
)
def test_spreadsheet_encodings(encode: Any) -> None:
    text = "Participant code,Date," + ",".join(f"Q{i}" for i in range(1, 17)) + ",Practice\n"
    text += "zoé-01,14/03/2025," + ",".join(["4"] * 16) + ",Every day\n"
    export = read_csv_export(encode(text))
    assert export.rows[0][0] == "zoé-01"
    report = validate_import(export, mapping_for(export.headers, day_first=True))
    # The code keeps its accent, which a participant code may not hold.
    assert [(e.row, e.message) for e in report.errors] == [
        (2, "participant code 'zoé-01': use 3 to 64 letters, digits, - or _")
    ]
    fixed = read_csv_export(encode(text.replace("zoé-01", "zoe-01")))
    (response,) = validate_import(fixed, mapping_for(fixed.headers, day_first=True)).responses
    assert (response.answered_on, response.practice, response.answers) == (
        date(2025, 3, 14),
        "daily",
        (3,) * 16,
    )
