"""Gifts: recording one by hand, converting any currency to the reporting
currency at a stored rate, refunds, recurring plans, and the frames the
fundraising pages and metrics read. Every call runs as the signed-in person,
so row-level security decides."""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl
import psycopg

import money
from db import clock
from db.arrow import read_frame
from db.connection import transaction
from db.errors import InvalidDataError, NotAllowedError
from db.identity import Identity
from db.models.donations import (
    ExchangeRateIn,
    GiftIn,
    PlanStatusChange,
    RefundIn,
    StatementIssuerIn,
    format_minor,
    to_minor,
)
from db.models.donors import loose_name_key, name_key

DictConnection = psycopg.Connection[dict[str, Any]]


@contextmanager
def dict_transaction(identity: Identity) -> Iterator[DictConnection]:
    """db.connection.transaction, typed for the pool's dict rows."""
    with transaction(identity) as conn:
        yield conn  # type: ignore[misc]


@dataclass(frozen=True)
class MovementMoney:
    """The movement's reporting currency and when its fiscal year starts."""

    reporting_currency: str
    fiscal_year_start_month: int
    movement_name: str = "Empathy Movement"


def movement_money(identity: Identity) -> MovementMoney:
    with dict_transaction(identity) as conn:
        return _movement_money(conn)


def _movement_money(conn: psycopg.Connection[Any]) -> MovementMoney:
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
    with dict_transaction(identity) as conn:
        row = conn.execute(
            "select coalesce(legal_name, movement_name) as name, legal_name, postal_address, tax_number "
            "from public.movement_settings"
        ).fetchone()
    if row is None:  # pragma: no cover - the core migration inserts the one row
        return StatementIssuer("Empathy Movement", None, None)
    return StatementIssuer(str(row["name"]), row["postal_address"], row["tax_number"], row["legal_name"])


def save_statement_issuer(identity: Identity, issuer: StatementIssuerIn) -> None:
    """Store who issues the statements (admins only: row-level security
    lets no one else change the movement's settings)."""
    with dict_transaction(identity) as conn:
        done = conn.execute(
            "update public.movement_settings set legal_name = %s, postal_address = %s, tax_number = %s, "
            "updated_at = now()",
            (issuer.legal_name, issuer.postal_address, issuer.tax_number),
        )
        if done.rowcount != 1:
            raise NotAllowedError("only an admin may change the organisation's details")


class MissingRateError(InvalidDataError):
    """No stored exchange rate covers a currency on a date."""


def convert_minor(amount_minor: int, currency: str, reporting: str, rate: Decimal) -> int:
    """`amount_minor` of `currency` in minor units of `reporting`.

    reporting_minor = round_half_up(amount / 10^e(currency) × rate × 10^e(reporting)),
    never below 1: a gift too small to show in the reporting currency still
    counts as one minor unit rather than vanishing (the difference is under
    one cent). Example: 1,500 JPY at 0.0067 USD/JPY -> 1050 cents ($10.05)."""
    if currency == reporting:
        return amount_minor
    return max(1, money.rounded_minor(money.from_minor(amount_minor, currency) * rate, reporting))


@dataclass
class Rates:
    """Every stored rate for some currencies, held in memory so an import of
    100,000 rows converts without one query per row. A gift on day d uses
    the latest rate valid on or before d."""

    reporting: str
    table: dict[str, tuple[list[date], list[Decimal]]] = field(default_factory=dict)

    @classmethod
    def load(cls, conn: psycopg.Connection[Any], currencies: Iterable[str]) -> Rates:
        reporting = _movement_money(conn).reporting_currency
        wanted = sorted({c for c in currencies if c != reporting})
        rates = cls(reporting)
        if wanted:
            rows = conn.execute(
                "select currency, valid_on, rate from public.exchange_rates "
                "where currency = any(%s) order by currency, valid_on",
                (wanted,),
            ).fetchall()
            for row in rows:
                days, values = rates.table.setdefault(row["currency"], ([], []))
                days.append(row["valid_on"])
                values.append(Decimal(row["rate"]))
        return rates

    def rate(self, currency: str, on: date) -> Decimal | None:
        if currency == self.reporting:
            return Decimal(1)
        days, values = self.table.get(currency, ([], []))
        i = bisect.bisect_right(days, on)
        return values[i - 1] if i else None

    def convert(self, amount_minor: int, currency: str, on: date) -> int:
        rate = self.rate(currency, on)
        if rate is None:
            raise MissingRateError(missing_rate_message(currency, self.reporting, on))
        return convert_minor(amount_minor, currency, self.reporting, rate)


