"""Settings come from the environment and `.streamlit/secrets.toml` (the
environment wins), refuse half a Supabase configuration and copied
placeholders, and the committed example and Streamlit config say what they
should."""

from __future__ import annotations

import re
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

import db.config
from db.config import EXAMPLE_PLACEHOLDERS, PROJECT_ROOT, Settings, get_settings
from db.server import database_uri

EXAMPLE = PROJECT_ROOT / ".streamlit" / "secrets.example.toml"
STREAMLIT_CONFIG = PROJECT_ROOT / ".streamlit" / "config.toml"
FIELDS = {name.upper() for name in Settings.model_fields}
SUPABASE = {
    "SUPABASE_URL": "https://abcdefghijklmnop.supabase.co",
    "SUPABASE_ANON_KEY": "sb_publishable_test",
}


@pytest.fixture
def secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private secrets.toml and an environment without Heartbeat's settings."""
    for name in FIELDS:
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "secrets.toml"
    monkeypatch.setattr(db.config, "SECRETS_FILE", path)
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


def _write(path: Path, values: dict[str, object], extra: str = "") -> None:
    lines = [
        f"{key} = {value!r}" if not isinstance(value, str) else f'{key} = "{value}"'
        for key, value in values.items()
    ]
    path.write_text("\n".join(lines) + "\n" + extra)


def test_nothing_configured_means_the_embedded_database(secrets: Path) -> None:
    settings = Settings()
    assert settings.embedded
    assert not settings.uses_supabase_auth
    assert settings.data_dir == PROJECT_ROOT / ".data" / "postgres"
    assert settings.seed_size == "small"


