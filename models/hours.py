"""Volunteer hours as a person enters them: the log form, an edit, a
coordinator's review and one row of a CSV import.

The messages here are what a volunteer reads beside the form, so they say
what to do, not which rule failed. The database checks the same rules again
(volunteer_hours' constraints and its trigger)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

import dates as date_rules
from db import clock
from models.email import looks_like_email
from models.spreadsheet import is_formula

# The activity codes volunteer_hours.activity accepts, with the words people see.
ACTIVITY_LABELS: dict[str, str] = {
    "event_support": "Event support",
    "facilitation": "Facilitation",
    "training": "Training",
    "outreach": "Outreach",
    "administration": "Administration",
    "fundraising": "Fundraising",
    "mentoring": "Mentoring",
    "research": "Research",
    "other": "Other",
}
ACTIVITIES: tuple[str, ...] = tuple(ACTIVITY_LABELS)

EARLIEST_DAY = date(2000, 1, 1)
MAX_MINUTES_PER_DAY = 24 * 60
NOTE_MAX = 1000
REASON_MAX = 500

MSG_FUTURE = "The date cannot be in the future."
MSG_TOO_OLD = "The date must be in the year 2000 or later."
MSG_DURATION = "The duration must be above zero."
MSG_TOO_LONG = "At most 24 h in one day: one entry cannot be longer than 24 hours."
MSG_HOURS_UNREADABLE = "Write the hours as a number such as 1.5, 1,5, 1:30 or 1 h 30."
UNUSUAL_MINUTES = 12 * 60  # an entry longer than this asks for confirmation
UNUSUAL_DAYS_BACK = 365  # so does a date further back than this
MSG_ACTIVITY = "The activity must be known: choose one of " + ", ".join(ACTIVITY_LABELS.values()) + "."
MSG_ACTIVITY_MISSING = "Choose what you did: the activity must be known."
MSG_NOTE = f"The note can be at most {NOTE_MAX} characters."
MSG_REASON = "Give a reason for each rejection, so the volunteer knows what to fix."
MSG_DAY_LIMIT = "No more than 24 hours in a day across all entries."


def activity_code(value: object) -> str:
    """The code for an activity given as its code or its label, in any case."""
    if value is None:
        raise PydanticCustomError("activity_missing", MSG_ACTIVITY_MISSING)
    if not isinstance(value, str):
        raise PydanticCustomError("unknown_activity", MSG_ACTIVITY)
    text = value.strip().lower()
    for code, label in ACTIVITY_LABELS.items():
        if text in (code, label.lower()):
            return code
    raise PydanticCustomError("unknown_activity", MSG_ACTIVITY)


_DECIMAL_HOURS = re.compile(r"^(\d+)(?:[.,](\d*))?$|^[.,](\d+)$")
_CLOCK_HOURS = re.compile(r"^(\d+)\s*(?::|h(?:ours?|rs?)?)\s*(?:(\d{1,2})\s*(?:m(?:in(?:utes?)?)?)?)?$")
_ONLY_MINUTES = re.compile(r"^(\d+)\s*m(?:in(?:utes?)?)?$")


def parse_hours(text: str | None) -> int | None:
    """Typed hours as whole minutes: '1.5', '1,5' (a decimal comma), '1:30',
    '1 h 30', '1h30m', '90 min'. None when nothing was typed; ValueError with
    the person's message when it cannot be read."""
    raw = (text or "").strip().lower()
    if not raw:
        return None
    if m := _DECIMAL_HOURS.match(raw):
        whole, frac, only_frac = m.groups()
        number = float(f"{whole or 0}.{frac or only_frac or 0}")
        return round(number * 60)
    if m := _CLOCK_HOURS.match(raw):
        hours, minutes = int(m.group(1)), int(m.group(2) or 0)
        if minutes >= 60:
            raise ValueError(MSG_HOURS_UNREADABLE)
        return hours * 60 + minutes
    if m := _ONLY_MINUTES.match(raw):
        return int(m.group(1))
    raise ValueError(MSG_HOURS_UNREADABLE)


def unusual(worked_on: date | None, minutes: int | None, today: date) -> str | None:
    """Why an entry is unusual enough to confirm before saving, or None."""
    reasons: list[str] = []
    if minutes is not None and UNUSUAL_MINUTES < minutes <= MAX_MINUTES_PER_DAY:
        reasons.append(f"{format_minutes(minutes)} is more than 12 h in one entry")
    if worked_on is not None and (today - worked_on).days > UNUSUAL_DAYS_BACK:
        reasons.append(f"{date_rules.with_year(worked_on, weekday=True)} is more than a year ago")
    return "; ".join(reasons) if reasons else None


def format_minutes(minutes: int) -> str:
    """'2 h 30 min', '45 min', '1,825 h': how durations read everywhere."""
    hours, rest = divmod(int(minutes), 60)
    if hours and rest:
        return f"{hours:,} h {rest} min"
    if hours:
        return f"{hours:,} h"
    return f"{rest} min"


def first_errors(exc: ValidationError) -> dict[str, str]:
    """Field name -> the first message for it, for showing beside the form."""
    out: dict[str, str] = {}
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else "form"
        out.setdefault(field, _clean(err["msg"]))
    return out


def _clean(message: str) -> str:
    return message.removeprefix("Value error, ")


def _today(info: ValidationInfo) -> date:
    context = info.context if isinstance(info.context, dict) else {}
    today = context.get("today")
    return today if isinstance(today, date) else clock.latest_today()


def minutes_in_range(value: int) -> int:
    """A duration above zero and within one day, as the database checks it."""
    if value <= 0:
        raise PydanticCustomError("duration", MSG_DURATION)
    if value > MAX_MINUTES_PER_DAY:
        raise PydanticCustomError("too_long", MSG_TOO_LONG)
    return value


