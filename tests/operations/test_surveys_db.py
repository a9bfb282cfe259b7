"""Empathy surveys: handing answers in (anonymously where chosen) and
importing a form tool's CSV export, scored by metrics.impact."""

from __future__ import annotations

from datetime import date

import polars as pl
import psycopg
import pytest

from db.errors import InvalidDataError
from db.models.programs import ProgramIn
from db.models.surveys import PRACTICE_QUESTION, TEQ_ITEMS, ImportMapping, SurveyResponseIn
from db.programs import create_program
from db.surveys import (
    import_responses,
    list_responses,
    my_codes,
    parse_answer,
    parse_date,
    read_csv_export,
    submit_response,
    suggest_mapping,
)
from metrics.impact import teq_scores
from tests.operations.conftest import Movement


def _program(movement: Movement) -> int:
    return create_program(
        movement.admin.identity,
        ProgramIn(
            name="Circles at work",
            kind="empathy_circles",
            audience="workplace",
            chapter_id=movement.toronto,
            started_on=date(2025, 1, 1),
        ),
    )


def _response(
    movement: Movement, program: int, code: str, *, anonymous: bool, wave: str = "pre"
) -> SurveyResponseIn:
    return SurveyResponseIn.model_validate(
        {
            "respondent_code": code,
            "wave": wave,
            "chapter_id": movement.toronto,
            "program_id": program,
            "answered_on": date(2025, 3, 1),
            "answers": (2,) * 16,
            "practice": "weekly",
            "anonymous": anonymous,
            "member_id": movement.volunteer.member_id,
        }
    )


def test_named_and_anonymous_answers(movement: Movement) -> None:
    program = _program(movement)
    vol = movement.volunteer.identity
    submit_response(vol, _response(movement, program, "lily-07", anonymous=False))
    submit_response(vol, _response(movement, program, "anon-99", anonymous=True))
    with psycopg.connect(movement.uri) as conn:
        rows = conn.execute(
            "select respondent_code, user_id is not null, member_id from public.survey_responses order by id"
        ).fetchall()
    # The anonymous answer keeps neither the account nor the member.
    assert rows == [("lily-07", True, movement.volunteer.member_id), ("anon-99", False, None)]
    # The participant sees (and is offered again) only their named code.
    assert my_codes(vol) == ["lily-07"]
    assert list_responses(vol)["respondent_code"].to_list() == ["lily-07"]
    # The chapter's coordinator sees both, by code only.
    seen = list_responses(movement.coordinator.identity)
    assert sorted(seen["respondent_code"].to_list()) == ["anon-99", "lily-07"]
    assert "member_id" not in seen.columns and "user_id" not in seen.columns
    with pytest.raises(InvalidDataError, match="already handed in"):
        submit_response(vol, _response(movement, program, "lily-07", anonymous=False))
    submit_response(vol, _response(movement, program, "lily-07", anonymous=False, wave="post"))


def test_answers_must_be_linked_and_complete() -> None:
    base = {
        "respondent_code": "abc",
        "wave": "pre",
        "chapter_id": 1,
        "answered_on": date(2025, 3, 1),
        "answers": (1,) * 16,
    }
    with pytest.raises(ValueError, match="program or event"):
        SurveyResponseIn.model_validate(base)
    with pytest.raises(ValueError, match="16 statements"):
        SurveyResponseIn.model_validate({**base, "program_id": 1, "answers": (1,) * 15})
    with pytest.raises(ValueError, match="no spaces"):
        SurveyResponseIn.model_validate({**base, "program_id": 1, "respondent_code": "Jane Doe"})


def test_answer_and_date_parsing() -> None:
    assert [parse_answer(x, "1-5") for x in ("1", "5", "Never", " always ", "3.0")] == [0, 4, 0, 4, 2]
    assert [parse_answer(x, "0-4") for x in ("0", "4")] == [0, 4]
    with pytest.raises(ValueError, match="outside"):
        parse_answer("0", "1-5")
    with pytest.raises(ValueError, match="not one of"):
        parse_answer("Maybe", "1-5")
    assert parse_date("2025/03/14 10:22:01", day_first=False) == date(2025, 3, 14)
    assert parse_date("3/14/2025 10:22:01", day_first=False) == date(2025, 3, 14)
    assert parse_date("14/03/2025", day_first=True) == date(2025, 3, 14)
    assert parse_date("2025-03-14T10:22:01Z", day_first=False) == date(2025, 3, 14)


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


