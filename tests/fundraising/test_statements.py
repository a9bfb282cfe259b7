"""Year-end statements: the PDF lists every gift of the year by every
channel with totals per currency, and the ZIP holds one PDF per donor."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from datetime import date

import polars as pl
from pypdf import PdfReader

from components.documents.giving_statement import Statement, statement_pdf, statements_zip
from metrics.statements import statement_totals


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
        "Giving statement, January 1, 2025 to December 31, 2025",
        "Jo Müller",
        "Feb 14, 2025",
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


def _runs(pdf: bytes) -> list[tuple[str, float, float, float]]:
    """Every piece of text the PDF draws: text, x and y (mm from the page's
    bottom left) and font size."""
    runs: list[tuple[str, float, float, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip():
            runs.append((text.strip(), tm[4] * 25.4 / 72, tm[5] * 25.4 / 72, size))

    for page in PdfReader(io.BytesIO(pdf)).pages:
        page.extract_text(visitor_text=visit)
    return runs


def test_long_channels_and_campaigns_wrap_within_their_columns() -> None:
    from components.documents.base import Document

    long_campaign = "The Year-End Appeal for the School Circles of the Northern Region 2025"
    lines = pl.DataFrame(
        {
            "received_on": [date(2025, 2, 14), date(2025, 3, 1)],
            "channel": ["Bank transfer · Recorded by hand", "Online (PayPal)"],
            "campaign": [long_campaign, "Spring"],
            "amount_minor": [2000, 1250000],
            "refunded_minor": [0, 125000],
            "currency": ["EUR", "USD"],
            "net_reporting_minor": [2160, 1125000],
        }
    )
    statement = replace(
        _statement(),
        lines=lines,
        totals=statement_totals(lines, start=date(2025, 1, 1), end=date(2025, 12, 31)).collect(),
    )
    pdf = statement_pdf(statement)
    measure = Document()
    measure.add_page()
    measure.font(9)
    # Columns from the left margin (10 mm): Date, Channel, Campaign, Amount, Refunded, Net.
    edges = [10.0]
    for width in (24, 36, 52, 26, 22, 26):
        edges.append(edges[-1] + width)
    runs = _runs(pdf)
    table = [r for r in runs if r[3] == 9 and r[1] < edges[-1]]
    top = next(r[2] for r in table if r[0] == "Date")
    bottom = next(r[2] for r in runs if r[0] == "Total given in the period")
    cells = [r for r in table if bottom < r[2] < top]
    assert cells
    for text, x, _, _ in cells:
        column = max(i for i, edge in enumerate(edges[:-1]) if x >= edge - 0.01)
        right = x + measure.get_string_width(text)
        assert right <= edges[column + 1] + 0.01, (text, round(right, 1), edges[column + 1])
    # Nothing was cut: the campaign's every word is on the statement.
    assert long_campaign in _text(pdf)


def test_the_statement_names_the_issuer_with_its_address_and_tax_number() -> None:
    statement = replace(
        _statement(),
        movement_name="Empathy Movement Inc.",
        issuer_address="100 Example Street\nSpringfield, IL 62701",
        issuer_tax_number="EIN 12-3456789",
    )
    text = _text(statement_pdf(statement))
    assert text.startswith(
        "Empathy Movement Inc. 100 Example Street Springfield, IL 62701 Tax number: EIN 12-3456789"
    )


def test_channels_are_named_in_the_donors_words() -> None:
    from components.documents.giving_statement import channel_label

    assert channel_label("card", "stripe") == "Online (card)"
    assert channel_label("paypal", "paypal") == "Online (PayPal)"
    assert channel_label("cheque", None) == "Cheque"
    assert channel_label("cash", "manual") == "Cash"
    assert channel_label("bank_transfer", "import") == "Bank transfer"
    assert channel_label("other", None) == "By hand"
    assert channel_label("other", "import") == "Other"
