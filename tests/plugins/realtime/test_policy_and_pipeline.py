"""One policy on every path, one message pipeline, per-socket fairness, bad packets answered.

Each test names in its docstring the broken server it catches.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.plugins.realtime.conftest import PASSWORD, ChatServer, Connect, chat_server, quiet, unique


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatServer]:
    with chat_server(tmp_path_factory, name="policy") as running:
        yield running


# -- one policy ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def closed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatServer]:
    with chat_server(tmp_path_factory, name="closed",
                     users_permissions="rate_limit_enabled = false\nallow_register = false") as running:
        yield running


async def test_socket_registration_is_refused_when_rest_registration_is(closed_server: ChatServer,
                                                                        connect: Connect) -> None:
    """Catches a socket ``register`` that creates users while REST says registration is closed."""
    name = unique("closed")
    rest = await closed_server.http("POST", "/api/auth/local/register",
                                    json={"username": name, "email": f"{name}@example.com", "password": PASSWORD})
    assert rest.status_code == 400 and rest.json()["error"]["message"] == "Register action is currently disabled"
    socket = await connect(closed_server)
    assert await socket.call("register", {"username": name, "password": PASSWORD}) == \
        "Register action is currently disabled"
    assert socket.received("registered") == []
    assert await closed_server.rows("SELECT id FROM registered_users WHERE username = $1", name) == []
    assert socket.sio.connected


@pytest.fixture(scope="module")
def limited_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatServer]:
    with chat_server(tmp_path_factory, name="authlimit",
                     users_permissions='rate_limit_enabled = true\nrate_limit_max = 3\nrate_limit_interval = 60') \
            as running:
        yield running


async def test_socket_login_shares_the_rest_login_rate_limit(limited_server: ChatServer, connect: Connect) -> None:
    """Catches a socket ``login`` with a bucket of its own (a way around the REST limit)."""
    user = await limited_server.register()
    for _ in range(3):  # the route's budget for this identifier and address, spent over REST
        response = await limited_server.http("POST", "/api/auth/local",
                                             json={"identifier": user.username, "password": "wrong-password"})
        assert response.status_code == 400, response.text
    socket = await connect(limited_server)
    assert await socket.call("login", {"username": user.username, "password": PASSWORD}) == \
        "Too many requests, please try again later."
    assert socket.received("logedin") == []


async def test_a_password_change_ends_the_users_open_sockets(server: ChatServer, connect: Connect) -> None:
    """Catches sockets that outlive the credentials they were opened with."""
    user = await server.register()
    socket = await connect(server, user.jwt)
    await socket.ok("chat:join", {"room": unique("pw")})
    other = await server.register()
    bystander = await connect(server, other.jwt)
    changed = await server.http("POST", "/api/auth/change-password", user.jwt, json={
        "currentPassword": PASSWORD, "password": "another-password-1", "passwordConfirmation": "another-password-1"})
    assert changed.status_code == 200, changed.text
    await asyncio.wait_for(socket.disconnected.wait(), 5)
    assert bystander.sio.connected  # positive control: only that user's sockets


async def test_a_demotion_applies_to_the_next_event_of_an_open_socket(server: ChatServer, connect: Connect) -> None:
    """Catches a socket that keeps the grants of the role it connected with."""
    user = await server.register()
    socket = await connect(server, user.jwt)
    room = unique("demoted")
    await socket.ok("chat:join", {"room": room})
    await socket.ok("chat:send", {"room": room, "text": "before"})
    [muted] = await server.rows("SELECT id FROM up_roles WHERE type = 'public'")
    # moved to the Public role (which may not chat), as an administrator would, over REST
    token = await server.api_token("full-access")
    moved = await server.http("PUT", f"/api/users/{user.id}", token, json={"role": muted["id"]})
    assert moved.status_code == 200, moved.text
    await quiet(0.3)
    assert socket.sio.connected
    assert await socket.refused("chat:send", {"room": room, "text": "after"}) == "forbidden"
    assert [m["text"] for m in await server.messages("room = $1", room)] == ["before"]


# -- one pipeline ---------------------------------------------------------------------------------

async def test_a_rest_created_room_message_is_delivered_live_with_its_sender(server: ChatServer,
                                                                             connect: Connect) -> None:
    """Catches messages that only reach sockets when a socket sent them."""
    alice, bob = await server.users(2)
    room = unique("rest")
    listener, author = await connect(server, bob.jwt), await connect(server, alice.jwt)
    await listener.ok("chat:join", {"room": room})
    await author.ok("chat:join", {"room": room})
    created = await server.http("POST", "/api/messages", alice.jwt,
                                json={"data": {"text": "posted over REST", "room": room, "sender": alice.id}})
    assert created.status_code == 201, created.text
    delivered = await listener.wait_for("chat:message", lambda m: m["text"] == "posted over REST")
    assert delivered["documentId"] == created.json()["data"]["documentId"]
    assert delivered["sender"] == {"id": alice.id, "documentId": alice.documentId, "username": alice.username}
    assert delivered["recipient"] is None and delivered["room"] == room
    # the same payload as a socket-sent message
    sent = await author.ok("chat:send", {"room": room, "text": "sent by socket"})
    by_socket = await listener.wait_for("chat:message", lambda m: m["id"] == sent["id"])
    assert set(by_socket) == set(delivered)


async def test_a_rest_created_direct_message_reaches_both_parties(server: ChatServer, connect: Connect) -> None:
    """Catches a REST-created direct message that misses a party or reaches a third user (checked after
    a direct message to that user reached it, so a wrong one, sent earlier, would have come first)."""
    alice, bob, carol = await server.users(3)
    alice_socket, bob_socket, carol_socket = [await connect(server, u.jwt) for u in (alice, bob, carol)]
    created = await server.http("POST", "/api/messages", alice.jwt,
                                json={"data": {"text": "psst", "recipient": bob.id, "sender": alice.id}})
    assert created.status_code == 201, created.text
    for socket in (alice_socket, bob_socket):
        message = await socket.wait_for("chat:message", lambda m: m["text"] == "psst")
        assert message["sender"]["id"] == alice.id and message["recipient"]["id"] == bob.id
    await quiet()
    assert carol_socket.received("chat:message") == []
    # positive control: a REST-created direct message to carol does reach her socket
    created = await server.http("POST", "/api/messages", alice.jwt,
                                json={"data": {"text": "for carol", "recipient": carol.id, "sender": alice.id}})
    assert created.status_code == 201, created.text
    await carol_socket.wait_for("chat:message")
    assert [m["text"] for m in carol_socket.received("chat:message")] == ["for carol"]


async def test_rest_creation_follows_the_socket_rule(server: ChatServer, connect: Connect) -> None:
    """Catches REST writes into rooms the writer is not in, or in another user's name."""
    alice, bob = await server.users(2)
    room = unique("closed-room")
    outside = await server.http("POST", "/api/messages", alice.jwt,
                                json={"data": {"text": "gatecrash", "room": room, "sender": alice.id}})
    assert outside.status_code == 403, outside.text
    socket = await connect(server, alice.jwt)
    await socket.ok("chat:join", {"room": room})
    as_bob = await server.http("POST", "/api/messages", alice.jwt,
                               json={"data": {"text": "impostor", "room": room, "sender": bob.id}})
    assert as_bob.status_code == 403, as_bob.text
    inside = await server.http("POST", "/api/messages", alice.jwt,
                               json={"data": {"text": "member", "room": room, "sender": alice.id}})
    assert inside.status_code == 201, inside.text  # positive control
    assert [m["text"] for m in await server.messages("room = $1", room)] == ["member"]


