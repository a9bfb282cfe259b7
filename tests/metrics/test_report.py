"""The whole health report: a hand-computed small movement, scopes, edge
cases and invariance, on frames built in the test."""

from __future__ import annotations

import json
from datetime import date, timedelta

import polars as pl
import pytest
from pydantic import ValidationError

from bench.metrics_data import Scale, generate
from metrics import schemas as S
from metrics.periods import Period
from metrics.prepared import prepare_frames, prepared_for
from metrics.report import health_report
from metrics.report_types import HealthReport, ReportParams
from tests.metrics.builders import (
    D,
    attend,
    attendance,
    balance,
    balances,
    chapter,
    chapters,
    donations,
    event,
    events,
    expense,
    expenses,
    gift,
    goal,
    goals,
    hours,
    hours_month,
    member,
    members,
    same_frame,
)

Q2 = Period.quarter(2024, 2)
JUNE_30 = D(2024, 6, 30)


def _movement() -> S.ReportFrames:
    """National 1 > regional 2 > local 3; local 4 directly under 1."""
    return S.ReportFrames.of(
        settings=pl.DataFrame(
            {
                "movement_name": ["Test Movement"],
                "reporting_currency": ["EUR"],
                "fiscal_year_start_month": [1],
                "volunteer_hour_value_minor": [3180],
            }
        ),
        chapters=chapters(
            chapter(1, "national"), chapter(2, "regional", 1), chapter(3, "local", 2), chapter(4, "local", 1)
        ),
        programs=pl.DataFrame(
            {
                "id": [1, 2],
                "name": ["Circles", "Schools"],
                "kind": ["empathy_circles", "education"],
                "audience": ["community", "school"],
                "chapter_id": [None, None],
                "started_on": [D(2023, 1, 1)] * 2,
                "ended_on": [None, None],
            }
        ),
        members=members(
            *(member(i, D(2023, 1, 1), chapter=3) for i in range(1, 6)),
            member(6, D(2023, 1, 1), chapter=3, left=D(2024, 5, 1)),
            member(7, D(2024, 2, 1), chapter=4),
            member(8, D(2024, 2, 1), chapter=4),
        ),
        events=events(
            event(1, D(2024, 5, 10), chapter=3, program=1),
            event(2, D(2024, 2, 10), chapter=4),
            event(3, D(2024, 6, 15), chapter=4, program=2),
        ),
        attendance=attendance(
            attend(1, 1), attend(1, 2), attend(1, None, guests=3), attend(2, 7), attend(2, 8), attend(3, 7)
        ),
        volunteer_hours=hours(
            hours_month(1, D(2024, 4, 1), 120, chapter=3, program=1, days=(15,)),
            hours_month(2, D(2024, 5, 1), 60, chapter=3, days=(10,)),
            hours_month(7, D(2024, 6, 1), 600, chapter=4, program=2, days=(15,)),
            hours_month(3, D(2024, 5, 1), 60, chapter=3, status="pending", days=(5,)),
        ),
        donations=donations(
            gift(1, D(2023, 3, 1), 10_000, chapter=3),
            gift(1, D(2024, 4, 1), 5_000, chapter=3),
            gift(2, D(2023, 5, 1), 20_000, chapter=4),
            gift(3, D(2024, 5, 1), 100_000, chapter=3),
        ),
        expenses=expenses(*(expense(D(2024, m, 15), 60_000) for m in range(1, 7))),
        balance_snapshots=balances(balance(JUNE_30, 100_000, 50_000, 120_000)),
        goals=goals(
            goal(1, "members", 10, baseline=5, created=D(2024, 1, 1), due=D(2024, 12, 31)),
            goal(2, "members", 3, chapter=2),
        ),
    )


@pytest.fixture(scope="module")
def report() -> HealthReport:
    return health_report(_movement(), as_of=JUNE_30, period=Q2)


