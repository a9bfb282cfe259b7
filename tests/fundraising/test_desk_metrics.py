"""The fundraising desk's figures (metrics.donor_profiles, campaigns,
recurring, statements and expenses), each worked by hand."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from metrics.campaigns import CampaignProgress, campaign_curve, campaign_progress, top_sources
from metrics.donor_profiles import donor_profiles, donor_segments, giving_by_year
from metrics.expenses import expense_shares, expenses_by_month_and_category
from metrics.lapsed import lapsed_call_list
from metrics.recurring import mrr_by_month, recurring_revenue
from metrics.schemas import DONATIONS, EXPENSES, rows
from metrics.statements import donors_refunded_in_full, statement_donors, statement_period, statement_totals


def _gifts(data: list[tuple[int, str, int]], recurring: set[int] | None = None) -> pl.DataFrame:
    """(donor, day, amount) rows as a DONATIONS frame."""
    recurring = recurring or set()
    return rows(
        DONATIONS,
        [
            {
                "donor_id": donor,
                "received_on": date.fromisoformat(day),
                "reporting_amount_minor": amount,
                "refunded_minor": 0,
                "is_recurring": i in recurring,
                "source": "individual",
            }
            for i, (donor, day, amount) in enumerate(data)
        ],
    )


def test_segments_follow_the_fep_categories() -> None:
    frame = _gifts(
        [
            (1, "2023-03-01", 100),
            (1, "2024-03-01", 150),  # A upgraded
            (2, "2023-03-01", 100),  # B lapsed
            (3, "2024-05-01", 70),  # C new
            (4, "2022-03-01", 90),
            (4, "2024-03-01", 90),  # D recaptured
            (5, "2023-06-01", 80),
            (5, "2024-06-01", 80),  # E retained
            (6, "2023-06-01", 80),
            (6, "2024-06-01", 30),  # F downgraded
        ]
    )
    seg = donor_segments(frame, year=2024, as_of=date(2024, 12, 31)).collect()
    assert dict(zip(seg["donor_id"], seg["segment"], strict=True)) == {
        1: "upgraded",
        2: "lapsed",
        3: "new",
        4: "recaptured",
        5: "retained",
        6: "downgraded",
    }
    assert seg.filter(pl.col("donor_id") == 1)["last_year_minor"].item() == 100


def test_a_fully_refunded_gift_makes_no_segment_and_no_lifetime() -> None:
    frame = _gifts([(1, "2023-03-01", 100), (1, "2024-03-01", 100)]).with_columns(
        pl.when(pl.col("received_on") == date(2024, 3, 1)).then(100).otherwise(0).alias("refunded_minor")
    )
    seg = donor_segments(frame, year=2024, as_of=date(2024, 12, 31)).collect()
    assert seg["segment"].to_list() == ["lapsed"]
    profile = donor_profiles(frame, as_of=date(2024, 12, 31)).collect()
    assert profile["lifetime_minor"].to_list() == [100]


def test_profile_first_last_lifetime() -> None:
    frame = _gifts([(7, "2023-05-01", 100), (7, "2024-02-01", 40), (7, "2024-03-01", 60)], recurring={1, 2})
    p = donor_profiles(frame, as_of=date(2024, 12, 31)).collect().row(0, named=True)
    assert p == {
        "donor_id": 7,
        "first_gift_on": date(2023, 5, 1),
        "last_gift_on": date(2024, 3, 1),
        "gifts": 3,
        "lifetime_minor": 200,
        "largest_gift_minor": 100,
        "last_gift_minor": 60,
        "recurring_gifts": 2,
    }


def test_giving_by_fiscal_year_starting_in_july() -> None:
    frame = _gifts([(1, "2024-06-30", 50), (1, "2024-07-01", 70)])
    years = giving_by_year(frame, as_of=date(2025, 1, 1), fy_start_month=7).collect()
    assert years.select("fy", "amount_minor").rows() == [(2024, 50), (2025, 70)]


def test_lapsed_call_lists() -> None:
    frame = _gifts(
        [
            (1, "2022-03-01", 10),
            (1, "2024-03-01", 10),  # A gave this year: on no list
            (2, "2023-03-01", 300),  # B LYBUNT
            (5, "2023-04-01", 100),  # E LYBUNT, smaller
            (3, "2021-03-01", 500),  # C SYBUNT
            (4, "2024-02-01", 20),  # D new
        ]
    )
    lybunt = lapsed_call_list(frame, kind="lybunt", year=2024, as_of=date(2024, 6, 30)).collect()
    assert lybunt.select("donor_id", "last_year_minor").rows() == [(2, 300), (5, 100)]
    sybunt = lapsed_call_list(frame, kind="sybunt", year=2024, as_of=date(2024, 6, 30)).collect()
    row = sybunt.row(0, named=True)
    assert (row["donor_id"], row["last_year_minor"], row["last_gift_fy"], row["last_gift_fy_minor"]) == (
        3,
        0,
        2021,
        500,
    )
    assert sybunt.height == 1


def _april_campaign(frame: pl.DataFrame, goal_minor: int, as_of: date) -> CampaignProgress:
    """A campaign through April 2025, as of `as_of`."""
    return campaign_progress(
        frame, goal_minor=goal_minor, starts_on=date(2025, 4, 1), ends_on=date(2025, 4, 30), as_of=as_of
    ).collect()


def test_campaign_progress_and_pace() -> None:
    frame = _gifts([(1, "2025-04-02", 1500), (2, "2025-04-09", 2500), (3, "2025-03-31", 999)])
    p = _april_campaign(frame, 10_000, as_of=date(2025, 4, 10))
    assert p.raised_minor == 4000  # the March gift is before the campaign
    assert p.progress.value == pytest.approx(0.4)
    assert p.elapsed == pytest.approx(10 / 30)
    assert p.pace.value == pytest.approx(1.2)
    assert p.projected_minor.value == pytest.approx(12_000)
    assert p.needed_per_day_minor.value == pytest.approx(300)
    assert (p.days_left, p.gifts, p.donors, p.status) == (20, 2, 2, "ahead of pace")


def test_campaign_before_start_and_after_end() -> None:
    frame = _gifts([(1, "2025-04-02", 1500)])
    before = _april_campaign(frame, 10_000, as_of=date(2025, 3, 1))
    assert before.status == "not started" and before.pace.value is None and before.raised_minor == 0
    after = _april_campaign(frame, 1_000, as_of=date(2025, 6, 1))
    assert after.status == "goal reached" and after.needed_per_day_minor.value is None


def test_campaign_curve() -> None:
    frame = _gifts([(1, "2025-01-01", 500), (2, "2025-01-03", 1000)])
    curve = campaign_curve(
        frame, goal_minor=3000, starts_on=date(2025, 1, 1), ends_on=date(2025, 1, 3), as_of=date(2025, 2, 1)
    ).collect()
    assert curve["raised_minor"].to_list() == [500, 500, 1500]
    assert curve["on_pace_minor"].to_list() == [1000, 2000, 3000]


def test_top_sources() -> None:
    frame = _gifts(
        [(1, "2025-01-01", 400), (2, "2025-01-02", 200), (3, "2025-01-03", 300), (4, "2025-01-04", 100)]
    )
    frame = frame.with_columns(pl.Series("method", ["card", "card", "paypal", "cheque"]))
    top = top_sources(frame, by="method", as_of=date(2025, 2, 1)).collect()
    assert top.select("method", "amount_minor", "gifts").rows() == [
        ("card", 600, 2),
        ("paypal", 300, 1),
        ("cheque", 100, 1),
    ]
    assert top["share"].to_list() == pytest.approx([0.6, 0.3, 0.1])


def _plans() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "plan_id": [1, 2, 3, 4],
            "donor_id": [1, 2, 3, 4],
            "reporting_amount_minor": [2000, 12000, 3000, 9000],
            "frequency": ["monthly", "annual", "monthly", "quarterly"],
            "status": ["active", "active", "failed", "cancelled"],
            "started_on": [date(2024, 1, 10), date(2024, 2, 1), date(2024, 1, 1), date(2023, 1, 1)],
            "last_gift_on": [date(2024, 5, 10), date(2024, 2, 1), date(2024, 4, 1), date(2023, 10, 1)],
            "cancelled_on": [None, None, None, date(2024, 1, 5)],
            "failed_on": [None, None, date(2024, 5, 1), None],
        }
    )


def test_monthly_recurring_revenue() -> None:
    r = recurring_revenue(_plans(), as_of=date(2024, 6, 1)).collect()
    assert r.mrr_minor == 3000 and r.annualised_minor == 36_000 and r.at_risk_minor == 3000
    assert (r.active, r.failed, r.cancelled) == (2, 1, 1)
    assert r.average_monthly_gift.value == 1500
    # Plan 1 last paid 22 days before: not overdue; plan 2 (annual) neither.
    assert r.overdue == 0
    late = recurring_revenue(_plans(), as_of=date(2024, 6, 20)).collect()
    assert late.overdue == 1  # 41 days since a monthly gift > 31 + 7


def test_mrr_by_month() -> None:
    plans = (
        _plans()
        .filter(pl.col("plan_id").is_in([1, 2]))
        .with_columns(
            pl.when(pl.col("plan_id") == 1).then(date(2024, 3, 5)).otherwise(None).alias("cancelled_on")
        )
    )
    series = mrr_by_month(plans, start=date(2024, 1, 1), end=date(2024, 3, 31)).collect()
    assert series.select("mrr_minor", "active").rows() == [(2000.0, 1), (3000.0, 2), (1000.0, 1)]


def test_statement_totals_per_currency() -> None:
    frame = pl.DataFrame(
        {
            "donor_id": [1, 1, 1, 1],
            "received_on": [date(2024, 2, 1), date(2024, 6, 1), date(2024, 7, 1), date(2025, 1, 2)],
            "amount_minor": [10000, 5000, 3000, 7000],
            "currency": ["EUR", "EUR", "USD", "USD"],
            "refunded_minor": [0, 2000, 0, 0],
            "net_reporting_minor": [10800, 3240, 3000, 7000],
        }
    )
    start, end = statement_period(2024)
    assert (start, end) == (date(2024, 1, 1), date(2024, 12, 31))
    totals = statement_totals(frame, start=start, end=end).collect()
    assert totals.rows() == [("EUR", 2, 15000, 2000, 13000, 14040), ("USD", 1, 3000, 0, 3000, 3000)]


def test_expenses_by_month_and_category() -> None:
    expenses = rows(
        EXPENSES,
        [
            {"spent_on": date(2025, 3, 3), "reporting_amount_minor": 800, "category": "program"},
            {"spent_on": date(2025, 3, 9), "reporting_amount_minor": 200, "category": "admin"},
        ],
    )
    frame = expenses_by_month_and_category(expenses, start=date(2025, 2, 1), end=date(2025, 3, 31)).collect()
    march = frame.filter(pl.col("month") == date(2025, 3, 1))
    assert march.select("category", "amount_minor").rows() == [
        ("admin", 200),
        ("fundraising", 0),
        ("program", 800),
    ]
    assert march["share"].to_list() == pytest.approx([0.2, 0.0, 0.8])
    assert frame.filter(pl.col("month") == date(2025, 2, 1))["share"].null_count() == 3
    shares = expense_shares(expenses, start=date(2025, 1, 1), end=date(2025, 12, 31)).collect()
    assert shares["admin"].value == pytest.approx(0.2)


def test_statement_donors_leave_out_donors_refunded_in_full() -> None:
    received = [date(2024, 2, 1), date(2024, 6, 1), date(2024, 7, 1), date(2024, 3, 1), date(2024, 4, 1)]
    frame = pl.DataFrame(
        {
            "donor_id": [1, 1, 2, 3, 3],
            "received_on": received,
            "amount_minor": [10000, 5000, 3000, 2000, 1000],
            "currency": ["EUR", "EUR", "USD", "USD", "USD"],
            "refunded_minor": [0, 2000, 0, 2000, 1000],
            "net_reporting_minor": [10800, 3240, 3000, 0, 0],
        }
    )
    start, end = statement_period(2024)
    assert statement_donors(frame, start=start, end=end).collect().rows() == [
        (1, 2, 14040),
        (2, 1, 3000),
    ]
    assert donors_refunded_in_full(frame, start=start, end=end).collect().rows() == [(3, 2)]
