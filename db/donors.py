"""Donors: the list a fundraiser searches, one donor's record, edits,
finding donors like a new one, and merging duplicates without losing a
single gift."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
import psycopg

from db.arrow import read_frame
from db.connection import dict_transaction
from db.errors import InvalidDataError
from db.identity import Identity
from db.writes import insert_row
from models.donors import DonorIn, MergeRequest, loose_name_key, name_key

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
        where += " and id = any(%s::bigint[])"
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


@dataclass(frozen=True)
class SimilarDonor:
    id: int
    display_name: str
    email: str | None
    matched_on: str  # "email", "name" (the same name key) or "similar name" (initials aside)


class PossibleDuplicateError(InvalidDataError):
    """A new donor's name matches donors already recorded; the person must
    pick one of them or confirm that this is someone else."""

    def __init__(self, candidates: Sequence[SimilarDonor]) -> None:
        names = "; ".join(f"{c.display_name} ({c.email or 'no email'})" for c in candidates)
        super().__init__(f"a donor with this name already exists: {names}")
        self.candidates = tuple(candidates)


def similar_donors(conn: psycopg.Connection[Any], name: str, email: str | None) -> list[SimilarDonor]:
    """Live donors sharing the email (case-insensitive), the name key
    (accents, case, punctuation and word order ignored), or the name key
    but for middle initials ("similar name": Jane Q. Tester, Jane Tester)."""
    key = name_key(name)
    loose = loose_name_key(name)
    words = [w for w in key.split() if len(w) >= 2] or [key]
    rows = conn.execute(
        "select id, display_name, email from public.donors where merged_into_id is null and "
        "((%s::text is not null and lower(email) = %s::text) "
        " or lower(display_name) like any(%s)) order by id limit 500",
        (email, email, [f"%{w}%" for w in words]),
    ).fetchall()
    found: list[SimilarDonor] = []
    for row in rows:
        if email and row["email"] and row["email"].lower() == email:
            found.append(SimilarDonor(row["id"], row["display_name"], row["email"], "email"))
        elif name_key(row["display_name"]) == key:
            found.append(SimilarDonor(row["id"], row["display_name"], row["email"], "name"))
        elif loose_name_key(row["display_name"]) == loose:
            found.append(SimilarDonor(row["id"], row["display_name"], row["email"], "similar name"))
    rank = {"email": 0, "name": 1, "similar name": 2}
    found.sort(key=lambda d: (rank[d.matched_on], d.id))
    return found


def find_similar_donors(identity: Identity, name: str, email: str | None) -> list[SimilarDonor]:
    with dict_transaction(identity) as conn:
        return similar_donors(conn, name, email)


def insert_donor(conn: psycopg.Connection[Any], donor: DonorIn) -> int:
    return insert_row(conn, "donors", donor.model_dump())
