"""Each constraint and check trigger rejects its bad input with
InvalidDataError and a sentence a person can act on, while the same row with
that one value fixed is accepted. Capacity and the daily limit hold when many
connections race for them."""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
import pytest
from psycopg import sql

from db.connection import SET_IDENTITY, service_transaction, transaction
from db.errors import InvalidDataError, mapped_errors
from db.identity import Identity
from tests.db import factories as f
from tests.db.factories import DAY, JOINED

pytestmark = pytest.mark.xdist_group("db_constraints")


@dataclass
class Base:
    """Rows the cases point at: one chapter tree, a member, an event with a
    shift, a program, a donor and a campaign."""

    uri: str
    national: int
    region: int
    local: int
    member: int
    event: int
    shift: int
    program: int
    donor: int
    campaign: int


@pytest.fixture(scope="module")
def base(pg_server: object) -> Iterator[Base]:
    with f.private_database(pg_server, "hb_constraints") as uri, f.owner(uri) as conn:
        national = f.add_chapter(conn, "national")
        region = f.add_chapter(conn, "regional", national)
        local = f.add_chapter(conn, "local", region)
        event = f.add_event(conn, local)
        yield Base(
            uri=uri,
            national=national,
            region=region,
            local=local,
            member=f.add_member(conn, local, email=f.unique("m").replace(" ", "") + "@members.test"),
            event=event,
            shift=f.add_shift(conn, event),
            program=f.add_program(conn, local),
            donor=f.add_donor(conn),
            campaign=f.add_campaign(conn),
        )


class _Rollback(Exception):
    pass


def _insert(uri: str, table: str, values: dict[str, Any]) -> None:
    """Insert as the owner (so only constraints decide), then undo it."""
    query = sql.SQL("insert into public.{} ({}) values ({})").format(
        sql.Identifier(table),
        sql.SQL(", ").join(map(sql.Identifier, values)),
        sql.SQL(", ").join(sql.Placeholder() * len(values)),
    )
    with contextlib.suppress(_Rollback), service_transaction(uri) as conn:
        conn.execute(query, list(values.values()))
        raise _Rollback


def _now() -> datetime:
    return datetime(2025, 3, 3, 10, 0, tzinfo=UTC)


# A valid row per table, built against the base rows.
VALID: dict[str, Callable[[Base], dict[str, Any]]] = {
    "chapters": lambda b: {"name": f.unique("Local"), "level": "local", "parent_id": b.region},
    "members": lambda b: {"full_name": "Ada Lovelace", "chapter_id": b.local, "joined_on": JOINED},
    "roles": lambda b: {"user_id": None, "role": "board"},
    "programs": lambda b: {"name": "Circles", "kind": "empathy_circles", "audience": "community"},
    "partners": lambda b: {"name": "Northside School", "kind": "school"},
    "events": lambda b: {
        "chapter_id": b.local,
        "kind": "talk",
        "title": "Why empathy",
        "starts_at": _now(),
        "ends_at": _now() + timedelta(hours=1),
    },
    "attendance": lambda b: {"event_id": b.event, "guest_count": 2},
    "shifts": lambda b: {
        "event_id": b.event,
        "title": "Welcome desk",
        "starts_at": _now(),
        "ends_at": _now() + timedelta(hours=1),
        "capacity": 4,
    },
    "shift_signups": lambda b: {"shift_id": b.shift, "member_id": b.member},
    "volunteer_hours": lambda b: {
        "member_id": b.member,
        "chapter_id": b.local,
        "worked_on": DAY,
        "minutes": 90,
        "activity": "outreach",
        "idempotency_key": uuid.uuid4(),
    },
    "donors": lambda b: {"display_name": "Grace Hopper", "email": "grace@donors.test"},
    "campaigns": lambda b: {
        "name": "Winter appeal",
        "goal_minor": 5_000_000,
        "currency": "EUR",
        "starts_on": date(2025, 11, 1),
        "ends_on": date(2026, 1, 31),
    },
    "exchange_rates": lambda b: {"currency": "CHF", "valid_on": DAY, "rate": "1.13"},
    "donations": lambda b: {
        "donor_id": b.donor,
        "received_on": DAY,
        "amount_minor": 2_500,
        "currency": "EUR",
        "reporting_amount_minor": 2_700,
        "method": "card",
        "idempotency_key": uuid.uuid4(),
    },
    "expenses": lambda b: {
        "spent_on": DAY,
        "amount_minor": 12_000,
        "currency": "USD",
        "reporting_amount_minor": 12_000,
        "category": "program",
        "description": "Workbooks",
    },
    "survey_responses": lambda b: {
        "respondent_code": "R-" + uuid.uuid4().hex[:8],
        "chapter_id": b.local,
        "wave": "pre",
        "answered_on": DAY,
        **f.survey_answers(2),
    },
    "goals": lambda b: {
        "name": "Weekly practice",
        "metric": "impact.weekly_practice",
        "target_value": 0.4,
        "due_on": DAY,
    },
}

