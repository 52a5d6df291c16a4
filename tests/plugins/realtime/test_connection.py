"""Who a socket is: the handshake's token, anonymous sockets, private rooms, revocation.

A socket authenticates once, at the handshake, with ``auth: {token}`` (a JWT
from /api/auth/local or an API token). A refused handshake reaches the
client as ``connect_error`` with the reason. Every socket of a registered
user is in that user's private room; blocking or deleting the user
disconnects all of them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator

import httpx
import pytest

from tests.plugins.realtime.conftest import (
    PASSWORD, ChatServer, Connect, chat_server, quiet, refused_connection,
)


ONLY_USERS = {"ok": False, "error": {"name": "unauthorized", "message": "Only registered users can chat: log in first"}}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatServer]:
    with chat_server(tmp_path_factory, name="connection") as running:
        yield running


# -- the handshake ------------------------------------------------------------------------------

async def test_a_jwt_from_registration_or_login_authenticates_the_socket(server: ChatServer, connect: Connect) -> None:
    alice, bob = await server.users(2)
    login = await server.http("POST", "/api/auth/local", json={"identifier": alice.username, "password": PASSWORD})
    with_login_jwt = await connect(server, login.json()["jwt"])
    with_register_jwt = await connect(server, bob.jwt)

    assert (await with_login_jwt.ok("chat:join", {"room": "handshake"}))["room"] == "handshake"
    await with_register_jwt.ok("chat:join", {"room": "handshake"})
    sent = await with_login_jwt.ok("chat:send", {"room": "handshake", "text": "hi"})
    assert sent["sender"]["id"] == alice.id
    await with_register_jwt.wait_for("chat:message", lambda m: m["id"] == sent["id"])


async def test_a_refused_handshake_tells_the_client_why(server: ChatServer) -> None:
    user = await server.register()
    assert await refused_connection(server.url, {"token": "not-a-token"}) == "Missing or invalid credentials"
    assert await refused_connection(server.url, {"token": "a.b.c"}) == "Missing or invalid credentials"
    assert await refused_connection(server.url, {"token": user.jwt[:-4] + "AAAA"}) == "Missing or invalid credentials"
    assert await refused_connection(server.url, {"token": server.expired_jwt(user)}) == "Token expired"
    for bad in ("", 42, ["x"], {"$ne": 1}):
        assert await refused_connection(server.url, {"token": bad}) == "The token must be a non-empty string"


async def test_an_api_token_authenticates_but_is_nobody_who_could_chat(server: ChatServer, connect: Connect) -> None:
    """Catches an API-token socket refused for another reason than being nobody who can chat."""
    read_only = await connect(server, await server.api_token("read-only"))
    assert await read_only.call("chat:join", {"room": "bots"}) == ONLY_USERS
    assert await read_only.call("chat:send", {"room": "bots", "text": "beep"}) == ONLY_USERS
    # it may do what its type allows: read-only tokens may read messages
    assert (await read_only.ok("content:subscribe", {"type": "message"}))["type"] == "api::message.message"

    expired = await server.api_token("full-access", expires_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1))
    assert await refused_connection(server.url, {"token": expired}) == "Token expired"


async def test_a_socket_without_a_token_is_anonymous_and_can_neither_join_nor_send(server: ChatServer, connect: Connect) -> None:
    """Catches an anonymous socket refused for another reason than being anonymous, or whose refused
    messages still reach the room or the recipient (checked after a message that does reach them)."""
    member, speaker = await server.users(2)
    listener = await connect(server, member.jwt)
    await listener.ok("chat:join", {"room": "open"})
    for auth in ({}, None, "token", {"other": 1}):
        anonymous = await connect(server, auth=auth)
        assert await anonymous.call("chat:join", {"room": "open"}) == ONLY_USERS
        assert await anonymous.call("chat:send", {"room": "open", "text": "let me in"}) == ONLY_USERS
        assert await anonymous.call("chat:send", {"to": member.id, "text": "psst"}) == ONLY_USERS
        assert await anonymous.call("chat:history", {"room": "open"}) == ONLY_USERS
        assert await anonymous.call("presence:set", {"status": "away"}) == ONLY_USERS
        assert await anonymous.call("join", {"username": member.username, "room": "open"}) == \
            f"Please log in as {member.username} before joining a room."
        assert await anonymous.call("sendMessage", {"userId": 1, "message": "hi"}) == \
            "Please log in and join a room again."
    await quiet()
    assert listener.received("chat:message") == []
    assert await server.messages("text IN ($1, $2)", "let me in", "psst") == []
    # positive control: a registered user's messages, to the room and directly, reach the listener
    registered = await connect(server, speaker.jwt)
    await registered.ok("chat:join", {"room": "open"})
    in_room = await registered.ok("chat:send", {"room": "open", "text": "a member speaks"})
    direct = await registered.ok("chat:send", {"to": member.id, "text": "a member whispers"})
    await listener.wait_for("chat:message", lambda m: m["id"] == direct["id"])
    assert [m["id"] for m in listener.received("chat:message")] == [in_room["id"], direct["id"]]


# -- private rooms --------------------------------------------------------------------------------

async def test_every_socket_of_a_user_is_in_its_private_room(server: ChatServer, connect: Connect) -> None:
    alice, bob = await server.users(2)
    phone, laptop = await connect(server, bob.jwt), await connect(server, bob.jwt)
    sender = await connect(server, alice.jwt)

    sent = await sender.ok("chat:send", {"to": bob.id, "text": "to all of bob's devices"})
    for socket in (phone, laptop, sender):
        assert (await socket.wait_for("chat:message", lambda m: m["id"] == sent["id"]))["recipient"]["id"] == bob.id


# -- revocation -------------------------------------------------------------------------------------

async def test_blocking_a_connected_user_disconnects_every_socket(server: ChatServer, connect: Connect) -> None:
    admin = await server.api_token("full-access")
    user, other = await server.users(2)
    first, second = await connect(server, user.jwt), await connect(server, user.jwt)
    bystander = await connect(server, other.jwt)

    response = await server.http("PUT", f"/api/users/{user.id}", admin, json={"blocked": True})
    assert response.status_code == 200, response.text
    await asyncio.wait_for(asyncio.gather(first.disconnected.wait(), second.disconnected.wait()), 5)
    assert await refused_connection(server.url, {"token": user.jwt}) == "Invalid credentials"
    assert not bystander.disconnected.is_set()
    await bystander.ok("chat:send", {"to": other.id, "text": "still connected"})


async def test_updating_a_user_without_blocking_keeps_the_sockets(server: ChatServer, connect: Connect) -> None:
    admin = await server.api_token("full-access")
    user = await server.register()
    socket = await connect(server, user.jwt)
    response = await server.http("PUT", f"/api/users/{user.id}", admin, json={"confirmed": True})
    assert response.status_code == 200, response.text
    await quiet()
    assert not socket.disconnected.is_set()
    await socket.ok("chat:join", {"room": "kept"})


async def test_deleting_a_connected_user_disconnects_every_socket(server: ChatServer, connect: Connect) -> None:
    admin = await server.api_token("full-access")
    user, other = await server.users(2)
    first, second = await connect(server, user.jwt), await connect(server, user.jwt)
    await first.ok("chat:join", {"room": "doomed"})

    response = await server.http("DELETE", f"/api/users/{user.id}", admin)
    assert response.status_code == 200, response.text
    await asyncio.wait_for(asyncio.gather(first.disconnected.wait(), second.disconnected.wait()), 5)
    assert await refused_connection(server.url, {"token": user.jwt}) == "Invalid credentials"
    # and it is not left behind as present in its rooms
    presence = await server.http("GET", "/api/chat-users", other.jwt, params={"filters[username][$eq]": user.username})
    assert presence.status_code == 200 and presence.json()["data"] == []


# -- transport ---------------------------------------------------------------------------------------

async def test_browsers_on_another_origin_may_connect_by_polling(server: ChatServer) -> None:
    """The Ayna frontend runs on its own origin and starts with HTTP long-polling."""
    async with httpx.AsyncClient(base_url=server.url) as client:
        response = await client.get("/socket.io/", params={"EIO": "4", "transport": "polling"},
                                    headers={"Origin": "http://localhost:3000"})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] in ("*", "http://localhost:3000")
    assert response.text.startswith('0{"sid":')


async def test_clients_cannot_fake_the_reserved_connect_and_disconnect_events(server: ChatServer, connect: Connect) -> None:
    """python-socketio hands client events named "connect"/"disconnect" to those handlers; they must refuse them.
    Catches a forged event that is run, or refused with another error than an unknown event."""
    user, watcher = await server.users(2)
    socket = await connect(server, user.jwt)
    await socket.ok("chat:join", {"room": "forgery"})
    observer = await connect(server, watcher.jwt)
    await observer.ok("chat:join", {"room": "forgery"})

    for event, data in (("disconnect", "transport close"), ("connect", {}), ("connect", {"HTTP_ORIGIN": "x"})):
        assert await socket.call(event, data) == \
            {"ok": False, "error": {"name": "unknown_event", "message": f"Unknown event {event!r}"}}
    # still the same authenticated socket, in its rooms, and nobody was told it went offline
    sent = await socket.ok("chat:send", {"room": "forgery", "text": "still me"})
    assert sent["sender"]["id"] == user.id
    await observer.wait_for("chat:message", lambda m: m["id"] == sent["id"])
    assert observer.received("presence", lambda p: p["user"]["id"] == user.id) == []
