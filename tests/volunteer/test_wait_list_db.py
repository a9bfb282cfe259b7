"""The wait-list of a full shift (issue 16) against the real database:
joining in order, the first person waiting taking a freed place in the same
transaction (a cancellation, a raised capacity), racing cancels and joins that
never overbook, and who may see and change which rows, run as PostgREST runs a
request (a transaction with SET LOCAL ROLE and the JWT claims)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from components.session import SignedIn
from db import events, shifts
from db.config import get_settings
from db.connection import transaction
from db.errors import InvalidDataError, NotAllowedError
from models.shifts import CancelRequest, SignUpRequest, WaitListRequest
from tests.volunteer.conftest import World, add_event, add_person, add_shift, count
from tests.volunteer.test_concurrency import run_together

# Its races share a worker with test_concurrency's: together they need more
# connections than PostgreSQL's 100.
pytestmark = pytest.mark.xdist_group("racing")

# Makes n volunteers: each signed in, with their member id.
Racers = Callable[[int], list[tuple[SignedIn, int]]]


def fill(world: World) -> tuple[int, int]:
    """Vera and Victor take both places on the Welcome desk; their sign-up ids."""
    a = shifts.sign_up(world.volunteer.identity, SignUpRequest(shift_id=world.future_shift))
    b = shifts.sign_up(world.volunteer2.identity, SignUpRequest(shift_id=world.future_shift))
    return a.signup_id, b.signup_id


def join(person: SignedIn, shift_id: int) -> int:
    return shifts.join_wait_list(person.identity, WaitListRequest(shift_id=shift_id))


def place(person: SignedIn, shift_id: int) -> int | None:
    listed = shifts.upcoming_shifts(person.identity, near_me=False).filter(shift_id=shift_id)
    value = listed["my_wait_place"].item()
    return None if value is None else int(value)


def signed_up(world: World, shift_id: int) -> int:
    return count(world.uri, "select signed_up from public.shifts where id = %s", (shift_id,))


def live(world: World, shift_id: int) -> int:
    return count(
        world.uri,
        "select count(*) from public.shift_signups where shift_id = %s and status <> 'cancelled'",
        (shift_id,),
    )


def waiting(world: World, shift_id: int) -> int:
    return count(world.uri, "select count(*) from public.shift_wait_list where shift_id = %s", (shift_id,))


def test_a_full_shift_takes_a_wait_list_first_come_first_served(world: World) -> None:
    fill(world)
    assert join(world.coordinator, world.future_shift) == 1
    assert join(world.outsider, world.future_shift) == 2
    assert place(world.coordinator, world.future_shift) == 1
    assert place(world.outsider, world.future_shift) == 2
    assert place(world.volunteer, world.future_shift) is None
    with pytest.raises(InvalidDataError, match=r"^You are already on this shift's wait-list\.$"):
        join(world.outsider, world.future_shift)
    with pytest.raises(InvalidDataError, match=r"^You are already signed up for this shift\.$"):
        join(world.volunteer, world.future_shift)
    # The coordinator's events page counts who waits.
    (listed,) = events.list_shifts(world.coordinator.identity, [world.future_event]).iter_rows(named=True)
    assert (listed["signed_up"], listed["waiting"]) == (2, 2)


def test_no_wait_list_for_a_shift_with_a_free_place_or_one_that_started(world: World) -> None:
    with pytest.raises(InvalidDataError, match=r"^This shift has a free place: sign up instead\.$"):
        join(world.volunteer, world.future_shift)
    with pytest.raises(InvalidDataError, match="already started, so its wait-list is closed"):
        join(world.volunteer2, world.past_shift)
    with pytest.raises(InvalidDataError, match="does not exist"):
        join(world.volunteer2, 999_999)
    assert waiting(world, world.future_shift) == waiting(world, world.past_shift) == 0


def test_a_cancellation_hands_the_place_to_the_first_waiting_in_the_same_transaction(world: World) -> None:
    vera, _ = fill(world)
    join(world.coordinator, world.future_shift)
    join(world.outsider, world.future_shift)
    shifts.cancel_signup(world.volunteer.identity, CancelRequest(signup_id=vera))
    # Nobody ran anything since: the cancel itself moved Cora up.
    assert signed_up(world, world.future_shift) == live(world, world.future_shift) == 2
    mine = shifts.my_signups(world.coordinator.identity)
    assert mine.select("shift_id", "from_wait_list").rows() == [(world.future_shift, True)]
    assert place(world.coordinator, world.future_shift) is None
    assert place(world.outsider, world.future_shift) == 1
    # A place taken the ordinary way is not marked as moved up.
    assert shifts.my_signups(world.volunteer2.identity)["from_wait_list"].to_list() == [False]
    # Vera cancelled: the shift is full again, so she may wait, behind Otto.
    assert join(world.volunteer, world.future_shift) == 2


def test_raising_the_capacity_moves_the_people_waiting_up(world: World) -> None:
    fill(world)
    join(world.coordinator, world.future_shift)
    join(world.outsider, world.future_shift)
    with transaction(world.coordinator.identity) as conn:
        assert conn.execute(
            "update public.shifts set capacity = 3 where id = %s", (world.future_shift,)
        ).rowcount
    assert signed_up(world, world.future_shift) == 3
    assert place(world.outsider, world.future_shift) == 1
    with transaction(world.coordinator.identity) as conn:
        conn.execute("update public.shifts set capacity = 10 where id = %s", (world.future_shift,))
    assert (signed_up(world, world.future_shift), waiting(world, world.future_shift)) == (4, 0)
    assert shifts.my_signups(world.outsider.identity)["from_wait_list"].to_list() == [True]


def test_leaving_the_wait_list_lets_the_others_move_up_the_line(world: World) -> None:
    fill(world)
    join(world.coordinator, world.future_shift)
    join(world.outsider, world.future_shift)
    shifts.leave_wait_list(world.coordinator.identity, WaitListRequest(shift_id=world.future_shift))
    assert place(world.outsider, world.future_shift) == 1
    with pytest.raises(InvalidDataError, match="no longer on this shift's wait-list"):
        shifts.leave_wait_list(world.coordinator.identity, WaitListRequest(shift_id=world.future_shift))


def test_no_place_is_handed_on_once_the_shift_has_started(world: World) -> None:
    """A coordinator's no-show record cancelled after the shift: nobody is
    moved into a shift that is over."""
    with psycopg.connect(world.uri, autocommit=True) as conn:
        started = add_shift(
            conn, world.future_event, "Early desk", datetime.now(UTC) + timedelta(hours=1), 2, 1
        )
        conn.execute(
            "insert into public.shift_signups (shift_id, member_id) values (%s, %s)",
            (started, world.volunteer_member),
        )
    join(world.volunteer2, started)
    with psycopg.connect(world.uri, autocommit=True) as conn:
        conn.execute(
            "update public.shifts set starts_at = now() - interval '1 minute' where id = %s", (started,)
        )
    with transaction(world.coordinator.identity) as conn:
        conn.execute("delete from public.shift_signups where shift_id = %s", (started,))
    assert (signed_up(world, started), waiting(world, started)) == (0, 1)


def test_who_sees_and_changes_wait_list_rows(world: World) -> None:
    """Row-level security as PostgREST applies it: each call below is one
    transaction with SET LOCAL ROLE authenticated and the person's claims."""
    fill(world)
    join(world.coordinator, world.future_shift)
    join(world.outsider, world.future_shift)
    everyone = "select member_id from public.shift_wait_list order by joined_at"
    with transaction(world.volunteer.identity) as conn:
        assert conn.execute(everyone).fetchall() == []
    with transaction(world.outsider.identity) as conn:
        assert [r["member_id"] for r in conn.execute(everyone)] == [world.outsider_member]
        # A count of those ahead, never who they are.
        assert conn.execute("select shift_id, place from app.my_wait_list()").fetchall() == [
            {"shift_id": world.future_shift, "place": 2}
        ]
    # The coordinator of the shift's region reads its whole line, Otto of
    # Hillside included.
    with transaction(world.coordinator.identity) as conn:
        assert [r["member_id"] for r in conn.execute(everyone)] == [
            world.coordinator_member,
            world.outsider_member,
        ]
    # Nobody puts someone else in line, takes them out, or moves a place.
    insert = "insert into public.shift_wait_list (shift_id, member_id) values (%s, %s)"
    with pytest.raises(NotAllowedError), transaction(world.volunteer2.identity) as conn:
        conn.execute(insert, (world.future_shift, world.volunteer_member))
    for who in (world.volunteer, world.coordinator):
        with transaction(who.identity) as conn:
            assert (
                conn.execute(
                    "delete from public.shift_wait_list where member_id = %s", (world.outsider_member,)
                ).rowcount
                == 0
            )
    with transaction(world.outsider.identity) as conn:
        assert conn.execute("update public.shift_wait_list set joined_at = '2000-01-01'").rowcount == 0, (
            "a place in line cannot be moved forward"
        )
    # Nor does a volunteer mark a place as taken from the wait-list.
    with transaction(world.volunteer.identity) as conn:
        conn.execute("update public.shift_signups set from_wait_list_at = now()")
    assert shifts.my_signups(world.volunteer.identity)["from_wait_list"].to_list() == [False]
    assert (place(world.coordinator, world.future_shift), place(world.outsider, world.future_shift)) == (1, 2)


