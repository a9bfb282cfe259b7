"""Imports of real-shaped Stripe and PayPal exports: totals, refunds, fees,
recurring plans, idempotency, and malformed files that change nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import psycopg
import pytest

from db import clock
from db.errors import InvalidDataError
from db.gift_commit import ImportResult, commit_import
from db.gift_import import check_import
from db.identity import Identity
from imports.gift_check import ImportCheck
from imports.gift_file import read_csv
from imports.gift_mapping import default_options, detect_format
from imports.gift_preview import preview_frame
from models.spreadsheet import safe_csv
from tests.fundraising.conftest import Desk, sample

TABLES = ("donations", "donors", "donation_refunds", "recurring_plans", "gift_imports")


def _check(identity: Identity, data: bytes, name: str = "upload.csv", **changes: Any) -> ImportCheck:
    raw = read_csv(data)
    options = default_options(raw)
    if changes:
        options = replace(options, **changes)
    return check_import(identity, raw, options, name)


def _import(identity: Identity, data: bytes, name: str = "upload.csv") -> ImportResult:
    check = _check(identity, data, name)
    assert check.errors == [], check.errors
    return commit_import(identity, check)


def _totals(uri: str) -> dict[str, Any]:
    with psycopg.connect(uri) as conn:
        row = conn.execute(
            """
            select count(*) as gifts,
                   coalesce(sum(reporting_amount_minor), 0) as gross,
                   coalesce(sum(round(reporting_amount_minor::numeric * (amount_minor - refunded_minor)
                                      / amount_minor)), 0)::bigint as net,
                   coalesce(sum(fee_minor), 0) as fees,
                   (select count(*) from public.donors) as donors,
                   (select count(*) from public.donation_refunds) as refunds,
                   (select count(*) from public.recurring_plans) as plans
              from public.donations
            """
        ).fetchone()
        assert row is not None
        return dict(zip(("gifts", "gross", "net", "fees", "donors", "refunds", "plans"), row, strict=True))


def _counts(uri: str) -> dict[str, int]:
    with psycopg.connect(uri) as conn:
        return {t: conn.execute(f"select count(*) from public.{t}").fetchone()[0] for t in TABLES}  # type: ignore[index]


def test_stripe_sample_imports_with_refunds_fees_and_plans_and_twice_adds_nothing(desk: Desk) -> None:
    data = sample("stripe_payments.csv")
    assert detect_format(read_csv(data).columns) == "stripe"
    first = _import(desk.fundraiser.identity, data, "stripe_payments.csv")
    # 11 rows: 9 paid (two refunded), one failed subscription charge, one test-mode payment.
    assert (first.gifts_added, first.rows_skipped, first.donors_added) == (9, 2, 6)
    totals = _totals(desk.uri)
    # USD cents: 50 + 3 × 25 + 120 EUR × 1.08 + 200 GBP × 1.26 + 10,000 JPY × 0.0067 + 500 + 35.
    assert totals["gross"] == 5000 + 7500 + 12960 + 25200 + 6700 + 50000 + 3500
    # Sophie's 120 EUR came back in full, 50 of Oliver's 200 GBP.
    assert totals["net"] == totals["gross"] - 12960 - 6300
    assert totals["refunds"] == 2
    with psycopg.connect(desk.uri) as conn:
        # Stripe states the fee in USD; a EUR charge's fee is brought back to EUR
        # by Stripe's own conversion (3.92 × 120 / 129.60 = 3.63).
        fee = conn.execute(
            "select fee_minor from public.donations where processor_ref = 'ch_3QkE4fLkdIwHu7ix4e5f6g7h'"
        ).fetchone()
        assert fee is not None and fee[0] == 363
        # The same email in another case is the same donor.
        maya = conn.execute(
            "select count(distinct donor_id) from public.donations d "
            "join public.donors n on n.id = d.donor_id where lower(n.email) = 'maya.okafor@example.org'"
        ).fetchone()
        assert maya is not None and maya[0] == 1
        # Daniel's subscription: three paid charges, one failure before the last.
        plan = conn.execute(
            "select status, frequency, "
            "(select count(*) from public.donations where recurring_plan_id = p.id) "
            "from public.recurring_plans p"
        ).fetchall()
        assert plan == [("active", "monthly", 3)]

    again = _import(desk.fundraiser.identity, data, "stripe_payments.csv")
    assert again.gifts_added == 0 and again.gifts_already_recorded == 9 and again.donors_added == 0
    assert _totals(desk.uri) == totals


def test_paypal_sample_imports_refund_rows_and_twice_gives_the_same_totals(desk: Desk) -> None:
    data = sample("paypal_activity.csv")
    check = _check(desk.fundraiser.identity, data)
    assert check.parsed.format == "paypal"
    assert check.parsed.date_order == "MDY"  # 03/14/2025 can only be month first
    first = commit_import(desk.fundraiser.identity, check)
    # 7 gifts, 1 refund; a conversion, a withdrawal and a pending payment skipped.
    assert (first.gifts_added, first.refunds_applied, first.rows_skipped) == (7, 1, 3)
    totals = _totals(desk.uri)
    assert totals["gross"] == 10000 + 3 * 1500 + 135000 + 3350 + 7560
    # 250 of Ingrid's 1,250 EUR refunded: net 1,000 EUR = 1,080.00 USD.
    assert totals["net"] == totals["gross"] - 27000
    with psycopg.connect(desk.uri) as conn:
        ingrid = conn.execute(
            "select refunded_minor, fee_minor from public.donations where processor_ref = '2MN45678GH901234J'"
        ).fetchone()
        assert ingrid == (25000, 4388 - 875)
        plan = conn.execute("select processor_ref, status from public.recurring_plans").fetchall()
        assert plan == [("I-8WXYZ12AB3CD", "active")]
        campaign_less = conn.execute(
            "select count(*) from public.donations where campaign_id is null"
        ).fetchone()
        assert campaign_less == (7,)  # no campaign called "Spring Appeal 2025" exists yet
    assert any("Spring Appeal 2025" in w for w in check.warnings)

    again = _import(desk.fundraiser.identity, data)
    assert (again.gifts_added, again.refunds_applied) == (0, 0)
    assert _totals(desk.uri) == totals


def test_a_later_stripe_export_with_a_grown_refund_updates_it_once(desk: Desk) -> None:
    data = sample("stripe_payments.csv")
    _import(desk.fundraiser.identity, data)
    grown = data.replace(b"200.00,50.00,gbp,252.00,63.00", b"200.00,80.00,gbp,252.00,100.80")
    assert grown != data
    check = _check(desk.fundraiser.identity, grown)
    assert len(check.refund_updates) == 1 and not check.new_gifts
    with psycopg.connect(desk.uri) as conn:
        # The first export was imported on an earlier day.
        conn.execute(
            "update public.donation_refunds set refunded_on = date '2026-01-15'"
            " where processor_ref = 'ch_3QlF5gLkdIwHu7ix5f6g7h8i#refunded'"
        )
    commit_import(desk.fundraiser.identity, check)
    commit_import(desk.fundraiser.identity, _check(desk.fundraiser.identity, grown))
    with psycopg.connect(desk.uri) as conn:
        row = conn.execute(
            "select refunded_minor from public.donations where processor_ref = 'ch_3QlF5gLkdIwHu7ix5f6g7h8i'"
        ).fetchone()
        refunds = conn.execute(
            "select refunded_on, amount_minor from public.donation_refunds"
            " where processor_ref like 'ch_3QlF5gLkdIwHu7ix5f6g7h8i#%' order by refunded_on"
        ).fetchall()
    assert row == (8000,)
    # What was known at an earlier date stays as it was: the growth is a
    # refund of its own, on the importer's local day.
    today = clock.today_in(clock.person_time_zone(desk.fundraiser.identity))
    assert refunds == [(date(2026, 1, 15), 5000), (today, 3000)]


def _messages(check: ImportCheck) -> dict[int, str]:
    out: dict[int, str] = {}
    for e in check.errors:
        out[e.row] = f"{out[e.row]}; {e.message}" if e.row in out else e.message
    return out


def _assert_rejected(
    desk: Desk, data: bytes, expected_rows: set[int], *, mapping: dict[str, Any] | None = None
) -> ImportCheck:
    before = _counts(desk.uri)
    check = _check(desk.fundraiser.identity, data, **({"mapping": mapping} if mapping else {}))
    assert {e.row for e in check.errors} == expected_rows, check.errors
    assert not check.can_commit
    with pytest.raises(InvalidDataError):
        commit_import(desk.fundraiser.identity, check)
    assert _counts(desk.uri) == before
    return check


def test_missing_columns_are_reported_and_nothing_is_written(desk: Desk) -> None:
    text = sample("stripe_payments.csv").decode()
    header, *rest = text.splitlines()
    columns = header.split(",")
    drop = columns.index("Currency")
    broken = "\n".join(
        ",".join(c for i, c in enumerate(line.split(",")) if i != drop) for line in [header, *rest]
    )
    raw = read_csv(broken.encode())
    options = default_options(raw, "stripe")
    check = check_import(desk.fundraiser.identity, raw, options, "broken.csv")
    assert [e.row for e in check.errors] == [1]
    assert "Currency" in check.errors[0].message
    before = _counts(desk.uri)
    with pytest.raises(InvalidDataError):
        commit_import(desk.fundraiser.identity, check)
    assert _counts(desk.uri) == before


def test_text_in_amounts_unknown_currencies_and_formula_names_report_every_bad_row(desk: Desk) -> None:
    lines = sample("paypal_activity.csv").decode("utf-8-sig").splitlines()
    lines[1] = lines[1].replace('"100.00"', '"one hundred"')  # row 2: text in the amount
    lines[4] = lines[4].replace('"EUR"', '"XYZ"', 1)  # row 5: no such currency
    lines[10] = lines[10].replace('"Kenji Watanabe"', '"=HYPERLINK(""http://x.example"",""Kenji"")"')
    lines[11] = lines[11].replace('"Priya Raman"', '"@SUM(A1:A9)"')
    check = _assert_rejected(desk, "\r\n".join(lines).encode(), {2, 5, 11, 12})
    messages = _messages(check)
    assert "one hundred" in messages[2]
    assert "XYZ" in messages[5] and "ISO 4217" in messages[5]
    assert "formula" in messages[11] and "formula" in messages[12]
    # The refund of row 6 points at row 5's payment, which is bad: it is
    # left out with a warning rather than applied to nothing.
    assert any("refund" in w for w in check.warnings)
    preview = preview_frame(check)
    assert preview.filter(preview["outcome"] == "error")["row"].to_list() == [2, 5, 11, 12]


def test_rows_with_repeated_references_negative_generic_amounts_and_missing_rates(desk: Desk) -> None:
    csv_text = (
        "reference,date,amount,currency,name,email\n"
        "G-1,2025-02-01,25.00,USD,Ada Byron,ada@example.org\n"
        "G-1,2025-02-02,30.00,USD,Ada Byron,ada@example.org\n"
        "G-2,2025-02-03,-5.00,USD,Ada Byron,ada@example.org\n"
        "G-3,2025-02-04,40.00,CHF,Alan Turing,alan@example.org\n"
        "G-4,2025-02-05,12.345,USD,Grace Hopper,grace@example.org\n"
        "G-5,2025-02-30,12.00,USD,Grace Hopper,grace@example.org\n"
        "G-6,2025-02-06,10.00,USD,+44 7700 900123,\n"
    )
    check = _assert_rejected(desk, csv_text.encode(), {3, 4, 5, 6, 7, 8})
    messages = _messages(check)
    assert "row 2" in messages[3]
    assert "refund" in messages[4]
    assert "CHF" in messages[5] and "exchange rate" in messages[5]
    assert "2 decimal places" in messages[6]
    assert "not a date" in messages[7]
    assert "formula" in messages[8]


def test_a_generic_file_without_references_is_still_idempotent(desk: Desk) -> None:
    csv_text = (
        "Date,Amount,Currency,Donor,Email,Recurring,Campaign\n"
        "14/02/2025,20.00,EUR,Jo Müller,jo@example.de,yes,\n"
        "14/03/2025,20.00,EUR,Jo Müller,jo@example.de,yes,\n"
        "01/03/2025,1 000,USD,Acme Cooperative,,no,\n"
    )
    first = _import(desk.fundraiser.identity, csv_text.encode())
    assert first.gifts_added == 3 and first.donors_added == 2
    again = _import(desk.fundraiser.identity, csv_text.encode())
    assert again.gifts_added == 0
    with psycopg.connect(desk.uri) as conn:
        rows = conn.execute(
            "select received_on::text, amount_minor, is_recurring from public.donations order by received_on"
        ).fetchall()
    assert rows == [("2025-02-14", 2000, True), ("2025-03-01", 100000, False), ("2025-03-14", 2000, True)]


def test_a_board_member_cannot_import(desk: Desk) -> None:
    from db.errors import NotAllowedError

    check = _check(desk.board.identity, sample("stripe_payments.csv"))
    with pytest.raises(NotAllowedError):
        commit_import(desk.board.identity, check)
    assert _counts(desk.uri)["donations"] == 0


def test_csv_exports_neutralise_formulas() -> None:
    import polars as pl

    frame = pl.DataFrame({"name": ["=1+1", "+SUM(A1)", "-2", "@x", "Ada"], "amount": [-5, 1, 2, 3, 4]})
    text = safe_csv(frame).decode("utf-8-sig")
    assert text.splitlines()[1:] == ["'=1+1,-5", "'+SUM(A1),1", "'-2,2", "'@x,3", "Ada,4"]


def test_two_imports_checked_at_once_create_each_donor_once(desk: Desk) -> None:
    stripe = sample("stripe_payments.csv")
    first = _check(desk.fundraiser.identity, stripe)
    # A second file with one of the same donors, checked before the first is saved.
    other = (
        b"reference,date,amount,currency,name,email\n"
        b"X-1,2025-05-05,40.00,USD,Maya Okafor,maya.okafor@example.org\n"
    )
    second = _check(desk.fundraiser.identity, other)
    assert second.donors_to_create == 1
    commit_import(desk.fundraiser.identity, first)
    result = commit_import(desk.fundraiser.identity, second)
    assert (result.gifts_added, result.donors_added) == (1, 0)
    with psycopg.connect(desk.uri) as conn:
        assert conn.execute(
            "select count(*) from public.donors where lower(email) = 'maya.okafor@example.org'"
        ).fetchone() == (1,)


def test_the_check_counts_the_refunds_it_applies_and_totals_gross_refunds_and_net(desk: Desk) -> None:
    # Stripe states two refunds on new charges (Sophie's and Oliver's): the
    # check said "Refunds to apply 0" and the import then applied 2.
    check = _check(desk.fundraiser.identity, sample("stripe_payments.csv"))
    assert check.refunds_to_apply == 2
    assert (check.gross_reporting_minor, check.refunds_reporting_minor) == (110_860, 12_960 + 6_300)
    result = commit_import(desk.fundraiser.identity, check)
    assert result.refunds_applied == check.refunds_to_apply
    totals = _totals(desk.uri)
    assert check.gross_reporting_minor == totals["gross"]
    assert check.net_reporting_minor == totals["net"]

    paypal = _check(desk.fundraiser.identity, sample("paypal_activity.csv"))
    assert paypal.refunds_to_apply == 1
    assert paypal.refunds_reporting_minor == 27_000  # 250 of Ingrid's 1,250 EUR at 1.08
    assert commit_import(desk.fundraiser.identity, paypal).refunds_applied == 1
    assert _totals(desk.uri)["net"] == check.net_reporting_minor + paypal.net_reporting_minor


def test_a_refund_row_for_a_recorded_gift_counts_in_the_refunds(desk: Desk) -> None:
    lines = sample("paypal_activity.csv").decode("utf-8-sig").splitlines()
    without_refund = "\r\n".join(line for i, line in enumerate(lines) if i != 5).encode()
    _import(desk.fundraiser.identity, without_refund)
    later = _check(desk.fundraiser.identity, "\r\n".join(lines).encode())
    assert (len(later.new_gifts), later.refunds_to_apply) == (0, 1)
    assert (later.gross_reporting_minor, later.refunds_reporting_minor) == (0, 27_000)
    assert later.net_reporting_minor == -27_000
    before = _totals(desk.uri)["net"]
    commit_import(desk.fundraiser.identity, later)
    assert _totals(desk.uri)["net"] == before - 27_000


def test_rows_with_problems_can_be_left_out_and_the_rest_imported_at_once(desk: Desk) -> None:
    data = sample("stripe_payments.csv")
    _import(desk.fundraiser.identity, data)
    lines = data.decode().splitlines()
    new_row = lines[1].replace("ch_3QhA1bLkdIwHu7ix0a1b2c3d", "ch_NEW1").replace("2025-01-15", "2025-06-01")
    # The same charge twice in a later export: that one row blocked the file.
    later = "\n".join([*lines, new_row, lines[2]]).encode()
    before = _counts(desk.uri)
    check = _check(desk.fundraiser.identity, later)
    assert {e.row for e in check.errors} == {14} and "repeats the reference" in check.errors[0].message
    assert not check.can_commit and check.can_skip_reported_rows
    with pytest.raises(InvalidDataError):
        commit_import(desk.fundraiser.identity, check)
    assert _counts(desk.uri) == before

    rest = check.without_reported_rows()
    assert rest.errors == [] and rest.reported_rows_skipped == [14] and rest.can_commit
    assert check.errors, "the check itself still reports the row"
    result = commit_import(desk.fundraiser.identity, rest)
    assert (result.gifts_added, result.gifts_already_recorded, result.rows_skipped) == (1, 9, 3)
    with psycopg.connect(desk.uri) as conn:
        assert conn.execute(
            "select gifts_added, rows_skipped from public.gift_imports order by id desc limit 1"
        ).fetchone() == (1, 3)


def test_a_problem_with_the_whole_file_cannot_be_skipped(desk: Desk) -> None:
    raw = read_csv(b"reference,date,amount\nG-1,2025-02-01,25.00\n")
    check = check_import(desk.fundraiser.identity, raw, default_options(raw, "generic"), "x.csv")
    assert [e.row for e in check.errors] == [1]
    assert not check.can_skip_reported_rows
    with pytest.raises(ValueError, match="the file itself has a problem"):
        check.without_reported_rows()


def test_possible_duplicate_gifts_and_donors_are_warned_about_but_imported(desk: Desk) -> None:
    header = "reference,date,amount,currency,name,email\n"
    _import(
        desk.fundraiser.identity,
        (header + "G-0,2025-01-10,50.00,USD,Jane Q. Tester,jq@example.org\n").encode(),
    )
    csv_text = header + (
        "G-1,2025-02-01,25.00,USD,Ada Byron,ada@example.org\n"
        "G-2,2025-02-01,25.00,USD,Ada Byron,ada@example.org\n"
        "G-3,2025-02-01,25.00,USD,Ada Byron,ada@example.org\n"
        "G-4,2025-02-02,40.00,USD,Jane Tester,jane@example.org\n"
        "G-5,2025-02-03,10.00,USD,José Núñez,\n"
        "G-6,2025-02-04,12.00,USD,jose M. NUNEZ,\n"
        "G-7,2025-01-10,50.00,USD,Jane Q. Tester,JQ@example.org\n"
        "G-8,2025-02-01,30.00,USD,Ada Byron,ada@example.org\n"
    )
    check = _check(desk.fundraiser.identity, csv_text.encode())
    assert check.errors == [] and check.can_commit
    warnings = " | ".join(check.warnings)
    assert "possible duplicate: rows 2, 3, 4 are each USD 25.00 from Ada Byron on 2025-02-01" in warnings
    assert (
        "possible duplicate donor: 'Jane Tester' (row 5) is much like 'Jane Q. Tester' (jq@example.org)"
        in warnings
    )
    assert (
        "possible duplicate donor: 'José Núñez' (row 6) and 'jose M. NUNEZ' (row 7) may be one person"
        in warnings
    )
    assert "row(s) 8 match a gift already recorded for the same donor" in warnings
    assert set(check.possible_duplicates) == {2, 3, 4, 5, 6, 7, 8}
    detail = dict(preview_frame(check).select("row", "detail").iter_rows())
    assert "possible duplicate" in detail[3] and "possible duplicate" not in detail[9]
    assert commit_import(desk.fundraiser.identity, check).gifts_added == 8


def test_loose_name_keys_drop_middle_initials_case_and_accents() -> None:
    from models.donors import loose_name_key

    assert loose_name_key("Jane Q. Tester") == loose_name_key("jane TESTER") == "jane tester"
    assert loose_name_key("José M Núñez") == loose_name_key("Nunez, Jose") == "jose nunez"
    assert loose_name_key("J. Tester") == "j tester"
    assert loose_name_key("Jane Tester") != loose_name_key("Jane Testers")
