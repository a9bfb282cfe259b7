"""The members page through AppTest: scope, join, edit, leave, consent and
an export that respects consent."""

from __future__ import annotations

from datetime import date

from streamlit.testing.v1 import AppTest

from components.text import plain
from db.config import PROJECT_ROOT
from db.members import join_member, search_members
from models.members import MemberIn
from tests.apptest_steps import submit_with
from tests.operations.conftest import Movement

PAGE = str(PROJECT_ROOT / "pages" / "members.py")


def _page(movement: Movement, who: str = "coordinator") -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.session_state["signed_in"] = getattr(movement, who)
    return at.run()


def _names(at: AppTest) -> list[str]:
    return at.dataframe[0].value["Name"].tolist()


def test_coordinator_sees_only_their_chapters_members(movement: Movement) -> None:
    join_member(
        movement.admin.identity,
        MemberIn(full_name="Marc Roy", chapter_id=movement.montreal, joined_on=date(2025, 1, 1)),
    )
    at = _page(movement)
    assert not at.exception
    assert _names(at) == ["Coord", "Vol"]
    assert not any("Montreal" in o for o in at.selectbox(key="members_chapter").options)
    admin = _page(movement, "admin")
    assert _names(admin) == ["Coord", "Marc Roy", "Vol"]


def test_join_with_errors_then_success(movement: Movement) -> None:
    at = _page(movement)
    at.text_input(key="join_email").set_value("nope")
    at.button(key="join_submit").click().run()
    assert [e.value for e in at.error] == [
        "Name: please fill this in.",
        "Email: an email address looks like name@example.org.",
    ]
    at.text_input(key="join_name").set_value("Ana Silva")
    at.text_input(key="join_email").set_value("ana@example.org")
    at.selectbox(key="join_chapter").set_value(movement.ottawa)
    at.date_input(key="join_joined").set_value(date(2025, 2, 1))
    submit_with(at, "join_submit", join_trained=date(2025, 1, 1))
    assert [e.value for e in at.error] == ["A member cannot be trained before joining."]
    submit_with(at, "join_submit", join_trained=date(2025, 3, 1))
    assert [s.value for s in at.success] == ["Ana Silva joined Ottawa."]
    assert "Ana Silva" in _names(at)
    at.text_input(key="join_name").set_value("Someone Else")
    at.text_input(key="join_email").set_value("ANA@example.org")
    at.button(key="join_submit").click().run()
    assert [e.value for e in at.error] == ["A member with this email already exists"]


def test_a_name_typed_as_markdown_is_confirmed_as_text(movement: Movement) -> None:
    name = "![x](http://127.0.0.1:9/p.png) **Bo**"
    at = _page(movement)
    at.text_input(key="join_name").set_value(name)
    at.selectbox(key="join_chapter").set_value(movement.ottawa)
    at.button(key="join_submit").click().run()
    assert [s.value for s in at.success] == [f"{plain(name)} joined Ottawa."]


def test_search_edit_leave_and_consent(movement: Movement) -> None:
    mid = join_member(
        movement.coordinator.identity,
        MemberIn(
            full_name="Sam Lee", chapter_id=movement.toronto, joined_on=date(2025, 1, 1), consent_contact=True
        ),
    )
    at = _page(movement)
    at.text_input(key="members_search").set_value("sam").run()
    assert _names(at) == ["Sam Lee"]
    at.selectbox(key="edit_member").set_value(mid).run()
    at.text_input(key=f"edit_member_{mid}_name").set_value("Sam Lee-Park")
    at.button(key=f"edit_member_{mid}_submit").click().run()
    assert [s.value for s in at.success] == ["Sam Lee-Park is saved."]

    at.text_input(key="members_search").set_value("sam").run()
    at.selectbox(key="leave_member").set_value(mid)
    submit_with(at, "leave_submit", leave_on=date(2024, 6, 1))
    assert [e.value for e in at.error] == ["A member cannot leave before joining (2025-01-01)"]
    submit_with(at, "leave_submit", leave_on=date(2025, 6, 1))
    assert [s.value for s in at.success] == ["Sam Lee-Park left on June 1, 2025."]

    at.selectbox(key="consent_member").set_value(mid).run()
    at.checkbox(key=f"consent_data_use_{mid}").uncheck()
    at.button(key=f"consent_submit_{mid}").click().run()
    assert [s.value for s in at.success] == ["Sam Lee-Park's consent is saved."]
    row = search_members(movement.admin.identity, text="Sam").rows.row(0, named=True)
    assert (row["status"], row["consent_data_use"], row["consent_contact"]) == ("left", False, True)

    at.text_input(key="members_search").set_value("").run()
    at.button(key="members_export_prepare").click().run()
    assert "2 members in the export." in [m.value for m in at.markdown]
