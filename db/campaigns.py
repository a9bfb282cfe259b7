"""Campaigns: their goals and periods, read and created under the person's
identity."""

from __future__ import annotations

import polars as pl

import money
from db.arrow import read_frame
from db.connection import transaction
from db.identity import Identity
from db.writes import Values, insert_row
from models.donations import CampaignIn

CAMPAIGN_SCHEMA: dict[str, type[pl.DataType] | pl.DataType] = {
    "campaign_id": pl.Int64,
    "name": pl.String,
    "goal_minor": pl.Int64,
    "currency": pl.String,
    "goal_reporting_minor": pl.Int64,
    "starts_on": pl.Date,
    "ends_on": pl.Date,
    "chapter_id": pl.Int64,
}


def campaigns_frame(identity: Identity) -> pl.DataFrame:
    """Every campaign, with its goal also in the reporting currency.

    A goal set in another currency is converted at the rate valid on the
    campaign's first day (or the earliest stored rate after it, if none
    before); `goal_reporting_minor` is null when no rate is stored at all."""
    return read_frame(
        identity,
        """
        select c.id as campaign_id, c.name, c.goal_minor, c.currency,
               case when c.currency = s.reporting_currency then c.goal_minor
                    else round(c.goal_minor::numeric / power(10, app_minor(c.currency))
                               * r.rate * power(10, app_minor(s.reporting_currency)))::bigint
               end as goal_reporting_minor,
               c.starts_on, c.ends_on, c.chapter_id
          from public.campaigns c
          cross join public.movement_settings s
          left join lateral (
            select x.rate from public.exchange_rates x
             where x.currency = c.currency
             order by (x.valid_on <= c.starts_on) desc,
                      case when x.valid_on <= c.starts_on then c.starts_on - x.valid_on
                           else x.valid_on - c.starts_on end
             limit 1
          ) r on true
         order by c.ends_on desc, c.name
        """.replace("app_minor(c.currency)", _minor_digits_sql("c.currency")).replace(
            "app_minor(s.reporting_currency)", _minor_digits_sql("s.reporting_currency")
        ),
        schema=CAMPAIGN_SCHEMA,
    )


def _minor_digits_sql(column: str) -> str:
    """A SQL expression for the minor-unit digits of the currency in
    `column`, generated from the same table the forms validate with."""
    groups: dict[int, list[str]] = {}
    for code in money.currencies():
        digits = money.exponent(code)
        if digits != 2:
            groups.setdefault(digits, []).append(code)
    whens = " ".join(
        f"when {column} in ({', '.join(repr(c) for c in sorted(codes))}) then {digits}"
        for digits, codes in sorted(groups.items())
    )
    return f"(case {whens} else 2 end)"


def _values(campaign: CampaignIn) -> Values:
    return {**campaign.model_dump(exclude={"goal"}), "goal_minor": campaign.goal_minor}


def create_campaign(identity: Identity, campaign: CampaignIn) -> int:
    with transaction(identity) as conn:
        campaign_id = insert_row(conn, "campaigns", _values(campaign))
    return campaign_id


def update_campaign(identity: Identity, campaign_id: int, campaign: CampaignIn) -> None:
    with transaction(identity) as conn:
        conn.execute(
            """
            update public.campaigns
               set name = %(name)s, goal_minor = %(goal_minor)s, currency = %(currency)s,
                   starts_on = %(starts_on)s, ends_on = %(ends_on)s, chapter_id = %(chapter_id)s
             where id = %(id)s
            """,
            {**_values(campaign), "id": campaign_id},
        )