def missing_rate_message(currency: str, reporting: str, on: date) -> str:
    return (
        f"no exchange rate from {currency} to {reporting} on or before {on.isoformat()}: "
        "add one under Import gifts → Exchange rates"
    )


def save_exchange_rate(identity: Identity, rate: ExchangeRateIn) -> None:
    """Store (or correct) one day's rate. Gifts already recorded keep the
    reporting amount they were stored with."""
    with dict_transaction(identity) as conn:
        reporting = _movement_money(conn).reporting_currency
        if rate.currency == reporting:
            raise InvalidDataError(f"{reporting} is the reporting currency: its rate is always 1")
        conn.execute(
            "insert into public.exchange_rates (currency, valid_on, rate) values (%s, %s, %s) "
            "on conflict (currency, valid_on) do update set rate = excluded.rate",
            (rate.currency, rate.valid_on, rate.rate),
        )


def exchange_rates_frame(identity: Identity) -> pl.DataFrame:
    return read_frame(
        identity,
        "select currency, valid_on, rate::float8 as rate from public.exchange_rates "
        "order by currency, valid_on desc",
        schema={"currency": pl.String, "valid_on": pl.Date, "rate": pl.Float64},
    )


@dataclass(frozen=True)
class SimilarDonor:
    id: int
    display_name: str
    email: str | None
    matched_on: str  # "email", "name" (the same name key) or "similar name" (initials aside)


class PossibleDuplicateError(InvalidDataError):
    """A new donor's name matches donors already recorded; the person must
    pick one of them or confirm that this is someone else."""

    def __init__(self, candidates: Sequence[SimilarDonor]) -> None:
        names = "; ".join(f"{c.display_name} ({c.email or 'no email'})" for c in candidates)
        super().__init__(f"a donor with this name already exists: {names}")
        self.candidates = tuple(candidates)


def similar_donors(conn: psycopg.Connection[Any], name: str, email: str | None) -> list[SimilarDonor]:
    """Live donors sharing the email (case-insensitive), the name key
    (accents, case, punctuation and word order ignored), or the name key
    but for middle initials ("similar name": Jane Q. Tester, Jane Tester)."""
    key = name_key(name)
    loose = loose_name_key(name)
    words = [w for w in key.split() if len(w) >= 2] or [key]
    rows = conn.execute(
        "select id, display_name, email from public.donors where merged_into_id is null and "
        "((%s::text is not null and lower(email) = %s::text) "
        " or lower(display_name) like any(%s)) order by id limit 500",
        (email, email, [f"%{w}%" for w in words]),
    ).fetchall()
    found: list[SimilarDonor] = []
    for row in rows:
        if email and row["email"] and row["email"].lower() == email:
            found.append(SimilarDonor(row["id"], row["display_name"], row["email"], "email"))
        elif name_key(row["display_name"]) == key:
            found.append(SimilarDonor(row["id"], row["display_name"], row["email"], "name"))
        elif loose_name_key(row["display_name"]) == loose:
            found.append(SimilarDonor(row["id"], row["display_name"], row["email"], "similar name"))
    rank = {"email": 0, "name": 1, "similar name": 2}
    found.sort(key=lambda d: (rank[d.matched_on], d.id))
    return found


def find_similar_donors(identity: Identity, name: str, email: str | None) -> list[SimilarDonor]:
    with dict_transaction(identity) as conn:
        return similar_donors(conn, name, email)


