"""The movement's settings the fundraising desk and the volunteer portal
read: its reporting currency, when its fiscal year starts, its name, who
issues the donors' statements and the value of a volunteer hour. Every
call runs as the signed-in person, so row-level security decides."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

from db.connection import dict_transaction
from db.identity import Identity
from db.rows import read_one
from db.writes import change_one
from models.donations import StatementIssuerIn


@dataclass(frozen=True)
class MovementMoney:
    """The movement's reporting currency and when its fiscal year starts."""

    reporting_currency: str
    fiscal_year_start_month: int
    movement_name: str = "Empathy Movement"


def movement_money(identity: Identity) -> MovementMoney:
    with dict_transaction(identity) as conn:
        return read_movement_money(conn)


def read_movement_money(conn: psycopg.Connection[Any]) -> MovementMoney:
    """`movement_money` inside a transaction already open."""
    row = conn.execute(
        "select reporting_currency, fiscal_year_start_month, movement_name from public.movement_settings"
    ).fetchone()
    if row is None:  # pragma: no cover - the core migration inserts the one row
        return MovementMoney("USD", 1)
    return MovementMoney(
        str(row["reporting_currency"]), int(row["fiscal_year_start_month"]), str(row["movement_name"])
    )


@dataclass(frozen=True)
class StatementIssuer:
    """Who issues the donors' statements, from the movement's settings:
    the legal name (the movement's name when none is set), the postal
    address (one line per line) and the tax or charity number."""

    name: str
    address: str | None
    tax_number: str | None
    legal_name: str | None = None  # as stored: None means the movement's name

    @property
    def missing(self) -> list[str]:
        """What a statement should carry but the settings do not hold."""
        held = (("address", self.address), ("tax number", self.tax_number))
        return [label for label, value in held if not value]


def statement_issuer(identity: Identity) -> StatementIssuer:
    row = read_one(
        identity,
        "select coalesce(legal_name, movement_name) as name, legal_name, postal_address, tax_number "
        "from public.movement_settings",
    )
    if row is None:  # pragma: no cover - the core migration inserts the one row
        return StatementIssuer("Empathy Movement", None, None)
    return StatementIssuer(str(row["name"]), row["postal_address"], row["tax_number"], row["legal_name"])


def save_statement_issuer(identity: Identity, issuer: StatementIssuerIn) -> None:
    """Store who issues the statements (admins only: row-level security
    lets no one else change the movement's settings)."""
    with dict_transaction(identity) as conn:
        change_one(
            conn,
            "update public.movement_settings set legal_name = %s, postal_address = %s, tax_number = %s, "
            "updated_at = now()",
            (issuer.legal_name, issuer.postal_address, issuer.tax_number),
            "only an admin may change the organisation's details",
        )


@dataclass(frozen=True)
class PortalSettings:
    """The movement's settings the volunteer portal shows."""

    movement_name: str
    hour_value_minor: int  # value of one volunteer hour, minor units
    currency: str


def portal_settings(identity: Identity) -> PortalSettings:
    """The movement's name, its value of a volunteer hour and its currency."""
    row = read_one(
        identity,
        "select movement_name, volunteer_hour_value_minor, reporting_currency from public.movement_settings",
    )
    if row is None:
        return PortalSettings("Empathy Movement", 0, "USD")
    return PortalSettings(
        str(row["movement_name"]), int(row["volunteer_hour_value_minor"]), str(row["reporting_currency"])
    )
