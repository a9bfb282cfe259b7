"""Which column of a gift export holds which field: the processors' own
column names, the format a file's header gives away, and the options a
person chooses for reading it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from imports.dates import DateOrder
from imports.gift_file import RawFile

ImportFormat = Literal["stripe", "paypal", "generic"]
FORMATS: tuple[ImportFormat, ...] = ("stripe", "paypal", "generic")

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


@dataclass(frozen=True)
class ImportOptions:
    format: ImportFormat
    mapping: Mapping[str, str | None]
    date_order: DateOrder = "auto"
    decimal_comma: bool = False
    campaign_id: int | None = None  # credited where a row names no known campaign


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
