"""Files in chat messages: uploaded first over REST with the user's JWT (the upload plugin), then
sent by id with ``chat:send``; stored as the message's ``attachments`` and delivered, in history and
live, as file objects. A message may be files only; only files the sender may read (by default,
their own uploads) can be sent; the message type's ``allowedTypes`` hold on the socket path too."""

from __future__ import annotations

import io
import wave
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image

from tests.plugins.realtime.conftest import ChatServer, Connect, User, chat_server, unique

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatServer]:
    with chat_server(tmp_path_factory, "max_message_files = 3\nmax_message_file_bytes = 20000",
                     name="attachments") as running:
        yield running


def png(width: int = 20, height: int = 10) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def wav() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as audio:
        audio.setnchannels(1), audio.setsampwidth(2), audio.setframerate(8000)
        audio.writeframes(b"\x00\x00" * 800)
    return out.getvalue()


async def upload(server: ChatServer, user: User, name: str, content: bytes) -> dict[str, Any]:
    answer = await server.http("POST", "/api/upload", user.jwt, files={"files": (name, content, "application/x-lie")})
    assert answer.status_code == 201, answer.text
    return dict(answer.json()[0])


async def test_files_are_sent_stored_and_delivered(server: ChatServer, connect: Connect) -> None:
    alice, bob = await server.users(2)
    room = unique("room")
    picture, document = await upload(server, alice, "pic.png", png()), await upload(server, alice, "terms.pdf", PDF)
    sender, reader = await connect(server, alice.jwt), await connect(server, bob.jwt)
    for socket in (sender, reader):
        await socket.ok("chat:join", {"room": room})
    sent = await sender.ok("chat:send", {"room": room, "text": "see these", "attachments": [picture["id"], document["id"]]})
    only_files = await sender.ok("chat:send", {"room": room, "attachments": [picture["id"]]})
    assert only_files["text"] is None
    for message in (sent, await reader.wait_for("chat:message", lambda m: m["id"] == sent["id"])):
        files = {f["id"]: f for f in message["attachments"]}
        assert set(files) == {picture["id"], document["id"]}
        assert files[picture["id"]]["url"] == picture["url"] and files[picture["id"]]["width"] == 20
        assert files[document["id"]]["mime"] == "application/pdf"
        assert all("uploaderId" not in f for f in files.values())
    history = await reader.ok("chat:history", {"room": room})
    by_id = {m["id"]: m for m in history["messages"]}
    assert [f["id"] for f in by_id[only_files["id"]]["attachments"]] == [picture["id"]]
    stored = await server.http("GET", f"/api/messages/{sent['documentId']}", bob.jwt, params={"populate": "attachments"})
    assert {f["id"] for f in stored.json()["data"]["attachments"]} == {picture["id"], document["id"]}
    # a text message still has an empty list of files
    plain = await sender.ok("chat:send", {"room": room, "text": "plain"})
    assert plain["attachments"] == []


async def test_only_readable_files_of_allowed_kinds_and_sizes_go_out(server: ChatServer, connect: Connect) -> None:
    """Catches a refused message that is stored or delivered anyway: the room's only delivery, once the
    positive control has arrived, is the control."""
    alice, mallory = await server.users(2)
    room = unique("room")
    mine = await upload(server, alice, "mine.png", png())
    socket = await connect(server, mallory.jwt)
    await socket.ok("chat:join", {"room": room})
    # alice's file: mallory may not read it, so may not send it (nor learn it exists)
    assert await socket.refused("chat:send", {"room": room, "text": "x", "attachments": [mine["id"]]}) \
        == "invalid_attachment"
    assert await socket.refused("chat:send", {"room": room, "text": "x", "attachments": [2**31 - 1]}) \
        == "invalid_attachment"
    song = await upload(server, mallory, "song.wav", wav())  # audio: the message type takes images and files
    assert song["mime"].startswith("audio/")
    assert await socket.refused("chat:send", {"room": room, "attachments": [song["id"]]}) == "invalid_message"
    big = await upload(server, mallory, "big.png", png(400, 400) + b"\x00" * 30000)
    assert await socket.refused("chat:send", {"room": room, "attachments": [big["id"]]}) == "too_large"
    several = [(await upload(server, mallory, f"{i}.png", png()))["id"] for i in range(4)]
    assert await socket.refused("chat:send", {"room": room, "attachments": several}) == "too_large"
    assert await socket.refused("chat:send", {"room": room}) == "invalid_payload"  # neither text nor files
    assert await server.messages("room = $1", room) == []
    # positive control: three of mallory's own files go
    sent = await socket.ok("chat:send", {"room": room, "attachments": several[:3]})
    assert [f["id"] for f in sent["attachments"]] == several[:3]
    assert await socket.wait_for("chat:message") == sent
    assert socket.received("chat:message") == [sent]


async def test_rest_refuses_a_message_without_text_or_files(server: ChatServer) -> None:
    alice = await server.register()
    token = await server.api_token("full-access")
    empty = await server.http("POST", "/api/messages", token, json={"data": {"room": "lobby", "sender": alice.id}})
    assert empty.status_code == 400 and empty.json()["error"]["name"] == "ValidationError", empty.text
    picture = await upload(server, alice, "rest.png", png())
    made = await server.http("POST", "/api/messages", token,
                             json={"data": {"room": "lobby", "sender": alice.id, "attachments": [picture["id"]]}})
    assert made.status_code == 201, made.text
