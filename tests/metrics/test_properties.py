"""Properties that must hold for any data: bounds, identities, agreement
with a plain-Python reference, and indifference to row order and chunking."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics import fundraising as F
from metrics import schemas as S
from metrics import volunteers as V
from metrics.activity import active_ratio, member_activity
from metrics.attendance import attendance_with_events
from metrics.impact import teq_score
from metrics.lapsed import lybunt_donors
from metrics.membership import members_over_time

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DAY0 = date(2021, 1, 1)
END = date(2024, 12, 31)

days = st.integers(min_value=0, max_value=(END - DAY0).days).map(lambda n: DAY0 + timedelta(days=n))

gift_rows = st.lists(
    st.fixed_dictionaries(
        {
            "donor_id": st.integers(1, 12),
            "received_on": days,
            "reporting_amount_minor": st.integers(1, 10_000),
            "refunded_minor": st.just(0) | st.integers(0, 10_000),
            "is_recurring": st.booleans(),
            "source": st.sampled_from(["individual", "foundation", "event"]),
            "campaign_id": st.none(),
            "chapter_id": st.integers(1, 3),
        }
    ),
    max_size=60,
).map(
    lambda rows: [dict(r, refunded_minor=min(r["refunded_minor"], r["reporting_amount_minor"])) for r in rows]
)


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return S.rows(S.DONATIONS, rows)


def _reshuffle(frame: pl.DataFrame, seed: int) -> pl.DataFrame:
    """The same rows, shuffled and stored as several chunks."""
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=seed)
    if shuffled.height < 3:
        return shuffled
    k = shuffled.height // 3
    return pl.concat([shuffled[:k], shuffled[k : 2 * k], shuffled[2 * k :]], rechunk=False)


def _donor_sets(rows: list[dict[str, Any]], year: int) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {}
    for r in rows:
        if r["reporting_amount_minor"] - r["refunded_minor"] > 0:
            out.setdefault(r["received_on"].year, set()).add(r["donor_id"])
    return out


@FAST
@given(gift_rows)
def test_every_retention_lies_in_zero_one_and_matches_a_plain_reference(rows: list[dict[str, Any]]) -> None:
    r = F.donor_retention(_frame(rows), year=2024, as_of=END).collect()
    for fig in (r.overall, r.new, r.repeat):
        assert fig.value is None or 0.0 <= fig.value <= 1.0
    # Dollars are not people: retained donors who give more push it past 1.
    assert r.dollars.value is None or r.dollars.value >= 0.0
    sets = _donor_sets(rows, 2024)
    prev, cur = sets.get(2023, set()), sets.get(2024, set())
    first_year: dict[int, int] = {}
    for y in sorted(sets):
        for d in sets[y]:
            first_year.setdefault(d, y)
    assert r.donors_prev == len(prev)
    assert r.retained == len(prev & cur)
    new_prev = {d for d in prev if first_year[d] == 2023}
    assert r.new_prev == len(new_prev) and r.new_prev_retained == len(new_prev & cur)
    if prev:
        assert r.overall.value == len(prev & cur) / len(prev)
    else:
        assert r.overall.value is None


@FAST
@given(gift_rows)
def test_lybunt_and_retained_donors_make_up_last_year(rows: list[dict[str, Any]]) -> None:
    frame = _frame(rows)
    lybunt = set(lybunt_donors(frame, year=2024, as_of=END).collect()["donor_id"].to_list())
    sets = _donor_sets(rows, 2024)
    prev, cur = sets.get(2023, set()), sets.get(2024, set())
    assert lybunt | (prev & cur) == prev
    assert not lybunt & cur
    y = F.fundraising_year(frame, year=2024, as_of=END).collect()
    assert y.lapsed.lybunt + y.retention.retained == y.retention.donors_prev
    g = y.gains_and_losses
    assert g.gains["upgraded"] + g.losses["downgraded"] + g.same == y.retention.retained


@FAST
@given(gift_rows)
def test_hhi_lies_between_one_over_n_and_one(rows: list[dict[str, Any]]) -> None:
    s = F.gift_summary(_frame(rows), start=DAY0, end=END).collect()
    if s.donors == 0:
        assert s.hhi_donors.value is None
        return
    assert s.hhi_donors.value is not None
    assert 10_000 / s.donors - 1e-6 <= s.hhi_donors.value <= 10_000 + 1e-6
    assert s.top_k_share.value is not None and 0.0 < s.top_k_share.value <= 1.0 + 1e-12
    assert s.recurring_share.value is not None and 0.0 <= s.recurring_share.value <= 1.0


@FAST
@given(gift_rows, st.integers(0, 2**16))
def test_fundraising_ignores_row_order_and_chunks(rows: list[dict[str, Any]], seed: int) -> None:
    frame = _frame(rows)
    other = _reshuffle(frame, seed)
    assert (
        F.fundraising_year(frame, year=2024, as_of=END).collect()
        == F.fundraising_year(other, year=2024, as_of=END).collect()
    )
    a = F.gift_summary(frame, start=DAY0, end=END, top_k=3).collect()
    b = F.gift_summary(other, start=DAY0, end=END, top_k=3).collect()
    assert a.funds_raised_minor == b.funds_raised_minor and a.gifts == b.gifts
    for fa, fb in (
        (a.hhi_donors, b.hhi_donors),
        (a.top_k_share, b.top_k_share),
        (a.average_gift, b.average_gift),
    ):
        assert (fa.value is None) == (fb.value is None)
        if fa.value is not None and fb.value is not None:
            assert abs(fa.value - fb.value) < 1e-9 * max(1.0, abs(fa.value))


@FAST
@given(st.lists(st.integers(0, 4), min_size=16, max_size=16))
def test_teq_lies_between_0_and_64(items: list[int]) -> None:
    frame = pl.DataFrame([{f"q{i + 1:02d}": v for i, v in enumerate(items)}])
    score = frame.select(teq_score())["teq"][0]
    assert 0 <= score <= 64


hour_rows = st.lists(
    st.fixed_dictionaries(
        {
            "member_id": st.integers(1, 15),
            "chapter_id": st.just(1),
            "worked_on": days,
            "minutes": st.integers(1, 600),
            "status": st.sampled_from(["approved", "approved", "pending", "rejected"]),
            "activity": st.just("outreach"),
            "program_id": st.none() | st.integers(1, 2),
            "event_id": st.none(),
        }
    ),
    max_size=80,
)


@FAST
@given(hour_rows, st.integers(0, 2**16))
def test_volunteer_figures_are_bounded_and_ignore_row_order(rows: list[dict[str, Any]], seed: int) -> None:
    raw = S.rows(S.VOLUNTEER_HOURS, rows)
    monthly = S.aggregate_volunteer_hours(raw).collect()
    again = S.aggregate_volunteer_hours(_reshuffle(raw, seed)).collect()
    key = ["member_id", "program_id", "status", "month"]
    assert monthly.sort(key, nulls_last=True).equals(again.sort(key, nulls_last=True))
    ret = V.volunteer_retention(monthly, year=2024, as_of=END).collect()
    assert ret.retention.value is None or 0.0 <= ret.retention.value <= 1.0
    h = V.volunteer_hours(monthly, first_month=date(2024, 1, 1), last_month=date(2024, 12, 1)).collect()
    approved = (
        sum(r["minutes"] for r in rows if r["status"] == "approved" and r["worked_on"].year == 2024) / 60
    )
    assert abs(h.hours - approved) < 1e-9
    if h.volunteers:
        assert h.absence_factor.value is not None and 1 <= h.absence_factor.value <= h.volunteers
    shuffled = V.volunteer_hours(
        _reshuffle(monthly, seed), first_month=date(2024, 1, 1), last_month=date(2024, 12, 1)
    ).collect()
    assert shuffled.volunteers == h.volunteers and shuffled.absence_factor == h.absence_factor


member_rows = st.lists(
    st.tuples(days, st.none() | st.integers(0, 900)),
    max_size=40,
).map(
    lambda pairs: [
        {
            "id": i + 1,
            "chapter_id": 1,
            "joined_on": j,
            "left_on": None if k is None else j + timedelta(days=k),
            "trained_on": None,
            "leader_since": None,
        }
        for i, (j, k) in enumerate(pairs)
    ]
)


@FAST
@given(member_rows, st.integers(0, 2**16))
def test_weekly_members_match_a_direct_count(rows: list[dict[str, Any]], seed: int) -> None:
    members = S.rows(S.MEMBERS, rows)
    as_of = date(2024, 6, 30)
    frame = members_over_time(
        _reshuffle(members, seed), start=date(2024, 1, 1), end=date(2024, 6, 30), as_of=as_of
    ).collect()
    for week, count in zip(frame["week"].to_list(), frame["members"].to_list(), strict=True):
        t = min(week + timedelta(days=6), as_of)
        direct = sum(1 for r in rows if r["joined_on"] <= t and (r["left_on"] is None or r["left_on"] > t))
        assert count == direct
    for col in ("churn", "churn_4w"):
        assert all(v is None or v >= 0 for v in frame[col].to_list())


@FAST
@given(member_rows, hour_rows, st.integers(1, 200))
def test_active_ratio_lies_in_zero_one(
    members_: list[dict[str, Any]], hours_: list[dict[str, Any]], window: int
) -> None:
    members = S.rows(S.MEMBERS, members_)
    monthly = S.aggregate_volunteer_hours(S.rows(S.VOLUNTEER_HOURS, hours_)).collect()
    empty_att = attendance_with_events(S.empty(S.ATTENDANCE), S.empty(S.EVENTS))
    activity = member_activity(empty_att, monthly).collect()
    at = date(2024, 6, 30)
    a = active_ratio(members, activity, at=at, window_days=window).collect()
    assert a.ratio.value is None or 0.0 <= a.ratio.value <= 1.0
    first = at - timedelta(days=window - 1)
    member_ids = {
        r["id"] for r in members_ if r["joined_on"] <= at and (r["left_on"] is None or r["left_on"] > at)
    }
    # Only approved hours make a member active (METRICS.md, active ratio).
    active = {r["member_id"] for r in hours_ if r["status"] == "approved" and first <= r["worked_on"] <= at}
    assert a.active == len(member_ids & active)


@FAST
@given(gift_rows)
def test_known_first_gifts_give_the_same_year(rows: list[dict[str, Any]]) -> None:
    frame = _frame(rows)
    known = F.first_gifts(frame, END).collect()
    a = F.fundraising_year(frame, year=2024, as_of=END).collect()
    b = F.fundraising_year(frame, year=2024, as_of=END, first=known).collect()
    assert a == b
