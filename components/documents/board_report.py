"""The board pack: the period's figures and charts as one self-contained HTML
file and as a PDF.

Charts are static images (`chart_images`): SVG inside the HTML (crisp when
printed, no script to run, opens in any mail client) and PNG inside the PDF.
Without Chromium the HTML falls back to interactive charts with plotly.js
inlined, and the PDF carries the tables and a sentence saying the charts could
not be drawn, rather than failing.
"""

from __future__ import annotations

import html
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import plotly.graph_objects as go
import plotly.io as pio
import polars as pl

import dates as date_rules
from components.documents.chart_images import IMAGE_WIDTH, ChartsUnavailableError, image_height, render_images

if TYPE_CHECKING:
    # fpdf takes most of a second to import: pages that only offer the
    # download should not pay for it.
    from components.documents.base import Colour, Document

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str
    change: str = ""
    note: str = ""


@dataclass(frozen=True)
class Table:
    title: str
    frame: pl.DataFrame


@dataclass
class Section:
    title: str
    kpis: list[Kpi] = field(default_factory=list)
    figures: list[go.Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class BoardPack:
    movement: str
    scope: str  # "FY 2026 · Whole movement · All programs"
    as_of: str
    generated_at: datetime
    alerts: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"{self.movement}: board report"

    def figures(self) -> list[go.Figure]:
        return [fig for s in self.sections for fig in s.figures]


# --- HTML ---------------------------------------------------------------------

_CSS = """
body { font-family: 'DejaVu Sans', 'Source Sans Pro', Arial, sans-serif; color: #1a1a1a;
       max-width: 1200px; margin: 2rem auto; padding: 0 1.5rem; font-size: 17px; line-height: 1.45; }
h1 { font-size: 2rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.5rem; border-bottom: 2px solid #0072B2; padding-bottom: 0.2rem; margin-top: 2.5rem; }
h3 { font-size: 1.15rem; margin-top: 1.5rem; }
.meta { color: #444; margin: 0.2rem 0; }
.alerts { border-left: 6px solid #D55E00; background: #fdf1ea; padding: 0.6rem 1rem; margin: 1rem 0; }
.alerts li { margin: 0.2rem 0; }
.ok { border-left: 6px solid #009E73; background: #eaf6f1; padding: 0.6rem 1rem; margin: 1rem 0; }
.kpis { display: grid; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); gap: 0.8rem; }
.kpi { border: 1px solid #ccc; border-radius: 6px; padding: 0.6rem 0.8rem; }
.kpi .label { color: #444; font-size: 0.95rem; }
.kpi .value { font-size: 1.6rem; font-weight: 600; }
.kpi .change, .kpi .note { color: #444; font-size: 0.9rem; }
figure { margin: 1rem 0; page-break-inside: avoid; }
figure svg, figure img { max-width: 100%; height: auto; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.95rem; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.6rem; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f2f2f2; }
.note { color: #333; font-style: italic; }
footer { margin-top: 3rem; color: #666; font-size: 0.9rem; }
"""


def _cell(value: object) -> tuple[str, bool]:
    if value is None:
        return "—", False
    if isinstance(value, float):
        return f"{value:,.2f}", True
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}", True
    return str(value), False


def _html_table(table: Table, max_rows: int = 200) -> str:
    frame = table.frame
    head = "".join(f"<th>{html.escape(c)}</th>" for c in frame.columns)
    body: list[str] = []
    for row in frame.head(max_rows).iter_rows():
        cells = []
        for value in row:
            text, numeric = _cell(value)
            cls = ' class="num"' if numeric else ""
            cells.append(f"<td{cls}>{html.escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = (
        f'<p class="note">First {max_rows} of {frame.height} rows; the dashboard downloads them all.</p>'
        if frame.height > max_rows
        else ""
    )
    empty = '<p class="note">No rows for these filters.</p>' if frame.height == 0 else ""
    return (
        f"<h3>{html.escape(table.title)}</h3>"
        + (empty or f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")
        + more
    )


def _svg_inline(svg: str) -> str:
    # Drop the XML prolog: it is not allowed in the middle of an HTML body.
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def to_html(pack: BoardPack) -> bytes:
    """The pack as one HTML file with everything inside it."""
    figures = pack.figures()
    svgs: list[str] | None
    chart_problem = ""
    try:
        svgs = [image.decode("utf-8") for image in render_images(figures, "svg")]
    except ChartsUnavailableError as exc:
        log.warning("board report without static charts: %s", exc)
        svgs, chart_problem = None, str(exc)
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(pack.title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(pack.title)}</h1>",
        f'<p class="meta">{html.escape(pack.scope)}</p>',
        f'<p class="meta">Figures as of {html.escape(pack.as_of)}; generated '
        f"{_generated(pack.generated_at)} UTC.</p>",
    ]
    if pack.alerts:
        items = "".join(f"<li>{html.escape(a)}</li>" for a in pack.alerts)
        parts.append(f'<div class="alerts"><strong>Alerts</strong><ul>{items}</ul></div>')
    else:
        parts.append('<div class="ok">No alerts for this period.</div>')
    fig_index = 0
    plotlyjs_included = False
    for section in pack.sections:
        parts.append(f"<h2>{html.escape(section.title)}</h2>")
        if section.kpis:
            parts.append('<div class="kpis">')
            for kpi in section.kpis:
                parts.append(
                    '<div class="kpi">'
                    f'<div class="label">{html.escape(kpi.label)}</div>'
                    f'<div class="value">{html.escape(kpi.value)}</div>'
                    + (f'<div class="change">{html.escape(kpi.change)}</div>' if kpi.change else "")
                    + (f'<div class="note">{html.escape(kpi.note)}</div>' if kpi.note else "")
                    + "</div>"
                )
            parts.append("</div>")
        for fig in section.figures:
            title = fig.layout.title.text or "chart"
            if svgs is not None:
                label = html.escape(title)
                svg = _svg_inline(svgs[fig_index])
                parts.append(f'<figure role="img" aria-label="{label}">{svg}</figure>')
            else:
                parts.append(
                    "<figure>"
                    + pio.to_html(
                        fig,
                        full_html=False,
                        include_plotlyjs="inline" if not plotlyjs_included else False,
                        config={"displaylogo": False},
                    )
                    + "</figure>"
                )
                plotlyjs_included = True
            fig_index += 1
        for table in section.tables:
            parts.append(_html_table(table))
        for note in section.notes:
            parts.append(f'<p class="note">{html.escape(note)}</p>')
    footer = "Heartbeat board report."
    if chart_problem:
        footer += f" Static charts were not available ({html.escape(chart_problem)}); charts are interactive."
    parts.append(f"<footer>{footer}</footer></body></html>")
    return "\n".join(parts).encode("utf-8")


