"""An i18n project on a real server, and what the tests need to drive it.

:func:`serve` starts this repo's content types with users_permissions, upload
and i18n on SQLite, or on a fresh PostgreSQL database when
``CMS_TEST_DATABASE_URL`` is set (``cms develop`` writes the migration that
adds ``i18n_locale``). The grants are :data:`GRANTS` unless a test gives its
own ``config/permissions.toml``: Public may list the locales, Authenticated may
also create, update and delete them.

The project also holds a small plugin, ``probe``, that a later step would be:
it asks for the ``"i18n"`` service and answers what ``default_locale()``,
``codes()`` and ``check(code)`` say, and it writes a locale through the
document service as the admin would, to show the rules hold for every writer.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from tests.conftest import database_environment
from tests.helpers.project import Server, make_project

LOCALES = "/api/i18n/locales"
ACTIONS = ["plugin::i18n.locales.listLocales", "plugin::i18n.locales.createLocale",
           "plugin::i18n.locales.updateLocale", "plugin::i18n.locales.deleteLocale"]
GRANTS = f"""
[roles.public]
name = "Public"
description = "Callers without credentials"
actions = ["plugin::users-permissions.auth.register", "plugin::i18n.locales.listLocales"]

[roles.authenticated]
name = "Authenticated"
description = "Default role of registered users"
actions = {ACTIONS!r}
""".replace("'", '"')

PROBE = '''
"""A later step's view of the i18n service, and a writer that is not the i18n routes."""

import orjson
from sanic.response import HTTPResponse

from cms.documents import DocumentService
from cms.errors import ApplicationError
from cms.plugins import Plugin


def respond(body, status=200):
    return HTTPResponse(orjson.dumps(body), status=status, content_type="application/json")


class Probe(Plugin):
    def register(self, app):
        self.app = app
        app.add_route(self.service, "/api/probe/service", ["GET"], name="probe_service")
        app.add_route(self.write, "/api/probe/write/<document_id:str>", ["POST"], name="probe_write")

    async def service(self, request):
        i18n = self.app.service("i18n")
        code = request.args.get("code", "")
        try:
            checked = {"ok": i18n.check(code)}
        except ApplicationError as exc:
            checked = {"status": exc.status, "name": exc.name, "message": exc.message}
        return respond({"default": i18n.default_locale(), "codes": i18n.codes(), "check": checked})

    async def write(self, request, document_id):
        """What the admin does: an update through the document service, no i18n route involved."""
        locales = DocumentService(self.app, "plugin::i18n.locale")
        action = request.args.get("action", "update")
        if action == "delete":
            return respond(await locales.delete(document_id))
        return respond(await locales.update(document_id, request.json))


plugin = Probe()
'''


@dataclass
class Project:
    root: Path
    env: dict[str, str]
    server: Server
    http: httpx.Client

    def register(self, username: str) -> dict[str, str]:
        """A new registered user (role Authenticated); their ``Authorization`` header."""
        answer = self.http.post("/api/auth/local/register", json={
            "username": username, "email": f"{username}@example.com", "password": "correct horse"})
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['jwt']}"}

    def locales(self) -> list[dict[str, Any]]:
        answer = self.http.get(LOCALES)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def by_code(self, code: str) -> dict[str, Any]:
        return next(locale for locale in self.locales() if locale["code"] == code)

    def service(self, code: str = "") -> dict[str, Any]:
        return self.http.get("/api/probe/service", params={"code": code}).json()

    def sql(self, statement: str) -> list[tuple[Any, ...]]:
        url = self.env.get("CMS_DATABASE_URL")
        if url is None:
            with closing(sqlite3.connect(self.root / ".tmp" / "data.db")) as conn:
                return conn.execute(statement).fetchall()

        async def run() -> list[tuple[Any, ...]]:
            conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
            try:
                return [tuple(row.values()) for row in await conn.fetch(statement)]
            finally:
                await conn.close()

        return asyncio.run(run())


def write_project(root: Path, i18n_settings: str = "", grants: str = GRANTS) -> Path:
    """The project folder: this repo's types, users_permissions, upload, i18n and the probe."""
    make_project(root, plugins_toml=(
        '[users_permissions]\nrate_limit_enabled = false\nmailer = "file:.tmp/mails.jsonl"\n\n'
        f"[i18n]\n{i18n_settings}\n\n[probe]\n"))
    (root / "config" / "permissions.toml").write_text(grants)
    probe = root / "plugins" / "probe"
    probe.mkdir(parents=True, exist_ok=True)
    (probe / "__init__.py").write_text(PROBE)
    return root


@contextmanager
def running(root: Path, env: dict[str, str]) -> Iterator[Project]:
    """``cms develop`` on the project in ``root`` with the database of ``env``, until the block ends."""
    server = Server(root, "develop", env)
    try:
        server.wait_ready(60)
        with httpx.Client(base_url=server.url, timeout=60) as http:
            yield Project(root, env, server, http)
    finally:
        server.stop()


@contextmanager
def serve(root: Path, i18n_settings: str = "", grants: str = GRANTS) -> Iterator[Project]:
    """A new project on a fresh database."""
    write_project(root, i18n_settings, grants)
    with database_environment() as env, running(root, env) as project:
        yield project


def error(answer: httpx.Response) -> tuple[int, str, str]:
    """``(status, error name, message)`` of a Strapi error envelope."""
    body = answer.json()
    assert body["data"] is None, body
    return answer.status_code, body["error"]["name"], body["error"]["message"]
