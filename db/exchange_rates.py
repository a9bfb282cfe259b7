"""Exchange rates: converting any currency to the reporting currency at a
stored rate, and keeping the rates. Every call runs as the signed-in person,
so row-level security decides."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl
import psycopg

import money
from db.arrow import read_frame
from db.connection import dict_transaction
from db.errors import InvalidDataError
from db.identity import Identity
from db.movement_settings import read_movement_money
from models.donations import ExchangeRateIn


class MissingRateError(InvalidDataError):
    """No stored exchange rate covers a currency on a date."""


def convert_minor(amount_minor: int, currency: str, reporting: str, rate: Decimal) -> int:
    """`amount_minor` of `currency` in minor units of `reporting`.

    reporting_minor = round_half_up(amount / 10^e(currency) × rate × 10^e(reporting)),
    never below 1: a gift too small to show in the reporting currency still
    counts as one minor unit rather than vanishing (the difference is under
    one cent). Example: 1,500 JPY at 0.0067 USD/JPY -> 1050 cents ($10.05)."""
    if currency == reporting:
        return amount_minor
    return max(1, money.rounded_minor(money.from_minor(amount_minor, currency) * rate, reporting))


@dataclass
class Rates:
    """Every stored rate for some currencies, held in memory so an import of
    100,000 rows converts without one query per row. A gift on day d uses
    the latest rate valid on or before d."""

    reporting: str
    table: dict[str, tuple[list[date], list[Decimal]]] = field(default_factory=dict)

    @classmethod
    def load(cls, conn: psycopg.Connection[Any], currencies: Iterable[str]) -> Rates:
        reporting = read_movement_money(conn).reporting_currency
        wanted = sorted({c for c in currencies if c != reporting})
        rates = cls(reporting)
        if wanted:
            rows = conn.execute(
                "select currency, valid_on, rate from public.exchange_rates "
                "where currency = any(%s) order by currency, valid_on",
                (wanted,),
            ).fetchall()
            for row in rows:
                days, values = rates.table.setdefault(row["currency"], ([], []))
                days.append(row["valid_on"])
                values.append(Decimal(row["rate"]))
        return rates

    def rate(self, currency: str, on: date) -> Decimal | None:
        if currency == self.reporting:
            return Decimal(1)
        days, values = self.table.get(currency, ([], []))
        i = bisect.bisect_right(days, on)
        return values[i - 1] if i else None

    def convert(self, amount_minor: int, currency: str, on: date) -> int:
        rate = self.rate(currency, on)
        if rate is None:
            raise MissingRateError(missing_rate_message(currency, self.reporting, on))
        return convert_minor(amount_minor, currency, self.reporting, rate)


def missing_rate_message(currency: str, reporting: str, on: date) -> str:
    return (
        f"no exchange rate from {currency} to {reporting} on or before {on.isoformat()}: "
        "add one under Import gifts → Exchange rates"
    )


def save_exchange_rate(identity: Identity, rate: ExchangeRateIn) -> None:
    """Store (or correct) one day's rate. Gifts already recorded keep the
    reporting amount they were stored with."""
    with dict_transaction(identity) as conn:
        reporting = read_movement_money(conn).reporting_currency
        if rate.currency == reporting:
            raise InvalidDataError(f"{reporting} is the reporting currency: its rate is always 1")
        conn.execute(
            "insert into public.exchange_rates (currency, valid_on, rate) values (%s, %s, %s) "
            "on conflict (currency, valid_on) do update set rate = excluded.rate",
            (rate.currency, rate.valid_on, rate.rate),
        )


def exchange_rates_frame(identity: Identity) -> pl.DataFrame:
    return read_frame(
        identity,
        "select currency, valid_on, rate::float8 as rate from public.exchange_rates "
        "order by currency, valid_on desc",
        schema={"currency": pl.String, "valid_on": pl.Date, "rate": pl.Float64},
    )
