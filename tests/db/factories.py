"""Rows for tests, written as the database owner (who bypasses row-level
security), so a test states the world it needs in a few lines and then acts
on it as a signed-in person through db.connection.transaction.

Every helper takes an open psycopg connection (use `owner(uri)`, which is in
autocommit mode) and returns the new row's key. Names, emails and keys are
unique per call, so tests sharing a database never collide."""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql

from db.identity import ANONYMOUS, Identity

# Fixed dates keep tests independent of the day they run: members join
# before DAY, and DAY is long past, so no "future date" check ever fires.
JOINED = date(2024, 1, 1)
DAY = date(2025, 3, 3)
EVENT_START = datetime(2025, 3, 3, 18, 0, tzinfo=UTC)

_counter = itertools.count(1)


def unique(prefix: str) -> str:
    """A name no other call (in this process or a parallel worker) returns."""
    return f"{prefix} {os.getpid()}-{next(_counter)}"


def owner(uri: str) -> psycopg.Connection[Any]:
    """A connection as the database owner, committing each statement."""
    return psycopg.connect(uri, autocommit=True)


@contextmanager
def private_database(server: object, prefix: str, kind: str = "empty") -> Iterator[str]:
    """A copy of the migrated template for one test module, named for this
    process so parallel runs never drop each other's, and dropped after."""
    from db.connection import close_pools
    from tests.conftest import _admin_uri, _worker, clone_database

    name = f"{prefix}_{_worker()}_{os.getpid()}"
    uri = clone_database(server, kind, name)
    try:
        yield uri
    finally:
        close_pools()
        with psycopg.connect(_admin_uri(server), autocommit=True) as conn:
            conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


def _first(row: Any) -> Any:
    if row is None:
        raise LookupError("the insert returned no row")
    return next(iter(row.values())) if isinstance(row, Mapping) else row[0]


def insert(
    conn: psycopg.Connection[Any], table: str, values: Mapping[str, Any], returning: str = "id"
) -> Any:
    """Insert one row into public.`table` and return its `returning` column."""
    query = sql.SQL("insert into public.{} ({}) values ({}) returning {}").format(
        sql.Identifier(table),
        sql.SQL(", ").join(map(sql.Identifier, values)),
        sql.SQL(", ").join(sql.Placeholder() * len(values)),
        sql.SQL(returning),
    )
    return _first(conn.execute(query, list(values.values())).fetchone())


def add_user(conn: psycopg.Connection[Any], email: str | None = None) -> UUID:
    """An account in auth.users, as Supabase Auth (or our local sign-in) makes."""
    address = email or unique("user").replace(" ", ".") + "@people.test"
    row = conn.execute(
        "insert into auth.users (email, email_confirmed_at) values (%s, now()) returning id", (address,)
    ).fetchone()
    return UUID(str(_first(row)))


def add_role(conn: psycopg.Connection[Any], user_id: UUID, role: str, chapter_id: int | None = None) -> int:
    return int(insert(conn, "roles", {"user_id": user_id, "role": role, "chapter_id": chapter_id}))


def add_chapter(
    conn: psycopg.Connection[Any], level: str = "local", parent_id: int | None = None, **cols: Any
) -> int:
    values = {"name": unique(f"{level} chapter"), "level": level, "parent_id": parent_id, **cols}
    return int(insert(conn, "chapters", values))


def add_member(
    conn: psycopg.Connection[Any], chapter_id: int, *, user_id: UUID | None = None, **cols: Any
) -> int:
    values = {
        "full_name": unique("Member"),
        "chapter_id": chapter_id,
        "joined_on": JOINED,
        "user_id": user_id,
    }
    return int(insert(conn, "members", {**values, **cols}))


def add_program(conn: psycopg.Connection[Any], chapter_id: int | None = None, **cols: Any) -> int:
    values = {"name": unique("Program"), "kind": "education", "audience": "school", "chapter_id": chapter_id}
    return int(insert(conn, "programs", {**values, **cols}))


def add_partner(conn: psycopg.Connection[Any], chapter_id: int | None = None, **cols: Any) -> int:
    values = {"name": unique("Partner"), "kind": "school", "chapter_id": chapter_id}
    return int(insert(conn, "partners", {**values, **cols}))


def link_program_partner(conn: psycopg.Connection[Any], program_id: int, partner_id: int) -> str:
    """Returns the link's key as `program_id:partner_id`."""
    insert(conn, "program_partners", {"program_id": program_id, "partner_id": partner_id}, "program_id")
    return f"{program_id}:{partner_id}"


