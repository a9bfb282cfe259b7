"""Write integrity through the API (issue 14): columns a role may not set,
rows of others, counters. Each request runs as PostgREST runs it (a
transaction with the `authenticated` or `anon` role and the JWT claims,
through db.connection.transaction); the owner checks what was stored."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from db.connection import transaction
from db.errors import NotAllowedError
from db.identity import ANONYMOUS, Identity
from tests.db import factories as f
from tests.db.factories import DAY, Scene

pytestmark = pytest.mark.xdist_group("db_write_integrity")


@pytest.fixture(scope="module")
def scene(pg_server: object) -> Iterator[Scene]:
    with f.cast_scene(pg_server, "hb_write_integrity") as made:
        yield made


def _hours_row(member_id: int, **cols: Any) -> dict[str, Any]:
    return {
        "member_id": member_id,
        "chapter_id": 0,
        "worked_on": DAY,
        "minutes": 60,
        "activity": "outreach",
        "idempotency_key": uuid.uuid4(),
        **cols,
    }


def _insert(conn: psycopg.Connection[Any], table: str, values: dict[str, Any]) -> Any:
    cols = ", ".join(values)
    marks = ", ".join(["%s"] * len(values))
    row = conn.execute(
        f"insert into public.{table} ({cols}) values ({marks}) returning id",
        list(values.values()),
    ).fetchone()
    assert row is not None
    return row["id"]


def _one(scene: Scene, query: str, params: tuple[Any, ...]) -> Any:
    row = scene.owner.execute(query, params).fetchone()
    assert row is not None
    return row[0]


# --- members: linking accounts ------------------------------------------------


def test_a_coordinator_cannot_link_an_account_to_a_member(scene: Scene) -> None:
    member = f.add_member(scene.owner, scene.cast.chapters["L1"])
    admin = scene.cast.users["admin"]
    with pytest.raises(NotAllowedError), transaction(scene.who("coordinator_R1"), scene.uri) as conn:
        conn.execute("update public.members set user_id = %s where id = %s", (admin, member))
    assert _one(scene, "select user_id from public.members where id = %s", (member,)) is None
    with pytest.raises(NotAllowedError), transaction(scene.who("coordinator_R1"), scene.uri) as conn:
        _insert(
            conn,
            "members",
            {
                "full_name": "Linked",
                "chapter_id": scene.cast.chapters["L1"],
                "joined_on": f.JOINED,
                "user_id": admin,
            },
        )
    # The admin still links accounts (the admin page does).
    with transaction(scene.who("admin"), scene.uri) as conn:
        conn.execute("update public.members set user_id = %s where id = %s", (admin, member))
    assert _one(scene, "select user_id from public.members where id = %s", (member,)) == admin
    scene.owner.execute("update public.members set user_id = null where id = %s", (member,))


def test_a_coordinator_cannot_approve_their_own_hours_by_unlinking(scene: Scene) -> None:
    coordinator = scene.cast.users["coordinator_R1"]
    member = f.add_member(scene.owner, scene.cast.chapters["L1"], user_id=coordinator)
    hours = f.add_hours(scene.owner, member)
    try:
        with pytest.raises(NotAllowedError), transaction(scene.who("coordinator_R1"), scene.uri) as conn:
            conn.execute("update public.members set user_id = null where id = %s", (member,))
            conn.execute("update public.volunteer_hours set status = 'approved' where id = %s", (hours,))
            conn.execute("update public.members set user_id = %s where id = %s", (coordinator, member))
        assert _one(scene, "select status from public.volunteer_hours where id = %s", (hours,)) == "pending"
    finally:
        scene.owner.execute("delete from public.members where id = %s", (member,))


# --- volunteer hours -------------------------------------------------------------


def test_reviewed_by_is_the_reviewer_on_insert_and_stays_on_an_approved_entry(scene: Scene) -> None:
    other = scene.cast.users["coordinator_R2"]
    member = scene.cast.members["volunteer_L1"]
    with transaction(scene.who("coordinator_R1"), scene.uri) as conn:
        hours = _insert(
            conn, "volunteer_hours", _hours_row(member, status="approved", reviewed_by=other, worked_on=DAY)
        )
    assert (
        _one(scene, "select reviewed_by from public.volunteer_hours where id = %s", (hours,))
        == (scene.cast.users["coordinator_R1"])
    )
    with transaction(scene.who("coordinator_R1"), scene.uri) as conn:
        conn.execute(
            "update public.volunteer_hours set reviewed_by = %s, reviewed_at = now() - interval '1 year' "
            "where id = %s",
            (other, hours),
        )
    assert (
        _one(scene, "select reviewed_by from public.volunteer_hours where id = %s", (hours,))
        == (scene.cast.users["coordinator_R1"])
    )
    scene.owner.execute("delete from public.volunteer_hours where id = %s", (hours,))


def test_the_minutes_of_an_approved_entry_cannot_be_edited(scene: Scene) -> None:
    hours = f.add_hours(scene.owner, scene.cast.members["volunteer_L1"], status="approved", minutes=30)
    with pytest.raises(NotAllowedError), transaction(scene.who("coordinator_R1"), scene.uri) as conn:
        conn.execute("update public.volunteer_hours set minutes = 600 where id = %s", (hours,))
    assert _one(scene, "select minutes from public.volunteer_hours where id = %s", (hours,)) == 30
    # Returning it to pending is still a review decision the coordinator can make.
    with transaction(scene.who("coordinator_R1"), scene.uri) as conn:
        conn.execute("update public.volunteer_hours set status = 'pending' where id = %s", (hours,))
    assert _one(scene, "select status from public.volunteer_hours where id = %s", (hours,)) == "pending"
    scene.owner.execute("delete from public.volunteer_hours where id = %s", (hours,))


def test_a_volunteer_cannot_set_created_by(scene: Scene) -> None:
    someone = scene.cast.users["board"]
    member = scene.cast.members["volunteer_L1"]
    with transaction(scene.who("volunteer_L1"), scene.uri) as conn:
        hours = _insert(conn, "volunteer_hours", _hours_row(member, created_by=someone, minutes=5))
    assert (
        _one(scene, "select created_by from public.volunteer_hours where id = %s", (hours,))
        == (scene.cast.users["volunteer_L1"])
    )
    with transaction(scene.who("volunteer_L1"), scene.uri) as conn:
        conn.execute("update public.volunteer_hours set created_by = %s where id = %s", (someone, hours))
    assert (
        _one(scene, "select created_by from public.volunteer_hours where id = %s", (hours,))
        == (scene.cast.users["volunteer_L1"])
    )
    scene.owner.execute("delete from public.volunteer_hours where id = %s", (hours,))


def test_hours_for_someone_elses_member_reveal_nothing(scene: Scene) -> None:
    nobody = f.add_user(scene.owner)
    member = f.add_member(scene.owner, scene.cast.chapters["L2"], joined_on=f.JOINED)
    f.add_hours(scene.owner, member, minutes=1400)
    errors: set[str] = set()
    # Before the join date, past 24 hours a day, and a day that is fine:
    # each attempt is refused with the same words, which name no date.
    stranger = Identity(user_id=nobody)
    for worked_on, minutes in ((f.JOINED.replace(year=2023), 10), (DAY, 100), (DAY.replace(day=4), 10)):
        with pytest.raises(NotAllowedError) as refused, transaction(stranger, scene.uri) as conn:
            _insert(conn, "volunteer_hours", _hours_row(member, worked_on=worked_on, minutes=minutes))
        errors.add(str(refused.value.__cause__ or refused.value))
    assert len(errors) == 1
    (message,) = errors
    assert "2024" not in message and "24 hours" not in message and "joined" not in message
    scene.owner.execute("delete from public.members where id = %s", (member,))


# --- shifts ---------------------------------------------------------------------


def test_a_coordinator_cannot_reset_the_signup_counter_or_overbook(scene: Scene) -> None:
    event = f.add_event(scene.owner, scene.cast.chapters["L1"])
    shift = f.add_shift(scene.owner, event, capacity=1)
    f.add_signup(scene.owner, shift, scene.cast.members["volunteer_L1"])
    with pytest.raises(NotAllowedError), transaction(scene.who("coordinator_R1"), scene.uri) as conn:
        conn.execute("update public.shifts set signed_up = 0 where id = %s", (shift,))
    assert _one(scene, "select signed_up from public.shifts where id = %s", (shift,)) == 1
    with transaction(scene.who("coordinator_R1"), scene.uri) as conn:
        made = _insert(
            conn,
            "shifts",
            {
                "event_id": event,
                "title": "Door",
                "starts_at": f.EVENT_START,
                "ends_at": f.EVENT_START.replace(hour=20),
                "capacity": 3,
                "signed_up": 3,
            },
        )
    assert _one(scene, "select signed_up from public.shifts where id = %s", (made,)) == 0
    scene.owner.execute("delete from public.events where id = %s", (event,))


def test_a_coordinator_cannot_sign_up_a_member_of_another_region(scene: Scene) -> None:
    event = f.add_event(scene.owner, scene.cast.chapters["L1"])
    shift = f.add_shift(scene.owner, event)
    with pytest.raises(NotAllowedError), transaction(scene.who("coordinator_R1"), scene.uri) as conn:
        _insert(conn, "shift_signups", {"shift_id": shift, "member_id": scene.cast.members["volunteer_L2"]})
    assert _one(scene, "select count(*) from public.shift_signups where shift_id = %s", (shift,)) == 0
    with transaction(scene.who("coordinator_R1"), scene.uri) as conn:
        _insert(conn, "shift_signups", {"shift_id": shift, "member_id": scene.cast.members["volunteer_L1"]})
    assert _one(scene, "select signed_up from public.shifts where id = %s", (shift,)) == 1
    scene.owner.execute("delete from public.events where id = %s", (event,))


# --- surveys --------------------------------------------------------------------


def _survey(chapter_id: int, *, anonymous: bool) -> dict[str, Any]:
    return {
        "respondent_code": f.unique("probe").replace(" ", "_"),
        "anonymous": anonymous,
        "chapter_id": chapter_id,
        "wave": "pre",
        "answered_on": DAY,
        **f.survey_answers(4),
    }


@pytest.mark.parametrize("anonymous", [False, True])
def test_survey_answers_come_only_from_the_chapters_people(scene: Scene, anonymous: bool) -> None:
    nobody = f.add_user(scene.owner)
    before = _one(scene, "select count(*) from public.survey_responses", ())
    for who in (Identity(user_id=nobody), scene.who("volunteer_L1")):
        with pytest.raises(NotAllowedError), transaction(who, scene.uri) as conn:
            conn.execute(
                "insert into public.survey_responses "
                "(respondent_code, anonymous, chapter_id, wave, answered_on, "
                + ", ".join(f"q{i:02d}" for i in range(1, 17))
                + ") select 'p' || g || %s, %s, %s, 'pre', %s, "
                + ", ".join(["4"] * 16)
                + " from generate_series(1, 500) g",
                (str(anonymous), anonymous, scene.cast.chapters["L2"], DAY),
            )
    assert _one(scene, "select count(*) from public.survey_responses", ()) == before
    # A member answers for their own chapter.
    with transaction(scene.who("volunteer_L1"), scene.uri) as conn:
        row = _survey(scene.cast.chapters["L1"], anonymous=anonymous)
        cols = ", ".join(row)
        conn.execute(
            f"insert into public.survey_responses ({cols}) values ({', '.join(['%s'] * len(row))})",
            list(row.values()),
        )
    assert _one(scene, "select count(*) from public.survey_responses", ()) == before + 1


# --- audit log, sequences -------------------------------------------------------


def test_the_board_reads_no_donor_identities_from_the_audit_log(scene: Scene) -> None:
    donor = f.add_donor(scene.owner, display_name="Ada Secret", email="ada.secret@donors.test")
    scene.owner.execute("update public.donors set note = 'thanked' where id = %s", (donor,))
    scene.owner.execute("update public.movement_settings set board_sees_donor_identities = false")
    with transaction(scene.who("board"), scene.uri) as conn:
        rows = conn.execute(
            "select old_row::text || new_row::text from public.audit_log where table_name = 'donors'"
        ).fetchall()
    assert not any("Ada Secret" in r[0] or "ada.secret" in r[0] for r in rows)
    with transaction(scene.who("admin"), scene.uri) as conn:
        seen = conn.execute(
            "select count(*) from public.audit_log where table_name = 'donors' and row_id = %s", (donor,)
        ).fetchone()
    assert seen is not None and seen["count"] == 1


def test_anon_can_use_no_sequence(scene: Scene) -> None:
    usable = scene.owner.execute(
        "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
        "where c.relkind = 'S' and n.nspname = 'public' "
        "and (has_sequence_privilege('anon', c.oid, 'usage') "
        "or has_sequence_privilege('anon', c.oid, 'update'))"
    ).fetchall()
    assert usable == []
    with pytest.raises(NotAllowedError), transaction(ANONYMOUS, scene.uri) as conn:
        conn.execute("select nextval('public.gift_imports_id_seq')")


def test_anon_can_call_no_function_of_ours(scene: Scene) -> None:
    callable_ = scene.owner.execute(
        "select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace "
        "where n.nspname = 'app' and has_function_privilege('anon', p.oid, 'execute')"
    ).fetchall()
    assert callable_ == []


def test_a_movement_wide_programme_is_answered_only_by_people_of_the_movement(scene: Scene) -> None:
    program = f.add_program(scene.owner, None)
    row = {**_survey(scene.cast.chapters["L2"], anonymous=True), "program_id": program}
    cols = ", ".join(row)
    insert = f"insert into public.survey_responses ({cols}) values ({', '.join(['%s'] * len(row))})"
    with (
        pytest.raises(NotAllowedError),
        transaction(Identity(user_id=f.add_user(scene.owner)), scene.uri) as conn,
    ):
        conn.execute(insert, list(row.values()))
    # A board member took part in Empathy Week wherever it ran.
    with transaction(scene.who("board"), scene.uri) as conn:
        conn.execute(insert, list(row.values()))
    assert _one(scene, "select count(*) from public.survey_responses where program_id = %s", (program,)) == 1


def test_who_made_a_row_is_the_session_not_the_request(scene: Scene) -> None:
    someone = scene.cast.users["board"]
    coordinator = scene.cast.users["coordinator_R1"]
    with transaction(scene.who("coordinator_R1"), scene.uri) as conn:
        event = _insert(
            conn,
            "events",
            {
                "chapter_id": scene.cast.chapters["L1"],
                "kind": "talk",
                "title": "Authored",
                "starts_at": f.EVENT_START,
                "ends_at": f.EVENT_START.replace(hour=20),
                "created_by": someone,
            },
        )
        goal = _insert(
            conn,
            "goals",
            {
                "name": "Authored goal",
                "metric": "members.active",
                "target_value": 5.0,
                "due_on": DAY,
                "chapter_id": scene.cast.chapters["L1"],
                "created_by": someone,
            },
        )
        conn.execute("update public.events set created_by = %s where id = %s", (someone, event))
    assert _one(scene, "select created_by from public.events where id = %s", (event,)) == coordinator
    assert _one(scene, "select created_by from public.goals where id = %s", (goal,)) == coordinator
    scene.owner.execute("delete from public.events where id = %s", (event,))
    scene.owner.execute("delete from public.goals where id = %s", (goal,))
