"""Supabase access tokens, verified before anything in them is trusted.

A token names the person every database transaction runs as (its `sub`
becomes auth.uid()), so it must come from our own Supabase project: signed
by one of the project's keys (its JWKS, for the asymmetric keys Supabase
issues now; the project's JWT secret for a project still on the legacy
HS256 secret), issued by the project's Auth (`iss`), meant for signed-in
users (`aud`), and not expired."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jwt

AUDIENCE = "authenticated"
_ASYMMETRIC = ("ES256", "RS256", "EdDSA")
# Seconds of clock difference allowed between Supabase and this server.
LEEWAY_S = 30
# The project's keys are fetched at most this often (and again at once for
# a key id not seen yet, which is how a rotated key arrives).
KEYS_LIFESPAN_S = 600


class TokenError(Exception):
    """A token that is not our project's, or not valid now."""


def issuer(project_url: str) -> str:
    return f"{project_url.rstrip('/')}/auth/v1"


@lru_cache(maxsize=8)
def _project_keys(jwks_url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=KEYS_LIFESPAN_S, timeout=10)


def verified_claims(token: str, *, project_url: str, jwt_secret: str | None = None) -> dict[str, Any]:
    """The claims of `token` once its signature, issuer, audience and expiry
    hold for the project at `project_url`; TokenError otherwise."""
    try:
        alg = jwt.get_unverified_header(token).get("alg")
        key: Any
        if alg in _ASYMMETRIC:
            keys = _project_keys(f"{issuer(project_url)}/.well-known/jwks.json")
            key = keys.get_signing_key_from_jwt(token).key
        elif alg == "HS256" and jwt_secret:
            key = jwt_secret
        else:
            raise TokenError(f"a token signed with {alg!r}, which this project does not use")
        claims = jwt.decode(
            token,
            key,
            algorithms=[str(alg)],
            audience=AUDIENCE,
            issuer=issuer(project_url),
            leeway=LEEWAY_S,
            options={"require": ["exp", "iat", "sub", "iss", "aud"]},
        )
    except jwt.PyJWTError as exc:
        raise TokenError(str(exc)) from exc
    if not isinstance(claims, dict):
        raise TokenError("a token without claims")
    return claims