def test_kpis_and_previous_period_by_hand(report: HealthReport) -> None:
    k = {kpi.key: kpi for kpi in report.kpis}
    assert (k["members"].value.value, k["members"].previous.value) == (7, 8)
    assert k["members"].change.value == -1 and k["members"].change_ratio.value == pytest.approx(-1 / 8)
    # Active on 30 June (2 Apr – 30 Jun): 1 (hours), 2 (event), 7 (hours) of 7; member 3's hours
    # are still pending, and pending hours make nobody active until they are approved.
    assert k["active_ratio"].value.value == pytest.approx(3 / 7)
    assert k["active_ratio"].previous.value == pytest.approx(2 / 8)  # 7 and 8 attended in February
    assert (k["events"].value.value, k["events"].previous.value) == (2, 1)
    assert (k["attendance"].value.value, k["attendance"].previous.value) == (6, 2)
    assert (k["volunteer_hours"].value.value, k["volunteer_hours"].previous.value) == (13, 0)
    assert k["volunteer_hours"].change_ratio.value is None  # from 0
    assert k["volunteer_value"].value.value == 13 * 3180
    assert (k["funds_raised"].value.value, k["funds_raised"].previous.value) == (105_000, 0)
    # Burn Apr–Jun: (180,000 − 105,000) / 3 = 25,000 → 100,000 / 25,000 = 4 months.
    assert k["runway_months"].value.value == pytest.approx(4.0)
    # FY 2024 to date: D(2023) = {1, 2}, D(2024) = {1, 3} → 0.5; by 31 March nobody had given again.
    assert k["donor_retention"].value.value == 0.5
    assert k["donor_retention"].previous.value == 0.0
    assert k["donor_retention"].note == "FY 2024 to date"
    assert report.currency == "EUR" and report.scope_label == "Test Movement"


def test_alerts_by_hand(report: HealthReport) -> None:
    codes = {a.code: a for a in report.alerts}
    assert codes["runway"].severity == "warning"  # 4 months: under 6, not under 3
    assert "4.0 months" in codes["runway"].message
    # Reserves 50,000 against 360,000 of expenses in 12 months = 1.67 months.
    assert codes["reserves"].value is not None and codes["reserves"].value.value == pytest.approx(
        50_000 * 12 / 360_000
    )
    hhi = 10_000 * (5_000**2 + 100_000**2) / 105_000**2
    assert codes["donor_concentration"].value is not None
    assert codes["donor_concentration"].value.value == pytest.approx(hhi)
    assert "burnout_load" not in codes and "attendance_spike" not in codes


def test_sections_series_goals_and_score(report: HealthReport) -> None:
    assert report.momentum.events.unique_attendees == 3
    assert report.volunteers.hours.pending_hours == 1.0
    assert report.fundraising.year.retention.overall.value == 0.5
    assert report.finance.reserve_months.value == pytest.approx(50_000 * 12 / 360_000)
    assert report.series.engagement_ladder["members"].to_list()[0] == 7
    assert report.series.finance_monthly["month"].to_list() == [D(2024, 4, 1), D(2024, 5, 1), D(2024, 6, 1)]
    assert report.series.revenue_by_source_monthly["amount_minor"].sum() == 105_000
    assert report.momentum.chapters.by_level.rows() == [
        ("local", 2, 2),
        ("regional", 1, 0),
        ("national", 1, 0),
        ("international", 0, 0),
    ]
    (g,) = report.impact.goals  # only the movement's own goal at movement scope
    assert g.progress.value == pytest.approx((7 - 5) / (10 - 5))
    assert g.status == "behind"  # 0.4 done with 181 / 365 of the time gone
    assert report.health.score.value is not None
    assert sum(c.contribution or 0 for c in report.health.components) == pytest.approx(
        report.health.score.value
    )
    assert report.impact.overall.n == 0 and report.impact.overall.d_z.value is None


