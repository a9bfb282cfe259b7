"""The member directory: scope, join and leave, consent and exports."""

from __future__ import annotations

from datetime import date

import pytest

from db.errors import InvalidDataError, NotAllowedError
from db.members import export_members, join_member, leave_member, search_members, set_consent, update_member
from models.members import ConsentIn, LeaveIn, MemberIn
from tests.operations.conftest import Movement


def _member(name: str, chapter_id: int, **kw: object) -> MemberIn:
    return MemberIn(full_name=name, chapter_id=chapter_id, joined_on=date(2025, 1, 10), **kw)  # type: ignore[arg-type]


def test_coordinator_sees_and_adds_members_only_in_their_chapters(movement: Movement) -> None:
    coord = movement.coordinator.identity
    admin = movement.admin.identity
    ana = join_member(coord, _member("Ana Silva", movement.ottawa, email="Ana@Example.org"))
    join_member(admin, _member("Marc Roy", movement.montreal))
    with pytest.raises(NotAllowedError, match="chapters you coordinate"):
        join_member(coord, _member("Léa Gagnon", movement.montreal))
    names = search_members(coord).rows["full_name"].to_list()
    assert "Marc Roy" not in names
    assert {"Ana Silva", "Coord", "Vol"} == set(names)
    # Asking for another region's chapter directly gives nothing, not an error.
    assert search_members(coord, chapter_ids=[movement.montreal]).total == 0
    assert search_members(admin, chapter_ids=[movement.montreal]).total == 1
    # A volunteer sees only themselves.
    assert search_members(movement.volunteer.identity).rows["full_name"].to_list() == ["Vol"]
    got = search_members(coord, text="ana@example").rows.row(0, named=True)
    assert (got["id"], got["email"]) == (ana, "ana@example.org")
    with pytest.raises(NotAllowedError):
        update_member(coord, got["id"] + 1, _member("Marc Roy", movement.montreal))  # Marc's id


def test_search_treats_wildcards_as_text_and_pages(movement: Movement) -> None:
    admin = movement.admin.identity
    for i in range(5):
        join_member(admin, _member(f"Member {i:02d}", movement.toronto))
    join_member(admin, _member("Per%cent", movement.toronto))
    assert search_members(admin, text="%").rows["full_name"].to_list() == ["Per%cent"]
    first = search_members(admin, text="member", page_size=2)
    second = search_members(admin, text="member", page=1, page_size=2)
    assert first.total == 5
    assert first.rows["full_name"].to_list() == ["Member 00", "Member 01"]
    assert second.rows["full_name"].to_list() == ["Member 02", "Member 03"]
    beyond = search_members(admin, text="member", page=9, page_size=2)
    assert (beyond.rows.height, beyond.total, beyond.rows.columns) == (0, 5, first.rows.columns)


def test_leave(movement: Movement) -> None:
    coord = movement.coordinator.identity
    mid = join_member(coord, _member("Sam Lee", movement.toronto))
    with pytest.raises(InvalidDataError, match="before joining"):
        leave_member(coord, LeaveIn(member_id=mid, left_on=date(2024, 12, 31)))
    leave_member(coord, LeaveIn(member_id=mid, left_on=date(2025, 6, 30)))
    row = search_members(coord, text="Sam").rows.row(0, named=True)
    assert (row["status"], row["left_on"]) == ("left", date(2025, 6, 30))
    with pytest.raises(InvalidDataError, match="already left"):
        leave_member(coord, LeaveIn(member_id=mid, left_on=date(2025, 7, 1)))
    assert search_members(coord, status="left").total == 1
    with pytest.raises(NotAllowedError):
        leave_member(movement.board.identity, LeaveIn(member_id=mid, left_on=date(2025, 7, 1)))


def test_export_leaves_out_withdrawn_consent_and_uncontactable_emails(movement: Movement) -> None:
    coord = movement.coordinator.identity
    keep = join_member(
        coord, _member("Kim Park", movement.toronto, email="kim@example.org", consent_contact=True)
    )
    quiet = join_member(coord, _member("Jo Quinn", movement.toronto, email="jo@example.org"))
    gone = join_member(
        coord, _member("Lou Wren", movement.toronto, email="lou@example.org", consent_contact=True)
    )
    set_consent(coord, ConsentIn(member_id=gone, consent_contact=True, consent_data_use=False))
    frame = export_members(coord, chapter_ids=[movement.toronto])
    by_id = {r["member_id"]: r for r in frame.iter_rows(named=True)}
    assert gone not in by_id
    assert by_id[keep]["email"] == "kim@example.org"
    assert by_id[quiet]["email"] is None
    # The directory itself still lists them, marked.
    lou = search_members(coord, text="Lou").rows.row(0, named=True)
    assert lou["consent_data_use"] is False
