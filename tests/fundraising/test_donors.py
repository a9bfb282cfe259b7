"""Merging duplicate donors keeps every gift, and the retention figures after
a merge are those of a database where the gifts were always on one donor."""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg
import pytest

from db.donations import gifts_frame, metric_donations
from db.donors import donors_frame, merge_donors, merged_into
from db.errors import InvalidDataError
from metrics.fundraising import fundraising_year
from metrics.lapsed import lybunt_donors
from models.donors import MergeRequest
from tests.conftest import rows_of
from tests.fundraising.conftest import Desk

AS_OF = date(2025, 12, 31)


def _donor(conn: psycopg.Connection[Any], name: str, email: str | None = None) -> int:
    row = conn.execute(
        "insert into public.donors (display_name, email) values (%s, %s) returning id", (name, email)
    ).fetchone()
    assert row is not None
    return int(row[0])


def _gift(conn: psycopg.Connection[Any], donor: int, day: str, amount: int, **extra: Any) -> None:
    cols = {
        "donor_id": donor,
        "received_on": day,
        "amount_minor": amount,
        "currency": "USD",
        "reporting_amount_minor": amount,
        "method": "card",
        "idempotency_key": f"00000000-0000-4000-8000-{abs(hash((donor, day, amount))) % 10**12:012d}",
        **extra,
    }
    conn.execute(
        f"insert into public.donations ({', '.join(cols)}) values ({', '.join(['%s'] * len(cols))})",
        list(cols.values()),
    )


def _world(uri: str, *, duplicate: bool) -> dict[str, int]:
    """Eight donors over 2024–2025; Maya's 2025 gifts sit on a second record
    (same person, entered by name without email) when `duplicate`."""
    with psycopg.connect(uri) as conn:
        ids = {
            name: _donor(conn, name, email)
            for name, email in [
                ("Maya Okafor", "maya@example.org"),
                ("Ben Ode", "ben@example.org"),
                ("Cy Ray", "cy@example.org"),
                ("Di Lum", None),
                ("Ed Fox", "ed@example.org"),
            ]
        }
        maya_2025 = _donor(conn, "Okafor, Maya") if duplicate else ids["Maya Okafor"]
        ids["Maya duplicate"] = maya_2025
        _gift(conn, ids["Maya Okafor"], "2024-03-01", 10_000)
        _gift(conn, maya_2025, "2025-03-01", 12_000)
        _gift(conn, maya_2025, "2025-09-01", 3_000, is_recurring=True)
        _gift(conn, ids["Ben Ode"], "2024-05-01", 5_000)
        _gift(conn, ids["Ben Ode"], "2025-05-01", 4_000)
        _gift(conn, ids["Cy Ray"], "2024-06-01", 2_500)  # lapses in 2025
        _gift(conn, ids["Di Lum"], "2023-01-01", 900)
        _gift(conn, ids["Di Lum"], "2025-01-01", 700)  # recaptured
        _gift(conn, ids["Ed Fox"], "2025-07-01", 1_500)  # new
    return ids


def _figures(desk: Desk) -> tuple[Any, list[int]]:
    donations = metric_donations(gifts_frame(desk.fundraiser.identity))
    year = fundraising_year(donations, year=2025, as_of=AS_OF).collect()
    lybunt = lybunt_donors(donations, year=2025, as_of=AS_OF).collect()["donor_id"].to_list()
    return year, lybunt


def _gift_rows(uri: str) -> list[tuple[Any, ...]]:
    return rows_of(
        uri,
        "select id, received_on, amount_minor, reporting_amount_minor, is_recurring "
        "from public.donations order by id",
    )


