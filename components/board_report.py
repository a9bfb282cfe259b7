"""The board pack: the period's figures and charts as one self-contained HTML
file and as a PDF.

Charts become static images through kaleido, which drives a headless
Chromium (Debian's /usr/bin/chromium unless BROWSER_PATH says otherwise): SVG
inside the HTML (crisp when printed, no script to run, opens in any mail
client) and PNG inside the PDF (fpdf2). One Chromium start draws every chart
of a pack. Without Chromium the HTML falls back to interactive charts with
plotly.js inlined, and the PDF carries the tables and a sentence saying the
charts could not be drawn, rather than failing.
"""

from __future__ import annotations

import hashlib
import html
import io
import logging
import os
import shutil
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import plotly.graph_objects as go
import plotly.io as pio
import polars as pl

from db import clock

if TYPE_CHECKING:
    from metrics.impact import GoalProgress
    from metrics.report import HealthReport

log = logging.getLogger(__name__)

IMAGE_WIDTH = 1200
IMAGE_HEIGHT = 620
_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts"),
    Path("/Library/Fonts"),
    Path("C:/Windows/Fonts"),
)


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


# --- static images ----------------------------------------------------------


class ChartsUnavailableError(RuntimeError):
    """Chromium (or kaleido) is not there to draw static charts."""


def browser_path() -> str | None:
    """Where kaleido finds Chromium: BROWSER_PATH, else Debian's chromium."""
    configured = os.environ.get("BROWSER_PATH")
    if configured and Path(configured).exists():
        return configured
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"):
        if Path(candidate).exists():
            return candidate
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    return found


_render_lock = threading.Lock()
_image_cache: OrderedDict[tuple[str, str], list[bytes]] = OrderedDict()
_IMAGE_CACHE_SIZE = 16


def _figures_key(figures: Sequence[go.Figure]) -> str:
    h = hashlib.sha256()
    for fig in figures:
        h.update(fig.to_json().encode())
    return h.hexdigest()


def render_images(figures: Sequence[go.Figure], fmt: Literal["png", "svg"]) -> list[bytes]:
    """Each figure as PNG (for the PDF, at twice the layout size) or SVG (for
    the HTML), drawn in one Chromium start.

    Results are kept by the figures' content, so a second download of the
    same pack draws nothing. (Two people share an entry only when their
    figures are identical to the byte, which means they hold the same data.)"""
    if not figures:
        return []
    key = (_figures_key(figures), fmt)
    with _render_lock:
        if key in _image_cache:
            _image_cache.move_to_end(key)
            return _image_cache[key]
        path = browser_path()
        if path is None:
            raise ChartsUnavailableError("Chromium was not found (set BROWSER_PATH to a Chrome or Chromium)")
        os.environ.setdefault("BROWSER_PATH", path)
        with tempfile.TemporaryDirectory(prefix="heartbeat-report-") as tmp:
            files = [Path(tmp) / f"{i}.{fmt}" for i in range(len(figures))]
            try:
                pio.write_images(
                    list(figures),
                    files,
                    format=fmt,
                    width=IMAGE_WIDTH,
                    height=[_height(f) for f in figures],
                    scale=2 if fmt == "png" else 1,
                )
            except Exception as exc:  # kaleido wraps Chromium's failures in several types
                raise ChartsUnavailableError(f"the charts could not be drawn: {exc}") from exc
            result = [f.read_bytes() for f in files]
        _image_cache[key] = result
        while len(_image_cache) > _IMAGE_CACHE_SIZE:
            _image_cache.popitem(last=False)
        return result


def _height(fig: go.Figure) -> int:
    height = fig.layout.height
    return int(height) if height else IMAGE_HEIGHT


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
        f"{pack.generated_at:%d %b %Y %H:%M} UTC.</p>",
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

