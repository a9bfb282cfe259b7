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
from pathlib import Path

import polars as pl

from db.models.hours import ACTIVITY_LABELS, format_minutes
from db.models.spreadsheet import neutralise_cell
from metrics.volunteer_totals import by_activity

_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))


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


def _font(name: str) -> Path | None:
    for directory in _FONT_DIRS:
        if (directory / name).is_file():
            return directory / name
    return None


class _Doc:
    """fpdf2 with DejaVu where installed, else Helvetica with text narrowed
    to Latin-1 (accents kept, other characters replaced); a footer with the
    statement's reference and page numbers on every page."""

    def __init__(self, title: str, footer: str) -> None:
        from fpdf import FPDF

        doc = self

        class _Pdf(FPDF):
            def footer(self) -> None:
                doc.font(8, grey=True)
                self.set_y(-12)
                self.cell(0, 5, doc.text(f"{footer} · page {self.page_no()} of {{nb}}"), align="C")

        self.pdf = _Pdf(orientation="portrait", unit="mm", format="A4")
        self.pdf.set_auto_page_break(auto=True, margin=18)
        self.pdf.set_title(title)
        self.pdf.set_creator("Heartbeat")
        regular, bold = _font("DejaVuSans.ttf"), _font("DejaVuSans-Bold.ttf")
        if regular is not None and bold is not None:
            self.pdf.add_font("DejaVu", "", str(regular))
            self.pdf.add_font("DejaVu", "B", str(bold))
            self.family, self.unicode = "DejaVu", True
        else:
            self.family, self.unicode = "Helvetica", False
        self.pdf.add_page()

    def text(self, value: str) -> str:
        if self.unicode:
            return value
        value = value.replace("–", "-").replace("—", "-").replace("·", "|").replace("…", "...")
        return value.encode("latin-1", "replace").decode("latin-1")

    def font(self, size: float, *, bold: bool = False, grey: bool = False) -> None:
        self.pdf.set_font(self.family, "B" if bold else "", size)
        self.pdf.set_text_color(*((90, 90, 90) if grey else (20, 20, 20)))

    def line(self, value: str, size: float = 11, *, bold: bool = False, grey: bool = False) -> None:
        self.font(size, bold=bold, grey=grey)
        self.pdf.multi_cell(0, size * 0.5, self.text(value), new_x="LMARGIN", new_y="NEXT", align="L")

    def fit(self, value: str, width: float) -> str:
        """`value` shortened with an ellipsis until it fits `width` mm."""
        text = self.text(value)
        room = width - 2 * self.pdf.c_margin
        if self.pdf.get_string_width(text) <= room:
            return text
        ellipsis = self.text("…")
        while text and self.pdf.get_string_width(text + ellipsis) > room:
            text = text[:-1]
        return text.rstrip() + ellipsis


_COLUMNS = (
    ("Date", 28.0, "L"),
    ("Activity", 36.0, "L"),
    ("Event or program", 94.0, "L"),
    ("Time", 22.0, "R"),
)
_ROW = 6.5


def _table_header(doc: _Doc) -> None:
    doc.font(10, bold=True)
    doc.pdf.set_fill_color(235, 240, 245)
    for head, width, align in _COLUMNS:
        doc.pdf.cell(width, 7, doc.text(head), border="B", fill=True, align=align)
    doc.pdf.ln(7)
    doc.font(10)


def statement_pdf(statement: Statement) -> bytes:
    """The statement as an A4 PDF: who, which period, the total, the totals
    by activity, every entry (the table's header repeated on each page), and
    a line for a signature."""
    s = statement
    doc = _Doc(f"Statement of volunteer hours – {s.member_name}", f"{s.movement} · reference {s.reference}")
    pdf = doc.pdf
    doc.line(s.movement, 12, bold=True, grey=True)
    pdf.ln(2)
    doc.line("Statement of volunteer hours", 20, bold=True)
    pdf.ln(3)
    doc.line(
        f"This confirms that {s.member_name}, a volunteer of {s.chapter}, gave the approved hours "
        f"listed below between {s.start:%d %B %Y} and {s.end:%d %B %Y}."
    )
    pdf.ln(4)
    doc.line(f"Total: {format_minutes(s.total_minutes)} ({s.total_minutes / 60:,.2f} hours)", 14, bold=True)
    if s.by_activity:
        doc.line(" · ".join(f"{label}: {format_minutes(m)}" for label, m in s.by_activity), 10, grey=True)
    pdf.ln(4)
    _table_header(doc)
    if not s.lines:
        pdf.cell(sum(w for _, w, _ in _COLUMNS), _ROW, doc.text("No approved hours in this period."))
        pdf.ln(_ROW)
    for line in s.lines:
        if pdf.get_y() + _ROW > pdf.page_break_trigger:
            pdf.add_page()
            _table_header(doc)
        cells = (f"{line.worked_on:%d %b %Y}", line.activity, line.context, format_minutes(line.minutes))
        for (_, width, align), value in zip(_COLUMNS, cells, strict=True):
            pdf.cell(width, _ROW, doc.fit(value, width), border="B", align=align)
        pdf.ln(_ROW)
    if pdf.get_y() + 40 > pdf.page_break_trigger:
        pdf.add_page()
    pdf.ln(10)
    doc.line(f"Issued on {s.issued_on:%d %B %Y} by Heartbeat. Reference {s.reference}.", 9, grey=True)
    doc.line(
        "Only hours approved by a volunteer coordinator are listed. "
        "The reference changes if any line changes.",
        9,
        grey=True,
    )
    pdf.ln(14)
    doc.line("Signature of a coordinator: ______________________________", 10)
    return bytes(pdf.output())
