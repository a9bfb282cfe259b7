"""Dates as people read them: one format per locale, everywhere.

How a locale writes a day (its order, separators, month names) comes from the
Unicode CLDR through Babel, never from a hand table, as `money.py` does for
amounts. A day in the current year is written without its year ("Dec 7"),
any other day with it ("Dec 7, 2025"): "current" is the `today` the caller
passes (the person's own local today), never the server's `date.today()`,
which may already be tomorrow or still yesterday for them.

Machine formats (.ics, file names, CSV exports, query parameters) stay ISO
and do not come through here."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from functools import cache, lru_cache
from typing import Any, Literal

import polars as pl
from babel.core import Locale, UnknownLocaleError
from babel.dates import (
    format_date,
    format_skeleton,
    format_time,
    get_datetime_format,
    tokenize_pattern,
)

DEFAULT_LOCALE = "en_US"
# What st.date_input accepts: an order of the three fields and one of three
# separators (Streamlit's _SUPPORTED_DATE_FORMATS).
_INPUT_FIELDS = {"y": "YYYY", "M": "MM", "d": "DD"}
_INPUT_SEPARATORS = "/-."
_ISO_INPUT = "YYYY-MM-DD"


# Bounded: the tag comes from the browser, so a client sending a new one on
# every rerun must not grow the cache without end.
@lru_cache(maxsize=256)
def normalize(tag: str | None) -> str:
    """A browser language tag ("en-US", "de", "fr-CA") as the Babel locale
    it names ("en_US", "de", "fr_CA"); the default for none or one Babel does
    not know, so a strange header never breaks a page. Variants and
    modifiers are dropped: the date patterns are the language's and
    territory's."""
    if not tag:
        return DEFAULT_LOCALE
    try:
        found = Locale.parse(tag.strip().replace("-", "_"))
        return str(Locale.parse(str(Locale(found.language, found.territory, found.script))))
    except (ValueError, TypeError, UnknownLocaleError):
        return DEFAULT_LOCALE


def day(value: _dt.date, today: _dt.date, locale: str = DEFAULT_LOCALE) -> str:
    """A day as text, its year only when it is not `today`'s: en_US "Dec 7"
    or "Dec 7, 2025", en_GB "7 Dec 2025", de_DE "7. Dez. 2025"."""
    skeleton = "MMMd" if value.year == today.year else "yMMMd"
    return str(format_skeleton(skeleton, value, locale=locale))


def weekday(value: _dt.date, today: _dt.date, locale: str = DEFAULT_LOCALE) -> str:
    """A day with its weekday, for event and shift lists: "Sun, Dec 7"."""
    skeleton = "MMMEd" if value.year == today.year else "yMMMEd"
    return str(format_skeleton(skeleton, value, locale=locale))


def time_of_day(value: _dt.time | _dt.datetime, locale: str = DEFAULT_LOCALE) -> str:
    """A time as the locale writes it: en_US "2:30 PM", en_GB "14:30"."""
    moment = value.time() if isinstance(value, _dt.datetime) else value
    return str(format_time(moment, "short", locale=locale))


def weekday_time(value: _dt.datetime, today: _dt.date, locale: str = DEFAULT_LOCALE) -> str:
    """A wall-clock moment for event and shift lists: en_US "Sun, Dec 7,
    2:30 PM", en_GB "Sun 7 Dec, 14:30" (the locale joins date and time)."""
    joined = str(get_datetime_format("short", locale=locale))
    return joined.replace("{1}", weekday(value.date(), today, locale)).replace(
        "{0}", time_of_day(value, locale)
    )


def month(value: _dt.date, locale: str = DEFAULT_LOCALE) -> str:
    """A month with its year, for cohorts and monthly labels: en_US
    "Dec 2025", de_DE "Dez. 2025"."""
    return str(format_skeleton("yMMM", value, locale=locale))


def month_heading(value: _dt.date, locale: str = DEFAULT_LOCALE) -> str:
    """A month in full with its year, for a calendar's heading: en_US
    "December 2025", de_DE "Dezember 2025"."""
    return str(format_skeleton("yMMMM", value, locale=locale))


def year(value: _dt.date, locale: str = DEFAULT_LOCALE) -> str:
    """A year alone, for yearly chart ticks: "2025" (ja "2025年")."""
    return str(format_skeleton("y", value, locale=locale))


def short(value: _dt.date, locale: str = DEFAULT_LOCALE) -> str:
    """The locale's short date, for daily chart ticks where space is
    tight: en_US "12/7/25", en_GB "07/12/2025", de_DE "07.12.25"."""
    return str(format_date(value, "short", locale=locale))


def with_year(value: _dt.date, locale: str = DEFAULT_LOCALE, *, weekday: bool = False) -> str:
    """A day always with its year, for rows of a document that is kept
    (the reader's "this year" moves on) and for messages written where no
    one's today is known: en_US "Dec 7, 2025" ("Sun, Dec 7, 2025")."""
    return str(format_skeleton("yMMMEd" if weekday else "yMMMd", value, locale=locale))


def full(value: _dt.date, locale: str = DEFAULT_LOCALE) -> str:
    """A day in full, always with its year, for documents and messages that
    are kept: en_US "December 7, 2025", en_GB "7 December 2025"."""
    return str(format_date(value, "long", locale=locale))


