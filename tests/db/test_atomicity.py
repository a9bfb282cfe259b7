"""A write that fails halfway leaves nothing behind, including what triggers
did on the way (counts, audit entries), and the pooled connection it ran on
comes back clean: no role, no claims, ready for the next person."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import timedelta

import psycopg
import pytest

from db.arrow import read_frame
from db.connection import close_pools, get_pool, service_transaction, transaction
from db.errors import InvalidDataError, NotAllowedError
from db.identity import ANONYMOUS, Identity
from db.server import login_uri
from tests.db import factories as f
from tests.db.factories import DAY, Scene

pytestmark = pytest.mark.xdist_group("db_atomicity")

HOURS = (
    "insert into public.volunteer_hours"
    " (member_id, chapter_id, worked_on, minutes, activity, idempotency_key)"
    " values (%s, %s, %s, %s, 'outreach', %s)"
)


@pytest.fixture(scope="module")
def db(pg_server: object) -> Iterator[Scene]:
    with f.cast_scene(pg_server, "hb_atomicity") as scene:
        yield scene


def test_second_insert_failing_undoes_the_first(db: Scene) -> None:
    title = f.unique("Open evening")
    with (
        pytest.raises(InvalidDataError, match="between 1 and 1,000 people"),
        transaction(db.cast.identity("coordinator_R1"), db.uri) as conn,
    ):
        event = conn.execute(
            "insert into public.events (chapter_id, kind, title, starts_at, ends_at)"
            " values (%s, 'talk', %s, %s, %s) returning id",
            (db.cast.chapters["L1"], title, f.EVENT_START, f.EVENT_START + timedelta(hours=1)),
        ).fetchone()["id"]
        assert event is not None
        conn.execute(
            "insert into public.shifts (event_id, title, starts_at, ends_at, capacity)"
            " values (%s, 'Door', %s, %s, 0)",
            (event, f.EVENT_START, f.EVENT_START + timedelta(hours=1)),
        )
    assert db.value("select count(*) from public.events where title = %s", title) == 0


def test_a_refused_second_write_undoes_the_first(db: Scene) -> None:
    volunteer = db.cast.identity("volunteer_L1")
    key = uuid.uuid4()
    with pytest.raises(NotAllowedError), transaction(volunteer, db.uri) as conn:
        conn.execute(HOURS, (db.cast.members["volunteer_L1"], db.cast.chapters["L1"], DAY, 30, key))
        conn.execute("insert into public.roles (user_id, role) values (%s, 'admin')", (volunteer.user_id,))
    assert db.value("select count(*) from public.volunteer_hours where idempotency_key = %s", key) == 0
    # The same submit, retried, is saved exactly once.
    with transaction(volunteer, db.uri) as conn:
        conn.execute(HOURS, (db.cast.members["volunteer_L1"], db.cast.chapters["L1"], DAY, 30, key))
    assert db.value("select count(*) from public.volunteer_hours where idempotency_key = %s", key) == 1


def test_an_error_in_our_own_code_rolls_back_too(db: Scene) -> None:
    name = f.unique("Harbour")
    with pytest.raises(RuntimeError, match="page crashed"), service_transaction(db.uri) as conn:
        conn.execute(
            "insert into public.chapters (name, level, parent_id) values (%s, 'local', %s)",
            (name, db.cast.chapters["R2"]),
        )
        raise RuntimeError("page crashed")
    assert db.value("select count(*) from public.chapters where name = %s", name) == 0


def test_an_import_with_one_bad_row_writes_none(db: Scene) -> None:
    member, chapter = db.cast.members["volunteer_L2"], db.cast.chapters["L2"]
    batch = [(member, chapter, DAY - timedelta(days=100 + i), 60, uuid.uuid4()) for i in range(50)]
    batch[37] = (member, chapter, DAY - timedelta(days=137), 0, uuid.uuid4())  # zero minutes
    with (
        pytest.raises(InvalidDataError, match="between 1 minute and 24 hours"),
        transaction(db.cast.identity("coordinator_R2"), db.uri) as conn,
        conn.cursor() as cur,
    ):
        cur.executemany(HOURS, batch)
    keys = [row[4] for row in batch]
    assert db.value("select count(*) from public.volunteer_hours where idempotency_key = any(%s)", keys) == 0


def test_what_triggers_did_is_undone_with_the_failed_write(db: Scene) -> None:
    ch, members = db.cast.chapters, db.cast.members
    shift = f.add_shift(db.owner, f.add_event(db.owner, ch["L1"]), capacity=4)
    donation = f.add_donation(db.owner, f.add_donor(db.owner))
    audit_before = db.value("select count(*) from public.audit_log")
    with pytest.raises(InvalidDataError), transaction(db.cast.identity("volunteer_L1"), db.uri) as conn:
        conn.execute(
            "insert into public.shift_signups (shift_id, member_id) values (%s, %s)",
            (shift, members["volunteer_L1"]),
        )
        assert (
            conn.execute("select signed_up from public.shifts where id = %s", (shift,)).fetchone()[
                "signed_up"
            ]
            == 1
        )
        conn.execute(HOURS, (members["volunteer_L1"], ch["L1"], DAY, 0, uuid.uuid4()))
    assert db.value("select signed_up from public.shifts where id = %s", shift) == 0
    with pytest.raises(InvalidDataError), transaction(db.cast.identity("fundraiser"), db.uri) as conn:
        conn.execute("update public.donations set note = 'thank-you call made' where id = %s", (donation,))
        conn.execute("update public.donations set currency = 'usd' where id = %s", (donation,))
    assert db.value("select count(*) from public.audit_log") == audit_before
    assert db.value("select note from public.donations where id = %s", donation) is None


IDENTITY_QUERY = (
    "select pg_backend_pid() as pid, current_user as role, session_user as session,"
    " current_setting('request.jwt.claims', true) as claims, auth.uid() as uid"
)


# The login role alone may not even use schema auth: claims empty means no uid.
BARE_QUERY = (
    "select pg_backend_pid() as pid, current_user as role, session_user as session,"
    " current_setting('request.jwt.claims', true) as claims, null::uuid as uid"
)


def _fresh_pool(uri: str) -> None:
    # A pool of one connection makes "the next transaction" run on the very
    # connection the failed one used.
    close_pools()
    pool = get_pool(login_uri(uri))  # the pool people's transactions use
    pool.wait(timeout=10)  # else the first request grows the pool to two
    assert pool.get_stats()["pool_size"] == 1


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param("invalid", id="constraint"),
        pytest.param("refused", id="rls-refusal"),
        pytest.param("crash", id="python-error"),
        pytest.param("syntax", id="sql-error"),
    ],
)
def test_a_failed_transaction_leaves_no_identity_on_its_connection(db: Scene, failure: str) -> None:
    _fresh_pool(db.uri)
    volunteer = db.cast.identity("volunteer_L1")
    statements = {
        "refused": ("insert into public.roles (user_id, role) values (%s, 'admin')", (volunteer.user_id,)),
        "syntax": ("selec 1 where %s is not null", (volunteer.user_id,)),
    }
    failures = (InvalidDataError, NotAllowedError, RuntimeError, psycopg.Error)
    with pytest.raises(failures) as caught, transaction(volunteer, db.uri) as conn:
        inside = conn.execute(IDENTITY_QUERY).fetchone()
        assert inside["role"] == "authenticated" and inside["uid"] == volunteer.user_id
        if failure == "crash":
            raise RuntimeError("crash")
        if failure == "invalid":
            conn.execute(
                HOURS, (db.cast.members["volunteer_L1"], db.cast.chapters["L1"], DAY, 0, uuid.uuid4())
            )
        else:
            conn.execute(*statements[failure])  # type: ignore[call-overload]
    expected = {
        "invalid": InvalidDataError,
        "refused": NotAllowedError,
        "crash": RuntimeError,
        "syntax": psycopg.errors.SyntaxError,
    }[failure]
    assert isinstance(caught.value, expected)
    with get_pool(login_uri(db.uri)).connection() as conn:
        after = conn.execute(BARE_QUERY).fetchone()
    assert after["pid"] == inside["pid"], "the pool handed out another connection"
    assert after["role"] == after["session"] == "heartbeat_app", "a leftover role on the connection"
    assert after["claims"] in (None, ""), f"claims leaked: {after['claims']}"
    assert after["uid"] is None
    with transaction(ANONYMOUS, db.uri) as conn:
        anon = conn.execute(IDENTITY_QUERY).fetchone()
    assert (anon["pid"], anon["role"], anon["uid"]) == (inside["pid"], "anon", None)


def test_a_successful_transaction_leaves_no_identity_either(db: Scene) -> None:
    _fresh_pool(db.uri)
    with transaction(db.cast.identity("admin"), db.uri) as conn:
        inside = conn.execute(IDENTITY_QUERY).fetchone()
    # The connection's next use must not run as the admin.
    with get_pool(login_uri(db.uri)).connection() as conn:
        after = conn.execute(BARE_QUERY).fetchone()
    assert after["pid"] == inside["pid"]
    assert after["role"] == after["session"] == "heartbeat_app"
    assert after["claims"] in (None, "") and after["uid"] is None
    with transaction(db.cast.identity("volunteer_L2"), db.uri) as conn:
        next_person = conn.execute(IDENTITY_QUERY).fetchone()
        is_admin = conn.execute("select app.has_role('admin') as yes").fetchone()["yes"]
    assert next_person["pid"] == inside["pid"]
    assert next_person["uid"] == db.cast.users["volunteer_L2"]
    assert json.loads(next_person["claims"])["sub"] == str(db.cast.users["volunteer_L2"])
    assert is_admin is False


def test_a_connection_killed_mid_transaction_is_replaced(db: Scene) -> None:
    _fresh_pool(db.uri)
    name = f.unique("Lost chapter")
    with pytest.raises(psycopg.OperationalError), service_transaction(db.uri) as conn:
        pid = conn.execute("select pg_backend_pid() as pid").fetchone()["pid"]
        conn.execute(
            "insert into public.chapters (name, level, parent_id) values (%s, 'local', %s)",
            (name, db.cast.chapters["R1"]),
        )
        db.owner.execute("select pg_terminate_backend(%s)", (pid,))
        conn.execute("select 1")
    assert db.value("select count(*) from public.chapters where name = %s", name) == 0
    with transaction(db.cast.identity("volunteer_L1"), db.uri) as conn:
        row = conn.execute(IDENTITY_QUERY).fetchone()
    assert row["pid"] != pid
    assert row["uid"] == db.cast.users["volunteer_L1"]


def test_read_frame_never_writes_and_recovers_from_errors(db: Scene) -> None:
    title = f.unique("Sneaky event")
    coordinator = db.cast.identity("coordinator_R1")
    frame = read_frame(
        coordinator,
        "insert into public.events (chapter_id, kind, title, starts_at, ends_at)"
        " values (%s, 'talk', %s, now(), now() + interval '1 hour') returning id",
        (db.cast.chapters["L1"], title),
        uri=db.uri,
    )
    assert frame.height == 1, "the insert ran inside the read's transaction"
    assert db.value("select count(*) from public.events where title = %s", title) == 0
    with pytest.raises(InvalidDataError):
        read_frame(coordinator, "select 1 / (count(*) - count(*)) as boom from public.events", uri=db.uri)
    after = read_frame(
        Identity(user_id=db.cast.users["volunteer_L1"]),
        "select current_user::text as role, auth.uid()::text as uid",
        uri=db.uri,
    )
    assert after.rows() == [("authenticated", str(db.cast.users["volunteer_L1"]))]
