"""Programs and partners: the db layer's scope and both pages' forms."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from db.config import PROJECT_ROOT
from db.errors import NotAllowedError
from db.partners import create_partner, list_partners, update_partner
from db.programs import create_program, list_programs, update_program
from models.partners import PartnerIn
from models.programs import ProgramIn
from tests.apptest_steps import submit_with
from tests.operations.conftest import Movement

PROGRAMS = str(PROJECT_ROOT / "pages" / "programs.py")
PARTNERS = str(PROJECT_ROOT / "pages" / "partners.py")


def _program(name: str, chapter_id: int | None, partners: tuple[int, ...] = ()) -> ProgramIn:
    return ProgramIn(
        name=name,
        kind="training",
        audience="school",
        chapter_id=chapter_id,
        started_on=date(2025, 9, 1),
        partner_ids=partners,
    )


def _partner(name: str, chapter_id: int | None, kind: str = "school") -> PartnerIn:
    return PartnerIn(name=name, kind=kind, since=date(2025, 1, 1), chapter_id=chapter_id)  # type: ignore[arg-type]


def test_scope_of_programs_and_their_partner_links(movement: Movement) -> None:
    coord = movement.coordinator.identity
    school = create_partner(coord, _partner("Riverdale High", movement.toronto))
    mine = create_program(coord, _program("Empathy in class", movement.toronto, (school,)))
    row = list_programs(coord).filter(id=mine).row(0, named=True)
    assert (row["partners"], row["partner_ids"], row["can_edit"]) == ("Riverdale High", [school], True)
    with pytest.raises(NotAllowedError, match="only an admin"):
        create_program(coord, _program("Everywhere", None))
    with pytest.raises(NotAllowedError, match="chapters you coordinate"):
        create_program(coord, _program("Montreal circles", movement.montreal))
    theirs = create_program(
        movement.admin.identity, _program("Montreal circles", movement.montreal, (school,))
    )
    # The link table's own policy lets any coordinator write; the program's
    # policy is what stops a coordinator unlinking another region's partners.
    with pytest.raises(NotAllowedError):
        update_program(coord, theirs, _program("Montreal circles", movement.montreal, ()))
    assert list_programs(coord).filter(id=theirs)["partner_ids"].item().to_list() == [school]
    with pytest.raises(NotAllowedError):
        update_partner(
            coord,
            create_partner(movement.admin.identity, _partner("CHU", movement.montreal)),
            _partner("CHU", movement.montreal),
        )


def test_partner_links_programs_both_ways(movement: Movement) -> None:
    coord = movement.coordinator.identity
    a = create_program(coord, _program("A", movement.toronto))
    b = create_program(coord, _program("B", movement.ottawa))
    firm = create_partner(
        coord, _partner("Acme", movement.toronto, "business").model_copy(update={"program_ids": (a, b)})
    )
    assert list_partners(coord).filter(id=firm)["programs"].item() == "A, B"
    update_partner(
        coord,
        firm,
        _partner("Acme Inc", movement.toronto, "business").model_copy(update={"program_ids": (b,)}),
    )
    assert list_programs(coord).filter(id=a)["partners"].item() == ""
    assert list_programs(coord).filter(id=b)["partners"].item() == "Acme Inc"


def _at(path: str, movement: Movement, who: str = "coordinator") -> AppTest:
    at = AppTest.from_file(path, default_timeout=30)
    at.session_state["signed_in"] = getattr(movement, who)
    return at.run()


def test_programs_page_create_edit_and_errors(movement: Movement) -> None:
    partner = create_partner(movement.admin.identity, _partner("Riverdale High", movement.toronto))
    at = _at(PROGRAMS, movement)
    assert not at.exception
    # A coordinator cannot pick "whole movement" or another region.
    chapters = at.selectbox(key="new_program_chapter").options
    assert chapters == ["Ontario — regional", "Ottawa — local", "Toronto — local"]
    at.button(key="new_program_submit").click().run()
    assert [e.value for e in at.error] == ["Name: please fill this in."]
    at.text_input(key="new_program_name").set_value("Empathy in class")
    at.selectbox(key="new_program_kind").set_value("education")
    at.selectbox(key="new_program_audience").set_value("school")
    at.selectbox(key="new_program_chapter").set_value(movement.toronto)
    at.date_input(key="new_program_started").set_value(date(2025, 9, 1))
    at.multiselect(key="new_program_partners").set_value([partner])
    submit_with(at, "new_program_submit", new_program_ended=date(2025, 6, 1))
    assert [e.value for e in at.error] == ["A program cannot end before it starts."]
    submit_with(at, "new_program_submit", new_program_ended=None)
    assert [s.value for s in at.success] == ["Empathy in class is recorded."]
    # Emptied by a set value, which reaches the browser: a forgotten key kept
    # its old text there and a second click recorded the program again.
    assert at.text_input(key="new_program_name").value == ""
    assert at.text_input(key="new_program_name").proto.set_value
    at.button(key="new_program_submit").click().run()
    assert [e.value for e in at.error] == ["Name: please fill this in."]
    programs = list_programs(movement.admin.identity)
    assert programs.select("name", "kind", "chapter_id", "partners").row(0) == (
        "Empathy in class",
        "education",
        movement.toronto,
        "Riverdale High",
    )
    row = programs.row(0, named=True)
    at.selectbox(key="edit_program").set_value(row["id"]).run()
    at.text_input(key=f"edit_program_{row['id']}_name").set_value("Empathy in every class")
    at.button(key=f"edit_program_{row['id']}_submit").click().run()
    assert [s.value for s in at.success] == ["Empathy in every class is saved."]
    assert at.dataframe[1].value["Program"].tolist() == ["Empathy in every class"]


def test_admin_sees_whole_movement_choice(movement: Movement) -> None:
    at = _at(PROGRAMS, movement, "admin")
    assert at.selectbox(key="new_program_chapter").options[0] == "Whole movement"
    at.text_input(key="new_program_name").set_value("Empathy Week")
    at.button(key="new_program_submit").click().run()
    assert [s.value for s in at.success] == ["Empathy Week is recorded."]
    assert list_programs(movement.admin.identity)["chapter_id"].to_list() == [None]


def test_partners_page_create_edit_and_errors(movement: Movement) -> None:
    program = create_program(movement.admin.identity, _program("Empathy in class", movement.toronto))
    at = _at(PARTNERS, movement)
    assert not at.exception
    at.text_input(key="new_partner_name").set_value("St. Mary's Hospital")
    at.selectbox(key="new_partner_kind").set_value("healthcare")
    at.text_input(key="new_partner_email").set_value("not-an-email")
    at.button(key="new_partner_submit").click().run()
    assert [e.value for e in at.error] == ["Contact email: an email address looks like name@example.org."]
    at.text_input(key="new_partner_email").set_value("care@stmarys.example")
    at.selectbox(key="new_partner_chapter").set_value(movement.toronto)
    at.multiselect(key="new_partner_programs").set_value([program])
    at.button(key="new_partner_submit").click().run()
    assert [s.value for s in at.success] == ["St. Mary's Hospital is recorded."]
    row = list_partners(movement.admin.identity).row(0, named=True)
    assert (row["kind"], row["status"], row["programs"], row["contact_email"]) == (
        "healthcare",
        "active",
        "Empathy in class",
        "care@stmarys.example",
    )
    at.selectbox(key="edit_partner").set_value(row["id"]).run()
    at.selectbox(key=f"edit_partner_{row['id']}_status").set_value("paused")
    at.button(key=f"edit_partner_{row['id']}_submit").click().run()
    assert [s.value for s in at.success] == ["St. Mary's Hospital is saved."]
    assert list_partners(movement.admin.identity)["status"].to_list() == ["paused"]