def test_chapter_scope_covers_sub_chapters_and_says_balances_are_movement_wide() -> None:
    r = health_report(_movement(), as_of=JUNE_30, period=Q2, chapter_id=2)
    assert r.scope.chapter_ids == (2, 3)
    assert r.kpi("members").value.value == 5
    assert r.kpi("events").value.value == 1
    assert r.kpi("funds_raised").value.value == 105_000
    assert r.kpi("runway_months").value.reason == "balances are kept for the whole movement, not per chapter"
    assert r.finance.net_burn_minor.value is not None  # chapter expenses: none, so burn = −gifts / 3
    assert [g.goal_id for g in r.impact.goals] == [2]
    assert r.scope_label == "Chapter 2 and its sub-chapters"


def test_a_chapter_with_no_sub_chapters() -> None:
    r = health_report(_movement(), as_of=JUNE_30, period=Q2, chapter_id=4)
    assert r.scope.chapter_ids == (4,)
    assert (r.kpi("members").value.value, r.kpi("attendance").value.value) == (2, 1)


def test_program_scope_follows_events_and_hours_but_not_members() -> None:
    r = health_report(_movement(), as_of=JUNE_30, period=Q2, program_id=2)
    assert r.kpi("events").value.value == 1
    assert r.kpi("volunteer_hours").value.value == 10
    assert r.kpi("members").value.value == 7
    assert any("not programs" in n for n in r.notes)
    assert r.scope_label == "Test Movement, program Schools"


def test_unknown_chapter_is_refused() -> None:
    with pytest.raises(KeyError):
        health_report(_movement(), as_of=JUNE_30, period=Q2, chapter_id=99)
    with pytest.raises(ValueError, match="starts after"):
        health_report(_movement(), as_of=D(2024, 3, 31), period=Q2)


def test_a_new_movement_with_one_chapter_and_nothing_else() -> None:
    frames = S.ReportFrames.of(chapters=chapters(chapter(1, "local", founded=D(2024, 6, 1))))
    r = health_report(frames, as_of=JUNE_30, period=Q2)
    assert r.kpi("members").value.value == 0
    assert r.kpi("active_ratio").value.reason == "no members on 2024-06-30"
    assert r.kpi("donor_retention").value.reason == "no donor gave in FY 2023"
    assert r.kpi("runway_months").value.value is None
    assert r.health.score.value is None or isinstance(r.health.score.value, float)
    assert r.alerts == []
    json.dumps(r.to_dict())


def test_unreadable_tables_are_named_instead_of_read_as_zero() -> None:
    frames = S.ReportFrames.of(chapters=_movement().chapters, unreadable=("balance_snapshots", "donations"))
    r = health_report(frames, as_of=JUNE_30, period=Q2)
    assert r.kpi("funds_raised").value.reason == "you may not see donations"
    assert r.kpi("runway_months").value.reason == "you may not see donations, balance_snapshots"
    assert any("not visible to you" in n for n in r.notes)


def test_an_isolated_attendance_spike_raises_an_alert() -> None:
    base = _movement()
    first = D(2024, 1, 1)
    weeks = [10, 12] * 10 + [60] + [11, 10, 12, 11]
    evs = events(*(event(100 + i, first + timedelta(weeks=i), chapter=3) for i in range(len(weeks))))
    att = attendance(*(attend(100 + i, None, guests=n) for i, n in enumerate(weeks)))
    r = health_report(base.with_frames(events=evs, attendance=att), as_of=JUNE_30, period=Q2)
    (spike,) = [a for a in r.alerts if a.code == "attendance_spike"]
    assert "May 20, 2024" in spike.message and "one-off" in spike.message


def test_parameters_change_the_figures_they_name() -> None:
    r = health_report(
        _movement(),
        as_of=JUNE_30,
        period=Q2,
        params=ReportParams(hourly_value_minor=1000, active_window_days=30, currency="CHF"),
    )
    assert r.kpi("volunteer_value").value.value == 13_000
    assert r.kpi("active_ratio").value.value == pytest.approx(1 / 7)  # only member 7 since 1 June
    assert r.currency == "CHF"
    with pytest.raises(ValidationError, match="fy_start_month"):
        ReportParams(fy_start_month=13)


