"""A form tool's CSV export of the empathy survey (Google Forms, Microsoft
Forms, Typeform …) read and checked row by row: bytes in, its columns, a
guess of which column holds what, and every row as answers or as problems
with its row number out. Writing the answers is `db.surveys.import_responses`."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError

from imports.dates import parse_date
from imports.gift_rows import RowIssue
from imports.text import UnreadableFile, decode_text, delimiter
from models.chapters import error_messages
from models.surveys import (
    ANSWER_LABELS,
    CODE_PATTERN,
    PRACTICE_LABELS,
    TEQ_ITEMS,
    ImportMapping,
    SurveyResponseIn,
)

MAX_IMPORT_BYTES = 5_000_000
MAX_IMPORT_ROWS = 20_000


@dataclass(frozen=True)
class CsvExport:
    """A form tool's export: its column names (made unique) and rows."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    lines: tuple[int, ...]  # each row's spreadsheet row number (header = 1)


@dataclass(frozen=True)
class ImportReport:
    """What an import did: every row's problems, or how many rows it wrote."""

    rows_read: int
    inserted: int
    errors: tuple[RowIssue, ...] = ()
    responses: tuple[SurveyResponseIn, ...] = field(default=(), repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors


def read_csv_export(data: bytes) -> CsvExport:
    """Parses a CSV export in any encoding and separator `imports.text`
    reads. Repeated column names get " (2)", " (3)" … appended. Raises
    `UnreadableFile` for a file too large, empty, or without answers."""
    if len(data) > MAX_IMPORT_BYTES:
        raise UnreadableFile(f"the file is larger than {MAX_IMPORT_BYTES // 1_000_000} MB; split it")
    text = decode_text(data)
    if not text.strip():
        raise UnreadableFile("the file is empty")
    numbered = [
        (n, r)
        for n, r in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter(text)), start=1)
        if any(c.strip() for c in r)
    ]
    records = [r for _, r in numbered]
    if len(records) < 2:
        raise UnreadableFile("the file has a header row but no answers")
    if len(records) - 1 > MAX_IMPORT_ROWS:
        raise UnreadableFile(f"the file has more than {MAX_IMPORT_ROWS} rows; split it")
    seen: dict[str, int] = {}
    headers: list[str] = []
    for raw in records[0]:
        name = raw.strip() or "(unnamed)"
        seen[name] = seen.get(name, 0) + 1
        headers.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    width = len(headers)
    rows = tuple(tuple((list(r) + [""] * width)[:width]) for r in records[1:])
    return CsvExport(tuple(headers), rows, tuple(n for n, _ in numbered[1:]))


