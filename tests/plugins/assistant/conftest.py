"""Chat servers with the assistant plugin, a fake OpenAI-compatible provider, real socket clients.

Each module starts its servers once (``cms develop`` in a subprocess, SQLite or
PostgreSQL as the run says) for a project holding this repository's content
types, users_permissions, realtime and ``[assistant]`` with the module's
settings; the authenticated role also gets ``plugin::assistant.settings``.
The API key reaches the server only through its environment variable.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.conftest import database_environment
from tests.helpers.project import Server, make_project
from tests.plugins.realtime.conftest import SECRETS_ENV, ChatServer, Client, User, connect  # noqa: F401 - fixture

#: the key the servers get in their environment: it must never show anywhere
API_KEY = "sk-test-" + "K3y" * 12
KEY_ENV = "ASSISTANT_TEST_API_KEY"


@contextmanager
def assistant_server(tmp_path_factory: pytest.TempPathFactory, assistant: str, name: str,
                     env: dict[str, str] | None = None, admin: bool = False) -> Iterator[ChatServer]:
    plugins = "[users_permissions]\nrate_limit_enabled = false\n\n"
    if admin:
        plugins += '[admin]\nmodule = "admin"\n\n'
    plugins += f"[realtime]\n\n[assistant]\n{assistant}\n"
    root = make_project(tmp_path_factory.mktemp(name), plugins_toml=plugins)
    grants = root / "config" / "permissions.toml"
    text = grants.read_text()
    assert '"plugin::realtime.chat",' in text
    grants.write_text(text.replace('"plugin::realtime.chat",', '"plugin::realtime.chat",\n  "plugin::assistant.settings",', 1))
    with database_environment() as database:
        server = Server(root, "develop", {**database, **SECRETS_ENV, **(env or {})})
        try:
            yield ChatServer(server.wait_ready(), database)
        finally:
            server.stop()


async def busy(client: Client, room: str | None = None, status: str = "busy") -> None:
    """Make the client's user ``status``, in a room of its own as a chat user would be."""
    await client.ok("chat:join", {"room": room or f"desk-{client.sid}"})
    await client.ok("presence:set", {"status": status})


async def send(client: Client, to: User | None = None, text: str = "hello", room: str | None = None) -> tuple[dict[str, Any], float]:
    """``chat:send`` a message; the stored message and how long its ack took (seconds)."""
    started = time.perf_counter()
    data = await client.ok("chat:send", {"to": to.id, "text": text} if to is not None else {"room": room, "text": text})
    return data, time.perf_counter() - started


def generated(client: Client, **where: Any) -> list[dict[str, Any]]:
    """The generated ``chat:message`` events the client received (matching ``where``)."""
    def matches(m: dict[str, Any]) -> bool:
        return m.get("generated") is True and all(_get(m, k) == v for k, v in where.items())
    return client.received("chat:message", matches)


def _get(message: dict[str, Any], key: str) -> Any:
    if "__" in key:
        outer, inner = key.split("__", 1)
        value = message.get(outer)
        return value.get(inner) if isinstance(value, dict) else None
    return message.get(key)


async def settle(seconds: float = 0.6) -> None:
    """Time for the assistant to decide (and wrongly answer, if it would)."""
    await asyncio.sleep(seconds)


def warnings_about(server: ChatServer, message_id: int) -> list[str]:
    log = server.server.log()
    return [line for line in log.splitlines() if f"no reply to message {message_id} " in line]
