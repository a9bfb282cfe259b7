"""The fundraising desk's own figures: donor profiles and segments,
campaign pace, recurring revenue, year-end statements and expenses by
category.

Everything FEP defines (retention, gains and losses, recurring share,
concentration) lives in `metrics.fundraising`, and LYBUNT and SYBUNT
counts, lists and the donors to call in `metrics.lapsed`; this module
builds on them and never redefines them.
Inputs are the `DONATIONS` frame of `metrics.schemas` (amounts in minor units
of the reporting currency, refunds too) unless a function says otherwise;
a gift counts at its net value and a fully refunded gift not at all
(`metrics.fundraising.gifts`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import polars as pl

from metrics.figure import Figure
from metrics.fundraising import donor_years, gift_summary, gifts
from metrics.periods import add_months, fiscal_year_expr, fiscal_year_start
from metrics.query import Query

FrameLike = pl.DataFrame | pl.LazyFrame
Segment = Literal["new", "upgraded", "retained", "downgraded", "recaptured", "lapsed"]
SEGMENTS: tuple[Segment, ...] = ("new", "upgraded", "retained", "downgraded", "recaptured", "lapsed")
SEGMENT_MEANING: dict[Segment, str] = {
    "new": "first gift ever this fiscal year",
    "upgraded": "gave last year and more this year",
    "retained": "gave last year and the same this year",
    "downgraded": "gave last year and less this year (so far)",
    "recaptured": "came back this year after missing last year",
    "lapsed": "gave before, not yet this year",
}


def donor_segments(
    donations: FrameLike, *, year: int, as_of: date, fy_start_month: int = 1
) -> Query[pl.DataFrame]:
    """Each donor's segment in FY `year` (to `as_of`): ``donor_id``,
    ``segment``, ``this_year_minor`` (a0), ``last_year_minor`` (a1).

    Formula, with a0, a1 = the donor's net totals in FY y and y−1 and
    first = the FY of their first gift (`metrics.fundraising.donor_years`):
    new: first = y; upgraded: a1 > 0 and a0 > a1; retained: a1 > 0 and
    a0 = a1; downgraded: a1 > 0 and 0 < a0 < a1; recaptured: a0 > 0,
    a1 = 0 and first < y − 1; lapsed: a0 = 0 (gave before y, not in y).
    Source: the FEP gain/loss categories (new, recaptured, upgraded,
    downgraded; "same" named retained here), applied to one donor.

    Example: FY 2024 against 2023: A gave 100 then 150 → upgraded; B gave
    100 in 2023 only → lapsed; C first gave in 2024 → new; D gave in 2022
    and 2024, not 2023 → recaptured; E gave 80 both years → retained.

    A year to date is partial: a donor "downgraded" in March may yet give
    more; the page says so.
    """
    a0, a1 = pl.col("a0"), pl.col("a1")
    segment = (
        pl.when(pl.col("first_fy") == year)
        .then(pl.lit("new"))
        .when((a1 > 0) & (a0 > a1))
        .then(pl.lit("upgraded"))
        .when((a1 > 0) & (a0 == a1))
        .then(pl.lit("retained"))
        .when((a1 > 0) & (a0 > 0))
        .then(pl.lit("downgraded"))
        .when(a0 > 0)
        .then(pl.lit("recaptured"))
        .otherwise(pl.lit("lapsed"))
    )
    frame = (
        donor_years(donations, year=year, as_of=as_of, fy_start_month=fy_start_month)
        .select(
            "donor_id",
            segment.alias("segment"),
            a0.cast(pl.Int64).alias("this_year_minor"),
            a1.cast(pl.Int64).alias("last_year_minor"),
        )
        .sort("donor_id")
    )
    return Query.frame_of(frame)


PROFILE_SCHEMA: dict[str, pl.DataType] = {
    "donor_id": pl.Int64(),
    "first_gift_on": pl.Date(),
    "last_gift_on": pl.Date(),
    "gifts": pl.Int64(),
    "lifetime_minor": pl.Int64(),
    "largest_gift_minor": pl.Int64(),
    "last_gift_minor": pl.Int64(),
    "recurring_gifts": pl.Int64(),
}


def donor_profiles(donations: FrameLike, *, as_of: date) -> Query[pl.DataFrame]:
    """One row per donor with a counting gift up to `as_of`: first and last
    gift dates, number of gifts, lifetime total, largest and latest gift, and
    how many gifts were recurring (columns of `PROFILE_SCHEMA`).

    Formula: lifetime = Σ net gift; first/last = min/max received_on; the
    latest gift is the net amount on the last day (summed if several).

    Example: gifts 2023-05-01 100, 2024-02-01 40 (recurring), 2024-03-01 60
    (recurring) → first 2023-05-01, last 2024-03-01, 3 gifts, lifetime 200,
    largest 100, last 60, recurring 2.
    """
    g = gifts(donations, as_of)
    frame = (
        g.group_by("donor_id")
        .agg(
            pl.col("received_on").min().alias("first_gift_on"),
            pl.col("received_on").max().alias("last_gift_on"),
            pl.len().cast(pl.Int64).alias("gifts"),
            pl.col("amount").sum().cast(pl.Int64).alias("lifetime_minor"),
            pl.col("amount").max().cast(pl.Int64).alias("largest_gift_minor"),
            pl.col("amount")
            .filter(pl.col("received_on") == pl.col("received_on").max())
            .sum()
            .cast(pl.Int64)
            .alias("last_gift_minor"),
            pl.col("is_recurring").sum().cast(pl.Int64).alias("recurring_gifts"),
        )
        .select(list(PROFILE_SCHEMA))
        .sort("donor_id")
    )
    return Query.frame_of(frame)


def giving_by_year(donations: FrameLike, *, as_of: date, fy_start_month: int = 1) -> Query[pl.DataFrame]:
    """Net giving per donor and fiscal year: ``donor_id``, ``fy``,
    ``amount_minor``, ``gifts``; sorted by donor and year.

    Example (FY from July): gifts on 2024-06-30 (50) and 2024-07-01 (70) fall
    in FY 2024 and FY 2025 respectively."""
    fy = fiscal_year_expr(pl.col("received_on"), fy_start_month)
    return Query.frame_of(
        gifts(donations, as_of)
        .group_by("donor_id", fy.alias("fy"))
        .agg(
            pl.col("amount").sum().cast(pl.Int64).alias("amount_minor"),
            pl.len().cast(pl.Int64).alias("gifts"),
        )
        .sort("donor_id", "fy")
    )


@dataclass(frozen=True)
class CampaignProgress:
    """Where a campaign stands on `as_of`.

    raised = Σ net gifts credited to it from its start to min(as_of, end);
    progress = raised / goal; elapsed = days run / days in the campaign
    (0 before it starts, 1 after it ends); pace = progress / elapsed (1.0 is
    exactly on track, above 1 ahead); projected = raised / elapsed (a
    straight-line projection to the end); still needed per day = (goal −
    raised) / days left.
    """

    raised_minor: int
    goal_minor: int | None
    progress: Figure
    elapsed: float
    pace: Figure
    projected_minor: Figure
    needed_per_day_minor: Figure
    days_total: int
    days_left: int
    gifts: int
    donors: int
    by_source_minor: dict[str, float]
    status: str


def campaign_progress(
    donations: FrameLike,
    *,
    goal_minor: int | None,
    starts_on: date,
    ends_on: date,
    as_of: date,
) -> Query[CampaignProgress]:
    """Raised to date against the goal and against time elapsed.

    `donations` are the campaign's gifts only (DONATIONS frame). The totals
    come from `metrics.fundraising.gift_summary` over the campaign's period.
    Source: "pace to goal" as fundraising platforms report it; the
    straight-line projection is a simplification (gifts bunch at launch and
    deadline), which the page says.

    Example: goal 10,000, 1–30 April, on 10 April with 4,000 raised:
    elapsed = 10/30 = 0.333, progress 0.4, pace 1.2 (ahead), projected
    12,000, needed per day = 6,000 / 20 = 300.
    """
    days_total = (ends_on - starts_on).days + 1
    through = min(as_of, ends_on)
    days_run = 0 if as_of < starts_on else min(days_total, (through - starts_on).days + 1)
    days_left = days_total - days_run
    elapsed = days_run / days_total
    summary = gift_summary(donations, start=starts_on, end=max(through, starts_on))

    def finish(df: pl.DataFrame) -> CampaignProgress:
        s = summary.finish(df)
        raised = int(s.funds_raised_minor.value or 0) if as_of >= starts_on else 0
        if goal_minor is None:
            progress = Figure.undefined("the goal has no exchange rate to the reporting currency", "ratio")
        else:
            progress = Figure.ratio(raised, goal_minor, "ratio", "the campaign has no goal")
        if elapsed == 0:
            pace = Figure.undefined("the campaign has not started", "ratio")
            projected = Figure.undefined("the campaign has not started", "minor")
        else:
            pace = progress.map(lambda p: p / elapsed)
            projected = Figure.of(raised / elapsed, "minor")
        if goal_minor is None:
            needed = Figure.undefined("no goal in the reporting currency", "minor")
        elif days_left == 0:
            needed = Figure.undefined("the campaign has ended", "minor")
        else:
            needed = Figure.of(max(0, goal_minor - raised) / days_left, "minor")
        if goal_minor is not None and raised >= goal_minor:
            status = "goal reached"
        elif elapsed == 0:
            status = "not started"
        elif days_left == 0:
            status = "ended short of the goal"
        elif pace.value is not None and pace.value >= 1.0:
            status = "ahead of pace"
        else:
            status = "behind pace"
        return CampaignProgress(
            raised_minor=raised,
            goal_minor=goal_minor,
            progress=progress,
            elapsed=elapsed,
            pace=pace,
            projected_minor=projected,
            needed_per_day_minor=needed,
            days_total=days_total,
            days_left=days_left,
            gifts=s.gifts,
            donors=s.donors,
            by_source_minor=s.by_source_minor,
            status=status,
        )

    return Query(summary.frame, finish)


def campaign_curve(
    donations: FrameLike, *, goal_minor: int | None, starts_on: date, ends_on: date, as_of: date
) -> Query[pl.DataFrame]:
    """Day by day from the start to min(as_of, end): ``day``,
    ``raised_minor`` (cumulative net gifts) and ``on_pace_minor`` (goal ×
    days run / days in the campaign, the straight line to the goal; null
    without a goal).

    Example: goal 3,000 over 3 days, gifts 500 on day 1 and 1,000 on day 3 →
    raised 500, 500, 1,500; on pace 1,000, 2,000, 3,000."""
    through = max(starts_on, min(as_of, ends_on))
    days = pl.LazyFrame({"day": pl.date_range(starts_on, through, interval="1d", eager=True)})
    total_days = (ends_on - starts_on).days + 1
    daily = (
        gifts(donations, through)
        .filter(pl.col("received_on") >= starts_on)
        .group_by(pl.col("received_on").alias("day"))
        .agg(pl.col("amount").sum().alias("amount"))
    )
    index = (pl.col("day") - pl.lit(starts_on)).dt.total_days() + 1
    on_pace = (
        (pl.lit(goal_minor) * index / total_days).round(0).cast(pl.Int64)
        if goal_minor is not None
        else pl.lit(None, pl.Int64)
    )
    frame = (
        days.join(daily, on="day", how="left")
        .sort("day")
        .select(
            "day",
            pl.col("amount").fill_null(0).cum_sum().cast(pl.Int64).alias("raised_minor"),
            on_pace.alias("on_pace_minor"),
        )
    )
    return Query.frame_of(frame)


def top_sources(gifts_frame: FrameLike, *, by: str, as_of: date, limit: int = 5) -> Query[pl.DataFrame]:
    """Net gifts grouped by any column of the frame (``source``,
    ``method``, ``donor_id`` …): ``by``'s value, ``amount_minor``,
    ``gifts``, ``share`` of the total; largest first, at most `limit` rows.

    Example: card 600 (2 gifts), paypal 300, cheque 100 → card 0.6, paypal
    0.3, cheque 0.1."""
    g = gifts(gifts_frame, as_of)
    frame = (
        g.group_by(by)
        .agg(
            pl.col("amount").sum().cast(pl.Int64).alias("amount_minor"),
            pl.len().cast(pl.Int64).alias("gifts"),
        )
        .with_columns((pl.col("amount_minor") / pl.col("amount_minor").sum()).alias("share"))
        .sort(["amount_minor", by], descending=[True, False])
        .head(limit)
    )
    return Query.frame_of(frame)


# --- recurring plans --------------------------------------------------------------

PLAN_FRAME_SCHEMA: dict[str, pl.DataType] = {
    "plan_id": pl.Int64(),
    "donor_id": pl.Int64(),
    "reporting_amount_minor": pl.Int64(),
    "frequency": pl.String(),  # monthly, quarterly, annual
    "status": pl.String(),  # active, failed, cancelled
    "started_on": pl.Date(),
    "last_gift_on": pl.Date(),
}
MONTHS_PER_PERIOD = {"monthly": 1, "quarterly": 3, "annual": 12}
PERIOD_DAYS = {"monthly": 31, "quarterly": 92, "annual": 366}


def monthly_amount(amount: pl.Expr, frequency: pl.Expr) -> pl.Expr:
    """A plan's amount per month: monthly ×1, quarterly ÷3, annual ÷12."""
    return (
        pl.when(frequency == "monthly")
        .then(amount)
        .when(frequency == "quarterly")
        .then(amount / 3)
        .otherwise(amount / 12)
    )


