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
from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl
import psycopg
import pytest
from psycopg import sql

from db.arrow import read_frame
from db.connection import transaction
from db.errors import InvalidDataError, NotAllowedError
from db.identity import Identity
from tests.db import factories as f
from tests.db.factories import DAY, PERSONAS, Cast, Scene

pytestmark = pytest.mark.xdist_group("db_rls_matrix")

ALL = "every row"
SIGNED_IN = PERSONAS[1:]


def _chapter_and_region(in_l1: set[str], in_l2: set[str]) -> dict[str, set[str]]:
    """Each row is seen by the volunteer of its chapter and by the coordinator
    of the region above it: `in_l1` in L1 (under R1), `in_l2` in L2 (under R2)."""
    return {
        "volunteer_L1": in_l1,
        "volunteer_L2": in_l2,
        "coordinator_R1": in_l1,
        "coordinator_R2": in_l2,
    }


def _fundraisers_write(select: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A fundraising table: these read it, and fundraisers alone write it."""
    return {
        "select": select,
        "insert": {"fundraiser": ALL},
        "update": {"fundraiser": ALL},
        "delete": {"fundraiser": ALL},
    }


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
        "select": {**_chapter_and_region({"member_L1"}, {"member_L2"}), "board": ALL, "admin": ALL},
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
        "select": {**_chapter_and_region({"attendance_L1"}, {"attendance_L2"}), "board": ALL, "admin": ALL},
        "insert": {"admin": ALL, "coordinator_R1": {"guests_L1"}, "coordinator_R2": {"guests_L2"}},
        "update": {"admin": ALL, "coordinator_R1": {"attendance_L1"}, "coordinator_R2": {"attendance_L2"}},
        "delete": {"admin": ALL, "coordinator_R1": {"attendance_L1"}, "coordinator_R2": {"attendance_L2"}},
    },
    "shifts": {
        "select": dict.fromkeys(SIGNED_IN, ALL),
        "insert": {"admin": ALL, "coordinator_R1": {"in_L1"}, "coordinator_R2": {"in_L2"}},
        "update": {
            "admin": ALL,
            "coordinator_R1": {"shift_L1", "shift_L1_past", "shift_L1_full"},
            "coordinator_R2": {"shift_L2", "shift_L2_full"},
        },
        "delete": {
            "admin": ALL,
            "coordinator_R1": {"shift_L1", "shift_L1_past", "shift_L1_full"},
            "coordinator_R2": {"shift_L2", "shift_L2_full"},
        },
    },
    "shift_signups": {
        "select": {
            "volunteer_L1": {"signup_L1", "no_show_L1"},
            "volunteer_L2": {"signup_L2"},
            "coordinator_R1": {"signup_L1", "no_show_L1", "full_L1"},
            "coordinator_R2": {"signup_L2", "full_L2"},
            "board": ALL,
        },
        # Volunteers sign only themselves up, as signed_up; coordinators
        # manage the sign-ups of their chapters' shifts, for their chapters'
        # members only (every label here is a member of the other region;
        # tests/db/test_write_integrity.py covers a coordinator's own member).
        "insert": {
            "volunteer_L1": {"volunteer_L1_on_L2"},
            "volunteer_L2": {"volunteer_L2_on_L1"},
        },
        # The update cancels; a volunteer cancels only a live sign-up of their
        # own, never rewrites the coordinator's no-show record.
        "update": {
            "volunteer_L1": {"signup_L1"},
            "volunteer_L2": {"signup_L2"},
            "coordinator_R1": {"signup_L1", "no_show_L1", "full_L1"},
            "coordinator_R2": {"signup_L2", "full_L2"},
        },
        "delete": {
            "coordinator_R1": {"signup_L1", "no_show_L1", "full_L1"},
            "coordinator_R2": {"signup_L2", "full_L2"},
        },
    },
    "shift_wait_list": {
        # As for sign-ups: one's own places in line (wait_L1_on_L2 is
        # volunteer_L1 waiting for L2's full shift), the coordinators of the
        # shift's chapter, the board. Joining is for oneself only, on a full
        # shift that has not started (tests/volunteer/test_wait_list_db.py
        # covers the refusals); nobody moves a place in line.
        "select": {
            "volunteer_L1": {"wait_L1_on_L2"},
            "volunteer_L2": {"wait_L2_on_L1"},
            "coordinator_R1": {"wait_L2_on_L1"},
            "coordinator_R2": {"wait_L1_on_L2"},
            "board": ALL,
        },
        "insert": {"volunteer_L1": {"volunteer_L1_on_L1_full"}, "volunteer_L2": {"volunteer_L2_on_L2_full"}},
        "update": {},
        "delete": {"volunteer_L1": {"wait_L1_on_L2"}, "volunteer_L2": {"wait_L2_on_L1"}},
    },
    "volunteer_hours": {
        "select": {
            **_chapter_and_region({"hours_L1_pending", "hours_L1_approved"}, {"hours_L2_pending"}),
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
        # The update edits the note: a reviewed entry keeps what was
        # approved (only its status changes), so not even its coordinator.
        "update": {
            "volunteer_L1": {"hours_L1_pending"},
            "volunteer_L2": {"hours_L2_pending"},
            "coordinator_R1": {"hours_L1_pending"},
            "coordinator_R2": {"hours_L2_pending"},
        },
        "delete": {
            "volunteer_L1": {"hours_L1_pending"},
            "volunteer_L2": {"hours_L2_pending"},
            "coordinator_R1": {"hours_L1_pending", "hours_L1_approved"},
            "coordinator_R2": {"hours_L2_pending"},
        },
    },
    # Identities: fundraisers only (the board too where
    # movement_settings.board_sees_donor_identities, tested separately).
    "donors": _fundraisers_write({"fundraiser": ALL}),
    "campaigns": _fundraisers_write(dict.fromkeys(SIGNED_IN, ALL)),  # goals and progress are shared
    "exchange_rates": {
        "select": dict.fromkeys(SIGNED_IN, ALL),
        "insert": {"fundraiser": ALL, "admin": ALL},
        "update": {"fundraiser": ALL, "admin": ALL},
        "delete": {"admin": ALL},
    },
    "donations": _fundraisers_write(
        {
            "coordinator_R1": {"gift_L1"},
            "coordinator_R2": {"gift_L2"},
            "fundraiser": ALL,
            "board": ALL,
        }
    ),
    "recurring_plans": _fundraisers_write({"fundraiser": ALL, "board": ALL}),
    "donation_refunds": _fundraisers_write({"fundraiser": ALL, "board": ALL}),
    "gift_imports": _fundraisers_write({"fundraiser": ALL}),
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
    "balance_snapshots": _fundraisers_write({"fundraiser": ALL, "board": ALL}),
    "survey_responses": {
        "select": {
            "volunteer_L1": {"survey_L1"},
            "volunteer_L2": {"survey_L2"},
            "coordinator_R1": {"survey_L1", "anonymous_L1"},
            "coordinator_R2": {"survey_L2"},
            "board": ALL,
            "admin": ALL,
        },
        # A member hands in their own answers or an anonymous one for their
        # own chapter (own_named and anonymous are in L2); coordinators
        # (their chapters) and admins enter anyone's (write integrity
        # migration: an account outside the chapter moves no figures).
        "insert": {
            "volunteer_L1": {"by_volunteer_L1"},
            "volunteer_L2": {"by_volunteer_L2", "own_named", "anonymous"},
            "coordinator_R1": {"by_volunteer_L1"},
            "coordinator_R2": {"by_volunteer_L2", "own_named", "anonymous"},
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
    "volunteer_hours_monthly": {
        # Kept by triggers from volunteer_hours; read as the entries are.
        "select": {
            **_chapter_and_region({"monthly_L1_pending", "monthly_L1_approved"}, {"monthly_L2_pending"}),
            "board": ALL,
        },
        "insert": {},
        "update": {},
        "delete": {},
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
    "volunteer_hours_monthly": "member_id || ':' || status || ':' || month",
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
    "shift_wait_list": "joined_at = joined_at",
    "volunteer_hours": "note = 'edited'",
    "volunteer_hours_monthly": "minutes = minutes + 1",
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
    # A full shift a month ahead on each side, its one place taken by a
    # member of the national chapter (no coordinator's), and the other side's
    # volunteer waiting for it.
    filler = f.add_member(conn, ch["N"])
    put("members", "member_N", filler)
    soon = datetime.now(UTC) + timedelta(days=30)
    for side, other in (("L1", "L2"), ("L2", "L1")):
        full = f.add_shift(
            conn, world.key[f"event_{side}"], capacity=1, starts_at=soon, ends_at=soon + timedelta(hours=2)
        )
        put("shifts", f"shift_{side}_full", full)
        put("shift_signups", f"full_{side}", f.add_signup(conn, full, filler))
        waiter = {"shift_id": full, "member_id": cast.members[f"volunteer_{other}"]}
        put("shift_wait_list", f"wait_{other}_on_{side}", f.insert(conn, "shift_wait_list", waiter))
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
    # The monthly rows the triggers made of the hours above.
    sides = {cast.members["volunteer_L1"]: "L1", cast.members["volunteer_L2"]: "L2"}
    for member_id, status, key in conn.execute(
        "select member_id, status, member_id || ':' || status || ':' || month "
        "from public.volunteer_hours_monthly"
    ).fetchall():
        put("volunteer_hours_monthly", f"monthly_{sides[member_id]}_{status}", key)
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
    "volunteer_hours_monthly": {
        "forged_month_L1": lambda w, p: {
            "member_id": w.cast.members["volunteer_L1"],
            "chapter_id": w.chapter("L1"),
            "status": "approved",
            "month": date(2020, 1, 1),
            "minutes": 6000,
            "entries": 1,
            "day_mask": 1,
        }
    },
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
    "shift_wait_list": {
        f"volunteer_{side}_on_{side}_full": (
            lambda w, p, s=side: {
                "shift_id": w.key[f"shift_{s}_full"],
                "member_id": w.cast.members[f"volunteer_{s}"],
            }
        )
        for side in ("L1", "L2")
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
    with f.private_database(pg_server, "hb_rls_matrix") as uri:
        with f.owner(uri) as conn:
            built = build_world(conn, uri)
        yield built


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


# ---------------------------------------------------------------------------
# Scenarios the matrix cannot express: changes of status, of settings and of
# roles, tampered claims and bulk reads. They share a second database whose
# rows each test makes for itself.
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scene(pg_server: object) -> Iterator[Scene]:
    with f.cast_scene(pg_server, "hb_rls_scenes") as made:
        yield made


def _person(scene: Scene, role: str | None = None, chapter: str | None = None) -> Identity:
    """A new account holding `role` (on `chapter`), with no member row."""
    user = f.add_user(scene.owner)
    if role:
        f.add_role(scene.owner, user, role, scene.cast.chapters[chapter] if chapter else None)
    return Identity(user_id=user)


def test_volunteer_cannot_approve_their_own_hours(scene: Scene) -> None:
    hours = f.add_hours(scene.owner, scene.cast.members["volunteer_L1"], minutes=30)
    with pytest.raises(NotAllowedError), transaction(scene.who("volunteer_L1"), scene.uri) as conn:
        conn.execute("update public.volunteer_hours set status = 'approved' where id = %s", (hours,))
    with pytest.raises(NotAllowedError), transaction(scene.who("volunteer_L1"), scene.uri) as conn:
        conn.execute(
            "insert into public.volunteer_hours (member_id, chapter_id, worked_on, minutes, activity, status,"
            " idempotency_key) values (%s, %s, %s, 30, 'outreach', 'approved', %s)",
            (scene.cast.members["volunteer_L1"], scene.cast.chapters["L1"], DAY, uuid.uuid4()),
        )
    assert scene.value("select status from public.volunteer_hours where id = %s", hours) == "pending"


def test_volunteer_cannot_edit_or_withdraw_hours_once_approved(scene: Scene) -> None:
    hours = f.add_hours(scene.owner, scene.cast.members["volunteer_L1"], minutes=20, status="approved")
    before = _snapshot(scene.owner, "volunteer_hours", str(hours))
    with transaction(scene.who("volunteer_L1"), scene.uri) as conn:
        edited = conn.execute(
            "update public.volunteer_hours set minutes = 600 where id = %s", (hours,)
        ).rowcount
        withdrawn = conn.execute("delete from public.volunteer_hours where id = %s", (hours,)).rowcount
        still_visible = conn.execute(
            "select 1 from public.volunteer_hours where id = %s", (hours,)
        ).fetchone()
    assert (edited, withdrawn) == (0, 0)
    assert still_visible is not None, "a volunteer still sees their approved hours"
    assert _snapshot(scene.owner, "volunteer_hours", str(hours)) == before


def test_coordinator_reviews_hours_below_their_region_and_is_recorded_as_reviewer(scene: Scene) -> None:
    hours = f.add_hours(scene.owner, scene.cast.members["volunteer_L1"], minutes=25)
    with transaction(scene.who("coordinator_R2"), scene.uri) as conn:
        other_region = conn.execute(
            "update public.volunteer_hours set status = 'approved' where id = %s", (hours,)
        ).rowcount
    assert other_region == 0
    with transaction(scene.who("coordinator_R1"), scene.uri) as conn:
        conn.execute("update public.volunteer_hours set status = 'approved' where id = %s", (hours,))
    row = scene.owner.execute(
        "select status, reviewed_by, reviewed_at is not null from public.volunteer_hours where id = %s",
        (hours,),
    ).fetchone()
    assert row == ("approved", scene.cast.users["coordinator_R1"], True)


def test_a_coordinator_who_volunteers_logs_pending_hours_but_cannot_approve_them(scene: Scene) -> None:
    coordinator = _person(scene, "coordinator", "R1")
    assert coordinator.user_id is not None
    member = f.add_member(scene.owner, scene.cast.chapters["L1"], user_id=coordinator.user_id)
    national = _person(scene, "coordinator", "N")
    with transaction(coordinator, scene.uri) as conn:
        hours = conn.execute(
            "insert into public.volunteer_hours (member_id, chapter_id, worked_on, minutes, activity,"
            " idempotency_key) values (%s, %s, %s, 90, 'facilitation', %s) returning id",
            (member, scene.cast.chapters["L1"], DAY, uuid.uuid4()),
        ).fetchone()["id"]
    with pytest.raises(NotAllowedError), transaction(coordinator, scene.uri) as conn:
        conn.execute("update public.volunteer_hours set status = 'approved' where id = %s", (hours,))
    with pytest.raises(NotAllowedError), transaction(coordinator, scene.uri) as conn:
        conn.execute(
            "insert into public.volunteer_hours (member_id, chapter_id, worked_on, minutes, activity, status,"
            " idempotency_key) values (%s, %s, %s, 60, 'outreach', 'approved', %s)",
            (member, scene.cast.chapters["L1"], DAY, uuid.uuid4()),
        )
    assert scene.value("select status from public.volunteer_hours where id = %s", hours) == "pending"
    # Someone else who coordinates the chapter does the review.
    with transaction(national, scene.uri) as conn:
        conn.execute("update public.volunteer_hours set status = 'approved' where id = %s", (hours,))
    assert (
        scene.value("select reviewed_by from public.volunteer_hours where id = %s", hours) == national.user_id
    )
    with transaction(coordinator, scene.uri) as conn:
        changed = conn.execute(
            "update public.volunteer_hours set minutes = 900 where id = %s", (hours,)
        ).rowcount
        removed = conn.execute("delete from public.volunteer_hours where id = %s", (hours,)).rowcount
    assert (changed, removed) == (0, 0)


def test_board_sees_donor_identities_only_where_the_movement_allows_it(scene: Scene) -> None:
    donor = f.add_donor(scene.owner)
    gift = f.add_donation(scene.owner, donor)
    query = "select id from public.donors where id = %s"
    try:
        with transaction(scene.who("board"), scene.uri) as conn:
            assert conn.execute(query, (donor,)).fetchone() is None
            # The amounts stay visible: only the identity is withheld.
            assert conn.execute("select 1 from public.donations where id = %s", (gift,)).fetchone()
            refused = conn.execute("update public.movement_settings set board_sees_donor_identities = true")
            assert refused.rowcount == 0, "the board cannot grant itself donor identities"
        with transaction(scene.who("admin"), scene.uri) as conn:
            assert (
                conn.execute(
                    "update public.movement_settings set board_sees_donor_identities = true"
                ).rowcount
                == 1
            )
        with transaction(scene.who("board"), scene.uri) as conn:
            assert conn.execute(query, (donor,)).fetchone() is not None
        # Seeing is not editing: identities stay the fundraisers' to change.
        with transaction(scene.who("board"), scene.uri) as conn:
            assert conn.execute("update public.donors set note = 'x' where id = %s", (donor,)).rowcount == 0
        with transaction(scene.who("coordinator_R1"), scene.uri) as conn:
            assert conn.execute(query, (donor,)).fetchone() is None
    finally:
        scene.owner.execute("update public.movement_settings set board_sees_donor_identities = false")


def test_a_signup_cannot_move_to_another_shift_or_person(scene: Scene) -> None:
    event = f.add_event(scene.owner, scene.cast.chapters["L1"])
    open_shift = f.add_shift(scene.owner, event, capacity=2)
    full_shift = f.add_shift(scene.owner, event, capacity=1)
    f.add_signup(scene.owner, full_shift, f.add_member(scene.owner, scene.cast.chapters["L1"]))
    signup = f.add_signup(scene.owner, open_shift, scene.cast.members["volunteer_L1"])
    for who in ("volunteer_L1", "coordinator_R1"):
        for change, value in (("shift_id", full_shift), ("member_id", scene.cast.members["volunteer_L2"])):
            query = sql.SQL("update public.shift_signups set {} = %s where id = %s").format(
                sql.Identifier(change)
            )
            with (
                pytest.raises(InvalidDataError, match="cancel it and sign up again"),
                transaction(scene.who(who), scene.uri) as conn,
            ):
                conn.execute(query, (value, signup))
    counts = scene.owner.execute(
        "select s.signed_up, (select count(*) from public.shift_signups u"
        "   where u.shift_id = s.id and u.status <> 'cancelled')::int"
        " from public.shifts s where s.id in (%s, %s) order by s.id",
        (open_shift, full_shift),
    ).fetchall()
    assert counts == [(1, 1), (1, 1)]


def test_volunteer_cancels_a_live_signup_but_not_a_recorded_no_show(scene: Scene) -> None:
    event = f.add_event(scene.owner, scene.cast.chapters["L1"])
    shift = f.add_shift(scene.owner, event, capacity=3)
    live = f.add_signup(scene.owner, shift, scene.cast.members["volunteer_L1"])
    past_shift = f.add_shift(scene.owner, event, capacity=3)
    no_show = f.add_signup(scene.owner, past_shift, scene.cast.members["volunteer_L1"], status="no_show")
    cancel = "update public.shift_signups set status = 'cancelled', cancelled_at = now() where id = %s"
    with transaction(scene.who("volunteer_L1"), scene.uri) as conn:
        assert conn.execute(cancel, (live,)).rowcount == 1
        assert conn.execute(cancel, (no_show,)).rowcount == 0
    with pytest.raises(NotAllowedError), transaction(scene.who("volunteer_L1"), scene.uri) as conn:
        conn.execute("update public.shift_signups set status = 'attended' where id = %s", (live,))
    assert scene.value("select signed_up from public.shifts where id = %s", shift) == 0
    assert scene.value("select status from public.shift_signups where id = %s", no_show) == "no_show"


def test_chapters_move_only_within_what_a_coordinator_coordinates(scene: Scene) -> None:
    ch = scene.cast.chapters
    local = f.add_chapter(scene.owner, "local", ch["R1"])
    move = "update public.chapters set parent_id = %s where id = %s"
    with (
        pytest.raises(NotAllowedError, match="only an admin can move"),
        transaction(scene.who("coordinator_R1"), scene.uri) as conn,
    ):
        conn.execute(move, (ch["R2"], local))
    with pytest.raises(NotAllowedError), transaction(scene.who("coordinator_R1"), scene.uri) as conn:
        conn.execute("update public.chapters set parent_id = null where id = %s", (ch["R1"],))
    with transaction(scene.who("coordinator_R1"), scene.uri) as conn:
        # Editing their own chapter (not moving it) stays theirs to do.
        assert (
            conn.execute(
                "update public.chapters set place = 'Riverside hall', parent_id = parent_id where id = %s",
                (ch["R1"],),
            ).rowcount
            == 1
        )
    assert scene.value("select parent_id from public.chapters where id = %s", local) == ch["R1"]
    national = _person(scene, "coordinator", "N")
    with transaction(national, scene.uri) as conn:
        assert conn.execute(move, (ch["R2"], local)).rowcount == 1
    with transaction(scene.who("admin"), scene.uri) as conn:
        assert conn.execute(move, (ch["R1"], local)).rowcount == 1
    assert scene.value("select parent_id from public.chapters where id = %s", local) == ch["R1"]


def test_admin_grants_and_revokes_roles_which_take_effect_at_once(scene: Scene) -> None:
    person = _person(scene, "volunteer")
    assert person.user_id is not None
    grant = "insert into public.roles (user_id, role) values (%s, %s)"
    for who in ("volunteer_L1", "coordinator_R1", "fundraiser", "board"):
        with pytest.raises(NotAllowedError), transaction(scene.who(who), scene.uri) as conn:
            conn.execute(grant, (scene.cast.users[who], "admin"))
    with pytest.raises(NotAllowedError), transaction(person, scene.uri) as conn:
        conn.execute(grant, (person.user_id, "admin"))
    count_donors = "select count(*) as n from public.donors"
    f.add_donor(scene.owner)
    with transaction(person, scene.uri) as conn:
        assert conn.execute(count_donors).fetchone()["n"] == 0
    with transaction(scene.who("admin"), scene.uri) as conn:
        conn.execute(grant, (person.user_id, "fundraiser"))
    with transaction(person, scene.uri) as conn:
        assert conn.execute(count_donors).fetchone()["n"] > 0
    with transaction(scene.who("admin"), scene.uri) as conn:
        conn.execute("delete from public.roles where user_id = %s and role = 'fundraiser'", (person.user_id,))
    with transaction(person, scene.uri) as conn:
        assert conn.execute(count_donors).fetchone()["n"] == 0
    actions = scene.owner.execute(
        "select action, actor from public.audit_log where table_name = 'roles'"
        " and (coalesce(new_row, old_row) ->> 'user_id')::uuid = %s"
        " and coalesce(new_row, old_row) ->> 'role' = 'fundraiser'"
        " order by id",
        (person.user_id,),
    ).fetchall()
    assert actions == [("insert", scene.cast.users["admin"]), ("delete", scene.cast.users["admin"])]


TAMPERED = (
    pytest.param({"role": "service_role"}, id="role-service_role"),
    pytest.param({"app_metadata": {"roles": ["admin", "board"]}}, id="app_metadata-roles-admin"),
    pytest.param({"user_metadata": {"role": "admin"}}, id="user_metadata-role-admin"),
    pytest.param({"sub": "admin"}, id="sub-of-the-admin"),
    pytest.param({"role": "service_role", "is_admin": True, "roles": ["admin"]}, id="everything-at-once"),
)


@pytest.mark.parametrize("extra", TAMPERED)
def test_tampered_claims_grant_nothing_more(scene: Scene, extra: dict[str, Any]) -> None:
    claims = {
        k: (str(scene.cast.users["admin"]) if v == "admin" and k == "sub" else v) for k, v in extra.items()
    }
    volunteer = scene.cast.users["volunteer_L1"]
    tampered = Identity(user_id=volunteer, extra_claims=claims)
    f.add_hours(scene.owner, scene.cast.members["volunteer_L2"], minutes=5)
    f.add_donor(scene.owner)
    with transaction(tampered, scene.uri) as conn:
        who = conn.execute("select current_user as role, auth.uid() as uid").fetchone()
        assert who == {"role": "authenticated", "uid": volunteer}
        members = {r["member_id"] for r in conn.execute("select member_id from public.volunteer_hours")}
        assert members <= {scene.cast.members["volunteer_L1"]}
        assert conn.execute("select count(*) as n from public.donors").fetchone()["n"] == 0
        assert [r["user_id"] for r in conn.execute("select user_id from public.roles")] == [volunteer]
    with pytest.raises(NotAllowedError), transaction(tampered, scene.uri) as conn:
        conn.execute("insert into public.roles (user_id, role) values (%s, 'admin')", (volunteer,))
    with pytest.raises(NotAllowedError), transaction(tampered, scene.uri) as conn:
        conn.execute("select count(*) from auth.users")


def test_anon_carrying_someones_claims_is_still_anon(scene: Scene) -> None:
    impostor = Identity(
        user_id=None, extra_claims={"sub": str(scene.cast.users["admin"]), "role": "authenticated"}
    )
    for table in ("volunteer_hours", "members", "chapters", "movement_settings"):
        with pytest.raises(NotAllowedError), transaction(impostor, scene.uri) as conn:
            conn.execute(sql.SQL("select * from public.{}").format(sql.Identifier(table)))
    with pytest.raises(NotAllowedError), transaction(impostor, scene.uri) as conn:
        conn.execute("select app.has_role('admin')")


def test_signed_in_people_cannot_read_accounts_or_call_helpers_as_someone_else(scene: Scene) -> None:
    with pytest.raises(NotAllowedError), transaction(scene.who("admin"), scene.uri) as conn:
        conn.execute("select email from auth.users")
    with pytest.raises(NotAllowedError), transaction(scene.who("admin"), scene.uri) as conn:
        conn.execute("update auth.users set raw_app_meta_data = '{}'")
    # The helpers answer for the caller only; there is no argument to ask
    # about another person.
    with transaction(scene.who("volunteer_L1"), scene.uri) as conn:
        row = conn.execute(
            "select app.has_role('admin') as admin, array(select app.coordinated_chapters()) as chapters,"
            " array(select app.my_member_ids()) as members"
        ).fetchone()
    assert row == {"admin": False, "chapters": [], "members": [scene.cast.members["volunteer_L1"]]}


HOURS_SCHEMA = {"id": pl.Int64, "member_id": pl.Int64, "chapter_id": pl.Int64, "minutes": pl.Int32}


def test_read_frame_obeys_row_level_security(scene: Scene) -> None:
    ch, members = scene.cast.chapters, scene.cast.members
    for member in (members["volunteer_L1"], members["volunteer_L2"]):
        f.add_hours(scene.owner, member, minutes=7, worked_on=DAY - timedelta(days=3))
    query = "select id, member_id, chapter_id, minutes from public.volunteer_hours where minutes = %s"

    def read(identity: Identity | None) -> pl.DataFrame:
        return read_frame(identity, query, (7,), schema=HOURS_SCHEMA, uri=scene.uri)

    everything = read(None)  # the owner: operator commands only
    assert set(everything["member_id"]) >= {members["volunteer_L1"], members["volunteer_L2"]}
    assert set(read(scene.who("volunteer_L1"))["member_id"]) == {members["volunteer_L1"]}
    assert set(read(scene.who("coordinator_R2"))["chapter_id"]) == {ch["L2"]}
    assert read(scene.who("fundraiser")).height == 0
    assert read(scene.who("fundraiser")).schema == pl.Schema(HOURS_SCHEMA)
    assert read(scene.who("board")).height == everything.height
    tampered = Identity(
        user_id=scene.cast.users["volunteer_L1"],
        extra_claims={"role": "service_role", "app_metadata": {"roles": ["admin"]}},
    )
    assert set(read(tampered)["member_id"]) == {members["volunteer_L1"]}
    with pytest.raises(NotAllowedError):
        read(scene.who("anon"))


def _plan_nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from _plan_nodes(child)


@pytest.fixture(scope="module")
def crowd(scene: Scene) -> int:
    """Enough rows on both sides for a per-row helper call to show: per
    side, 3 members with 40 hour entries each, 20 events attended by all
    three and 20 shifts they all signed up for. Returns the rows a
    coordinator of one side sees per table."""
    per_side = 0
    for side in ("L1", "L2"):
        chapter = scene.cast.chapters[side]
        members = [f.add_member(scene.owner, chapter) for _ in range(3)]
        events = [f.add_event(scene.owner, chapter) for _ in range(20)]
        shifts = [f.add_shift(scene.owner, event, capacity=10) for event in events]
        for member in members:
            for day in range(40):
                f.add_hours(scene.owner, member, minutes=15, worked_on=DAY - timedelta(days=10 + day))
            for event, shift in zip(events, shifts, strict=True):
                f.add_attendance(scene.owner, event, member)
                f.add_signup(scene.owner, shift, member)
        per_side = len(members) * len(events)
    return per_side


@pytest.mark.parametrize(
    "table",
    [
        "volunteer_hours",
        "shift_signups",
        "attendance",
    ],
)
def test_policy_helpers_run_once_per_query_not_once_per_row(scene: Scene, crowd: int, table: str) -> None:
    coordinator = scene.who("coordinator_R1")
    helpers = (
        "has_role",
        "coordinated_chapters",
        "coordinated_event_ids",
        "my_member_ids",
        "event_chapter",
        "shift_chapter",
    )
    select = sql.SQL("select * from public.{}").format(sql.Identifier(table))
    with psycopg.connect(scene.uri) as conn:
        # Counting function calls needs the owner's right to set track_functions.
        conn.execute("set local track_functions = 'all'")
        conn.execute(
            "select set_config('role', %s, true), set_config('request.jwt.claims', %s, true)",
            (coordinator.db_role, coordinator.claims_json()),
        )
        plan = conn.execute(sql.SQL("explain (format json) {}").format(select)).fetchone()[0][0]["Plan"]
        rows = len(conn.execute(select).fetchall())
        calls = dict(
            conn.execute(
                "select p.proname, coalesce(pg_stat_get_xact_function_calls(p.oid), 0)"
                " from pg_proc p where p.pronamespace = 'app'::regnamespace and p.proname = any(%s)",
                (list(helpers),),
            ).fetchall()
        )
    assert rows >= crowd
    filters = " ".join(n.get("Filter", "") for n in _plan_nodes(plan) if n.get("Relation Name") == table)
    assert "hashed SubPlan" in filters, f"the helper sets should be hashed once: {filters}"
    assert "SubPlan" not in filters.replace("hashed SubPlan", ""), f"a sub-query runs per row: {filters}"
    # Once per mention in the policy (has_role('board') and has_role('admin')
    # are two), never once per row.
    assert all(n <= 3 for n in calls.values()), f"helpers called per row over {rows} rows: {calls}"
    assert calls["coordinated_chapters"] == 1, calls