@pytest.fixture
def racers(world: World, monkeypatch: pytest.MonkeyPatch) -> Racers:
    """A maker of volunteers, and a pool big enough that each racing session
    holds its own connection."""
    monkeypatch.setenv("POOL_MAX_SIZE", "40")
    get_settings.cache_clear()
    made = iter(range(1000))

    def make(n: int) -> list[tuple[SignedIn, int]]:
        with psycopg.connect(world.uri, autocommit=True) as conn:
            return [
                add_person(
                    conn, f"w{i:03d}@wait.example", f"Waiter {i:03d}", world.local, {"volunteer": None}
                )
                for i in (next(made) for _ in range(n))
            ]

    return make


def _state(world: World, shift_id: int) -> tuple[int, int, int, list[int], list[int]]:
    """capacity, signed_up, live sign-ups, the promoted members, the line."""
    with psycopg.connect(world.uri) as conn:
        capacity, taken = conn.execute(
            "select capacity, signed_up from public.shifts where id = %s", (shift_id,)
        ).fetchone()
        promoted = [
            r[0]
            for r in conn.execute(
                "select member_id from public.shift_signups where shift_id = %s and status = 'signed_up'"
                " and from_wait_list_at is not null order by id",
                (shift_id,),
            )
        ]
        line = [
            r[0]
            for r in conn.execute(
                "select member_id from public.shift_wait_list where shift_id = %s order by joined_at, id",
                (shift_id,),
            )
        ]
    return capacity, taken, live(world, shift_id), promoted, line