NOT_FUTURE = (datetime.now(UTC) + timedelta(days=3)).date()

# (test id, table, the one bad value, words the person reads)
CASES: list[tuple[str, str, dict[str, Any], str]] = [
    ("chapter-empty-name", "chapters", {"name": "   "}, "name must be 1 to 200 characters"),
    ("chapter-bad-level", "chapters", {"level": "galactic"}, "local, regional, national or international"),
    (
        "chapter-local-under-local",
        "chapters",
        {"parent_id": "local"},
        "local chapter cannot sit under a local",
    ),
    ("chapter-regional-under-regional", "chapters", {"level": "regional"}, "cannot sit under a regional"),
    ("chapter-missing-parent", "chapters", {"parent_id": 987_654_321}, "parent chapter does not exist"),
    ("chapter-dormant-without-day", "chapters", {"status": "dormant"}, "needs the day it went dormant"),
    ("chapter-bad-status", "chapters", {"status": "closed"}, "active or dormant"),
    (
        "member-left-before-joining",
        "members",
        {"status": "left", "left_on": date(2023, 1, 1)},
        "cannot leave before",
    ),
    ("member-left-without-day", "members", {"status": "left"}, "needs the day they left"),
    (
        "member-trained-before-joining",
        "members",
        {"trained_on": date(2023, 6, 1)},
        "training cannot come before",
    ),
    ("member-bad-email", "members", {"email": "ada at home"}, "name@example.org"),
    ("member-bad-status", "members", {"status": "asleep"}, "active, inactive or left"),
    ("member-missing-chapter", "members", {"chapter_id": 987_654_321}, "that chapter does not exist"),
    ("member-no-name", "members", {"full_name": None}, "full name is required"),
    (
        "member-duplicate-email",
        "members",
        {"email": "taken@members.test"},
        "a member with this email already exists",
    ),
    ("role-unknown", "roles", {"role": "emperor"}, "board, coordinator, fundraiser, volunteer or admin"),
    (
        "role-coordinator-without-chapter",
        "roles",
        {"role": "coordinator"},
        "coordinator role needs a chapter",
    ),
    ("program-bad-kind", "programs", {"kind": "magic"}, "education, training"),
    ("program-bad-audience", "programs", {"audience": "aliens"}, "school, university"),
    (
        "program-ends-before-start",
        "programs",
        {"started_on": DAY, "ended_on": date(2024, 1, 1)},
        "cannot end before",
    ),
    ("partner-bad-kind", "partners", {"kind": "cartel"}, "school, university, business"),
    ("partner-bad-status", "partners", {"status": "married"}, "prospect, active, paused or ended"),
    (
        "event-ends-before-start",
        "events",
        {"ends_at": _now() - timedelta(hours=1)},
        "must end after it starts",
    ),
    ("event-longer-than-14-days", "events", {"ends_at": _now() + timedelta(days=15)}, "at most 14 days"),
    ("event-bad-kind", "events", {"kind": "rave"}, "workshop, empathy circle"),
    ("event-zero-capacity", "events", {"capacity": 0}, "capacity must be at least 1"),
    ("attendance-nobody", "attendance", {"guest_count": 0}, "a member or at least one guest"),
    ("attendance-too-many-guests", "attendance", {"guest_count": 10_001}, "between 0 and 10,000"),
    ("attendance-twice", "attendance", {"member_id": "member", "guest_count": 0}, "already checked in"),
    ("shift-zero-capacity", "shifts", {"capacity": 0}, "between 1 and 1,000 people"),
    (
        "shift-ends-before-start",
        "shifts",
        {"ends_at": _now() - timedelta(minutes=5)},
        "must end after it starts",
    ),
    ("signup-bad-status", "shift_signups", {"status": "maybe"}, "signed up, cancelled, attended or no show"),
    (
        "signup-cancelled-without-time",
        "shift_signups",
        {"status": "cancelled"},
        "needs the time it was cancelled",
    ),
    ("signup-twice", "shift_signups", {"member_id": "signed_up_member"}, "already signed up for this shift"),
    ("hours-zero-minutes", "volunteer_hours", {"minutes": 0}, "between 1 minute and 24 hours"),
    ("hours-over-a-day", "volunteer_hours", {"minutes": 1441}, "24 hours"),
    (
        "hours-over-a-day-across-entries",
        "volunteer_hours",
        {"minutes": 61, "worked_on": "busy_day"},
        "more than 24 hours",
    ),
    ("hours-in-the-future", "volunteer_hours", {"worked_on": NOT_FUTURE}, "future date"),
    (
        "hours-before-joining",
        "volunteer_hours",
        {"worked_on": JOINED - timedelta(days=1)},
        "before the member joined",
    ),
    ("hours-bad-activity", "volunteer_hours", {"activity": "napping"}, "listed activities"),
    ("hours-bad-status", "volunteer_hours", {"status": "maybe"}, "pending, approved or rejected"),
    ("hours-rejected-without-reason", "volunteer_hours", {"status": "rejected"}, "give a reason"),
    (
        "hours-rejected-with-blank-reason",
        "volunteer_hours",
        {"status": "rejected", "rejection_reason": "  "},
        "give a reason",
    ),
    (
        "hours-duplicate-idempotency-key",
        "volunteer_hours",
        {"idempotency_key": "used_hours_key"},
        "already been saved",
    ),
    ("hours-unknown-event", "volunteer_hours", {"event_id": 987_654_321}, "that event does not exist"),
    (
        "donor-merged-into-itself",
        "donors",
        {"id": 777_777, "merged_into_id": 777_777},
        "merged into themselves",
    ),
    ("donor-bad-kind", "donors", {"kind": "robot"}, "individual, organisation"),
    ("campaign-zero-goal", "campaigns", {"goal_minor": 0}, "goal must be above zero"),
    ("campaign-bad-currency", "campaigns", {"currency": "euro"}, "three-letter code"),
    (
        "campaign-ends-before-start",
        "campaigns",
        {"ends_on": date(2025, 10, 1)},
        "cannot end before it starts",
    ),
    ("rate-zero", "exchange_rates", {"rate": "0"}, "rate must be above zero"),
    ("rate-lower-case-currency", "exchange_rates", {"currency": "chf"}, "three-letter code"),
    ("gift-zero", "donations", {"amount_minor": 0, "reporting_amount_minor": 1}, "above zero and below"),
    ("gift-negative", "donations", {"amount_minor": -500}, "above zero and below"),
    ("gift-too-large", "donations", {"amount_minor": 100_000_000_000}, "above zero and below"),
    ("gift-currency-lower-case", "donations", {"currency": "usd"}, "three-letter code"),
    ("gift-currency-four-letters", "donations", {"currency": "EURO"}, "three-letter code"),
    ("gift-refund-larger-than-gift", "donations", {"refunded_minor": 2_501}, "refunds cannot add up to more"),
    ("gift-fee-larger-than-gift", "donations", {"fee_minor": 2_501}, "fee cannot be larger"),
    ("gift-negative-fee", "donations", {"fee_minor": -1}, "fee cannot be negative"),
    ("gift-processor-without-reference", "donations", {"processor": "stripe"}, "give both or neither"),
    ("gift-bad-method", "donations", {"method": "barter"}, "payment method"),
    ("gift-before-1990", "donations", {"received_on": date(1989, 12, 31)}, "1990 or later"),
    (
        "gift-duplicate-processor-reference",
        "donations",
        {"processor": "stripe", "processor_ref": "used_ref"},
        "reference has already been recorded",
    ),
    (
        "gift-duplicate-idempotency-key",
        "donations",
        {"idempotency_key": "used_gift_key"},
        "already been saved",
    ),
    ("gift-unknown-donor", "donations", {"donor_id": 987_654_321}, "that donor does not exist"),
    ("expense-zero", "expenses", {"amount_minor": 0}, "above zero and below"),
    ("expense-bad-category", "expenses", {"category": "party"}, "program, admin or fundraising"),
    ("expense-bad-currency", "expenses", {"currency": "$"}, "three-letter code"),
    ("survey-item-above-4", "survey_responses", {"q07": 5}, "answer 7 must be between 0"),
    ("survey-item-below-0", "survey_responses", {"q16": -1}, "answer 16 must be between 0"),
    ("survey-bad-wave", "survey_responses", {"wave": "during"}, "pre, post or follow-up"),
    ("survey-bad-code", "survey_responses", {"respondent_code": "a b"}, "3 to 64 letters"),
    ("survey-bad-practice", "survey_responses", {"practice": "hourly"}, "from the list"),
    ("survey-answered-twice", "survey_responses", {"respondent_code": "used_code"}, "already answered"),
    ("goal-bad-metric", "goals", {"metric": "Members Active!"}, "lower-case name"),
    ("goal-not-a-number", "goals", {"target_value": float("nan")}, "target must be a number"),
    ("goal-infinite", "goals", {"target_value": float("inf")}, "target must be a number"),
    ("goal-baseline-not-a-number", "goals", {"baseline_value": float("nan")}, "baseline must be a number"),
]


