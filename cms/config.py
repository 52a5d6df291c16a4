"""Settings: ``config/*.toml`` files, ``CMS_*`` environment overrides, generated secrets.

Each file is one section, as Strapi's ``config/<name>.js``: ``server.toml``,
``database.toml``, ``api.toml``, ``plugins.toml`` (one table per plugin). Every
key can be overridden by ``CMS_<SECTION>_<KEY>`` (``CMS_DATABASE_URL``,
``CMS_SERVER_PORT``) and a plugin's keys by ``CMS_PLUGINS_<PLUGIN>_<KEY>``.
Defaults live on the dataclasses below; this module is the only reader of
``config/``. A wrong value stops start-up with a :class:`ConfigError` naming the
file (or variable) and the key.

Every setting is typed by the dataclass field that declares it, core or
plugin, and one conversion applies everywhere: a TOML value is checked, an
environment string converted (``"262144"`` for ``int``, ``"a,b"`` for
``list[str]``, ``"off"`` for ``bool``, a choice of a ``Literal``). The core
sections are converted here. A plugin's types are known only once it is
imported, so plugin overrides are left as they came: each
``CMS_PLUGINS_<PLUGIN>_<KEY>`` becomes an :class:`EnvValue` (the text, tagged
with its variable) in the plugin's :class:`PluginTable` (which knows its file),
and the plugin's ``load_config`` calls ``read_settings(ItsConfig, table,
name)``. Hence no key needs a line in plugins.toml to be overridable, an
environment string is never mistaken for a file value, and every error names
the variable or the file. A variable naming a key the plugin does not declare
is refused like an unknown key in the file (a mistyped variable would
otherwise change nothing, silently); variables of plugins that plugins.toml
does not list are ignored.

Secrets are never in the repository: on first start they are generated into
``config/secrets.toml`` (git-ignored, mode 0600) unless given by environment.
"""

from __future__ import annotations

import dataclasses
import math
import os
import secrets
import tomllib
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar, Union, get_args, get_origin, get_type_hints

Mode = Literal["develop", "production"]
T = TypeVar("T")


class ConfigError(Exception):
    """A configuration value is missing or wrong; the message names where."""