async def test_direct_messages_are_recovered_after_a_reconnect(server: ChatServer, connect: Connect) -> None:
    alice, bob = await server.users(2)
    bob_socket = await connect(server, bob.jwt)
    first = await bob_socket.ok("chat:send", {"to": alice.id, "text": "one"})
    await bob_socket.ok("chat:send", {"to": alice.id, "text": "two"})
    await bob_socket.ok("chat:send", {"to": alice.id, "text": "three"})
    alice_socket = await connect(server, alice.jwt)
    recovered = await alice_socket.ok("chat:recover", {"lastMessageId": first["id"]})
    assert [m["text"] for m in recovered["missed"]] == ["two", "three"] and recovered["reload"] is False
    assert recovered["missed"][0]["sender"]["username"] == bob.username


async def test_direct_contacts_hear_presence_changes(server: ChatServer, connect: Connect) -> None:
    """Catches presence sent to users who are no contact (checked after carol, once a contact, heard
    the next change, so a wrong event, sent earlier, would have come first)."""
    alice, bob, carol = await server.users(3)
    alice_socket = await connect(server, alice.jwt)
    await alice_socket.ok("chat:send", {"to": bob.id, "text": "hi bob"})
    bob_socket, carol_socket = await connect(server, bob.jwt), await connect(server, carol.jwt)
    await alice_socket.ok("presence:set", {"status": "busy"})
    change = await bob_socket.wait_for("presence", lambda p: p["user"]["id"] == alice.id)
    assert change["status"] == "busy" and change["room"] is None
    await quiet()
    assert carol_socket.received("presence", lambda p: p["user"]["id"] == alice.id) == []
    # positive control: once alice wrote to carol, carol hears alice's next change
    await alice_socket.ok("chat:send", {"to": carol.id, "text": "hi carol"})
    await alice_socket.ok("presence:set", {"status": "away"})
    away = await carol_socket.wait_for("presence", lambda p: p["user"]["id"] == alice.id)
    assert away == {"user": {"id": alice.id, "username": alice.username}, "status": "away", "lastSeenAt": None,
                    "room": None}
    assert carol_socket.received("presence", lambda p: p["user"]["id"] == alice.id) == [away]


