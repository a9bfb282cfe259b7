"""Which rows a report covers: a chapter with all its sub-chapters (through
the chapters' parent links), and optionally one program."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


def chapter_subtree(chapters: pl.DataFrame, chapter_id: int) -> list[int]:
    """`chapter_id` and every chapter below it, at any depth.

    Formula: the transitive closure of ``parent_id`` from `chapter_id`, the
    same tree `app.coordinated_chapters()` walks in the database.

    Example: with national 1 above regional 2 above locals 3 and 4, and a
    separate local 5, ``chapter_subtree(chapters, 2) == [2, 3, 4]``.

    Raises
    ------
    KeyError
        When `chapter_id` is not among `chapters` (or the reader may not see it).
    """
    ids = chapters.get_column("id").to_list()
    if chapter_id not in ids:
        raise KeyError(f"chapter {chapter_id} is not known")
    children: dict[int, list[int]] = {}
    for child, parent in zip(ids, chapters.get_column("parent_id").to_list(), strict=True):
        if parent is not None:
            children.setdefault(parent, []).append(child)
    seen = {chapter_id}
    frontier = [chapter_id]
    while frontier:
        nxt: list[int] = []
        for node in frontier:
            for child in children.get(node, ()):
                if child not in seen:  # a cycle cannot exist in the table, but never loop
                    seen.add(child)
                    nxt.append(child)
        frontier = nxt
    return sorted(seen)


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
