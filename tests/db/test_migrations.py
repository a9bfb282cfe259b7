"""Migrations apply from scratch, record what ran, and a second run is a no-op."""

from __future__ import annotations

import psycopg

from db.migrate import list_migrations, migrate
from tests.conftest import clone_database


def _schema_fingerprint(uri: str) -> list[tuple[str, ...]]:
    with psycopg.connect(uri) as conn:
        rows = conn.execute(
            """
            select table_name, column_name, data_type, is_nullable
              from information_schema.columns where table_schema = 'public'
            union all
            select tablename, policyname, cmd, array_to_string(roles, ',')
              from pg_policies where schemaname = 'public'
            union all
            select conrelid::regclass::text, conname, contype::text, ''
              from pg_constraint where connamespace = 'public'::regnamespace
            order by 1, 2
            """
        ).fetchall()
    return [tuple(str(v) for v in r) for r in rows]


def test_fresh_database_migrates_and_second_run_changes_nothing(pg_server: object) -> None:
    uri = clone_database(pg_server, "empty", "hb_migrate_twice")
    before = _schema_fingerprint(uri)
    assert migrate(uri) == []
    assert _schema_fingerprint(uri) == before
    with psycopg.connect(uri) as conn:
        versions = [
            r[0]
            for r in conn.execute(
                "select version from supabase_migrations.schema_migrations order by version"
            )
        ]
    assert versions == [m.version for m in list_migrations()]


def test_every_public_table_has_rls_and_a_policy_per_command(empty_db: str) -> None:
    with psycopg.connect(empty_db) as conn:
        tables = conn.execute(
            "select c.relname, c.relrowsecurity from pg_class c "
            "where c.relnamespace = 'public'::regnamespace and c.relkind = 'r'"
        ).fetchall()
        policies = conn.execute(
            "select tablename, cmd from pg_policies where schemaname = 'public'"
        ).fetchall()
    assert tables, "no tables"
    for name, rls in tables:
        assert rls, f"{name} has no row-level security"
        cmds = {cmd for table, cmd in policies if table == name}
        assert cmds == {"SELECT", "INSERT", "UPDATE", "DELETE"}, (name, cmds)


def test_migrations_do_not_create_what_supabase_provides() -> None:
    forbidden = (
        # Our own login role (heartbeat_app) is ours to create; these are Supabase's.
        "create role anon",
        "create role authenticated",
        "create role service_role",
        "create role authenticator",
        "create schema auth",
        "create schema if not exists auth",
        "create function auth.",
        "create or replace function auth.",
        "create table auth.",
    )
    for migration in list_migrations():
        sql = migration.path.read_text().lower()
        for phrase in forbidden:
            assert phrase not in sql, f"{migration.path.name} contains '{phrase}'"
