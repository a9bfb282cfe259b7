"""The shifts page in AppTest: browse, sign up, cancel, and the clear
message when someone else took the last slot first."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from components.session import SignedIn
from db import shifts
from db.config import PROJECT_ROOT
from models.shifts import SignUpRequest
from tests.volunteer.conftest import World, count

PAGE = str(PROJECT_ROOT / "pages" / "shifts.py")


def page(user: SignedIn) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.session_state["signed_in"] = user
    return at.run()


def taken(world: World, shift_id: int) -> int:
    return count(world.uri, "select signed_up from public.shifts where id = %s", (shift_id,))


def test_browse_sign_up_and_cancel(world: World) -> None:
    at = page(world.volunteer)
    assert not at.exception
    assert at.caption[0].value == "You have not signed up for any upcoming shift."
    # Near Riverside: its own festival, not Hillside's circle.
    assert [b.key for b in at.button if b.key.startswith("signup_")] == [f"signup_{world.future_shift}"]
    assert "2 of 2 places left" in at.get("progress")[0].proto.text
    at.button(key=f"signup_{world.future_shift}").click().run()
    (message,) = [s.value for s in at.success]
    assert message.startswith("You're signed up: Welcome desk at Listening festival,")
    assert taken(world, world.future_shift) == 1
    # It moved to "My upcoming shifts" with a cancel button.
    (signup_id,) = shifts.my_signups(world.volunteer.identity)["signup_id"].to_list()
    assert not [b for b in at.button if b.key == f"signup_{world.future_shift}"]
    at.button(key=f"cancel_{signup_id}").click().run()
    assert at.success[0].value.startswith("Cancelled: Welcome desk at Listening festival,")
    assert taken(world, world.future_shift) == 0


def test_the_whole_movement_when_the_filter_is_off(world: World) -> None:
    at = page(world.volunteer)
    at.toggle(key="shifts_near").set_value(False).run()
    keys = {b.key for b in at.button if b.key.startswith("signup_")}
    assert keys == {f"signup_{world.future_shift}", f"signup_{world.other_future_shift}"}


def test_someone_else_took_the_last_slot_first(world: World) -> None:
    at = page(world.coordinator)
    # While the page is open, two others fill the shift.
    shifts.sign_up(world.volunteer.identity, SignUpRequest(shift_id=world.future_shift))
    shifts.sign_up(world.volunteer2.identity, SignUpRequest(shift_id=world.future_shift))
    at.button(key=f"signup_{world.future_shift}").click().run()
    assert [e.value for e in at.error] == ["This shift is full: someone took the last slot just before you."]
    assert not at.success
    assert taken(world, world.future_shift) == 2
    # Issue 16: the full shift stays, shown as full, with its wait-list.
    assert not [b for b in at.button if b.key == f"signup_{world.future_shift}"]
    assert at.button(key=f"wait_{world.future_shift}").label == "Join the wait-list"


def test_no_open_shifts_says_so(world: World) -> None:
    at = page(world.outsider)
    at.button(key=f"signup_{world.other_future_shift}").click().run()
    at.toggle(key="shifts_near").set_value(True).run()
    assert "No open shifts in the next two months near you." in at.info[0].value


def progress_text(at: AppTest) -> list[str]:
    return [p.proto.text for p in at.get("progress")]


def test_a_full_shift_shows_as_full_with_a_wait_list(world: World) -> None:
    """Issue 16: full shifts vanished; they show "Full" and offer the wait-list."""
    shifts.sign_up(world.volunteer.identity, SignUpRequest(shift_id=world.future_shift))
    shifts.sign_up(world.volunteer2.identity, SignUpRequest(shift_id=world.future_shift))
    at = page(world.coordinator)
    assert not at.exception
    assert progress_text(at) == ["Full"]
    assert not [b for b in at.button if b.key.startswith("signup_")]
    at.button(key=f"wait_{world.future_shift}").click().run()
    (message,) = [s.value for s in at.success]
    assert message.startswith("You're on the wait-list for Welcome desk at Listening festival,")
    assert "1st in line" in message
    assert "You are **1st** on the wait-list." in [m.value for m in at.markdown]
    assert at.button(key=f"unwait_{world.future_shift}").label == "Leave the wait-list"
    # Otto of Hillside, looking at the whole movement, is second in line.
    otto = page(world.outsider)
    otto.toggle(key="shifts_near").set_value(False).run()
    otto.button(key=f"wait_{world.future_shift}").click().run()
    assert "You are **2nd** on the wait-list." in [m.value for m in otto.markdown]


def test_a_freed_place_goes_to_the_first_waiting_who_is_told_so(world: World) -> None:
    vera = shifts.sign_up(world.volunteer.identity, SignUpRequest(shift_id=world.future_shift))
    shifts.sign_up(world.volunteer2.identity, SignUpRequest(shift_id=world.future_shift))
    at = page(world.coordinator)
    at.button(key=f"wait_{world.future_shift}").click().run()
    # Vera gives her place back on her own page.
    page(world.volunteer).button(key=f"cancel_{vera.signup_id}").click().run()
    assert taken(world, world.future_shift) == 2
    at.run()  # Cora's next visit
    assert not at.exception
    assert "You moved from the wait-list to this shift." in [i.value for i in at.info]
    assert [b.key for b in at.button if b.key.startswith("cancel_")]
    assert not [b for b in at.button if b.key.startswith(("wait_", "unwait_"))]


def test_leaving_the_wait_list(world: World) -> None:
    shifts.sign_up(world.volunteer.identity, SignUpRequest(shift_id=world.future_shift))
    shifts.sign_up(world.volunteer2.identity, SignUpRequest(shift_id=world.future_shift))
    at = page(world.coordinator)
    at.button(key=f"wait_{world.future_shift}").click().run()
    at.button(key=f"unwait_{world.future_shift}").click().run()
    (message,) = [s.value for s in at.success]
    assert message.startswith("You left the wait-list for Welcome desk at Listening festival,")
    assert at.button(key=f"wait_{world.future_shift}").label == "Join the wait-list"
    assert count(world.uri, "select count(*) from public.shift_wait_list") == 0


def test_my_shift_offers_a_calendar_file(world: World) -> None:
    """Issue 16: no .ics link; a held shift offers one, times in UTC."""
    shifts.sign_up(world.volunteer.identity, SignUpRequest(shift_id=world.future_shift))
    at = page(world.volunteer)
    assert not at.exception
    assert [b.proto.label for b in at.get("download_button")] == ["Add to my calendar"]
