"""Tables leave the dashboard as CSV, Excel and Parquet with their values intact."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime

import polars as pl

from components.downloads import file_stem, table_bytes

FRAME = pl.DataFrame(
    {
        "chapter": ["Zürich", "Paris"],
        "members": [12, 40],
        "share": [0.25, 0.75],
        "since": [date(2024, 1, 1), date(2025, 6, 1)],
        "at": [datetime(2026, 1, 1, 12, tzinfo=UTC), datetime(2026, 2, 1, 8, tzinfo=UTC)],
    }
)


def test_csv_round_trips_with_a_byte_order_mark():
    data = table_bytes(FRAME, "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    back = pl.read_csv(io.BytesIO(data[3:]), try_parse_dates=True)
    assert back["chapter"].to_list() == ["Zürich", "Paris"]
    assert back["members"].to_list() == [12, 40]


def test_parquet_round_trips_exactly():
    back = pl.read_parquet(io.BytesIO(table_bytes(FRAME, "parquet")))
    assert back.equals(FRAME)


def test_excel_is_a_workbook_with_the_values():
    data = table_bytes(FRAME, "xlsx", sheet="Chapters and their members, a long sheet name")
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        names = book.namelist()
        assert "xl/worksheets/sheet1.xml" in names
        strings = book.read("xl/sharedStrings.xml").decode()
        workbook = book.read("xl/workbook.xml").decode()
    assert "Zürich" in strings and "chapter" in strings
    assert "Chapters and their members, a " in workbook  # cut to Excel's 31 characters


def test_nested_values_become_text():
    frame = pl.DataFrame({"ids": [[1, 2], [3]]})
    assert b"[1, 2]" in table_bytes(frame, "csv")
    assert zipfile.is_zipfile(io.BytesIO(table_bytes(frame, "xlsx")))


def test_empty_frames_still_encode():
    empty = FRAME.clear()
    assert pl.read_parquet(io.BytesIO(table_bytes(empty, "parquet"))).schema == FRAME.schema
    assert zipfile.is_zipfile(io.BytesIO(table_bytes(empty, "xlsx")))


def test_file_stem_is_safe():
    assert file_stem("Donor retention / FY 2026 (Berlin)") == "donor-retention-fy-2026-berlin"
    assert file_stem("../../etc/passwd") == "etc-passwd"
    assert file_stem("€€€") == "table"
