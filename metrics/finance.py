"""Financial sustainability: burn, runway, operating reserve and the
Tuckman–Chang vulnerability ratios.

Inputs (`metrics.schemas`): `DONATIONS` (cash in: net gifts), `EXPENSES`
(cash out) and `BALANCE_SNAPSHOTS` (month-end cash, unrestricted reserves
and net assets from the books). Amounts are minor units of the reporting
currency. Balances are kept for the whole movement: a chapter's runway
and reserves are undefined, with that reason.

A month is *complete* once its last day is on or before `as_of`; burn is
averaged over complete months only, so a half-finished month never makes
the movement look thriftier than it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import polars as pl

from metrics.figure import Figure
from metrics.fundraising import gifts
from metrics.periods import add_months, by_month, last_complete_month, month_end, year_before
from metrics.query import Query

FrameLike = pl.DataFrame | pl.LazyFrame

NORI_MINIMUM_RATIO = 0.25  # Nonprofit Operating Reserves Initiative: 3 months


@dataclass(frozen=True)
class TuckmanChangBands:
    """The worst band of each Tuckman & Chang (1991) ratio.

    Tuckman and Chang flag an organisation in the bottom quintile of its
    sector; with no sector distribution at hand the bands are ours, as
    configuration: little equity (net assets under a quarter of a year's
    revenue, NORI's minimum), revenue from few sources (HHI over sources
    above 5,000: essentially one or two), low administrative costs (under
    5 %: nothing left to cut in a shock) and a deficit (margin under 0)."""

    equity_ratio_below: float = 0.25
    revenue_hhi_above: float = 5000.0
    admin_ratio_below: float = 0.05
    operating_margin_below: float = 0.0


@dataclass(frozen=True)
class TuckmanChang:
    """The four Tuckman–Chang ratios over the trailing 12 months, one flag
    per ratio in its worst band, and the score (number of flags, 0–4; a
    ratio that is undefined raises no flag and is listed as undefined)."""

    equity_ratio: Figure
    revenue_concentration_hhi: Figure
    admin_cost_ratio: Figure
    operating_margin: Figure
    flags: dict[str, bool]
    score: int
    bands: TuckmanChangBands


@dataclass(frozen=True)
class FinanceSummary:
    """The money figures as of `as_of`."""

    as_of: date
    burn_months: int
    burn_window: tuple[date, date] | None
    cash_minor: Figure
    net_burn_minor: Figure
    runway_months: Figure
    unrestricted_reserves_minor: Figure
    annual_operating_expenses_minor: Figure
    reserve_ratio: Figure
    reserve_months: Figure
    revenue_12m_minor: float
    expenses_12m_minor: float
    tuckman_chang: TuckmanChang
    balance_as_of: date | None
    nori_minimum_ratio: float = NORI_MINIMUM_RATIO
    notes: list[str] = field(default_factory=list)


def spending(dtype: type[pl.DataType], total: str, admin: str) -> list[pl.Expr]:
    """Aggregations over expense rows: their sum as `total` and the admin
    category's sum as `admin`, in reporting minor units cast to `dtype`."""
    amount = pl.col("reporting_amount_minor")
    return [
        amount.sum().cast(dtype).alias(total),
        amount.filter(pl.col("category") == "admin").sum().cast(dtype).alias(admin),
    ]


def monthly_cash_flow(donations: FrameLike, expenses: FrameLike, *, start: date, end: date) -> pl.LazyFrame:
    """One row per month from `start`'s to `end`'s: ``month``, ``cash_in``
    (net gifts), ``cash_out`` (expenses), ``admin_out``, ``net_out`` =
    cash_out − cash_in; months without rows are 0, never missing."""
    first = start.replace(day=1)
    months = pl.LazyFrame(
        {"month": pl.date_range(first, end.replace(day=1), interval="1mo", eager=True)},
    )
    cash_in = by_month(
        gifts(donations, end).filter(pl.col("received_on") >= first),
        "received_on",
        [pl.col("amount").sum().cast(pl.Int64).alias("cash_in")],
    )
    cash_out = by_month(
        expenses.lazy().filter(pl.col("spent_on").is_between(first, end)),
        "spent_on",
        spending(pl.Int64, "cash_out", "admin_out"),
    )
    return (
        months.join(cash_in, on="month", how="left")
        .join(cash_out, on="month", how="left")
        .with_columns(pl.col("cash_in", "cash_out", "admin_out").fill_null(0))
        .with_columns((pl.col("cash_out") - pl.col("cash_in")).alias("net_out"))
        .sort("month")
    )


