"""The one transaction that writes a checked gift import: new donors,
gifts, refunds, recurring plans and their statuses, and a record of the
import. The check itself is `db.gift_import.check_import`."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import psycopg

from db import clock
from db.connection import dict_transaction
from db.errors import InvalidDataError
from db.identity import Identity
from imports.gift_check import ImportCheck
from imports.gift_rows import ImportedGift


def idempotency_key(processor: str, reference: str) -> uuid.UUID:
    """The same gift from the same processor always gets the same key."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"heartbeat:donation:{processor}:{reference}")


@dataclass(frozen=True)
class ImportResult:
    import_id: int
    gifts_added: int
    gifts_already_recorded: int
    refunds_applied: int
    donors_added: int
    plans_added: int
    rows_skipped: int


def _nextvals(conn: psycopg.Connection[Any], table: str, n: int) -> list[int]:
    if n == 0:
        return []
    rows = conn.execute(
        "select nextval(pg_get_serial_sequence(%s, 'id')) as id from generate_series(1, %s)",
        (f"public.{table}", n),
    ).fetchall()
    return [int(r["id"]) for r in rows]


def commit_import(identity: Identity, check: ImportCheck) -> ImportResult:
    """Write the checked import in one transaction as the person: new
    donors, gifts, refunds, recurring plans, and a record of the import.
    Refuses a check with errors; a gift recorded meanwhile by someone else is
    skipped by its processor reference, never doubled."""
    if check.errors:
        raise InvalidDataError(f"the file has {len(check.errors)} problem(s): fix them and check it again")
    processor = check.processor
    with dict_transaction(identity) as conn:
        import_row = conn.execute(
            "insert into public.gift_imports (file_name, file_sha256, format, rows_in_file, gifts_added, "
            "gifts_already_recorded, refunds_applied, donors_added, rows_skipped) "
            "values (%s, %s, %s, %s, 0, 0, 0, 0, 0) returning id",
            (
                check.file_name[:300] or "upload.csv",
                check.file_sha256,
                check.parsed.format,
                check.parsed.rows_in_file,
            ),
        ).fetchone()
        assert import_row is not None
        import_id = int(import_row["id"])

        # Imports run one at a time, and donors are looked up again under the
        # lock: two people importing overlapping files never create the same
        # donor twice (gifts are protected by their processor reference).
        conn.execute("select pg_advisory_xact_lock(hashtext('heartbeat.gift_import'))")
        pending = {d.email: d for d in check.donors.values() if d.donor_id is None and d.email}
        if pending:
            for r in conn.execute(
                "select distinct on (lower(email)) id, lower(email) as email, chapter_id from public.donors "
                "where merged_into_id is null and lower(email) = any(%s) order by lower(email), id",
                (list(pending),),
            ).fetchall():
                pending[r["email"]].donor_id = int(r["id"])
                pending[r["email"]].chapter_id = r["chapter_id"]
        to_create = [d for d in check.donors.values() if d.donor_id is None]
        new_ids = _nextvals(conn, "donors", len(to_create))
        for slot, new_id in zip(to_create, new_ids, strict=True):
            slot.donor_id = new_id
        if to_create:
            conn.execute(
                "insert into public.donors (id, display_name, email) "
                "select * from unnest(%s::bigint[], %s::text[], %s::text[])",
                (new_ids, [d.name for d in to_create], [d.email for d in to_create]),
            )

        plans_added, plan_ids = _upsert_plans(conn, check)

        # Every value is resolved here, so the insert is a plain unnest: no
        # join for the planner to misjudge on a table that just grew.
        gifts = check.new_gifts
        slots = [check.donors[check.donor_for_row[g.row]] for g in gifts]
        campaign_ids = [check.campaign_for_row.get(g.row) for g in gifts]
        inserted = conn.execute(
            """
            insert into public.donations
              (donor_id, campaign_id, chapter_id, received_on, amount_minor, currency, reporting_amount_minor,
               fee_minor, method, source, is_recurring, recurring_plan_id, processor, processor_ref,
               idempotency_key, note, import_id)
            select u.donor_id, u.campaign_id, u.chapter_id, u.received_on, u.amount_minor, u.currency,
                   u.reporting_minor, u.fee_minor, u.method, 'individual', u.is_recurring, u.plan_id, %s,
                   u.reference, u.idem, u.note, %s
              from unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::date[], %s::bigint[], %s::text[],
                          %s::bigint[], %s::bigint[], %s::text[], %s::boolean[], %s::bigint[], %s::text[],
                          %s::uuid[], %s::text[])
                   as u(donor_id, campaign_id, chapter_id, received_on, amount_minor, currency,
                        reporting_minor, fee_minor, method, is_recurring, plan_id, reference, idem, note)
            on conflict (processor, processor_ref) do nothing
            """,
            (
                processor,
                import_id,
                [slot.donor_id for slot in slots],
                campaign_ids,
                [
                    slot.chapter_id if slot.chapter_id is not None else check.campaign_chapter.get(c or 0)
                    for slot, c in zip(slots, campaign_ids, strict=True)
                ],
                [g.received_on for g in gifts],
                [g.amount_minor for g in gifts],
                [g.currency for g in gifts],
                [check.reporting_minor[g.row] for g in gifts],
                [g.fee_minor for g in gifts],
                [g.method for g in gifts],
                [g.is_recurring for g in gifts],
                [plan_ids.get(g.plan_ref) if g.plan_ref else None for g in gifts],
                [g.reference for g in gifts],
                [idempotency_key(processor, g.reference) for g in gifts],
                [g.note for g in gifts],
            ),
        ).rowcount

        # Stripe states each charge's cumulative refund, not when it grew: what
        # is new since the last import is recorded on the importer's local
        # date, in a row of its own, so figures at an earlier date never
        # change. The first amount keeps the reference "<charge>#refunded",
        # later increases "<charge>#refunded@<date>" (one per day, grown in
        # place by a second import that day).
        cumulative = [g for g in gifts if g.refunded_minor] + [g for g, _ in check.refund_updates]
        refunds_applied = 0
        if cumulative:
            today = clock.today_in(clock.person_time_zone(identity))
            refunds_applied += conn.execute(
                """
                with stated as (
                  select d.id as donation_id, u.reference, u.amount,
                         coalesce(sum(r.amount_minor), 0) as known, count(r.id) as rows
                    from unnest(%(refs)s::text[], %(amounts)s::bigint[]) as u(reference, amount)
                    join public.donations d on d.processor = %(processor)s and d.processor_ref = u.reference
                    left join public.donation_refunds r
                      on r.donation_id = d.id and r.processor = %(processor)s
                     and (r.processor_ref = u.reference || '#refunded'
                          or r.processor_ref like u.reference || '#refunded@%%')
                   group by d.id, u.reference, u.amount
                )
                insert into public.donation_refunds
                  (donation_id, refunded_on, amount_minor, processor, processor_ref)
                select donation_id, %(today)s, amount - known, %(processor)s,
                       reference || '#refunded' || case when rows = 0 then '' else '@' || %(today)s::text end
                  from stated
                 where amount > known
                on conflict (processor, processor_ref)
                do update set amount_minor = public.donation_refunds.amount_minor + excluded.amount_minor
                """,
                {
                    "refs": [g.reference for g in cumulative],
                    "amounts": [g.refunded_minor for g in cumulative],
                    "processor": processor,
                    "today": today,
                },
            ).rowcount
        refunds = check.new_refunds
        if refunds:
            applied = conn.execute(
                """
                insert into public.donation_refunds
                  (donation_id, refunded_on, amount_minor, fee_returned_minor, processor, processor_ref)
                select d.id, u.refunded_on, u.amount, u.fee, %s, u.reference
                  from unnest(%s::text[], %s::text[], %s::date[], %s::bigint[], %s::bigint[])
                       as u(reference, refers_to, refunded_on, amount, fee)
                  join public.donations d on d.processor = %s and d.processor_ref = u.refers_to
                on conflict (processor, processor_ref) do nothing
                returning donation_id, fee_returned_minor
                """,
                (
                    processor,
                    [r.reference for r in refunds],
                    [r.refers_to for r in refunds],
                    [r.refunded_on for r in refunds],
                    [r.amount_minor for r in refunds],
                    [r.fee_returned_minor for r in refunds],
                    processor,
                ),
            ).fetchall()
            refunds_applied += len(applied)
            returned = [
                (r["donation_id"], r["fee_returned_minor"]) for r in applied if r["fee_returned_minor"]
            ]
            if returned:
                conn.execute(
                    "update public.donations d set fee_minor = greatest(0, d.fee_minor - u.fee) "
                    "from unnest(%s::bigint[], %s::bigint[]) as u(id, fee) where d.id = u.id",
                    ([r[0] for r in returned], [r[1] for r in returned]),
                )
        _update_plan_statuses(conn, check)

        already = len(check.already_recorded) + len(check.refund_updates) + (len(gifts) - inserted)
        skipped = (
            len(check.parsed.skipped) + len(check.refunds_without_gift) + len(check.reported_rows_skipped)
        )
        conn.execute(
            "update public.gift_imports set gifts_added = %s, gifts_already_recorded = %s, "
            "refunds_applied = %s, donors_added = %s, rows_skipped = %s where id = %s",
            (inserted, already, refunds_applied, len(to_create), skipped, import_id),
        )
        return ImportResult(
            import_id, inserted, already, refunds_applied, len(to_create), plans_added, skipped
        )


