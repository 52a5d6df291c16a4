"""Live content events: ``<singularName>:create|update|delete`` for subscribed sockets.

A socket subscribes to a content type (optionally with REST filters) and
receives an event for every entry written, by REST or by the chat, that its
caller may read under the permissions engine, conditions included, in the
REST document shape with private fields left out.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.plugins.realtime.conftest import ChatServer, Client, Connect, User, chat_server, quiet, unique


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatServer]:
    with chat_server(tmp_path_factory, name="content") as running:
        yield running


async def subscriber(server: ChatServer, connect: Connect, user: User, rooms: tuple[str, ...] = (),
                     **subscription: Any) -> Client:
    socket = await connect(server, user.jwt)
    for room in rooms:
        await socket.ok("chat:join", {"room": room})
    await socket.ok("content:subscribe", {"type": "message", **subscription})
    return socket


async def rest_document(server: ChatServer, user: User, document_id: str) -> dict[str, Any]:
    response = await server.http("GET", f"/api/messages/{document_id}", user.jwt)
    assert response.status_code == 200, response.text
    return response.json()["data"]


async def test_subscribing_names_the_events(server: ChatServer, connect: Connect) -> None:
    socket = await connect(server, (await server.register()).jwt)
    for name in ("message", "messages", "api::message.message"):
        assert await socket.ok("content:subscribe", {"type": name}) == {
            "type": "api::message.message", "events": ["message:create", "message:update", "message:delete"]}
    for bad in ("nothing", "", None, 5, {"$ne": 1}):
        assert await socket.refused("content:subscribe", {"type": bad}) == "unknown_type"
    assert await socket.refused("content:subscribe", "message") == "invalid_payload"


async def test_a_type_the_role_cannot_read_is_refused(server: ChatServer, connect: Connect) -> None:
    user = await server.register()
    registered = await connect(server, user.jwt)
    # types kept off the content API (users, API tokens, roles) are not offered at all
    for name in ("plugin::users-permissions.user", "api-token", "role", "admin-user"):
        assert await registered.refused("content:subscribe", {"type": name}) == "unknown_type", name
    anonymous = await connect(server)
    for name in ("message", "chat-user"):
        assert await anonymous.refused("content:subscribe", {"type": name}) == "forbidden", name


async def test_room_messages_reach_subscribers_who_may_read_them(server: ChatServer, connect: Connect) -> None:
    """Catches room messages sent to subscribers who may not read them (checked after each socket got a
    message it may read, so a wrong event, sent earlier, would have arrived first)."""
    room, elsewhere, carols = unique("room"), unique("room"), unique("room")
    alice, bob, carol = await server.users(3)
    speaker = await connect(server, alice.jwt)
    await speaker.ok("chat:join", {"room": room})
    await speaker.ok("chat:join", {"room": elsewhere})
    member = await subscriber(server, connect, bob, (room,))
    outsider = await subscriber(server, connect, carol, (carols,))

    sent = await speaker.ok("chat:send", {"room": room, "text": "in the room"})
    event = await member.wait_for("message:create")
    assert event == await rest_document(server, alice, sent["documentId"])  # REST's shape
    assert event["id"] == sent["id"] and event["text"] == "in the room"
    await speaker.ok("chat:send", {"room": elsewhere, "text": "not for bob"})
    await quiet()
    assert outsider.received("message:create") == []
    assert [e["text"] for e in member.received("message:create")] == ["in the room"]
    # positive controls: each socket does get the next message it may read
    again = await speaker.ok("chat:send", {"room": room, "text": "in the room, again"})
    await member.wait_for("message:create", lambda e: e["id"] == again["id"])
    assert [e["text"] for e in member.received("message:create")] == ["in the room", "in the room, again"]
    own = await outsider.ok("chat:send", {"room": carols, "text": "in carol's room"})
    await outsider.wait_for("message:create", lambda e: e["id"] == own["id"])
    assert [e["text"] for e in outsider.received("message:create")] == ["in carol's room"]


async def test_another_users_direct_message_never_reaches_a_subscriber(server: ChatServer, connect: Connect) -> None:
    """Catches a direct message sent to a third user's subscription (checked after that socket got a room
    message, so a wrong event, sent earlier, would have arrived first)."""
    room = unique("room")
    alice, bob, carol = await server.users(3)
    sender = await subscriber(server, connect, alice, (room,))
    recipient = await subscriber(server, connect, bob, (room,))
    bystander = await subscriber(server, connect, carol, (room,))  # in the same room, reads everything said there

    sent = await sender.ok("chat:send", {"to": bob.id, "text": "between us"})
    for socket in (sender, recipient):
        assert (await socket.wait_for("message:create"))["id"] == sent["id"]
    await quiet()
    assert bystander.received("message:create") == []
    # an API token allowed to read every message (read-only) does get it: the caller's grants decide
    token_socket = await connect(server, await server.api_token("read-only"))
    await token_socket.ok("content:subscribe", {"type": "message"})
    again = await sender.ok("chat:send", {"to": bob.id, "text": "between us, again"})
    assert (await token_socket.wait_for("message:create"))["id"] == again["id"]
    await quiet(0.1)
    assert bystander.received("message:create") == []
    # positive control: the bystander's subscription does deliver what it may read
    said = await sender.ok("chat:send", {"room": room, "text": "for the room"})
    await bystander.wait_for("message:create", lambda e: e["id"] == said["id"])
    assert [e["text"] for e in bystander.received("message:create")] == ["for the room"]


async def test_rest_writes_produce_create_update_and_delete(server: ChatServer, connect: Connect) -> None:
    """Catches REST writes announced to a subscriber who may not read them (checked after that socket got
    an event for a message it may read)."""
    room = unique("room")
    alice, bob, carol = await server.users(3)
    watcher = await subscriber(server, connect, bob, (room,))
    outsider = await subscriber(server, connect, carol)
    author = await connect(server, alice.jwt)
    await author.ok("chat:join", {"room": room})  # the create grant: only into rooms one is in

    created = await server.http("POST", "/api/messages", alice.jwt,
                                json={"data": {"text": "via REST", "room": room, "sender": alice.id}})
    assert created.status_code in (200, 201), created.text
    document = created.json()["data"]
    event = await watcher.wait_for("message:create")
    assert event == await rest_document(server, alice, document["documentId"])

    updated = await server.http("PUT", f"/api/messages/{document['documentId']}", alice.jwt,
                                json={"data": {"text": "via REST, edited"}})
    assert updated.status_code == 200, updated.text
    event = await watcher.wait_for("message:update")
    assert event["documentId"] == document["documentId"] and event["text"] == "via REST, edited"
    assert event == await rest_document(server, alice, document["documentId"])

    deleted = await server.http("DELETE", f"/api/messages/{document['documentId']}", alice.jwt)
    assert deleted.status_code in (200, 204), deleted.text
    event = await watcher.wait_for("message:delete")
    assert event["documentId"] == document["documentId"] and event["text"] == "via REST, edited"
    await quiet()
    assert outsider.received("message:create") == outsider.received("message:update") == \
        outsider.received("message:delete") == []
    # positive control: the outsider's subscription does deliver a message it may read (its own)
    own = await outsider.ok("chat:send", {"to": bob.id, "text": "carol's own"})
    await outsider.wait_for("message:create", lambda e: e["id"] == own["id"])
    assert [e["text"] for e in outsider.received("message:create")] == ["carol's own"]
    assert outsider.received("message:update") == outsider.received("message:delete") == []


async def test_filters_narrow_a_subscription(server: ChatServer, connect: Connect) -> None:
    """Catches filters or an unsubscribe that do not hold (checked after a message that must arrive did,
    so a wrong one, sent earlier, would have arrived first)."""
    wanted, other = unique("room"), unique("room")
    alice, bob = await server.users(2)
    speaker = await connect(server, alice.jwt)
    for room in (wanted, other):
        await speaker.ok("chat:join", {"room": room})
    watcher = await subscriber(server, connect, bob, (wanted, other), filters={"room": {"$eq": wanted}})

    await speaker.ok("chat:send", {"room": other, "text": "filtered out"})
    await speaker.ok("chat:send", {"room": wanted, "text": "kept"})
    assert (await watcher.wait_for("message:create"))["text"] == "kept"
    await quiet(0.2)
    assert [e["text"] for e in watcher.received("message:create")] == ["kept"]
    await speaker.ok("chat:send", {"room": wanted, "text": "kept too"})  # positive control
    await watcher.wait_for("message:create", lambda e: e["text"] == "kept too")
    assert [e["text"] for e in watcher.received("message:create")] == ["kept", "kept too"]

    for bad in ({"nope": {"$eq": 1}}, {"room": {"$regex": "x"}}, "room", [1]):
        assert await watcher.refused("content:subscribe", {"type": "message", "filters": bad}) == "invalid_filters", bad

    assert await watcher.ok("content:unsubscribe", {"type": "message"}) == {"type": "api::message.message"}
    assert await watcher.refused("content:unsubscribe", {"type": "message"}) == "not_subscribed"
    await speaker.ok("chat:send", {"room": wanted, "text": "after unsubscribing"})
    await quiet()
    assert [e["text"] for e in watcher.received("message:create")] == ["kept", "kept too"]
    # positive control: subscribed again, the socket gets the next message (and not the one it missed)
    await watcher.ok("content:subscribe", {"type": "message"})
    await speaker.ok("chat:send", {"room": wanted, "text": "subscribed again"})
    await watcher.wait_for("message:create", lambda e: e["text"] == "subscribed again")
    assert [e["text"] for e in watcher.received("message:create")] == ["kept", "kept too", "subscribed again"]


async def test_private_fields_are_never_sent(server: ChatServer, connect: Connect) -> None:
    room = unique("room")
    alice, bob = await server.users(2)
    watcher = await connect(server, bob.jwt)
    await watcher.ok("content:subscribe", {"type": "chat-user"})

    joiner = await connect(server, alice.jwt)
    await joiner.ok("chat:join", {"room": room})
    created = await watcher.wait_for("chat-user:create", lambda e: e["username"] == alice.username)
    assert created["room"] == room and created["status"] == "online"
    assert "socketId" not in created  # private in the schema
    await joiner.ok("presence:set", {"status": "away"})
    updated = await watcher.wait_for("chat-user:update", lambda e: e["status"] == "away")
    assert "socketId" not in updated and updated["documentId"] == created["documentId"]
