"""Local sign-in accounts and role management.

Local accounts (the embedded default, or a plain DATABASE_URL) live in
auth.users with argon2id hashes (db.passwords). Signing in is the one place
that reads auth.users as the owner role; everything after it (loading the
person's roles, listing people, granting and revoking roles) runs in a
transaction carrying the person's identity, so row-level security and the
`app.*` functions decide, not this module.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import polars as pl
import psycopg
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from db import clock
from db.connection import login_transaction, service_transaction, transaction
from db.errors import InvalidDataError, NotAllowedError
from db.identity import Identity
from db.passwords import PasswordsBusy, hash_password, needs_rehash, verify_password
from db.rows import fetch_all, fetch_one
from db.writes import insert_id
from models.email import Email
from models.fields import LOWER_CASE

log = logging.getLogger(__name__)

RoleName = Literal["board", "coordinator", "fundraiser", "volunteer", "admin"]
ROLE_NAMES: tuple[RoleName, ...] = ("board", "coordinator", "fundraiser", "volunteer", "admin")
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
WRONG_CREDENTIALS = "That email and password do not match an account."


class SignInError(Exception):
    """A sign-in that failed, with the sentence the person reads."""


class LockedOutError(SignInError):
    """Sign-in refused for now: too many recent failures (this account, this
    client, or everyone); nothing was checked or recorded."""

    def __init__(self, wait_seconds: int) -> None:
        if wait_seconds < 120:
            wait = f"{wait_seconds} second{'s' if wait_seconds != 1 else ''}"
        else:
            wait = f"{round(wait_seconds / 60)} minutes"
        super().__init__(f"Too many failed sign-ins. Try again in {wait}.")
        self.wait_seconds = wait_seconds


@dataclass(frozen=True)
class Account:
    """Who signed in, as the sign-in step knows them."""

    user_id: UUID
    email: str
    full_name: str | None = None
    # Proves this browser session signed in before: pass it to the next
    # authenticate() so another client's failures never lock it out.
    device_token: str | None = None


@dataclass(frozen=True)
class Profile:
    """What the app needs about a signed-in person, read under their own
    identity (so it is exactly what the database lets them see of themselves)."""

    user_id: UUID
    roles: frozenset[str]
    coordinator_chapters: tuple[int, ...]
    member_id: int | None
    member_name: str | None
    must_change_password: bool


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _now(now: datetime | None) -> datetime:
    if now is None:
        return clock.utc_now()
    if now.tzinfo is None:
        raise ValueError("now must carry a time zone")
    return now


# -- signing in ---------------------------------------------------------------


def authenticate(
    email: str,
    password: str,
    *,
    client: str | None = None,
    device_token: str | None = None,
    now: datetime | None = None,
    uri: str | None = None,
) -> Account:
    """Check a local account's password, throttled in the database
    (app.sign_in_begin: progressive delay per account, budgets per client and
    for everyone; a known device of the account is exempt from the others'
    failures). Raises SignInError (or LockedOutError) with a message that
    never says whether the email has an account."""
    at = _now(now)
    address = normalise_email(email)
    if not address or not password:
        raise SignInError("Enter your email and your password.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise SignInError(WRONG_CREDENTIALS)
    # Committed before the (slow) hash check, so the attempt counts as a
    # failure even when parallel guesses race or the process dies.
    with login_transaction(uri) as conn:
        row = fetch_one(
            conn,
            "select * from app.sign_in_begin(%s, %s, %s, %s)",
            (address, client, device_token, at),
        )
    assert row is not None
    if row["wait_seconds"] > 0:
        log.warning("sign-in refused: throttled for %s s", row["wait_seconds"])
        raise LockedOutError(row["wait_seconds"])
    try:
        ok = verify_password(row["encrypted_password"], password)
    except PasswordsBusy as exc:
        raise SignInError(str(exc)) from None
    if not ok or row["user_id"] is None:
        log.warning("sign-in failed: wrong email or password")
        raise SignInError(WRONG_CREDENTIALS)
    if row["banned_until"] is not None and row["banned_until"] > at:
        log.warning("sign-in refused: account suspended")
        raise SignInError("This account is suspended. Ask an admin of your movement.")
    new_hash = None
    if needs_rehash(row["encrypted_password"]):
        # A stronger hash can wait for a calmer sign-in; this one goes ahead.
        with contextlib.suppress(PasswordsBusy):
            new_hash = hash_password(password)
    with login_transaction(uri) as conn:
        done = fetch_one(
            conn, "select app.sign_in_succeeded(%s, %s, %s) as token", (row["attempt_id"], new_hash, at)
        )
    assert done is not None
    log.info("sign-in succeeded for user %s", row["user_id"])
    return Account(
        user_id=row["user_id"], email=row["email"], full_name=row["full_name"], device_token=done["token"]
    )


def load_profile(identity: Identity, *, uri: str | None = None) -> Profile:
    """The person's roles, coordinated chapters and member link, read as
    themselves (RLS lets a person read their own roles and member row)."""
    if identity.user_id is None:
        raise NotAllowedError("sign in first")
    with transaction(identity, uri) as conn:
        roles = fetch_all(
            conn,
            "select role, chapter_id from public.roles where user_id = (select auth.uid()) "
            "order by role, chapter_id",
        )
        # `(select auth.uid())`: a value the planner can look up in the
        # user_id index under RLS; a bare auth.uid() scans every member.
        member = fetch_one(
            conn, "select id, full_name from public.members where user_id = (select auth.uid())"
        )
        must_change = fetch_one(conn, "select app.must_change_password() as v")
    return Profile(
        user_id=identity.user_id,
        roles=frozenset(r["role"] for r in roles),
        coordinator_chapters=tuple(
            sorted({r["chapter_id"] for r in roles if r["role"] == "coordinator" and r["chapter_id"]})
        ),
        member_id=member["id"] if member else None,
        member_name=member["full_name"] if member else None,
        must_change_password=bool(must_change and must_change["v"]),
    )


# -- passwords ----------------------------------------------------------------


def password_problem(password: str, email: str | None = None) -> str | None:
    """Why a new password is refused, or None when it is acceptable
    (NIST SP 800-63B: length over composition rules)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Use at most {MAX_PASSWORD_LENGTH} characters."
    if not password.strip():
        return "A password cannot be only spaces."
    if email and normalise_email(email).split("@")[0] in password.lower():
        return "Do not use your email address in your password."
    if len(set(password)) < 4:
        return "Use more different characters."
    return None


