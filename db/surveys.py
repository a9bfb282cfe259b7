"""Empathy survey answers: handed in through the app, or imported from a
form tool's CSV export (Google Forms, Microsoft Forms, Typeform …), which
`imports.survey_csv` reads and checks.

An import writes either every checked row in one transaction or nothing,
with a row-by-row report of what the database refused.
Imported answers are anonymous: a form tool's export carries no account and
no member link, and the pairing of pre and post is by participant code."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import polars as pl
import psycopg

from db import clock
from db.arrow import read_frame
from db.connection import transaction
from db.errors import InvalidDataError, NotAllowedError, friendly_message
from db.identity import Identity
from db.rows import fetch_one
from imports.gift_rows import RowIssue
from imports.survey_csv import CsvExport, ImportReport, validate_import
from models.surveys import ITEM_COLUMNS, ImportMapping, SurveyResponseIn

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
         where user_id = (select auth.uid()) and not anonymous
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
    errors: list[RowIssue] = []
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
                    errors.append(RowIssue(line, message))
            if errors:
                raise _Rollback
    except _Rollback:
        return ImportReport(checked.rows_read, 0, tuple(errors), checked.responses)
    return ImportReport(checked.rows_read, len(checked.responses), (), checked.responses)
