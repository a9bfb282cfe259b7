"""Chapters: the movement's units at four levels, and what a form may send.

Also holds `error_messages`, which the operations pages use to show a
pydantic error as sentences a coordinator understands."""

from __future__ import annotations

import zoneinfo
from datetime import date
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from models.fields import OptionalText, not_after_today, not_before

Level = Literal["local", "regional", "national", "international"]
LEVELS: tuple[Level, ...] = ("local", "regional", "national", "international")
LEVEL_RANK: dict[str, int] = {level: rank for rank, level in enumerate(LEVELS, start=1)}
LEVEL_LABELS: dict[str, str] = {
    "local": "Local",
    "regional": "Regional",
    "national": "National",
    "international": "International",
}


def error_messages(exc: ValidationError) -> list[str]:
    """One sentence per problem, named by the field's title where it has one.

    >>> try:
    ...     ChapterIn(name="", level="local", founded_on=date(2020, 1, 1))
    ... except ValidationError as e:
    ...     error_messages(e)
    ['Name: please fill this in.']
    """
    out: list[str] = []
    model = exc.title
    fields = _titles(model)
    for err in exc.errors(include_url=False):
        loc = [str(part) for part in err.get("loc", ())]
        label = fields.get(loc[0], loc[0].replace("_", " ").capitalize()) if loc else ""
        msg = str(err.get("msg", "is not valid"))
        msg = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        too_short = err.get("type") == "string_too_short" and err.get("ctx", {}).get("min_length") == 1
        if too_short or err.get("type") == "missing":
            msg = "please fill this in"
        msg = msg[0].lower() + msg[1:] if msg[:2] != msg[:2].upper() else msg
        sentence = f"{label}: {msg}" if label else msg[0].upper() + msg[1:]
        out.append(sentence if sentence.endswith(".") else sentence + ".")
    return out


_MODELS: dict[str, type[BaseModel]] = {}


def register_titles(model: type[BaseModel]) -> type[BaseModel]:
    """Let `error_messages` find the field titles of `model` by its name."""
    _MODELS[model.__name__] = model
    return model


def _titles(model_name: str) -> dict[str, str]:
    model = _MODELS.get(model_name)
    if model is None:
        return {}
    return {name: f.title for name, f in model.model_fields.items() if f.title}


@lru_cache(maxsize=1)
def time_zones() -> tuple[str, ...]:
    """IANA zone names a chapter may meet in, sorted, `UTC` first."""
    names = sorted(z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith("Etc/"))
    return ("UTC", *names)


class FormModel(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")


@register_titles
class ChapterIn(FormModel):
    """A chapter to create or the new values of one to edit."""

    name: str = Field(min_length=1, max_length=200, title="Name")
    level: Level = Field(title="Level")
    parent_id: int | None = Field(default=None, title="Parent chapter")
    place: OptionalText = Field(default=None, max_length=200, title="Place")
    founded_on: Annotated[
        date,
        not_after_today("a chapter cannot be founded in the future"),
        not_before(date(1900, 1, 1), "please give a date after 1900"),
    ] = Field(title="Founded")
    time_zone: str = Field(default="UTC", title="Time zone")

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        if v not in time_zones():
            raise ValueError(f"'{v}' is not a time zone name like Europe/Berlin or America/Toronto")
        return v

    @model_validator(mode="after")
    def _international_is_the_top(self) -> ChapterIn:
        if self.level == "international" and self.parent_id is not None:
            raise ValueError("an international chapter sits at the top and has no parent")
        return self


@register_titles
class DormantIn(FormModel):
    """Marks a chapter dormant from a day on (or active again)."""

    chapter_id: int = Field(title="Chapter")
    since: Annotated[date, not_after_today("a chapter can only be marked dormant from today or earlier")] = (
        Field(title="Dormant since")
    )


def parent_levels(level: str) -> tuple[Level, ...]:
    """Levels a chapter at `level` may sit under: every higher one.

    >>> parent_levels("regional")
    ('national', 'international')
    """
    return tuple(lv for lv in LEVELS if LEVEL_RANK[lv] > LEVEL_RANK[level])
