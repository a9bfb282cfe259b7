"""Year-end giving statements as PDF (fpdf2): one page (or more) per donor
listing every gift of the year, by every channel, with totals per currency,
for the donor's tax records."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl
from fpdf import FPDF

from db.models.donations import format_minor

# DejaVu covers accents, Greek, Cyrillic and more; without it the PDF core
# font (Latin-1 only) is used and other characters print as "?".
_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
ACKNOWLEDGEMENT = (
    "Unless a line says otherwise, no goods or services were provided in exchange for these gifts. "
    "Please keep this statement with your tax records."
)


@dataclass(frozen=True)
class Statement:
    """What one donor's statement says. `lines` has columns received_on,
    channel, campaign, amount_minor, refunded_minor, currency; `totals` is
    metrics.fundraising_desk.statement_totals."""

    movement_name: str
    donor_name: str
    donor_email: str | None
    start: date
    end: date
    lines: pl.DataFrame
    totals: pl.DataFrame
    reporting_currency: str
    issued_on: date


class _Doc(FPDF):
    def __init__(self) -> None:
        super().__init__(format="A4")
        self.unicode = (_FONT_DIR / "DejaVuSans.ttf").is_file() and (
            _FONT_DIR / "DejaVuSans-Bold.ttf"
        ).is_file()
        if self.unicode:
            self.add_font("Body", "", str(_FONT_DIR / "DejaVuSans.ttf"))
            self.add_font("Body", "B", str(_FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(auto=True, margin=18)

    def face(self, style: str = "", size: float = 10) -> None:
        self.set_font("Body" if self.unicode else "helvetica", style, size)

    def text_of(self, value: str) -> str:
        return value if self.unicode else value.encode("latin-1", "replace").decode("latin-1")

    def footer(self) -> None:
        self.set_y(-12)
        self.face("", 8)
        self.set_text_color(110)
        self.cell(0, 6, f"Page {self.page_no()}", align="C")


def _render(doc: _Doc, s: Statement) -> None:
    doc.add_page()
    doc.set_text_color(0)
    doc.face("B", 16)
    doc.cell(0, 9, doc.text_of(s.movement_name), new_x="LMARGIN", new_y="NEXT")
    doc.face("", 12)
    doc.cell(
        0,
        7,
        doc.text_of(f"Giving statement, {s.start:%d %B %Y} to {s.end:%d %B %Y}"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    doc.face("", 9)
    doc.set_text_color(90)
    doc.cell(0, 6, f"Issued {s.issued_on:%d %B %Y}", new_x="LMARGIN", new_y="NEXT")
    doc.ln(4)
    doc.set_text_color(0)
    doc.face("B", 11)
    doc.cell(0, 6, doc.text_of(s.donor_name), new_x="LMARGIN", new_y="NEXT")
    if s.donor_email:
        doc.face("", 10)
        doc.cell(0, 6, doc.text_of(s.donor_email), new_x="LMARGIN", new_y="NEXT")
    doc.ln(3)
    doc.face("", 10)
    doc.multi_cell(
        0,
        5,
        doc.text_of(
            f"Thank you for your support. This statement lists every gift {s.movement_name} received "
            "from you in the period, by every channel (card, PayPal, bank transfer, cash, cheque and "
            "others), less any refunds."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
        align="L",
    )
    doc.ln(3)
    widths = (26, 34, 52, 26, 22, 26)
    heads = ("Date", "Channel", "Campaign", "Amount", "Refunded", "Net")
    doc.face("B", 9)
    doc.set_fill_color(235)
    for w, h in zip(widths, heads, strict=True):
        doc.cell(w, 7, h, border="B", fill=True, align="R" if h in ("Amount", "Refunded", "Net") else "L")
    doc.ln()
    doc.face("", 9)
    for r in s.lines.sort("received_on").iter_rows(named=True):
        currency = str(r["currency"])
        cells = (
            str(r["received_on"]),
            str(r["channel"] or ""),
            str(r["campaign"] or "")[:32],
            format_minor(int(r["amount_minor"]), currency),
            format_minor(int(r["refunded_minor"]), currency) if r["refunded_minor"] else "",
            format_minor(int(r["amount_minor"]) - int(r["refunded_minor"]), currency),
        )
        for w, c, h in zip(widths, cells, heads, strict=True):
            doc.cell(w, 6, doc.text_of(c), align="R" if h in ("Amount", "Refunded", "Net") else "L")
        doc.ln()
    doc.ln(3)
    doc.face("B", 10)
    doc.cell(0, 6, "Total given in the period", new_x="LMARGIN", new_y="NEXT")
    doc.face("", 10)
    for t in s.totals.iter_rows(named=True):
        currency = str(t["currency"])
        line = f"{format_minor(int(t['net_minor']), currency)} in {t['gifts']} gift(s)"
        if t["refunded_minor"]:
            line += f" (given {format_minor(int(t['given_minor']), currency)}, refunded "
            line += f"{format_minor(int(t['refunded_minor']), currency)})"
        doc.cell(0, 6, doc.text_of(line), new_x="LMARGIN", new_y="NEXT")
    if s.totals.height > 1 or (s.totals.height == 1 and s.totals["currency"][0] != s.reporting_currency):
        reporting = int(s.totals["net_reporting_minor"].sum())
        doc.set_text_color(90)
        doc.cell(
            0,
            6,
            doc.text_of(
                f"Together {format_minor(reporting, s.reporting_currency)} at the exchange rates on the days "
                "of the gifts."
            ),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        doc.set_text_color(0)
    doc.ln(4)
    doc.face("", 9)
    doc.multi_cell(0, 5, doc.text_of(ACKNOWLEDGEMENT), new_x="LMARGIN", new_y="NEXT", align="L")


def statement_pdf(statement: Statement) -> bytes:
    doc = _Doc()
    _render(doc, statement)
    return bytes(doc.output())


def statements_zip(statements: Iterable[tuple[str, Statement]]) -> bytes:
    """One PDF per donor, named by the given file stems, in a ZIP."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for stem, statement in statements:
            archive.writestr(f"{stem}.pdf", statement_pdf(statement))
    return buffer.getvalue()
