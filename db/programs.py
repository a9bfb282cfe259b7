"""Programs and the partners they run with. Everyone signed in reads them;
admins and the coordinators of the owning chapter change them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import polars as pl
import psycopg
from psycopg.sql import SQL, Identifier

from db.arrow import read_frame
from db.connection import transaction
from db.identity import Identity
from db.writes import insert_row, refused_as, update_row
from models.programs import ProgramIn

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


# Who may start a program depends on its scope; a refusal says which.
_MOVEMENT_WIDE = "only an admin can start a movement-wide program"
_CHAPTERS_ONLY = "you can start programs only for chapters you coordinate"


def _set_links(
    conn: psycopg.Connection[Any],
    side: Literal["program_id", "partner_id"],
    owner_id: int,
    ids: Sequence[int],
) -> None:
    """Makes `ids` the whole list of partners of one program (`side` is
    "program_id") or of programs of one partner ("partner_id")."""
    mine = Identifier(side)
    theirs = Identifier("partner_id" if side == "program_id" else "program_id")
    conn.execute(
        SQL("delete from public.program_partners where {} = %s and {} <> all(%s)").format(mine, theirs),
        (owner_id, list(ids)),
    )
    if ids:
        conn.execute(
            SQL(
                "insert into public.program_partners ({}, {}) "
                "select %s, unnest(%s::bigint[]) on conflict do nothing"
            ).format(mine, theirs),
            (owner_id, list(ids)),
        )


def save_linked(
    identity: Identity,
    table: Literal["programs", "partners"],
    row_id: int | None,
    values: Mapping[str, object],
    ids: Sequence[int],
    refusal: str,
    uri: str | None,
) -> int:
    """Adds (`row_id` None) or changes one program or partner, then makes
    `ids` its whole list of links, in one transaction; gives its id. The row
    goes first so that its own row-level security also guards the links
    (whose policy does not know the program's chapter). Any refusal reads
    `refusal`."""
    with refused_as(refusal), transaction(identity, uri) as conn:
        if row_id is None:
            row_id = insert_row(conn, table, values)
        else:
            update_row(conn, table, row_id, values, refusal)
        _set_links(conn, "program_id" if table == "programs" else "partner_id", row_id, ids)
    return row_id


def _values(program: ProgramIn) -> dict[str, object]:
    return program.model_dump(exclude={"partner_ids"})


def create_program(identity: Identity, program: ProgramIn, *, uri: str | None = None) -> int:
    """Starts a program (with its partners) and returns its id."""
    refusal = _MOVEMENT_WIDE if program.chapter_id is None else _CHAPTERS_ONLY
    return save_linked(identity, "programs", None, _values(program), program.partner_ids, refusal, uri)


def update_program(
    identity: Identity, program_id: int, program: ProgramIn, *, uri: str | None = None
) -> None:
    """Changes a program and replaces its list of partners."""
    refusal = "you can change only your chapters' programs"
    save_linked(identity, "programs", program_id, _values(program), program.partner_ids, refusal, uri)
