"""Burn, runway, reserve and Tuckman–Chang on hand-computed books."""

from __future__ import annotations

import pytest

from metrics import finance as F
from tests.metrics.builders import D, balance, balances, donations, expense, expenses, gift

# 2024: every month 40,000 out (December's is admin) and 10,000 in (recurring).
OUT = expenses(*(expense(D(2024, m, 10), 40_000, "admin" if m == 12 else "program") for m in range(1, 13)))
IN = donations(*(gift(1, D(2024, m, 5), 10_000, recurring=True) for m in range(1, 13)))
BOOKS = balances(
    balance(D(2024, 11, 30), 120_000, 70_000, 150_000), balance(D(2024, 12, 31), 90_000, 60_000, 100_000)
)


def test_burn_runway_and_reserve_by_hand() -> None:
    s = F.finance_summary(IN, OUT, BOOKS, as_of=D(2024, 12, 31)).collect()
    assert s.burn_window == (D(2024, 10, 1), D(2024, 12, 31))
    assert s.net_burn_minor.value == 30_000  # (3 × 40,000 − 3 × 10,000) / 3
    assert s.cash_minor.value == 90_000
    assert s.runway_months.value == pytest.approx(3.0)
    assert s.annual_operating_expenses_minor.value == 480_000
    assert s.reserve_ratio.value == pytest.approx(60_000 / 480_000)
    assert s.reserve_months.value == pytest.approx(1.5)
    assert s.balance_as_of == D(2024, 12, 31)


def test_tuckman_chang_ratios_flags_and_score_by_hand() -> None:
    tc = F.finance_summary(IN, OUT, BOOKS, as_of=D(2024, 12, 31)).collect().tuckman_chang
    assert tc.equity_ratio.value == pytest.approx(100_000 / 120_000)
    assert tc.revenue_concentration_hhi.value == pytest.approx(10_000.0)  # one source
    assert tc.admin_cost_ratio.value == pytest.approx(40_000 / 480_000)
    assert tc.operating_margin.value == pytest.approx((120_000 - 480_000) / 120_000)
    assert tc.flags == {
        "low_equity": False,
        "concentrated_revenue": True,
        "low_admin_costs": False,
        "deficit": True,
    }
    assert tc.score == 2


def test_burn_uses_complete_months_only() -> None:
    # Mid-December: December is not over, so burn covers Sep–Nov, and the
    # November snapshot is the latest balance.
    s = F.finance_summary(IN, OUT, BOOKS, as_of=D(2024, 12, 15)).collect()
    assert s.burn_window == (D(2024, 9, 1), D(2024, 11, 30))
    assert s.net_burn_minor.value == 30_000
    assert s.runway_months.value == pytest.approx(4.0)  # 120,000 / 30,000


def test_six_month_burn() -> None:
    out = expenses(*(expense(D(2024, m, 1), 10_000 * m) for m in range(1, 13)))
    s = F.finance_summary(donations(), out, BOOKS, as_of=D(2024, 12, 31), burn_months=6).collect()
    assert s.net_burn_minor.value == pytest.approx(sum(10_000 * m for m in range(7, 13)) / 6)


def test_runway_with_no_burn_is_unbounded_with_reason() -> None:
    rich = donations(*(gift(1, D(2024, m, 5), 50_000) for m in range(1, 13)))
    s = F.finance_summary(rich, OUT, BOOKS, as_of=D(2024, 12, 31)).collect()
    assert s.net_burn_minor.value == -10_000
    assert s.runway_months.value is None
    assert s.runway_months.unbounded
    assert s.runway_months.reason is not None and "no net burn" in s.runway_months.reason


def test_no_balance_snapshot_leaves_runway_and_reserves_undefined() -> None:
    s = F.finance_summary(IN, OUT, balances(), as_of=D(2024, 12, 31)).collect()
    assert s.net_burn_minor.value == 30_000
    for fig in (
        s.cash_minor,
        s.runway_months,
        s.reserve_ratio,
        s.reserve_months,
        s.tuckman_chang.equity_ratio,
    ):
        assert fig.value is None and fig.reason is not None
    assert not s.tuckman_chang.flags["low_equity"]


def test_empty_books_are_undefined_not_zero() -> None:
    s = F.finance_summary(donations(), expenses(), balances(), as_of=D(2024, 12, 31)).collect()
    assert s.net_burn_minor.value is None
    assert s.runway_months.value is None and not s.runway_months.unbounded
    assert s.reserve_ratio.value is None
    assert s.tuckman_chang.score == 0
    assert s.tuckman_chang.operating_margin.value is None


def test_old_balance_snapshot_is_noted() -> None:
    old = balances(balance(D(2024, 6, 30), 1, 1, 1))
    s = F.finance_summary(IN, OUT, old, as_of=D(2024, 12, 31)).collect()
    assert s.balance_as_of == D(2024, 6, 30)
    assert any("2024-06-30" in n for n in s.notes)


def test_monthly_series_by_hand() -> None:
    frame = F.monthly_finance(IN, OUT, BOOKS, start=D(2024, 11, 1), end=D(2024, 12, 31)).collect()
    nov, dec = frame.rows(named=True)
    assert (nov["month"], nov["cash_in"], nov["cash_out"], nov["net_out"]) == (
        D(2024, 11, 1),
        10_000,
        40_000,
        30_000,
    )
    assert nov["net_burn"] == pytest.approx(30_000)
    assert nov["cash"] == 120_000 and nov["runway_months"] == pytest.approx(4.0)
    assert nov["expenses_12m"] == 440_000  # Dec 2023 had none
    assert nov["reserve_months"] == pytest.approx(12 * 70_000 / 440_000)
    assert dec["runway_months"] == pytest.approx(3.0)
    assert dec["reserve_months"] == pytest.approx(1.5)
    assert not dec["runway_unbounded"]


def test_runway_and_reserve_formulas() -> None:
    from metrics.figure import Figure

    assert F.runway_months(Figure.of(90_000), Figure.of(30_000)).value == 3.0
    assert F.runway_months(Figure.of(90_000), Figure.of(0.0)).unbounded
    assert F.reserve_ratio(Figure.of(60_000), Figure.of(480_000)).value == 0.125
    assert F.reserve_ratio(Figure.of(60_000), Figure.of(0.0)).value is None