# -- fairness -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def flood_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatServer]:
    # the flooder is never disconnected here: every one of its events is refused and answered
    with chat_server(tmp_path_factory, "abuse_limit = 10000000", name="flood") as running:
        yield running


async def test_a_flooding_socket_does_not_slow_other_users(flood_server: ChatServer, connect: Connect) -> None:
    """Catches a server where one socket's events queue ahead of everybody else's (seconds of lag)."""
    server = flood_server
    flooder_user, calm_user = await server.users(2)
    flooder = await connect(server, flooder_user.jwt)
    calm = await connect(server, calm_user.jwt)
    room = unique("flood")
    await calm.ok("chat:join", {"room": room})
    await flooder.ok("chat:join", {"room": room})
    stop = time.monotonic() + 5

    async def flood() -> int:
        sent = 0
        while time.monotonic() < stop:
            for _ in range(100):  # 10,000 events a second, as fast as the client can write them
                await flooder.emit("chat:history" if sent % 2 else "chat:typing", {"room": room, "limit": 100})
                sent += 1
            await asyncio.sleep(0.01)
        return sent

    async def probe() -> tuple[list[float], list[float]]:
        acks, gets = [], []
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
            while time.monotonic() < stop:
                started = time.perf_counter()
                await calm.ok("chat:send", {"room": room, "text": "still here"})
                acks.append(time.perf_counter() - started)
                started = time.perf_counter()
                response = await http.get("/api/chat-users", headers={"Authorization": f"Bearer {calm_user.jwt}"})
                assert response.status_code == 200
                gets.append(time.perf_counter() - started)
                await asyncio.sleep(0.05)
        return acks, gets

    rss_before = _rss(server)
    sent, (acks, gets) = await asyncio.gather(flood(), probe())
    assert sent > 5_000 and flooder.sio.connected
    p99 = lambda xs: statistics.quantiles(xs, n=100)[98]  # noqa: E731
    assert len(acks) > 20 and p99(acks) < 0.2 and p99(gets) < 0.2, (p99(acks), p99(gets))
    assert _rss(server) - rss_before < 100 * 1024 * 1024


