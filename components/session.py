"""The signed-in person of this browser session, and the role check every
page makes again (navigation alone is not access control)."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

import streamlit as st

from db.identity import ANONYMOUS, Identity

SESSION_KEY = "signed_in"
ROLE_NAMES = ("board", "coordinator", "fundraiser", "volunteer", "admin")


@dataclass(frozen=True)
class SignedIn:
    """What the app knows about the person, loaded from the database at
    sign-in. The database never trusts this: it re-derives roles from the
    roles table on every query through auth.uid()."""

    user_id: UUID
    email: str
    display_name: str
    roles: frozenset[str]
    coordinator_chapters: tuple[int, ...] = ()
    member_id: int | None = None
    extra_claims: dict[str, str] = field(default_factory=dict)

    @property
    def identity(self) -> Identity:
        return Identity(user_id=self.user_id, email=self.email, extra_claims=self.extra_claims)

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


def current_user() -> SignedIn | None:
    value = st.session_state.get(SESSION_KEY)
    return value if isinstance(value, SignedIn) else None


def current_identity() -> Identity:
    user = current_user()
    return user.identity if user else ANONYMOUS


def require_role(*roles: str) -> SignedIn:
    """Stop the page unless the person holds one of `roles`."""
    user = current_user()
    if user is None:
        st.warning("Please sign in to see this page.")
        st.stop()
        raise AssertionError("unreachable")
    if roles and not user.has(*roles):
        st.error("Your roles do not include this page.")
        st.stop()
        raise AssertionError("unreachable")
    return user
