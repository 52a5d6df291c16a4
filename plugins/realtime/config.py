"""Settings of the realtime plugin (``[realtime]`` in config/plugins.toml)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from cms.config import ConfigError


@dataclass(frozen=True)
class RealtimeConfig:
    #: origins allowed to connect from a browser ("*" = any; the Ayna frontend runs on another origin)
    cors_origins: list[str] = field(default_factory=lambda: ["*"])
    #: "redis://127.0.0.1:6379/0" relays between server processes; empty = one process
    redis_url: str = ""
    #: longest message text, in characters
    max_message_length: int = 2000
    #: largest Socket.IO packet accepted, in bytes
    max_packet_bytes: int = 65_536
    #: per socket: sustained messages per second, and the burst allowed above it
    send_rate: float = 20.0
    send_burst: int = 40
    #: messages being handled or waiting for their commit above which new sends are
    #: refused with "overloaded" (300 is about a third of a second of commits)
    max_pending: int = 300
    #: group commit: how long a batch gathers messages (milliseconds) and its largest size
    batch_window_ms: float = 2.0
    batch_max: int = 500
    #: history pages: default and largest size; missed messages replayed at most on rejoin
    history_page: int = 50
    history_max: int = 100
    recovery_limit: int = 500
    #: content types whose live events sockets may subscribe to ("*" = every type)
    content_types: list[str] = field(default_factory=lambda: ["*"])


def load_config(raw: dict[str, Any]) -> RealtimeConfig:
    known = {f.name: f for f in fields(RealtimeConfig)}
    defaults = RealtimeConfig()
    for key, value in raw.items():
        if key not in known:
            raise ConfigError(f'plugin "realtime": unknown key "{key}" (known: {", ".join(sorted(known))})')
        expected = type(getattr(defaults, key))
        ok = isinstance(value, expected) and not (isinstance(value, bool) and expected is not bool)
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            ok = True
        if not ok:
            raise ConfigError(f'plugin "realtime": "{key}" must be a {expected.__name__}, not {value!r}')
    config = RealtimeConfig(**raw)
    for key in ("max_message_length", "max_packet_bytes", "send_burst", "max_pending", "batch_max",
                "history_page", "history_max", "recovery_limit"):
        if getattr(config, key) < 1:
            raise ConfigError(f'plugin "realtime": "{key}" must be at least 1')
    if config.send_rate <= 0:
        raise ConfigError('plugin "realtime": "send_rate" must be positive')
    return config
