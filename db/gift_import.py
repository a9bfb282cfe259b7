"""Gift imports from payment processors' CSV exports: Stripe's payments
export, PayPal's activity download, and any CSV with a column mapping.

Three steps, so nothing is written before the person has seen it:

1. ``read_csv`` and ``parse_file``: the file's rows through the column
   mapping into validated gifts, refunds and skipped rows, with every bad row
   reported (row numbers as a spreadsheet shows them: the header is row 1).
2. ``check_import``: against the database as the signed-in person: gifts
   already recorded (by processor reference), donors found or to create,
   exchange rates, campaigns, refunds' original gifts.
3. ``commit_import``: all of it in one transaction, only when the check found
   no errors (or, through ``ImportCheck.without_reported_rows``, with the rows
   that have problems left out); importing the same file again adds nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

import polars as pl
import psycopg
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from db import clock
from db.donations import Rates, dict_transaction, missing_rate_message
from db.errors import InvalidDataError
from db.identity import Identity
from db.models.donations import (
    MAX_MINOR,
    METHODS,
    check_currency,
    format_minor,
    minor_units,
    parse_decimal,
    to_minor,
)
from db.models.donors import check_email, check_name, loose_name_key, name_key
from db.models.spreadsheet import FORMULA_PREFIXES
from imports.text import UnreadableFile, decode_text, delimiter

ImportFormat = Literal["stripe", "paypal", "generic"]
FORMATS: tuple[ImportFormat, ...] = ("stripe", "paypal", "generic")
DateOrder = Literal["auto", "YMD", "DMY", "MDY"]
DATE_ORDERS: tuple[DateOrder, ...] = ("auto", "YMD", "DMY", "MDY")

# Our fields, in the order the mapping form shows them, with their labels.
FIELDS: dict[str, str] = {
    "reference": "Transaction reference",
    "received_on": "Date",
    "amount": "Amount (gross)",
    "currency": "Currency",
    "fee": "Processor fee",
    "refunded": "Amount refunded",
    "name": "Donor name",
    "email": "Donor email",
    "status": "Status",
    "type": "Transaction type",
    "refers_to": "Original transaction (refunds, subscriptions)",
    "recurring": "Recurring (yes/no, or a subscription or invoice id)",
    "plan_ref": "Recurring plan / customer id",
    "campaign": "Campaign name",
    "note": "Note",
    "method": "Payment method",
}
REQUIRED: dict[ImportFormat, tuple[str, ...]] = {
    "stripe": ("reference", "received_on", "amount", "currency", "status"),
    "paypal": ("reference", "received_on", "amount", "currency", "status", "type"),
    "generic": ("received_on", "amount", "currency", "name"),
}

# The column names the processors themselves write (Stripe Dashboard →
# Payments → Export, "default" columns; PayPal → Activity → Download, CSV).
DEFAULT_MAPPINGS: dict[ImportFormat, dict[str, str]] = {
    "stripe": {
        "reference": "id",
        "received_on": "Created (UTC)",
        "amount": "Amount",
        "currency": "Currency",
        "fee": "Fee",
        "refunded": "Amount Refunded",
        "name": "Card Name",
        "email": "Customer Email",
        "status": "Status",
        "recurring": "Invoice ID",
        "plan_ref": "Customer ID",
        "note": "Description",
    },
    "paypal": {
        "reference": "Transaction ID",
        "received_on": "Date",
        "amount": "Gross",
        "currency": "Currency",
        "fee": "Fee",
        "name": "Name",
        "email": "From Email Address",
        "status": "Status",
        "type": "Type",
        "refers_to": "Reference Txn ID",
        "campaign": "Item Title",
        "note": "Note",
    },
    "generic": {
        "reference": "reference",
        "received_on": "date",
        "amount": "amount",
        "currency": "currency",
        "fee": "fee",
        "refunded": "refunded",
        "name": "name",
        "email": "email",
        "recurring": "recurring",
        "campaign": "campaign",
        "note": "note",
        "method": "method",
    },
}
PROCESSOR: dict[ImportFormat, str] = {"stripe": "stripe", "paypal": "paypal", "generic": "import"}

# PayPal activity types that are money given to us, that are the recurring
# kind, and that take money back.
_PAYPAL_GIFT_TYPES = {
    "donation payment",
    "website payment",
    "express checkout payment",
    "general payment",
    "mobile payment",
    "payment received",
    "subscription payment",
    "recurring payment",
    "preapproved payment bill user payment",
    "pre-approved payment bill user payment",
    "send money received",
}
_PAYPAL_RECURRING_TYPES = {
    "subscription payment",
    "recurring payment",
    "preapproved payment bill user payment",
    "pre-approved payment bill user payment",
}
_PAYPAL_REFUND_TYPES = {"payment refund", "refund", "payment reversal", "chargeback"}
_PAYPAL_DONE = {"completed", "refunded", "partially refunded", "reversed", "cleared"}
_STRIPE_PAID = {"paid", "succeeded", "refunded", "partially refunded", "partially_refunded"}
_STRIPE_FAILED = {"failed"}
_TRUE = {"yes", "y", "true", "1", "recurring", "monthly", "x"}
_FALSE = {"", "no", "n", "false", "0", "one-off", "one off", "single"}


@dataclass(frozen=True)
class ImportOptions:
    format: ImportFormat
    mapping: Mapping[str, str | None]
    date_order: DateOrder = "auto"
    decimal_comma: bool = False
    campaign_id: int | None = None  # credited where a row names no known campaign


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


@dataclass(frozen=True)
class RawFile:
    columns: list[str]
    rows: list[list[str]]
    sha256: str


def read_csv(data: bytes) -> RawFile:
    """The file's header and rows as text: UTF-8, UTF-16 or UTF-32 (Excel's
    "Unicode text", tab-separated) or Windows-1252, which older PayPal
    downloads use (`imports.text`)."""
    try:
        text = decode_text(data)
    except UnreadableFile as exc:
        raise InvalidDataError(str(exc)) from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter(text))
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidDataError("the file is empty") from None
    columns = [c.strip().lstrip("\ufeff") for c in header]
    seen: set[str] = set()
    for c in columns:
        if c and c in seen:
            raise InvalidDataError(f"the column '{c}' appears twice in the header")
        seen.add(c)
    rows = [r for r in reader if any(v.strip() for v in r)]
    return RawFile(columns, rows, hashlib.sha256(data).hexdigest())


def detect_format(columns: Sequence[str]) -> ImportFormat:
    """Stripe's export starts with `id` and has `Created (UTC)`; PayPal's
    has `Transaction ID` and `Gross`; anything else is a generic file."""
    names = set(columns)
    if {"id", "Created (UTC)", "Amount", "Currency"} <= names:
        return "stripe"
    if {"Transaction ID", "Gross", "Type", "Status"} <= names:
        return "paypal"
    return "generic"


def default_mapping(fmt: ImportFormat, columns: Sequence[str]) -> dict[str, str | None]:
    """The processor's own column names where the file has them; for a
    generic file, columns whose name matches a field (case-insensitive)."""
    lower = {c.lower(): c for c in columns}
    mapping: dict[str, str | None] = dict.fromkeys(FIELDS)
    for key, column in DEFAULT_MAPPINGS[fmt].items():
        mapping[key] = column if column in columns else lower.get(column.lower())
    if fmt == "stripe":
        # Stripe exports metadata as "<key> (metadata)"; a campaign key there
        # is how most donation forms tag the campaign.
        meta = [c for c in columns if c.lower().endswith("(metadata)") and "campaign" in c.lower()]
        if meta:
            mapping["campaign"] = meta[0]
        if mapping["name"] is None and "Customer Description" in columns:
            mapping["name"] = "Customer Description"
    if fmt == "generic":
        for key, words in {
            "received_on": ("date", "received", "received on", "gift date"),
            "amount": ("amount", "gift amount", "gross"),
            "name": ("name", "donor", "donor name", "full name"),
            "reference": ("reference", "id", "transaction id", "gift id"),
        }.items():
            if mapping[key] is None:
                mapping[key] = next((lower[w] for w in words if w in lower), None)
    return mapping


def default_options(raw: RawFile, fmt: ImportFormat | None = None) -> ImportOptions:
    """The detected format (or `fmt`) with its default column mapping."""
    fmt = fmt or detect_format(raw.columns)
    return ImportOptions(format=fmt, mapping=default_mapping(fmt, raw.columns))


_DATE_PART = re.compile(r"^\s*(\d{1,4})[-/.](\d{1,2})[-/.](\d{1,4})(?:[ T].*)?$")


def _date_order_for(values: Iterable[str], fmt: ImportFormat) -> tuple[DateOrder, str | None]:
    """Which order day, month and year come in, read from the whole column:
    a first number above 12 means day first, a second above 12 month first.
    Returns the order and, when the file alone cannot tell, a warning."""
    day_first = month_first = year_first = False
    for value in values:
        m = _DATE_PART.match(value)
        if not m:
            continue
        a, b = int(m.group(1)), int(m.group(2))
        if len(m.group(1)) == 4:
            year_first = True
        elif a > 12:
            day_first = True
        elif b > 12:
            month_first = True
    if year_first and not (day_first or month_first):
        return "YMD", None
    if day_first and not month_first:
        return "DMY", None
    if month_first and not day_first:
        return "MDY", None
    if day_first and month_first:
        return "DMY", "the dates mix day-first and month-first rows: choose the date order by hand"
    guess: DateOrder = "MDY" if fmt == "paypal" else "DMY"
    words = "month/day/year" if guess == "MDY" else "day/month/year"
    return guess, (
        f"every date could be read either way (like 03/04/2025): read as {words}; change it if wrong"
    )


def parse_date(text: str, order: DateOrder) -> date:
    """A date written YYYY-MM-DD, DD/MM/YYYY or MM/DD/YYYY (also with '.'
    or '-'), optionally followed by a time, which is ignored."""
    raw = text.strip()
    m = _DATE_PART.match(raw)
    if not m:
        raise ValueError(f"'{raw}' is not a date")
    a, b, c = m.group(1), m.group(2), m.group(3)
    try:
        if len(a) == 4:
            return date(int(a), int(b), int(c))
        if len(c) != 4:
            raise ValueError(f"'{raw}' has no four-digit year")
        if order == "MDY":
            return date(int(c), int(a), int(b))
        return date(int(c), int(b), int(a))
    except ValueError as exc:
        if "four-digit" in str(exc):
            raise
        raise ValueError(f"'{raw}' is not a date") from None


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


class ImportedGift(BaseModel):
    """One gift row of an import, validated from the file's text."""

    model_config = ConfigDict(frozen=True)

    row: int
    reference: str = Field(min_length=1, max_length=200)
    received_on: date
    currency: str
    amount_minor: int = Field(gt=0)
    fee_minor: int = Field(ge=0)
    refunded_minor: int = Field(ge=0)
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

    @field_validator("received_on", mode="before")
    @classmethod
    def _date(cls, value: object, info: ValidationInfo) -> object:
        return _row_date(value, info)

    @field_validator("currency", mode="before")
    @classmethod
    def _currency(cls, value: object) -> object:
        return check_currency(str(value or ""))

    @field_validator("amount_minor", mode="before")
    @classmethod
    def _amount(cls, value: object, info: ValidationInfo) -> int:
        return _money(value, info, allow_zero=False)

    @field_validator("fee_minor", "refunded_minor", mode="before")
    @classmethod
    def _other_money(cls, value: object, info: ValidationInfo) -> int:
        return _money(value, info, allow_zero=True)

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
    refunded_on: date
    currency: str
    amount_minor: int = Field(gt=0)
    fee_returned_minor: int = Field(ge=0)

    @field_validator("refunded_on", mode="before")
    @classmethod
    def _date(cls, value: object, info: ValidationInfo) -> object:
        return _row_date(value, info)

    @field_validator("currency", mode="before")
    @classmethod
    def _currency(cls, value: object) -> object:
        return check_currency(str(value or ""))

    @field_validator("amount_minor", mode="before")
    @classmethod
    def _amount(cls, value: object, info: ValidationInfo) -> int:
        return _money(value, info, allow_zero=False)

    @field_validator("fee_returned_minor", mode="before")
    @classmethod
    def _fee(cls, value: object, info: ValidationInfo) -> int:
        return _money(value, info, allow_zero=True)


