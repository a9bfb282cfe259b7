"""The demo movement's sign-in accounts: one per kind of user, all with the
same password, shown on the sign-in page in embedded (demo) mode.

Only for the embedded default and tests: on Supabase, auth.users belongs to
GoTrue and the seed never writes it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from uuid import UUID

# Where in the demo chapter tree an account's member row (and coordinator
# role) sits: the first or second regional chapter, a local chapter under
# it, the first national chapter, or no member row at all.
Placement = Literal["region_a", "region_b", "local_a", "local_b", "national", "none"]

# Public on purpose: the sign-in page shows it in embedded (demo) mode. At
# least 12 characters, the minimum for new passwords.
DEMO_PASSWORD = "empathy-demo-2026"  # noqa: S105


@dataclass(frozen=True)
class DemoAccount:
    email: str
    display_name: str
    roles: tuple[str, ...]
    description: str
    user_id: UUID
    placement: Placement = "none"

    @property
    def is_coordinator(self) -> bool:
        return "coordinator" in self.roles


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount(
        email="board@demo.heartbeat.example",
        display_name="Bea Okafor",
        roles=("board",),
        description="Board member: the health dashboard, every chapter, impact, goals and the board "
        "report; gift totals but not donor identities.",
        user_id=UUID("0d3e5c1a-0000-4000-8000-000000000001"),
        placement="national",
    ),
    DemoAccount(
        email="coordinator@demo.heartbeat.example",
        display_name="Carlos Mendes",
        roles=("coordinator", "volunteer"),
        description="Coordinator of the first regional chapter and its local chapters: approves their "
        "hours, runs their events and attendance; also logs his own hours.",
        user_id=UUID("0d3e5c1a-0000-4000-8000-000000000002"),
        placement="region_a",
    ),
    DemoAccount(
        email="coordinator.other@demo.heartbeat.example",
        display_name="Chloe Brennan",
        roles=("coordinator",),
        description="Coordinator of a different regional chapter: sees only that region's members, "
        "hours and events.",
        user_id=UUID("0d3e5c1a-0000-4000-8000-000000000003"),
        placement="region_b",
    ),
    DemoAccount(
        email="fundraiser@demo.heartbeat.example",
        display_name="Farah Haddad",
        roles=("fundraiser",),
        description="Fundraiser: donations, donors, campaigns, retention and gift imports.",
        user_id=UUID("0d3e5c1a-0000-4000-8000-000000000004"),
        placement="national",
    ),
    DemoAccount(
        email="volunteer@demo.heartbeat.example",
        display_name="Valentina Rossi",
        roles=("volunteer",),
        description="Volunteer in a local chapter of the first region: her own approved and pending "
        "hours and her shift sign-ups.",
        user_id=UUID("0d3e5c1a-0000-4000-8000-000000000005"),
        placement="local_a",
    ),
    DemoAccount(
        email="volunteer.two@demo.heartbeat.example",
        display_name="Victor Nguyen",
        roles=("volunteer",),
        description="Volunteer in a local chapter of the other region: sees only his own hours.",
        user_id=UUID("0d3e5c1a-0000-4000-8000-000000000006"),
        placement="local_b",
    ),
    DemoAccount(
        email="admin@demo.heartbeat.example",
        display_name="Adrian Park",
        roles=("admin",),
        description="Admin: people, accounts and roles.",
        user_id=UUID("0d3e5c1a-0000-4000-8000-000000000007"),
        placement="none",
    ),
)


def demo_account(email: str) -> DemoAccount:
    """The demo account with this email (KeyError when there is none)."""
    for account in DEMO_ACCOUNTS:
        if account.email == email.strip().lower():
            return account
    raise KeyError(email)
