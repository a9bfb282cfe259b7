"""Row numbers for ids, and sums and flags by row number.

polars groups by hashing its keys. Where a report groups the same people
over and over (members, donors), numbering them once 0 … n−1 turns each
grouping into an indexed write: a flag is a scatter into a Boolean column,
a sum is numpy's `bincount`. At a million rows that is 5–15 times faster
than a hash group-by (`bench/metrics_report.py` measures the whole report).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

# Ids up to this many times their number index a lookup table directly;
# sparser ids are matched by a join instead.
_DENSE_FACTOR = 8


@dataclass(frozen=True)
class DenseIndex:
    """Row numbers for ``ids`` (row r holds ``ids[r]``).

    Ids from the database are identity values, close to 1 … n: a table
    indexed by id finds their rows with one gather. Anything else (negative
    or very sparse ids) is matched by a join."""

    ids: pl.Series
    _table: pl.Series | None
    _joined: pl.DataFrame | None

    @classmethod
    def of(cls, ids: pl.Series) -> DenseIndex:
        ids = ids.cast(pl.Int64)
        n = ids.len()
        rows = pl.int_range(n, dtype=pl.UInt32, eager=True)
        low, top = (ids.min(), ids.max()) if n else (0, -1)
        assert isinstance(low, int) and isinstance(top, int)
        if low >= 0 and top < _DENSE_FACTOR * n + 2**20:
            # One entry past the largest id stays null: where unknown ids go.
            table = pl.repeat(None, top + 2, dtype=pl.UInt32, eager=True)
            return cls(ids, table.scatter(ids, rows) if n else table, None)
        return cls(ids, None, pl.DataFrame({"id": ids, "row": rows}))

    def __len__(self) -> int:
        return self.ids.len()

    def rows_of(self, ids: pl.Series) -> pl.Series:
        """The row of each of `ids` (null where unknown), in their order."""
        ids = ids.cast(pl.Int64)
        if self._table is not None:
            top = self._table.len() - 2
            low, high = ids.min(), ids.max()
            if not (isinstance(low, int) and isinstance(high, int) and low >= 0 and high <= top):
                ids = pl.select(
                    pl.when(ids.is_between(0, top)).then(ids).otherwise(pl.lit(top + 1, pl.Int64))
                ).to_series()
            return self._table.gather(ids)
        assert self._joined is not None
        found = pl.DataFrame({"id": ids}).join(self._joined, on="id", how="left", maintain_order="left")
        return found.get_column("row")

    def extended(self, ids: pl.Series) -> DenseIndex:
        """This index with rows n, n + 1, … for those of `ids` it does not
        know (in order of first appearance)."""
        unknown = ids.cast(pl.Int64).filter(self.rows_of(ids).is_null()).drop_nulls()
        if unknown.len() == 0:
            return self
        return DenseIndex.of(pl.concat([self.ids, unknown.unique(maintain_order=True)]))


def flags(rows: pl.Series, n: int) -> pl.Series:
    """A Boolean column of `n` rows, true at `rows`."""
    out = pl.repeat(False, n, dtype=pl.Boolean, eager=True)
    return out.scatter(rows, True) if rows.len() else out


def sums(rows: pl.Series, values: pl.Series, n: int) -> pl.Series:
    """Per row 0 … n−1, the sum of `values` at it (0 where none).

    Integers sum exactly while the totals stay below 2⁵³ (for money in
    minor units, about 90 trillion)."""
    if rows.len() == 0:
        return pl.repeat(0.0, n, dtype=pl.Float64, eager=True)
    weights = values.cast(pl.Float64).to_numpy()
    return pl.Series(np.bincount(rows.to_numpy(), weights=weights, minlength=n))
