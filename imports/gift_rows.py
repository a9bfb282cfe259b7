"""One row of a gift export as what it is: a validated gift, a refund, a
skipped row or a problem, with the messages a person reads beside the row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from db import clock
from imports.dates import parse_date
from models.donations import MAX_MINOR, METHODS, check_currency, parse_decimal, to_minor
from models.donors import check_email, check_name
from models.spreadsheet import FORMULA_PREFIXES


@dataclass(frozen=True)
class RowIssue:
    row: int  # as a spreadsheet numbers it: the header is row 1
    message: str
    column: str | None = None
    value: str | None = None


@dataclass(frozen=True)
class SkippedRow:
    row: int
    reason: str


@dataclass(frozen=True)
class PlanFailure:
    """A recurring charge the processor reports as failed."""

    row: int
    plan_ref: str
    failed_on: date


def _ctx(info: ValidationInfo) -> dict[str, Any]:
    return info.context or {}


def _row_date(value: object, info: ValidationInfo) -> object:
    if isinstance(value, str):
        ctx = _ctx(info)
        day = parse_date(value, ctx.get("date_order", "DMY"))
        if day < date(1990, 1, 1):
            raise ValueError(f"'{value.strip()}' is before 1990")
        if day > ctx.get("today", clock.latest_today()):
            raise ValueError(f"'{value.strip()}' is in the future")
        return day
    return value


def _currency(value: object) -> str:
    return check_currency(str(value or ""))


def _money(value: object, info: ValidationInfo, *, allow_zero: bool) -> int:
    if isinstance(value, int):
        return value
    text = str(value or "").strip()
    if not text:
        if allow_zero:
            return 0
        raise ValueError("the amount is missing")
    if text.startswith("-"):
        raise ValueError(f"'{text}' is negative")
    amount = parse_decimal(text, decimal_comma=bool(_ctx(info).get("decimal_comma")))
    currency = info.data.get("currency")
    if currency is None:
        # The currency's own error is reported; the number itself was
        # readable, and the row is rejected either way.
        return 1
    minor = to_minor(amount, currency)
    if minor >= MAX_MINOR:
        raise ValueError(f"'{text}' is too large")
    return minor


def _amount(value: object, info: ValidationInfo) -> int:
    return _money(value, info, allow_zero=False)


def _amount_or_zero(value: object, info: ValidationInfo) -> int:
    return _money(value, info, allow_zero=True)


# A row's cells as the file writes them: a day in the file's date order
# (from 1990 to today), a currency code, and an amount in the row's currency
# read as minor units; an amount must be there, a fee or refund may be blank.
# An amount needs the row's currency, so `currency` comes before them.
RowDate = Annotated[date, BeforeValidator(_row_date)]
RowCurrency = Annotated[str, BeforeValidator(_currency)]
Amount = Annotated[int, BeforeValidator(_amount)]
AmountOrZero = Annotated[int, BeforeValidator(_amount_or_zero)]


class ImportedGift(BaseModel):
    """One gift row of an import, validated from the file's text."""

    model_config = ConfigDict(frozen=True)

    row: int
    reference: str = Field(min_length=1, max_length=200)
    received_on: RowDate
    currency: RowCurrency
    amount_minor: Amount = Field(gt=0)
    fee_minor: AmountOrZero = Field(ge=0)
    refunded_minor: AmountOrZero = Field(ge=0)
    donor_name: str
    donor_email: str | None
    is_recurring: bool
    plan_ref: str | None = Field(default=None, max_length=200)
    campaign: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=2000)
    method: str

    @field_validator("reference", mode="before")
    @classmethod
    def _reference(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value

    @field_validator("plan_ref", "campaign", "note", mode="before")
    @classmethod
    def _optional_text(cls, value: object) -> object:
        return (value.strip() or None) if isinstance(value, str) else value

    @field_validator("donor_name", mode="before")
    @classmethod
    def _name(cls, value: object) -> str:
        return check_name(str(value or ""))

    @field_validator("donor_email", mode="before")
    @classmethod
    def _email(cls, value: object) -> str | None:
        return check_email(None if value is None else str(value))

    @field_validator("note", "campaign")
    @classmethod
    def _note(cls, value: str | None) -> str | None:
        # Notes and campaign names are shown in exports: refuse the
        # characters that start a formula rather than store them.
        if value is not None and value.startswith(FORMULA_PREFIXES):
            raise ValueError(f"cannot start with '{value[0]}': spreadsheets would run it as a formula")
        return value

    @field_validator("method")
    @classmethod
    def _method(cls, value: str) -> str:
        key = value.strip().lower().replace(" ", "_")
        if key not in METHODS:
            raise ValueError(f"'{value}' is not a payment method ({', '.join(METHODS)})")
        return key

    @model_validator(mode="after")
    def _parts_fit(self) -> ImportedGift:
        if self.fee_minor > self.amount_minor:
            raise ValueError("the fee is larger than the gift")
        if self.refunded_minor > self.amount_minor:
            raise ValueError("more was refunded than given")
        return self


class ImportedRefund(BaseModel):
    """A refund row (PayPal): money returned on an earlier payment."""

    model_config = ConfigDict(frozen=True)

    row: int
    reference: str = Field(min_length=1, max_length=200)
    refers_to: str = Field(min_length=1, max_length=200)
    refunded_on: RowDate
    currency: RowCurrency
    amount_minor: Amount = Field(gt=0)
    fee_returned_minor: AmountOrZero = Field(ge=0)
