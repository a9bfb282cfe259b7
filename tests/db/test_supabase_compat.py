"""The migrations apply unchanged on a Supabase project, where they run as
the non-superuser `postgres` role. No Supabase services run here, so this
builds what a project looks like from that role's side on the test server:

- the roles anon, authenticated and service_role, the auth schema with
  auth.uid() and auth.users (db/bootstrap.sql, applied by a superuser, as
  Supabase's own set-up is);
- a login role like Supabase's postgres: NOSUPERUSER, CREATEROLE, CREATEDB,
  BYPASSRLS, member of the three API roles, owner of the database and of the
  public schema, allowed to read, reference and add triggers to auth.users;
- Supabase's default privileges, which grant everything that role creates in
  public to anon, authenticated and service_role (so each migration must
  take back from anon what it should not have).

Then `db.migrate.migrate(..., bootstrap=False)` runs as that role, and
row-level security is checked through db.connection.transaction."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from psycopg import sql

from db.connection import close_pools, transaction
from db.errors import NotAllowedError
from db.identity import Identity
from db.migrate import BOOTSTRAP_FILE, list_migrations, migrate
from tests.conftest import _admin_uri, _worker
from tests.db import factories as f

pytestmark = pytest.mark.xdist_group("db_supabase_compat")


@dataclass
class Project:
    name: str
    role: str
    superuser_uri: str  # the platform's own access, for what Supabase Auth would do
    postgres_uri: str  # what DATABASE_URL holds: the non-superuser postgres role
    applied: list[str]


def _as_role(uri: str, role: str) -> str:
    # The test server trusts local connections, so only the user name changes.
    scheme, rest = uri.split("://", 1)
    return f"{scheme}://{role}@{rest.split('@', 1)[1]}"


@pytest.fixture(scope="module")
def project(pg_server: object) -> Iterator[Project]:
    suffix = f"{_worker()}_{os.getpid()}"
    name, role = f"hb_supabase_{suffix}", f"hb_supabase_postgres_{suffix}"
    admin = _admin_uri(pg_server)
    ident = sql.Identifier
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(ident(name)))
        conn.execute(sql.SQL("create database {}").format(ident(name)))
        conn.execute(
            sql.SQL("create role {} login nosuperuser createrole createdb bypassrls inherit").format(
                ident(role)
            )
        )
        conn.execute(sql.SQL("grant anon, authenticated, service_role to {}").format(ident(role)))
    superuser_uri = str(pg_server.get_uri(name))  # type: ignore[attr-defined]
    with psycopg.connect(superuser_uri, autocommit=True) as conn:
        conn.execute(BOOTSTRAP_FILE.read_text())  # type: ignore[arg-type]
        # The Supabase CLI, running as postgres, makes its own migrations table.
        conn.execute("drop schema supabase_migrations cascade")
        conn.execute(sql.SQL("alter database {} owner to {}").format(ident(name), ident(role)))
        conn.execute(sql.SQL("alter schema public owner to {}").format(ident(role)))
        conn.execute(sql.SQL("grant usage on schema auth to {}").format(ident(role)))
        # Supabase lets postgres add triggers to auth.users (its own "handle
        # new user" recipe) but not own or drop them.
        conn.execute(sql.SQL("grant select, references, trigger on auth.users to {}").format(ident(role)))
        for kind in ("tables", "sequences", "functions"):
            conn.execute(
                sql.SQL(
                    "alter default privileges for role {} in schema public"
                    " grant all on {} to anon, authenticated, service_role"
                ).format(ident(role), sql.SQL(kind))
            )
    postgres_uri = _as_role(superuser_uri, role)
    try:
        applied = migrate(postgres_uri, bootstrap=False)
        yield Project(name, role, superuser_uri, postgres_uri, applied)
    finally:
        close_pools()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("drop database if exists {} with (force)").format(ident(name)))
            conn.execute(sql.SQL("drop role if exists {}").format(ident(role)))


def _one(uri: str, query: str, *params: Any) -> Any:
    with psycopg.connect(uri) as conn:
        row = conn.execute(query, params).fetchone()
    return row[0] if row else None


def test_every_migration_applies_as_the_non_superuser_postgres_role(project: Project) -> None:
    assert _one(project.postgres_uri, "select rolsuper from pg_roles where rolname = current_user") is False
    assert project.applied == [m.version for m in list_migrations()]
    recorded = _one(
        project.postgres_uri,
        "select array_agg(version order by version) from supabase_migrations.schema_migrations",
    )
    assert recorded == project.applied


def test_a_second_run_applies_nothing(project: Project) -> None:
    assert migrate(project.postgres_uri, bootstrap=False) == []


def test_the_postgres_role_owns_what_the_migrations_made(project: Project) -> None:
    foreign = _one(
        project.postgres_uri,
        "select array_agg(c.relname) from pg_class c"
        " where c.relnamespace in ('public'::regnamespace, 'app'::regnamespace)"
        " and c.relkind in ('r', 'S', 'v', 'i') and pg_get_userbyid(c.relowner) <> current_user",
    )
    assert foreign is None
    functions = _one(
        project.postgres_uri,
        "select count(*) from pg_proc where pronamespace = 'app'::regnamespace"
        " and pg_get_userbyid(proowner) = current_user",
    )
    assert functions > 0


def test_anon_holds_no_privilege_on_any_table_despite_supabase_defaults(project: Project) -> None:
    granted = _one(
        project.postgres_uri,
        "select array_agg(c.relname || ':' || p.privilege) from pg_class c"
        " cross join unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE']) as p(privilege)"
        " where c.relnamespace = 'public'::regnamespace and c.relkind = 'r'"
        " and has_table_privilege('anon', c.oid, p.privilege)",
    )
    assert granted is None, f"anon can act on: {granted}"
    usage = _one(project.postgres_uri, "select has_schema_privilege('anon', 'app', 'USAGE')")
    assert usage is False, "anon must not reach the app schema's functions"


def test_row_level_security_decides_for_people_even_though_postgres_bypasses_it(project: Project) -> None:
    # Accounts come from Supabase Auth; the rows from the seed, as postgres.
    with psycopg.connect(project.superuser_uri, autocommit=True) as conn:
        volunteer_l1, volunteer_l2, coordinator = (f.add_user(conn) for _ in range(3))
    with f.owner(project.postgres_uri) as conn:
        national = f.add_chapter(conn, "national")
        regions = [f.add_chapter(conn, "regional", national) for _ in range(2)]
        locals_ = [f.add_chapter(conn, "local", region) for region in regions]
        members = [
            f.add_member(conn, locals_[0], user_id=volunteer_l1),
            f.add_member(conn, locals_[1], user_id=volunteer_l2),
        ]
        f.add_role(conn, coordinator, "coordinator", regions[1])
        hours = [f.add_hours(conn, member) for member in members]
        f.add_donor(conn)
        everything = conn.execute("select count(*) from public.volunteer_hours").fetchone()
    assert everything == (2,), "the owner (with BYPASSRLS) sees every row"

    def visible(identity: Identity) -> list[int]:
        with transaction(identity, project.postgres_uri) as conn:
            return [r["id"] for r in conn.execute("select id from public.volunteer_hours order by id")]

    assert visible(Identity(user_id=volunteer_l1)) == [hours[0]]
    assert visible(Identity(user_id=coordinator)) == [hours[1]]
    assert visible(Identity(user_id=uuid.uuid4())) == []
    tampered = Identity(user_id=volunteer_l1, extra_claims={"role": "service_role"})
    assert visible(tampered) == [hours[0]]
    with pytest.raises(NotAllowedError), transaction(Identity(user_id=None), project.postgres_uri) as conn:
        conn.execute("select id from public.volunteer_hours")
    with transaction(Identity(user_id=volunteer_l1), project.postgres_uri) as conn:
        assert conn.execute("select count(*) as n from public.donors").fetchone()["n"] == 0
        assert conn.execute("select current_user as r").fetchone()["r"] == "authenticated"
    with (
        pytest.raises(NotAllowedError),
        transaction(Identity(user_id=volunteer_l1), project.postgres_uri) as conn,
    ):
        conn.execute("update public.volunteer_hours set status = 'approved' where id = %s", (hours[0],))
    with transaction(Identity(user_id=coordinator), project.postgres_uri) as conn:
        approved = conn.execute(
            "update public.volunteer_hours set status = 'approved' where id = any(%s)", (hours,)
        ).rowcount
    assert approved == 1, "a coordinator approves their region's hours only"


def test_the_app_can_sign_people_in_as_the_api_roles(project: Project) -> None:
    with psycopg.connect(project.postgres_uri) as conn:
        members = {
            r[0]
            for r in conn.execute(
                "select b.rolname from pg_auth_members m join pg_roles b on b.oid = m.roleid"
                " join pg_roles u on u.oid = m.member where u.rolname = current_user"
            )
        }
        for api_role in ("anon", "authenticated", "service_role"):
            conn.execute(sql.SQL("set local role {}").format(sql.Identifier(api_role)))
            conn.execute("reset role")
    assert {"anon", "authenticated", "service_role"} <= members


def test_automatic_mode_goes_on_when_someone_else_ran_the_bootstrap(project: Project) -> None:
    # A managed Postgres that is not Supabase, where an administrator applied
    # db/bootstrap.sql: the app's non-superuser role cannot re-run it, and
    # need not, since what it provides is there.
    assert migrate(project.postgres_uri) == []


def test_signed_in_people_cannot_truncate_past_row_level_security(project: Project) -> None:
    # TRUNCATE ignores RLS; Supabase's default privileges grant it.
    granted = _one(
        project.postgres_uri,
        "select array_agg(c.relname) from pg_class c where c.relnamespace = 'public'::regnamespace"
        " and c.relkind = 'r' and has_table_privilege('authenticated', c.oid, 'TRUNCATE')",
    )
    assert granted is None, f"authenticated may truncate: {granted}"