# Which file column each model field came from, for the error report.
_MODEL_FIELD_SOURCE = {
    "reference": "reference",
    "received_on": "received_on",
    "refunded_on": "received_on",
    "currency": "currency",
    "amount_minor": "amount",
    "fee_minor": "fee",
    "fee_returned_minor": "fee",
    "refunded_minor": "refunded",
    "donor_name": "name",
    "donor_email": "email",
    "plan_ref": "plan_ref",
    "campaign": "campaign",
    "note": "note",
    "method": "method",
    "refers_to": "refers_to",
}


@dataclass
class ParsedFile:
    format: ImportFormat
    rows_in_file: int
    gifts: list[ImportedGift] = field(default_factory=list)
    refunds: list[ImportedRefund] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    failures: list[PlanFailure] = field(default_factory=list)
    errors: list[RowIssue] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    date_order: DateOrder = "YMD"


def _sign_split(text: str) -> tuple[bool, str]:
    """PayPal writes refunds and fees with a minus sign (also as "(1.00)")."""
    t = text.strip()
    if t.startswith("(") and t.endswith(")"):
        return True, t[1:-1].strip()
    if t.startswith("-"):
        return True, t[1:].strip()
    return False, t.removeprefix("+").strip()


def _stripe_fee(cells: Mapping[str, str], fee_text: str, decimal_comma: bool) -> str:
    """Stripe states the fee in the account's settlement currency
    ("Converted Currency"); a charge in another currency gets its fee back
    in the charge's currency through Stripe's own conversion of the amount."""
    converted_currency = cells.get("Converted Currency", "").strip().upper()
    charge_currency = cells.get("currency", "").strip().upper()
    if not fee_text or not converted_currency or converted_currency == charge_currency:
        return fee_text
    try:
        fee = parse_decimal(fee_text, decimal_comma=decimal_comma)
        amount = parse_decimal(cells.get("amount", ""), decimal_comma=decimal_comma)
        converted = parse_decimal(cells.get("Converted Amount", ""), decimal_comma=decimal_comma)
        digits = minor_units(check_currency(charge_currency))
    except (ValueError, KeyError):
        return fee_text  # the row's own amount or currency error is reported
    if converted == 0:
        return fee_text
    in_charge = (fee * amount / converted).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return str(in_charge)


