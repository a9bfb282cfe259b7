"""The chapters page through Streamlit's AppTest, signed in as a coordinator
or admin, against a real database."""

from __future__ import annotations

from datetime import UTC, date, datetime

import psycopg
import time_machine
from streamlit.testing.v1 import AppTest

from db import clock
from db.chapters import list_chapters
from db.config import PROJECT_ROOT
from tests.operations.conftest import Movement

PAGE = str(PROJECT_ROOT / "pages" / "chapters.py")


def _page(movement: Movement, who: str = "coordinator") -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.session_state["signed_in"] = getattr(movement, who)
    return at.run()


def test_volunteer_is_turned_away(movement: Movement) -> None:
    at = _page(movement, "volunteer")
    assert "Your roles do not include this page." in [e.value for e in at.error]
    assert not at.tabs


def test_map_lists_the_tree(movement: Movement) -> None:
    at = _page(movement)
    assert not at.exception
    table = at.dataframe[0].value
    assert table["Chapter"].tolist()[0] == "Empathy International"
    assert table["Chapter"].tolist()[2] == "\u2003\u2003Ontario"
    assert table.loc[table["Chapter"].str.strip() == "Toronto", "Yours"].item()


def test_open_local_chapter_under_a_region(movement: Movement) -> None:
    at = _page(movement)
    assert at.selectbox(key="new_local_region").options == ["Empathy International › Canada › Ontario"]
    at.text_input(key="new_local_name").set_value("Hamilton")
    at.text_input(key="new_local_place").set_value("Hamilton, ON")
    at.button(key="new_local_submit").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Hamilton is open as a local chapter under Ontario."]
    row = list_chapters(movement.admin.identity).filter(name="Hamilton").row(0, named=True)
    assert (row["level"], row["parent_id"], row["time_zone"]) == (
        "local",
        movement.ontario,
        "America/Toronto",
    )
    assert at.text_input(key="new_local_name").value == ""


def test_open_local_chapter_without_a_name_shows_the_error(movement: Movement) -> None:
    at = _page(movement)
    at.button(key="new_local_submit").click().run()
    assert [e.value for e in at.error] == ["Name: please fill this in."]


def test_admin_opens_a_national_chapter_at_the_top_or_under_international(movement: Movement) -> None:
    at = _page(movement, "admin")
    at.segmented_control(key="new_level").set_value("national").run()
    assert at.selectbox(key="new_parent").options == [
        "— none (top of the movement) —",
        "Empathy International",
    ]
    at.selectbox(key="new_parent").set_value(movement.international)
    at.text_input(key="new_name").set_value("Mexico")
    at.selectbox(key="new_zone").set_value("America/Mexico_City")
    at.button(key="new_submit").click().run()
    assert [s.value for s in at.success] == ["Mexico is open as a national chapter."]
    row = list_chapters(movement.admin.identity).filter(name="Mexico").row(0, named=True)
    assert (row["parent_id"], row["time_zone"]) == (movement.international, "America/Mexico_City")


def test_duplicate_name_is_refused(movement: Movement) -> None:
    at = _page(movement)
    at.text_input(key="new_local_name").set_value("toronto")
    at.button(key="new_local_submit").click().run()
    assert [e.value for e in at.error] == ["A chapter with this name already exists here"]


def test_edit_with_a_wrong_parent_level_is_refused_then_saved(movement: Movement) -> None:
    at = _page(movement)
    at.selectbox(key="edit_chapter").set_value(movement.ottawa).run()
    key = movement.ottawa
    at.selectbox(key=f"edit_parent_{key}").set_value(movement.toronto)
    at.button(key=f"edit_submit_{key}").click().run()
    assert [e.value for e in at.error] == ["A local chapter cannot sit under a local chapter"]
    at.selectbox(key=f"edit_parent_{key}").set_value(movement.ontario)
    at.text_input(key=f"edit_place_{key}").set_value("Ottawa, ON")
    at.button(key=f"edit_submit_{key}").click().run()
    assert [s.value for s in at.success] == ["Ottawa is saved."]
    assert list_chapters(movement.admin.identity).filter(id=key)["place"].item() == "Ottawa, ON"


def test_mark_dormant_and_reactivate(movement: Movement) -> None:
    at = _page(movement)
    at.selectbox(key="dormant_chapter").set_value(movement.ottawa)
    at.date_input(key="dormant_since").set_value(date(2025, 9, 1))
    at.button(key="dormant_submit").click().run()
    assert [s.value for s in at.success] == ["Ottawa is marked dormant since September 1, 2025."]
    assert list_chapters(movement.admin.identity).filter(id=movement.ottawa)["status"].item() == "dormant"
    at.button(key=f"reactivate_{movement.ottawa}").click().run()
    assert [s.value for s in at.success] == ["Ottawa is active again."]
    assert list_chapters(movement.admin.identity).filter(id=movement.ottawa)["status"].item() == "active"


def test_coordinator_cannot_edit_other_regions(movement: Movement) -> None:
    at = _page(movement)
    options = at.selectbox(key="edit_chapter").options
    assert not any("Montreal" in o or "Quebec" in o for o in options)


def test_a_date_saved_where_the_day_had_begun_stays_editable(movement: Movement) -> None:
    # 23:30 UTC: already tomorrow in Kiritimati, still today in Toronto, where
    # the coordinator is. A chapter founded "today" by the database's clock
    # (or by someone in a zone ahead) must not break the page for them.
    utc_day = datetime.now(UTC).date()
    instant = datetime(utc_day.year, utc_day.month, utc_day.day, 23, 30, tzinfo=UTC)
    with time_machine.travel(instant, tick=False):
        ahead = clock.latest_today()
        assert ahead > clock.today_in("America/Toronto")
        with psycopg.connect(movement.uri, autocommit=True) as conn:
            conn.execute("update public.chapters set founded_on = %s where id = %s", (ahead, movement.ottawa))
        at = _page(movement)
        at.selectbox(key="edit_chapter").set_value(movement.ottawa).run()
        assert not at.exception
        at.text_input(key=f"edit_place_{movement.ottawa}").set_value("Ottawa, Ontario")
        at.button(key=f"edit_submit_{movement.ottawa}").click().run()
        assert not at.exception
        assert [s.value for s in at.success] == ["Ottawa is saved."]
    saved = list_chapters(movement.admin.identity).filter(id=movement.ottawa).row(0, named=True)
    assert (saved["founded_on"], saved["place"]) == (ahead, "Ottawa, Ontario")