@pytest.fixture(scope="module")
def used(base: Base) -> dict[str, Any]:
    """Values already taken, for the duplicate cases; and a day already
    holding 23 hours of the base member's time."""
    with f.owner(base.uri) as conn:
        f.add_member(conn, base.local, email="taken@members.test")
        hours_key = uuid.uuid4()
        f.add_hours(conn, base.member, idempotency_key=hours_key, worked_on=DAY - timedelta(days=30))
        busy_day = DAY - timedelta(days=31)
        f.add_hours(conn, base.member, minutes=23 * 60, worked_on=busy_day, status="approved")
        gift_key = uuid.uuid4()
        f.add_donation(
            conn, base.donor, idempotency_key=gift_key, processor="stripe", processor_ref="ch_taken"
        )
        f.add_attendance(conn, base.event, base.member)
        signed_up_member = f.add_member(conn, base.local)
        f.add_signup(conn, base.shift, signed_up_member)
        f.add_survey_response(conn, base.local, respondent_code="taken-code")
    return {
        "member": base.member,
        "signed_up_member": signed_up_member,
        "used_hours_key": hours_key,
        "used_gift_key": gift_key,
        "used_ref": "ch_taken",
        "used_code": "taken-code",
        "busy_day": busy_day,
        "local": base.local,
    }


