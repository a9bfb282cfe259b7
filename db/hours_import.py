"""The one transaction that writes a coordinator's hours file: each row
read by `imports.hours_csv` is held against the members, events and
programs the coordinator may see and inserted under a savepoint, so every
refusal is reported with its line; anything wrong and nothing is kept."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

import psycopg

from db.connection import transaction
from db.errors import InvalidDataError
from db.hours import KEY_NAMESPACE, day_minutes, explain
from db.identity import Identity
from db.rows import fetch_all
from db.writes import insert_once
from imports.hours_csv import ImportReport, ParsedHours, RowError, parse_hours_csv, shown
from models.hours import HoursCsvRow


class _Rollback(Exception):
    """Leaves the import's transaction without committing anything."""


def import_key(member_id: int, row: HoursCsvRow) -> uuid.UUID:
    """The same row imported again gets the same key, so it is stored once."""
    parts = (member_id, row.worked_on, row.minutes, row.activity, row.event_id, row.program_id, row.note)
    return uuid.uuid5(KEY_NAMESPACE, "import|" + "|".join("" if p is None else str(p) for p in parts))


def import_hours_csv(
    identity: Identity,
    data: bytes,
    *,
    approve: bool,
    dry_run: bool = False,
    today: date | None = None,
) -> ImportReport:
    """Import a coordinator's hours file: every row or none.

    Each row is checked in Python (shape, dates, durations, activity,
    formulas, duplicates) and then by the database itself inside one
    transaction, row by row under savepoints so that every refusal is
    reported with its line; if anything is wrong, or ``dry_run``, the
    transaction is rolled back and nothing is stored."""
    parsed, errors, rows = parse_hours_csv(data, today=today)
    if rows == 0 and errors:
        return ImportReport(
            rows=rows,
            imported=0,
            errors=tuple(errors),
            dry_run=dry_run,
            bad_rows=len({e.row for e in errors}),
        )
    status = "approved" if approve else "pending"
    imported = 0
    try:
        with transaction(identity) as conn:
            emails = sorted({p.row.member_email for p in parsed})
            members = {
                r["email"]: r
                for r in fetch_all(
                    conn,
                    "select m.id, lower(m.email) as email, m.full_name, m.chapter_id, m.joined_on "
                    "from public.members m where lower(m.email) = any(%s) "
                    "and m.chapter_id in (select app.coordinated_chapters())",
                    (emails,),
                )
            }
            event_ids = sorted({p.row.event_id for p in parsed if p.row.event_id})
            events = {
                int(r["id"])
                for r in fetch_all(conn, "select id from public.events where id = any(%s)", (event_ids,))
            }
            program_ids = sorted({p.row.program_id for p in parsed if p.row.program_id})
            programs = {
                int(r["id"])
                for r in fetch_all(conn, "select id from public.programs where id = any(%s)", (program_ids,))
            }
            ready: list[tuple[ParsedHours, dict[str, Any]]] = []
            for p in parsed:
                member = members.get(p.row.member_email)
                bad = False
                if member is None:
                    errors.append(
                        RowError(
                            p.line,
                            "member_email",
                            shown(p.raw["member_email"]),
                            "No member with this email in the chapters you coordinate.",
                        )
                    )
                    bad = True
                if p.row.event_id and p.row.event_id not in events:
                    errors.append(RowError(p.line, "event_id", p.raw.get("event_id", ""), "No such event."))
                    bad = True
                if p.row.program_id and p.row.program_id not in programs:
                    errors.append(
                        RowError(p.line, "program_id", p.raw.get("program_id", ""), "No such program.")
                    )
                    bad = True
                if not bad and member is not None:
                    ready.append((p, member))
            existing = _already_recorded(conn, ready)
            for p, member in ready:
                if p.line in existing:
                    errors.append(
                        RowError(
                            p.line,
                            "",
                            "",
                            "Already recorded: this member has an entry on this "
                            "date with the same duration and activity.",
                        )
                    )
                    continue
                message = _insert_row(conn, p, member, status)
                if message:
                    column = "worked_on" if "date" in message or "joined" in message else ""
                    errors.append(RowError(p.line, column, shown(p.raw.get(column, "")), message))
                else:
                    imported += 1
            if errors or dry_run:
                raise _Rollback
    except _Rollback:
        pass
    errors.sort(key=lambda e: (e.row, e.column))
    return ImportReport(
        rows=rows,
        imported=0 if errors else imported,
        errors=tuple(errors),
        dry_run=dry_run,
        bad_rows=len({e.row for e in errors if e.row > 1}),
    )


def _already_recorded(
    conn: psycopg.Connection, ready: Sequence[tuple[ParsedHours, dict[str, Any]]]
) -> set[int]:
    """Lines whose entry the member already has (same day, duration and
    activity, not rejected): logged by the volunteer or imported before."""
    if not ready:
        return set()
    found = fetch_all(
        conn,
        """
        select r.line from unnest(%s::int[], %s::bigint[], %s::date[], %s::int[], %s::text[])
                 as r(line, member_id, worked_on, minutes, activity)
         where exists (select 1 from public.volunteer_hours h
                        where h.member_id = r.member_id and h.worked_on = r.worked_on
                          and h.minutes = r.minutes and h.activity = r.activity
                          and h.status <> 'rejected')
        """,
        (
            [p.line for p, _ in ready],
            [m["id"] for _, m in ready],
            [p.row.worked_on for p, _ in ready],
            [p.row.minutes for p, _ in ready],
            [p.row.activity for p, _ in ready],
        ),
    )
    return {int(r["line"]) for r in found}


def _insert_row(conn: psycopg.Connection, p: ParsedHours, member: dict[str, Any], status: str) -> str | None:
    """Insert one row under a savepoint; the reason it was refused, or None."""
    row = p.row
    try:
        with conn.transaction():
            inserted = insert_once(
                conn,
                "volunteer_hours",
                {
                    "member_id": member["id"],
                    "chapter_id": member["chapter_id"],
                    **row.model_dump(exclude={"member_email"}),
                    "status": status,
                    "idempotency_key": import_key(int(member["id"]), row),
                },
                "idempotency_key",
            )
    except psycopg.errors.InsufficientPrivilege:
        return "You may not record hours for this member."
    except (
        psycopg.errors.IntegrityError,
        psycopg.errors.DataException,
        psycopg.errors.RaiseException,
    ) as exc:
        constraint = exc.diag.constraint_name
        day_total = None
        if constraint == "volunteer_hours_max_per_day":
            day_total = day_minutes(conn, member["id"], row.worked_on)
        wrapped = InvalidDataError(exc.diag.message_primary or str(exc), constraint=constraint)
        return explain(
            wrapped,
            joined_on=member["joined_on"],
            day=row.worked_on,
            day_minutes=day_total,
            whose="this member",
        )
    if inserted is None:
        return "Already imported: this exact entry is already recorded."
    return None
