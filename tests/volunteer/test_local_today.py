"""The volunteer's "Today" is their chapter's date, whatever the hour in UTC
(the journey that once failed at 00:35 UTC)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import psycopg
import pytest
import time_machine

from db import clock, hours, hours_suggestions
from models.hours import HoursEntry
from tests.volunteer.conftest import World
from tests.volunteer.test_hours_db import entry

ZONES = ["America/Los_Angeles", "Europe/Berlin", "Pacific/Auckland"]


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize(("hour", "minute"), [(23, 30), (0, 30)])
def test_todays_suggestion_is_the_chapters_date_and_saves(
    world: World, zone: str, hour: int, minute: int
) -> None:
    with psycopg.connect(world.uri, autocommit=True) as conn:
        conn.execute("update public.chapters set time_zone = %s where id = %s", (zone, world.local))
    me = world.volunteer.identity
    for _ in range(2):
        hours.log_hours(me, entry(activity="administration", minutes=120))
    # The server's own date stays today's (the database's clock is not frozen).
    utc_day = datetime.now(UTC).date()
    instant = datetime(utc_day.year, utc_day.month, utc_day.day, hour, minute, tzinfo=UTC)
    with time_machine.travel(instant, tick=False):
        local = clock.today_in(zone)
        assert clock.person_time_zone(me) == zone
        member = hours.my_member(me)
        assert member is not None and member.today() == local
        (repeat,) = [s for s in hours_suggestions.suggestions(me) if s.kind == "repeat"]
        assert repeat.worked_on == local
        # Tapping it and saving: the form validates with the member's today.
        e = HoursEntry.model_validate(
            {
                "worked_on": repeat.worked_on,
                "minutes": repeat.minutes,
                "activity": repeat.activity,
                "idempotency_key": uuid.uuid4(),
            },
            context={"today": member.today()},
        )
        saved = hours.log_hours(me, e)
    assert saved.worked_on == local
