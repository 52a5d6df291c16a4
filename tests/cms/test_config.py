"""Settings: defaults, ``config/*.toml``, ``CMS_*`` overrides, generated secrets.

Every wrong value stops start-up with a message naming where it came from (the
file or the environment variable) and the key; the CLI prints it without a
traceback.
"""

from __future__ import annotations

import dataclasses
import importlib
import stat
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

import pytest

from cms.config import ApiSettings, ConfigError, DatabaseSettings, EnvValue, ServerSettings, Settings, load_settings, read_settings
from cms.plugins import load_plugins
from tests.helpers.project import collection, free_port, make_project, run_cms, write_schema

#: the built-in plugins' settings classes (in ``plugins/<name>/config.py``)
PLUGIN_SETTINGS = {"realtime": "RealtimeConfig", "users_permissions": "UsersPermissionsConfig"}


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


def override(kind: Any, default: Any) -> tuple[str, Any]:
    """Environment text for a setting of type ``kind`` and the value it must give,
    valid and unlike ``default``: derived from the type, so new fields are covered."""
    origin, args = get_origin(kind), get_args(kind)
    if origin is Literal:
        choice = next(c for c in args if c != default)
        return str(choice), choice
    if origin in (Union, types.UnionType):  # e.g. durations, str | int: the number form
        return override(next(a for a in args if a is not str), None)
    if origin is list:
        return " first, second ", ["first", "second"]
    if kind is bool:
        return ("off", False) if default else ("on", True)
    if kind is int:
        return str((default or 0) + 7), (default or 0) + 7
    if kind is float:
        return str(default + 0.5), default + 0.5
    assert kind is str, f"no sample for {kind}"
    return default + "x", default + "x"


def plugin_settings(name: str) -> tuple[type, Callable[[Any], Any]]:
    """A built-in plugin's settings class and ``load_config``, imported by the tests that
    use them (a plugin being reworked does not stop the core's tests from being collected)."""
    module = importlib.import_module(f"plugins.{name}.config")
    return getattr(module, PLUGIN_SETTINGS[name]), module.load_config


def overrides(cls: type, prefix: str) -> dict[str, tuple[str, str, Any]]:
    """Field name → (variable, text, expected value) for every field of ``cls``."""
    hints = get_type_hints(cls)
    defaults = {f.name: f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
                for f in dataclasses.fields(cls)}
    return {name: (f"{prefix}{name.upper()}", *override(hints[name], defaults[name])) for name in defaults}


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
    assert settings.server.access_log is False
    assert settings.server.ws_per_message_deflate is False
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
    # plugin overrides stay text tagged with their variable, until the plugin types them
    assert settings.plugins["realtime"] == {"max_rooms": "20", "redis_url": "redis://cache"}
    assert isinstance(settings.plugins["realtime"]["max_rooms"], EnvValue)
    assert settings.plugins["realtime"]["max_rooms"].var == "CMS_PLUGINS_REALTIME_MAX_ROOMS"
    assert settings.plugins["realtime"].path == tmp_path / "config" / "plugins.toml"
    # the longest plugin name owns the variable: "audit_log", not a plugin "audit"
    assert settings.plugins["audit_log"] == {"enabled": "no"}


@pytest.mark.parametrize("cls", [ServerSettings, DatabaseSettings, ApiSettings])
def test_every_core_key_can_be_overridden_from_the_environment(tmp_path: Path, cls: type) -> None:
    section = {ServerSettings: "server", DatabaseSettings: "database", ApiSettings: "api"}[cls]
    cases = overrides(cls, f"CMS_{section.upper()}_")

    settings = load(tmp_path, **{var: text for var, text, _ in cases.values()})

    for name, (var, _, expected) in cases.items():
        assert getattr(getattr(settings, section), name) == expected, var


@pytest.mark.parametrize("name", sorted(PLUGIN_SETTINGS))
def test_every_plugin_key_can_be_overridden_from_the_environment_without_a_line_in_the_file(
    tmp_path: Path, name: str
) -> None:
    """The regression: CMS_PLUGINS_REALTIME_MAX_PACKET_BYTES=262144 used to stop start-up."""
    cls, load_config = plugin_settings(name)
    write_config(tmp_path, "plugins", f"[{name}]\n")
    cases = overrides(cls, f"CMS_PLUGINS_{name.upper()}_")

    [loaded] = load_plugins(load(tmp_path, **{var: text for var, text, _ in cases.values()}))
    config = load_config(loaded.config)

    for key, (var, _, expected) in cases.items():
        assert getattr(config, key) == expected, var  # 65543 == "65543" would be False: typed


