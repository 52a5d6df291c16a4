"""Bad input and overload: nothing a client sends kills a handler, a connection or the data.

A seeded fuzzer throws random payloads at every event (the Ayna protocol's,
the native ones, unknown ones; with and without an ack callback), then the
server must still answer and the database must hold only whole messages.
Limits answer with named errors: ``too_large``, ``rate_limited`` (per
socket), ``overloaded`` (too many messages waiting for their commit), and an
overload never loses an acknowledged message.
"""

from __future__ import annotations

import asyncio
import json
import random
import string
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import websockets

from tests.plugins.realtime.conftest import (
    NOTHING, PASSWORD, ChatServer, Client, Connect, chat_server, open_client, quiet, unique,
)

MAX_TEXT = 2000
PAYLOADS_PER_EVENT = 1000
SEED = 20240611
AYNA = ("register", "login", "join", "sendMessage")
NATIVE = ("chat:join", "chat:leave", "chat:send", "chat:history", "chat:typing", "presence:set",
          "content:subscribe", "content:unsubscribe")
UNKNOWN = ("", " ", "bogus", "CHAT:SEND", "chat:", "chat:send ", "message", "welcome", "chat:message", "presence",
           "__proto__", "constructor", "toString", "*", "e" * 500, "chat:join\x00", "😀")
KEYS = ("room", "text", "to", "with", "clientId", "lastMessageId", "before", "limit", "typing", "status", "type",
        "filters", "attachments", "username", "password", "userId", "message", "$where", "__proto__", "")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatServer]:
    # generous budgets, so that the fuzzer's events reach the handlers instead of the rate limits
    budgets = "".join(f"{kind}_rate = 100000.0\n{kind}_burst = 100000\n" for kind in ("send", "history", "typing",
                                                                                      "auth", "event"))
    with chat_server(tmp_path_factory, budgets + "max_in_flight = 1000\nabuse_limit = 100000",
                     name="abuse") as running:
        yield running


