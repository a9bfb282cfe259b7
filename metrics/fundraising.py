"""Fundraising: donor retention and flows as the Fundraising Effectiveness
Project (FEP) defines them, gift figures and revenue concentration. The
LYBUNT and SYBUNT counts and lists build on this in `metrics.lapsed`.

Input is the `DONATIONS` frame (`metrics.schemas`), already limited to the
scope (chapters, campaign …) by the caller. A gift counts at its net value,
``reporting_amount_minor − refunded_minor``; a fully refunded gift is no gift
(its donor did not give). Amounts are minor units of the reporting currency.

Notation (METRICS.md): FY = fiscal year (named by the calendar year it ends
in); D(y) = donors with a gift in FY y; $d(y) = donor d's total in y;
N(y) = donors whose first gift ever falls in y. A figure for the current
year counts gifts up to `as_of` only (year to date): FEP compares whole
years, so a year-to-date figure is partial and flagged ``partial``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

import polars as pl

from metrics.figure import Figure
from metrics.periods import add_months, fiscal_year_expr, fiscal_year_start
from metrics.query import Query

FrameLike = pl.DataFrame | pl.LazyFrame
RepeatDefinition = Literal["not_new", "gave_both_prior_years"]

# FEP benchmarks, quoted by METRICS.md.
FEP_RETENTION_OVERALL = 0.433  # FEP 2025 (0.429 in 2024)
FEP_RETENTION_NEW = 0.19  # 2024
FEP_RETENTION_REPEAT = 0.69  # 2024
FEP_UPGRADE_SAME_DOWNGRADE = (0.42, 0.27, 0.30)  # FEP 2015→16
HHI_HIGHLY_CONCENTRATED = 1800.0  # antitrust analogy, 0–10,000 scale
PARTIAL_YEAR_CAVEAT = (
    "The Fundraising Effectiveness Project (FEP) compares whole years; a year-to-date figure is partial."
)

NET = pl.col("reporting_amount_minor") - pl.col("refunded_minor")


def gifts(donations: FrameLike, as_of: date) -> pl.LazyFrame:
    """The gifts that count: received on or before `as_of`, net of refunds,
    net amount above zero, as column ``amount``.

    Gifts already reduced so (with ``amount``, as this returns them) are
    only cut at `as_of`: a report reads its gifts from prepared frames."""
    lf = donations.lazy()
    if "amount" in lf.collect_schema():
        return lf.filter(pl.col("received_on") <= as_of)
    return (
        lf.filter(pl.col("received_on") <= as_of)
        .with_columns(NET.alias("amount"))
        .filter(pl.col("amount") > 0)
    )


# --- one fiscal year against the ones before -------------------------------------


def first_gifts(donations: FrameLike, as_of: date = date.max) -> pl.LazyFrame:
    """Each donor's first gift that counts: ``donor_id``, ``first_on``."""
    return gifts(donations, as_of).group_by("donor_id").agg(pl.col("received_on").min().alias("first_on"))


def donor_years(
    donations: FrameLike,
    *,
    year: int,
    as_of: date,
    fy_start_month: int = 1,
    first: FrameLike | None = None,
) -> pl.LazyFrame:
    """One row per donor who gave in FY `year` or before: ``a0``, ``a1``,
    ``a2`` = their net totals in FY y, y−1, y−2 (y up to `as_of`) and
    ``first_fy``, the year of their first gift ever.

    `first` (``donor_id``, ``first_on``, as `first_gifts` makes them from
    the same donations) saves scanning the whole history: only the three
    years are read then."""
    fy = fiscal_year_expr(pl.col("received_on"), fy_start_month)
    window = (
        gifts(donations, as_of)
        .filter(pl.col("received_on") >= fiscal_year_start(year - 2, fy_start_month))
        .with_columns(fy.alias("fy"))
        .filter(pl.col("fy") <= year)
    )
    amount = pl.col("amount")
    # Masked sums rather than filters inside the aggregation: one pass.
    sums = window.group_by("donor_id").agg(
        (amount * (pl.col("fy") == year)).sum().alias("a0"),
        (amount * (pl.col("fy") == year - 1)).sum().alias("a1"),
        (amount * (pl.col("fy") == year - 2)).sum().alias("a2"),
    )
    firsts = (first.lazy() if first is not None else first_gifts(donations, as_of)).filter(
        pl.col("first_on") <= as_of
    )
    return (
        firsts.join(sums, on="donor_id", how="left")
        .with_columns(
            pl.col("a0", "a1", "a2").fill_null(0),
            fiscal_year_expr(pl.col("first_on"), fy_start_month).alias("first_fy"),
        )
        .select("donor_id", "a0", "a1", "a2", "first_fy")
    )


