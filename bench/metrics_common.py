"""What every engine of the metrics benchmark computes, and the figures
they must agree on.

The report is the calendar year before `AS_OF` against the year before it,
for the whole movement, with the default `metrics.report_types.ReportParams`.
Each engine returns the same named figures; the benchmark refuses to call
an engine fast if its figures differ from the polars report's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from metrics.report_types import HealthReport

AS_OF = date(2025, 12, 31)
START = date(2025, 1, 1)
END = date(2025, 12, 31)
PREV_START = date(2024, 1, 1)
PREV_END = date(2024, 12, 31)
FY = 2025
ACTIVE_DAYS = 90
TOP_K = 10
BURN_MONTHS = 3
COHORTS = 12
HOURLY_VALUE_MINOR = 3180
SPIKE_WINDOW, SPIKE_SD, TREND_WEEKS, MIN_HISTORY, MIN_MEAN = 8, 2.0, 2, 4, 5.0
BURNOUT_WINDOW, SUSTAINED, QUIET = 3, 6, 2
HOUR_BINS = (0.0, 1.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0)
TEQ_REVERSED = (2, 4, 7, 10, 11, 12, 14, 15)
WEEKLY_OR_MORE = ("weekly", "several_times_a_week", "daily")


@dataclass(frozen=True)
class Window:
    start: date
    end: date


CURRENT = Window(START, END)
PREVIOUS = Window(PREV_START, PREV_END)


def figures_of(report: HealthReport) -> dict[str, float]:
    """The checked figures, read from the polars report."""
    k = {x.key: x for x in report.kpis}
    fy = report.fundraising.year
    ret = fy.retention
    vh = report.volunteers.hours
    ladder = report.series.engagement_ladder["members"].to_list()
    bd = report.series.breadth_depth_monthly
    total = bd.filter(bd["month"].is_null())
    out: dict[str, Any] = {
        "members": k["members"].value.value,
        "members_prev": k["members"].previous.value,
        "active": report.momentum.active.active,
        "active_prev_ratio": k["active_ratio"].previous.value,
        "events": k["events"].value.value,
        "attendance": k["attendance"].value.value,
        "attendance_prev": k["attendance"].previous.value,
        "unique_attendees": report.momentum.events.unique_attendees,
        "hours": vh.hours,
        "hours_prev": k["volunteer_hours"].previous.value,
        "volunteers": vh.volunteers,
        "absence_factor": vh.absence_factor.value,
        "funds": k["funds_raised"].value.value,
        "funds_prev": k["funds_raised"].previous.value,
        "donors": report.fundraising.gifts.donors,
        "hhi_donors": report.fundraising.gifts.hhi_donors.value,
        "top_k_share": report.fundraising.gifts.top_k_share.value,
        "recurring_share": report.fundraising.gifts.recurring_share.value,
        "fy_donors": fy.donors,
        "fy_donors_prev": ret.donors_prev,
        "fy_retained": ret.retained,
        "fy_new_prev_retained": ret.new_prev_retained,
        "fy_repeat_prev": ret.repeat_prev,
        "lybunt": fy.lapsed.lybunt,
        "sybunt": fy.lapsed.sybunt,
        "retention_prev": k["donor_retention"].previous.value,
        "net_burn": report.finance.net_burn_minor.value,
        "reserve_months": report.finance.reserve_months.value,
        "vol_retained": report.volunteers.retention.retained,
        "vol_prev": report.volunteers.retention.volunteers_prev,
        "dropped": report.volunteers.burnout.dropped,
        **{f"ladder_{i}": v for i, v in enumerate(ladder)},
        "breadth": int(total["breadth"][0]),
        "depth": int(total["depth"][0]),
        "cohort_active": int(report.series.cohort_retention["active"].sum()),
        "weekly_members": int(report.series.members_weekly["members"].sum()),
        "spikes": int((report.series.attendance_weekly["marker"] == "spike").sum()),
        "elephant": report.momentum.chapters.elephant_factor.value,
        "paired_n": report.impact.overall.n,
        "paired_mean": report.impact.overall.mean_diff.value,
        "programs_paired": len(report.impact.by_program),
        "practice_n": report.impact.practice.respondents,
        "teq_rows": report.series.teq_distribution["respondents"].sum(),
        "new_volunteers": int(report.series.volunteers_monthly["new_volunteers"].sum()),
    }
    return {key: (float(v) if v is not None else float("nan")) for key, v in out.items()}


def compare(reference: dict[str, float], other: dict[str, float], rel: float = 1e-6) -> list[str]:
    """The names of figures that differ (beyond `rel`)."""
    bad = []
    for key, ref in reference.items():
        val = other.get(key)
        if val is None:
            bad.append(f"{key}: missing")
            continue
        if ref != ref and val != val:  # both NaN
            continue
        if abs(ref - val) > rel * max(1.0, abs(ref)):
            bad.append(f"{key}: {val} ≠ {ref}")
    return bad
