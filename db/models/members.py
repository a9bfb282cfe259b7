"""Members: joining, leaving, and the consent each person gave."""

from __future__ import annotations

from datetime import date

from pydantic import Field, field_validator, model_validator

from db import clock
from db.models.chapters import FormModel, register_titles
from db.models.email import looks_like_email

MEMBER_STATUS_LABELS: dict[str, str] = {"active": "Active", "inactive": "Inactive", "left": "Left"}


@register_titles
class MemberIn(FormModel):
    """A person joining a chapter, or the new values of a member's record."""

    full_name: str = Field(min_length=1, max_length=200, title="Name")
    email: str | None = Field(default=None, max_length=320, title="Email")
    chapter_id: int = Field(title="Chapter")
    joined_on: date = Field(title="Joined")
    trained_on: date | None = Field(default=None, title="Trained")
    leader_since: date | None = Field(default=None, title="Leader since")
    consent_contact: bool = Field(default=False, title="May be contacted")
    consent_data_use: bool = Field(default=True, title="Data may be used")

    @field_validator("email")
    @classmethod
    def _email_shape(cls, v: str | None) -> str | None:
        if not v:
            return None
        if not looks_like_email(v):
            raise ValueError("an email address looks like name@example.org")
        return v.lower()

    @field_validator("joined_on")
    @classmethod
    def _plausible_join(cls, v: date) -> date:
        if v > clock.latest_today():
            raise ValueError("a member cannot join in the future")
        if v < date(1950, 1, 1):
            raise ValueError("please give a date after 1950")
        return v

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
    left_on: date = Field(title="Left on")

    @field_validator("left_on")
    @classmethod
    def _not_future(cls, v: date) -> date:
        if v > clock.latest_today():
            raise ValueError("record a departure on or after the day it happens")
        return v


@register_titles
class ConsentIn(FormModel):
    """What a member agreed to: being contacted, and their data being used
    (exports and reports leave out anyone who withdrew it)."""

    member_id: int = Field(title="Member")
    consent_contact: bool = Field(title="May be contacted")
    consent_data_use: bool = Field(title="Data may be used")
