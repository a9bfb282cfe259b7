"""Every import reports its problems as the same table, so a person reads
one shape and the downloaded report opens the same way whatever was
imported: row, column, value, problem."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import polars as pl


class Problem(Protocol):
    @property
    def row(self) -> int: ...
    @property
    def column(self) -> str | None: ...
    @property
    def value(self) -> str | None: ...
    @property
    def message(self) -> str: ...


def problems_frame(problems: Sequence[Problem]) -> pl.DataFrame:
    """The problems as the table every import shows and offers to download."""
    return pl.DataFrame(
        {
            "row": [p.row for p in problems],
            "column": [p.column for p in problems],
            "value": [p.value for p in problems],
            "problem": [p.message for p in problems],
        },
        schema={"row": pl.Int64, "column": pl.String, "value": pl.String, "problem": pl.String},
    )