def monthly_finance(
    donations: FrameLike,
    expenses: FrameLike,
    balance_snapshots: FrameLike,
    *,
    start: date,
    end: date,
    burn_months: int = 3,
) -> Query[pl.DataFrame]:
    """Burn, runway and reserve months for each month from `start` to `end`.

    Columns: ``month``, ``cash_in``, ``cash_out``, ``net_out``,
    ``net_burn`` (mean of net_out over the `burn_months` months ending with
    this one), ``cash`` and ``reserves`` (the latest balance snapshot on or
    before the month's end), ``expenses_12m`` (the 12 months ending with this
    one), ``runway_months`` = cash / net_burn (null when burn ≤ 0, with
    ``runway_unbounded`` true), ``reserve_months`` = 12 · reserves /
    expenses_12m. The trailing windows reach back before `start`.
    """
    if burn_months < 1:
        raise ValueError("burn_months must be at least 1")
    lookback = add_months(start, -max(burn_months, 12) + 1)
    flows = monthly_cash_flow(donations, expenses, start=lookback, end=end)
    snaps = (
        balance_snapshots.lazy()
        .filter(pl.col("as_of") <= end)
        .select(
            pl.col("as_of").alias("_snap"),
            pl.col("cash_minor").alias("cash"),
            pl.col("unrestricted_reserves_minor").alias("reserves"),
        )
        .sort("_snap")
    )
    frame = (
        flows.with_columns(
            pl.col("net_out").rolling_mean(burn_months).alias("net_burn"),
            pl.col("cash_out").rolling_sum(12).alias("expenses_12m"),
            pl.col("month").dt.month_end().alias("_month_end"),
        )
        .sort("_month_end")
        .join_asof(snaps, left_on="_month_end", right_on="_snap", strategy="backward")
        .filter(pl.col("month") >= start.replace(day=1))
        .with_columns(
            pl.when(pl.col("net_burn") > 0).then(pl.col("cash") / pl.col("net_burn")).alias("runway_months"),
            (pl.col("net_burn") <= 0).alias("runway_unbounded"),
            pl.when(pl.col("expenses_12m") > 0)
            .then(12 * pl.col("reserves") / pl.col("expenses_12m"))
            .alias("reserve_months"),
        )
        .select(
            "month",
            "cash_in",
            "cash_out",
            "net_out",
            "net_burn",
            "cash",
            "reserves",
            "expenses_12m",
            "runway_months",
            "runway_unbounded",
            "reserve_months",
        )
    )
    return Query.frame_of(frame)


