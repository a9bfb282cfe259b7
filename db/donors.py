"""Donors: the list a fundraiser searches, one donor's record, edits, and
merging duplicates without losing a single gift."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from db.arrow import read_frame
from db.donations import dict_transaction, insert_donor
from db.errors import InvalidDataError
from db.identity import Identity
from db.models.donors import DonorIn, MergeRequest

DONOR_SCHEMA: dict[str, type[pl.DataType] | pl.DataType] = {
    "donor_id": pl.Int64,
    "display_name": pl.String,
    "email": pl.String,
    "kind": pl.String,
    "chapter_id": pl.Int64,
    "note": pl.String,
    "created_at": pl.Datetime("us", "UTC"),
}


def donors_frame(identity: Identity, *, donor_ids: list[int] | None = None) -> pl.DataFrame:
    """Live donors (merged-away duplicates left out), one row each."""
    where, params = "merged_into_id is null", []
    if donor_ids is not None:
        where += " and id = any(%s)"
        params.append(donor_ids)
    return read_frame(
        identity,
        f"select id as donor_id, display_name, email, kind, chapter_id, note, created_at "
        f"from public.donors where {where} order by lower(display_name), id",
        params,
        schema=DONOR_SCHEMA,
    )


def create_donor(identity: Identity, donor: DonorIn) -> int:
    with dict_transaction(identity) as conn:
        return insert_donor(conn, donor)


def update_donor(identity: Identity, donor_id: int, donor: DonorIn) -> None:
    with dict_transaction(identity) as conn:
        done = conn.execute(
            "update public.donors set display_name = %s, email = %s, kind = %s, chapter_id = %s, note = %s "
            "where id = %s and merged_into_id is null",
            (donor.display_name, donor.email, donor.kind, donor.chapter_id, donor.note, donor_id),
        )
        if done.rowcount != 1:
            raise InvalidDataError("that donor no longer exists (perhaps merged into another)")


@dataclass(frozen=True)
class MergeResult:
    keep_id: int
    duplicate_id: int
    gifts_moved: int
    plans_moved: int


def merge_donors(identity: Identity, request: MergeRequest) -> MergeResult:
    """Fold the duplicate into the donor kept, in one transaction: every gift
    and recurring plan moves to the kept donor (the audit log records each
    move), an email or note the kept donor lacks is taken over, donors
    merged earlier into the duplicate now point at the kept one, and the
    duplicate stays as a row marking where it went."""
    with dict_transaction(identity) as conn:
        rows = conn.execute(
            "select id, email, note, merged_into_id from public.donors where id = any(%s) for update",
            ([request.keep_id, request.duplicate_id],),
        ).fetchall()
        by_id = {r["id"]: r for r in rows}
        if len(by_id) != 2:
            raise InvalidDataError("one of these donors no longer exists")
        if any(r["merged_into_id"] is not None for r in rows):
            raise InvalidDataError("one of these donors has already been merged into another")
        keep, dup = by_id[request.keep_id], by_id[request.duplicate_id]
        gifts = conn.execute(
            "update public.donations set donor_id = %s where donor_id = %s",
            (request.keep_id, request.duplicate_id),
        ).rowcount
        plans = conn.execute(
            "update public.recurring_plans set donor_id = %s, updated_at = now() where donor_id = %s",
            (request.keep_id, request.duplicate_id),
        ).rowcount
        note = keep["note"]
        if dup["note"]:
            note = f"{keep['note']}\n{dup['note']}" if keep["note"] else dup["note"]
        conn.execute(
            "update public.donors set email = coalesce(email, %s), note = left(%s, 2000) where id = %s",
            (dup["email"], note, request.keep_id),
        )
        conn.execute(
            "update public.donors set merged_into_id = %s where merged_into_id = %s",
            (request.keep_id, request.duplicate_id),
        )
        conn.execute(
            "update public.donors set merged_into_id = %s where id = %s",
            (request.keep_id, request.duplicate_id),
        )
        return MergeResult(request.keep_id, request.duplicate_id, gifts, plans)


def merged_into(identity: Identity, donor_id: int) -> int | None:
    """Where a merged-away donor went (None for a live donor)."""
    with dict_transaction(identity) as conn:
        row = conn.execute("select merged_into_id from public.donors where id = %s", (donor_id,)).fetchone()
    return None if row is None else row["merged_into_id"]