def _year_summary(per_donor: pl.LazyFrame, year: int, repeat: RepeatDefinition) -> pl.LazyFrame:
    a0, a1 = pl.col("a0"), pl.col("a1")
    in0, in1, in2 = a0 > 0, a1 > 0, pl.col("a2") > 0
    new0 = pl.col("first_fy") == year
    new1 = pl.col("first_fy") == year - 1
    repeat1 = (in1 & ~new1) if repeat == "not_new" else (in1 & in2)
    both = in0 & in1
    recaptured = in0 & ~in1 & (pl.col("first_fy") < year - 1)
    upgraded, downgraded, same = both & (a0 > a1), both & (a0 < a1), both & (a0 == a1)
    lapsed_new = new1 & ~in0
    lapsed_repeat = in1 & ~new1 & ~in0
    ever_before = pl.col("first_fy") < year

    def n(cond: pl.Expr) -> pl.Expr:
        return cond.sum().cast(pl.Int64)

    def s(values: pl.Expr, cond: pl.Expr) -> pl.Expr:
        return values.filter(cond).sum().cast(pl.Float64)

    return per_donor.select(
        n(in0).alias("donors"),
        s(a0, in0).alias("amount"),
        n(in1).alias("donors_prev"),
        s(a1, in1).alias("amount_prev"),
        n(both).alias("retained"),
        s(a0, both).alias("retained_amount"),
        n(new1).alias("new_prev"),
        n(new1 & in0).alias("new_prev_retained"),
        n(repeat1).alias("repeat_prev"),
        n(repeat1 & in0).alias("repeat_prev_retained"),
        n(new0).alias("gain_new"),
        s(a0, new0).alias("gain_new_amount"),
        n(recaptured).alias("gain_recaptured"),
        s(a0, recaptured).alias("gain_recaptured_amount"),
        n(upgraded).alias("gain_upgraded"),
        s(a0 - a1, upgraded).alias("gain_upgraded_amount"),
        n(downgraded).alias("loss_downgraded"),
        s(a1 - a0, downgraded).alias("loss_downgraded_amount"),
        n(lapsed_new).alias("loss_lapsed_new"),
        s(a1, lapsed_new).alias("loss_lapsed_new_amount"),
        n(lapsed_repeat).alias("loss_lapsed_repeat"),
        s(a1, lapsed_repeat).alias("loss_lapsed_repeat_amount"),
        n(same).alias("same"),
        n(in1 & ~in0).alias("lybunt"),
        n(ever_before & ~in0).alias("sybunt_with_lybunt"),
        n(ever_before & ~in0 & ~in1).alias("sybunt_without_lybunt"),
    )


@dataclass(frozen=True)
class DonorRetention:
    """FEP retention for FY `year` against FY `year − 1`.

    overall = |D(y) ∩ D(y−1)| / |D(y−1)|
    new     = |N(y−1) ∩ D(y)| / |N(y−1)|
    repeat  = |R ∩ D(y)| / |R|, R = D(y−1) \\ N(y−1) (or D(y−1) ∩ D(y−2))
    dollars = Σ $d(y) over D(y) ∩ D(y−1) / Σ $d(y−1) over D(y−1)
    """

    year: int
    overall: Figure
    new: Figure
    repeat: Figure
    dollars: Figure
    donors_prev: int
    retained: int
    new_prev: int
    new_prev_retained: int
    repeat_prev: int
    repeat_prev_retained: int
    repeat_definition: RepeatDefinition
    partial: bool
    benchmark_overall: float = FEP_RETENTION_OVERALL
    benchmark_new: float = FEP_RETENTION_NEW
    benchmark_repeat: float = FEP_RETENTION_REPEAT


