"""Who may see and change what: every table in public × select, insert,
update and delete × every persona, run the way PostgREST runs a request (a
transaction with the `authenticated` or `anon` role and the JWT claims, here
through db.connection.transaction).

MATRIX below is the expectation, written out per table from the policies in
supabase/migrations (20261125180100_row_level_security.sql and the later
migrations that change them). For each table, command and persona it names
the rows (or, for insert, the kinds of new row) that persona may act on;
every other labelled row must be refused:

- select: a refused row is simply not returned (anon, who holds no grant at
  all, gets NotAllowedError for the whole query);
- insert: NotAllowedError, and nothing is written;
- update and delete: NotAllowedError or no row matched, and the row is
  exactly as it was (checked as the owner after the attempt has committed).

Allowed writes are rolled back after the check, so every test starts from
the same labelled world."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import psycopg
import pytest
from psycopg import sql

from db.connection import close_pools, transaction
from db.errors import NotAllowedError
from db.identity import Identity
from tests.conftest import _worker, clone_database
from tests.db import factories as f
from tests.db.factories import DAY, PERSONAS, Cast

pytestmark = pytest.mark.xdist_group("db_rls_matrix")

ALL = "every row"
SIGNED_IN = PERSONAS[1:]

# ---------------------------------------------------------------------------
# The expectation. Personas: anon; volunteer_L1 (member of local chapter L1);
# volunteer_L2 (member of L2); coordinator_R1 (region R1 ⊃ L1, L1b);
# coordinator_R2 (region R2 ⊃ L2, L2b); fundraiser; board; admin. A persona
# not listed under a command may act on nothing; anon is listed nowhere.
# ---------------------------------------------------------------------------
MATRIX: dict[str, dict[str, dict[str, Any]]] = {
    "movement_settings": {
        "select": dict.fromkeys(SIGNED_IN, ALL),
        "insert": {},  # exactly one row, made by the migration
        "update": {"admin": ALL},
        "delete": {},
    },
    "chapters": {
        "select": dict.fromkeys(SIGNED_IN, ALL),  # the map of the movement is not secret
        "insert": {"admin": ALL, "coordinator_R1": {"under_R1"}, "coordinator_R2": {"under_R2"}},
        "update": {
            "admin": ALL,
            "coordinator_R1": {"R1", "L1", "L1b"},
            "coordinator_R2": {"R2", "L2", "L2b"},
        },
        "delete": {"admin": ALL},
    },
    "members": {
        "select": {
            "volunteer_L1": {"member_L1"},
            "volunteer_L2": {"member_L2"},
            "coordinator_R1": {"member_L1"},
            "coordinator_R2": {"member_L2"},
            "board": ALL,
            "admin": ALL,
        },
        "insert": {"admin": ALL, "coordinator_R1": {"in_L1"}, "coordinator_R2": {"in_L2"}},
        "update": {"admin": ALL, "coordinator_R1": {"member_L1"}, "coordinator_R2": {"member_L2"}},
        "delete": {"admin": ALL},
    },
    "roles": {
        # Everyone reads their own roles; only an admin reads or changes anyone's.
        "select": {p: ({f"role_{p}"} if p != "admin" else ALL) for p in SIGNED_IN},
        "insert": {"admin": ALL},
        "update": {"admin": ALL},
        "delete": {"admin": ALL},
    },
    "programs": {
        "select": dict.fromkeys(SIGNED_IN, ALL),
        "insert": {"admin": ALL, "coordinator_R1": {"in_L1"}, "coordinator_R2": {"in_L2"}},
        "update": {"admin": ALL, "coordinator_R1": {"program_L1"}, "coordinator_R2": {"program_L2"}},
        "delete": {"admin": ALL},
    },
    "partners": {
        "select": dict.fromkeys(SIGNED_IN, ALL),
        "insert": {"admin": ALL, "coordinator_R1": {"in_L1"}, "coordinator_R2": {"in_L2"}},
        "update": {"admin": ALL, "coordinator_R1": {"partner_L1"}, "coordinator_R2": {"partner_L2"}},
        "delete": {"admin": ALL},
    },
    "program_partners": {
        "select": dict.fromkeys(SIGNED_IN, ALL),
        # A link belongs to its program's chapter (access hardening migration).
        "insert": {"admin": ALL, "coordinator_R1": {"program_L1"}, "coordinator_R2": {"program_L2"}},
        "update": {"admin": ALL},
        "delete": {"admin": ALL, "coordinator_R1": {"link_L1"}, "coordinator_R2": {"link_L2"}},
    },
    "events": {
        "select": dict.fromkeys(SIGNED_IN, ALL),  # volunteers browse events for open slots
        "insert": {"admin": ALL, "coordinator_R1": {"in_L1"}, "coordinator_R2": {"in_L2"}},
        "update": {"admin": ALL, "coordinator_R1": {"event_L1"}, "coordinator_R2": {"event_L2"}},
        "delete": {"admin": ALL, "coordinator_R1": {"event_L1"}, "coordinator_R2": {"event_L2"}},
    },
    "attendance": {
        "select": {
            "volunteer_L1": {"attendance_L1"},
            "volunteer_L2": {"attendance_L2"},
            "coordinator_R1": {"attendance_L1"},
            "coordinator_R2": {"attendance_L2"},
            "board": ALL,
            "admin": ALL,
        },
        "insert": {"admin": ALL, "coordinator_R1": {"guests_L1"}, "coordinator_R2": {"guests_L2"}},
        "update": {"admin": ALL, "coordinator_R1": {"attendance_L1"}, "coordinator_R2": {"attendance_L2"}},
        "delete": {"admin": ALL, "coordinator_R1": {"attendance_L1"}, "coordinator_R2": {"attendance_L2"}},
    },
    "shifts": {
        "select": dict.fromkeys(SIGNED_IN, ALL),
        "insert": {"admin": ALL, "coordinator_R1": {"in_L1"}, "coordinator_R2": {"in_L2"}},
        "update": {
            "admin": ALL,
            "coordinator_R1": {"shift_L1", "shift_L1_past"},
            "coordinator_R2": {"shift_L2"},
        },
        "delete": {
            "admin": ALL,
            "coordinator_R1": {"shift_L1", "shift_L1_past"},
            "coordinator_R2": {"shift_L2"},
        },
    },
    "shift_signups": {
        "select": {
            "volunteer_L1": {"signup_L1", "no_show_L1"},
            "volunteer_L2": {"signup_L2"},
            "coordinator_R1": {"signup_L1", "no_show_L1"},
            "coordinator_R2": {"signup_L2"},
            "board": ALL,
        },
        # Volunteers sign only themselves up, as signed_up; coordinators
        # manage the sign-ups of their chapters' shifts.
        "insert": {
            "volunteer_L1": {"volunteer_L1_on_L2"},
            "volunteer_L2": {"volunteer_L2_on_L1"},
            "coordinator_R1": {"volunteer_L2_on_L1"},
            "coordinator_R2": {"volunteer_L1_on_L2", "volunteer_L1_attended_L2"},
        },
        # The update cancels; a volunteer cancels only a live sign-up of their
        # own, never rewrites the coordinator's no-show record.
        "update": {
            "volunteer_L1": {"signup_L1"},
            "volunteer_L2": {"signup_L2"},
            "coordinator_R1": {"signup_L1", "no_show_L1"},
            "coordinator_R2": {"signup_L2"},
        },
        "delete": {"coordinator_R1": {"signup_L1", "no_show_L1"}, "coordinator_R2": {"signup_L2"}},
    },
    "volunteer_hours": {
        "select": {
            "volunteer_L1": {"hours_L1_pending", "hours_L1_approved"},
            "volunteer_L2": {"hours_L2_pending"},
            "coordinator_R1": {"hours_L1_pending", "hours_L1_approved"},
            "coordinator_R2": {"hours_L2_pending"},
            "board": ALL,
        },
        # Own hours only as pending; a coordinator may record approved hours
        # for the chapters they coordinate.
        "insert": {
            "volunteer_L1": {"pending_L1"},
            "volunteer_L2": {"pending_L2"},
            "coordinator_R1": {"pending_L1", "approved_L1"},
            "coordinator_R2": {"pending_L2"},
        },
        # Own hours only while pending; once approved, only a coordinator.
        "update": {
            "volunteer_L1": {"hours_L1_pending"},
            "volunteer_L2": {"hours_L2_pending"},
            "coordinator_R1": {"hours_L1_pending", "hours_L1_approved"},
            "coordinator_R2": {"hours_L2_pending"},
        },
        "delete": {
            "volunteer_L1": {"hours_L1_pending"},
            "volunteer_L2": {"hours_L2_pending"},
            "coordinator_R1": {"hours_L1_pending", "hours_L1_approved"},
            "coordinator_R2": {"hours_L2_pending"},
        },
    },
    "donors": {
        # Identities: fundraisers only (the board too where
        # movement_settings.board_sees_donor_identities, tested separately).
        "select": {"fundraiser": ALL},
        "insert": {"fundraiser": ALL},
        "update": {"fundraiser": ALL},
        "delete": {"fundraiser": ALL},
    },
    "campaigns": {
        "select": dict.fromkeys(SIGNED_IN, ALL),  # goals and progress are shared
        "insert": {"fundraiser": ALL},
        "update": {"fundraiser": ALL},
        "delete": {"fundraiser": ALL},
    },
    "exchange_rates": {
        "select": dict.fromkeys(SIGNED_IN, ALL),
        "insert": {"fundraiser": ALL, "admin": ALL},
        "update": {"fundraiser": ALL, "admin": ALL},
        "delete": {"admin": ALL},
    },
    "donations": {
        "select": {
            "coordinator_R1": {"gift_L1"},
            "coordinator_R2": {"gift_L2"},
            "fundraiser": ALL,
            "board": ALL,
        },
        "insert": {"fundraiser": ALL},
        "update": {"fundraiser": ALL},
        "delete": {"fundraiser": ALL},
    },
    "recurring_plans": {
        "select": {"fundraiser": ALL, "board": ALL},
        "insert": {"fundraiser": ALL},
        "update": {"fundraiser": ALL},
        "delete": {"fundraiser": ALL},
    },
    "donation_refunds": {
        "select": {"fundraiser": ALL, "board": ALL},
        "insert": {"fundraiser": ALL},
        "update": {"fundraiser": ALL},
        "delete": {"fundraiser": ALL},
    },
    "gift_imports": {
        "select": {"fundraiser": ALL},
        "insert": {"fundraiser": ALL},
        "update": {"fundraiser": ALL},
        "delete": {"fundraiser": ALL},
    },
    "expenses": {
        "select": {
            "coordinator_R1": {"expense_L1"},
            "coordinator_R2": {"expense_L2"},
            "fundraiser": ALL,
            "board": ALL,
            "admin": ALL,
        },
        "insert": {"fundraiser": ALL, "admin": ALL},
        "update": {"fundraiser": ALL, "admin": ALL},
        "delete": {"fundraiser": ALL, "admin": ALL},
    },
    "balance_snapshots": {
        "select": {"fundraiser": ALL, "board": ALL},
        "insert": {"fundraiser": ALL},
        "update": {"fundraiser": ALL},
        "delete": {"fundraiser": ALL},
    },
    "survey_responses": {
        "select": {
            "volunteer_L1": {"survey_L1"},
            "volunteer_L2": {"survey_L2"},
            "coordinator_R1": {"survey_L1", "anonymous_L1"},
            "coordinator_R2": {"survey_L2"},
            "board": ALL,
            "admin": ALL,
        },
        # Anyone signed in hands in their own answers or an anonymous one;
        # coordinators (their chapters) and admins enter anyone's.
        "insert": {
            "volunteer_L1": {"by_volunteer_L1", "own_named", "anonymous"},
            "volunteer_L2": {"by_volunteer_L2", "own_named", "anonymous"},
            "coordinator_R1": {"by_volunteer_L1", "own_named", "anonymous"},
            "coordinator_R2": {"by_volunteer_L2", "own_named", "anonymous"},
            "fundraiser": {"own_named", "anonymous"},
            "board": {"own_named", "anonymous"},
            "admin": ALL,
        },
        "update": {
            "volunteer_L1": {"survey_L1"},
            "volunteer_L2": {"survey_L2"},
            "coordinator_R1": {"survey_L1", "anonymous_L1"},
            "coordinator_R2": {"survey_L2"},
            "admin": ALL,
        },
        "delete": {
            "coordinator_R1": {"survey_L1", "anonymous_L1"},
            "coordinator_R2": {"survey_L2"},
            "admin": ALL,
        },
    },
    "goals": {
        "select": dict.fromkeys(SIGNED_IN, ALL),
        "insert": {"admin": ALL, "board": ALL, "coordinator_R1": {"in_L1"}, "coordinator_R2": {"in_L2"}},
        "update": {"admin": ALL, "board": ALL, "coordinator_R1": {"goal_L1"}, "coordinator_R2": {"goal_L2"}},
        "delete": {"admin": ALL, "board": ALL, "coordinator_R1": {"goal_L1"}, "coordinator_R2": {"goal_L2"}},
    },
    "audit_log": {
        # Written only by the audit trigger, running as its owner.
        "select": {"admin": ALL, "board": ALL},
        "insert": {},
        "update": {},
        "delete": {},
    },
}

# How a row is named in SQL (tables without an id column).
KEYS: dict[str, str] = {
    "movement_settings": "id::text",
    "program_partners": "program_id || ':' || partner_id",
    "exchange_rates": "currency || ':' || valid_on",
    "balance_snapshots": "as_of::text",
}

# A harmless change per table, touching no column that decides access.
UPDATES: dict[str, str] = {
    "movement_settings": "movement_name = 'Edited movement'",
    "chapters": "place = 'Edited place'",
    "members": "full_name = full_name || ' (edited)'",
    "roles": "granted_at = now()",
    "programs": "description = 'edited'",
    "partners": "status = 'paused'",
    "program_partners": "partner_id = partner_id",
    "events": "place = 'Edited hall'",
    "attendance": "guest_count = guest_count + 1",
    "shifts": "title = title || ' (edited)'",
    "shift_signups": "status = 'cancelled', cancelled_at = now()",
    "volunteer_hours": "note = 'edited'",
    "donors": "note = 'edited'",
    "campaigns": "name = name || ' (edited)'",
    "exchange_rates": "rate = rate + 0.01",
    "donations": "note = 'edited'",
    "recurring_plans": "status_note = 'edited'",
    "donation_refunds": "note = 'edited'",
    "gift_imports": "rows_skipped = rows_skipped + 1",
    "expenses": "description = 'edited'",
    "balance_snapshots": "cash_minor = cash_minor + 1",
    "survey_responses": "practice = 'weekly'",
    "goals": "target_value = target_value + 1",
    "audit_log": "table_name = 'edited'",
}

# Rows a delete may target without a foreign key refusing it first (the
# chapters with members, the donor with gifts); every row where not listed.
DELETABLE: dict[str, set[str]] = {
    "chapters": {"L1b", "L2b"},
    "donors": {"donor_without_gifts"},
}


@dataclass
class World:
    uri: str
    cast: Cast
    rows: dict[str, dict[str, str]] = field(default_factory=dict)  # table → label → key
    key: dict[str, Any] = field(default_factory=dict)  # label → id, across tables

    def chapter(self, name: str) -> int:
        return self.cast.chapters[name] if name in self.cast.chapters else int(self.key[name])


def build_world(conn: psycopg.Connection[Any], uri: str) -> World:
    """One labelled row (or two, one per side) in every table, as the owner."""
    cast = f.add_cast(conn)
    world = World(uri=uri, cast=cast)
    ch = cast.chapters

    def put(table: str, label: str, key: Any) -> None:
        world.rows.setdefault(table, {})[label] = str(key)
        world.key[label] = key

    put("movement_settings", "settings", "true")
    for name, chapter_id in ch.items():
        put("chapters", name, chapter_id)
    put("chapters", "L1b", f.add_chapter(conn, "local", ch["R1"]))
    put("chapters", "L2b", f.add_chapter(conn, "local", ch["R2"]))
    put("members", "member_L1", cast.members["volunteer_L1"])
    put("members", "member_L2", cast.members["volunteer_L2"])
    for role_id, user_id in conn.execute("select id, user_id from public.roles").fetchall():
        persona = next(p for p, u in cast.users.items() if u == user_id)
        put("roles", f"role_{persona}", role_id)
    for side in ("L1", "L2"):
        chapter = ch[side]
        member = cast.members[f"volunteer_{side}"]
        program = f.add_program(conn, chapter)
        partner = f.add_partner(conn, chapter)
        put("programs", f"program_{side}", program)
        put("partners", f"partner_{side}", partner)
        put("program_partners", f"link_{side}", f.link_program_partner(conn, program, partner))
        event = f.add_event(conn, chapter)
        put("events", f"event_{side}", event)
        put("attendance", f"attendance_{side}", f.add_attendance(conn, event, member))
        shift = f.add_shift(conn, event)
        put("shifts", f"shift_{side}", shift)
        put("shift_signups", f"signup_{side}", f.add_signup(conn, shift, member))
        put("volunteer_hours", f"hours_{side}_pending", f.add_hours(conn, member))
        put("expenses", f"expense_{side}", f.add_expense(conn, chapter_id=chapter))
        put("goals", f"goal_{side}", f.add_goal(conn, chapter))
        put(
            "survey_responses",
            f"survey_{side}",
            f.add_survey_response(conn, chapter, user_id=cast.users[f"volunteer_{side}"], member_id=member),
        )
    put("programs", "program_movement", f.add_program(conn, None))
    put("partners", "partner_movement", f.add_partner(conn, None))
    past = f.add_shift(conn, world.key["event_L1"])
    put("shifts", "shift_L1_past", past)
    put(
        "shift_signups",
        "no_show_L1",
        f.add_signup(conn, past, cast.members["volunteer_L1"], status="no_show"),
    )
    put(
        "volunteer_hours",
        "hours_L1_approved",
        f.add_hours(conn, cast.members["volunteer_L1"], status="approved", worked_on=DAY - timedelta(days=1)),
    )
    put("survey_responses", "anonymous_L1", f.add_survey_response(conn, ch["L1"], anonymous=True))
    put("goals", "goal_movement", f.add_goal(conn, None))
    donor = f.add_donor(conn, chapter_id=ch["L1"])
    put("donors", "donor_with_gifts", donor)
    put("donors", "donor_without_gifts", f.add_donor(conn))
    put("campaigns", "campaign", f.add_campaign(conn))
    put("exchange_rates", "rate_EUR", f.add_exchange_rate(conn, "EUR"))
    put("donations", "gift_L1", f.add_donation(conn, donor, chapter_id=ch["L1"]))
    put("donations", "gift_L2", f.add_donation(conn, donor, chapter_id=ch["L2"]))
    put("balance_snapshots", "snapshot", f.add_balance_snapshot(conn))
    put("recurring_plans", "plan", f.insert(conn, "recurring_plans", _plan(world)))
    put("gift_imports", "import", f.insert(conn, "gift_imports", _gift_import()))
    put("donation_refunds", "refund_L1", f.insert(conn, "donation_refunds", _refund(world, "gift_L1")))
    # The audit trigger logged the roles granted above; keep one known entry.
    conn.execute("delete from public.audit_log")
    put("audit_log", "audit_entry", f.add_audit_entry(conn))
    return world


def _plan(w: World) -> dict[str, Any]:
    return {
        "donor_id": w.key["donor_with_gifts"],
        "amount_minor": 1_000,
        "currency": "USD",
        "reporting_amount_minor": 1_000,
        "started_on": DAY,
    }


def _gift_import() -> dict[str, Any]:
    counts = ("rows_in_file", "gifts_added", "gifts_already_recorded", "refunds_applied", "donors_added")
    return {
        "file_name": f.unique("gifts") + ".csv",
        "file_sha256": uuid.uuid4().hex * 2,
        "format": "generic",
        **dict.fromkeys(counts, 1),
        "rows_skipped": 0,
    }


def _refund(w: World, gift: str) -> dict[str, Any]:
    return {
        "donation_id": w.key[gift],
        "refunded_on": DAY,
        "amount_minor": 100,
        "processor": "manual",
        "processor_ref": f.unique("refund"),
    }


def _survey(w: World, side: str | None, user: uuid.UUID | None, **cols: Any) -> dict[str, Any]:
    return {
        "respondent_code": f.unique("r").replace(" ", "_"),
        "user_id": user,
        "member_id": w.cast.members[f"volunteer_{side}"] if side else None,
        "chapter_id": w.chapter(side or "L2"),
        "wave": "post",
        "answered_on": DAY,
        **f.survey_answers(3),
        **cols,
    }


Row = Callable[[World, str], dict[str, Any]]


def _own_user(w: World, persona: str) -> uuid.UUID | None:
    return w.cast.users.get(persona)


# The new rows each insert test tries, by label, built for the acting persona.
INSERTS: dict[str, dict[str, Row]] = {
    "movement_settings": {"second_settings": lambda w, p: {"movement_name": "A second movement"}},
    "chapters": {
        "under_R1": lambda w, p: {"name": f.unique("Local"), "level": "local", "parent_id": w.chapter("R1")},
        "under_R2": lambda w, p: {"name": f.unique("Local"), "level": "local", "parent_id": w.chapter("R2")},
        "top": lambda w, p: {"name": f.unique("Nation"), "level": "national", "parent_id": None},
    },
    "members": {
        label: (
            lambda w, p, s=side: {
                "full_name": f.unique("New member"),
                "chapter_id": w.chapter(s),
                "joined_on": DAY,
            }
        )
        for label, side in (("in_L1", "L1"), ("in_L2", "L2"))
    },
    "roles": {
        "board_for_volunteer_L1": lambda w, p: {"user_id": w.cast.users["volunteer_L1"], "role": "board"},
        "coordinator_for_volunteer_L2": lambda w, p: {
            "user_id": w.cast.users["volunteer_L2"],
            "role": "coordinator",
            "chapter_id": w.chapter("L2"),
        },
    },
    "programs": {
        "in_L1": lambda w, p: {
            "name": f.unique("P"),
            "kind": "training",
            "audience": "workplace",
            "chapter_id": w.chapter("L1"),
        },
        "in_L2": lambda w, p: {
            "name": f.unique("P"),
            "kind": "training",
            "audience": "workplace",
            "chapter_id": w.chapter("L2"),
        },
        "movement_wide": lambda w, p: {"name": f.unique("P"), "kind": "research", "audience": "community"},
    },
    "partners": {
        "in_L1": lambda w, p: {"name": f.unique("Partner"), "kind": "ngo", "chapter_id": w.chapter("L1")},
        "in_L2": lambda w, p: {"name": f.unique("Partner"), "kind": "ngo", "chapter_id": w.chapter("L2")},
        "movement_wide": lambda w, p: {"name": f.unique("Partner"), "kind": "research"},
    },
    "program_partners": {
        "program_L1": lambda w, p: {"program_id": w.key["program_L1"], "partner_id": w.key["partner_L2"]},
        "program_L2": lambda w, p: {"program_id": w.key["program_L2"], "partner_id": w.key["partner_L1"]},
        "program_movement": lambda w, p: {
            "program_id": w.key["program_movement"],
            "partner_id": w.key["partner_L1"],
        },
    },
    "events": {
        label: (
            lambda w, p, s=side: {
                "chapter_id": w.chapter(s),
                "kind": "empathy_circle",
                "title": f.unique("Circle"),
                "starts_at": f.EVENT_START,
                "ends_at": f.EVENT_START + timedelta(hours=1),
            }
        )
        for label, side in (("in_L1", "L1"), ("in_L2", "L2"))
    },
    "attendance": {
        "guests_L1": lambda w, p: {"event_id": w.key["event_L1"], "guest_count": 3},
        "guests_L2": lambda w, p: {"event_id": w.key["event_L2"], "guest_count": 3},
    },
    "shifts": {
        label: (
            lambda w, p, s=side: {
                "event_id": w.key[f"event_{s}"],
                "title": f.unique("Door"),
                "starts_at": f.EVENT_START,
                "ends_at": f.EVENT_START + timedelta(hours=1),
                "capacity": 3,
            }
        )
        for label, side in (("in_L1", "L1"), ("in_L2", "L2"))
    },
    "shift_signups": {
        "volunteer_L1_on_L2": lambda w, p: {
            "shift_id": w.key["shift_L2"],
            "member_id": w.cast.members["volunteer_L1"],
        },
        "volunteer_L2_on_L1": lambda w, p: {
            "shift_id": w.key["shift_L1"],
            "member_id": w.cast.members["volunteer_L2"],
        },
        "volunteer_L1_attended_L2": lambda w, p: {
            "shift_id": w.key["shift_L2"],
            "member_id": w.cast.members["volunteer_L1"],
            "status": "attended",
        },
    },
    "volunteer_hours": {
        label: (
            lambda w, p, s=side, st=status: {
                "member_id": w.cast.members[f"volunteer_{s}"],
                "chapter_id": w.chapter(s),
                "worked_on": DAY,
                "minutes": 45,
                "activity": "facilitation",
                "status": st,
                "idempotency_key": uuid.uuid4(),
            }
        )
        for label, side, status in (
            ("pending_L1", "L1", "pending"),
            ("approved_L1", "L1", "approved"),
            ("pending_L2", "L2", "pending"),
        )
    },
    "donors": {"new_donor": lambda w, p: {"display_name": f.unique("Giver"), "kind": "foundation"}},
    "campaigns": {
        "new_campaign": lambda w, p: {
            "name": f.unique("Spring"),
            "goal_minor": 500_000,
            "currency": "EUR",
            "starts_on": date(2025, 3, 1),
            "ends_on": date(2025, 5, 31),
        }
    },
    "exchange_rates": {"new_rate": lambda w, p: {"currency": "GBP", "valid_on": DAY, "rate": "1.27"}},
    "donations": {
        "new_gift_L1": lambda w, p: {
            "donor_id": w.key["donor_with_gifts"],
            "chapter_id": w.chapter("L1"),
            "received_on": DAY,
            "amount_minor": 2_000,
            "currency": "USD",
            "reporting_amount_minor": 2_000,
            "method": "cash",
            "idempotency_key": uuid.uuid4(),
        }
    },
    "recurring_plans": {"new_plan": lambda w, p: _plan(w)},
    "donation_refunds": {"new_refund": lambda w, p: _refund(w, "gift_L2")},
    "gift_imports": {"new_import": lambda w, p: _gift_import()},
    "expenses": {
        "new_expense": lambda w, p: {
            "spent_on": DAY,
            "amount_minor": 9_900,
            "currency": "USD",
            "reporting_amount_minor": 9_900,
            "category": "admin",
            "description": f.unique("Insurance"),
            "chapter_id": w.chapter("L1"),
        }
    },
    "balance_snapshots": {
        "new_snapshot": lambda w, p: {
            "as_of": date(2025, 4, 30),
            "cash_minor": 1,
            "unrestricted_reserves_minor": 1,
            "net_assets_minor": 1,
        }
    },
    "survey_responses": {
        "by_volunteer_L1": lambda w, p: _survey(w, "L1", w.cast.users["volunteer_L1"]),
        "by_volunteer_L2": lambda w, p: _survey(w, "L2", w.cast.users["volunteer_L2"]),
        "own_named": lambda w, p: _survey(w, None, _own_user(w, p)),
        "anonymous": lambda w, p: _survey(w, None, None, anonymous=True),
    },
    "goals": {
        label: (
            lambda w, p, s=side: {
                "name": f.unique("Goal"),
                "metric": "chapters.active",
                "target_value": 12.0,
                "due_on": date(2026, 6, 30),
                "chapter_id": w.chapter(s) if s else None,
            }
        )
        for label, side in (("in_L1", "L1"), ("in_L2", "L2"), ("movement_wide", None))
    },
    "audit_log": {
        "forged_entry": lambda w, p: {"table_name": "donations", "row_id": 1, "action": "delete"},
    },
}
COMMANDS = ("select", "insert", "update", "delete")


def _labels(world: World, table: str, command: str) -> set[str]:
    if command == "insert":
        return set(INSERTS[table])
    rows = set(world.rows[table])
    return rows & DELETABLE[table] if command == "delete" and table in DELETABLE else rows


def _expected(world: World, table: str, command: str, persona: str) -> dict[str, bool]:
    allowed = MATRIX[table][command].get(persona, set())
    labels = _labels(world, table, command)
    allowed = labels if allowed == ALL else allowed
    unknown = allowed - labels
    assert not unknown, f"MATRIX names rows the world does not have: {unknown}"
    return {label: label in allowed for label in sorted(labels)}


class _Rollback(Exception):
    """Raised inside a transaction to undo an allowed change after checking it."""


@contextlib.contextmanager
def rolled_back(identity: Identity, uri: str) -> Iterator[psycopg.Connection[Any]]:
    with contextlib.suppress(_Rollback), transaction(identity, uri) as conn:
        yield conn
        raise _Rollback


@pytest.fixture(scope="module")
def world(pg_server: object) -> Iterator[World]:
    uri = clone_database(pg_server, "empty", f"hb_rls_matrix_{_worker()}")
    with f.owner(uri) as conn:
        built = build_world(conn, uri)
    yield built
    close_pools()


@pytest.fixture(scope="module")
def owner_conn(world: World) -> Iterator[psycopg.Connection[Any]]:
    with f.owner(world.uri) as conn:
        yield conn


def _key(table: str) -> sql.Composable:
    return sql.SQL(KEYS.get(table, "id::text"))


def _snapshot(conn: psycopg.Connection[Any], table: str, key: str) -> Any:
    query = sql.SQL("select to_jsonb(t) from public.{} t where {} = %s").format(
        sql.Identifier(table), _key(table)
    )
    row = conn.execute(query, (key,)).fetchone()
    return row[0] if row else None


def _count(conn: psycopg.Connection[Any], table: str) -> int:
    row = conn.execute(sql.SQL("select count(*) from public.{}").format(sql.Identifier(table))).fetchone()
    assert row is not None
    return int(row[0])


def _cases() -> list[Any]:
    return [
        pytest.param(table, command, persona, id=f"{table}-{command}-{persona}")
        for table in MATRIX
        for command in COMMANDS
        for persona in PERSONAS
    ]


@pytest.mark.parametrize(("table", "command", "persona"), _cases())
def test_access(
    world: World, owner_conn: psycopg.Connection[Any], table: str, command: str, persona: str
) -> None:
    identity = world.cast.identity(persona)
    expected = _expected(world, table, command, persona)
    if command == "select":
        actual = _select(world, table, identity, persona)
    elif command == "insert":
        actual = _insert(world, owner_conn, table, identity, persona, expected)
    else:
        actual = _change(world, owner_conn, table, command, identity, expected)
    assert actual == expected, _explain(expected, actual)


def _explain(expected: dict[str, bool], actual: dict[str, bool]) -> str:
    wrong = {
        label: ("allowed" if actual.get(label) else "refused")
        for label in expected
        if actual.get(label) != expected[label]
    }
    return f"unexpected outcome for: {wrong}"


def _select(world: World, table: str, identity: Identity, persona: str) -> dict[str, bool]:
    query = sql.SQL("select {} from public.{}").format(_key(table), sql.Identifier(table))
    labels = world.rows[table]
    if persona == "anon":
        # anon holds no grant on any table: the query itself is refused.
        with pytest.raises(NotAllowedError), rolled_back(identity, world.uri) as conn:
            conn.execute(query)
        return dict.fromkeys(sorted(labels), False)
    with rolled_back(identity, world.uri) as conn:
        seen = {row[next(iter(row))] for row in conn.execute(query).fetchall()}
    by_key = {key: label for label, key in labels.items()}
    strangers = seen - set(by_key)
    assert not strangers, f"rows outside the labelled world are visible: {strangers}"
    return {label: key in seen for label, key in sorted(labels.items())}


def _insert(
    world: World,
    owner_conn: psycopg.Connection[Any],
    table: str,
    identity: Identity,
    persona: str,
    expected: dict[str, bool],
) -> dict[str, bool]:
    outcome: dict[str, bool] = {}
    for label in expected:
        values = INSERTS[table][label](world, persona)
        query = sql.SQL("insert into public.{} ({}) values ({})").format(
            sql.Identifier(table),
            sql.SQL(", ").join(map(sql.Identifier, values)),
            sql.SQL(", ").join(sql.Placeholder() * len(values)),
        )
        before = _count(owner_conn, table)
        try:
            with rolled_back(identity, world.uri) as conn:
                outcome[label] = conn.execute(query, list(values.values())).rowcount == 1
        except NotAllowedError:
            outcome[label] = False
        assert _count(owner_conn, table) == before, "an insert test left a row behind"
    return outcome


def _change(
    world: World,
    owner_conn: psycopg.Connection[Any],
    table: str,
    command: str,
    identity: Identity,
    expected: dict[str, bool],
) -> dict[str, bool]:
    if command == "update":
        template = sql.SQL("update public.{} set {} where {} = %s").format(
            sql.Identifier(table), sql.SQL(UPDATES[table]), _key(table)
        )
    else:
        template = sql.SQL("delete from public.{} where {} = %s").format(sql.Identifier(table), _key(table))
    outcome: dict[str, bool] = {}
    for label, allowed in expected.items():
        key = world.rows[table][label]
        before = _snapshot(owner_conn, table, key)
        assert before is not None, f"{label} is missing from the world"
        if allowed:
            # Check, then undo, so the next test sees the same world.
            try:
                with rolled_back(identity, world.uri) as conn:
                    outcome[label] = conn.execute(template, (key,)).rowcount == 1
            except NotAllowedError:
                outcome[label] = False
        else:
            # Let the attempt commit: a refusal must leave nothing to commit.
            try:
                with transaction(identity, world.uri) as conn:
                    matched = conn.execute(template, (key,)).rowcount
            except NotAllowedError:
                matched = 0
            outcome[label] = matched > 0 or _snapshot(owner_conn, table, key) != before
    return outcome


def test_matrix_covers_every_table_and_command(world: World, owner_conn: psycopg.Connection[Any]) -> None:
    tables = {
        r[0]
        for r in owner_conn.execute(
            "select relname from pg_class "
            "where relnamespace = 'public'::regnamespace and relkind in ('r', 'p')"
        )
    }
    assert set(MATRIX) == tables, "add the new table to MATRIX, INSERTS, UPDATES and the world"
    for table in tables:
        assert set(MATRIX[table]) == set(COMMANDS), table
        assert set(INSERTS[table]), table
        assert table in UPDATES, table
        assert world.rows[table], f"the world has no {table} rows"
        for command in COMMANDS:
            for persona in MATRIX[table][command]:
                assert persona in SIGNED_IN, (table, command, persona)
