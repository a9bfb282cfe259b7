"""Dates in whichever order a file writes them, read from the whole column."""

from __future__ import annotations

import pytest

from imports.dates import date_order_for, parse_date


def test_dates_are_read_in_the_order_the_file_uses() -> None:
    assert str(parse_date("2025-03-04 10:00:00", "DMY")) == "2025-03-04"
    assert str(parse_date("03/04/2025", "DMY")) == "2025-04-03"
    assert str(parse_date("03/04/2025", "MDY")) == "2025-03-04"
    assert str(parse_date("3/14/2025, 10:22:01 AM", "MDY")) == "2025-03-14"
    assert str(parse_date("20250314", "DMY")) == str(parse_date("20250314T102201", "MDY")) == "2025-03-14"
    with pytest.raises(ValueError, match="is not a date"):
        parse_date("31/31/2025", "DMY")
    with pytest.raises(ValueError, match="no four-digit year"):
        parse_date("03/04/25", "DMY")


def test_the_column_tells_the_order_or_the_guess_is_said() -> None:
    assert date_order_for(["2025-03-04", "x"], guess="MDY") == ("YMD", None)
    assert date_order_for(["03/04/2025", "14/03/2025"], guess="MDY") == ("DMY", None)
    assert date_order_for(["03/14/2025"], guess="DMY") == ("MDY", None)
    mixed, warning = date_order_for(["14/03/2025", "03/14/2025"], guess="MDY")
    assert mixed == "DMY" and warning is not None and "by hand" in warning
    guessed, warning = date_order_for(["03/04/2025"], guess="MDY")
    assert guessed == "MDY" and warning is not None and "month/day/year" in warning
