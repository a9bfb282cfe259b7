"""The gift entry form through AppTest, against a real database: each path
(existing donor, new donor, email match, name duplicate, recurring,
foreign currency) and each error."""

from __future__ import annotations

import psycopg
from streamlit.testing.v1 import AppTest

from db.config import PROJECT_ROOT
from tests.fundraising.conftest import Desk

PAGE = str(PROJECT_ROOT / "pages" / "record_gift.py")


def _page(desk: Desk, who: str = "fundraiser") -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["signed_in"] = getattr(desk, who)
    return at.run()


def _donor(uri: str, name: str, email: str | None) -> int:
    with psycopg.connect(uri) as conn:
        row = conn.execute(
            "insert into public.donors (display_name, email) values (%s, %s) returning id", (name, email)
        ).fetchone()
    assert row is not None
    return int(row[0])


def _rows(uri: str, sql: str) -> list[tuple[object, ...]]:
    with psycopg.connect(uri) as conn:
        return conn.execute(sql).fetchall()


def _new_donor(at: AppTest, name: str, email: str = "") -> None:
    at.segmented_control(key="gift_donor_mode").set_value("New donor").run()
    at.text_input(key="gift_new_name").set_value(name)
    at.text_input(key="gift_new_email").set_value(email)


def test_a_board_member_is_turned_away(desk: Desk) -> None:
    at = _page(desk, "board")
    assert "Your roles do not include this page." in [e.value for e in at.error]


def test_gift_from_an_existing_donor(desk: Desk) -> None:
    ada = _donor(desk.uri, "Ada Byron", "ada@example.org")
    at = _page(desk)
    assert not at.exception
    at.selectbox(key="gift_donor_id").set_value(ada)
    at.text_input(key="gift_amount").set_value("1,250.50")
    at.button(key="gift_save").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Saved USD 1,250.50 from Ada Byron (ada@example.org)."]
    assert _rows(
        desk.uri, "select donor_id, amount_minor, currency, reporting_amount_minor from public.donations"
    ) == [(ada, 125050, "USD", 125050)]
    # The form is empty again, with a new key for the next gift.
    assert at.text_input(key="gift_amount").value == ""
    assert at.dataframe[-1].value["Donor"].tolist() == ["Ada Byron"]


def test_new_donor_in_a_foreign_currency_is_converted_at_the_stored_rate(desk: Desk) -> None:
    at = _page(desk)
    _new_donor(at, "Jo Müller", "JO@example.de")
    at.text_input(key="gift_amount").set_value("100")
    at.selectbox(key="gift_currency").set_value("EUR")
    at.button(key="gift_save").click().run()
    assert [s.value for s in at.success] == ["Saved EUR 100.00 from Jo Müller (USD 108.00) — a new donor."]
    assert _rows(desk.uri, "select display_name, email from public.donors") == [
        ("Jo Müller", "jo@example.de")
    ]


def test_a_known_email_is_matched_to_the_donor_on_file(desk: Desk) -> None:
    ada = _donor(desk.uri, "Ada Byron", "ada@example.org")
    at = _page(desk)
    _new_donor(at, "Ada Lovelace", "Ada@Example.org")
    at.text_input(key="gift_amount").set_value("20")
    at.button(key="gift_save").click().run()
    assert "matched to the donor already on file with this email" in at.success[0].value
    assert _rows(desk.uri, "select donor_id from public.donations") == [(ada,)]
    assert _rows(desk.uri, "select count(*) from public.donors") == [(1,)]


def test_a_similar_name_must_be_confirmed_before_a_second_donor_is_made(desk: Desk) -> None:
    _donor(desk.uri, "Jane Smith", None)
    at = _page(desk)
    _new_donor(at, "SMITH, Jane")
    at.text_input(key="gift_amount").set_value("30")
    at.button(key="gift_save").click().run()
    assert "already on file" in at.warning[0].value
    assert at.dataframe[0].value["Donor"].tolist() == ["Jane Smith"]
    assert _rows(desk.uri, "select count(*) from public.donations") == [(0,)]
    # The values stay in the form; ticking the box saves a second donor.
    assert at.text_input(key="gift_amount").value == "30"
    at.checkbox(key="gift_create_anyway").check()
    at.button(key="gift_save").click().run()
    assert at.success, [e.value for e in at.error]
    assert _rows(desk.uri, "select count(*) from public.donors") == [(2,)]


