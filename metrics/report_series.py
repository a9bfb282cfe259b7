"""The queries behind a report's charts and sections: the series a
dashboard draws (members and attendance by week, money and revenue by
month, cohorts, the ladder, breadth and depth, chapters by level, the hours
distribution and Lorenz curve, volunteers by month, TEQ scores) and the
figures of the period that no KPI card compares (volunteer retention,
burnout signals, chapter spread, paired TEQ change, practice rate,
partners with training).

Each query comes with the key of what it depends on, for
`metrics.report_period.collect_cached`; `metrics.report.health_report`
collects them with the period's own.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from metrics import (
    activity,
    attendance,
    chapters,
    finance,
    fundraising,
    impact,
    ladder,
    member_months,
    membership,
    volunteers,
)
from metrics.periods import Period, add_months, fiscal_year_of, fiscal_year_start, month_start
from metrics.query import Query
from metrics.report_period import Keyed
from metrics.report_types import ReportParams
from metrics.view import View
from metrics.volunteers import BurnoutParams, BurnoutSignals, VolunteerRetention


def series_queries(v: View, period: Period, as_of: date, params: ReportParams) -> list[Keyed]:
    """The frames of `ReportSeries`, in its field order, for `period` cut at
    `as_of`: each family's formula and source are in its own function
    (`membership.members_over_time`, `attendance.weekly_attendance`,
    `finance.monthly_finance`, `fundraising.revenue_by_source_monthly`,
    `activity.cohort_retention`, `ladder.engagement_ladder`,
    `ladder.breadth_and_depth`, `chapters.chapters_by_level_monthly`,
    `volunteers.hours_distribution`, `volunteers.hours_lorenz`,
    `volunteers.monthly_volunteers`, `impact.teq_distribution`)."""
    end = period.effective_end(as_of)
    start = period.start
    first_month, last_month = start, month_start(end)
    hours_window = v.hours(start, end)
    totals = v.volunteer_totals(start, end)
    first_volunteered = v.rungs.select("member_id", pl.col("volunteer").alias("first")).drop_nulls()
    s0, s1 = v.scope.chapter_ids, (v.scope.chapter_ids, v.scope.program_id)
    return [
        (
            ("members_weekly", s0, start, period.end, as_of),
            membership.members_over_time(v.members(end), start=start, end=period.end, as_of=as_of),
        ),
        (
            ("attendance_weekly", s1, start, period.end, as_of),
            attendance.weekly_attendance(
                v.counts(None, end), start=start, end=period.end, as_of=as_of, params=params.spike
            ),
        ),
        (
            ("finance_monthly", s0, start, end),
            finance.monthly_finance(
                v.gifts(add_months(start, -max(params.burn_months, 12)), end),
                v.expenses(add_months(start, -max(params.burn_months, 12)), end),
                v.balances,
                start=start,
                end=end,
                burn_months=params.burn_months,
            ),
        ),
        (
            ("revenue_by_source", s0, start, end),
            fundraising.revenue_by_source_monthly(v.gifts(start, end), start=start, end=end),
        ),
        (("cohorts", s1, end), _cohorts(v, end, params.cohort_months)),
        (("ladder", s1, end), ladder.engagement_ladder(v.rungs, at=end)),
        (("breadth_depth", s1, start, end), _breadth_and_depth(v, start, end)),
        (
            ("chapters_by_level", s0, start, end),
            chapters.chapters_by_level_monthly(v.chapters, first=start, last=end),
        ),
        (
            ("hours_distribution", s1, start, end),
            volunteers.hours_distribution(
                hours_window, first_month=first_month, last_month=last_month, totals=totals
            ),
        ),
        (
            ("hours_lorenz", s1, start, end),
            volunteers.hours_lorenz(
                hours_window, first_month=first_month, last_month=last_month, totals=totals
            ),
        ),
        (
            ("volunteers_monthly", s1, start, end),
            volunteers.monthly_volunteers(
                hours_window,
                first_month=first_month,
                last_month=last_month,
                first=first_volunteered,
                per_month=v.monthly_volunteers(first_month, last_month),
            ),
        ),
        (("teq_distribution", s1, start, end), impact.teq_distribution(v.surveys, first=start, last=end)),
    ]


def section_queries(
    v: View, program_partners: pl.DataFrame, period: Period, as_of: date, params: ReportParams, fy: int
) -> list[Keyed]:
    """Volunteer retention (fiscal year of the period's end), burnout
    signals, chapter spread, paired TEQ change (overall and by program),
    practice rate and partners with training, in that order: each formula
    and its source are in `volunteers.volunteer_retention`,
    `volunteers.burnout_signals`, `chapters.chapter_spread`,
    `impact.paired_change`, `impact.practice_rate` and
    `impact.partners_with_training`."""
    end = period.effective_end(as_of)
    start = period.start
    pairs = v.pairs(start, end)
    year = fiscal_year_of(end, fy)
    s1 = (v.scope.chapter_ids, v.scope.program_id)
    return [
        (("volunteer_retention", s1, year, end), _volunteer_retention(v, year, end, fy)),
        (("burnout", s1, end), _burnout(v, end, params.burnout)),
        (
            ("chapter_spread", s1, start, end),
            chapters.chapter_spread(
                v.chapters,
                chapters.chapter_activity(
                    v.counts(start, end), v.chapter_hours(start, end), first=start, last=end
                ),
                at=end,
            ),
        ),
        (("paired", s1, start, end), impact.paired_change(pairs)),
        # Its finishing step solves an interval per program: done in the plans.
        (("paired_by_program", s1, start, end), impact.paired_change_by_program(pairs).in_plan()),
        (
            ("practice", s1, start, end),
            impact.practice_rate(v.surveys, first=start, last=end, waves=params.practice_waves),
        ),
        (
            ("partners", s1, end),
            impact.partners_with_training(v.partners, program_partners, v.counts(None, end), at=end),
        ),
    ]


# Member and volunteer figures read the member-month columns where the scope
# allows it (`View.by_member_month`, `View.movement_wide`), else the rows;
# both give the same numbers (tests/metrics/test_member_months.py).


def _cohorts(v: View, end: date, cohorts: int) -> Query[pl.DataFrame]:
    if v.by_member_month:
        mm = v.p.member_months
        return Query.deferred(
            lambda: member_months.cohort_retention(
                mm, v.scope_rows(), last_cohort=end, cohorts=cohorts, as_of=end
            )
        )
    first = add_months(month_start(end), -(cohorts - 1))
    return activity.cohort_retention(
        v.members(end, first), v.activity(first, end), last_cohort=end, cohorts=cohorts, as_of=end
    )


def _breadth_and_depth(v: View, start: date, end: date) -> Query[pl.DataFrame]:
    if v.by_member_month:
        mm = v.p.member_months

        def finish(depth: pl.DataFrame) -> pl.DataFrame:
            breadth = member_months.breadth(mm, v.scope_rows(), first=start, last=end)
            return ladder.with_depth(breadth, depth).collect(engine="in-memory")

        return Query(ladder.depth_by_month(v.climbs(start, end), first=start, last=end), finish)
    return ladder.breadth_and_depth(
        v.activity(start, end), v.rungs, first=start, last=end, climbed=v.climbs(start, end)
    )


def _volunteer_retention(v: View, year: int, end: date, fy: int) -> Query[VolunteerRetention]:
    if v.movement_wide:
        mm = v.p.member_months
        return Query.deferred(
            lambda: member_months.volunteer_retention(mm, year=year, as_of=end, fy_start_month=fy)
        )
    hours = v.hours(fiscal_year_start(year - 1, fy), end)
    return volunteers.volunteer_retention(hours, year=year, as_of=end, fy_start_month=fy)


def _burnout(v: View, end: date, params: BurnoutParams) -> Query[BurnoutSignals]:
    if v.movement_wide:
        mm = v.p.member_months
        return Query.deferred(lambda: member_months.burnout_signals(mm, as_of=end, params=params))
    windows = volunteers.burnout_windows(params, end)
    first = min(windows.before_first, windows.sustained_first)
    return volunteers.burnout_signals(v.hours(first, end), as_of=end, params=params)
