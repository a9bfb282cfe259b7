"""The shared pieces: figures, periods, scope, schemas, queries and the
health score."""

from __future__ import annotations

import math
from datetime import date

import polars as pl
import pytest

from metrics import health as H
from metrics.figure import Figure, jsonable
from metrics.periods import Period, add_months, fiscal_year_of, fiscal_year_start, last_complete_month
from metrics.query import Query, collect_all
from metrics.schemas import MEMBERS, ReportFrames, conform
from metrics.scope import Scope, chapter_subtree
from tests.metrics.builders import D, chapter, chapters


def test_figure_has_a_value_or_a_reason() -> None:
    assert Figure.of(0.5, "ratio").defined
    assert Figure.ratio(1, 0, "ratio", "nobody").reason == "nobody"
    with pytest.raises(ValueError, match="either a value or a reason"):
        Figure(value=None)
    with pytest.raises(ValueError, match="finite"):
        Figure.of(math.inf)
    assert Figure.undefined("x").map(lambda v: v * 2).reason == "x"
    assert jsonable(Figure.undefined("no burn", "months", unbounded=True)) == {
        "value": None,
        "unit": "months",
        "reason": "no burn",
        "unbounded": True,
    }


def test_jsonable_turns_frames_dates_and_nan_into_json_types() -> None:
    frame = pl.DataFrame({"d": [D(2024, 1, 1)], "x": [float("nan")]})
    assert jsonable({"f": frame, "t": (1, 2)}) == {"f": [{"d": "2024-01-01", "x": None}], "t": [1, 2]}


def test_fiscal_years_are_named_by_the_year_they_end() -> None:
    assert fiscal_year_of(D(2024, 7, 1), 7) == 2025
    assert fiscal_year_of(D(2024, 6, 30), 7) == 2024
    assert fiscal_year_of(D(2024, 12, 31)) == 2024
    assert fiscal_year_start(2025, 7) == D(2024, 7, 1)
    assert Period.fiscal_year(2025, 4) == Period(D(2024, 4, 1), D(2025, 3, 31))
    with pytest.raises(ValueError, match="a month is 1–12"):
        fiscal_year_of(D(2024, 1, 1), 13)


def test_periods_are_whole_months() -> None:
    q = Period.quarter(2024, 1)
    assert q == Period(D(2024, 1, 1), D(2024, 3, 31))
    assert q.previous() == Period(D(2023, 10, 1), D(2023, 12, 31))
    assert q.year_before() == Period(D(2023, 1, 1), D(2023, 3, 31))
    assert Period.month(2024, 2).end == D(2024, 2, 29)
    assert Period.trailing_months(D(2024, 5, 15), 12) == Period(D(2023, 6, 1), D(2024, 5, 31))
    assert q.effective_end(D(2024, 2, 10)) == D(2024, 2, 10) and q.is_partial(D(2024, 2, 10))
    assert q.n_months == 3 and q.month_starts() == [D(2024, 1, 1), D(2024, 2, 1), D(2024, 3, 1)]
    with pytest.raises(ValueError, match="first day"):
        Period(D(2024, 1, 2), D(2024, 1, 31))
    with pytest.raises(ValueError, match="last day"):
        Period(D(2024, 1, 1), D(2024, 1, 30))
    assert add_months(D(2024, 1, 31), -2) == D(2023, 11, 1)
    assert last_complete_month(D(2024, 3, 31)) == D(2024, 3, 1)
    assert last_complete_month(D(2024, 3, 30)) == D(2024, 2, 1)


def test_chapter_subtree_follows_parent_links() -> None:
    chs = chapters(
        chapter(1, "national"),
        chapter(2, "regional", 1),
        chapter(3, "local", 2),
        chapter(4, "local", 2),
        chapter(5, "local", 1),
        chapter(6, "regional"),
    )
    assert chapter_subtree(chs, 1) == [1, 2, 3, 4, 5]
    assert chapter_subtree(chs, 2) == [2, 3, 4]
    assert chapter_subtree(chs, 3) == [3]  # a chapter with no sub-chapters
    with pytest.raises(KeyError):
        chapter_subtree(chs, 99)
    scope = Scope.of(chs, 2, program_id=7)
    frame = pl.DataFrame({"chapter_id": [1, 2, 3, 5], "program_id": [7, 7, 8, 7]})
    assert frame.filter(scope.filter(program="program_id")).rows() == [(2, 7)]
    assert Scope.of(chs).is_movement


def test_conform_casts_and_refuses_missing_columns() -> None:
    raw = pl.DataFrame(
        {
            "id": [1],
            "chapter_id": [2],
            "joined_on": [date(2024, 1, 1)],
            "left_on": [None],
            "trained_on": [None],
            "leader_since": [None],
            "extra": ["x"],
        }
    )
    assert conform(raw, MEMBERS).schema == pl.Schema(dict(MEMBERS))
    with pytest.raises(ValueError, match="lacks columns"):
        conform(raw.drop("joined_on"), MEMBERS)
    empty = ReportFrames.of()
    assert empty.members.height == 0 and empty.members.schema == pl.Schema(dict(MEMBERS))
    with pytest.raises(TypeError):
        ReportFrames.of(nonsense=raw)


def test_queries_collect_together() -> None:
    lf = pl.LazyFrame({"a": [1, 2, 3]})
    total = Query(lf.select(pl.col("a").sum()), lambda df: int(df.item()))
    doubled = total.then(lambda v: v * 2)
    assert collect_all([total, doubled, Query.frame_of(lf)])[:2] == [6, 12]
    assert collect_all([]) == []


def test_health_score_by_hand() -> None:
    comps = {k: H.DEFAULT_COMPONENTS[k] for k in ("active_ratio", "member_churn", "runway_months")}
    s = H.health_score({"active_ratio": Figure.of(0.25), "member_churn": Figure.of(0.10)}, comps)
    f1 = math.log(26) / math.log(51)
    f2 = math.log(11) / math.log(21)
    assert s.score.value == pytest.approx(100 * (f1 - f2) / 2)
    parts = {c.key: c for c in s.components}
    assert parts["active_ratio"].contribution == pytest.approx(100 * f1 / 2)
    assert parts["member_churn"].contribution == pytest.approx(-100 * f2 / 2)
    assert parts["runway_months"].contribution is None
    assert s.not_scored == ["Runway: not computed for this scope"]
    assert sum(c.contribution or 0 for c in s.components) == pytest.approx(s.score.value)


def test_health_score_caps_and_unbounded_runway() -> None:
    comps = {"runway_months": H.DEFAULT_COMPONENTS["runway_months"]}
    unlimited = Figure.undefined("no net burn", "months", unbounded=True)
    assert H.health_score({"runway_months": unlimited}, comps).score.value == pytest.approx(100.0)
    assert H.health_score({"runway_months": Figure.of(40.0)}, comps).score.value == pytest.approx(100.0)
    assert H.normalised(-3.0, 10.0) == 0.0


def test_health_score_with_nothing_defined_is_undefined() -> None:
    s = H.health_score({})
    assert s.score.value is None
    assert len(s.not_scored) == len(H.DEFAULT_COMPONENTS)
    with pytest.raises(ValueError, match="the cap must be positive"):
        H.Component("bad", 1.0, 0.0)
