"""Money: donors whose giving follows the Fundraising Effectiveness Project's
retention pattern (about 45% overall, 20% of new donors, 65% of repeat
donors), recurring plans, several currencies with daily exchange rates,
processor fees and references, a few refunds, campaigns with goals,
expenses by category and month-end balances with a plausible runway."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

import numpy as np
import polars as pl

from db.seed import names
from db.seed._util import (
    DAY,
    FloatArray,
    IntArray,
    codes,
    date_series,
    day_number,
    draw_in_ranges,
    end_instant,
    instant_series,
    labels,
    month_index,
    month_start,
    nice_amounts,
    optional_ids,
    rank_within,
    repeat_index,
    seasonal_days,
    text_where,
    uuids,
    years_of,
)
from db.seed.world import Chapters, Context, Members

# December carries the year-end appeal; summer is quiet.
GIVING_SEASON = np.array([0.7, 0.6, 0.9, 0.9, 0.85, 0.6, 0.5, 0.5, 0.8, 0.95, 1.3, 3.0])

DONOR_KINDS = ("individual", "organisation", "foundation", "business", "government")
_KIND_P = np.array([0.92, 0.01, 0.03, 0.03, 0.01])
# Median gift in USD by donor kind, and its spread.
_MEDIAN = np.array([60.0, 1500.0, 12_000.0, 3_000.0, 20_000.0])
_SPREAD = np.array([1.0, 0.8, 0.8, 1.0, 0.7])
# The source of a gift from each donor kind (cash at an event is "event").
_SOURCE = ("individual", "other", "foundation", "business", "government", "event")
METHODS = ("card", "bank_transfer", "cash", "cheque", "paypal", "stripe", "direct_debit", "other")
PROCESSORS = ("", "stripe", "paypal", "import", "manual")

# Chance of giving again next year (FEP-like): after a first year, after a
# repeat year, and after one or more years without a gift.
_P_NEW = {"recurring": 0.6, "one_off": 0.155, "organisation": 0.45}
_P_REPEAT = {"recurring": 0.88, "one_off": 0.62, "organisation": 0.75}
_P_BACK = (0.12, 0.05)


@dataclass
class Rates:
    currencies: list[str]
    first_day: int
    table: np.ndarray  # [currency, day - first_day] -> USD per unit, rounded as stored

    def rate(self, currency: IntArray, day: IntArray) -> FloatArray:
        return np.asarray(self.table[currency, np.clip(day - self.first_day, 0, self.table.shape[1] - 1)])

    def frame(self) -> pl.DataFrame:
        parts = []
        days = np.arange(self.first_day, self.first_day + self.table.shape[1])
        for i, cur in enumerate(self.currencies):
            if cur == "USD":
                continue
            parts.append(
                pl.DataFrame(
                    [
                        pl.Series("currency", [cur] * len(days), dtype=pl.String),
                        date_series("valid_on", days),
                        pl.Series("rate", self.table[i], dtype=pl.Float64),
                    ]
                )
            )
        if not parts:
            return pl.DataFrame(schema={"currency": pl.String, "valid_on": pl.Date, "rate": pl.Float64})
        return pl.concat(parts)


def build_rates(ctx: Context, chapters: Chapters) -> Rates:
    rng = ctx.rng("rates")
    currencies = sorted(set(chapters.currency) | {"USD"})
    first = ctx.start - 31
    n_days = ctx.end - first + 1
    table = np.ones((len(currencies), n_days))
    for i, cur in enumerate(currencies):
        if cur == "USD":
            continue
        shocks = rng.normal(0, 0.004, n_days)
        x = np.zeros(n_days)
        for t in range(1, n_days):
            x[t] = 0.997 * x[t - 1] + shocks[t]
        table[i] = np.round(names.BASE_RATES[cur] * np.exp(x), 10)
    return Rates(currencies=currencies, first_day=first, table=table)


def to_reporting(amount_minor: IntArray, rate: FloatArray) -> IntArray:
    """amount × rate in whole minor units, rounded as PostgreSQL rounds the
    exact decimal product (halves away from zero), at least 1.

    Rates carry ten decimals. Floats round almost every product right; the
    few that land within a hair of a half are worked out exactly."""
    product = amount_minor * rate
    out = np.floor(product + 0.5)
    near_half = np.flatnonzero(np.abs(product - np.floor(product) - 0.5) < 1e-6 * np.maximum(product, 1.0))
    for i in near_half:
        exact = Fraction(int(amount_minor[i])) * Fraction(Decimal(repr(float(rate[i]))))
        whole = exact.numerator // exact.denominator
        out[i] = whole + (1 if exact - whole >= Fraction(1, 2) else 0)
    return np.maximum(out, 1).astype(np.int64)


@dataclass
class Campaigns:
    frame: pl.DataFrame
    starts: IntArray
    ends: IntArray
    national: IntArray  # chapter index of the national chapter, -1 movement-wide
    priority: IntArray  # lower wins when windows overlap
    take: FloatArray  # share of gifts in the window credited to it
    currency: list[str]


def _first_tuesday_of_december(year: int) -> int:
    d = day_number(date(year, 12, 1))
    return d + (1 - ((d + 3) % 7)) % 7


# name, first day, last day, national chapter index (-1 movement-wide),
# priority, take, currency: the fields of `Campaigns`, one campaign.
_CampaignRow = tuple[str, int, int, int, int, float, str]


def _campaign(
    name: str,
    year: int,
    first: tuple[int, int],
    last: tuple[int, int],
    national: int,
    priority: int,
    take: float,
    currency: str = "USD",
) -> _CampaignRow:
    """A campaign from the (month, day) `first` to `last` of `year`."""
    starts, ends = day_number(date(year, *first)), day_number(date(year, *last))
    return name, starts, ends, national, priority, take, currency


def build_campaigns(ctx: Context, chapters: Chapters) -> Campaigns:
    rng = ctx.rng("campaigns")
    y0, y1 = years_of(np.array([ctx.start, ctx.end]))
    rows: list[_CampaignRow] = []
    for year in range(int(y0), int(y1) + 1):
        gd = _first_tuesday_of_december(year)
        rows.append((f"Giving Day {year}", gd, gd, -1, 0, 0.9, "USD"))
        rows.append(_campaign(f"Spring Appeal {year}", year, (3, 1), (5, 31), -1, 2, 0.6))
        rows.append(_campaign(f"Year-End Appeal {year}", year, (11, 1), (12, 31), -1, 2, 0.7))
        for c in np.flatnonzero(chapters.level == 3):
            if (year + int(c)) % 2 or chapters.founded[c] > day_number(date(year, 6, 1)):
                continue
            name = f"{chapters.name[c]} Schools Fund {year}"
            rows.append(_campaign(name, year, (9, 1), (10, 31), int(c), 1, 0.7, chapters.currency[c]))
    # Only campaigns that have started by the end date exist.
    rows = [r for r in rows if r[1] < ctx.end]
    n = len(rows)
    starts = np.array([r[1] for r in rows], dtype=np.int64)
    created = starts * DAY - rng.integers(20, 60, n) * DAY + 10 * 3600
    frame = pl.DataFrame(
        [
            pl.Series("id", np.arange(1, n + 1), dtype=pl.Int64),
            pl.Series("name", [r[0] for r in rows], dtype=pl.String),
            pl.Series("currency", [r[6] for r in rows], dtype=pl.String),
            date_series("starts_on", starts),
            date_series("ends_on", np.array([r[2] for r in rows], dtype=np.int64)),
            optional_ids("chapter_id", np.array([r[3] for r in rows], dtype=np.int64) + 1),
            instant_series("created_at", created),
        ]
    )
    return Campaigns(
        frame=frame,
        starts=starts,
        ends=np.array([r[2] for r in rows], dtype=np.int64),
        national=np.array([r[3] for r in rows], dtype=np.int64),
        priority=np.array([r[4] for r in rows], dtype=np.int64),
        take=np.array([r[5] for r in rows], dtype=np.float64),
        currency=[r[6] for r in rows],
    )


@dataclass
class Giving:
    donors: pl.DataFrame
    donations: pl.DataFrame
    plans: pl.DataFrame
    refunds: pl.DataFrame
    campaigns: pl.DataFrame
    net_by_month: dict[int, int]  # month index -> net reporting revenue


def _national_of(chapters: Chapters) -> IntArray:
    out = np.full(chapters.n, -1, dtype=np.int64)
    for c in range(chapters.n):
        p = c
        while p >= 0 and chapters.level[p] != 3:
            p = int(chapters.parent[p])
        out[c] = p
    return out


def build_giving(
    ctx: Context, chapters: Chapters, members: Members, rates: Rates, campaigns: Campaigns
) -> Giving:
    rng = ctx.rng("donors")
    start, end = ctx.start, ctx.end
    end_ts = end_instant(end)
    n = ctx.scale.donors
    kind = rng.choice(len(DONOR_KINDS), size=n, p=_KIND_P)
    person = kind == 0

    # First gift: a steady, slowly rising number of new donors each year
    # once the first chapters are up. (Acquisition growing as fast as the
    # membership would make most donors new every year, and overall
    # retention would sink towards the new-donor rate.)
    y_first, y_last = int(years_of(np.array([start]))[0]), int(years_of(np.array([end - 1]))[0])
    years = np.arange(y_first, y_last + 1)
    year_lo = np.array([day_number(date(int(y), 1, 1)) for y in years])
    year_hi = np.minimum(np.array([day_number(date(int(y), 12, 31)) for y in years]), end - 1)
    elapsed = (year_hi - year_lo + 1) / np.array([366 if y % 4 == 0 else 365 for y in years])
    # The founders brought their own networks: the first years recruit the
    # most, and those donors are the repeat base that retention rests on.
    ramp = 1.0 + 0.9 * 0.55 ** np.arange(len(years))
    year_w = ramp * elapsed
    fy_i = rng.choice(len(years), size=n, p=year_w / year_w.sum())
    first = seasonal_days(rng, year_lo[fy_i], year_hi[fy_i], GIVING_SEASON)

    # Chapter: individuals give where members are; organisations fund the
    # regional, national and international chapters. Either way a chapter
    # that existed on the day of the first gift.
    counts = np.bincount(members.chapter, minlength=chapters.n).astype(np.float64) + 1
    w_person = counts * np.where(chapters.level == 1, 1.0, 0.5)
    w_org = np.where(chapters.level >= 2, counts + 50, 0.05 * counts)
    by_founding = np.argsort(chapters.founded, kind="stable")
    open_count = np.searchsorted(chapters.founded[by_founding], first, side="right")
    open_count = np.maximum(open_count, 1)
    first = np.maximum(first, chapters.founded[by_founding][0])
    pick_p = draw_in_ranges(rng, np.cumsum(w_person[by_founding]), np.zeros(n, dtype=np.int64), open_count)
    pick_o = draw_in_ranges(rng, np.cumsum(w_org[by_founding]), np.zeros(n, dtype=np.int64), open_count)
    chapter = by_founding[np.where(person, pick_p, pick_o)].astype(np.int64)

    # Some members give too; they share the member's name and email.
    member_donor = person & (rng.random(n) < 0.06)
    m_lo, m_hi = members.chapter_first[chapter], members.chapter_first[chapter + 1]
    pick = m_lo + (rng.random(n) * np.maximum(m_hi - m_lo, 0)).astype(np.int64)
    member_donor &= m_hi > m_lo
    member_of = np.where(member_donor, pick, -1)
    first = np.where(member_donor, np.maximum(first, members.joined[np.maximum(member_of, 0)]), first)
    first = np.minimum(first, end - 1)
    fy = years_of(first)

    recurring = person & (rng.random(n) < 0.1)
    group = np.where(recurring, 0, np.where(person, 1, 2))
    p_new = np.array([_P_NEW["recurring"], _P_NEW["one_off"], _P_NEW["organisation"]])[group]
    p_rep = np.array([_P_REPEAT["recurring"], _P_REPEAT["one_off"], _P_REPEAT["organisation"]])[group]

    gave = np.zeros((n, len(years)), dtype=bool)
    gave[np.arange(n), fy - y_first] = True
    since = np.full(n, -1)  # years since the last gift
    for yi in range(1, len(years)):
        prev = gave[:, yi - 1]
        was_first = prev & (fy == years[yi - 1])
        after_first = years[yi] > fy
        gap = np.where(prev, 0, since + 1)
        p = np.where(prev, np.where(was_first, p_new, p_rep), np.where(gap <= 1, _P_BACK[0], _P_BACK[1]))
        give = after_first & (rng.random(n) < p)
        gave[:, yi] |= give
        since = np.where(gave[:, yi], 0, np.where(years[yi] >= fy, gap, -1))

    # A recurring plan runs from the first gift until the first year
    # without a gift; afterwards a returning donor gives one-off gifts.
    year_idx = np.arange(len(years))[None, :]
    fy_i = (fy - y_first)[:, None]
    missing_after = (~gave) & (year_idx > fy_i)
    first_gap = np.where(missing_after.any(axis=1), missing_after.argmax(axis=1), len(years))
    plan_year = recurring[:, None] & (year_idx >= fy_i) & (year_idx < first_gap[:, None])
    plan_last_year = np.where(recurring, first_gap - 1, -1)
    plan_stops = recurring & (first_gap < len(years))

    donor_i, year_i = np.nonzero(gave)
    is_plan = plan_year[donor_i, year_i]
    year_val = years[year_i]
    year_start = np.array([day_number(date(int(y), 1, 1)) for y in years])[year_i]
    is_first_year = year_val == fy[donor_i]
    month_from = np.where(is_first_year, _month_of(first[donor_i]), 1)
    stop_here = is_plan & plan_stops[donor_i] & (year_i == plan_last_year[donor_i])
    month_to = np.where(stop_here, rng.integers(1, 13, len(donor_i)), 12)
    month_to = np.maximum(month_to, month_from)
    one_off_n = np.where(
        kind[donor_i] == 0, 1 + rng.poisson(0.3, len(donor_i)), 1 + rng.poisson(0.15, len(donor_i))
    )
    gifts = np.where(is_plan, month_to - month_from + 1, one_off_n)

    dy = repeat_index(gifts)  # donor-year of each gift
    k = rank_within(dy)
    d_idx = donor_i[dy]
    plan_gift = is_plan[dy]
    dom = rng.integers(1, 29, n)
    # Recurring gifts: monthly on the donor's day; one-offs: the first
    # year's first gift on the first day, the rest spread over the year.
    m_of = month_from[dy] + k
    month_first = _month_starts(year_val[dy], m_of)
    rec_days = month_first + dom[d_idx] - 1
    y_lo = np.where(is_first_year[dy], first[d_idx], year_start[dy])
    y_hi = np.array([day_number(date(int(y), 12, 31)) for y in years])[year_i][dy]
    spread = seasonal_days(rng, y_lo, y_hi, GIVING_SEASON)
    one_day = np.where(is_first_year[dy] & (k == 0), first[d_idx], spread)
    day = np.where(plan_gift, rec_days, one_day)
    day = np.where(is_first_year[dy] & (k == 0), first[d_idx], day)
    day = np.maximum(day, first[d_idx])
    keep = day < end
    dy, k, d_idx, plan_gift, day = dy[keep], k[keep], d_idx[keep], plan_gift[keep], day[keep]

    # Amounts: a donor's usual gift, moving up or down from year to year.
    base_usd = np.where(
        recurring, rng.lognormal(np.log(20), 0.6, n), rng.lognormal(np.log(_MEDIAN[kind]), _SPREAD[kind])
    )
    base_usd = np.clip(base_usd, 5, 400_000)
    year_mult = rng.lognormal(0, 0.35, len(donor_i))
    usd = base_usd[d_idx] * np.where(plan_gift, 1.0, year_mult[dy] * rng.lognormal(0, 0.15, len(dy)))
    usd = np.where(plan_gift, base_usd[d_idx] * year_mult[dy] ** 0.3, usd)
    cur_index = {c: i for i, c in enumerate(rates.currencies)}
    donor_cur = np.array([cur_index[chapters.currency[c]] for c in chapter], dtype=np.int64)
    cur = donor_cur[d_idx]
    base_rate = np.array([names.BASE_RATES[c] for c in rates.currencies])[cur]
    local = nice_amounts(np.maximum(usd / base_rate, 5 / base_rate))
    amount_minor = np.clip(np.round(local * 100), 100, 99_999_999_999).astype(np.int64)
    reporting = to_reporting(amount_minor, rates.rate(cur, day))

    m = len(day)
    u = rng.random(m)
    org = kind[d_idx] != 0
    rec_method = np.where(u < 0.45, 0, np.where(u < 0.75, 6, 4))
    one_method = np.searchsorted(
        np.cumsum([0.35, 0.12, 0.10, 0.08, 0.15, 0.15, 0.0, 0.05]), u * 1.0, side="right"
    )
    one_method = np.minimum(one_method, 7)
    org_method = np.where(u < 0.8, 1, 3)
    # A donor keeps paying the same way for a plan.
    plan_u = rng.random(n)[d_idx]
    rec_method = np.where(plan_u < 0.45, 0, np.where(plan_u < 0.75, 6, 4))
    method_i = np.where(org, org_method, np.where(plan_gift, rec_method, one_method))
    processor = np.select(
        [np.isin(method_i, [0, 5]), method_i == 4, method_i == 6, np.isin(method_i, [1, 3])],
        [1, 2, 3, 4],
        default=0,
    ).astype(np.int64)
    fee = np.select(
        [processor == 1, processor == 2, processor == 3],
        [
            np.round(amount_minor * 0.029 + 30),
            np.round(amount_minor * 0.0349 + 49),
            np.round(amount_minor * 0.01 + 20),
        ],
        default=0,
    ).astype(np.int64)
    fee = np.minimum(fee, amount_minor)
    source = np.where(method_i == 2, _SOURCE.index("event"), kind[d_idx])

    # Campaigns credited: the national chapter's own first, then Giving Day,
    # then the movement's appeals.
    nat = _national_of(chapters)[chapter[d_idx]]
    campaign = np.zeros(m, dtype=np.int64)
    order = np.argsort(campaigns.priority, kind="stable")
    cu = rng.random(m)
    for ci in order:
        inside = (campaign == 0) & (day >= campaigns.starts[ci]) & (day <= campaigns.ends[ci])
        if campaigns.national[ci] >= 0:
            inside &= nat == campaigns.national[ci]
        inside &= cu < campaigns.take[ci]
        campaign[inside] = ci + 1

    # Sort gifts by day so that ids follow time, as a real ledger's do.
    o = np.lexsort((d_idx, day))
    day, d_idx, plan_gift, amount_minor, cur = day[o], d_idx[o], plan_gift[o], amount_minor[o], cur[o]
    reporting, method_i, processor, fee, source, campaign = (
        reporting[o],
        method_i[o],
        processor[o],
        fee[o],
        source[o],
        campaign[o],
    )
    ids = np.arange(1, m + 1)

    # A few refunds: duplicates charged twice, a change of heart.
    r = rng.random(m)
    online = np.isin(processor, [1, 2])
    full = online & (r < 0.005)
    partial = online & (r >= 0.005) & (r < 0.007)
    refunded = np.where(full, amount_minor, np.where(partial, amount_minor // 2, 0)).astype(np.int64)
    refunded_on = np.minimum(day + rng.integers(1, 40, m), end - 1)
    refund_rows = np.flatnonzero((refunded > 0) & (refunded_on > day))
    refunded = np.where(np.isin(np.arange(m), refund_rows), refunded, 0)

    proc_ref = _processor_refs(processor, ids)
    created = day * DAY + rng.integers(8 * 3600, 22 * 3600, m)
    created = np.minimum(created, end_ts - 60)

    # Recurring plans: one per recurring donor.
    plan_donors = np.flatnonzero(recurring & gave.any(axis=1))
    plan_of_donor = np.zeros(n, dtype=np.int64)
    plan_of_donor[plan_donors] = np.arange(1, len(plan_donors) + 1)
    plan_id = np.where(plan_gift, plan_of_donor[d_idx], 0)
    plans = _plans_frame(rng, plan_donors, plan_id, day, amount_minor, reporting, method_i, cur, rates, end)

    donations = pl.DataFrame(
        [
            pl.Series("id", ids, dtype=pl.Int64),
            pl.Series("donor_id", d_idx + 1, dtype=pl.Int64),
            optional_ids("campaign_id", campaign),
            pl.Series("chapter_id", chapter[d_idx] + 1, dtype=pl.Int64),
            date_series("received_on", day),
            pl.Series("amount_minor", amount_minor, dtype=pl.Int64),
            labels("currency", rates.currencies, cur),
            pl.Series("reporting_amount_minor", reporting, dtype=pl.Int64),
            pl.Series("fee_minor", fee, dtype=pl.Int64),
            pl.Series("refunded_minor", refunded, dtype=pl.Int64),
            labels("method", METHODS, method_i),
            labels("source", _SOURCE, source),
            pl.Series("is_recurring", plan_gift),
            text_where("processor", processor > 0, labels("processor", PROCESSORS, processor)),
            proc_ref,
            uuids(rng, m).alias("idempotency_key"),
            optional_ids("recurring_plan_id", plan_id),
            instant_series("created_at", created),
        ]
    )

    refunds = pl.DataFrame(
        [
            pl.Series("donation_id", ids[refund_rows], dtype=pl.Int64),
            date_series("refunded_on", refunded_on[refund_rows]),
            pl.Series("amount_minor", refunded[refund_rows], dtype=pl.Int64),
            pl.Series("fee_returned_minor", np.zeros(len(refund_rows), dtype=np.int64), dtype=pl.Int64),
            labels("processor", PROCESSORS, processor[refund_rows]),
            ("re_" + codes(ids[refund_rows] + 7_000_000)).alias("processor_ref"),
            pl.Series(
                "note",
                np.where(
                    refunded[refund_rows] == amount_minor[refund_rows],
                    "Charged twice by mistake",
                    "Donor asked for part of the gift back",
                ),
                dtype=pl.String,
            ),
            instant_series("created_at", refunded_on[refund_rows] * DAY + 11 * 3600),
        ]
    ).with_columns(id=pl.int_range(1, pl.len() + 1, dtype=pl.Int64))

    donors = _donors_frame(rng, n, kind, chapter, first, member_of, members)

    # Campaign goals: what a realistic target would have been.
    camp_goal = _campaign_goals(rng, campaigns, campaign, reporting, rates, end)
    campaign_frame = campaigns.frame.with_columns(goal_minor=pl.Series(camp_goal, dtype=pl.Int64))

    net = reporting - np.round(fee * reporting / np.maximum(amount_minor, 1)).astype(np.int64)
    net = net - np.round(refunded * reporting / np.maximum(amount_minor, 1)).astype(np.int64)
    months = month_index(day)
    uniq, inv = np.unique(months, return_inverse=True)
    sums = np.bincount(inv, weights=net)
    by_month = {int(u_): int(s) for u_, s in zip(uniq, sums, strict=True)}
    return Giving(
        donors=donors,
        donations=donations,
        plans=plans,
        refunds=refunds,
        campaigns=campaign_frame,
        net_by_month=by_month,
    )


def _month_of(days: IntArray) -> IntArray:
    m = np.asarray(days).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return (m % 12 + 1).astype(np.int64)


def _month_starts(year: IntArray, month: IntArray) -> IntArray:
    idx = (np.asarray(year, dtype=np.int64) - 1970) * 12 + np.asarray(month, dtype=np.int64) - 1
    return month_start(idx)


def _processor_refs(processor: IntArray, ids: IntArray) -> pl.Series:
    code = codes(ids)
    proc = pl.Series(processor)
    idtxt = pl.Series(ids).cast(pl.String).str.zfill(8)
    out = pl.select(
        pl.when(proc == 1)
        .then("ch_3" + code + idtxt)
        .when(proc == 2)
        .then("PAYID-" + code)
        .when(proc == 3)
        .then("DD-" + idtxt)
        .when(proc == 4)
        .then("BANK-" + idtxt)
        .otherwise(None)
    ).to_series()
    return out.alias("processor_ref")


def _plans_frame(
    rng: np.random.Generator,
    plan_donors: IntArray,
    plan_id: IntArray,
    day: IntArray,
    amount: IntArray,
    reporting: IntArray,
    method: IntArray,
    cur: IntArray,
    rates: Rates,
    end: int,
) -> pl.DataFrame:
    k = len(plan_donors)
    if k == 0:
        return pl.DataFrame()
    sel = np.flatnonzero(plan_id > 0)
    pid = plan_id[sel]
    o = np.lexsort((day[sel], pid))
    sel, pid = sel[o], pid[o]
    first_pos = np.searchsorted(pid, np.arange(1, k + 1), side="left")
    last_pos = np.searchsorted(pid, np.arange(1, k + 1), side="right") - 1
    has = last_pos >= first_pos
    f = sel[np.clip(first_pos, 0, len(sel) - 1)]
    la = sel[np.clip(last_pos, 0, len(sel) - 1)]
    started = np.where(has, day[f], end - 1)
    last_gift = np.where(has, day[la], end - 1)
    active = last_gift >= end - 45
    failed = ~active & (rng.random(k) < 0.2)
    stop_day = np.minimum(last_gift + rng.integers(5, 30, k), end - 1)
    status = np.where(active, "active", np.where(failed, "failed", "cancelled"))
    card, paypal = METHODS.index("card"), METHODS.index("paypal")
    proc = np.select([method[f] == card, method[f] == paypal], ["stripe", "paypal"], default="import")
    ref_code = codes(np.arange(1, k + 1) + 9_000_000)
    ref = pl.select(
        pl.when(pl.Series(proc) == "stripe")
        .then("sub_" + ref_code)
        .when(pl.Series(proc) == "paypal")
        .then("I-" + ref_code)
        .otherwise("MANDATE-" + ref_code)
    ).to_series()
    return pl.DataFrame(
        [
            pl.Series("id", np.arange(1, k + 1), dtype=pl.Int64),
            pl.Series("donor_id", plan_donors + 1, dtype=pl.Int64),
            pl.Series("amount_minor", amount[f], dtype=pl.Int64),
            pl.Series("currency", np.array(rates.currencies)[cur[f]], dtype=pl.String),
            pl.Series("reporting_amount_minor", reporting[f], dtype=pl.Int64),
            pl.Series("frequency", ["monthly"] * k, dtype=pl.String),
            labels("method", METHODS, method[f]),
            pl.Series("status", status, dtype=pl.String),
            date_series("started_on", started),
            date_series("failed_on", stop_day, failed),
            date_series("cancelled_on", stop_day, status == "cancelled"),
            text_where("status_note", failed, "Card declined twice"),
            pl.Series("processor", proc, dtype=pl.String),
            ref.alias("processor_ref"),
            instant_series("created_at", started * DAY + 9 * 3600),
            instant_series("updated_at", np.where(active, started, stop_day) * DAY + 9 * 3600),
        ]
    )


def _donors_frame(
    rng: np.random.Generator,
    n: int,
    kind: IntArray,
    chapter: IntArray,
    first: IntArray,
    member_of: IntArray,
    members: Members,
) -> pl.DataFrame:
    from db.seed.world import member_names

    fn = rng.integers(0, len(names.FIRST_NAMES), n)
    ln = rng.integers(0, len(names.LAST_NAMES), n)
    word = rng.integers(0, len(names.ORGANISATION_WORDS), n)
    suffix_f = rng.integers(0, len(names.FOUNDATION_SUFFIXES), n)
    suffix_b = rng.integers(0, len(names.BUSINESS_SUFFIXES), n)
    gov = rng.integers(0, len(names.GOVERNMENT_NAMES), n)
    first_s = pl.Series(names.FIRST_NAMES).gather(fn)
    last_s = pl.Series(names.LAST_NAMES).gather(ln)
    word_s = pl.Series(names.ORGANISATION_WORDS).gather(word)
    kind_s = pl.Series(DONOR_KINDS).gather(kind)
    frame = pl.DataFrame({"first": first_s, "last": last_s, "word": word_s, "kind": kind_s}).with_columns(
        display_name=pl.when(pl.col("kind") == "individual")
        .then(pl.concat_str("first", pl.lit(" "), "last"))
        .when(pl.col("kind") == "foundation")
        .then(pl.concat_str("word", pl.lit(" "), pl.Series(names.FOUNDATION_SUFFIXES).gather(suffix_f)))
        .when(pl.col("kind") == "business")
        .then(pl.concat_str("word", pl.lit(" "), pl.Series(names.BUSINESS_SUFFIXES).gather(suffix_b)))
        .when(pl.col("kind") == "government")
        .then(pl.concat_str("word", pl.lit(" "), pl.Series(names.GOVERNMENT_NAMES).gather(gov)))
        .otherwise(pl.concat_str("word", pl.lit(" Community Association"))),
        email=pl.when(pl.col("kind") == "individual")
        .then(
            pl.concat_str(
                pl.concat_str("first", pl.lit("."), "last")
                .str.normalize("NFKD")
                .str.to_lowercase()
                .str.replace_all(r"[^a-z0-9.]", ""),
                pl.lit(".d"),
                pl.Series(np.arange(1, n + 1)).cast(pl.String),
                pl.lit("@example.net"),
            )
        )
        .otherwise(
            pl.concat_str(pl.lit("giving@"), pl.col("word").str.to_lowercase(), pl.lit(".example.org"))
        ),
    )
    display = frame["display_name"]
    email = frame["email"]
    is_member = member_of >= 0
    if is_member.any():
        mn = member_names(members)
        idx = pl.Series(np.maximum(member_of, 0))
        display = pl.select(
            pl.when(pl.Series(is_member)).then(mn["full_name"].gather(idx)).otherwise(display)
        ).to_series()
        email = pl.select(
            pl.when(pl.Series(is_member)).then(mn["email"].gather(idx)).otherwise(email)
        ).to_series()
    # A tenth of donors never gave an email (cash at events, cheques).
    no_email = (rng.random(n) < 0.1) & ~is_member
    email = pl.select(pl.when(pl.Series(no_email)).then(None).otherwise(email)).to_series()
    created = first * DAY + rng.integers(6 * 3600, 8 * 3600, n)
    return pl.DataFrame(
        [
            pl.Series("id", np.arange(1, n + 1), dtype=pl.Int64),
            display.alias("display_name"),
            email.alias("email"),
            kind_s.alias("kind"),
            pl.Series("chapter_id", chapter + 1, dtype=pl.Int64),
            instant_series("created_at", created),
        ]
    )


def _campaign_goals(
    rng: np.random.Generator,
    campaigns: Campaigns,
    campaign: IntArray,
    reporting: IntArray,
    rates: Rates,
    end: int,
) -> IntArray:
    k = len(campaigns.starts)
    raised = np.bincount(campaign, weights=reporting, minlength=k + 1)[1:]
    cur_index = {c: i for i, c in enumerate(rates.currencies)}
    out = np.zeros(k, dtype=np.int64)
    for i in range(k):
        rate = float(
            rates.rate(np.array([cur_index[campaigns.currency[i]]]), np.array([campaigns.starts[i]]))[0]
        )
        in_cur = raised[i] / rate
        length = campaigns.ends[i] - campaigns.starts[i] + 1
        done = min(max(end - campaigns.starts[i], 1), length)
        projected = in_cur * length / done
        # Most campaigns aim a little above what they raise; some fall short.
        target = projected * rng.uniform(0.85, 1.3) if projected > 0 else 500_000
        out[i] = int(nice_amounts(np.array([max(target / 100, 1000.0)]))[0] * 100)
    return out


def build_expenses(
    ctx: Context, chapters: Chapters, members: Members, rates: Rates, net_by_month: dict[int, int]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Expenses that track revenue (a little under it in the early years,
    above it lately: the board sees the runway shrinking), and month-end
    balances consistent with both."""
    rng = ctx.rng("expenses")
    end = ctx.end
    m0 = int(month_index(np.array([ctx.start]))[0])
    m_last = int(month_index(np.array([end - 1]))[0])
    months = np.arange(m0, m_last + 1)
    revenue = np.array([net_by_month.get(int(m), 0) for m in months], dtype=np.float64)
    trailing = np.array([revenue[max(0, i - 11) : i + 1].mean() for i in range(len(months))])
    t = np.linspace(0, 1, len(months))
    factor = 0.88 + 0.26 * t**2
    # Some costs come before the first gifts: a floor of a few hundred dollars.
    spend = np.maximum(trailing * factor, 40_000) * rng.lognormal(0, 0.06, len(months))

    spenders = np.flatnonzero(chapters.level >= 2)
    counts = np.bincount(members.chapter, minlength=chapters.n).astype(np.float64)
    subtree = np.array([counts[c : chapters.subtree_end[c]].sum() for c in range(chapters.n)])
    rows_month: list[IntArray] = []
    rows_chapter: list[IntArray] = []
    rows_category: list[IntArray] = []
    rows_amount: list[FloatArray] = []
    cat_share = np.array([0.72, 0.16, 0.12])
    for i, m in enumerate(months):
        opening = int(month_start(np.array([m]))[0])
        open_ = spenders[chapters.founded[spenders] <= opening + 27]
        weights = subtree[open_] * np.where(chapters.level[open_] >= 3, 0.5, 1.0)
        units = np.concatenate([[-1], open_])
        w = np.concatenate([[max(weights.sum(), 1.0) * 0.25], weights])
        w = w / w.sum()
        season = cat_share.copy()
        if (m % 12) in (10, 11):
            season = np.array([0.64, 0.15, 0.21])
        for u_i, unit in enumerate(units):
            unit_total = spend[i] * w[u_i]
            if unit_total < 2_000:
                continue
            for cat_i in range(3):
                lines = 1 + int(rng.integers(0, 3 if cat_i == 0 else 2))
                parts = rng.dirichlet(np.ones(lines)) * unit_total * season[cat_i]
                rows_month.append(np.full(lines, m))
                rows_chapter.append(np.full(lines, unit))
                rows_category.append(np.full(lines, cat_i))
                rows_amount.append(parts)
    month = np.concatenate(rows_month)
    chapter = np.concatenate(rows_chapter)
    category = np.concatenate(rows_category)
    reporting_target = np.concatenate(rows_amount)
    n = len(month)
    first_day = month_start(month)
    last_day = np.minimum(month_start(month + 1) - 1, end - 1)
    day = first_day + (rng.random(n) * (last_day - first_day + 1)).astype(np.int64)
    cur_index = {c: i for i, c in enumerate(rates.currencies)}
    cur = np.array([cur_index[chapters.currency[c]] if c >= 0 else cur_index["USD"] for c in chapter])
    rate = rates.rate(cur, day)
    amount = np.maximum(np.round(reporting_target / rate), 100).astype(np.int64)
    reporting = to_reporting(amount, rate)
    cats = np.array(["program", "admin", "fundraising"])[category]
    line = np.empty(n, dtype=object)
    pick = rng.integers(0, 100, n)
    for ci, cat in enumerate(("program", "admin", "fundraising")):
        options = names.EXPENSE_LINES[cat]
        sel = category == ci
        line[sel] = [options[p % len(options)] for p in pick[sel]]
    order = np.lexsort((chapter, day))
    expenses = pl.DataFrame(
        [
            pl.Series("id", np.arange(1, n + 1), dtype=pl.Int64),
            date_series("spent_on", day[order]),
            pl.Series("amount_minor", amount[order], dtype=pl.Int64),
            pl.Series("currency", np.array(rates.currencies)[cur[order]], dtype=pl.String),
            pl.Series("reporting_amount_minor", reporting[order], dtype=pl.Int64),
            pl.Series("category", cats[order], dtype=pl.String),
            pl.Series("description", line[order].tolist(), dtype=pl.String),
            optional_ids("chapter_id", chapter[order] + 1),
            instant_series("created_at", day[order] * DAY + 15 * 3600),
        ]
    )

    # Month-end balances, for every month that is over.
    spent = np.bincount(np.searchsorted(months, month), weights=reporting, minlength=len(months))
    net = revenue - spent
    complete = month_start(months + 1) - 1 < end
    cum = np.cumsum(net)
    recent = spent[complete][-3:].mean() if complete.any() else spent.mean()
    cash0 = 4.0 * recent - cum[complete][-1] if complete.any() else 4.0 * recent
    floor = np.max(1.2 * spent - cum)
    cash0 = max(cash0, floor)
    cash = cash0 + cum
    as_of = (month_start(months + 1) - 1)[complete]
    cash_c = np.round(cash[complete]).astype(np.int64)
    wobble = 0.66 + 0.06 * np.sin(np.arange(len(cash_c)) / 5.0)
    balances = pl.DataFrame(
        [
            date_series("as_of", as_of),
            pl.Series("cash_minor", cash_c, dtype=pl.Int64),
            pl.Series(
                "unrestricted_reserves_minor", np.round(cash_c * wobble).astype(np.int64), dtype=pl.Int64
            ),
            pl.Series("net_assets_minor", np.round(cash_c * 1.15 + 500_000).astype(np.int64), dtype=pl.Int64),
            instant_series("created_at", (as_of + 5) * DAY + 10 * 3600),
        ]
    )
    return expenses, balances
