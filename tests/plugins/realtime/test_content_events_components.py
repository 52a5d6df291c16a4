"""Content events of a type with components and dynamic zones carry what REST shows (issue 15).

The project is tests/projects/components (Strapi's blog article: an ``seo``
component with media inside, a repeatable ``faqs``, a ``blocks`` dynamic zone
whose ``shared.related-article`` holds a relation) with a private field added
to the article and to each component, users_permissions, upload and realtime.
A socket subscribes with ``populate`` (REST's, as JSON) and every
``article:create|update|delete`` it gets must equal what
``GET /api/articles/<documentId>?populate=...`` answers the same caller
(for a delete: answered just before it), whoever wrote the entry and
whatever the writer asked to be populated. Private values never appear.
"""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.helpers.project import make_project
from tests.plugins.realtime.conftest import ChatServer, Client, Connect, User, populate_params, quiet, serving_chat, unique
from tests.plugins.realtime.plugin_projects import user_with_role

PROJECT = Path(__file__).resolve().parents[2] / "projects" / "components"

#: private attribute added to each schema → a value that must never leave the server
PRIVATE = {
    "content_types/article/schema.json": "editorNote",
    "components/shared/seo.json": "internalNote",
    "components/shared/faq.json": "reviewer",
    "components/shared/quote.json": "source",
}
SECRET = "SECRET-" + "q" * 12

ROLES = """
[roles.reader]
name = "Reader"
description = "reads articles and files"
actions = ["api::article.article.find", "api::article.article.findOne", "plugin::upload.content-api.find",
           "plugin::upload.content-api.findOne", "plugin::realtime.subscribe"]

[roles.textonly]
name = "Text only"
description = "reads articles, not files"
actions = ["api::article.article.find", "api::article.article.findOne", "plugin::realtime.subscribe"]

[roles.blind]
name = "Blind"
description = "may subscribe, reads no articles"
actions = ["plugin::realtime.subscribe"]

[roles.scoped]
name = "Scoped"
description = "reads open articles only"
actions = ["plugin::upload.content-api.find", "plugin::upload.content-api.findOne", "plugin::realtime.subscribe"]

[[roles.scoped.grants]]
action = "api::article.article.find"
condition = { title = { "$startsWith" = "Open" } }

[[roles.scoped.grants]]
action = "api::article.article.findOne"
condition = { title = { "$startsWith" = "Open" } }
"""

#: populate as a subscriber sends it (JSON) — REST gets the same as a query string (:func:`query_string`)
POPULATES: list[Any] = [
    None,
    "*",
    "seo,faqs",
    ["seo", "faqs", "blocks"],
    ["seo.shareImage", "faqs"],
    {"seo": {"populate": ["shareImage"], "fields": ["metaTitle"]}, "faqs": True, "cover": True,
     "blocks": {"on": {"shared.quote": {"fields": ["title"]}, "shared.rich-text": True,
                       "shared.related-article": {"populate": {"article": {"fields": ["title"],
                                                                           "populate": ["seo"]}}}}}},
    {"blocks": {"populate": "*"}, "seo": "*"},
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatServer]:
    plugins = "[users_permissions]\nrate_limit_enabled = false\n\n[upload]\n\n[realtime]\n"
    root = make_project(tmp_path_factory.mktemp("components-events"), plugins_toml=plugins)
    shutil.copytree(PROJECT / "components", root / "components")
    shutil.copytree(PROJECT / "content_types" / "article", root / "content_types" / "article")
    for path, name in PRIVATE.items():
        schema = json.loads((root / path).read_text())
        schema["attributes"][name] = {"type": "string", "private": True}
        (root / path).write_text(json.dumps(schema, indent=2))
    grants = root / "config" / "permissions.toml"
    grants.write_text(grants.read_text() + ROLES)
    with serving_chat(root) as running:
        yield running


# -- helpers ---------------------------------------------------------------------------------


async def rest(server: ChatServer, user: User, document_id: str, populate: Any) -> dict[str, Any]:
    answer = await server.http("GET", f"/api/articles/{document_id}", user.jwt, params=populate_params(populate))
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


