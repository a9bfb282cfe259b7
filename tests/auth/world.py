"""A small movement built for the access tests: two regions with a local
chapter each, one account per role, and hours and gifts to protect."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from db.accounts import create_account
from db.connection import service_transaction
from db.identity import Identity

PASSWORD = "correct horse battery staple"


@dataclass
class World:
    uri: str
    users: dict[str, UUID] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)
    chapters: dict[str, int] = field(default_factory=dict)
    members: dict[str, int] = field(default_factory=dict)
    hours: dict[str, int] = field(default_factory=dict)
    donor_id: int = 0
    donation_id: int = 0

    def identity(self, who: str) -> Identity:
        return Identity(user_id=self.users[who], email=self.emails[who])


ROLES: dict[str, list[tuple[str, str | None]]] = {
    "admin": [("admin", None)],
    "board": [("board", None)],
    "fundraiser": [("fundraiser", None)],
    "coordinator": [("coordinator", "North Region"), ("volunteer", None)],
    "coordinator.other": [("coordinator", "South Region")],
    "volunteer": [("volunteer", None)],
    "volunteer.two": [("volunteer", None)],
}


def build_world(uri: str) -> World:
    world = World(uri=uri)
    with service_transaction(uri) as conn:

        def chapter(name: str, level: str, parent: str | None) -> None:
            row = conn.execute(
                "insert into public.chapters (name, level, parent_id) values (%s, %s, %s) returning id",
                (name, level, world.chapters.get(parent) if parent else None),
            ).fetchone()
            world.chapters[name] = row["id"]

        chapter("Empathy Nation", "national", None)
        chapter("North Region", "regional", "Empathy Nation")
        chapter("Riverside", "local", "North Region")
        chapter("South Region", "regional", "Empathy Nation")
        chapter("Harbour", "local", "South Region")
    for who in ROLES:
        email = f"{who}@access.test"
        world.emails[who] = email
        world.users[who] = create_account(email, PASSWORD, full_name=who.title(), uri=uri)
    with service_transaction(uri) as conn:
        for who, grants in ROLES.items():
            for role, chapter_name in grants:
                conn.execute(
                    "insert into public.roles (user_id, role, chapter_id) values (%s, %s, %s)",
                    (world.users[who], role, world.chapters[chapter_name] if chapter_name else None),
                )

        def member(key: str, chapter_name: str, user: str | None) -> None:
            row = conn.execute(
                """insert into public.members (user_id, full_name, email, chapter_id, joined_on)
                   values (%s, %s, %s, %s, %s) returning id""",
                (
                    world.users[user] if user else None,
                    key.replace(".", " ").title(),
                    f"{key}@members.test",
                    world.chapters[chapter_name],
                    date(2024, 1, 1),
                ),
            ).fetchone()
            world.members[key] = row["id"]

        member("volunteer", "Riverside", "volunteer")
        member("volunteer.two", "Riverside", "volunteer.two")
        member("coordinator", "Riverside", "coordinator")
        member("harbour.helper", "Harbour", None)
        for key in ("volunteer", "volunteer.two", "harbour.helper"):
            row = conn.execute(
                """insert into public.volunteer_hours (member_id, chapter_id, worked_on, minutes, activity,
                                                       idempotency_key)
                   values (%s, %s, %s, 90, 'outreach', %s) returning id""",
                (world.members[key], world.chapters["Riverside"], date(2025, 3, 1), uuid.uuid4()),
            ).fetchone()
            world.hours[key] = row["id"]
        world.donor_id = conn.execute(
            "insert into public.donors (display_name, email) values ('Ada Giver', 'ada@donors.test')"
            " returning id"
        ).fetchone()["id"]
        world.donation_id = conn.execute(
            """insert into public.donations (donor_id, chapter_id, received_on, amount_minor, currency,
                                             reporting_amount_minor, method, idempotency_key)
               values (%s, %s, '2025-02-01', 5000, 'USD', 5000, 'card', %s) returning id""",
            (world.donor_id, world.chapters["Harbour"], uuid.uuid4()),
        ).fetchone()["id"]
    return world
