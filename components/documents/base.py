"""The page every printed document is laid out on (fpdf2): A4 in
millimetres, DejaVu where it is installed, else the PDF core font with the
text narrowed to Latin-1, and a footer line on every page when the document
has one."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from fpdf import FPDF

Colour = tuple[int, int, int]
# A single number is a shade of grey, written with the PDF's grey operator
# rather than as RGB: the giving statement's footer always was, and a
# refactor should not change the bytes a donor's printer gets.
Shade = Colour | int
Align = Literal["L", "C", "R", "J"]

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts"),
    Path("/Library/Fonts"),
    Path("C:/Windows/Fonts"),
)

# The core font knows Latin-1 only and prints "?" for anything else: these
# stand-ins read better than a question mark.
LATIN1_REPLACEMENTS = {
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


def font_file(name: str) -> Path | None:
    for directory in FONT_DIRS:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None


def latin1(value: str, stand_ins: Mapping[str, str] = LATIN1_REPLACEMENTS) -> str:
    """`value` as the core font can print it: accents kept, look-alikes for
    common other characters, "?" for the rest."""
    for a, b in stand_ins.items():
        value = value.replace(a, b)
    return value.encode("latin-1", "replace").decode("latin-1")


@dataclass(frozen=True)
class Footer:
    """A centred line at the foot of every page; `text` is given the page
    number (fpdf2 replaces "{nb}" in it with the number of pages)."""

    text: Callable[[int], str]
    grey: Shade = (90, 90, 90)
    height: float = 5.0


class Document(FPDF):
    """A4 portrait with DejaVu (or Helvetica) as `family`. `stand_ins` are
    what the core font prints for characters it lacks (or, like the middle
    dot the board report uses as a separator, that read better as another)."""

    def __init__(
        self,
        *,
        title: str | None = None,
        page_break_margin: float = 18,
        footer: Footer | None = None,
        stand_ins: Mapping[str, str] = LATIN1_REPLACEMENTS,
    ) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_line = footer
        self.stand_ins = stand_ins
        self.set_auto_page_break(auto=True, margin=page_break_margin)
        if title is not None:
            self.set_title(title)
        self.set_creator("Heartbeat")
        regular, bold = font_file("DejaVuSans.ttf"), font_file("DejaVuSans-Bold.ttf")
        if regular is not None and bold is not None:
            self.add_font("DejaVu", "", str(regular))
            self.add_font("DejaVu", "B", str(bold))
            self.family, self.unicode = "DejaVu", True
        else:
            self.family, self.unicode = "Helvetica", False

    def narrow(self, value: str) -> str:
        """`value` as this document's font can print it."""
        return value if self.unicode else latin1(value, self.stand_ins)

    def font(self, size: float, *, bold: bool = False, color: Shade | None = None) -> None:
        self.set_font(self.family, "B" if bold else "", size)
        if isinstance(color, int):
            self.set_text_color(color)
        elif color is not None:
            self.set_text_color(*color)

    def prose(
        self, value: str, size: float = 11, *, color: Shade, bold: bool = False, align: Align = "L"
    ) -> None:
        """A paragraph across the page, wrapped, the next line below it."""
        self.font(size, bold=bold, color=color)
        self.multi_cell(0, size * 0.5, self.narrow(value), new_x="LMARGIN", new_y="NEXT", align=align)

    def fit(self, value: str, width: float) -> str:
        """`value` shortened with an ellipsis until it fits a cell `width` mm wide."""
        text = self.narrow(value)
        room = width - 2 * self.c_margin
        if self.get_string_width(text) <= room:
            return text
        ellipsis = self.narrow("…")
        while text and self.get_string_width(text + ellipsis) > room:
            text = text[:-1]
        return text.rstrip() + ellipsis

    def header_row(self, columns: Sequence[tuple[str, float, Align]], height: float = 7) -> None:
        """A table's column names on the fill colour, underlined, in the
        current font."""
        for name, width, align in columns:
            self.cell(width, height, self.narrow(name), border="B", fill=True, align=align)
        self.ln(height)

    def make_room(self, height: float) -> bool:
        """Start a new page unless `height` mm still fit on this one; says
        whether it did, so a table can repeat its header."""
        if self.get_y() + height <= self.page_break_trigger:
            return False
        self.add_page()
        return True

    def footer(self) -> None:
        if self.footer_line is None:
            return
        self.font(8, color=self.footer_line.grey)
        self.set_y(-12)
        self.cell(0, self.footer_line.height, self.narrow(self.footer_line.text(self.page_no())), align="C")
