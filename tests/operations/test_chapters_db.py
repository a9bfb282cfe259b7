"""Chapters through db.chapters, as the database's access rules allow."""

from __future__ import annotations

from datetime import date

import pytest

from db.chapters import create_chapter, list_chapters, mark_dormant, reactivate, update_chapter
from db.errors import InvalidDataError, NotAllowedError
from models.chapters import ChapterIn, DormantIn
from tests.operations.conftest import Movement


def _local(name: str, parent: int | None) -> ChapterIn:
    return ChapterIn(name=name, level="local", parent_id=parent, founded_on=date(2025, 3, 1))


def test_tree_order_and_scope(movement: Movement) -> None:
    frame = list_chapters(movement.coordinator.identity)
    assert frame["path"].to_list()[:3] == [
        "Empathy International",
        "Empathy International › Canada",
        "Empathy International › Canada › Ontario",
    ]
    editable = set(frame.filter("can_edit")["id"].to_list())
    assert editable == {movement.ontario, movement.toronto, movement.ottawa}
    assert set(list_chapters(movement.admin.identity).filter("can_edit")["id"]) == set(frame["id"])


def test_coordinator_opens_local_chapter_under_their_region_only(movement: Movement) -> None:
    new_id = create_chapter(movement.coordinator.identity, _local("Hamilton", movement.ontario))
    row = list_chapters(movement.admin.identity).filter(id=new_id).row(0, named=True)
    assert (row["parent_name"], row["level"], row["status"]) == ("Ontario", "local", "active")
    with pytest.raises(NotAllowedError, match="below a chapter you coordinate"):
        create_chapter(movement.coordinator.identity, _local("Laval", movement.quebec))
    with pytest.raises(NotAllowedError, match="only an admin"):
        create_chapter(
            movement.coordinator.identity,
            ChapterIn(name="Elsewhere", level="international", founded_on=date(2025, 1, 1)),
        )


def test_level_rules(movement: Movement) -> None:
    with pytest.raises(InvalidDataError, match="cannot sit under a local chapter"):
        create_chapter(movement.admin.identity, _local("Under Toronto", movement.toronto))
    # Ontario has local chapters below it, so it cannot become local itself.
    with pytest.raises(InvalidDataError, match="move them first"):
        update_chapter(
            movement.admin.identity,
            movement.ontario,
            ChapterIn(name="Ontario", level="local", parent_id=movement.canada, founded_on=date(2020, 1, 1)),
        )
    with pytest.raises(InvalidDataError, match="already exists here"):
        create_chapter(movement.admin.identity, _local("toronto", movement.ontario))


def test_edit_and_dormant(movement: Movement) -> None:
    coord = movement.coordinator.identity
    update_chapter(
        coord,
        movement.ottawa,
        ChapterIn(
            name="Ottawa–Gatineau",
            level="local",
            parent_id=movement.ontario,
            place="Ottawa, ON",
            founded_on=date(2021, 5, 1),
            time_zone="America/Toronto",
        ),
    )
    mark_dormant(coord, DormantIn(chapter_id=movement.ottawa, since=date(2025, 6, 1)))
    row = list_chapters(coord).filter(id=movement.ottawa).row(0, named=True)
    assert (row["name"], row["place"], row["status"], row["dormant_since"]) == (
        "Ottawa–Gatineau",
        "Ottawa, ON",
        "dormant",
        date(2025, 6, 1),
    )
    reactivate(coord, movement.ottawa)
    assert list_chapters(coord).filter(id=movement.ottawa)["status"].item() == "active"
    with pytest.raises(NotAllowedError):
        mark_dormant(coord, DormantIn(chapter_id=movement.montreal, since=date(2025, 6, 1)))
    with pytest.raises(NotAllowedError):
        mark_dormant(
            movement.volunteer.identity, DormantIn(chapter_id=movement.toronto, since=date(2025, 6, 1))
        )
