"""Concurrency against the real database: many sessions at once, each with
its own connection and identity, through the app's own functions.

- 50 sessions each submit 20 entries, some twice (in a row and racing each
  other, as a double click does): every accepted entry is stored exactly
  once, and racing entries never push a member-day past 24 hours.
- Racing sign-ups (and cancellations) for the last slots: no shift is ever
  overbooked, and the count on each shift equals its live sign-ups.
"""

from __future__ import annotations

import contextlib
import random
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar

import psycopg
import pytest

from components.session import SignedIn
from db import hours, shifts
from db.config import get_settings
from db.errors import InvalidDataError
from models.hours import MSG_DAY_LIMIT, HoursEntry
from models.shifts import CancelRequest, SignUpRequest
from tests.volunteer.conftest import World, add_event, add_person, add_shift

# Each racing test holds up to 55 connections, and the wait-list races 40: on
# two workers at once they passed PostgreSQL's 100 slots, so they share one.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("racing")]

SESSIONS = 50
ENTRIES = 20
T = TypeVar("T")


@pytest.fixture
def many(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[SignedIn]]:
    """50 volunteers, and a connection pool big enough that each session
    holds its own connection while they race."""
    monkeypatch.setenv("POOL_MAX_SIZE", str(SESSIONS + 5))
    get_settings.cache_clear()
    people = []
    with psycopg.connect(world.uri, autocommit=True) as conn:
        for i in range(SESSIONS):
            person, _ = add_person(
                conn, f"v{i:02d}@race.example", f"Racer {i:02d}", world.local, {"volunteer": None}
            )
            people.append(person)
    return people


def run_together(tasks: list[Callable[[], T]]) -> list[T]:
    """Start every task at the same moment, each on its own thread."""
    barrier = threading.Barrier(len(tasks))

    def go(task: Callable[[], T]) -> T:
        barrier.wait()
        return task()

    with ThreadPoolExecutor(max_workers=len(tasks)) as pool:
        return list(pool.map(go, tasks))


def test_fifty_sessions_submitting_twenty_entries_some_twice(world: World, many: list[SignedIn]) -> None:
    today = date.today()
    crowded_day = today - timedelta(days=30)

    def session(person: SignedIn, seed: int) -> dict[str, object]:
        rng = random.Random(seed)
        me = person.identity
        accepted: dict[uuid.UUID, int] = {}
        repeats = 0
        day_limit_refusals = 0
        for i in range(ENTRIES):
            entry = HoursEntry(
                worked_on=today - timedelta(days=1 + i % 10),
                minutes=rng.randint(15, 120),
                activity=rng.choice(["outreach", "training", "event_support", "administration"]),
                idempotency_key=uuid.uuid4(),
            )
            if i % 4 == 0:
                # A double click: the same entry twice at the same moment.
                results = run_together([lambda e=entry: hours.log_hours(me, e)] * 2)
                assert results[0].id == results[1].id
                assert sorted(r.already_saved for r in results) == [False, True]
                repeats += 1
            saved = hours.log_hours(me, entry)
            if i % 4 != 0 and i % 3 == 0:
                # A rerun or reload submitting it again a moment later.
                again = hours.log_hours(me, entry)
                assert again.already_saved and again.id == saved.id
                repeats += 1
            accepted[entry.idempotency_key] = saved.id
        # Two different entries racing for one day: 800 + 800 minutes cannot both fit.
        a = HoursEntry(worked_on=crowded_day, minutes=800, activity="other", idempotency_key=uuid.uuid4())
        b = a.model_copy(update={"idempotency_key": uuid.uuid4()})

        def attempt(e: HoursEntry) -> hours.SavedHours | str:
            try:
                return hours.log_hours(me, e)
            except InvalidDataError as exc:
                return str(exc)

        outcomes = run_together([lambda: attempt(a), lambda: attempt(b)])
        for e, outcome in zip((a, b), outcomes, strict=True):
            if isinstance(outcome, str):
                assert outcome.startswith(MSG_DAY_LIMIT)
                day_limit_refusals += 1
            else:
                accepted[e.idempotency_key] = outcome.id
        return {"accepted": accepted, "repeats": repeats, "refused": day_limit_refusals}

    results = run_together([lambda p=p, i=i: session(p, i) for i, p in enumerate(many)])

    accepted = {k: v for r in results for k, v in r["accepted"].items()}  # type: ignore[attr-defined]
    assert len(accepted) == SESSIONS * (ENTRIES + 1)
    assert sum(r["refused"] for r in results) == SESSIONS  # type: ignore[misc]
    assert sum(r["repeats"] for r in results) > SESSIONS * 5  # type: ignore[misc]
    with psycopg.connect(world.uri) as conn:
        stored = dict(conn.execute("select idempotency_key, id from public.volunteer_hours").fetchall())
        over = conn.execute(
            "select count(*) from (select member_id, worked_on from public.volunteer_hours "
            "group by 1, 2 having sum(minutes) > 1440) t"
        ).fetchone()[0]
    # Every accepted entry exactly once, under the id its submitter was told.
    assert stored == accepted
    assert over == 0


