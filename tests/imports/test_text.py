"""Every import reads the same files: UTF-8, Windows-1252, and Excel's
"Unicode text" (UTF-16 with a BOM, tab-separated), which it once refused as
binary."""

from __future__ import annotations

import codecs
from datetime import date

import pytest

from imports.gift_file import read_csv
from imports.hours_csv import parse_hours_csv
from imports.survey_csv import read_csv_export
from imports.text import BINARY, UnreadableFile, decode_text, delimiter

HOURS_TSV = (
    "member_email\tworked_on\tactivity\tminutes\tnote\n"
    "zoë@example.org\t2026-11-02\toutreach\t90\tCafé São Paulo\n"
)


def _unicode_text(text: str, encoding: str) -> bytes:
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}[encoding]
    return bom + text.replace("\n", "\r\n").encode(encoding)


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (codecs.BOM_UTF8 + "Zoë,1".encode(), "Zoë,1"),
        ("Zoë,1".encode(), "Zoë,1"),
        ("Zoë,1".encode("cp1252"), "Zoë,1"),
        (codecs.BOM_UTF16_LE + "Zoë\t1".encode("utf-16-le"), "Zoë\t1"),
        (codecs.BOM_UTF16_BE + "Zoë\t1".encode("utf-16-be"), "Zoë\t1"),
        ("Zoë\t1".encode("utf-16-le"), "Zoë\t1"),  # no BOM
        (codecs.BOM_UTF32_LE + "Zoë,1".encode("utf-32-le"), "Zoë,1"),
    ],
)
def test_text_in_every_encoding_a_spreadsheet_writes(data: bytes, text: str) -> None:
    assert decode_text(data) == text


def test_a_binary_file_is_still_refused_plainly() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00"
    with pytest.raises(UnreadableFile, match="binary data"):
        decode_text(png)
    assert str(UnreadableFile(BINARY)) == "This is not a CSV text file (it contains binary data)."


def test_the_separator_is_read_from_the_header() -> None:
    assert delimiter("a\tb\tc\n1,5\t2\t3") == "\t"
    assert delimiter("a;b;c\n") == ";"
    assert delimiter("a,b\n") == ","
    assert delimiter("single\n") == ","


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_hours_import_reads_unicode_text(encoding: str) -> None:
    parsed, errors, rows = parse_hours_csv(_unicode_text(HOURS_TSV, encoding), today=date(2026, 12, 5))
    assert errors == [] and rows == 1
    (p,) = parsed
    assert p.row.member_email == "zoë@example.org" and p.row.minutes == 90
    assert p.raw["note"] == "Café São Paulo"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_gift_import_reads_unicode_text(encoding: str) -> None:
    text = "Name\tEmail\tAmount\tCurrency\tDate\nZoë Ångström\tzoe@example.org\t12.50\tEUR\t2026-11-02\n"
    raw = read_csv(_unicode_text(text, encoding))
    assert raw.columns == ["Name", "Email", "Amount", "Currency", "Date"]
    assert raw.rows == [["Zoë Ångström", "zoe@example.org", "12.50", "EUR", "2026-11-02"]]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_survey_import_reads_unicode_text(encoding: str) -> None:
    text = "Respondent\tWave\tScore\nzoë-1\tpre\t4\nzoë-1\tpost\t5\n"
    export = read_csv_export(_unicode_text(text, encoding))
    assert export.headers == ("Respondent", "Wave", "Score")
    assert export.rows == (("zoë-1", "pre", "4"), ("zoë-1", "post", "5"))


def test_gift_import_refuses_a_binary_file_with_a_message() -> None:
    with pytest.raises(UnreadableFile, match="binary data"):
        read_csv(b"PK\x03\x04\x14\x00\x00\x00\x08\x00")