async def image(server: ChatServer, token: str) -> dict[str, Any]:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buffer, "PNG")
    answer = await server.http("POST", "/api/upload", token,
                               files={"files": (f"{unique('share')}.png", buffer.getvalue(), "image/png")})
    assert answer.status_code == 201, answer.text
    return answer.json()[0]


async def write(server: ChatServer, token: str, method: str, path: str, data: dict[str, Any] | None = None,
                query: str = "") -> dict[str, Any]:
    answer = await server.http(method, f"/api/articles{path}{query}", token,
                               json={"data": data} if data is not None else None)
    assert answer.status_code in (200, 201, 204), answer.text
    return answer.json()["data"] if answer.status_code != 204 else {}


def article(title: str, picture: dict[str, Any], target: str | None = None) -> dict[str, Any]:
    """An article with every kind of component value, and a private value in each place."""
    blocks: list[dict[str, Any]] = [
        {"__component": "shared.quote", "title": "Quoted", "body": "Said once", "source": SECRET},
        {"__component": "shared.rich-text", "body": "# Heading"},
    ]
    if target is not None:
        blocks.append({"__component": "shared.related-article", "label": "See also", "article": target})
    return {
        "title": title, "description": "About components", "editorNote": SECRET, "cover": picture["id"],
        "seo": {"metaTitle": f"Meta {title}", "metaDescription": "Described", "shareImage": picture["id"],
                "internalNote": SECRET},
        "faqs": [{"question": "Why?", "answer": "Because", "reviewer": SECRET}, {"question": "How?"}],
        "blocks": blocks,
    }


