"""Settings: ``config/*.toml`` files, ``CMS_*`` environment overrides, generated secrets.

Each file is one section, as Strapi's ``config/<name>.js``: ``server.toml``,
``database.toml``, ``api.toml``, ``plugins.toml`` (one table per plugin). Every
key can be overridden by ``CMS_<SECTION>_<KEY>`` (``CMS_DATABASE_URL``,
``CMS_SERVER_PORT``) and a plugin's keys by ``CMS_PLUGINS_<PLUGIN>_<KEY>``.
Defaults live on the dataclasses below; this module is the only reader of
``config/``. A wrong value stops start-up with a :class:`ConfigError` naming the
file (or variable) and the key.

Secrets are never in the repository: on first start they are generated into
``config/secrets.toml`` (git-ignored, mode 0600) unless given by environment.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args, get_type_hints

Mode = Literal["develop", "production"]


class ConfigError(Exception):
    """A configuration value is missing or wrong; the message names where."""


@dataclass(frozen=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 1337
    #: the one key that picks the ASGI server (uvicorn is faster for sockets, see DESIGN.md §2)
    asgi_server: Literal["uvicorn", "granian"] = "uvicorn"
    log_level: Literal["debug", "info", "warning", "error"] = "info"


@dataclass(frozen=True)
class DatabaseSettings:
    #: ``sqlite://<path>`` (relative to the project) or ``postgres://user@host:port/db``
    url: str = "sqlite://.tmp/data.db"
    #: SQLite only: run REST reads on a direct connection in the event loop instead
    #: of the driver's worker thread. About 70% more read throughput (bench/rest.py),
    #: but under saturation a few requests wait far longer (p99 of 0.4-0.8 s against
    #: 0.05 s), so it is off by default.
    sqlite_direct_reads: bool = False


@dataclass(frozen=True)
class ApiSettings:
    prefix: str = "/api"
    default_limit: int = 25
    max_limit: int = 100
    with_count: bool = True
    max_body_bytes: int = 1_048_576
    strict_params: bool = True


@dataclass(frozen=True)
class Secrets:
    jwt_secret: str
    admin_session_secret: str
    api_token_salt: str


@dataclass(frozen=True)
class Settings:
    """Everything the framework reads from ``config/`` and the environment."""

    root: Path
    mode: Mode
    server: ServerSettings
    database: DatabaseSettings
    api: ApiSettings
    secrets: Secrets = field(repr=False)
    #: plugin name → its table from plugins.toml (with overrides); plugins validate their own keys
    plugins: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def develop(self) -> bool:
        return self.mode == "develop"

    @property
    def dialect(self) -> str:
        """"sqlite" or "postgres": which folder of ``migrations/`` applies."""
        return "sqlite" if self.database.url.startswith("sqlite") else "postgres"

    def tortoise_db_url(self) -> str:
        """The database URL with a relative SQLite path made absolute under the project."""
        url = self.database.url
        if url.startswith("sqlite://") and url != "sqlite://:memory:":
            path = Path(url.removeprefix("sqlite://"))
            if not path.is_absolute():
                path = self.root / path
            return f"sqlite://{path}"
        return url


_SECTIONS: dict[str, type] = {"server": ServerSettings, "database": DatabaseSettings, "api": ApiSettings}
SECRETS_FILE = "secrets.toml"


def load_settings(
    root: Path, mode: Mode = "develop", env: Mapping[str, str] | None = None, *, write_secrets: bool = True
) -> Settings:
    """Read the project's configuration, apply ``CMS_*`` overrides, ensure secrets exist.

    ``write_secrets=False`` reads without generating missing secrets (they are
    then empty): for tools that only inspect a folder that may not be a project.
    """
    env = os.environ if env is None else env
    config_dir = root / "config"
    sections: dict[str, Any] = {}
    where: dict[tuple[str, str], str] = {}
    for name, cls in _SECTIONS.items():
        sections[name], found = _section(config_dir / f"{name}.toml", name, cls, env)
        where.update({(name, key): place for key, place in found.items()})

    def check(section: str, key: str, ok: bool, rule: str) -> None:
        if not ok:
            place = where.get((section, key), f'{config_dir / f"{section}.toml"}: "{key}"')
            value = getattr(sections[section], key)
            raise ConfigError(f"{place} {rule}, not {value!r}")

    server, api = sections["server"], sections["api"]
    check("server", "port", 0 <= server.port <= 65535, "must be a port number (0-65535)")
    check("api", "prefix", api.prefix.startswith("/"), 'must start with "/"')
    check("api", "default_limit", api.default_limit >= 1 or api.default_limit == -1, "must be positive or -1")
    check("api", "max_limit", api.max_limit >= 1, "must be positive")
    check("api", "max_body_bytes", api.max_body_bytes >= 1, "must be positive")
    url = sections["database"].url
    check(
        "database", "url", url.startswith(("sqlite://", "postgres://", "postgresql://", "asyncpg://", "psycopg://")),
        "must be sqlite://<path> or postgres://user@host:port/db",
    )
    plugins = _plugins(config_dir / "plugins.toml", env)
    return Settings(
        root=root, mode=mode, plugins=plugins, secrets=_secrets(config_dir, env, write_secrets), **sections
    )


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc


def _section(path: Path, name: str, cls: type, env: Mapping[str, str]) -> tuple[Any, dict[str, str]]:
    """The section's dataclass, and for each key set, where its value came from."""
    data = _read_toml(path)
    hints = get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    for key in data:
        if key not in known:
            raise ConfigError(f'{path}: unknown key "{key}" (known: {", ".join(sorted(known))})')
    where = {key: f'{path}: "{key}"' for key in data}
    values = {key: _coerce(value, hints[key], where[key]) for key, value in data.items()}
    for key in known:
        var = f"CMS_{name.upper()}_{key.upper()}"
        if var in env:
            where[key] = f"environment variable {var}"
            values[key] = _coerce(env[var], hints[key], where[key], from_env=True)
    return cls(**values), where


