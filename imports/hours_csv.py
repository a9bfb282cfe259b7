"""A coordinator's hours file read and validated row by row: bytes in, the
good rows and every problem (with its line) out. Whether each member, event
and program exists is the database's question (`db.hours_import.import_hours_csv`)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import polars as pl
from pydantic import ValidationError

from db import clock
from imports.problems import problems_frame
from imports.text import UnreadableFile, decode_text, delimiter
from models.hours import CSV_DURATION, CSV_OPTIONAL, CSV_REQUIRED, HoursCsvRow, hours_to_minutes
from models.spreadsheet import neutralise_text_columns

if TYPE_CHECKING:
    from _csv import Reader

MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 10_000


@dataclass(frozen=True)
class RowError:
    """One reason a file was refused. ``row`` is the line in the file (the
    header is line 1); 0 means the file as a whole."""

    row: int
    column: str
    value: str
    message: str


@dataclass(frozen=True)
class ImportReport:
    rows: int
    imported: int
    errors: tuple[RowError, ...]
    dry_run: bool = False
    bad_rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def errors_csv(self) -> bytes:
        """The problems as CSV for a spreadsheet; a refused formula is
        written as text so that opening the report never runs it."""
        return neutralise_text_columns(self.errors_frame()).write_csv().encode()

    def errors_frame(self) -> pl.DataFrame:
        return problems_frame(self.errors)


@dataclass(frozen=True)
class ParsedHours:
    line: int
    row: HoursCsvRow
    raw: dict[str, str]


def shown(value: str) -> str:
    """A cell as the report quotes it, cut short when long."""
    return value if len(value) <= 80 else value[:77] + "…"


def parse_hours_csv(
    data: bytes, *, today: date | None = None
) -> tuple[list[ParsedHours], list[RowError], int]:
    """Read and validate every row; returns the good rows, every problem
    found, and the number of data rows. Touches no database."""
    if len(data) > MAX_IMPORT_BYTES:
        return [], [RowError(0, "", "", _too_big(len(data)))], 0
    try:
        text = decode_text(data)
    except UnreadableFile as exc:
        return [], [RowError(0, "", "", str(exc))], 0
    separator = delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    header, errors = _read_header(reader)
    if errors:
        return [], errors, 0
    return _read_rows(reader, header, separator, {"today": today or clock.latest_today()})


def _read_header(reader: Reader) -> tuple[list[str], list[RowError]]:
    """The header's column names, or why they cannot be used."""
    try:
        header_cells = next(reader, None)
    except csv.Error as exc:
        return [], [RowError(1, "", "", f"The header line cannot be read: {exc}.")]
    if not header_cells or not any(c.strip() for c in header_cells):
        return [], [RowError(0, "", "", "The file is empty: it needs a header line and at least one row.")]
    header = [c.strip().lower() for c in header_cells]
    known = (*CSV_REQUIRED, *CSV_DURATION, *CSV_OPTIONAL)
    unknown = [h for h in header if h not in known]
    missing = [h for h in CSV_REQUIRED if h not in header]
    duplicated = sorted({h for h in header if header.count(h) > 1})
    durations = [h for h in CSV_DURATION if h in header]
    expected = "Expected columns: " + ", ".join((*CSV_REQUIRED, "minutes or hours", *CSV_OPTIONAL)) + "."
    errors: list[RowError] = []
    for h in unknown:
        errors.append(RowError(1, shown(h), shown(h), f"Unknown column '{shown(h)}'. {expected}"))
    for h in missing:
        errors.append(RowError(1, h, "", f"The column '{h}' is missing. {expected}"))
    for h in duplicated:
        errors.append(RowError(1, h, h, f"The column '{h}' appears more than once."))
    if len(durations) != 1:
        errors.append(
            RowError(1, "minutes", "", "Give the duration in exactly one column: 'minutes' or 'hours'.")
        )
    return header, errors


def _read_rows(
    reader: Reader, header: list[str], separator: str, context: dict[str, Any]
) -> tuple[list[ParsedHours], list[RowError], int]:
    parsed: list[ParsedHours] = []
    errors: list[RowError] = []
    seen: dict[tuple[Any, ...], int] = {}
    rows = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(RowError(reader.line_num, "", "", f"This line cannot be read: {exc}."))
            break
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        rows += 1
        if rows > MAX_IMPORT_ROWS:
            return (
                [],
                [RowError(0, "", "", f"The file has more than {MAX_IMPORT_ROWS:,} rows; split it.")],
                rows,
            )
        if len(cells) != len(header):
            errors.append(
                RowError(
                    line,
                    "",
                    shown(separator.join(cells)),
                    f"This row has {len(cells)} cells; the header has {len(header)}.",
                )
            )
            continue
        raw = dict(zip(header, cells, strict=True))
        row = _validated(line, raw, context, errors)
        if row is None:
            continue
        key = (
            row.member_email,
            row.worked_on,
            row.minutes,
            row.activity,
            row.event_id,
            row.program_id,
            row.note,
        )
        if key in seen:
            errors.append(
                RowError(line, "", shown(separator.join(cells)), f"The same entry as row {seen[key]}.")
            )
            continue
        seen[key] = line
        parsed.append(ParsedHours(line, row, raw))
    if rows == 0 and not errors:
        errors.append(RowError(0, "", "", "The file has a header but no rows."))
    return parsed, errors, rows


def _validated(
    line: int, raw: dict[str, str], context: dict[str, Any], errors: list[RowError]
) -> HoursCsvRow | None:
    """The row as hours, or None with its problems added to `errors`."""
    values: dict[str, Any] = {k: v for k, v in raw.items() if k != "hours"}
    if "hours" in raw:
        values["minutes"] = hours_to_minutes(raw["hours"])
    try:
        return HoursCsvRow.model_validate(values, context=context)
    except ValidationError as exc:
        for err in exc.errors():
            column = str(err["loc"][0]) if err["loc"] else ""
            source = "hours" if column == "minutes" and "hours" in raw else column
            errors.append(RowError(line, source, shown(raw.get(source, "")), err["msg"]))
        return None


def too_big(size: int, *, dry_run: bool = False) -> ImportReport:
    """The report for a file refused for its size alone, without reading it."""
    return ImportReport(rows=0, imported=0, errors=(RowError(0, "", "", _too_big(size)),), dry_run=dry_run)


def _too_big(size: int) -> str:
    return (
        f"The file is {size / 1024 / 1024:.1f} MB; the limit is {MAX_IMPORT_BYTES // 1024 // 1024} MB "
        f"(about {MAX_IMPORT_ROWS:,} rows). Split it into smaller files."
    )
