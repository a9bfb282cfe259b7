"""The characters of an uploaded CSV, whatever program saved it.

Excel's "CSV UTF-8" starts with a byte-order mark, its plain "CSV" is
Windows-1252 and its "Unicode text" is UTF-16 with a BOM and tabs between
columns; other programs write UTF-16 or UTF-32 without asking. Each import
reads its file through `decode_text` and `delimiter`, so all of them accept
the same files and refuse the same ones with the same words."""

from __future__ import annotations

import codecs

BINARY = "This is not a CSV text file (it contains binary data)."
UNREADABLE = "The file's characters cannot be read; save it as CSV UTF-8."

# Longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


class UnreadableFile(ValueError):
    """The file cannot be read as an import: its bytes are not text this app
    reads, or its header cannot be used; the message says why."""


def _utf16_without_bom(data: bytes) -> str | None:
    # Text in UTF-16 has a zero byte beside nearly every ASCII character: on
    # the odd bytes for little-endian, on the even ones for big-endian.
    if len(data) % 2:
        return None
    odd, even = data[1::2].count(0), data[0::2].count(0)
    half = len(data) // 2
    for zeros, other, encoding in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if zeros >= 0.3 * half and other == 0:
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                return None
    return None


def decode_text(data: bytes) -> str:
    """The file's text, without its byte-order mark.

    Reads UTF-8, UTF-16 and UTF-32 with a BOM, UTF-16 without one, UTF-8
    without one and, failing that, Windows-1252. Raises `UnreadableFile`
    for anything else (a spreadsheet saved as .xlsx, an image)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError:
                raise UnreadableFile(UNREADABLE) from None
    if b"\x00" in data:
        text = _utf16_without_bom(data)
        if text is None:
            raise UnreadableFile(BINARY)
        return text
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(UNREADABLE)


def delimiter(text: str) -> str:
    """The column separator of the header line: tab, semicolon or comma,
    whichever it holds most of (comma when it holds none)."""
    header = text.split("\n", 1)[0]
    counts = {sep: header.count(sep) for sep in ("\t", ";", ",")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] > counts[","] else ","
