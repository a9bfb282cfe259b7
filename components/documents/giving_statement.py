"""Year-end giving statements as PDF (fpdf2): one page (or more) per donor
listing every gift of the year, by every channel, with totals per currency,
for the donor's tax records."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import polars as pl

import dates as date_rules
from components.documents.base import LATIN1_REPLACEMENTS, Align, Document, Footer
from models.donations import format_minor

ACKNOWLEDGEMENT = (
    "Unless a line says otherwise, no goods or services were provided in exchange for these gifts. "
    "Please keep this statement with your tax records."
)


# How a gift reached the movement, in the donor's words rather than ours:
# the processor says whether it came online, the method how it was paid.
METHOD_LABEL = {
    "card": "Card",
    "bank_transfer": "Bank transfer",
    "cash": "Cash",
    "cheque": "Cheque",
    "paypal": "PayPal",
    "stripe": "Card",
    "direct_debit": "Direct debit",
    "other": "Other",
}
ONLINE = {"stripe": "Online (card)", "paypal": "Online (PayPal)"}


def channel_label(method: str | None, processor: str | None) -> str:
    """A gift's channel as a donor reads it: "Online (card)", "Online
    (PayPal)", or how it was paid ("Cheque", "Cash", "Bank transfer"); a gift
    recorded by hand with no particular method is "By hand"."""
    if processor in ONLINE:
        return ONLINE[processor]
    if method in (None, "other"):
        return "By hand" if processor in (None, "manual") else "Other"
    return METHOD_LABEL.get(method, method.replace("_", " ").capitalize())


def channel_column(method: str = "method", processor: str = "processor") -> pl.Expr:
    """`channel_label` over a gift frame's columns."""
    return pl.struct(method, processor).map_elements(
        lambda r: channel_label(r[method], r[processor]), return_dtype=pl.String
    )


@dataclass(frozen=True)
class Statement:
    """What one donor's statement says. `lines` has columns received_on,
    channel, campaign, amount_minor, refunded_minor, currency; `totals` is
    metrics.statements.statement_totals. `movement_name` is the
    issuing organisation's (legal) name; its address (one line per line) and
    tax number print under it when known."""

    movement_name: str
    donor_name: str
    donor_email: str | None
    start: date
    end: date
    lines: pl.DataFrame
    totals: pl.DataFrame
    reporting_currency: str
    issued_on: date
    issuer_address: str | None = None
    issuer_tax_number: str | None = None


# Lighter and a little lower than the hours statement's footer, as it was
# first laid out: only the page number, the issuer is named at the top.
_FOOTER = Footer(lambda page: f"Page {page}", grey=110, height=6.0)
# A middle dot on a statement is the donor's own (a Catalan "l·l"), not a
# separator, and the core font prints it: it stays.
_STAND_INS = {a: b for a, b in LATIN1_REPLACEMENTS.items() if a != "·"}


WIDTHS = (24, 36, 52, 26, 22, 26)
HEADS = ("Date", "Channel", "Campaign", "Amount", "Refunded", "Net")
RIGHT = {"Amount", "Refunded", "Net"}
LINE = 4.6  # mm per line of a table row


def _align(head: str) -> Align:
    return "R" if head in RIGHT else "L"


def _header(doc: Document) -> None:
    doc.font(9, bold=True)
    doc.header_row([(h, w, _align(h)) for w, h in zip(WIDTHS, HEADS, strict=True)])
    doc.font(9)


def _lines(result: object) -> list[str]:
    """multi_cell(output="LINES")'s answer, typed."""
    assert isinstance(result, list)
    return [str(line) for line in result]


def _row(doc: Document, cells: list[str]) -> None:
    """One gift: every cell wraps within its column (a long campaign name
    takes more lines, never the next column's room), and the row moves to a
    new page, under the header again, when it would not fit."""
    lines: list[list[str]] = [
        _lines(doc.multi_cell(w, LINE, c, dry_run=True, output="LINES")) if c else [""]
        for w, c in zip(WIDTHS, cells, strict=True)
    ]
    height = LINE * max(len(ls) for ls in lines) + 1.4
    if doc.make_room(height):
        _header(doc)
    x, y = doc.get_x(), doc.get_y()
    for w, ls, h in zip(WIDTHS, lines, HEADS, strict=True):
        doc.set_xy(x, y + 0.7)
        doc.multi_cell(w, LINE, "\n".join(ls), align=_align(h), new_x="RIGHT", new_y="TOP")
        x += w
    doc.set_xy(doc.l_margin, y + height)


