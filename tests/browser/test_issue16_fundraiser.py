"""Issue 16, a fundraiser's items, in a real browser (1366x900): possible
duplicates (a donor much like one on file, a third identical gift on one
day) are asked about before Record a gift saves and offered for merging on Donors;
Retention, Statements and Donors each say what their donor count counts.

Each test makes its own donors under a unique name in the shared demo copy."""

from __future__ import annotations

import random
import re
import string
from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from playwright.sync_api import expect

import dates
from tests.browser.conftest import (
    choose_in,
    follow_link,
    person_today,
    screenshot,
    served_db,
    sign_in,
    wait_for_app,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

FUNDRAISER = "fundraiser@demo.heartbeat.example"


def _surname() -> str:
    """A surname no other test uses, in letters only (names are compared
    without digits or punctuation)."""
    return "Tester" + "".join(random.choices(string.ascii_lowercase, k=8))


@pytest.fixture
def jane_on_file(pg_server: object) -> Iterator[str]:
    """A donor "Jane Q. Tester<unique>" with two gifts of USD 25.00 on the
    fundraiser's today (her chapter's date); yields the surname."""
    surname = _surname()
    today = person_today(pg_server, FUNDRAISER)
    with psycopg.connect(served_db(pg_server), autocommit=True) as conn:
        row = conn.execute(
            "insert into public.donors (display_name, email, kind) values (%s, %s, 'individual') "
            "returning id",
            (f"Jane Q. {surname}", f"jane.{surname}@example.org"),
        ).fetchone()
        assert row is not None
        for _ in range(2):
            conn.execute(
                "insert into public.donations (donor_id, received_on, amount_minor, currency,"
                " reporting_amount_minor, method, idempotency_key)"
                " values (%s, %s, 2500, 'USD', 2500, 'card', %s)",
                (row[0], today, uuid4()),
            )
        try:
            yield surname
        finally:
            mine = "select id from public.donors where display_name like %s"
            conn.execute(f"delete from public.donations where donor_id in ({mine})", (f"%{surname}",))
            conn.execute("delete from public.donors where display_name like %s", (f"%{surname}",))


def _recorded(pg_server: object, surname: str) -> list[tuple[str, int]]:
    with psycopg.connect(served_db(pg_server)) as conn:
        rows = conn.execute(
            "select n.display_name, count(d.id) from public.donors n left join public.donations d "
            "on d.donor_id = n.id where n.display_name like %s group by n.display_name order by 1",
            (f"%{surname}",),
        ).fetchall()
    return [(str(name), int(n)) for name, n in rows]


def _save_and_see_warning(desk: Any, amount: str, warning: str) -> None:
    """Save the gift form with this amount; the page asks first, with this warning."""
    desk.locator(".st-key-gift_amount input").fill(amount)
    desk.locator(".st-key-gift_save button").click()
    wait_for_app(desk)
    expect(desk.get_by_test_id("stAlertContentWarning").first).to_contain_text(warning)


def _confirm(desk: Any, shot: str) -> None:
    """Take a screenshot of the question, then answer "Record it anyway"."""
    desk.locator(".st-key-gift_confirm").scroll_into_view_if_needed()
    screenshot(desk, shot)
    desk.locator(".st-key-gift_confirm button").click()
    wait_for_app(desk)


def test_possible_duplicates_are_asked_about_before_saving(
    desk: Any, app_url: str, pg_server: object, jane_on_file: str
) -> None:
    """Save first asks: nothing is recorded while the warning shows, and
    only "Record it anyway" records the gift (or the new donor)."""
    surname = jane_on_file
    today = person_today(pg_server, FUNDRAISER)
    sign_in(desk, app_url, FUNDRAISER)
    follow_link(desk, "Record a gift", "Record a gift")

    # A third identical gift on one day.
    choose_in(desk, "gift_donor_id", f"Jane Q. {surname}")
    _save_and_see_warning(
        desk,
        "25.00",
        f"Possible duplicate: Jane Q. {surname} (jane.{surname}@example.org) already has 2 gift(s) of "
        f"USD 25.00 on {dates.day(today, today)}.",
    )
    expect(desk.get_by_test_id("stAlertContentSuccess")).to_have_count(0)
    expect(desk.locator(".st-key-gift_amount input")).to_have_value("25.00")
    assert _recorded(pg_server, surname) == [(f"Jane Q. {surname}", 2)]
    _confirm(desk, "issue16_gift_third_identical_asked")
    saved = desk.get_by_test_id("stAlertContentSuccess")
    expect(saved).to_contain_text(f"Saved USD 25.00 from Jane Q. {surname}")
    assert _recorded(pg_server, surname) == [(f"Jane Q. {surname}", 3)]

    # A new donor much like one on file ("Jane Tester" for "Jane Q. Tester").
    desk.locator(".st-key-gift_donor_mode").get_by_text("New donor", exact=True).click()
    wait_for_app(desk)
    desk.locator(".st-key-gift_new_name input").fill(f"Jane {surname}")
    _save_and_see_warning(
        desk,
        "40.00",
        f"Possible duplicate donor: Jane {surname} is much like Jane Q. {surname} "
        f"(jane.{surname}@example.org), already on file.",
    )
    expect(saved).to_have_count(0)
    assert _recorded(pg_server, surname) == [(f"Jane Q. {surname}", 3)]
    _confirm(desk, "issue16_gift_similar_donor_asked")
    expect(saved).to_contain_text(f"Saved USD 40.00 from Jane {surname}")

    # The donor's profile offers the other as a possible duplicate to merge.
    follow_link(desk, "Donors", "Donors")
    choose_in(desk, "donors_pick", f"Jane Q. {surname}")
    desk.get_by_text("Merge a duplicate into this donor").click()
    expect(desk.get_by_text("Possible duplicates: ", exact=False).first).to_contain_text(f"Jane {surname}")
    desk.get_by_text("Merge a duplicate into this donor").scroll_into_view_if_needed()
    screenshot(desk, "issue16_donor_possible_duplicates")
    assert _recorded(pg_server, surname) == [(f"Jane Q. {surname}", 3), (f"Jane {surname}", 1)]


def _caption_with(page: Any, text: str) -> str:
    caption = page.get_by_test_id("stCaptionContainer").filter(has_text=text).first
    caption.wait_for()
    return str(caption.inner_text())


def _count(pattern: str, text: str) -> int:
    found = re.search(pattern, text)
    assert found, (pattern, text)
    return int(found.group(1).replace(",", ""))


def test_each_donor_count_says_what_it_counts(desk: Any, app_url: str) -> None:
    sign_in(desk, app_url, FUNDRAISER)

    follow_link(desk, "Retention", "Retention")
    retention = _caption_with(desk, "Counts ")
    assert "net of refunds" in retention and "Statements count a calendar tax year" in retention
    retained = _count(r"Counts ([\d,]+) donors: those whose gifts received in FY", retention)
    desk.get_by_test_id("stCaptionContainer").filter(has_text="Counts ").first.scroll_into_view_if_needed()
    screenshot(desk, "issue16_retention_counts")

    follow_link(desk, "Statements", "Year-end statements")
    statements = _caption_with(desk, "Counts donors with a gift received in")
    assert "that was not refunded in full" in statements and "Retention counts a fiscal year" in statements
    stated = _count(r"not refunded in full: ([\d,]+) statement\(s\)", statements)
    screenshot(desk, "issue16_statements_counts")

    follow_link(desk, "Donors", "Donors")
    donors = _caption_with(desk, "donors on record, with or without gifts")
    on_record = _count(r"of ([\d,]+) donors on record, with or without gifts", donors)
    screenshot(desk, "issue16_donors_counts")

    # Three counts of donors, each saying what it counts: the whole file is
    # the largest.
    assert on_record > max(retained, stated), (retained, stated, on_record)