def plan_health(plans: FrameLike, *, as_of: date, grace_days: int = 7) -> Query[pl.DataFrame]:
    """Each plan with ``monthly_minor`` (its amount per month) and, for an
    active plan, ``days_since_gift`` and ``overdue``: no gift for longer
    than one period plus `grace_days` (a charge that should have happened
    and did not, though the processor has not said "failed").

    Example: a monthly plan of 3,000 whose last gift was 45 days ago is
    overdue (45 > 31 + 7); an annual plan of 12,000 is 1,000 a month.
    """
    period = pl.col("frequency").replace_strict(PERIOD_DAYS, default=31, return_dtype=pl.Int64)
    since = (pl.lit(as_of) - pl.coalesce("last_gift_on", "started_on")).dt.total_days()
    frame = plans.lazy().with_columns(
        monthly_amount(pl.col("reporting_amount_minor"), pl.col("frequency")).alias("monthly_minor"),
        since.alias("days_since_gift"),
        ((pl.col("status") == "active") & (since > period + grace_days)).alias("overdue"),
    )
    return Query.frame_of(frame)


@dataclass(frozen=True)
class RecurringRevenue:
    """Monthly recurring revenue (MRR) and the plans behind it.

    MRR = Σ over active plans of the amount per month (monthly ×1,
    quarterly ÷3, annual ÷12), in the reporting currency. Failed plans'
    monthly amount is revenue at risk; annualised = 12 × MRR.
    """

    mrr_minor: float
    annualised_minor: float
    at_risk_minor: float
    active: int
    failed: int
    cancelled: int
    overdue: int
    average_monthly_gift: Figure