def test_json_form_is_complete(report: HealthReport) -> None:
    out = json.loads(json.dumps(report.to_dict()))
    assert set(out) >= {
        "kpis",
        "series",
        "fundraising",
        "finance",
        "volunteers",
        "momentum",
        "impact",
        "health",
        "alerts",
        "period",
        "scope",
        "params",
    }
    assert out["period"] == {"start": "2024-04-01", "end": "2024-06-30", "label": "Apr 2024 – Jun 2024"}
    assert out["kpis"][0]["key"] == "members"
    assert isinstance(out["series"]["members_weekly"], list)


@pytest.fixture(scope="module")
def synthetic() -> S.ReportFrames:
    frames, _ = generate(Scale(members=2_000, hour_entries=20_000, donations=6_000), as_of=D(2025, 6, 30))
    return frames


def _comparable(r: HealthReport) -> dict[str, object]:
    d = r.to_dict()
    d.pop("params")
    return d


def _same(a: object, b: object, path: str = "") -> None:
    """Equal, floats to 1e-9 relative (sums in another order round differently)."""
    if isinstance(a, float) and isinstance(b, float):
        assert b == pytest.approx(a, rel=1e-9, abs=1e-9), path
    elif isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            _same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{path}[{i}]")
    else:
        assert a == b, path