def _normalise(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def suggest_mapping(headers: Sequence[str]) -> dict[str, Any]:
    """Guesses which columns hold what: a statement's column contains its
    wording (form tools put the question text in the header), or is named
    like q1, item 01, TEQ_1."""
    norm = {h: _normalise(h) for h in headers}
    items: list[str | None] = []
    for i, wording in enumerate(TEQ_ITEMS, start=1):
        w = _normalise(wording)
        found = next((h for h, n in norm.items() if w in n or (len(n) > 20 and n in w)), None)
        if found is None:
            pattern = re.compile(rf"^(teq|q|item|question)\s*0?{i}$")
            found = next((h for h, n in norm.items() if pattern.match(n)), None)
        items.append(found)

    def first(*needles: str) -> str | None:
        return next((h for h, n in norm.items() if any(k in n for k in needles)), None)

    return {
        "item_columns": items,
        "code_column": first("participant code", "respondent code", "code", "pseudonym"),
        "wave_column": first("wave", "pre post", "survey round", "timepoint"),
        "date_column": first("timestamp", "date", "submitted", "completion time", "end time"),
        "practice_column": first("practise", "practice"),
    }


_ANSWERS = {label.lower(): value for value, label in enumerate(ANSWER_LABELS)}
_PRACTICE = {**{v: v for v in PRACTICE_LABELS}, **{label.lower(): v for v, label in PRACTICE_LABELS.items()}}
_PRACTICE.update({v.replace("_", " "): v for v in PRACTICE_LABELS})
_WAVES = {
    "pre": "pre",
    "before": "pre",
    "baseline": "pre",
    "post": "post",
    "after": "post",
    "follow up": "follow_up",
    "followup": "follow_up",
    "follow_up": "follow_up",
    "follow-up": "follow_up",
}


def parse_answer(cell: str, scale: str) -> int:
    """A cell → 0..4: the words Never … Always, or a number on the file's
    scale ("1-5": 1 = Never; "0-4": 0 = Never)."""
    text = cell.strip().lower()
    if text in _ANSWERS:
        return _ANSWERS[text]
    if re.fullmatch(r"\d+(\.0+)?", text):
        number = int(float(text))
        low = 1 if scale == "1-5" else 0
        if low <= number <= low + 4:
            return number - low
        raise ValueError(f"'{cell}' is outside the {scale} scale")
    raise ValueError(f"'{cell}' is not one of {', '.join(ANSWER_LABELS)} or a number")


# Each reader below takes one field of a row and adds what is wrong with it
# to `problems`, so a row reports every problem at once.


def _answers(cells: dict[str, str], mapping: ImportMapping, problems: list[str]) -> list[int]:
    answers: list[int] = []
    for i, column in enumerate(mapping.item_columns, start=1):
        try:
            answers.append(parse_answer(cells[column], mapping.numeric_scale))
        except ValueError as exc:
            problems.append(f"statement {i} ({column}): {exc}")
    return answers


def _code(cells: dict[str, str], mapping: ImportMapping, problems: list[str]) -> str:
    code = cells[mapping.code_column].strip()
    if not CODE_PATTERN.match(code):
        problems.append(
            f"participant code '{code}': use 3 to 64 letters, digits, - or _"
            if code
            else "no participant code"
        )
    return code


def _wave(cells: dict[str, str], mapping: ImportMapping, problems: list[str]) -> str | None:
    if mapping.wave_column is None:
        return mapping.wave
    cell = cells[mapping.wave_column]
    wave = _WAVES.get(_normalise(cell)) or _WAVES.get(cell.strip().lower())
    if wave is None:
        problems.append(f"survey '{cell}': expected pre, post or follow-up")
    return wave


def _answered_on(cells: dict[str, str], mapping: ImportMapping, problems: list[str]) -> date | None:
    if mapping.date_column is None:
        return mapping.answered_on
    cell = cells[mapping.date_column]
    try:
        return parse_date(cell, "DMY" if mapping.day_first else "MDY")
    except ValueError:
        problems.append(f"date: '{cell}' is not a date like 2025-03-14")
        return None


def _practice(cells: dict[str, str], mapping: ImportMapping, problems: list[str]) -> str | None:
    cell = "" if mapping.practice_column is None else cells[mapping.practice_column].strip()
    if not cell:
        return None
    practice = _PRACTICE.get(cell.lower())
    if practice is None:
        problems.append(f"practice '{cell}': expected one of {', '.join(PRACTICE_LABELS.values())}")
    return practice


def _row_response(cells: dict[str, str], mapping: ImportMapping) -> tuple[SurveyResponseIn | None, list[str]]:
    problems: list[str] = []
    values = {
        "answers": tuple(_answers(cells, mapping, problems)),
        "respondent_code": _code(cells, mapping, problems),
        "wave": _wave(cells, mapping, problems),
        "answered_on": _answered_on(cells, mapping, problems),
        "practice": _practice(cells, mapping, problems),
    }
    if problems:
        return None, problems
    try:
        response = SurveyResponseIn.model_validate(
            {
                **values,
                "chapter_id": mapping.chapter_id,
                "program_id": mapping.program_id,
                "event_id": mapping.event_id,
                "anonymous": True,
            }
        )
    except ValidationError as exc:
        return None, [m.rstrip(".") for m in error_messages(exc)]
    return response, []


def validate_import(export: CsvExport, mapping: ImportMapping) -> ImportReport:
    """Checks every row without touching the database. Raises
    `UnreadableFile` when the mapping names a column the file lacks."""
    missing = [
        c
        for c in (
            *mapping.item_columns,
            mapping.code_column,
            mapping.wave_column,
            mapping.date_column,
            mapping.practice_column,
        )
        if c is not None and c not in export.headers
    ]
    if missing:
        raise UnreadableFile(f"the file has no column {', '.join(repr(c) for c in missing)}")
    errors: list[RowIssue] = []
    responses: list[SurveyResponseIn] = []
    seen: dict[tuple[str, str], int] = {}
    for line, row in zip(export.lines, export.rows, strict=True):
        response, problems = _row_response(dict(zip(export.headers, row, strict=True)), mapping)
        errors.extend(RowIssue(line, p) for p in problems)
        if response is None:
            continue
        key = (response.respondent_code.lower(), response.wave)
        if key in seen:
            errors.append(
                RowIssue(
                    line,
                    f"participant code '{response.respondent_code}' already answered this survey "
                    f"in row {seen[key]}",
                )
            )
            continue
        seen[key] = line
        responses.append(response)
    return ImportReport(len(export.rows), 0, tuple(errors), tuple(responses))
