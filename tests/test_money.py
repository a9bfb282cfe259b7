"""One money module: each currency's own minor unit, symbol and locale."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
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


def test_chart_and_table_values_use_each_currencys_exponent() -> None:
    frame = pl.DataFrame({"amount_minor": [1_500, 1_234, None]})
    for code, expected in (("JPY", [1500.0, 1234.0]), ("BHD", [1.5, 1.234]), ("EUR", [15.0, 12.34])):
        column = frame.select(money.major_column("amount_minor", code, alias="amount"))["amount"]
        assert column.to_list() == [*expected, None]
        assert money.majors([1_500, 1_234, None], code) == [*expected, None]


def test_typed_targets_round_to_the_currencys_minor_unit() -> None:
    assert money.rounded_minor(12.345, "EUR") == 1235
    assert money.rounded_minor(1500.5, "JPY") == 1501
    assert money.rounded_minor(Decimal("1.2345"), "BHD") == 1235
    assert money.rounded_minor(-0.005, "EUR") == -1


def test_goal_money_is_read_in_the_currencys_own_units() -> None:
    from metrics.goal_metrics import format_value

    assert format_value("fundraising.funds_raised_minor", 1_500_000, "JPY") == "1,500,000 JPY"
    assert format_value("fundraising.funds_raised_minor", 1_500_000, "BHD") == "1,500 BHD"
    assert format_value("fundraising.funds_raised_minor", 1_500_000, "EUR") == "15,000 EUR"