def recurring_revenue(plans: FrameLike, *, as_of: date, grace_days: int = 7) -> Query[RecurringRevenue]:
    """MRR and counts of active, failed, cancelled and overdue plans.

    Formula: see `RecurringRevenue`. Source: the subscription-revenue
    convention (normalise every plan to a month); benchmarks for nonprofits
    are not standard, so none is shown.

    Example: active monthly 2,000 and annual 12,000, failed monthly 3,000,
    cancelled quarterly 9,000 → MRR 3,000, at risk 3,000, average monthly
    gift 1,500, annualised 36,000.
    """
    health = plan_health(plans, as_of=as_of, grace_days=grace_days).frame
    active = pl.col("status") == "active"
    frame = health.select(
        pl.col("monthly_minor").filter(active).sum().cast(pl.Float64).alias("mrr"),
        pl.col("monthly_minor").filter(pl.col("status") == "failed").sum().cast(pl.Float64).alias("risk"),
        active.sum().cast(pl.Int64).alias("active"),
        (pl.col("status") == "failed").sum().cast(pl.Int64).alias("failed"),
        (pl.col("status") == "cancelled").sum().cast(pl.Int64).alias("cancelled"),
        pl.col("overdue").sum().cast(pl.Int64).alias("overdue"),
    )

    def finish(df: pl.DataFrame) -> RecurringRevenue:
        row = df.row(0, named=True)
        mrr = float(row["mrr"] or 0.0)
        return RecurringRevenue(
            mrr_minor=mrr,
            annualised_minor=12 * mrr,
            at_risk_minor=float(row["risk"] or 0.0),
            active=int(row["active"] or 0),
            failed=int(row["failed"] or 0),
            cancelled=int(row["cancelled"] or 0),
            overdue=int(row["overdue"] or 0),
            average_monthly_gift=Figure.ratio(mrr, row["active"] or 0, "minor", "no active plans"),
        )

    return Query(frame, finish)