def _in_date_range(value: date, info: ValidationInfo) -> date:
    if value > _today(info):
        raise PydanticCustomError("future_date", MSG_FUTURE)
    if value < EARLIEST_DAY:
        raise PydanticCustomError("too_old", MSG_TOO_OLD)
    return value


def _note(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    if len(value) > NOTE_MAX:
        raise PydanticCustomError("note_long", MSG_NOTE)
    return value


# What volunteer_hours accepts, checked as the database does: a day from
# 2000 to today (the `today` of the validation context, if any), a duration
# within one day, an activity by its code or label, and an optional note.
WorkedOn = Annotated[date, AfterValidator(_in_date_range)]
Minutes = Annotated[int, AfterValidator(minutes_in_range)]
Activity = Annotated[str, BeforeValidator(activity_code)]
Note = Annotated[str | None, AfterValidator(_note)]


class HoursFields(BaseModel):
    """What a volunteer says they did: shared by a new entry and an edit."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    worked_on: WorkedOn
    minutes: Minutes
    activity: Activity
    event_id: Annotated[int, Field(gt=0)] | None = None
    program_id: Annotated[int, Field(gt=0)] | None = None
    shift_id: Annotated[int, Field(gt=0)] | None = None
    note: Note = None

    @field_validator("worked_on", mode="before")
    @classmethod
    def _date_given(cls, value: Any) -> Any:
        if value is None or value == "":
            raise PydanticCustomError("date_missing", "Choose the date you worked.")
        return value

    @field_validator("minutes", mode="before")
    @classmethod
    def _whole_minutes(cls, value: Any) -> Any:
        if value is None or value == "":
            raise PydanticCustomError("duration_missing", MSG_DURATION)
        if isinstance(value, float):
            if value != value:  # NaN
                raise PydanticCustomError("duration_missing", MSG_DURATION)
            return round(value)
        return value


class HoursEntry(HoursFields):
    """A new entry from the log form. The idempotency key is made once per
    form instance, so saving it twice stores it once."""

    idempotency_key: UUID


class HoursEdit(HoursFields):
    """A change to one of the volunteer's own pending entries."""

    hours_id: Annotated[int, Field(gt=0)]


class ReviewDecision(BaseModel):
    """A coordinator's decision on one pending entry."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    hours_id: Annotated[int, Field(gt=0)]
    decision: Literal["approve", "reject"]
    reason: str | None = None

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and len(value) > REASON_MAX:
            raise PydanticCustomError("reason_long", f"A reason can be at most {REASON_MAX} characters.")
        return value or None

    @model_validator(mode="after")
    def _reason_for_rejection(self) -> ReviewDecision:
        if self.decision == "reject" and not self.reason:
            raise PydanticCustomError("reason_missing", MSG_REASON)
        return self


def review(hours_id: int, decision: str, reason: str | None = None) -> ReviewDecision:
    """Build a decision, raising ValueError with the person's message."""
    try:
        return ReviewDecision(hours_id=hours_id, decision=decision, reason=reason)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ValueError(next(iter(first_errors(exc).values()))) from exc


# --- CSV import -------------------------------------------------------------

CSV_REQUIRED = ("member_email", "worked_on", "activity")
CSV_DURATION = ("minutes", "hours")  # exactly one of these
CSV_OPTIONAL = ("event_id", "program_id", "note")
CSV_TEMPLATE = "member_email,worked_on,minutes,activity,event_id,program_id,note\n"

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
MSG_FORMULA = "Formula cells are refused: a cell may not start with =, +, -, @ or a tab."


class HoursCsvRow(BaseModel):
    """One row of a coordinator's hours file, with the reasons a row is
    refused written for the person who will fix the spreadsheet."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    member_email: str
    worked_on: WorkedOn
    minutes: Minutes
    activity: Activity
    event_id: int | None = None
    program_id: int | None = None
    note: Note = None

    @field_validator("member_email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not looks_like_email(value):
            raise PydanticCustomError("email", "This does not look like an email address (name@example.org).")
        return value.lower()

    @field_validator("worked_on", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if not _ISO_DAY.match(text):
                raise PydanticCustomError("date_format", "Write dates as YYYY-MM-DD, for example 2026-03-14.")
            try:
                return date.fromisoformat(text)
            except ValueError:
                raise PydanticCustomError("date_invalid", "This date does not exist.") from None
        return value

    @field_validator("minutes", mode="before")
    @classmethod
    def _minutes(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if not text or not _NUMBER.match(text) or "." in text:
                raise PydanticCustomError("minutes", "Minutes must be a whole number, for example 90.")
            return int(text)
        return value

    @field_validator("event_id", "program_id", mode="before")
    @classmethod
    def _optional_id(cls, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, str):
            text = value.strip()
            if not text:
                return None
            if not text.isdigit() or int(text) == 0 or len(text) > 18:
                raise PydanticCustomError("id", "Leave this empty or give the number shown in Heartbeat.")
            return int(text)
        return value

    # Defined last so that pydantic runs it before every other "before"
    # validator: a formula is refused as a formula, not as a bad number.
    @field_validator("*", mode="before")
    @classmethod
    def _no_formulas(cls, value: Any) -> Any:
        if isinstance(value, str) and is_formula(value if value[:1] in "\t\r" else value.strip()):
            raise PydanticCustomError("formula", MSG_FORMULA)
        return value


def hours_to_minutes(value: str) -> int | str:
    """Decimal hours ('1.5', '2') as whole minutes; returned unchanged when
    it is not a number, so the row model reports it."""
    text = value.strip()
    if not _NUMBER.match(text):
        return value
    return round(float(text) * 60)