class Fuzzer:
    """Random JSON values, often shaped like what an event expects, sometimes hostile."""

    def __init__(self, seed: int, names: list[str], rooms: list[str], user_ids: list[Any]) -> None:
        self.rng = random.Random(seed)
        self.names, self.rooms, self.user_ids = names, rooms, user_ids

    def text(self) -> str:
        rng = self.rng
        kind = rng.randrange(12)
        if kind == 0:
            return ""
        if kind == 1:
            return rng.choice([" ", "\n\t ", "\x00", "\u200b", "\ud800", "a\udfffb", "\x7f"])
        if kind == 2:
            return "x" * rng.choice([64, 65, MAX_TEXT - 1, MAX_TEXT, MAX_TEXT + 1, 5000])
        if kind == 3:
            return rng.choice(["' OR 1=1 --", "'; DROP TABLE messages; --", "$user.id", "$user.rooms", "%", "_",
                               "<script>alert(1)</script>", "{{7*7}}", "../../etc/passwd", "null", "undefined"])
        if kind == 4:
            return "".join(chr(rng.randrange(0x20, 0x2FFF)) for _ in range(rng.randrange(1, 40)))
        if kind == 5:
            return "".join(chr(rng.randrange(0, 0x20)) for _ in range(rng.randrange(1, 5)))
        if kind == 6:
            return rng.choice(self.rooms)
        if kind == 7:
            return rng.choice(self.names)
        return "".join(rng.choice(string.printable) for _ in range(rng.randrange(1, 30)))

    def value(self, depth: int = 0) -> Any:
        rng = self.rng
        kind = rng.randrange(14 if depth < 2 else 10)
        if kind == 0:
            return None
        if kind == 1:
            return rng.choice([True, False])
        if kind == 2:
            return rng.choice([0, 1, -1, 2, 7, 100, 101, 2**31, 2**63, -(2**63), 10**30, rng.randrange(-10**6, 10**6)])
        if kind == 3:
            return rng.choice([0.5, -1.5, 1e308, float("inf"), float("-inf"), float("nan")])
        if kind == 4:
            return rng.choice(self.user_ids)
        if kind in (5, 6, 7, 8, 9):
            return self.text()
        if kind == 10:
            return [self.value(depth + 1) for _ in range(rng.randrange(0, 4))]
        if kind == 11:
            return {rng.choice(["$ne", "$gt", "$in", "$or", "$eq", "$null", "id", "room"]): self.value(depth + 1)}
        return {rng.choice(KEYS): self.value(depth + 1) for _ in range(rng.randrange(0, 4))}

    def valid(self, event: str) -> dict[str, Any]:
        """A payload of the right shape for ``event``, with plausible values."""
        rng = self.rng
        room, user, text = rng.choice(self.rooms), rng.choice(self.user_ids), self.text()
        target = {"room": room} if rng.random() < 0.6 else {"to": user}
        return {
            "register": {"username": rng.choice(self.names), "password": "secret123"},
            "login": {"username": rng.choice(self.names), "password": rng.choice(["secret123", "wrong"])},
            "join": {"username": rng.choice(self.names), "room": room},
            "sendMessage": {"userId": user, "message": text},
            "chat:join": {"room": room, **({"lastMessageId": rng.randrange(0, 50)} if rng.random() < 0.3 else {})},
            "chat:leave": {"room": room},
            "chat:send": {**target, "text": text, **({"clientId": self.text()} if rng.random() < 0.3 else {})},
            "chat:history": {**({"room": room} if rng.random() < 0.6 else {"with": user}),
                             "limit": rng.randrange(1, 101), **({"before": rng.randrange(0, 50)} if rng.random() < 0.3 else {})},
            "chat:typing": {**target, "typing": rng.random() < 0.5},
            "presence:set": {"status": rng.choice(["online", "busy", "away"])},
            "content:subscribe": {"type": rng.choice(["message", "messages", "chat-user", "api::message.message"]),
                                  **({"filters": {"room": {"$eq": room}}} if rng.random() < 0.5 else {})},
            "content:unsubscribe": {"type": rng.choice(["message", "chat-user"])},
        }.get(event, {"room": room, "text": text})

    def payload(self, event: str) -> Any:
        """Mostly mutated valid payloads (to reach deep), else anything at all."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.05:
            return NOTHING
        if roll < 0.15:
            return self.value()
        # register and login cost a password hash each: keep their well-formed share small
        if rng.random() < (0.03 if event in ("register", "login") else 0.6):
            body = self.valid(event)
            for _ in range(rng.choice([0, 0, 1, 1, 2])):
                action = rng.randrange(3)
                if action == 0 and body:
                    body[rng.choice(list(body))] = self.value()
                elif action == 1 and body:
                    del body[rng.choice(list(body))]
                else:
                    body[rng.choice(KEYS)] = self.value()
            return body
        return {key: self.value() for key in rng.sample(KEYS, rng.randrange(0, 6))}


async def test_random_payloads_at_every_event_break_nothing(server: ChatServer, connect: Connect) -> None:
    alice, bob = await server.users(2)
    rooms = ["fuzz", "lobby", unique("room")]
    native = await connect(server, alice.jwt)
    for room in rooms:
        await native.ok("chat:join", {"room": room})
    ayna = await connect(server, transports=["polling", "websocket"])
    assert await ayna.call("login", {"username": alice.username, "password": PASSWORD}) is None
    assert await ayna.call("join", {"username": alice.username, "room": "fuzz"}) is None
    welcome_id = (await ayna.wait_for("welcome"))["userData"]["id"]
    anonymous = await connect(server)
    sockets = [native, ayna, anonymous]
    fuzzer = Fuzzer(SEED, [alice.username, bob.username, "bot", ""], rooms,
                    [alice.id, bob.id, alice.documentId, welcome_id, str(welcome_id), 0, -1])

    answers: Counter[str] = Counter()

    async def throw(socket: Client, event: str, payload: Any, ack: bool) -> None:
        if not ack:
            await socket.emit(event, payload)
            return
        answer = await socket.call(event, payload, timeout=20)
        if isinstance(answer, dict):  # a native ack
            answers["ok" if answer.get("ok") else answer["error"]["name"]] += 1
        else:  # an Ayna ack: an error string, or nothing on success
            assert answer is None or (isinstance(answer, str) and answer), (event, payload, answer)
            answers["ayna error" if answer else "ayna ok"] += 1

    events = [*AYNA, *NATIVE, *UNKNOWN]
    plan = [(event, fuzzer.payload(event), fuzzer.rng.random() < 0.5, fuzzer.rng.choice(sockets))
            for event in events[:len(AYNA) + len(NATIVE)] for _ in range(PAYLOADS_PER_EVENT)]
    plan += [(event, fuzzer.payload(event), fuzzer.rng.random() < 0.5, fuzzer.rng.choice(sockets))
             for event in (fuzzer.rng.choice(UNKNOWN) for _ in range(PAYLOADS_PER_EVENT))]
    fuzzer.rng.shuffle(plan)
    for start in range(0, len(plan), 100):
        await asyncio.gather(*(throw(socket, event, payload, ack)
                               for event, payload, ack, socket in plan[start:start + 100]))

    print(f"{len(plan)} payloads; acks: {dict(answers.most_common())}")
    assert sum(answers.values()) > len(plan) // 3
    assert answers["server_error"] == answers["NotFoundError"] == 0, answers  # every refusal foreseen and named
    assert answers["ok"] > 0 and answers["invalid_payload"] > 0 and answers["unknown_event"] > 0, answers
    for socket in sockets:  # no payload cost a connection
        assert socket.sio.connected

    # the server still answers, the fuzzed sockets included
    checker = await connect(server, bob.jwt)
    await checker.ok("chat:join", {"room": "after"})
    sent = await checker.ok("chat:send", {"room": "after", "text": "still alive"})
    assert (await checker.wait_for("chat:message", lambda m: m["id"] == sent["id"]))["text"] == "still alive"
    await native.ok("chat:join", {"room": "fuzz"})  # the fuzzer may have left it
    await native.ok("chat:send", {"room": "fuzz", "text": "fuzzer still connected"})
    # (the fuzzer may have logged that socket in as someone else: log in and join again)
    welcomes = len(ayna.received("welcome"))
    assert await ayna.call("login", {"username": alice.username, "password": PASSWORD}) is None
    assert await ayna.call("join", {"username": alice.username, "room": "fuzz"}) is None
    await ayna.wait_for("welcome", lambda _: len(ayna.received("welcome")) > welcomes)
    welcome_id = ayna.received("welcome")[-1]["userData"]["id"]
    assert await ayna.call("sendMessage", {"userId": welcome_id, "message": "ayna still connected"}) is None
    await ayna.wait_for("message", lambda m: m["text"] == "ayna still connected")

    # only whole messages and memberships were stored
    messages = await server.messages()
    assert len(messages) > 1
    for row in messages:
        assert isinstance(row["text"], str) and row["text"].strip() and len(row["text"]) <= MAX_TEXT, row
        assert row["sender_id"] is not None, row
        assert row["room"] is not None or row["recipient_id"] is not None, row
    memberships = await server.rows("SELECT room, status, user_id, username FROM chat_users")
    for row in memberships:
        assert row["room"] and row["user_id"] is not None and row["username"], row
        assert row["status"] in ("online", "busy", "away", "offline"), row
    assert len({(row["user_id"], row["room"]) for row in memberships}) == len(memberships)  # one per user and room


async def test_malformed_packets_on_the_wire_do_not_hurt_the_server(server: ChatServer, connect: Connect) -> None:
    """Below the events: raw Engine.IO/Socket.IO frames a library would never send."""
    garbage = ["", "4", "42", "42[", "42[]", "42[1]", '42["chat:send"', "42{}", "42null", '421["chat:send",{}]x',
               '42["chat:send",' + "[" * 500 + "]" * 500 + "]", "43", "44", "46", "9", "40/nope,", "41", "7",
               '42["chat:join",{"room":"x"}]', "\x00\xff", "2probe", "5", "6", "421[{}]", '422[["a"]]', "423[1]",
               '424[null,{"room":"x"}]', '425["*"]', '426["*","x"]', '427["disconnect"]', '428["connect",{}]']
    url = server.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    for frame in garbage:
        try:
            async with websockets.connect(url, open_timeout=5, close_timeout=1) as raw:
                await raw.recv()  # the Engine.IO open packet
                await raw.send("40")
                await raw.recv()  # the Socket.IO connect answer
                await raw.send(frame)
                await raw.send(b"\x04\xff\x00binary")
                await asyncio.sleep(0.01)
        except websockets.exceptions.ConnectionClosed:
            pass  # dropping such a client is fine
    user = await server.register()
    socket = await connect(server, user.jwt)
    await socket.ok("chat:join", {"room": "wire"})
    assert (await socket.ok("chat:send", {"room": "wire", "text": "fine"}))["text"] == "fine"


async def test_text_longer_than_the_limit_is_too_large(server: ChatServer, connect: Connect) -> None:
    """Catches a server that stores (or cuts) over-long texts instead of refusing them."""
    long = "\u2603" * (MAX_TEXT + 1)  # a character the fuzzer above never sends
    user = await server.register()
    socket = await connect(server, user.jwt)
    await socket.ok("chat:join", {"room": "long"})
    assert (await socket.ok("chat:send", {"room": "long", "text": "x" * MAX_TEXT}))["text"] == "x" * MAX_TEXT
    assert await socket.refused("chat:send", {"room": "long", "text": long}) == "too_large"
    assert await socket.refused("chat:send", {"to": user.id, "text": long}) == "too_large"
    assert await socket.refused("chat:send", {"room": "long", "text": "z", "clientId": "c" * 65}) == "too_large"

    ayna = await connect(server)
    assert await ayna.call("login", {"username": user.username, "password": PASSWORD}) is None
    assert await ayna.call("join", {"username": user.username, "room": "long"}) is None
    user_id = (await ayna.wait_for("welcome"))["userData"]["id"]
    assert await ayna.call("sendMessage", {"userId": user_id, "message": long}) == \
        f"Messages are limited to {MAX_TEXT} characters."
    assert await server.messages("text LIKE $1", "\u2603%") == []


async def test_a_typed_100k_message_is_answered_and_the_socket_stays(server: ChatServer, connect: Connect) -> None:
    """The Ayna frontend sends whatever was typed: a transport limit near the message limit
    would drop the connection instead of answering (caught: the ack never comes, the socket closes)."""
    user = await server.register()
    ayna = await connect(server)
    assert await ayna.call("login", {"username": user.username, "password": PASSWORD}) is None
    assert await ayna.call("join", {"username": user.username, "room": "typed"}) is None
    user_id = (await ayna.wait_for("welcome"))["userData"]["id"]
    assert await ayna.call("sendMessage", {"userId": user_id, "message": "\u2604" * 100_000}) == \
        f"Messages are limited to {MAX_TEXT} characters."
    assert ayna.sio.connected
    assert await ayna.call("sendMessage", {"userId": user_id, "message": "short again"}) is None
    assert await server.messages("text LIKE $1", "\u2604%") == []


async def test_a_packet_beyond_max_packet_bytes_drops_only_that_connection(server: ChatServer, connect: Connect) -> None:
    user = await server.register()
    bystander = await connect(server, user.jwt)
    await bystander.ok("chat:join", {"room": "huge"})
    flooder = await connect(server, user.jwt)
    await flooder.emit("chat:send", {"room": "huge", "text": "x" * 1_100_000})  # > max_packet_bytes (1 MiB)
    await asyncio.wait_for(flooder.disconnected.wait(), 5)
    assert (await bystander.ok("chat:send", {"room": "huge", "text": "unaffected"}))["text"] == "unaffected"


# -- rate limit ---------------------------------------------------------------------------------------

RATE_LIMITED = {"ok": False, "error": {"name": "rate_limited", "message": "You are sending too fast; slow down"}}


@pytest.fixture(scope="module")
def slow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatServer]:
    # a burst of 3, then one more send per 1000 s: within a test the bucket never refills, so what is
    # accepted does not depend on how fast the sends follow each other
    with chat_server(tmp_path_factory, "send_rate = 0.001\nsend_burst = 3", name="ratelimit") as running:
        yield running


@pytest.fixture(scope="module")
def refill_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatServer]:
    with chat_server(tmp_path_factory, "send_rate = 5.0\nsend_burst = 2", name="refill") as running:
        yield running


async def test_each_socket_may_send_a_burst_then_is_refused(slow_server: ChatServer, connect: Connect) -> None:
    """Catches a send budget that is not enforced, is off by one, is shared by a user's sockets, or
    stores refused messages (the bucket does not refill during the test, so no timing is involved)."""
    user = await slow_server.register()
    room = unique("rate")
    socket = await connect(slow_server, user.jwt)
    await socket.ok("chat:join", {"room": room})
    answers = [await socket.call("chat:send", {"room": room, "text": f"r{i}"}) for i in range(6)]
    assert [a["ok"] for a in answers] == [True, True, True, False, False, False], answers
    assert [a["data"]["text"] for a in answers[:3]] == ["r0", "r1", "r2"]
    assert answers[3:] == [RATE_LIMITED] * 3
    assert [m["text"] for m in await slow_server.messages("room = $1", room)] == ["r0", "r1", "r2"]

    other_socket = await connect(slow_server, user.jwt)  # the budget is per socket
    await other_socket.ok("chat:join", {"room": room})
    assert (await other_socket.ok("chat:send", {"room": room, "text": "from another socket"}))["text"] == \
        "from another socket"
    assert await socket.call("chat:send", {"room": room, "text": "still too many"}) == RATE_LIMITED
    assert [m["text"] for m in await slow_server.messages("room = $1", room)] == \
        ["r0", "r1", "r2", "from another socket"]


async def test_a_refused_socket_is_served_again_at_the_sustained_rate(refill_server: ChatServer,
                                                                      connect: Connect) -> None:
    """Catches a bucket that never refills, or refills faster than ``send_rate`` (5 per second after a
    burst of 2). Scheduling cannot make it fail: the n-th accepted send needs n - 2 tokens refilled
    since the bucket was made, which was after ``start``, so it cannot be acknowledged before
    ``start + (n - 2) / 5``; a slow client only waits longer for the next token."""
    user = await refill_server.register()
    room = unique("rate")
    socket = await connect(refill_server, user.jwt)
    await socket.ok("chat:join", {"room": room})
    start = time.monotonic()  # before the first chat:send, which makes the socket's send bucket (full)
    accepted: list[str] = []
    while len(accepted) < 5:  # the burst, then three more at the sustained rate
        assert time.monotonic() < start + 10, f"no refill: {len(accepted)} sends accepted in 10 s"
        text = f"s{len(accepted)}"
        answer = await socket.call("chat:send", {"room": room, "text": text})
        if answer["ok"]:
            assert answer["data"]["text"] == text
            accepted.append(text)
            assert len(accepted) - 2 <= 5.0 * (time.monotonic() - start), (len(accepted), time.monotonic() - start)
        else:
            assert answer == RATE_LIMITED
            await asyncio.sleep(0.05)
    assert [m["text"] for m in await refill_server.messages("room = $1", room)] == accepted


async def test_ayna_senders_are_told_to_slow_down_in_words(slow_server: ChatServer, connect: Connect) -> None:
    """Catches a refused Ayna message that is echoed (or stored) anyway: after the quiet wait, a message
    from another socket reaches this one, so an echo sent before it would have arrived first."""
    user, other = await slow_server.users(2)
    room = unique("rate")
    socket = await connect(slow_server)
    assert await socket.call("login", {"username": user.username, "password": PASSWORD}) is None
    assert await socket.call("join", {"username": user.username, "room": room}) is None
    user_id = (await socket.wait_for("welcome"))["userData"]["id"]
    answers = [await socket.call("sendMessage", {"userId": user_id, "message": f"a{i}"}) for i in range(5)]
    assert answers == [None, None, None, "You are sending too fast.", "You are sending too fast."]
    await quiet(0.1)
    assert [m["text"] for m in socket.received("message")] == ["a0", "a1", "a2"]
    # positive control: the room still reaches this socket
    control = await connect(slow_server, other.jwt)
    await control.ok("chat:join", {"room": room})
    sent = await control.ok("chat:send", {"room": room, "text": "control"})
    await socket.wait_for("chat:message", lambda m: m["id"] == sent["id"])
    assert [m["text"] for m in socket.received("chat:message")] == ["a0", "a1", "a2", "control"]
    assert [m["text"] for m in socket.received("message")] == ["a0", "a1", "a2"]
    assert [m["text"] for m in await slow_server.messages("room = $1", room)] == ["a0", "a1", "a2", "control"]


# -- overload ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def busy_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatServer]:
    # one message waiting for a transaction is already "behind": concurrent sends see it
    with chat_server(tmp_path_factory, "max_pending = 1", name="overload") as running:
        yield running


async def test_overload_refuses_at_once_and_loses_no_acknowledged_message(busy_server: ChatServer, connect: Connect) -> None:
    users = await busy_server.users(4)
    sockets = [await connect(busy_server, user.jwt) for user in users]
    for socket in sockets:
        await socket.ok("chat:join", {"room": "busy"})

    async def send(socket: Client, text: str) -> tuple[str, dict[str, Any]]:
        return text, await socket.call("chat:send", {"room": "busy", "text": text})

    answers = await asyncio.gather(*(send(socket, f"{n}-{i}") for n, socket in enumerate(sockets) for i in range(10)))
    names = Counter("ok" if answer["ok"] else answer["error"]["name"] for _, answer in answers)
    assert names["overloaded"] > 0 and names["ok"] > 0 and set(names) == {"ok", "overloaded"}, names
    acked = {text: answer["data"]["id"] for text, answer in answers if answer["ok"]}
    stored = {row["text"]: row["id"] for row in await busy_server.messages("room = $1", "busy")}
    assert stored == acked  # every acknowledged message is stored; no refused one is

    # once the queue drains, senders are served again
    await asyncio.sleep(0.1)
    assert (await sockets[0].ok("chat:send", {"room": "busy", "text": "calm again"}))["text"] == "calm again"
    # and the Ayna protocol says so in words
    ayna = await connect(busy_server)
    assert await ayna.call("login", {"username": users[0].username, "password": PASSWORD}) is None
    assert await ayna.call("join", {"username": users[0].username, "room": "busy"}) is None
    user_id = (await ayna.wait_for("welcome"))["userData"]["id"]
    ayna_answers = await asyncio.gather(*(ayna.call("sendMessage", {"userId": user_id, "message": f"y{i}"})
                                          for i in range(10)))
    assert "The server is overloaded, try again shortly" in ayna_answers and None in ayna_answers
    assert set(ayna_answers) == {None, "The server is overloaded, try again shortly"}, ayna_answers
    await quiet(0.2)
    # positive control: one more message is echoed (so echoes of refused ones would have come before it)
    deadline = time.monotonic() + 5
    while (answer := await ayna.call("sendMessage", {"userId": user_id, "message": "z-control"})) is not None:
        assert answer == "The server is overloaded, try again shortly" and time.monotonic() < deadline, answer
        await asyncio.sleep(0.05)
    await ayna.wait_for("message", lambda m: m["text"] == "z-control")
    echoed = [m["text"] for m in ayna.received("message")]
    assert echoed[-1] == "z-control"
    assert set(echoed[:-1]) == {row["text"] for row in await busy_server.messages("text LIKE $1", "y%")}
    assert sorted(echoed[:-1]) == sorted(f"y{i}" for i, a in enumerate(ayna_answers) if a is None)


async def test_clients_of_a_busy_server_keep_their_connection(busy_server: ChatServer) -> None:
    """Catches a flood that costs the connection or loses, mixes up or garbles an answer: each of the 30
    sends gets its own answer, its message as stored or a named refusal, and only acknowledged ones are
    stored."""
    user = await busy_server.register()
    room = unique("flood")
    refusals = {"overloaded": "The server is overloaded, try again shortly",
                "rate_limited": "You are sending too fast; slow down"}  # the latter: over max_in_flight
    client = await open_client(busy_server.url, user.jwt)
    try:
        await client.ok("chat:join", {"room": room})
        answers = await asyncio.gather(*(client.call("chat:send", {"room": room, "text": json.dumps(i)})
                                         for i in range(30)))
        acked: dict[int, str] = {}
        for i, answer in enumerate(answers):
            if answer["ok"]:
                data = answer["data"]
                assert (data["text"], data["room"], data["recipient"]) == (json.dumps(i), room, None), answer
                assert data["sender"] == {"id": user.id, "documentId": user.documentId, "username": user.username}
                acked[data["id"]] = data["text"]
            else:
                name = answer["error"]["name"]
                assert answer == {"ok": False, "error": {"name": name, "message": refusals[name]}}, answer
        assert acked, answers
        assert {row["id"]: row["text"] for row in await busy_server.messages("room = $1", room)} == acked
        assert client.sio.connected
        assert (await client.ok("chat:send", {"room": room, "text": "after the flood"}))["text"] == "after the flood"
    finally:
        await client.close()
