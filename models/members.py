"""Members: joining, leaving, and the consent each person gave."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field, model_validator

from db import clock
from models.chapters import FormModel, register_titles
from models.email import OptionalEmail
from models.fields import LOWER_CASE, not_after_today, not_before

MEMBER_STATUS_LABELS: dict[str, str] = {"active": "Active", "inactive": "Inactive", "left": "Left"}


@register_titles
class MemberIn(FormModel):
    """A person joining a chapter, or the new values of a member's record."""

    full_name: str = Field(min_length=1, max_length=200, title="Name")
    email: Annotated[OptionalEmail, LOWER_CASE] = Field(default=None, max_length=320, title="Email")
    chapter_id: int = Field(title="Chapter")
    joined_on: Annotated[
        date,
        not_after_today("a member cannot join in the future"),
        not_before(date(1950, 1, 1), "please give a date after 1950"),
    ] = Field(title="Joined")
    trained_on: date | None = Field(default=None, title="Trained")
    leader_since: date | None = Field(default=None, title="Leader since")
    consent_contact: bool = Field(default=False, title="May be contacted")
    consent_data_use: bool = Field(default=True, title="Data may be used")

    @model_validator(mode="after")
    def _after_joining(self) -> MemberIn:
        for day, before, future in (
            (self.trained_on, "be trained before joining", "the training day cannot be in the future"),
            (
                self.leader_since,
                "lead before joining",
                "the day they started leading cannot be in the future",
            ),
        ):
            if day is not None and day < self.joined_on:
                raise ValueError(f"a member cannot {before}")
            if day is not None and day > clock.latest_today():
                raise ValueError(future)
        return self


@register_titles
class LeaveIn(FormModel):
    """A member leaving on a day."""

    member_id: int = Field(title="Member")
    left_on: Annotated[date, not_after_today("record a departure on or after the day it happens")] = Field(
        title="Left on"
    )


@register_titles
class ConsentIn(FormModel):
    """What a member agreed to: being contacted, and their data being used
    (exports and reports leave out anyone who withdrew it)."""

    member_id: int = Field(title="Member")
    consent_contact: bool = Field(title="May be contacted")
    consent_data_use: bool = Field(title="Data may be used")