@dataclass(frozen=True)
class GainsAndLosses:
    """FEP gains and losses of FY `year` against `year − 1`, in donors and in
    money (minor units).

    gains: new (first gift ever in y), recaptured (gave before y−1, not in
    y−1, gave in y), upgraded (gave more in y than in y−1; money = the
    increase); losses: downgraded (the decrease), lapsed new (new in y−1, not
    in y; money = their y−1 total), lapsed repeat (the same for the others).
    lost per 100 gained = 100 · losses / gains.
    Upgrade / same / downgrade shares are over D(y) ∩ D(y−1).
    """

    year: int
    gains: dict[str, int]
    losses: dict[str, int]
    gains_amount_minor: dict[str, float]
    losses_amount_minor: dict[str, float]
    same: int
    lost_per_100_gained: Figure
    lost_per_100_gained_amount: Figure
    upgraded_share: Figure
    same_share: Figure
    downgraded_share: Figure
    partial: bool
    benchmark_upgrade_same_downgrade: tuple[float, float, float] = FEP_UPGRADE_SAME_DOWNGRADE


@dataclass(frozen=True)
class LapsedDonors:
    """LYBUNT = D(y−1) \\ D(y to date); SYBUNT = (∪k<y D(k)) \\ D(y), without
    the LYBUNTs when `sybunt_excludes_lybunt`."""

    year: int
    lybunt: int
    sybunt: int
    sybunt_excludes_lybunt: bool


@dataclass(frozen=True)
class FundraisingYear:
    """Every figure of FY `year` against the years before."""

    year: int
    fiscal_year_start: date
    through: date
    partial: bool
    donors: int
    amount_minor: float
    annual_gift_per_donor: Figure
    lifetime_value: Figure
    retention: DonorRetention
    gains_and_losses: GainsAndLosses
    lapsed: LapsedDonors
    caveat: str | None


def _partial(year: int, as_of: date, fy_start_month: int) -> bool:
    return as_of < add_months(fiscal_year_start(year, fy_start_month), 12) - timedelta(days=1)


def _retention_from(
    row: dict[str, float], year: int, repeat: RepeatDefinition, partial: bool
) -> DonorRetention:
    no_prev = f"no donor gave in FY {year - 1}"
    return DonorRetention(
        year=year,
        overall=Figure.ratio(row["retained"], row["donors_prev"], "ratio", no_prev),
        new=Figure.ratio(
            row["new_prev_retained"],
            row["new_prev"],
            "ratio",
            f"no donor gave for the first time in FY {year - 1}",
        ),
        repeat=Figure.ratio(
            row["repeat_prev_retained"],
            row["repeat_prev"],
            "ratio",
            f"no repeat donor gave in FY {year - 1}",
        ),
        dollars=Figure.ratio(row["retained_amount"], row["amount_prev"], "ratio", no_prev),
        donors_prev=int(row["donors_prev"]),
        retained=int(row["retained"]),
        new_prev=int(row["new_prev"]),
        new_prev_retained=int(row["new_prev_retained"]),
        repeat_prev=int(row["repeat_prev"]),
        repeat_prev_retained=int(row["repeat_prev_retained"]),
        repeat_definition=repeat,
        partial=partial,
    )


def _gains_from(row: dict[str, float], year: int, partial: bool) -> GainsAndLosses:
    gains = {k: int(row[f"gain_{k}"]) for k in ("new", "recaptured", "upgraded")}
    losses = {k: int(row[f"loss_{k}"]) for k in ("downgraded", "lapsed_new", "lapsed_repeat")}
    gains_amount = {k: float(row[f"gain_{k}_amount"]) for k in gains}
    losses_amount = {k: float(row[f"loss_{k}_amount"]) for k in losses}
    both = row["gain_upgraded"] + row["loss_downgraded"] + row["same"]
    none_both = f"no donor gave in both FY {year - 1} and FY {year}"
    return GainsAndLosses(
        year=year,
        gains=gains,
        losses=losses,
        gains_amount_minor=gains_amount,
        losses_amount_minor=losses_amount,
        same=int(row["same"]),
        lost_per_100_gained=Figure.ratio(
            100 * sum(losses.values()), sum(gains.values()), "donors", "no donor was gained"
        ),
        lost_per_100_gained_amount=Figure.ratio(
            100 * sum(losses_amount.values()), sum(gains_amount.values()), "minor", "no money was gained"
        ),
        upgraded_share=Figure.ratio(row["gain_upgraded"], both, "ratio", none_both),
        same_share=Figure.ratio(row["same"], both, "ratio", none_both),
        downgraded_share=Figure.ratio(row["loss_downgraded"], both, "ratio", none_both),
        partial=partial,
    )