def test_recurring_gift_starts_a_plan(desk: Desk) -> None:
    ada = _donor(desk.uri, "Ada Byron", "ada@example.org")
    at = _page(desk)
    at.selectbox(key="gift_donor_id").set_value(ada)
    at.text_input(key="gift_amount").set_value("15")
    at.checkbox(key="gift_recurring").check()
    at.selectbox(key="gift_frequency").set_value("quarterly")
    at.button(key="gift_save").click().run()
    assert at.success
    assert _rows(desk.uri, "select status, frequency, amount_minor from public.recurring_plans") == [
        ("active", "quarterly", 1500)
    ]
    assert _rows(desk.uri, "select recurring_plan_id is not null from public.donations") == [(True,)]


def test_errors_are_shown_and_nothing_is_saved(desk: Desk) -> None:
    ada = _donor(desk.uri, "Ada Byron", "ada@example.org")
    at = _page(desk)
    # No donor, text in the amount.
    at.text_input(key="gift_amount").set_value("fifty")
    at.button(key="gift_save").click().run()
    errors = [e.value for e in at.error]
    assert "Amount: 'fifty' is not an amount (write it like 1234.50)" in errors

    at.selectbox(key="gift_donor_id").set_value(ada)
    for amount, expected in [
        ("0", "Amount: must be more than zero"),
        ("-5", "Amount: the amount must be more than zero"),
        ("12,50", "Amount: '12,50' is not an amount: use a point for decimals, like 12.50"),
        ("", "Amount: '' is not an amount (write it like 1234.50)"),
    ]:
        at.text_input(key="gift_amount").set_value(amount)
        at.button(key="gift_save").click().run()
        assert expected in [e.value for e in at.error], (amount, [e.value for e in at.error])

    at.text_input(key="gift_amount").set_value("1.5")
    at.selectbox(key="gift_currency").set_value("JPY")
    at.button(key="gift_save").click().run()
    assert "JPY has no minor unit: enter a whole number" in at.error[0].value

    # A currency without a stored rate.
    at.text_input(key="gift_amount").set_value("40")
    at.selectbox(key="gift_currency").set_value("CHF")
    at.button(key="gift_save").click().run()
    assert "No exchange rate from CHF to USD" in at.error[0].value

    at.selectbox(key="gift_currency").set_value("USD")
    at.segmented_control(key="gift_donor_mode").set_value("New donor").run()
    at.text_input(key="gift_new_name").set_value("=cmd|' /C calc'!A0")
    at.text_input(key="gift_new_email").set_value("not-an-email")
    at.button(key="gift_save").click().run()
    errors = [e.value for e in at.error]
    assert any(e.startswith("Name: a name cannot start with '='") for e in errors), errors
    assert "Email: 'not-an-email' is not an email address (name@example.org)" in errors
    assert _rows(desk.uri, "select count(*) from public.donations") == [(0,)]
    assert _rows(desk.uri, "select count(*) from public.donors") == [(1,)]


def test_saving_the_same_form_twice_records_one_gift(desk: Desk) -> None:
    ada = _donor(desk.uri, "Ada Byron", "ada@example.org")
    at = _page(desk)
    key = at.session_state["gift_idempotency_key"]
    at.selectbox(key="gift_donor_id").set_value(ada)
    at.text_input(key="gift_amount").set_value("10")
    at.button(key="gift_save").click().run()
    # A resubmission of the same form (as after a lost connection) carries the old key.
    at.session_state["gift_idempotency_key"] = key
    at.selectbox(key="gift_donor_id").set_value(ada)
    at.text_input(key="gift_amount").set_value("10")
    at.button(key="gift_save").click().run()
    assert [s.value for s in at.success] == ["This gift was already saved; nothing was added twice."]
    assert _rows(desk.uri, "select count(*) from public.donations") == [(1,)]


