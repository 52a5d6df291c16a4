"""Real chat servers and real Socket.IO clients for the realtime plugin's tests.

Each test module starts its own server (``cms develop`` in a subprocess, on
SQLite or on PostgreSQL when ``CMS_TEST_DATABASE_URL`` is set) for a project
holding this repository's content types, the users_permissions plugin and
``[realtime]`` with the module's settings. Tests talk to it only from the
outside: HTTP for accounts and REST, python-socketio's AsyncClient for
sockets, and SQL on the project's database to see what was really stored.

The server gets fixed secrets through the environment, so tests can mint
expired JWTs and API tokens the way a leaked or stale credential would look.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import secrets
import sqlite3
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import socketio

from plugins.users_permissions.tokens import hash_api_token, issue_jwt
from tests.conftest import database_environment
from tests.helpers.project import Server, make_project

JWT_SECRET = "realtime-tests-jwt-secret-" + "x" * 32
TOKEN_SALT = "realtime-tests-api-token-salt-" + "y" * 32
SECRETS_ENV = {
    "CMS_SECRETS_JWT_SECRET": JWT_SECRET,
    "CMS_SECRETS_ADMIN_SESSION_SECRET": "realtime-tests-admin-session-" + "z" * 32,
    "CMS_SECRETS_API_TOKEN_SALT": TOKEN_SALT,
}
PASSWORD = "secret123"
#: argument meaning "emit with no payload at all"
NOTHING = object()


def unique(prefix: str = "u") -> str:
    """A fresh name (user, room): modules share their server between tests."""
    return f"{prefix}{uuid.uuid4().hex[:10]}"


@dataclass(frozen=True)
class User:
    id: int
    documentId: str
    username: str
    jwt: str


class ChatServer:
    """One running server of a chat project, and ways to look at it from outside."""

    def __init__(self, server: Server, env: dict[str, str]) -> None:
        self.server = server
        self.url = server.url
        self.root = server.root
        self.database_url = env.get("CMS_DATABASE_URL", "")

    # -- HTTP -----------------------------------------------------------------------------

    async def http(self, method: str, path: str, token: str | None = None, **options: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as client:
            return await client.request(method, path, headers=headers, **options)

    async def register(self, prefix: str = "u") -> User:
        """A new registered user, through POST /api/auth/local/register."""
        name = unique(prefix)
        response = await self.http("POST", "/api/auth/local/register",
                                   json={"username": name, "email": f"{name}@example.com", "password": PASSWORD})
        assert response.status_code == 200, response.text
        body = response.json()
        return User(body["user"]["id"], body["user"]["documentId"], body["user"]["username"], body["jwt"])

    async def users(self, count: int, prefix: str = "u") -> list[User]:
        return list(await asyncio.gather(*(self.register(prefix) for _ in range(count))))

    def expired_jwt(self, user: User) -> str:
        """A JWT of ``user`` signed with the server's secret that expired a minute ago."""
        return issue_jwt(user.id, JWT_SECRET, lifetime=60, now=time.time() - 120)

    async def api_token(self, kind: str = "full-access", expires_at: dt.datetime | None = None) -> str:
        """A new API token (only its HMAC is stored, as the admin would store it)."""
        token = secrets.token_hex(128)
        now = dt.datetime.now(dt.timezone.utc)
        values = [uuid.uuid4().hex[:24], unique("token"), kind, hash_api_token(token, TOKEN_SALT), "[]",
                  expires_at, now, now, now]
        await self.execute(
            "INSERT INTO up_api_tokens (document_id, name, type, access_key, actions, expires_at,"
            " created_at, updated_at, published_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", *values)
        return token

    # -- the database, read and written directly -------------------------------------------

    async def rows(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        if self.database_url:
            conn = await asyncpg.connect(self.database_url.replace("postgres://", "postgresql://", 1))
            try:
                return [dict(r) for r in await conn.fetch(sql, *args)]
            finally:
                await conn.close()
        return await asyncio.to_thread(self._sqlite, sql, args)

    async def execute(self, sql: str, *args: Any) -> None:
        if self.database_url:
            await self.rows(sql, *args)
        else:
            await asyncio.to_thread(self._sqlite, sql, args)

    def _sqlite(self, sql: str, args: tuple[Any, ...]) -> list[dict[str, Any]]:
        values = [str(a) if isinstance(a, dt.datetime) else a for a in args]
        with sqlite3.connect(self.root / ".tmp" / "data.db", timeout=10) as conn:
            conn.row_factory = sqlite3.Row
            rows = conn.execute(re.sub(r"\$\d+", "?", sql), values).fetchall()
            return [dict(r) for r in rows]

    async def messages(self, where: str = "1=1", *args: Any) -> list[dict[str, Any]]:
        """Stored messages (table ``messages``), oldest first."""
        return await self.rows(f"SELECT id, text, room, sender_id, recipient_id, client_id FROM messages"
                               f" WHERE {where} ORDER BY id", *args)


@contextmanager
def chat_server(tmp_path_factory: pytest.TempPathFactory, realtime: str = "", name: str = "chat",
                users_permissions: str = "rate_limit_enabled = false") -> Iterator[ChatServer]:
    """A project with the built-in types, users_permissions and ``[realtime]`` (plus ``realtime`` lines), running.

    The auth rate limit is off unless ``users_permissions`` says otherwise: these
    tests log in many times on purpose (the limit has its own tests).
    """
    plugins = f"[users_permissions]\n{users_permissions}\n\n[realtime]\n{realtime}\n"
    with serving_chat(make_project(tmp_path_factory.mktemp(name), plugins_toml=plugins)) as server:
        yield server


@contextmanager
def serving_chat(root: Path) -> Iterator[ChatServer]:
    """``cms develop`` on the project at ``root`` (with the test secrets), on a database of its own."""
    with database_environment() as env:
        server = Server(root, "develop", {**env, **SECRETS_ENV})
        try:
            yield ChatServer(server.wait_ready(), env)
        finally:
            server.stop()


def populate_params(populate: Any) -> list[tuple[str, str]]:
    """A socket subscription's ``populate`` in REST's bracket notation (to ask REST the same)."""
    pairs: list[tuple[str, str]] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(f"{prefix}[{key}]", item)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(f"{prefix}[{index}]", item)
        elif isinstance(value, bool):
            pairs.append((prefix, "true" if value else "false"))
        else:
            pairs.append((prefix, str(value)))

    if populate is not None:
        walk("populate", populate)
    return pairs


class Client:
    """A python-socketio AsyncClient that records every event it receives."""

    def __init__(self, **options: Any) -> None:
        self.sio = socketio.AsyncClient(reconnection=False, **options)
        self.events: dict[str, list[Any]] = defaultdict(list)
        self.connect_errors: list[Any] = []
        self.disconnected = asyncio.Event()
        self.sio.on("*", self._record)
        self.sio.on("connect_error", self._connect_error)
        self.sio.on("disconnect", self._disconnect)

    async def _record(self, event: str, *args: Any) -> None:
        self.events[event].append(args[0] if len(args) == 1 else list(args))

    async def _connect_error(self, data: Any = None) -> None:
        self.connect_errors.append(data)

    async def _disconnect(self, reason: Any = None) -> None:
        self.disconnected.set()

    @property
    def sid(self) -> str | None:
        return self.sio.get_sid()

    async def call(self, event: str, data: Any = NOTHING, timeout: float = 10) -> Any:
        if data is NOTHING:
            return await self.sio.call(event, timeout=timeout)
        return await self.sio.call(event, data, timeout=timeout)

    async def emit(self, event: str, data: Any = NOTHING) -> None:
        """Emit without an ack callback."""
        if data is NOTHING:
            await self.sio.emit(event)
        else:
            await self.sio.emit(event, data)

    async def ok(self, event: str, data: Any = NOTHING) -> Any:
        """A native event that must succeed: its ``data``."""
        answer = await self.call(event, data)
        assert isinstance(answer, dict) and answer.get("ok") is True, f"{event} {data!r} → {answer!r}"
        return answer["data"]

    async def refused(self, event: str, data: Any = NOTHING) -> str:
        """A native event that must fail: the error's name (the message must be there too)."""
        answer = await self.call(event, data)
        assert isinstance(answer, dict) and answer.get("ok") is False, f"{event} {data!r} → {answer!r}"
        assert set(answer["error"]) == {"name", "message"} and answer["error"]["message"]
        return answer["error"]["name"]

    def received(self, event: str, where: Callable[[Any], bool] = lambda _: True) -> list[Any]:
        return [payload for payload in self.events.get(event, []) if where(payload)]

    async def wait_for(self, event: str, where: Callable[[Any], bool] = lambda _: True, timeout: float = 5) -> Any:
        """The first ``event`` received (already or within ``timeout``) that matches ``where``."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.received(event, where)
            if found:
                return found[0]
            if time.monotonic() > deadline:
                raise AssertionError(f"no {event!r} matching within {timeout}s; got {dict(self.events)!r}")
            await asyncio.sleep(0.01)

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()
        await self.sio.shutdown()


Connect = Callable[..., Awaitable[Client]]


async def open_client(url: str, token: str | None = None, *, transports: list[str] | None = None,
                      auth: Any = NOTHING) -> Client:
    client = Client()
    if auth is NOTHING:
        auth = {"token": token} if token is not None else None
    await client.sio.connect(url, auth=auth, transports=transports or ["websocket"], wait_timeout=10)
    return client


@pytest.fixture
async def connect() -> AsyncIterator[Connect]:
    """``await connect(server, jwt)``: a connected client, closed after the test."""
    opened: list[Client] = []

    async def open_(server: ChatServer, token: str | None = None, **options: Any) -> Client:
        client = await open_client(server.url, token, **options)
        opened.append(client)
        return client

    yield open_
    for client in opened:
        await client.close()


async def refused_connection(url: str, auth: Any) -> str:
    """Connect with ``auth`` expecting a refusal: the ``connect_error`` message the client got."""
    client = Client()
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.sio.connect(url, auth=auth, transports=["websocket"], wait_timeout=10)
    await client.sio.shutdown()
    assert len(client.connect_errors) == 1, client.connect_errors
    data = client.connect_errors[0]
    assert isinstance(data, dict), data
    return str(data["message"])


async def quiet(seconds: float = 0.3) -> None:
    """Give the server time to deliver anything it (wrongly) would, before asserting it did not."""
    await asyncio.sleep(seconds)
