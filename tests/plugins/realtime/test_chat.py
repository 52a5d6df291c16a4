"""The native chat protocol: rooms, direct messages, history, typing, presence, recovery.

Every event is acknowledged with ``{ok: true, data}`` or ``{ok: false,
error: {name, message}}``. A message is acknowledged only once committed,
and the ack carries the stored message. What history returns is what the
permissions engine lets the caller read (config/permissions.toml: messages
they sent or received, or said in a room they are in).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from tests.plugins.realtime.conftest import NOTHING, ChatServer, Client, Connect, User, chat_server, quiet, unique

RECOVERY_LIMIT = 5


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatServer]:
    with chat_server(tmp_path_factory, f"recovery_limit = {RECOVERY_LIMIT}", name="chat") as running:
        yield running


async def in_room(server: ChatServer, connect: Connect, room: str, user: User | None = None) -> Client:
    socket = await connect(server, (user or await server.register()).jwt)
    await socket.ok("chat:join", {"room": room})
    return socket


def texts(messages: list[dict[str, Any]]) -> list[str]:
    return [m["text"] for m in messages]


async def chat_user_rows(server: ChatServer, user: User, room: str) -> list[dict[str, Any]]:
    """What GET /api/chat-users shows (to a registered user) of ``user`` in ``room``."""
    response = await server.http("GET", "/api/chat-users", user.jwt,
                                 params={"filters[username][$eq]": user.username, "filters[room][$eq]": room})
    assert response.status_code == 200, response.text
    return response.json()["data"]


# -- rooms ----------------------------------------------------------------------------------------

async def test_joining_and_leaving_rooms(server: ChatServer, connect: Connect) -> None:
    room = unique("room")
    alice, bob = await server.users(2)
    first = await in_room(server, connect, room, alice)
    second = await connect(server, bob.jwt)

    assert await second.ok("chat:join", {"room": room}) == {"room": room, "missed": None, "reload": False}
    joined = await first.wait_for("chat:joined")
    assert joined["room"] == room and joined["user"]["id"] == bob.id and joined["user"]["username"] == bob.username
    assert await second.ok("chat:join", {"room": room}) == {"room": room, "missed": None, "reload": False}  # again: fine

    assert await second.refused("chat:leave", {"room": unique("never")}) == "not_in_room"
    assert await second.ok("chat:leave", {"room": room}) == {"room": room}
    assert (await first.wait_for("chat:left"))["user"]["id"] == bob.id
    assert await second.refused("chat:leave", {"room": room}) == "not_in_room"
    assert await second.refused("chat:send", {"room": room, "text": "after leaving"}) == "not_in_room"


async def test_joining_from_several_sockets_at_once_keeps_one_membership(server: ChatServer, connect: Connect) -> None:
    room = unique("room")
    user = await server.register()
    sockets = [await connect(server, user.jwt) for _ in range(3)]
    await asyncio.gather(*(socket.ok("chat:join", {"room": room}) for socket in sockets for _ in range(4)))
    assert len(await chat_user_rows(server, user, room)) == 1
    # status changes racing a leave fail nothing either
    answers = await asyncio.gather(*(socket.call("presence:set", {"status": "busy"}) for socket in sockets),
                                   sockets[0].call("chat:leave", {"room": room}))
    assert all(answer["ok"] for answer in answers), answers
    assert await chat_user_rows(server, user, room) == []


@pytest.mark.parametrize("room", ["", "   ", "r" * 65, "line\nbreak", "nul\x00", "tab\t", 5, None, True,
                                  {"$ne": 1}, ["lobby"], NOTHING])
async def test_room_names_must_be_1_to_64_printable_characters(server: ChatServer, connect: Connect, room: Any) -> None:
    socket = await connect(server, (await server.register()).jwt)
    payload = {} if room is NOTHING else {"room": room}
    assert await socket.refused("chat:join", payload) == "invalid_room"
    assert await socket.refused("chat:leave", payload) == "invalid_room"
    assert await socket.refused("chat:history", payload) == "invalid_room"


async def test_a_room_name_of_64_characters_is_fine(server: ChatServer, connect: Connect) -> None:
    socket = await connect(server, (await server.register()).jwt)
    room = "é" * 63 + "!"
    assert (await socket.ok("chat:join", {"room": room}))["room"] == room
    assert (await socket.ok("chat:send", {"room": room, "text": "fits"}))["room"] == room


# -- sending --------------------------------------------------------------------------------------

async def test_a_room_message_reaches_every_member_and_nobody_else(server: ChatServer, connect: Connect) -> None:
    """Catches a room message leaking to a socket outside the room: checked after that socket received a
    message of its own room, so a leaked one, sent earlier, would have arrived first."""
    room, elsewhere = unique("room"), unique("elsewhere")
    alice, bob, carol = await server.users(3)
    sender, member = await in_room(server, connect, room, alice), await in_room(server, connect, room, bob)
    outsider = await in_room(server, connect, elsewhere, carol)

    sent = await sender.ok("chat:send", {"room": room, "text": "hello room"})
    assert sent["text"] == "hello room" and sent["room"] == room and sent["recipient"] is None
    assert sent["sender"] == {"id": alice.id, "documentId": alice.documentId, "username": alice.username}
    assert await sender.wait_for("chat:message") == sent  # the sender too
    assert await member.wait_for("chat:message") == sent
    await quiet()
    assert outsider.received("chat:message") == []
    # positive control: the outsider's socket does get its own room's messages
    control = await outsider.ok("chat:send", {"room": elsewhere, "text": "in my room"})
    assert await outsider.wait_for("chat:message") == control
    assert outsider.received("chat:message") == [control]
    assert member.received("chat:message") == [sent]


async def test_a_direct_message_reaches_only_sender_and_recipient(server: ChatServer, connect: Connect) -> None:
    """Catches a direct message leaking to the room or to a third user's sockets (checked after a direct
    message to that user reached both of its sockets), or a bad recipient refused for another reason."""
    alice, bob, carol = await server.users(3)
    shared_room = unique("room")  # all three share a room: a DM must still not leak into it
    sender = await in_room(server, connect, shared_room, alice)
    sender_other_device = await connect(server, alice.jwt)
    recipient = await in_room(server, connect, shared_room, bob)
    third = await in_room(server, connect, shared_room, carol)
    third_other_device = await connect(server, carol.jwt)

    by_id = await sender.ok("chat:send", {"to": bob.id, "text": "psst"})
    by_document_id = await sender.ok("chat:send", {"to": bob.documentId, "text": "psst again"})
    for sent in (by_id, by_document_id):
        assert sent["room"] is None and sent["recipient"]["id"] == bob.id and sent["sender"]["id"] == alice.id
        for socket in (sender, sender_other_device, recipient):
            assert await socket.wait_for("chat:message", lambda m, sent=sent: m["id"] == sent["id"]) == sent
    await quiet()
    assert third.received("chat:message") == [] and third_other_device.received("chat:message") == []
    # positive control: a direct message to the third user reaches both of its sockets, and only it
    to_carol = await sender.ok("chat:send", {"to": carol.id, "text": "for carol"})
    for socket in (third, third_other_device):
        assert await socket.wait_for("chat:message") == to_carol
        assert socket.received("chat:message") == [to_carol]

    assert await sender.refused("chat:send", {"to": 10**9, "text": "nobody"}) == "unknown_user"
    assert await sender.refused("chat:send", {"to": "nosuchdocumentid", "text": "nobody"}) == "unknown_user"
    for bad in ({"$ne": 1}, [bob.id], True, 1.5, ""):
        assert await sender.refused("chat:send", {"to": bad, "text": "x"}) == "invalid_payload"


async def test_the_ack_comes_after_the_commit_and_carries_the_stored_message(server: ChatServer, connect: Connect) -> None:
    room = unique("room")
    user = await server.register()
    socket = await in_room(server, connect, room, user)
    acks = await asyncio.gather(*(socket.ok("chat:send", {"room": room, "text": f"m{i}"}) for i in range(10)))
    rows = await server.messages("room = $1", room)  # read at once: every acked message is there
    assert [(r["id"], r["text"], r["sender_id"], r["room"]) for r in rows] == \
        [(a["id"], a["text"], user.id, room) for a in sorted(acks, key=lambda a: a["id"])]
    assert sorted(texts(acks)) == sorted(f"m{i}" for i in range(10))
    assert all(a["documentId"] and a["createdAt"] for a in acks)


async def test_invalid_messages_are_refused(server: ChatServer, connect: Connect) -> None:
    """Catches an invalid message refused under another error name than the one for its fault."""
    room = unique("room")
    socket = await in_room(server, connect, room)
    for payload in (NOTHING, None, "text", 1, [], {"room": room}, {"room": room, "text": ""},
                    {"room": room, "text": " \n "}, {"room": room, "text": 5}, {"room": room, "text": {"$ne": ""}},
                    {"room": room, "text": "x", "clientId": 5}):
        assert await socket.refused("chat:send", payload) == "invalid_payload", payload
    assert await socket.refused("chat:send", {"room": room, "text": "x", "clientId": "c" * 65}) == "too_large"
    assert await socket.refused("chat:send", {"room": room, "text": "x", "attachments": [1]}) == "invalid_attachment"
    for files in ("1", [True], [0], [2**40], {"id": 1}, [1, 1]):
        assert await socket.refused("chat:send", {"room": room, "text": "x", "attachments": files}) == "invalid_payload"
    assert await socket.refused("chat:send", {"room": unique("other"), "text": "x"}) == "not_in_room"
    assert await server.messages("room = $1", room) == []


async def test_a_retry_with_the_same_client_id_returns_the_stored_message(server: ChatServer, connect: Connect) -> None:
    """Catches a retried send stored or delivered twice (checked after a later message was delivered)."""
    room = unique("room")
    alice, bob = await server.users(2)
    socket = await in_room(server, connect, room, alice)
    first = await socket.ok("chat:send", {"room": room, "text": "once", "clientId": "c-1"})
    retry = await socket.ok("chat:send", {"room": room, "text": "once", "clientId": "c-1"})
    assert retry == first
    # retries racing the first attempt (sent before its commit) get the same answer too
    racing = await asyncio.gather(*(socket.ok("chat:send", {"room": room, "text": "racing", "clientId": "c-2"})
                                    for _ in range(5)))
    assert len({m["id"] for m in racing}) == 1
    other = await socket.ok("chat:send", {"room": room, "text": "twice", "clientId": "c-3"})
    assert other["id"] != first["id"]
    # client ids are per sender
    bob_socket = await in_room(server, connect, room, bob)
    bobs = await bob_socket.ok("chat:send", {"room": room, "text": "mine", "clientId": "c-1"})
    assert bobs["id"] != first["id"] and bobs["sender"]["id"] == bob.id

    assert texts(await server.messages("room = $1", room)) == ["once", "racing", "twice", "mine"]
    await quiet(0.2)
    assert len(socket.received("chat:message", lambda m: m["clientId"] == "c-2")) == 1  # delivered once
    # positive control: a later message arrives, after any second delivery of the retried ones would have
    later = await socket.ok("chat:send", {"room": room, "text": "later"})
    await socket.wait_for("chat:message", lambda m: m["id"] == later["id"])
    assert texts(socket.received("chat:message")) == ["once", "racing", "twice", "mine", "later"]


# -- history --------------------------------------------------------------------------------------

async def test_room_history_pages_backwards_with_a_cursor(server: ChatServer, connect: Connect) -> None:
    room = unique("room")
    socket = await in_room(server, connect, room)
    sent = [await socket.ok("chat:send", {"room": room, "text": f"h{i}"}) for i in range(7)]

    page = await socket.ok("chat:history", {"room": room, "limit": 3})
    assert texts(page["messages"]) == ["h4", "h5", "h6"] and page["nextCursor"] == sent[4]["id"]
    assert page["messages"][0]["sender"]["username"] == sent[0]["sender"]["username"]
    page = await socket.ok("chat:history", {"room": room, "limit": 3, "before": page["nextCursor"]})
    assert texts(page["messages"]) == ["h1", "h2", "h3"] and page["nextCursor"] == sent[1]["id"]
    page = await socket.ok("chat:history", {"room": room, "limit": 3, "before": page["nextCursor"]})
    assert texts(page["messages"]) == ["h0"] and page["nextCursor"] is None
    page = await socket.ok("chat:history", {"room": room})  # default page size
    assert texts(page["messages"]) == [f"h{i}" for i in range(7)] and page["nextCursor"] is None
    assert (await socket.ok("chat:history", {"room": room, "limit": 7}))["nextCursor"] is None

    for bad in ({"limit": 0}, {"limit": 101}, {"limit": "3"}, {"limit": True}, {"limit": 2.5},
                {"before": "x"}, {"before": {"$gt": 0}}, {"before": False}):
        assert await socket.refused("chat:history", {"room": room, **bad}) == "invalid_payload", bad


async def test_conversation_history_holds_the_two_users_direct_messages(server: ChatServer, connect: Connect) -> None:
    alice, bob, carol = await server.users(3)
    a, b, c = [await connect(server, u.jwt) for u in (alice, bob, carol)]
    await a.ok("chat:send", {"to": bob.id, "text": "a→b 1"})
    await b.ok("chat:send", {"to": alice.id, "text": "b→a"})
    await a.ok("chat:send", {"to": carol.id, "text": "a→c"})
    await a.ok("chat:send", {"to": bob.id, "text": "a→b 2"})

    assert texts((await a.ok("chat:history", {"with": bob.id}))["messages"]) == ["a→b 1", "b→a", "a→b 2"]
    assert texts((await b.ok("chat:history", {"with": alice.documentId}))["messages"]) == ["a→b 1", "b→a", "a→b 2"]
    page = await a.ok("chat:history", {"with": bob.id, "limit": 2})
    assert texts(page["messages"]) == ["b→a", "a→b 2"]
    assert texts((await a.ok("chat:history", {"with": bob.id, "before": page["nextCursor"]}))["messages"]) == ["a→b 1"]
    # carol has no conversation with bob, and sees only her own with alice
    assert (await c.ok("chat:history", {"with": bob.id}))["messages"] == []
    assert texts((await c.ok("chat:history", {"with": alice.id}))["messages"]) == ["a→c"]
    assert await c.refused("chat:history", {"with": 10**9}) == "unknown_user"


async def test_history_returns_only_what_the_permissions_engine_allows(server: ChatServer, connect: Connect) -> None:
    room = unique("room")
    alice, bob, carol = await server.users(3)
    speaker = await in_room(server, connect, room, alice)
    await speaker.ok("chat:send", {"room": room, "text": "members only"})
    await speaker.ok("chat:send", {"to": bob.id, "text": "for bob"})

    reader = await connect(server, carol.jwt)  # never joined the room
    assert (await reader.ok("chat:history", {"room": room}))["messages"] == []
    assert (await reader.ok("chat:history", {"with": alice.id}))["messages"] == []
    assert (await reader.ok("chat:history", {"with": bob.id}))["messages"] == []
    rest = await server.http("GET", "/api/messages", carol.jwt, params={"filters[room][$eq]": room})
    assert rest.status_code == 200 and rest.json()["data"] == []  # the same rule as REST

    await reader.ok("chat:join", {"room": room})
    assert texts((await reader.ok("chat:history", {"room": room}))["messages"]) == ["members only"]
    await reader.ok("chat:leave", {"room": room})
    assert (await reader.ok("chat:history", {"room": room}))["messages"] == []


# -- typing ----------------------------------------------------------------------------------------

async def test_typing_reaches_the_others_but_not_the_sender(server: ChatServer, connect: Connect) -> None:
    """Catches typing echoed to the typist or a direct typing sent to the room (checked after the typist
    received someone else's typing)."""
    room = unique("room")
    alice, bob, carol = await server.users(3)
    typist, listener = await in_room(server, connect, room, alice), await in_room(server, connect, room, bob)
    outsider = await connect(server, carol.jwt)

    assert await typist.ok("chat:typing", {"room": room}) == {}
    event = await listener.wait_for("chat:typing")
    assert event == {"user": {"id": alice.id, "documentId": alice.documentId, "username": alice.username},
                     "typing": True, "room": room}
    await typist.ok("chat:typing", {"room": room, "typing": False})
    await listener.wait_for("chat:typing", lambda e: e["typing"] is False)

    await typist.ok("chat:typing", {"to": carol.id})  # direct: to the recipient only
    direct = await outsider.wait_for("chat:typing")
    assert direct["user"]["id"] == alice.id and "room" not in direct
    await quiet()
    assert typist.received("chat:typing") == [] and len(listener.received("chat:typing")) == 2
    # positive control: the typist's socket does get the others' typing
    await listener.ok("chat:typing", {"room": room})
    assert await typist.wait_for("chat:typing") == {
        "user": {"id": bob.id, "documentId": bob.documentId, "username": bob.username}, "typing": True, "room": room}
    assert len(typist.received("chat:typing")) == 1 and len(listener.received("chat:typing")) == 2

    assert await typist.refused("chat:typing", {"room": room, "typing": "yes"}) == "invalid_payload"
    assert await typist.refused("chat:typing", {"room": unique("other")}) == "not_in_room"


# -- presence --------------------------------------------------------------------------------------

async def test_a_user_is_offline_only_after_the_last_socket_leaves(server: ChatServer, connect: Connect) -> None:
    """Catches a user announced offline while a socket remains: the one presence event the observer
    gets, once the last socket is gone, is that offline."""
    room = unique("room")
    user, watcher = await server.users(2)
    phone = await in_room(server, connect, room, user)
    laptop = await connect(server, user.jwt)
    observer = await in_room(server, connect, room, watcher)
    assert [r["status"] for r in await chat_user_rows(server, user, room)] == ["online"]

    await phone.close()
    await quiet()
    assert observer.received("presence") == []
    [row] = await chat_user_rows(server, user, room)
    assert row["status"] == "online" and row["lastSeenAt"] is None

    await laptop.close()
    offline = await observer.wait_for("presence")
    assert observer.received("presence") == [offline]  # the control: presence does reach the observer
    assert offline["user"] == {"id": user.id, "username": user.username}
    assert offline["status"] == "offline" and offline["room"] == room and offline["lastSeenAt"]
    [row] = await chat_user_rows(server, user, room)
    assert row["status"] == "offline" and row["lastSeenAt"] == offline["lastSeenAt"]
    assert "socketId" not in row  # a private field

    await connect(server, user.jwt)  # back
    online = await observer.wait_for("presence", lambda p: p["status"] == "online")
    assert online["user"]["id"] == user.id and online["lastSeenAt"] is None
    assert [r["status"] for r in await chat_user_rows(server, user, room)] == ["online"]


async def test_busy_and_away_are_broadcast_to_the_users_rooms(server: ChatServer, connect: Connect) -> None:
    """Catches a status broadcast beyond the user's rooms (checked after the outsider got a presence
    event of its own room)."""
    first_room, second_room = unique("room"), unique("room")
    user, one, two, stranger = await server.users(4)
    socket = await in_room(server, connect, first_room, user)
    await socket.ok("chat:join", {"room": second_room})
    watchers = [await in_room(server, connect, first_room, one), await in_room(server, connect, second_room, two)]
    outsider = await in_room(server, connect, unique("elsewhere"), stranger)

    assert await socket.ok("presence:set", {"status": "busy"}) == {"status": "busy"}
    for watcher, room in zip(watchers, (first_room, second_room)):
        event = await watcher.wait_for("presence", lambda p: p["user"]["id"] == user.id)
        assert event == {"user": {"id": user.id, "username": user.username}, "status": "busy",
                         "lastSeenAt": None, "room": room}
    assert [r["status"] for r in await chat_user_rows(server, user, first_room)] == ["busy"]
    await connect(server, user.jwt)  # another socket does not reset it
    await quiet(0.2)
    assert [r["status"] for r in await chat_user_rows(server, user, second_room)] == ["busy"]

    await socket.ok("presence:set", {"status": "away"})
    await watchers[0].wait_for("presence", lambda p: p["status"] == "away")
    await socket.ok("presence:set", {"status": "online"})
    await watchers[1].wait_for("presence", lambda p: p["status"] == "online")
    for bad in ("offline", "sleeping", None, 1, {"$ne": "x"}):
        assert await socket.refused("presence:set", {"status": bad}) == "invalid_payload"
    assert outsider.received("presence") == []
    # positive control: the outsider does get the presence of its own room (its own, here)
    await outsider.ok("presence:set", {"status": "away"})
    own = await outsider.wait_for("presence")
    assert outsider.received("presence") == [own] and own["user"]["id"] == stranger.id and own["status"] == "away"


# -- recovery --------------------------------------------------------------------------------------

async def test_rejoining_with_last_message_id_replays_what_was_missed(server: ChatServer, connect: Connect) -> None:
    room = unique("room")
    alice, bob = await server.users(2)
    speaker = await in_room(server, connect, room, alice)
    listener = await in_room(server, connect, room, bob)
    seen = await speaker.ok("chat:send", {"room": room, "text": "before the drop"})
    await listener.wait_for("chat:message", lambda m: m["id"] == seen["id"])
    await listener.close()  # network drop

    missed = [await speaker.ok("chat:send", {"room": room, "text": f"missed {i}"}) for i in range(3)]
    await speaker.ok("chat:send", {"to": bob.id, "text": "a direct message is not part of the room"})
    back = await connect(server, bob.jwt)
    answer = await back.ok("chat:join", {"room": room, "lastMessageId": seen["id"]})
    assert answer["reload"] is False
    assert [m["id"] for m in answer["missed"]] == [m["id"] for m in missed]  # in order, no duplicates
    assert texts(answer["missed"]) == ["missed 0", "missed 1", "missed 2"]
    assert answer["missed"][0]["sender"]["username"] == alice.username

    # up to date: nothing to replay; then live delivery resumes
    assert (await back.ok("chat:join", {"room": room, "lastMessageId": missed[-1]["id"]}))["missed"] == []
    live = await speaker.ok("chat:send", {"room": room, "text": "live again"})
    assert (await back.wait_for("chat:message"))["id"] == live["id"]
    assert await back.refused("chat:join", {"room": room, "lastMessageId": "latest"}) == "invalid_payload"


async def test_missing_more_than_the_recovery_limit_asks_for_a_reload(server: ChatServer, connect: Connect) -> None:
    room = unique("room")
    alice, bob = await server.users(2)
    speaker = await in_room(server, connect, room, alice)
    last = await speaker.ok("chat:send", {"room": room, "text": "start"})
    await (await in_room(server, connect, room, bob)).close()

    for i in range(RECOVERY_LIMIT):
        await speaker.ok("chat:send", {"room": room, "text": f"gap {i}"})
    exactly = await (await connect(server, bob.jwt)).ok("chat:join", {"room": room, "lastMessageId": last["id"]})
    assert exactly["reload"] is False and len(exactly["missed"]) == RECOVERY_LIMIT

    await speaker.ok("chat:send", {"room": room, "text": "one too many"})
    beyond = await (await connect(server, bob.jwt)).ok("chat:join", {"room": room, "lastMessageId": last["id"]})
    assert beyond == {"room": room, "missed": [], "reload": True}