_LATIN1_REPLACEMENTS = {
    "–": "-",
    "—": "-",
    "−": "-",
    "’": "'",
    "‘": "'",
    "“": '"',
    "”": '"',
    "…": "...",
    "≥": ">=",
    "≤": "<=",
    "∞": "infinite",
    "€": "EUR ",
    "→": "->",
    "·": "|",
    "\u2003": "  ",
}


def _font_file(name: str) -> Path | None:
    for directory in _FONT_DIRS:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None


class _Pdf:
    """fpdf2 with a Unicode font where one is installed (DejaVu), else the
    built-in Helvetica with text narrowed to Latin-1."""

    def __init__(self, pack: BoardPack) -> None:
        from fpdf import FPDF

        self.pdf = FPDF(orientation="portrait", unit="mm", format="A4")
        self.pdf.set_auto_page_break(auto=True, margin=15)
        self.pdf.set_title(pack.title)
        self.pdf.set_creator("Heartbeat")
        regular, bold = _font_file("DejaVuSans.ttf"), _font_file("DejaVuSans-Bold.ttf")
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
        for a, b in _LATIN1_REPLACEMENTS.items():
            value = value.replace(a, b)
        return value.encode("latin-1", "replace").decode("latin-1")

    def write(
        self, value: str, *, size: float = 11, bold: bool = False, color: tuple[int, int, int] = (26, 26, 26)
    ) -> None:
        self.pdf.set_font(self.family, "B" if bold else "", size)
        self.pdf.set_text_color(*color)
        self.pdf.multi_cell(0, size * 0.5, self.text(value), new_x="LMARGIN", new_y="NEXT")

    def gap(self, mm: float = 3) -> None:
        self.pdf.ln(mm)


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
    doc = _Pdf(pack)
    pdf = doc.pdf
    doc.write(pack.title, size=20, bold=True)
    doc.write(pack.scope, size=11, color=(68, 68, 68))
    doc.write(
        f"Figures as of {pack.as_of}; generated {pack.generated_at:%d %b %Y %H:%M} UTC.",
        size=10,
        color=(68, 68, 68),
    )
    doc.gap(4)
    if pack.alerts:
        doc.write("Alerts", size=13, bold=True, color=(213, 94, 0))
        for alert in pack.alerts:
            doc.write(f"• {alert}" if doc.unicode else f"- {alert}", size=11)
    else:
        doc.write("No alerts for this period.", size=11, color=(0, 158, 115))
    if chart_problem:
        doc.gap(2)
        doc.write(f"Charts could not be drawn: {chart_problem}.", size=10, color=(213, 94, 0))
    fig_index = 0
    usable = pdf.w - pdf.l_margin - pdf.r_margin
    for section in pack.sections:
        doc.gap(5)
        doc.write(section.title, size=16, bold=True, color=(0, 114, 178))
        doc.gap(1)
        if section.kpis:
            _pdf_kpis(doc, section.kpis)
        for fig in section.figures:
            if pngs is not None:
                png = pngs[fig_index]
                height = usable * _height(fig) / IMAGE_WIDTH
                if pdf.get_y() + height > pdf.h - pdf.b_margin:
                    pdf.add_page()
                pdf.image(io.BytesIO(png), w=usable, h=height)
                doc.gap(2)
            fig_index += 1
        for table in section.tables:
            _pdf_table(doc, table)
        for note in section.notes:
            doc.write(note, size=9.5, color=(68, 68, 68))
            doc.gap(1)
    out = pdf.output()
    return bytes(out)


def _pdf_kpis(doc: _Pdf, kpis: Sequence[Kpi]) -> None:
    pdf = doc.pdf
    pdf.set_text_color(26, 26, 26)
    headings = ("Figure", "Value", "Change", "Note")
    with pdf.table(
        col_widths=(45, 35, 45, 55),
        text_align=("LEFT", "RIGHT", "LEFT", "LEFT"),
        line_height=5.5,
        first_row_as_headings=True,
    ) as table:
        pdf.set_font(doc.family, "", 9.5)
        header = table.row()
        for h in headings:
            header.cell(doc.text(h))
        for kpi in kpis:
            row = table.row()
            for value in (kpi.label, kpi.value, kpi.change, kpi.note):
                row.cell(doc.text(value))
    doc.gap(3)


