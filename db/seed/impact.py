"""What the programs change: Toronto Empathy Questionnaire answers before and
after (and some months after) a program or a one-off workshop, with a
plausible training effect, and the movement's goals."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from db.seed import names
from db.seed._util import (
    DAY,
    codes,
    date_series,
    draw_in_ranges,
    from_day_number,
    instant_series,
    optional_ids,
)
from db.seed.accounts import DEMO_ACCOUNTS
from db.seed.activity import Events
from db.seed.world import Chapters, Context, Members, Programs

# Items worded negatively ("I remain unaffected when a friend is upset"):
# a respondent who scores high on empathy answers them low (Spreng et al. 2009).
REVERSED = (2, 4, 7, 10, 11, 12, 14, 15)
PRACTICE = ("never", "less_than_monthly", "monthly", "weekly", "several_times_a_week", "daily")
_PRACTICE_CUTS = np.array([-1.0, -0.4, 0.45, 1.0, 1.6])
_SURVEYED_KINDS = {
    "education": 1.0,
    "training": 1.2,
    "empathy_circles": 1.0,
    "research": 0.6,
    "arts_culture": 0.4,
}


def build_surveys(
    ctx: Context, chapters: Chapters, members: Members, programs: Programs, events: Events
) -> pl.DataFrame:
    rng = ctx.rng("surveys")
    end = ctx.end
    n = ctx.scale.surveyed

    # One in five answer around a one-off workshop or training, the rest
    # at the start and end of a program.
    at_event = rng.random(n) < 0.2
    kinds = np.array(names.PROGRAM_KINDS)[programs.kind]
    weight = np.array([_SURVEYED_KINDS.get(k, 0.0) for k in kinds])
    weight = np.where(programs.started < end - 60, weight, 0.0)
    program = rng.choice(programs.n, size=n, p=weight / weight.sum())
    lo = programs.started[program]
    hi = np.where(programs.ended[program] >= 0, programs.ended[program], end - 60)
    hi = np.maximum(np.minimum(hi, end - 60), lo)
    pre = lo + (rng.random(n) * (hi - lo + 1)).astype(np.int64)
    chapter = programs.chapter[program]
    # A movement-wide program is delivered by a local chapter.
    locals_ = np.flatnonzero(chapters.level == 1)
    chapter = np.where(chapter >= 0, chapter, locals_[rng.integers(0, len(locals_), n)])
    event = np.full(n, -1, dtype=np.int64)

    candidates = np.flatnonzero(
        (events.program >= 0)
        & np.isin(events.kind, [0, 2])  # workshop, training
        & (events.day < end - 1)
        & ~events.spike
    )
    if len(candidates):
        ev = candidates[rng.integers(0, len(candidates), n)]
        event = np.where(at_event, ev, -1)
        program = np.where(at_event, events.program[np.maximum(ev, 0)], program)
        chapter = np.where(at_event, events.chapter[np.maximum(ev, 0)], chapter)
        pre = np.where(at_event, events.day[np.maximum(ev, 0)], pre)
    else:
        at_event[:] = False

    post = np.where(at_event, pre, pre + rng.integers(42, 85, n))
    has_post = (post < end) & (rng.random(n) < np.where(at_event, 0.85, 0.7))
    follow = np.where(at_event, pre + rng.integers(60, 121, n), post + rng.integers(90, 181, n))
    has_follow = has_post & (follow < end) & (rng.random(n) < 0.35)

    # About half the respondents are members of the chapter.
    lo_m, hi_m = members.subtree_range(chapters, chapter)
    cand = draw_in_ranges(rng, np.cumsum(members.propensity), lo_m, hi_m)
    valid = (
        (cand >= 0)
        & (members.joined[np.maximum(cand, 0)] <= pre)
        & (members.last_active[np.maximum(cand, 0)] >= pre)
    )
    member = np.where(valid & (rng.random(n) < 0.8), cand, -1)
    anonymous = rng.random(n) < np.where(member >= 0, 0.08, 0.3)
    member = np.where(anonymous, -1, member)

    # Latent empathy, the program's effect and each item's behaviour.
    theta = rng.normal(0, 1, n)
    effect = np.clip(rng.normal(0.45, 0.1, programs.n), 0.05, 0.9)[program]
    mu = rng.uniform(2.4, 3.2, 16)
    load = rng.uniform(0.55, 0.85, 16)

    waves = [
        ("pre", np.ones(n, dtype=bool), pre, theta, 0.0),
        ("post", has_post, post, theta + effect + rng.normal(0, 0.7, n), 0.35),
        ("follow_up", has_follow, follow, theta + 0.7 * effect + rng.normal(0, 0.8, n), 0.25),
    ]
    parts = []
    users = {members.demo[a.email]: str(a.user_id) for a in DEMO_ACCOUNTS if a.email in members.demo}
    code = codes(np.arange(n, dtype=np.int64) + 1)
    for wave, present, day, level, practice_lift in waves:
        rows = np.flatnonzero(present)
        k = len(rows)
        scored = np.clip(
            np.round(mu[None, :] + load[None, :] * level[rows, None] + rng.normal(0, 0.6, (k, 16))), 0, 4
        )
        raw = scored.astype(np.int16)
        for item in REVERSED:
            raw[:, item - 1] = 4 - raw[:, item - 1]
        latent = 0.7 * level[rows] + practice_lift + rng.normal(0, 0.9, k)
        practice = np.searchsorted(_PRACTICE_CUTS, latent, side="right")
        skipped = rng.random(k) < 0.05
        practice_s = pl.Series(PRACTICE).gather(practice)
        m = member[rows]
        user = [users.get(int(x)) if ctx.with_accounts else None for x in m] if users else [None] * k
        columns = [
            code.gather(rows).alias("respondent_code"),
            pl.Series("user_id", user, dtype=pl.String),
            optional_ids("member_id", m + 1),
            pl.Series("anonymous", anonymous[rows]),
            pl.Series("chapter_id", chapter[rows] + 1, dtype=pl.Int64),
            optional_ids("program_id", program[rows] + 1),
            optional_ids("event_id", event[rows] + 1),
            pl.Series("wave", [wave] * k, dtype=pl.String),
            date_series("answered_on", day[rows]),
            *[pl.Series(f"q{i + 1:02d}", raw[:, i], dtype=pl.Int16) for i in range(16)],
            pl.select(pl.when(~pl.Series(skipped)).then(practice_s)).to_series().alias("practice"),
            instant_series("created_at", day[rows] * DAY + rng.integers(10 * 3600, 21 * 3600, k)),
            pl.Series("_order", rows, dtype=pl.Int64),
        ]
        parts.append(pl.DataFrame(columns))
    frame = pl.concat(parts).sort("answered_on", "_order", "wave").drop("_order")
    # Nothing is answered on or after the end date.
    frame = frame.filter(pl.col("answered_on") < pl.lit(from_day_number(end)))
    return frame.with_columns(id=pl.int_range(1, pl.len() + 1, dtype=pl.Int64))


def _round_up(x: float, step: float) -> float:
    return float(np.ceil(x / step) * step)


def build_goals(
    ctx: Context,
    chapters: Chapters,
    members: Members,
    partners: pl.DataFrame,
    program_partners: pl.DataFrame,
    programs: Programs,
    donations: pl.DataFrame,
    surveys: pl.DataFrame,
    balances: pl.DataFrame,
    expenses: pl.DataFrame,
) -> pl.DataFrame:
    """The movement's targets, with baselines measured from the data so
    that progress bars start from where the movement really was."""
    end = ctx.end
    end_date = ctx.end_date
    year = end_date.year
    last_fy = year - 1

    pre = surveys.filter(pl.col("wave") == "pre", pl.col("practice").is_not_null())
    weekly = pre.select(pl.col("practice").is_in(["weekly", "several_times_a_week", "daily"]).mean()).item()
    practice_base = round(float(weekly or 0.0), 3)

    trained_kinds = programs.frame.filter(pl.col("kind").is_in(["education", "training"]))["id"]
    trained_partners = (
        program_partners.filter(pl.col("program_id").is_in(trained_kinds.implode()))
        .join(partners.select("id", "kind"), left_on="partner_id", right_on="id")
        .filter(pl.col("kind").is_in(["school", "business"]))["partner_id"]
        .n_unique()
    )
    year_ago = end - 365
    open_now = ((chapters.founded <= end) & (chapters.dormant_since < 0)).sum()
    open_then = (
        (chapters.founded <= year_ago) & ((chapters.dormant_since < 0) | (chapters.dormant_since > year_ago))
    ).sum()
    members_now = int(((members.joined < end) & (members.left < 0)).sum())

    gifts = donations.select("donor_id", pl.col("received_on").dt.year().alias("y")).unique()
    d1 = gifts.filter(pl.col("y") == last_fy - 1)["donor_id"]
    d2 = gifts.filter(pl.col("y") == last_fy)["donor_id"]
    retention = float(np.mean(d1.is_in(d2.implode()).to_numpy())) if len(d1) else 0.0
    recurring_share = float(
        donations.select(
            pl.col("reporting_amount_minor").filter(pl.col("is_recurring")).sum()
            / pl.col("reporting_amount_minor").sum()
        ).item()
        or 0.0
    )
    last_year_spend = float(
        expenses.filter(pl.col("spent_on").dt.year() == last_fy)["reporting_amount_minor"].sum()
    )
    reserves = float(balances["unrestricted_reserves_minor"][-1]) if balances.height else 0.0
    reserve_months = round(12 * reserves / last_year_spend, 1) if last_year_spend else 0.0

    def due(y: int, m: int, d: int) -> int:
        return (date(y, m, d) - date(1970, 1, 1)).days

    local_a = chapters.placements.get("local_a", 0)
    region_a = chapters.placements.get("region_a", 0)
    region_members = int(
        (
            (members.chapter >= region_a)
            & (members.chapter < chapters.subtree_end[region_a])
            & (members.left < 0)
        ).sum()
    )
    rows: list[tuple[str, str, float, float | None, int, int]] = [
        (
            "Half of participants practise empathy every week",
            "impact.practice_rate",
            0.5,
            practice_base,
            due(year + 1, 12, 31),
            -1,
        ),
        (
            "Empathy training in schools and workplaces",
            "impact.trained_partners",
            _round_up(max(trained_partners, 4) * 1.5, 5),
            float(trained_partners),
            due(year + 2, 6, 30),
            -1,
        ),
        (
            "Active chapters",
            "momentum.active_chapters",
            float(max(open_now + 1, round(open_now * 1.25))),
            float(open_then),
            due(year + 1, 12, 31),
            -1,
        ),
        (
            "Grow the movement's membership",
            "momentum.members",
            _round_up(members_now * 1.2, 10),
            float(members_now),
            due(year + 1, 12, 31),
            -1,
        ),
        (
            "Keep half of last year's donors",
            "fundraising.donor_retention",
            0.5,
            round(retention, 3),
            due(year, 12, 31),
            -1,
        ),
        (
            "A third of income from monthly donors",
            "fundraising.recurring_share",
            0.33,
            round(recurring_share, 3),
            due(year + 1, 12, 31),
            -1,
        ),
        (
            "Six months of operating reserves",
            "sustainability.reserve_months",
            6.0,
            reserve_months,
            due(year + 2, 12, 31),
            -1,
        ),
        (
            "Keep two in three volunteers year on year",
            "volunteers.retention",
            0.65,
            None,
            due(year, 12, 31),
            -1,
        ),
        (
            "A measurable rise in empathy scores",
            "impact.teq_effect_size",
            0.5,
            None,
            due(year + 1, 6, 30),
            -1,
        ),
        # A goal whose date has passed: the board sees whether it was met.
        (
            "Open a chapter in every region",
            "momentum.active_chapters",
            float(open_then + 2),
            float(open_then - 2),
            due(last_fy, 12, 31),
            -1,
        ),
        (
            f"Grow {chapters.name[region_a]}",
            "momentum.members",
            _round_up(region_members * 1.25, 5),
            float(region_members),
            due(year + 1, 6, 30),
            region_a,
        ),
        (
            f"A circle every week in {chapters.name[local_a]}",
            "momentum.events",
            52.0,
            None,
            due(year + 1, 12, 31),
            local_a,
        ),
    ]
    n = len(rows)
    created_day = np.array([min(r[4] - 500, end - 30) for r in rows], dtype=np.int64)
    created_day = np.maximum(created_day, ctx.start)
    return pl.DataFrame(
        [
            pl.Series("id", np.arange(1, n + 1), dtype=pl.Int64),
            pl.Series("name", [r[0] for r in rows], dtype=pl.String),
            pl.Series("metric", [r[1] for r in rows], dtype=pl.String),
            pl.Series("target_value", [r[2] for r in rows], dtype=pl.Float64),
            pl.Series("baseline_value", [r[3] for r in rows], dtype=pl.Float64),
            date_series("due_on", np.array([r[4] for r in rows], dtype=np.int64)),
            optional_ids("chapter_id", np.array([r[5] for r in rows], dtype=np.int64) + 1),
            instant_series("created_at", created_day * DAY + 10 * 3600),
        ]
    )