@dataclass(frozen=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 1337
    #: the one key that picks the ASGI server (uvicorn is faster for sockets, see DESIGN.md §2)
    asgi_server: Literal["uvicorn", "granian"] = "uvicorn"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    #: one INFO line per HTTP request on logger ``cms.access`` (method, path, status, ms;
    #: never query strings, headers or bodies). Off by default: it costs a log write per request.
    access_log: bool = False
    #: accept the permessage-deflate websocket extension that browsers and Node's ws offer.
    #: Off by default, as in socket.io's Node server: compressing every broadcast frame costs
    #: far more CPU than the bandwidth it saves on small chat packets.
    ws_per_message_deflate: bool = False
    #: addresses of the reverse proxies whose ``X-Forwarded-For``/``-Proto`` are believed
    #: (``["127.0.0.1"]`` behind a local nginx). Empty by default: nobody can claim another
    #: address, which rate limits and logs key on.
    trusted_proxies: list[str] = field(default_factory=list)
    #: seconds a client has, from opening a connection (or starting its next request on it),
    #: to send complete request headers; slower ones get 408 and are closed
    #: (see :mod:`cms.server_protocol`; request bodies: ``api.body_timeout``)
    header_timeout: float = 10.0


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
    #: serve the Swagger UI page at ``<prefix>/docs`` (``<prefix>/openapi.json`` stays); a
    #: production deployment may turn it off
    docs_page: bool = True
    #: seconds a request body may take to arrive (slower ones get 408 and the connection closes)
    body_timeout: float = 30.0
    #: browser origins allowed to call the REST API from other sites (CORS), e.g.
    #: ["https://app.example.com"]; empty (the default): no cross-origin access; ["*"]: any
    cors_origins: list[str] = field(default_factory=list)
    #: methods and request headers such origins may use (preflight ``OPTIONS`` is answered)
    cors_methods: list[str] = field(default_factory=lambda: ["GET", "POST", "PUT", "DELETE"])
    cors_headers: list[str] = field(default_factory=lambda: ["Authorization", "Content-Type"])


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
    #: plugin name → its table from plugins.toml with ``CMS_PLUGINS_*`` overrides as
    #: :class:`EnvValue`; each plugin reads its own with :func:`read_settings`
    plugins: Mapping[str, PluginTable] = field(default_factory=dict)

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
    check("server", "header_timeout", server.header_timeout > 0, "must be a positive number of seconds")
    check("api", "body_timeout", api.body_timeout > 0, "must be a positive number of seconds")
    url = sections["database"].url
    check(
        "database", "url", url.startswith(("sqlite://", "postgres://", "postgresql://", "asyncpg://", "psycopg://")),
        "must be sqlite://<path> or postgres://user@host:port/db",
    )
    plugins = _plugins(config_dir / "plugins.toml", env)
    found_secrets = _secrets(config_dir, env, write_secrets)
    if write_secrets:
        _check_secrets(found_secrets, config_dir, env, mode)
    return Settings(root=root, mode=mode, plugins=plugins, secrets=found_secrets, **sections)


#: the shortest secret production accepts, in bytes (a JWT forged with the key "a" worked)
MIN_SECRET_BYTES = 32


def _check_secrets(found: Secrets, config_dir: Path, env: Mapping[str, str], mode: Mode) -> None:
    """An empty secret is refused in every mode; production refuses short ones too. The message
    says which secret and where it came from, never its value."""
    for name in (f.name for f in dataclasses.fields(Secrets)):
        value = getattr(found, name)
        var = f"CMS_SECRETS_{name.upper()}"
        place = f"environment variable {var}" if var in env else f'{config_dir / SECRETS_FILE}: "{name}"'
        if not value:
            raise ConfigError(f"{place} is empty: set a random secret of at least {MIN_SECRET_BYTES} bytes")
        if mode == "production" and len(value.encode()) < MIN_SECRET_BYTES:
            raise ConfigError(f"{place} is shorter than {MIN_SECRET_BYTES} bytes: production needs a random "
                              f"secret at least that long (e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))')")


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
    values = {key: _convert(value, hints[key], where[key]) for key, value in data.items()}
    for key in known:
        var = f"CMS_{name.upper()}_{key.upper()}"
        if var in env:
            where[key] = f"environment variable {var}"
            values[key] = _convert(env[var], hints[key], where[key], from_env=True)
    return cls(**values), where


class EnvValue(str):
    """A plugin setting given by an environment variable: raw text, converted by
    :func:`read_settings` once the plugin says which type the key has."""

    var: str

    def __new__(cls, text: str, var: str) -> EnvValue:
        value = super().__new__(cls, text)
        value.var = var
        return value

    def __getnewargs__(self) -> tuple[str, str]:  # type: ignore[override]  # copy and pickle keep the tag
        return str(self), self.var


class PluginTable(dict[str, Any]):
    """One plugin's settings: its plugins.toml table (TOML values) and its environment
    overrides (:class:`EnvValue`); ``path`` is the file, for error messages."""

    def __init__(self, values: Mapping[str, Any] | None = None, path: Path | None = None) -> None:
        super().__init__(values or {})
        self.path = path


def setting_source(raw: Mapping[str, Any], owner: str, key: str) -> str:
    """Where plugin ``owner``'s ``key`` in ``raw`` came from, to begin an error message."""
    value = raw.get(key)
    if isinstance(value, EnvValue):
        return f"environment variable {value.var}"
    path = getattr(raw, "path", None)
    return f'{path}: [{owner}] "{key}"' if path else f'plugin "{owner}": "{key}"'


def read_settings(cls: type[T], raw: Mapping[str, Any], owner: str) -> T:
    """``cls`` (a dataclass) from a plugin's table: file values are checked and
    :class:`EnvValue` text converted by each field's declared type; keys the
    dataclass does not declare are refused, naming the plugin and the known keys."""
    hints = get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    values = {}
    for key, value in raw.items():
        if key not in known:
            if isinstance(value, EnvValue):
                where = f'environment variable {value.var}: plugin "{owner}":'
            elif path := getattr(raw, "path", None):
                where = f"{path}: [{owner}]"
            else:
                where = f'plugin "{owner}":'
            raise ConfigError(f'{where} unknown key "{key}" (known: {", ".join(sorted(known))})')
        values[key] = _convert(value, hints[key], setting_source(raw, owner, key), isinstance(value, EnvValue))
    return cls(**values)


def _env_prefix(plugin: str) -> str:
    """``CMS_PLUGINS_<PLUGIN>_``; a dash in the plugin name becomes ``_``."""
    return f"CMS_PLUGINS_{plugin.upper().replace('-', '_')}_"


def _plugins(path: Path, env: Mapping[str, str]) -> dict[str, PluginTable]:
    """Each plugin's table, with its ``CMS_PLUGINS_<PLUGIN>_<KEY>`` overrides left as
    :class:`EnvValue` text (the plugin knows the types; see the module docstring)."""
    data = _read_toml(path)
    plugins: dict[str, PluginTable] = {}
    for name, table in data.items():
        if not isinstance(table, dict):
            raise ConfigError(f'{path}: "{name}" must be a table ([{name}])')
        plugins[name] = PluginTable(table, path)
    # longest name first, so CMS_PLUGINS_AUDIT_LOG_PATH goes to "audit_log", not "audit"
    by_prefix = sorted(((_env_prefix(n), n) for n in plugins), key=lambda item: -len(item[0]))
    for var, raw in env.items():
        owner = next(((prefix, n) for prefix, n in by_prefix if var.startswith(prefix)), None)
        if owner is None:
            continue
        prefix, name = owner
        key = var.removeprefix(prefix).lower()
        if key:
            plugins[name][key] = EnvValue(raw, var)
    return plugins


_DESCRIPTIONS = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}
_PLURALS = {int: "integers", float: "numbers", str: "strings"}


