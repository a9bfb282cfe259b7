"""What committing a checked gift import would do, as the preview shows
it: new gifts and donors, refunds, rows left out, totals in the reporting
currency, and the possible duplicates among the file's own rows. The
database fills it in (`db.gift_import.check_import`); nothing here reads it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from imports.gift_mapping import PROCESSOR, ImportOptions
from imports.gift_parse import ParsedFile
from imports.gift_rows import ImportedGift, ImportedRefund, RowIssue
from models.donations import format_minor
from models.donors import loose_name_key, name_key


@dataclass
class DonorSlot:
    key: str
    name: str
    email: str | None
    donor_id: int | None  # None: to create
    chapter_id: int | None = None


@dataclass
class ImportCheck:
    """What committing would do, for the preview; `errors` must be empty
    before `commit_import` accepts it."""

    parsed: ParsedFile
    options: ImportOptions
    file_name: str
    file_sha256: str
    reporting_currency: str
    new_gifts: list[ImportedGift] = field(default_factory=list)
    already_recorded: list[ImportedGift] = field(default_factory=list)
    refund_updates: list[tuple[ImportedGift, int]] = field(default_factory=list)  # Stripe cumulative
    new_refunds: list[ImportedRefund] = field(default_factory=list)
    refunds_already_applied: list[ImportedRefund] = field(default_factory=list)
    refunds_without_gift: list[ImportedRefund] = field(default_factory=list)
    reporting_minor: dict[int, int] = field(default_factory=dict)  # by row
    donor_for_row: dict[int, str] = field(default_factory=dict)  # row -> donor slot key
    donors: dict[str, DonorSlot] = field(default_factory=dict)
    campaign_for_row: dict[int, int | None] = field(default_factory=dict)
    campaign_chapter: dict[int, int | None] = field(default_factory=dict)
    unknown_campaigns: dict[str, int] = field(default_factory=dict)
    # Gifts already recorded that refunds of this file touch: reference ->
    # (reporting amount, amount, refunded so far), for the net total.
    recorded_money: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    errors: list[RowIssue] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Warnings, never errors: row -> why it may repeat a gift or a donor.
    possible_duplicates: dict[int, str] = field(default_factory=dict)
    # Rows with problems left out at the person's request (without_reported_rows).
    reported_rows_skipped: list[int] = field(default_factory=list)

    @property
    def processor(self) -> str:
        return PROCESSOR[self.parsed.format]

    @property
    def refunds_to_apply(self) -> int:
        """The refunds committing writes, as `commit_import` counts them:
        Stripe's refunded amount of each new gift, each grown refund and
        each refund row."""
        return (
            sum(1 for g in self.new_gifts if g.refunded_minor)
            + len(self.refund_updates)
            + len(self.new_refunds)
        )

    @property
    def gross_reporting_minor(self) -> int:
        """The new gifts in the reporting currency, before any refund."""
        return sum(self.reporting_minor.get(g.row, 0) for g in self.new_gifts)

    @property
    def refunds_reporting_minor(self) -> int:
        """What the refunds this import applies take off the movement's net
        income, in the reporting currency, as the database counts a gift's
        net (its reporting amount × what is left of it ÷ its amount)."""
        # reference -> (reporting, amount, refunded before, refunded after)
        touched: dict[str, list[int]] = {}
        for g in self.new_gifts:
            touched[g.reference] = [self.reporting_minor.get(g.row, 0), g.amount_minor, 0, g.refunded_minor]
        for g, _ in self.refund_updates:
            reporting, amount, before = self.recorded_money.get(g.reference, (0, g.amount_minor, 0))
            touched[g.reference] = [reporting, amount, before, g.refunded_minor]
        for r in self.new_refunds:
            if r.refers_to not in touched:
                reporting, amount, before = self.recorded_money.get(r.refers_to, (0, 1, 0))
                touched[r.refers_to] = [reporting, amount, before, before]
            touched[r.refers_to][3] += r.amount_minor
        return sum(
            _net(reporting, amount, before) - _net(reporting, amount, after)
            for reporting, amount, before, after in touched.values()
        )

    @property
    def net_reporting_minor(self) -> int:
        return self.gross_reporting_minor - self.refunds_reporting_minor

    @property
    def can_skip_reported_rows(self) -> bool:
        """Rows with problems can be left out when each problem is a row's
        own (not the file's or the mapping's, reported on row 1)."""
        return bool(self.errors) and all(e.row > 1 for e in self.errors)

    def without_reported_rows(self) -> ImportCheck:
        """This check with every row that has a problem left out, for
        importing the rest: those rows' gifts and refunds are not written and
        are counted as skipped rows. Raises ValueError when a problem is
        the file's own."""
        if not self.can_skip_reported_rows:
            raise ValueError("the file itself has a problem: fix it and check it again")
        rows = sorted({e.row for e in self.errors})
        bad = set(rows)
        return replace(
            self,
            new_gifts=[g for g in self.new_gifts if g.row not in bad],
            refund_updates=[(g, i) for g, i in self.refund_updates if g.row not in bad],
            new_refunds=[r for r in self.new_refunds if r.row not in bad],
            errors=[],
            reported_rows_skipped=rows,
        )

    @property
    def donors_to_create(self) -> int:
        return sum(1 for d in self.donors.values() if d.donor_id is None)

    @property
    def can_commit(self) -> bool:
        return not self.errors and bool(self.new_gifts or self.refund_updates or self.new_refunds)