def finance_summary(
    donations: FrameLike,
    expenses: FrameLike,
    balance_snapshots: FrameLike,
    *,
    as_of: date,
    burn_months: int = 3,
    bands: TuckmanChangBands | None = None,
) -> Query[FinanceSummary]:
    """Net burn, runway, operating reserve and Tuckman–Chang as of `as_of`.

    Formulas (METRICS.md):
    - net burn = mean over the last `burn_months` complete months of
      (cash out − cash in);
    - runway = liquid cash / net burn, in months; undefined and *unbounded*
      when net burn ≤ 0;
    - operating reserve ratio = unrestricted reserves / operating expenses of
      the 12 months to as_of; reserve months = ratio × 12 (NORI minimum
      25 %, i.e. 3 months);
    - Tuckman–Chang (1991): equity ratio = net assets / revenue, revenue
      concentration = HHI over revenue sources, admin cost ratio = admin /
      total expenses, operating margin = (revenue − expenses) / revenue, all
      over the trailing 12 months; one flag per ratio in its worst band.

    Sources: Nonprofit Operating Reserves Initiative (2008); Tuckman & Chang,
    "A methodology for measuring the financial vulnerability of charitable
    nonprofit organizations", NVSQ 20(4), 1991.

    Example: cash 90,000; last three months out 40,000 / in 10,000 each →
    net burn 30,000 → runway 3 months. Reserves 60,000 against 480,000 of
    expenses over 12 months → ratio 0.125, 1.5 months.
    """
    if burn_months < 1:
        raise ValueError("burn_months must be at least 1")
    bands = bands or TuckmanChangBands()
    last_month = last_complete_month(as_of)
    burn_first = add_months(last_month, -(burn_months - 1))
    year_first = year_before(as_of) + timedelta(days=1)
    burn_end = month_end(last_month)

    g = gifts(donations, as_of)
    ex = expenses.lazy().filter(pl.col("spent_on") <= as_of)
    burn = pl.concat(
        [
            g.filter(pl.col("received_on").is_between(burn_first, burn_end)).select(
                pl.col("amount").sum().cast(pl.Float64).alias("burn_in"), pl.len().alias("burn_in_rows")
            ),
            ex.filter(pl.col("spent_on").is_between(burn_first, burn_end)).select(
                pl.col("reporting_amount_minor").sum().cast(pl.Float64).alias("burn_out"),
                pl.len().alias("burn_out_rows"),
            ),
        ],
        how="horizontal",
    )
    year_gifts = g.filter(pl.col("received_on") >= year_first)
    by_source = year_gifts.group_by("source").agg(pl.col("amount").sum().cast(pl.Float64).alias("a"))
    year = pl.concat(
        [
            year_gifts.select(pl.col("amount").sum().cast(pl.Float64).alias("revenue")),
            by_source.select(((pl.col("a") / pl.col("a").sum()) ** 2).sum().alias("source_hhi")),
            ex.filter(pl.col("spent_on") >= year_first).select(spending(pl.Float64, "expenses", "admin")),
        ],
        how="horizontal",
    )
    snap = (
        balance_snapshots.lazy()
        .filter(pl.col("as_of") <= as_of)
        .sort("as_of")
        .tail(1)
        .select(
            pl.col("as_of").alias("balance_as_of"),
            pl.col("cash_minor").cast(pl.Float64).alias("cash"),
            pl.col("unrestricted_reserves_minor").cast(pl.Float64).alias("reserves"),
            pl.col("net_assets_minor").cast(pl.Float64).alias("net_assets"),
        )
    )
    # An empty snapshot frame must still yield one row of nulls.
    snap_row = (
        pl.LazyFrame({"_k": [0]})
        .join(snap.with_columns(pl.lit(0).alias("_k")), on="_k", how="left")
        .drop("_k")
    )
    parts = [burn, year, snap_row]

    def finish(row: dict[str, Any]) -> FinanceSummary:
        if row["burn_out_rows"] == 0 and row["burn_in_rows"] == 0:
            net_burn = Figure.undefined(
                f"no gifts and no expenses from {burn_first.isoformat()} to {burn_end.isoformat()}", "minor"
            )
        else:
            burn_value = ((row["burn_out"] or 0.0) - (row["burn_in"] or 0.0)) / burn_months
            net_burn = Figure.of(burn_value, "minor")
        balance_as_of = row["balance_as_of"]
        no_balance = f"no balance snapshot on or before {as_of.isoformat()}"
        cash = (
            Figure.of(row["cash"], "minor")
            if balance_as_of is not None
            else Figure.undefined(no_balance, "minor")
        )
        reserves = (
            Figure.of(row["reserves"], "minor")
            if balance_as_of is not None
            else Figure.undefined(no_balance, "minor")
        )
        runway = runway_months(cash, net_burn, burn_months)
        expenses_12m = row["expenses"] or 0.0
        revenue = row["revenue"] or 0.0
        annual = Figure.of(expenses_12m, "minor")
        ratio = reserve_ratio(reserves, annual)
        tc = _tuckman_chang(row, revenue, expenses_12m, bands)
        notes: list[str] = []
        if balance_as_of is not None and (as_of - balance_as_of).days > 62:
            notes.append(f"the latest balance snapshot is from {balance_as_of.isoformat()}")
        return FinanceSummary(
            as_of=as_of,
            burn_months=burn_months,
            burn_window=(burn_first, burn_end),
            cash_minor=cash,
            net_burn_minor=net_burn,
            runway_months=runway,
            unrestricted_reserves_minor=reserves,
            annual_operating_expenses_minor=annual,
            reserve_ratio=ratio,
            reserve_months=ratio.map(lambda r: 12 * r, "months"),
            revenue_12m_minor=revenue,
            expenses_12m_minor=expenses_12m,
            tuckman_chang=tc,
            balance_as_of=balance_as_of,
            notes=notes,
        )

    return Query.one_row(parts, finish)