_FREQUENCY_BY_GAP = (("monthly", 45), ("quarterly", 135), ("annual", 10**6))


def _upsert_plans(conn: psycopg.Connection[Any], check: ImportCheck) -> tuple[int, dict[str, int]]:
    """One recurring plan per processor reference (Stripe customer and
    currency, PayPal subscription profile), created at its first gift."""
    by_ref: dict[str, list[ImportedGift]] = {}
    for g in check.new_gifts:
        if g.plan_ref:
            by_ref.setdefault(g.plan_ref, []).append(g)
    if not by_ref:
        return 0, {}
    existing = {
        r["processor_ref"]: int(r["id"])
        for r in conn.execute(
            "select id, processor_ref from public.recurring_plans "
            "where processor = %s and processor_ref = any(%s)",
            (check.processor, list(by_ref)),
        ).fetchall()
    }
    fresh = [ref for ref in by_ref if ref not in existing]
    if not fresh:
        return 0, existing
    values: dict[str, list[Any]] = {
        k: []
        for k in (
            "donor",
            "campaign",
            "amount",
            "currency",
            "reporting",
            "frequency",
            "method",
            "started",
            "ref",
        )
    }
    for ref in fresh:
        gifts = sorted(by_ref[ref], key=lambda g: g.received_on)
        latest = gifts[-1]
        gaps = sorted((b.received_on - a.received_on).days for a, b in itertools.pairwise(gifts))
        median = gaps[(len(gaps) - 1) // 2] if gaps else 30
        frequency = next(name for name, limit in _FREQUENCY_BY_GAP if median <= limit)
        values["donor"].append(check.donors[check.donor_for_row[latest.row]].donor_id)
        values["campaign"].append(check.campaign_for_row.get(latest.row))
        values["amount"].append(latest.amount_minor)
        values["currency"].append(latest.currency)
        values["reporting"].append(check.reporting_minor[latest.row])
        values["frequency"].append(frequency)
        values["method"].append(latest.method)
        values["started"].append(gifts[0].received_on)
        values["ref"].append(ref)
    created = conn.execute(
        """
        insert into public.recurring_plans
          (donor_id, campaign_id, amount_minor, currency, reporting_amount_minor, frequency, method,
           started_on, processor, processor_ref)
        select u.donor, u.campaign, u.amount, u.currency, u.reporting, u.frequency, u.method,
               u.started, %s, u.ref
          from unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::text[], %s::bigint[], %s::text[],
                      %s::text[], %s::date[], %s::text[])
               as u(donor, campaign, amount, currency, reporting, frequency, method, started, ref)
        on conflict (processor, processor_ref) do nothing
        returning id, processor_ref
        """,
        (check.processor, *values.values()),
    ).fetchall()
    existing.update({r["processor_ref"]: int(r["id"]) for r in created})
    return len(created), existing


def _update_plan_statuses(conn: psycopg.Connection[Any], check: ImportCheck) -> None:
    """A plan is failed when its latest news is a failed charge, and active
    again when a gift arrives after the failure; a cancelled plan stays
    cancelled (only a person or the processor's cancellation ends it)."""
    failures: dict[str, date] = {}
    for f in check.parsed.failures:
        failures[f.plan_ref] = max(f.failed_on, failures.get(f.plan_ref, f.failed_on))
    refs = sorted({g.plan_ref for g in check.new_gifts if g.plan_ref} | set(failures))
    if not refs:
        return
    # One pass: the plans named in the file, and their latest gifts from a
    # single aggregate (a per-plan subquery degrades to a scan per plan when
    # the table's statistics predate the rows just inserted).
    conn.execute(
        """
        with plans as (
          select p.id, p.processor_ref from public.recurring_plans p
           where p.processor = %s and p.processor_ref = any(%s::text[]) and p.status <> 'cancelled'
        ), fails as (
          select x.ref, x.failed_on from unnest(%s::text[], %s::date[]) as x(ref, failed_on)
        ), latest as (
          select d.recurring_plan_id as id, max(d.received_on) as last_gift
            from public.donations d where d.recurring_plan_id in (select id from plans)
           group by d.recurring_plan_id
        ), target as (
          select plans.id, f.failed_on, l.last_gift
            from plans left join fails f on f.ref = plans.processor_ref left join latest l on l.id = plans.id
        )
        update public.recurring_plans p
           set status = case when t.failed_on > coalesce(t.last_gift, date '1900-01-01')
                             then 'failed' else 'active' end,
               failed_on = case when t.failed_on > coalesce(t.last_gift, date '1900-01-01')
                                then t.failed_on end,
               updated_at = now()
          from target t
         where p.id = t.id
        """,
        (check.processor, refs, list(failures), list(failures.values())),
    )