def mrr_by_month(plans: FrameLike, *, start: date, end: date) -> Query[pl.DataFrame]:
    """MRR at the end of each month from `start` to `end`, from the plans'
    start and end dates: a plan counts in a month when it started on or
    before the month's end and had not been cancelled or failed by then.
    Columns ``month``, ``mrr_minor``, ``active``.

    `plans` needs ``started_on``, ``cancelled_on`` and ``failed_on`` besides
    `PLAN_FRAME_SCHEMA`. A failed plan that later recovered is active with
    no failed_on, so history before the recovery is read as active (the
    table keeps only the latest status).

    Example: plan A monthly 1,000 from 2024-01-10, cancelled 2024-03-05;
    plan B annual 12,000 from 2024-02-01 → Jan 1,000; Feb 2,000; Mar 1,000.
    """
    months = pl.LazyFrame(
        {"month": pl.date_range(start.replace(day=1), end.replace(day=1), "1mo", eager=True)}
    )
    ended = pl.coalesce("cancelled_on", "failed_on")
    frame = (
        months.join(plans.lazy(), how="cross")
        .with_columns(pl.col("month").dt.month_end().alias("_end"))
        .filter((pl.col("started_on") <= pl.col("_end")) & (ended.is_null() | (ended > pl.col("_end"))))
        .group_by("month")
        .agg(
            monthly_amount(pl.col("reporting_amount_minor"), pl.col("frequency")).sum().alias("mrr_minor"),
            pl.len().cast(pl.Int64).alias("active"),
        )
    )
    return Query.frame_of(
        months.join(frame, on="month", how="left")
        .with_columns(pl.col("mrr_minor").fill_null(0.0).cast(pl.Float64), pl.col("active").fill_null(0))
        .sort("month")
    )


