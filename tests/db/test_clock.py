"""One "today": a chapter's own date, at any hour of the server's day."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from db import clock
from models.hours import MSG_FUTURE, HoursEntry

DAY = date(2026, 12, 5)
LATE = datetime(2026, 12, 5, 23, 30, tzinfo=UTC)  # 23:30 UTC on 5 December
EARLY = datetime(2026, 12, 5, 0, 30, tzinfo=UTC)  # 00:30 UTC on 5 December

# (zone, frozen instant, the zone's own date then)
CASES = [
    ("America/Los_Angeles", LATE, DAY),  # 15:30 on the 5th
    ("America/Los_Angeles", EARLY, DAY - timedelta(days=1)),  # 16:30 on the 4th
    ("Europe/Berlin", LATE, DAY + timedelta(days=1)),  # 00:30 on the 6th
    ("Europe/Berlin", EARLY, DAY),  # 01:30 on the 5th
    ("Pacific/Auckland", LATE, DAY + timedelta(days=1)),  # 12:30 on the 6th
    ("Pacific/Auckland", EARLY, DAY),  # 13:30 on the 5th
]


@pytest.mark.parametrize(("zone", "instant", "local"), CASES)
def test_today_is_the_zones_own_date(zone: str, instant: datetime, local: date) -> None:
    with time_machine.travel(instant, tick=False):
        assert clock.today_in(zone) == local
        assert clock.utc_now() == instant


def test_an_unknown_zone_reads_as_utc() -> None:
    with time_machine.travel(EARLY, tick=False):
        assert clock.today_in("Mars/Olympus_Mons") == DAY
        assert clock.today_in(None) == DAY


@pytest.mark.parametrize(("zone", "instant", "local"), CASES)
def test_an_entry_dated_the_zones_today_is_not_in_the_future(
    zone: str, instant: datetime, local: date
) -> None:
    values = {"worked_on": local, "minutes": 60, "activity": "outreach", "idempotency_key": uuid.uuid4()}
    with time_machine.travel(instant, tick=False):
        # With the chapter's today (as the page passes it) and with no place known.
        HoursEntry.model_validate(values, context={"today": clock.today_in(zone)})
        HoursEntry.model_validate(values)
        tomorrow = {**values, "worked_on": clock.latest_today() + timedelta(days=1)}
        with pytest.raises(ValueError, match=MSG_FUTURE):
            HoursEntry.model_validate(tomorrow)
