"""A users_permissions project on a real server, and what the tests need to drive and inspect it.

:func:`serve` starts this repo's content types and grants on SQLite, or on a
fresh PostgreSQL database when ``CMS_TEST_DATABASE_URL`` is set, with the
realtime plugin enabled; everything goes the way users go:

- API tokens come from ``cms api-token create``, run in the project folder as
  an operator runs it (the token is on the last line of its output, once);
- users join chat rooms with ``chat:join`` over a real Socket.IO client, so
  ``$user.rooms`` in permission conditions is the realtime plugin's
  (``plugins/realtime/presence.py``), read from the memberships that join wrote.

Helpers read the database directly (sqlite3 or asyncpg) to check what is
stored, and read the mails the plugin writes to ``.tmp/mails.jsonl``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import sqlite3
import tomllib
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import socketio

from tests.conftest import database_environment
from tests.helpers.project import Server, make_project, run_cms, write_schema

PASSWORD = "correct horse"

def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Account:
    """A registered user as the tests drive it."""

    id: int
    username: str
    email: str
    password: str
    jwt: str

    @property
    def auth(self) -> dict[str, str]:
        return bearer(self.jwt)


@dataclass
class Project:
    root: Path
    env: dict[str, str]
    server: Server
    http: httpx.Client
    _tokens: Iterator[int] = field(default_factory=itertools.count)

    # -- talking to the server ---------------------------------------------------------

    def register(self, username: str, email: str | None = None, password: str = PASSWORD) -> Account:
        answer = self.http.post("/api/auth/local/register", json={
            "username": username, "email": email or f"{username.lower()}@example.com", "password": password})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        return Account(body["user"]["id"], body["user"]["username"], body["user"]["email"], password, body["jwt"])

    def login(self, identifier: str, password: str = PASSWORD) -> httpx.Response:
        return self.http.post("/api/auth/local", json={"identifier": identifier, "password": password})

    def api_token(self, type: str, actions: list[str] | None = None, *, name: str | None = None,
                  days: int | None = None) -> str:
        """A new API token made with ``cms api-token create`` (the plain value, printed once)."""
        name = name or f"{type} token {next(self._tokens)}"
        args = ["api-token", "create", "--name", name, "--type", type]
        if actions:
            args += ["--actions", *actions]
        if days is not None:
            args += ["--days", str(days)]
        created = run_cms(self.root, *args, env=self.env)
        assert created.returncode == 0, created.stderr
        return created.stdout.splitlines()[-1]

    def join(self, user: Account, *rooms: str) -> None:
        """``user`` joins ``rooms`` as the chat does it: ``chat:join`` on a Socket.IO connection
        made with their JWT. The memberships outlive the connection (the user is then offline)."""
        self._chat(user, [("chat:join", {"room": room}, {"room": room, "missed": None, "reload": False})
                          for room in rooms])

    def leave(self, user: Account, room: str) -> None:
        """``user`` leaves ``room``: ``chat:join`` then ``chat:leave`` on one connection (a socket
        leaves only rooms it joined), which ends the membership."""
        self._chat(user, [("chat:join", {"room": room}, {"room": room, "missed": None, "reload": False}),
                          ("chat:leave", {"room": room}, {"room": room})])

    def _chat(self, user: Account, calls: list[tuple[str, dict[str, Any], dict[str, Any]]]) -> None:
        """Connect as ``user``, make each ``(event, payload, expected ack data)`` call, disconnect."""

        async def run() -> None:
            client = socketio.AsyncClient(reconnection=False)
            await client.connect(self.server.url, auth={"token": user.jwt}, transports=["websocket"], wait_timeout=10)
            try:
                for event, payload, expected in calls:
                    answer = await client.call(event, payload, timeout=10)
                    assert answer == {"ok": True, "data": expected}, (event, payload, answer)
            finally:
                await client.disconnect()
                await client.shutdown()

        asyncio.run(run())

    # -- looking behind the API ----------------------------------------------------------

    def sql(self, statement: str, *params: Any) -> list[tuple[Any, ...]]:
        """Run one statement on the project's database (``?`` placeholders on both databases)."""
        url = self.env.get("CMS_DATABASE_URL")
        if url is None:
            with closing(sqlite3.connect(self.root / ".tmp" / "data.db")) as conn:
                rows = conn.execute(statement, params).fetchall()
                conn.commit()
                return rows
        numbered = iter(itertools.count(1))
        statement = re.sub(r"\?", lambda _: f"${next(numbered)}", statement)

        async def run() -> list[tuple[Any, ...]]:
            conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
            try:
                return [tuple(row.values()) for row in await conn.fetch(statement, *params)]
            finally:
                await conn.close()

        return asyncio.run(run())

    def secrets(self) -> dict[str, str]:
        """The secrets the server generated on its first start."""
        return tomllib.loads((self.root / "config" / "secrets.toml").read_text())

    def mails(self) -> list[dict[str, str]]:
        path = self.root / ".tmp" / "mails.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def reset_code(self, email: str) -> str:
        """The code of the last password-reset mail sent to ``email``."""
        sent = [m for m in self.mails() if m["to"] == email]
        assert sent, f"no mail to {email}"
        match = re.search(r"\?code=([0-9a-f]+)", sent[-1]["text"])
        assert match, sent[-1]["text"]
        return match.group(1)


@contextmanager
def serve(root: Path, settings: str = "", env: dict[str, str] | None = None, *, plugins: str = "",
          types: dict[str, dict[str, Any]] | None = None) -> Iterator[Project]:
    """Start the project in ``root`` (this repo's types and ``types`` beside them, the realtime
    plugin) with ``[users_permissions]`` settings and ``plugins`` (more plugins.toml tables)."""
    if "[realtime]" not in plugins:
        plugins += "\n[realtime]\n"
    make_project(root, plugins_toml=(
        '[users_permissions]\nmailer = "file:.tmp/mails.jsonl"\n' + settings + f"\n{plugins}\n"))
    for name, schema in (types or {}).items():
        write_schema(root, name, schema)
    with database_environment() as database:
        server = Server(root, "develop", {**database, **(env or {})})
        try:
            server.wait_ready()
            with httpx.Client(base_url=server.url, timeout=60) as http:
                yield Project(root, database, server, http)
        finally:
            server.stop()


def error(answer: httpx.Response) -> tuple[int, str, str]:
    """``(status, error name, message)`` of a Strapi error envelope."""
    body = answer.json()
    assert body["data"] is None, body
    return answer.status_code, body["error"]["name"], body["error"]["message"]
