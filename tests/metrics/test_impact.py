"""Impact: TEQ scoring, paired change with effect sizes, practice, goals."""

from __future__ import annotations

import math

import polars as pl
import pytest

from metrics import _stats
from metrics import impact as I
from metrics.figure import Figure
from metrics.schemas import PARTNERS, PROGRAM_PARTNERS, rows
from tests.metrics.builders import D, event, events, goal, goals, response, responses, teq_items


def _score(**answers: int) -> int:
    base = {f"q{i:02d}": 0 for i in range(1, 17)}
    base.update(answers)
    return int(pl.DataFrame([base]).select(I.teq_score())["teq"][0])


def test_teq_reverses_items_2_4_7_10_11_12_14_15() -> None:
    # All answers 0: the eight reversed items each give 4.
    assert _score() == 32
    assert _score(**{f"q{i:02d}": 4 for i in range(1, 17)}) == 32
    assert _score(**{f"q{i:02d}": 4 for i in (1, 3, 5, 6, 8, 9, 13, 16)}) == 64
    assert _score(**{f"q{i:02d}": 4 for i in I.TEQ_REVERSED}) == 0
    assert _score(q01=3, q02=1) == 32 + 3 - 1


def test_builder_items_score_what_they_say() -> None:
    for total in (0, 17, 33, 64):
        assert _score(**teq_items(total)) == total


# Pre 30, 32, 34, 36 and post 34, 35, 37, 42 in program 1: Δ = 4, 3, 3, 6.
PAIRED = responses(
    *(response(f"r{i}", "pre", pre, day=D(2024, 2, 1)) for i, pre in enumerate((30, 32, 34, 36))),
    *(response(f"r{i}", "post", post, day=D(2024, 5, 1)) for i, post in enumerate((34, 35, 37, 42))),
)


def test_paired_change_every_statistic_by_hand() -> None:
    c = I.paired_change(I.paired_scores(PAIRED)).collect()
    assert c.n == 4 and c.df == 3
    assert (c.mean_pre.value, c.mean_post.value, c.mean_diff.value) == (33.0, 37.0, 4.0)
    assert c.sd_diff.value == pytest.approx(math.sqrt(2))  # deviations 0, −1, −1, 2 → 6 / 3
    assert c.sd_pre.value == pytest.approx(math.sqrt(20 / 3))
    assert c.sd_post.value == pytest.approx(math.sqrt(38 / 3))
    assert c.t.value == pytest.approx(4 / (math.sqrt(2) / 2))  # 5.657
    assert c.p_value.value == pytest.approx(0.0109377, abs=1e-6)
    assert c.d_z.value == pytest.approx(4 / math.sqrt(2))
    d_av = 4 / ((math.sqrt(20 / 3) + math.sqrt(38 / 3)) / 2)
    assert c.d_av.value == pytest.approx(d_av)
    j = 1 - 3 / (4 * 3 - 1)
    assert c.hedges_j.value == pytest.approx(j)
    assert c.g_z.value == pytest.approx(j * 4 / math.sqrt(2))
    assert c.g_av.value == pytest.approx(j * d_av)
    # 4 ± t(0.975, 3) · √2 / 2, t = 3.182446
    assert c.ci_mean_diff.low == pytest.approx(4 - 3.182446305 * math.sqrt(2) / 2, abs=1e-6)
    assert c.ci_mean_diff.high == pytest.approx(4 + 3.182446305 * math.sqrt(2) / 2, abs=1e-6)
    # Noncentral-t limits (Cumming & Finch 2001), checked against SciPy 1.17.
    assert c.ci_d_z.low == pytest.approx(0.4805733, abs=1e-6)
    assert c.ci_d_z.high == pytest.approx(5.1716571, abs=1e-6)
    assert "not the effect a controlled trial" in c.caveat


