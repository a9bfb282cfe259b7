"""Fundraising figures on a small, hand-computed donor file."""

from __future__ import annotations

import pytest

from metrics import fundraising as F
from metrics.figure import Figure
from metrics.lapsed import lapsed_donors, lybunt_donors, sybunt_donors
from tests.metrics.builders import D, donations, gift

# FY = calendar year. Donors and their gifts (net):
#   1 A: 2023 100, 2024 150          retained, upgraded +50, new in 2023
#   2 B: 2023 100                    new in 2023, lapsed new
#   3 C: 2022 50, 2023 200, 2024 100 retained, downgraded −100
#   4 D: 2022 10, 2023 100           lapsed repeat
#   5 E: 2024 50                     new in 2024
#   6 F: 2021 80, 2024 80 (foundation) recaptured
#   7 G: 2021 30                     SYBUNT
#   8 H: 2023 60, 2024 60 (recurring) new in 2023, retained, same
#   9 I: 2021 20, 2023 40, 2024 40 (recurring) retained, same; repeat but not in 2022
#  10 J: 2023 100, fully refunded    not a donor at all
FILE = donations(
    gift(1, D(2023, 3, 1), 100),
    gift(1, D(2024, 3, 1), 150),
    gift(2, D(2023, 4, 1), 100),
    gift(3, D(2022, 3, 1), 50),
    gift(3, D(2023, 3, 1), 200),
    gift(3, D(2024, 5, 1), 100),
    gift(4, D(2022, 5, 1), 10),
    gift(4, D(2023, 5, 1), 100),
    gift(5, D(2024, 6, 1), 50),
    gift(6, D(2021, 6, 1), 80),
    gift(6, D(2024, 6, 1), 80, source="foundation"),
    gift(7, D(2021, 7, 1), 30),
    gift(8, D(2023, 8, 1), 60),
    gift(8, D(2024, 8, 1), 60, recurring=True),
    gift(9, D(2021, 9, 1), 20),
    gift(9, D(2023, 9, 1), 40),
    gift(9, D(2024, 9, 1), 40, recurring=True),
    gift(10, D(2023, 10, 1), 100, refunded=100),
)
END_2024 = D(2024, 12, 31)


def test_retention_overall_new_repeat_and_dollars_by_hand() -> None:
    r = F.donor_retention(FILE, year=2024, as_of=END_2024).collect()
    # D(2023) = {A, B, C, D, H, I}; retained {A, C, H, I}.
    assert (r.donors_prev, r.retained) == (6, 4)
    assert r.overall.value == pytest.approx(4 / 6)
    # N(2023) = {A, B, H}; retained {A, H}.
    assert (r.new_prev, r.new_prev_retained) == (3, 2)
    assert r.new.value == pytest.approx(2 / 3)
    # R = D(2023) \ N(2023) = {C, D, I}; retained {C, I}.
    assert (r.repeat_prev, r.repeat_prev_retained) == (3, 2)
    assert r.repeat.value == pytest.approx(2 / 3)
    # (150 + 100 + 60 + 40) / (100 + 100 + 200 + 100 + 60 + 40)
    assert r.dollars.value == pytest.approx(350 / 600)
    assert not r.partial
    assert r.benchmark_overall == pytest.approx(0.433)


def test_repeat_retention_with_fep_2015_wording_needs_both_prior_years() -> None:
    r = F.donor_retention(
        FILE, year=2024, as_of=END_2024, repeat_definition="gave_both_prior_years"
    ).collect()
    # R = D(2023) ∩ D(2022) = {C, D}; I skipped 2022. Retained {C}.
    assert (r.repeat_prev, r.repeat_prev_retained) == (2, 1)
    assert r.repeat.value == pytest.approx(0.5)