def temporary_password() -> str:
    """A one-time password for an invited person or a reset (about 96 bits)."""
    return secrets.token_urlsafe(12)


def change_own_password(
    identity: Identity, email: str, current: str, new: str, *, uri: str | None = None
) -> None:
    """Replace the signed-in person's password after checking the current one."""
    if identity.user_id is None:
        raise NotAllowedError("sign in first")
    problem = password_problem(new, email)
    if problem:
        raise InvalidDataError(problem)
    if current == new:
        raise InvalidDataError("The new password must differ from the current one.")
    with login_transaction(uri) as conn:
        row = fetch_one(conn, "select app.password_hash_to_check(%s) as hash", (identity.user_id,))
    if not verify_password(row["hash"] if row else None, current):
        raise InvalidDataError("Your current password is not right.")
    with transaction(identity, uri) as conn:
        conn.execute("select app.set_local_password(%s, %s)", (identity.user_id, hash_password(new)))
    log.info("password changed by user %s", identity.user_id)


def session_ended(identity: Identity, started_at: datetime, *, uri: str | None = None) -> bool:
    """Whether the session of `identity` begun at `started_at` was ended
    since by a suspension or an admin's reset (app.session_ended)."""
    if identity.user_id is None:
        return False
    with transaction(identity, uri) as conn:
        row = fetch_one(conn, "select app.session_ended(%s) as ended", (started_at,))
    return bool(row and row["ended"])


