"""Events, their volunteer shifts and attendance: what a form may send.

Times are the chapter's wall-clock times (naive datetimes); db.events reads
them in the chapter's time zone, so a workshop at 18:00 in Toronto is stored
as the right instant whatever the server's zone."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from models.chapters import FormModel, register_titles
from models.fields import OptionalText

EventKind = Literal["workshop", "empathy_circle", "training", "community_event", "cultural_event", "talk"]
EVENT_KIND_LABELS: dict[str, str] = {
    "workshop": "Workshop",
    "empathy_circle": "Empathy circle",
    "training": "Training",
    "community_event": "Community event",
    "cultural_event": "Cultural event",
    "talk": "Talk",
}
MAX_EVENT_LENGTH = timedelta(days=14)
# A shift may start before the event (setting up) and end after it (clearing
# away), but not on another day altogether.
SHIFT_MARGIN = timedelta(hours=12)


def _naive(v: datetime) -> datetime:
    if v.tzinfo is not None:
        raise ValueError("give the local time without a time zone")
    return v.replace(second=0, microsecond=0)


# A chapter's wall-clock time, to the minute.
LocalTime = Annotated[datetime, AfterValidator(_naive)]


@register_titles
class EventIn(FormModel):
    """An event to create, or the new values of one to edit."""

    chapter_id: int = Field(title="Chapter")
    program_id: int | None = Field(default=None, title="Program")
    kind: EventKind = Field(title="Kind")
    title: str = Field(min_length=1, max_length=200, title="Title")
    starts_at: LocalTime = Field(title="Starts")
    ends_at: LocalTime = Field(title="Ends")
    place: OptionalText = Field(default=None, max_length=300, title="Place")
    capacity: int | None = Field(default=None, ge=1, le=100_000, title="Capacity")

    @model_validator(mode="after")
    def _sane_times(self) -> EventIn:
        if self.ends_at <= self.starts_at:
            raise ValueError("an event must end after it starts")
        if self.ends_at - self.starts_at > MAX_EVENT_LENGTH:
            raise ValueError("an event can last at most 14 days; split longer ones")
        if self.starts_at.year < 2000:
            raise ValueError("please give a date in 2000 or later")
        return self


@register_titles
class ShiftIn(FormModel):
    """A volunteer slot on an event."""

    event_id: int = Field(title="Event")
    title: str = Field(min_length=1, max_length=200, title="Shift")
    starts_at: LocalTime = Field(title="Shift starts")
    ends_at: LocalTime = Field(title="Shift ends")
    capacity: int = Field(ge=1, le=1000, title="Volunteers needed")

    @model_validator(mode="after")
    def _ends_after_start(self) -> ShiftIn:
        if self.ends_at <= self.starts_at:
            raise ValueError("a shift must end after it starts")
        return self


@register_titles
class AttendanceIn(FormModel):
    """Who came to an event: the members checked in and a count of guests
    (people who are not members). Replaces what was recorded before."""

    event_id: int = Field(title="Event")
    member_ids: tuple[int, ...] = Field(default=(), title="Members who came")
    guest_count: int = Field(default=0, ge=0, le=10_000, title="Guests")

    @field_validator("member_ids")
    @classmethod
    def _unique(cls, v: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(dict.fromkeys(v))
