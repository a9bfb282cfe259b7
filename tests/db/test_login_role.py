"""The app's login role (heartbeat_app): PostgREST's authenticator pattern,
so a query outside a transaction with an identity, or an injected `reset
role`, reaches nothing."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.rows import dict_row

from db.server import LOGIN_ROLE, login_uri


def test_the_login_role_has_no_power_of_its_own(empty_db: str) -> None:
    with psycopg.connect(empty_db, row_factory=dict_row) as conn:
        role = conn.execute(
            """select rolsuper, rolbypassrls, rolinherit, rolcreatedb, rolcreaterole,
                      rolreplication, rolcanlogin
                 from pg_roles where rolname = %s""",
            (LOGIN_ROLE,),
        ).fetchone()
        member_of = {
            r["rolname"]
            for r in conn.execute(
                """select g.rolname from pg_auth_members m join pg_roles g on g.oid = m.roleid
                    join pg_roles u on u.oid = m.member where u.rolname = %s""",
                (LOGIN_ROLE,),
            )
        }
    assert role == {
        "rolsuper": False,
        "rolbypassrls": False,
        "rolinherit": False,
        "rolcreatedb": False,
        "rolcreaterole": False,
        "rolreplication": False,
        "rolcanlogin": True,
    }
    assert member_of == {"anon", "authenticated"}


def test_connected_as_the_login_role_nothing_is_readable_without_an_identity(empty_db: str) -> None:
    with psycopg.connect(login_uri(empty_db), autocommit=True, row_factory=dict_row) as conn:
        who = conn.execute("select current_user as c, session_user as s").fetchone()
        assert who == {"c": LOGIN_ROLE, "s": LOGIN_ROLE}
        conn.execute("reset role")
        for table in ("auth.users", "public.members", "public.donors", "app.sign_in_failures"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"select * from {table} limit 1")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("set role postgres")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("set role service_role")


def test_the_login_role_switches_to_the_api_roles_and_runs_the_sign_in_functions(empty_db: str) -> None:
    with psycopg.connect(login_uri(empty_db), row_factory=dict_row) as conn:
        row = conn.execute(
            "select wait_seconds, attempt_id is not null as recorded"
            " from app.sign_in_begin('x@y.test', 'c', null, now())"
        ).fetchone()
        assert row == {"wait_seconds": 0, "recorded": True}
        conn.execute("select set_config('role', 'authenticated', true)")
        assert conn.execute("select current_user as c").fetchone() == {"c": "authenticated"}
        conn.rollback()


def test_peoples_transactions_run_on_a_pool_logged_in_as_the_login_role(empty_db: str) -> None:
    from db.connection import transaction
    from db.identity import ANONYMOUS

    with transaction(ANONYMOUS, empty_db) as conn:
        row = conn.execute("select current_user as c, session_user as s").fetchone()
    assert row == {"c": "anon", "s": LOGIN_ROLE}


def test_bulk_reads_of_people_connect_as_the_login_role(empty_db: str) -> None:
    from db.arrow import read_frame
    from db.identity import ANONYMOUS

    who = read_frame(ANONYMOUS, "select current_user::text as c, session_user::text as s", uri=empty_db)
    assert who.row(0) == ("anon", LOGIN_ROLE)


def test_sign_in_runs_as_the_login_role_alone(empty_db: str) -> None:
    from db.connection import login_transaction

    with login_transaction(empty_db) as conn:
        row = conn.execute("select current_user as c, session_user as s").fetchone()
        assert row == {"c": LOGIN_ROLE, "s": LOGIN_ROLE}
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select email from auth.users limit 1")


def test_no_api_role_can_read_a_password_hash(empty_db: str) -> None:
    with psycopg.connect(login_uri(empty_db), row_factory=dict_row) as conn:
        for role in ("anon", "authenticated"):
            with conn.transaction():
                conn.execute(f"set local role {role}")
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute("select app.password_hash_to_check(gen_random_uuid())")
        # The login role itself may: it checks the current password on a change.
        assert conn.execute("select app.password_hash_to_check(gen_random_uuid()) as h").fetchone() == {
            "h": None
        }


def test_the_app_starts_as_the_login_role_without_migrating(empty_db: str) -> None:
    # On Supabase DATABASE_URL names heartbeat_app: the start must not try to
    # migrate (it may not), only find the database up to date.
    from pydantic import SecretStr

    from db.config import Settings
    from db.setup import ensure_ready, may_migrate, pending_migrations

    as_app = login_uri(empty_db)
    assert may_migrate(empty_db) and not may_migrate(as_app)
    assert pending_migrations(as_app) == []
    assert ensure_ready(Settings(database_url=SecretStr(as_app))) == as_app


def test_the_app_refuses_to_start_on_a_database_behind_its_code(fresh_empty_db: str) -> None:
    from pydantic import SecretStr

    from db.config import Settings
    from db.migrate import list_migrations
    from db.setup import NotMigratedError, ensure_ready

    newest = list_migrations()[-1].version
    with psycopg.connect(fresh_empty_db) as conn:
        conn.execute("delete from supabase_migrations.schema_migrations where version = %s", (newest,))
    with pytest.raises(NotMigratedError, match=f"lacks 1 migration.*{newest}.*supabase db push"):
        ensure_ready(Settings(database_url=SecretStr(login_uri(fresh_empty_db))))
