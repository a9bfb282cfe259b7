"""Who is asking: the identity every database transaction carries."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID


@dataclass(frozen=True)
class Identity:
    """A signed-in person (or an anonymous visitor), as PostgREST sees them:
    a database role plus JWT claims. Row-level security reads `sub` through
    auth.uid(); nothing else in the claims grants anything."""

    user_id: UUID | None
    email: str | None = None
    extra_claims: dict[str, Any] = field(default_factory=dict)

    @property
    def db_role(self) -> str:
        return "anon" if self.user_id is None else "authenticated"

    def claims_json(self) -> str:
        # Extra claims go first so they can never override who this is or
        # which database role the claims say is in use.
        claims: dict[str, Any] = {k: v for k, v in self.extra_claims.items() if k != "sub"}
        claims["role"] = self.db_role
        if self.user_id is not None:
            claims["sub"] = str(self.user_id)
        if self.email is not None:
            claims["email"] = self.email
        return json.dumps(claims, sort_keys=True)


ANONYMOUS = Identity(user_id=None)
