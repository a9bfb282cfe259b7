"""Empathy surveys: handing answers in (anonymously where chosen) and
importing a form tool's CSV export, scored by metrics.impact."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

from db.errors import InvalidDataError
from db.surveys import import_responses, list_responses, my_codes, submit_response
from imports.survey_csv import read_csv_export, validate_import
from metrics.impact import teq_scores
from models.surveys import ImportMapping, SurveyResponseIn
from tests.imports.test_survey_csv import B_WORDS, BAD_ROWS, GOOD, _csv, mapping_for
from tests.operations.conftest import Movement, circles_at_work


def _program(movement: Movement) -> int:
    return circles_at_work(movement, date(2025, 1, 1))


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


def _mapping(movement: Movement, program: int, headers: tuple[str, ...]) -> ImportMapping:
    return mapping_for(headers, chapter_id=movement.toronto, program_id=program)


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
    export = read_csv_export(_csv(BAD_ROWS))
    mapping = _mapping(movement, program, export.headers)
    report = import_responses(movement.coordinator.identity, export, mapping)
    assert report.inserted == 0
    # Every row's problems, as the check without the database lists them
    # (tests/imports/test_survey_csv.py reads them one by one).
    assert [e.row for e in report.errors] == [3, 3, 4, 5, 5]
    assert report.errors == validate_import(export, mapping).errors
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
