"""An expenses file read and validated without a database: good rows as
expenses, every bad cell as a problem with its spreadsheet row."""

from __future__ import annotations

import codecs
from datetime import date

import pytest

from imports.expense_csv import read_expense_csv
from imports.gift_rows import RowIssue
from imports.text import UnreadableFile

HEADER = "date,amount,currency,category,description\n"


def test_good_rows_become_expenses_with_their_rows() -> None:
    data = (
        HEADER
        + "2025-03-01,1200.00,USD,Program services,Facilitator fees\n\n2025-03-02,80,gbp,Development,Gala\n"
    )
    read = read_expense_csv(data.encode())
    assert read.rows_in_file == 2 and read.errors == []
    (row_a, a), (row_b, b) = read.expenses
    assert (row_a, a.spent_on, a.amount_minor, a.currency, a.category) == (
        2,
        date(2025, 3, 1),
        120000,
        "USD",
        "program",
    )
    assert (row_b, b.currency, b.category, b.chapter_id) == (3, "GBP", "fundraising", None)


def test_every_bad_cell_is_reported_with_its_row() -> None:
    data = HEADER + (
        "2025-03-03,ten,USD,program,Snacks\n"
        "2025-03-04,5,USD,travel,=HYPERLINK(1)\n"
        "14/03/2025,5,USD,admin,Rent\n"
        "2025-03-05,5\n"
        "2025-03-06,5,USD,admin,Rent\n"
    )
    read = read_expense_csv(data.encode())
    assert [(r, e.description) for r, e in read.expenses] == [(6, "Rent")]
    assert read.errors == [
        RowIssue(2, "Amount: 'ten' is not an amount (write it like 1234.50)"),
        RowIssue(3, "Category: 'travel' is not a category: use program, admin or fundraising"),
        RowIssue(
            3, "Description: a description cannot start with '=': spreadsheets would run it as a formula"
        ),
        RowIssue(4, "Date: is not a date (use YYYY-MM-DD)"),
        RowIssue(5, "has 2 values but the header has 5"),
    ]


def test_missing_columns_are_one_problem_on_the_header() -> None:
    read = read_expense_csv(b"Date,Amount,Note\n2025-03-01,5,x\n")
    assert read.rows_in_file == 1 and read.expenses == []
    assert read.errors == [RowIssue(1, "the file has no column named: currency, category, description")]


WIDE = "Date,Amount,Currency,Category,Description,chapter_id\n2025-03-01,12.50,EUR,admin,Café rent,7\n"


@pytest.mark.parametrize(
    "data",
    [
        codecs.BOM_UTF16_LE + WIDE.replace(",", "\t").encode("utf-16-le"),
        WIDE.replace(",", ";").encode("latin-1"),
    ],
    ids=["utf-16 tabs", "latin-1 semicolons"],
)
def test_spreadsheet_encodings_and_separators(data: bytes) -> None:
    read = read_expense_csv(data)
    assert read.errors == []
    ((row, expense),) = read.expenses
    assert (row, expense.description, expense.amount_minor, expense.chapter_id) == (2, "Café rent", 1250, 7)


def test_a_file_that_is_not_text_is_refused() -> None:
    with pytest.raises(UnreadableFile, match="binary data"):
        read_expense_csv(b"PK\x03\x04\x14\x00\x00\x00\x08\x00")
