"""Partners: schools, businesses, public bodies, NGOs and research groups,
and the programs that run with them."""

from __future__ import annotations

import polars as pl

from db.arrow import read_frame
from db.identity import Identity
from db.programs import save_linked
from models.partners import PartnerIn

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


# Who may record a partner depends on its scope; a refusal says which.
_MOVEMENT_WIDE = "only an admin can record a movement-wide partner"
_CHAPTERS_ONLY = "you can record partners only for chapters you coordinate"


def _values(partner: PartnerIn) -> dict[str, object]:
    return partner.model_dump(exclude={"program_ids"})


def create_partner(identity: Identity, partner: PartnerIn, *, uri: str | None = None) -> int:
    """Records a partner (and the programs it runs) and returns its id."""
    refusal = _MOVEMENT_WIDE if partner.chapter_id is None else _CHAPTERS_ONLY
    return save_linked(identity, "partners", None, _values(partner), partner.program_ids, refusal, uri)


def update_partner(
    identity: Identity, partner_id: int, partner: PartnerIn, *, uri: str | None = None
) -> None:
    """Changes a partner and replaces the programs it runs."""
    refusal = "you can change only your chapters' partners"
    save_linked(identity, "partners", partner_id, _values(partner), partner.program_ids, refusal, uri)
