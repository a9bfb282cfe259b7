"""Synthetic movement frames, generated with numpy straight into polars, for
the metrics benchmark (national scale) and for whole-report tests (small).

The frames follow `metrics.schemas`; volunteer hours come as raw entries
(`VOLUNTEER_HOURS`) so the benchmark can time their aggregation too. The
data is random but shaped like a movement: chapters in a four-level tree,
members joining over the years and some leaving, volunteers a fifth of the
members, donors with recurring gifts, pre/post surveys with a small gain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from metrics import schemas as S

EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class Scale:
    members: int
    hour_entries: int
    donations: int
    attendance_per_member: float = 5.0
    events_per_member: float = 0.2
    donors_per_donation: float = 0.1

    @classmethod
    def national(cls) -> Scale:
        return cls(members=1_000_000, hour_entries=10_000_000, donations=3_000_000)

    @classmethod
    def small(cls) -> Scale:
        return cls(members=3_000, hour_entries=30_000, donations=9_000)


def _days(d: date) -> int:
    return (d - EPOCH).days


def _dates(rng: np.random.Generator, lo: np.ndarray | int, hi: np.ndarray | int, n: int) -> np.ndarray:
    """Uniform integer days in [lo, hi] (arrays broadcast)."""
    lo_a = np.asarray(lo, dtype=np.int64)
    hi_a = np.asarray(hi, dtype=np.int64)
    return lo_a + np.floor(rng.random(n) * (hi_a - lo_a + 1)).astype(np.int64)


def _date_series(days: np.ndarray) -> pl.Series:
    return pl.Series(days.astype("int32")).cast(pl.Date)


def generate(
    scale: Scale, *, start: date = date(2019, 1, 1), as_of: date = date(2025, 12, 31), seed: int = 7
) -> tuple[S.ReportFrames, pl.DataFrame]:
    """`(frames, raw_hour_entries)`: report frames whose ``volunteer_hours``
    is already the monthly aggregate of `raw_hour_entries`."""
    rng = np.random.default_rng(seed)
    d0, d1 = _days(start), _days(as_of)
    m = scale.members

    # Chapters: one international, a few nationals, regionals, many locals.
    n_local = max(3, m // 500)
    n_regional = max(1, n_local // 20)
    n_national = max(1, n_regional // 10)
    ids = np.arange(1, 2 + n_national + n_regional + n_local)
    level = np.array(
        ["international"] + ["national"] * n_national + ["regional"] * n_regional + ["local"] * n_local
    )
    nat_ids = ids[1 : 1 + n_national]
    reg_ids = ids[1 + n_national : 1 + n_national + n_regional]
    loc_ids = ids[1 + n_national + n_regional :]
    parent = np.concatenate(
        [
            [0],
            np.full(n_national, 1),
            rng.choice(nat_ids, n_regional),
            rng.choice(reg_ids, n_local),
        ]
    )
    founded = np.concatenate(
        [
            [d0 - 400],
            _dates(rng, d0 - 300, d0, n_national),
            _dates(rng, d0, d1 - 700, n_regional),
            _dates(rng, d0, d1 - 60, n_local),
        ]
    )
    dormant = np.where(rng.random(len(ids)) < 0.05, np.minimum(founded + 400, d1), -1)
    dormant[0] = -1
    chapters = pl.DataFrame(
        {
            "id": ids,
            "name": [f"Chapter {i}" for i in ids],
            "level": level,
            "parent_id": pl.Series(parent).replace(0, None),
            "founded_on": _date_series(founded),
            "status": np.where(dormant >= 0, "dormant", "active"),
            "dormant_since": _date_series(dormant).set(pl.Series(dormant < 0), None),
        }
    )

    # Members: local chapters weighted (some big, many small).
    weights = rng.pareto(1.5, n_local) + 1
    weights /= weights.sum()
    member_chapter = rng.choice(loc_ids, m, p=weights)
    joined_lo = founded[member_chapter - 1]  # ids are 1…n, so id − 1 indexes the arrays
    # Growth: later years see more joiners (square-root spread of the uniform draw).
    u = np.sqrt(rng.random(m))
    joined = joined_lo + np.floor(u * (d1 - joined_lo + 1)).astype(np.int64)
    joined = np.minimum(joined, d1)
    leaves = rng.random(m) < 0.25
    left = np.where(leaves, joined + rng.exponential(500, m).astype(np.int64) + 1, -1)
    left = np.where(left > d1, -1, left)
    trained = np.where(rng.random(m) < 0.06, joined + rng.integers(30, 700, m), -1)
    trained = np.where((trained > d1) | ((left >= 0) & (trained > left)), -1, trained)
    leader = np.where((trained >= 0) & (rng.random(m) < 0.2), trained + rng.integers(30, 400, m), -1)
    leader = np.where((leader > d1) | ((left >= 0) & (leader > left)), -1, leader)
    member_ids = np.arange(1, m + 1)

    def nullable(days: np.ndarray) -> pl.Series:
        return _date_series(np.where(days < 0, 0, days)).set(pl.Series(days < 0), None)

    members = pl.DataFrame(
        {
            "id": member_ids,
            "chapter_id": member_chapter,
            "joined_on": _date_series(joined),
            "left_on": nullable(left),
            "trained_on": nullable(trained),
            "leader_since": nullable(leader),
        }
    )

    # Programs, partners.
    n_programs = max(5, m // 5000)
    program_ids = np.arange(1, n_programs + 1)
    programs = pl.DataFrame(
        {
            "id": program_ids,
            "name": [f"Program {i}" for i in program_ids],
            "kind": rng.choice(
                ["education", "training", "empathy_circles", "research", "arts_culture", "advocacy"],
                n_programs,
            ),
            "audience": rng.choice(
                ["school", "university", "workplace", "healthcare", "community", "government"], n_programs
            ),
            "chapter_id": rng.choice(ids, n_programs),
            "started_on": _date_series(_dates(rng, d0, d1 - 365, n_programs)),
            "ended_on": pl.Series([None] * n_programs, dtype=pl.Date),
        }
    )
    n_partners = max(5, m // 200)
    partners = pl.DataFrame(
        {
            "id": np.arange(1, n_partners + 1),
            "kind": rng.choice(
                ["school", "university", "business", "healthcare", "public_body", "ngo", "research"],
                n_partners,
            ),
            "status": rng.choice(["prospect", "active", "active", "active", "paused", "ended"], n_partners),
            "since": _date_series(_dates(rng, d0, d1, n_partners)),
            "chapter_id": rng.choice(loc_ids, n_partners),
        }
    )
    program_partners = pl.DataFrame(
        {"program_id": rng.choice(program_ids, n_partners), "partner_id": np.arange(1, n_partners + 1)}
    )

    # Events and attendance.
    n_events = max(10, int(m * scale.events_per_member))
    event_chapter = rng.choice(loc_ids, n_events, p=weights)
    event_program = np.where(rng.random(n_events) < 0.7, rng.choice(program_ids, n_events), 0)
    events = pl.DataFrame(
        {
            "id": np.arange(1, n_events + 1),
            "chapter_id": event_chapter,
            "program_id": pl.Series(event_program).replace(0, None),
            "kind": rng.choice(
                ["workshop", "empathy_circle", "training", "community_event", "cultural_event", "talk"],
                n_events,
            ),
            "starts_on": _date_series(_dates(rng, d0, d1, n_events)),
            "capacity": pl.Series(
                np.where(rng.random(n_events) < 0.6, rng.integers(10, 200, n_events), 0)
            ).replace(0, None),
        }
    ).with_columns(pl.col("capacity").cast(pl.Int32))
    n_att = int(m * scale.attendance_per_member)
    attendance = pl.DataFrame(
        {
            "event_id": rng.integers(1, n_events + 1, n_att),
            "member_id": rng.integers(1, m + 1, n_att),
            "guest_count": np.where(rng.random(n_att) < 0.1, rng.integers(1, 4, n_att), 0).astype(np.int32),
        }
    ).unique(["event_id", "member_id"], keep="first")

    # Volunteer hours: a fifth of the members volunteer, some far more than others.
    n_vol = max(1, m // 5)
    volunteers_ids = rng.choice(member_ids, n_vol, replace=False)
    activity_weight = rng.pareto(1.2, n_vol) + 1
    activity_weight /= activity_weight.sum()
    h = scale.hour_entries
    who = rng.choice(volunteers_ids, h, p=activity_weight)
    who_joined = joined[who - 1]
    worked = _dates(rng, who_joined, d1, h)
    status_draw = rng.random(h)
    raw_hours = pl.DataFrame(
        {
            "member_id": who,
            "chapter_id": member_chapter[who - 1],
            "worked_on": _date_series(worked),
            "minutes": rng.integers(1, 9, h) * 30,
            "status": np.where(
                status_draw < 0.9, "approved", np.where(status_draw < 0.97, "pending", "rejected")
            ),
            "activity": rng.choice(
                ["event_support", "facilitation", "training", "outreach", "administration"], h
            ),
            "program_id": pl.Series(np.where(rng.random(h) < 0.5, rng.choice(program_ids, h), 0)).replace(
                0, None
            ),
            "event_id": pl.Series([None] * h, dtype=pl.Int64),
        }
    )
    hours_monthly = S.aggregate_volunteer_hours(raw_hours).collect()

    # Donations: donors with skewed giving, a third on monthly recurring gifts.
    n_donors = max(10, int(scale.donations * scale.donors_per_donation))
    donor_weight = rng.pareto(1.1, n_donors) + 1
    donor_weight /= donor_weight.sum()
    dn = scale.donations
    donor = rng.choice(np.arange(1, n_donors + 1), dn, p=donor_weight)
    donor_first = _dates(rng, d0, d1, n_donors)
    received = _dates(rng, donor_first[donor - 1], d1, dn)
    amount = np.maximum(100, rng.lognormal(8.0, 1.2, dn)).astype(np.int64)
    refunded = np.where(rng.random(dn) < 0.01, amount, 0)
    donations = pl.DataFrame(
        {
            "donor_id": donor,
            "received_on": _date_series(received),
            "reporting_amount_minor": amount,
            "refunded_minor": refunded,
            "is_recurring": rng.random(dn) < 0.33,
            "source": rng.choice(
                ["individual", "individual", "individual", "foundation", "business", "government", "event"],
                dn,
            ),
            "campaign_id": pl.Series(np.where(rng.random(dn) < 0.4, rng.integers(1, 50, dn), 0)).replace(
                0, None
            ),
            "chapter_id": rng.choice(loc_ids, dn, p=weights),
        }
    )
    n_links = n_donors // 5
    donor_members = pl.DataFrame(
        {
            "donor_id": rng.choice(np.arange(1, n_donors + 1), n_links, replace=False),
            "member_id": rng.choice(member_ids, n_links),
        }
    )

    # Expenses and balances.
    months = pl.date_range(start, as_of, "1mo", eager=True)
    n_exp = max(50, dn // 4)
    expenses = pl.DataFrame(
        {
            "spent_on": _date_series(_dates(rng, d0, d1, n_exp)),
            "reporting_amount_minor": np.maximum(100, rng.lognormal(11.0, 1.0, n_exp)).astype(np.int64),
            "category": rng.choice(["program", "program", "program", "admin", "fundraising"], n_exp),
            "chapter_id": pl.Series(np.where(rng.random(n_exp) < 0.8, rng.choice(loc_ids, n_exp), 0)).replace(
                0, None
            ),
        }
    )
    cash = np.cumsum(rng.normal(0, 1, len(months))) * 1e6 + 5e7
    balance_snapshots = pl.DataFrame(
        {
            "as_of": months.dt.month_end(),
            "cash_minor": np.abs(cash).astype(np.int64),
            "unrestricted_reserves_minor": (np.abs(cash) * 0.6).astype(np.int64),
            "net_assets_minor": (np.abs(cash) * 1.4).astype(np.int64),
        }
    )

    # Surveys: pre/post pairs per program with a small gain, some follow-ups.
    n_resp = max(20, m // 10)
    prog = rng.choice(program_ids, n_resp)
    pre_day = _dates(rng, d0, d1 - 90, n_resp)
    base = rng.integers(0, 5, (n_resp, 16))
    gain = (rng.random((n_resp, 16)) < 0.15).astype(np.int64)
    post = np.clip(
        base + gain * np.where(np.isin(np.arange(1, 17), (2, 4, 7, 10, 11, 12, 14, 15)), -1, 1), 0, 4
    )
    codes = [f"r{i:07d}" for i in range(n_resp)]

    def survey(wave: str, items: np.ndarray, day: np.ndarray) -> pl.DataFrame:
        cols: dict[str, object] = {
            "respondent_code": codes,
            "chapter_id": rng.choice(loc_ids, n_resp),
            "program_id": prog,
            "event_id": pl.Series([None] * n_resp, dtype=pl.Int64),
            "wave": [wave] * n_resp,
            "answered_on": _date_series(day),
        }
        for j, item in enumerate(S.TEQ_ITEMS):
            cols[item] = items[:, j].astype(np.int16)
        cols["practice"] = rng.choice(
            ["never", "less_than_monthly", "monthly", "weekly", "several_times_a_week", "daily"], n_resp
        )
        return pl.DataFrame(cols)

    surveys = pl.concat([survey("pre", base, pre_day), survey("post", post, pre_day + 60)])
    goals = pl.DataFrame(
        {
            "id": [1, 2, 3],
            "name": ["Grow membership", "Weekly practice", "Schools trained"],
            "metric": ["members", "practice_rate", "schools_with_training"],
            "target_value": [float(m) * 1.2, 0.5, 100.0],
            "baseline_value": [float(m) * 0.8, 0.3, None],
            "due_on": [date(as_of.year + 1, 12, 31)] * 3,
            "chapter_id": pl.Series([None, None, None], dtype=pl.Int64),
            "created_on": [date(as_of.year - 1, 1, 1)] * 3,
        }
    )
    settings = pl.DataFrame(
        {
            "movement_name": ["Synthetic Empathy Movement"],
            "reporting_currency": ["USD"],
            "fiscal_year_start_month": [1],
            "volunteer_hour_value_minor": [3180],
        }
    )
    # The loader reads rows in date order (ORDER BY in SQL); so does this.
    start_of = dict(zip(events["id"].to_list(), events["starts_on"].to_list(), strict=True))
    attendance = (
        attendance.with_columns(
            pl.col("event_id").replace_strict(start_of, return_dtype=pl.Date).alias("_on")
        )
        .sort("_on", "event_id")
        .drop("_on")
    )
    members = members.sort("joined_on", "id")
    events = events.sort("starts_on", "id")
    hours_monthly = hours_monthly.sort("month", "member_id")
    donations = donations.sort("received_on")
    raw_hours = raw_hours.sort("worked_on")
    frames = S.ReportFrames.of(
        settings=settings,
        chapters=chapters,
        programs=programs,
        partners=partners,
        program_partners=program_partners,
        members=members,
        events=events,
        attendance=attendance,
        volunteer_hours=hours_monthly,
        donations=donations,
        donor_members=donor_members,
        expenses=expenses,
        balance_snapshots=balance_snapshots,
        survey_responses=surveys,
        goals=goals,
    )
    return frames, S.conform(raw_hours, S.VOLUNTEER_HOURS)