def test_report_ignores_row_order_and_chunks(synthetic: S.ReportFrames) -> None:
    def scramble(frame: pl.DataFrame, seed: int) -> pl.DataFrame:
        shuffled = frame.sample(fraction=1.0, shuffle=True, seed=seed)
        k = max(1, shuffled.height // 2)
        return pl.concat([shuffled[:k], shuffled[k:]], rechunk=False)

    scrambled = S.ReportFrames.of(
        **{name: scramble(getattr(synthetic, name), i) for i, name in enumerate(synthetic.frame_names())}
    )
    period = Period.fiscal_year(2025)
    a = health_report(synthetic, as_of=D(2025, 6, 30), period=period)
    b = health_report(scrambled, as_of=D(2025, 6, 30), period=period)
    _same(_comparable(a), _comparable(b))


def test_filter_changes_reuse_the_prepared_aggregates(synthetic: S.ReportFrames) -> None:
    first = prepared_for(synthetic, D(2025, 6, 30))
    assert prepared_for(synthetic, D(2024, 3, 31)) is first
    chapter_id = int(synthetic.members["chapter_id"][0])
    r = health_report(first, as_of=D(2024, 3, 31), period=Period.quarter(2024, 1), chapter_id=chapter_id)
    direct = health_report(
        prepare_frames(synthetic, as_of=D(2024, 3, 31)),
        as_of=D(2024, 3, 31),
        period=Period.quarter(2024, 1),
        chapter_id=chapter_id,
    )
    _same(_comparable(r), _comparable(direct))
    subtree = set(r.scope.chapter_ids or ())
    at = D(2024, 3, 31)
    m = synthetic.members
    expected = m.filter(
        pl.col("chapter_id").is_in(list(subtree))
        & (pl.col("joined_on") <= at)
        & (pl.col("left_on").is_null() | (pl.col("left_on") > at))
    ).height
    assert r.kpi("members").value.value == expected


@pytest.mark.parametrize("scope", ["region", "movement"])
@pytest.mark.parametrize("as_of", [D(2025, 6, 30), D(2025, 6, 14)])
def test_windowed_report_equals_the_functions_on_whole_frames(
    synthetic: S.ReportFrames, scope: str, as_of: date
) -> None:
    """The report slices its prepared aggregates by date and reads member,
    volunteer and donor figures from their columns; the same figures
    computed straight from the whole frames must not differ."""
    from metrics import finance, fundraising, volunteers
    from metrics.activity import active_ratio, cohort_retention, member_activity
    from metrics.attendance import attendance_with_events, event_counts, event_figures
    from metrics.chapters import chapter_activity, chapter_spread
    from metrics.figure import jsonable
    from metrics.ladder import breadth_and_depth, ladder_rungs
    from metrics.membership import members_over_time
    from metrics.scope import chapter_subtree

    period = Period.quarter(2025, 2)
    f = synthetic
    if scope == "region":
        region: int | None = int(f.chapters.filter(pl.col("level") == "regional")["id"][0])
        in_scope = pl.col("chapter_id").is_in(chapter_subtree(f.chapters, region))
        balances = S.empty(S.BALANCE_SNAPSHOTS)
    else:
        region, in_scope, balances = None, pl.lit(True), f.balance_snapshots
    r = health_report(f, as_of=as_of, period=period, chapter_id=region)
    members = f.members.filter(in_scope)
    gifts = f.donations.filter(in_scope)
    hrs = f.volunteer_hours.filter(in_scope)
    attended = attendance_with_events(f.attendance, f.events)
    activity = member_activity(attended, f.volunteer_hours, f.donations, f.donor_members)
    if region is not None:
        activity = activity.join(
            members.lazy().select(pl.col("id").alias("member_id")), on="member_id", how="semi"
        )
    end = period.effective_end(as_of)
    start = period.start

    def same(a: object, b: object) -> None:
        _same(jsonable(a), jsonable(b))

    same(r.fundraising.year, fundraising.fundraising_year(gifts, year=2025, as_of=end).collect())
    same(r.fundraising.gifts, fundraising.gift_summary(gifts, start=start, end=end).collect())
    same(
        r.volunteers.hours,
        volunteers.volunteer_hours(hrs, first_month=start, last_month=D(2025, 6, 1)).collect(),
    )
    distribution = volunteers.hours_distribution(hrs, first_month=start, last_month=D(2025, 6, 1)).collect()
    same(r.series.hours_distribution, distribution)
    lorenz = volunteers.hours_lorenz(hrs, first_month=start, last_month=D(2025, 6, 1)).collect()
    same(r.series.hours_lorenz, lorenz)
    same(r.volunteers.retention, volunteers.volunteer_retention(hrs, year=2025, as_of=end).collect())
    burnout = volunteers.burnout_signals(hrs, as_of=end).collect()
    same_frame(r.volunteers.burnout.dropped_volunteers, burnout.dropped_volunteers)
    same(r.volunteers.burnout, burnout)
    same(r.momentum.active, active_ratio(members, activity, at=end).collect())
    cohorts = cohort_retention(members, activity, last_cohort=end, cohorts=12, as_of=end).collect()
    same_frame(r.series.cohort_retention, cohorts)
    rungs = ladder_rungs(members, attended, f.volunteer_hours)
    breadth = breadth_and_depth(activity, rungs, first=start, last=end).collect()
    same_frame(r.series.breadth_depth_monthly, breadth)
    counts = event_counts(f.events, f.attendance)
    events = event_figures(counts.filter(in_scope), attended.filter(in_scope), start=start, end=end).collect()
    same(r.momentum.events, events)
    chapters = (
        f.chapters
        if region is None
        else f.chapters.filter(pl.col("id").is_in(chapter_subtree(f.chapters, region)))
    )
    units = chapter_activity(counts.filter(in_scope), hrs, first=start, last=end)
    same(r.momentum.chapters, chapter_spread(chapters, units, at=end).collect())
    monthly = volunteers.monthly_volunteers(hrs, first_month=start, last_month=D(2025, 6, 1)).collect()
    same_frame(r.series.volunteers_monthly, monthly)
    weekly = members_over_time(members, start=start, end=end, as_of=as_of).collect()
    same_frame(r.series.members_weekly, weekly)
    revenue = fundraising.revenue_by_source_monthly(gifts, start=start, end=end).collect()
    same_frame(r.series.revenue_by_source_monthly, revenue)
    fin = finance.finance_summary(gifts, f.expenses.filter(in_scope), balances, as_of=end).collect()
    same(r.finance.net_burn_minor, fin.net_burn_minor)
    same(r.finance.tuckman_chang.admin_cost_ratio, fin.tuckman_chang.admin_cost_ratio)
    monthly = finance.monthly_finance(
        gifts, f.expenses.filter(in_scope), balances, start=start, end=end
    ).collect()
    same(r.series.finance_monthly, monthly)
