"""Chapters: the movement's map, and the changes admins and coordinators
make to it. Row-level security decides who may change which chapter: an
admin any, a coordinator their chapters and those below them."""

from __future__ import annotations

from datetime import date
from typing import Literal

import polars as pl

from db.arrow import read_frame
from db.connection import transaction
from db.errors import InvalidDataError
from db.identity import Identity
from db.rows import fetch_one
from db.writes import insert_as, update_row
from models.chapters import LEVEL_RANK, ChapterIn, DormantIn

CHAPTER_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "id": pl.Int64,
    "name": pl.String,
    "level": pl.String,
    "parent_id": pl.Int64,
    "parent_name": pl.String,
    "path": pl.String,
    "depth": pl.Int32,
    "place": pl.String,
    "founded_on": pl.Date,
    "status": pl.String,
    "dormant_since": pl.Date,
    "time_zone": pl.String,
    "children": pl.Int64,
    "can_edit": pl.Boolean,
}

# Tree order: each chapter right after its parent, siblings by name; `path`
# reads "Empathy International › Canada › Ontario › Toronto".
_LIST_SQL = """
with recursive tree as (
  select id, name::text as path, 0 as depth, array[lower(name)] as sort_key
    from public.chapters where parent_id is null
  union all
  select c.id, t.path || ' › ' || c.name, t.depth + 1, t.sort_key || lower(c.name)
    from public.chapters c join tree t on c.parent_id = t.id
), mine as (
  select id from app.coordinated_chapters() as id
)
select c.id, c.name, c.level, c.parent_id, p.name as parent_name, t.path, t.depth,
       c.place, c.founded_on, c.status, c.dormant_since, c.time_zone,
       (select count(*) from public.chapters k where k.parent_id = c.id) as children,
       (select app.has_role('admin')) or c.id in (select id from mine) as can_edit
  from public.chapters c
  join tree t on t.id = c.id
  left join public.chapters p on p.id = c.parent_id
 order by t.sort_key
"""


def list_chapters(identity: Identity, *, uri: str | None = None) -> pl.DataFrame:
    """Every chapter in tree order, with whether this person may change it."""
    return read_frame(identity, _LIST_SQL, schema=CHAPTER_SCHEMA, uri=uri)


def editable_chapters(identity: Identity, *, uri: str | None = None) -> pl.DataFrame:
    """The chapters this person may act on (an admin: all)."""
    return list_chapters(identity, uri=uri).filter(pl.col("can_edit"))


def chapter_labels(chapters: pl.DataFrame) -> dict[int, str]:
    """Select-box labels: the chapter's name indented under its parents,
    with its level and a dormant mark."""
    out: dict[int, str] = {}
    for row in chapters.iter_rows(named=True):
        mark = " (dormant)" if row["status"] == "dormant" else ""
        out[int(row["id"])] = f"{'· ' * int(row['depth'] or 0)}{row['name']} — {row['level']}{mark}"
    return out


def create_chapter(identity: Identity, chapter: ChapterIn, *, uri: str | None = None) -> int:
    """Opens a chapter; returns its id. A coordinator may open chapters only
    below one they coordinate; the parent must sit at a higher level."""
    refusal = (
        "you can open chapters only below a chapter you coordinate"
        if chapter.parent_id is not None
        else "only an admin can open a chapter at the top of the movement"
    )
    return insert_as(identity, "chapters", chapter.model_dump(), refusal=refusal, uri=uri)


def update_chapter(
    identity: Identity, chapter_id: int, chapter: ChapterIn, *, uri: str | None = None
) -> None:
    """Changes a chapter's name, level, parent, place, founding day or zone.

    The database checks the parent is higher; this also checks the chapters
    below would still be lower, which a trigger on one row cannot see."""
    with transaction(identity, uri) as conn:
        child = fetch_one(
            conn,
            "select max(app.level_rank(level)) as top from public.chapters where parent_id = %s",
            (chapter_id,),
        )
        if child and child["top"] is not None and child["top"] >= LEVEL_RANK[chapter.level]:
            raise InvalidDataError(
                f"chapters below this one would no longer be lower than a {chapter.level} chapter; "
                "move them first"
            )
        update_row(
            conn, "chapters", chapter_id, chapter.model_dump(), "you can edit only chapters you coordinate"
        )


def _set_status(
    identity: Identity,
    chapter_id: int,
    status: Literal["active", "dormant"],
    since: date | None,
    uri: str | None,
) -> None:
    with transaction(identity, uri) as conn:
        update_row(
            conn,
            "chapters",
            chapter_id,
            {"status": status, "dormant_since": since},
            "you can change only chapters you coordinate",
        )


def mark_dormant(identity: Identity, change: DormantIn, *, uri: str | None = None) -> None:
    """A chapter that has stopped meeting: kept, with its history, and
    counted as dormant from `since`."""
    _set_status(identity, change.chapter_id, "dormant", change.since, uri)


def reactivate(identity: Identity, chapter_id: int, *, uri: str | None = None) -> None:
    """A dormant chapter meeting again."""
    _set_status(identity, chapter_id, "active", None, uri)
