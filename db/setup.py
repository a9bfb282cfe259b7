"""Makes the configured database ready for the app: migrated, and on the
embedded default seeded with the demo movement on first start."""

from __future__ import annotations

import logging

import psycopg

from db.config import Settings, get_settings
from db.migrate import migrate
from db.server import database_uri

log = logging.getLogger(__name__)


def holds_data(uri: str) -> bool:
    with psycopg.connect(uri) as conn:
        row = conn.execute(
            "select exists (select 1 from public.chapters) or exists (select 1 from public.members)"
        ).fetchone()
    return bool(row and row[0])


def ensure_ready(settings: Settings | None = None) -> str:
    """Migrate, seed the demo on an empty embedded database, return the URI."""
    settings = settings or get_settings()
    uri = database_uri(settings)
    migrate(uri)
    if settings.embedded and not holds_data(uri):
        from db.seed import load_demo

        log.info("seeding the %s demo movement", settings.seed_size)
        load_demo(uri, size=settings.seed_size, with_accounts=True)
    return uri
