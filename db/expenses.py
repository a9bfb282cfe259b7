"""Expenses: entry by hand and CSV import (all or nothing, with a row-by-row
error report; `imports.expense_csv` reads the file), converted to the
reporting currency at the stored rate."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import polars as pl

from db.arrow import read_frame
from db.connection import dict_transaction
from db.errors import InvalidDataError
from db.exchange_rates import Rates, missing_rate_message
from db.identity import Identity
from imports.expense_csv import read_expense_csv
from imports.gift_rows import RowIssue
from models.expenses import ExpenseIn

EXPENSE_SCHEMA: dict[str, type[pl.DataType] | pl.DataType] = {
    "expense_id": pl.Int64,
    "spent_on": pl.Date,
    "amount_minor": pl.Int64,
    "currency": pl.String,
    "reporting_amount_minor": pl.Int64,
    "category": pl.String,
    "description": pl.String,
    "chapter_id": pl.Int64,
}


def record_expense(identity: Identity, expense: ExpenseIn) -> int:
    with dict_transaction(identity) as conn:
        rates = Rates.load(conn, [expense.currency])
        reporting = rates.convert(expense.amount_minor, expense.currency, expense.spent_on)
        row = conn.execute(
            "insert into public.expenses (spent_on, amount_minor, currency, reporting_amount_minor, "
            "category, description, chapter_id) values (%s, %s, %s, %s, %s, %s, %s) returning id",
            (
                expense.spent_on,
                expense.amount_minor,
                expense.currency,
                reporting,
                expense.category,
                expense.description,
                expense.chapter_id,
            ),
        ).fetchone()
    assert row is not None
    return int(row["id"])


def expenses_frame(identity: Identity, *, since: date | None = None) -> pl.DataFrame:
    where, params = ("spent_on >= %s", [since]) if since else ("true", [])
    return read_frame(
        identity,
        "select id as expense_id, spent_on, amount_minor, currency, reporting_amount_minor, category, "
        f"description, chapter_id from public.expenses where {where} order by spent_on desc, id desc",
        params,
        schema=EXPENSE_SCHEMA,
    )


@dataclass
class ExpenseImport:
    rows_in_file: int
    expenses: list[tuple[int, ExpenseIn]] = field(default_factory=list)
    errors: list[RowIssue] = field(default_factory=list)
    reporting_minor: dict[int, int] = field(default_factory=dict)

    @property
    def can_commit(self) -> bool:
        return not self.errors and bool(self.expenses)


def check_expense_file(identity: Identity, data: bytes) -> ExpenseImport:
    """Every row validated (`imports.expense_csv`) and converted at the
    stored rates, nothing written."""
    rows = read_expense_csv(data)
    result = ExpenseImport(rows.rows_in_file, list(rows.expenses), list(rows.errors))
    with dict_transaction(identity) as conn:
        rates = Rates.load(conn, {e.currency for _, e in result.expenses})
        for row, expense in result.expenses:
            rate = rates.rate(expense.currency, expense.spent_on)
            if rate is None:
                result.errors.append(
                    RowIssue(row, missing_rate_message(expense.currency, rates.reporting, expense.spent_on))
                )
            else:
                result.reporting_minor[row] = rates.convert(
                    expense.amount_minor, expense.currency, expense.spent_on
                )
    result.errors.sort(key=lambda e: e.row)
    return result


def commit_expense_file(identity: Identity, checked: ExpenseImport) -> int:
    """Insert every expense of a checked file in one transaction; refuses a
    file with errors."""
    if checked.errors:
        raise InvalidDataError(f"the file has {len(checked.errors)} problem(s): nothing was saved")
    rows = checked.expenses
    with dict_transaction(identity) as conn:
        return conn.execute(
            "insert into public.expenses (spent_on, amount_minor, currency, reporting_amount_minor, "
            "category, description, chapter_id) select * from unnest(%s::date[], %s::bigint[], "
            "%s::text[], %s::bigint[], %s::text[], %s::text[], %s::bigint[])",
            (
                [e.spent_on for _, e in rows],
                [e.amount_minor for _, e in rows],
                [e.currency for _, e in rows],
                [checked.reporting_minor[r] for r, _ in rows],
                [e.category for _, e in rows],
                [e.description for _, e in rows],
                [e.chapter_id for _, e in rows],
            ),
        ).rowcount
