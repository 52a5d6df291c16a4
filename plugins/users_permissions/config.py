"""Settings of the users_permissions plugin (``[users_permissions]`` in config/plugins.toml)."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any

from cms.config import ConfigError

_DURATION = re.compile(r"^(\d+)\s*([smhd]?)$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATIONS = ("jwt_expires_in", "rate_limit_interval")


def parse_duration(value: Any, key: str) -> int:
    """``"30d"``, ``"12h"``, ``"90s"`` or a number of seconds → seconds."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    match = _DURATION.match(str(value).strip()) if isinstance(value, str) else None
    if not match or int(match.group(1)) == 0:
        raise ConfigError(f'plugin "users_permissions": "{key}" must be a duration like "30d", "12h" or seconds, not {value!r}')
    return int(match.group(1)) * _UNITS[match.group(2)]


@dataclass(frozen=True)
class UsersPermissionsConfig:
    #: lifetime of issued JWTs ("30d", "12h", "90m", "45s" or a number of seconds)
    jwt_expires_in: str | int = "30d"
    #: role given to new registrations
    default_role: str = "authenticated"
    #: whether POST /api/auth/local/register is open
    allow_register: bool = True
    #: auth routes: at most ``rate_limit_max`` requests per ``rate_limit_interval`` per identifier and IP
    rate_limit_enabled: bool = True
    rate_limit_max: int = 5
    rate_limit_interval: str | int = "5m"
    #: default grants, seeded into the database at start-up (relative to the project)
    permissions_file: str = "config/permissions.toml"
    #: "log" (writes mails to the log), "file:<path>" (appends JSON lines), or "module:callable"
    mailer: str = "log"
    #: link in the password-reset mail; the code is appended as ?code=
    reset_password_url: str = "http://localhost:3000/reset-password"

    @property
    def jwt_lifetime(self) -> int:
        return parse_duration(self.jwt_expires_in, "jwt_expires_in")

    @property
    def rate_limit_seconds(self) -> int:
        return parse_duration(self.rate_limit_interval, "rate_limit_interval")


_BOOLEANS = {"true": True, "1": True, "yes": True, "on": True, "false": False, "0": False, "no": False, "off": False}


def _from_text(value: Any, expected: type) -> Any:
    """Environment overrides of keys absent from the file arrive as text: ``"3"``, ``"false"``."""
    if not isinstance(value, str):
        return value
    if expected is bool:
        return _BOOLEANS.get(value.strip().lower(), value)
    if expected is int and value.strip().isdigit():
        return int(value)
    return value


def load_config(raw: dict[str, Any]) -> UsersPermissionsConfig:
    known = {f.name: f for f in fields(UsersPermissionsConfig)}
    raw = {key: _from_text(value, type(known[key].default)) if key in known else value for key, value in raw.items()}
    for key, value in raw.items():
        if key not in known:
            raise ConfigError(f'plugin "users_permissions": unknown key "{key}" (known: {", ".join(sorted(known))})')
        expected = type(known[key].default)
        if key in _DURATIONS and isinstance(value, int) and not isinstance(value, bool):
            continue  # seconds; parse_duration checks it
        if not isinstance(value, expected) or isinstance(value, bool) != (expected is bool):
            kind = {bool: "true or false", int: "an integer", str: "a string"}[expected]
            raise ConfigError(f'plugin "users_permissions": "{key}" must be {kind}, not {value!r}')
    config = UsersPermissionsConfig(**raw)
    config.jwt_lifetime, config.rate_limit_seconds  # validate durations now, not on first use
    if config.rate_limit_max < 1:
        raise ConfigError('plugin "users_permissions": "rate_limit_max" must be at least 1')
    return config