def _render(doc: Document, s: Statement) -> None:
    doc.add_page()
    doc.set_text_color(0)
    doc.font(16, bold=True)
    doc.cell(0, 9, doc.narrow(s.movement_name), new_x="LMARGIN", new_y="NEXT")
    doc.font(9)
    doc.set_text_color(60)
    for line in (s.issuer_address or "").splitlines():
        if line.strip():
            doc.cell(0, 4.5, doc.narrow(line.strip()), new_x="LMARGIN", new_y="NEXT")
    if s.issuer_tax_number:
        doc.cell(0, 4.5, doc.narrow(f"Tax number: {s.issuer_tax_number}"), new_x="LMARGIN", new_y="NEXT")
    doc.set_text_color(0)
    doc.ln(1)
    doc.font(12)
    doc.cell(
        0,
        7,
        doc.narrow(f"Giving statement, {date_rules.full(s.start)} to {date_rules.full(s.end)}"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    doc.font(9)
    doc.set_text_color(90)
    doc.cell(0, 6, f"Issued {date_rules.full(s.issued_on)}", new_x="LMARGIN", new_y="NEXT")
    doc.ln(4)
    doc.set_text_color(0)
    doc.font(11, bold=True)
    doc.cell(0, 6, doc.narrow(s.donor_name), new_x="LMARGIN", new_y="NEXT")
    if s.donor_email:
        doc.font(10)
        doc.cell(0, 6, doc.narrow(s.donor_email), new_x="LMARGIN", new_y="NEXT")
    doc.ln(3)
    doc.font(10)
    doc.multi_cell(
        0,
        5,
        doc.narrow(
            f"Thank you for your support. This statement lists every gift {s.movement_name} received "
            "from you in the period, by every channel (card, PayPal, bank transfer, cash, cheque and "
            "others), less any refunds."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
        align="L",
    )
    doc.ln(3)
    doc.set_fill_color(235)
    _header(doc)
    for r in s.lines.sort("received_on").iter_rows(named=True):
        currency = str(r["currency"])
        cells = (
            date_rules.with_year(r["received_on"]),
            str(r["channel"] or ""),
            str(r["campaign"] or ""),
            format_minor(int(r["amount_minor"]), currency),
            format_minor(int(r["refunded_minor"]), currency) if r["refunded_minor"] else "",
            format_minor(int(r["amount_minor"]) - int(r["refunded_minor"]), currency),
        )
        _row(doc, [doc.narrow(c) for c in cells])
    doc.ln(3)
    doc.font(10, bold=True)
    doc.cell(0, 6, "Total given in the period", new_x="LMARGIN", new_y="NEXT")
    doc.font(10)
    for t in s.totals.iter_rows(named=True):
        currency = str(t["currency"])
        line = f"{format_minor(int(t['net_minor']), currency)} in {t['gifts']} gift(s)"
        if t["refunded_minor"]:
            line += f" (given {format_minor(int(t['given_minor']), currency)}, refunded "
            line += f"{format_minor(int(t['refunded_minor']), currency)})"
        doc.cell(0, 6, doc.narrow(line), new_x="LMARGIN", new_y="NEXT")
    if s.totals.height > 1 or (s.totals.height == 1 and s.totals["currency"][0] != s.reporting_currency):
        reporting = int(s.totals["net_reporting_minor"].sum())
        doc.set_text_color(90)
        doc.cell(
            0,
            6,
            doc.narrow(
                f"Together {format_minor(reporting, s.reporting_currency)} at the exchange rates on the days "
                "of the gifts."
            ),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        doc.set_text_color(0)
    doc.ln(4)
    doc.font(9)
    doc.multi_cell(0, 5, doc.narrow(ACKNOWLEDGEMENT), new_x="LMARGIN", new_y="NEXT", align="L")


def statement_pdf(statement: Statement) -> bytes:
    doc = Document(footer=_FOOTER, stand_ins=_STAND_INS)
    _render(doc, statement)
    return bytes(doc.output())


def statements_zip(statements: Iterable[tuple[str, Statement]]) -> bytes:
    """One PDF per donor, named by the given file stems, in a ZIP."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for stem, statement in statements:
            archive.writestr(f"{stem}.pdf", statement_pdf(statement))
    return buffer.getvalue()
