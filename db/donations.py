"""Gifts: recording one by hand (finding or creating its donor, converting
its currency), refunds, and the gift frames the fundraising pages and
metrics read. Every call runs as the signed-in person, so row-level
security decides."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
import psycopg

from db.arrow import read_frame
from db.connection import dict_transaction
from db.donors import PossibleDuplicateError, SimilarDonor, insert_donor, similar_donors
from db.errors import InvalidDataError
from db.exchange_rates import Rates
from db.identity import Identity
from db.movement_settings import read_movement_money
from db.rows import read_one
from db.writes import insert_row
from models.donations import GiftIn, RefundIn, format_minor, to_minor


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


@dataclass(frozen=True)
class PossibleDuplicates:
    """What a gift about to be recorded may repeat: the donor's gifts of the
    same amount and currency on the same day, and donors whose names differ
    from a new donor's only by middle initials. Warnings, not refusals."""

    donor_id: int | None = None  # the donor on file the gift would go to
    same_day_gifts: int = 0
    similar_donors: tuple[SimilarDonor, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.same_day_gifts or self.similar_donors)


def possible_duplicates(
    identity: Identity, gift: GiftIn, *, create_despite_similar: bool = False
) -> PossibleDuplicates:
    """Read-only look, before the save, for what `record_gift` would record
    twice. Raises as `record_gift` would for a missing donor or a new donor
    with the same name as one on file."""
    with dict_transaction(identity) as conn:
        if _saved_before(conn, gift) is not None:
            # A resubmitted form: record_gift says it is already saved.
            return PossibleDuplicates()
        donor_id, _, alike = _match_donor(conn, gift, create_despite_similar)
        if donor_id is None:
            return PossibleDuplicates(similar_donors=alike)
        counts = same_day_gift_counts(conn, [donor_id], [gift.received_on])
        same_day = counts.get((donor_id, gift.amount_minor, gift.currency, gift.received_on), 0)
        return PossibleDuplicates(donor_id, same_day, alike)


def _saved_before(conn: psycopg.Connection[Any], gift: GiftIn) -> dict[str, Any] | None:
    """The gift this form's idempotency key already recorded, if any."""
    return conn.execute(
        "select id, donor_id, reporting_amount_minor, recurring_plan_id from public.donations "
        "where idempotency_key = %s",
        (gift.idempotency_key,),
    ).fetchone()


def same_day_gift_counts(
    conn: psycopg.Connection[Any], donor_ids: list[int], days: list[date]
) -> dict[tuple[int, int, str, date], int]:
    """Gifts recorded per (donor, amount, currency, day), for those donors
    and days: the key a gift entered twice shares with its first entry."""
    return {
        (r["donor_id"], r["amount_minor"], r["currency"], r["received_on"]): int(r["n"])
        for r in conn.execute(
            "select donor_id, amount_minor, currency, received_on, count(*) as n from public.donations "
            "where donor_id = any(%s) and received_on = any(%s) group by 1, 2, 3, 4",
            (donor_ids, days),
        ).fetchall()
    }


def _match_donor(
    conn: psycopg.Connection[Any], gift: GiftIn, create_despite_similar: bool
) -> tuple[int | None, bool, tuple[SimilarDonor, ...]]:
    """The live donor the gift goes to (None: a new donor to create), whether
    they were found by the new donor's email, and the donors on file much
    like a new donor (initials aside)."""
    if gift.new_donor is None:
        assert gift.donor_id is not None
        row = conn.execute(
            "select id, merged_into_id from public.donors where id = %s", (gift.donor_id,)
        ).fetchone()
        if row is None:
            raise InvalidDataError("that donor no longer exists")
        return row["merged_into_id"] or row["id"], False, ()
    similar = similar_donors(conn, gift.new_donor.display_name, gift.new_donor.email)
    by_email = [d for d in similar if d.matched_on == "email"]
    if by_email:
        return by_email[0].id, True, ()
    if not create_despite_similar and any(d.matched_on == "name" for d in similar):
        raise PossibleDuplicateError(similar)
    return None, False, tuple(d for d in similar if d.matched_on == "similar name")


def record_gift(identity: Identity, gift: GiftIn, *, create_despite_similar: bool = False) -> RecordedGift:
    """Save one gift, finding or creating its donor, in one transaction.

    A new donor whose email is already on file becomes that donor; one whose
    name matches another donor raises PossibleDuplicateError unless
    `create_despite_similar`. Saving the same form twice (same
    idempotency key) returns the first save."""
    with dict_transaction(identity) as conn:
        money = read_movement_money(conn)
        existing = _saved_before(conn, gift)
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
        donor_id, matched_by_email, _ = _match_donor(conn, gift, create_despite_similar)
        donor_created = donor_id is None
        if donor_id is None:
            assert gift.new_donor is not None
            donor_id = insert_donor(conn, gift.new_donor)
        rates = Rates.load(conn, [gift.currency])
        reporting_minor = rates.convert(gift.amount_minor, gift.currency, gift.received_on)
        chapter = conn.execute(
            "select coalesce((select chapter_id from public.donors where id = %s), "
            "(select chapter_id from public.campaigns where id = %s)) as chapter_id",
            (donor_id, gift.campaign_id),
        ).fetchone()
        plan_id = None
        if gift.is_recurring:
            plan_id = _plan_for_manual_gift(conn, donor_id, gift, reporting_minor)
        donation_id = insert_row(
            conn,
            "donations",
            {
                "donor_id": donor_id,
                "campaign_id": gift.campaign_id,
                "chapter_id": chapter["chapter_id"] if chapter else None,
                "received_on": gift.received_on,
                "amount_minor": gift.amount_minor,
                "currency": gift.currency,
                "reporting_amount_minor": reporting_minor,
                "method": gift.method,
                "source": gift.source,
                "is_recurring": gift.is_recurring,
                "recurring_plan_id": plan_id,
                "idempotency_key": gift.idempotency_key,
                "note": gift.note or None,
            },
        )
        return RecordedGift(
            donation_id,
            donor_id,
            donor_created,
            matched_by_email,
            reporting_minor,
            money.reporting_currency,
            plan_id,
        )


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
    return insert_row(
        conn,
        "recurring_plans",
        {
            "donor_id": donor_id,
            "campaign_id": gift.campaign_id,
            "amount_minor": gift.amount_minor,
            "currency": gift.currency,
            "reporting_amount_minor": reporting_minor,
            "frequency": gift.frequency,
            "method": gift.method,
            "started_on": gift.received_on,
        },
    )


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
    campaigns_only: bool = False,
) -> pl.DataFrame:
    """Gifts as the person may see them, one row per gift (GIFT_SCHEMA);
    `net_reporting_minor` is the gift less refunds, in the reporting currency.
    With `campaigns_only`, only gifts given to a campaign (a third of them
    in the demo movements), read through their index."""
    where: list[str] = ["d.campaign_id is not null"] if campaigns_only else ["true"]
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


def first_gift_on(identity: Identity) -> date | None:
    """The day of the earliest gift the person may see (None: none)."""
    row = read_one(identity, "select min(received_on) as first from public.donations")
    return row["first"] if row else None


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