# --- statements and expenses -------------------------------------------------------


def statement_period(year: int, *, tax_year_start_month: int = 1) -> tuple[date, date]:
    """First and last day of a statement year (a tax year, by default the
    calendar year; a fiscal-year start gives the fiscal year named by the
    year it ends in, as `metrics.periods` does)."""
    start = fiscal_year_start(year, tax_year_start_month)
    return start, add_months(start, 12) - timedelta(days=1)


def statement_totals(gift_rows: FrameLike, *, start: date, end: date) -> Query[pl.DataFrame]:
    """A donor's year-end totals per currency, as a receipt states them:
    ``currency``, ``gifts``, ``given_minor``, ``refunded_minor``,
    ``net_minor`` (in the gift's own currency) and ``net_reporting_minor``.

    `gift_rows` are `db.donations.GIFT_SCHEMA` rows (amounts in the gift's
    currency). Fully refunded gifts are listed and count as 0.

    Example: 100 EUR, 50 EUR of which 20 refunded, 30 USD → EUR: 2 gifts,
    given 150, refunded 20, net 130; USD: 1 gift, net 30.
    """
    frame = (
        gift_rows.lazy()
        .filter(pl.col("received_on").is_between(start, end))
        .group_by("currency")
        .agg(
            pl.len().cast(pl.Int64).alias("gifts"),
            pl.col("amount_minor").sum().cast(pl.Int64).alias("given_minor"),
            pl.col("refunded_minor").sum().cast(pl.Int64).alias("refunded_minor"),
            (pl.col("amount_minor") - pl.col("refunded_minor")).sum().cast(pl.Int64).alias("net_minor"),
            pl.col("net_reporting_minor").sum().cast(pl.Int64).alias("net_reporting_minor"),
        )
        .sort("currency")
    )
    return Query.frame_of(frame)