def test_racing_for_the_last_slots_never_overbooks(world: World, many: list[SignedIn]) -> None:
    start = datetime.now(UTC) + timedelta(days=3)
    with psycopg.connect(world.uri, autocommit=True) as conn:
        event = add_event(conn, world.local, "Big day", start, 8)
        capacities = [1, 2, 3, 5, 8]
        shift_ids = [add_shift(conn, event, f"Slot x{c}", start, 2, c) for c in capacities]

    def take_all(person: SignedIn, seed: int) -> list[tuple[int, str]]:
        order = shift_ids[:]
        random.Random(seed).shuffle(order)
        out = []
        for shift_id in order:
            try:
                shifts.sign_up(person.identity, SignUpRequest(shift_id=shift_id))
                out.append((shift_id, "ok"))
            except InvalidDataError as exc:
                out.append((shift_id, str(exc)))
        return out

    results = run_together([lambda p=p, i=i: take_all(p, i) for i, p in enumerate(many)])
    for shift_id, capacity in zip(shift_ids, capacities, strict=True):
        outcomes = [message for r in results for s, message in r if s == shift_id]
        assert outcomes.count("ok") == capacity
        assert set(outcomes) - {"ok"} == {shifts.MSG_FULL}

    # Cancellations and new sign-ups racing: the count follows the rows.
    holders = {
        int(r["signup_id"]): p for p in many for r in shifts.my_signups(p.identity).iter_rows(named=True)
    }

    def churn(person: SignedIn, seed: int) -> None:
        rng = random.Random(seed)
        for signup_id, holder in holders.items():
            if holder is person and rng.random() < 0.5:
                shifts.cancel_signup(person.identity, CancelRequest(signup_id=signup_id))
        for shift_id in rng.sample(shift_ids, 3):
            with contextlib.suppress(InvalidDataError):
                shifts.sign_up(person.identity, SignUpRequest(shift_id=shift_id))

    run_together([lambda p=p, i=i: churn(p, 1000 + i) for i, p in enumerate(many)])
    # Then everyone races for every shift once more: each fills up again.
    again = run_together([lambda p=p, i=i: take_all(p, 2000 + i) for i, p in enumerate(many)])
    messages = {message for r in again for _, message in r}
    assert messages <= {"ok", shifts.MSG_FULL, "you are already signed up for this shift"}
    with psycopg.connect(world.uri) as conn:
        rows = conn.execute(
            "select s.id, s.capacity, s.signed_up, "
            "(select count(*) from public.shift_signups ss "
            " where ss.shift_id = s.id and ss.status <> 'cancelled') "
            "from public.shifts s where s.event_id = %s",
            (event,),
        ).fetchall()
    for _, capacity, signed_up, live in rows:
        assert signed_up == live <= capacity
    assert sorted(r[2] for r in rows) == capacities
