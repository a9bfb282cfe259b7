"""Formula cells are recognised once, and every CSV we write disarms them."""

from __future__ import annotations

import polars as pl
import pytest

from components.downloads import table_bytes
from models.spreadsheet import is_formula, neutralise_cell, safe_csv, starts_like_formula


@pytest.mark.parametrize(
    ("cell", "strict", "lenient"),
    [
        ('=HYPERLINK("http://x")', True, True),
        ("@SUM(A1)", True, True),
        ("+1+2", True, True),
        ("-2.5", True, False),  # a plain number in a numeric column is fine
        ("\tcmd", True, True),
        ("Ana", False, False),
        ("", False, False),
    ],
)
def test_formula_recognition(cell: str, strict: bool, lenient: bool) -> None:
    assert starts_like_formula(cell) is strict
    assert is_formula(cell) is lenient


def test_neutralised_cells_read_as_text() -> None:
    assert neutralise_cell("=1+1") == "'=1+1"
    assert neutralise_cell("Ana") == "Ana"


def test_every_csv_writer_disarms_text_cells_and_keeps_numbers() -> None:
    frame = pl.DataFrame({"name": ["=cmd|' /C calc'!A0", "Ana"], "amount": [-5, 7]})
    for data in (safe_csv(frame), table_bytes(frame, "csv")):
        text = data.decode("utf-8-sig")
        assert "'=cmd" in text
        assert "\n=cmd" not in text
        assert "-5" in text