def test_gains_and_losses_by_hand() -> None:
    g = F.gains_and_losses(FILE, year=2024, as_of=END_2024).collect()
    assert g.gains == {"new": 1, "recaptured": 1, "upgraded": 1}  # E, F, A
    assert g.losses == {"downgraded": 1, "lapsed_new": 1, "lapsed_repeat": 1}  # C, B, D
    assert g.gains_amount_minor == {"new": 50.0, "recaptured": 80.0, "upgraded": 50.0}
    assert g.losses_amount_minor == {"downgraded": 100.0, "lapsed_new": 100.0, "lapsed_repeat": 100.0}
    assert g.same == 2  # H and I
    assert g.lost_per_100_gained.value == pytest.approx(100.0)
    assert g.lost_per_100_gained_amount.value == pytest.approx(100 * 300 / 180)
    # Both years: A up, C down, H and I the same.
    assert g.upgraded_share.value == pytest.approx(0.25)
    assert g.same_share.value == pytest.approx(0.5)
    assert g.downgraded_share.value == pytest.approx(0.25)


def test_lybunt_and_sybunt_by_hand() -> None:
    lapsed = lapsed_donors(FILE, year=2024, as_of=END_2024).collect()
    assert (lapsed.lybunt, lapsed.sybunt) == (2, 1)  # {B, D}; {G}
    with_lybunt = lapsed_donors(FILE, year=2024, as_of=END_2024, sybunt_excludes_lybunt=False).collect()
    assert with_lybunt.sybunt == 3  # {B, D, G}
    lybunts = lybunt_donors(FILE, year=2024, as_of=END_2024).collect()
    assert lybunts.rows() == [(2, 100), (4, 100)]
    sybunts = sybunt_donors(FILE, year=2024, as_of=END_2024).collect()
    assert sybunts.rows() == [(7, 2021)]


def test_year_figures_annual_gift_per_donor_and_lifetime_value() -> None:
    y = F.fundraising_year(FILE, year=2024, as_of=END_2024).collect()
    assert y.donors == 6
    assert y.amount_minor == 480
    assert y.annual_gift_per_donor.value == pytest.approx(80.0)
    # 80 × 1 / (1 − 2/3) = 240
    assert y.lifetime_value.value == pytest.approx(240.0)
    assert y.caveat is None


def test_gift_summary_average_recurring_share_top_k_and_hhi() -> None:
    s = F.gift_summary(FILE, start=D(2024, 1, 1), end=END_2024, top_k=1).collect()
    assert s.funds_raised_minor.value == 480
    assert (s.gifts, s.donors) == (6, 6)
    assert s.average_gift.value == pytest.approx(80.0)
    assert s.recurring_share.value == pytest.approx(100 / 480)
    assert s.top_k_share.value == pytest.approx(150 / 480)
    squares = 150**2 + 100**2 + 50**2 + 80**2 + 60**2 + 40**2
    assert s.hhi_donors.value == pytest.approx(10_000 * squares / 480**2)
    assert s.hhi_sources.value == pytest.approx(10_000 * (400**2 + 80**2) / 480**2)
    assert s.by_source_minor == {"foundation": 80.0, "individual": 400.0}


def test_year_to_date_counts_only_gifts_up_to_as_of_and_is_flagged() -> None:
    r = F.donor_retention(FILE, year=2024, as_of=D(2024, 5, 31)).collect()
    # By 31 May 2024 only A (March) and C (May) gave again.
    assert r.retained == 2
    assert r.overall.value == pytest.approx(2 / 6)
    assert r.partial
    y = F.fundraising_year(FILE, year=2024, as_of=D(2024, 5, 31)).collect()
    assert y.caveat == F.PARTIAL_YEAR_CAVEAT
    lapsed = lapsed_donors(FILE, year=2024, as_of=D(2024, 5, 31)).collect()
    assert lapsed.lybunt == 4  # B, D, H, I have not given yet this year