def _pdf_table(doc: _Pdf, table: Table, max_rows: int = 60) -> None:
    pdf = doc.pdf
    doc.write(table.title, size=11.5, bold=True)
    frame = table.frame
    if frame.height == 0:
        doc.write("No rows for these filters.", size=9.5, color=(68, 68, 68))
        return
    pdf.set_font(doc.family, "", 8.5 if frame.width > 5 else 9.5)
    pdf.set_text_color(26, 26, 26)
    with pdf.table(line_height=5, first_row_as_headings=True) as t:
        header = t.row()
        for name in frame.columns:
            header.cell(doc.text(name))
        for values in frame.head(max_rows).iter_rows():
            row = t.row()
            for value in values:
                row.cell(doc.text(_cell(value)[0]))
    if frame.height > max_rows:
        doc.write(f"First {max_rows} of {frame.height} rows.", size=9, color=(68, 68, 68))
    doc.gap(3)


def file_stem(pack: BoardPack) -> str:
    from components.downloads import file_stem as stem

    return stem(f"board-report {pack.scope}")


# --- the pack of a health report ------------------------------------------------------


def _section(
    title: str, cards: Sequence[object], views: Sequence[object], tables: Sequence[Table] = ()
) -> Section:
    from components.dashboard.shared import Card, View

    section = Section(title)
    for card in cards:
        assert isinstance(card, Card)
        section.kpis.append(
            Kpi(card.label, card.value, card.delta or "", card.help.split("\n\n")[0] if card.help else "")
        )
    for view in views:
        assert isinstance(view, View)
        if view.fig is not None:
            section.figures.append(view.fig)
            if view.caption:
                section.notes.append(f"{view.title}: {view.caption}")
        else:
            section.notes.append(f"{view.title}: {view.empty}")
    section.tables.extend(tables)
    return section


def _table_of(view: object) -> pl.DataFrame:
    table = getattr(view, "table", None)
    return table if isinstance(table, pl.DataFrame) else pl.DataFrame()


def _columns(frame: pl.DataFrame, *names: str) -> pl.DataFrame:
    """The columns a printed page has room for (the dashboard downloads all)."""
    return frame.select([n for n in names if n in frame.columns]) if frame.width else frame


def _failure_html(exc: Exception) -> bytes:
    return (
        '<!doctype html><html lang="en"><meta charset="utf-8"><title>Board report</title>'
        "<body><h1>The board report could not be built</h1>"
        f"<p>{html.escape(type(exc).__name__)}: {html.escape(str(exc))}</p>"
        "<p>The dashboard itself is unaffected; the problem has been logged.</p></body></html>"
    ).encode()


