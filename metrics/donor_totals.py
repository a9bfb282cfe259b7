"""Each donor's total over any window of days, without a hash group-by.

The donor figures (retention, gains and losses, concentration) all start
from per-donor totals: of a fiscal year, of the two before it, of a
period. Here the donors are numbered once (`metrics.dense`) and the gifts
kept by date with their donor's number, so that a window's totals are a
binary search and one `bincount`. The results are the frames
`metrics.fundraising` builds with a group-by, and `tests/metrics` checks
that they agree; they serve the movement as a whole (a chapter's gifts are
few enough to group).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import polars as pl

from metrics.dense import DenseIndex, flags, sums
from metrics.lru import Lru
from metrics.periods import add_months, fiscal_year_expr, fiscal_year_start, rows_between


@dataclass(frozen=True)
class DonorTotals:
    """``ids``: the donor of each row; ``first_on``: that donor's first gift
    that counts; ``gifts``: the gifts that count (net amount above zero), by
    ``received_on``, with ``amount`` and the donor's ``row``."""

    ids: pl.Series
    first_on: pl.Series
    gifts: pl.DataFrame

    def first_gifts(self) -> pl.DataFrame:
        """Each donor's first gift that counts: ``donor_id``, ``first_on``."""
        return pl.DataFrame({"donor_id": self.ids, "first_on": self.first_on})

    # The fiscal years before a report's are the same for every period in
    # it: their totals are kept (a few, each a column of floats).
    _kept: Lru[tuple[date, date], pl.Series] = field(default_factory=lambda: Lru(16), repr=False)

    def totals(self, first: date, last: date) -> pl.Series:
        """Each row's net total of the gifts received from `first` to `last`."""

        def make() -> pl.Series:
            window = rows_between(self.gifts, "received_on", first, last)
            return sums(window.get_column("row"), window.get_column("amount"), self.ids.len())

        return self._kept.get_or_make((first, last), make)

    def per_donor(self, first: date, last: date) -> pl.DataFrame:
        """``donor_id``, ``a`` (Float64): the total of each donor who gave
        from `first` to `last`, as `metrics.fundraising.gift_summary` sums
        them for concentration (top-k share, HHI).

        Example: A gives 600 and 100, B 300 → A 700, B 300."""
        window = rows_between(self.gifts, "received_on", first, last)
        gave = flags(window.get_column("row"), self.ids.len())
        a = sums(window.get_column("row"), window.get_column("amount"), self.ids.len())
        return pl.DataFrame({"donor_id": self.ids, "a": a}).filter(gave)

    def years(self, *, year: int, as_of: date, fy_start_month: int = 1) -> pl.DataFrame:
        """`metrics.fundraising.donor_years` at `as_of` (or FY `year`'s end if
        earlier): per donor who gave by then, ``a0``, ``a1``, ``a2`` (net
        totals of FY y to then, y−1, y−2) and ``first_fy``, the rows FEP's
        retention, gains and losses and LYBUNT/SYBUNT are counted from.

        Formula: a_k = Σ net amounts of the donor's gifts in FY y − k
        (Fundraising Effectiveness Project definitions, METRICS.md).

        Example: gifts of 100 (FY 2023) and 50 + 25 (FY 2024) → for 2024,
        a0 = 75, a1 = 100, a2 = 0, first_fy = 2023."""
        starts = [fiscal_year_start(year - k, fy_start_month) for k in range(3)]
        end = min(as_of, add_months(starts[0], 12) - timedelta(days=1))
        columns = {
            "a0": self.totals(starts[0], end),
            "a1": self.totals(starts[1], starts[0] - timedelta(days=1)),
            "a2": self.totals(starts[2], starts[1] - timedelta(days=1)),
        }
        return (
            pl.DataFrame({"donor_id": self.ids, **columns, "first_on": self.first_on})
            .filter(pl.col("first_on") <= end)
            .select(
                "donor_id",
                pl.col("a0", "a1", "a2").cast(pl.Int64),
                fiscal_year_expr(pl.col("first_on"), fy_start_month).alias("first_fy"),
            )
        )


def donor_totals(gifts: pl.DataFrame) -> DonorTotals:
    """`DonorTotals` from the gifts that count (``donor_id``, ``received_on``
    sorted, ``amount``)."""
    firsts = gifts.group_by("donor_id").agg(pl.col("received_on").min().alias("first_on"))
    index = DenseIndex.of(firsts.get_column("donor_id"))  # row r is the donor of firsts' row r
    located = gifts.select("received_on", "amount", index.rows_of(gifts.get_column("donor_id")).alias("row"))
    return DonorTotals(index.ids, firsts.get_column("first_on"), located)
