"""Gifts, campaigns, exchange rates and recurring plans as a fundraiser
enters them, and the money rules they share: ISO 4217 codes, each
currency's minor unit, and amounts written the way people write them."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Literal
from uuid import UUID, uuid4

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

import money
from models.donors import DonorIn
from models.fields import not_after_today, not_before
from models.spreadsheet import starts_like_formula

Method = Literal["card", "bank_transfer", "cash", "cheque", "paypal", "stripe", "direct_debit", "other"]
METHODS: tuple[Method, ...] = (
    "card",
    "bank_transfer",
    "cash",
    "cheque",
    "paypal",
    "stripe",
    "direct_debit",
    "other",
)
Source = Literal["individual", "foundation", "business", "government", "event", "other"]
SOURCES: tuple[Source, ...] = ("individual", "foundation", "business", "government", "event", "other")
Frequency = Literal["monthly", "quarterly", "annual"]
FREQUENCIES: tuple[Frequency, ...] = ("monthly", "quarterly", "annual")
PlanStatus = Literal["active", "failed", "cancelled"]
PLAN_STATUSES: tuple[PlanStatus, ...] = ("active", "failed", "cancelled")

MAX_MINOR = 100_000_000_000  # the donations table's own upper bound
EARLIEST = date(1990, 1, 1)


check_currency = money.check_currency


Currency = Annotated[str, AfterValidator(check_currency)]

_PLAIN = re.compile(r"^\d+(\.\d+)?$")
_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
_PLAIN_COMMA = re.compile(r"^\d+(,\d+)?$")
_THOUSANDS_COMMA = re.compile(r"^\d{1,3}(\.\d{3})+(,\d+)?$")


def parse_decimal(text: str, *, decimal_comma: bool = False) -> Decimal:
    """A non-negative amount as people and processors write it: "1234.5",
    "1,234.50", "$ 25" (or "1.234,50" with `decimal_comma`). Signs and
    symbols are the caller's business; this reads digits only."""
    raw = text.strip()
    if not decimal_comma and _PLAIN.match(raw):
        return Decimal(raw)  # the common case, without the clean-up below
    cleaned = re.sub(r"[\s\u00a0\u202f'$€£¥]", "", raw)
    if decimal_comma:
        if _PLAIN_COMMA.match(cleaned) or _THOUSANDS_COMMA.match(cleaned):
            cleaned = cleaned.replace(".", "").replace(",", ".")
        else:
            raise ValueError(f"'{raw}' is not an amount (write it like 1.234,50)")
    elif _THOUSANDS.match(cleaned):
        cleaned = cleaned.replace(",", "")
    elif not _PLAIN.match(cleaned):
        if _PLAIN_COMMA.match(cleaned):
            raise ValueError(f"'{raw}' is not an amount: use a point for decimals, like 12.50")
        raise ValueError(f"'{raw}' is not an amount (write it like 1234.50)")
    try:
        return Decimal(cleaned)
    except InvalidOperation as exc:  # pragma: no cover - the patterns above admit only digits
        raise ValueError(f"'{raw}' is not an amount") from exc


to_minor = money.to_minor
format_minor = money.code_text


def _amount_text(value: object) -> object:
    if isinstance(value, str):
        if value.strip().startswith("-"):
            raise ValueError("the amount must be more than zero")
        return parse_decimal(value)
    return value


AmountText = Annotated[Decimal, BeforeValidator(_amount_text)]


PastDate = Annotated[
    date,
    not_after_today("the date cannot be in the future"),
    not_before(EARLIEST, "the date cannot be before 1990"),
]


class GiftIn(BaseModel):
    """One gift recorded by hand. The donor is an existing one (`donor_id`)
    or a new one (`new_donor`), never both."""

    model_config = ConfigDict(str_strip_whitespace=True, frozen=True)

    donor_id: int | None = Field(default=None, gt=0)
    new_donor: DonorIn | None = None
    amount: AmountText = Field(gt=0)
    currency: Currency
    received_on: PastDate
    campaign_id: int | None = Field(default=None, gt=0)
    method: Method = "card"
    source: Source = "individual"
    is_recurring: bool = False
    frequency: Frequency = "monthly"
    note: str | None = Field(default=None, max_length=2000)
    idempotency_key: UUID = Field(default_factory=uuid4)

    @property
    def amount_minor(self) -> int:
        return to_minor(self.amount, self.currency)

    @model_validator(mode="after")
    def _donor_and_amount(self) -> GiftIn:
        if (self.donor_id is None) == (self.new_donor is None):
            raise ValueError("choose an existing donor or enter a new one")
        if self.amount_minor >= MAX_MINOR:
            raise ValueError("the amount is too large to be a single gift")
        return self


