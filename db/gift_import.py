"""Gift imports from payment processors' CSV exports: Stripe's payments
export, PayPal's activity download, and any CSV with a column mapping.

Three steps, so nothing is written before the person has seen it:

1. ``imports.gift_file.read_csv`` and ``imports.gift_parse.parse_file``: the
   file's rows through the column mapping into validated gifts, refunds and
   skipped rows, with every bad row reported (row numbers as a spreadsheet
   shows them: the header is row 1). No database.
2. ``check_import`` (here): against the database as the signed-in person:
   gifts already recorded (by processor reference), donors found or to
   create, exchange rates, campaigns, refunds' original gifts.
3. ``db.gift_commit.commit_import``: all of it in one transaction, only when
   the check found no errors (or, through
   ``ImportCheck.without_reported_rows``, with the rows that have problems
   left out); importing the same file again adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl
import psycopg

from db.connection import dict_transaction
from db.donations import same_day_gift_counts
from db.exchange_rates import Rates, missing_rate_message
from db.identity import Identity
from imports.gift_check import (
    DonorSlot,
    ImportCheck,
    donor_slot_key,
    flag,
    same_gifts_in_file,
    similar_new_donors,
)
from imports.gift_file import RawFile
from imports.gift_mapping import ImportOptions
from imports.gift_parse import ParsedFile, parse_file
from imports.gift_rows import ImportedGift, RowIssue
from models.donations import format_minor
from models.donors import loose_name_key, name_key


def check_import(identity: Identity, raw: RawFile, options: ImportOptions, file_name: str) -> ImportCheck:
    """Parse the file and hold it against the database, as the person, in a
    transaction that writes nothing."""
    parsed = parse_file(raw, options)
    with dict_transaction(identity) as conn:
        return _check(conn, parsed, options, file_name, raw.sha256)


@dataclass(frozen=True)
class _OnFile:
    """What the database already holds about the file's gifts."""

    existing: dict[str, dict[str, Any]]  # processor reference -> recorded gift
    campaigns: dict[str, int]  # lower-case name -> id
    by_email: dict[str, int]
    by_name: dict[str, list[int]]
    donor_chapter: dict[int, int | None]


def _on_file(conn: psycopg.Connection[Any], check: ImportCheck) -> _OnFile:
    gifts = check.parsed.gifts
    refs = [g.reference for g in gifts]
    existing: dict[str, dict[str, Any]] = {}
    if refs:
        for r in conn.execute(
            "select id, processor_ref, refunded_minor, amount_minor, currency, reporting_amount_minor "
            "from public.donations where processor = %s and processor_ref = any(%s)",
            (check.processor, refs),
        ).fetchall():
            existing[r["processor_ref"]] = r

    campaign_rows = conn.execute("select id, name, chapter_id from public.campaigns").fetchall()
    campaigns = {str(r["name"]).strip().lower(): int(r["id"]) for r in campaign_rows}
    check.campaign_chapter = {int(r["id"]): r["chapter_id"] for r in campaign_rows}
    emails = sorted({g.donor_email for g in gifts if g.donor_email})
    plain_names = sorted({g.donor_name.lower() for g in gifts if not g.donor_email})
    by_email: dict[str, int] = {}
    by_name: dict[str, list[int]] = {}
    donor_chapter: dict[int, int | None] = {}
    if emails or plain_names:
        for r in conn.execute(
            "select id, display_name, lower(email) as email, chapter_id from public.donors "
            "where merged_into_id is null and (lower(email) = any(%s) or lower(display_name) = any(%s)) "
            "order by id",
            (emails, plain_names),
        ).fetchall():
            if r["email"]:
                by_email.setdefault(r["email"], r["id"])
            by_name.setdefault(name_key(r["display_name"]), []).append(r["id"])
            donor_chapter[r["id"]] = r["chapter_id"]
    return _OnFile(existing, campaigns, by_email, by_name, donor_chapter)


def _check(
    conn: psycopg.Connection[Any],
    parsed: ParsedFile,
    options: ImportOptions,
    file_name: str,
    sha: str,
) -> ImportCheck:
    rates = Rates.load(conn, {g.currency for g in parsed.gifts})
    check = ImportCheck(
        parsed=parsed,
        options=options,
        file_name=file_name,
        file_sha256=sha,
        reporting_currency=rates.reporting,
        errors=list(parsed.errors),
        warnings=list(parsed.warnings),
    )
    on_file = _on_file(conn, check)
    for gift in parsed.gifts:
        found = on_file.existing.get(gift.reference)
        if found is not None:
            _recorded_gift(check, gift, found)
        else:
            _new_gift(check, gift, rates, on_file)

    _possible_duplicates(conn, check)
    if parsed.refunds:
        _check_refunds(conn, check)

    for name, count in sorted(check.unknown_campaigns.items()):
        check.warnings.append(
            f"no campaign is called '{name}' ({count} gift(s)): "
            + ("they go to the campaign chosen below" if options.campaign_id else "they get no campaign")
        )
    check.errors.sort(key=lambda e: e.row)
    return check