@dataclass(frozen=True)
class RecordedGift:
    donation_id: int
    donor_id: int
    donor_created: bool
    matched_by_email: bool
    reporting_amount_minor: int
    reporting_currency: str
    plan_id: int | None
    already_saved: bool = False
    # Warnings, not refusals: gifts of the donor with the same amount and
    # date recorded before this one, and donors whose names differ from the
    # new donor's only by middle initials.
    same_day_gifts: int = 0
    similar_donors: tuple[SimilarDonor, ...] = ()


def record_gift(identity: Identity, gift: GiftIn, *, create_despite_similar: bool = False) -> RecordedGift:
    """Save one gift, finding or creating its donor, in one transaction.

    A new donor whose email is already on file becomes that donor; one whose
    name matches another donor raises PossibleDuplicateError unless
    `create_despite_similar`. Saving the same form twice (same
    idempotency key) returns the first save."""
    with dict_transaction(identity) as conn:
        money = _movement_money(conn)
        existing = conn.execute(
            "select id, donor_id, reporting_amount_minor, recurring_plan_id from public.donations "
            "where idempotency_key = %s",
            (gift.idempotency_key,),
        ).fetchone()
        if existing is not None:
            return RecordedGift(
                existing["id"],
                existing["donor_id"],
                False,
                False,
                existing["reporting_amount_minor"],
                money.reporting_currency,
                existing["recurring_plan_id"],
                already_saved=True,
            )
        donor_created = matched_by_email = False
        only_alike: tuple[SimilarDonor, ...] = ()
        if gift.new_donor is not None:
            similar = similar_donors(conn, gift.new_donor.display_name, gift.new_donor.email)
            by_email = [d for d in similar if d.matched_on == "email"]
            same_name = [d for d in similar if d.matched_on == "name"]
            if by_email:
                donor_id, matched_by_email = by_email[0].id, True
            elif same_name and not create_despite_similar:
                raise PossibleDuplicateError(similar)
            else:
                donor_id = insert_donor(conn, gift.new_donor)
                donor_created = True
                only_alike = tuple(d for d in similar if d.matched_on == "similar name")
        else:
            assert gift.donor_id is not None
            row = conn.execute(
                "select id, merged_into_id from public.donors where id = %s", (gift.donor_id,)
            ).fetchone()
            if row is None:
                raise InvalidDataError("that donor no longer exists")
            donor_id = row["merged_into_id"] or row["id"]
        rates = Rates.load(conn, [gift.currency])
        reporting_minor = rates.convert(gift.amount_minor, gift.currency, gift.received_on)
        same_day = conn.execute(
            "select count(*) as n from public.donations where donor_id = %s and received_on = %s "
            "and amount_minor = %s and currency = %s",
            (donor_id, gift.received_on, gift.amount_minor, gift.currency),
        ).fetchone()
        chapter = conn.execute(
            "select coalesce((select chapter_id from public.donors where id = %s), "
            "(select chapter_id from public.campaigns where id = %s)) as chapter_id",
            (donor_id, gift.campaign_id),
        ).fetchone()
        plan_id = None
        if gift.is_recurring:
            plan_id = _plan_for_manual_gift(conn, donor_id, gift, reporting_minor)
        row = conn.execute(
            """
            insert into public.donations
              (donor_id, campaign_id, chapter_id, received_on, amount_minor, currency,
               reporting_amount_minor, method, source, is_recurring, recurring_plan_id,
               idempotency_key, note)
            values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
            returning id
            """,
            (
                donor_id,
                gift.campaign_id,
                chapter["chapter_id"] if chapter else None,
                gift.received_on,
                gift.amount_minor,
                gift.currency,
                reporting_minor,
                gift.method,
                gift.source,
                gift.is_recurring,
                plan_id,
                gift.idempotency_key,
                gift.note or None,
            ),
        ).fetchone()
        assert row is not None
        return RecordedGift(
            row["id"],
            donor_id,
            donor_created,
            matched_by_email,
            reporting_minor,
            money.reporting_currency,
            plan_id,
            same_day_gifts=int(same_day["n"]) if same_day else 0,
            similar_donors=only_alike,
        )