def runway_months(cash: Figure, net_burn: Figure, burn_months: int = 3) -> Figure:
    """Runway = liquid cash / net burn, in months.

    Undefined and unbounded when net burn ≤ 0 (cash in covers cash out);
    undefined when cash is unknown. Example: 90,000 / 30,000 = 3 months."""
    if cash.value is None:
        return Figure.undefined(cash.reason or "cash is unknown", "months")
    if net_burn.value is None:
        return Figure.undefined(net_burn.reason or "net burn is unknown", "months")
    if net_burn.value <= 0:
        return Figure.undefined(
            f"no net burn: cash in covered cash out over the last {burn_months} months, "
            "so the runway is unlimited",
            "months",
            unbounded=True,
        )
    return Figure.of(cash.value / net_burn.value, "months")


def reserve_ratio(reserves: Figure, annual_expenses: Figure) -> Figure:
    """Operating reserve ratio = unrestricted reserves / annual operating
    expenses (NORI). Example: 60,000 / 480,000 = 0.125 (1.5 months)."""
    if reserves.value is None:
        return Figure.undefined(reserves.reason or "reserves are unknown", "ratio")
    if annual_expenses.value is None or annual_expenses.value <= 0:
        return Figure.undefined("no operating expenses in the last 12 months", "ratio")
    return Figure.of(reserves.value / annual_expenses.value, "ratio")


def _tuckman_chang(
    row: dict[str, float], revenue: float, expenses: float, bands: TuckmanChangBands
) -> TuckmanChang:
    no_revenue = "no revenue in the last 12 months"
    if row.get("balance_as_of") is None:
        equity = Figure.undefined("no balance snapshot for net assets", "ratio")
    else:
        equity = Figure.ratio(row["net_assets"], revenue, "ratio", no_revenue)
    hhi = Figure.of(10_000 * row["source_hhi"], "hhi") if revenue > 0 else Figure.undefined(no_revenue, "hhi")
    admin = Figure.ratio(row["admin"] or 0.0, expenses, "ratio", "no expenses in the last 12 months")
    margin = Figure.ratio(revenue - expenses, revenue, "ratio", no_revenue)
    flags = {
        "low_equity": equity.value is not None and equity.value < bands.equity_ratio_below,
        "concentrated_revenue": hhi.value is not None and hhi.value > bands.revenue_hhi_above,
        "low_admin_costs": admin.value is not None and admin.value < bands.admin_ratio_below,
        "deficit": margin.value is not None and margin.value < bands.operating_margin_below,
    }
    return TuckmanChang(
        equity_ratio=equity,
        revenue_concentration_hhi=hhi,
        admin_cost_ratio=admin,
        operating_margin=margin,
        flags=flags,
        score=sum(flags.values()),
        bands=bands,
    )
