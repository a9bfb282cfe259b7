"""Checks the form models share, as pydantic field metadata: a model says
what a field is (`Annotated[date, not_after_today("…")]`) instead of
repeating a validator method that does it."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AfterValidator

from db import clock


def _none_if_blank(value: str | None) -> str | None:
    return value or None


# Optional text where an empty answer (after trimming) means none was given.
OptionalText = Annotated[str | None, AfterValidator(_none_if_blank)]


def _lower_case(value: str | None) -> str | None:
    return value.lower() if value else value


# Text matched without regard to case, such as an email address, kept in lower case.
LOWER_CASE = AfterValidator(_lower_case)


def not_after_today(message: str) -> AfterValidator:
    """Refuses a day after today anywhere on earth (`clock.latest_today`,
    so a form filled in late in the evening elsewhere is not refused) with
    `message`."""

    def check(day: date) -> date:
        if day > clock.latest_today():
            raise ValueError(message)
        return day

    return AfterValidator(check)


def not_before(earliest: date, message: str) -> AfterValidator:
    """Refuses a day before `earliest` with `message`."""

    def check(day: date) -> date:
        if day < earliest:
            raise ValueError(message)
        return day

    return AfterValidator(check)