def _donors_in_period(gift_rows: FrameLike, *, start: date, end: date) -> pl.LazyFrame:
    return (
        gift_rows.lazy()
        .filter(pl.col("received_on").is_between(start, end))
        .group_by("donor_id")
        .agg(
            pl.len().cast(pl.Int64).alias("gifts"),
            pl.col("net_reporting_minor").sum().cast(pl.Int64).alias("net_reporting_minor"),
            # In each gift's own currency: zero only when every gift came back.
            (pl.col("amount_minor") - pl.col("refunded_minor")).sum().alias("_left"),
        )
    )


def statement_donors(gift_rows: FrameLike, *, start: date, end: date) -> Query[pl.DataFrame]:
    """Every donor who gave in the statement period and kept something
    after refunds, for the batch of year-end statements: ``donor_id``,
    ``gifts``, ``net_reporting_minor``; largest first. A donor whose every
    gift of the period was refunded in full gets no statement (it would
    state 0): `donors_refunded_in_full` counts them.

    Example: A 2 gifts net 130, B 1 gift net 30, C 1 gift of 20 refunded →
    rows A then B."""
    frame = (
        _donors_in_period(gift_rows, start=start, end=end)
        .filter(pl.col("_left") > 0)
        .drop("_left")
        .sort(["net_reporting_minor", "donor_id"], descending=[True, False])
    )
    return Query.frame_of(frame)


def donors_refunded_in_full(gift_rows: FrameLike, *, start: date, end: date) -> Query[pl.DataFrame]:
    """Donors with gifts in the statement period that were all refunded in
    full (``donor_id``, ``gifts``): they get no statement.

    Example: C 1 gift of 20 refunded 20 → C; A 50 refunded 20 → not listed."""
    frame = (
        _donors_in_period(gift_rows, start=start, end=end)
        .filter(pl.col("_left") <= 0)
        .select("donor_id", "gifts")
        .sort("donor_id")
    )
    return Query.frame_of(frame)


def expenses_by_month_and_category(expenses: FrameLike, *, start: date, end: date) -> Query[pl.DataFrame]:
    """Expenses per month and category (program, admin, fundraising):
    ``month``, ``category``, ``amount_minor``, and each month's
    ``share`` of the category in that month's total; every month and
    category present (0 where nothing was spent).

    Formula: share = category total / month total (the functional split of
    Form 990's Part IX, by month). Example: March program 800, admin 200 →
    program 0.8, admin 0.2, fundraising 0.
    """
    months = pl.LazyFrame(
        {"month": pl.date_range(start.replace(day=1), end.replace(day=1), "1mo", eager=True)}
    )
    grid = months.join(pl.LazyFrame({"category": ["program", "admin", "fundraising"]}), how="cross")
    spent = (
        expenses.lazy()
        .filter(pl.col("spent_on").is_between(start, end))
        .group_by(pl.col("spent_on").dt.month_start().alias("month"), pl.col("category").cast(pl.String))
        .agg(pl.col("reporting_amount_minor").sum().cast(pl.Int64).alias("amount_minor"))
    )
    frame = (
        grid.join(spent, on=["month", "category"], how="left")
        .with_columns(pl.col("amount_minor").fill_null(0))
        .with_columns(
            (pl.col("amount_minor") / pl.col("amount_minor").sum().over("month"))
            .fill_nan(None)
            .alias("share")
        )
        .sort("month", "category")
    )
    return Query.frame_of(frame)


def expense_shares(expenses: FrameLike, *, start: date, end: date) -> Query[dict[str, Figure]]:
    """Share of each category in all expenses of the period; the admin
    share is Tuckman–Chang's administrative cost ratio.

    Example: program 7,000, admin 2,000, fundraising 1,000 → 0.7, 0.2, 0.1."""
    totals = (
        expenses.lazy()
        .filter(pl.col("spent_on").is_between(start, end))
        .group_by(pl.col("category").cast(pl.String))
        .agg(pl.col("reporting_amount_minor").sum().cast(pl.Float64).alias("a"))
    )

    def finish(df: pl.DataFrame) -> dict[str, Figure]:
        by = dict(zip(df["category"].to_list(), df["a"].to_list(), strict=True))
        total = sum(by.values())
        return {
            c: Figure.ratio(by.get(c, 0.0), total, "ratio", "no expenses in the period")
            for c in ("program", "admin", "fundraising")
        }

    return Query(totals, finish)
