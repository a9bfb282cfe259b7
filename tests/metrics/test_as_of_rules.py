"""Figures at an as_of: annual rates over the months that have run, and only
what was recorded by that date."""

from __future__ import annotations

import pytest

from metrics.periods import Period
from metrics.report import health_report
from metrics.report_types import HealthReport
from tests.metrics.builders import D
from tests.metrics.test_report import JUNE_30, _movement


def _component(report: HealthReport, key: str) -> float:
    (c,) = [c for c in report.health.components if c.key == key]
    assert c.figure.value is not None
    return c.figure.value


@pytest.mark.parametrize(
    ("period", "as_of", "elapsed"),
    [
        (Period.calendar_year(2024), JUNE_30, 6),  # half a calendar year has run
        (Period.fiscal_year(2025, 4), D(2024, 11, 30), 8),  # April–November of FY 2025
        (Period.quarter(2024, 2), JUNE_30, 3),  # a whole quarter
    ],
)
def test_growth_and_churn_are_annualised_over_the_months_elapsed(
    period: Period, as_of: object, elapsed: int
) -> None:
    report = health_report(_movement(), as_of=as_of, period=period)  # type: ignore[arg-type]
    members = report.momentum.members
    assert members.growth.value is not None and members.churn.value is not None
    assert members.churn.value > 0  # the hand movement loses members, so the rate is not 0 = 0
    assert _component(report, "member_growth") == pytest.approx(members.growth.value * 12 / elapsed)
    assert _component(report, "member_churn") == pytest.approx(members.churn.value * 12 / elapsed)