def reset_password(identity: Identity, account: UUID, *, uri: str | None = None) -> str:
    """An admin's reset of another local account: returns a temporary
    password to hand over, which its owner must change at sign-in."""
    password = temporary_password()
    with transaction(identity, uri) as conn:
        conn.execute("select app.set_local_password(%s, %s)", (account, hash_password(password)))
    log.info("password of user %s reset by %s", account, identity.user_id)
    return password


# -- people and roles (admin) -------------------------------------------------


class Invitation(BaseModel):
    """An admin's invitation of a new person."""

    model_config = ConfigDict(str_strip_whitespace=True)

    email: Annotated[Email, LOWER_CASE] = Field(max_length=254)
    full_name: str = Field(min_length=1, max_length=200)
    roles: list[RoleName] = Field(default_factory=list)
    coordinator_chapter_id: int | None = None
    member_id: int | None = None

    @model_validator(mode="after")
    def _coordinator_needs_chapter(self) -> Invitation:
        if ("coordinator" in self.roles) != (self.coordinator_chapter_id is not None):
            raise ValueError("a coordinator role needs a chapter, and only a coordinator role takes one")
        return self


class RoleGrant(BaseModel):
    user_id: UUID
    role: RoleName
    chapter_id: int | None = None

    @model_validator(mode="after")
    def _coordinator_needs_chapter(self) -> RoleGrant:
        if (self.role == "coordinator") != (self.chapter_id is not None):
            raise ValueError(
                "choose a chapter for a coordinator role"
                if self.role == "coordinator"
                else f"the {self.role} role is movement-wide: leave the chapter empty"
            )
        return self


def validation_message(exc: ValidationError) -> str:
    """The first problem of a pydantic error as one sentence."""
    first = exc.errors()[0]
    message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    field = ".".join(str(p) for p in first.get("loc", ()))
    return f"{field.replace('_', ' ')}: {message}" if field else message


PEOPLE_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "user_id": pl.String,
    "email": pl.String,
    "full_name": pl.String,
    "member_id": pl.Int64,
    "chapter": pl.String,
    "roles": pl.String,
    "last_sign_in_at": pl.Datetime("us", "UTC"),
    "created_at": pl.Datetime("us", "UTC"),
}

ROLES_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "role_id": pl.Int64,
    "user_id": pl.String,
    "email": pl.String,
    "role": pl.String,
    "chapter_id": pl.Int64,
    "chapter": pl.String,
    "granted_by": pl.String,
    "granted_at": pl.Datetime("us", "UTC"),
}

AUDIT_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "at": pl.Datetime("us", "UTC"),
    "actor": pl.String,
    "action": pl.String,
    "person": pl.String,
    "role": pl.String,
    "chapter": pl.String,
}


def _role_label(role: str, chapter: str | None) -> str:
    return f"{role} ({chapter})" if chapter else role


def list_people(identity: Identity, *, uri: str | None = None) -> pl.DataFrame:
    """Everyone with an account and their roles (admins only: the database
    refuses anyone else)."""
    with transaction(identity, uri) as conn:
        people = fetch_all(
            conn,
            """select p.user_id, p.email, p.full_name, p.member_id, c.name as chapter,
                      p.last_sign_in_at, p.created_at
                 from app.people() p left join public.chapters c on c.id = p.chapter_id""",
        )
        roles = fetch_all(
            conn,
            """select r.user_id, r.role, c.name as chapter from public.roles r
                 left join public.chapters c on c.id = r.chapter_id order by r.role, c.name""",
        )
    held: dict[UUID, list[str]] = {}
    for r in roles:
        held.setdefault(r["user_id"], []).append(_role_label(r["role"], r["chapter"]))
    rows = [
        {
            "user_id": str(p["user_id"]),
            "email": p["email"],
            "full_name": p["full_name"],
            "member_id": p["member_id"],
            "chapter": p["chapter"],
            "roles": ", ".join(held.get(p["user_id"], [])),
            "last_sign_in_at": p["last_sign_in_at"],
            "created_at": p["created_at"],
        }
        for p in people
    ]
    return (
        pl.DataFrame(rows, schema=PEOPLE_SCHEMA, orient="row") if rows else pl.DataFrame(schema=PEOPLE_SCHEMA)
    )


