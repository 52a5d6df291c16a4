"""Live content events of localized types follow one locale (issue 16, item 11).

The project holds tests/projects/i18n's types (``article``: localized, draft &
publish; ``category``: localized, no draft & publish; ``tag``; ``homepage``)
and its locales (en default, fr, de), with users_permissions and realtime. A
socket subscribes with ``locale`` (the default locale unless told; an unknown
one is refused with REST's message) and gets events of that locale's versions
only, each equal to REST's GET of that version. Every wait for nothing is
followed by an event that must arrive on the same socket.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.project import make_project
from tests.plugins.realtime.conftest import ChatServer, Connect, quiet, serving_chat, unique
from tests.plugins.realtime.plugin_projects import user_with_role

PROJECT = Path(__file__).resolve().parents[2] / "projects" / "i18n"
READS = ", ".join(f'"api::{t}.{t}.{a}"' for t in ("article", "category", "tag") for a in ("find", "findOne"))
ROLES = f"""
[roles.reader]
name = "Reader"
description = "reads every locale"
actions = [{READS}, "plugin::realtime.subscribe"]
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatServer]:
    plugins = "[users_permissions]\nrate_limit_enabled = false\n\n[realtime]\n\n" + \
        (PROJECT / "config" / "plugins.toml").read_text()
    root = make_project(tmp_path_factory.mktemp("i18n-events"), plugins_toml=plugins)
    shutil.copytree(PROJECT / "content_types", root / "content_types", dirs_exist_ok=True)
    grants = root / "config" / "permissions.toml"
    grants.write_text(grants.read_text() + ROLES)
    with serving_chat(root) as running:
        yield running


async def write(server: ChatServer, token: str, method: str, path: str, data: dict[str, Any] | None = None,
                **params: str) -> dict[str, Any]:
    answer = await server.http(method, f"/api/{path}", token, params=list(params.items()),
                               json={"data": data} if data is not None else None)
    assert answer.status_code in (200, 201, 204), answer.text
    return answer.json()["data"] if answer.status_code != 204 else {}


async def read(server: ChatServer, token: str, path: str, **params: str) -> dict[str, Any]:
    answer = await server.http("GET", f"/api/{path}", token, params=list(params.items()))
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def about(document_id: str, locale: str) -> Any:
    return lambda event: event.get("documentId") == document_id and event.get("locale") == locale


async def test_subscribing_takes_a_locale_on_localized_types(server: ChatServer, connect: Connect) -> None:
    reader = await user_with_role(server, "reader")
    socket = await connect(server, reader.jwt)
    assert await socket.ok("content:subscribe", {"type": "article"}) == {
        "type": "api::article.article", "status": "published", "locale": "en",
        "events": ["article:publish", "article:unpublish", "article:delete"]}
    assert await socket.ok("content:subscribe", {"type": "category", "locale": "fr"}) == {
        "type": "api::category.category", "locale": "fr",
        "events": ["category:create", "category:update", "category:delete"]}
    refused = await socket.call("content:subscribe", {"type": "article", "locale": "xx"})
    assert refused == {"ok": False, "error": {"name": "invalid_locale", "message": "This locale doesn't exist"}}
    # a type that is not localized ignores it, as REST does
    assert await socket.ok("content:subscribe", {"type": "tag", "locale": "xx"}) == {
        "type": "api::tag.tag", "events": ["tag:create", "tag:update", "tag:delete"]}


async def test_events_reach_the_subscribers_of_their_locale_only(server: ChatServer, connect: Connect) -> None:
    """Catches events of one locale reaching another locale's subscribers, and payloads that are
    not the version of the subscriber's locale."""
    writer = await server.api_token("full-access")
    reader = await user_with_role(server, "reader")
    english = await connect(server, reader.jwt)
    await english.ok("content:subscribe", {"type": "article", "populate": {"category": True}})
    french = await connect(server, reader.jwt)
    await french.ok("content:subscribe", {"type": "article", "locale": "fr", "populate": {"category": True}})
    french_drafts = await connect(server, reader.jwt)
    await french_drafts.ok("content:subscribe", {"type": "article", "locale": "fr", "status": "draft"})

    category = await write(server, writer, "POST", "categories", {"name": unique("Topic ")})
    await write(server, writer, "PUT", f"categories/{category['documentId']}", {"name": unique("Sujet ")}, locale="fr")
    doc = (await write(server, writer, "POST", "articles", {"title": unique("Hello "), "sku": unique("E-"),
                                                            "category": category["documentId"]}))["documentId"]
    published_en = await english.wait_for("article:publish", about(doc, "en"))
    assert published_en == await read(server, reader.jwt, f"articles/{doc}", **{"populate[0]": "category"})

    # a French draft: only the French draft subscriber hears of it
    await write(server, writer, "PUT", f"articles/{doc}", {"title": "Brouillon", "category": category["documentId"]},
                locale="fr", status="draft")
    created = await french_drafts.wait_for("article:update", about(doc, "fr"))
    assert created == await read(server, reader.jwt, f"articles/{doc}", locale="fr", status="draft")
    # publishing it: the French subscriber gets the French version, with the French category
    await write(server, writer, "PUT", f"articles/{doc}", {"title": "Bonjour"}, locale="fr")
    published_fr = await french.wait_for("article:publish", about(doc, "fr"))
    assert published_fr == await read(server, reader.jwt, f"articles/{doc}", locale="fr", **{"populate[0]": "category"})
    assert published_fr["category"]["locale"] == "fr"
    # deleting the French versions: French subscribers only
    await write(server, writer, "DELETE", f"articles/{doc}", locale="fr")
    await french.wait_for("article:delete", about(doc, "fr"))
    await french_drafts.wait_for("article:delete", about(doc, "fr"))
    # the English subscriber heard nothing in French; an English change proves it is alive
    await write(server, writer, "PUT", f"articles/{doc}", {"title": "Hello again"})
    await english.wait_for("article:publish", lambda e: e.get("title") == "Hello again")
    await quiet(0.2)
    assert [e.get("locale") for e in english.received("article:publish")
            + english.received("article:delete")] == ["en", "en"]
    assert all(e.get("locale") == "fr" for e in french.received("article:publish") + french.received("article:delete"))
    assert len(french.received("article:publish", about(doc, "fr"))) == 1
