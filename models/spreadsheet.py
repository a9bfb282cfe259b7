"""Cells a spreadsheet would run as formulas (OWASP "CSV injection"):
refused on import, written as text on export. One definition for every
import and download."""

from __future__ import annotations

import re

import polars as pl

# A cell starting with one of these is run as a formula by Excel, LibreOffice
# and Google Sheets; tab and carriage return too, because some spreadsheets
# strip them and then read the next character.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_FORMULA_START = r"^[=+\-@\t\r]"


def starts_like_formula(text: str) -> bool:
    """Strict: any formula prefix, for names and free text where a leading
    sign has no business."""
    return text.startswith(FORMULA_PREFIXES)


def is_formula(cell: str) -> bool:
    """Lenient for numeric columns: = or @, a tab or carriage return, or + or
    - followed by something that is not a plain number ("-2.5" is a number)."""
    if not cell:
        return False
    if cell[0] in "=@\t\r":
        return True
    return cell[0] in "+-" and not _NUMBER.match(cell)


def neutralise_cell(value: str) -> str:
    """A text cell made safe to open: a leading apostrophe makes
    spreadsheets show a formula-like cell as text."""
    return "'" + value if starts_like_formula(value) else value


def neutralise_text_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """`neutralise_cell` over every text column, vectorised."""
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(_FORMULA_START))
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name, dtype in frame.schema.items()
        if dtype == pl.String
    )


def safe_csv(frame: pl.DataFrame) -> bytes:
    """The frame as UTF-8 CSV (with a byte-order mark, so Excel reads
    accents) in which no text cell can run as a formula."""
    return b"\xef\xbb\xbf" + neutralise_text_columns(frame).write_csv().encode("utf-8")
