"""The empathy survey: the Toronto Empathy Questionnaire (Spreng, McKinnon,
Mar & Levine 2009, Journal of Personality Assessment 91(1), 62-71) and the
movement's practice question, and what a response or an import may send.

Items are answered Never (0) … Always (4); items 2, 4, 7, 10, 11, 12, 14 and 15
are worded negatively and are reversed (4 − x) when scored, for a total of
0-64. Scoring lives in metrics.impact; this module only carries the words
and validates answers."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from models.chapters import FormModel, register_titles
from models.fields import not_after_today, not_before

TEQ_ITEMS: tuple[str, ...] = (
    "When someone else is feeling excited, I tend to get excited too.",
    "Other people's misfortunes do not disturb me a great deal.",
    "It upsets me to see someone being treated disrespectfully.",
    "I remain unaffected when someone close to me is happy.",
    "I enjoy making other people feel better.",
    "I have tender, concerned feelings for people less fortunate than me.",
    "When a friend starts to talk about his/her problems, I try to steer the conversation towards "
    "something else.",
    "I can tell when others are sad even when they do not say anything.",
    'I find that I am "in tune" with other people\'s moods.',
    "I do not feel sympathy for people who cause their own serious illnesses.",
    "I become irritated when someone cries.",
    "I am not really interested in how other people feel.",
    "I get a strong urge to help when I see someone who is upset.",
    "When I see someone being treated unfairly, I do not feel very much pity for them.",
    "I find it silly for people to cry out of happiness.",
    "When I see someone being taken advantage of, I feel kind of protective towards him/her.",
)
TEQ_REVERSED: frozenset[int] = frozenset({2, 4, 7, 10, 11, 12, 14, 15})
TEQ_INSTRUCTIONS = (
    "Below is a list of statements. Please read each statement carefully and rate how frequently "
    "you feel or act in the manner described. There are no right or wrong answers or trick "
    "questions. Please answer each question as honestly as you can."
)
ANSWER_LABELS: tuple[str, ...] = ("Never", "Rarely", "Sometimes", "Often", "Always")
ITEM_COLUMNS: tuple[str, ...] = tuple(f"q{i:02d}" for i in range(1, 17))

PRACTICE_QUESTION = (
    "How often did you consciously practise empathic listening or perspective-taking in the past week?"
)
Practice = Literal["never", "less_than_monthly", "monthly", "weekly", "several_times_a_week", "daily"]
PRACTICE_LABELS: dict[str, str] = {
    "never": "Never",
    "less_than_monthly": "Less than once a month",
    "monthly": "About once a month",
    "weekly": "About once a week",
    "several_times_a_week": "Several times a week",
    "daily": "Every day",
}
Wave = Literal["pre", "post", "follow_up"]
WAVE_LABELS: dict[str, str] = {
    "pre": "Before (pre)",
    "post": "Right after (post)",
    "follow_up": "Some weeks later (follow-up)",
}
CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{3,64}$")
CODE_HELP = (
    "3 to 64 letters, digits, - or _. Use the same code before and after the program: it is how "
    "your answers are paired, never by your name."
)


def _code(v: str) -> str:
    v = v.strip()
    if not CODE_PATTERN.match(v):
        raise ValueError("use 3 to 64 letters, digits, - or _ (no spaces)")
    return v


@register_titles
class SurveyResponseIn(FormModel):
    """One participant's answers for one wave of one program or event."""

    respondent_code: str = Field(title="Participant code")
    wave: Wave = Field(title="Survey")
    chapter_id: int = Field(title="Chapter")
    program_id: int | None = Field(default=None, title="Program")
    event_id: int | None = Field(default=None, title="Event")
    answered_on: Annotated[
        date,
        not_after_today("the answers cannot come from the future"),
        not_before(date(2000, 1, 1), "please give a date in 2000 or later"),
    ] = Field(title="Answered on")
    answers: tuple[int, ...] = Field(title="Answers")
    practice: Practice | None = Field(default=None, title="Practice question")
    anonymous: bool = Field(default=False, title="Anonymous")
    member_id: int | None = Field(default=None, title="Member")

    code_shape = field_validator("respondent_code")(_code)

    @field_validator("answers")
    @classmethod
    def _sixteen_answers(cls, v: tuple[int, ...]) -> tuple[int, ...]:
        if len(v) != 16:
            raise ValueError(f"all 16 statements need an answer ({len(v)} given)")
        for i, x in enumerate(v, start=1):
            if not 0 <= x <= 4:
                raise ValueError(f"statement {i}: answers run from Never (0) to Always (4)")
        return v

    @model_validator(mode="after")
    def _linked_and_anonymous(self) -> SurveyResponseIn:
        if self.program_id is None and self.event_id is None:
            raise ValueError("choose the program or event these answers are about")
        if self.anonymous:
            self.member_id = None
        return self

    def item_values(self) -> dict[str, int]:
        return dict(zip(ITEM_COLUMNS, self.answers, strict=True))


@register_titles
class ImportMapping(FormModel):
    """How a form tool's CSV export maps to the questionnaire: which column
    holds each item, the code, and optionally the wave, date and practice
    answer; and what applies to every row of the file."""

    item_columns: tuple[str, ...] = Field(title="Statement columns")
    code_column: str = Field(min_length=1, title="Participant code column")
    wave_column: str | None = Field(default=None, title="Survey column")
    date_column: str | None = Field(default=None, title="Date column")
    practice_column: str | None = Field(default=None, title="Practice column")
    # Form tools number a five-point scale 1-5 or 0-4, or write the words.
    numeric_scale: Literal["0-4", "1-5"] = Field(default="1-5", title="Number scale")
    # Spreadsheets write 03/04/2025 in the locale's order.
    day_first: bool = Field(default=False, title="Dates are day first")
    wave: Wave | None = Field(default=None, title="Survey")
    answered_on: date | None = Field(default=None, title="Answered on")
    chapter_id: int = Field(title="Chapter")
    program_id: int | None = Field(default=None, title="Program")
    event_id: int | None = Field(default=None, title="Event")

    @field_validator("item_columns")
    @classmethod
    def _sixteen(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if len(v) != 16 or any(not c for c in v):
            missing = [str(i) for i, c in enumerate(v, start=1) if not c]
            raise ValueError(
                "choose a column for each of the 16 statements"
                + (f" (missing: {', '.join(missing)})" if missing else "")
            )
        if len(set(v)) != 16:
            raise ValueError("each statement needs its own column")
        return v

    @model_validator(mode="after")
    def _complete(self) -> ImportMapping:
        if self.program_id is None and self.event_id is None:
            raise ValueError("choose the program or event these answers are about")
        if self.wave_column is None and self.wave is None:
            raise ValueError("choose a survey (pre, post, follow-up) or the column that says it")
        if self.date_column is None and self.answered_on is None:
            raise ValueError("choose the date the answers were given or the column that holds it")
        return self
