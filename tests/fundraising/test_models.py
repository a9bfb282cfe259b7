"""The fundraising models: what a person may type, and what they are told."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from db.exchange_rates import convert_minor
from models.donations import (
    CampaignIn,
    GiftIn,
    error_messages,
    format_minor,
    parse_decimal,
    to_minor,
)
from models.donors import DonorIn, MergeRequest, name_key
from models.expenses import ExpenseIn


def _errors(model: type, **values: object) -> list[str]:
    with pytest.raises(ValidationError) as info:
        model(**values)  # type: ignore[operator]
    return error_messages(info.value)


def test_amounts_as_people_write_them() -> None:
    assert parse_decimal("1,234.50") == Decimal("1234.50")
    assert parse_decimal(" $ 25 ") == Decimal("25")
    assert parse_decimal("1.234,50", decimal_comma=True) == Decimal("1234.50")
    for bad in ("12,5", "1,23,4", "abc", "1e5", ""):
        with pytest.raises(ValueError, match="is not an amount"):
            parse_decimal(bad)


def test_minor_units_follow_iso_4217() -> None:
    assert to_minor(Decimal("12.34"), "USD") == 1234
    assert to_minor(Decimal("1500"), "JPY") == 1500
    assert to_minor(Decimal("1.234"), "BHD") == 1234
    with pytest.raises(ValueError, match="2 decimal places"):
        to_minor(Decimal("1.234"), "EUR")
    assert format_minor(123456789, "USD") == "USD 1,234,567.89"
    assert format_minor(1500, "JPY") == "JPY 1,500"
    assert format_minor(-250, "EUR") == "-EUR 2.50"


def test_conversion_to_the_reporting_currency() -> None:
    # 10,000 JPY at 0.0067 USD per yen = 67.00 USD.
    assert convert_minor(10_000, "JPY", "USD", Decimal("0.0067")) == 6700
    # 12.345 BHD (3 digits) at 2.65 = 32.71425 USD -> 32.71 (half up).
    assert convert_minor(12_345, "BHD", "USD", Decimal("2.65")) == 3271
    # USD into JPY reporting: 1.00 USD at 149.5 -> 150 yen (half up).
    assert convert_minor(100, "USD", "JPY", Decimal("149.5")) == 150
    # Too small to show still counts one minor unit.
    assert convert_minor(1, "JPY", "USD", Decimal("0.0001")) == 1
    assert convert_minor(5000, "USD", "USD", Decimal("3")) == 5000


def test_gift_rules() -> None:
    ok = GiftIn(donor_id=1, amount="50", currency="eur", received_on=date(2025, 1, 1))
    assert (ok.amount_minor, ok.currency) == (5000, "EUR")
    assert _errors(GiftIn, amount="5", currency="USD", received_on=date(2025, 1, 1)) == [
        "Choose an existing donor or enter a new one"
    ]
    assert _errors(GiftIn, donor_id=1, amount="5", currency="XYZ", received_on=date(2025, 1, 1)) == [
        "Currency: 'XYZ' is not an ISO 4217 currency code (such as USD, EUR, JPY)"
    ]
    future = date.today() + timedelta(days=3)
    assert _errors(GiftIn, donor_id=1, amount="5", currency="USD", received_on=future) == [
        "Date: the date cannot be in the future"
    ]
    assert "Amount: the amount is too large to be a single gift" not in _errors(
        GiftIn, donor_id=1, amount="1", currency="USD", received_on=date(1980, 1, 1)
    )
    both = _errors(
        GiftIn,
        donor_id=1,
        new_donor=DonorIn(display_name="A"),
        amount="5",
        currency="USD",
        received_on=date(2025, 1, 1),
    )
    assert both == ["Choose an existing donor or enter a new one"]


def test_names_refuse_formulas_and_match_across_spellings() -> None:
    for bad in ("=SUM(A1)", "+1", "-x", "@cmd", "  =x", "\t=x"):
        assert any("formula" in m for m in _errors(DonorIn, display_name=bad)), bad
    # A leading tab alone is whitespace: trimmed away, the name is safe.
    assert DonorIn(display_name="\tx").display_name == "x"
    assert DonorIn(display_name="  Jane   Smith ", email=" JANE@X.ORG ").email == "jane@x.org"
    assert name_key("Smith, Jane") == name_key("jane  SMITH") == "jane smith"
    assert name_key("José Núñez") == name_key("jose nunez")
    assert _errors(MergeRequest, keep_id=3, duplicate_id=3) == ["Choose two different donors to merge"]


def test_campaign_and_expense_rules() -> None:
    assert (
        CampaignIn(
            name="Spring",
            goal="10,000",
            currency="USD",
            starts_on=date(2025, 4, 1),
            ends_on=date(2025, 4, 30),
        ).goal_minor
        == 1_000_000
    )
    assert _errors(
        CampaignIn, name="S", goal="1", currency="USD", starts_on=date(2025, 4, 2), ends_on=date(2025, 4, 1)
    ) == ["The campaign must end on or after the day it starts"]
    e = ExpenseIn(
        spent_on=date(2025, 1, 1),
        amount="12.5",
        currency="GBP",
        category="Management and General",
        description="Rent",
    )
    assert (e.category, e.amount_minor) == ("admin", 1250)
    assert _errors(
        ExpenseIn, spent_on=date(2025, 1, 1), amount="1", currency="USD", category="travel", description="x"
    ) == ["Category: 'travel' is not a category: use program, admin or fundraising"]
    assert any(
        "formula" in m
        for m in _errors(
            ExpenseIn,
            spent_on=date(2025, 1, 1),
            amount="1",
            currency="USD",
            category="admin",
            description="=1+1",
        )
    )
