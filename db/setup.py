"""Makes the configured database ready for the app: migrated, and on the
embedded default seeded with the demo movement on first start."""

from __future__ import annotations

import logging

import psycopg

from db.config import Settings, get_settings
from db.migrate import list_migrations, migrate
from db.server import database_uri

log = logging.getLogger(__name__)


def holds_data(uri: str) -> bool:
    with psycopg.connect(uri) as conn:
        row = conn.execute(
            "select exists (select 1 from public.chapters) or exists (select 1 from public.members)"
        ).fetchone()
    return bool(row and row[0])


class NotMigratedError(RuntimeError):
    """The database is behind the code, and this role may not migrate it."""


def may_migrate(uri: str) -> bool:
    """Whether `uri` logs in as a role that can change the schema: a
    superuser or the owner of `public` (the embedded default's postgres, an
    operator's owner URL). The app's login role, heartbeat_app, cannot."""
    with psycopg.connect(uri) as conn:
        row = conn.execute(
            """select r.rolsuper or pg_has_role(current_user, n.nspowner, 'USAGE')
                 from pg_roles r, pg_namespace n
                where r.rolname = current_user and n.nspname = 'public'"""
        ).fetchone()
    return bool(row and row[0])


def pending_migrations(uri: str) -> list[str]:
    """Versions in supabase/migrations that the database has not applied,
    asked as any role (heartbeat_app reads them through a function)."""
    with psycopg.connect(uri) as conn:
        try:
            applied = {r[0] for r in conn.execute("select app.applied_migrations()")}
        except (psycopg.errors.UndefinedFunction, psycopg.errors.InvalidSchemaName):
            applied = set()
    return [m.version for m in list_migrations() if m.version not in applied]


def ensure_ready(settings: Settings | None = None) -> str:
    """Migrate (where this role may), seed the demo on an empty embedded
    database, return the URI.

    On Supabase the app logs in as heartbeat_app, which cannot change the
    schema: `supabase db push` migrates, and the app only checks that it is
    not behind, refusing to start with a message that says what to run."""
    settings = settings or get_settings()
    uri = database_uri(settings)
    if settings.embedded or may_migrate(uri):
        migrate(uri)
    else:
        missing = pending_migrations(uri)
        if missing:
            raise NotMigratedError(
                f"the database lacks {len(missing)} migration(s) ({missing[0]} … {missing[-1]}): "
                "run `supabase db push` (or `python -m db.migrate` with DATABASE_URL set to the "
                "owner's URL), then start again"
            )
    if settings.embedded and not holds_data(uri):
        from db.seed import load_demo

        log.info("seeding the %s demo movement", settings.seed_size)
        load_demo(uri, size=settings.seed_size, with_accounts=True)
    return uri
