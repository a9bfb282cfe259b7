"""Year-end statements: the PDF lists every gift of the year by every
channel with totals per currency, and the ZIP holds one PDF per donor."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import polars as pl
from pypdf import PdfReader

from components.statement_pdf import Statement, statement_pdf, statements_zip
from metrics.fundraising_desk import statement_totals


def _statement(name: str = "Jo Müller") -> Statement:
    lines = pl.DataFrame(
        {
            "received_on": [date(2025, 2, 14), date(2025, 3, 14), date(2025, 12, 1)],
            "channel": ["card · Stripe", "paypal · PayPal", "cash · Recorded by hand"],
            "campaign": ["Spring Appeal 2025", None, "Year-End Appeal 2025"],
            "amount_minor": [2000, 12500, 5000],
            "refunded_minor": [0, 2500, 0],
            "currency": ["EUR", "EUR", "USD"],
            "net_reporting_minor": [2160, 10800, 5000],
        }
    )
    return Statement(
        movement_name="Empathy Movement",
        donor_name=name,
        donor_email="jo@example.de",
        start=date(2025, 1, 1),
        end=date(2025, 12, 31),
        lines=lines,
        totals=statement_totals(lines, start=date(2025, 1, 1), end=date(2025, 12, 31)).collect(),
        reporting_currency="USD",
        issued_on=date(2026, 1, 10),
    )


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_pdf_lists_every_gift_and_the_totals() -> None:
    pdf = statement_pdf(_statement())
    assert pdf.startswith(b"%PDF")
    text = _text(pdf)
    for expected in (
        "Empathy Movement",
        "Giving statement, 01 January 2025 to 31 December 2025",
        "Jo Müller",
        "2025-02-14",
        "card · Stripe",
        "paypal · PayPal",
        "cash · Recorded by hand",
        "EUR 125.00",
        "EUR 25.00",
        "EUR 120.00 in 2 gift(s) (given EUR 145.00, refunded EUR 25.00)",
        "USD 50.00 in 1 gift(s)",
        "Together USD 179.60",
        "no goods or services",
    ):
        assert expected in text, expected


def test_the_zip_holds_one_pdf_per_donor() -> None:
    data = statements_zip([("jo-1", _statement()), ("ada-2", _statement("Ada Byron"))])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sorted(archive.namelist()) == ["ada-2.pdf", "jo-1.pdf"]
        assert "Ada Byron" in _text(archive.read("ada-2.pdf"))
