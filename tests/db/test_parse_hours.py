"""parse_hours: typed hours as whole minutes, the way people write them."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.hours import MSG_HOURS_UNREADABLE, parse_hours, unusual


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [
        ("1.5", 90),
        ("1,5", 90),
        (" 1,5 ", 90),
        ("1:30", 90),
        ("1 h 30", 90),
        ("1h30m", 90),
        ("1 h", 60),
        ("2", 120),
        (",25", 15),
        ("90 min", 90),
        ("0", 0),
        ("25", 1500),
    ],
)
def test_readable_hours(typed: str, minutes: int) -> None:
    assert parse_hours(typed) == minutes


@pytest.mark.parametrize("typed", ["abc", "1.5.2", "1:75", "-1", "1,5 h 30", "1e3"])
def test_unreadable_hours_say_how_to_write_them(typed: str) -> None:
    with pytest.raises(ValueError, match="1:30"):
        parse_hours(typed)
    assert "1,5" in MSG_HOURS_UNREADABLE


def test_nothing_typed_is_none() -> None:
    assert parse_hours("") is None and parse_hours("  ") is None and parse_hours(None) is None


@given(st.integers(min_value=0, max_value=48), st.integers(min_value=0, max_value=59))
def test_every_notation_of_the_same_duration_agrees(hours: int, minutes: int) -> None:
    total = hours * 60 + minutes
    assert parse_hours(f"{hours}:{minutes:02d}") == total
    assert parse_hours(f"{hours} h {minutes}") == total
    if minutes % 15 == 0:
        decimal = f"{hours + minutes / 60:g}"
        assert parse_hours(decimal) == total
        assert parse_hours(decimal.replace(".", ",")) == total


def test_unusual_entries() -> None:
    today = date(2026, 12, 5)
    assert unusual(today, 12 * 60, today) is None
    assert "more than 12 h" in (unusual(today, 13 * 60, today) or "")
    assert "more than a year ago" in (unusual(date(2025, 11, 1), 60, today) or "")
    assert unusual(date(2025, 12, 6), 60, today) is None
