"""Periods, fiscal years and calendar arithmetic shared by every family.

A `Period` is a run of whole calendar months (the grain at which volunteer
hours are aggregated). Figures are cut at the report's `as_of` date, so a
period that has not ended yet is *partial* (year to date) and says so.

Fiscal year ``y`` is named by the calendar year in which it ends: with a
fiscal year starting in July, FY 2025 runs 2024-07-01 … 2025-06-30. With the
default January start it is the calendar year.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def week_start(day: date) -> date:
    """The Monday of `day`'s ISO week."""
    return day - timedelta(days=day.weekday())


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` after `day`'s month."""
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def months_between(start: date, end: date) -> int:
    """Whole months from `start`'s month to `end`'s month (0 when the same)."""
    return (end.year - start.year) * 12 + (end.month - start.month)


def year_before(day: date) -> date:
    """The same day a year earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return date(day.year - 1, 2, 28)


def last_complete_month(as_of: date) -> date:
    """The first day of the latest month whose last day is on or before `as_of`."""
    if as_of == month_end(as_of):
        return as_of.replace(day=1)
    return add_months(as_of, -1)


def fiscal_year_of(day: date, start_month: int = 1) -> int:
    """The fiscal year containing `day`.

    >>> fiscal_year_of(date(2024, 7, 1), 7), fiscal_year_of(date(2024, 6, 30), 7)
    (2025, 2024)
    """
    _check_month(start_month)
    return day.year + (1 if start_month > 1 and day.month >= start_month else 0)


def fiscal_year_start(year: int, start_month: int = 1) -> date:
    _check_month(start_month)
    return date(year, 1, 1) if start_month == 1 else date(year - 1, start_month, 1)


def fiscal_year_expr(day: pl.Expr, start_month: int = 1) -> pl.Expr:
    """`fiscal_year_of` as a polars expression over a date column."""
    _check_month(start_month)
    year = day.dt.year().cast(pl.Int32)
    if start_month == 1:
        return year
    return year + (day.dt.month() >= start_month).cast(pl.Int32)


def by_month(frame: pl.DataFrame | pl.LazyFrame, column: str, aggs: list[pl.Expr]) -> pl.LazyFrame:
    """`aggs` per calendar month of the date `column`, keyed ``month`` (its
    first day); months without rows are absent.

    Windows over the rows sorted by date rather than a month computed per
    row: on millions of rows the month arithmetic costs more than the sums
    (and a frame already sorted is not sorted again)."""
    return frame.lazy().sort(column).group_by_dynamic(column, every="1mo").agg(aggs).rename({column: "month"})


def rows_between(frame: pl.DataFrame, column: str, first: date | None, last: date | None) -> pl.DataFrame:
    """The rows of `frame` (sorted by the date `column`) with first ≤ column
    ≤ last, found by binary search: a zero-copy slice."""
    values = frame.get_column(column)
    lo = 0 if first is None else int(values.search_sorted(first, side="left"))
    hi = frame.height if last is None else int(values.search_sorted(last, side="right"))
    return frame.slice(lo, max(0, hi - lo))


def _check_month(month: int) -> None:
    if not 1 <= month <= 12:
        raise ValueError(f"a month is 1–12, not {month}")


@dataclass(frozen=True, order=True)
class Period:
    """Whole months from `start` (a first of month) to `end` (a last of
    month), both inclusive.

    >>> Period.quarter(2025, 2)
    Period(start=datetime.date(2025, 4, 1), end=datetime.date(2025, 6, 30))
    >>> Period.quarter(2025, 2).previous()
    Period(start=datetime.date(2025, 1, 1), end=datetime.date(2025, 3, 31))
    """

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.start.day != 1:
            raise ValueError("a period starts on the first day of a month")
        if self.end != month_end(self.end):
            raise ValueError("a period ends on the last day of a month")
        if self.end < self.start:
            raise ValueError("a period ends after it starts")

    @classmethod
    def months(cls, first: date, last: date) -> Period:
        """From `first`'s month to `last`'s month, whole."""
        return cls(month_start(first), month_end(last))

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        first = date(year, month, 1)
        return cls(first, month_end(first))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        if not 1 <= quarter <= 4:
            raise ValueError("a quarter is 1–4")
        first = date(year, 3 * quarter - 2, 1)
        return cls(first, month_end(add_months(first, 2)))

    @classmethod
    def calendar_year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def fiscal_year(cls, year: int, start_month: int = 1) -> Period:
        first = fiscal_year_start(year, start_month)
        return cls(first, add_months(first, 12) - timedelta(days=1))

    @classmethod
    def trailing_months(cls, as_of: date, months: int) -> Period:
        """The `months` whole months ending with `as_of`'s month."""
        if months < 1:
            raise ValueError("at least one month")
        return cls(add_months(as_of, -(months - 1)), month_end(as_of))

    @property
    def n_months(self) -> int:
        return months_between(self.start, self.end) + 1

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        first = add_months(self.start, -self.n_months)
        return Period(first, self.start - timedelta(days=1))

    def year_before(self) -> Period:
        return Period(add_months(self.start, -12), month_end(add_months(self.end, -12)))

    def effective_end(self, as_of: date) -> date:
        """The last day with data: the period's end, or `as_of` if earlier."""
        return min(self.end, as_of)

    def is_partial(self, as_of: date) -> bool:
        return as_of < self.end

    def months_elapsed(self, as_of: date) -> float:
        """Months of the period run by `as_of`: whole months, plus the
        running month's share of its days. Growth and churn measured so far
        are annualised by 12 / this, not by the period's full length
        (METRICS.md: health score components are annual rates).

        >>> Period.months(date(2026, 1, 1), date(2026, 12, 1)).months_elapsed(date(2026, 6, 30))
        6.0
        >>> Period.months(date(2026, 4, 1), date(2027, 3, 1)).months_elapsed(date(2026, 11, 30))
        8.0
        >>> Period.month(2026, 2).months_elapsed(date(2026, 2, 14))
        0.5
        """
        end = self.effective_end(as_of)
        if end < self.start:
            return 0.0
        return months_between(self.start, end) + end.day / month_end(end).day

    def month_starts(self) -> list[date]:
        return [add_months(self.start, k) for k in range(self.n_months)]

    def label(self) -> str:
        if self.n_months == 1:
            return self.start.strftime("%b %Y")
        return f"{self.start:%b %Y} – {self.end:%b %Y}"

    def to_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "label": self.label()}

    def json_form(self) -> dict[str, str]:
        return self.to_dict()