def _recorded_gift(check: ImportCheck, gift: ImportedGift, found: dict[str, Any]) -> None:
    if found["currency"] != gift.currency or found["amount_minor"] != gift.amount_minor:
        check.errors.append(
            RowIssue(
                gift.row,
                f"reference '{gift.reference}' is already recorded with a different amount "
                f"({format_minor(found['amount_minor'], found['currency'])})",
            )
        )
    elif gift.refunded_minor > found["refunded_minor"]:
        check.refund_updates.append((gift, found["id"]))
        check.recorded_money[gift.reference] = (
            found["reporting_amount_minor"],
            found["amount_minor"],
            found["refunded_minor"],
        )
    else:
        check.already_recorded.append(gift)


def _new_gift(check: ImportCheck, gift: ImportedGift, rates: Rates, on_file: _OnFile) -> None:
    rate = rates.rate(gift.currency, gift.received_on)
    if rate is None:
        check.errors.append(
            RowIssue(gift.row, missing_rate_message(gift.currency, rates.reporting, gift.received_on))
        )
        return
    check.reporting_minor[gift.row] = rates.convert(gift.amount_minor, gift.currency, gift.received_on)
    key = donor_slot_key(gift)
    if key not in check.donors:
        donor_id: int | None = None
        if gift.donor_email:
            donor_id = on_file.by_email.get(gift.donor_email)
        else:
            same = on_file.by_name.get(name_key(gift.donor_name), [])
            donor_id = same[0] if len(same) == 1 else None
        check.donors[key] = DonorSlot(
            key, gift.donor_name, gift.donor_email, donor_id, on_file.donor_chapter.get(donor_id or 0)
        )
    check.donor_for_row[gift.row] = key
    campaign_id = check.options.campaign_id
    if gift.campaign:
        matched = on_file.campaigns.get(gift.campaign.lower())
        if matched is None:
            check.unknown_campaigns[gift.campaign] = check.unknown_campaigns.get(gift.campaign, 0) + 1
        else:
            campaign_id = matched
    check.campaign_for_row[gift.row] = campaign_id
    check.new_gifts.append(gift)


def _check_refunds(conn: psycopg.Connection[Any], check: ImportCheck) -> None:
    processor = check.processor
    refunds = check.parsed.refunds
    refund_refs = [r.reference for r in refunds]
    applied = {
        r["processor_ref"]
        for r in conn.execute(
            "select processor_ref from public.donation_refunds where processor = %s "
            "and processor_ref = any(%s)",
            (processor, refund_refs),
        ).fetchall()
    }
    recorded = conn.execute(
        "select processor_ref, reporting_amount_minor, amount_minor, refunded_minor "
        "from public.donations "
        "where processor = %s and processor_ref = any(%s)",
        (processor, [r.refers_to for r in refunds]),
    ).fetchall()
    for r in recorded:
        check.recorded_money[r["processor_ref"]] = (
            r["reporting_amount_minor"],
            r["amount_minor"],
            r["refunded_minor"],
        )
    originals = {r["processor_ref"] for r in recorded} | {g.reference for g in check.new_gifts}
    for refund in refunds:
        if refund.reference in applied:
            check.refunds_already_applied.append(refund)
        elif refund.refers_to in originals:
            check.new_refunds.append(refund)
        else:
            check.refunds_without_gift.append(refund)
    if check.refunds_without_gift:
        check.warnings.append(
            f"{len(check.refunds_without_gift)} refund(s) are for payments neither in Heartbeat nor "
            "in this file; they are left out (import the file with the original payment first)"
        )
    _check_refund_totals(conn, check)


MAX_DUPLICATE_WARNINGS = 10


def _possible_duplicates(conn: psycopg.Connection[Any], check: ImportCheck) -> None:
    """Warn, never refuse: new gifts with the same donor, amount, currency
    and date as another row of the file or a gift already recorded ("possible
    duplicate"), and new donors whose names match another donor's after
    dropping middle initials, case and accents ("possible duplicate donor")."""
    notes: list[str] = []
    _find_duplicates(conn, check, notes)
    check.warnings.extend(notes[:MAX_DUPLICATE_WARNINGS])
    if len(notes) > MAX_DUPLICATE_WARNINGS:
        more = len(notes) - MAX_DUPLICATE_WARNINGS
        check.warnings.append(f"{more:,} more possible duplicate(s): see the rows' Detail below")