def test_merge_keeps_every_gift_and_retention_matches_one_donor_from_the_start(desk: Desk) -> None:
    ids = _world(desk.uri, duplicate=True)
    before_rows = _gift_rows(desk.uri)
    before, lybunt_before = _figures(desk)
    # The duplicate makes Maya look lapsed (2024 record) and new (2025 record).
    assert ids["Maya Okafor"] in lybunt_before

    result = merge_donors(
        desk.fundraiser.identity, MergeRequest(keep_id=ids["Maya Okafor"], duplicate_id=ids["Maya duplicate"])
    )
    assert result.gifts_moved == 2
    # Every gift is still there, with the same amounts and dates.
    assert _gift_rows(desk.uri) == before_rows
    with psycopg.connect(desk.uri) as conn:
        moved = conn.execute(
            "select count(*) from public.donations where donor_id = %s", (ids["Maya Okafor"],)
        ).fetchone()
        audited = conn.execute(
            "select count(*) from public.audit_log where table_name = 'donations' and action = 'update'"
        ).fetchone()
    assert moved == (3,) and audited == (2,)
    assert merged_into(desk.fundraiser.identity, ids["Maya duplicate"]) == ids["Maya Okafor"]
    assert ids["Maya duplicate"] not in donors_frame(desk.fundraiser.identity)["donor_id"].to_list()

    after, lybunt_after = _figures(desk)
    # Money is untouched by a merge.
    assert after.amount_minor == before.amount_minor
    assert after.retention.dollars.value == pytest.approx((12_000 + 3_000 + 4_000) / (10_000 + 5_000 + 2_500))
    assert ids["Maya Okafor"] not in lybunt_after

    # And every figure equals that of a database where Maya was one donor all along.
    desk_single = _single_donor_desk(desk)
    reference, lybunt_reference = _figures(desk_single)
    assert after.retention == reference.retention
    assert after.gains_and_losses == reference.gains_and_losses
    assert after.lapsed == reference.lapsed
    assert len(lybunt_after) == len(lybunt_reference) == 1  # Cy Ray


def _single_donor_desk(desk: Desk) -> Desk:
    """The same world without the duplicate, in the same database after
    clearing it (the figures are read by donor id, which need not match)."""
    with psycopg.connect(desk.uri) as conn:
        conn.execute("truncate public.donations, public.donors, public.audit_log restart identity cascade")
    _world(desk.uri, duplicate=False)
    return desk


def test_merge_moves_plans_takes_over_a_missing_email_and_repoints_earlier_merges(desk: Desk) -> None:
    with psycopg.connect(desk.uri) as conn:
        keep = _donor(conn, "Jo Müller")
        dup = _donor(conn, "Jo Mueller", "jo@example.de")
        older = _donor(conn, "J. Müller")
        conn.execute("update public.donors set merged_into_id = %s where id = %s", (dup, older))
        conn.execute(
            "insert into public.recurring_plans (donor_id, amount_minor, currency, reporting_amount_minor, "
            "started_on) values (%s, 1000, 'USD', 1000, '2025-01-01')",
            (dup,),
        )
    result = merge_donors(desk.fundraiser.identity, MergeRequest(keep_id=keep, duplicate_id=dup))
    assert (result.gifts_moved, result.plans_moved) == (0, 1)
    with psycopg.connect(desk.uri) as conn:
        assert conn.execute("select email from public.donors where id = %s", (keep,)).fetchone() == (
            "jo@example.de",
        )
        assert conn.execute(
            "select merged_into_id from public.donors where id = %s", (older,)
        ).fetchone() == (keep,)
    with pytest.raises(InvalidDataError, match="already been merged"):
        merge_donors(desk.fundraiser.identity, MergeRequest(keep_id=keep, duplicate_id=dup))


def test_a_board_member_cannot_merge(desk: Desk) -> None:
    from db.errors import NotAllowedError

    with psycopg.connect(desk.uri) as conn:
        a, b = _donor(conn, "A One"), _donor(conn, "A  one")
    with pytest.raises((NotAllowedError, InvalidDataError)):
        merge_donors(desk.board.identity, MergeRequest(keep_id=a, duplicate_id=b))
    with psycopg.connect(desk.uri) as conn:
        assert conn.execute(
            "select count(*) from public.donors where merged_into_id is not null"
        ).fetchone() == (0,)
