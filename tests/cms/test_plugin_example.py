"""The worked example of docs/plugins.md runs: ``docs/examples/tally`` in a real project.

The plugin is copied, as a reader would copy it, to ``plugins/tally/`` of a
chat project whose ``analyst`` role holds ``plugin::tally.read``. Its REST
route, its Socket.IO events and its lifecycle subscriber are exercised from
the outside, by anonymous callers, a user without the grant and an analyst.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.plugins.realtime.conftest import ChatServer, Connect, connect, quiet, unique  # noqa: F401 - fixture
from tests.plugins.realtime.plugin_projects import plugin_server, user_with_role

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "tally"
ANALYSTS = '''
[roles.analyst]
name = "Analyst"
description = "Registered users who may read the tallies"
actions = ["plugin::tally.read"]
'''


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatServer]:
    with plugin_server(tmp_path_factory, "tally", EXAMPLE, roles=ANALYSTS) as running:
        yield running


def test_the_doc_shows_the_example_that_runs() -> None:
    """Code the doc quotes (blocks after a ``verbatim`` marker) is the example's, as it is."""
    doc = (EXAMPLE.parents[1] / "plugins.md").read_text()
    source = (EXAMPLE / "__init__.py").read_text()
    assert "docs/examples/tally/__init__.py" in doc and "tests/cms/test_plugin_example.py" in doc
    quoted = re.findall(r"<!-- verbatim: docs/examples/tally/__init__.py -->\n```python\n(.*?)```", doc, re.S)
    assert len(quoted) >= 3
    for block in quoted:
        assert block in source, f"docs/plugins.md quotes code that is not in the example:\n{block}"


async def test_the_route_answers_as_every_route_does(server: ChatServer) -> None:
    room = unique("room")
    analyst = await user_with_role(server, "analyst")
    member = await server.register()

    anonymous = await server.http("GET", f"/api/tally/{room}")
    ungranted = await server.http("GET", f"/api/tally/{room}", member.jwt)
    granted = await server.http("GET", f"/api/tally/{room}", analyst.jwt)

    assert (anonymous.status_code, anonymous.json()["error"]["name"]) == (403, "ForbiddenError")
    assert (ungranted.status_code, ungranted.json()["error"]["name"]) == (403, "ForbiddenError")
    assert (granted.status_code, granted.json()) == (200, {"data": {"room": room, "messages": 0}})
    operation = (await server.http("GET", "/api/openapi.json")).json()["paths"]["/api/tally/{room}"]["get"]
    assert operation["operationId"] == "tally.read"


async def test_socket_events_know_the_caller(server: ChatServer, connect: Connect) -> None:
    room = unique("room")
    analyst = await connect(server, (await user_with_role(server, "analyst")).jwt)
    member = await connect(server, (await server.register()).jwt)
    anonymous = await connect(server)

    assert await anonymous.refused("tally:count", {"room": room}) == "forbidden"
    assert await member.refused("tally:count", {"room": room}) == "forbidden"
    assert await member.refused("tally:watch", {}) == "forbidden"
    assert await analyst.ok("tally:count", {"room": room}) == {"room": room, "messages": 0}
    assert await analyst.refused("tally:count", {"room": ""}) == "ValidationError"


async def test_every_stored_message_updates_the_watchers(server: ChatServer, connect: Connect) -> None:
    room = unique("room")
    analyst_user = await user_with_role(server, "analyst")
    analyst = await connect(server, analyst_user.jwt)
    bystander = await connect(server, (await server.register()).jwt)
    author = await server.register()
    chatter = await connect(server, author.jwt)
    assert await analyst.ok("tally:watch", {}) == {"watching": True}

    await chatter.ok("chat:join", {"room": room})
    await chatter.ok("chat:send", {"room": room, "text": "one"})  # stored by the chat
    assert await analyst.wait_for("tally:update", lambda u: u["room"] == room) == {"room": room, "messages": 1}
    posted = await server.http("POST", "/api/messages", author.jwt,
                               json={"data": {"text": "two", "room": room, "sender": author.id}})
    assert posted.status_code == 201, posted.text  # stored over REST: the same hook
    await analyst.wait_for("tally:update", lambda u: u == {"room": room, "messages": 2})

    await quiet()
    assert bystander.received("tally:update") == []  # it never asked to watch (nor could it)
    counted = await server.http("GET", f"/api/tally/{room}", analyst_user.jwt)
    assert counted.json() == {"data": {"room": room, "messages": 2}}