def test_the_settings_reader_types_every_kind_of_field() -> None:
    @dataclass(frozen=True)
    class Sample:
        count: int = 1
        ratio: float = 1.0
        flag: bool = False
        text: str = ""
        names: list[str] = field(default_factory=list)
        level: Literal["low", "high"] = "low"
        duration: str | int = "1d"

    env = {"count": "-3", "ratio": "2", "flag": "yes", "text": "a b", "names": "a,, b ,c",
           "level": "high", "duration": "3600"}
    read = read_settings(Sample, {key: EnvValue(text, f"VAR_{key}") for key, text in env.items()}, "sample")
    assert read == Sample(count=-3, ratio=2.0, flag=True, text="a b", names=["a", "b", "c"], level="high", duration=3600)
    assert type(read.text) is str and type(read.names[0]) is str  # no EnvValue tags left
    assert read_settings(Sample, {"duration": EnvValue("30d", "V"), "names": EnvValue("", "V")}, "s").duration == "30d"
    assert read_settings(Sample, {"names": EnvValue("", "V")}, "s").names == []
    # file values are checked, never converted: a TOML string is not a number
    assert read_settings(Sample, {"ratio": 2, "names": ["x"], "duration": 60}, "s") == Sample(ratio=2.0, names=["x"], duration=60)
    for raw, message in [
        ({"count": "3"}, 'plugin "s": "count" must be an integer, not \'3\''),
        ({"flag": "true"}, 'plugin "s": "flag" must be true or false'),
        ({"count": True}, 'plugin "s": "count" must be an integer'),
        ({"names": ["a", 1]}, 'plugin "s": "names" must be a list of strings'),
        ({"names": "a,b"}, 'plugin "s": "names" must be a list of strings'),
        ({"level": "mid"}, 'plugin "s": "level" must be one of low, high'),
        ({"duration": 1.5}, 'plugin "s": "duration" must be a string or an integer'),
        ({"ratio": EnvValue("fast", "V_RATIO")}, "environment variable V_RATIO must be a number, not 'fast'"),
        ({"ratio": EnvValue("nan", "V_RATIO")}, "environment variable V_RATIO must be a number, not 'nan'"),
        ({"level": EnvValue("HIGH", "V_LEVEL")}, "environment variable V_LEVEL must be one of low, high, not 'HIGH'"),
    ]:
        with pytest.raises(ConfigError) as caught:
            read_settings(Sample, raw, "s")
        assert str(caught.value).startswith(message), raw


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


def plugin_error(root: Path, name: str, **env: str) -> str:
    """The error of plugin ``name`` reading its settings (as its ``register`` does)."""
    _, load_config = plugin_settings(name)
    [loaded] = [p for p in load_plugins(load(root, **env)) if p.name == name]
    with pytest.raises(ConfigError) as caught:
        load_config(loaded.config)
    return str(caught.value)


