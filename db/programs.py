"""Programs and the partners they run with. Everyone signed in reads them;
admins and the coordinators of the owning chapter change them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl
import psycopg

from db.arrow import read_frame
from db.connection import transaction
from db.errors import NotAllowedError
from db.identity import Identity
from db.models.programs import ProgramIn
from db.rows import fetch_one

PROGRAM_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "id": pl.Int64,
    "name": pl.String,
    "kind": pl.String,
    "audience": pl.String,
    "chapter_id": pl.Int64,
    "chapter_name": pl.String,
    "description": pl.String,
    "started_on": pl.Date,
    "ended_on": pl.Date,
    "partner_ids": pl.List(pl.Int64),
    "partners": pl.String,
    "events": pl.Int64,
    "can_edit": pl.Boolean,
}


def list_programs(identity: Identity, *, uri: str | None = None) -> pl.DataFrame:
    """Every program, newest first, with its partners, how many events it
    has had, and whether this person may change it."""
    sql = """
    select p.id, p.name, p.kind, p.audience, p.chapter_id, c.name as chapter_name, p.description,
           p.started_on, p.ended_on,
           coalesce(array_agg(pp.partner_id order by pa.name) filter (where pp.partner_id is not null),
                    '{}') as partner_ids,
           coalesce(string_agg(pa.name, ', ' order by pa.name), '') as partners,
           (select count(*) from public.events e where e.program_id = p.id) as events,
           (select app.has_role('admin'))
             or coalesce(p.chapter_id in (select app.coordinated_chapters()), false) as can_edit
      from public.programs p
      left join public.chapters c on c.id = p.chapter_id
      left join public.program_partners pp on pp.program_id = p.id
      left join public.partners pa on pa.id = pp.partner_id
     group by p.id, c.name
     order by p.started_on desc, p.name
    """
    return read_frame(identity, sql, schema=PROGRAM_SCHEMA, uri=uri)


def _set_partners(conn: psycopg.Connection[Any], program_id: int, partner_ids: Sequence[int]) -> None:
    conn.execute(
        "delete from public.program_partners where program_id = %s and partner_id <> all(%s)",
        (program_id, list(partner_ids)),
    )
    if partner_ids:
        conn.execute(
            """
            insert into public.program_partners (program_id, partner_id)
            select %s, unnest(%s::bigint[]) on conflict do nothing
            """,
            (program_id, list(partner_ids)),
        )


def _values(program: ProgramIn) -> tuple[object, ...]:
    return (
        program.name,
        program.kind,
        program.audience,
        program.chapter_id,
        program.description,
        program.started_on,
        program.ended_on,
    )


def create_program(identity: Identity, program: ProgramIn, *, uri: str | None = None) -> int:
    """Starts a program (with its partners) and returns its id."""
    try:
        with transaction(identity, uri) as conn:
            row = fetch_one(
                conn,
                """
                insert into public.programs
                  (name, kind, audience, chapter_id, description, started_on, ended_on)
                values (%s, %s, %s, %s, %s, %s, %s) returning id
                """,
                _values(program),
            )
            assert row is not None
            _set_partners(conn, int(row["id"]), program.partner_ids)
    except NotAllowedError as exc:
        raise NotAllowedError(
            "only an admin can start a movement-wide program"
            if program.chapter_id is None
            else "you can start programs only for chapters you coordinate"
        ) from exc
    return int(row["id"])


def update_program(
    identity: Identity, program_id: int, program: ProgramIn, *, uri: str | None = None
) -> None:
    """Changes a program and replaces its list of partners. The update goes
    first so that row-level security on programs also guards the links
    (whose own policy does not know the program's chapter)."""
    try:
        with transaction(identity, uri) as conn:
            cur = conn.execute(
                """
                update public.programs
                   set name = %s, kind = %s, audience = %s, chapter_id = %s, description = %s,
                       started_on = %s, ended_on = %s
                 where id = %s
                """,
                (*_values(program), program_id),
            )
            if cur.rowcount != 1:
                raise NotAllowedError("you can change only your chapters' programs")
            _set_partners(conn, program_id, program.partner_ids)
    except NotAllowedError as exc:
        raise NotAllowedError("you can change only your chapters' programs") from exc
