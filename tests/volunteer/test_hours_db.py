"""db.hours against the real database: saving, idempotency, the day limit,
edits and withdrawals, what each person sees, and coordinators' reviews."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import psycopg
import pytest

import dates
from db import clock, hours, hours_review, hours_suggestions
from db.errors import InvalidDataError, NotAllowedError
from db.identity import Identity
from models.hours import HoursEdit, HoursEntry, review
from tests.volunteer.conftest import World, add_event, add_shift, count


def entry(day: date | None = None, minutes: int = 90, activity: str = "outreach", **kw: object) -> HoursEntry:
    return HoursEntry(
        worked_on=day or date.today() - timedelta(days=1),
        minutes=minutes,
        activity=activity,
        idempotency_key=uuid.uuid4(),
        **kw,  # type: ignore[arg-type]
    )


def test_log_saves_a_pending_entry_in_the_members_chapter(world: World) -> None:
    saved = hours.log_hours(world.volunteer.identity, entry(note="Flyers at the market"))
    assert saved.status == "pending" and not saved.already_saved
    assert saved.minutes == 90 and saved.activity == "outreach"
    with psycopg.connect(world.uri) as conn:
        row = conn.execute(
            "select member_id, chapter_id, note, created_by from public.volunteer_hours where id = %s",
            (saved.id,),
        ).fetchone()
    assert row == (world.volunteer_member, world.local, "Flyers at the market", world.volunteer.user_id)


def test_the_same_key_twice_stores_one_entry_and_returns_it(world: World) -> None:
    e = entry(minutes=600)
    first = hours.log_hours(world.volunteer.identity, e)
    second = hours.log_hours(world.volunteer.identity, e)
    # 600 + 600 minutes would break nothing, so only the key keeps it single;
    # a third try with 900 minutes on top would exceed the day and must still
    # answer "already saved" rather than the day limit.
    third = hours.log_hours(world.volunteer.identity, e.model_copy(update={"minutes": 900}))
    assert second.already_saved and third.already_saved
    assert first.id == second.id == third.id
    assert third.minutes == 600
    assert count(world.uri, "select count(*) from public.volunteer_hours") == 1


def test_more_than_24_hours_in_a_day_across_entries_is_refused(world: World) -> None:
    day = date.today() - timedelta(days=3)
    hours.log_hours(world.volunteer.identity, entry(day, 20 * 60))
    with pytest.raises(InvalidDataError) as caught:
        hours.log_hours(world.volunteer.identity, entry(day, 5 * 60))
    message = str(caught.value)
    assert message.startswith("No more than 24 hours in a day across all entries.")
    assert "already has 20 h logged" in message
    # Exactly filling the day is allowed.
    hours.log_hours(world.volunteer.identity, entry(day, 4 * 60))
    assert count(world.uri, "select sum(minutes) from public.volunteer_hours") == 24 * 60


def test_hours_before_joining_are_refused_with_the_joining_date(world: World) -> None:
    with pytest.raises(InvalidDataError, match=r"before you joined the movement \(on Jan 1, 2020\)"):
        hours.log_hours(world.volunteer.identity, entry(date(2019, 12, 31)))


def test_an_account_without_a_member_record_cannot_log(world: World) -> None:
    with psycopg.connect(world.uri, autocommit=True) as conn:
        user_id = conn.execute(
            "insert into auth.users (email) values ('x@example.org') returning id"
        ).fetchone()[0]
    with pytest.raises(NotAllowedError, match="not linked to a member"):
        hours.log_hours(Identity(user_id=user_id), entry())


def test_a_shift_the_volunteer_never_took_cannot_be_claimed(world: World) -> None:
    with pytest.raises(InvalidDataError, match="not signed up for that shift"):
        hours.log_hours(world.volunteer2.identity, entry(shift_id=world.past_shift))


def test_edit_and_withdraw_own_pending_entries(world: World) -> None:
    me = world.volunteer.identity
    saved = hours.log_hours(me, entry())
    edited = hours.edit_hours(
        me,
        HoursEdit(
            hours_id=saved.id,
            worked_on=saved.worked_on,
            minutes=45,
            activity="mentoring",
            program_id=world.program,
            note="  ",
        ),
    )
    assert (edited.minutes, edited.activity, edited.program_name, edited.note) == (
        45,
        "mentoring",
        "Circles in schools",
        None,
    )
    # Someone else can neither change nor withdraw it.
    with pytest.raises(NotAllowedError):
        hours.withdraw_hours(world.volunteer2.identity, saved.id)
    with pytest.raises(NotAllowedError):
        hours.edit_hours(
            world.volunteer2.identity,
            HoursEdit(hours_id=saved.id, worked_on=saved.worked_on, minutes=10, activity="other"),
        )
    hours.withdraw_hours(me, saved.id)
    assert count(world.uri, "select count(*) from public.volunteer_hours") == 0


def test_reviewed_entries_can_no_longer_be_changed_by_their_owner(world: World) -> None:
    me = world.volunteer.identity
    saved = hours.log_hours(me, entry())
    outcome = hours_review.review_hours(world.coordinator.identity, [review(saved.id, "approve")])
    assert outcome.approved == (saved.id,)
    with pytest.raises(InvalidDataError, match="has been approved"):
        hours.edit_hours(
            me, HoursEdit(hours_id=saved.id, worked_on=saved.worked_on, minutes=5, activity="other")
        )
    with pytest.raises(InvalidDataError, match="has been approved"):
        hours.withdraw_hours(me, saved.id)


def test_each_person_sees_only_what_row_level_security_allows(world: World) -> None:
    mine = hours.log_hours(world.volunteer.identity, entry())
    cora_own = hours.log_hours(world.coordinator.identity, entry(activity="administration"))
    hours.log_hours(world.outsider.identity, entry(activity="research"))
    assert hours.my_hours(world.volunteer.identity)["id"].to_list() == [mine.id]
    assert hours.get_hours(world.volunteer2.identity, mine.id) is None
    # The coordinator's "my hours" are only her own, although she may read the chapter's.
    assert hours.my_hours(world.coordinator.identity)["id"].to_list() == [cora_own.id]
    queue = hours_review.approval_queue(world.coordinator.identity)
    # Vera's, not Cora's own, not Otto's (another chapter).
    assert queue["hours_id"].to_list() == [mine.id]
    assert queue["member"].to_list() == ["Vera Volunteer"]
    assert hours_review.pending_count(world.coordinator.identity) == 1
    assert hours_review.approval_queue(world.volunteer.identity).height == 0
    assert hours_review.coordinated_chapters(world.coordinator.identity) == [
        (world.region, "North Region"),
        (world.local, "Riverside"),
    ]


def test_bulk_review_approves_rejects_with_reasons_and_skips_decided_ones(world: World) -> None:
    a = hours.log_hours(world.volunteer.identity, entry(minutes=60))
    b = hours.log_hours(world.volunteer.identity, entry(minutes=30, activity="training"))
    c = hours.log_hours(world.volunteer2.identity, entry(minutes=120))
    with pytest.raises(ValueError, match="Give a reason"):
        review(b.id, "reject", "   ")
    outcome = hours_review.review_hours(
        world.coordinator.identity,
        [review(a.id, "approve"), review(c.id, "approve"), review(b.id, "reject", "Training was cancelled")],
    )
    assert outcome.approved == tuple(sorted((a.id, c.id))) and outcome.rejected == (b.id,)
    assert outcome.skipped == ()
    again = hours_review.review_hours(world.coordinator.identity, [review(a.id, "reject", "oops")])
    assert again.skipped == (a.id,) and again.rejected == ()
    rejected = hours.get_hours(world.volunteer.identity, b.id)
    assert rejected is not None and rejected.status == "rejected"
    assert rejected.rejection_reason == "Training was cancelled"
    with psycopg.connect(world.uri) as conn:
        reviewer = conn.execute(
            "select reviewed_by from public.volunteer_hours where id = %s", (a.id,)
        ).fetchone()
    assert reviewer == (world.coordinator.user_id,)


def test_a_coordinator_cannot_approve_their_own_or_another_chapters_hours(world: World) -> None:
    own = hours.log_hours(world.coordinator.identity, entry())
    foreign = hours.log_hours(world.outsider.identity, entry())
    outcome = hours_review.review_hours(
        world.coordinator.identity, [review(own.id, "approve"), review(foreign.id, "approve")]
    )
    assert outcome.approved == () and set(outcome.skipped) == {own.id, foreign.id}
    # A volunteer cannot approve anything, not even through the function.
    mine = hours.log_hours(world.volunteer.identity, entry(activity="training"))
    assert hours_review.review_hours(world.volunteer2.identity, [review(mine.id, "approve")]).approved == ()


def test_suggestions_offer_recent_shifts_and_frequent_entries(world: World) -> None:
    me = world.volunteer.identity
    with psycopg.connect(world.uri, autocommit=True) as conn:
        conn.execute(
            "insert into public.attendance (event_id, member_id) values (%s, %s)",
            (world.past_event, world.volunteer_member),
        )
    found = hours_suggestions.suggestions(me)
    assert [(s.kind, s.shift_id, s.minutes) for s in found] == [("shift", world.past_shift, 120)]
    shift = found[0]
    assert "Set-up crew · Riverside picnic · 2 h" in shift.label
    hours.log_hours(
        me,
        entry(
            shift.worked_on,
            shift.minutes or 0,
            shift.activity,
            event_id=shift.event_id,
            shift_id=shift.shift_id,
        ),
    )
    for _ in range(2):
        hours.log_hours(me, entry(activity="administration", minutes=120, program_id=world.program))
    found = hours_suggestions.suggestions(me)
    assert [s.kind for s in found] == ["repeat"]
    assert found[0].label.endswith("Administration · Circles in schools · 2 h")
    assert found[0].worked_on == clock.today_in("UTC")  # the chapter keeps the default zone


def test_log_choices_cover_recent_local_events_and_programs(world: World) -> None:
    choices = hours_suggestions.log_choices(world.volunteer.identity)
    assert {(c.kind, c.id) for c in choices} == {("event", world.past_event), ("program", world.program)}
    assert {(c.kind, c.id) for c in hours_suggestions.log_choices(world.outsider.identity)} == set()


def test_hours_on_a_day_outside_their_event_are_refused(world: World) -> None:
    """The event ran on one day; hours attached to it on another are refused
    by db.hours itself, not only by the page."""
    entry = HoursEntry(
        worked_on=date.today() - timedelta(days=40),
        minutes=60,
        activity="event_support",
        event_id=world.past_event,
        idempotency_key=uuid.uuid4(),
    )
    with pytest.raises(InvalidDataError, match="Riverside picnic ran on"):
        hours.log_hours(world.volunteer.identity, entry)


def test_a_signed_up_shift_later_today_is_suggested_with_its_date(world: World) -> None:
    """A shift the volunteer signed up for later today is offered too (log it
    on the way home), labelled with the date it fills in."""
    now = clock.utc_now()
    later = now.replace(hour=23, minute=0, second=0, microsecond=0)
    if later <= now:
        pytest.skip("too close to midnight in the chapter's zone")
    with psycopg.connect(world.uri, autocommit=True) as conn:
        event = add_event(conn, world.local, "Evening circle", later, 1)
        shift = add_shift(conn, event, "Chairs", later, 0.5, 3)
        conn.execute(
            "insert into public.shift_signups (shift_id, member_id) values (%s, %s)",
            (shift, world.volunteer_member),
        )
    found = [s for s in hours_suggestions.suggestions(world.volunteer.identity) if s.shift_id == shift]
    assert len(found) == 1
    assert (
        found[0].label
        == f"Today, {dates.weekday(later.date(), later.date())} · Chairs · Evening circle · 30 min"
    )
