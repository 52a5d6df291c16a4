"""Settings of the admin, from the ``[admin]`` table of ``config/plugins.toml`` (defaults below).

    [admin]
    module = "admin"
    title = "CMS"                 # shown in the sidebar, the login page and the browser tab
    login_max_failures = 5        # failed logins (per username, and 4× that per address) ...
    login_lockout_seconds = 900   # ... before logins are refused for this long
    session_hours = 12            # a session ends after this, or 14 days with "remember me"
    secure_cookies = false        # set true behind HTTPS
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from cms.config import ConfigError


@dataclass(frozen=True)
class AdminConfig:
    title: str = "CMS"
    login_max_failures: int = 5
    login_lockout_seconds: int = 900
    session_hours: int = 12
    remember_days: int = 14
    secure_cookies: bool = False
    #: the dashboard's chat activity: messages per hour, and who is online now
    activity_type: str = "api::message.message"
    presence_type: str = "api::chat-user.chat-user"


def load_config(table: dict[str, Any]) -> AdminConfig:
    known = {f.name: f for f in fields(AdminConfig)}
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in known:
            raise ConfigError(f'plugin "admin": unknown key "{key}" (known: {", ".join(sorted(known))})')
        expected, words = {"str": (str, "a string"), "int": (int, "an integer"),
                           "bool": (bool, "true or false")}[str(known[key].type)]
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(f'plugin "admin": "{key}" must be {words}, not {value!r}')
        if expected is int and value < 1:
            raise ConfigError(f'plugin "admin": "{key}" must be at least 1')
        values[key] = value
    return AdminConfig(**values)
