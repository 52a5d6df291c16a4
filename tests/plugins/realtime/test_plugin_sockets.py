"""Socket handlers of other plugins know the caller and refuse as REST refuses.

A probe plugin registers its events with ``app.service("realtime").on`` and
asks ``caller``, ``user`` and ``require``. Each caller (anonymous, a user
without the grant, a user with it, API tokens) is a row of one table: the
socket's answer must mean what the REST route's status means for the same
caller (200 ↔ data, 403 ↔ ``forbidden``, 401 ↔ ``unauthorized``). A second
project, whose Public role has no grant at all, shows REST's 401 rule.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.plugins.realtime.conftest import ChatServer, Client, Connect, chat_server, unique
from tests.plugins.realtime.plugin_projects import created_user, plugin_server, user_with_role

PROBE = '''
from sanic.response import json

from cms.documents import DocumentService
from cms.plugins import Plugin
from cms.query.ast import Query

SECRET = "plugin::probe.secret"


class Probe(Plugin):
    def register(self, app):
        self.app = app
        app.add_actions([SECRET])
        app.add_route(self.rest_secret, "/api/probe/secret")

    async def rest_secret(self, request):
        await self.app.authorizer(request, SECRET, None)
        return json({"data": "the secret"})

    async def bootstrap(self, app):
        rt = self.rt = app.service("realtime")
        rt.on("probe:secret", self.secret, action=SECRET)

        @rt.on("probe:whoami", user=True)
        async def whoami(sid, data):
            return {"kind": rt.caller(sid).kind, "username": rt.user(sid)["username"]}

        rt.on("probe:caller", self.caller)
        rt.on("probe:messages", self.messages)
        rt.on("probe:fail", self.fail)
        rt.on("probe:crash", self.crash)
        self.refused = []
        for name in ("connect", "disconnect", "*", "chat:send", "sendMessage", "probe:secret", ""):
            try:
                rt.on(name, self.caller)
            except ValueError:
                self.refused.append(name)
        rt.on("probe:refused", self.refused_names)

    async def secret(self, sid, data):
        return "the secret"

    async def caller(self, sid, data):
        user = self.rt.user(sid)
        return {"kind": self.rt.caller(sid).kind, "user": user["id"] if user else None}

    async def messages(self, sid, data):
        access = await self.rt.require(sid, "api::message.message.find")
        found, _ = await DocumentService(self.app, "api::message.message").find_many(Query(fields=("text",)), access)
        return sorted(m["text"] for m in found)

    async def fail(self, sid, data):
        raise self.rt.Error("no_probe", "Nothing to probe here")

    async def crash(self, sid, data):
        raise RuntimeError("a bug in the probe")

    async def refused_names(self, sid, data):
        return self.refused


plugin = Probe()
'''
PROBERS = '''
[roles.prober]
name = "Prober"
description = "May read the probe's secret"
actions = ["plugin::probe.secret"]
'''


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatServer]:
    with plugin_server(tmp_path_factory, "probe", PROBE, roles=PROBERS) as running:
        yield running


async def answer(socket: Client, event: str, data: object = None) -> str:
    """``ok`` or the error's name, as the REST status would be read."""
    reply = await socket.call(event, data if data is not None else {})
    assert isinstance(reply, dict) and set(reply) in ({"ok", "data"}, {"ok", "error"}), reply
    return "ok" if reply["ok"] else str(reply["error"]["name"])


REST_MEANS = {200: "ok", 401: "unauthorized", 403: "forbidden"}


@pytest.mark.parametrize(("caller", "expected"), [
    ("anonymous", "forbidden"),        # the Public role has grants, so REST says 403
    ("ungranted user", "forbidden"),
    ("granted user", "ok"),
    ("read-only token", "forbidden"),  # a plugin action is no find
    ("full-access token", "ok"),
])
async def test_a_plugin_event_refuses_exactly_as_its_rest_route(
        server: ChatServer, connect: Connect, caller: str, expected: str) -> None:
    token: str | None = None
    if caller == "ungranted user":
        token = (await server.register()).jwt
    elif caller == "granted user":
        token = (await user_with_role(server, "prober")).jwt
    elif caller.endswith("token"):
        token = await server.api_token(caller.removesuffix(" token"))
    socket = await connect(server, token)

    rest = await server.http("GET", "/api/probe/secret", token)

    assert REST_MEANS[rest.status_code] == expected
    assert await answer(socket, "probe:secret") == expected
    if expected == "ok":
        assert await socket.ok("probe:secret", {}) == "the secret"
    else:
        reply = await socket.call("probe:secret", {})
        assert "the secret" not in repr(reply) and reply["error"]["message"]


