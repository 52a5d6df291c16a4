"""Settings of the realtime plugin (``[realtime]`` in config/plugins.toml)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cms.config import ConfigError, read_settings, setting_source


@dataclass(frozen=True)
class RealtimeConfig:
    #: origins allowed to connect from a browser ("*" = any; the Ayna frontend runs on another origin)
    cors_origins: list[str] = field(default_factory=lambda: ["*"])
    #: "redis://127.0.0.1:6379/0" relays between server processes; empty = one process
    redis_url: str = ""
    #: longest message text, in characters (longer ones get an error ack, the socket stays)
    max_message_length: int = 2000
    #: largest Socket.IO packet accepted, in bytes: a transport limit for memory safety, far
    #: above any message a person types, so that too-long messages are answered, not cut off
    max_packet_bytes: int = 1_048_576
    #: binary attachments of one packet: how many, and their bytes together (the chat takes none)
    max_attachments: int = 4
    max_attachment_bytes: int = 1_048_576
    #: files one chat message may carry (uploaded first over REST), and the size of each
    max_message_files: int = 10
    max_message_file_bytes: int = 10_485_760
    #: JSON nesting a packet may have; deeper ones get an ``invalid_payload`` error ack
    max_depth: int = 32
    #: per socket, per kind of event: sustained events per second, and the burst allowed above it
    #: (send: chat:send, sendMessage; history: chat:history; typing: chat:typing;
    #: auth: register, login (the auth rate limit of users_permissions applies as well);
    #: event: everything else)
    send_rate: float = 20.0
    send_burst: int = 40
    history_rate: float = 5.0
    history_burst: int = 20
    typing_rate: float = 5.0
    typing_burst: int = 10
    auth_rate: float = 0.5
    auth_burst: int = 5
    event_rate: float = 20.0
    event_burst: int = 50
    #: per socket: events being handled at once; more are answered ``rate_limited`` at once
    max_in_flight: int = 16
    #: per socket: refused events within 10 s after which the socket is disconnected
    abuse_limit: int = 300
    #: per socket: outgoing packets waiting for a socket that stopped reading, before it is dropped
    max_queued: int = 2000
    #: chat messages waiting for a transaction (their commit pipeline fell behind) above which
    #: new sends are refused with "overloaded"
    max_pending: int = 1000
    #: history pages: default and largest size; missed messages replayed at most on rejoin
    history_page: int = 50
    history_max: int = 100
    recovery_limit: int = 500
    #: content types whose live events sockets may subscribe to ("*" = every type)
    content_types: list[str] = field(default_factory=lambda: ["*"])


def load_config(raw: dict[str, Any]) -> RealtimeConfig:
    """The ``[realtime]`` table typed by :class:`RealtimeConfig` (file values checked,
    ``CMS_PLUGINS_REALTIME_*`` text converted, unknown keys refused), then ranges checked."""
    config = read_settings(RealtimeConfig, raw, "realtime")
    for key in ("max_message_length", "max_packet_bytes", "max_attachment_bytes", "max_depth", "send_burst",
                "history_burst", "typing_burst", "auth_burst", "event_burst", "max_in_flight", "abuse_limit",
                "max_queued", "max_pending", "history_page", "history_max", "recovery_limit"):
        if getattr(config, key) < 1:
            raise ConfigError(f"{setting_source(raw, 'realtime', key)} must be at least 1")
    for key in ("send_rate", "history_rate", "typing_rate", "auth_rate", "event_rate"):
        if getattr(config, key) <= 0:
            raise ConfigError(f"{setting_source(raw, 'realtime', key)} must be positive")
    if config.max_attachments < 0:
        raise ConfigError(f"{setting_source(raw, 'realtime', 'max_attachments')} must not be negative")
    return config