def add_event(conn: psycopg.Connection[Any], chapter_id: int, **cols: Any) -> int:
    starts = cols.pop("starts_at", EVENT_START)
    values = {
        "chapter_id": chapter_id,
        "kind": "workshop",
        "title": unique("Workshop"),
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=2),
    }
    return int(insert(conn, "events", {**values, **cols}))


def add_attendance(
    conn: psycopg.Connection[Any], event_id: int, member_id: int | None = None, **cols: Any
) -> int:
    values = {"event_id": event_id, "member_id": member_id, "guest_count": 0 if member_id else 1}
    return int(insert(conn, "attendance", {**values, **cols}))


def add_shift(conn: psycopg.Connection[Any], event_id: int, *, capacity: int = 5, **cols: Any) -> int:
    values = {
        "event_id": event_id,
        "title": unique("Shift"),
        "starts_at": EVENT_START,
        "ends_at": EVENT_START + timedelta(hours=2),
        "capacity": capacity,
    }
    return int(insert(conn, "shifts", {**values, **cols}))


def add_signup(
    conn: psycopg.Connection[Any], shift_id: int, member_id: int, *, status: str = "signed_up", **cols: Any
) -> int:
    values: dict[str, Any] = {"shift_id": shift_id, "member_id": member_id, "status": status}
    if status == "cancelled":
        values["cancelled_at"] = datetime.now(UTC)
    return int(insert(conn, "shift_signups", {**values, **cols}))


def add_hours(
    conn: psycopg.Connection[Any],
    member_id: int,
    *,
    minutes: int = 60,
    worked_on: date = DAY,
    status: str = "pending",
    **cols: Any,
) -> int:
    # chapter_id is filled in by the hours trigger from the member's chapter.
    values: dict[str, Any] = {
        "member_id": member_id,
        "worked_on": worked_on,
        "minutes": minutes,
        "activity": "outreach",
        "status": status,
        "idempotency_key": uuid.uuid4(),
    }
    if status == "rejected":
        values["rejection_reason"] = "not a volunteer activity"
    return int(insert(conn, "volunteer_hours", {**values, **cols}))


def add_donor(conn: psycopg.Connection[Any], **cols: Any) -> int:
    name = unique("Donor")
    values = {"display_name": name, "email": name.replace(" ", ".").lower() + "@donors.test"}
    return int(insert(conn, "donors", {**values, **cols}))


def add_campaign(conn: psycopg.Connection[Any], **cols: Any) -> int:
    values = {
        "name": unique("Campaign"),
        "goal_minor": 1_000_000,
        "currency": "USD",
        "starts_on": date(2025, 1, 1),
        "ends_on": date(2025, 12, 31),
    }
    return int(insert(conn, "campaigns", {**values, **cols}))


def add_exchange_rate(
    conn: psycopg.Connection[Any], currency: str, valid_on: date = DAY, rate: str = "1.1"
) -> str:
    """Returns the rate's key as `currency:valid_on`."""
    insert(conn, "exchange_rates", {"currency": currency, "valid_on": valid_on, "rate": rate}, "currency")
    return f"{currency}:{valid_on.isoformat()}"


def add_donation(conn: psycopg.Connection[Any], donor_id: int, **cols: Any) -> int:
    amount = cols.pop("amount_minor", 5_000)
    values = {
        "donor_id": donor_id,
        "received_on": DAY,
        "amount_minor": amount,
        "currency": "USD",
        "reporting_amount_minor": amount,
        "method": "card",
        "idempotency_key": uuid.uuid4(),
    }
    return int(insert(conn, "donations", {**values, **cols}))


def add_expense(conn: psycopg.Connection[Any], **cols: Any) -> int:
    amount = cols.pop("amount_minor", 2_500)
    values = {
        "spent_on": DAY,
        "amount_minor": amount,
        "currency": "USD",
        "reporting_amount_minor": amount,
        "category": "program",
        "description": unique("Room hire"),
    }
    return int(insert(conn, "expenses", {**values, **cols}))


def add_balance_snapshot(conn: psycopg.Connection[Any], as_of: date = date(2025, 3, 31), **cols: Any) -> str:
    """Returns the snapshot's key, its date."""
    values = {
        "as_of": as_of,
        "cash_minor": 10_000_000,
        "unrestricted_reserves_minor": 6_000_000,
        "net_assets_minor": 12_000_000,
    }
    insert(conn, "balance_snapshots", {**values, **cols}, "as_of")
    return as_of.isoformat()