async def test_the_handler_learns_who_calls(server: ChatServer, connect: Connect) -> None:
    member = await server.register()
    as_member = await connect(server, member.jwt)
    anonymous = await connect(server)
    robot = await connect(server, await server.api_token("full-access"))

    assert await as_member.ok("probe:caller") == {"kind": "user", "user": member.id}
    assert await anonymous.ok("probe:caller") == {"kind": "public", "user": None}
    assert await robot.ok("probe:caller") == {"kind": "token", "user": None}
    # user=True: only registered users reach the handler, whatever their grants
    assert await as_member.ok("probe:whoami") == {"kind": "user", "username": member.username}
    assert await answer(anonymous, "probe:whoami") == "unauthorized"
    assert await answer(robot, "probe:whoami") == "unauthorized"


async def test_require_carries_the_grant_condition(server: ChatServer, connect: Connect) -> None:
    """``require`` of a content type's action narrows reads as REST's find does (here: messages
    you sent or received), so a handler cannot show what the REST route would not."""
    alice, bob, eve = await server.users(3)
    secret = unique("dm")
    sender = await connect(server, alice.jwt)
    await sender.ok("chat:send", {"to": bob.id, "text": secret})

    assert secret in await (await connect(server, bob.jwt)).ok("probe:messages")
    assert secret not in await (await connect(server, eve.jwt)).ok("probe:messages")
    assert await answer(await connect(server), "probe:messages") == "forbidden"


async def test_errors_and_registration_rules(server: ChatServer, connect: Connect) -> None:
    socket = await connect(server, (await server.register()).jwt)

    reply = await socket.call("probe:fail", {})
    assert reply == {"ok": False, "error": {"name": "no_probe", "message": "Nothing to probe here"}}
    assert await answer(socket, "probe:crash") == "server_error"
    assert await socket.ok("probe:caller") is not None  # the socket and the handler live on
    # the chat's events and python-socketio's own names cannot be taken over, nor an event twice
    assert await socket.ok("probe:refused") == ["connect", "disconnect", "*", "chat:send", "sendMessage",
                                                "probe:secret", ""]
    assert (await socket.ok("chat:join", {"room": unique("r")}))["missed"] is None
    assert "event probe:crash failed" in server.server.log()  # logged with its traceback


@pytest.fixture(scope="module")
def closed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatServer]:
    """A project whose Public role has no grant at all."""
    with plugin_server(tmp_path_factory, "probe", PROBE, roles=PROBERS, public_actions=[]) as running:
        yield running


async def test_without_any_public_grant_anonymous_callers_are_unauthorized(
        closed_server: ChatServer, connect: Connect) -> None:
    anonymous = await connect(closed_server)
    member = await connect(closed_server, (await created_user(closed_server)).jwt)

    assert (await closed_server.http("GET", "/api/probe/secret")).status_code == 401
    assert await answer(anonymous, "probe:secret") == "unauthorized"
    assert await answer(anonymous, "probe:messages") == "unauthorized"
    assert await answer(member, "probe:secret") == "forbidden"
    # the chat's own subscription grant is judged by the same rule
    assert await answer(anonymous, "content:subscribe", {"type": "message"}) == "unauthorized"


@pytest.fixture(scope="module")
def chat(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatServer]:
    with chat_server(tmp_path_factory, name="plain") as running:
        yield running


async def test_the_chat_is_judged_as_before(chat: ChatServer, connect: Connect) -> None:
    """The built-in events went through the same helper: same names, same order of checks."""
    anonymous = await connect(chat)
    robot = await connect(chat, await chat.api_token("read-only"))
    assert await answer(anonymous, "chat:join", {"room": "r"}) == "unauthorized"
    assert await answer(robot, "chat:join", {"room": "r"}) == "unauthorized"
    assert await answer(anonymous, "content:subscribe", {"type": "message"}) == "forbidden"
    assert await answer(robot, "content:subscribe", {"type": "message"}) == "ok"
    assert await anonymous.call("join", {"username": "nobody", "room": "r"}) == \
        "Please log in as nobody before joining a room."
    assert await answer(anonymous, "probe:secret") == "unknown_event"