def insert_donor(conn: psycopg.Connection[Any], donor: Any) -> int:
    row = conn.execute(
        "insert into public.donors (display_name, email, kind, chapter_id, note) "
        "values (%s, %s, %s, %s, %s) returning id",
        (donor.display_name, donor.email, donor.kind, donor.chapter_id, donor.note),
    ).fetchone()
    assert row is not None
    return int(row["id"])


def _plan_for_manual_gift(
    conn: psycopg.Connection[Any], donor_id: int, gift: GiftIn, reporting_minor: int
) -> int:
    """The donor's live plan in this currency, brought up to date by the new
    gift (a failed plan that pays again is active again), or a new one."""
    row = conn.execute(
        "select id from public.recurring_plans where donor_id = %s and currency = %s "
        "and status <> 'cancelled' order by started_on desc, id desc limit 1",
        (donor_id, gift.currency),
    ).fetchone()
    if row is not None:
        conn.execute(
            "update public.recurring_plans set amount_minor = %s, reporting_amount_minor = %s, "
            "frequency = %s, method = %s, status = 'active', failed_on = null, updated_at = now() "
            "where id = %s",
            (gift.amount_minor, reporting_minor, gift.frequency, gift.method, row["id"]),
        )
        return int(row["id"])
    new = conn.execute(
        "insert into public.recurring_plans (donor_id, campaign_id, amount_minor, currency, "
        "reporting_amount_minor, frequency, method, started_on) values (%s, %s, %s, %s, %s, %s, %s, %s) "
        "returning id",
        (
            donor_id,
            gift.campaign_id,
            gift.amount_minor,
            gift.currency,
            reporting_minor,
            gift.frequency,
            gift.method,
            gift.received_on,
        ),
    ).fetchone()
    assert new is not None
    return int(new["id"])


def record_refund(identity: Identity, refund: RefundIn) -> None:
    """A refund entered by hand; the gift's refunded total is the sum of its
    refunds, and the database refuses refunds beyond the gift."""
    with dict_transaction(identity) as conn:
        row = conn.execute(
            "select currency, amount_minor, refunded_minor from public.donations where id = %s",
            (refund.donation_id,),
        ).fetchone()
        if row is None:
            raise InvalidDataError("that gift does not exist")
        amount_minor = to_minor(refund.amount, row["currency"])
        if amount_minor + row["refunded_minor"] > row["amount_minor"]:
            raise InvalidDataError("the refunds would be larger than the gift")
        conn.execute(
            "insert into public.donation_refunds (donation_id, refunded_on, amount_minor, processor, "
            "processor_ref, note) values (%s, %s, %s, 'manual', %s, %s) "
            "on conflict (processor, processor_ref) do nothing",
            (refund.donation_id, refund.refunded_on, amount_minor, str(refund.idempotency_key), refund.note),
        )


def set_plan_status(identity: Identity, change: PlanStatusChange) -> None:
    with dict_transaction(identity) as conn:
        updated = conn.execute(
            "update public.recurring_plans set status = %s, "
            "failed_on = case when %s = 'failed' then %s::date end, "
            "cancelled_on = case when %s = 'cancelled' then greatest(%s::date, started_on) end, "
            "status_note = %s, updated_at = now() where id = %s",
            (
                change.status,
                change.status,
                change.on,
                change.status,
                change.on,
                change.note,
                change.plan_id,
            ),
        )
        if updated.rowcount != 1:
            raise InvalidDataError("that recurring plan does not exist")


