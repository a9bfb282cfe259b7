"""Momentum, the report's section on members, activity, the engagement
ladder, chapters and attendance, by name.

The figures live in the modules named for them: `metrics.membership`
(members over time, growth and churn), `metrics.activity` (member activity,
active ratio, cohorts), `metrics.ladder` (rungs, the ladder, breadth and
depth), `metrics.chapters` (chapter spread) and `metrics.attendance`
(events, attendance and its spikes). Import from those.
"""

# `metrics.report` and `metrics.prepared` call these as `momentum.<name>`,
# and the dashboard views being split on another branch import LEVELS and
# RUNGS from here; all are being changed elsewhere, so they keep that
# spelling until they import from the modules above, and this module goes
# with it.
from metrics.activity import active_ratio, activity_parts, cohort_retention
from metrics.attendance import attendance_with_events, event_counts, event_figures, weekly_attendance
from metrics.chapters import LEVELS, chapter_activity, chapter_spread, chapters_by_level_monthly
from metrics.ladder import (
    RUNGS,
    breadth_and_depth,
    climbs,
    depth_by_month,
    engagement_ladder,
    ladder_rungs,
    with_depth,
)
from metrics.membership import member_counts, members_over_time

__all__ = [
    "LEVELS",
    "RUNGS",
    "active_ratio",
    "activity_parts",
    "attendance_with_events",
    "breadth_and_depth",
    "chapter_activity",
    "chapter_spread",
    "chapters_by_level_monthly",
    "climbs",
    "cohort_retention",
    "depth_by_month",
    "engagement_ladder",
    "event_counts",
    "event_figures",
    "ladder_rungs",
    "member_counts",
    "members_over_time",
    "weekly_attendance",
    "with_depth",
]
