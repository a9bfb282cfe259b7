"""Every fundraising page through AppTest, empty and with the sample exports
imported: no exceptions, the figures they show come from the data, and
their actions (campaigns, merges, plan status, expenses, rates) work."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest
from streamlit.testing.v1 import AppTest

import dates
from db.config import PROJECT_ROOT
from db.gift_commit import commit_import
from db.gift_import import check_import
from imports.gift_file import read_csv
from imports.gift_mapping import default_options
from tests.fundraising.conftest import Desk, sample

# The pages write days in the default locale (en_US), with the year unless
# it is the current one.
YEAR_2025 = f"{dates.day(date(2025, 1, 1), date.today())} to {dates.day(date(2025, 12, 31), date.today())}"

PAGES = (
    "campaigns",
    "donors",
    "retention",
    "recurring",
    "import_gifts",
    "statements",
    "expenses",
    "record_gift",
)


def _page(desk: Desk, name: str, who: str = "fundraiser", **state: object) -> AppTest:
    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / f"{name}.py"), default_timeout=90)
    at.session_state["signed_in"] = getattr(desk, who)
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def _refused_then_corrected(at: AppTest, field: str, save: str, bad: str, error: str, good: str) -> None:
    """Save with a bad value and see the error; then put the good value in, not yet saved."""
    at.text_input(key=field).set_value(bad)
    at.button(key=save).click().run()
    assert error in [e.value for e in at.error]
    at.text_input(key=field).set_value(good)


def _load_samples(desk: Desk) -> None:
    with psycopg.connect(desk.uri) as conn:
        conn.execute(
            "insert into public.campaigns (name, goal_minor, currency, starts_on, ends_on) "
            "values ('Spring Appeal 2025', 500000, 'USD', '2025-01-01', '2025-06-30')"
        )
    for name in ("stripe_payments.csv", "paypal_activity.csv"):
        raw = read_csv(sample(name))
        check = check_import(desk.fundraiser.identity, raw, default_options(raw), name)
        assert not check.errors
        commit_import(desk.fundraiser.identity, check)


@pytest.mark.parametrize("name", PAGES)
def test_pages_open_on_an_empty_database(desk: Desk, name: str) -> None:
    at = _page(desk, name)
    assert not at.exception, at.exception
    board = _page(desk, name, "board")
    assert "Your roles do not include this page." in [e.value for e in board.error]


def test_pages_with_the_sample_imports(desk: Desk) -> None:
    _load_samples(desk)
    for name in PAGES:
        at = _page(desk, name, statements_year=2025, retention_year=2025)
        assert not at.exception, (name, at.exception)

    at = _page(desk, "campaigns", campaigns_pick=None)
    overview = at.dataframe[0].value
    spring = overview[overview["Campaign"] == "Spring Appeal 2025"].iloc[0]
    # Maya 50 + 35, Sophie 120 EUR refunded in full, Haruto 67, Amara 100, Kenji 33.50 (USD).
    assert spring["raised"] == pytest.approx(50 + 35 + 67 + 100 + 33.50)
    assert spring["Status"] == "ended short of the goal"

    at = _page(desk, "retention", retention_year=2025)
    # Everyone first gave in 2025: no FY 2024 donors, so retention is undefined, not 0 %.
    assert at.metric[0].value == "—"


def test_create_a_campaign_and_see_its_errors(desk: Desk) -> None:
    at = _page(desk, "campaigns")
    at.text_input(key="campaign_new_name").set_value("Winter circles")
    _refused_then_corrected(
        at,
        "campaign_new_goal",
        "campaign_new_save",
        "abc",
        "Goal: 'abc' is not an amount (write it like 1234.50)",
        "25,000",
    )
    at.button(key="campaign_new_save").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Campaign Winter circles created."]
    assert at.text_input(key="campaign_new_name").value == ""
    assert at.dataframe[0].value["Campaign"].tolist() == ["Winter circles"]


def test_merge_two_donors_from_the_profile(desk: Desk) -> None:
    _load_samples(desk)
    with psycopg.connect(desk.uri) as conn:
        ids = dict(conn.execute("select display_name, id from public.donors").fetchall())
    at = _page(desk, "donors", donors_pick=ids["Amara Nwosu"])
    assert not at.exception
    at.selectbox(key="donors_merge_duplicate").set_value(ids["Priya Raman"]).run()
    assert at.button(key="donors_merge_button").disabled
    at.checkbox(key="donors_merge_confirm").check().run()
    at.button(key="donors_merge_button").click().run()
    assert not at.exception
    assert "Merged: 1 gift(s) and 0 plan(s) moved to Amara Nwosu." in [s.value for s in at.success]
    with psycopg.connect(desk.uri) as conn:
        assert conn.execute(
            "select merged_into_id from public.donors where id = %s", (ids["Priya Raman"],)
        ).fetchone() == (ids["Amara Nwosu"],)


def test_change_a_plans_status(desk: Desk) -> None:
    _load_samples(desk)
    at = _page(desk, "recurring")
    plan_ids = at.selectbox(key="recurring_plan").options
    assert len(plan_ids) == 2
    at.selectbox(key="recurring_plan").set_value(at.selectbox(key="recurring_plan").options[0])
    at.selectbox(key="recurring_new_status").set_value("cancelled")
    at.text_input(key="recurring_note").set_value("donor asked to stop")
    at.button(key="recurring_save").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["The plan is now cancelled."]
    with psycopg.connect(desk.uri) as conn:
        assert conn.execute(
            "select count(*) from public.recurring_plans "
            "where status = 'cancelled' and cancelled_on is not null"
        ).fetchone() == (1,)


def test_expense_entry_and_errors(desk: Desk) -> None:
    at = _page(desk, "expenses")
    at.text_input(key="expense_amount").set_value("420")
    at.selectbox(key="expense_currency").set_value("EUR")
    at.selectbox(key="expense_category").set_value("admin")
    at.button(key="expense_save").click().run()
    assert "Description: is required" in [e.value for e in at.error]
    at.text_input(key="expense_description").set_value("Office rent, March")
    at.button(key="expense_save").click().run()
    assert [s.value for s in at.success] == ["Saved EUR 420.00 (admin)."]
    with psycopg.connect(desk.uri) as conn:
        assert conn.execute("select reporting_amount_minor, category from public.expenses").fetchall() == [
            (45360, "admin")
        ]


def test_expense_csv_import_all_or_nothing(desk: Desk) -> None:
    from db.expenses import check_expense_file, commit_expense_file

    good = (
        b"date,amount,currency,category,description\n"
        b"2025-03-01,1200.00,USD,Program services,Facilitator fees\n"
        b"2025-03-02,80,GBP,Management and General,Accounting\n"
    )
    bad = good + b"2025-03-03,ten,USD,program,Snacks\n2025-03-04,5,USD,travel,=HYPERLINK(1)\n"
    checked = check_expense_file(desk.fundraiser.identity, bad)
    assert sorted({e.row for e in checked.errors}) == [4, 5]
    assert not checked.can_commit
    with psycopg.connect(desk.uri) as conn:
        assert conn.execute("select count(*) from public.expenses").fetchone() == (0,)
    ok = check_expense_file(desk.fundraiser.identity, good)
    assert commit_expense_file(desk.fundraiser.identity, ok) == 2
    with psycopg.connect(desk.uri) as conn:
        assert conn.execute("select sum(reporting_amount_minor) from public.expenses").fetchone() == (
            120000 + 10080,
        )


def test_save_an_exchange_rate(desk: Desk) -> None:
    at = _page(desk, "import_gifts")
    at.selectbox(key="rate_currency").set_value("CHF")
    _refused_then_corrected(
        at, "rate_value", "rate_save", "1.1a", "'1.1a' is not a rate (write it like 1.08)", "1.13"
    )
    at.date_input(key="rate_valid_on").set_value(date(2025, 1, 1))
    at.button(key="rate_save").click().run()
    assert [s.value for s in at.success] == ["Rate saved: 1 CHF = 1.13 USD."]
    assert at.text_input(key="rate_value").value == ""
    with psycopg.connect(desk.uri) as conn:
        assert conn.execute(
            "select rate::text from public.exchange_rates where currency = 'CHF'"
        ).fetchone() == ("1.1300000000",)


def test_record_a_refund_from_the_donor_profile(desk: Desk) -> None:
    _load_samples(desk)
    with psycopg.connect(desk.uri) as conn:
        amara = conn.execute("select id from public.donors where display_name = 'Amara Nwosu'").fetchone()[0]
        gift = conn.execute("select id from public.donations where donor_id = %s", (amara,)).fetchone()[0]
    at = _page(desk, "donors", donors_pick=amara)
    assert at.selectbox(key="donor_refund_gift").value == gift
    at.text_input(key="donor_refund_amount").set_value("150")
    at.button(key="donor_refund_save").click().run()
    assert [e.value for e in at.error] == ["The refunds would be larger than the gift"]
    at.text_input(key="donor_refund_amount").set_value("40")
    at.button(key="donor_refund_save").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("Refund recorded")
    assert at.text_input(key="donor_refund_amount").value == ""
    with psycopg.connect(desk.uri) as conn:
        assert conn.execute(
            "select refunded_minor from public.donations where id = %s", (gift,)
        ).fetchone() == (4000,)
    # The profile's lifetime total is now net of the refund: 100 - 40.
    assert at.metric[0].value == "USD 60.00"


def test_retention_spells_out_its_abbreviations(desk: Desk) -> None:
    _load_samples(desk)
    at = _page(desk, "retention", retention_year=2025)
    assert not at.exception
    labels = [t.label for t in at.tabs]
    assert labels[0].startswith("LYBUNT: last year, not this year (")
    assert labels[1].startswith("SYBUNT: some year, not last or this year (")
    assert any("Fundraising Effectiveness Project's (FEP)" in c.value for c in at.caption)


def test_statements_use_the_donors_words_skip_full_refunds_and_name_the_issuer(desk: Desk) -> None:
    _load_samples(desk)
    with psycopg.connect(desk.uri) as conn:
        amara = conn.execute("select id from public.donors where display_name = 'Amara Nwosu'").fetchone()[0]
        conn.execute(
            "insert into public.donations (donor_id, received_on, amount_minor, currency, "
            "reporting_amount_minor, method, source, idempotency_key) values "
            "(%s, '2025-11-02', 4000, 'USD', 4000, 'cheque', 'individual', gen_random_uuid()), "
            "(%s, '2025-11-03', 1000, 'USD', 1000, 'other', 'individual', gen_random_uuid())",
            (amara, amara),
        )
    at = _page(desk, "statements", statements_year=2025, statements_donor=amara)
    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    # Sophie Martin's only gift (120 EUR) was refunded in full: no statement of 0.
    assert "Skipped: 1 donor(s) whose every gift of 2025 was refunded in full" in captions
    assert (
        f"Counts donors with a gift received in 2025 ({YEAR_2025}, any channel) that was not "
        "refunded in full: 10 statement(s)" in captions
    )
    assert [t.label for t in at.tabs] == ["One donor", "All 10 donors"]
    assert "Sophie Martin" not in at.dataframe[-1].value["Donor"].tolist()
    channels = at.dataframe[0].value["Channel"].tolist()
    assert channels == ["Online (PayPal)", "Cheque", "By hand"]
    # The demo settings are empty here: the page says what the PDF lacks.
    assert "no address and no tax number" in at.warning[0].value
    with psycopg.connect(desk.uri) as conn:
        conn.execute(
            "update public.movement_settings set legal_name = 'Empathy Movement Inc.', "
            "postal_address = E'1 Main Street\\nSpringfield', tax_number = 'EIN 12-3456789'"
        )
    at = _page(desk, "statements", statements_year=2025)
    assert not at.warning
    assert (
        "Issued by Empathy Movement Inc., 1 Main Street, Springfield · tax number EIN 12-3456789"
        in " ".join(c.value for c in at.caption)
    )


def test_each_page_says_which_donors_it_counts(desk: Desk) -> None:
    # Retention, Statements and Donors count different donors: each says which.
    _load_samples(desk)
    captions = {
        name: " ".join(c.value for c in _page(desk, name, statements_year=2025, retention_year=2025).caption)
        for name in ("retention", "statements", "donors")
    }
    # Sophie Martin's only gift came back: she is on record, but gave nothing net in 2025.
    assert (
        f"Counts 10 donors: those whose gifts received in FY 2025 ({YEAR_2025}) come to more "
        "than zero net of refunds." in captions["retention"]
    )
    assert "that was not refunded in full: 10 statement(s)" in captions["statements"]
    assert "11 of 11 donors on record, with or without gifts" in captions["donors"]


def test_an_admin_sets_the_organisations_details_for_the_statements(desk: Desk) -> None:
    from dataclasses import replace

    from db.errors import NotAllowedError
    from db.movement_settings import save_statement_issuer
    from models.donations import StatementIssuerIn

    _load_samples(desk)
    at = _page(desk, "statements", statements_year=2025)
    assert at.button(key="statements_issuer_save").disabled
    with pytest.raises(NotAllowedError):
        save_statement_issuer(desk.fundraiser.identity, StatementIssuerIn(tax_number="EIN 1"))

    with psycopg.connect(desk.uri) as conn:
        conn.execute(
            "insert into public.roles (user_id, role) values (%s, 'admin')", (desk.fundraiser.user_id,)
        )
    admin = replace(desk.fundraiser, roles=frozenset({"fundraiser", "admin"}))
    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / "statements.py"), default_timeout=90)
    at.session_state["signed_in"] = admin
    at.session_state["statements_year"] = 2025
    at.run()
    at.text_input(key="statements_issuer_name").set_value("  Empathy Movement Inc. ")
    at.text_area(key="statements_issuer_address").set_value("1 Main Street\n\n  Springfield  \n")
    at.text_input(key="statements_issuer_tax").set_value("EIN 12-3456789")
    at.button(key="statements_issuer_save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert [s.value for s in at.success] == ["The organisation's details on the statements are saved."]
    assert not at.warning
    with psycopg.connect(desk.uri) as conn:
        assert conn.execute(
            "select legal_name, postal_address, tax_number from public.movement_settings"
        ).fetchone() == ("Empathy Movement Inc.", "1 Main Street\nSpringfield", "EIN 12-3456789")
    # An emptied field is none at all: the page says the statements lack it.
    at.text_input(key="statements_issuer_tax").set_value("  ")
    at.button(key="statements_issuer_save").click().run()
    assert "print no tax number" in at.warning[0].value
    with psycopg.connect(desk.uri) as conn:
        assert conn.execute("select tax_number from public.movement_settings").fetchone() == (None,)