def _count(uri: str, table: str) -> int:
    return int(_rows(uri, f"select count(*) from public.{table}")[0][0])


def test_the_same_gift_twice_in_a_day_is_asked_about_before_it_is_saved(desk: Desk) -> None:
    ada = _donor(desk.uri, "Ada Byron", "ada@example.org")
    at = _page(desk)
    at.selectbox(key="gift_donor_id").set_value(ada)
    at.text_input(key="gift_amount").set_value("30")
    at.button(key="gift_save").click().run()
    assert at.success and not at.warning, [e.value for e in at.error]
    assert _count(desk.uri, "donations") == 1

    # The same gift again: nothing is saved, the warning says why, the form keeps its values.
    at.selectbox(key="gift_donor_id").set_value(ada)
    at.text_input(key="gift_amount").set_value("30")
    at.button(key="gift_save").click().run()
    assert not at.exception and not at.success
    warnings = [w.value for w in at.warning]
    assert warnings[0].startswith(
        "Possible duplicate: Ada Byron (ada@example.org) already has 1 gift(s) of USD 30.00 on "
    ), warnings
    assert "Nothing is saved yet." in warnings[1]
    assert _count(desk.uri, "donations") == 1
    assert at.text_input(key="gift_amount").value == "30"
    assert at.selectbox(key="gift_donor_id").value == ada

    # Confirming records it, once: a second click (a double click) adds nothing.
    at.button(key="gift_confirm").click().run()
    assert [s.value for s in at.success] == ["Saved USD 30.00 from Ada Byron (ada@example.org)."]
    assert not at.warning and not [b for b in at.button if b.key == "gift_confirm"]
    assert _count(desk.uri, "donations") == 2
    assert at.text_input(key="gift_amount").value == ""

    # A different amount the same day saves at once.
    at.selectbox(key="gift_donor_id").set_value(ada)
    at.text_input(key="gift_amount").set_value("31")
    at.button(key="gift_save").click().run()
    assert at.success and not at.warning
    assert _count(desk.uri, "donations") == 3


def test_a_new_donor_differing_by_a_middle_initial_is_asked_about_before_saving(desk: Desk) -> None:
    _donor(desk.uri, "Jane Q. Tester", "jq@example.org")
    at = _page(desk)
    _new_donor(at, "Jane Tester", "jane@example.org")
    at.text_input(key="gift_amount").set_value("20")
    at.button(key="gift_save").click().run()
    assert not at.success
    [warning, _] = [w.value for w in at.warning]
    assert warning.startswith(
        "Possible duplicate donor: Jane Tester is much like Jane Q. Tester (jq@example.org), already on file."
    )
    assert (_count(desk.uri, "donors"), _count(desk.uri, "donations")) == (1, 0)
    assert at.text_input(key="gift_new_name").value == "Jane Tester"

    # A form changed after the warning is looked at again before anything is saved.
    at.text_input(key="gift_amount").set_value("25")
    at.button(key="gift_confirm").click().run()
    assert not at.success and at.warning[0].value.startswith("Possible duplicate donor: Jane Tester")
    assert _count(desk.uri, "donations") == 0

    at.button(key="gift_confirm").click().run()
    assert [s.value for s in at.success] == ["Saved USD 25.00 from Jane Tester — a new donor."]
    assert (_count(desk.uri, "donors"), _count(desk.uri, "donations")) == (2, 1)


def test_a_plain_gift_from_a_new_donor_saves_at_once(desk: Desk) -> None:
    _donor(desk.uri, "Jane Q. Tester", "jq@example.org")
    at = _page(desk)
    _new_donor(at, "Mary Shelley")
    at.text_input(key="gift_amount").set_value("20")
    at.button(key="gift_save").click().run()
    assert [s.value for s in at.success] == ["Saved USD 20.00 from Mary Shelley — a new donor."]
    assert not at.warning
    assert _count(desk.uri, "donations") == 1