def lapsed_from(row: dict[str, float], year: int, excludes: bool) -> LapsedDonors:
    """The LYBUNT and SYBUNT counts of a `year_frame` row."""
    return LapsedDonors(
        year=year,
        lybunt=int(row["lybunt"]),
        sybunt=int(row["sybunt_without_lybunt" if excludes else "sybunt_with_lybunt"]),
        sybunt_excludes_lybunt=excludes,
    )


def year_frame(
    donations: FrameLike,
    year: int,
    as_of: date,
    fy_start_month: int,
    repeat: RepeatDefinition,
    first: FrameLike | None = None,
    years: FrameLike | None = None,
) -> pl.LazyFrame:
    """The one-row frame of FY `year`'s FEP counts and sums, which every
    figure of the year reads (`first` and `years` as for `fundraising_year`)."""
    fy_end = add_months(fiscal_year_start(year, fy_start_month), 12) - timedelta(days=1)
    per_donor = (
        donor_years(
            donations, year=year, as_of=min(as_of, fy_end), fy_start_month=fy_start_month, first=first
        )
        if years is None
        else years.lazy()
    )
    return _year_summary(per_donor, year, repeat)


def donor_retention(
    donations: FrameLike,
    *,
    year: int,
    as_of: date,
    fy_start_month: int = 1,
    repeat_definition: RepeatDefinition = "not_new",
) -> Query[DonorRetention]:
    """FEP donor retention (overall, new, repeat) and dollar retention.

    Formula: overall = |D(y)∩D(y−1)| / |D(y−1)|; new = |N(y−1)∩D(y)| /
    |N(y−1)|; repeat = |R∩D(y)| / |R| with R = D(y−1) \\ N(y−1)
    (``repeat_definition="not_new"``) or R = D(y−1) ∩ D(y−2)
    (``"gave_both_prior_years"``, FEP 2015's wording); dollars = Σ$d(y) over
    D(y)∩D(y−1) / Σ$d(y−1) over D(y−1).

    Source: Fundraising Effectiveness Project (AFP / Urban Institute).
    Benchmarks: 43.3 % overall (2025), ≈19 % new, ≈69 % repeat (2024).

    Example: FY 2023 donors {A, B, C, D}, A and B first gave in 2023; FY 2024
    donors {A, C, E}. Overall = |{A, C}| / 4 = 0.5; new = |{A}| / |{A, B}| =
    0.5; repeat = |{C}| / |{C, D}| = 0.5. With A giving 100 then 150, C 200
    then 100 and B, D 100 each in 2023, dollars = (150 + 100) / 500 = 0.5.

    The three donor rates lie in [0, 1]; dollar retention does not: it
    passes 1 when retained donors give more than everyone gave the year
    before. Undefined (with reason) when no donor gave in FY y−1.
    """
    partial = _partial(year, as_of, fy_start_month)
    return Query(
        year_frame(donations, year, as_of, fy_start_month, repeat_definition),
        lambda df: _retention_from(df.row(0, named=True), year, repeat_definition, partial),
    )


def gains_and_losses(
    donations: FrameLike, *, year: int, as_of: date, fy_start_month: int = 1
) -> Query[GainsAndLosses]:
    """FEP gains and losses, lost per 100 gained, and upgrade/same/downgrade.

    Formula: see `GainsAndLosses`; "lost per 100 gained" = 100 · losses /
    gains, in donors and in money.
    Source: Fundraising Effectiveness Project gain/loss reports; benchmark
    for upgrade / same / downgrade 42 % / 27 % / 30 % (FEP 2015→16).

    Example: 2023 = {A: 100, B: 100 (new in 2023), D: 100}, 2024 = {A: 150,
    E: 50 (new), F: 80 (last gave 2021)}. Gains: new E, recaptured F,
    upgraded A (+50) → 3 donors; losses: lapsed new B, lapsed repeat D → 2;
    lost per 100 gained = 100·2/3 ≈ 66.7. In money: gains 50 + 80 + 50 = 180,
    losses 100 + 100 = 200 → 111.1 per 100 gained.
    """
    partial = _partial(year, as_of, fy_start_month)
    return Query(
        year_frame(donations, year, as_of, fy_start_month, "not_new"),
        lambda df: _gains_from(df.row(0, named=True), year, partial),
    )


