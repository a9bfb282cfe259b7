"""One date format per locale: the year only outside the viewer's current
year, pickers and table columns in the locale's own order (issue 16)."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest

import dates

TODAY = date(2026, 12, 7)
THIS_YEAR = date(2026, 3, 1)
LAST_YEAR = date(2025, 12, 7)


# Per locale, this year's and last year's (a day, an event time): the year
# shows only outside the current year; an event time adds the weekday and the
# locale's clock.
@pytest.mark.parametrize(
    ("locale", "this_year", "other_year"),
    [
        ("en_US", ("Mar 1", "Sun, Mar 1, 2:30\u202fPM"), ("Dec 7, 2025", "Sun, Dec 7, 2025, 2:30\u202fPM")),
        ("en_GB", ("1 Mar", "Sun 1 Mar, 14:30"), ("7 Dec 2025", "Sun, 7 Dec 2025, 14:30")),
        ("de_DE", ("1. März", "So., 1. März, 14:30"), ("7. Dez. 2025", "So., 7. Dez. 2025, 14:30")),
        ("fr_CA", ("1 mars", "dim. 1 mars 14 h 30"), ("7 déc. 2025", "dim. 7 déc. 2025 14 h 30")),
    ],
)
def test_days_and_event_times_have_their_year_only_outside_the_current_year(
    locale: str, this_year: tuple[str, str], other_year: tuple[str, str]
) -> None:
    assert dates.day(THIS_YEAR, TODAY, locale) == this_year[0]
    assert dates.day(LAST_YEAR, TODAY, locale) == other_year[0]
    assert dates.weekday_time(datetime(2026, 3, 1, 14, 30), TODAY, locale) == this_year[1]
    assert dates.weekday_time(datetime(2025, 12, 7, 14, 30), TODAY, locale) == other_year[1]


def test_the_current_year_is_the_callers_today_not_the_machines() -> None:
    # On 1 January for the person, 31 December is last year's, whatever the
    # server's clock says.
    assert dates.day(date(2026, 12, 31), date(2027, 1, 1)) == "Dec 31, 2026"
    assert dates.day(date(2026, 12, 31), date(2026, 12, 31)) == "Dec 31"


@pytest.mark.parametrize(
    ("locale", "picker", "column"),
    [
        ("en_US", "MM/DD/YYYY", "MMM D, YYYY"),
        ("en_GB", "DD/MM/YYYY", "D MMM YYYY"),
        ("de_DE", "DD.MM.YYYY", "DD.MM.YYYY"),
        ("fr_CA", "YYYY-MM-DD", "YYYY-MM-DD"),
        ("nl_NL", "DD-MM-YYYY", "DD-MM-YYYY"),
        ("ja", "YYYY/MM/DD", "YYYY/MM/DD"),
    ],
)
def test_pickers_and_columns_follow_the_locales_cldr_pattern(locale: str, picker: str, column: str) -> None:
    assert dates.input_format(locale) == picker
    assert dates.column_format(locale) == column


def test_every_picker_format_is_one_streamlit_accepts() -> None:
    from babel.localedata import locale_identifiers
    from streamlit.elements.widgets.time_widgets import ALLOWED_DATE_FORMATS

    for locale in locale_identifiers():
        assert ALLOWED_DATE_FORMATS.match(dates.input_format(locale)), locale


def test_datetime_columns_add_the_locales_time() -> None:
    assert dates.datetime_column_format("en_US") == "MMM D, YYYY h:mm\u202fA"
    assert dates.datetime_column_format("en_GB") == "D MMM YYYY HH:mm"
    assert dates.datetime_column_format("de_DE", seconds=True) == "DD.MM.YYYY HH:mm:ss"
    # Literal words of a pattern stay literal for momentjs.
    assert dates.datetime_column_format("fr_CA") == "YYYY-MM-DD HH [h ]mm"


def test_documents_and_messages_always_name_the_year() -> None:
    assert dates.full(THIS_YEAR) == "March 1, 2026"
    assert dates.full(THIS_YEAR, "en_GB") == "1 March 2026"
    assert dates.with_year(THIS_YEAR) == "Mar 1, 2026"
    assert dates.month(THIS_YEAR, "de_DE") == "März 2026"


@pytest.mark.parametrize(
    ("tag", "locale"),
    [
        ("en-US", "en_US"),
        ("en-GB", "en_GB"),
        ("de", "de"),
        ("fr-CA", "fr_CA"),
        (None, "en_US"),
        ("", "en_US"),
    ],
)
def test_browser_tags_become_babel_locales(tag: str | None, locale: str) -> None:
    assert dates.normalize(tag) == locale


@pytest.mark.parametrize("tag", ["xx-YY", "not a locale", "en_US@@@"])
def test_an_unknown_tag_falls_back_to_the_default(tag: str) -> None:
    assert dates.normalize(tag) == dates.DEFAULT_LOCALE


def test_a_date_column_as_text_formats_each_day_once_and_keeps_nulls() -> None:
    frame = pl.DataFrame({"d": [LAST_YEAR, None, THIS_YEAR, LAST_YEAR]})
    shown = frame.select(dates.day_expr("d", TODAY, "en_GB"))["d"].to_list()
    assert shown == ["7 Dec 2025", None, "1 Mar", "7 Dec 2025"]


@pytest.mark.parametrize(
    ("locale", "month", "heading", "short", "year"),
    [
        ("en_US", "Dec 2026", "December 2026", "12/7/26", "2026"),
        ("de_DE", "Dez. 2026", "Dezember 2026", "07.12.26", "2026"),
        ("fr_FR", "déc. 2026", "décembre 2026", "07/12/2026", "2026"),
        ("ja_JP", "2026年12月", "2026年12月", "2026/12/07", "2026年"),
    ],
)
def test_months_and_chart_ticks_are_the_locales(
    locale: str, month: str, heading: str, short: str, year: str
) -> None:
    assert dates.month(TODAY, locale) == month
    assert dates.month_heading(TODAY, locale) == heading
    assert dates.short(TODAY, locale) == short
    assert dates.year(TODAY, locale) == year
