"""Which rows a report covers: a chapter with all its sub-chapters (through
the chapters' parent links), and optionally one program."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl


def descendants(links: Iterable[tuple[int, int | None]], roots: Iterable[int]) -> list[int]:
    """The known `roots` and every chapter below them, at any depth, sorted.

    Formula: the transitive closure of ``parent_id`` over `links` (pairs of
    chapter id and parent id), the same tree `app.coordinated_chapters()`
    walks in the database; one pass to index children, then each chapter is
    visited once.

    >>> descendants([(1, None), (2, 1), (3, 2), (4, 2), (5, None)], [2])
    [2, 3, 4]
    >>> descendants([(1, None)], [9])
    []
    """
    children: dict[int, list[int]] = {}
    known: set[int] = set()
    for child, parent in links:
        known.add(child)
        if parent is not None:
            children.setdefault(parent, []).append(child)
    seen = {r for r in roots if r in known}
    frontier = list(seen)
    while frontier:
        node = frontier.pop()
        for child in children.get(node, ()):
            if child not in seen:  # a cycle cannot exist in the table, but never loop
                seen.add(child)
                frontier.append(child)
    return sorted(seen)


def chapter_subtree(chapters: pl.DataFrame, chapter_id: int) -> list[int]:
    """`chapter_id` and every chapter below it, at any depth (`descendants`
    of a frame with ``id`` and ``parent_id``).

    Example: with national 1 above regional 2 above locals 3 and 4, and a
    separate local 5, ``chapter_subtree(chapters, 2) == [2, 3, 4]``.

    Raises
    ------
    KeyError
        When `chapter_id` is not among `chapters` (or the reader may not see it).
    """
    links = zip(chapters.get_column("id").to_list(), chapters.get_column("parent_id").to_list(), strict=True)
    found = descendants(links, [chapter_id])
    if not found:
        raise KeyError(f"chapter {chapter_id} is not known")
    return found


@dataclass(frozen=True)
class Scope:
    """The chapters (None = the whole movement) and program (None = all)
    a figure covers."""

    chapter_ids: tuple[int, ...] | None = None
    program_id: int | None = None
    chapter_id: int | None = None  # the chapter asked for, root of `chapter_ids`

    @classmethod
    def of(
        cls, chapters: pl.DataFrame, chapter_id: int | None = None, program_id: int | None = None
    ) -> Scope:
        if chapter_id is None:
            return cls(None, program_id, None)
        return cls(tuple(chapter_subtree(chapters, chapter_id)), program_id, chapter_id)

    def chapter_filter(self, column: str = "chapter_id") -> pl.Expr:
        """True for rows of a chapter in scope (every row for the movement)."""
        if self.chapter_ids is None:
            return pl.lit(True)
        return pl.col(column).is_in(list(self.chapter_ids))

    def program_filter(self, column: str = "program_id") -> pl.Expr:
        """True for rows of the program in scope (every row without one)."""
        if self.program_id is None:
            return pl.lit(True)
        return pl.col(column) == self.program_id

    def filter(self, *, chapter: str | None = "chapter_id", program: str | None = None) -> pl.Expr:
        expr = pl.lit(True)
        if chapter is not None:
            expr = expr & self.chapter_filter(chapter)
        if program is not None:
            expr = expr & self.program_filter(program)
        return expr

    @property
    def is_movement(self) -> bool:
        return self.chapter_ids is None

    def json_form(self) -> dict[str, object]:
        return self.to_dict()

    def to_dict(self) -> dict[str, object]:
        return {
            "chapter_id": self.chapter_id,
            "chapter_ids": list(self.chapter_ids) if self.chapter_ids is not None else None,
            "program_id": self.program_id,
        }
