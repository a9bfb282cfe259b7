"""Reads every frame the health report needs, as the person asking.

Each table is read through `db.arrow.read_frame` with the schema from
`metrics.schemas`, so row-level security decides what arrives and an empty
result still has the right types. A table the person may not read at all
(no grant: `NotAllowedError`) arrives empty and is named in
``ReportFrames.unreadable``; the report then says which figures it lacks.

What is aggregated in SQL, to stay fast at national scale:

- volunteer hours: summed per member, chapter, program, status and month,
  with a bitmask of the days worked: every hours metric is monthly or
  yearly, and ten million entries become a few million rows. Without a cut
  (the dashboard's "today") those rows are read as kept by the database
  (`public.volunteer_hours_monthly`, migration 20261207150000, current
  after every write); a report at an earlier as_of groups the entries
  itself, since a review after the cut makes an entry pending again;
- refunds: those dated by the cut, converted to the reporting currency at
  the gift's own rate (a refund without refund rows counts as known);
- reviews: an entry reviewed after the cut (and after the day it was
  recorded) is still pending at it;
- merged donors: gifts are credited to the surviving donor;
- events: only the date (in the chapter's time zone) is read, not the times.

Rows come in date order (ORDER BY), so the report's preparation finds
them sorted and slices periods by binary search without sorting.

Members, attendance and donations are read per row: the metrics need
each person's dates (joined, first attendance, first gift), and those rows
are already one per person per event or gift.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import polars as pl
from psycopg.rows import dict_row

from db.arrow import read_frame
from db.connection import transaction
from db.errors import NotAllowedError
from db.identity import Identity
from db.report_snapshots import database_now
from metrics import schemas as S

log = logging.getLogger(__name__)

# Far enough in the future to mean "no cut"; a date parameter keeps one plan.
_NO_CUT = date(9999, 12, 31)

_QUERIES: dict[str, str] = {
    "settings": """
        select movement_name, reporting_currency, fiscal_year_start_month::int as fiscal_year_start_month,
               volunteer_hour_value_minor::bigint as volunteer_hour_value_minor
        from public.movement_settings""",
    "chapters": """
        select id, name, level, parent_id, founded_on, status, dormant_since
        from public.chapters
        where founded_on <= %s""",
    "programs": """
        select id, name, kind, audience, chapter_id, started_on, ended_on
        from public.programs""",
    "partners": """
        select id, kind, status, since, chapter_id
        from public.partners""",
    "program_partners": """
        select program_id, partner_id
        from public.program_partners""",
    "members": """
        select id, chapter_id, joined_on, left_on, trained_on, leader_since
        from public.members
        where joined_on <= %s
        order by joined_on""",
    "events": """
        select e.id, e.chapter_id, e.program_id, e.kind,
               (e.starts_at at time zone coalesce(c.time_zone, 'UTC'))::date as starts_on, e.capacity
        from public.events e
        left join public.chapters c on c.id = e.chapter_id
        where e.starts_at < (%s::date + 2)
        order by e.starts_at""",
    "attendance": """
        select a.event_id, a.member_id, a.guest_count
        from public.attendance a
        join public.events e on e.id = a.event_id
        where e.starts_at < (%s::date + 2)
        order by e.starts_at, a.event_id""",
    # One row per member, chapter, program, status and month (see module doc).
    "volunteer_hours": """
        select h.member_id, h.chapter_id, coalesce(h.program_id, e.program_id) as program_id,
               case when h.status <> 'pending'
                         and (h.reviewed_at at time zone coalesce(c.time_zone, 'UTC'))::date > %s
                         and (h.reviewed_at at time zone coalesce(c.time_zone, 'UTC'))::date
                             > (h.created_at at time zone coalesce(c.time_zone, 'UTC'))::date
                    then 'pending' else h.status end as status,
               date_trunc('month', h.worked_on)::date as month,
               sum(h.minutes)::bigint as minutes,
               count(*)::bigint as entries,
               bit_or(1 << (extract(day from h.worked_on)::int - 1))::int as day_mask
        from public.volunteer_hours h
        left join public.events e on e.id = h.event_id
        left join public.chapters c on c.id = h.chapter_id
        where h.worked_on <= %s
        group by 1, 2, 3, 4, 5
        order by 5""",
    "donations": """
        with recursive survivor (id, root_id) as (
          select id, id from public.donors where merged_into_id is null
          union all
          select d.id, s.root_id from public.donors d join survivor s on d.merged_into_id = s.id
        ),
        refunds as (
          select donation_id, count(*) as n,
                 coalesce(sum(amount_minor) filter (where refunded_on <= %s), 0) as known_minor
          from public.donation_refunds
          group by donation_id
        ),
        gifts as (
          select g.*, case when r.n is null then g.refunded_minor else r.known_minor end as refunded_known
          from public.donations g
          left join refunds r on r.donation_id = g.id
          where g.received_on <= %s
        )
        select coalesce(s.root_id, g.donor_id) as donor_id, g.received_on, g.reporting_amount_minor,
               case when g.refunded_known = 0 then 0::bigint
                    else round(g.refunded_known::numeric * g.reporting_amount_minor / g.amount_minor)::bigint
               end as refunded_minor,
               g.is_recurring, g.source, g.campaign_id, g.chapter_id
        from gifts g
        left join survivor s on s.id = g.donor_id
        order by g.received_on""",
    # Only the two ids leave the database, never the e-mail that matched them.
    "donor_members": """
        select d.id as donor_id, m.id as member_id
        from public.donors d
        join public.members m on lower(m.email) = lower(d.email)
        where d.email is not null and d.merged_into_id is null""",
    "expenses": """
        select spent_on, reporting_amount_minor, category, chapter_id
        from public.expenses
        where spent_on <= %s""",
    "balance_snapshots": """
        select as_of, cash_minor, unrestricted_reserves_minor, net_assets_minor
        from public.balance_snapshots
        where as_of <= %s""",
    "survey_responses": """
        select respondent_code, chapter_id, program_id, event_id, wave, answered_on,
               q01, q02, q03, q04, q05, q06, q07, q08, q09, q10, q11, q12, q13, q14, q15, q16, practice
        from public.survey_responses
        where answered_on <= %s""",
    "goals": """
        select id, name, metric, target_value, baseline_value, due_on, chapter_id,
               (created_at at time zone 'UTC')::date as created_on
        from public.goals""",
}

# The same rows as some of the queries above, kept current by the database's
# triggers: read instead of those when there is no cut.
_KEPT: dict[str, str] = {
    "volunteer_hours": """
        select member_id, chapter_id, program_id, status, month, minutes, entries, day_mask
        from public.volunteer_hours_monthly
        order by month""",
}

# Read first, in parallel: the big ones.
_ORDER = (
    "volunteer_hours",
    "attendance",
    "donations",
    "members",
    "events",
    "survey_responses",
    "expenses",
    "donor_members",
    "chapters",
    "programs",
    "partners",
    "program_partners",
    "balance_snapshots",
    "goals",
    "settings",
)


def _params(sql: str, cut: date) -> Sequence[Any]:
    return (cut,) * sql.count("%s")


def _read(name: str, identity: Identity | None, cut: date, uri: str | None) -> tuple[str, pl.DataFrame, bool]:
    sql = _KEPT[name] if cut == _NO_CUT and name in _KEPT else _QUERIES[name]
    schema = S.SCHEMAS[name]
    try:
        frame = read_frame(identity, sql, _params(sql, cut), schema=dict(schema), uri=uri)
    except NotAllowedError:
        log.info("report frame %s is not readable by this identity", name)
        return name, S.empty(schema), False
    return name, frame, True


def report_scope(identity: Identity, *, uri: str | None = None) -> str:
    """What the database says `identity` may read of the report's tables
    (`app.report_scope`, migration 20261207080000): people with the same
    answer read the same rows, so they may share one copy of the frames."""
    with transaction(identity, uri) as conn, conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute("select app.report_scope() as scope").fetchone()
    if row is None:
        raise NotAllowedError("The database gave no scope for this account.")
    return str(row["scope"])


def load_report_frames(
    identity: Identity | None,
    *,
    uri: str | None = None,
    as_of: date | None = None,
    workers: int = 4,
) -> S.ReportFrames:
    """Every frame of `metrics.schemas.ReportFrames`, read as `identity`.

    `identity=None` reads as the owner role (bypassing RLS): only for
    operator commands such as ``python -m metrics``. A page passes the
    signed-in person's identity, so the database limits what is read.

    With `as_of`, nothing dated after that day is read, and changes made
    to what was recorded apply from their own dates, so a report at that
    date comes out the same when computed again later: a refund counts from
    its refund date, and hours reviewed after the day (in the chapter's time
    zone) are still pending at it, unless they were recorded already
    reviewed (an import of past hours). Rows recorded late for earlier dates
    are read: they are what happened then (`metrics.glossary.AS_OF_RULE`).
    Tables are read in parallel on `workers` connections."""
    cut = as_of or _NO_CUT
    results: dict[str, pl.DataFrame] = {}
    unreadable: list[str] = []
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="report-frames") as pool:
        for name, frame, ok in pool.map(lambda n: _read(n, identity, cut, uri), _ORDER):
            results[name] = frame
            if not ok:
                unreadable.append(name)
    return S.ReportFrames.of(unreadable=tuple(sorted(unreadable)), **results)


@dataclass(frozen=True)
class Outline:
    """The small tables a dashboard page needs before any figure (its
    filters' chapters and programs, the settings, the goals), read as the
    person, and when the database read them."""

    settings: pl.DataFrame
    chapters: pl.DataFrame
    programs: pl.DataFrame
    goals: pl.DataFrame
    read_at: datetime


def load_outline(identity: Identity, *, uri: str | None = None) -> Outline:
    """The outline of `identity`'s scope: a few thousand rows at most, so a
    page whose figures are kept (`db.report_snapshots`) reads no more."""
    names = ("settings", "chapters", "programs", "goals")
    with ThreadPoolExecutor(max_workers=len(names), thread_name_prefix="report-outline") as pool:
        read = pool.map(lambda n: _read(n, identity, _NO_CUT, uri), names)
        frames = {name: frame for name, frame, _ in read}
    return Outline(**frames, read_at=database_now(identity, uri=uri))