def _describe(kind: Any) -> str:
    """``kind`` in words, for "must be ..." messages."""
    origin, args = get_origin(kind), get_args(kind)
    if origin is Literal:
        return "one of " + ", ".join(map(str, args))
    if origin in (Union, types.UnionType):
        return " or ".join(_describe(arg) for arg in args)
    if kind is list or origin is list:
        return "a list of " + _PLURALS[args[0]] if args and args[0] in _PLURALS else "a list"
    return _DESCRIPTIONS.get(kind, getattr(kind, "__name__", str(kind)))


def _convert(value: Any, kind: Any, where: str, from_env: bool = False) -> Any:
    """Check a TOML value, or convert an environment string, to the declared type ``kind``.

    Environment text: booleans are 1/0, true/false, yes/no, on/off; lists are
    comma-separated; a union tries its non-string members before ``str``, so
    ``str | int`` turns ``"3600"`` into 3600 and keeps ``"30d"``.
    """
    origin, args = get_origin(kind), get_args(kind)
    if kind is Any:
        return value
    if origin is Literal:
        for choice in args:
            if value == choice or (from_env and value == str(choice)):
                return choice
    elif origin in (Union, types.UnionType):
        for member in sorted(args, key=lambda arg: arg is str):
            try:
                return _convert(value, member, where, from_env)
            except ConfigError:
                pass
    elif kind is list or origin is list:
        items = [part.strip() for part in value.split(",") if part.strip()] if from_env else value
        if isinstance(items, list):
            try:
                return [_convert(item, args[0] if args else Any, where, from_env) for item in items]
            except ConfigError:
                pass
    elif kind is bool:
        text = str(value).strip().lower()
        if from_env and text in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            return text in ("1", "true", "yes", "on")
        if isinstance(value, bool) and not from_env:
            return value
    elif kind is int:
        if from_env:
            try:
                return int(value)
            except ValueError:
                pass
        elif isinstance(value, int) and not isinstance(value, bool):
            return value
    elif kind is float:
        number = None
        if from_env or (isinstance(value, (int, float)) and not isinstance(value, bool)):
            try:
                number = float(value)
            except ValueError:
                pass
        if number is not None and math.isfinite(number):  # nan would pass every range check
            return number
    elif kind is str:
        if isinstance(value, str):
            return str(value)  # a plain str, not the EnvValue tag
    else:
        return value  # a type this reader does not know: the owner checks it
    raise ConfigError(f"{where} must be {_describe(kind)}, not {value!r}")


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
