"""Dates as payment processors and spreadsheets write them, in whichever
order of day, month and year the file uses, read from the whole column."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Literal

DateOrder = Literal["auto", "YMD", "DMY", "MDY"]
DATE_ORDERS: tuple[DateOrder, ...] = ("auto", "YMD", "DMY", "MDY")

# A time may follow the date after a space, a T or a comma ("3/14/2025, 10:22 AM").
_DATE_PART = re.compile(r"^\s*(\d{1,4})[-/.](\d{1,2})[-/.](\d{1,4})(?:[ T,].*)?$")
# ISO 8601's basic form, 20250314, which the survey import has always read.
_BASIC_ISO = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})(?:T.*)?\s*$")


def date_order_for(values: Iterable[str], *, guess: DateOrder) -> tuple[DateOrder, str | None]:
    """Which order day, month and year come in, read from the whole column:
    a first number above 12 means day first, a second above 12 month first.
    Returns the order and, when the file alone cannot tell, a warning;
    then the order is `guess`, the one the file's source usually writes."""
    day_first = month_first = year_first = False
    for value in values:
        m = _DATE_PART.match(value)
        if not m:
            continue
        a, b = int(m.group(1)), int(m.group(2))
        if len(m.group(1)) == 4:
            year_first = True
        elif a > 12:
            day_first = True
        elif b > 12:
            month_first = True
    if year_first and not (day_first or month_first):
        return "YMD", None
    if day_first and not month_first:
        return "DMY", None
    if month_first and not day_first:
        return "MDY", None
    if day_first and month_first:
        return "DMY", "the dates mix day-first and month-first rows: choose the date order by hand"
    words = "month/day/year" if guess == "MDY" else "day/month/year"
    return guess, (
        f"every date could be read either way (like 03/04/2025): read as {words}; change it if wrong"
    )


def parse_date(text: str, order: DateOrder) -> date:
    """A date written YYYY-MM-DD, DD/MM/YYYY or MM/DD/YYYY (also with '.'
    or '-') or YYYYMMDD, optionally followed by a time, which is ignored."""
    raw = text.strip()
    m = _DATE_PART.match(raw) or _BASIC_ISO.match(raw)
    if not m:
        raise ValueError(f"'{raw}' is not a date")
    a, b, c = m.group(1), m.group(2), m.group(3)
    try:
        if len(a) == 4:
            return date(int(a), int(b), int(c))
        if len(c) != 4:
            raise ValueError(f"'{raw}' has no four-digit year")
        if order == "MDY":
            return date(int(c), int(a), int(b))
        return date(int(c), int(b), int(a))
    except ValueError as exc:
        if "four-digit" in str(exc):
            raise
        raise ValueError(f"'{raw}' is not a date") from None
