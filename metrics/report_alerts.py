"""The report's alerts: what a board member should look at, in words, from
the figures the report already holds (no query runs here).
"""

from __future__ import annotations

import polars as pl

import dates as date_rules
from metrics.figure import Figure
from metrics.finance import FinanceSummary
from metrics.fundraising import GiftSummary
from metrics.report_types import Alert, ReportParams
from metrics.volunteers import BurnoutSignals


def alerts(
    params: ReportParams,
    fin: FinanceSummary,
    gifts: GiftSummary,
    burnout: BurnoutSignals,
    weekly: pl.DataFrame,
) -> list[Alert]:
    """What needs attention, in words, in this order: runway under
    `params.runway_alert_months` (critical under half of it), operating
    reserve under `params.reserve_alert_months` (NORI's minimum is 3
    months), donor HHI above `params.hhi_alert` (by default
    `fundraising.HHI_HIGHLY_CONCENTRATED`, the antitrust "highly
    concentrated" line), volunteer load concentrating and sustained
    volunteers who stopped (`volunteers.burnout_signals`), and the last
    attendance spike of the weekly series (`attendance.weekly_attendance`)."""
    alerts: list[Alert] = []
    runway = fin.runway_months
    if runway.value is not None and runway.value < params.runway_alert_months:
        alerts.append(
            Alert(
                "runway",
                "critical" if runway.value < params.runway_alert_months / 2 else "warning",
                "Runway is short",
                f"At the current net burn the cash lasts {runway.value:.1f} months, "
                f"under the {params.runway_alert_months:g}-month threshold.",
                runway,
                params.runway_alert_months,
            )
        )
    reserve = fin.reserve_months
    if reserve.value is not None and reserve.value < params.reserve_alert_months:
        alerts.append(
            Alert(
                "reserves",
                "warning",
                "Operating reserve is thin",
                f"Unrestricted reserves cover {reserve.value:.1f} months of operating expenses, under "
                f"{params.reserve_alert_months:g} months (the minimum of the Nonprofit Operating Reserves "
                "Initiative, NORI, is 3).",
                reserve,
                params.reserve_alert_months,
            )
        )
    hhi = gifts.hhi_donors
    if hhi.value is not None and hhi.value > params.hhi_alert:
        top = gifts.top_k_share.value
        share = f" The top {gifts.top_k} donors gave {top:.0%} of it." if top is not None else ""
        alerts.append(
            Alert(
                "donor_concentration",
                "warning",
                "Funding depends on few donors",
                f"Donor concentration (HHI) is {hhi.value:,.0f}, above {params.hhi_alert:,.0f} "
                f"(highly concentrated).{share}",
                hhi,
                params.hhi_alert,
            )
        )
    if burnout.load_concentrating:
        alerts.append(
            Alert(
                "burnout_load",
                "warning",
                "Fewer volunteers are carrying more",
                f"Volunteers fell from {burnout.volunteers_before} to {burnout.volunteers_recent} "
                f"while hours per volunteer rose by {burnout.hours_per_volunteer_change.value or 0:.0%} "
                f"({burnout.recent[0]:%b %Y}–{burnout.recent[1]:%b %Y} against the months before).",
                burnout.hours_per_volunteer_change,
            )
        )
    if burnout.dropped:
        p = burnout.params
        alerts.append(
            Alert(
                "burnout_dropouts",
                "warning",
                "Sustained volunteers have stopped",
                f"{burnout.dropped} volunteer{'s' if burnout.dropped != 1 else ''} who gave hours "
                f"every month for {p.sustained_months} months logged none in the last {p.quiet_months}.",
                Figure.of(burnout.dropped, "volunteers"),
            )
        )
    spikes = weekly.filter(pl.col("marker") == "spike")
    if spikes.height:
        last = spikes.tail(1).row(0, named=True)
        direction = "above" if last["attendance"] > (last["upper"] or 0) else "below"
        alerts.append(
            Alert(
                "attendance_spike",
                "info",
                "An attendance spike, not a trend",
                f"Attendance in the week of {date_rules.with_year(last['week'])} was {last['attendance']:,}, "
                f"{direction} the usual {max(0.0, last['lower']):,.0f}–{last['upper']:,.0f}; "
                "it stands alone, so read it as a one-off rather than a change of course.",
                Figure.of(float(last["attendance"]), "attendances"),
            )
        )
    return alerts
