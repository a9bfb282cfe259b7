"""The data layer's two doors into the database: `transaction(identity)`
(psycopg, pooled) and `read_frame(identity, ...)` (ADBC into polars). Both
carry the person the way PostgREST does, map errors to the two exceptions a
page shows, and keep people apart when many use the app at once."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import polars as pl
import psycopg
import pytest

from db.arrow import _adbc_params, read_frame
from db.connection import close_pools, get_pool, service_transaction, transaction
from db.errors import InvalidDataError, NotAllowedError
from db.identity import ANONYMOUS, Identity
from tests.db import factories as f
from tests.db.factories import Cast

pytestmark = pytest.mark.xdist_group("db_connection")

WHO = (
    "select current_user as role, auth.uid() as uid, auth.role() as claimed_role,"
    " auth.jwt() ->> 'email' as email, current_setting('request.jwt.claims', true) as claims"
)


@dataclass
class Db:
    uri: str
    cast: Cast


@pytest.fixture(scope="module")
def db(pg_server: object) -> Iterator[Db]:
    with f.private_database(pg_server, "hb_connection") as uri:
        with f.owner(uri) as conn:
            cast = f.add_cast(conn)
            for side in ("L1", "L2"):
                f.add_hours(conn, cast.members[f"volunteer_{side}"], minutes=45)
        yield Db(uri=uri, cast=cast)


def test_a_signed_in_person_runs_as_authenticated_with_their_claims(db: Db) -> None:
    user = db.cast.users["volunteer_L1"]
    identity = Identity(user_id=user, email="v1@cast.test")
    with transaction(identity, db.uri) as conn:
        row = conn.execute(WHO).fetchone()
    assert row["role"] == "authenticated"
    assert row["uid"] == user
    assert row["claimed_role"] == "authenticated"
    assert row["email"] == "v1@cast.test"
    assert json.loads(row["claims"]) == {"role": "authenticated", "sub": str(user), "email": "v1@cast.test"}


def test_an_anonymous_visitor_runs_as_anon_without_a_subject(db: Db) -> None:
    with transaction(ANONYMOUS, db.uri) as conn:
        row = conn.execute(WHO).fetchone()
    assert (row["role"], row["uid"], row["claimed_role"]) == ("anon", None, "anon")
    assert json.loads(row["claims"]) == {"role": "anon"}


def test_the_service_transaction_is_the_owner_and_sees_everything(db: Db) -> None:
    with service_transaction(db.uri) as conn:
        row = conn.execute("select current_user = session_user as owner, auth.uid() as uid").fetchone()
        hours = conn.execute("select count(*) as n from public.volunteer_hours").fetchone()["n"]
    assert row == {"owner": True, "uid": None}
    assert hours == 2
    with transaction(db.cast.identity("volunteer_L1"), db.uri) as conn:
        assert conn.execute("select count(*) as n from public.volunteer_hours").fetchone()["n"] == 1


def test_extra_claims_cannot_change_the_subject(db: Db) -> None:
    user = db.cast.users["volunteer_L1"]
    identity = Identity(user_id=user, extra_claims={"sub": str(db.cast.users["admin"]), "aal": "aal1"})
    with transaction(identity, db.uri) as conn:
        row = conn.execute(WHO).fetchone()
    assert row["uid"] == user
    assert json.loads(row["claims"])["aal"] == "aal1"


def test_one_pool_per_database_and_closing_makes_a_new_one(db: Db) -> None:
    pool = get_pool(db.uri)
    assert get_pool(db.uri) is pool
    close_pools()
    assert pool.closed
    fresh = get_pool(db.uri)
    assert fresh is not pool
    with transaction(db.cast.identity("board"), db.uri) as conn:
        assert conn.execute("select count(*) as n from public.volunteer_hours").fetchone()["n"] == 2


def test_concurrent_requests_never_see_each_others_identity(db: Db) -> None:
    people = list(db.cast.users)
    rounds = 25
    mistakes: list[str] = []
    barrier = threading.Barrier(len(people))

    def work(persona: str) -> None:
        identity = db.cast.identity(persona)
        barrier.wait(timeout=30)
        for _ in range(rounds):
            with transaction(identity, db.uri) as conn:
                row = conn.execute("select auth.uid() as uid, app.has_role('admin') as admin").fetchone()
            if row["uid"] != identity.user_id or row["admin"] != (persona == "admin"):
                mistakes.append(f"{persona} saw {row}")

    threads = [threading.Thread(target=work, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert mistakes == []
    assert get_pool(db.uri).get_stats()["pool_size"] <= get_pool(db.uri).max_size


def test_refusals_read_as_sentences(db: Db) -> None:
    grant = "insert into public.roles (user_id, role) values (%s, 'admin')"
    with (
        pytest.raises(NotAllowedError, match=r"^you are not allowed to make this change$"),
        transaction(db.cast.identity("volunteer_L1"), db.uri) as conn,
    ):
        conn.execute(grant, (db.cast.users["volunteer_L1"],))
    with (
        pytest.raises(NotAllowedError, match=r"^you are not allowed to see or change this$"),
        transaction(ANONYMOUS, db.uri) as conn,
    ):
        conn.execute("select * from public.chapters")
    # Our own functions' refusals keep their words.
    move = "update public.chapters set parent_id = %s where id = %s"
    with (
        pytest.raises(NotAllowedError, match="only an admin can move a chapter"),
        transaction(db.cast.identity("coordinator_R1"), db.uri) as conn,
    ):
        conn.execute(move, (db.cast.chapters["R2"], db.cast.chapters["L1"]))


def test_invalid_data_carries_the_constraint_name(db: Db) -> None:
    with pytest.raises(InvalidDataError) as caught, service_transaction(db.uri) as conn:
        conn.execute("update public.volunteer_hours set minutes = 0")
    assert caught.value.constraint == "volunteer_hours_minutes_check"
    assert str(caught.value) == "one entry lasts between 1 minute and 24 hours"


def test_programming_errors_are_not_disguised_as_a_persons_mistake(db: Db) -> None:
    with pytest.raises(psycopg.errors.UndefinedTable), service_transaction(db.uri) as conn:
        conn.execute("select * from public.no_such_table")


# --- read_frame ---------------------------------------------------------------


def test_read_frame_takes_psycopg_style_placeholders() -> None:
    assert _adbc_params("select %s, %s", (1, 2)) == ("select $1, $2", (1, 2))
    assert _adbc_params("select 'a%%' like %s", ("ab",)) == ("select 'a%' like $1", ("ab",))
    with pytest.raises(ValueError, match="1 placeholder"):
        _adbc_params("select %s", (1, 2))


def test_read_frame_returns_plain_polars_types(db: Db) -> None:
    user = db.cast.users["volunteer_L1"]
    frame = read_frame(
        db.cast.identity("volunteer_L1"),
        "select 1234.50::numeric(10, 2) as amount, auth.uid() as uid, %s::date as day,"
        " '{\"k\": 1}'::jsonb as doc, 7::smallint as small, '100%%' as pct",
        (date(2025, 3, 3),),
        uri=db.uri,
    )
    assert frame.schema == pl.Schema(
        {
            "amount": pl.String,
            "uid": pl.String,
            "day": pl.Date,
            "doc": pl.String,
            "small": pl.Int16,
            "pct": pl.String,
        }
    )
    assert frame.row(0) == ("1234.50", str(user), date(2025, 3, 3), '{"k": 1}', 7, "100%")


def test_read_frame_casts_to_the_schema_even_when_nothing_comes_back(db: Db) -> None:
    schema = {"minutes": pl.Int32, "value": pl.Decimal(12, 2), "share": pl.Float64}
    query = (
        "select minutes, (minutes * 0.53)::numeric(12, 2) as value, (minutes / 60.0)::numeric as share"
        " from public.volunteer_hours where minutes > %s order by id"
    )
    full = read_frame(db.cast.identity("board"), query, (0,), schema=schema, uri=db.uri)
    assert full.schema == pl.Schema(schema)
    assert full.rows() == [(45, Decimal("23.85"), 0.75), (45, Decimal("23.85"), 0.75)]
    empty = read_frame(db.cast.identity("board"), query, (10_000,), schema=schema, uri=db.uri)
    assert empty.height == 0
    assert empty.schema == pl.Schema(schema)


def test_read_frame_maps_errors_like_transactions_do(db: Db) -> None:
    with pytest.raises(NotAllowedError):
        read_frame(ANONYMOUS, "select * from public.members", uri=db.uri)
    with pytest.raises(InvalidDataError):
        read_frame(db.cast.identity("board"), "select %s::int as n", ("twelve",), uri=db.uri)
    with pytest.raises(InvalidDataError):
        read_frame(db.cast.identity("board"), "select 1 / 0 as n", uri=db.uri)


def test_read_frame_for_a_stranger_returns_nothing_not_an_error(db: Db) -> None:
    stranger = Identity(user_id=uuid.uuid4())
    frame = read_frame(
        stranger,
        "select id, minutes from public.volunteer_hours",
        schema={"id": pl.Int64, "minutes": pl.Int32},
        uri=db.uri,
    )
    assert frame.height == 0
    assert frame.schema == pl.Schema({"id": pl.Int64, "minutes": pl.Int32})