def fundraising_year(
    donations: FrameLike,
    *,
    year: int,
    as_of: date,
    fy_start_month: int = 1,
    repeat_definition: RepeatDefinition = "not_new",
    sybunt_excludes_lybunt: bool = True,
    first: FrameLike | None = None,
    years: FrameLike | None = None,
) -> Query[FundraisingYear]:
    """Retention, gains and losses, LYBUNT/SYBUNT, annual gift per donor and
    lifetime value of FY `year`, from one pass over the gifts.

    Annual gift per donor = Σ$(y) / |D(y)|. Lifetime value = annual gift per
    donor × 1 / (1 − overall retention) (a practitioners' estimate, not a
    standard; undefined when retention is undefined or 100 %).

    Example: FY 2024 donors A (150) and C (100) → annual gift per donor 125;
    with retention 0.5, lifetime value = 125 / 0.5 = 250.

    `first`: each donor's first gift (`first_gifts` of the same
    donations), when already known; `years`: the `donor_years` themselves.
    """
    fy_start = fiscal_year_start(year, fy_start_month)
    fy_end = add_months(fy_start, 12) - timedelta(days=1)
    partial = as_of < fy_end

    def finish(df: pl.DataFrame) -> FundraisingYear:
        row = df.row(0, named=True)
        retention = _retention_from(row, year, repeat_definition, partial)
        agpd = Figure.ratio(row["amount"], row["donors"], "minor", f"no donor gave in FY {year}")
        return FundraisingYear(
            year=year,
            fiscal_year_start=fy_start,
            through=min(as_of, fy_end),
            partial=partial,
            donors=int(row["donors"]),
            amount_minor=float(row["amount"]),
            annual_gift_per_donor=agpd,
            lifetime_value=lifetime_value(agpd, retention.overall),
            retention=retention,
            gains_and_losses=_gains_from(row, year, partial),
            lapsed=lapsed_from(row, year, sybunt_excludes_lybunt),
            caveat=PARTIAL_YEAR_CAVEAT if partial else None,
        )

    per_donor = year_frame(donations, year, as_of, fy_start_month, repeat_definition, first, years)
    return Query(per_donor, finish)


def lifetime_value(annual_gift_per_donor: Figure, retention: Figure) -> Figure:
    """Donor lifetime value = annual gift per donor × 1 / (1 − retention).

    The expected number of years a donor keeps giving under a constant
    retention r is 1 / (1 − r) (geometric). Practice, not a standard.

    Example: 125 per year at 60 % retention → 125 × 2.5 = 312.5."""
    if annual_gift_per_donor.value is None:
        return Figure.undefined(annual_gift_per_donor.reason or "no annual gift", "minor")
    if retention.value is None:
        return Figure.undefined(retention.reason or "retention is undefined", "minor")
    if retention.value >= 1.0:
        return Figure.undefined(
            "every donor was retained: the expected lifetime is unbounded", "minor", unbounded=True
        )
    return Figure.of(annual_gift_per_donor.value / (1.0 - retention.value), "minor")


# --- figures of a date range -------------------------------------------------------


@dataclass(frozen=True)
class GiftSummary:
    """Gifts received from `start` to `end` (inclusive)."""

    start: date
    end: date
    funds_raised_minor: Figure
    gifts: int
    donors: int
    average_gift: Figure
    recurring_share: Figure
    top_k: int
    top_k_share: Figure
    hhi_donors: Figure
    hhi_sources: Figure
    by_source_minor: dict[str, float]