def list_roles(identity: Identity, *, uri: str | None = None) -> pl.DataFrame:
    """Every role grant the person may see: all of them for an admin, their
    own for anyone else (row-level security decides)."""
    with transaction(identity, uri) as conn:
        emails = _emails(conn)
        rows = fetch_all(
            conn,
            """select r.id as role_id, r.user_id, r.role, r.chapter_id, c.name as chapter,
                      r.granted_by, r.granted_at
                 from public.roles r left join public.chapters c on c.id = r.chapter_id
                order by r.granted_at desc, r.id desc""",
        )
    out = [
        {
            "role_id": r["role_id"],
            "user_id": str(r["user_id"]),
            "email": emails.get(r["user_id"], str(r["user_id"])),
            "role": r["role"],
            "chapter_id": r["chapter_id"],
            "chapter": r["chapter"],
            "granted_by": emails.get(r["granted_by"], str(r["granted_by"] or "")) or None,
            "granted_at": r["granted_at"],
        }
        for r in rows
    ]
    return pl.DataFrame(out, schema=ROLES_SCHEMA, orient="row") if out else pl.DataFrame(schema=ROLES_SCHEMA)


def _emails(conn: psycopg.Connection[Any]) -> dict[UUID, str]:
    """Account emails when the caller is an admin, else nothing (the names
    then show as ids, which reveal no one)."""
    admin = fetch_one(conn, "select app.has_role('admin') as admin")
    if not (admin and admin["admin"]):
        return {}
    return {r["user_id"]: r["email"] for r in fetch_all(conn, "select user_id, email from app.people()")}


def grant_role(identity: Identity, grant: RoleGrant, *, uri: str | None = None) -> int:
    """Give a person a role; only an admin may (row-level security)."""
    with transaction(identity, uri) as conn:
        role_id = insert_id(
            conn,
            """insert into public.roles (user_id, role, chapter_id, granted_by)
               values (%s, %s, %s, auth.uid()) returning id""",
            (grant.user_id, grant.role, grant.chapter_id),
        )
    log.info("role %s granted to user %s by %s", grant.role, grant.user_id, identity.user_id)
    return role_id


def revoke_role(identity: Identity, role_id: int, *, uri: str | None = None) -> None:
    """Take a role away; only an admin may, and never the movement's last
    admin role (nobody could manage roles after it)."""
    with transaction(identity, uri) as conn:
        target = fetch_one(
            conn, "select id, user_id, role from public.roles where id = %s for update", (role_id,)
        )
        if target is None:
            raise NotAllowedError("this role does not exist or you may not change it")
        if target["role"] == "admin":
            # Lock every admin grant so two admins revoking each other at the
            # same moment cannot both succeed.
            admins = fetch_all(conn, "select id from public.roles where role = 'admin' for update")
            if len(admins) <= 1:
                raise InvalidDataError("this is the last admin role: grant admin to someone else first")
        deleted = fetch_one(conn, "delete from public.roles where id = %s returning id", (role_id,))
        if deleted is None:
            raise NotAllowedError("this role does not exist or you may not change it")
    log.info("role %s of user %s revoked by %s", target["role"], target["user_id"], identity.user_id)


def invite_person(identity: Identity, invitation: Invitation, *, uri: str | None = None) -> tuple[UUID, str]:
    """Create a local account with a temporary password (returned once, to
    hand over) and the invited roles, all in one transaction as the admin."""
    password = temporary_password()
    with transaction(identity, uri) as conn:
        row = fetch_one(
            conn,
            "select app.create_local_account(%s, %s, %s) as id",
            (invitation.email, hash_password(password), invitation.full_name),
        )
        assert row is not None
        user_id: UUID = row["id"]
        _set_up_invited(conn, user_id, invitation)
    log.info("user %s invited by %s", user_id, identity.user_id)
    return user_id, password


