"""Members: the directory, joining and leaving, and consent.

Row-level security shows a coordinator the members of their chapters (and
those below), an admin or the board everyone, anyone else only themselves.
Exports leave out every member who withdrew consent to the use of their
data, and show an email only where the member agreed to be contacted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from db.arrow import read_frame
from db.connection import transaction
from db.errors import InvalidDataError, NotAllowedError
from db.identity import Identity
from db.rows import fetch_one
from db.writes import change_one, insert_id, refused_as
from models.members import ConsentIn, LeaveIn, MemberIn

MEMBER_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "id": pl.Int64,
    "full_name": pl.String,
    "email": pl.String,
    "chapter_id": pl.Int64,
    "chapter_name": pl.String,
    "joined_on": pl.Date,
    "left_on": pl.Date,
    "status": pl.String,
    "trained_on": pl.Date,
    "leader_since": pl.Date,
    "consent_contact": pl.Boolean,
    "consent_data_use": pl.Boolean,
    "has_account": pl.Boolean,
}
EXPORT_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "member_id": pl.Int64,
    "full_name": pl.String,
    "email": pl.String,
    "chapter": pl.String,
    "joined_on": pl.Date,
    "left_on": pl.Date,
    "status": pl.String,
    "trained_on": pl.Date,
    "leader_since": pl.Date,
}
PAGE_SIZE = 100
_NOT_YOURS = "you can change only your chapters' members"


@dataclass(frozen=True)
class MemberPage:
    rows: pl.DataFrame
    total: int


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


_FILTER = """
  from public.members m
  join public.chapters c on c.id = m.chapter_id
 where (%s::bigint[] is null or m.chapter_id = any(%s::bigint[]))
   and (%s::text is null or m.status = %s)
   and (%s::text is null or (m.full_name || ' ' || coalesce(m.email, '')) ilike %s)
"""


def _filter_params(
    chapter_ids: Sequence[int] | None, status: str | None, text: str | None
) -> tuple[object, ...]:
    ids = list(chapter_ids) if chapter_ids is not None else None
    pattern = _like(text.strip()) if text and text.strip() else None
    return (ids, ids, status, status, pattern, pattern)


def search_members(
    identity: Identity,
    *,
    chapter_ids: Sequence[int] | None = None,
    status: str | None = None,
    text: str | None = None,
    page: int = 0,
    page_size: int = PAGE_SIZE,
    uri: str | None = None,
) -> MemberPage:
    """One page of the directory, by name, and how many match in all; only
    the members this person may see."""
    params = _filter_params(chapter_ids, status, text)
    columns = """
        select m.id, m.full_name, m.email, m.chapter_id, c.name as chapter_name, m.joined_on, m.left_on,
               m.status, m.trained_on, m.leader_since, m.consent_contact, m.consent_data_use,
               m.user_id is not null as has_account"""
    searching = bool(text and text.strip())
    # A name search reads every visible row anyway (RLS keeps ilike off any
    # index), so one pass counts and pages; without one, the name index
    # gives the page and a separate count is cheaper than sorting everyone.
    total_sql = ", count(*) over () as total" if searching else ""
    rows = read_frame(
        identity,
        f"""
        {columns}{total_sql}
        {_FILTER}
         order by lower(m.full_name), m.id
         limit %s offset %s
        """,
        (*params, page_size, page * page_size),
        schema={**MEMBER_SCHEMA, **({"total": pl.Int64} if searching else {})},
        uri=uri,
    )
    if searching:
        if rows.height or page == 0:
            return MemberPage(rows.drop("total"), int(rows["total"][0]) if rows.height else 0)
        # Past the last page the window has no row to count on: count apart.
        rows = rows.drop("total")
    total = read_frame(identity, f"select count(*) as n {_FILTER}", params, schema={"n": pl.Int64}, uri=uri)
    return MemberPage(rows, int(total["n"].item()))


def export_members(
    identity: Identity, *, chapter_ids: Sequence[int] | None = None, uri: str | None = None
) -> pl.DataFrame:
    """The directory for a spreadsheet: members who withdrew consent to the
    use of their data are left out, and emails appear only where the member
    agreed to be contacted."""
    params = _filter_params(chapter_ids, None, None)
    return read_frame(
        identity,
        f"""
        select m.id as member_id, m.full_name,
               case when m.consent_contact then m.email end as email,
               c.name as chapter, m.joined_on, m.left_on, m.status, m.trained_on, m.leader_since
        {_FILTER}
           and m.consent_data_use
         order by c.name, lower(m.full_name), m.id
        """,
        params,
        schema=EXPORT_SCHEMA,
        uri=uri,
    )


def members_of(identity: Identity, chapter_ids: Sequence[int], *, uri: str | None = None) -> pl.DataFrame:
    """Current members of some chapters, for pickers such as attendance."""
    return read_frame(
        identity,
        """
        select m.id, m.full_name, c.name as chapter_name
          from public.members m join public.chapters c on c.id = m.chapter_id
         where m.chapter_id = any(%s::bigint[]) and m.status <> 'left'
         order by lower(m.full_name), m.id
        """,
        (list(chapter_ids),),
        schema={"id": pl.Int64, "full_name": pl.String, "chapter_name": pl.String},
        uri=uri,
    )


def join_member(identity: Identity, member: MemberIn, *, uri: str | None = None) -> int:
    """Records a person joining a chapter; returns the member's id."""
    with (
        refused_as("you can add members only to chapters you coordinate"),
        transaction(identity, uri) as conn,
    ):
        member_id = insert_id(
            conn,
            """
            insert into public.members (full_name, email, chapter_id, joined_on, trained_on, leader_since,
                                        consent_contact, consent_data_use, consent_updated_at)
            values (%(full_name)s, %(email)s, %(chapter_id)s, %(joined_on)s, %(trained_on)s, %(leader_since)s,
                    %(consent_contact)s, %(consent_data_use)s, now())
            returning id
            """,
            member.model_dump(),
        )
    return member_id