def full_with_a_line(
    world: World, racers: Racers, title: str, days: int, places: int
) -> tuple[int, list[Callable[[], object]], list[tuple[SignedIn, int]]]:
    """A shift `days` ahead with its `places` taken and eight people on its
    wait-list: the shift, a cancellation task for each place (to race), and
    the line in joining order."""
    starts = datetime.now(UTC) + timedelta(days=days)
    with psycopg.connect(world.uri, autocommit=True) as conn:
        shift = add_shift(conn, add_event(conn, world.local, title, starts), "Door", starts, 2, places)
    holders = racers(places)
    signups = [shifts.sign_up(p.identity, SignUpRequest(shift_id=shift)).signup_id for p, _ in holders]
    line = racers(8)
    for person, _ in line:
        join(person, shift)
    cancels: list[Callable[[], object]] = [
        (lambda p=p, s=s: shifts.cancel_signup(p.identity, CancelRequest(signup_id=s)))
        for (p, _), s in zip(holders, signups, strict=True)
    ]
    return shift, cancels, line


def test_racing_cancels_and_joins_never_overbook_and_keep_the_order(world: World, racers: Racers) -> None:
    shift, tasks, early = full_with_a_line(world, racers, "Big listening day", days=3, places=4)
    newcomers = racers(8)
    tasks += [(lambda p=p: join(p, shift)) for p, _ in newcomers]
    run_together(tasks)
    capacity, taken, live_count, promoted, line = _state(world, shift)
    assert (capacity, taken, live_count) == (4, 4, 4)
    # Every freed place went, at once, to the four who waited longest; the
    # shift never had a free place, so every newcomer got in line behind.
    early_ids = [m for _, m in early]
    assert promoted == early_ids[:4]
    assert line[:4] == early_ids[4:]
    assert sorted(line[4:]) == sorted(m for _, m in newcomers)


def test_racing_cancels_and_people_leaving_the_line_stay_in_order(world: World, racers: Racers) -> None:
    shift, tasks, line_up = full_with_a_line(world, racers, "Circle night", days=4, places=3)

    def leave(person: SignedIn) -> str:
        try:
            shifts.leave_wait_list(person.identity, WaitListRequest(shift_id=shift))
        except InvalidDataError:
            return "promoted first"
        return "left"

    tasks += [(lambda p=p: leave(p)) for p, _ in line_up[:3]]
    outcomes = run_together(tasks)
    capacity, taken, live_count, promoted, line = _state(world, shift)
    assert (capacity, taken, live_count) == (3, 3, 3)
    order = [m for _, m in line_up]
    left = {m for (_, m), o in zip(line_up[:3], outcomes[3:], strict=True) if o == "left"}
    # Whoever did not leave is promoted or still in line, in joining order:
    # nobody still waiting joined before someone who was moved up.
    assert promoted + line == [m for m in order if m not in left]
