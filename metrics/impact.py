"""Impact: empathy scores (Toronto Empathy Questionnaire), their paired
pre/post change with effect sizes and confidence intervals, the practice
rate, and progress towards the movement's goals.

Input is `SURVEY_RESPONSES` (`metrics.schemas`) and `GOALS`. Pre and post
answers are paired by the pseudonymous ``respondent_code`` within a
program, never by name.

An uncontrolled pre/post change is not a controlled trial's effect:
controlled trials of empathy training found g = 0.63 (0.51 after
correcting for publication bias; Teding van Berkhout & Malouff 2016). The
report carries that caveat beside every effect size.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from metrics._stats import standardized_mean_cis, t_quantile, t_two_sided_p
from metrics.figure import Figure
from metrics.query import Query
from metrics.schemas import TEQ_ITEMS

FrameLike = pl.DataFrame | pl.LazyFrame

TEQ_REVERSED = (2, 4, 7, 10, 11, 12, 14, 15)
TEQ_MAX = 64
CONTROLLED_TRIALS_G = 0.63
CONTROLLED_TRIALS_G_BIAS_CORRECTED = 0.51
UNCONTROLLED_CAVEAT = (
    "This is an uncontrolled pre/post change: it includes everything else that changed for the "
    "participants, so it is not the effect a controlled trial measures (g = 0.63, 0.51 after bias "
    "correction; Teding van Berkhout & Malouff 2016)."
)
PRACTICE_WEEKLY_OR_MORE = ("weekly", "several_times_a_week", "daily")


def teq_score() -> pl.Expr:
    """The TEQ total, 0–64 (Spreng, McKinnon, Mar & Levine 2009).

    Formula: 16 items answered Never = 0 … Always = 4; items 2, 4, 7, 10, 11,
    12, 14 and 15 are reversed (4 − x); the score is the sum.
    Example: every item answered 4 → 8 · 4 + 8 · 0 = 32; every item 2 → 32;
    the eight forward items 4 and the reversed items 0 → 64."""
    terms = [
        (pl.lit(4) - pl.col(item)) if (i + 1) in TEQ_REVERSED else pl.col(item)
        for i, item in enumerate(TEQ_ITEMS)
    ]
    return pl.sum_horizontal([t.cast(pl.Int32) for t in terms]).alias("teq")


def teq_scores(responses: FrameLike) -> pl.LazyFrame:
    """Responses with their ``teq`` score (the item columns dropped)."""
    return responses.lazy().with_columns(teq_score()).drop(list(TEQ_ITEMS))


def paired_scores(
    responses: FrameLike, *, first: date | None = None, last: date | None = None
) -> pl.LazyFrame:
    """One row per respondent and program with both waves: ``program_id``,
    ``respondent_code``, ``pre``, ``post`` (TEQ scores), ``post_on`` and
    ``chapter_id`` (of the post answer).

    Pairing: within a program, a respondent's earliest "pre" and latest
    "post" answer; a pair counts in [first, last] when its post answer does.
    Answers without a program are paired within their event instead and
    reported under program null."""
    scored = teq_scores(responses).filter(pl.col("wave").is_in(["pre", "post"]))
    key = pl.when(pl.col("program_id").is_null()).then(pl.col("event_id")).otherwise(pl.lit(None, pl.Int64))
    scored = scored.with_columns(key.alias("_event_key"))
    keys = ["program_id", "_event_key", "respondent_code"]
    pre = (
        scored.filter(pl.col("wave") == "pre")
        .sort("answered_on")
        .group_by(keys)
        .agg(pl.col("teq").first().alias("pre"))
    )
    post_rows = scored.filter(pl.col("wave") == "post")
    post = (
        post_rows.sort("answered_on")
        .group_by(keys)
        .agg(
            pl.col("teq").last().alias("post"),
            pl.col("answered_on").last().alias("post_on"),
            pl.col("chapter_id").last(),
        )
    )
    pairs = pre.join(post, on=keys, how="inner", nulls_equal=True)
    if first is not None:
        pairs = pairs.filter(pl.col("post_on") >= first)
    if last is not None:
        pairs = pairs.filter(pl.col("post_on") <= last)
    return pairs.select("program_id", "respondent_code", "pre", "post", "post_on", "chapter_id")


@dataclass(frozen=True)
class Interval:
    """A confidence interval, or the reason there is none."""

    low: float | None
    high: float | None
    level: float = 0.95
    reason: str | None = None


@dataclass(frozen=True)
class PairedChange:
    """Paired pre/post change of TEQ scores (Lakens 2013).

    Δ = post − pre per respondent; t = mean(Δ) / (sd(Δ)/√n), df = n − 1;
    d_z = mean(Δ)/sd(Δ); d_av = mean(Δ) / ((sd_pre + sd_post)/2);
    Hedges' J = 1 − 3/(4·df − 1), g_z = J·d_z, g_av = J·d_av; 95 % CI of
    mean(Δ) = mean(Δ) ± t₀.₉₇₅,df · sd(Δ)/√n; CI of d_z from the
    noncentral t."""

    program_id: int | None
    n: int
    mean_pre: Figure
    mean_post: Figure
    sd_pre: Figure
    sd_post: Figure
    mean_diff: Figure
    sd_diff: Figure
    t: Figure
    df: int | None
    p_value: Figure
    d_z: Figure
    d_av: Figure
    hedges_j: Figure
    g_z: Figure
    g_av: Figure
    ci_mean_diff: Interval
    ci_d_z: Interval
    caveat: str = UNCONTROLLED_CAVEAT
    reference_g: float = CONTROLLED_TRIALS_G


def paired_change_from_moments(
    program_id: int | None,
    n: int,
    mean_pre: float | None,
    mean_post: float | None,
    sd_pre: float | None,
    sd_post: float | None,
    mean_diff: float | None,
    sd_diff: float | None,
    level: float = 0.95,
    ci_d_z: tuple[float, float] | None = None,
) -> PairedChange:
    """Every statistic of `PairedChange` from the sample moments (sds with
    n − 1 in the denominator). `ci_d_z`: the interval of d_z when already
    solved (with others, by `standardized_mean_cis`)."""
    none = "no respondent answered both before and after"
    single = "a single respondent: there is no spread to estimate"
    flat = "every respondent changed by exactly the same amount: no spread to scale by"
    if n == 0 or mean_diff is None:
        u = Figure.undefined(none)
        iv = Interval(None, None, level, none)
        return PairedChange(program_id, 0, u, u, u, u, u, u, u, None, u, u, u, u, u, u, iv, iv)
    mpre, mpost, md = (
        Figure.of(mean_pre or 0.0, "points"),
        Figure.of(mean_post or 0.0, "points"),
        Figure.of(mean_diff, "points"),
    )
    if n < 2 or sd_diff is None or sd_pre is None or sd_post is None:
        u = Figure.undefined(single)
        iv = Interval(None, None, level, single)
        return PairedChange(program_id, n, mpre, mpost, u, u, md, u, u, None, u, u, u, u, u, u, iv, iv)
    df = n - 1
    j = 1.0 - 3.0 / (4.0 * df - 1.0)
    se = sd_diff / math.sqrt(n)
    tcrit = t_quantile(1.0 - (1.0 - level) / 2.0, df)
    ci_md = Interval(mean_diff - tcrit * se, mean_diff + tcrit * se, level)
    sd_av = (sd_pre + sd_post) / 2.0
    d_av = (
        Figure.of(mean_diff / sd_av, "d") if sd_av > 0 else Figure.undefined("no spread in either wave", "d")
    )
    g_av = d_av.map(lambda d: d * j)
    if sd_diff == 0:
        u = Figure.undefined(flat)
        return PairedChange(
            program_id,
            n,
            mpre,
            mpost,
            Figure.of(sd_pre, "points"),
            Figure.of(sd_post, "points"),
            md,
            Figure.of(0.0, "points"),
            u,
            df,
            u,
            u,
            d_av,
            Figure.of(j),
            u,
            g_av,
            ci_md,
            Interval(None, None, level, flat),
        )
    t = mean_diff / se
    d_z = mean_diff / sd_diff
    if ci_d_z is None:
        lows, highs = standardized_mean_cis([d_z], [n], level)
        ci_d_z = (float(lows[0]), float(highs[0]))
    lo, hi = ci_d_z
    return PairedChange(
        program_id=program_id,
        n=n,
        mean_pre=mpre,
        mean_post=mpost,
        sd_pre=Figure.of(sd_pre, "points"),
        sd_post=Figure.of(sd_post, "points"),
        mean_diff=md,
        sd_diff=Figure.of(sd_diff, "points"),
        t=Figure.of(t),
        df=df,
        p_value=Figure.of(t_two_sided_p(t, df), "p"),
        d_z=Figure.of(d_z, "d"),
        d_av=d_av,
        hedges_j=Figure.of(j),
        g_z=Figure.of(d_z * j, "d"),
        g_av=g_av,
        ci_mean_diff=ci_md,
        ci_d_z=Interval(lo, hi, level),
    )


def _moments(pairs: pl.LazyFrame, by: list[str]) -> pl.LazyFrame:
    diff = pl.col("post") - pl.col("pre")
    aggs = [
        pl.len().cast(pl.Int64).alias("n"),
        pl.col("pre").mean().alias("mean_pre"),
        pl.col("post").mean().alias("mean_post"),
        pl.col("pre").std().alias("sd_pre"),
        pl.col("post").std().alias("sd_post"),
        diff.mean().alias("mean_diff"),
        diff.std().alias("sd_diff"),
    ]
    return pairs.group_by(by).agg(aggs) if by else pairs.select(aggs)


Moments = tuple[float | None, float | None, float | None, float | None, float | None, float | None]


def _moment_args(row: Mapping[str, Any]) -> tuple[int, Moments]:
    """n and (mean_pre, mean_post, sd_pre, sd_post, mean_diff, sd_diff) of a
    `_moments` row, NaN read as missing."""

    def f(key: str) -> float | None:
        v = row.get(key)
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)

    moments = (f("mean_pre"), f("mean_post"), f("sd_pre"), f("sd_post"), f("mean_diff"), f("sd_diff"))
    return int(row.get("n") or 0), moments


def _from_row(row: Mapping[str, Any], program_id: int | None) -> PairedChange:
    n, m = _moment_args(row)
    return paired_change_from_moments(program_id, n, *m)


def _from_rows(rows: list[dict[str, Any]]) -> list[PairedChange]:
    """`_from_row` of each row, with every interval of d_z solved at once."""
    parsed = [_moment_args(row) for row in rows]
    d_z: dict[int, tuple[float, int]] = {}
    for i, (n, (_, _, sd_pre, sd_post, mean_diff, sd_diff)) in enumerate(parsed):
        # d_z has an interval where there are two pairs and some spread.
        if n >= 2 and None not in (sd_pre, sd_post, mean_diff) and sd_diff:
            d_z[i] = (mean_diff / sd_diff, n)  # type: ignore[operator]
    lows, highs = standardized_mean_cis([d for d, _ in d_z.values()], [n for _, n in d_z.values()])
    intervals = {i: (float(lo), float(hi)) for i, lo, hi in zip(d_z, lows, highs, strict=True)}
    return [
        paired_change_from_moments(row["program_id"], n, *m, ci_d_z=intervals.get(i))
        for i, (row, (n, m)) in enumerate(zip(rows, parsed, strict=True))
    ]


def paired_change(pairs: FrameLike) -> Query[PairedChange]:
    """The paired pre/post change over all `pairs` (from `paired_scores`).

    Formulas: see `PairedChange` (Lakens 2013, "Calculating and reporting
    effect sizes", Frontiers in Psychology 4:863).

    Example: pre 30, 32, 34, 36; post 34, 35, 37, 42 → Δ = 4, 3, 3, 6,
    mean 4, sd √2 ≈ 1.414, t = 4 / (1.414/2) = 5.657 on 3 df, p ≈ 0.011;
    d_z = 2.828; sd_pre = sd_post... (see the tests for every figure).
    """
    return Query(_moments(pairs.lazy(), []), lambda df: _from_row(df.row(0, named=True), None))


def paired_change_by_program(pairs: FrameLike) -> Query[list[PairedChange]]:
    """`paired_change` per program, largest n first."""

    def finish(df: pl.DataFrame) -> list[PairedChange]:
        out = _from_rows(df.to_dicts())
        return sorted(out, key=lambda c: (-c.n, c.program_id if c.program_id is not None else -1))

    return Query(_moments(pairs.lazy(), ["program_id"]), finish)


def teq_distribution(responses: FrameLike, *, first: date, last: date) -> Query[pl.DataFrame]:
    """TEQ scores of the period's answers by wave and program, for the
    dashboard's pre/post distributions: ``program_id``, ``wave``, ``teq``,
    ``respondents`` (answers with that score)."""
    frame = (
        teq_scores(responses)
        .filter(pl.col("answered_on").is_between(first, last))
        .group_by("program_id", "wave", "teq")
        .agg(pl.len().cast(pl.Int64).alias("respondents"))
        .sort("program_id", "wave", "teq", nulls_last=True)
    )
    return Query.frame_of(frame)


@dataclass(frozen=True)
class PracticeRate:
    """Share of respondents answering "weekly or more" to the practice
    question, over their latest answer in the period."""

    rate: Figure
    respondents: int
    weekly_or_more: int
    waves: tuple[str, ...]


def practice_rate(
    responses: FrameLike, *, first: date, last: date, waves: tuple[str, ...] = ("post", "follow_up")
) -> Query[PracticeRate]:
    """Practice rate = respondents whose latest answer in [first, last] (in
    `waves`) is weekly, several times a week or daily / respondents who
    answered the practice question (METRICS.md).

    Example: latest answers weekly, daily, monthly, never → 2 / 4 = 0.5;
    a respondent who left the question blank is not counted."""
    latest = (
        responses.lazy()
        .filter(
            pl.col("answered_on").is_between(first, last)
            & pl.col("wave").is_in(list(waves))
            & pl.col("practice").is_not_null()
        )
        .sort("answered_on")
        .group_by("respondent_code")
        .agg(pl.col("practice").last())
    )
    frame = latest.select(
        pl.len().cast(pl.Int64).alias("n"),
        pl.col("practice").is_in(list(PRACTICE_WEEKLY_OR_MORE)).sum().cast(pl.Int64).alias("k"),
    )

    def finish(df: pl.DataFrame) -> PracticeRate:
        r = df.row(0, named=True)
        return PracticeRate(
            rate=Figure.ratio(r["k"], r["n"], "ratio", "nobody answered the practice question in the period"),
            respondents=r["n"],
            weekly_or_more=r["k"],
            waves=waves,
        )

    return Query(frame, finish)


# --- goals --------------------------------------------------------------------------

GOAL_METRICS: dict[str, str] = {
    "members": "members at the end of the period",
    "active_ratio": "share of members active in the trailing window (0–1)",
    "chapters": "open chapters",
    "active_chapters": "chapters with activity in the period",
    "events": "events held in the period",
    "attendance": "attendances in the period (members and guests)",
    "volunteers": "volunteers with approved hours in the period",
    "volunteer_hours": "approved volunteer hours in the period",
    "funds_raised_minor": "net gifts in the period, minor units of the reporting currency",
    "donor_retention": "overall donor retention of the fiscal year (0–1)",
    "volunteer_retention": "volunteer retention of the fiscal year (0–1)",
    "runway_months": "months of runway",
    "reserve_months": "months of operating reserve",
    "practice_rate": "share of respondents practising empathy weekly or more (0–1)",
    "teq_change": "mean paired TEQ change, points",
    "schools_with_training": "schools and universities, active partners of a program that held events",
    "workplaces_with_training": (
        "businesses, healthcare and public bodies, active partners of a program that held events"
    ),
    "health_score": "the health score (−100 … 100)",
}
"""The names a goal's ``metric`` may take, with what each measures."""


@dataclass(frozen=True)
class GoalProgress:
    """One goal and how far the movement has come.

    progress = (current − baseline) / (target − baseline), baseline 0 when
    not set; status: "achieved" (progress ≥ 1), "overdue" (due date passed),
    "on track" (progress ≥ share of the time elapsed since the goal was set),
    "behind", or "unknown" when the current value is undefined."""

    goal_id: int
    name: str
    metric: str
    target: float
    baseline: float
    current: Figure
    progress: Figure
    due_on: date
    time_elapsed: Figure
    status: str


def goal_progress(goals: pl.DataFrame, values: Mapping[str, Figure], *, as_of: date) -> list[GoalProgress]:
    """Progress of each goal in `goals` (already limited to the scope) given
    the current `values` of the `GOAL_METRICS` (and of any other names the
    caller supplies, such as `metrics.goal_metrics`' family-prefixed keys).

    Example: members goal target 1,200 from baseline 1,000 with 1,150 now →
    progress 0.75; set on 1 Jan, due 31 Dec, now 1 Jul → 0.5 of the time
    elapsed → "on track"."""
    out: list[GoalProgress] = []
    for g in goals.sort("due_on", "id").iter_rows(named=True):
        metric = g["metric"]
        target = float(g["target_value"])
        baseline = float(g["baseline_value"]) if g["baseline_value"] is not None else 0.0
        if metric not in GOAL_METRICS and metric not in values:
            current = Figure.undefined(f"Heartbeat does not compute a metric named {metric!r}")
        else:
            current = values.get(metric, Figure.undefined(f"{metric} is not available in this report"))
        if current.value is None:
            progress = Figure.undefined(current.reason or "no current value", "ratio")
        elif target == baseline:
            progress = Figure.undefined("the target equals the baseline", "ratio")
        else:
            progress = Figure.of((current.value - baseline) / (target - baseline), "ratio")
        started = g["created_on"]
        due: date = g["due_on"]
        if started is None or due <= started:
            elapsed = Figure.undefined("the goal's start is not known", "ratio")
        else:
            elapsed = Figure.of(min(1.0, max(0.0, (as_of - started).days / (due - started).days)), "ratio")
        if progress.value is None:
            status = "unknown"
        elif progress.value >= 1.0:
            status = "achieved"
        elif as_of > due:
            status = "overdue"
        elif elapsed.value is None or progress.value >= elapsed.value:
            status = "on track"
        else:
            status = "behind"
        out.append(
            GoalProgress(
                goal_id=g["id"],
                name=g["name"],
                metric=metric,
                target=target,
                baseline=baseline,
                current=current,
                progress=progress,
                due_on=due,
                time_elapsed=elapsed,
                status=status,
            )
        )
    return out


SCHOOL_KINDS = ("school", "university")
WORKPLACE_KINDS = ("business", "healthcare", "public_body")


def partners_with_training(
    partners: FrameLike, program_partners: FrameLike, events: FrameLike, *, at: date
) -> Query[dict[str, int]]:
    """Schools (schools, universities) and workplaces (businesses,
    healthcare, public bodies) that are active partners since `at` or
    before of a program that held at least one event by `at`.

    Example: school 1 partners program 7, which held a workshop → 1 school."""
    ran = events.lazy().filter(pl.col("starts_on") <= at).select("program_id").drop_nulls().unique()
    linked = program_partners.lazy().join(ran, on="program_id", how="semi").select("partner_id").unique()
    active = partners.lazy().filter((pl.col("status") == "active") & (pl.col("since") <= at))
    both = active.join(linked, left_on="id", right_on="partner_id", how="semi")
    frame = both.select(
        pl.col("kind").is_in(list(SCHOOL_KINDS)).sum().cast(pl.Int64).alias("schools"),
        pl.col("kind").is_in(list(WORKPLACE_KINDS)).sum().cast(pl.Int64).alias("workplaces"),
    )
    return Query(frame, lambda df: {"schools": int(df["schools"][0]), "workplaces": int(df["workplaces"][0])})
