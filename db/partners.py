"""Partners: schools, businesses, public bodies, NGOs and research groups,
and the programs that run with them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl
import psycopg

from db.arrow import read_frame
from db.connection import transaction
from db.errors import NotAllowedError
from db.identity import Identity
from db.models.partners import PartnerIn
from db.rows import fetch_one

PARTNER_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "id": pl.Int64,
    "name": pl.String,
    "kind": pl.String,
    "status": pl.String,
    "since": pl.Date,
    "chapter_id": pl.Int64,
    "chapter_name": pl.String,
    "contact_email": pl.String,
    "program_ids": pl.List(pl.Int64),
    "programs": pl.String,
    "can_edit": pl.Boolean,
}


def list_partners(identity: Identity, *, uri: str | None = None) -> pl.DataFrame:
    """Every partner by name, with the programs that run with it."""
    sql = """
    select pa.id, pa.name, pa.kind, pa.status, pa.since, pa.chapter_id, c.name as chapter_name,
           pa.contact_email,
           coalesce(array_agg(pp.program_id order by pr.name) filter (where pp.program_id is not null),
                    '{}') as program_ids,
           coalesce(string_agg(pr.name, ', ' order by pr.name), '') as programs,
           (select app.has_role('admin'))
             or coalesce(pa.chapter_id in (select app.coordinated_chapters()), false) as can_edit
      from public.partners pa
      left join public.chapters c on c.id = pa.chapter_id
      left join public.program_partners pp on pp.partner_id = pa.id
      left join public.programs pr on pr.id = pp.program_id
     group by pa.id, c.name
     order by lower(pa.name)
    """
    return read_frame(identity, sql, schema=PARTNER_SCHEMA, uri=uri)


def _set_programs(conn: psycopg.Connection[Any], partner_id: int, program_ids: Sequence[int]) -> None:
    conn.execute(
        "delete from public.program_partners where partner_id = %s and program_id <> all(%s)",
        (partner_id, list(program_ids)),
    )
    if program_ids:
        conn.execute(
            """
            insert into public.program_partners (program_id, partner_id)
            select unnest(%s::bigint[]), %s on conflict do nothing
            """,
            (list(program_ids), partner_id),
        )


def _values(partner: PartnerIn) -> tuple[object, ...]:
    return (
        partner.name,
        partner.kind,
        partner.status,
        partner.since,
        partner.chapter_id,
        partner.contact_email,
    )


def create_partner(identity: Identity, partner: PartnerIn, *, uri: str | None = None) -> int:
    """Records a partner (and the programs it runs) and returns its id."""
    try:
        with transaction(identity, uri) as conn:
            row = fetch_one(
                conn,
                """
                insert into public.partners (name, kind, status, since, chapter_id, contact_email)
                values (%s, %s, %s, %s, %s, %s) returning id
                """,
                _values(partner),
            )
            assert row is not None
            _set_programs(conn, int(row["id"]), partner.program_ids)
    except NotAllowedError as exc:
        raise NotAllowedError(
            "only an admin can record a movement-wide partner"
            if partner.chapter_id is None
            else "you can record partners only for chapters you coordinate"
        ) from exc
    return int(row["id"])


def update_partner(
    identity: Identity, partner_id: int, partner: PartnerIn, *, uri: str | None = None
) -> None:
    """Changes a partner and replaces the programs it runs; the update goes
    first so that row-level security on partners also guards the links."""
    try:
        with transaction(identity, uri) as conn:
            cur = conn.execute(
                """
                update public.partners
                   set name = %s, kind = %s, status = %s, since = %s, chapter_id = %s, contact_email = %s
                 where id = %s
                """,
                (*_values(partner), partner_id),
            )
            if cur.rowcount != 1:
                raise NotAllowedError("you can change only your chapters' partners")
            _set_programs(conn, partner_id, partner.program_ids)
    except NotAllowedError as exc:
        raise NotAllowedError("you can change only your chapters' partners") from exc