def test_the_environment_configures(secrets: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://app:s3cret-pass@db.example.org:5432/heartbeat")
    monkeypatch.setenv("POOL_MAX_SIZE", "25")
    settings = Settings()
    assert not settings.embedded
    assert settings.pool_max_size == 25
    assert database_uri(settings) == "postgresql://app:s3cret-pass@db.example.org:5432/heartbeat"
    # The password never shows in logs or tracebacks.
    assert "s3cret-pass" not in repr(settings) and "s3cret-pass" not in str(settings)


def test_the_secrets_file_configures(secrets: Path) -> None:
    _write(secrets, {"DATABASE_URL": "postgresql://file@db/h", "seed_size": "medium", **SUPABASE})
    settings = Settings()
    assert settings.database_url is not None
    assert settings.database_url.get_secret_value() == "postgresql://file@db/h"
    assert settings.seed_size == "medium"
    assert settings.uses_supabase_auth


def test_the_environment_wins_over_the_secrets_file(secrets: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(secrets, {"DATABASE_URL": "postgresql://file@db/h", "SESSION_IDLE_MINUTES": 20})
    monkeypatch.setenv("DATABASE_URL", "postgresql://env@db/h")
    settings = Settings()
    assert settings.database_url is not None
    assert settings.database_url.get_secret_value() == "postgresql://env@db/h"
    assert settings.session_idle_minutes == 20, "what the environment does not set still comes from the file"


def test_get_settings_reads_once_and_reloads_when_cleared(
    secrets: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = get_settings()
    monkeypatch.setenv("SEED_SIZE", "tiny")
    assert get_settings() is first
    get_settings.cache_clear()
    assert get_settings().seed_size == "tiny"


def test_streamlit_sections_and_unknown_keys_in_the_secrets_file_are_ignored(secrets: Path) -> None:
    _write(
        secrets,
        {"SOMETHING_ELSE": "x"},
        '[connections.postgresql]\nurl = "postgresql://other@db/x"\n[database_url]\nnested = true\n',
    )
    assert Settings().embedded


@pytest.mark.parametrize(
    "half",
    [
        pytest.param({"SUPABASE_URL": SUPABASE["SUPABASE_URL"]}, id="url-without-key"),
        pytest.param({"SUPABASE_ANON_KEY": SUPABASE["SUPABASE_ANON_KEY"]}, id="key-without-url"),
    ],
)
@pytest.mark.parametrize("source", ["environment", "secrets-file"])
def test_half_a_supabase_configuration_is_refused(
    secrets: Path, monkeypatch: pytest.MonkeyPatch, half: dict[str, str], source: str
) -> None:
    if source == "environment":
        for key, value in half.items():
            monkeypatch.setenv(key, value)
    else:
        _write(secrets, half)
    with pytest.raises(ValidationError, match="set both SUPABASE_URL and SUPABASE_ANON_KEY, or neither"):
        Settings()


def test_the_two_supabase_halves_may_come_from_different_places(
    secrets: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(secrets, {"SUPABASE_ANON_KEY": SUPABASE["SUPABASE_ANON_KEY"]})
    monkeypatch.setenv("SUPABASE_URL", SUPABASE["SUPABASE_URL"])
    assert Settings().uses_supabase_auth


def test_an_empty_value_means_not_set(secrets: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # `DATABASE_URL=` in a shell or a compose file, or a blanked line in the file.
    monkeypatch.setenv("DATABASE_URL", "")
    monkeypatch.setenv("SUPABASE_URL", "")
    _write(secrets, {"SUPABASE_ANON_KEY": ""})
    settings = Settings()
    assert settings.embedded and not settings.uses_supabase_auth


def test_a_supabase_url_must_be_an_address(secrets: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPABASE_URL", "abcdefghijklmnop.supabase.co")
    monkeypatch.setenv("SUPABASE_ANON_KEY", "sb_publishable_test")
    with pytest.raises(ValidationError, match="https://"):
        Settings()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        pytest.param("SEED_SIZE", "huge", id="seed-size"),
        pytest.param("POOL_MAX_SIZE", "0", id="pool-empty"),
        pytest.param("POOL_MAX_SIZE", "many", id="pool-not-a-number"),
        pytest.param("PASSWORD_HASHING_CONCURRENCY", "0", id="hashing-never"),
        pytest.param("SESSION_IDLE_MINUTES", "100000", id="idle-too-long"),
    ],
)
def test_out_of_range_values_are_refused(
    secrets: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=name.lower()):
        Settings()


def test_a_relative_data_dir_lives_in_the_project(secrets: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATA_DIR", ".data/elsewhere")
    monkeypatch.chdir("/")
    assert Settings().data_dir == PROJECT_ROOT / ".data" / "elsewhere"


# --- the committed files --------------------------------------------------------


def _example() -> dict[str, object]:
    with EXAMPLE.open("rb") as fh:
        return tomllib.load(fh)


def test_the_example_documents_real_settings_only() -> None:
    example = _example()
    assert {"DATABASE_URL", "SUPABASE_URL", "SUPABASE_ANON_KEY"} <= set(example)
    assert set(example) <= FIELDS, f"unknown keys: {set(example) - FIELDS}"
    commented = set(re.findall(r"^# ([A-Z_]+) = ", EXAMPLE.read_text(), flags=re.MULTILINE))
    assert commented <= FIELDS, f"unknown optional keys: {commented - FIELDS}"
    assert set(example) | commented == FIELDS, f"undocumented settings: {FIELDS - set(example) - commented}"


def test_the_example_holds_placeholders_not_secrets() -> None:
    text = EXAMPLE.read_text()
    for value in _example().values():
        assert any(p in str(value) for p in EXAMPLE_PLACEHOLDERS), f"not a placeholder: {value}"
    assert not re.search(r"eyJ[A-Za-z0-9_-]{10,}", text), "looks like a real JWT"
    assert not re.search(r"sb_(secret|publishable)_[A-Za-z0-9]", text), "looks like a real Supabase key"
    assert not any("SERVICE" in key or "SECRET" in key for key in _example()), "server-side keys stay out"


def test_a_copied_example_is_refused_until_filled_in(secrets: Path) -> None:
    secrets.write_text(EXAMPLE.read_text())
    with pytest.raises(ValidationError, match=r"placeholder from secrets\.example\.toml"):
        Settings()
    filled = EXAMPLE.read_text()
    for placeholder, real in zip(
        EXAMPLE_PLACEHOLDERS, ("abcdefghijklmnop", "pw", "eu-west-2", "sb_publishable_x"), strict=True
    ):
        filled = filled.replace(placeholder, real)
    secrets.write_text(filled)
    settings = Settings()
    assert not settings.embedded and settings.uses_supabase_auth


def test_a_password_with_angle_brackets_is_not_a_placeholder(
    secrets: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://app:a<b>c@db.example.org/heartbeat")
    assert not Settings().embedded


def test_real_secrets_stay_out_of_git() -> None:
    if not (PROJECT_ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    ignored = subprocess.run(
        ["git", "check-ignore", "--quiet", ".streamlit/secrets.toml"], cwd=PROJECT_ROOT, check=False
    )
    assert ignored.returncode == 0, ".streamlit/secrets.toml must be git-ignored"
    tracked = subprocess.run(
        ["git", "ls-files", "--error-unmatch", ".streamlit/secrets.example.toml"],
        cwd=PROJECT_ROOT,
        check=False,
        capture_output=True,
    )
    assert tracked.returncode == 0, "the example is committed"


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_streamlit_config_suits_servers_and_every_reader() -> None:
    from components.charts import OKABE_ITO

    with STREAMLIT_CONFIG.open("rb") as fh:
        config = tomllib.load(fh)
    assert config["server"]["headless"] is True
    assert "port" not in config["server"], "STREAMLIT_SERVER_PORT must decide the port"
    assert config["browser"]["gatherUsageStats"] is False
    theme = config["theme"]
    assert theme["primaryColor"].upper() == OKABE_ITO[0].upper(), "the theme's colour is the charts' first"
    assert _contrast(theme["primaryColor"], theme["backgroundColor"]) >= 4.5
    assert _contrast(theme["textColor"], theme["backgroundColor"]) >= 7
    assert _contrast(theme["textColor"], theme["secondaryBackgroundColor"]) >= 7
