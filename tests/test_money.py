"""One money module: each currency's own minor unit, symbol and locale."""

from __future__ import annotations

from decimal import Decimal

import pytest

import money


@pytest.mark.parametrize(
    ("code", "digits", "amount", "minor"),
    [
        ("EUR", 2, Decimal("12.50"), 1250),
        ("JPY", 0, Decimal("1500"), 1500),
        ("BHD", 3, Decimal("1.234"), 1234),
    ],
)
def test_minor_units_round_trip_with_each_currencys_exponent(
    code: str, digits: int, amount: Decimal, minor: int
) -> None:
    assert money.exponent(code) == digits
    assert money.to_minor(amount, code) == minor
    assert money.from_minor(minor, code) == amount
    assert money.major(minor, code) == pytest.approx(float(amount))


@pytest.mark.parametrize(
    ("amount", "code", "message"),
    [
        (Decimal("12.5"), "JPY", "JPY has no minor unit"),
        (Decimal("1.2345"), "BHD", "BHD has 3 decimal places at most"),
        (Decimal("3.999"), "EUR", "EUR has 2 decimal places at most"),
    ],
)
def test_digits_a_currency_lacks_are_refused(amount: Decimal, code: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        money.to_minor(amount, code)


@pytest.mark.parametrize(
    ("minor", "code", "locale", "text"),
    [
        (1_234_567, "EUR", "de_DE", "12.345,67\xa0€"),
        (1_234_567, "EUR", "en_US", "€12,345.67"),
        (1_500, "JPY", "ja_JP", "￥1,500"),
        (1_500, "JPY", "en_US", "¥1,500"),
        (1_234, "BHD", "en_US", "BHD\xa01.234"),
    ],
)
def test_amounts_are_written_as_the_locale_writes_them(minor: int, code: str, locale: str, text: str) -> None:
    assert money.format_money(minor, code, locale) == text


def test_code_text_keeps_each_currencys_digits() -> None:
    assert money.code_text(1_234_567, "USD") == "USD 12,345.67"
    assert money.code_text(1_500, "JPY") == "JPY 1,500"
    assert money.code_text(-1_234, "BHD") == "-BHD 1.234"


def test_decimal_commas_are_read_by_locale() -> None:
    assert money.parse_amount("1,5", "de_DE") == Decimal("1.5")
    assert money.parse_amount("1.5", "en_US") == Decimal("1.5")
    assert money.parse_amount("1.234,50", "de_DE") == Decimal("1234.50")
    with pytest.raises(ValueError, match="not an amount"):
        money.parse_amount("1,5", "en_US")
    with pytest.raises(ValueError, match="not an amount"):
        money.parse_amount("twelve", "en_US")


def test_currencies_are_those_in_use() -> None:
    codes = money.currencies()
    assert {"USD", "EUR", "JPY", "BHD", "KES"} <= set(codes)
    assert "DEM" not in codes and "XAU" not in codes  # a former currency, a metal
    assert money.check_currency(" jpy ") == "JPY"
    with pytest.raises(ValueError, match="not an ISO 4217 currency code"):
        money.check_currency("ABC")