def _rss(server: ChatServer) -> int:
    with open(f"/proc/{server.server.process.pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


async def test_a_socket_that_keeps_flooding_is_disconnected(server: ChatServer, connect: Connect) -> None:
    """Catches a flooder kept forever at the server's expense; the bystander is the positive control."""
    flooder_user, calm_user = await server.users(2)
    flooder, calm = await connect(server, flooder_user.jwt), await connect(server, calm_user.jwt)
    for _ in range(1000):  # defaults: 300 refusals within 10 s end the connection
        if not flooder.sio.connected:
            break
        await flooder.emit("chat:typing", {"room": "nowhere"})
    await asyncio.wait_for(flooder.disconnected.wait(), 5)
    await calm.ok("chat:join", {"room": unique("calm")})


async def test_events_over_the_socket_budget_are_refused_at_once(server: ChatServer, connect: Connect) -> None:
    """Catches a budget that covers sends only: history requests must be bounded too."""
    user = await server.register()
    socket = await connect(server, user.jwt)
    room = unique("budget")
    await socket.ok("chat:join", {"room": room})
    answers = await asyncio.gather(*(socket.call("chat:history", {"room": room}) for _ in range(60)))
    names = [a["error"]["name"] if not a["ok"] else "ok" for a in answers]
    assert names.count("ok") >= 16 and names.count("rate_limited") > 0, names  # burst 20, 16 in flight
    assert set(names) == {"ok", "rate_limited"}
    assert socket.sio.connected


# -- bad packets ----------------------------------------------------------------------------------

async def test_a_deeply_nested_packet_with_an_ack_gets_an_error_ack(server: ChatServer, connect: Connect) -> None:
    """Catches nesting that reaches the handlers (or kills the connection) instead of being answered."""
    user = await server.register()
    socket = await connect(server, user.jwt)
    nested: object = "x"
    for _ in range(200):
        nested = [nested]
    answer = await socket.call("chat:send", {"room": "deep", "text": nested})
    assert answer["ok"] is False and answer["error"]["name"] == "invalid_payload"
    assert "nested deeper than 32 levels" in answer["error"]["message"]
    assert socket.sio.connected
    await socket.ok("chat:join", {"room": "deep"})  # positive control: the socket still works


async def test_malformed_packets_are_answered_or_logged_in_one_line(server: ChatServer) -> None:
    """Catches tracebacks per bad packet, or a connection dropped for one: written on a raw websocket,
    as no Socket.IO client library can send these."""
    from websockets.asyncio.client import connect as ws_connect

    before = server.server.log()
    url = server.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    async with ws_connect(url) as ws:
        assert (await ws.recv()).startswith("0{")  # Engine.IO open
        await ws.send("40")
        assert (await ws.recv()).startswith("40{")  # Socket.IO connect (anonymous)
        await ws.send("4x")  # an unknown Socket.IO packet type: two bytes
        await ws.send('421["chat:typing",{')  # broken JSON, with ack id 1
        answer = await asyncio.wait_for(ws.recv(), 5)
        assert answer.startswith("431[") and '"invalid_payload"' in answer, answer
        await ws.send('422["chat:typing",{"room":"r"}]')  # positive control: the socket still answers
        answer = await asyncio.wait_for(ws.recv(), 5)
        assert answer.startswith("432[") and '"unauthorized"' in answer, answer
    await quiet(0.3)
    added = server.server.log()[len(before):]
    assert "Traceback" not in added
    assert sum("invalid packet" in line for line in added.splitlines()) == 2
