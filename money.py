"""Money: currencies, their minor units, and amounts as people read them.

Amounts are stored as integer minor units of their currency (no floats, and
PostgreSQL `numeric` arrives through ADBC as text). How many digits a
currency's minor unit has, its symbol and how a locale writes an amount all
come from the Unicode CLDR through Babel, never from a hand table. CLDR's
digits are those in use: where ISO 4217 keeps a minor unit that no longer
circulates (the Iraqi dinar, the Afghan afghani, the Yemeni rial…), CLDR
says 0, and so do we."""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

import polars as pl
from babel.core import get_global
from babel.numbers import (
    NumberFormatError,
    format_currency,
    get_currency_precision,
    get_currency_symbol,
    get_territory_currencies,
    parse_decimal,
)

DEFAULT_LOCALE = "en_US"
_LETTER_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")
# The day the list of currencies in use is read for: fixed, so the list
# (and what the forms accept) does not change from one day to the next.
_CURRENCIES_ON = _dt.date(2026, 1, 1)


@cache
def _in_use() -> frozenset[str]:
    codes: set[str] = set()
    for territory in get_global("territory_currencies"):
        codes.update(get_territory_currencies(territory, _CURRENCIES_ON, tender=True))
    return frozenset(codes)


def currencies() -> tuple[str, ...]:
    """Every currency some country uses as legal tender, by code."""
    return tuple(sorted(_in_use()))


def is_currency(code: str) -> bool:
    return code in _in_use()


def check_currency(value: str) -> str:
    """An ISO 4217 code in any case, returned upper-case; a clear message
    for anything else."""
    code = value.strip().upper()
    if not code:
        raise ValueError("choose a currency")
    if not is_currency(code):
        raise ValueError(f"'{value.strip()}' is not an ISO 4217 currency code (such as USD, EUR, JPY)")
    return code


@cache
def exponent(code: str) -> int:
    """Digits of the currency's minor unit: USD 2, JPY 0, BHD 3.

    >>> exponent("USD"), exponent("JPY"), exponent("BHD")
    (2, 0, 3)
    """
    return int(get_currency_precision(code))


def to_minor(amount: Decimal, code: str) -> int:
    """Major units to integer minor units, refusing digits the currency does
    not have (JPY 12.5, USD 3.999).

    >>> to_minor(Decimal("12.50"), "EUR"), to_minor(Decimal("1500"), "JPY"), to_minor(Decimal("1.234"), "BHD")
    (1250, 1500, 1234)
    """
    digits = exponent(code)
    scaled = amount.scaleb(digits)
    if scaled != scaled.to_integral_value():
        if digits == 0:
            raise ValueError(f"{code} has no minor unit: enter a whole number")
        raise ValueError(f"{code} has {digits} decimal places at most")
    return int(scaled)


def from_minor(minor: int, code: str) -> Decimal:
    """Integer minor units to an exact amount in major units.

    >>> from_minor(1250, "EUR"), from_minor(1500, "JPY"), from_minor(1234, "BHD")
    (Decimal('12.50'), Decimal('1500'), Decimal('1.234'))
    """
    return Decimal(minor).scaleb(-exponent(code))


def major(minor: float, code: str) -> float:
    """Minor units as a float of major units, for charts and sums."""
    return float(minor) / float(10 ** exponent(code))


def major_column(column: str, code: str, alias: str | None = None) -> pl.Expr:
    """A column of minor units as floats of major units of `code`, for
    charts and tables (JPY 1500 → 1500.0, BHD 1234 → 1.234)."""
    digits = exponent(code)
    return (pl.col(column).cast(pl.Float64) / float(10**digits)).round(digits).alias(alias or column)


def majors(minors: Iterable[float | None], code: str) -> list[float | None]:
    """Minor units as floats of major units, for chart series."""
    return [None if m is None else major(m, code) for m in minors]


def rounded_minor(amount: float | Decimal, code: str) -> int:
    """Major units to the nearest whole minor unit (half away from zero),
    for targets typed with more digits than the currency has.

    >>> rounded_minor(12.345, "USD"), rounded_minor(1500.4, "JPY"), rounded_minor(1.2345, "BHD")
    (1235, 1500, 1235)
    """
    scaled = Decimal(str(amount)).scaleb(exponent(code))
    return int(scaled.to_integral_value(rounding=ROUND_HALF_UP))


def code_text(minor: int, code: str) -> str:
    """The amount after its code, as tables and statements show it:
    1234567 USD → "USD 12,345.67"; 1500 JPY → "JPY 1,500"."""
    digits = exponent(code)
    sign = "-" if minor < 0 else ""
    return f"{sign}{code} {Decimal(abs(minor)).scaleb(-digits):,.{digits}f}"


def format_money(minor: int, code: str, locale: str = DEFAULT_LOCALE) -> str:
    """The amount as `locale` writes it, with the currency's own digits:
    1234567 EUR in de_DE → "12.345,67 €"; 1500 JPY in ja_JP → "￥1,500"."""
    text = str(format_currency(from_minor(minor, code), code, locale=locale, currency_digits=True))
    # CLDR's currency spacing, which Babel leaves out: a symbol made of
    # letters ("BHD", "CHF") is kept apart from the digits.
    return _LETTER_DIGIT.sub("\xa0", text)


def symbol(code: str, locale: str = DEFAULT_LOCALE) -> str:
    """The currency's symbol in `locale` ("$", "€", "¥"), or its code where
    the locale has none."""
    return str(get_currency_symbol(code, locale=locale))


def parse_amount(text: str, locale: str = DEFAULT_LOCALE) -> Decimal:
    """An amount typed the way `locale` writes numbers: "1,5" in de_DE and
    "1.5" in en_US are both one and a half. Refuses what is not a number."""
    try:
        return Decimal(parse_decimal(text.strip(), locale=locale, strict=True))
    except NumberFormatError as exc:
        raise ValueError(f"'{text.strip()}' is not an amount") from exc
