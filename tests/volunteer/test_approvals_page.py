"""The approvals queue in AppTest: bulk approve, bulk reject with a reason
for each, the missing-reason message, and what a coordinator may see."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta

import pytest
from streamlit.testing.v1 import AppTest

import dates
from db import hours, hours_review
from db.config import PROJECT_ROOT
from models.hours import HoursEntry
from tests.volunteer.conftest import World, edit_table

PAGE = str(PROJECT_ROOT / "pages" / "approvals.py")
YESTERDAY = date.today() - timedelta(days=1)


def log(world: World, who: str, minutes: int, activity: str = "outreach") -> hours.SavedHours:
    person = getattr(world, who)
    return hours.log_hours(
        person.identity,
        HoursEntry(worked_on=YESTERDAY, minutes=minutes, activity=activity, idempotency_key=uuid.uuid4()),
    )


@pytest.fixture
def queued(world: World) -> list[hours.SavedHours]:
    # Oldest first, as the queue shows them.
    return [
        log(world, "volunteer", 60),
        log(world, "volunteer2", 90, "training"),
        log(world, "volunteer", 30),
    ]


def page(world: World, who: str = "coordinator") -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.session_state["signed_in"] = getattr(world, who)
    return at.run()


def tick(at: AppTest, rows: dict[int, dict[str, object]]) -> None:
    """What a coordinator's clicks in the queue leave in Streamlit's state."""
    edit_table(at, "approvals_editor_key", rows)


def status(world: World, entry: hours.SavedHours) -> tuple[str, str | None]:
    row = hours.get_hours(world.coordinator.identity, entry.id)
    assert row is not None
    return row.status, row.rejection_reason


def test_volunteers_are_turned_away(world: World) -> None:
    at = page(world, "volunteer")
    assert [e.value for e in at.error] == ["Your roles do not include this page."]


def test_an_empty_queue_says_so(world: World) -> None:
    log(world, "coordinator", 60)  # her own: never in her queue
    at = page(world)
    assert at.info[0].value == "Nothing is waiting for approval. Well done!"


def test_the_queue_lists_pending_hours_of_the_chapters(world: World, queued: list) -> None:
    log(world, "outsider", 45)  # another chapter
    at = page(world)
    assert not at.exception
    frame = at.data_editor[0].value
    assert frame["Volunteer"].to_list() == ["Vera Volunteer", "Victor Volunteer", "Vera Volunteer"]
    assert frame["Time"].to_list() == ["1 h", "1 h 30 min", "30 min"]
    assert at.caption[0].value.startswith("3 entries wait for approval.")
    assert at.button(key="approvals_approve").disabled


def test_approve_the_ticked_entries(world: World, queued: list) -> None:
    at = page(world)
    tick(at, {0: {"Select": True}, 1: {"Select": True}})
    at.run()
    assert at.button(key="approvals_approve").label == "Approve selected (2)"
    at.button(key="approvals_approve").click().run()
    assert [s.value for s in at.success] == ["Approved 2 entries."]
    assert [status(world, e)[0] for e in queued] == ["approved", "approved", "pending"]
    assert at.data_editor[0].value["Time"].to_list() == ["30 min"]


def test_select_all_then_reject_with_a_shared_and_a_row_reason(world: World, queued: list) -> None:
    at = page(world)
    at.checkbox(key="approvals_select_all").check().run()
    tick(at, {1: {"Reason if rejected": "That training was online, log it as 1 h"}})
    at.text_input(key="approvals_reason").set_value("Not one of our events")
    at.button(key="approvals_reject").click().run()
    assert [s.value for s in at.success] == ["Rejected 3 entries; the volunteers will see your reason."]
    assert [status(world, e) for e in queued] == [
        ("rejected", "Not one of our events"),
        ("rejected", "That training was online, log it as 1 h"),
        ("rejected", "Not one of our events"),
    ]


def test_rejecting_without_a_reason_changes_nothing(world: World, queued: list) -> None:
    at = page(world)
    tick(at, {0: {"Select": True}, 2: {"Select": True, "Reason if rejected": "Duplicate"}})
    at.run()
    at.button(key="approvals_reject").click().run()
    assert [e.value for e in at.error] == [
        "Give a reason for each rejection, so the volunteer knows what to fix. "
        f"Missing for: Vera Volunteer ({dates.day(YESTERDAY, date.today())}). Nothing was changed."
    ]
    assert [status(world, e)[0] for e in queued] == ["pending"] * 3


def test_a_day_of_last_year_is_named_with_its_year(world: World) -> None:
    # Issue 16: "(31 Dec)" in January could be either year; a day outside
    # the current year carries it, a day inside does not.
    today = date.today()
    # Last year, but less than a year ago (older days are refused).
    candidate = today - timedelta(days=300)
    last_year = candidate if candidate.year < today.year else date(today.year - 1, 12, 31)
    hours.log_hours(
        world.volunteer.identity,
        HoursEntry(worked_on=last_year, minutes=60, activity="outreach", idempotency_key=uuid.uuid4()),
    )
    log(world, "volunteer", 30)
    at = page(world)
    tick(at, {0: {"Select": True}, 1: {"Select": True}})
    at.run()
    at.button(key="approvals_reject").click().run()
    assert [e.value for e in at.error] == [
        "Give a reason for each rejection, so the volunteer knows what to fix. Missing for: "
        f"Vera Volunteer ({last_year:%b} {last_year.day}, {last_year.year}), "
        f"Vera Volunteer ({dates.day(YESTERDAY, today)}). Nothing was changed."
    ]


def test_ticks_are_cleared_when_the_queue_changes_underneath(world: World, queued: list) -> None:
    at = page(world)
    tick(at, {0: {"Select": True}, 1: {"Select": True}})
    at.run()
    hours.withdraw_hours(world.volunteer.identity, queued[0].id)  # while the page is open
    at.button(key="approvals_approve").click().run()
    # Row 0 is now Victor's entry: the old ticks must not approve it.
    assert "Your ticks were cleared" in at.warning[0].value
    assert not at.success
    assert [status(world, e)[0] for e in queued[1:]] == ["pending", "pending"]
    tick(at, {0: {"Select": True}})
    at.run()
    at.button(key="approvals_approve").click().run()
    assert [s.value for s in at.success] == ["Approved 1 entry."]
    assert not at.warning
    assert [status(world, e)[0] for e in queued[1:]] == ["approved", "pending"]


def test_entries_decided_between_reading_and_saving_are_skipped(world: World, queued: list) -> None:
    from models.hours import review

    first = hours_review.review_hours(world.coordinator.identity, [review(queued[0].id, "approve")])
    again = hours_review.review_hours(
        world.coordinator.identity, [review(queued[0].id, "reject", "x"), review(queued[1].id, "approve")]
    )
    assert (first.approved, again.approved, again.skipped) == (
        (queued[0].id,),
        (queued[1].id,),
        (queued[0].id,),
    )


def test_filter_by_chapter(world: World, queued: list) -> None:
    at = page(world)
    assert at.selectbox(key="approvals_chapter").options == ["All my chapters", "North Region", "Riverside"]
    at.selectbox(key="approvals_chapter").set_value(world.region).run()
    assert at.info[0].value == "Nothing is waiting for approval. Well done!"
    at.selectbox(key="approvals_chapter").set_value(world.local).run()
    assert len(at.data_editor[0].value) == 3


def test_find_a_volunteer_by_name_or_email(world: World, queued: list) -> None:
    at = page(world)
    at.text_input(key="approvals_search").set_value("victor").run()
    assert at.data_editor[0].value["Volunteer"].to_list() == ["Victor Volunteer"]
    assert at.caption[0].value.startswith("1 entry waits for approval.")
    at.checkbox(key="approvals_select_all").check().run()
    at.button(key="approvals_approve").click().run()
    assert [s.value for s in at.success] == ["Approved 1 entry."]
    assert [status(world, e)[0] for e in queued] == ["pending", "approved", "pending"]
    # Wildcards in the search are taken literally.
    at.text_input(key="approvals_search").set_value("%").run()
    assert at.info[0].value == "No pending entries of volunteers matching “%”."


def test_a_long_day_is_flagged_for_the_coordinator(world: World, queued: list) -> None:
    at = page(world)
    assert "Long day" not in at.data_editor[0].value.columns
    log(world, "volunteer2", 12 * 60)  # Victor's day: 1 h 30 min + 12 h
    at.run()
    frame = at.data_editor[0].value
    assert frame["Long day"].to_list() == ["", "13 h 30 min", "", "13 h 30 min"]


def test_on_a_phone_the_tick_and_who_stay_in_view(world: World, queued: list) -> None:
    at = page(world)
    config = json.loads(at.data_editor[0].proto.columns)
    assert {name for name, c in config.items() if c.get("pinned")} == {"Select", "Volunteer"}