def keys(value: Any) -> set[str]:
    """Every key at any depth of a JSON value."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys(v)}
    return set()


def assert_nothing_private(event: Any) -> None:
    assert SECRET not in json.dumps(event), event
    assert not keys(event) & set(PRIVATE.values()), event


async def subscribers(server: ChatServer, connect: Connect, user: User,
                      populates: list[Any] = POPULATES) -> list[tuple[Any, Client]]:
    """One socket of ``user`` per populate, each subscribed to articles with it."""
    sockets = []
    for populate in populates:
        socket = await connect(server, user.jwt)
        subscription = {"type": "article"} if populate is None else {"type": "article", "populate": populate}
        assert (await socket.ok("content:subscribe", subscription))["events"] == [
            "article:create", "article:update", "article:delete"]
        sockets.append((populate, socket))
    return sockets


def about(document_id: str) -> Any:
    return lambda event: event.get("documentId") == document_id


# -- tests -----------------------------------------------------------------------------------


async def test_events_equal_rest_for_every_populate_on_create_update_and_delete(
        server: ChatServer, connect: Connect) -> None:
    """Catches events that show components REST would not (the writer's populate), leave out or shape
    differently what the subscriber's populate asks for, or carry private values from inside components."""
    writer = await server.api_token("full-access")
    reader = await user_with_role(server, "reader")
    picture = await image(server, writer)
    target = await write(server, writer, "POST", "", article(unique("Target "), picture))
    sockets = await subscribers(server, connect, reader)

    # the writer populates everything: no subscriber may see more than its own populate asks for
    created = await write(server, writer, "POST", "", article(unique("Post "), picture, target["documentId"]),
                          "?populate=*")
    doc_id = created["documentId"]
    stored = await server.rows("SELECT seo, faqs, blocks, editor_note FROM articles WHERE document_id = $1", doc_id)
    assert SECRET in json.dumps(stored, default=str)  # the private values are there to leak
    for populate, socket in sockets:
        event = await socket.wait_for("article:create", about(doc_id))
        assert event == await rest(server, reader, doc_id, populate), populate
        assert_nothing_private(event)
    plain = sockets[0][1].received("article:create", about(doc_id))[0]
    assert not {"seo", "faqs", "blocks", "cover"} & set(plain)  # as REST without populate
    deep = sockets[1][1].received("article:create", about(doc_id))[0]
    assert set(deep["seo"]) == {"id", "metaTitle", "metaDescription"}  # "*" is one level
    nested = sockets[5][1].received("article:create", about(doc_id))[0]
    assert nested["seo"]["shareImage"]["id"] == picture["id"]
    related = nested["blocks"][2]["article"]  # a relation inside a zone, populated with its own component
    assert set(related) == {"id", "documentId", "title", "seo"} and related["documentId"] == target["documentId"]
    assert related["seo"]["metaTitle"] == f"Meta {target['title']}"

    # an update that changes every component (and asks for its own fields only)
    change = {"seo": {"metaTitle": "Changed", "metaDescription": "Again", "internalNote": SECRET},
              "faqs": [{"question": "Only one?", "reviewer": SECRET}],
              "blocks": [{"__component": "shared.quote", "title": "New quote", "source": SECRET}]}
    await write(server, writer, "PUT", f"/{doc_id}", change, "?fields[0]=title&populate[seo]=true")
    for populate, socket in sockets:
        event = await socket.wait_for("article:update", about(doc_id))
        assert event == await rest(server, reader, doc_id, populate), populate
        assert_nothing_private(event)
    assert sockets[2][1].received("article:update")[0]["faqs"] == [
        {"id": 3, "question": "Only one?", "answer": None}]

    # a delete carries the entry as it was, as REST showed it just before
    before = {json.dumps(populate): await rest(server, reader, doc_id, populate) for populate, _ in sockets}
    await write(server, writer, "DELETE", f"/{doc_id}")
    for populate, socket in sockets:
        event = await socket.wait_for("article:delete", about(doc_id))
        assert event == before[json.dumps(populate)], populate
        assert_nothing_private(event)
    await quiet(0.2)
    for _, socket in sockets:  # exactly one event of each kind for that entry
        for action in ("create", "update", "delete"):
            assert len(socket.received(f"article:{action}", about(doc_id))) == 1


async def test_the_writers_fields_do_not_shape_events(server: ChatServer, connect: Connect) -> None:
    """Catches an event cut down to the fields the writer asked for in its answer."""
    writer = await server.api_token("full-access")
    reader = await user_with_role(server, "reader")
    picture = await image(server, writer)
    [(_, plain), (_, populated)] = await subscribers(server, connect, reader, [None, ["seo", "blocks"]])
    created = await write(server, writer, "POST", "", article(unique("Fields "), picture), "?fields[0]=title")
    assert set(created) == {"id", "documentId", "title"}
    doc_id = created["documentId"]
    for populate, socket in ((None, plain), (["seo", "blocks"], populated)):
        event = await socket.wait_for("article:create", about(doc_id))
        assert event == await rest(server, reader, doc_id, populate)
        assert event["description"] == "About components"
        assert_nothing_private(event)


async def test_a_populate_rest_refuses_is_refused_with_its_message(server: ChatServer, connect: Connect) -> None:
    """Catches a subscription that populates what the caller's REST request may not (files without the
    upload grant, private or unknown keys, options components do not take)."""
    writer = await server.api_token("full-access")
    textonly = await user_with_role(server, "textonly")
    socket = await connect(server, textonly.jwt)
    existing = await write(server, writer, "POST", "", article(unique("Refused "), await image(server, writer)))
    refused: list[Any] = [
        ["seo.shareImage"], {"seo": {"populate": ["shareImage"]}}, "cover", ["seo.internalNote"], "nothing",
        {"seo": {"filters": {"metaTitle": {"$eq": "x"}}}}, {"blocks": {"on": {"shared.faq": True}}}, "blocks.title",
        {"seo": "maybe"}, {"faqs": {"populate": {"question": True}}},
    ]
    for populate in refused:
        answer = await server.http("GET", f"/api/articles/{existing['documentId']}", textonly.jwt,
                                   params=populate_params(populate))
        assert answer.status_code == 400, (populate, answer.text)
        reply = await socket.call("content:subscribe", {"type": "article", "populate": populate})
        assert reply == {"ok": False, "error": {"name": "invalid_populate",
                                                "message": answer.json()["error"]["message"]}}, populate
    for populate in (5, True, [["seo"]], {"seo": None}):  # JSON values no query string can hold
        assert await socket.refused("content:subscribe", {"type": "article", "populate": populate}) == \
            "invalid_populate", populate
    # what it may populate, it gets as REST shows it: "*" leaves the cover out, the seo has no image
    sockets = await subscribers(server, connect, textonly, ["*", ["seo", "faqs", "blocks"]])
    created = await write(server, writer, "POST", "", article(unique("Text "), await image(server, writer)))
    for populate, listener in sockets:
        event = await listener.wait_for("article:create", about(created["documentId"]))
        assert event == await rest(server, textonly, created["documentId"], populate)
        assert "cover" not in event and "shareImage" not in event["seo"]
    await quiet(0.1)
    assert socket.received("article:create") == []  # the refused subscriptions made none


async def test_subscribers_without_read_permission_get_nothing(server: ChatServer, connect: Connect) -> None:
    """Catches populated events sent to callers who may not read the entry: no find grant (refused at
    once, or lost after subscribing), or a condition the entry does not match."""
    writer = await server.api_token("full-access")
    picture = await image(server, writer)
    anonymous = await connect(server)
    assert await anonymous.refused("content:subscribe", {"type": "article", "populate": "*"}) == "forbidden"
    blind = await connect(server, (await user_with_role(server, "blind")).jwt)
    assert await blind.refused("content:subscribe", {"type": "article", "populate": ["seo"]}) == "forbidden"

    reader = await user_with_role(server, "reader")
    losing = await user_with_role(server, "reader")
    scoped = await user_with_role(server, "scoped")
    populate = {"seo": {"populate": ["shareImage"]}, "blocks": True}
    [(_, control)] = await subscribers(server, connect, reader, [populate])
    [(_, demoted)] = await subscribers(server, connect, losing, [populate])
    [(_, narrow)] = await subscribers(server, connect, scoped, [populate])

    closed = await write(server, writer, "POST", "", article(unique("Closed "), picture))
    await control.wait_for("article:create", about(closed["documentId"]))
    await demoted.wait_for("article:create", about(closed["documentId"]))
    opened = await write(server, writer, "POST", "", article(unique("Open "), picture))
    await demoted.wait_for("article:create", about(opened["documentId"]))
    event = await narrow.wait_for("article:create", about(opened["documentId"]))
    assert event == await rest(server, scoped, opened["documentId"], populate)
    assert [e["documentId"] for e in narrow.received("article:create")] == [opened["documentId"]]

    # the second reader's role is changed to one without the article grants: nothing more reaches it
    operator = await server.api_token("full-access")
    roles = (await server.http("GET", "/api/users-permissions/roles", operator)).json()["roles"]
    blind_role = next(role["id"] for role in roles if role["type"] == "blind")
    moved = await server.http("PUT", f"/api/users/{losing.id}", operator, json={"role": blind_role})
    assert moved.status_code == 200, moved.text
    await quiet(0.3)  # the role change reaches every process
    again = await write(server, writer, "POST", "", article(unique("Closed "), picture))
    await control.wait_for("article:create", about(again["documentId"]))
    await write(server, writer, "PUT", f"/{opened['documentId']}", {"seo": {"metaTitle": "Open still",
                                                                           "metaDescription": "x"}})
    await narrow.wait_for("article:update", about(opened["documentId"]))
    await write(server, writer, "DELETE", f"/{again['documentId']}")
    await control.wait_for("article:delete", about(again["documentId"]))
    await quiet()
    assert [e["documentId"] for e in demoted.received("article:create")] == [closed["documentId"],
                                                                            opened["documentId"]]
    assert demoted.received("article:update") == demoted.received("article:delete") == []
    assert [e["documentId"] for e in narrow.received("article:create")] == [opened["documentId"]]
    assert narrow.received("article:delete") == []