def test_fiscal_year_start_moves_gifts_between_years() -> None:
    gifts = donations(gift(1, D(2023, 7, 1), 100), gift(1, D(2024, 6, 30), 100), gift(2, D(2023, 6, 30), 50))
    # FY starting in July: FY 2024 = 2023-07-01 … 2024-06-30.
    y = F.fundraising_year(gifts, year=2024, as_of=D(2024, 6, 30), fy_start_month=7).collect()
    assert (y.donors, y.amount_minor) == (1, 200)
    assert y.retention.donors_prev == 1  # donor 2 gave on 30 June 2023, in FY 2023
    assert y.retention.overall.value == 0.0
    assert y.fiscal_year_start == D(2023, 7, 1)
    assert not y.partial


def test_partial_refund_counts_the_net_amount() -> None:
    gifts = donations(gift(1, D(2024, 1, 5), 100, refunded=40), gift(2, D(2024, 1, 6), 100, refunded=100))
    s = F.gift_summary(gifts, start=D(2024, 1, 1), end=END_2024).collect()
    assert (s.funds_raised_minor.value, s.gifts, s.donors) == (60, 1, 1)


def test_retention_with_no_donors_last_year_is_undefined_with_reason() -> None:
    gifts = donations(gift(1, D(2024, 2, 1), 100))
    r = F.donor_retention(gifts, year=2024, as_of=END_2024).collect()
    for fig in (r.overall, r.new, r.repeat, r.dollars):
        assert fig.value is None
        assert fig.reason is not None and "2023" in fig.reason
    y = F.fundraising_year(gifts, year=2024, as_of=END_2024).collect()
    assert y.lifetime_value.value is None
    g = F.gains_and_losses(gifts, year=2024, as_of=END_2024).collect()
    assert g.lost_per_100_gained.value == 0.0  # one new donor, nobody lost
    assert g.upgraded_share.value is None


def test_empty_period_is_undefined_never_zero_where_zero_would_mislead() -> None:
    s = F.gift_summary(FILE, start=D(2025, 1, 1), end=D(2025, 3, 31)).collect()
    assert s.funds_raised_minor.value == 0  # nothing raised is a true zero
    for fig in (s.average_gift, s.recurring_share, s.top_k_share, s.hhi_donors, s.hhi_sources):
        assert fig.value is None and fig.reason == "no gifts in the period"


def test_all_gifts_recurring_gives_a_recurring_share_of_one() -> None:
    gifts = donations(*(gift(d, D(2024, m, 1), 1000, recurring=True) for d in (1, 2) for m in range(1, 13)))
    s = F.gift_summary(gifts, start=D(2024, 1, 1), end=END_2024).collect()
    assert s.recurring_share.value == 1.0
    assert s.hhi_donors.value == pytest.approx(5000.0)  # two equal donors


def test_retention_of_every_donor_makes_lifetime_value_unbounded() -> None:
    gifts = donations(gift(1, D(2023, 1, 1), 100), gift(1, D(2024, 1, 1), 100))
    y = F.fundraising_year(gifts, year=2024, as_of=END_2024).collect()
    assert y.retention.overall.value == 1.0
    assert y.lifetime_value.value is None and y.lifetime_value.unbounded


def test_hhi_of_amounts() -> None:
    import polars as pl

    assert F.hhi(pl.Series([600, 300, 100])).value == pytest.approx(4600.0)
    assert F.hhi(pl.Series([5, 5, 5, 5])).value == pytest.approx(2500.0)
    assert F.hhi(pl.Series([], dtype=pl.Int64)).value is None


def test_lifetime_value_formula() -> None:
    assert F.lifetime_value(Figure.of(125.0), Figure.of(0.6)).value == pytest.approx(312.5)


def test_revenue_by_source_monthly() -> None:
    frame = F.revenue_by_source_monthly(FILE, start=D(2024, 6, 1), end=D(2024, 8, 31)).collect()
    assert frame.rows() == [  # sources in the schema's order
        (D(2024, 6, 1), "individual", 50, 1, 0),
        (D(2024, 6, 1), "foundation", 80, 1, 0),
        (D(2024, 8, 1), "individual", 60, 1, 60),
    ]
