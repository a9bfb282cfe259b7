"""The empathy survey a participant fills in: the Toronto Empathy
Questionnaire and the practice question, before, after or some weeks after
a program or event. Answers are paired by a participant code, never by
name, and can be handed in anonymously."""

from __future__ import annotations

import secrets

import polars as pl
import streamlit as st
from pydantic import ValidationError

from components.session import local_today, require_role
from db.chapters import list_chapters
from db.errors import InvalidDataError, NotAllowedError
from db.surveys import my_codes, submit_response, survey_targets
from models.chapters import error_messages
from models.surveys import (
    ANSWER_LABELS,
    CODE_HELP,
    PRACTICE_LABELS,
    PRACTICE_QUESTION,
    TEQ_INSTRUCTIONS,
    TEQ_ITEMS,
    WAVE_LABELS,
    SurveyResponseIn,
)

THANKS = "survey_thanks"
SUGGESTED = "survey_suggested_code"
_WORDS = (
    "leaf",
    "river",
    "stone",
    "cloud",
    "maple",
    "harbor",
    "lantern",
    "meadow",
    "otter",
    "pebble",
    "spruce",
)

user = require_role()
today = local_today()
st.title("Empathy survey")
if thanks := st.session_state.pop(THANKS, None):
    st.success(thanks, icon=":material/favorite:")
    # The answers are in: the next rerun (this button) offers a fresh form.
    st.button("Answer another survey", key="survey_again")
    st.stop()
st.markdown(
    "This short questionnaire helps the movement learn whether its programs change anything. It takes about "
    "five minutes. You answer it **before** a program or event, **right after** it, and sometimes "
    "**some weeks later**; your answers are paired by a **participant code** you choose, never by your name."
)

targets = survey_targets(user.identity)
if targets.is_empty():
    st.info("There is no program or event to answer about right now.")
    st.stop()
options = [(str(r["kind"]), int(r["id"])) for r in targets.iter_rows(named=True)]
rows = {(str(r["kind"]), int(r["id"])): r for r in targets.iter_rows(named=True)}

c1, c2 = st.columns([3, 2])
target = c1.selectbox(
    "What are your answers about?",
    options,
    format_func=lambda o: ("Event: " if o[0] == "event" else "Program: ") + str(rows[o]["label"]),
    index=None,
    placeholder="Choose the program or event",
    key="survey_target",
)
wave = c2.radio(
    "When are you answering?",
    list(WAVE_LABELS),
    format_func=lambda w: WAVE_LABELS[w],
    key="survey_wave",
)
if target is None:
    st.stop()

chosen = rows[target]
chapter_id: int | None = chosen["chapter_id"]
if chapter_id is None:
    # A movement-wide program: ask where the person took part.
    chapters = list_chapters(user.identity).filter(pl.col("status") == "active")
    chapter_id = st.selectbox(
        "Where did you take part?",
        chapters["id"].to_list(),
        format_func=lambda i: str(chapters.filter(id=i)["path"].item()),
        index=None,
        placeholder="Choose your chapter",
        key="survey_chapter",
    )

previous = my_codes(user.identity)
if SUGGESTED not in st.session_state:
    st.session_state[SUGGESTED] = f"{secrets.choice(_WORDS)}-{secrets.randbelow(9000) + 1000}"

with st.form("survey"):
    st.subheader("Your participant code")
    st.caption(
        CODE_HELP
        + (
            f" You used **{previous[0]}** before."
            if previous
            else f" No code yet? You could use **{st.session_state[SUGGESTED]}**: write it down."
        )
    )
    code = st.text_input(
        "Participant code", value=previous[0] if previous else "", key="survey_code", max_chars=64
    )
    anonymous = st.checkbox(
        "Hand in anonymously",
        value=False,
        key="survey_anonymous",
        help="Your answers are then stored without your name or account. Only your code pairs them: keep it.",
    )
    st.subheader("How often do you feel or act this way?")
    st.caption(TEQ_INSTRUCTIONS)
    answers = [
        st.radio(
            f"{i}. {item}",
            list(range(len(ANSWER_LABELS))),
            format_func=lambda v: ANSWER_LABELS[v],
            index=None,
            horizontal=True,
            key=f"survey_q{i:02d}",
        )
        for i, item in enumerate(TEQ_ITEMS, start=1)
    ]
    st.subheader("Practising empathy")
    practice = st.radio(
        PRACTICE_QUESTION,
        list(PRACTICE_LABELS),
        format_func=lambda v: PRACTICE_LABELS[v],
        index=None,
        key="survey_practice",
    )
    if st.form_submit_button("Hand in my answers", type="primary", key="survey_submit"):
        missing = [str(i) for i, a in enumerate(answers, start=1) if a is None]
        try:
            if missing:
                raise InvalidDataError(
                    f"please answer every statement; still open: {', '.join(missing)}"
                    if len(missing) < 16
                    else "please answer the statements"
                )
            if chapter_id is None:
                raise InvalidDataError("choose the chapter where you took part")
            response = SurveyResponseIn.model_validate(
                {
                    "respondent_code": code,
                    "wave": wave,
                    "chapter_id": chapter_id,
                    # An event's answers also count for the program it belongs to.
                    "program_id": chosen["program_id"],
                    "event_id": target[1] if target[0] == "event" else None,
                    "answered_on": today,
                    "answers": tuple(int(a) for a in answers if a is not None),
                    "practice": practice,
                    "anonymous": anonymous,
                    "member_id": None if anonymous else user.member_id,
                }
            )
            submit_response(user.identity, response)
        except ValidationError as exc:
            for message in error_messages(exc):
                st.error(message, icon=":material/error:")
        except (InvalidDataError, NotAllowedError) as exc:
            text = str(exc)
            st.error(text[0].upper() + text[1:], icon=":material/error:")
        else:
            for key in [f"survey_q{i:02d}" for i in range(1, 17)] + ["survey_practice"]:
                st.session_state.pop(key, None)
            st.session_state[THANKS] = (
                f"Thank you! Your answers are saved{' anonymously' if anonymous else ''}. "
                f"Keep your code **{response.respondent_code}** for the next survey."
            )
            st.rerun()
