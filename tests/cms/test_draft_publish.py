"""Draft & publish in the document service (issue 16): publish, unpublish and
discardDraft with their lifecycle events, the ``publish`` permission action,
the service's own default status (``draft``, as Strapi's document service), and
turning the option on for a type that already has entries.

A small plugin (``probe``) in a copy of tests/projects/draft_publish calls the
service the way the admin or a plugin would and records every lifecycle event.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import database_environment
from tests.helpers.project import Server, run_cms, serving

PROJECT = Path(__file__).resolve().parents[1] / "projects" / "draft_publish"

PROBE = '''
"""Calls DocumentService like the admin would; records lifecycle events."""

import orjson
from sanic.response import HTTPResponse

from cms.documents import DocumentService
from cms.errors import ApplicationError
from cms.lifecycles import EVENTS
from cms.query.ast import Query
from cms.plugins import Plugin


def respond(body, status=200):
    return HTTPResponse(orjson.dumps(body), status=status, content_type="application/json")


class Probe(Plugin):
    def register(self, app):
        self.app = app
        self.events = []
        app.lifecycles.subscribe({name: self.record for name in EVENTS if "Find" not in name and "Count" not in name},
                                 ["api::article.article"])
        app.add_route(self.call, "/api/probe/<action:str>/<document_id:str>", ["POST"], name="probe_call")
        app.add_route(self.list_events, "/api/probe/events", ["GET"], name="probe_events")
        app.add_route(self.actions, "/api/probe/actions", ["GET"], name="probe_actions")
        app.add_route(self.defaults, "/api/probe/defaults", ["POST"], name="probe_defaults")

    async def record(self, event):
        self.events.append([event.action, event.params.get("where", {}).get("documentId")])

    async def list_events(self, request):
        events, self.events = self.events, []
        return respond(events)

    async def actions(self, request):
        return respond(sorted(a for a in self.app.actions if "article" in a or "categor" in a))

    async def call(self, request, action, document_id):
        service = DocumentService(self.app, request.args.get("uid", "api::article.article"))
        try:
            document = await getattr(service, action)(document_id)
        except ApplicationError as exc:
            return respond({"error": exc.name, "status": exc.status}, exc.status)
        return respond(document)

    async def defaults(self, request):
        """The service without a status: writes a draft, reads drafts."""
        service = DocumentService(self.app, "api::article.article")
        created = await service.create({"title": "Service draft"})
        found, total = await service.find_many(Query())
        published, _ = await service.find_many(Query(status="published"))
        return respond({"created": created, "drafts": [d["documentId"] for d in found],
                        "published": [d["documentId"] for d in published],
                        "count": await service.count(Query(status="published"))})


plugin = Probe()
'''


def _project(root: Path) -> Path:
    shutil.copytree(PROJECT, root)
    (root / "config" / "plugins.toml").write_text("[probe]\n")
    (root / "plugins" / "probe").mkdir(parents=True)
    (root / "plugins" / "probe" / "__init__.py").write_text(PROBE)
    return root


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    root = _project(tmp_path_factory.mktemp("dp_service") / "project")
    with serving(root) as server, httpx.Client(base_url=server.url + "/api", timeout=10) as client:
        yield client


def create(api: httpx.Client, data: dict[str, Any], status: str | None = None) -> dict[str, Any]:
    answer = api.post("/articles", params={"status": status} if status else None, json={"data": data})
    assert answer.status_code == 201, answer.text
    return answer.json()["data"]


def version(api: httpx.Client, document_id: str, status: str) -> dict[str, Any] | None:
    answer = api.get(f"/articles/{document_id}", params={"status": status, "populate": "author"})
    return answer.json()["data"] if answer.status_code == 200 else None


def test_publish_copies_the_draft_and_fires_its_events(api: httpx.Client) -> None:
    doc = create(api, {"title": "Draft only"}, status="draft")
    api.get("/probe/events")
    answer = api.post(f"/probe/publish/{doc['documentId']}")
    assert answer.status_code == 200, answer.text
    assert answer.json()["publishedAt"] is not None and answer.json()["title"] == "Draft only"
    assert version(api, doc["documentId"], "published")["title"] == "Draft only"
    assert api.get("/probe/events").json() == [["publish", doc["documentId"]]] * 2  # before, after


def test_unpublish_keeps_the_draft(api: httpx.Client) -> None:
    doc = create(api, {"title": "Public"})
    api.get("/probe/events")
    answer = api.post(f"/probe/unpublish/{doc['documentId']}")
    assert answer.status_code == 200, answer.text
    assert answer.json()["publishedAt"] is None
    assert version(api, doc["documentId"], "published") is None
    assert version(api, doc["documentId"], "draft")["title"] == "Public"
    assert api.get("/probe/events").json() == [["unpublish", doc["documentId"]]] * 2


def test_discard_draft_resets_the_draft_to_the_published_version(api: httpx.Client) -> None:
    author = api.post("/authors", json={"data": {"name": "Kept author"}}).json()["data"]
    other = api.post("/authors", json={"data": {"name": "Draft-only change"}}).json()["data"]
    doc = create(api, {"title": "Kept", "author": author["documentId"]})
    api.put(f"/articles/{doc['documentId']}", params={"status": "draft"},
            json={"data": {"title": "Thrown away", "author": other["documentId"]}})
    api.get("/probe/events")
    answer = api.post(f"/probe/discard_draft/{doc['documentId']}")
    assert answer.status_code == 200, answer.text
    draft = version(api, doc["documentId"], "draft")
    assert draft["title"] == "Kept" and draft["publishedAt"] is None
    assert draft["author"]["name"] == "Kept author" and draft["author"]["publishedAt"] is None
    assert api.get("/probe/events").json() == [["discardDraft", doc["documentId"]]] * 2
    # the draft is the published version again: it was last changed when that was (not "modified")
    assert draft["updatedAt"] == version(api, doc["documentId"], "published")["updatedAt"]


def test_discard_draft_of_a_never_published_document_is_a_404(api: httpx.Client) -> None:
    doc = create(api, {"title": "Never published"}, status="draft")
    assert api.post(f"/probe/discard_draft/{doc['documentId']}").status_code == 404
    assert version(api, doc["documentId"], "draft")["title"] == "Never published"


def test_publish_on_a_type_without_draft_and_publish_is_a_400(api: httpx.Client) -> None:
    category = api.post("/categories", json={"data": {"name": "Plain"}}).json()["data"]
    answer = api.post(f"/probe/publish/{category['documentId']}", params={"uid": "api::category.category"})
    assert answer.status_code == 400


def test_publish_of_a_missing_document_is_a_404(api: httpx.Client) -> None:
    assert api.post("/probe/publish/abcdefghijklmnopqrstuvwx").status_code == 404


def test_rest_writes_that_publish_fire_their_own_events_then_publish(api: httpx.Client) -> None:
    """As in Strapi 5, a write that publishes is the write, then a publish: beforeCreate,
    beforePublish, afterCreate, afterPublish (each with the documentId once known)."""
    api.get("/probe/events")
    doc = create(api, {"title": "Events"})
    api.put(f"/articles/{doc['documentId']}", json={"data": {"title": "Events 2"}})
    events = api.get("/probe/events").json()
    assert [e[0] for e in events] == ["create", "publish", "create", "publish", "update", "publish", "update", "publish"]
    assert [e[1] for e in events if e[0] == "publish"] == [None, doc["documentId"], doc["documentId"], doc["documentId"]]
    # a draft write publishes nothing
    api.put(f"/articles/{doc['documentId']}", params={"status": "draft"}, json={"data": {"title": "Events 3"}})
    assert [e[0] for e in api.get("/probe/events").json()] == ["update", "update"]


def test_publish_is_an_action_of_draft_and_publish_types_only(api: httpx.Client) -> None:
    actions = api.get("/probe/actions").json()
    assert "api::article.article.publish" in actions
    assert "api::category.category.create" in actions
    assert not any(a.endswith(".publish") for a in actions if "category" in a)


def test_the_service_defaults_to_drafts(api: httpx.Client) -> None:
    answer = api.post("/probe/defaults").json()
    created = answer["created"]
    assert created["publishedAt"] is None
    assert created["documentId"] in answer["drafts"]
    assert created["documentId"] not in answer["published"]
    assert answer["count"] == len(answer["published"])


# -- turning draft & publish on for a type with entries ----------------------------------


def test_turning_draft_and_publish_on_publishes_existing_entries(tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(PROJECT, root)
    schema_path = root / "content_types" / "author" / "schema.json"
    schema = json.loads(schema_path.read_text())
    schema["options"]["draftAndPublish"] = False
    schema_path.write_text(json.dumps(schema))
    with database_environment() as env:
        server = Server(root, "develop", env)
        try:
            server.wait_ready()
            with httpx.Client(base_url=server.url + "/api", timeout=10) as client:
                before = client.post("/authors", json={"data": {"name": "Existing"}}).json()["data"]
                article = client.post("/articles", json={"data": {"title": "By existing",
                                                                  "author": before["documentId"]}}).json()["data"]
        finally:
            server.stop()
        schema["options"]["draftAndPublish"] = True
        schema_path.write_text(json.dumps(schema))
        made = run_cms(root, "migrate", "make", "author_draft_and_publish", env=env)
        assert made.returncode == 0, made.stdout + made.stderr
        server = Server(root, "develop", env)
        try:
            server.wait_ready()
            with httpx.Client(base_url=server.url + "/api", timeout=10) as client:
                published = client.get(f"/authors/{before['documentId']}")
                assert published.status_code == 200, published.text
                assert published.json()["data"]["name"] == "Existing"
                draft = client.get(f"/authors/{before['documentId']}", params={"status": "draft"})
                assert draft.status_code == 200 and draft.json()["data"]["publishedAt"] is None
                # links to the existing entry survive (SQLite rebuilds the table)
                linked = client.get(f"/articles/{article['documentId']}", params={"populate": "author"})
                assert linked.json()["data"]["author"]["name"] == "Existing"
                assert linked.json()["data"]["author"]["publishedAt"] is not None
                linked = client.get(f"/articles/{article['documentId']}", params={"populate": "author", "status": "draft"})
                assert linked.json()["data"]["author"]["publishedAt"] is None  # the author's new draft
                # the two versions share the unique name; another document may not take it
                edited = client.put(f"/authors/{before['documentId']}", json={"data": {"name": "Existing"}})
                assert edited.status_code == 200, edited.text
                taken = client.post("/authors", json={"data": {"name": "Existing"}})
                assert taken.status_code == 400
        finally:
            server.stop()
