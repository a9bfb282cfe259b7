"""A coordinator's check-in of an event: who came, who worked a shift, and
the hours to record for them."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from models.hours import MAX_MINUTES_PER_DAY, Activity


class CheckInRow(BaseModel):
    """One person on the roster, optionally for one of their shifts."""

    model_config = ConfigDict(frozen=True)

    member_id: Annotated[int, Field(gt=0)]
    shift_id: Annotated[int, Field(gt=0)] | None = None
    came: bool = False
    worked: bool = False
    minutes: int | None = None

    @field_validator("minutes", mode="before")
    @classmethod
    def _whole(cls, value: Any) -> Any:
        if isinstance(value, float):
            return None if value != value else round(value)
        return value

    @model_validator(mode="after")
    def _hours_need_presence(self) -> CheckInRow:
        if self.worked and not self.came:
            raise PydanticCustomError(
                "worked_absent", "Someone who worked must also be marked as having come."
            )
        if self.worked and (self.minutes is None or self.minutes <= 0):
            raise PydanticCustomError("duration", "The duration must be above zero for everyone who worked.")
        if self.minutes is not None and self.minutes > MAX_MINUTES_PER_DAY:
            raise PydanticCustomError("too_long", "One entry cannot be longer than 24 hours.")
        return self


class CheckIn(BaseModel):
    """The whole check-in of one event, saved in one transaction."""

    model_config = ConfigDict(frozen=True)

    event_id: Annotated[int, Field(gt=0)]
    rows: tuple[CheckInRow, ...]
    guest_count: Annotated[int, Field(ge=0, le=10000)] = 0
    activity: Activity = "event_support"

    @field_validator("guest_count", mode="before")
    @classmethod
    def _guests(cls, value: Any) -> Any:
        if value is None:
            return 0
        if isinstance(value, float):
            return round(value)
        return value