class CampaignIn(BaseModel):
    """A fundraising campaign: a goal in a currency over a period."""

    model_config = ConfigDict(str_strip_whitespace=True, frozen=True)

    name: str = Field(min_length=1, max_length=200)
    goal: AmountText = Field(gt=0)
    currency: Currency
    starts_on: date
    ends_on: date
    chapter_id: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _period(self) -> CampaignIn:
        if self.ends_on < self.starts_on:
            raise ValueError("the campaign must end on or after the day it starts")
        if self.starts_on < EARLIEST:
            raise ValueError("the campaign cannot start before 1990")
        to_minor(self.goal, self.currency)
        if starts_like_formula(self.name):
            raise ValueError("a campaign name cannot start with = + - or @")
        return self

    @property
    def goal_minor(self) -> int:
        return to_minor(self.goal, self.currency)


class ExchangeRateIn(BaseModel):
    """How many units of the reporting currency one unit of `currency` is
    worth from `valid_on` until the next stored rate."""

    model_config = ConfigDict(str_strip_whitespace=True, frozen=True)

    currency: Currency
    valid_on: date
    rate: Decimal = Field(gt=0, max_digits=20, decimal_places=10)


def _empty_is_none(value: object) -> object:
    if isinstance(value, str):
        lines = [" ".join(line.split()) for line in value.replace("\r", "").split("\n")]
        text = "\n".join(line for line in lines if line)
        return text or None
    return value


class StatementIssuerIn(BaseModel):
    """Who issues the donors' statements: the organisation's legal name
    (empty: the movement's name), postal address (a line per line) and tax
    or charity number (empty: none printed)."""

    model_config = ConfigDict(frozen=True)

    legal_name: Annotated[Annotated[str, Field(max_length=200)] | None, BeforeValidator(_empty_is_none)] = (
        None
    )
    postal_address: Annotated[
        Annotated[str, Field(max_length=500)] | None, BeforeValidator(_empty_is_none)
    ] = None
    tax_number: Annotated[Annotated[str, Field(max_length=100)] | None, BeforeValidator(_empty_is_none)] = (
        None
    )


class PlanStatusChange(BaseModel):
    """A fundraiser marking a recurring plan failed, cancelled or active again."""

    model_config = ConfigDict(str_strip_whitespace=True, frozen=True)

    plan_id: int = Field(gt=0)
    status: PlanStatus
    on: PastDate
    note: str | None = Field(default=None, max_length=500)


class RefundIn(BaseModel):
    """A refund entered by hand against one gift, in the gift's currency."""

    model_config = ConfigDict(str_strip_whitespace=True, frozen=True)

    donation_id: int = Field(gt=0)
    amount: AmountText = Field(gt=0)
    refunded_on: PastDate
    note: str | None = Field(default=None, max_length=1000)
    idempotency_key: UUID = Field(default_factory=uuid4)


_FIELD_LABELS = {
    "donor_id": "Donor",
    "new_donor": "New donor",
    "display_name": "Name",
    "email": "Email",
    "amount": "Amount",
    "goal": "Goal",
    "currency": "Currency",
    "received_on": "Date",
    "spent_on": "Date",
    "on": "Date",
    "refunded_on": "Date",
    "valid_on": "Valid from",
    "rate": "Rate",
    "name": "Name",
    "note": "Note",
    "description": "Description",
    "category": "Category",
    "method": "Method",
}


def error_messages(exc: ValidationError) -> list[str]:
    """pydantic's errors as sentences a person reads: "Amount: the amount
    must be more than zero" rather than a location tuple and a type code."""
    out: list[str] = []
    for err in exc.errors():
        message = str(err["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
        if err["type"] == "greater_than":
            message = "must be more than zero"
        elif err["type"] in ("date_from_datetime_parsing", "date_parsing", "date_type"):
            message = "is not a date (use YYYY-MM-DD)"
        elif err["type"] == "decimal_max_places":
            message = "has too many decimal places"
        elif err["type"] == "string_too_long":
            message = f"is too long (at most {err.get('ctx', {}).get('max_length', '?')} characters)"
        elif err["type"] in ("missing", "string_too_short"):
            message = "is required"
        names = [str(p) for p in err["loc"] if isinstance(p, str)]
        label = _FIELD_LABELS.get(names[-1], names[-1].replace("_", " ").capitalize()) if names else ""
        out.append(f"{label}: {message}" if label else message[:1].upper() + message[1:])
    return out
