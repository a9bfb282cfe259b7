"""The current progress of goals, each measured in its own scope by a health
report over the goal period (metrics.goal_metrics names the figures;
metrics.impact.goal_progress holds the progress and status rules)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import polars as pl

from metrics import impact
from metrics.figure import Figure
from metrics.goal_metrics import canonical, goal_period, goal_values
from metrics.impact import GoalProgress
from metrics.report import health_report
from metrics.report_types import ReportParams
from metrics.schemas import GOALS, ReportFrames


def _progress(goal: dict[str, object], current: Figure, as_of: date) -> GoalProgress:
    # impact.goal_progress holds the progress and status rules; it knows
    # only its own short metric names, so each goal is passed under one of
    # them with its own value, and its real name is put back after.
    row = pl.DataFrame([{**goal, "metric": "members"}], schema=dict(GOALS))
    (done,) = impact.goal_progress(row, {"members": current}, as_of=as_of)
    return replace(done, metric=str(goal["metric"]))


def goals_progress(
    frames: ReportFrames,
    *,
    as_of: date,
    complete_scopes: frozenset[int | None] | None = None,
    params: ReportParams | None = None,
) -> dict[int, GoalProgress]:
    """Progress of every goal in `frames.goals`, each measured in its own
    scope, keyed by goal id.

    One health report runs per distinct scope among the goals (the movement
    or a chapter with its sub-chapters), over `goal_period(as_of)`.
    `complete_scopes` lists the scopes whose rows the reader sees in full
    (None: all, as for the board); row-level security shows a coordinator
    only their own chapters' members, hours and gifts, so a movement-wide
    goal computed from those would be wrong, and is left undefined with the
    reason instead. A metric name Heartbeat does not know is undefined too.

    Example: two movement goals and one for chapter 7 → two reports
    (movement, chapter 7), three progresses; with complete_scopes = {7}
    the two movement goals come back undefined."""
    goals = frames.goals
    fy = int(frames.settings["fiscal_year_start_month"][0]) if frames.settings.height else 1
    period = goal_period(as_of, fy)
    known = set(frames.chapters["id"].to_list())
    out: dict[int, GoalProgress] = {}
    for scope in goals.get_column("chapter_id").unique(maintain_order=True).to_list():
        of_scope = goals.filter(
            pl.col("chapter_id").is_null() if scope is None else pl.col("chapter_id") == scope
        )
        reason = None
        if scope is not None and scope not in known:
            reason = "this chapter is not in the data you can see"
        elif complete_scopes is not None and scope not in complete_scopes:
            reason = "its figures cover chapters beyond yours: the board and admins see its progress"
        values: dict[str, Figure] = {}
        if reason is None:
            report = health_report(frames, as_of=as_of, period=period, chapter_id=scope, params=params)
            values = goal_values(report)
        for goal in of_scope.iter_rows(named=True):
            key = canonical(str(goal["metric"]))
            if reason is not None:
                current = Figure.undefined(reason)
            elif key is None:
                current = Figure.undefined(f"Heartbeat does not compute a metric named {goal['metric']!r}")
            else:
                current = values[key]
            out[int(goal["id"])] = _progress(goal, current, as_of)
    return out
