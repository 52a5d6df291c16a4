"""Settings: defaults, ``config/*.toml``, ``CMS_*`` overrides, generated secrets.

Every wrong value stops start-up with a message naming where it came from (the
file or the environment variable) and the key; the CLI prints it without a
traceback.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from cms.config import ConfigError, Settings, load_settings
from tests.helpers.project import collection, free_port, make_project, run_cms, write_schema


def write_config(root: Path, name: str, body: str) -> Path:
    path = root / "config" / f"{name}.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body)
    return path


def load(root: Path, **env: str) -> Settings:
    """Settings of ``root`` with exactly ``env`` as the environment."""
    return load_settings(root, "develop", env=env)


def config_error(root: Path, **env: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load(root, **env)
    return str(caught.value)


# -- values ---------------------------------------------------------------------


def test_an_empty_project_gets_the_defaults(tmp_path: Path) -> None:
    settings = load(tmp_path)
    assert (settings.server.host, settings.server.port) == ("127.0.0.1", 1337)
    assert settings.server.asgi_server == "uvicorn"
    assert settings.database.url == "sqlite://.tmp/data.db"
    assert settings.dialect == "sqlite"
    assert settings.tortoise_db_url() == f"sqlite://{tmp_path / '.tmp' / 'data.db'}"
    assert (settings.api.prefix, settings.api.default_limit, settings.api.max_limit) == ("/api", 25, 100)
    assert settings.api.with_count is True
    assert settings.plugins == {}
    assert settings.develop and not load_settings(tmp_path, "production", env={}).develop


def test_values_are_read_from_the_toml_files(tmp_path: Path) -> None:
    write_config(tmp_path, "server", 'host = "0.0.0.0"\nport = 8080\nlog_level = "warning"\n')
    write_config(tmp_path, "database", 'url = "postgres://cms@db:5432/cms"\n')
    write_config(tmp_path, "api", "max_limit = 500\nwith_count = false\n")
    write_config(tmp_path, "plugins", '[realtime]\nredis_url = "redis://cache"\nmax_rooms = 10\n')

    settings = load(tmp_path)

    assert (settings.server.host, settings.server.port, settings.server.log_level) == ("0.0.0.0", 8080, "warning")
    assert settings.database.url == "postgres://cms@db:5432/cms"
    assert settings.dialect == "postgres"
    assert settings.tortoise_db_url() == "postgres://cms@db:5432/cms"
    assert (settings.api.max_limit, settings.api.with_count, settings.api.default_limit) == (500, False, 25)
    assert settings.plugins == {"realtime": {"redis_url": "redis://cache", "max_rooms": 10}}


def test_environment_variables_override_the_files_with_the_right_types(tmp_path: Path) -> None:
    write_config(tmp_path, "server", "port = 8080\n")
    write_config(tmp_path, "plugins", '[realtime]\nmax_rooms = 10\n[audit_log]\nenabled = true\n')

    settings = load(
        tmp_path,
        CMS_DATABASE_URL="postgres://postgres@127.0.0.1:5432/app",
        CMS_SERVER_PORT="9000",
        CMS_API_MAX_LIMIT="50",
        CMS_API_WITH_COUNT="false",
        CMS_PLUGINS_REALTIME_MAX_ROOMS="20",
        CMS_PLUGINS_REALTIME_REDIS_URL="redis://cache",
        CMS_PLUGINS_AUDIT_LOG_ENABLED="no",
    )

    assert settings.database.url == "postgres://postgres@127.0.0.1:5432/app"
    assert settings.server.port == 9000
    assert settings.api.max_limit == 50
    assert settings.api.with_count is False
    # a plugin key is typed like its value in plugins.toml, a string otherwise
    assert settings.plugins["realtime"] == {"max_rooms": 20, "redis_url": "redis://cache"}
    # the longest plugin name owns the variable: "audit_log", not a plugin "audit"
    assert settings.plugins["audit_log"] == {"enabled": False}


def test_a_relative_sqlite_path_is_under_the_project(tmp_path: Path) -> None:
    settings = load(tmp_path, CMS_DATABASE_URL="sqlite://data/app.db")
    assert settings.tortoise_db_url() == f"sqlite://{tmp_path / 'data' / 'app.db'}"
    assert load(tmp_path, CMS_DATABASE_URL="sqlite:///srv/app.db").tortoise_db_url() == "sqlite:///srv/app.db"


# -- wrong values -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "body", "expected"),
    [
        ("server", 'port = "eighty"\n', ['"port" must be an integer', "'eighty'"]),
        ("server", "port = 70000\n", ['"port" must be a port number']),
        ("server", 'log_level = "loud"\n', ['"log_level" must be one of debug, info, warning, error']),
        ("api", 'with_count = "yes"\n', ['"with_count" must be true or false']),
        ("api", 'prefix = "api"\n', ['"prefix" must start with "/"']),
        ("api", "max_limit = 0\n", ['"max_limit" must be positive']),
        ("database", 'url = "mysql://db/cms"\n', ['"url" must be sqlite://', "mysql://db/cms"]),
    ],
)
def test_a_wrong_value_in_a_file_names_the_file_and_the_key(
    tmp_path: Path, file: str, body: str, expected: list[str]
) -> None:
    path = write_config(tmp_path, file, body)
    message = config_error(tmp_path)
    assert message.startswith(f"{path}: ")
    for part in expected:
        assert part in message


@pytest.mark.parametrize(
    ("var", "value", "expected"),
    [
        ("CMS_SERVER_PORT", "eighty", "must be an integer, not 'eighty'"),
        ("CMS_SERVER_PORT", "", "must be an integer"),
        ("CMS_SERVER_PORT", "99999", "must be a port number"),
        ("CMS_API_MAX_LIMIT", "1.5", "must be an integer"),
        ("CMS_API_WITH_COUNT", "maybe", "must be true or false"),
        ("CMS_SERVER_ASGI_SERVER", "hypercorn", "must be one of uvicorn, granian"),
        ("CMS_DATABASE_URL", "mysql://db/cms", "must be sqlite://"),
    ],
)
def test_a_wrong_value_in_the_environment_names_the_variable(tmp_path: Path, var: str, value: str, expected: str) -> None:
    message = config_error(tmp_path, **{var: value})
    assert message.startswith(f"environment variable {var} ")
    assert expected in message


def test_a_wrong_plugin_override_names_the_variable(tmp_path: Path) -> None:
    write_config(tmp_path, "plugins", "[realtime]\nmax_rooms = 10\n")
    message = config_error(tmp_path, CMS_PLUGINS_REALTIME_MAX_ROOMS="many")
    assert message == "environment variable CMS_PLUGINS_REALTIME_MAX_ROOMS must be an integer, not 'many'"


def test_an_unknown_key_is_named_with_the_known_ones(tmp_path: Path) -> None:
    path = write_config(tmp_path, "server", "prot = 8080\n")
    message = config_error(tmp_path)
    assert message.startswith(f'{path}: unknown key "prot"')
    assert "port" in message.split("known:")[1]


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = write_config(tmp_path, "api", "max_limit = = 3\n")
    message = config_error(tmp_path)
    assert message.startswith(f"{path}: not valid TOML")


def test_a_plugin_entry_must_be_a_table(tmp_path: Path) -> None:
    path = write_config(tmp_path, "plugins", "realtime = true\n")
    assert config_error(tmp_path) == f'{path}: "realtime" must be a table ([realtime])'


# -- secrets ----------------------------------------------------------------------


def test_secrets_are_generated_on_first_load_into_a_private_file(tmp_path: Path) -> None:
    path = tmp_path / "config" / "secrets.toml"
    assert not path.exists()

    secrets = load(tmp_path).secrets

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    values = [secrets.jwt_secret, secrets.admin_session_secret, secrets.api_token_salt]
    assert len(set(values)) == 3
    assert all(len(value) >= 32 for value in values)
    text = path.read_text()
    assert all(value in text for value in values)


def test_secrets_are_stable_across_loads_and_differ_between_projects(tmp_path: Path) -> None:
    first = load(tmp_path / "one").secrets
    assert load(tmp_path / "one").secrets == first
    assert load_settings(tmp_path / "one", "production", env={}).secrets == first
    other = load(tmp_path / "two").secrets
    assert other.jwt_secret != first.jwt_secret
    assert other.admin_session_secret != first.admin_session_secret
    assert other.api_token_salt != first.api_token_salt


def test_a_rewritten_secrets_file_is_made_private(tmp_path: Path) -> None:
    path = write_config(tmp_path, "secrets", 'jwt_secret = "kept"\n')
    path.chmod(0o644)

    secrets = load(tmp_path).secrets

    assert secrets.jwt_secret == "kept"
    assert secrets.api_token_salt  # the missing ones were generated
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_environment_variables_override_the_secrets(tmp_path: Path) -> None:
    generated = load(tmp_path).secrets
    secrets = load(tmp_path, CMS_SECRETS_JWT_SECRET="from-the-vault").secrets
    assert secrets.jwt_secret == "from-the-vault"
    assert secrets.api_token_salt == generated.api_token_salt


def test_no_file_is_written_when_the_environment_gives_every_secret(tmp_path: Path) -> None:
    secrets = load(
        tmp_path,
        CMS_SECRETS_JWT_SECRET="a",
        CMS_SECRETS_ADMIN_SESSION_SECRET="b",
        CMS_SECRETS_API_TOKEN_SALT="c",
    ).secrets
    assert (secrets.jwt_secret, secrets.admin_session_secret, secrets.api_token_salt) == ("a", "b", "c")
    assert not (tmp_path / "config" / "secrets.toml").exists()


def test_secrets_can_be_read_without_writing_them(tmp_path: Path) -> None:
    """For tools that inspect a folder which may not be a project (`cms --help` anywhere)."""
    secrets = load_settings(tmp_path, env={}, write_secrets=False).secrets
    assert secrets.jwt_secret == ""
    assert not (tmp_path / "config").exists()


# -- the CLI turns configuration and schema errors into a message -------------------


def test_a_broken_schema_stops_develop_with_file_and_attribute(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project", builtin_types=False)
    write_schema(root, "note", collection("note", "notes", {
        "title": {"type": "string", "maxLength": "long"},
        "rating": {"type": "stars"},
    }))

    result = run_cms(root, "develop", "--port", str(free_port()), timeout=30)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith("error: 2 problems in content-type definitions")
    title = next(line for line in lines if '"title"' in line)
    rating = next(line for line in lines if '"rating"' in line)
    for line in (title, rating):
        assert "content_types/note/schema.json" in line
    assert "maxLength" in title
    assert "stars" in rating
    assert not (root / "migrations").exists()  # nothing was written or served


def test_a_wrong_setting_stops_develop_with_a_message(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project", builtin_types=False)
    path = write_config(root, "server", 'port = "eighty"\n')

    result = run_cms(root, "develop", timeout=30)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == f"error: {path.resolve()}: \"port\" must be an integer, not 'eighty'"