def parse_file(raw: RawFile, options: ImportOptions) -> ParsedFile:
    """Every row of the file as a gift, a refund, a skipped row (failed,
    pending, test-mode or not money given) or an error, through the
    mapping. Nothing touches the database."""
    fmt = options.format
    parsed = ParsedFile(format=fmt, rows_in_file=len(raw.rows))
    mapping = {k: v for k, v in options.mapping.items() if v}
    missing_fields = [FIELDS[f] for f in REQUIRED[fmt] if not mapping.get(f)]
    missing_columns = sorted({c for c in mapping.values() if c not in raw.columns})
    if missing_fields or missing_columns:
        if missing_fields:
            parsed.errors.append(RowIssue(1, "choose a column for: " + ", ".join(missing_fields)))
        if missing_columns:
            parsed.errors.append(
                RowIssue(1, "the file has no column named: " + ", ".join(f"'{c}'" for c in missing_columns))
            )
        return parsed
    index = {c: i for i, c in enumerate(raw.columns)}
    order = options.date_order
    if order == "auto":
        date_col = index[mapping["received_on"]]
        order, warning = _date_order_for((r[date_col] for r in raw.rows if len(r) > date_col), fmt)
        if warning:
            parsed.warnings.append(warning)
    parsed.date_order = order
    context = {"date_order": order, "decimal_comma": options.decimal_comma, "today": clock.latest_today()}
    seen_refs: dict[str, int] = {}
    width = len(raw.columns)
    stripe_extra = ("Mode", "Captured", "Converted Currency", "Converted Amount", "Customer Description")
    for i, values in enumerate(raw.rows):
        row = i + 2
        if len(values) != width:
            parsed.errors.append(
                RowIssue(row, f"has {len(values)} values but the header has {width} columns")
            )
            continue
        cells = {f: values[index[c]] for f, c in mapping.items()}
        if fmt == "stripe":
            cells.update({c: values[index[c]] for c in stripe_extra if c in index})
        _classify_row(parsed, row, fmt, cells, context, seen_refs, raw, options)
    return parsed


def _classify_row(  # noqa: C901 - one rule per column; to be split as the parsing moves to imports/
    parsed: ParsedFile,
    row: int,
    fmt: ImportFormat,
    cells: dict[str, str],
    context: dict[str, Any],
    seen_refs: dict[str, int],
    raw: RawFile,
    options: ImportOptions,
) -> None:
    get = cells.get
    status = (get("status") or "").strip().lower()
    kind = (get("type") or "").strip().lower()
    amount_negative, amount_text = _sign_split(get("amount") or "")
    _, fee_text = _sign_split(get("fee") or "")
    is_refund = False
    is_recurring = False
    plan_ref: str | None = None
    method = "other"

    if fmt == "stripe":
        if (get("Mode") or "").strip().lower() == "test":
            parsed.skipped.append(SkippedRow(row, "a test-mode payment"))
            return
        recurring_marker = (get("recurring") or "").strip()
        is_recurring = bool(recurring_marker) or (get("note") or "").lower().startswith(
            ("payment for invoice", "subscription")
        )
        customer = (get("plan_ref") or "").strip()
        currency_code = (get("currency") or "").strip().upper()
        plan_ref = f"{customer}/{currency_code}" if is_recurring and customer else None
        if status in _STRIPE_FAILED:
            if plan_ref:
                try:
                    day = parse_date(get("received_on") or "", context["date_order"])
                    parsed.failures.append(PlanFailure(row, plan_ref, day))
                except ValueError:
                    pass
            parsed.skipped.append(SkippedRow(row, "a failed payment (no money received)"))
            return
        if status not in _STRIPE_PAID or (get("Captured") or "true").strip().lower() == "false":
            parsed.skipped.append(SkippedRow(row, f"not paid (status '{get('status', '').strip()}')"))
            return
        if not (get("name") or "").strip():
            cells["name"] = (get("Customer Description") or "").strip() or (get("email") or "").strip()
        fee_text = _stripe_fee(cells, fee_text, options.decimal_comma)
        method = "card"
    elif fmt == "paypal":
        if kind in _PAYPAL_REFUND_TYPES:
            is_refund = True
        elif kind not in _PAYPAL_GIFT_TYPES:
            parsed.skipped.append(SkippedRow(row, f"not a gift ('{get('type', '').strip()}')"))
            return
        elif amount_negative:
            parsed.skipped.append(SkippedRow(row, "money sent, not received"))
            return
        if status not in _PAYPAL_DONE:
            parsed.skipped.append(SkippedRow(row, f"not completed (status '{get('status', '').strip()}')"))
            return
        is_recurring = kind in _PAYPAL_RECURRING_TYPES
        if is_recurring and (get("refers_to") or "").strip():
            plan_ref = (get("refers_to") or "").strip()
        if not (get("name") or "").strip():
            cells["name"] = (get("email") or "").strip()
        method = "paypal"
    else:
        marker = (get("recurring") or "").strip()
        if marker.lower() in _TRUE:
            is_recurring = True
        elif marker.lower() not in _FALSE:
            is_recurring, plan_ref = True, marker
        plan_ref = plan_ref or ((get("plan_ref") or "").strip() or None)
        if plan_ref:
            is_recurring = True
        method = (get("method") or "").strip() or "other"
        if amount_negative:
            parsed.errors.append(
                RowIssue(
                    row,
                    "is negative: record a refund against the original gift instead",
                    options.mapping.get("amount"),
                    get("amount"),
                )
            )
            return
        if not (get("name") or "").strip():
            cells["name"] = (get("email") or "").strip()

    reference = (get("reference") or "").strip()
    if fmt == "generic" and not reference:
        reference = (
            "row-"
            + hashlib.sha256(
                "\x1f".join(
                    (get(k) or "").strip().lower()
                    for k in ("received_on", "amount", "currency", "name", "email")
                ).encode()
            ).hexdigest()[:24]
        )
    if reference:
        if reference in seen_refs:
            parsed.errors.append(
                RowIssue(
                    row,
                    f"repeats the reference of row {seen_refs[reference]} ('{reference}')",
                    options.mapping.get("reference"),
                    reference,
                )
            )
            return
        seen_refs[reference] = row

    try:
        if is_refund:
            parsed.refunds.append(
                ImportedRefund.model_validate(
                    {
                        "row": row,
                        "reference": reference,
                        "refers_to": (get("refers_to") or "").strip(),
                        "refunded_on": get("received_on") or "",
                        "currency": get("currency") or "",
                        "amount_minor": amount_text,
                        "fee_returned_minor": fee_text,
                    },
                    context=context,
                )
            )
        else:
            parsed.gifts.append(
                ImportedGift.model_validate(
                    {
                        "row": row,
                        "reference": reference,
                        "received_on": get("received_on") or "",
                        "currency": get("currency") or "",
                        "amount_minor": amount_text,
                        "fee_minor": fee_text,
                        "refunded_minor": _sign_split(get("refunded") or "")[1],
                        "donor_name": get("name") or "",
                        "donor_email": get("email") or None,
                        "is_recurring": is_recurring,
                        "plan_ref": plan_ref,
                        "campaign": get("campaign") or None,
                        "note": get("note") or None,
                        "method": method,
                    },
                    context=context,
                )
            )
    except ValidationError as exc:
        for err in exc.errors():
            loc = [str(p) for p in err["loc"]]
            source = _MODEL_FIELD_SOURCE.get(loc[0]) if loc else None
            column = options.mapping.get(source) if source else None
            message = str(err["msg"]).removeprefix("Value error, ")
            if err["type"] == "greater_than":
                message = "must be more than zero"
            elif err["type"] == "string_too_short":
                message = "is empty"
            elif err["type"] == "string_too_long":
                message = "is too long"
            label = FIELDS.get(source or "", "")
            parsed.errors.append(
                RowIssue(row, f"{label}: {message}" if label else message, column, cells.get(source or ""))
            )
    except ValueError as exc:
        parsed.errors.append(RowIssue(row, str(exc)))