def _net(reporting: int, amount: int, refunded: int) -> int:
    """round(reporting × (amount − refunded) ÷ amount), half away from zero,
    as the database's gift view computes it."""
    if amount <= 0:
        return 0
    left = reporting * (amount - refunded)
    sign = -1 if left < 0 else 1
    return sign * ((2 * abs(left) + amount) // (2 * amount))


def donor_slot_key(gift: ImportedGift) -> str:
    return f"email:{gift.donor_email}" if gift.donor_email else f"name:{name_key(gift.donor_name)}"


def flag(check: ImportCheck, row: int, why: str) -> None:
    check.possible_duplicates[row] = "; ".join(filter(None, (check.possible_duplicates.get(row), why)))


def same_gifts_in_file(check: ImportCheck, notes: list[str]) -> None:
    """New gifts of one donor, amount, currency and date on several rows."""
    same: dict[tuple[str, int, str, date], list[ImportedGift]] = {}
    for g in check.new_gifts:
        same.setdefault((check.donor_for_row[g.row], g.amount_minor, g.currency, g.received_on), []).append(g)
    for (key, amount, currency, day), gifts in same.items():
        if len(gifts) > 1:
            rows = ", ".join(str(g.row) for g in gifts)
            what = f"{format_minor(amount, currency)} from {check.donors[key].name} on {day:%Y-%m-%d}"
            notes.append(f"possible duplicate: rows {rows} are each {what}; check they are separate gifts")
            for g in gifts:
                flag(check, g.row, f"possible duplicate: same donor, amount and date as rows {rows}")


def similar_new_donors(
    check: ImportCheck, notes: list[str]
) -> tuple[dict[str, list[DonorSlot]], dict[str, int]]:
    """The donors to create, by their loose name key, and each donor's first
    row; new donors of this file sharing a key are noted and flagged."""
    new = [s for s in check.donors.values() if s.donor_id is None]
    if not new:
        return {}, {}
    first_row: dict[str, int] = {}
    for row, key in check.donor_for_row.items():
        first_row[key] = min(row, first_row.get(key, row))
    by_loose: dict[str, list[DonorSlot]] = {}
    for slot in new:
        by_loose.setdefault(loose_name_key(slot.name), []).append(slot)
    for slots in by_loose.values():
        if len(slots) > 1:
            names = " and ".join(f"'{s.name}' (row {first_row.get(s.key, 0)})" for s in slots)
            notes.append(f"possible duplicate donor: {names} may be one person")
            for s in slots:
                flag(check, first_row.get(s.key, 0), "possible duplicate donor (in this file)")
    return by_loose, first_row