def test_pairing_uses_first_pre_and_last_post_within_a_program() -> None:
    r = responses(
        response("a", "pre", 20, day=D(2024, 1, 1)),
        response("a", "pre", 25, day=D(2024, 1, 5), event=9),
        response("a", "post", 30, day=D(2024, 3, 1)),
        response("a", "post", 35, day=D(2024, 4, 1), event=9),
        response("a", "follow_up", 50, day=D(2024, 9, 1)),
        response("b", "pre", 20, program=2),
        response("c", "post", 20),  # no pre: unpaired
    )
    pairs = I.paired_scores(r).collect()
    assert pairs.rows() == [(1, "a", 20, 35, D(2024, 4, 1), 1)]


def test_answers_without_a_program_pair_within_their_event() -> None:
    r = responses(
        response("a", "pre", 20, program=None, event=5),
        response("a", "post", 26, program=None, event=5, day=D(2024, 4, 1)),
        response("a", "post", 40, program=None, event=6, day=D(2024, 4, 1)),
    )
    assert I.paired_scores(r).collect().select("program_id", "respondent_code", "pre", "post").rows() == [
        (None, "a", 20, 26)
    ]


def test_pairs_count_in_the_period_of_their_post_answer() -> None:
    pairs = I.paired_scores(PAIRED, first=D(2024, 6, 1), last=D(2024, 12, 31)).collect()
    assert pairs.height == 0
    c = I.paired_change(pairs).collect()
    assert c.n == 0 and c.mean_diff.value is None
    assert c.ci_d_z.reason == "no respondent answered both before and after"


def test_a_single_respondent_gives_a_change_but_no_effect_size() -> None:
    one = responses(response("a", "pre", 30), response("a", "post", 36, day=D(2024, 5, 1)))
    c = I.paired_change(I.paired_scores(one)).collect()
    assert c.n == 1 and c.mean_diff.value == 6.0
    for fig in (c.sd_diff, c.t, c.p_value, c.d_z, c.d_av, c.g_av):
        assert fig.value is None and fig.reason == "a single respondent: there is no spread to estimate"
    assert c.ci_mean_diff.low is None


def test_identical_changes_have_no_spread_to_scale_by() -> None:
    same = responses(
        *(response(f"r{i}", "pre", 30 + i) for i in range(3)),
        *(response(f"r{i}", "post", 32 + i, day=D(2024, 5, 1)) for i in range(3)),
    )
    c = I.paired_change(I.paired_scores(same)).collect()
    assert c.sd_diff.value == 0.0
    assert c.t.value is None and c.d_z.value is None
    assert c.d_av.value == pytest.approx(2.0)  # sd of each wave is 1
    assert c.ci_mean_diff.low == pytest.approx(2.0) and c.ci_mean_diff.high == pytest.approx(2.0)


def test_change_by_program() -> None:
    extra = responses(
        response("x", "pre", 10, program=2), response("x", "post", 12, program=2, day=D(2024, 5, 1))
    )
    both = pl.concat([PAIRED, extra])
    by = I.paired_change_by_program(I.paired_scores(both)).collect()
    assert [(c.program_id, c.n) for c in by] == [(1, 4), (2, 1)]
    assert by[0].mean_diff.value == 4.0


def test_teq_distribution_by_wave() -> None:
    frame = I.teq_distribution(PAIRED, first=D(2024, 1, 1), last=D(2024, 12, 31)).collect()
    assert frame.filter(pl.col("wave") == "pre")["teq"].to_list() == [30, 32, 34, 36]
    assert frame["respondents"].sum() == 8


def test_practice_rate_by_hand() -> None:
    r = responses(
        response("a", "post", 30, practice="weekly", day=D(2024, 5, 1)),
        response("b", "post", 30, practice="daily", day=D(2024, 5, 1)),
        response("c", "post", 30, practice="monthly", day=D(2024, 5, 1)),
        response("d", "post", 30, practice="never", day=D(2024, 5, 1)),
        response("e", "post", 30, practice=None, day=D(2024, 5, 1)),  # left blank
        response(
            "c", "follow_up", 30, practice="several_times_a_week", day=D(2024, 3, 1)
        ),  # older than c's post
        response("f", "pre", 30, practice="daily"),  # before the program: not counted by default
    )
    p = I.practice_rate(r, first=D(2024, 1, 1), last=D(2024, 12, 31)).collect()
    assert (p.respondents, p.weekly_or_more) == (4, 2)
    assert p.rate.value == 0.5
    every_wave = I.practice_rate(
        r, first=D(2024, 1, 1), last=D(2024, 12, 31), waves=("pre", "post", "follow_up")
    )
    assert every_wave.collect().respondents == 5