def update_member(identity: Identity, member_id: int, member: MemberIn, *, uri: str | None = None) -> None:
    """Corrects a member's record (name, email, chapter, dates, consent)."""
    with refused_as(_NOT_YOURS), transaction(identity, uri) as conn:
        change_one(
            conn,
            """
            update public.members
               set full_name = %(full_name)s, email = %(email)s, chapter_id = %(chapter_id)s,
                   joined_on = %(joined_on)s, trained_on = %(trained_on)s, leader_since = %(leader_since)s,
                   consent_updated_at = case
                     when (consent_contact, consent_data_use)
                          is distinct from (%(consent_contact)s, %(consent_data_use)s) then now()
                     else consent_updated_at end,
                   consent_contact = %(consent_contact)s, consent_data_use = %(consent_data_use)s
             where id = %(id)s
            """,
            {**member.model_dump(), "id": member_id},
            _NOT_YOURS,
        )


def leave_member(identity: Identity, leave: LeaveIn, *, uri: str | None = None) -> None:
    """Records that a member left on a day."""
    with transaction(identity, uri) as conn:
        row = fetch_one(
            conn,
            """
            select joined_on, left_on,
                   (select app.has_role('admin'))
                     or chapter_id in (select app.coordinated_chapters()) as allowed
              from public.members where id = %s
            """,
            (leave.member_id,),
        )
        if row is None or not row["allowed"]:
            raise NotAllowedError(_NOT_YOURS)
        if row["left_on"] is not None:
            raise InvalidDataError(f"this member already left on {row['left_on']:%Y-%m-%d}")
        if leave.left_on < row["joined_on"]:
            raise InvalidDataError(f"a member cannot leave before joining ({row['joined_on']:%Y-%m-%d})")
        change_one(
            conn,
            "update public.members set left_on = %s, status = 'left' where id = %s",
            (leave.left_on, leave.member_id),
            _NOT_YOURS,
        )


def set_consent(identity: Identity, consent: ConsentIn, *, uri: str | None = None) -> None:
    """Records what a member now agrees to, and when that changed."""
    with transaction(identity, uri) as conn:
        change_one(
            conn,
            """
            update public.members
               set consent_contact = %s, consent_data_use = %s, consent_updated_at = now()
             where id = %s
            """,
            (consent.consent_contact, consent.consent_data_use, consent.member_id),
            _NOT_YOURS,
        )
