"""Small-group suppression for every chart and export that counts people.

A figure about fewer than five people can identify them (the one volunteer of
a tiny chapter, the three respondents of a survey subgroup), so it is never
shown: tables and exports print the text "fewer than 5" in its place, and
charts leave the group out and say how many groups they left out.

Rule (k-anonymity threshold, k = 5, as in common statistical disclosure
control practice for published counts)::

    suppressed(group) = 0 < people(group) < k

A group with no people at all reveals nobody and is shown as 0. The rule
reads the number of distinct people behind a figure, never the figure itself:
a chapter of 3 volunteers who logged 400 hours is suppressed; a chapter of 12
who logged 2 hours is not.

Worked example (k = 5)::

    chapter  people  hours          chapter  people          hours
    North        12    340    ->    North    12              340
    South         3     41          South    fewer than 5    fewer than 5
    East          0      0          East     0               0

Totals are the caller's responsibility: a total over all groups next to a
single suppressed group gives it away by subtraction, so publish totals only
when at least two groups are suppressed or none is small (see
``exposes_by_subtraction``).
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

MIN_GROUP_SIZE = 5
SUPPRESSED_TEXT = "fewer than 5"


def is_small_group(people: str | pl.Expr, k: int = MIN_GROUP_SIZE) -> pl.Expr:
    """True where a group has at least one but fewer than `k` people.

    A null head-count is treated as small: an unknown number of people is
    not known to be safe to show."""
    _check_k(k)
    col = pl.col(people) if isinstance(people, str) else people
    return (col.is_null() | ((col > 0) & (col < k))).alias("small_group")


def suppress_small_groups(
    frame: pl.DataFrame,
    people: str,
    figures: Sequence[str] | None = None,
    *,
    k: int = MIN_GROUP_SIZE,
) -> pl.DataFrame:
    """The frame with every figure of a small group replaced by the text
    ``"fewer than 5"`` (for tables and exports).

    Parameters
    ----------
    frame
        One row per group.
    people
        The column holding the number of distinct people in each group.
    figures
        The columns to hide for small groups; by default `people` and every
        other numeric column. Label columns (names, dates) stay as they are.
    k
        The threshold; groups with 1 … k-1 people are suppressed.

    Returns
    -------
    The same rows in the same order; the `figures` columns become text so
    that a suppressed cell can hold the words. Floats keep their value as
    printed by polars; the caller rounds before suppressing.

    Examples
    --------
    >>> df = pl.DataFrame({"chapter": ["North", "South"], "people": [12, 3], "hours": [340, 41]})
    >>> suppress_small_groups(df, "people")["hours"].to_list()
    ['340', 'fewer than 5']
    """
    _check_k(k)
    if people not in frame.columns:
        raise ValueError(f"no column {people!r} with the number of people")
    if figures is None:
        figures = [
            name
            for name, dtype in frame.schema.items()
            if name == people or dtype.is_numeric() or dtype == pl.Decimal
        ]
    missing = [name for name in figures if name not in frame.columns]
    if missing:
        raise ValueError(f"no such columns: {', '.join(missing)}")
    small = is_small_group(people, k)
    return frame.with_columns(
        pl.when(small).then(pl.lit(SUPPRESSED_TEXT)).otherwise(pl.col(name).cast(pl.String)).alias(name)
        for name in figures
    )


def visible_groups(frame: pl.DataFrame, people: str, *, k: int = MIN_GROUP_SIZE) -> pl.DataFrame:
    """Only the groups that may be drawn (for charts, which cannot draw
    words): the rows that `suppress_small_groups` would leave untouched.

    >>> df = pl.DataFrame({"chapter": ["North", "South"], "people": [12, 3]})
    >>> visible_groups(df, "people")["chapter"].to_list()
    ['North']
    """
    if people not in frame.columns:
        raise ValueError(f"no column {people!r} with the number of people")
    return frame.filter(~is_small_group(people, k))


def hidden_group_count(frame: pl.DataFrame, people: str, *, k: int = MIN_GROUP_SIZE) -> int:
    """How many groups a chart built from `visible_groups` leaves out, for
    its caption ("2 groups with fewer than 5 people are not shown")."""
    if people not in frame.columns:
        raise ValueError(f"no column {people!r} with the number of people")
    return int(frame.select(is_small_group(people, k).sum()).item())


def exposes_by_subtraction(frame: pl.DataFrame, people: str, *, k: int = MIN_GROUP_SIZE) -> bool:
    """True when exactly one group is suppressed: a published total over the
    groups would then reveal it by subtraction, so the caller must not show
    that total.

    >>> df = pl.DataFrame({"people": [12, 3, 9]})
    >>> exposes_by_subtraction(df, "people")
    True
    """
    return hidden_group_count(frame, people, k=k) == 1


def suppression_caption(hidden: int, noun: str = "group") -> str | None:
    """The sentence a chart shows under itself when it left `hidden` groups
    out, each called a `noun` (plural: `noun` + "s")."""
    if hidden <= 0:
        return None
    nouns = noun if hidden == 1 else noun + "s"
    verb = "is" if hidden == 1 else "are"
    return f"{hidden} {nouns} with {SUPPRESSED_TEXT} people {verb} not shown, to protect their privacy."


def _check_k(k: int) -> None:
    if k < 2:
        raise ValueError("k must be at least 2: a threshold of 1 hides nobody")
