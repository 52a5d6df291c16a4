"""The assistant against a real OpenAI-compatible server: when it answers, what it sends, how it fails.

One chat server for the module, its provider the fake server of
fake_provider.py (streaming, short timeouts, one retry, a cooldown of one
second, three replies a day, mentions in rooms on). Every test uses fresh
users, so conversations, cooldowns and caps never overlap between tests.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest

from tests.plugins.assistant.conftest import (
    API_KEY, KEY_ENV, assistant_server, busy, generated, send, settle, warnings_about,
)
from tests.plugins.assistant.fake_provider import SLOW, FakeProvider
from tests.plugins.realtime.conftest import ChatServer, Connect, quiet, unique

COOLDOWN = 1.0
DAILY_CAP = 3


@pytest.fixture(scope="module")
def provider() -> Iterator[FakeProvider]:
    fake = FakeProvider().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, provider: FakeProvider) -> Iterator[ChatServer]:
    settings = f"""
provider = "openai"
base_url = "{provider.base_url}"
model = "fake-model"
api_key_env = "{KEY_ENV}"
system_prompt = "Answer for {{username}} (busy), talking with {{sender}}, at {{time}}."
history = 4
timeout = 1.0
retries = 1
deadline = 6.0
cooldown_seconds = {COOLDOWN}
daily_cap = {DAILY_CAP}
mention_in_rooms = true
typing_interval = 0.2
"""
    with assistant_server(tmp_path_factory, settings, "assistant", env={KEY_ENV: API_KEY}) as running:
        yield running


async def test_a_busy_user_is_answered_for(server: ChatServer, provider: FakeProvider, connect: Connect) -> None:
    alice, bob = await server.users(2)
    a, b = await connect(server, alice.jwt), await connect(server, bob.jwt)
    await busy(b)

    sent, _ = await send(a, bob, "are you free tonight?")
    assert sent["generated"] is False  # the sender's own message, as stored and acked

    # delivered live to both parties, marked, from the busy user, in the same conversation
    reply = await a.wait_for("chat:message", lambda m: m.get("generated") is True)
    assert reply["text"] == "[bot] are you free tonight?"
    assert reply["sender"]["id"] == bob.id and reply["recipient"]["id"] == alice.id and reply["room"] is None
    assert reply["clientId"] == f"assistant:{sent['id']}"
    assert (await b.wait_for("chat:message", lambda m: m.get("generated") is True))["id"] == reply["id"]

    # while the provider streamed, alice saw bob typing, then stop
    typing = a.received("chat:typing")
    assert typing and typing[0] == {"user": {"id": bob.id, "documentId": bob.documentId, "username": bob.username},
                                    "typing": True}
    assert (await a.wait_for("chat:typing", lambda t: t["typing"] is False))["user"]["id"] == bob.id
    assert not b.received("chat:typing")

    # the marker is in REST, in history and in the database
    response = await server.http("GET", "/api/messages", alice.jwt, params={
        "filters[id][$eq]": reply["id"], "populate": "sender"})
    assert response.status_code == 200, response.text
    [rest] = response.json()["data"]
    assert rest["generated"] is True and rest["sender"]["username"] == bob.username
    history = await a.ok("chat:history", {"with": bob.id})
    assert [(m["text"], m["generated"]) for m in history["messages"]] == [
        ("are you free tonight?", False), ("[bot] are you free tonight?", True)]
    assert [r["generated"] for r in await server.rows("SELECT generated FROM messages WHERE id = $1", reply["id"])] \
        in ([1], [True])

    # what the provider got: the wire protocol, the key from the environment, the prompt
    [request] = provider.requests_about("are you free tonight?")
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["Authorization"] == f"Bearer {API_KEY}"
    body = request["body"]
    assert body["model"] == "fake-model" and body["stream"] is True and body["max_tokens"] == 300
    system, *rest_messages = body["messages"]
    assert system["role"] == "system" and system["content"].startswith(
        f"Answer for {bob.username} (busy), talking with {alice.username}, at 20")
    assert rest_messages == [{"role": "user", "content": "are you free tonight?"}]

    await settle()
    assert len(generated(a)) == 1  # one reply per incoming message


async def test_a_user_in_no_room_can_be_busy(server: ChatServer, provider: FakeProvider, connect: Connect) -> None:
    """presence:set was kept only on room memberships: a user who had joined no room could not
    be busy, and the assistant never answered for them. The chosen status is now per user."""
    alice, bob = await server.users(2)
    a, b = await connect(server, alice.jwt), await connect(server, bob.jwt)
    await b.ok("presence:set", {"status": "busy"})
    sent, _ = await send(a, bob, "anyone there?")
    reply = await a.wait_for("chat:message", lambda m: m.get("generated") is True)
    assert reply["sender"]["id"] == bob.id and reply["clientId"] == f"assistant:{sent['id']}"
    # back online: no more replies; a room joined while busy starts busy
    await b.ok("presence:set", {"status": "online"})
    await send(a, bob, "and now?")
    await settle()
    assert len(generated(a)) == 1
    await b.ok("presence:set", {"status": "away"})
    joined = await b.ok("chat:join", {"room": f"late-{b.sid}"})
    rows = await server.rows("SELECT status FROM chat_users WHERE room = $1", joined["room"])
    assert [r["status"] for r in rows] == ["away"]


async def test_online_and_away_users_are_not_answered_for(server: ChatServer, provider: FakeProvider,
                                                          connect: Connect) -> None:
    alice, bob, carol = await server.users(3)
    a = await connect(server, alice.jwt)
    b, c = await connect(server, bob.jwt), await connect(server, carol.jwt)
    await busy(b, status="online")
    await busy(c, status="away")  # only "busy" is configured
    word = unique("online")
    await send(a, bob, f"{word} to bob")
    await send(a, carol, f"{word} to carol")
    dave = await server.register()  # never connected: offline
    await send(a, dave, f"{word} to dave")
    await settle()
    assert not generated(a) and not generated(b) and not generated(c)
    assert provider.requests_about(word) == []
    assert await server.rows("SELECT id FROM messages WHERE generated AND sender_id IN ($1, $2, $3)",
                             bob.id, carol.id, dave.id) == []


async def test_cooldown_per_conversation(server: ChatServer, provider: FakeProvider, connect: Connect) -> None:
    alice, bob, carol = await server.users(3)
    a, b, c = await connect(server, alice.jwt), await connect(server, bob.jwt), await connect(server, carol.jwt)
    await busy(b)
    word = unique("cool")
    await send(a, bob, f"{word} one")
    await send(a, bob, f"{word} two")   # same conversation, within the cooldown
    await send(c, bob, f"{word} three")  # another conversation: its own cooldown
    await a.wait_for("chat:message", lambda m: m.get("generated") is True)
    await c.wait_for("chat:message", lambda m: m.get("generated") is True)
    await settle()
    assert [m["text"] for m in generated(a)] == [f"[bot] {word} one"]
    assert [m["text"] for m in generated(c)] == [f"[bot] {word} three"]

    await asyncio.sleep(COOLDOWN)
    await send(a, bob, f"{word} four")  # the cooldown is over
    await a.wait_for("chat:message", lambda m: m.get("generated") is True and m["text"].endswith("four"))
    assert len(provider.requests_about(word)) == 3


async def test_daily_cap_per_busy_user(server: ChatServer, connect: Connect) -> None:
    bob, *senders = await server.users(DAILY_CAP + 2)
    b = await connect(server, bob.jwt)
    await busy(b)
    sockets = [await connect(server, s.jwt) for s in senders]
    for socket, sender in zip(sockets, senders):
        await send(socket, bob, f"cap from {sender.username}")
        await asyncio.sleep(0.05)
    await b.wait_for("chat:message", lambda m: len(generated(b)) >= DAILY_CAP, timeout=10)
    await settle(1.0)
    assert len(generated(b)) == DAILY_CAP
    rows = await server.rows("SELECT id FROM messages WHERE generated AND sender_id = $1", bob.id)
    assert len(rows) == DAILY_CAP


async def test_the_assistant_never_answers_an_assistant(server: ChatServer, provider: FakeProvider,
                                                        connect: Connect) -> None:
    """Both users busy: bob's assistant answers alice, and alice's never answers that reply."""
    alice, bob = await server.users(2)
    a, b = await connect(server, alice.jwt), await connect(server, bob.jwt)
    await busy(a)
    await busy(b)
    word = unique("loop")
    await send(a, bob, f"{word} ping")
    await b.wait_for("chat:message", lambda m: m.get("generated") is True)
    await settle(1.5)  # longer than the cooldown: a loop would have shown by now
    stored = await server.rows("SELECT sender_id, generated FROM messages WHERE sender_id IN ($1, $2) ORDER BY id",
                               alice.id, bob.id)
    assert [(r["sender_id"], bool(r["generated"])) for r in stored] == [(alice.id, False), (bob.id, True)]
    assert len(provider.requests_about(word)) == 1 and provider.requests_about(f"[bot] {word}") == []


async def test_clients_cannot_mark_messages_generated(server: ChatServer, connect: Connect) -> None:
    alice, bob = await server.users(2)
    response = await server.http("POST", "/api/messages", alice.jwt, json={
        "data": {"text": "pretending", "sender": alice.id, "recipient": bob.id, "generated": True}})
    assert response.status_code == 201, response.text
    created = response.json()["data"]
    assert created["generated"] is False
    response = await server.http("PUT", f"/api/messages/{created['documentId']}", alice.jwt,
                                 json={"data": {"generated": True}})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["generated"] is False
    a = await connect(server, alice.jwt)
    data = await a.ok("chat:send", {"to": bob.id, "text": "also pretending", "generated": True})
    assert data["generated"] is False
    rows = await server.rows("SELECT generated FROM messages WHERE sender_id = $1", alice.id)
    assert [bool(r["generated"]) for r in rows] == [False, False]


async def test_room_mentions_of_a_busy_user(server: ChatServer, provider: FakeProvider, connect: Connect) -> None:
    room = unique("room")
    alice, bob, carol = await server.users(3)
    a, b, c = await connect(server, alice.jwt), await connect(server, bob.jwt), await connect(server, carol.jwt)
    for socket in (a, b, c):
        await socket.ok("chat:join", {"room": room})
    await b.ok("presence:set", {"status": "busy"})

    await send(a, text="nobody is mentioned here", room=room)
    await send(a, text=f"@{carol.username} you are online", room=room)
    await send(a, text=f"mail {bob.username}@example.com is no mention", room=room)
    sent, _ = await send(a, text=f"@{bob.username.upper()} can you review?", room=room)
    reply = await c.wait_for("chat:message", lambda m: m.get("generated") is True)
    assert reply["room"] == room and reply["recipient"] is None and reply["sender"]["id"] == bob.id
    assert reply["text"] == f"[bot] @{bob.username.upper()} can you review?"
    assert (await a.wait_for("chat:typing", lambda t: t.get("room") == room))["user"]["id"] == bob.id
    assert not b.received("chat:typing")  # bob's own sockets are not told that bob types
    await settle()
    assert len(generated(a)) == 1

    # the room's history went along, authors named; the provider saw the room as bob may read it
    [request] = provider.requests_about("can you review?")
    contents = [m["content"] for m in request["body"]["messages"][1:]]
    assert contents[-1] == f"{alice.username}: @{bob.username.upper()} can you review?"
    assert contents[:-1] == [f"{alice.username}: nobody is mentioned here",
                             f"{alice.username}: @{carol.username} you are online",
                             f"{alice.username}: mail {bob.username}@example.com is no mention"]
    assert sent["id"] < reply["id"]


async def test_only_what_the_busy_user_may_read_goes_to_the_provider(server: ChatServer, provider: FakeProvider,
                                                                     connect: Connect) -> None:
    alice, bob, carol = await server.users(3)
    a, b, c = await connect(server, alice.jwt), await connect(server, bob.jwt), await connect(server, carol.jwt)
    # an earlier conversation between alice and bob, and one between alice and carol
    await send(a, bob, "earlier question")
    await send(b, alice, "earlier answer")
    await send(a, carol, "carol-only secret")
    await send(c, alice, "carol-only reply")
    await busy(b)
    word = unique("privacy")
    await send(a, bob, f"{word} now?")
    await a.wait_for("chat:message", lambda m: m.get("generated") is True)
    [request] = provider.requests_about(word)
    assert request["body"]["messages"][1:] == [
        {"role": "user", "content": "earlier question"},
        {"role": "assistant", "content": "earlier answer"},
        {"role": "user", "content": f"{word} now?"},
    ]
    raw = json.dumps(request["body"])
    for private in ("carol-only", "@example.com", "password", alice.documentId):
        assert private not in raw


async def test_a_user_can_turn_it_off(server: ChatServer, provider: FakeProvider, connect: Connect) -> None:
    alice, bob = await server.users(2)
    a, b = await connect(server, alice.jwt), await connect(server, bob.jwt)
    await busy(b)
    response = await server.http("GET", "/api/assistant/settings", bob.jwt)
    assert response.status_code == 200, response.text
    assert response.json() == {"data": {"enabled": True, "choice": None, "roleDefault": True}}
    response = await server.http("PUT", "/api/assistant/settings", bob.jwt, json={"data": {"enabled": False}})
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"enabled": False, "choice": False, "roleDefault": True}

    word = unique("off")
    await send(a, bob, f"{word} hello?")
    await settle()
    assert not generated(a) and provider.requests_about(word) == []

    response = await server.http("PUT", "/api/assistant/settings", bob.jwt, json={"data": {"enabled": None}})
    assert response.json()["data"] == {"enabled": True, "choice": None, "roleDefault": True}
    await send(a, bob, f"{word} again?")
    await a.wait_for("chat:message", lambda m: m.get("generated") is True)

    # checked input; nobody but a registered user has a setting
    response = await server.http("PUT", "/api/assistant/settings", bob.jwt, json={"data": {"enabled": "yes"}})
    assert response.status_code == 400
    assert (await server.http("GET", "/api/assistant/settings")).status_code in (401, 403)


async def test_provider_failures_are_quiet_and_bounded(server: ChatServer, provider: FakeProvider,
                                                       connect: Connect) -> None:
    """500 (after its retry), a malformed stream, a refusal: no reply, one warning each, and the
    chat goes on meanwhile."""
    word = unique("fail")
    failures = {"#500": "HTTP 500", "#malformed": "malformed", "#refuse": "refused"}
    for directive, reason in failures.items():
        alice, bob, carol = await server.users(3)
        a, b, c = await connect(server, alice.jwt), await connect(server, bob.jwt), await connect(server, carol.jwt)
        await busy(b)
        sent, _ = await send(a, bob, f"{word} {directive}")
        await provider.wait_requests(f"{word} {directive}", 2 if directive == "#500" else 1)
        await send(a, carol, "meanwhile")  # the chat is not affected
        await c.wait_for("chat:message", lambda m: m["text"] == "meanwhile")
        deadline = asyncio.get_running_loop().time() + 5
        while not warnings_about(server, sent["id"]) and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
        await settle(0.3)
        assert not generated(a) and not generated(b)
        [line] = warnings_about(server, sent["id"])
        assert "WARNING" in line and reason in line and word not in line and API_KEY not in line
        assert (await a.wait_for("chat:typing", lambda t: t["typing"] is False))["user"]["id"] == bob.id
    assert len(provider.requests_about(f"{word} #500")) == 2  # one try and one retry (retries = 1)


async def test_429_and_500_are_retried(server: ChatServer, provider: FakeProvider, connect: Connect) -> None:
    for directive in ("#429once", "#500once"):
        alice, bob = await server.users(2)
        a, b = await connect(server, alice.jwt), await connect(server, bob.jwt)
        await busy(b)
        word = unique("retry")
        await send(a, bob, f"{word} {directive}")
        reply = await a.wait_for("chat:message", lambda m: m.get("generated") is True)
        assert reply["text"] == f"[bot] {word} {directive}"
        assert len(provider.requests_about(word)) == 2


async def test_a_slow_provider_never_slows_the_chat(server: ChatServer, provider: FakeProvider,
                                                    connect: Connect) -> None:
    alice, bob, carol = await server.users(3)
    a, b, c = await connect(server, alice.jwt), await connect(server, bob.jwt), await connect(server, carol.jwt)
    await busy(b)
    _, baseline = await send(a, carol, "to someone online")
    word = unique("slow")
    sent, busy_ack = await send(a, bob, f"{word} #slow")
    await provider.wait_requests(word)  # the model is working on it now
    _, during = await send(a, carol, "while the model thinks")
    others = [await send(c, alice, f"quick {i}") for i in range(3)]
    assert busy_ack < baseline + 0.25 and busy_ack < 0.5, (busy_ack, baseline)
    assert during < 0.5 and all(t < 0.5 for _, t in others), (during, others)
    assert SLOW > 1.0 * 2  # every attempt times out (timeout = 1 s, one retry)
    for _ in range(100):
        if warnings_about(server, sent["id"]):
            break
        await asyncio.sleep(0.05)
    [line] = warnings_about(server, sent["id"])
    assert "timed out" in line
    assert not generated(a)


async def test_the_api_key_never_shows(server: ChatServer, provider: FakeProvider, connect: Connect) -> None:
    alice, bob = await server.users(2)
    a, b = await connect(server, alice.jwt), await connect(server, bob.jwt)
    await busy(b)
    await send(a, bob, f"{unique('key')} hi")
    await a.wait_for("chat:message", lambda m: m.get("generated") is True)
    await send(a, bob, f"{unique('key')} #500")  # within the cooldown: nothing
    outputs = [server.server.log(), json.dumps(dict(a.events)), json.dumps(dict(b.events))]
    for path in ("/api/openapi.json", "/api/messages", "/api/assistant/settings"):
        outputs.append((await server.http("GET", path, alice.jwt)).text)
    for output in outputs:
        assert API_KEY not in output and API_KEY[8:] not in output
    assert any(r["headers"].get("Authorization") == f"Bearer {API_KEY}" for r in provider.requests)
    await quiet()
