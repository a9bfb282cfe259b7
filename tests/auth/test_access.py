"""A volunteer, a coordinator of another chapter and an anonymous visitor
each try to read and change what is not theirs, through db.accounts and
through a transaction directly; the database refuses each. Positive
controls show the same queries do return rows for those allowed."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from db import accounts
from db.accounts import Invitation, RoleGrant
from db.connection import transaction
from db.errors import NotAllowedError
from db.identity import ANONYMOUS, Identity
from db.passwords import hash_password
from tests.auth.world import World


def _count(identity: Identity, uri: str, sql: str, params: tuple[object, ...] = ()) -> int:
    with transaction(identity, uri) as conn:
        row = conn.execute(f"select count(*) as n from ({sql}) q", params).fetchone()
    assert row is not None
    return int(row["n"])


# A role row that makes someone an admin: the write the access tests try to sneak in.
MAKE_ADMIN = "insert into public.roles (user_id, role) values (%s, 'admin')"


def _affected(identity: Identity, uri: str, sql: str, params: tuple[object, ...]) -> int:
    with transaction(identity, uri) as conn:
        return conn.execute(sql, params).rowcount


# -- a volunteer ---------------------------------------------------------------


def test_volunteer_reads_only_their_own_hours(world: World) -> None:
    me = world.identity("volunteer")
    assert _count(me, world.uri, "select 1 from public.volunteer_hours") == 1
    other = world.hours["volunteer.two"]
    assert _count(me, world.uri, "select 1 from public.volunteer_hours where id = %s", (other,)) == 0
    assert (
        _count(me, world.uri, "select 1 from public.members where id <> %s", (world.members["volunteer"],))
        == 0
    )
    # The coordinator of their chapter, as a control, sees both.
    assert (
        _count(
            world.identity("coordinator"),
            world.uri,
            "select 1 from public.volunteer_hours where id = %s",
            (other,),
        )
        == 1
    )


def test_volunteer_cannot_change_or_delete_another_volunteers_hours(world: World) -> None:
    me = world.identity("volunteer")
    other = world.hours["volunteer.two"]
    assert (
        _affected(me, world.uri, "update public.volunteer_hours set minutes = 600 where id = %s", (other,))
        == 0
    )
    assert _affected(me, world.uri, "delete from public.volunteer_hours where id = %s", (other,)) == 0
    with pytest.raises(NotAllowedError):
        _affected(
            me,
            world.uri,
            """insert into public.volunteer_hours (member_id, chapter_id, worked_on, minutes, activity,
                                                   idempotency_key) values (%s, %s, %s, 60, 'other', %s)""",
            (world.members["volunteer.two"], world.chapters["Riverside"], date(2025, 3, 2), uuid.uuid4()),
        )
    # Nor approve their own (the row passes USING but fails WITH CHECK).
    mine = world.hours["volunteer"]
    with pytest.raises(NotAllowedError):
        _affected(
            me, world.uri, "update public.volunteer_hours set status = 'approved' where id = %s", (mine,)
        )
    assert _status(world, mine) == "pending"
    assert _status(world, other) == "pending"


def _status(world: World, hours_id: int) -> str:
    with transaction(world.identity("board"), world.uri) as conn:
        row = conn.execute(
            "select status, minutes from public.volunteer_hours where id = %s", (hours_id,)
        ).fetchone()
    assert row is not None and row["minutes"] == 90
    return str(row["status"])


def test_volunteer_sees_no_donor_identities_no_money_and_no_audit(world: World) -> None:
    me = world.identity("volunteer")
    for table in ("donors", "donations", "expenses", "audit_log", "balance_snapshots"):
        assert _count(me, world.uri, f"select 1 from public.{table}") == 0, table
    assert _count(world.identity("fundraiser"), world.uri, "select 1 from public.donors") == 1
    assert _count(world.identity("board"), world.uri, "select 1 from public.donors") == 0  # settings say no


def test_volunteer_cannot_manage_people_even_with_a_tampered_session(world: World) -> None:
    # The page's session might claim anything; the database only reads `sub`.
    me = Identity(user_id=world.users["volunteer"], email="admin@access.test", extra_claims={"role": "admin"})
    assert me.db_role == "authenticated"
    with pytest.raises(NotAllowedError):
        accounts.list_people(me, uri=world.uri)
    with pytest.raises(NotAllowedError):
        accounts.grant_role(me, RoleGrant(user_id=world.users["volunteer"], role="admin"), uri=world.uri)
    with pytest.raises(NotAllowedError):
        accounts.invite_person(me, Invitation(email="sneaky@access.test", full_name="Sneaky"), uri=world.uri)
    with pytest.raises(NotAllowedError):
        accounts.reset_password(me, world.users["admin"], uri=world.uri)
    with pytest.raises(NotAllowedError):
        accounts.revoke_role(me, _role_id(world, "volunteer.two", "volunteer"), uri=world.uri)
    assert accounts.role_audit(me, uri=world.uri).height == 0
    roles = accounts.list_roles(me, uri=world.uri)
    assert set(roles["user_id"]) == {str(world.users["volunteer"])}
    assert accounts.load_profile(me, uri=world.uri).roles == {"volunteer"}


def test_volunteer_cannot_write_roles_or_accounts_directly(world: World) -> None:
    me = world.identity("volunteer")
    with pytest.raises(NotAllowedError):
        _affected(me, world.uri, MAKE_ADMIN, (world.users["volunteer"],))
    assert (
        _affected(
            me,
            world.uri,
            "update public.roles set role = 'admin' where user_id = %s",
            (world.users["volunteer"],),
        )
        == 0
    )
    assert (
        _affected(me, world.uri, "delete from public.roles where user_id = %s", (world.users["admin"],)) == 0
    )
    with pytest.raises(NotAllowedError):
        _count(me, world.uri, "select 1 from auth.users")
    with pytest.raises(NotAllowedError):
        _count(me, world.uri, "select 1 from app.people()")
    with pytest.raises(NotAllowedError):
        _count(
            me,
            world.uri,
            "select app.create_local_account('x@access.test', %s, 'X')",
            (hash_password("whatever it is"),),
        )
    with pytest.raises(NotAllowedError):
        _count(
            me,
            world.uri,
            "select app.set_local_password(%s, %s)",
            (world.users["admin"], hash_password("whatever it is")),
        )
    with pytest.raises(NotAllowedError):
        _affected(
            me, world.uri, "insert into public.audit_log (table_name, action) values ('roles', 'insert')", ()
        )
    assert accounts.load_profile(world.identity("admin"), uri=world.uri).roles == {"admin"}


def _role_id(world: World, who: str, role: str) -> int:
    with transaction(world.identity("admin"), world.uri) as conn:
        row = conn.execute(
            "select id from public.roles where user_id = %s and role = %s", (world.users[who], role)
        ).fetchone()
    assert row is not None
    return int(row["id"])


# -- a coordinator of another chapter -----------------------------------------


def test_coordinator_of_another_chapter_sees_only_their_subtree(world: World) -> None:
    south = world.identity("coordinator.other")
    riverside_hours = (world.hours["volunteer"], world.hours["volunteer.two"])
    assert (
        _count(
            south,
            world.uri,
            "select 1 from public.volunteer_hours where id = any(%s)",
            (list(riverside_hours),),
        )
        == 0
    )
    # Their own sub-chapter's hours (Harbour under South Region) are theirs.
    assert (
        _count(
            south,
            world.uri,
            "select 1 from public.volunteer_hours where id = %s",
            (world.hours["harbour.helper"],),
        )
        == 1
    )
    assert (
        _count(
            south,
            world.uri,
            "select 1 from public.members where chapter_id = %s",
            (world.chapters["Riverside"],),
        )
        == 0
    )
    assert (
        _count(
            world.identity("coordinator"),
            world.uri,
            "select 1 from public.members where chapter_id = %s",
            (world.chapters["Riverside"],),
        )
        == 3
    )
    assert _count(south, world.uri, "select 1 from public.donors") == 0


def test_coordinator_of_another_chapter_cannot_approve_or_edit(world: World) -> None:
    south = world.identity("coordinator.other")
    target = world.hours["volunteer"]
    assert (
        _affected(
            south, world.uri, "update public.volunteer_hours set status = 'approved' where id = %s", (target,)
        )
        == 0
    )
    assert _affected(south, world.uri, "delete from public.volunteer_hours where id = %s", (target,)) == 0
    assert (
        _affected(
            south,
            world.uri,
            "update public.members set full_name = 'X' where id = %s",
            (world.members["volunteer"],),
        )
        == 0
    )
    with pytest.raises(NotAllowedError):
        _affected(
            south,
            world.uri,
            """insert into public.events (chapter_id, kind, title, starts_at, ends_at)
                     values (%s, 'talk', 'Not mine', now(), now() + interval '1 hour')""",
            (world.chapters["Riverside"],),
        )
    with pytest.raises(NotAllowedError):
        accounts.list_people(south, uri=world.uri)
    with pytest.raises(NotAllowedError):
        accounts.grant_role(
            south,
            RoleGrant(
                user_id=world.users["coordinator.other"],
                role="coordinator",
                chapter_id=world.chapters["Riverside"],
            ),
            uri=world.uri,
        )
    assert _status(world, target) == "pending"


# -- an anonymous visitor -------------------------------------------------------


@pytest.mark.parametrize(
    "table",
    [
        "volunteer_hours",
        "members",
        "donors",
        "donations",
        "roles",
        "audit_log",
        "chapters",
        "survey_responses",
    ],
)
def test_anonymous_reads_nothing(world: World, table: str) -> None:
    with pytest.raises(NotAllowedError):
        _count(ANONYMOUS, world.uri, f"select 1 from public.{table}")


def test_anonymous_changes_nothing(world: World) -> None:
    for sql, params in (
        ("update public.volunteer_hours set minutes = 1 where id = %s", (world.hours["volunteer"],)),
        (MAKE_ADMIN, (world.users["volunteer"],)),
    ):
        with pytest.raises(NotAllowedError):
            _affected(ANONYMOUS, world.uri, sql, params)
    for call in (
        lambda: accounts.list_people(ANONYMOUS, uri=world.uri),
        lambda: accounts.list_roles(ANONYMOUS, uri=world.uri),
        lambda: accounts.role_audit(ANONYMOUS, uri=world.uri),
        lambda: accounts.load_profile(ANONYMOUS, uri=world.uri),
        lambda: accounts.grant_role(
            ANONYMOUS, RoleGrant(user_id=world.users["volunteer"], role="admin"), uri=world.uri
        ),
        lambda: accounts.invite_person(
            ANONYMOUS, Invitation(email="anon@access.test", full_name="A"), uri=world.uri
        ),
    ):
        with pytest.raises(NotAllowedError):
            call()


# -- audit and settings ---------------------------------------------------------


def test_edits_and_deletions_of_hours_and_gifts_are_audited(world: World) -> None:
    coordinator, fundraiser, admin = (world.identity(w) for w in ("coordinator", "fundraiser", "admin"))
    with transaction(coordinator, world.uri) as conn:
        hours_id = conn.execute(
            """insert into public.volunteer_hours (member_id, chapter_id, worked_on, minutes, activity,
                                                   idempotency_key)
               values (%s, %s, '2025-04-01', 30, 'training', %s) returning id""",
            (world.members["volunteer.two"], world.chapters["Riverside"], uuid.uuid4()),
        ).fetchone()["id"]
        conn.execute("update public.volunteer_hours set minutes = 45 where id = %s", (hours_id,))
        conn.execute("delete from public.volunteer_hours where id = %s", (hours_id,))
    with transaction(fundraiser, world.uri) as conn:
        conn.execute(
            "update public.donations set note = 'thanked by phone' where id = %s", (world.donation_id,)
        )
    with transaction(admin, world.uri) as conn:
        hours_log = conn.execute(
            """select action, actor, old_row ->> 'minutes' as old, new_row ->> 'minutes' as new
                 from public.audit_log where table_name = 'volunteer_hours' and row_id = %s order by id""",
            (hours_id,),
        ).fetchall()
        gift_log = conn.execute(
            """select action, actor, old_row ->> 'note' as old, new_row ->> 'note' as new, at
                 from public.audit_log where table_name = 'donations' and row_id = %s order by id""",
            (world.donation_id,),
        ).fetchall()
    assert [(r["action"], r["actor"], r["old"], r["new"]) for r in hours_log] == [
        ("update", world.users["coordinator"], "30", "45"),
        ("delete", world.users["coordinator"], "45", None),
    ]
    assert [(r["action"], r["actor"], r["old"], r["new"]) for r in gift_log][-1] == (
        "update",
        world.users["fundraiser"],
        None,
        "thanked by phone",
    )
    assert gift_log[-1]["at"] is not None
    # Nobody can rewrite history, not even an admin.
    with pytest.raises(NotAllowedError):
        _affected(admin, world.uri, "delete from public.audit_log", ())
    with pytest.raises(NotAllowedError):
        _affected(admin, world.uri, "update public.audit_log set actor = null", ())


def test_board_sees_donor_identities_only_where_the_settings_allow(world: World) -> None:
    board, admin = world.identity("board"), world.identity("admin")
    assert _count(board, world.uri, "select 1 from public.donors") == 0
    assert _count(board, world.uri, "select 1 from public.donations") == 1  # amounts, not identities
    try:
        with transaction(admin, world.uri) as conn:
            conn.execute("update public.movement_settings set board_sees_donor_identities = true")
        assert _count(board, world.uri, "select 1 from public.donors") == 1
        # Only an admin may change that setting.
        with transaction(board, world.uri) as conn:
            changed = conn.execute("update public.movement_settings set board_sees_donor_identities = false")
        assert changed.rowcount == 0
    finally:
        with transaction(admin, world.uri) as conn:
            conn.execute("update public.movement_settings set board_sees_donor_identities = false")
    assert _count(board, world.uri, "select 1 from public.donors") == 0