def _find_duplicates(conn: psycopg.Connection[Any], check: ImportCheck, notes: list[str]) -> None:
    same_gifts_in_file(check, notes)
    _same_gifts_recorded(conn, check, notes)
    by_loose, first_row = similar_new_donors(check, notes)
    if by_loose:
        _similar_donors_on_file(conn, check, by_loose, first_row, notes)


def _same_gifts_recorded(conn: psycopg.Connection[Any], check: ImportCheck, notes: list[str]) -> None:
    """New gifts matching a gift already recorded for the same donor."""
    known = sorted({s.donor_id for s in check.donors.values() if s.donor_id is not None})
    if known and check.new_gifts:
        recorded = same_day_gift_counts(conn, known, sorted({g.received_on for g in check.new_gifts}))
        flagged = []
        for g in check.new_gifts:
            slot = check.donors[check.donor_for_row[g.row]]
            if slot.donor_id is not None and recorded.get(
                (slot.donor_id, g.amount_minor, g.currency, g.received_on)
            ):
                flagged.append(g.row)
                flag(
                    check, g.row, "possible duplicate: a gift of the same amount and date is already recorded"
                )
        if flagged:
            notes.append(
                f"possible duplicate: row(s) {', '.join(map(str, flagged[:20]))}"
                + (f" and {len(flagged) - 20} more" if len(flagged) > 20 else "")
                + " match a gift already recorded for the same donor with the same amount and date"
            )


def _similar_donors_on_file(
    conn: psycopg.Connection[Any],
    check: ImportCheck,
    by_loose: dict[str, list[DonorSlot]],
    first_row: dict[str, int],
    notes: list[str],
) -> None:
    # Donors on file sharing a name's longest word, compared by the loose key.
    words = sorted({max(loose.split(), key=len) for loose in by_loose if loose})
    on_file: dict[str, list[str]] = {}
    for r in conn.execute(
        "select display_name, email from public.donors d where merged_into_id is null and exists "
        "(select 1 from regexp_split_to_table(lower(d.display_name), '[^[:alnum:]]+') w where w = any(%s))",
        (words,),
    ).fetchall():
        on_file.setdefault(loose_name_key(r["display_name"]), []).append(
            f"'{r['display_name']}'" + (f" ({r['email']})" if r["email"] else "")
        )
    for loose, slots in by_loose.items():
        if loose in on_file:
            for s in slots:
                row = first_row.get(s.key, 0)
                notes.append(
                    f"possible duplicate donor: '{s.name}' (row {row}) is much like "
                    + ", ".join(on_file[loose][:3])
                    + " on file; a new donor is made unless the email matches (merge them later under Donors)"
                )
                flag(check, row, "possible duplicate donor: " + ", ".join(on_file[loose][:3]) + " on file")


def _check_refund_totals(conn: psycopg.Connection[Any], check: ImportCheck) -> None:
    """A refund larger than what is left of its gift is an error here, not a
    constraint failure at commit."""
    totals: dict[str, int] = {}
    for refund in check.new_refunds:
        totals[refund.refers_to] = totals.get(refund.refers_to, 0) + refund.amount_minor
    room: dict[str, tuple[int, str]] = {}
    for r in conn.execute(
        "select processor_ref, amount_minor - refunded_minor as room, currency from public.donations "
        "where processor = %s and processor_ref = any(%s)",
        (check.processor, list(totals)),
    ).fetchall():
        room[r["processor_ref"]] = (r["room"], r["currency"])
    for gift in check.new_gifts:
        room[gift.reference] = (gift.amount_minor - gift.refunded_minor, gift.currency)
    for refund in check.new_refunds:
        left, currency = room.get(refund.refers_to, (0, refund.currency))
        if currency != refund.currency:
            check.errors.append(
                RowIssue(refund.row, f"the refund is in {refund.currency} but the payment was in {currency}")
            )
        elif totals[refund.refers_to] > left:
            check.errors.append(
                RowIssue(refund.row, f"refunds more than is left of payment '{refund.refers_to}'")
            )


def import_history(identity: Identity) -> pl.DataFrame:
    from db.arrow import read_frame

    return read_frame(
        identity,
        "select id as import_id, imported_at, file_name, format, rows_in_file, gifts_added, "
        "gifts_already_recorded, refunds_applied, donors_added, rows_skipped "
        "from public.gift_imports order by imported_at desc, id desc limit 200",
        schema={
            "import_id": pl.Int64,
            "imported_at": pl.Datetime("us", "UTC"),
            "file_name": pl.String,
            "format": pl.String,
            "rows_in_file": pl.Int64,
            "gifts_added": pl.Int64,
            "gifts_already_recorded": pl.Int64,
            "refunds_applied": pl.Int64,
            "donors_added": pl.Int64,
            "rows_skipped": pl.Int64,
        },
    )
