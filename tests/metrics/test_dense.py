"""Row numbers for ids, and sums and flags by row."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.dense import DenseIndex, flags, sums


def test_ids_find_their_rows_and_unknown_ids_find_none() -> None:
    index = DenseIndex.of(pl.Series([10, 3, 7]))
    assert index.rows_of(pl.Series([3, 7, 10, 99, None, -1])).to_list() == [1, 2, 0, None, None, None]


def test_sparse_ids_are_matched_by_a_join() -> None:
    index = DenseIndex.of(pl.Series([10**12, 3, -5]))
    assert index.rows_of(pl.Series([3, 10**12, -5, 4])).to_list() == [1, 0, 2, None]


def test_an_index_extends_with_the_ids_it_did_not_know() -> None:
    index = DenseIndex.of(pl.Series([10, 3])).extended(pl.Series([3, 99, 99, 5, None]))
    assert index.ids.to_list() == [10, 3, 99, 5]
    assert index.rows_of(pl.Series([99, 5, 3])).to_list() == [2, 3, 1]
    assert DenseIndex.of(pl.Series([1, 2])).extended(pl.Series([2, 1])).ids.to_list() == [1, 2]


def test_an_empty_index_knows_nothing() -> None:
    index = DenseIndex.of(pl.Series([], dtype=pl.Int64))
    assert len(index) == 0
    assert index.rows_of(pl.Series([1, 2])).to_list() == [None, None]


def test_sums_and_flags_by_row() -> None:
    rows = pl.Series([0, 0, 2], dtype=pl.UInt32)
    assert sums(rows, pl.Series([1, 2, 3]), 4).to_list() == [3.0, 0.0, 3.0, 0.0]
    assert flags(rows, 4).to_list() == [True, False, True, False]
    assert sums(pl.Series([], dtype=pl.UInt32), pl.Series([], dtype=pl.Int64), 2).to_list() == [0.0, 0.0]


def test_money_in_minor_units_sums_exactly() -> None:
    big = 2**52  # beyond float precision per step if summed carelessly, exact here
    rows = pl.Series([0, 0, 0], dtype=pl.UInt32)
    assert sums(rows, pl.Series([big, 1, 1]), 1).cast(pl.Int64).item() == big + 2


@settings(max_examples=50, deadline=None)
@given(
    ids=st.lists(st.integers(0, 50), min_size=1, max_size=30, unique=True),
    rows=st.lists(st.tuples(st.integers(0, 60), st.integers(-1_000, 1_000)), max_size=80),
)
def test_sums_agree_with_a_group_by(ids: list[int], rows: list[tuple[int, int]]) -> None:
    index = DenseIndex.of(pl.Series(ids, dtype=pl.Int64))
    frame = pl.DataFrame(rows, schema={"id": pl.Int64, "v": pl.Int64}, orient="row")
    found = index.rows_of(frame["id"])
    known = frame.filter(found.is_not_null())
    total = sums(found.drop_nulls(), known["v"], len(index))
    expected = known.group_by("id").agg(pl.col("v").sum())
    got = pl.DataFrame({"id": index.ids, "v": total.cast(pl.Int64)}).filter(
        flags(found.drop_nulls(), len(index))
    )
    assert got.sort("id").equals(expected.sort("id"))