def survey_answers(value: int = 2) -> dict[str, int]:
    """The 16 Toronto Empathy Questionnaire items, all set to `value`."""
    return {f"q{i:02d}": value for i in range(1, 17)}


def add_survey_response(conn: psycopg.Connection[Any], chapter_id: int, **cols: Any) -> int:
    values: dict[str, Any] = {
        "respondent_code": unique("resp").replace(" ", "_"),
        "user_id": None,
        "chapter_id": chapter_id,
        "wave": "pre",
        "answered_on": DAY,
        **survey_answers(),
    }
    return int(insert(conn, "survey_responses", {**values, **cols}))


def add_goal(conn: psycopg.Connection[Any], chapter_id: int | None = None, **cols: Any) -> int:
    values = {
        "name": unique("Goal"),
        "metric": "members.active",
        "target_value": 100.0,
        "due_on": date(2026, 12, 31),
        "chapter_id": chapter_id,
    }
    return int(insert(conn, "goals", {**values, **cols}))


def add_audit_entry(conn: psycopg.Connection[Any], table_name: str = "donations", row_id: int = 1) -> int:
    values = {
        "table_name": table_name,
        "row_id": row_id,
        "action": "update",
        "old_row": "{}",
        "new_row": "{}",
    }
    return int(insert(conn, "audit_log", values))


# The cast of the access tests: a national chapter with two regions, each
# with one local chapter, and one account per persona.
PERSONAS: tuple[str, ...] = (
    "anon",
    "volunteer_L1",
    "volunteer_L2",
    "coordinator_R1",
    "coordinator_R2",
    "fundraiser",
    "board",
    "admin",
)


@dataclass(frozen=True)
class Cast:
    chapters: dict[str, int]
    users: dict[str, UUID]
    members: dict[str, int]

    def identity(self, persona: str) -> Identity:
        if persona == "anon":
            return ANONYMOUS
        return Identity(user_id=self.users[persona], email=f"{persona}@cast.test")


def add_cast(conn: psycopg.Connection[Any]) -> Cast:
    """N (national) > R1, R2 (regional) > L1 under R1, L2 under R2; volunteers
    with a member row in L1 and L2; coordinators of R1 and R2; a fundraiser, a
    board member and an admin, each with their roles rows."""
    chapters: dict[str, int] = {}
    chapters["N"] = add_chapter(conn, "national")
    chapters["R1"] = add_chapter(conn, "regional", chapters["N"])
    chapters["R2"] = add_chapter(conn, "regional", chapters["N"])
    chapters["L1"] = add_chapter(conn, "local", chapters["R1"])
    chapters["L2"] = add_chapter(conn, "local", chapters["R2"])
    users = {p: add_user(conn, unique(p).replace(" ", ".") + "@cast.test") for p in PERSONAS if p != "anon"}
    grants: dict[str, tuple[str, str | None]] = {
        "volunteer_L1": ("volunteer", None),
        "volunteer_L2": ("volunteer", None),
        "coordinator_R1": ("coordinator", "R1"),
        "coordinator_R2": ("coordinator", "R2"),
        "fundraiser": ("fundraiser", None),
        "board": ("board", None),
        "admin": ("admin", None),
    }
    for persona, (role, chapter) in grants.items():
        add_role(conn, users[persona], role, chapters[chapter] if chapter else None)
    members = {
        "volunteer_L1": add_member(conn, chapters["L1"], user_id=users["volunteer_L1"]),
        "volunteer_L2": add_member(conn, chapters["L2"], user_id=users["volunteer_L2"]),
    }
    return Cast(chapters=chapters, users=users, members=members)


@dataclass(frozen=True)
class Scene:
    """A private database holding the cast, and its owner's connection."""

    uri: str
    cast: Cast
    owner: psycopg.Connection[Any]

    def who(self, persona: str) -> Identity:
        return self.cast.identity(persona)

    def value(self, query: str, *params: Any) -> Any:
        """The first column of the first row of `query`, read as the owner."""
        row = self.owner.execute(query, params).fetchone()
        return row[0] if row else None


@contextmanager
def cast_scene(server: object, prefix: str) -> Iterator[Scene]:
    """A private empty database (see `private_database`) with the cast in it."""
    with private_database(server, prefix) as uri, owner(uri) as conn:
        yield Scene(uri=uri, cast=add_cast(conn), owner=conn)