def idempotency_key(processor: str, reference: str) -> uuid.UUID:
    """The same gift from the same processor always gets the same key."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"heartbeat:donation:{processor}:{reference}")


@dataclass
class _DonorSlot:
    key: str
    name: str
    email: str | None
    donor_id: int | None  # None: to create
    chapter_id: int | None = None


@dataclass
class ImportCheck:
    """What committing would do, for the preview; `errors` must be empty
    before `commit_import` accepts it."""

    parsed: ParsedFile
    options: ImportOptions
    file_name: str
    file_sha256: str
    reporting_currency: str
    new_gifts: list[ImportedGift] = field(default_factory=list)
    already_recorded: list[ImportedGift] = field(default_factory=list)
    refund_updates: list[tuple[ImportedGift, int]] = field(default_factory=list)  # Stripe cumulative
    new_refunds: list[ImportedRefund] = field(default_factory=list)
    refunds_already_applied: list[ImportedRefund] = field(default_factory=list)
    refunds_without_gift: list[ImportedRefund] = field(default_factory=list)
    reporting_minor: dict[int, int] = field(default_factory=dict)  # by row
    donor_for_row: dict[int, str] = field(default_factory=dict)  # row -> donor slot key
    donors: dict[str, _DonorSlot] = field(default_factory=dict)
    campaign_for_row: dict[int, int | None] = field(default_factory=dict)
    campaign_chapter: dict[int, int | None] = field(default_factory=dict)
    unknown_campaigns: dict[str, int] = field(default_factory=dict)
    # Gifts already recorded that refunds of this file touch: reference ->
    # (reporting amount, amount, refunded so far), for the net total.
    recorded_money: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    errors: list[RowIssue] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Warnings, never errors: row -> why it may repeat a gift or a donor.
    possible_duplicates: dict[int, str] = field(default_factory=dict)
    # Rows with problems left out at the person's request (without_reported_rows).
    reported_rows_skipped: list[int] = field(default_factory=list)

    @property
    def processor(self) -> str:
        return PROCESSOR[self.parsed.format]

    @property
    def refunds_to_apply(self) -> int:
        """The refunds committing writes, as `commit_import` counts them:
        Stripe's refunded amount of each new gift, each grown refund and
        each refund row."""
        return (
            sum(1 for g in self.new_gifts if g.refunded_minor)
            + len(self.refund_updates)
            + len(self.new_refunds)
        )

    @property
    def gross_reporting_minor(self) -> int:
        """The new gifts in the reporting currency, before any refund."""
        return sum(self.reporting_minor.get(g.row, 0) for g in self.new_gifts)

    @property
    def refunds_reporting_minor(self) -> int:
        """What the refunds this import applies take off the movement's net
        income, in the reporting currency, as the database counts a gift's
        net (its reporting amount × what is left of it ÷ its amount)."""
        # reference -> (reporting, amount, refunded before, refunded after)
        touched: dict[str, list[int]] = {}
        for g in self.new_gifts:
            touched[g.reference] = [self.reporting_minor.get(g.row, 0), g.amount_minor, 0, g.refunded_minor]
        for g, _ in self.refund_updates:
            reporting, amount, before = self.recorded_money.get(g.reference, (0, g.amount_minor, 0))
            touched[g.reference] = [reporting, amount, before, g.refunded_minor]
        for r in self.new_refunds:
            if r.refers_to not in touched:
                reporting, amount, before = self.recorded_money.get(r.refers_to, (0, 1, 0))
                touched[r.refers_to] = [reporting, amount, before, before]
            touched[r.refers_to][3] += r.amount_minor
        return sum(
            _net(reporting, amount, before) - _net(reporting, amount, after)
            for reporting, amount, before, after in touched.values()
        )

    @property
    def net_reporting_minor(self) -> int:
        return self.gross_reporting_minor - self.refunds_reporting_minor

    @property
    def can_skip_reported_rows(self) -> bool:
        """Rows with problems can be left out when each problem is a row's
        own (not the file's or the mapping's, reported on row 1)."""
        return bool(self.errors) and all(e.row > 1 for e in self.errors)

    def without_reported_rows(self) -> ImportCheck:
        """This check with every row that has a problem left out, for
        importing the rest: those rows' gifts and refunds are not written and
        are counted as skipped rows."""
        if not self.can_skip_reported_rows:
            raise InvalidDataError("the file itself has a problem: fix it and check it again")
        rows = sorted({e.row for e in self.errors})
        bad = set(rows)
        return replace(
            self,
            new_gifts=[g for g in self.new_gifts if g.row not in bad],
            refund_updates=[(g, i) for g, i in self.refund_updates if g.row not in bad],
            new_refunds=[r for r in self.new_refunds if r.row not in bad],
            errors=[],
            reported_rows_skipped=rows,
        )

    @property
    def donors_to_create(self) -> int:
        return sum(1 for d in self.donors.values() if d.donor_id is None)

    @property
    def can_commit(self) -> bool:
        return not self.errors and bool(self.new_gifts or self.refund_updates or self.new_refunds)


def _net(reporting: int, amount: int, refunded: int) -> int:
    """round(reporting × (amount − refunded) ÷ amount), half away from zero,
    as the database's gift view computes it."""
    if amount <= 0:
        return 0
    left = reporting * (amount - refunded)
    sign = -1 if left < 0 else 1
    return sign * ((2 * abs(left) + amount) // (2 * amount))


def _donor_slot_key(gift: ImportedGift) -> str:
    return f"email:{gift.donor_email}" if gift.donor_email else f"name:{name_key(gift.donor_name)}"


def check_import(identity: Identity, raw: RawFile, options: ImportOptions, file_name: str) -> ImportCheck:
    """Parse the file and hold it against the database, as the person, in a
    transaction that writes nothing."""
    parsed = parse_file(raw, options)
    with dict_transaction(identity) as conn:
        return _check(conn, parsed, options, file_name, raw.sha256)


def _check(  # noqa: C901 - one rule per column; to be split as the parsing moves to imports/
    conn: psycopg.Connection[Any],
    parsed: ParsedFile,
    options: ImportOptions,
    file_name: str,
    sha: str,
) -> ImportCheck:
    rates = Rates.load(conn, {g.currency for g in parsed.gifts})
    check = ImportCheck(
        parsed=parsed,
        options=options,
        file_name=file_name,
        file_sha256=sha,
        reporting_currency=rates.reporting,
        errors=list(parsed.errors),
        warnings=list(parsed.warnings),
    )
    processor = check.processor
    refs = [g.reference for g in parsed.gifts]
    existing: dict[str, dict[str, Any]] = {}
    if refs:
        for r in conn.execute(
            "select id, processor_ref, refunded_minor, amount_minor, currency, reporting_amount_minor "
            "from public.donations where processor = %s and processor_ref = any(%s)",
            (processor, refs),
        ).fetchall():
            existing[r["processor_ref"]] = r

    campaign_rows = conn.execute("select id, name, chapter_id from public.campaigns").fetchall()
    campaigns = {str(r["name"]).strip().lower(): int(r["id"]) for r in campaign_rows}
    check.campaign_chapter = {int(r["id"]): r["chapter_id"] for r in campaign_rows}
    emails = sorted({g.donor_email for g in parsed.gifts if g.donor_email})
    plain_names = sorted({g.donor_name.lower() for g in parsed.gifts if not g.donor_email})
    by_email: dict[str, int] = {}
    by_name: dict[str, list[int]] = {}
    donor_chapter: dict[int, int | None] = {}
    if emails or plain_names:
        for r in conn.execute(
            "select id, display_name, lower(email) as email, chapter_id from public.donors "
            "where merged_into_id is null and (lower(email) = any(%s) or lower(display_name) = any(%s)) "
            "order by id",
            (emails, plain_names),
        ).fetchall():
            if r["email"]:
                by_email.setdefault(r["email"], r["id"])
            by_name.setdefault(name_key(r["display_name"]), []).append(r["id"])
            donor_chapter[r["id"]] = r["chapter_id"]

    for gift in parsed.gifts:
        found = existing.get(gift.reference)
        if found is not None:
            if found["currency"] != gift.currency or found["amount_minor"] != gift.amount_minor:
                check.errors.append(
                    RowIssue(
                        gift.row,
                        f"reference '{gift.reference}' is already recorded with a different amount "
                        f"({format_minor(found['amount_minor'], found['currency'])})",
                    )
                )
            elif gift.refunded_minor > found["refunded_minor"]:
                check.refund_updates.append((gift, found["id"]))
                check.recorded_money[gift.reference] = (
                    found["reporting_amount_minor"],
                    found["amount_minor"],
                    found["refunded_minor"],
                )
            else:
                check.already_recorded.append(gift)
            continue
        rate = rates.rate(gift.currency, gift.received_on)
        if rate is None:
            check.errors.append(
                RowIssue(gift.row, missing_rate_message(gift.currency, rates.reporting, gift.received_on))
            )
            continue
        check.reporting_minor[gift.row] = rates.convert(gift.amount_minor, gift.currency, gift.received_on)
        key = _donor_slot_key(gift)
        if key not in check.donors:
            donor_id: int | None = None
            if gift.donor_email:
                donor_id = by_email.get(gift.donor_email)
            else:
                same = by_name.get(name_key(gift.donor_name), [])
                donor_id = same[0] if len(same) == 1 else None
            check.donors[key] = _DonorSlot(
                key, gift.donor_name, gift.donor_email, donor_id, donor_chapter.get(donor_id or 0)
            )
        check.donor_for_row[gift.row] = key
        campaign_id = options.campaign_id
        if gift.campaign:
            matched = campaigns.get(gift.campaign.lower())
            if matched is None:
                check.unknown_campaigns[gift.campaign] = check.unknown_campaigns.get(gift.campaign, 0) + 1
            else:
                campaign_id = matched
        check.campaign_for_row[gift.row] = campaign_id
        check.new_gifts.append(gift)

    _possible_duplicates(conn, check)

    if parsed.refunds:
        refund_refs = [r.reference for r in parsed.refunds]
        applied = {
            r["processor_ref"]
            for r in conn.execute(
                "select processor_ref from public.donation_refunds where processor = %s "
                "and processor_ref = any(%s)",
                (processor, refund_refs),
            ).fetchall()
        }
        recorded = conn.execute(
            "select processor_ref, reporting_amount_minor, amount_minor, refunded_minor "
            "from public.donations "
            "where processor = %s and processor_ref = any(%s)",
            (processor, [r.refers_to for r in parsed.refunds]),
        ).fetchall()
        for r in recorded:
            check.recorded_money[r["processor_ref"]] = (
                r["reporting_amount_minor"],
                r["amount_minor"],
                r["refunded_minor"],
            )
        originals = {r["processor_ref"] for r in recorded} | {g.reference for g in check.new_gifts}
        for refund in parsed.refunds:
            if refund.reference in applied:
                check.refunds_already_applied.append(refund)
            elif refund.refers_to in originals:
                check.new_refunds.append(refund)
            else:
                check.refunds_without_gift.append(refund)
        if check.refunds_without_gift:
            check.warnings.append(
                f"{len(check.refunds_without_gift)} refund(s) are for payments neither in Heartbeat nor "
                "in this file; they are left out (import the file with the original payment first)"
            )
        _check_refund_totals(conn, check)

    for name, count in sorted(check.unknown_campaigns.items()):
        check.warnings.append(
            f"no campaign is called '{name}' ({count} gift(s)): "
            + ("they go to the campaign chosen below" if options.campaign_id else "they get no campaign")
        )
    check.errors.sort(key=lambda e: e.row)
    return check


MAX_DUPLICATE_WARNINGS = 10


def _flag(check: ImportCheck, row: int, why: str) -> None:
    check.possible_duplicates[row] = "; ".join(filter(None, (check.possible_duplicates.get(row), why)))


def _possible_duplicates(conn: psycopg.Connection[Any], check: ImportCheck) -> None:
    """Warn, never refuse: new gifts with the same donor, amount, currency
    and date as another row of the file or a gift already recorded ("possible
    duplicate"), and new donors whose names match another donor's after
    dropping middle initials, case and accents ("possible duplicate donor")."""
    notes: list[str] = []
    _find_duplicates(conn, check, notes)
    check.warnings.extend(notes[:MAX_DUPLICATE_WARNINGS])
    if len(notes) > MAX_DUPLICATE_WARNINGS:
        more = len(notes) - MAX_DUPLICATE_WARNINGS
        check.warnings.append(f"{more:,} more possible duplicate(s): see the rows' Detail below")


def _find_duplicates(conn: psycopg.Connection[Any], check: ImportCheck, notes: list[str]) -> None:  # noqa: C901 - to split as the parsing moves to imports/
    same: dict[tuple[str, int, str, date], list[ImportedGift]] = {}
    for g in check.new_gifts:
        same.setdefault((check.donor_for_row[g.row], g.amount_minor, g.currency, g.received_on), []).append(g)
    for (key, amount, currency, day), gifts in same.items():
        if len(gifts) > 1:
            rows = ", ".join(str(g.row) for g in gifts)
            what = f"{format_minor(amount, currency)} from {check.donors[key].name} on {day:%Y-%m-%d}"
            notes.append(f"possible duplicate: rows {rows} are each {what}; check they are separate gifts")
            for g in gifts:
                _flag(check, g.row, f"possible duplicate: same donor, amount and date as rows {rows}")
    known = sorted({s.donor_id for s in check.donors.values() if s.donor_id is not None})
    if known and check.new_gifts:
        recorded = {
            (r["donor_id"], r["amount_minor"], r["currency"], r["received_on"]): int(r["n"])
            for r in conn.execute(
                "select donor_id, amount_minor, currency, received_on, count(*) as n from public.donations "
                "where donor_id = any(%s) and received_on = any(%s) group by 1, 2, 3, 4",
                (known, sorted({g.received_on for g in check.new_gifts})),
            ).fetchall()
        }
        flagged = []
        for g in check.new_gifts:
            slot = check.donors[check.donor_for_row[g.row]]
            if recorded.get((slot.donor_id, g.amount_minor, g.currency, g.received_on)):
                flagged.append(g.row)
                _flag(
                    check, g.row, "possible duplicate: a gift of the same amount and date is already recorded"
                )
        if flagged:
            notes.append(
                f"possible duplicate: row(s) {', '.join(map(str, flagged[:20]))}"
                + (f" and {len(flagged) - 20} more" if len(flagged) > 20 else "")
                + " match a gift already recorded for the same donor with the same amount and date"
            )

    new = [s for s in check.donors.values() if s.donor_id is None]
    if not new:
        return
    first_row: dict[str, int] = {}
    for row, key in check.donor_for_row.items():
        first_row[key] = min(row, first_row.get(key, row))
    by_loose: dict[str, list[_DonorSlot]] = {}
    for slot in new:
        by_loose.setdefault(loose_name_key(slot.name), []).append(slot)
    for slots in by_loose.values():
        if len(slots) > 1:
            names = " and ".join(f"'{s.name}' (row {first_row.get(s.key, 0)})" for s in slots)
            notes.append(f"possible duplicate donor: {names} may be one person")
            for s in slots:
                _flag(check, first_row.get(s.key, 0), "possible duplicate donor (in this file)")
    # Donors on file sharing a name's longest word, compared by the loose key.
    words = sorted({max(loose.split(), key=len) for loose in by_loose if loose})
    on_file: dict[str, list[str]] = {}
    for r in conn.execute(
        "select display_name, email from public.donors d where merged_into_id is null and exists "
        "(select 1 from regexp_split_to_table(lower(d.display_name), '[^[:alnum:]]+') w where w = any(%s))",
        (words,),
    ).fetchall():
        on_file.setdefault(loose_name_key(r["display_name"]), []).append(
            f"'{r['display_name']}'" + (f" ({r['email']})" if r["email"] else "")
        )
    for loose, slots in by_loose.items():
        if loose in on_file:
            for s in slots:
                row = first_row.get(s.key, 0)
                notes.append(
                    f"possible duplicate donor: '{s.name}' (row {row}) is much like "
                    + ", ".join(on_file[loose][:3])
                    + " on file; a new donor is made unless the email matches (merge them later under Donors)"
                )
                _flag(check, row, "possible duplicate donor: " + ", ".join(on_file[loose][:3]) + " on file")


def _check_refund_totals(conn: psycopg.Connection[Any], check: ImportCheck) -> None:
    """A refund larger than what is left of its gift is an error here, not a
    constraint failure at commit."""
    totals: dict[str, int] = {}
    for refund in check.new_refunds:
        totals[refund.refers_to] = totals.get(refund.refers_to, 0) + refund.amount_minor
    room: dict[str, tuple[int, str]] = {}
    for r in conn.execute(
        "select processor_ref, amount_minor - refunded_minor as room, currency from public.donations "
        "where processor = %s and processor_ref = any(%s)",
        (check.processor, list(totals)),
    ).fetchall():
        room[r["processor_ref"]] = (r["room"], r["currency"])
    for gift in check.new_gifts:
        room[gift.reference] = (gift.amount_minor - gift.refunded_minor, gift.currency)
    for refund in check.new_refunds:
        left, currency = room.get(refund.refers_to, (0, refund.currency))
        if currency != refund.currency:
            check.errors.append(
                RowIssue(refund.row, f"the refund is in {refund.currency} but the payment was in {currency}")
            )
        elif totals[refund.refers_to] > left:
            check.errors.append(
                RowIssue(refund.row, f"refunds more than is left of payment '{refund.refers_to}'")
            )


PREVIEW_SCHEMA: dict[str, type[pl.DataType] | pl.DataType] = {
    "row": pl.Int64,
    "outcome": pl.String,
    "date": pl.Date,
    "donor": pl.String,
    "email": pl.String,
    "amount": pl.String,
    "reporting_amount_minor": pl.Int64,
    "fee": pl.String,
    "refunded": pl.String,
    "recurring": pl.Boolean,
    "reference": pl.String,
    "detail": pl.String,
}


def preview_frame(check: ImportCheck) -> pl.DataFrame:  # noqa: C901 - to split as the parsing moves to imports/
    """One line per row of the file, in file order, saying what would
    happen to it."""
    lines: list[dict[str, Any]] = []
    errors_by_row: dict[int, list[str]] = {}
    for e in check.errors:
        errors_by_row.setdefault(e.row, []).append(
            e.message + (f" (column '{e.column}': '{e.value}')" if e.column and e.value is not None else "")
        )

    def gift_line(g: ImportedGift, outcome: str, detail: str = "") -> dict[str, Any]:
        return {
            "row": g.row,
            "outcome": outcome,
            "date": g.received_on,
            "donor": g.donor_name,
            "email": g.donor_email,
            "amount": format_minor(g.amount_minor, g.currency),
            "reporting_amount_minor": check.reporting_minor.get(g.row),
            "fee": format_minor(g.fee_minor, g.currency) if g.fee_minor else None,
            "refunded": format_minor(g.refunded_minor, g.currency) if g.refunded_minor else None,
            "recurring": g.is_recurring,
            "reference": g.reference,
            "detail": detail,
        }

    new_donor_keys = {k for k, d in check.donors.items() if d.donor_id is None}
    for g in check.new_gifts:
        key = check.donor_for_row.get(g.row, "")
        detail = "new donor" if key in new_donor_keys else "existing donor"
        if g.row in check.possible_duplicates:
            detail += "; " + check.possible_duplicates[g.row]
        lines.append(gift_line(g, "new gift", detail))
    for g in check.already_recorded:
        lines.append(gift_line(g, "already recorded"))
    for g, _ in check.refund_updates:
        lines.append(gift_line(g, "refund update", "already recorded; refunded amount grows"))
    refund_outcomes = (
        (check.new_refunds, "refund"),
        (check.refunds_already_applied, "refund already applied"),
        (check.refunds_without_gift, "skipped"),
    )
    for refunds, outcome in refund_outcomes:
        for r in refunds:
            lines.append(
                {
                    "row": r.row,
                    "outcome": outcome,
                    "date": r.refunded_on,
                    "amount": format_minor(-r.amount_minor, r.currency),
                    "reference": r.reference,
                    "detail": f"refund of {r.refers_to}"
                    + ("; original payment not found" if outcome == "skipped" else ""),
                }
            )
    for s in check.parsed.skipped:
        lines.append({"row": s.row, "outcome": "skipped", "detail": s.reason})
    listed = {line["row"] for line in lines}
    for row, messages in errors_by_row.items():
        if row in listed:
            for line in lines:
                if line["row"] == row:
                    line["outcome"] = "error"
                    line["detail"] = "; ".join(messages)
        else:
            lines.append({"row": row, "outcome": "error", "detail": "; ".join(messages)})
    frame = pl.DataFrame(lines, schema=PREVIEW_SCHEMA) if lines else pl.DataFrame(schema=PREVIEW_SCHEMA)
    return frame.sort("row")


def errors_frame(check: ImportCheck) -> pl.DataFrame:
    """The row-by-row error report."""
    return pl.DataFrame(
        {
            "row": [e.row for e in check.errors],
            "column": [e.column for e in check.errors],
            "value": [e.value for e in check.errors],
            "problem": [e.message for e in check.errors],
        },
        schema={"row": pl.Int64, "column": pl.String, "value": pl.String, "problem": pl.String},
    )


@dataclass(frozen=True)
class ImportResult:
    import_id: int
    gifts_added: int
    gifts_already_recorded: int
    refunds_applied: int
    donors_added: int
    plans_added: int
    rows_skipped: int


def _nextvals(conn: psycopg.Connection[Any], table: str, n: int) -> list[int]:
    if n == 0:
        return []
    rows = conn.execute(
        "select nextval(pg_get_serial_sequence(%s, 'id')) as id from generate_series(1, %s)",
        (f"public.{table}", n),
    ).fetchall()
    return [int(r["id"]) for r in rows]


def commit_import(identity: Identity, check: ImportCheck) -> ImportResult:
    """Write the checked import in one transaction as the person: new
    donors, gifts, refunds, recurring plans, and a record of the import.
    Refuses a check with errors; a gift recorded meanwhile by someone else is
    skipped by its processor reference, never doubled."""
    if check.errors:
        raise InvalidDataError(f"the file has {len(check.errors)} problem(s): fix them and check it again")
    processor = check.processor
    with dict_transaction(identity) as conn:
        import_row = conn.execute(
            "insert into public.gift_imports (file_name, file_sha256, format, rows_in_file, gifts_added, "
            "gifts_already_recorded, refunds_applied, donors_added, rows_skipped) "
            "values (%s, %s, %s, %s, 0, 0, 0, 0, 0) returning id",
            (
                check.file_name[:300] or "upload.csv",
                check.file_sha256,
                check.parsed.format,
                check.parsed.rows_in_file,
            ),
        ).fetchone()
        assert import_row is not None
        import_id = int(import_row["id"])

        # Imports run one at a time, and donors are looked up again under the
        # lock: two people importing overlapping files never create the same
        # donor twice (gifts are protected by their processor reference).
        conn.execute("select pg_advisory_xact_lock(hashtext('heartbeat.gift_import'))")
        pending = {d.email: d for d in check.donors.values() if d.donor_id is None and d.email}
        if pending:
            for r in conn.execute(
                "select distinct on (lower(email)) id, lower(email) as email, chapter_id from public.donors "
                "where merged_into_id is null and lower(email) = any(%s) order by lower(email), id",
                (list(pending),),
            ).fetchall():
                pending[r["email"]].donor_id = int(r["id"])
                pending[r["email"]].chapter_id = r["chapter_id"]
        to_create = [d for d in check.donors.values() if d.donor_id is None]
        new_ids = _nextvals(conn, "donors", len(to_create))
        for slot, new_id in zip(to_create, new_ids, strict=True):
            slot.donor_id = new_id
        if to_create:
            conn.execute(
                "insert into public.donors (id, display_name, email) "
                "select * from unnest(%s::bigint[], %s::text[], %s::text[])",
                (new_ids, [d.name for d in to_create], [d.email for d in to_create]),
            )

        plans_added, plan_ids = _upsert_plans(conn, check)

        # Every value is resolved here, so the insert is a plain unnest: no
        # join for the planner to misjudge on a table that just grew.
        gifts = check.new_gifts
        slots = [check.donors[check.donor_for_row[g.row]] for g in gifts]
        campaign_ids = [check.campaign_for_row.get(g.row) for g in gifts]
        inserted = conn.execute(
            """
            insert into public.donations
              (donor_id, campaign_id, chapter_id, received_on, amount_minor, currency, reporting_amount_minor,
               fee_minor, method, source, is_recurring, recurring_plan_id, processor, processor_ref,
               idempotency_key, note, import_id)
            select u.donor_id, u.campaign_id, u.chapter_id, u.received_on, u.amount_minor, u.currency,
                   u.reporting_minor, u.fee_minor, u.method, 'individual', u.is_recurring, u.plan_id, %s,
                   u.reference, u.idem, u.note, %s
              from unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::date[], %s::bigint[], %s::text[],
                          %s::bigint[], %s::bigint[], %s::text[], %s::boolean[], %s::bigint[], %s::text[],
                          %s::uuid[], %s::text[])
                   as u(donor_id, campaign_id, chapter_id, received_on, amount_minor, currency,
                        reporting_minor, fee_minor, method, is_recurring, plan_id, reference, idem, note)
            on conflict (processor, processor_ref) do nothing
            """,
            (
                processor,
                import_id,
                [slot.donor_id for slot in slots],
                campaign_ids,
                [
                    slot.chapter_id if slot.chapter_id is not None else check.campaign_chapter.get(c or 0)
                    for slot, c in zip(slots, campaign_ids, strict=True)
                ],
                [g.received_on for g in gifts],
                [g.amount_minor for g in gifts],
                [g.currency for g in gifts],
                [check.reporting_minor[g.row] for g in gifts],
                [g.fee_minor for g in gifts],
                [g.method for g in gifts],
                [g.is_recurring for g in gifts],
                [plan_ids.get(g.plan_ref) if g.plan_ref else None for g in gifts],
                [g.reference for g in gifts],
                [idempotency_key(processor, g.reference) for g in gifts],
                [g.note for g in gifts],
            ),
        ).rowcount

        # Stripe states each charge's cumulative refund: one refund row per
        # charge, whose amount only grows.
        cumulative = [g for g in gifts if g.refunded_minor] + [g for g, _ in check.refund_updates]
        refunds_applied = 0
        if cumulative:
            refunds_applied += conn.execute(
                """
                insert into public.donation_refunds
                  (donation_id, refunded_on, amount_minor, processor, processor_ref)
                select d.id, current_date, u.amount, %s, u.reference || '#refunded'
                  from unnest(%s::text[], %s::bigint[]) as u(reference, amount)
                  join public.donations d on d.processor = %s and d.processor_ref = u.reference
                on conflict (processor, processor_ref) do update set amount_minor = excluded.amount_minor
                  where public.donation_refunds.amount_minor < excluded.amount_minor
                """,
                (
                    processor,
                    [g.reference for g in cumulative],
                    [g.refunded_minor for g in cumulative],
                    processor,
                ),
            ).rowcount
        refunds = check.new_refunds
        if refunds:
            applied = conn.execute(
                """
                insert into public.donation_refunds
                  (donation_id, refunded_on, amount_minor, fee_returned_minor, processor, processor_ref)
                select d.id, u.refunded_on, u.amount, u.fee, %s, u.reference
                  from unnest(%s::text[], %s::text[], %s::date[], %s::bigint[], %s::bigint[])
                       as u(reference, refers_to, refunded_on, amount, fee)
                  join public.donations d on d.processor = %s and d.processor_ref = u.refers_to
                on conflict (processor, processor_ref) do nothing
                returning donation_id, fee_returned_minor
                """,
                (
                    processor,
                    [r.reference for r in refunds],
                    [r.refers_to for r in refunds],
                    [r.refunded_on for r in refunds],
                    [r.amount_minor for r in refunds],
                    [r.fee_returned_minor for r in refunds],
                    processor,
                ),
            ).fetchall()
            refunds_applied += len(applied)
            returned = [
                (r["donation_id"], r["fee_returned_minor"]) for r in applied if r["fee_returned_minor"]
            ]
            if returned:
                conn.execute(
                    "update public.donations d set fee_minor = greatest(0, d.fee_minor - u.fee) "
                    "from unnest(%s::bigint[], %s::bigint[]) as u(id, fee) where d.id = u.id",
                    ([r[0] for r in returned], [r[1] for r in returned]),
                )
        _update_plan_statuses(conn, check)

        already = len(check.already_recorded) + len(check.refund_updates) + (len(gifts) - inserted)
        skipped = (
            len(check.parsed.skipped) + len(check.refunds_without_gift) + len(check.reported_rows_skipped)
        )
        conn.execute(
            "update public.gift_imports set gifts_added = %s, gifts_already_recorded = %s, "
            "refunds_applied = %s, donors_added = %s, rows_skipped = %s where id = %s",
            (inserted, already, refunds_applied, len(to_create), skipped, import_id),
        )
        return ImportResult(
            import_id, inserted, already, refunds_applied, len(to_create), plans_added, skipped
        )


_FREQUENCY_BY_GAP = (("monthly", 45), ("quarterly", 135), ("annual", 10**6))


def _upsert_plans(conn: psycopg.Connection[Any], check: ImportCheck) -> tuple[int, dict[str, int]]:
    """One recurring plan per processor reference (Stripe customer and
    currency, PayPal subscription profile), created at its first gift."""
    by_ref: dict[str, list[ImportedGift]] = {}
    for g in check.new_gifts:
        if g.plan_ref:
            by_ref.setdefault(g.plan_ref, []).append(g)
    if not by_ref:
        return 0, {}
    existing = {
        r["processor_ref"]: int(r["id"])
        for r in conn.execute(
            "select id, processor_ref from public.recurring_plans "
            "where processor = %s and processor_ref = any(%s)",
            (check.processor, list(by_ref)),
        ).fetchall()
    }
    fresh = [ref for ref in by_ref if ref not in existing]
    if not fresh:
        return 0, existing
    values: dict[str, list[Any]] = {
        k: []
        for k in (
            "donor",
            "campaign",
            "amount",
            "currency",
            "reporting",
            "frequency",
            "method",
            "started",
            "ref",
        )
    }
    for ref in fresh:
        gifts = sorted(by_ref[ref], key=lambda g: g.received_on)
        latest = gifts[-1]
        gaps = sorted((b.received_on - a.received_on).days for a, b in itertools.pairwise(gifts))
        median = gaps[(len(gaps) - 1) // 2] if gaps else 30
        frequency = next(name for name, limit in _FREQUENCY_BY_GAP if median <= limit)
        values["donor"].append(check.donors[check.donor_for_row[latest.row]].donor_id)
        values["campaign"].append(check.campaign_for_row.get(latest.row))
        values["amount"].append(latest.amount_minor)
        values["currency"].append(latest.currency)
        values["reporting"].append(check.reporting_minor[latest.row])
        values["frequency"].append(frequency)
        values["method"].append(latest.method)
        values["started"].append(gifts[0].received_on)
        values["ref"].append(ref)
    created = conn.execute(
        """
        insert into public.recurring_plans
          (donor_id, campaign_id, amount_minor, currency, reporting_amount_minor, frequency, method,
           started_on, processor, processor_ref)
        select u.donor, u.campaign, u.amount, u.currency, u.reporting, u.frequency, u.method,
               u.started, %s, u.ref
          from unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::text[], %s::bigint[], %s::text[],
                      %s::text[], %s::date[], %s::text[])
               as u(donor, campaign, amount, currency, reporting, frequency, method, started, ref)
        on conflict (processor, processor_ref) do nothing
        returning id, processor_ref
        """,
        (check.processor, *values.values()),
    ).fetchall()
    existing.update({r["processor_ref"]: int(r["id"]) for r in created})
    return len(created), existing


def _update_plan_statuses(conn: psycopg.Connection[Any], check: ImportCheck) -> None:
    """A plan is failed when its latest news is a failed charge, and active
    again when a gift arrives after the failure; a cancelled plan stays
    cancelled (only a person or the processor's cancellation ends it)."""
    failures: dict[str, date] = {}
    for f in check.parsed.failures:
        failures[f.plan_ref] = max(f.failed_on, failures.get(f.plan_ref, f.failed_on))
    refs = sorted({g.plan_ref for g in check.new_gifts if g.plan_ref} | set(failures))
    if not refs:
        return
    # One pass: the plans named in the file, and their latest gifts from a
    # single aggregate (a per-plan subquery degrades to a scan per plan when
    # the table's statistics predate the rows just inserted).
    conn.execute(
        """
        with plans as (
          select p.id, p.processor_ref from public.recurring_plans p
           where p.processor = %s and p.processor_ref = any(%s::text[]) and p.status <> 'cancelled'
        ), fails as (
          select x.ref, x.failed_on from unnest(%s::text[], %s::date[]) as x(ref, failed_on)
        ), latest as (
          select d.recurring_plan_id as id, max(d.received_on) as last_gift
            from public.donations d where d.recurring_plan_id in (select id from plans)
           group by d.recurring_plan_id
        ), target as (
          select plans.id, f.failed_on, l.last_gift
            from plans left join fails f on f.ref = plans.processor_ref left join latest l on l.id = plans.id
        )
        update public.recurring_plans p
           set status = case when t.failed_on > coalesce(t.last_gift, date '1900-01-01')
                             then 'failed' else 'active' end,
               failed_on = case when t.failed_on > coalesce(t.last_gift, date '1900-01-01')
                                then t.failed_on end,
               updated_at = now()
          from target t
         where p.id = t.id
        """,
        (check.processor, refs, list(failures), list(failures.values())),
    )


def import_history(identity: Identity) -> pl.DataFrame:
    from db.arrow import read_frame

    return read_frame(
        identity,
        "select id as import_id, imported_at, file_name, format, rows_in_file, gifts_added, "
        "gifts_already_recorded, refunds_applied, donors_added, rows_skipped "
        "from public.gift_imports order by imported_at desc, id desc limit 200",
        schema={
            "import_id": pl.Int64,
            "imported_at": pl.Datetime("us", "UTC"),
            "file_name": pl.String,
            "format": pl.String,
            "rows_in_file": pl.Int64,
            "gifts_added": pl.Int64,
            "gifts_already_recorded": pl.Int64,
            "refunds_applied": pl.Int64,
            "donors_added": pl.Int64,
            "rows_skipped": pl.Int64,
        },
    )