def config_error_of_plugins(root: Path, **env: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_plugins(load(root, **env))
    return str(caught.value)


@pytest.mark.parametrize(
    ("var", "value", "expected"),
    [
        ("CMS_PLUGINS_REALTIME_MAX_PACKET_BYTES", "256k", "must be an integer, not '256k'"),
        ("CMS_PLUGINS_REALTIME_SEND_RATE", "fast", "must be a number, not 'fast'"),
        ("CMS_PLUGINS_REALTIME_MAX_PENDING", "0", "must be at least 1"),
        ("CMS_PLUGINS_REALTIME_SEND_RATE", "-1", "must be positive"),
        ("CMS_PLUGINS_USERS_PERMISSIONS_ALLOW_REGISTER", "maybe", "must be true or false, not 'maybe'"),
        ("CMS_PLUGINS_USERS_PERMISSIONS_JWT_EXPIRES_IN", "3 weeks", 'must be a duration like "30d"'),
        ("CMS_PLUGINS_USERS_PERMISSIONS_RATE_LIMIT_MAX", "0", "must be at least 1"),
    ],
)
def test_a_wrong_plugin_override_names_the_variable(tmp_path: Path, var: str, value: str, expected: str) -> None:
    name = "realtime" if "REALTIME" in var else "users_permissions"
    write_config(tmp_path, "plugins", f"[{name}]\nmax_pending = 5\n" if name == "realtime" else f"[{name}]\n")
    message = plugin_error(tmp_path, name, **{var: value})
    assert message.startswith(f"environment variable {var} ")
    assert expected in message


def test_a_wrong_plugin_value_in_the_file_names_the_file_and_the_key(tmp_path: Path) -> None:
    """TOML values are checked, not converted: a quoted number in the file is a mistake."""
    path = write_config(tmp_path, "plugins", '[realtime]\nmax_packet_bytes = "262144"\n')
    message = plugin_error(tmp_path, "realtime")
    assert message == f'{path}: [realtime] "max_packet_bytes" must be an integer, not \'262144\''
    path = write_config(tmp_path, "plugins", "[users_permissions]\nrate_limit_max = 0\n")
    assert plugin_error(tmp_path, "users_permissions") == f'{path}: [users_permissions] "rate_limit_max" must be at least 1'


def test_an_unknown_plugin_key_is_refused_from_the_file_or_the_environment(tmp_path: Path) -> None:
    """A mistyped variable is an error, as a mistyped key in the file is (not silently ignored)."""
    path = write_config(tmp_path, "plugins", "[realtime]\nmax_rooms = 10\n")
    message = plugin_error(tmp_path, "realtime")
    assert message.startswith(f'{path}: [realtime] unknown key "max_rooms" (known: ')
    assert "max_packet_bytes" in message.split("known:")[1]

    write_config(tmp_path, "plugins", "[realtime]\n")
    message = plugin_error(tmp_path, "realtime", CMS_PLUGINS_REALTIME_MAX_PACKETS="9")
    assert message.startswith(
        'environment variable CMS_PLUGINS_REALTIME_MAX_PACKETS: plugin "realtime": unknown key "max_packets" (known: ')
    assert "max_packet_bytes" in message.split("known:")[1]


def test_overrides_of_a_plugin_that_is_not_listed_are_ignored(tmp_path: Path) -> None:
    write_config(tmp_path, "plugins", "[users_permissions]\n")
    settings = load(tmp_path, CMS_PLUGINS_REALTIME_MAX_PACKET_BYTES="oops")
    assert set(settings.plugins) == {"users_permissions"}
    assert [p.name for p in load_plugins(settings)] == ["users_permissions"]


def test_a_plugin_can_be_switched_off_from_the_environment(tmp_path: Path) -> None:
    write_config(tmp_path, "plugins", "[users_permissions]\n[realtime]\n")
    assert [p.name for p in load_plugins(load(tmp_path, CMS_PLUGINS_REALTIME_ENABLED="off"))] == ["users_permissions"]
    message = config_error_of_plugins(tmp_path, CMS_PLUGINS_REALTIME_ENABLED="maybe")
    assert message == "environment variable CMS_PLUGINS_REALTIME_ENABLED must be true or false, not 'maybe'"



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


def test_a_plugin_override_absent_from_the_file_reaches_the_plugin_typed(tmp_path: Path) -> None:
    """`cms routes` registers every plugin, which reads its settings: no start-up error."""
    root = make_project(tmp_path / "project", plugins_toml="[realtime]\n")

    ok = run_cms(root, "routes", env={"CMS_PLUGINS_REALTIME_MAX_PACKET_BYTES": "262144"}, timeout=30)
    wrong = run_cms(root, "routes", env={"CMS_PLUGINS_REALTIME_MAX_PACKET_BYTES": "big"}, timeout=30)

    assert (ok.returncode, ok.stderr) == (0, "")
    assert "/socket.io/" in ok.stdout
    assert wrong.returncode == 1
    assert wrong.stderr == "error: environment variable CMS_PLUGINS_REALTIME_MAX_PACKET_BYTES must be an integer, not 'big'\n"


def test_a_wrong_setting_stops_develop_with_a_message(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project", builtin_types=False)
    path = write_config(root, "server", 'port = "eighty"\n')

    result = run_cms(root, "develop", timeout=30)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == f"error: {path.resolve()}: \"port\" must be an integer, not 'eighty'"


@pytest.mark.parametrize("mode", ["develop", "production"])
def test_an_empty_secret_is_refused_naming_it(tmp_path: Path, mode: str) -> None:
    """Empty secrets made registration answer 500."""
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path, mode, env={"CMS_SECRETS_JWT_SECRET": ""})  # type: ignore[arg-type]
    assert "environment variable CMS_SECRETS_JWT_SECRET is empty" in str(caught.value)


def test_production_refuses_a_short_secret_without_showing_it(tmp_path: Path) -> None:
    """``CMS_SECRETS_JWT_SECRET="a"`` was accepted, and a JWT forged with the key "a" worked."""
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path, "production", env={"CMS_SECRETS_JWT_SECRET": "short-secret-xyz"})
    assert "CMS_SECRETS_JWT_SECRET is shorter than 32 bytes" in str(caught.value)
    assert "short-secret-xyz" not in str(caught.value)
    assert load_settings(tmp_path, "develop", env={"CMS_SECRETS_JWT_SECRET": "short-secret-xyz"})  # develop: allowed
    # the generated ones are long enough
    assert load_settings(tmp_path, "production", env={}).secrets.jwt_secret
