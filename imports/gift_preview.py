"""A checked gift import as tables: one line per row of the file saying
what would happen to it, and the row-by-row error report."""

from __future__ import annotations

from typing import Any

import polars as pl

from imports.gift_check import ImportCheck
from imports.gift_rows import ImportedGift
from imports.problems import problems_frame
from models.donations import format_minor

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


def _gift_line(check: ImportCheck, g: ImportedGift, outcome: str, detail: str = "") -> dict[str, Any]:
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


def _gift_lines(check: ImportCheck) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    new_donor_keys = {k for k, d in check.donors.items() if d.donor_id is None}
    for g in check.new_gifts:
        key = check.donor_for_row.get(g.row, "")
        detail = "new donor" if key in new_donor_keys else "existing donor"
        if g.row in check.possible_duplicates:
            detail += "; " + check.possible_duplicates[g.row]
        lines.append(_gift_line(check, g, "new gift", detail))
    for g in check.already_recorded:
        lines.append(_gift_line(check, g, "already recorded"))
    for g, _ in check.refund_updates:
        lines.append(_gift_line(check, g, "refund update", "already recorded; refunded amount grows"))
    return lines


def _refund_lines(check: ImportCheck) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
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
    return lines


def _mark_errors(check: ImportCheck, lines: list[dict[str, Any]]) -> None:
    """A row with problems shows them instead of its outcome."""
    errors_by_row: dict[int, list[str]] = {}
    for e in check.errors:
        errors_by_row.setdefault(e.row, []).append(
            e.message + (f" (column '{e.column}': '{e.value}')" if e.column and e.value is not None else "")
        )
    listed = {line["row"] for line in lines}
    for row, messages in errors_by_row.items():
        if row in listed:
            for line in lines:
                if line["row"] == row:
                    line["outcome"] = "error"
                    line["detail"] = "; ".join(messages)
        else:
            lines.append({"row": row, "outcome": "error", "detail": "; ".join(messages)})


def preview_frame(check: ImportCheck) -> pl.DataFrame:
    """One line per row of the file, in file order, saying what would
    happen to it."""
    lines = _gift_lines(check) + _refund_lines(check)
    for s in check.parsed.skipped:
        lines.append({"row": s.row, "outcome": "skipped", "detail": s.reason})
    _mark_errors(check, lines)
    frame = pl.DataFrame(lines, schema=PREVIEW_SCHEMA) if lines else pl.DataFrame(schema=PREVIEW_SCHEMA)
    return frame.sort("row")


def errors_frame(check: ImportCheck) -> pl.DataFrame:
    """The row-by-row error report."""
    return problems_frame(check.errors)