GIFT_SCHEMA: dict[str, type[pl.DataType] | pl.DataType] = {
    "donation_id": pl.Int64,
    "donor_id": pl.Int64,
    "campaign_id": pl.Int64,
    "chapter_id": pl.Int64,
    "received_on": pl.Date,
    "amount_minor": pl.Int64,
    "currency": pl.String,
    "reporting_amount_minor": pl.Int64,
    "refunded_minor": pl.Int64,
    "fee_minor": pl.Int64,
    "net_reporting_minor": pl.Int64,
    "fee_reporting_minor": pl.Int64,
    "method": pl.String,
    "source": pl.String,
    "is_recurring": pl.Boolean,
    "recurring_plan_id": pl.Int64,
    "processor": pl.String,
    "processor_ref": pl.String,
    "note": pl.String,
}

_GIFT_COLUMNS = """
  d.id as donation_id, d.donor_id, d.campaign_id, d.chapter_id, d.received_on, d.amount_minor, d.currency,
  d.reporting_amount_minor, d.refunded_minor, d.fee_minor,
  -- Refunds and fees are in the gift's currency; scale them by the rate
  -- the gift was stored at, so the reporting figures stay consistent.
  round(d.reporting_amount_minor::numeric * (d.amount_minor - d.refunded_minor) / d.amount_minor)::bigint
    as net_reporting_minor,
  round(d.reporting_amount_minor::numeric * d.fee_minor / d.amount_minor)::bigint as fee_reporting_minor,
  d.method, d.source, d.is_recurring, d.recurring_plan_id, d.processor, d.processor_ref, d.note
"""


def gifts_frame(
    identity: Identity,
    *,
    donor_id: int | None = None,
    campaign_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
) -> pl.DataFrame:
    """Gifts as the person may see them, one row per gift (GIFT_SCHEMA);
    `net_reporting_minor` is the gift less refunds, in the reporting currency."""
    where: list[str] = ["true"]
    params: list[object] = []
    for column, value in (("donor_id", donor_id), ("campaign_id", campaign_id)):
        if value is not None:
            where.append(f"d.{column} = %s")
            params.append(value)
    if since is not None:
        where.append("d.received_on >= %s")
        params.append(since)
    if until is not None:
        where.append("d.received_on <= %s")
        params.append(until)
    return read_frame(
        identity,
        f"select {_GIFT_COLUMNS} from public.donations d where {' and '.join(where)} "
        "order by d.received_on, d.id",
        params,
        schema=GIFT_SCHEMA,
    )


PLAN_SCHEMA: dict[str, type[pl.DataType] | pl.DataType] = {
    "plan_id": pl.Int64,
    "donor_id": pl.Int64,
    "donor_name": pl.String,
    "donor_email": pl.String,
    "campaign_id": pl.Int64,
    "amount_minor": pl.Int64,
    "currency": pl.String,
    "reporting_amount_minor": pl.Int64,
    "frequency": pl.String,
    "method": pl.String,
    "status": pl.String,
    "started_on": pl.Date,
    "failed_on": pl.Date,
    "cancelled_on": pl.Date,
    "status_note": pl.String,
    "processor": pl.String,
    "last_gift_on": pl.Date,
    "gifts": pl.Int64,
}


def plans_frame(identity: Identity) -> pl.DataFrame:
    """Every recurring plan with its donor and its latest gift."""
    return read_frame(
        identity,
        """
        select p.id as plan_id, p.donor_id, dn.display_name as donor_name, dn.email as donor_email,
               p.campaign_id, p.amount_minor, p.currency, p.reporting_amount_minor, p.frequency,
               p.method, p.status, p.started_on, p.failed_on, p.cancelled_on, p.status_note,
               p.processor, g.last_gift_on, coalesce(g.gifts, 0)::bigint as gifts
          from public.recurring_plans p
          left join public.donors dn on dn.id = p.donor_id
          left join lateral (
            select max(d.received_on) as last_gift_on, count(*) as gifts
              from public.donations d where d.recurring_plan_id = p.id
          ) g on true
         order by p.status, dn.display_name, p.id
        """,
        schema=PLAN_SCHEMA,
    )


