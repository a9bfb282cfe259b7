"""Empathy survey answers: handed in through the app, or imported from a
form tool's CSV export (Google Forms, Microsoft Forms, Typeform …).

An import reads the whole file, checks every row, and writes either all of
it in one transaction or nothing, with a row-by-row report of what is wrong.
Imported answers are anonymous: a form tool's export carries no account and
no member link, and the pairing of pre and post is by participant code."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import polars as pl
import psycopg
from pydantic import ValidationError

from db import clock
from db.arrow import read_frame
from db.connection import transaction
from db.errors import InvalidDataError, NotAllowedError, friendly_message
from db.identity import Identity
from db.models.chapters import error_messages
from db.models.surveys import (
    ANSWER_LABELS,
    CODE_PATTERN,
    ITEM_COLUMNS,
    PRACTICE_LABELS,
    TEQ_ITEMS,
    ImportMapping,
    SurveyResponseIn,
)
from db.rows import fetch_one
from imports.text import UnreadableFile, decode_text

MAX_IMPORT_BYTES = 5_000_000
MAX_IMPORT_ROWS = 20_000
_DUPLICATE = "survey_responses_respondent_code"
_DUPLICATE_MESSAGE = "this participant code already has answers for this survey and program or event"

RESPONSE_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "id": pl.Int64,
    "respondent_code": pl.String,
    "chapter_id": pl.Int64,
    "chapter_name": pl.String,
    "program_id": pl.Int64,
    "program_name": pl.String,
    "event_id": pl.Int64,
    "event_title": pl.String,
    "wave": pl.String,
    "answered_on": pl.Date,
    **{c: pl.Int16 for c in ITEM_COLUMNS},
    "practice": pl.String,
    "anonymous": pl.Boolean,
}
TARGET_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "kind": pl.String,
    "id": pl.Int64,
    "label": pl.String,
    "chapter_id": pl.Int64,
    "program_id": pl.Int64,
    "on": pl.Date,
}


def survey_targets(identity: Identity, *, today: date | None = None, uri: str | None = None) -> pl.DataFrame:
    """What answers can be about: programs running now or ended within the
    last year, and events from four months ago to two months ahead, of
    those the person may answer for (the survey_responses insert policy:
    their own chapter's, events they attended, movement-wide programs, and
    for coordinators their chapters'). An event's chapter is where it
    happened; a program's may be null (the whole movement)."""
    today = today or clock.today_in(clock.person_time_zone(identity))
    sql = """
    select 'program' as kind, p.id,
           case when c.name is null then p.name || ' — whole movement'
                when lower(right(p.name, length(c.name))) = lower(c.name) then p.name
                else p.name || ' — ' || c.name end as label,
           p.chapter_id, p.id as program_id, p.started_on as "on"
      from public.programs p left join public.chapters c on c.id = p.chapter_id
     where p.started_on <= %s + 60 and (p.ended_on is null or p.ended_on >= %s - 365)
       and (p.chapter_id is null or (select app.has_role('admin'))
            or p.chapter_id in (select app.my_chapter_ids())
            or p.chapter_id in (select app.coordinated_chapters()))
    union all
    select 'event', e.id,
           e.title || ' — ' || c.name || ', ' || to_char(e.starts_at at time zone c.time_zone, 'YYYY-MM-DD'),
           e.chapter_id, e.program_id, (e.starts_at at time zone c.time_zone)::date
      from public.events e join public.chapters c on c.id = e.chapter_id
     where e.starts_at >= (%s::date - 120)::timestamptz and e.starts_at < (%s::date + 61)::timestamptz
       and ((select app.has_role('admin'))
            or e.chapter_id in (select app.my_chapter_ids())
            or e.chapter_id in (select app.coordinated_chapters())
            or e.id in (select app.my_attended_event_ids()))
     order by 1 desc, 6 desc, 3
    """
    return read_frame(identity, sql, (today, today, today, today), schema=TARGET_SCHEMA, uri=uri)


def _duplicate(exc: InvalidDataError | psycopg.Error) -> bool:
    name = exc.constraint if isinstance(exc, InvalidDataError) else exc.diag.constraint_name
    return bool(name and name.startswith(_DUPLICATE))


_INSERT = f"""
insert into public.survey_responses
  (respondent_code, user_id, member_id, anonymous, chapter_id, program_id, event_id, wave, answered_on,
   {", ".join(ITEM_COLUMNS)}, practice)
values (%s, {{user}}, %s, %s, %s, %s, %s, %s, %s, {", ".join(["%s"] * 16)}, %s)
"""


def _params(response: SurveyResponseIn) -> tuple[Any, ...]:
    return (
        response.respondent_code,
        None if response.anonymous else response.member_id,
        response.anonymous,
        response.chapter_id,
        response.program_id,
        response.event_id,
        response.wave,
        response.answered_on,
        *response.answers,
        response.practice,
    )


def submit_response(identity: Identity, response: SurveyResponseIn, *, uri: str | None = None) -> None:
    """Stores one participant's answers. Anonymous answers carry no account
    and no member (the database strips both), so nobody can trace them back;
    they are written without RETURNING because the writer may not read them."""
    user = "null" if response.anonymous else "auth.uid()"
    try:
        with transaction(identity, uri) as conn:
            conn.execute(_INSERT.format(user=user), _params(response))
    except InvalidDataError as exc:
        if _duplicate(exc):
            raise InvalidDataError(
                "answers with this participant code were already handed in for this survey; "
                "check your code, or choose the next survey (post or follow-up)",
                constraint=exc.constraint,
            ) from exc
        raise
    except NotAllowedError as exc:
        raise NotAllowedError("you can hand in only your own answers") from exc


def my_codes(identity: Identity, *, uri: str | None = None) -> list[str]:
    """Participant codes this person used before (not anonymously), newest
    first, so the post survey can be paired with the pre survey."""
    frame = read_frame(
        identity,
        """
        select respondent_code from public.survey_responses
         where user_id = auth.uid() and not anonymous
         group by respondent_code order by max(created_at) desc limit 10
        """,
        schema={"respondent_code": pl.String},
        uri=uri,
    )
    return frame["respondent_code"].to_list()


def list_responses(
    identity: Identity,
    *,
    program_id: int | None = None,
    event_id: int | None = None,
    chapter_ids: Sequence[int] | None = None,
    uri: str | None = None,
) -> pl.DataFrame:
    """Stored answers this person may see (a coordinator: their chapters'),
    optionally for one program or event; never names, only codes."""
    ids = list(chapter_ids) if chapter_ids is not None else None
    sql = f"""
    select r.id, r.respondent_code, r.chapter_id, c.name as chapter_name, r.program_id,
           p.name as program_name, r.event_id, e.title as event_title, r.wave, r.answered_on,
           {", ".join("r." + c for c in ITEM_COLUMNS)},
           r.practice, r.anonymous
      from public.survey_responses r
      join public.chapters c on c.id = r.chapter_id
      left join public.programs p on p.id = r.program_id
      left join public.events e on e.id = r.event_id
     where (%s::bigint is null or r.program_id = %s)
       and (%s::bigint is null or r.event_id = %s)
       and (%s::bigint[] is null or r.chapter_id = any(%s::bigint[]))
     order by r.answered_on desc, r.respondent_code, r.wave
    """
    return read_frame(
        identity,
        sql,
        (program_id, program_id, event_id, event_id, ids, ids),
        schema=RESPONSE_SCHEMA,
        uri=uri,
    )


# ---------------------------------------------------------------- CSV import


@dataclass(frozen=True)
class CsvExport:
    """A form tool's export: its column names (made unique) and rows."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    lines: tuple[int, ...]  # each row's spreadsheet row number (header = 1)


@dataclass(frozen=True)
class RowError:
    row: int  # the spreadsheet row: the header is row 1
    message: str


@dataclass(frozen=True)
class ImportReport:
    """What an import did: every row's problems, or how many rows it wrote."""

    rows_read: int
    inserted: int
    errors: tuple[RowError, ...] = ()
    responses: tuple[SurveyResponseIn, ...] = field(default=(), repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors


def read_csv_export(data: bytes) -> CsvExport:
    """Parses a CSV export (UTF-8, with or without BOM; comma, semicolon or
    tab separated). Repeated column names get " (2)", " (3)" … appended."""
    if len(data) > MAX_IMPORT_BYTES:
        raise InvalidDataError(f"the file is larger than {MAX_IMPORT_BYTES // 1_000_000} MB; split it")
    try:
        text = decode_text(data)
    except UnreadableFile as exc:
        raise InvalidDataError(str(exc)) from None
    if not text.strip():
        raise InvalidDataError("the file is empty")
    try:
        dialect: Any = csv.Sniffer().sniff(text[:20_000], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    numbered = [
        (n, r)
        for n, r in enumerate(csv.reader(io.StringIO(text), dialect), start=1)
        if any(c.strip() for c in r)
    ]
    records = [r for _, r in numbered]
    if len(records) < 2:
        raise InvalidDataError("the file has a header row but no answers")
    if len(records) - 1 > MAX_IMPORT_ROWS:
        raise InvalidDataError(f"the file has more than {MAX_IMPORT_ROWS} rows; split it")
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


def parse_date(cell: str, *, day_first: bool) -> date:
    """ISO dates and timestamps, or d/m/y and m/d/y as the file says."""
    text = cell.strip()
    try:
        return datetime.fromisoformat(text.replace("/", "-") if re.match(r"^\d{4}/", text) else text).date()
    except ValueError:
        pass
    match = re.match(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b", text)
    if match:
        a, b, year = (int(g) for g in match.groups())
        day, month = (a, b) if day_first else (b, a)
        return date(year, month, day)
    raise ValueError(f"'{cell}' is not a date like 2025-03-14")


def _row_response(cells: dict[str, str], mapping: ImportMapping) -> tuple[SurveyResponseIn | None, list[str]]:  # noqa: C901 - to split as the parsing moves to imports/
    problems: list[str] = []
    answers: list[int] = []
    for i, column in enumerate(mapping.item_columns, start=1):
        try:
            answers.append(parse_answer(cells[column], mapping.numeric_scale))
        except ValueError as exc:
            problems.append(f"statement {i} ({column}): {exc}")
    code = cells[mapping.code_column].strip()
    if not CODE_PATTERN.match(code):
        problems.append(
            f"participant code '{code}': use 3 to 64 letters, digits, - or _"
            if code
            else "no participant code"
        )
    wave = mapping.wave
    if mapping.wave_column is not None:
        cell = cells[mapping.wave_column]
        wave = _WAVES.get(_normalise(cell)) or _WAVES.get(cell.strip().lower())  # type: ignore[assignment]
        if wave is None:
            problems.append(f"survey '{cell}': expected pre, post or follow-up")
    answered_on = mapping.answered_on
    if mapping.date_column is not None:
        try:
            answered_on = parse_date(cells[mapping.date_column], day_first=mapping.day_first)
        except ValueError as exc:
            problems.append(f"date: {exc}")
    practice: str | None = None
    if mapping.practice_column is not None:
        cell = cells[mapping.practice_column].strip()
        if cell:
            practice = _PRACTICE.get(cell.lower())
            if practice is None:
                problems.append(f"practice '{cell}': expected one of {', '.join(PRACTICE_LABELS.values())}")
    if problems:
        return None, problems
    try:
        response = SurveyResponseIn(
            respondent_code=code,
            wave=wave,  # type: ignore[arg-type]
            chapter_id=mapping.chapter_id,
            program_id=mapping.program_id,
            event_id=mapping.event_id,
            answered_on=answered_on,  # type: ignore[arg-type]
            answers=tuple(answers),
            practice=practice,  # type: ignore[arg-type]
            anonymous=True,
        )
    except ValidationError as exc:
        return None, [m.rstrip(".") for m in error_messages(exc)]
    return response, []


def validate_import(export: CsvExport, mapping: ImportMapping) -> ImportReport:
    """Checks every row without touching the database."""
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
        raise InvalidDataError(f"the file has no column {', '.join(repr(c) for c in missing)}")
    errors: list[RowError] = []
    responses: list[SurveyResponseIn] = []
    seen: dict[tuple[str, str], int] = {}
    for line, row in zip(export.lines, export.rows, strict=True):
        cells = dict(zip(export.headers, row, strict=True))
        response, problems = _row_response(cells, mapping)
        errors.extend(RowError(line, p) for p in problems)
        if response is None:
            continue
        key = (response.respondent_code.lower(), response.wave)
        if key in seen:
            errors.append(
                RowError(
                    line,
                    f"participant code '{response.respondent_code}' already answered this survey "
                    f"in row {seen[key]}",
                )
            )
            continue
        seen[key] = line
        responses.append(response)
    return ImportReport(len(export.rows), 0, tuple(errors), tuple(responses))


class _Rollback(Exception):
    """Raised inside the import's transaction to undo it."""


def import_responses(
    identity: Identity, export: CsvExport, mapping: ImportMapping, *, uri: str | None = None
) -> ImportReport:
    """Writes every row of `export` in one transaction, or none of them.

    Each row is inserted under its own savepoint so that a row the database
    refuses (a code already stored, a chapter out of reach) is reported with
    its row number; any problem at all rolls the whole file back."""
    checked = validate_import(export, mapping)
    if not checked.ok:
        return checked
    errors: list[RowError] = []
    try:
        with transaction(identity, uri) as conn:
            # Row-level security accepts an anonymous answer for any chapter
            # (a participant may answer anywhere); importing a chapter's
            # answers in bulk is for its coordinators and admins only.
            allowed = fetch_one(
                conn,
                "select (select app.has_role('admin')) or %s in (select app.coordinated_chapters()) as ok",
                (mapping.chapter_id,),
            )
            if not allowed or not allowed["ok"]:
                raise NotAllowedError("you can import answers only for chapters you coordinate")
            # A file that passed validation has one response per row, in order.
            for line, response in zip(export.lines, checked.responses, strict=True):
                try:
                    with conn.transaction():
                        conn.execute(_INSERT.format(user="null"), _params(response))
                except psycopg.errors.InsufficientPrivilege:
                    raise NotAllowedError("you can import answers only for chapters you coordinate") from None
                except psycopg.Error as exc:
                    message = _DUPLICATE_MESSAGE if _duplicate(exc) else friendly_message(exc)
                    errors.append(RowError(line, message))
            if errors:
                raise _Rollback
    except _Rollback:
        return ImportReport(checked.rows_read, 0, tuple(errors), checked.responses)
    return ImportReport(checked.rows_read, len(checked.responses), (), checked.responses)