def input_format(locale: str = DEFAULT_LOCALE) -> str:
    """The `format=` of st.date_input for the locale, read from its CLDR
    short date pattern: en_US "MM/DD/YYYY", en_GB "DD/MM/YYYY", de_DE
    "DD.MM.YYYY", fr_CA "YYYY-MM-DD"; ISO where the pattern is none of the
    orders and separators Streamlit supports."""
    return _input_format(str(Locale.parse(locale).date_formats["short"].pattern))


def _tokens(pattern: str) -> list[tuple[str, int]]:
    """A CLDR pattern as (field letter, width) pairs and (literal text, 0)."""
    out: list[tuple[str, int]] = []
    for kind, value in tokenize_pattern(pattern):
        if kind == "field" and isinstance(value, tuple):
            out.append((str(value[0]), int(value[1])))
        else:
            out.append((str(value), 0))
    return out


@cache
def _input_format(pattern: str) -> str:
    order: list[str] = []
    between: list[str] = []
    for text, width in _tokens(pattern):
        if width and text in _INPUT_FIELDS and text not in order:
            order.append(text)
        elif not width and len(order) in (1, 2):
            between.append(text.strip())
    separators = {s for s in between if s}
    if len(order) != 3 or len(separators) != 1 or (sep := separators.pop()) not in _INPUT_SEPARATORS:
        return _ISO_INPUT
    return sep.join(_INPUT_FIELDS[f] for f in order)


# CLDR pattern fields as the momentjs-style tokens of st.column_config
# (field letter → token by field width).
_MOMENT = {
    "y": {2: "YY"},
    "M": {1: "M", 2: "MM", 3: "MMM", 4: "MMMM"},
    "L": {1: "M", 2: "MM", 3: "MMM", 4: "MMMM"},
    "d": {1: "D", 2: "DD"},
    "E": {1: "ddd", 2: "ddd", 3: "ddd", 4: "dddd"},
    "H": {1: "H", 2: "HH"},
    "h": {1: "h", 2: "hh"},
    "m": {1: "mm", 2: "mm"},
    "s": {1: "ss", 2: "ss"},
    "a": {1: "A"},
}


@cache
def _moment(pattern: str) -> str | None:
    """A CLDR pattern as a momentjs format string, None where it uses a
    field momentjs cannot write."""
    out: list[str] = []
    for letter, width in _tokens(pattern):
        if not width:
            # momentjs reads letters as tokens; brackets keep them literal.
            out.append(f"[{letter}]" if any(c.isalpha() for c in letter) else letter)
            continue
        widths = _MOMENT.get(letter)
        if widths is None:
            return None
        token = "YYYY" if letter == "y" and width != 2 else widths.get(width, widths[max(widths)])
        out.append(token)
    return "".join(out)


def _date_pattern(locale: str) -> str:
    found = Locale.parse(locale)
    medium = str(found.date_formats["medium"].pattern)
    # The table's momentjs writes English month names only: a locale whose
    # medium pattern spells the month in another language gets its numeric
    # short pattern (with the full year) rather than English words.
    if found.language == "en" or "MMM" not in medium:
        return medium
    return str(found.date_formats["short"].pattern).replace("yy", "y")


def column_format(locale: str = DEFAULT_LOCALE) -> str:
    """The format of st.column_config.DateColumn for the locale, always with
    the year (a column's rows span years): en_US "MMM D, YYYY", en_GB
    "D MMM YYYY", de_DE "DD.MM.YYYY", fr_CA "YYYY-MM-DD"."""
    return _moment(_date_pattern(locale)) or _ISO_INPUT


def datetime_column_format(locale: str = DEFAULT_LOCALE, *, seconds: bool = False) -> str:
    """The format of st.column_config.DatetimeColumn: the column's date and
    the locale's short time ("MMM D, YYYY h:mm A", "D MMM YYYY HH:mm"), or
    its medium time with seconds where their order matters (an audit log)."""
    width = "medium" if seconds else "short"
    time = _moment(str(Locale.parse(locale).time_formats[width].pattern)) or "HH:mm"
    return f"{column_format(locale)} {time}"


def day_expr(
    column: str | pl.Expr, today: _dt.date, locale: str = DEFAULT_LOCALE, *, writer: Writer = "day"
) -> pl.Expr:
    """A polars date (or, for "weekday_time", datetime) column as text
    through `day`, `weekday` or `weekday_time`, for a cell that combines a
    date with words ("Left Dec 7") or a list read as text. Each distinct
    value is formatted once, so a long table costs as many calls as it has
    distinct days."""
    write: Callable[[Any, _dt.date, str], str] = _WRITERS[writer]
    expr = pl.col(column) if isinstance(column, str) else column

    def batch(series: pl.Series) -> pl.Series:
        days = series.drop_nulls().unique().to_list()
        mapping = {d: write(d, today, locale) for d in days}
        return series.replace_strict(mapping, default=None, return_dtype=pl.String)

    return expr.map_batches(batch, return_dtype=pl.String)


Writer = Literal["day", "weekday", "weekday_time"]
_WRITERS: dict[str, Callable[[Any, _dt.date, str], str]] = {
    "day": day,
    "weekday": weekday,
    "weekday_time": weekday_time,
}
