"""A statement of a volunteer's approved hours, for a school, an employer or
a court: a PDF to print and a CSV to file.

Only approved hours appear: a statement certifies time a coordinator
confirmed. Each statement carries a reference computed from its content, so
two copies can be compared without trusting either."""

from __future__ import annotations

import csv
import hashlib
import io
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import polars as pl

import dates as date_rules
from metrics.volunteer_totals import by_activity
from models.hours import ACTIVITY_LABELS, format_minutes
from models.spreadsheet import neutralise_cell

if TYPE_CHECKING:
    # fpdf takes most of a second to import: the page should not pay for it
    # until someone asks for the PDF.
    from components.documents.base import Align, Document


@dataclass(frozen=True)
class StatementLine:
    worked_on: date
    activity: str  # the label people read
    context: str  # event or program, or ""
    minutes: int


@dataclass(frozen=True)
class Statement:
    movement: str
    member_name: str
    chapter: str
    start: date
    end: date
    issued_on: date
    lines: tuple[StatementLine, ...]
    by_activity: tuple[tuple[str, int], ...]

    @property
    def total_minutes(self) -> int:
        return sum(line.minutes for line in self.lines)

    @property
    def reference(self) -> str:
        """A short digest of everything the statement says."""
        h = hashlib.sha256()
        for part in (self.movement, self.member_name, self.chapter, self.start, self.end, self.issued_on):
            h.update(f"{part}\x1f".encode())
        for line in self.lines:
            h.update(f"{line.worked_on}|{line.activity}|{line.context}|{line.minutes}\x1e".encode())
        digest = h.hexdigest()[:12].upper()
        return "-".join(digest[i : i + 4] for i in range(0, 12, 4))

    def file_name(self, extension: str) -> str:
        ascii_name = unicodedata.normalize("NFKD", self.member_name).encode("ascii", "ignore").decode()
        stem = "-".join("".join(c if c.isalnum() else " " for c in ascii_name).split()).lower() or "volunteer"
        return f"statement-of-hours-{stem}-{self.start:%Y%m%d}-{self.end:%Y%m%d}.{extension}"


def build_statement(
    entries: pl.DataFrame,
    *,
    movement: str,
    member_name: str,
    chapter: str,
    start: date,
    end: date,
    issued_on: date,
) -> Statement:
    """The statement of the approved entries in ``entries`` (the columns of
    ``db.hours.my_hours``) worked between ``start`` and ``end`` inclusive."""
    if end < start:
        raise ValueError("The end of the period must not be before its start.")
    chosen = entries.filter(
        (pl.col("status") == "approved") & pl.col("worked_on").is_between(start, end)
    ).sort(["worked_on", "id"])
    lines = tuple(
        StatementLine(
            worked_on=r["worked_on"],
            activity=ACTIVITY_LABELS.get(r["activity"], r["activity"]),
            context=r["event_title"] or r["program_name"] or "",
            minutes=int(r["minutes"]),
        )
        for r in chosen.iter_rows(named=True)
    )
    per_activity = tuple(
        (ACTIVITY_LABELS.get(r["activity"], r["activity"]), int(r["approved_minutes"]))
        for r in by_activity(chosen).iter_rows(named=True)
    )
    return Statement(
        movement=movement,
        member_name=member_name,
        chapter=chapter,
        start=start,
        end=end,
        issued_on=issued_on,
        lines=lines,
        by_activity=per_activity,
    )


def statement_csv(statement: Statement) -> bytes:
    """One row per entry, with the statement's facts in comment-free header
    rows a spreadsheet shows as they are. UTF-8 with a byte-order mark so
    Excel reads accents correctly."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Statement of volunteer hours"])
    writer.writerow(["Organisation", neutralise_cell(statement.movement)])
    writer.writerow(["Volunteer", neutralise_cell(statement.member_name)])
    writer.writerow(["Chapter", neutralise_cell(statement.chapter)])
    writer.writerow(["Period", statement.start.isoformat(), statement.end.isoformat()])
    writer.writerow(["Issued on", statement.issued_on.isoformat()])
    writer.writerow(["Reference", statement.reference])
    writer.writerow(["Total approved hours", f"{statement.total_minutes / 60:.2f}"])
    writer.writerow([])
    writer.writerow(["date", "activity", "event_or_program", "minutes", "hours"])
    for line in statement.lines:
        writer.writerow(
            [
                line.worked_on.isoformat(),
                line.activity,
                neutralise_cell(line.context),
                line.minutes,
                f"{line.minutes / 60:.2f}",
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


INK = (20, 20, 20)
GREY = (90, 90, 90)


_COLUMNS: tuple[tuple[str, float, Align], ...] = (
    ("Date", 28.0, "L"),
    ("Activity", 36.0, "L"),
    ("Event or program", 94.0, "L"),
    ("Time", 22.0, "R"),
)
_ROW = 6.5


def _table_header(doc: Document) -> None:
    doc.font(10, bold=True, color=INK)
    doc.set_fill_color(235, 240, 245)
    doc.header_row(_COLUMNS)
    doc.font(10, color=INK)


def statement_pdf(statement: Statement) -> bytes:
    """The statement as an A4 PDF: who, which period, the total, the totals
    by activity, every entry (the table's header repeated on each page), and
    a line for a signature."""
    from components.documents.base import Document, Footer

    s = statement
    doc = Document(
        title=f"Statement of volunteer hours – {s.member_name}",
        footer=Footer(lambda page: f"{s.movement} · reference {s.reference} · page {page} of {{nb}}"),
    )
    doc.add_page()
    doc.prose(s.movement, 12, bold=True, color=GREY)
    doc.ln(2)
    doc.prose("Statement of volunteer hours", 20, bold=True, color=INK)
    doc.ln(3)
    doc.prose(
        f"This confirms that {s.member_name}, a volunteer of {s.chapter}, gave the approved hours "
        f"listed below between {date_rules.full(s.start)} and {date_rules.full(s.end)}.",
        color=INK,
    )
    doc.ln(4)
    doc.prose(
        f"Total: {format_minutes(s.total_minutes)} ({s.total_minutes / 60:,.2f} hours)",
        14,
        bold=True,
        color=INK,
    )
    if s.by_activity:
        doc.prose(" · ".join(f"{label}: {format_minutes(m)}" for label, m in s.by_activity), 10, color=GREY)
    doc.ln(4)
    _table_header(doc)
    if not s.lines:
        doc.cell(sum(w for _, w, _ in _COLUMNS), _ROW, doc.narrow("No approved hours in this period."))
        doc.ln(_ROW)
    for line in s.lines:
        if doc.make_room(_ROW):
            _table_header(doc)
        worked_on = date_rules.with_year(line.worked_on)
        cells = (worked_on, line.activity, line.context, format_minutes(line.minutes))
        for (_, width, align), value in zip(_COLUMNS, cells, strict=True):
            doc.cell(width, _ROW, doc.fit(value, width), border="B", align=align)
        doc.ln(_ROW)
    doc.make_room(40)
    doc.ln(10)
    issued = date_rules.full(s.issued_on)
    doc.prose(f"Issued on {issued} by Heartbeat. Reference {s.reference}.", 9, color=GREY)
    doc.prose(
        "Only hours approved by a volunteer coordinator are listed. "
        "The reference changes if any line changes.",
        9,
        color=GREY,
    )
    doc.ln(14)
    doc.prose("Signature of a coordinator: ______________________________", 10, color=INK)
    return bytes(doc.output())
