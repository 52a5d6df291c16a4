"""Live content events of draft & publish types follow Strapi v5's two versions per document.

The project holds tests/projects/draft_publish's types (``article`` and
``author`` with draft & publish, ``category`` without), this repository's
types, users_permissions, realtime and ``draft_actions``, a project plugin
written here that publishes, unpublishes and discards the draft of an
article through the document service (REST has no route for those).

A socket subscribes to articles with ``status``: ``"published"`` (the default,
as REST's) or ``"draft"``. A published subscriber never sees a draft: it gets
``article:publish`` with the published document, ``article:unpublish`` with
the published document as it was, ``article:delete``; a draft subscriber gets
``article:create|update|delete`` of the draft and ``article:publish|unpublish``
with the draft. Every payload must equal what
``GET /api/articles/<documentId>?status=<its status>&populate=<its populate>``
answers the same caller (for unpublish and delete: just before). Every wait
for nothing is followed by an event that must arrive on the same socket.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.project import make_project
from tests.plugins.realtime.conftest import ChatServer, Client, Connect, User, populate_params, quiet, serving_chat, unique
from tests.plugins.realtime.plugin_projects import user_with_role

PROJECT = Path(__file__).resolve().parents[2] / "projects" / "draft_publish"
ARTICLE = "api::article.article"

#: a project plugin: POST /api/draft-actions/<publish|unpublish|discard>/<documentId>
DRAFT_ACTIONS = '''
from sanic.response import json as answer

from cms.documents import DocumentService
from cms.plugins import Plugin

ARTICLE = "api::article.article"


class DraftActions(Plugin):
    name = "draft_actions"

    def register(self, app):
        self.app = app
        self.articles = DocumentService(app, ARTICLE)
        prefix = app.settings.api.prefix.rstrip("/")
        app.add_route(self.act, prefix + "/draft-actions/<action:str>/<document_id:str>", ["POST"],
                      name="draft_actions_act")

    async def act(self, request, action, document_id):
        access = await self.app.authorizer(request, ARTICLE + ".publish", self.app.registry.get(ARTICLE))
        method = {"publish": self.articles.publish, "unpublish": self.articles.unpublish,
                  "discard": self.articles.discard_draft}[action]
        return answer({"data": await method(document_id, access)})


plugin = DraftActions()
'''

READS = ('"api::author.author.find", "api::author.author.findOne", "api::category.category.find", '
         '"api::category.category.findOne", "plugin::realtime.subscribe"')
ROLES = f"""
[roles.reader]
name = "Reader"
description = "reads articles, authors and categories"
actions = ["api::article.article.find", "api::article.article.findOne", {READS}]

[roles.scoped]
name = "Scoped"
description = "reads open articles only"
actions = [{READS}]

[[roles.scoped.grants]]
action = "api::article.article.find"
condition = {{ title = {{ "$startsWith" = "Open" }} }}