def test_practice_rate_with_nobody_is_undefined() -> None:
    p = I.practice_rate(responses(), first=D(2024, 1, 1), last=D(2024, 12, 31)).collect()
    assert p.rate.value is None


def test_goal_progress_and_status_by_hand() -> None:
    g = goals(
        goal(1, "members", 1200, baseline=1000, created=D(2024, 1, 1), due=D(2024, 12, 31)),
        goal(2, "practice_rate", 0.5, created=D(2024, 1, 1), due=D(2024, 12, 31)),
        goal(3, "events", 10, due=D(2024, 3, 31), created=D(2024, 1, 1)),
        goal(4, "members.active", 10),
        goal(5, "funds_raised_minor", 100),
    )
    values = {
        "members": Figure.of(1150),
        "practice_rate": Figure.of(0.1),
        "events": Figure.of(4),
        "funds_raised_minor": Figure.undefined("you may not see donations"),
    }
    out = {p.goal_id: p for p in I.goal_progress(g, values, as_of=D(2024, 7, 1))}
    assert out[1].progress.value == pytest.approx(0.75)
    assert out[1].time_elapsed.value == pytest.approx(182 / 365)
    assert out[1].status == "on track"
    assert out[2].progress.value == pytest.approx(0.2) and out[2].status == "behind"
    assert out[3].status == "overdue"
    assert out[4].status == "unknown" and "does not compute" in (out[4].current.reason or "")
    assert out[5].progress.reason == "you may not see donations"


def test_partners_with_training() -> None:
    partners = rows(
        PARTNERS,
        [
            {"id": 1, "kind": "school", "status": "active", "since": D(2023, 1, 1), "chapter_id": 1},
            {"id": 2, "kind": "business", "status": "active", "since": D(2023, 1, 1), "chapter_id": 1},
            {"id": 3, "kind": "university", "status": "ended", "since": D(2023, 1, 1), "chapter_id": 1},
            {"id": 4, "kind": "school", "status": "active", "since": D(2023, 1, 1), "chapter_id": 1},
        ],
    )
    links = rows(
        PROGRAM_PARTNERS,
        [{"program_id": 7, "partner_id": p} for p in (1, 2, 3)] + [{"program_id": 8, "partner_id": 4}],
    )
    evs = events(event(1, D(2024, 1, 1), program=7), event(2, D(2025, 1, 1), program=8))
    out = I.partners_with_training(partners, links, evs, at=D(2024, 6, 30)).collect()
    assert out == {"schools": 1, "workplaces": 1}


def test_student_t_against_table_values() -> None:
    assert _stats.t_quantile(0.975, 9) == pytest.approx(2.262157, abs=1e-6)
    assert _stats.t_quantile(0.975, 1) == pytest.approx(12.706205, abs=1e-6)
    assert _stats.t_quantile(0.995, 30) == pytest.approx(2.749996, abs=1e-6)
    assert _stats.t_two_sided_p(2.228139, 10) == pytest.approx(0.05, abs=1e-6)
    assert _stats.t_cdf(0.0, 5) == pytest.approx(0.5)


def test_noncentral_t_against_reference_values() -> None:
    # Values from SciPy 1.17's nct.cdf.
    assert _stats.noncentral_t_cdf(2.0, 9, 1.0) == pytest.approx(0.8041440182, abs=1e-9)
    assert _stats.noncentral_t_cdf(-1.0, 5, 0.5) == pytest.approx(0.0824440911, abs=1e-9)
    assert _stats.noncentral_t_cdf(1.0, 10, 0.0) == pytest.approx(_stats.t_cdf(1.0, 10), abs=1e-12)
    lo, hi = _stats.standardized_mean_ci(0.5, 10)
    assert (lo, hi) == pytest.approx((-0.1722790656, 1.1482357855), abs=1e-8)