def _mapping(movement: Movement, program: int, headers: tuple[str, ...]) -> ImportMapping:
    guess = suggest_mapping(headers)
    return ImportMapping.model_validate(
        {**guess, "wave_column": None, "wave": "pre", "chapter_id": movement.toronto, "program_id": program}
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


def test_import_with_reversed_items_gives_the_hand_computed_teq_scores(movement: Movement) -> None:
    program = _program(movement)
    export = read_csv_export(GOOD)
    report = import_responses(
        movement.coordinator.identity, export, _mapping(movement, program, export.headers)
    )
    assert report.errors == ()
    assert (report.rows_read, report.inserted) == (3, 3)
    stored = list_responses(movement.coordinator.identity, program_id=program)
    scores = dict(teq_scores(stored).select("respondent_code", "teq").collect().iter_rows())
    # By hand, on the 0-4 scale (Never = 0 … Always = 4), reversed items
    # (2, 4, 7, 10, 11, 12, 14, 15) counted as 4 − x:
    # p-001: numbers 1-5 minus 1 → 4 0 4 1 3 3 0 4 3 1 0 0 4 0 1 4.
    #   forward items 1 3 5 6 8 9 13 16: 4+4+3+3+4+3+4+4 = 29
    #   reversed items: answers 0 1 0 1 0 0 0 1 → 4 3 4 3 4 4 4 3 = 29   → 58
    # p-002: all Sometimes (2): forward 8·2 = 16, reversed 8·(4−2) = 16 → 32
    # p-003: forward Often (3): 8·3 = 24, reversed Rarely (1): 8·(4−1) = 24 → 48
    assert scores == {"p-001": 58, "p-002": 32, "p-003": 48}
    practice = dict(stored.select("respondent_code", "practice").iter_rows())
    assert practice == {"p-001": "daily", "p-002": "monthly", "p-003": None}
    assert stored["answered_on"].to_list() == [date(2025, 3, 15), date(2025, 3, 14), date(2025, 3, 14)]
    assert stored["anonymous"].all()


def test_a_bad_file_writes_nothing_and_reports_every_row(movement: Movement) -> None:
    program = _program(movement)
    bad = _csv(
        [
            ["2025/03/14 10:22:01", "p-001", *map(str, A_NUMBERS), "Daily"],
            ["2025/03/14 10:25:40", "", *B_WORDS, "Maybe"],
            ["2025/03/15 09:01:13", "p-001", *C_WORDS, ""],
            ["yesterday", "p-004", "6", *C_WORDS[1:], ""],
        ]
    )
    export = read_csv_export(bad)
    report = import_responses(
        movement.coordinator.identity, export, _mapping(movement, program, export.headers)
    )
    assert report.inserted == 0
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
    ]
    assert list_responses(movement.admin.identity).is_empty()


def test_rows_the_database_refuses_roll_back_the_whole_file(movement: Movement) -> None:
    program = _program(movement)
    first = read_csv_export(_csv([["2025/03/14 10:22:01", "p-002", *B_WORDS, ""]]))
    mapping = _mapping(movement, program, first.headers)
    assert import_responses(movement.coordinator.identity, first, mapping).inserted == 1
    again = read_csv_export(GOOD)
    report = import_responses(movement.coordinator.identity, again, mapping)
    assert report.inserted == 0
    assert [(e.row, e.message) for e in report.errors] == [
        (3, "this participant code already has answers for this survey and program or event")
    ]
    assert list_responses(movement.admin.identity)["respondent_code"].to_list() == ["p-002"]


def test_coordinator_cannot_import_into_another_region(movement: Movement) -> None:
    program = _program(movement)
    export = read_csv_export(GOOD)
    mapping = _mapping(movement, program, export.headers).model_copy(update={"chapter_id": movement.montreal})
    from db.errors import NotAllowedError

    with pytest.raises(NotAllowedError, match="chapters you coordinate"):
        import_responses(movement.coordinator.identity, export, mapping)
    assert list_responses(movement.admin.identity).is_empty()


def test_unreadable_files() -> None:
    with pytest.raises(InvalidDataError, match="empty"):
        read_csv_export(b"  \n")
    with pytest.raises(InvalidDataError, match="no answers"):
        read_csv_export(b"a,b,c\n")
    # Windows-1252, as the other imports read it (imports.text).
    assert read_csv_export("a,b\n\xe9,1\n".encode("cp1252")).rows == (("\xe9", "1"),)
    with pytest.raises(InvalidDataError, match="binary data"):
        read_csv_export(b"PK\x03\x04\x00\x00a,b\n")
    semicolons = read_csv_export(b"code;q1\nabc;3\n")
    assert semicolons.headers == ("code", "q1") and semicolons.rows == (("abc", "3"),)
    assert pl.Series(read_csv_export(b"x,x\n1,2\n").headers).to_list() == ["x", "x (2)"]