[[roles.scoped.grants]]
action = "api::article.article.findOne"
condition = {{ title = {{ "$startsWith" = "Open" }} }}
"""

#: what a subscription with populate asks for: a draft & publish relation, and through a type
#: without it back to articles (where REST shows only the versions of the request's status)
POPULATE = {"author": True, "category": {"populate": ["articles"]}}
PUBLISHED_EVENTS = ["article:publish", "article:unpublish", "article:delete"]
DRAFT_EVENTS = ["article:create", "article:update", "article:delete", "article:publish", "article:unpublish"]
ACTIONS = ("create", "update", "delete", "publish", "unpublish")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatServer]:
    plugins = "[users_permissions]\nrate_limit_enabled = false\n\n[realtime]\n\n[draft_actions]\n"
    root = make_project(tmp_path_factory.mktemp("draft-publish-events"), plugins_toml=plugins)
    for name in ("article", "author", "category"):
        shutil.copytree(PROJECT / "content_types" / name, root / "content_types" / name)
    shutil.copytree(PROJECT / "components", root / "components")
    (root / "plugins" / "draft_actions").mkdir(parents=True)
    (root / "plugins" / "draft_actions" / "__init__.py").write_text(DRAFT_ACTIONS)
    grants = root / "config" / "permissions.toml"
    grants.write_text(grants.read_text() + ROLES)
    with serving_chat(root) as running:
        yield running


# -- helpers ---------------------------------------------------------------------------------


async def rest(server: ChatServer, user: User, document_id: str, status: str, populate: Any = None,
               plural: str = "articles") -> dict[str, Any]:
    """What REST's GET answers ``user`` for one version of the document."""
    params = [("status", status), *populate_params(populate)]
    answer = await server.http("GET", f"/api/{plural}/{document_id}", user.jwt, params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


async def write(server: ChatServer, token: str, method: str, path: str, data: dict[str, Any] | None = None,
                query: str = "", plural: str = "articles") -> dict[str, Any]:
    answer = await server.http(method, f"/api/{plural}{path}{query}", token,
                               json={"data": data} if data is not None else None)
    assert answer.status_code in (200, 201, 204), answer.text
    return answer.json()["data"] if answer.status_code != 204 else {}


async def act(server: ChatServer, token: str, action: str, document_id: str) -> dict[str, Any]:
    """publish, unpublish or discard (the draft) through the document service (the test plugin)."""
    answer = await server.http("POST", f"/api/draft-actions/{action}/{document_id}", token)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


class Subscriber:
    """A socket subscribed to articles with a status and a populate."""

    def __init__(self, socket: Client, user: User, status: str, populate: Any) -> None:
        self.socket, self.user, self.status, self.populate = socket, user, status, populate

    async def event(self, action: str, document_id: str) -> dict[str, Any]:
        return await self.socket.wait_for(f"article:{action}", about(document_id))

    async def nth(self, action: str, document_id: str, n: int) -> dict[str, Any]:
        """The ``n``-th ``article:<action>`` about the document (1-based), once it arrived."""
        await self.socket.wait_for(f"article:{action}", lambda e: self.count(action, document_id) >= n)
        return self.socket.received(f"article:{action}", about(document_id))[n - 1]

    def count(self, action: str, document_id: str) -> int:
        return len(self.socket.received(f"article:{action}", about(document_id)))

    async def rest(self, server: ChatServer, document_id: str) -> dict[str, Any]:
        return await rest(server, self.user, document_id, self.status, self.populate)

    def counts(self, document_id: str) -> dict[str, int]:
        return {action: self.count(action, document_id) for action in ACTIONS}


async def subscribe(server: ChatServer, connect: Connect, user: User, status: str | None, populate: Any = None,
                    filters: Any = None) -> Subscriber:
    socket = await connect(server, user.jwt)
    subscription: dict[str, Any] = {"type": "article"}
    if status is not None:
        subscription["status"] = status
    if populate is not None:
        subscription["populate"] = populate
    if filters is not None:
        subscription["filters"] = filters
    ack = await socket.ok("content:subscribe", subscription)
    expected = status or "published"
    assert ack == {"type": ARTICLE, "status": expected,
                   "events": PUBLISHED_EVENTS if expected == "published" else DRAFT_EVENTS}
    return Subscriber(socket, user, expected, populate)


def about(document_id: str) -> Any:
    return lambda event: event.get("documentId") == document_id


async def related(server: ChatServer, token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A published author and a category, to link articles to."""
    author = await write(server, token, "POST", "", {"name": unique("Author ")}, plural="authors")
    category = await write(server, token, "POST", "", {"name": unique("Category ")}, plural="categories")
    return author, category


# -- tests -----------------------------------------------------------------------------------


async def test_subscribing_takes_a_status_on_draft_and_publish_types_only(
        server: ChatServer, connect: Connect) -> None:
    """Catches a subscription that ignores ``status`` (or takes values REST refuses), an ack that
    names events the socket will not get, and ``status`` changing anything on other types."""
    reader = await user_with_role(server, "reader")
    socket = await connect(server, reader.jwt)
    assert await socket.ok("content:subscribe", {"type": "article"}) == {
        "type": ARTICLE, "status": "published", "events": PUBLISHED_EVENTS}
    assert await socket.ok("content:subscribe", {"type": "articles", "status": "draft"}) == {
        "type": ARTICLE, "status": "draft", "events": DRAFT_EVENTS}
    assert await socket.ok("content:subscribe", {"type": ARTICLE, "status": "published"}) == {
        "type": ARTICLE, "status": "published", "events": PUBLISHED_EVENTS}
    rest_says = await server.http("GET", "/api/articles", reader.jwt, params={"status": "bogus"})
    assert rest_says.status_code == 400
    for bad in ("bogus", "", "Draft"):
        reply = await socket.call("content:subscribe", {"type": "article", "status": bad})
        assert reply == {"ok": False, "error": {"name": "invalid_status",
                                                "message": rest_says.json()["error"]["message"]}}, bad
    for bad in (5, ["draft"], {"$eq": "draft"}, True):
        assert await socket.refused("content:subscribe", {"type": "article", "status": bad}) == \
            "invalid_status", bad
    # a type without draft & publish ignores status, as REST does: the ack is as it always was
    for status in ("draft", "published", "bogus", 5):
        assert await socket.ok("content:subscribe", {"type": "category", "status": status}) == {
            "type": "api::category.category",
            "events": ["category:create", "category:update", "category:delete"]}, status


async def test_published_subscribers_never_see_drafts_and_draft_subscribers_see_every_change(
        server: ChatServer, connect: Connect) -> None:
    """Catches drafts sent to published subscribers, create/update events where REST's public view did
    not change, publish events carrying the draft (or the row REST would not show), payloads that differ
    from REST's GET of the subscriber's version, and relations populated in the wrong version."""
    writer = await server.api_token("full-access")
    reader = await user_with_role(server, "reader")
    author, category = await related(server, writer)
    pub = await subscribe(server, connect, reader, None)
    pub_populated = await subscribe(server, connect, reader, "published", POPULATE)
    draft = await subscribe(server, connect, reader, "draft")
    draft_populated = await subscribe(server, connect, reader, "draft", POPULATE)
    everyone = [pub, pub_populated, draft, draft_populated]
    published, drafts = [pub, pub_populated], [draft, draft_populated]

    # POST ?status=draft: only the draft subscribers hear of it
    title = unique("Draft ")
    created = await write(server, writer, "POST", "", {"title": title, "author": author["documentId"],
                                                       "category": category["documentId"]}, "?status=draft")
    doc = created["documentId"]
    assert created["publishedAt"] is None
    for sub in drafts:
        event = await sub.event("create", doc)
        assert event["publishedAt"] is None and event["title"] == title
        assert event == await sub.rest(server, doc)
    assert draft_populated.socket.received("article:create", about(doc))[0]["author"]["documentId"] == \
        author["documentId"]
    not_yet = await server.http("GET", f"/api/articles/{doc}", reader.jwt)
    assert not_yet.status_code == 404  # nothing public yet

    # PUT (publishes): drafts get the update and the publish, published subscribers the publish only
    await quiet()
    await write(server, writer, "PUT", f"/{doc}", {"title": "Published one", "body": "Out now"})
    for sub in published:
        event = await sub.event("publish", doc)  # also proves the socket was alive above
        assert event == await sub.rest(server, doc)
        assert event["publishedAt"] is not None and event["title"] == "Published one"
        assert event["body"] == "Out now"
    for sub in drafts:
        update = await sub.event("update", doc)
        assert update["title"] == "Published one" and update["publishedAt"] is None
        event = await sub.event("publish", doc)
        assert event == await sub.rest(server, doc)
        assert event["publishedAt"] is None and event["title"] == "Published one"
    shown = pub_populated.socket.received("article:publish", about(doc))[0]
    assert shown["author"]["documentId"] == author["documentId"] and shown["author"]["publishedAt"] is not None
    # the category's articles in REST's published view: this article once, in its published version
    assert [(a["documentId"], a["publishedAt"] is not None) for a in shown["category"]["articles"]] == \
        [(doc, True)]
    for sub in published:
        assert sub.counts(doc) == {"create": 0, "update": 0, "delete": 0, "publish": 1, "unpublish": 0}

    # PUT ?status=draft: the published version is unchanged, so published subscribers get nothing
    await write(server, writer, "PUT", f"/{doc}", {"title": "Edited draft"}, "?status=draft")
    for sub in drafts:
        event = await sub.nth("update", doc, 2)
        assert event == await sub.rest(server, doc)
        assert event["title"] == "Edited draft" and event["publishedAt"] is None
    await quiet()
    for sub in published:
        assert sub.counts(doc) == {"create": 0, "update": 0, "delete": 0, "publish": 1, "unpublish": 0}

    # discarding the draft: an update of the draft, back to the published values; published: nothing
    await act(server, writer, "discard", doc)
    for sub in drafts:
        event = await sub.nth("update", doc, 3)
        assert event == await sub.rest(server, doc)
        assert event["title"] == "Published one" and event["publishedAt"] is None

    # unpublish (document service): published subscribers get the published version as it was
    await write(server, writer, "PUT", f"/{doc}", {"title": "Edited draft"}, "?status=draft")
    before = {id(sub): await sub.rest(server, doc) for sub in published}
    await act(server, writer, "unpublish", doc)
    for sub in published:
        event = await sub.event("unpublish", doc)  # also proves the socket was alive above
        assert event == before[id(sub)]
        assert event["title"] == "Published one" and event["publishedAt"] is not None
    for sub in drafts:
        event = await sub.event("unpublish", doc)
        assert event == await sub.rest(server, doc)
        assert event["title"] == "Edited draft" and event["publishedAt"] is None
    assert (await server.http("GET", f"/api/articles/{doc}", reader.jwt)).status_code == 404

    # publish (document service): the draft's values become public
    await act(server, writer, "publish", doc)
    for sub in everyone:
        event = await sub.nth("publish", doc, 2)
        assert event == await sub.rest(server, doc)
        assert event["title"] == "Edited draft" and (event["publishedAt"] is None) == (sub.status == "draft")

    # delete: every version goes; each subscriber gets its version as it was
    before = {id(sub): await sub.rest(server, doc) for sub in everyone}
    await write(server, writer, "DELETE", f"/{doc}")
    for sub in everyone:
        event = await sub.event("delete", doc)
        assert event == before[id(sub)]
        assert (event["publishedAt"] is None) == (sub.status == "draft")
    await quiet(0.2)
    for sub in published:
        assert sub.counts(doc) == {"create": 0, "update": 0, "delete": 1, "publish": 2, "unpublish": 1}
    for sub in drafts:
        assert sub.counts(doc) == {"create": 1, "update": 4, "delete": 1, "publish": 2, "unpublish": 1}


async def test_a_create_that_publishes_and_deleting_a_draft_only_document(
        server: ChatServer, connect: Connect) -> None:
    """Catches a POST that publishes reaching published subscribers as a create (or twice), and the
    delete of a never-published document reaching them at all."""
    writer = await server.api_token("full-access")
    reader = await user_with_role(server, "reader")
    pub = await subscribe(server, connect, reader, None, POPULATE)
    draft = await subscribe(server, connect, reader, "draft", POPULATE)
    author, category = await related(server, writer)

    created = await write(server, writer, "POST", "", {"title": unique("Straight "), "author": author["documentId"],
                                                       "category": category["documentId"]}, "?fields[0]=title")
    doc = created["documentId"]
    event = await pub.event("publish", doc)
    assert event == await pub.rest(server, doc) and event["publishedAt"] is not None
    assert event["author"]["documentId"] == author["documentId"]
    created_draft = await draft.event("create", doc)
    assert created_draft["publishedAt"] is None and created_draft["author"]["publishedAt"] is None
    assert created_draft == await draft.rest(server, doc)
    assert await draft.event("publish", doc) == await draft.rest(server, doc)

    only_draft = (await write(server, writer, "POST", "", {"title": unique("Never ")}, "?status=draft"))["documentId"]
    await draft.event("create", only_draft)
    before = await draft.rest(server, only_draft)
    await write(server, writer, "DELETE", f"/{only_draft}")
    assert await draft.event("delete", only_draft) == before
    await write(server, writer, "DELETE", f"/{doc}")
    await pub.event("delete", doc)  # proves the published socket was alive for the draft's delete
    await draft.event("delete", doc)
    await quiet(0.2)
    assert pub.counts(doc) == {"create": 0, "update": 0, "delete": 1, "publish": 1, "unpublish": 0}
    assert pub.socket.received("article:delete", about(only_draft)) == []
    assert all(not pub.socket.received(f"article:{a}", about(only_draft)) for a in ACTIONS)
    assert draft.counts(doc) == {"create": 1, "update": 0, "delete": 1, "publish": 1, "unpublish": 0}
    # unpublishing a document that has no published version changes nothing: no event
    never = (await write(server, writer, "POST", "", {"title": unique("Quiet ")}, "?status=draft"))["documentId"]
    await draft.event("create", never)
    await act(server, writer, "unpublish", never)
    await write(server, writer, "PUT", f"/{never}", {"title": "Now public"})
    await draft.event("publish", never)
    await pub.event("publish", never)
    assert draft.count("unpublish", never) == pub.count("unpublish", never) == 0


async def test_conditions_and_filters_apply_to_the_version_followed(server: ChatServer, connect: Connect) -> None:
    """Catches conditions or filters checked on the other version's row (a draft and its published
    version have different rows and may differ in what a condition looks at)."""
    writer = await server.api_token("full-access")
    scoped = await user_with_role(server, "scoped")
    reader = await user_with_role(server, "reader")
    pub = await subscribe(server, connect, scoped, None)
    draft = await subscribe(server, connect, scoped, "draft")
    filtered = await subscribe(server, connect, reader, None, filters={"title": {"$startsWith": "Open"}})
    watchers = [pub, filtered]

    # published "Open", then the draft becomes "Closed": published subscribers hear nothing of the
    # draft, the scoped draft subscriber may not read it
    doc = (await write(server, writer, "POST", "", {"title": unique("Open ")}))["documentId"]
    for sub in watchers:
        assert await sub.event("publish", doc) == await sub.rest(server, doc)
    await draft.event("create", doc)
    await draft.event("publish", doc)
    open_version = await pub.rest(server, doc)
    await write(server, writer, "PUT", f"/{doc}", {"title": unique("Closed ")}, "?status=draft")
    # unpublish: the published row was "Open" (its draft is "Closed"): published subscribers get it
    await act(server, writer, "unpublish", doc)
    for sub in watchers:
        assert await sub.event("unpublish", doc) == open_version
    # publishing the "Closed" draft: nobody of these may read (or wants) the published version now
    await act(server, writer, "publish", doc)
    await write(server, writer, "DELETE", f"/{doc}")
    marker = (await write(server, writer, "POST", "", {"title": unique("Open ")}))["documentId"]
    for sub in [*watchers, draft]:
        await sub.event("publish", marker)  # each socket was alive all along
    await quiet(0.2)
    for sub in watchers:
        assert sub.counts(doc) == {"create": 0, "update": 0, "delete": 0, "publish": 1, "unpublish": 1}
    assert draft.counts(doc) == {"create": 1, "update": 0, "delete": 0, "publish": 1, "unpublish": 0}

    # the other way round: published "Closed", draft "Open": only the draft subscriber hears
    other = (await write(server, writer, "POST", "", {"title": unique("Closed ")}))["documentId"]
    await write(server, writer, "PUT", f"/{other}", {"title": unique("Open ")}, "?status=draft")
    event = await draft.event("update", other)
    assert event == await draft.rest(server, other)
    await act(server, writer, "unpublish", other)
    assert await draft.event("unpublish", other) == await draft.rest(server, other)
    before = await draft.rest(server, other)
    await write(server, writer, "DELETE", f"/{other}")
    assert await draft.event("delete", other) == before
    last = (await write(server, writer, "POST", "", {"title": unique("Open ")}))["documentId"]
    for sub in watchers:
        await sub.event("publish", last)
    await quiet(0.2)
    for sub in watchers:
        assert all(not sub.socket.received(f"article:{a}", about(other)) for a in ACTIONS)
    assert draft.counts(other) == {"create": 0, "update": 1, "delete": 1, "publish": 0, "unpublish": 1}


async def test_a_type_without_draft_and_publish_shows_published_related_entries(
        server: ChatServer, connect: Connect) -> None:
    """Catches events of a type without draft & publish that populate both versions of related
    draft & publish documents (REST shows the published ones), or that changed otherwise."""
    writer = await server.api_token("full-access")
    reader = await user_with_role(server, "reader")
    socket = await connect(server, reader.jwt)
    assert (await socket.ok("content:subscribe", {"type": "category", "populate": ["articles"]}))["events"] == [
        "category:create", "category:update", "category:delete"]
    plain = await connect(server, reader.jwt)
    await plain.ok("content:subscribe", {"type": "category", "status": "draft"})  # ignored
    category = await write(server, writer, "POST", "", {"name": unique("Cat ")}, plural="categories")
    cat = category["documentId"]
    created = await socket.wait_for("category:create", about(cat))
    assert created == await rest(server, reader, cat, "published", ["articles"], "categories")
    assert created["articles"] == []
    assert await plain.wait_for("category:create", about(cat)) == await rest(server, reader, cat, "published",
                                                                              None, "categories")
    public = (await write(server, writer, "POST", "", {"title": unique("In cat "), "category": cat}))["documentId"]
    await write(server, writer, "POST", "", {"title": unique("Draft in cat "), "category": cat}, "?status=draft")
    await write(server, writer, "PUT", f"/{cat}", {"name": unique("Renamed ")}, plural="categories")
    updated = await socket.wait_for("category:update", about(cat))
    assert updated == await rest(server, reader, cat, "published", ["articles"], "categories")
    assert [(a["documentId"], a["publishedAt"] is not None) for a in updated["articles"]] == [(public, True)]
    await plain.wait_for("category:update", about(cat))
    before = await rest(server, reader, cat, "published", None, "categories")
    await write(server, writer, "DELETE", f"/{cat}", plural="categories")
    assert await plain.wait_for("category:delete", about(cat)) == before
    assert await socket.wait_for("category:delete", about(cat)) == updated
    assert set(socket.events) == set(plain.events) == {"category:create", "category:update", "category:delete"}
