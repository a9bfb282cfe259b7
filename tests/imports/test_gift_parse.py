"""Gift exports read, mapped and classified without a database: what each
row of Stripe's and PayPal's samples becomes, and the rows a generic file
gets wrong."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from imports.gift_check import ImportCheck
from imports.gift_file import read_csv
from imports.gift_mapping import default_options, detect_format
from imports.gift_parse import ParsedFile, parse_file
from imports.gift_rows import RowIssue
from imports.text import UnreadableFile

SAMPLES = Path(__file__).parents[1] / "fundraising" / "samples"
GENERIC = "reference,date,amount,currency,name,email\n"


def _parse(data: bytes) -> ParsedFile:
    raw = read_csv(data)
    return parse_file(raw, default_options(raw))


def test_stripe_rows_are_gifts_a_failed_charge_and_a_test_payment() -> None:
    data = (SAMPLES / "stripe_payments.csv").read_bytes()
    assert detect_format(read_csv(data).columns) == "stripe"
    parsed = _parse(data)
    assert (len(parsed.gifts), parsed.errors, parsed.warnings) == (9, [], [])
    assert [(s.row, s.reason) for s in parsed.skipped] == [
        (5, "a failed payment (no money received)"),
        (9, "a test-mode payment"),
    ]
    (failure,) = parsed.failures
    assert failure.plan_ref == "cus_RbT7u8i9o0P1q2/USD" and str(failure.failed_on) == "2025-04-01"
    fees = {g.reference: g.fee_minor for g in parsed.gifts}
    # Stripe's USD fee on a EUR charge, in EUR through Stripe's own conversion.
    assert fees["ch_3QkE4fLkdIwHu7ix4e5f6g7h"] == 363
    assert sum(1 for g in parsed.gifts if g.plan_ref) == 3


def test_paypal_rows_are_gifts_a_refund_and_skipped_activity() -> None:
    parsed = _parse((SAMPLES / "paypal_activity.csv").read_bytes())
    assert parsed.format == "paypal" and parsed.date_order == "MDY"
    assert (len(parsed.gifts), len(parsed.refunds), parsed.errors) == (7, 1, [])
    assert [s.reason for s in parsed.skipped] == [
        "not a gift ('General Currency Conversion')",
        "not completed (status 'Pending')",
        "not a gift ('General Withdrawal')",
    ]


def test_generic_rows_report_repeats_negatives_and_bad_values_by_row() -> None:
    parsed = _parse(
        (
            GENERIC
            + "G-1,2025-02-01,25.00,USD,Ada Lovelace,ada@example.org\n"
            + "G-1,2025-02-02,30.00,USD,Ada Lovelace,ada@example.org\n"
            + "G-3,2025-02-03,-5.00,USD,Ada Lovelace,ada@example.org\n"
            + "G-4,2025-02-04,ten,USD,Ada Lovelace,ada@example.org\n"
            + "G-5,2025-02-05,5.00,USD,=SUM(A1),\n"
        ).encode()
    )
    assert [g.reference for g in parsed.gifts] == ["G-1"]
    assert [e.row for e in parsed.errors] == [3, 4, 5, 6]
    assert parsed.errors[0] == RowIssue(3, "repeats the reference of row 2 ('G-1')", "reference", "G-1")
    assert parsed.errors[1].message == "is negative: record a refund against the original gift instead"
    assert parsed.errors[2].message.startswith("Amount (gross): ") and parsed.errors[2].value == "ten"
    assert parsed.errors[3].message.startswith("Donor name: ")


def test_a_generic_row_without_a_reference_gets_one_from_its_values() -> None:
    header = "date,amount,currency,name\n"
    first = _parse((header + "2025-02-01,25.00,USD,Ada Lovelace\n").encode())
    again = _parse((header + "2025-02-01,25.00,usd,ada lovelace\n").encode())
    (gift,) = first.gifts
    assert gift.reference.startswith("row-") and gift.reference == again.gifts[0].reference


def test_a_mapping_without_required_columns_is_the_files_problem() -> None:
    raw = read_csv(b"reference,date,amount\nG-1,2025-02-01,25.00\n")
    options = default_options(raw, "generic")
    parsed = parse_file(raw, options)
    assert parsed.errors == [RowIssue(1, "choose a column for: Currency, Donor name")]
    assert not parsed.gifts
    check = ImportCheck(parsed, options, "x.csv", raw.sha256, "USD", errors=list(parsed.errors))
    assert not check.can_skip_reported_rows
    with pytest.raises(ValueError, match="the file itself has a problem"):
        check.without_reported_rows()
    missing = parse_file(raw, replace(options, mapping={**options.mapping, "currency": "Currency"}))
    assert "the file has no column named: 'Currency'" in [e.message for e in missing.errors]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"id,Amount,id\n1,2,3\n", "the column 'id' appears twice in the header"),
    ],
)
def test_a_file_without_a_usable_header_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(UnreadableFile, match=message):
        read_csv(data)
