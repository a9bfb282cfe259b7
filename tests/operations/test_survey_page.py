"""The participant's survey page through AppTest."""

from __future__ import annotations

from datetime import date, timedelta

from streamlit.testing.v1 import AppTest

from db import clock
from db.config import PROJECT_ROOT
from db.events import create_event
from db.programs import create_program
from models.events import EventIn
from models.programs import ProgramIn
from models.surveys import TEQ_ITEMS
from tests.conftest import rows_of
from tests.operations.conftest import Movement, circles_at_work

PAGE = str(PROJECT_ROOT / "pages" / "survey.py")


def _setup(movement: Movement) -> tuple[int, int]:
    program = circles_at_work(movement, date.today() - timedelta(days=30))
    start = clock.now_in("America/Toronto").replace(tzinfo=None, second=0, microsecond=0) - timedelta(days=1)
    event = create_event(
        movement.admin.identity,
        EventIn(
            chapter_id=movement.toronto,
            program_id=program,
            kind="empathy_circle",
            title="Circle one",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
        ),
    )
    return program, event


def _page(movement: Movement, who: str = "volunteer") -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.session_state["signed_in"] = getattr(movement, who)
    return at.run()


def _answer_all(at: AppTest, value: int) -> None:
    for i in range(1, 17):
        at.radio(key=f"survey_q{i:02d}").set_value(value)


def _stored(movement: Movement) -> list[tuple[object, ...]]:
    return rows_of(
        movement.uri,
        "select respondent_code, wave, chapter_id, program_id, event_id, anonymous, "
        "member_id is not null, user_id is not null, q01, q16, practice "
        "from public.survey_responses order by id",
    )


def test_the_questionnaire_has_the_sixteen_statements(movement: Movement) -> None:
    _setup(movement)
    at = _page(movement)
    assert not at.exception
    at.selectbox(key="survey_target").set_value(at.selectbox(key="survey_target").options[0]).run()
    labels = [at.radio(key=f"survey_q{i:02d}").label for i in range(1, 17)]
    assert labels == [f"{i}. {t}" for i, t in enumerate(TEQ_ITEMS, start=1)]
    assert at.radio(key="survey_q01").options == ["Never", "Rarely", "Sometimes", "Often", "Always"]
    assert at.radio(key="survey_q01").value is None


def test_hand_in_named_answers_about_an_event(movement: Movement) -> None:
    program, event = _setup(movement)
    at = _page(movement)
    assert at.selectbox(key="survey_target").options[0].startswith("Program: Circles at work")
    at.selectbox(key="survey_target").set_value(("event", event)).run()
    at.text_input(key="survey_code").set_value("lily-07")
    at.radio(key="survey_q05").set_value(3)
    at.button(key="survey_submit").click().run()
    assert [e.value for e in at.error] == [
        "Please answer every statement; still open: 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16"
    ]
    _answer_all(at, 3)
    at.radio(key="survey_practice").set_value("weekly")
    at.button(key="survey_submit").click().run()
    assert not at.error
    assert "Keep your code **lily-07**" in at.success[0].value
    assert _stored(movement) == [
        ("lily-07", "pre", movement.toronto, program, event, False, True, True, 3, 3, "weekly")
    ]
    # The next survey starts from a fresh form, with the code offered again.
    at.button(key="survey_again").click().run()
    assert at.text_input(key="survey_code").value == "lily-07"
    assert at.radio(key="survey_q01").value is None


def test_hand_in_anonymously_and_a_bad_code(movement: Movement) -> None:
    program, _ = _setup(movement)
    at = _page(movement)
    at.selectbox(key="survey_target").set_value(("program", program))
    at.radio(key="survey_wave").set_value("post").run()
    _answer_all(at, 1)
    at.text_input(key="survey_code").set_value("my name")
    at.checkbox(key="survey_anonymous").check()
    at.button(key="survey_submit").click().run()
    assert [e.value for e in at.error] == [
        "Participant code: use 3 to 64 letters, digits, - or _ (no spaces)."
    ]
    at.text_input(key="survey_code").set_value("otter-1234")
    at.button(key="survey_submit").click().run()
    assert "saved anonymously" in at.success[0].value
    assert _stored(movement) == [
        ("otter-1234", "post", movement.toronto, program, None, True, False, False, 1, 1, None)
    ]
    # Handing in the same survey again with that code is refused with a reason.
    at.button(key="survey_again").click().run()
    _answer_all(at, 2)
    at.text_input(key="survey_code").set_value("otter-1234")
    at.button(key="survey_submit").click().run()
    assert at.error[0].value.startswith("Answers with this participant code were already handed in")


def test_movement_wide_program_asks_where(movement: Movement) -> None:
    program = create_program(
        movement.admin.identity,
        ProgramIn(name="Empathy Week", kind="advocacy", audience="community", started_on=date.today()),
    )
    at = _page(movement, "board")
    at.selectbox(key="survey_target").set_value(("program", program)).run()
    _answer_all(at, 2)
    at.text_input(key="survey_code").set_value("board-01")
    at.button(key="survey_submit").click().run()
    assert [e.value for e in at.error] == ["Choose the chapter where you took part"]
    at.selectbox(key="survey_chapter").set_value(movement.ottawa).run()
    _answer_all(at, 2)
    at.button(key="survey_submit").click().run()
    assert not at.error
    assert _stored(movement)[0][:4] == ("board-01", "pre", movement.ottawa, program)