# --- PDF ------------------------------------------------------------------------

INK = (26, 26, 26)
GREY = (68, 68, 68)
WARNING = (213, 94, 0)
GOOD = (0, 158, 115)
HEADING = (0, 114, 178)


def _write(doc: Document, value: str, size: float = 11, *, bold: bool = False, color: Colour = INK) -> None:
    # Justified, as fpdf2's paragraphs are unless told otherwise: the board
    # report has always been laid out so.
    doc.prose(value, size, bold=bold, color=color, align="J")


def to_pdf(pack: BoardPack) -> bytes:
    """The pack as an A4 PDF."""
    figures = pack.figures()
    pngs: list[bytes] | None
    chart_problem = ""
    try:
        pngs = render_images(figures, "png")
    except ChartsUnavailableError as exc:
        log.warning("board report PDF without charts: %s", exc)
        pngs, chart_problem = None, str(exc)
    from components.documents.base import Document

    doc = Document(title=pack.title, page_break_margin=15)
    doc.add_page()
    _write(doc, pack.title, 20, bold=True)
    _write(doc, pack.scope, 11, color=GREY)
    _write(
        doc,
        f"Figures as of {pack.as_of}; generated {_generated(pack.generated_at)} UTC.",
        10,
        color=GREY,
    )
    doc.ln(4)
    if pack.alerts:
        _write(doc, "Alerts", 13, bold=True, color=WARNING)
        for alert in pack.alerts:
            _write(doc, f"• {alert}" if doc.unicode else f"- {alert}", 11)
    else:
        _write(doc, "No alerts for this period.", 11, color=GOOD)
    if chart_problem:
        doc.ln(2)
        _write(doc, f"Charts could not be drawn: {chart_problem}.", 10, color=WARNING)
    fig_index = 0
    usable = doc.w - doc.l_margin - doc.r_margin
    for section in pack.sections:
        doc.ln(5)
        _write(doc, section.title, 16, bold=True, color=HEADING)
        doc.ln(1)
        if section.kpis:
            _pdf_kpis(doc, section.kpis)
        for fig in section.figures:
            if pngs is not None:
                png = pngs[fig_index]
                height = usable * image_height(fig) / IMAGE_WIDTH
                doc.make_room(height)
                doc.image(io.BytesIO(png), w=usable, h=height)
                doc.ln(2)
            fig_index += 1
        for table in section.tables:
            _pdf_table(doc, table)
        for note in section.notes:
            _write(doc, note, 9.5, color=GREY)
            doc.ln(1)
    return bytes(doc.output())


def _pdf_kpis(doc: Document, kpis: Sequence[Kpi]) -> None:
    doc.set_text_color(*INK)
    headings = ("Figure", "Value", "Change", "Note")
    with doc.table(
        col_widths=(45, 35, 45, 55),
        text_align=("LEFT", "RIGHT", "LEFT", "LEFT"),
        line_height=5.5,
        first_row_as_headings=True,
    ) as table:
        doc.font(9.5)
        header = table.row()
        for h in headings:
            header.cell(doc.narrow(h))
        for kpi in kpis:
            row = table.row()
            for value in (kpi.label, kpi.value, kpi.change, kpi.note):
                row.cell(doc.narrow(value))
    doc.ln(3)


def _pdf_table(doc: Document, table: Table, max_rows: int = 60) -> None:
    _write(doc, table.title, 11.5, bold=True)
    frame = table.frame
    if frame.height == 0:
        _write(doc, "No rows for these filters.", 9.5, color=GREY)
        return
    doc.font(8.5 if frame.width > 5 else 9.5, color=INK)
    with doc.table(line_height=5, first_row_as_headings=True) as t:
        header = t.row()
        for name in frame.columns:
            header.cell(doc.narrow(name))
        for values in frame.head(max_rows).iter_rows():
            row = t.row()
            for value in values:
                row.cell(doc.narrow(_cell(value)[0]))
    if frame.height > max_rows:
        _write(doc, f"First {max_rows} of {frame.height} rows.", 9, color=GREY)
    doc.ln(3)


def _generated(at: datetime) -> str:
    """When the pack was made, in UTC, in the movement's (default) locale."""
    # CLDR puts a narrow no-break space before "PM"; the PDF's core fonts
    # are Latin-1, so it becomes a plain space.
    return f"{date_rules.with_year(at.date())} {date_rules.time_of_day(at)}".replace("\u202f", " ")
