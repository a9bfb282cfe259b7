"""Dates on pages, in the viewer's locale: the one place pages format a date.

The locale is the browser's language (`st.context.locale`, e.g. "en-GB"),
which every rerun sends; without one (AppTest, a client that does not say)
it is the default, en_US. The formats themselves are the pure functions of
the top-level `dates` module; here they only learn whose screen they are for.
`today` is always the person's local today (`local_today()`), never the
server's, so "this year" is theirs."""

from __future__ import annotations

import datetime as _dt

import polars as pl
import streamlit as st

import dates as date_rules


def viewer_locale() -> str:
    """The Babel locale of this browser session's viewer."""
    try:
        tag = st.context.locale
    except Exception:  # outside a script run there is no browser to ask: the default
        tag = None
    return date_rules.normalize(tag)


def day(value: _dt.date, today: _dt.date) -> str:
    """ "Dec 7" this year, "Dec 7, 2025" otherwise (en_US)."""
    return date_rules.day(value, today, viewer_locale())


def weekday(value: _dt.date, today: _dt.date) -> str:
    """ "Sun, Dec 7" this year, "Sun, Dec 7, 2025" otherwise (en_US)."""
    return date_rules.weekday(value, today, viewer_locale())


def time_of_day(value: _dt.time | _dt.datetime) -> str:
    """ "2:30 PM" (en_US), "14:30" (en_GB)."""
    return date_rules.time_of_day(value, viewer_locale())


def weekday_time(value: _dt.datetime, today: _dt.date) -> str:
    """ "Sun, Dec 7, 2:30 PM" (en_US), "Sun 7 Dec, 14:30" (en_GB)."""
    return date_rules.weekday_time(value, today, viewer_locale())


def month(value: _dt.date) -> str:
    """ "Dec 2025" (en_US), for cohorts and monthly labels."""
    return date_rules.month(value, viewer_locale())


def month_expr(column_name: str) -> pl.Expr:
    """A date column as `month` text. The viewer's locale is read here, in
    the script's thread: polars may call a mapped function from a thread of
    its own, which has no browser session to ask (it fell back to en_US)."""
    locale = viewer_locale()
    return pl.col(column_name).map_elements(lambda d: date_rules.month(d, locale), return_dtype=pl.String)


def month_heading(value: _dt.date) -> str:
    """ "December 2025" (en_US), a calendar's heading."""
    return date_rules.month_heading(value, viewer_locale())


def full(value: _dt.date) -> str:
    """ "December 7, 2025" (en_US), for messages that name a day for good."""
    return date_rules.full(value, viewer_locale())


def input_format() -> str:
    """The `format=` for every st.date_input: "MM/DD/YYYY" for en_US."""
    return date_rules.input_format(viewer_locale())


def column() -> str:
    """The `format=` for every st.column_config.DateColumn."""
    return date_rules.column_format(viewer_locale())


def datetime_column(*, seconds: bool = False) -> str:
    """The `format=` for every st.column_config.DatetimeColumn."""
    return date_rules.datetime_column_format(viewer_locale(), seconds=seconds)


def day_expr(column_name: str | pl.Expr, today: _dt.date, *, writer: date_rules.Writer = "day") -> pl.Expr:
    """A date column as `day` text, for cells that put words around a date."""
    return date_rules.day_expr(column_name, today, viewer_locale(), writer=writer)
