"""The report's own goal progress understands the metric names goals use."""

from __future__ import annotations

from datetime import date

from db.report_frames import load_report_frames
from metrics.goal_metrics import GOAL_METRICS
from metrics.periods import Period
from metrics.report import health_report


def test_every_demo_goal_gets_a_current_value_from_the_report(demo_db: str) -> None:
    frames = load_report_frames(None, uri=demo_db)
    assert frames.goals.height > 0
    as_of = frames.goals["created_on"].max()
    assert isinstance(as_of, date)
    report = health_report(frames, as_of=as_of, period=Period.calendar_year(as_of.year))
    assert report.impact.goals, "movement-wide demo goals are reported"
    for goal in report.impact.goals:
        assert goal.metric in GOAL_METRICS
        assert goal.current.value is not None, (goal.metric, goal.current.reason)
        assert goal.status != "unknown"
