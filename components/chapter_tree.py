"""The chapter tree as the filters and chapter pages show it: chapters in
the order of an indented list, each one's depth, and a chapter with every
chapter below it. The walk itself is `metrics.scope.descendants` (the one
walk of the tree, linear)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from metrics.scope import descendants


@dataclass(frozen=True)
class ChapterOption:
    id: int
    name: str
    level: str
    parent_id: int | None


def chapter_depths(chapters: Iterable[ChapterOption]) -> dict[int, int]:
    """Each chapter's depth in the tree (0 at the top), parents first."""
    items = list(chapters)  # walked twice: a generator would be empty the second time
    depths: dict[int, int] = {}
    ids = {c.id for c in items}
    for c in chapter_tree_order(items):
        parent = c.parent_id if c.parent_id in ids else None
        depths[c.id] = 0 if parent is None else depths.get(parent, -1) + 1
    return depths


def chapter_tree_order(chapters: Iterable[ChapterOption]) -> list[ChapterOption]:
    """Parents before their children, siblings by name: the order of an
    indented list."""
    items = list(chapters)
    ids = {c.id for c in items}
    children: dict[int | None, list[ChapterOption]] = {}
    for c in items:
        parent = c.parent_id if c.parent_id in ids else None
        children.setdefault(parent, []).append(c)
    out: list[ChapterOption] = []

    def visit(parent: int | None) -> None:
        for child in sorted(children.get(parent, []), key=lambda c: c.name.lower()):
            out.append(child)
            visit(child.id)

    visit(None)
    return out


def subtree(chapters: Iterable[ChapterOption], roots: Iterable[int]) -> frozenset[int]:
    """`roots` and every chapter below them."""
    return frozenset(descendants(((c.id, c.parent_id) for c in chapters), roots))