def _link_member(conn: psycopg.Connection[Any], user_id: UUID, member_id: int) -> None:
    linked = fetch_one(
        conn,
        "update public.members set user_id = %s where id = %s and user_id is null returning id",
        (user_id, member_id),
    )
    if linked is None:
        raise InvalidDataError(
            "that member does not exist, already has an account, or is not yours to change"
        )


def set_up_invitee(identity: Identity, invitation: Invitation, *, uri: str | None = None) -> UUID:
    """Grant the invited roles (and the member link) to an account that
    Supabase Auth has just created for `invitation.email`, in one
    transaction as the admin."""
    with transaction(identity, uri) as conn:
        row = fetch_one(conn, "select user_id from app.people() where lower(email) = %s", (invitation.email,))
        if row is None:
            raise InvalidDataError("Supabase has not created this account yet: try again in a moment")
        user_id = UUID(str(row["user_id"]))
        _set_up_invited(conn, user_id, invitation)
    log.info("user %s set up by %s", user_id, identity.user_id)
    return user_id


def _set_up_invited(conn: psycopg.Connection[Any], user_id: UUID, invitation: Invitation) -> None:
    for role in dict.fromkeys(invitation.roles):
        chapter = invitation.coordinator_chapter_id if role == "coordinator" else None
        conn.execute(
            """insert into public.roles (user_id, role, chapter_id, granted_by)
               values (%s, %s, %s, auth.uid()) on conflict do nothing""",
            (user_id, role, chapter),
        )
    if invitation.member_id is not None:
        _link_member(conn, user_id, invitation.member_id)


def chapter_choices(identity: Identity, *, uri: str | None = None) -> list[tuple[int, str]]:
    """Chapters to choose from for a coordinator role (the map is public to
    everyone signed in)."""
    with transaction(identity, uri) as conn:
        rows = fetch_all(conn, "select id, name, level from public.chapters order by name")
    return [(r["id"], f"{r['name']} ({r['level']})") for r in rows]


def role_audit(identity: Identity, *, limit: int = 500, uri: str | None = None) -> pl.DataFrame:
    """Role changes from audit_log, newest first (admins and the board may
    read the log; anyone else gets nothing)."""
    with transaction(identity, uri) as conn:
        emails = _emails(conn)
        chapters = {r["id"]: r["name"] for r in fetch_all(conn, "select id, name from public.chapters")}
        rows = fetch_all(
            conn,
            """select at, actor, action, coalesce(new_row, old_row) as row from public.audit_log
                where table_name = 'roles' order by at desc, id desc limit %s""",
            (limit,),
        )
    out = []
    for r in rows:
        data = r["row"] or {}
        person = data.get("user_id")
        chapter_id = data.get("chapter_id")
        out.append(
            {
                "at": r["at"],
                "actor": emails.get(r["actor"], str(r["actor"]) if r["actor"] else "system"),
                "action": {"insert": "granted", "delete": "revoked", "update": "changed"}[r["action"]],
                "person": emails.get(UUID(person), person) if person else None,
                "role": data.get("role"),
                "chapter": chapters.get(chapter_id) if chapter_id is not None else None,
            }
        )
    return pl.DataFrame(out, schema=AUDIT_SCHEMA, orient="row") if out else pl.DataFrame(schema=AUDIT_SCHEMA)


# -- accounts for seeding and tests (owner role, never from a page) -----------


def create_account(
    email: str, password: str, *, full_name: str | None = None, uri: str | None = None
) -> UUID:
    """A local account created by an operator (seed, tests, `python -m`):
    bypasses RLS, so never call it from a page."""
    with service_transaction(uri) as conn:
        row = fetch_one(
            conn,
            """insert into auth.users (email, encrypted_password, email_confirmed_at,
                                       raw_app_meta_data, raw_user_meta_data)
               values (%s, %s, now(), '{"provider": "email"}', jsonb_build_object('full_name', %s::text))
               returning id""",
            (normalise_email(email), hash_password(password), full_name),
        )
    assert row is not None
    return UUID(str(row["id"]))
