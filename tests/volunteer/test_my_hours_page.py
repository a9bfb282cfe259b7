"""My hours in AppTest: approved and pending apart, totals and value, edit
and withdraw of pending entries (with their validation), and the statement."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

import dates
from components.documents.hours_statement import build_statement, statement_csv, statement_pdf
from db import hours, hours_review
from db.config import PROJECT_ROOT
from models.hours import MSG_DURATION, MSG_FUTURE, HoursEntry, review
from tests.volunteer.conftest import World, count

PAGE = str(PROJECT_ROOT / "pages" / "my_hours.py")
TODAY = date.today()
# Two days in this year before today (or today itself early in January).
DAY1 = max(TODAY - timedelta(days=2), date(TODAY.year, 1, 1))
DAY2 = max(TODAY - timedelta(days=1), date(TODAY.year, 1, 1))


def page(world: World) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.session_state["signed_in"] = world.volunteer
    return at.run()


def log(world: World, day: date, minutes: int, activity: str, **kw: object) -> hours.SavedHours:
    return hours.log_hours(
        world.volunteer.identity,
        HoursEntry(worked_on=day, minutes=minutes, activity=activity, idempotency_key=uuid.uuid4(), **kw),  # type: ignore[arg-type]
    )


@pytest.fixture
def logged(world: World) -> dict[str, hours.SavedHours]:
    a = log(world, DAY1, 90, "outreach", note="Market stall")
    b = log(world, DAY2, 60, "training", program_id=world.program)
    c = log(world, DAY2, 45, "administration")
    d = log(world, DAY1, 30, "mentoring")
    hours_review.review_hours(
        world.coordinator.identity,
        [review(a.id, "approve"), review(b.id, "approve"), review(d.id, "reject", "Logged twice")],
    )
    return {"a": a, "b": b, "c": c, "d": d}


def test_an_empty_history_invites_logging(world: World) -> None:
    at = page(world)
    assert "You have not logged any hours yet" in at.info[0].value
    assert not at.metric


def test_approved_and_pending_apart_with_the_value_of_time(world: World, logged: dict) -> None:
    at = page(world)
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    # 90 + 60 approved minutes at the default $31.80 an hour = $79.50.
    assert metrics == {
        "Approved": "2 h 30 min",
        "Waiting for approval": "45 min",
        "Value of your time": "$79.50",
    }
    assert [w.value for w in at.warning] == [
        f"Not approved: 30 min of mentoring on {dates.weekday(DAY1, TODAY)}. Reason: Logged twice"
    ]
    table = at.dataframe[0].value
    assert sorted(table["Status"]) == ["Approved", "Approved", "Not approved", "Waiting for approval"]
    by_activity = at.dataframe[2].value
    assert by_activity.iloc[0].tolist() == ["Outreach", 1.5, 0.0]
    by_year = at.dataframe[1].value
    assert by_year.iloc[0].tolist() == [str(TODAY.year), 2.5, 0.75, "$79.50"]
    assert at.caption[0].value.startswith("This year: 2 h 30 min approved, 45 min waiting.")


def test_edit_a_pending_entry(world: World, logged: dict) -> None:
    c = logged["c"]
    at = page(world)
    at.number_input(key=f"edit_duration_{c.id}").set_value(1.25)
    at.selectbox(key=f"edit_activity_{c.id}").set_value("research")
    at.button(key=f"FormSubmitter:edit_{c.id}-Save changes").click().run()
    assert [s.value for s in at.success] == [
        f"Changed: 1 h 15 min of research on {dates.weekday(DAY2, TODAY)}."
    ]
    changed = hours.get_hours(world.volunteer.identity, c.id)
    assert changed is not None and (changed.minutes, changed.activity) == (75, "research")


@pytest.mark.parametrize(
    ("day", "hours_", "message"),
    [(TODAY + timedelta(days=3), 1.0, MSG_FUTURE), (DAY2, 0.0, MSG_DURATION)],
)
def test_edit_validation_messages(world: World, logged: dict, day: date, hours_: float, message: str) -> None:
    c = logged["c"]
    at = page(world)
    at.date_input(key=f"edit_date_{c.id}").set_value(day)
    at.number_input(key=f"edit_duration_{c.id}").set_value(hours_)
    at.button(key=f"FormSubmitter:edit_{c.id}-Save changes").click().run()
    assert [e.value for e in at.error] == [message]
    assert hours.get_hours(world.volunteer.identity, c.id).minutes == 45  # type: ignore[union-attr]


def test_an_edit_past_the_day_limit_is_refused(world: World, logged: dict) -> None:
    c = logged["c"]
    log(world, DAY2, 22 * 60, "other")
    at = page(world)
    at.number_input(key=f"edit_duration_{c.id}").set_value(2.0)
    at.button(key=f"FormSubmitter:edit_{c.id}-Save changes").click().run()
    (message,) = [e.value for e in at.error]
    assert message.startswith("No more than 24 hours in a day across all entries.")


def test_withdraw_asks_first_then_deletes(world: World, logged: dict) -> None:
    c = logged["c"]
    at = page(world)
    # Only pending entries can be withdrawn.
    assert not [b for b in at.button if b.key in (f"withdraw_{logged['a'].id}", f"withdraw_{logged['d'].id}")]
    at.button(key=f"withdraw_{c.id}").click().run()
    assert "Withdraw this entry? It will be deleted." in [w.value for w in at.warning]
    at.button(key=f"withdraw_no_{c.id}").click().run()
    assert count(world.uri, "select count(*) from public.volunteer_hours where id = %s", (c.id,)) == 1
    at.button(key=f"withdraw_{c.id}").click().run()
    at.button(key=f"withdraw_yes_{c.id}").click().run()
    assert [s.value for s in at.success] == [
        f"Withdrawn: 45 min of administration on {dates.weekday(DAY2, TODAY)}."
    ]
    assert count(world.uri, "select count(*) from public.volunteer_hours where id = %s", (c.id,)) == 0


def test_the_statement_lists_approved_hours_only(world: World, logged: dict) -> None:
    at = page(world)
    caption = next(c.value for c in at.caption if "approved entries" in c.value)
    assert caption.startswith("2 approved entries, 2 h 30 min in total.")
    assert at.get("download_button")
    at.date_input(key="statement_to").set_value(DAY1 - timedelta(days=1))
    at.date_input(key="statement_from").set_value(DAY1)
    at.run()
    assert [e.value for e in at.error] == ["Choose a period whose end is not before its start."]


def test_statement_files_say_who_what_and_how_much(world: World, logged: dict) -> None:
    entries = hours.my_hours(world.volunteer.identity)
    statement = build_statement(
        entries,
        movement="Empathy Movement",
        member_name="Vera Volunteer",
        chapter="Riverside",
        start=date(TODAY.year, 1, 1),
        end=TODAY,
        issued_on=TODAY,
    )
    assert statement.total_minutes == 150
    assert statement.by_activity == (("Outreach", 90), ("Training", 60))
    text = statement_csv(statement).decode("utf-8-sig")
    assert "Total approved hours,2.50" in text
    assert f"{DAY1.isoformat()},Outreach,,90,1.50" in text
    assert f"{DAY2.isoformat()},Training,Circles in schools,60,1.00" in text
    assert "Mentoring" not in text and "Administration" not in text
    pdf = PdfReader(__import__("io").BytesIO(statement_pdf(statement)))
    content = " ".join(p.extract_text() for p in pdf.pages)
    assert "Statement of volunteer hours" in content
    assert "Vera Volunteer" in content and "Total: 2 h 30 min (2.50 hours)" in content
    assert statement.reference in content
    assert statement.file_name("pdf") == (
        f"statement-of-hours-vera-volunteer-{TODAY.year}0101-{TODAY:%Y%m%d}.pdf"
    )


def test_statement_csv_neutralises_formulas_and_keeps_accents() -> None:
    import polars as pl

    from db.hours import MY_HOURS_SCHEMA

    entries = pl.DataFrame(
        {
            "id": [1],
            "worked_on": [date(2026, 3, 2)],
            "minutes": [60],
            "activity": ["outreach"],
            "status": ["approved"],
            "event_title": ['=HYPERLINK("http://x.example")'],
        }
    ).with_columns(
        [
            pl.lit(None, dtype=t).alias(c)
            for c, t in MY_HOURS_SCHEMA.items()
            if c not in ("id", "worked_on", "minutes", "activity", "status", "event_title")
        ]
    )
    statement = build_statement(
        entries,
        movement="Mouvement",
        member_name="Zoë Ñúñez",
        chapter="Montréal",
        start=date(2026, 1, 1),
        end=date(2026, 12, 31),
        issued_on=date(2026, 12, 31),
    )
    text = statement_csv(statement).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "Zoë Ñúñez" in text
    pdf = PdfReader(__import__("io").BytesIO(statement_pdf(statement)))
    assert "Zoë Ñúñez" in pdf.pages[0].extract_text()


def test_recently_approved_entries_are_shown_first(world: World, logged: dict) -> None:
    at = page(world)
    recent = [m.value.split("] ", 1)[1] for m in at.markdown if m.value.startswith(":green[")]
    assert sorted(recent) == [
        f"1 h 30 min of outreach on {dates.weekday(DAY1, TODAY)}",
        f"1 h of training on {dates.weekday(DAY2, TODAY)} (Circles in schools)",
    ]


@pytest.mark.parametrize(
    ("currency", "hour_value_minor", "shown"),
    [("JPY", 3_000, "¥7,500"), ("BHD", 3_180, "BHD\xa07.950"), ("EUR", 3_180, "€79.50")],
)
def test_the_value_of_time_is_in_the_currencys_own_digits(
    world: World, logged: dict, currency: str, hour_value_minor: int, shown: str
) -> None:
    """2 h 30 min approved: JPY has no minor unit and BHD three, so dividing
    by 100 showed ¥75.00 and BHD 79.50."""
    import psycopg

    with psycopg.connect(world.uri, autocommit=True) as conn:
        conn.execute(
            "update public.movement_settings set reporting_currency = %s, volunteer_hour_value_minor = %s",
            (currency, hour_value_minor),
        )
    at = page(world)
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Value of your time"] == shown


def test_on_a_phone_when_how_long_and_status_stay_in_view(world: World, logged: dict) -> None:
    at = page(world)
    table = at.dataframe[0]
    assert list(table.value.columns)[:3] == ["Date", "Hours", "Status"]
    config = json.loads(table.proto.columns)
    assert {name for name, c in config.items() if c.get("pinned")} == {"Date", "Hours", "Status"}
