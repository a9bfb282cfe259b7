"""An expenses file read and validated row by row: bytes in, every row as an
expense or as problems with its row number out. Converting each to the
reporting currency needs the stored rates (`db.expenses.check_expense_file`)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from pydantic import ValidationError

from imports.gift_rows import RowIssue
from imports.text import decode_text, delimiter
from models.donations import error_messages
from models.expenses import ExpenseIn

# The columns an expenses CSV needs (header names, any case); chapter_id is optional.
EXPENSE_COLUMNS = ("date", "amount", "currency", "category", "description")


@dataclass(frozen=True)
class ExpenseRows:
    rows_in_file: int
    expenses: list[tuple[int, ExpenseIn]] = field(default_factory=list)  # (row, expense)
    errors: list[RowIssue] = field(default_factory=list)


def _expense(row: int, cells: dict[str, str], errors: list[RowIssue]) -> ExpenseIn | None:
    """The row as an expense, or None with its problems added to `errors`."""
    try:
        return ExpenseIn.model_validate(
            {
                "spent_on": cells["date"].strip(),
                "amount": cells["amount"],
                "currency": cells["currency"],
                "category": cells["category"],
                "description": cells["description"],
                "chapter_id": cells.get("chapter_id", "").strip() or None,
            }
        )
    except ValidationError as exc:
        errors.extend(RowIssue(row, message) for message in error_messages(exc))
        return None


def read_expense_csv(data: bytes) -> ExpenseRows:
    """Every row validated (ExpenseIn); the header is row 1. Raises
    `imports.text.UnreadableFile` for a file that is not text."""
    text = decode_text(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter(text))
    header = [h.strip().lower() for h in next(reader, [])]
    body = [r for r in reader if any(v.strip() for v in r)]
    result = ExpenseRows(rows_in_file=len(body))
    missing = [c for c in EXPENSE_COLUMNS if c not in header]
    if missing:
        result.errors.append(RowIssue(1, "the file has no column named: " + ", ".join(missing)))
        return result
    index = {name: i for i, name in enumerate(header)}
    for row, values in enumerate(body, start=2):
        if len(values) != len(header):
            result.errors.append(RowIssue(row, f"has {len(values)} values but the header has {len(header)}"))
            continue
        expense = _expense(row, {name: values[index[name]] for name in index}, result.errors)
        if expense is not None:
            result.expenses.append((row, expense))
    return result
