"""The figures of one period that the KPI cards compare, and how a
report's queries are collected: each with a key, reused from an earlier
report of the same prepared frames when the key and parameters match.

`metrics.report.health_report` runs `period_queries` for the period and
the one before, and `collect_cached` over every query of the report.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from metrics import activity, attendance, finance, fundraising, member_months, membership, volunteers
from metrics.activity import ActiveRatio
from metrics.attendance import EventFigures
from metrics.figure import Figure
from metrics.finance import FinanceSummary
from metrics.fundraising import FundraisingYear, GiftSummary
from metrics.membership import MemberCounts
from metrics.periods import Period, add_months, fiscal_year_of, fiscal_year_start, month_start, year_before
from metrics.prepared import Results
from metrics.query import Query, collect_all
from metrics.report_types import ReportParams
from metrics.schemas import ReportFrames
from metrics.scope import Scope
from metrics.view import View
from metrics.volunteers import VolunteerHours


def report_settings(frames: ReportFrames, params: ReportParams) -> tuple[int, int, str, str]:
    """Fiscal-year start month, hourly value of volunteer time (minor units),
    reporting currency and movement name: each from `params` when set, else
    from the movement's settings, else January, Independent Sector's 2022
    value (`volunteers.INDEPENDENT_SECTOR_HOUR_VALUE_2022_MINOR`), USD and
    "the movement"."""
    s = frames.settings
    row = s.row(0, named=True) if s.height else {}
    fy = params.fy_start_month or row.get("fiscal_year_start_month") or 1
    rate = params.hourly_value_minor
    if rate is None:
        rate = row.get("volunteer_hour_value_minor")
    if rate is None:
        rate = volunteers.INDEPENDENT_SECTOR_HOUR_VALUE_2022_MINOR
    currency = params.currency or row.get("reporting_currency") or "USD"
    name = row.get("movement_name") or "the movement"
    return int(fy), int(rate), str(currency), str(name)


# A query with the key of what it depends on (figure, scope, dates), under
# which `collect_cached` keeps its result.
Keyed = tuple[tuple[Any, ...], Query[Any]]


def period_queries(
    v: View, period: Period, as_of: date, params: ReportParams, fy: int, rate: int, currency: str
) -> list[Keyed]:
    """The seven figures a KPI card compares, each with the key of what it
    depends on: members, active, events, hours, gifts, finance, year."""
    end = period.effective_end(as_of)
    year = fiscal_year_of(end, fy)
    # Finance looks back a year (and at most `burn_months` for burn).
    money_from = min(year_before(end), add_months(end, -params.burn_months - 1))
    s0, s1 = v.scope.chapter_ids, (v.scope.chapter_ids, v.scope.program_id)
    start = period.start
    return [
        (("members", s0, start, end), membership.member_counts(v.members(end), start=start, at=end)),
        (("active", s1, end), _active(v, end, params.active_window_days)),
        (
            ("events", s1, start, end),
            attendance.event_figures(
                v.counts(start, end),
                v.attended(start, end),
                start=start,
                end=end,
                attendees=v.attendees(start, end),
            ),
        ),
        (
            ("hours", s1, start, end),
            volunteers.volunteer_hours(
                v.hours(start, end),
                totals=v.volunteer_totals(start, end),
                first_month=start,
                last_month=month_start(end),
                hourly_value_minor=rate,
                currency=currency,
            ),
        ),
        (
            ("gifts", s0, start, end),
            fundraising.gift_summary(
                v.gifts(start, end),
                start=start,
                end=end,
                top_k=params.top_k,
                per_donor=v.gifts_per_donor(start, end),
            ),
        ),
        (
            ("finance", s0, end),
            finance.finance_summary(
                v.gifts(money_from, end),
                v.expenses(money_from, end),
                v.balances,
                as_of=end,
                burn_months=params.burn_months,
                bands=params.tuckman_chang,
            ),
        ),
        (
            ("year", s0, year, end),
            fundraising.fundraising_year(
                v.gifts(fiscal_year_start(year - 2, fy), end),
                year=year,
                as_of=end,
                fy_start_month=fy,
                repeat_definition=params.repeat_definition,
                sybunt_excludes_lybunt=params.sybunt_excludes_lybunt,
                first=v.donor_first,
                years=v.donor_years(year, end, fy),
            ),
        ),
    ]


# Member and volunteer figures read the member-month columns where the scope
# allows it (`View.by_member_month`, `View.movement_wide`), else the rows;
# both give the same numbers (tests/metrics/test_member_months.py).


def _active(v: View, at: date, window_days: int) -> Query[ActiveRatio]:
    if v.by_member_month:
        mm = v.p.member_months
        return Query.deferred(
            lambda: member_months.active_ratio(mm, v.scope_rows(), at=at, window_days=window_days)
        )
    first = at - timedelta(days=window_days - 1)
    return activity.active_ratio(v.members(at), v.activity(first, at), at=at, window_days=window_days)


def collect_cached(results: Results, items: list[Keyed], context: tuple[Any, ...]) -> list[Any]:
    """Each item's result: from `results` when an earlier report computed it
    with the same key and `context` (parameters), else collected now, all
    missing ones in one `collect_all`."""
    keys = [(*key, context) for key, _ in items]
    found = [results.get(k) for k in keys]
    missing = [i for i, (hit, _) in enumerate(found) if not hit]
    fresh = collect_all([items[i][1] for i in missing])
    out = [value for _, value in found]
    for i, value in zip(missing, fresh, strict=True):
        results.put(keys[i], value)
        out[i] = value
    return out


@dataclass(frozen=True)
class PeriodFigures:
    """The figures of one period, by name (collected in this order)."""

    members: MemberCounts
    active: ActiveRatio
    events: EventFigures
    hours: VolunteerHours
    gifts: GiftSummary
    finance: FinanceSummary
    year: FundraisingYear


def finish_period(results: list[Any], scope: Scope) -> PeriodFigures:
    """The figures of one period from its collected `period_queries`
    results. Balances are kept for the whole movement only, so for a
    chapter scope cash, runway, unrestricted reserves, reserve ratio,
    reserve months and the Tuckman–Chang equity ratio are undefined."""
    period = PeriodFigures(*results)
    fin = period.finance
    if not scope.is_movement:
        reason = "balances are kept for the whole movement, not per chapter"
        u_m, u_mo, u_r = (
            Figure.undefined(reason, "minor"),
            Figure.undefined(reason, "months"),
            Figure.undefined(reason, "ratio"),
        )
        fin = replace(
            fin,
            cash_minor=u_m,
            runway_months=u_mo,
            unrestricted_reserves_minor=u_m,
            reserve_ratio=u_r,
            reserve_months=u_mo,
            tuckman_chang=replace(fin.tuckman_chang, equity_ratio=u_r),
        )
        period = replace(period, finance=fin)
    return period
