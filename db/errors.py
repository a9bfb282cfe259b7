"""The two failures a person can be told about, mapped from Postgres errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import errors as pg


class NotAllowedError(PermissionError):
    """The database refused: row-level security or a missing grant."""


class InvalidDataError(ValueError):
    """The database rejected the values: a constraint or a trigger's check."""

    def __init__(self, message: str, *, constraint: str | None = None) -> None:
        super().__init__(message)
        self.constraint = constraint


# What a person reads when a named constraint fails; anything not listed
# falls back to the server's own message.
_FRIENDLY: dict[str, str] = {
    "donations_processor_processor_ref_key": "this processor reference has already been recorded",
    "donations_idempotency_key_key": "this gift has already been saved",
    "volunteer_hours_idempotency_key_key": "this entry has already been saved",
    "shifts_signed_up_check": "this shift is full",
    "shift_signups_one_live": "you are already signed up for this shift",
    "members_email": "a member with this email already exists",
    "chapters_name_per_parent": "a chapter with this name already exists here",
    "roles_user_id_role_chapter_id_key": "this person already holds this role",
    "roles_check": "a coordinator role needs a chapter, and only a coordinator role takes one",
    "users_email_key": "an account with this email already exists",
}


def friendly_message(exc: psycopg.Error) -> str:
    diag = exc.diag
    constraint = diag.constraint_name
    if constraint and constraint in _FRIENDLY:
        return _FRIENDLY[constraint]
    return diag.message_primary or str(exc)


@contextmanager
def mapped_errors() -> Iterator[None]:
    """Turn the Postgres errors a person can cause into our two exceptions."""
    try:
        yield
    except pg.InsufficientPrivilege as exc:
        raise NotAllowedError(friendly_message(exc)) from exc
    except (pg.IntegrityError, pg.DataException, pg.RaiseException) as exc:
        # RLS's WITH CHECK failure arrives as insufficient_privilege (42501),
        # handled above; integrity and data errors are the person's input.
        raise InvalidDataError(friendly_message(exc), constraint=exc.diag.constraint_name) from exc
