"""Coordinators' review of volunteer hours: the queue of pending entries
in the chapters they coordinate, and approving or rejecting them.

Row-level security and the queue's own filter keep a coordinator to their
chapters and away from their own entries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from db.arrow import read_frame
from db.connection import transaction
from db.errors import InvalidDataError
from db.identity import Identity
from db.rows import fetch_all, read_count
from models.hours import ReviewDecision


@dataclass(frozen=True)
class ReviewOutcome:
    approved: tuple[int, ...]
    rejected: tuple[int, ...]
    skipped: tuple[int, ...]  # no longer pending: someone else decided first


QUEUE_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "hours_id": pl.Int64,
    "member": pl.String,
    "chapter": pl.String,
    "worked_on": pl.Date,
    "minutes": pl.Int64,
    "activity": pl.String,
    "context": pl.String,
    "note": pl.String,
    "day_minutes": pl.Int64,
    "created_at": pl.Datetime("us", "UTC"),
}

_QUEUE_WHERE = """
 where h.status = 'pending'
   and h.chapter_id in (select app.coordinated_chapters())
   and h.member_id not in (select app.my_member_ids())
"""


def _queue_filter(chapter_id: int | None, search: str | None) -> tuple[str, list[Any]]:
    where = _QUEUE_WHERE
    params: list[Any] = []
    if chapter_id is not None:
        where += " and h.chapter_id = %s"
        params.append(chapter_id)
    if search and search.strip():
        # The person's words are matched literally: LIKE's wildcards escaped.
        escaped = search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where += (
            " and h.member_id in (select m2.id from public.members m2"
            " where m2.full_name ilike %s or m2.email ilike %s)"
        )
        params += [f"%{escaped}%", f"%{escaped}%"]
    return where, params


def approval_queue(
    identity: Identity, *, chapter_id: int | None = None, search: str | None = None, limit: int = 500
) -> pl.DataFrame:
    """Pending entries in the chapters the person coordinates (their own
    entries excluded: nobody approves their own hours), oldest first;
    optionally one chapter's, or those of volunteers whose name or email
    contains ``search``."""
    where, params = _queue_filter(chapter_id, search)
    return read_frame(
        identity,
        f"""
        select h.id as hours_id, m.full_name as member, c.name as chapter, h.worked_on,
               h.minutes::bigint as minutes, h.activity, coalesce(e.title, p.name) as context, h.note,
               (select sum(d.minutes) from public.volunteer_hours d
                 where d.member_id = h.member_id and d.worked_on = h.worked_on
                   and d.status <> 'rejected')::bigint as day_minutes,
               h.created_at
          from public.volunteer_hours h
          join public.members m on m.id = h.member_id
          join public.chapters c on c.id = h.chapter_id
          left join public.events e on e.id = h.event_id
          left join public.programs p on p.id = h.program_id
          {where}
         order by h.worked_on, h.id
         limit %s
        """,
        [*params, limit],
        schema=QUEUE_SCHEMA,
    )


def pending_count(identity: Identity, *, chapter_id: int | None = None, search: str | None = None) -> int:
    """How many entries await this coordinator (with the same filters)."""
    where, params = _queue_filter(chapter_id, search)
    return read_count(identity, f"select count(*) as n from public.volunteer_hours h {where}", params)


def coordinated_chapters(identity: Identity) -> list[tuple[int, str]]:
    """(id, name) of every chapter the person coordinates, sub-chapters included."""
    with transaction(identity) as conn:
        rows = fetch_all(
            conn,
            "select c.id, c.name from public.chapters c "
            "where c.id in (select app.coordinated_chapters()) order by c.name",
        )
    return [(int(r["id"]), str(r["name"])) for r in rows]


def review_hours(identity: Identity, decisions: Sequence[ReviewDecision]) -> ReviewOutcome:
    """Approve and reject pending entries in one transaction. An entry that
    is no longer pending (another coordinator was quicker, or the volunteer
    withdrew it) is skipped and reported, never changed twice."""
    approve = sorted({d.hours_id for d in decisions if d.decision == "approve"})
    reject = {d.hours_id: d.reason or "" for d in decisions if d.decision == "reject"}
    if set(approve) & set(reject):
        raise InvalidDataError("An entry cannot be both approved and rejected.")
    with transaction(identity) as conn:
        approved = fetch_all(
            conn,
            f"""
            update public.volunteer_hours h set status = 'approved', rejection_reason = null
              {_QUEUE_WHERE} and h.id = any(%s)
            returning h.id
            """,
            (approve,),
        )
        rejected = fetch_all(
            conn,
            f"""
            update public.volunteer_hours h set status = 'rejected', rejection_reason = r.reason
              from unnest(%s::bigint[], %s::text[]) as r(id, reason)
              {_QUEUE_WHERE} and h.id = r.id
            returning h.id
            """,
            (list(reject), list(reject.values())),
        )
    done_a = tuple(sorted(int(r["id"]) for r in approved))
    done_r = tuple(sorted(int(r["id"]) for r in rejected))
    skipped = tuple(sorted((set(approve) | set(reject)) - set(done_a) - set(done_r)))
    return ReviewOutcome(approved=done_a, rejected=done_r, skipped=skipped)
