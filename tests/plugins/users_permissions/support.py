"""A users_permissions project on a real server, and what the tests need to drive and inspect it.

:func:`serve` starts this repo's content types and grants on SQLite, or on a
fresh PostgreSQL database when ``CMS_TEST_DATABASE_URL`` is set. The project also
holds a tiny test plugin, ``fixtures``, standing in for two things too slow or too big to use here:

- ``POST /test/api-tokens`` creates an API token as ``cms api-token create``
  does (the token is returned once, only its HMAC is stored), without
  starting a process per token;
- ``$user.rooms``, the rooms a user is in (their ``chat_user`` rows), for
  permission conditions, as the realtime plugin provides it
  (``plugins/realtime/presence.py``), without enabling that plugin here.

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

from tests.conftest import database_environment
from tests.helpers.project import Server, make_project, write_schema

PASSWORD = "correct horse"

FIXTURES_PLUGIN = '''
"""Test-only stand-ins: API token creation (the CLI's job) and $user.rooms (the realtime plugin's)."""

import datetime as dt

from sanic.response import json

from cms.plugins import Plugin
from plugins.users_permissions.tokens import hash_api_token, new_api_token


class Fixtures(Plugin):
    def register(self, app):
        self.app = app
        app.add_route(self.create_token, "/test/api-tokens", methods=["POST"])
        app.identity.add_variable("rooms", self.rooms)

    async def rooms(self, user):
        ChatUser = self.app.models["api::chat-user.chat-user"]
        return sorted(set(await ChatUser.filter(user_id=user["id"]).values_list("room", flat=True)))

    async def create_token(self, request):
        body = request.json
        token = new_api_token()
        expires = body.get("expiresAt")
        await self.app.models["plugin::users-permissions.api-token"].create(
            name=body["name"], type=body["type"], actions=body.get("actions"),
            accessKey=hash_api_token(token, self.app.settings.secrets.api_token_salt),
            expiresAt=dt.datetime.fromisoformat(expires) if expires else None,
        )
        return json({"token": token}, status=201)


plugin = Fixtures()
'''


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

    def api_token(self, type: str, actions: list[str] | None = None, expires_at: str | None = None) -> str:
        """A new API token (the plain value, which the server shows only once)."""
        name = f"{type} token {next(self._tokens)}"
        answer = self.http.post("/test/api-tokens", json={
            "name": name, "type": type, "actions": actions, "expiresAt": expires_at})
        assert answer.status_code == 201, answer.text
        return str(answer.json()["token"])

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
    """Start the project in ``root`` (this repo's types, ``types`` beside them, and the fixtures
    plugin) with ``[users_permissions]`` settings and ``plugins`` (more plugins.toml tables)."""
    make_project(root, plugins_toml=(
        '[users_permissions]\nmailer = "file:.tmp/mails.jsonl"\n' + settings + f"\n{plugins}\n[fixtures]\n"))
    for name, schema in (types or {}).items():
        write_schema(root, name, schema)
    plugin = root / "plugins" / "fixtures"
    plugin.mkdir(parents=True)
    (plugin / "__init__.py").write_text(FIXTURES_PLUGIN)
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