def _resolve(table: str, bad: dict[str, Any], base: Base, used: dict[str, Any]) -> dict[str, Any]:
    values = VALID[table](base)
    if table == "roles":
        with f.owner(base.uri) as conn:
            values["user_id"] = f.add_user(conn)
    for column, value in bad.items():
        if isinstance(value, str) and value in used:
            value = used[value]
        values[column] = value
    return values


@pytest.mark.parametrize("table", sorted(VALID.keys() - {"movement_settings"}))
def test_the_valid_row_of_each_table_is_accepted(base: Base, used: dict[str, Any], table: str) -> None:
    # Without this, a case could pass because its row was wrong elsewhere.
    _insert(base.uri, table, _resolve(table, {}, base, used))


@pytest.mark.parametrize(("table", "bad", "words"), [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_bad_value_is_rejected_with_a_readable_message(
    base: Base, used: dict[str, Any], table: str, bad: dict[str, Any], words: str
) -> None:
    values = _resolve(table, bad, base, used)
    with pytest.raises(InvalidDataError) as caught:
        _insert(base.uri, table, values)
    message = str(caught.value)
    assert words in message
    for jargon in ("violates", "constraint", "relation", "null value", "_check"):
        assert jargon not in message, f"a person would read database jargon: {message!r}"


SETTINGS_CASES = [
    pytest.param("reporting_currency", "dollars", "three-letter code", id="currency"),
    pytest.param("fiscal_year_start_month", 13, "month from 1 to 12", id="fiscal-month"),
    pytest.param("volunteer_hour_value_minor", -1, "cannot be negative", id="hour-value"),
    pytest.param("movement_name", "", "1 to 200 characters", id="empty-name"),
]


@pytest.mark.parametrize(("column", "value", "words"), SETTINGS_CASES)
def test_movement_settings_reject_bad_values(base: Base, column: str, value: Any, words: str) -> None:
    query = sql.SQL("update public.movement_settings set {} = %s").format(sql.Identifier(column))
    with pytest.raises(InvalidDataError, match=words), service_transaction(base.uri) as conn:
        conn.execute(query, (value,))


def test_there_is_only_ever_one_settings_row(base: Base) -> None:
    with pytest.raises(InvalidDataError), service_transaction(base.uri) as conn:
        conn.execute("insert into public.movement_settings (id) values (false)")
    with pytest.raises(InvalidDataError), service_transaction(base.uri) as conn:
        conn.execute("insert into public.movement_settings (id) values (true)")


def test_a_chapter_in_use_cannot_be_deleted(base: Base) -> None:
    with (
        pytest.raises(InvalidDataError, match="cannot be removed while members still refer to it"),
        service_transaction(base.uri) as conn,
    ):
        conn.execute("delete from public.chapters where id = %s", (base.local,))
    with (
        pytest.raises(InvalidDataError, match="cannot be removed while donations still refer to it"),
        service_transaction(base.uri) as conn,
    ):
        conn.execute("delete from public.donors where id = %s", (base.donor,))


def test_a_chapter_cannot_move_under_a_lower_level(base: Base) -> None:
    with (
        pytest.raises(InvalidDataError, match="regional chapter cannot sit under a local"),
        service_transaction(base.uri) as conn,
    ):
        conn.execute("update public.chapters set parent_id = %s where id = %s", (base.local, base.region))
    with (
        pytest.raises(InvalidDataError, match="national chapter cannot sit under a national"),
        service_transaction(base.uri) as conn,
    ):
        conn.execute("update public.chapters set parent_id = id where id = %s", (base.national,))


def test_lowering_a_shift_below_its_sign_ups_is_refused(base: Base) -> None:
    with f.owner(base.uri) as conn:
        shift = f.add_shift(conn, base.event, capacity=3)
        for _ in range(2):
            f.add_signup(conn, shift, f.add_member(conn, base.local))
    with (
        pytest.raises(InvalidDataError, match="below the number of people already signed up"),
        service_transaction(base.uri) as conn,
    ):
        conn.execute("update public.shifts set capacity = 1 where id = %s", (shift,))


def test_editing_hours_counts_toward_the_daily_limit_too(base: Base) -> None:
    day = DAY - timedelta(days=60)
    with f.owner(base.uri) as conn:
        f.add_hours(conn, base.member, minutes=20 * 60, worked_on=day)
        other = f.add_hours(conn, base.member, minutes=60, worked_on=day)
    with pytest.raises(InvalidDataError, match="more than 24 hours"), service_transaction(base.uri) as conn:
        conn.execute("update public.volunteer_hours set minutes = 5 * 60 where id = %s", (other,))
    # A rejected entry does not count toward the day.
    with service_transaction(base.uri) as conn:
        conn.execute(
            "update public.volunteer_hours set minutes = 5 * 60, status = 'rejected',"
            " rejection_reason = 'duplicate' where id = %s",
            (other,),
        )


def test_hours_take_the_members_chapter_whatever_the_form_says(base: Base) -> None:
    with f.owner(base.uri) as conn:
        hours = f.add_hours(conn, base.member, chapter_id=base.national, worked_on=DAY - timedelta(days=90))
        row = conn.execute("select chapter_id from public.volunteer_hours where id = %s", (hours,)).fetchone()
    assert row == (base.local,)


# --- races: many connections at once -------------------------------------


def _race(uri: str, attempts: list[tuple[Identity, str, tuple[Any, ...]]]) -> list[BaseException | None]:
    """Run each (identity, statement, params) on its own connection; all
    start their statement together, inside an open transaction."""
    barrier = threading.Barrier(len(attempts))
    results: list[BaseException | None] = [None] * len(attempts)

    def run(i: int, identity: Identity, statement: str, params: tuple[Any, ...]) -> None:
        try:
            with psycopg.connect(uri) as conn, mapped_errors(), conn.transaction():
                conn.execute(SET_IDENTITY, (identity.db_role, identity.claims_json()))
                barrier.wait(timeout=30)
                conn.execute(statement, params)  # type: ignore[arg-type]
        except BaseException as exc:  # reported to the test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, *a)) for i, a in enumerate(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a racing connection hung"
    return results


def _volunteers(base: Base, n: int) -> list[tuple[Identity, int]]:
    with f.owner(base.uri) as conn:
        people = []
        for _ in range(n):
            user = f.add_user(conn)
            people.append((Identity(user_id=user), f.add_member(conn, base.local, user_id=user)))
    return people


def test_racing_volunteers_never_overbook_a_shift(base: Base) -> None:
    with f.owner(base.uri) as conn:
        shift = f.add_shift(conn, base.event, capacity=5)
        for _ in range(2):
            f.add_signup(conn, shift, f.add_member(conn, base.local))
    people = _volunteers(base, 12)
    statement = "insert into public.shift_signups (shift_id, member_id) values (%s, %s)"
    results = _race(base.uri, [(who, statement, (shift, member)) for who, member in people])
    failures = [r for r in results if r is not None]
    assert len(results) - len(failures) == 3, failures
    assert all(isinstance(r, InvalidDataError) and str(r) == "this shift is full" for r in failures), failures
    with f.owner(base.uri) as conn:
        row = conn.execute(
            "select s.signed_up, s.capacity, (select count(*) from public.shift_signups u"
            " where u.shift_id = s.id and u.status <> 'cancelled')::int from public.shifts s where s.id = %s",
            (shift,),
        ).fetchone()
    assert row == (5, 5, 5)


def test_a_cancelled_place_can_be_taken_again_and_counts_stay_true(base: Base) -> None:
    people = _volunteers(base, 3)
    with f.owner(base.uri) as conn:
        shift = f.add_shift(conn, base.event, capacity=2)
    sign_up = "insert into public.shift_signups (shift_id, member_id) values (%s, %s) returning id"
    ids = []
    for who, member in people[:2]:
        with transaction(who, base.uri) as conn:
            ids.append(conn.execute(sign_up, (shift, member)).fetchone()["id"])
    with (
        pytest.raises(InvalidDataError, match="this shift is full"),
        transaction(people[2][0], base.uri) as conn,
    ):
        conn.execute(sign_up, (shift, people[2][1]))
    with transaction(people[0][0], base.uri) as conn:
        conn.execute(
            "update public.shift_signups set status = 'cancelled', cancelled_at = now() where id = %s",
            (ids[0],),
        )
    with transaction(people[2][0], base.uri) as conn:
        conn.execute(sign_up, (shift, people[2][1]))
    # Signing up again after cancelling is a new sign-up, and the shift is full again.
    with (
        pytest.raises(InvalidDataError, match="this shift is full"),
        transaction(people[0][0], base.uri) as conn,
    ):
        conn.execute(sign_up, (shift, people[0][1]))
    with f.owner(base.uri) as conn:
        counts = conn.execute(
            "select signed_up, (select count(*) from public.shift_signups"
            " where shift_id = %s and status <> 'cancelled')::int from public.shifts where id = %s",
            (shift, shift),
        ).fetchone()
    assert counts == (2, 2)


def test_racing_entries_never_add_up_to_more_than_a_day(base: Base) -> None:
    ((who, member),) = _volunteers(base, 1)
    statement = (
        "insert into public.volunteer_hours"
        " (member_id, chapter_id, worked_on, minutes, activity, idempotency_key)"
        " values (%s, %s, %s, 300, 'outreach', gen_random_uuid())"
    )
    results = _race(base.uri, [(who, statement, (member, base.local, DAY)) for _ in range(8)])
    failures = [r for r in results if r is not None]
    assert len(results) - len(failures) == 4, failures  # 4 × 5 h = 20 h; a fifth would make 25 h
    assert all(isinstance(r, InvalidDataError) and "more than 24 hours" in str(r) for r in failures), failures
    with f.owner(base.uri) as conn:
        total = conn.execute(
            "select sum(minutes) from public.volunteer_hours where member_id = %s and worked_on = %s",
            (member, DAY),
        ).fetchone()
    assert total == (1200,)


def test_a_double_submit_racing_itself_is_saved_once(base: Base) -> None:
    ((who, member),) = _volunteers(base, 1)
    key = uuid.uuid4()
    statement = (
        "insert into public.volunteer_hours"
        " (member_id, chapter_id, worked_on, minutes, activity, idempotency_key)"
        " values (%s, %s, %s, 30, 'outreach', %s)"
    )
    results = _race(base.uri, [(who, statement, (member, base.local, DAY, key)) for _ in range(4)])
    failures = [r for r in results if r is not None]
    assert len(failures) == 3
    assert all(
        isinstance(r, InvalidDataError) and str(r) == "this entry has already been saved" for r in failures
    )
    with f.owner(base.uri) as conn:
        assert conn.execute(
            "select count(*) from public.volunteer_hours where idempotency_key = %s", (key,)
        ).fetchone() == (1,)
