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


# The accounts in the order the sign-in page lists them: email local part,
# name, roles and placement. The n-th gets the fixed user id ending in n.
_PEOPLE: tuple[tuple[str, str, tuple[str, ...], Placement], ...] = (
    ("board", "Bea Okafor", ("board",), "national"),
    ("coordinator", "Carlos Mendes", ("coordinator", "volunteer"), "region_a"),
    ("coordinator.other", "Chloe Brennan", ("coordinator",), "region_b"),
    ("fundraiser", "Farah Haddad", ("fundraiser",), "national"),
    ("volunteer", "Valentina Rossi", ("volunteer",), "local_a"),
    ("volunteer.two", "Victor Nguyen", ("volunteer",), "local_b"),
    ("admin", "Adrian Park", ("admin",), "none"),
)
# What each account is for, shown beside it on the sign-in page.
_DESCRIPTIONS = {
    "board": "Board member: the health dashboard, every chapter, impact, goals and the board "
    "report; gift totals but not donor identities.",
    "coordinator": "Coordinator of the first regional chapter and its local chapters: approves their "
    "hours, runs their events and attendance; also logs his own hours.",
    "coordinator.other": "Coordinator of a different regional chapter: sees only that region's members, "
    "hours and events.",
    "fundraiser": "Fundraiser: donations, donors, campaigns, retention and gift imports.",
    "volunteer": "Volunteer in a local chapter of the first region: her own approved and pending "
    "hours and her shift sign-ups.",
    "volunteer.two": "Volunteer in a local chapter of the other region: sees only his own hours.",
    "admin": "Admin: people, accounts and roles.",
}

DEMO_ACCOUNTS: tuple[DemoAccount, ...] = tuple(
    DemoAccount(
        email=f"{local}@demo.heartbeat.example",
        display_name=name,
        roles=roles,
        description=_DESCRIPTIONS[local],
        user_id=UUID(f"0d3e5c1a-0000-4000-8000-{n:012d}"),
        placement=placement,
    )
    for n, (local, name, roles, placement) in enumerate(_PEOPLE, start=1)
)


def demo_account(email: str) -> DemoAccount:
    """The demo account with this email (KeyError when there is none)."""
    for account in DEMO_ACCOUNTS:
        if account.email == email.strip().lower():
            return account
    raise KeyError(email)
