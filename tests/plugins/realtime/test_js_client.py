"""The chat with real JavaScript clients from npm, in Node.js.

``js/ayna_flow.js`` runs the Ayna flow with the Ayna frontend's own client
library: register → registered, login → logedin, join → welcome, sendMessage →
message, connecting as the frontend does (``io(url)``, no options: long-polling
first, then the upgrade to WebSocket). ``js/package-lock.json`` pins the
frontend's versions (socket.io-client 3.0.5, engine.io-client 4.0.6,
socket.io-parser 4.0.3). ``js4/native_flow.mjs`` runs the native protocol with
socket.io-client 4.8, as browsers and Node apps use it today (WebSocket only,
permessage-deflate offered).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.services import missing_service
from tests.plugins.realtime.conftest import PASSWORD, ChatServer, chat_server, unique

JS = Path(__file__).parent / "js"
JS4 = Path(__file__).parent / "js4"


def installed(folder: Path, version: str) -> None:
    """``folder``'s pinned dependencies, installed with ``npm ci`` unless socket.io-client ``version`` is there."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        missing_service(f"Node.js and npm are needed to run socket.io-client {version}")
    package = folder / "node_modules" / "socket.io-client" / "package.json"
    if not package.exists() or json.loads(package.read_text())["version"] != version:
        result = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=folder, capture_output=True, text=True,
                                timeout=300)
        if result.returncode != 0:
            missing_service(f"npm ci failed, socket.io-client {version} is not installed:\n{result.stderr[-2000:]}")


@pytest.fixture(scope="module")
def node_client() -> Path:
    installed(JS, "3.0.5")
    return JS / "ayna_flow.js"


@pytest.fixture(scope="module")
def node_client_4() -> Path:
    installed(JS4, "4.8.4")
    return JS4 / "native_flow.mjs"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatServer]:
    with chat_server(tmp_path_factory, name="js") as running:
        yield running


async def test_the_ayna_flow_with_socket_io_client_3(node_client: Path, server: ChatServer) -> None:
    versions = {name: json.loads((JS / "node_modules" / name / "package.json").read_text())["version"]
                for name in ("socket.io-client", "engine.io-client", "socket.io-parser")}
    assert versions == {"socket.io-client": "3.0.5", "engine.io-client": "4.0.6", "socket.io-parser": "4.0.3"}
    username, room, text = unique("Js")[:25], "7", "hello from socket.io-client 3"

    process = await asyncio.create_subprocess_exec(
        "node", str(node_client), server.url, username, PASSWORD, room, text,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, (stdout.decode(), stderr.decode())
    result = json.loads(stdout)

    log = result["log"]
    events = [entry["event"] for entry in log if "event" in entry]
    assert events == ["registered", "logedin", "welcome", "message"]  # each once, in order
    assert [entry["args"] for entry in log if "ack" in entry] == [[], [], [], []]  # success: an empty ack
    [welcome] = [entry["args"][0] for entry in log if entry.get("event") == "welcome"]
    assert welcome["user"] == "bot" and welcome["text"]
    assert welcome["userData"]["username"] == username and welcome["userData"]["room"] == room
    [message] = [entry["args"][0] for entry in log if entry.get("event") == "message"]
    assert message == {"user": username.lower(), "text": text}  # drawn as "mine" by the frontend
    assert result["transport"] == "websocket"  # upgraded from polling

    [stored] = await server.messages("text = $1", text)
    assert stored["room"] == room and stored["sender_id"] is not None


async def test_the_native_protocol_with_socket_io_client_4(node_client_4: Path, server: ChatServer) -> None:
    """Catches a server that socket.io-client 4 cannot use: no delivery, no error acks, or a dropped socket."""
    alice, bob = await server.users(2)
    room, text = unique("js4"), "hello from socket.io-client 4"
    process = await asyncio.create_subprocess_exec(
        "node", str(node_client_4), server.url, alice.jwt, bob.jwt, room, text,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, (stdout.decode(), stderr.decode())
    result = json.loads(stdout)
    acks = [(entry["ack"], entry["answer"]) for entry in result["log"] if "ack" in entry]
    assert [event for event, _ in acks] == ["chat:join", "chat:join", "chat:send", "chat:send", "chat:send"]
    assert all(answer["ok"] for _, answer in acks[:3])
    sent = acks[2][1]["data"]
    assert sent["text"] == text and sent["sender"]["username"] == alice.username
    assert acks[3][1]["error"]["name"] == "too_large"  # 100,000 characters: answered, not dropped
    assert acks[4][1]["error"]["name"] == "invalid_payload"  # nested 100 deep
    delivered = {entry["socket"] for entry in result["log"]
                 if entry.get("event") == "chat:message" and entry["message"]["id"] == sent["id"]}
    assert delivered == {"a", "b"}
    assert result["connected"] == [True, True] and result["transport"] == "websocket"
    [stored] = await server.messages("text = $1", text)
    assert stored["room"] == room and stored["sender_id"] == alice.id


async def test_attachments_uploaded_over_rest_then_sent_with_socket_io_client_4(node_client_4: Path,
                                                                                 server: ChatServer) -> None:
    """The flow the realtime README documents, as a browser app runs it: fetch + FormData to
    POST /api/upload with the user's JWT, then chat:send with the file's id."""
    alice, bob = await server.users(2)
    room = unique("files")
    process = await asyncio.create_subprocess_exec(
        "node", str(JS4 / "attachment_flow.mjs"), server.url, alice.jwt, bob.jwt, room,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, (stdout.decode(), stderr.decode())
    result = json.loads(stdout)
    [file] = result["uploaded"]
    sends = [entry["answer"] for entry in result["log"] if entry.get("ack") == "chat:send"]
    assert all(answer["ok"] for answer in sends), sends
    received = [entry["message"] for entry in result["log"] if entry.get("event") == "chat:message"
                and entry["socket"] == "b"]
    assert [m["text"] for m in received] == ["look", None]
    for message in received:
        assert [(f["id"], f["url"], f["mime"]) for f in message["attachments"]] == [(file["id"], file["url"], "image/png")]
