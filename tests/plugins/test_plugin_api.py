"""A third-party plugin can do what the built-in ones do, through the public API only.

The plugin here lives in a throwaway project (``plugins/audit/``), as a user's
would: it declares a content type, adds routes and a ``cms`` command, subscribes
lifecycle hooks and has bootstrap/destroy hooks. It runs in a real server; its
routes write through :class:`cms.documents.DocumentService`, so every write
fires the lifecycles.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import textwrap
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from cms.config import ConfigError, load_settings
from cms.plugins import load_plugins
from tests.helpers.project import Server, collection, make_project, run_cms, write_schema

AUDIT_PLUGIN = '''
"""Audits writes: a content type, routes, lifecycle hooks, bootstrap/destroy, a CLI command."""

from pathlib import Path

from sanic.response import json

from cms.cli.context import with_app
from cms.documents import DocumentService
from cms.errors import ApplicationError
from cms.plugins import Plugin


class AuditPlugin(Plugin):
    def register(self, app):
        self.app = app
        self.log = Path(app.plugin_config("audit")["log_file"])
        app.add_route(self.create_document, "/audit/documents", methods=["POST"])
        app.add_route(self.content_types, "/audit/content-types")
        app.add_actions(["plugin::audit.read"])
        app.lifecycles.subscribe({"beforeCreate": self.before_create}, ["plugin::audit.entry"])
        app.lifecycles.subscribe({"afterCreate": self.after_create})  # every type

    def write(self, line):
        with self.log.open("a") as handle:
            handle.write(line + "\\n")

    async def bootstrap(self, app):
        self.write("bootstrap")

    async def destroy(self, app):
        self.write("destroy")

    def before_create(self, event):
        if event.params["data"]["action"] == "forbidden":
            raise ApplicationError("forbidden actions cannot be audited")
        event.params["data"]["note"] = "checked by audit"
        event.state["checked"] = True

    async def after_create(self, event):
        self.write(f"afterCreate {event.uid} {event.result['documentId']} state={sorted(event.state)}")

    async def create_document(self, request):
        uid, data = request.json["uid"], request.json["data"]
        try:
            document = await DocumentService(self.app, uid).create(data)
        except ApplicationError as exc:
            return json({"error": exc.message}, status=exc.status)
        shown = {"documentId": document["documentId"]}
        shown.update({name: document.get(name) for name in data})
        shown.update({name: document.get(name) for name in ("note",) if name in document})
        return json(shown, status=201)

    def add_commands(self, commands):
        audit = commands.add_parser("audit", help="inspect the audit trail")
        audit.add_subparsers(dest="audit_command", required=True).add_parser("count").set_defaults(run=self.count)

    def count(self, args):
        async def action(app):
            print(f"{await app.models['plugin::audit.entry'].all().count()} audited writes")

        with_app(args, action)
        return 0

    async def content_types(self, request):
        return json({
            ct.uid: {"plugin": ct.plugin, "table": self.app.models[ct.uid]._meta.db_table}
            for ct in self.app.registry
        })


plugin = AuditPlugin()
'''

NOTE_LIFECYCLES = '''
from cms.errors import ApplicationError


def beforeCreate(event):
    title = event.params["data"]["title"]
    if title == "forbidden":
        raise ApplicationError("this title is not allowed")
    event.params["data"]["title"] = title.upper()
'''


def sql(root: Path, env: dict[str, str], statement: str) -> list[tuple[Any, ...]]:
    """Run one query on the project's database with its driver."""
    url = env.get("CMS_DATABASE_URL")
    if url is None:
        with closing(sqlite3.connect(root / ".tmp" / "data.db")) as conn:
            return conn.execute(statement).fetchall()

    async def run() -> list[tuple[Any, ...]]:
        conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            return [tuple(row.values()) for row in await conn.fetch(statement)]
        finally:
            await conn.close()

    return asyncio.run(run())


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with one type of its own (``note``, with lifecycles.py) and the audit plugin."""
    log_file = tmp_path / "audit.log"
    root = make_project(
        tmp_path / "project", builtin_types=False,
        plugins_toml=f'[audit]\nlog_file = "{log_file}"\n',
    )
    write_schema(root, "note", collection("note", "notes", {"title": {"type": "string"}}))
    (root / "content_types" / "note" / "lifecycles.py").write_text(NOTE_LIFECYCLES)
    plugin = root / "plugins" / "audit"
    (plugin / "content_types" / "entry").mkdir(parents=True)
    (plugin / "__init__.py").write_text(AUDIT_PLUGIN)
    entry = collection("entry", "entries", {"action": {"type": "string", "required": True}, "note": {"type": "string"}})
    entry["collectionName"] = "audit_entries"
    (plugin / "content_types" / "entry" / "schema.json").write_text(json.dumps(entry))
    return root


def audit_log(project: Path) -> list[str]:
    path = project.parent / "audit.log"
    return path.read_text().splitlines() if path.exists() else []


def test_a_project_plugin_registers_a_type_routes_and_lifecycle_hooks(
    request: pytest.FixtureRequest, project: Path, server_factory: Callable[..., Server], database_env: dict[str, str]
) -> None:
    server = server_factory(project)
    http = httpx.Client(base_url=server.url)
    request.addfinalizer(http.close)

    # its content type has a plugin UID and a table
    assert http.get("/audit/content-types").json() == {
        "api::note.note": {"plugin": None, "table": "notes"},
        "plugin::audit.entry": {"plugin": "audit", "table": "audit_entries"},
    }
    assert sql(project, database_env, "SELECT count(*) FROM audit_entries") == [(0,)]
    assert audit_log(project) == ["bootstrap"]

    # its route writes through the document service; its beforeCreate hook changes the data
    created = http.post("/audit/documents", json={"uid": "plugin::audit.entry", "data": {"action": "login"}})
    assert created.status_code == 201
    entry = created.json()
    assert entry["action"] == "login"
    assert entry["note"] == "checked by audit"
    assert len(entry["documentId"]) == 24
    assert sql(project, database_env, "SELECT document_id, action, note FROM audit_entries") == [
        (entry["documentId"], "login", "checked by audit"),
    ]
    # afterCreate saw the stored document and the state beforeCreate left
    assert audit_log(project)[-1] == f"afterCreate plugin::audit.entry {entry['documentId']} state=['checked']"

    # a before* hook raising an ApplicationError aborts the write
    refused = http.post("/audit/documents", json={"uid": "plugin::audit.entry", "data": {"action": "forbidden"}})
    assert (refused.status_code, refused.json()) == (400, {"error": "forbidden actions cannot be audited"})
    assert sql(project, database_env, "SELECT count(*) FROM audit_entries") == [(1,)]
    assert len(audit_log(project)) == 2  # no afterCreate for it

    server.stop()
    assert audit_log(project)[-1] == "destroy"

    # its CLI command runs against the project's database
    result = run_cms(project, "audit", "count", env=database_env)
    assert (result.returncode, result.stdout) == (0, "1 audited writes\n"), result.stderr


def test_content_type_lifecycles_file_hooks_fire(
    request: pytest.FixtureRequest, project: Path, server_factory: Callable[..., Server], database_env: dict[str, str]
) -> None:
    server = server_factory(project)
    http = httpx.Client(base_url=server.url)
    request.addfinalizer(http.close)

    created = http.post("/audit/documents", json={"uid": "api::note.note", "data": {"title": "hello"}})
    assert created.status_code == 201
    note = created.json()
    assert note["title"] == "HELLO"  # content_types/note/lifecycles.py beforeCreate
    # the plugin's hook for every type fired too, the entry-only hook did not
    assert audit_log(project)[-1] == f"afterCreate api::note.note {note['documentId']} state=[]"

    refused = http.post("/audit/documents", json={"uid": "api::note.note", "data": {"title": "forbidden"}})
    assert (refused.status_code, refused.json()) == (400, {"error": "this title is not allowed"})
    assert sql(project, database_env, "SELECT title FROM notes") == [("HELLO",)]


# -- finding plugins: by module, disabled, unknown ----------------------------------------

PACKAGED_PLUGIN = '''
from sanic.response import text

from cms.plugins import Plugin


async def hello(request):
    return text("hello from a package")


class Packaged(Plugin):
    def register(self, app):
        app.add_route(hello, "/packaged/hello")


plugin = Packaged()
'''


def routes(root: Path, **env: str) -> tuple[int, str, str]:
    result = run_cms(root, "routes", env=env, timeout=60)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout, result.stderr


def test_a_plugin_can_come_from_any_importable_module(tmp_path: Path) -> None:
    site_packages = tmp_path / "site-packages"
    (site_packages / "acme_cms").mkdir(parents=True)
    (site_packages / "acme_cms" / "__init__.py").write_text("")
    (site_packages / "acme_cms" / "plugin.py").write_text(PACKAGED_PLUGIN)
    root = make_project(tmp_path / "project", builtin_types=False, plugins_toml='[packaged]\nmodule = "acme_cms.plugin"\n')

    status, out, _ = routes(root, PYTHONPATH=str(site_packages))

    assert status == 0
    assert "/packaged/hello" in out


def test_a_disabled_plugin_is_not_imported(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project", builtin_types=False, plugins_toml=textwrap.dedent('''
        [audit]
        enabled = false
        [elsewhere]
        module = "no_such_package.plugin"
        enabled = false
    '''))
    (root / "plugins" / "audit").mkdir(parents=True)
    (root / "plugins" / "audit" / "__init__.py").write_text("raise RuntimeError('imported a disabled plugin')\n")

    status, out, _ = routes(root)

    assert status == 0
    assert "/_health" in out


def test_an_unknown_plugin_stops_the_cli_with_a_clear_error(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project", builtin_types=False, plugins_toml="[nosuch]\n")

    status, out, err = routes(root)

    assert (status, out) == (1, "")
    assert err == (
        'error: plugin "nosuch" not found: no plugins/nosuch/ in the project, '
        "no built-in plugin, no module 'plugins.nosuch'\n"
    )


@pytest.mark.parametrize(
    ("plugins_toml", "message"),
    [
        ('[x]\nmodule = "no_such_package.plugin"\n', 'plugin "x" not found'),
        ('[x]\nmodule = "json"\n', 'plugin "x": json must define `plugin = Plugin(...)`'),
        ("[x]\nmodule = 3\n", 'plugin "x": "module" must be a dotted module name'),
        ('[x]\nenabled = "no"\n', 'plugin "x": "enabled" must be true or false'),
    ],
)
def test_a_plugin_that_cannot_be_loaded_is_a_clear_error(tmp_path: Path, plugins_toml: str, message: str) -> None:
    root = make_project(tmp_path / "project", builtin_types=False, plugins_toml=plugins_toml)
    settings = load_settings(root, env={})

    with pytest.raises(ConfigError) as caught:
        load_plugins(settings)

    assert str(caught.value).startswith(message)