def unplanned_recurring_gifts(identity: Identity) -> int:
    """How many gifts are marked recurring but belong to no plan (entered
    before plans existed, or loaded from elsewhere)."""
    with dict_transaction(identity) as conn:
        row = conn.execute(
            "select count(*) as n from public.donations where is_recurring and recurring_plan_id is null"
        ).fetchone()
    return int(row["n"]) if row else 0


def plans_from_recurring_gifts(identity: Identity, *, as_of: date | None = None) -> int:
    """Create one plan per donor and currency for recurring gifts that have
    none, and link the gifts to it; returns how many plans were created.

    The plan's amount is the latest gift's; its frequency is read from the
    median gap between the gifts (≤ 45 days monthly, ≤ 135 quarterly, else
    annual). Without a processor telling us otherwise, a plan whose latest
    gift is more than two periods old is taken as cancelled on the day one
    period after that gift; otherwise it is active."""
    as_of = as_of or clock.today_in(clock.person_time_zone(identity))
    with dict_transaction(identity) as conn:
        rows = conn.execute(
            """
            select donor_id, currency,
                   array_agg(received_on order by received_on, id) as days,
                   (array_agg(amount_minor order by received_on desc, id desc))[1] as amount_minor,
                   (array_agg(reporting_amount_minor order by received_on desc, id desc))[1]
                     as reporting_amount_minor,
                   (array_agg(method order by received_on desc, id desc))[1] as method,
                   (array_agg(campaign_id order by received_on desc, id desc))[1] as campaign_id
              from public.donations
             where is_recurring and recurring_plan_id is null
             group by donor_id, currency
            """
        ).fetchall()
        created = 0
        for row in rows:
            days: list[date] = row["days"]
            gaps = sorted((b - a).days for a, b in itertools.pairwise(days))
            median = gaps[(len(gaps) - 1) // 2] if gaps else 30
            frequency, period = (
                ("monthly", 31) if median <= 45 else ("quarterly", 92) if median <= 135 else ("annual", 366)
            )
            last = days[-1]
            lapsed = (as_of - last).days > 2 * period
            cancelled_on = date.fromordinal(last.toordinal() + period) if lapsed else None
            plan = conn.execute(
                "insert into public.recurring_plans (donor_id, campaign_id, amount_minor, currency, "
                "reporting_amount_minor, frequency, method, status, started_on, cancelled_on, status_note) "
                "values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) returning id",
                (
                    row["donor_id"],
                    row["campaign_id"],
                    row["amount_minor"],
                    row["currency"],
                    row["reporting_amount_minor"],
                    frequency,
                    row["method"],
                    "cancelled" if lapsed else "active",
                    days[0],
                    cancelled_on,
                    "no gift for more than two periods" if lapsed else None,
                ),
            ).fetchone()
            assert plan is not None
            conn.execute(
                "update public.donations set recurring_plan_id = %s where donor_id = %s and currency = %s "
                "and is_recurring and recurring_plan_id is null",
                (plan["id"], row["donor_id"], row["currency"]),
            )
            created += 1
        return created


def metric_donations(gifts: pl.DataFrame) -> pl.DataFrame:
    """Gift rows (GIFT_SCHEMA) as metrics.schemas.DONATIONS: refunds
    expressed in the reporting currency, so net = reporting − refunded."""
    from metrics.schemas import DONATIONS, conform

    return conform(
        gifts.with_columns(
            (pl.col("reporting_amount_minor") - pl.col("net_reporting_minor")).alias("refunded_minor")
        ),
        DONATIONS,
        name="donations",
    )


def amount_text(amount: str = "amount_minor", currency: str = "currency") -> pl.Expr:
    """Each row's amount in its own currency as text ("EUR 1,250.00")."""
    expr: pl.Expr = pl.struct(amount, currency).map_elements(
        lambda r: format_minor(int(r[amount]), str(r[currency])) if r[amount] is not None else None,
        return_dtype=pl.String,
    )
    return expr
