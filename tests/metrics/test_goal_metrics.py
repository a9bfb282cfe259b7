"""metrics.goal_metrics: goal keys, value checks, and goal progress taken
from the health report per scope, checked by hand."""

from __future__ import annotations

from datetime import date

import pytest

from metrics import impact
from metrics.goal_metrics import (
    ALIASES,
    GOAL_METRICS,
    canonical,
    check_value,
    format_value,
    goal_period,
    goal_values,
)
from metrics.goal_progress import goals_progress
from metrics.periods import Period
from metrics.report import health_report
from metrics.schemas import CHAPTERS, GOALS, MEMBERS, SURVEY_RESPONSES, TEQ_ITEMS, ReportFrames, rows

AS_OF = date(2026, 7, 1)


def _frames() -> ReportFrames:
    chapters = rows(
        CHAPTERS,
        [
            {"id": 1, "name": "Canada", "level": "national", "founded_on": date(2020, 1, 1),
             "status": "active"},
            {"id": 2, "name": "Ontario", "level": "regional", "parent_id": 1, "founded_on": date(2021, 1, 1),
             "status": "active"},
            {"id": 3, "name": "Toronto", "level": "local", "parent_id": 2, "founded_on": date(2022, 1, 1),
             "status": "active"},
            {"id": 4, "name": "Quebec", "level": "regional", "parent_id": 1, "founded_on": date(2021, 1, 1),
             "status": "active"},
        ],
    )  # fmt: skip
    members = rows(
        MEMBERS,
        [
            {"id": 10, "chapter_id": 3, "joined_on": date(2025, 1, 1)},
            {"id": 11, "chapter_id": 3, "joined_on": date(2025, 2, 1)},
            {"id": 12, "chapter_id": 3, "joined_on": date(2025, 3, 1), "left_on": date(2026, 1, 31)},
            {"id": 13, "chapter_id": 4, "joined_on": date(2025, 3, 1)},
        ],
    )
    answers = dict.fromkeys(TEQ_ITEMS, 2)
    surveys = rows(
        SURVEY_RESPONSES,
        [
            {"respondent_code": code, "chapter_id": 3, "program_id": 1, "wave": "post",
             "answered_on": date(2026, 5, 1), "practice": practice, **answers}
            for code, practice in (("a", "weekly"), ("b", "daily"), ("c", "monthly"), ("d", "never"))
        ],
    )  # fmt: skip
    goals = rows(
        GOALS,
        [
            # Ontario (2) with Toronto (3): members now 10 and 11 → 2; by hand 2 / 4 = 0.5.
            {"id": 1, "name": "Grow Ontario", "metric": "members", "target_value": 4.0,
             "due_on": date(2026, 12, 31), "chapter_id": 2, "created_on": date(2026, 1, 1)},
            # The movement: practice rate over the latest post answers in the FY:
            # weekly, daily of a, b, c, d → 2 / 4 = 0.5; from 0.2 to 0.8 → (0.5 − 0.2) / 0.6 = 0.5.
            {"id": 2, "name": "Practise weekly", "metric": "impact.practice_rate", "target_value": 0.8,
             "baseline_value": 0.2, "due_on": date(2026, 12, 31), "chapter_id": None,
             "created_on": date(2026, 1, 1)},
            # The movement: open chapters 4 of a target 8 → 0.5.
            {"id": 3, "name": "Eight chapters", "metric": "chapters", "target_value": 8.0,
             "due_on": date(2027, 6, 30), "chapter_id": None, "created_on": date(2026, 1, 1)},
            {"id": 4, "name": "Be happy", "metric": "happiness.level", "target_value": 1.0,
             "due_on": date(2027, 6, 30), "chapter_id": None, "created_on": date(2026, 1, 1)},
        ],
    )  # fmt: skip
    return ReportFrames.of(chapters=chapters, members=members, survey_responses=surveys, goals=goals)


def test_every_health_report_goal_name_is_an_alias() -> None:
    assert set(impact.GOAL_METRICS) <= set(ALIASES)
    assert all(key in GOAL_METRICS for key in ALIASES.values())
    assert canonical("programs.trained_partners") == "impact.trained_partners"
    assert canonical("momentum.members") == "momentum.members"
    assert canonical("nothing") is None


def test_values_agree_with_the_health_reports_own_goals() -> None:
    # The report computes goals named by its short names itself; picking
    # the same figures out of the report must give the same values.
    frames = _frames()
    short = [
        {"id": i, "name": k, "metric": k, "target_value": 1.0, "due_on": date(2027, 1, 1),
         "created_on": date(2026, 1, 1)}
        for i, k in enumerate(sorted(impact.GOAL_METRICS), start=1)
    ]  # fmt: skip
    report = health_report(
        frames.with_frames(goals=rows(GOALS, short)), as_of=AS_OF, period=goal_period(AS_OF)
    )
    values = goal_values(report)
    for p in report.impact.goals:
        assert values[p.metric] == p.current, p.metric


def test_progress_per_scope_by_hand() -> None:
    got = goals_progress(_frames(), as_of=AS_OF)
    assert sorted(got) == [1, 2, 3, 4]
    assert got[1].current.value == 2
    assert got[1].progress.value == pytest.approx(0.5)
    assert got[2].current.value == pytest.approx(0.5)
    assert got[2].progress.value == pytest.approx(0.5)
    assert got[3].current.value == 4
    assert got[3].progress.value == pytest.approx(0.5)
    # Half a year (1 Jan → 1 Jul of a goal due 31 Dec) has elapsed: 181 / 364 ≈ 0.497 < 0.5 → on track.
    assert got[1].status == "on track"
    assert (got[2].metric, got[3].metric) == ("impact.practice_rate", "chapters")
    assert got[4].status == "unknown"
    assert got[4].current.reason == "Heartbeat does not compute a metric named 'happiness.level'"


def test_scopes_the_reader_does_not_see_in_full_are_undefined() -> None:
    got = goals_progress(_frames(), as_of=AS_OF, complete_scopes=frozenset({2}))
    assert got[1].current.value == 2
    assert got[2].current.value is None and got[2].status == "unknown"
    assert "beyond yours" in (got[3].current.reason or "")


def test_goal_period_and_value_checks() -> None:
    assert goal_period(date(2026, 3, 14)) == Period(date(2026, 1, 1), date(2026, 12, 31))
    assert goal_period(date(2026, 3, 14), 7) == Period(date(2025, 7, 1), date(2026, 6, 30))
    assert check_value("impact.practice_rate", 0.7) is None
    assert check_value("impact.practice_rate", 70) == "a share lies between 0% and 100%"
    assert check_value("momentum.members", -1) == "this is a whole number, 0 or more"
    assert check_value("impact.teq_change", 3.5) is None
    assert check_value("impact.teq_effect_size", 9) == "an effect size lies between −5 and 5"
    assert format_value("donor_retention", 0.433) == "43.3%"
    assert format_value("momentum.members", 1200) == "1,200"
    assert format_value("members", None) == "—"
    assert format_value("impact.teq_effect_size", 0.5) == "+0.50"
