"""Year-end giving statements: the statement year, a donor's totals per
currency as the receipt states them, the donors who get a statement
and those who get none because every gift came back.

Input is gift rows as `db.donations.GIFT_SCHEMA` gives them (amounts in
the gift's own currency, with ``net_reporting_minor`` in the reporting
currency), not the `DONATIONS` frame of the report.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from metrics.periods import add_months, fiscal_year_start
from metrics.query import Query

FrameLike = pl.DataFrame | pl.LazyFrame


def statement_period(year: int, *, tax_year_start_month: int = 1) -> tuple[date, date]:
    """First and last day of a statement year (a tax year, by default the
    calendar year; a fiscal-year start gives the fiscal year named by the
    year it ends in, as `metrics.periods` does)."""
    start = fiscal_year_start(year, tax_year_start_month)
    return start, add_months(start, 12) - timedelta(days=1)


def statement_totals(gift_rows: FrameLike, *, start: date, end: date) -> Query[pl.DataFrame]:
    """A donor's year-end totals per currency, as a receipt states them:
    ``currency``, ``gifts``, ``given_minor``, ``refunded_minor``,
    ``net_minor`` (in the gift's own currency) and ``net_reporting_minor``.

    `gift_rows` are `db.donations.GIFT_SCHEMA` rows (amounts in the gift's
    currency). Fully refunded gifts are listed and count as 0.

    Example: 100 EUR, 50 EUR of which 20 refunded, 30 USD → EUR: 2 gifts,
    given 150, refunded 20, net 130; USD: 1 gift, net 30.
    """
    frame = _gifts_in_period(
        gift_rows,
        "currency",
        start=start,
        end=end,
        aggs=[
            _total("amount_minor").alias("given_minor"),
            _total("refunded_minor"),
            _NET.cast(pl.Int64).alias("net_minor"),
            _total("net_reporting_minor"),
        ],
    ).sort("currency")
    return Query.frame_of(frame)


# What is left of the gifts after refunds, in each gift's own currency.
_NET = (pl.col("amount_minor") - pl.col("refunded_minor")).sum()


def _total(column: str) -> pl.Expr:
    return pl.col(column).sum().cast(pl.Int64)


def _gifts_in_period(
    gift_rows: FrameLike, key: str, *, start: date, end: date, aggs: list[pl.Expr]
) -> pl.LazyFrame:
    """Per `key`, the gifts received from `start` to `end` (``gifts``), then `aggs`."""
    return (
        gift_rows.lazy()
        .filter(pl.col("received_on").is_between(start, end))
        .group_by(key)
        .agg(pl.len().cast(pl.Int64).alias("gifts"), *aggs)
    )


def _donors_in_period(gift_rows: FrameLike, *, start: date, end: date) -> pl.LazyFrame:
    # ``_left`` is zero only when every gift came back.
    return _gifts_in_period(
        gift_rows, "donor_id", start=start, end=end, aggs=[_total("net_reporting_minor"), _NET.alias("_left")]
    )


def statement_donors(gift_rows: FrameLike, *, start: date, end: date) -> Query[pl.DataFrame]:
    """Every donor who gave in the statement period and kept something
    after refunds, for the batch of year-end statements: ``donor_id``,
    ``gifts``, ``net_reporting_minor``; largest first. A donor whose every
    gift of the period was refunded in full gets no statement (it would
    state 0): `donors_refunded_in_full` counts them.

    Example: A 2 gifts net 130, B 1 gift net 30, C 1 gift of 20 refunded →
    rows A then B."""
    frame = (
        _donors_in_period(gift_rows, start=start, end=end)
        .filter(pl.col("_left") > 0)
        .drop("_left")
        .sort(["net_reporting_minor", "donor_id"], descending=[True, False])
    )
    return Query.frame_of(frame)


def donors_refunded_in_full(gift_rows: FrameLike, *, start: date, end: date) -> Query[pl.DataFrame]:
    """Donors with gifts in the statement period that were all refunded in
    full (``donor_id``, ``gifts``): they get no statement.

    Example: C 1 gift of 20 refunded 20 → C; A 50 refunded 20 → not listed."""
    frame = (
        _donors_in_period(gift_rows, start=start, end=end)
        .filter(pl.col("_left") <= 0)
        .select("donor_id", "gifts")
        .sort("donor_id")
    )
    return Query.frame_of(frame)