def gift_summary(
    donations: FrameLike, *, start: date, end: date, top_k: int = 10, per_donor: FrameLike | None = None
) -> Query[GiftSummary]:
    """Funds raised, average gift, recurring share and concentration.

    Formulas: average gift = Σamount / #gifts; recurring share = Σ recurring
    amount / Σ amount; top-k share = Σ of the k largest donors' totals /
    Σ amount; HHI = Σ sᵢ² × 10,000 over donor shares sᵢ (and over source
    shares), between 10,000/n and 10,000; above 1,800 is "highly
    concentrated" (antitrust analogy, METRICS.md).

    Example: gifts A 600 (recurring), B 300, C 100 → funds 1,000, average
    333.3, recurring share 0.6, top-1 share 0.6, HHI = (0.36 + 0.09 + 0.01)
    × 10,000 = 4,600.

    `per_donor`: each donor's total in the period (``donor_id``, ``a``),
    when already summed.
    """
    if top_k < 1:
        raise ValueError("top_k must be at least 1")
    g = gifts(donations, end).filter(pl.col("received_on") >= start)
    amount = pl.col("amount")
    totals = g.select(
        amount.sum().cast(pl.Float64).alias("total"),
        pl.len().cast(pl.Int64).alias("gifts"),
        amount.filter(pl.col("is_recurring")).sum().cast(pl.Float64).alias("recurring"),
    )
    if per_donor is None:
        per_donor = g.group_by("donor_id").agg(amount.sum().cast(pl.Float64).alias("a"))
    donors = per_donor.lazy().select(
        pl.len().cast(pl.Int64).alias("donors"),
        ((pl.col("a") / pl.col("a").sum()) ** 2).sum().alias("hhi_donors"),
        (pl.col("a").top_k(top_k).sum() / pl.col("a").sum()).alias("top_share"),
    )
    per_source = g.group_by("source").agg(amount.sum().cast(pl.Float64).alias("a"))
    sources = per_source.select(
        ((pl.col("a") / pl.col("a").sum()) ** 2).sum().alias("hhi_sources"),
        pl.struct("source", "a").implode().alias("by_source"),
    )
    parts = [totals, donors, sources]

    def finish(row: dict[str, Any]) -> GiftSummary:
        total, n_gifts = row["total"] or 0.0, row["gifts"]
        none = "no gifts in the period"
        by_source = {s["source"]: float(s["a"]) for s in (row["by_source"] or [])}
        return GiftSummary(
            start=start,
            end=end,
            funds_raised_minor=Figure.of(total, "minor"),
            gifts=n_gifts,
            donors=row["donors"],
            average_gift=Figure.ratio(total, n_gifts, "minor", none),
            recurring_share=Figure.ratio(row["recurring"] or 0.0, total, "ratio", none),
            top_k=top_k,
            top_k_share=Figure.of(row["top_share"], "ratio")
            if total > 0
            else Figure.undefined(none, "ratio"),
            hhi_donors=Figure.of(10_000 * row["hhi_donors"], "hhi")
            if total > 0
            else Figure.undefined(none, "hhi"),
            hhi_sources=Figure.of(10_000 * row["hhi_sources"], "hhi")
            if total > 0
            else Figure.undefined(none, "hhi"),
            by_source_minor=by_source,
        )

    return Query.one_row(parts, finish)


def hhi(shares: pl.Series) -> Figure:
    """Herfindahl–Hirschman index of `shares` (any non-negative amounts;
    normalised here), on the 0–10,000 scale: HHI = 10,000 · Σ (xᵢ/Σx)².

    Example: amounts 600, 300, 100 → 10,000 · (0.36 + 0.09 + 0.01) = 4,600.
    Undefined when the total is 0."""
    total = float(shares.sum())
    if total <= 0:
        return Figure.undefined("nothing to share out", "hhi")
    return Figure.of(10_000 * float(((shares / total) ** 2).sum()), "hhi")


def revenue_by_source_monthly(donations: FrameLike, *, start: date, end: date) -> Query[pl.DataFrame]:
    """Net gifts per month and source: ``month``, ``source``,
    ``amount_minor``, ``gifts``, ``recurring_minor``; sorted by month, then
    source in the order of `metrics.schemas.GIFT_SOURCE` (a source without
    gifts in a month has no row)."""
    g = gifts(donations, end).filter(pl.col("received_on") >= start)
    # Grouped by a month number: the month's first day computed per gift
    # costs more than the sums.
    day = pl.col("received_on")
    index = (day.dt.year().cast(pl.Int32) * 12 + day.dt.month().cast(pl.Int32) - 1).alias("_m")
    return Query.frame_of(
        g.group_by(index, "source")
        .agg(
            pl.col("amount").sum().cast(pl.Int64).alias("amount_minor"),
            pl.len().cast(pl.Int64).alias("gifts"),
            pl.col("amount").filter(pl.col("is_recurring")).sum().cast(pl.Int64).alias("recurring_minor"),
        )
        .select(
            pl.date(pl.col("_m") // 12, pl.col("_m") % 12 + 1, 1).alias("month"),
            "source",
            "amount_minor",
            "gifts",
            "recurring_minor",
        )
        .sort("month", "source")
    )
