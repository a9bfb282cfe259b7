"""Recurring plans: changing a plan's status, the plans as the recurring
page lists them, and plans made for recurring gifts that have none. Every
call runs as the signed-in person, so row-level security decides."""

from __future__ import annotations

import itertools
from datetime import date

import polars as pl

from db import clock
from db.arrow import read_frame
from db.connection import dict_transaction
from db.errors import InvalidDataError
from db.identity import Identity
from db.rows import read_count
from db.writes import insert_id
from models.donations import PlanStatusChange


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
    return read_count(
        identity,
        "select count(*) as n from public.donations where is_recurring and recurring_plan_id is null",
    )


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
            plan_id = insert_id(
                conn,
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
            )
            conn.execute(
                "update public.donations set recurring_plan_id = %s where donor_id = %s and currency = %s "
                "and is_recurring and recurring_plan_id is null",
                (plan_id, row["donor_id"], row["currency"]),
            )
            created += 1
        return created
