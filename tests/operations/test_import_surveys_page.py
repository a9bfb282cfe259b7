"""The survey import page through AppTest: mapping guessed from the
statements' wording, a check, an import with hand-computed TEQ scores, and
a file with errors that writes nothing."""

from __future__ import annotations

from datetime import date

from streamlit.testing.v1 import AppTest

from db.config import PROJECT_ROOT
from db.programs import create_program
from db.surveys import list_responses
from models.programs import ProgramIn
from models.surveys import TEQ_ITEMS
from tests.imports.test_survey_csv import A_NUMBERS, B_WORDS, GOOD, _csv
from tests.operations.conftest import Movement

PAGE = str(PROJECT_ROOT / "pages" / "import_surveys.py")


def _program(movement: Movement, chapter_id: int) -> int:
    return create_program(
        movement.admin.identity,
        ProgramIn(
            name=f"Circles {chapter_id}",
            kind="empathy_circles",
            audience="workplace",
            chapter_id=chapter_id,
            started_on=date.today(),
        ),
    )


def _page(movement: Movement, who: str = "coordinator") -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.session_state["signed_in"] = getattr(movement, who)
    return at.run()


def _with_file(movement: Movement, data: bytes, **choices: str) -> tuple[int, AppTest]:
    """A Toronto program, and the page with it chosen, these other select
    boxes set (key to value) and the file uploaded."""
    program = _program(movement, movement.toronto)
    at = _page(movement)
    at.selectbox(key="import_target").set_value(("program", program))
    for key, value in choices.items():
        at.selectbox(key=key).set_value(value)
    at.file_uploader(key="import_file").set_value(("responses.csv", data, "text/csv"))
    at.run()
    return program, at


def test_only_programs_of_the_coordinators_chapters_are_offered(movement: Movement) -> None:
    _program(movement, movement.toronto)
    _program(movement, movement.montreal)
    at = _page(movement)
    assert not at.exception
    assert at.selectbox(key="import_target").options == [f"Program: Circles {movement.toronto} — Toronto"]


def test_check_then_import_shows_the_teq_scores(movement: Movement) -> None:
    program, at = _with_file(movement, GOOD)
    assert at.selectbox(key="import_item_01").value == TEQ_ITEMS[0]
    assert at.selectbox(key="import_code_col").value == "Participant code"
    at.button(key="import_check").click().run()
    assert [i.value for i in at.info] == ["All 3 rows are fine. Press Import to store them."]
    assert list_responses(movement.admin.identity).is_empty()
    at.button(key="import_run").click().run()
    assert [s.value for s in at.success] == ["3 answers are imported."]
    table = at.dataframe[1].value
    # Computed by hand in tests/operations/test_surveys_db.py: 58, 32, 48.
    assert dict(zip(table["Code"], table["TEQ score (0–64)"], strict=True)) == {
        "p-001": 58,
        "p-002": 32,
        "p-003": 48,
    }
    assert len(list_responses(movement.admin.identity, program_id=program)) == 3


def test_a_file_with_errors_imports_nothing(movement: Movement) -> None:
    bad = _csv(
        [
            ["2025/03/14 10:22:01", "p-001", *map(str, A_NUMBERS), "Daily"],
            ["2025/03/14 10:25:40", "p 2", *B_WORDS, ""],
        ]
    )
    _, at = _with_file(movement, bad)
    at.button(key="import_run").click().run()
    assert [e.value for e in at.error] == ["Nothing was imported: 1 of 2 rows need correcting."]
    errors = at.dataframe[1].value
    assert errors.to_dict("records") == [
        {"Row": 3, "Problem": "participant code 'p 2': use 3 to 64 letters, digits, - or _"}
    ]
    assert list_responses(movement.admin.identity).is_empty()


def test_missing_mapping_and_wave_column(movement: Movement) -> None:
    _, at = _with_file(movement, GOOD, import_wave="from_column")
    # The file has no survey column: nothing to pick, so the mapping is incomplete.
    assert at.selectbox(key="import_wave_col").value is None
    at.button(key="import_check").click().run()
    assert [e.value for e in at.error] == [
        "Choose a survey (pre, post, follow-up) or the column that says it."
    ]


def test_stored_answers_tab_lists_codes_and_scores(movement: Movement) -> None:
    program, at = _with_file(movement, GOOD)
    at.button(key="import_run").click().run()
    at.selectbox(key="stored_target").set_value(("program", program)).run()
    table = at.dataframe[-1].value
    assert sorted(table["Code"]) == ["p-001", "p-002", "p-003"]
    assert sorted(table["TEQ score (0–64)"]) == [32, 48, 58]
