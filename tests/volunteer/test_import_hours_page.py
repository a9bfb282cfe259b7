"""The import page in AppTest: check, import, and the row-by-row report of
a bad file, with nothing stored."""

from __future__ import annotations

from datetime import date, timedelta

from streamlit.testing.v1 import AppTest

from db.config import PROJECT_ROOT
from tests.volunteer.conftest import World, count

PAGE = str(PROJECT_ROOT / "pages" / "import_hours.py")
D = (date.today() - timedelta(days=1)).isoformat()
GOOD = (
    "member_email,worked_on,hours,activity\n"
    f"vera@example.org,{D},1.5,outreach\n"
    f"victor@example.org,{D},2,training\n"
)
BAD = (
    "member_email,worked_on,minutes,activity,note\n"
    f"vera@example.org,{D},60,outreach,\n"
    f'vera@example.org,{D},60,outreach,=HYPERLINK("http://x.example")\n'
    "victor@example.org,31/12/2025,60,training,\n"
)


def page(world: World, who: str = "coordinator") -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.session_state["signed_in"] = getattr(world, who)
    return at.run()


def upload(at: AppTest, name: str, text: str | bytes) -> None:
    data = text.encode() if isinstance(text, str) else text
    at.file_uploader(key="import_file").upload(name, data, "text/csv")
    at.run()


def test_volunteers_are_turned_away(world: World) -> None:
    at = page(world, "volunteer")
    assert [e.value for e in at.error] == ["Your roles do not include this page."]


def test_buttons_wait_for_a_file(world: World) -> None:
    at = page(world)
    assert at.button(key="import_check").disabled and at.button(key="import_run").disabled


def test_check_then_import_a_good_file(world: World) -> None:
    at = page(world)
    upload(at, "october.csv", GOOD)
    at.button(key="import_check").click().run()
    assert [s.value for s in at.success] == ["All 2 rows of october.csv are fine. Press Import to add them."]
    assert count(world.uri, "select count(*) from public.volunteer_hours") == 0
    at.checkbox(key="import_approve").uncheck()
    at.button(key="import_run").click().run()
    assert [s.value for s in at.success] == ["Imported 2 entries from october.csv (waiting for approval)."]
    assert count(world.uri, "select count(*) from public.volunteer_hours where status = 'pending'") == 2
    # The same file again adds nothing and says why, row by row.
    at.button(key="import_run").click().run()
    assert at.error[0].value.startswith("Nothing was imported: 2 of 2 rows have problems.")
    assert count(world.uri, "select count(*) from public.volunteer_hours") == 2


def test_a_bad_file_lists_every_problem_and_stores_nothing(world: World) -> None:
    at = page(world)
    upload(at, "bad.csv", BAD)
    at.button(key="import_run").click().run()
    assert [e.value for e in at.error] == [
        "Nothing was imported: 2 of 3 rows have problems. Fix them in the file and upload it again."
    ]
    report = at.dataframe[0].value
    assert report["row"].tolist() == [3, 4]
    assert report["column"].tolist() == ["note", "worked_on"]
    assert "Formula cells are refused" in report["problem"][0]
    assert "YYYY-MM-DD" in report["problem"][1]
    assert count(world.uri, "select count(*) from public.volunteer_hours") == 0


def test_a_file_with_the_wrong_columns(world: World) -> None:
    at = page(world)
    upload(at, "export.csv", "name,day,duration\nVera,2026-01-01,60\n")
    at.button(key="import_check").click().run()
    assert at.error[0].value == "Nothing was imported: the file cannot be used as it is."
    problems = at.dataframe[0].value["problem"].tolist()
    assert [p.split(".")[0] for p in problems] == [
        "Unknown column 'name'",
        "Unknown column 'day'",
        "Unknown column 'duration'",
        "The column 'member_email' is missing",
        "The column 'worked_on' is missing",
        "The column 'activity' is missing",
        "Give the duration in exactly one column: 'minutes' or 'hours'",
    ]
