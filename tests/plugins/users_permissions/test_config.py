"""Settings of ``[users_permissions]``: checked at start-up, durations in a readable form.

Values may come from config/plugins.toml (typed TOML) or from
``CMS_PLUGINS_USERS_PERMISSIONS_<KEY>`` environment variables (text).
"""

from __future__ import annotations

from typing import Any

import pytest

from cms.config import EnvValue, ConfigError
from plugins.users_permissions.config import load_config


def test_defaults() -> None:
    config = load_config({})
    assert (config.jwt_lifetime, config.rate_limit_max, config.rate_limit_seconds) == (30 * 86400, 5, 300)
    assert (config.default_role, config.allow_register, config.rate_limit_enabled, config.mailer) == (
        "authenticated", True, True, "log")


@pytest.mark.parametrize(("raw", "attribute", "expected"), [
    ({"jwt_expires_in": "12h"}, "jwt_lifetime", 12 * 3600),
    ({"jwt_expires_in": "90m"}, "jwt_lifetime", 90 * 60),
    ({"jwt_expires_in": 45}, "jwt_lifetime", 45),
    ({"rate_limit_interval": "60s"}, "rate_limit_seconds", 60),
    ({"rate_limit_interval": "120"}, "rate_limit_seconds", 120),
    # environment overrides of keys the file does not set arrive as text
    ({"rate_limit_max": EnvValue("3", "CMS_PLUGINS_USERS_PERMISSIONS_RATE_LIMIT_MAX")}, "rate_limit_max", 3),
    ({"allow_register": EnvValue("false", "CMS_PLUGINS_USERS_PERMISSIONS_ALLOW_REGISTER")}, "allow_register", False),
    ({"rate_limit_enabled": EnvValue("off", "CMS_PLUGINS_USERS_PERMISSIONS_RATE_LIMIT_ENABLED")},
     "rate_limit_enabled", False),
])
def test_values_from_the_file_or_the_environment(raw: dict[str, Any], attribute: str, expected: Any) -> None:
    assert getattr(load_config(raw), attribute) == expected


@pytest.mark.parametrize(("raw", "message"), [
    ({"jwt_expire": "30d"}, 'plugin "users_permissions": unknown key "jwt_expire" (known: allow_register, '),
    ({"jwt_expires_in": "3 weeks"}, '"jwt_expires_in" must be a duration like "30d", "12h" or seconds'),
    ({"jwt_expires_in": 0}, '"jwt_expires_in" must be a duration'),
    ({"jwt_expires_in": "0d"}, '"jwt_expires_in" must be a duration'),
    ({"rate_limit_max": "many"}, '"rate_limit_max" must be an integer, not \'many\''),
    ({"rate_limit_max": True}, '"rate_limit_max" must be an integer'),
    ({"rate_limit_max": 0}, '"rate_limit_max" must be at least 1'),
    ({"allow_register": "maybe"}, '"allow_register" must be true or false'),
    ({"mailer": 1}, '"mailer" must be a string'),
])
def test_a_wrong_setting_stops_the_start_up_with_a_clear_error(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(raw)
    assert message in str(caught.value)
