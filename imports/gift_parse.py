"""A gift export's rows through its column mapping: each row classified
by the rules of its source (Stripe, PayPal or a generic file) as a gift, a
refund, a skipped row or an error. Nothing here touches the database."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pydantic import ValidationError

from db import clock
from imports.dates import DateOrder, date_order_for, parse_date
from imports.gift_file import RawFile
from imports.gift_mapping import FIELDS, REQUIRED, ImportFormat, ImportOptions
from imports.gift_rows import ImportedGift, ImportedRefund, PlanFailure, RowIssue, SkippedRow
from models.donations import check_currency, parse_decimal
from money import exponent

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
        digits = exponent(check_currency(charge_currency))
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
        order, warning = date_order_for(
            (r[date_col] for r in raw.rows if len(r) > date_col), guess="MDY" if fmt == "paypal" else "DMY"
        )
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
        _classify_row(parsed, row, fmt, cells, context, seen_refs, options)
    return parsed


@dataclass(frozen=True)
class _Kind:
    """What a row's source says it is, before its values are validated."""

    method: str
    fee_text: str
    is_refund: bool = False
    is_recurring: bool = False
    plan_ref: str | None = None


def _stripe_row(
    parsed: ParsedFile,
    row: int,
    cells: dict[str, str],
    fee_text: str,
    context: dict[str, Any],
    options: ImportOptions,
) -> _Kind | None:
    get = cells.get
    status = (get("status") or "").strip().lower()
    if (get("Mode") or "").strip().lower() == "test":
        parsed.skipped.append(SkippedRow(row, "a test-mode payment"))
        return None
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
        return None
    if status not in _STRIPE_PAID or (get("Captured") or "true").strip().lower() == "false":
        parsed.skipped.append(SkippedRow(row, f"not paid (status '{get('status', '').strip()}')"))
        return None
    if not (get("name") or "").strip():
        cells["name"] = (get("Customer Description") or "").strip() or (get("email") or "").strip()
    return _Kind(
        "card",
        _stripe_fee(cells, fee_text, options.decimal_comma),
        is_recurring=is_recurring,
        plan_ref=plan_ref,
    )


def _paypal_row(
    parsed: ParsedFile, row: int, cells: dict[str, str], fee_text: str, amount_negative: bool
) -> _Kind | None:
    get = cells.get
    status = (get("status") or "").strip().lower()
    kind = (get("type") or "").strip().lower()
    is_refund = False
    if kind in _PAYPAL_REFUND_TYPES:
        is_refund = True
    elif kind not in _PAYPAL_GIFT_TYPES:
        parsed.skipped.append(SkippedRow(row, f"not a gift ('{get('type', '').strip()}')"))
        return None
    elif amount_negative:
        parsed.skipped.append(SkippedRow(row, "money sent, not received"))
        return None
    if status not in _PAYPAL_DONE:
        parsed.skipped.append(SkippedRow(row, f"not completed (status '{get('status', '').strip()}')"))
        return None
    is_recurring = kind in _PAYPAL_RECURRING_TYPES
    plan_ref: str | None = None
    if is_recurring and (get("refers_to") or "").strip():
        plan_ref = (get("refers_to") or "").strip()
    if not (get("name") or "").strip():
        cells["name"] = (get("email") or "").strip()
    return _Kind("paypal", fee_text, is_refund=is_refund, is_recurring=is_recurring, plan_ref=plan_ref)


def _generic_row(
    parsed: ParsedFile,
    row: int,
    cells: dict[str, str],
    fee_text: str,
    amount_negative: bool,
    options: ImportOptions,
) -> _Kind | None:
    get = cells.get
    is_recurring = False
    plan_ref: str | None = None
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
        return None
    if not (get("name") or "").strip():
        cells["name"] = (get("email") or "").strip()
    return _Kind(method, fee_text, is_recurring=is_recurring, plan_ref=plan_ref)


def _reference(fmt: ImportFormat, cells: dict[str, str]) -> str:
    """The row's reference, made from its values where a generic file has
    none, so that importing it again finds it."""
    get = cells.get
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
    return reference


def _classify_row(
    parsed: ParsedFile,
    row: int,
    fmt: ImportFormat,
    cells: dict[str, str],
    context: dict[str, Any],
    seen_refs: dict[str, int],
    options: ImportOptions,
) -> None:
    get = cells.get
    amount_negative, amount_text = _sign_split(get("amount") or "")
    _, fee_text = _sign_split(get("fee") or "")
    if fmt == "stripe":
        kind = _stripe_row(parsed, row, cells, fee_text, context, options)
    elif fmt == "paypal":
        kind = _paypal_row(parsed, row, cells, fee_text, amount_negative)
    else:
        kind = _generic_row(parsed, row, cells, fee_text, amount_negative, options)
    if kind is None:
        return
    reference = _reference(fmt, cells)
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
    if reference:
        seen_refs[reference] = row
    try:
        if kind.is_refund:
            parsed.refunds.append(
                ImportedRefund.model_validate(
                    {
                        "row": row,
                        "reference": reference,
                        "refers_to": (get("refers_to") or "").strip(),
                        "refunded_on": get("received_on") or "",
                        "currency": get("currency") or "",
                        "amount_minor": amount_text,
                        "fee_returned_minor": kind.fee_text,
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
                        "fee_minor": kind.fee_text,
                        "refunded_minor": _sign_split(get("refunded") or "")[1],
                        "donor_name": get("name") or "",
                        "donor_email": get("email") or None,
                        "is_recurring": kind.is_recurring,
                        "plan_ref": kind.plan_ref,
                        "campaign": get("campaign") or None,
                        "note": get("note") or None,
                        "method": kind.method,
                    },
                    context=context,
                )
            )
    except ValidationError as exc:
        _report(parsed, row, exc, cells, options)
    except ValueError as exc:
        parsed.errors.append(RowIssue(row, str(exc)))


def _report(
    parsed: ParsedFile, row: int, exc: ValidationError, cells: dict[str, str], options: ImportOptions
) -> None:
    """Each of the row's problems, named by the field and the file's column."""
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
