"""A gift export's bytes as its header and rows of text, before any
column means anything."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass

from imports.text import UnreadableFile, decode_text, delimiter


@dataclass(frozen=True)
class RawFile:
    columns: list[str]
    rows: list[list[str]]
    sha256: str


def read_csv(data: bytes) -> RawFile:
    """The file's header and rows as text: UTF-8, UTF-16 or UTF-32 (Excel's
    "Unicode text", tab-separated) or Windows-1252, which older PayPal
    downloads use (`imports.text`). Raises `UnreadableFile` for a file that
    is not text, is empty or names a column twice."""
    text = decode_text(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter(text))
    try:
        header = next(reader)
    except StopIteration:
        raise UnreadableFile("the file is empty") from None
    columns = [c.strip().lstrip("\ufeff") for c in header]
    seen: set[str] = set()
    for c in columns:
        if c and c in seen:
            raise UnreadableFile(f"the column '{c}' appears twice in the header")
        seen.add(c)
    rows = [r for r in reader if any(v.strip() for v in r)]
    return RawFile(columns, rows, hashlib.sha256(data).hexdigest())
