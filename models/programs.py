"""Programs and partners: what a form may send."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, model_validator

from models.chapters import FormModel, register_titles
from models.fields import OptionalText

ProgramKind = Literal["education", "training", "empathy_circles", "research", "arts_culture", "advocacy"]
Audience = Literal["school", "university", "workplace", "healthcare", "community", "government"]

PROGRAM_KIND_LABELS: dict[str, str] = {
    "education": "Education",
    "training": "Training",
    "empathy_circles": "Empathy circles",
    "research": "Research",
    "arts_culture": "Arts and culture",
    "advocacy": "Advocacy",
}
AUDIENCE_LABELS: dict[str, str] = {
    "school": "Schools",
    "university": "Universities",
    "workplace": "Workplaces",
    "healthcare": "Healthcare",
    "community": "Community",
    "government": "Government",
}


@register_titles
class ProgramIn(FormModel):
    """A program to create, or the new values of one to edit. No chapter
    means a movement-wide program, which only an admin may run."""

    name: str = Field(min_length=1, max_length=200, title="Name")
    kind: ProgramKind = Field(title="Kind")
    audience: Audience = Field(title="Audience")
    chapter_id: int | None = Field(default=None, title="Chapter")
    description: OptionalText = Field(default=None, max_length=4000, title="Description")
    started_on: date = Field(title="Started")
    ended_on: date | None = Field(default=None, title="Ended")
    partner_ids: tuple[int, ...] = Field(default=(), title="Partners")

    @model_validator(mode="after")
    def _ends_after_start(self) -> ProgramIn:
        if self.ended_on is not None and self.ended_on < self.started_on:
            raise ValueError("a program cannot end before it starts")
        return self
