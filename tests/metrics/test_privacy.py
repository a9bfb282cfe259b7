"""k = 5 suppression: hand-made cases and properties."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from metrics.privacy import (
    SUPPRESSED_TEXT,
    exposes_by_subtraction,
    hidden_group_count,
    is_small_group,
    suppress_small_groups,
    suppression_caption,
    visible_groups,
)


def _chapters() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "chapter": ["North", "South", "East", "West", "Tiny"],
            "people": [12, 3, 0, 5, 4],
            "hours": [340, 41, 0, 60, 900],
            "share": [0.5, 0.25, 0.0, 0.1, 0.15],
        }
    )


def test_worked_example_from_the_docstring() -> None:
    out = suppress_small_groups(_chapters(), "people")
    assert out["chapter"].to_list() == ["North", "South", "East", "West", "Tiny"]
    assert out["people"].to_list() == ["12", SUPPRESSED_TEXT, "0", "5", SUPPRESSED_TEXT]
    assert out["hours"].to_list() == ["340", SUPPRESSED_TEXT, "0", "60", SUPPRESSED_TEXT]
    assert out["share"].to_list()[1] == SUPPRESSED_TEXT
    assert out["share"].to_list()[0] == "0.5"


def test_the_threshold_is_the_head_count_not_the_figure() -> None:
    # 4 people with 900 hours is hidden; 5 people with 60 is shown.
    out = suppress_small_groups(_chapters(), "people", ["hours"])
    assert dict(zip(out["chapter"], out["hours"], strict=True))["Tiny"] == SUPPRESSED_TEXT
    assert dict(zip(out["chapter"], out["hours"], strict=True))["West"] == "60"
    # Only the named figures change; the head count itself stays numeric.
    assert out["people"].dtype == pl.Int64


def test_exactly_five_is_shown_and_four_is_not() -> None:
    df = pl.DataFrame({"people": [4, 5], "n": [4, 5]})
    assert suppress_small_groups(df, "people")["n"].to_list() == [SUPPRESSED_TEXT, "5"]


def test_unknown_head_count_is_treated_as_small() -> None:
    df = pl.DataFrame({"people": [None, 20], "n": [7, 8]}, schema={"people": pl.Int64, "n": pl.Int64})
    assert suppress_small_groups(df, "people", ["n"])["n"].to_list() == [SUPPRESSED_TEXT, "8"]


def test_charts_get_only_visible_groups_and_a_caption() -> None:
    df = _chapters()
    assert visible_groups(df, "people")["chapter"].to_list() == ["North", "East", "West"]
    assert hidden_group_count(df, "people") == 2
    assert (
        suppression_caption(2) == "2 groups with fewer than 5 people are not shown, to protect their privacy."
    )
    assert (
        suppression_caption(1) == "1 group with fewer than 5 people is not shown, to protect their privacy."
    )
    assert suppression_caption(0) is None


def test_a_single_hidden_group_would_leak_through_a_total() -> None:
    assert exposes_by_subtraction(pl.DataFrame({"people": [12, 3, 9]}), "people")
    assert not exposes_by_subtraction(pl.DataFrame({"people": [12, 3, 2]}), "people")
    assert not exposes_by_subtraction(pl.DataFrame({"people": [12, 30]}), "people")


def test_empty_frame_keeps_its_columns() -> None:
    empty = _chapters().clear()
    out = suppress_small_groups(empty, "people")
    assert out.columns == empty.columns
    assert out.height == 0
    assert hidden_group_count(empty, "people") == 0


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="number of people"):
        suppress_small_groups(_chapters(), "members")
    with pytest.raises(ValueError, match="no such columns: amount"):
        suppress_small_groups(_chapters(), "people", ["amount"])
    with pytest.raises(ValueError, match="at least 2"):
        suppress_small_groups(_chapters(), "people", k=1)


def test_other_thresholds() -> None:
    df = pl.DataFrame({"people": [9, 10]})
    assert df.select(is_small_group("people", 10))["small_group"].to_list() == [True, False]


@given(st.lists(st.integers(min_value=0, max_value=50), max_size=40))
def test_no_figure_of_a_small_group_survives(counts: list[int]) -> None:
    df = pl.DataFrame(
        {"people": counts, "figure": [c * 7 + 1 for c in counts]},
        schema={"people": pl.Int64, "figure": pl.Int64},
    )
    out = suppress_small_groups(df, "people")
    for count, figure, head_count in zip(counts, out["figure"], out["people"], strict=True):
        if 0 < count < 5:
            assert figure == SUPPRESSED_TEXT and head_count == SUPPRESSED_TEXT
        else:
            assert figure == str(count * 7 + 1) and head_count == str(count)
    assert visible_groups(df, "people").height + hidden_group_count(df, "people") == len(counts)