def _failure_pdf(exc: Exception) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 9, "The board report could not be built", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    message = f"{type(exc).__name__}: {exc}".encode("latin-1", "replace").decode("latin-1")
    pdf.multi_cell(0, 6, message, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def board_pack(
    report: HealthReport,
    *,
    scope: str,
    movement: str,
    against: str,
    goals: list[GoalProgress] | None = None,
    goal_scopes: dict[int, str] | None = None,
) -> BoardPack:
    """Every page's figures, charts and notes for the period, in one pack."""
    from components.dashboard import impact, momentum, overview, sustainability

    overview_section = _section(
        "Overview",
        overview.kpi_cards(report, against),
        [overview.health_view(report)],
        [
            Table(
                "Health score components",
                _columns(
                    _table_of(overview.health_view(report)),
                    "component",
                    "value",
                    "weight",
                    "contribution (points)",
                    "not scored because",
                ),
            )
        ],
    )
    overview_section.notes.extend(report.notes)
    sustainability_section = _section(
        "Sustainability",
        sustainability.finance_cards(report),
        [
            sustainability.runway_view(report),
            sustainability.burn_view(report),
            sustainability.revenue_view(report),
            sustainability.retention_view(report),
            sustainability.gains_losses_view(report),
            sustainability.volunteers_view(report),
            sustainability.hours_spread_view(report),
        ],
        [Table("Tuckman–Chang vulnerability ratios", sustainability.tuckman_chang_table(report))],
    )
    momentum_section = _section(
        "Momentum",
        momentum.momentum_cards(report),
        [
            momentum.members_view(report),
            momentum.growth_view(report),
            momentum.cohort_view(report),
            momentum.ladder_view(report),
            momentum.breadth_depth_view(report),
            momentum.events_kind_view(report),
            momentum.attendance_view(report),
            momentum.chapters_level_view(report),
        ],
    )
    effects = impact.effects_view(report)
    goals_view = impact.goals_view(
        report.impact.goals if goals is None else goals, scopes=goal_scopes or {}, currency=report.currency
    )
    impact_section = _section(
        "Impact",
        impact.impact_cards(report, goals),
        [impact.teq_view(report), effects, goals_view],
        [
            Table(
                "Change in empathy per program",
                _columns(
                    _table_of(effects),
                    "program",
                    "pairs",
                    "mean before",
                    "mean after",
                    "mean change",
                    "d_z",
                    "95% CI of d_z",
                ),
            )
        ]
        + (
            [
                Table(
                    "Goals",
                    _columns(
                        goals_view.table, "goal", "scope", "now", "target", "progress (%)", "due", "status"
                    ),
                )
            ]
            if goals_view.table is not None and goals_view.table.height
            else []
        ),
    )
    impact_section.notes.insert(0, impact.IMPACT_NOTE)
    return BoardPack(
        movement=movement,
        scope=scope,
        as_of=f"{report.through:%d %b %Y}",
        generated_at=clock.utc_now(),
        alerts=[f"{title}. {message}" for _, title, message in overview.alerts(report)],
        sections=[overview_section, sustainability_section, momentum_section, impact_section],
    )


def download_buttons(
    report: HealthReport,
    *,
    scope: str,
    movement: str,
    against: str,
    key: str,
    goals: Callable[[], list[GoalProgress]] | None = None,
    goal_scopes: dict[int, str] | None = None,
) -> None:
    """The two board-report buttons: each builds its file when clicked."""
    import streamlit as st

    from components.downloads import file_stem as stem

    name = stem(f"board-report {scope}")
    cache: dict[str, BoardPack] = {}

    def pack() -> BoardPack:
        if "pack" not in cache:
            cache["pack"] = board_pack(
                report,
                scope=scope,
                movement=movement,
                against=against,
                goals=goals() if goals is not None else None,
                goal_scopes=goal_scopes,
            )
        return cache["pack"]

    def build(render: Callable[[BoardPack], bytes], failed: Callable[[Exception], bytes]) -> bytes:
        # Runs outside the page script when the button is clicked: a failure
        # would otherwise leave the browser waiting for a file that never
        # comes, so it becomes a file that says what went wrong.
        try:
            return render(pack())
        except Exception as exc:
            log.exception("board report failed for %s", scope)
            return failed(exc)

    with st.container(horizontal=True, gap="small"):
        st.download_button(
            "Board report (HTML)",
            data=lambda: build(to_html, _failure_html),
            file_name=f"{name}.html",
            mime="text/html",
            key=f"{key}_html",
            icon=":material/description:",
            on_click="ignore",
            type="primary",
        )
        st.download_button(
            "Board report (PDF)",
            data=lambda: build(to_pdf, _failure_pdf),
            file_name=f"{name}.pdf",
            mime="application/pdf",
            key=f"{key}_pdf",
            icon=":material/picture_as_pdf:",
            on_click="ignore",
        )
