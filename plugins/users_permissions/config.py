"""Settings of the users_permissions plugin (``[users_permissions]`` in config/plugins.toml).

Read by :func:`cms.config.read_settings`, so every key is typed by
:class:`UsersPermissionsConfig` whether it comes from the file or from
``CMS_PLUGINS_USERS_PERMISSIONS_<KEY>``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cms.config import ConfigError, read_settings, setting_source

NAME = "users_permissions"
_DURATION = re.compile(r"^(\d+)\s*([smhd]?)$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: Any, where: str) -> int:
    """``"30d"``, ``"12h"``, ``"90s"`` or a number of seconds → seconds; ``where`` begins the error."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    match = _DURATION.match(value.strip()) if isinstance(value, str) else None
    if not match or int(match.group(1)) == 0:
        raise ConfigError(f'{where} must be a duration like "30d", "12h" or seconds, not {value!r}')
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
    #: ... and at most this many per action and client address, whatever the identifier
    rate_limit_address_max: int = 20
    rate_limit_interval: str | int = "5m"
    #: default grants, seeded into the database at start-up (relative to the project)
    permissions_file: str = "config/permissions.toml"
    #: "log" (writes mails to the log), "file:<path>" (appends JSON lines), or "module:callable"
    mailer: str = "log"
    #: link in the password-reset mail; the code is appended as ?code=
    reset_password_url: str = "http://localhost:3000/reset-password"

    @property
    def jwt_lifetime(self) -> int:
        return parse_duration(self.jwt_expires_in, f'plugin "{NAME}": "jwt_expires_in"')

    @property
    def rate_limit_seconds(self) -> int:
        return parse_duration(self.rate_limit_interval, f'plugin "{NAME}": "rate_limit_interval"')


def load_config(raw: Mapping[str, Any]) -> UsersPermissionsConfig:
    """The typed settings; durations and ranges are checked now, not on first use."""
    config = read_settings(UsersPermissionsConfig, raw, NAME)
    for key in ("jwt_expires_in", "rate_limit_interval"):
        parse_duration(getattr(config, key), setting_source(raw, NAME, key))
    for key in ("rate_limit_max", "rate_limit_address_max"):
        if getattr(config, key) < 1:
            raise ConfigError(f"{setting_source(raw, NAME, key)} must be at least 1")
    return config
