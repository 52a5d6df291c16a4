"""Settings of the assistant plugin (``[assistant]`` in config/plugins.toml).

Every key can be overridden by ``CMS_PLUGINS_ASSISTANT_<KEY>``. The API key is
never a setting: ``api_key_env`` names the environment variable that holds it.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from typing import Any, Literal

from cms.config import ConfigError, read_settings, setting_source

DEFAULT_SYSTEM_PROMPT = (
    "You answer chat messages on behalf of {username}, who is busy right now; it is {time}. "
    "Reply briefly, in the language of the last message, as a helpful assistant speaking for "
    "{username}: say that {username} is busy and will answer later, and answer simple questions if "
    "you can. Never make promises, appointments or decisions on {username}'s behalf."
)
DEFAULT_TEMPLATE = "{username} is busy right now and will answer later."
#: presence statuses during which the assistant may answer (``online`` never)
ANSWERABLE = ("busy", "away", "offline")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: placeholders each text may use, with sample values to check it at start-up
_PROMPT_FIELDS = {"username": "ana", "sender": "bo", "time": "2026-01-01 12:00 UTC"}
_TEMPLATE_FIELDS = {"username": "ana", "sender": "bo"}


@dataclass(frozen=True)
class AssistantConfig:
    #: who writes the replies: "template" (the away message below; no network, the default)
    #: or "openai" (any OpenAI-compatible chat-completions API: OpenAI, gateways, Ollama, vLLM,
    #: llama.cpp's server)
    provider: Literal["template", "openai"] = "template"
    #: the API's base URL, up to and including ``/v1`` ("" = https://api.openai.com/v1)
    base_url: str = ""
    #: the model name the API knows
    model: str = "gpt-4o-mini"
    #: the name of the environment variable holding the API key (never the key itself);
    #: unset or empty: requests carry no usable key (fine for local servers)
    api_key_env: str = "OPENAI_API_KEY"
    #: ask for a stream of server-sent events (false: one JSON answer)
    stream: bool = True
    #: the system prompt; {username} (the busy user), {sender} and {time} (UTC) are filled in
    system_prompt: str = DEFAULT_SYSTEM_PROMPT
    #: the away message of the template provider (and of on_failure = "template");
    #: {username} and {sender} are filled in
    template: str = DEFAULT_TEMPLATE
    #: when the provider fails: "silent" (no reply) or "template" (the away message)
    on_failure: Literal["silent", "template"] = "silent"
    #: earlier messages of the conversation sent along (only those the busy user may read)
    history: int = 10
    #: the most tokens a reply may have (sent as ``max_tokens``)
    max_tokens: int = 300
    #: seconds one request may wait for the API (connecting, and between streamed chunks)
    timeout: float = 30.0
    #: retries after a 408/409/429/5xx answer, a timeout or a refused connection, with
    #: exponential backoff (honouring ``Retry-After``)
    retries: int = 2
    #: seconds a whole reply may take, retries included; then it is abandoned
    deadline: float = 90.0
    #: seconds after a reply in a conversation during which that conversation gets no other
    cooldown_seconds: float = 60.0
    #: replies per busy user within 24 hours, at most
    daily_cap: int = 50
    #: also answer room messages that mention a busy user as ``@username``
    mention_in_rooms: bool = False
    #: presence statuses that make the assistant answer (of busy, away, offline)
    statuses: list[str] = field(default_factory=lambda: ["busy"])
    #: role types (``authenticated``, ...) whose users are answered for unless they turned the
    #: assistant off; ``*`` = every role, ``[]`` = only users who turned it on
    roles: list[str] = field(default_factory=lambda: ["*"])
    #: replies being generated at once, at most (more wait)
    max_concurrent: int = 4
    #: replies waiting or being generated, at most; beyond, messages get no reply
    max_pending: int = 100
    #: seconds between two ``chat:typing`` notices while a reply is being generated
    typing_interval: float = 3.0


def load_config(raw: dict[str, Any]) -> AssistantConfig:
    """The ``[assistant]`` table typed by :class:`AssistantConfig`, then checked as a whole."""
    config = read_settings(AssistantConfig, raw, "assistant")

    def where(key: str) -> str:
        return setting_source(raw, "assistant", key)

    for key in ("max_tokens", "daily_cap", "max_concurrent", "max_pending"):
        if getattr(config, key) < 1:
            raise ConfigError(f"{where(key)} must be at least 1")
    for key in ("history", "retries"):
        if getattr(config, key) < 0:
            raise ConfigError(f"{where(key)} must not be negative")
    if config.history > 100:
        raise ConfigError(f"{where('history')} must be at most 100")
    if config.retries > 10:
        raise ConfigError(f"{where('retries')} must be at most 10")
    for key in ("timeout", "deadline", "typing_interval"):
        if getattr(config, key) <= 0:
            raise ConfigError(f"{where(key)} must be positive")
    if config.cooldown_seconds < 0:
        raise ConfigError(f"{where('cooldown_seconds')} must not be negative")
    unknown = [s for s in config.statuses if s not in ANSWERABLE]
    if unknown or not config.statuses:
        raise ConfigError(f"{where('statuses')} must list some of {', '.join(ANSWERABLE)}")
    if not _ENV_NAME.match(config.api_key_env):
        # never echo the value: it may be a key pasted here by mistake
        raise ConfigError(f"{where('api_key_env')} must be the name of an environment variable "
                          "(letters, digits and _), not the key itself")
    if config.provider == "openai":
        if not config.model.strip():
            raise ConfigError(f"{where('model')} must name a model")
        if config.base_url and not config.base_url.startswith(("http://", "https://")):
            raise ConfigError(f"{where('base_url')} must be an http:// or https:// URL")
    _check_text(config.system_prompt, _PROMPT_FIELDS, where("system_prompt"))
    _check_text(config.template, _TEMPLATE_FIELDS, where("template"))
    if not config.template.strip():
        raise ConfigError(f"{where('template')} must not be empty")
    return config


def _check_text(text: str, fields: dict[str, str], source: str) -> None:
    """``text`` may use only ``fields`` as ``{placeholders}`` (``{{`` and ``}}`` are braces)."""
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError as exc:
        raise ConfigError(f"{source}: {exc} (write {{{{ and }}}} for braces)") from exc
    wrong = sorted({n for n in names if n not in fields})
    if wrong:
        raise ConfigError(f"{source}: unknown placeholder {{{wrong[0]}}} (known: "
                          + ", ".join("{" + f + "}" for f in fields) + ")")


def fill(text: str, **values: str) -> str:
    """A checked text with its placeholders filled in."""
    return text.format_map(values)
