"""The Ayna flow with the Ayna frontend's own client library: socket.io-client 3.0.5 from npm.

``js/ayna_flow.js`` runs register → registered, login → logedin, join →
welcome, sendMessage → message in Node.js, connecting as the frontend does
(``io(url)``, no options: long-polling first, then the upgrade to
WebSocket). ``js/package-lock.json`` pins the frontend's versions
(socket.io-client 3.0.5, engine.io-client 4.0.6, socket.io-parser 4.0.3).
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


@pytest.fixture(scope="module")
def node_client() -> Path:
    """The Node.js script, with its pinned dependencies installed (``npm ci``) if they are not yet."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        missing_service("Node.js and npm are needed to run socket.io-client 3.0.5")
    installed = JS / "node_modules" / "socket.io-client" / "package.json"
    if not installed.exists() or json.loads(installed.read_text())["version"] != "3.0.5":
        result = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=JS, capture_output=True, text=True,
                                timeout=300)
        if result.returncode != 0:
            missing_service(f"npm ci failed, socket.io-client 3.0.5 is not installed:\n{result.stderr[-2000:]}")
    return JS / "ayna_flow.js"


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
