"""Settings of the admin, from the ``[admin]`` table of ``config/plugins.toml`` (defaults below).

    [admin]
    module = "admin"
    title = "CMS"                 # shown in the sidebar, the login page and the browser tab
    login_max_failures = 5        # failed logins (per username and address, and 4× that per address) ...
    login_lockout_seconds = 900   # ... before logins are refused for this long
    session_hours = 12            # a session ends after this, or 14 days with "remember me"
    secure_cookies = false        # set true behind HTTPS
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cms.config import ConfigError, read_settings, setting_source


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
    """The ``[admin]`` table typed by :class:`AdminConfig` (``CMS_PLUGINS_ADMIN_*`` converted too)."""
    config = read_settings(AdminConfig, table, "admin")
    for key in ("login_max_failures", "login_lockout_seconds", "session_hours", "remember_days"):
        if getattr(config, key) < 1:
            raise ConfigError(f"{setting_source(table, 'admin', key)} must be at least 1")
    return config