def _env_prefix(plugin: str) -> str:
    """``CMS_PLUGINS_<PLUGIN>_``; a dash in the plugin name becomes ``_``."""
    return f"CMS_PLUGINS_{plugin.upper().replace('-', '_')}_"


def _plugins(path: Path, env: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    data = _read_toml(path)
    plugins: dict[str, dict[str, Any]] = {}
    for name, table in data.items():
        if not isinstance(table, dict):
            raise ConfigError(f'{path}: "{name}" must be a table ([{name}])')
        plugins[name] = dict(table)
    # longest name first, so CMS_PLUGINS_AUDIT_LOG_PATH goes to "audit_log", not "audit"
    by_prefix = sorted(((_env_prefix(n), n) for n in plugins), key=lambda item: -len(item[0]))
    for var, raw in env.items():
        owner = next(((prefix, n) for prefix, n in by_prefix if var.startswith(prefix)), None)
        if owner is None:
            continue
        prefix, name = owner
        key = var.removeprefix(prefix).lower()
        if not key:
            continue
        current = plugins[name].get(key)
        kind = type(current) if current is not None else str
        plugins[name][key] = _coerce(raw, kind, f"environment variable {var}", from_env=True)
    return plugins


def _coerce(value: Any, kind: Any, where: str, from_env: bool = False) -> Any:
    """Check (file) or convert (environment string) ``value`` to ``kind``."""
    choices = get_args(kind) if getattr(kind, "__origin__", None) is Literal else ()
    if choices:
        if value not in choices:
            raise ConfigError(f"{where} must be one of {', '.join(map(str, choices))}, not {value!r}")
        return value
    if kind is bool:
        if from_env:
            lowered = str(value).lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off"):
                return False
        elif isinstance(value, bool):
            return value
        raise ConfigError(f"{where} must be true or false, not {value!r}")
    if kind is int:
        if from_env:
            try:
                return int(value)
            except ValueError:
                pass
        elif isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ConfigError(f"{where} must be an integer, not {value!r}")
    if kind is float:
        try:
            if from_env or (isinstance(value, (int, float)) and not isinstance(value, bool)):
                return float(value)
        except ValueError:
            pass
        raise ConfigError(f"{where} must be a number, not {value!r}")
    if kind is list:
        if from_env:
            return [item.strip() for item in str(value).split(",") if item.strip()]
        if isinstance(value, list):
            return value
        raise ConfigError(f"{where} must be a list, not {value!r}")
    if kind is str:
        if isinstance(value, str):
            return value
        raise ConfigError(f"{where} must be a string, not {value!r}")
    return value


def _secrets(config_dir: Path, env: Mapping[str, str], write: bool = True) -> Secrets:
    """Secrets from the environment, else the generated file (created on first start)."""
    path = config_dir / SECRETS_FILE
    stored = _read_toml(path)
    names = [f.name for f in dataclasses.fields(Secrets)]
    missing = [n for n in names if not isinstance(stored.get(n), str) or not stored.get(n)]
    if write and missing and not all(f"CMS_SECRETS_{n.upper()}" in env for n in missing):
        for name in missing:
            stored[name] = secrets.token_urlsafe(48)
        config_dir.mkdir(parents=True, exist_ok=True)
        body = "# Generated on first start. Keep this file private; never commit it.\n"
        body += "".join(f'{n} = "{stored[n]}"\n' for n in names)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)  # also when the file existed with a wider mode
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(body)
    values = {n: env.get(f"CMS_SECRETS_{n.upper()}", stored.get(n, "")) for n in names}
    return Secrets(**values)
