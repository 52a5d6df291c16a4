"""One ASGI app on one port: health, readiness, the admin and Socket.IO (DESIGN.md §2).

Each test runs the real ``cms develop`` in a subprocess (uvicorn, migrations
applied) and talks to it over HTTP and a real websocket, as a frontend would.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import socketio
from websockets.asyncio.client import connect

from tests.helpers import database
from tests.helpers.project import Server, free_port, make_project, run_cms

ADMIN = '[admin]\nmodule = "admin"\n'


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """This repository's content types, with the admin enabled as in config/plugins.toml."""
    return make_project(tmp_path / "project", plugins_toml=ADMIN)


async def test_health_ready_admin_and_socketio_answer_on_one_port(
    project: Path, server_factory: Callable[..., Server]
) -> None:
    server = server_factory(project)

    async with httpx.AsyncClient(base_url=server.url) as http:
        health = await http.get("/_health")
        ready = await http.get("/_ready")
        admin = await http.get("/admin/", follow_redirects=True)  # the shell, or its login page
        engineio = await http.get("/socket.io/", params={"EIO": "4", "transport": "polling"})
        unknown = await http.get("/no/such/page")

    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    assert (ready.status_code, ready.json()) == (200, {"status": "ok"})
    assert admin.status_code == 200
    assert admin.url.path.startswith("/admin/")
    assert admin.headers["content-type"].startswith("text/html")
    assert "<html" in admin.text.lower()
    # the Engine.IO v4 handshake of a polling client: "0" then the open packet
    assert engineio.status_code == 200
    assert engineio.text.startswith('0{"sid":')
    # every other path reaches Sanic
    assert unknown.status_code == 404

    client = socketio.AsyncClient(reconnection=False)
    try:
        await client.connect(server.url, transports=["websocket"], socketio_path="socket.io", wait_timeout=5)
        assert client.connected
        assert client.transport() == "websocket"
        assert client.get_sid() is not None
    finally:
        await client.disconnect()


@pytest.mark.parametrize(("env", "negotiated"), [({}, False), ({"CMS_SERVER_WS_PER_MESSAGE_DEFLATE": "true"}, True)])
async def test_websockets_refuse_permessage_deflate_unless_configured(
    project: Path, server_factory: Callable[..., Server], env: dict[str, str], negotiated: bool
) -> None:
    """Browsers and Node's ws offer compression; by default the server declines, as socket.io's does."""
    server = server_factory(project, env=env)
    url = f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket"

    # compression="deflate" offers "permessage-deflate; client_max_window_bits", as browsers do
    async with connect(url, compression="deflate", proxy=None) as websocket:
        accepted = websocket.response.headers.get("Sec-WebSocket-Extensions", "")
        opened = await websocket.recv()

    assert ("permessage-deflate" in accepted) is negotiated
    assert str(opened).startswith('0{"sid":')  # the Engine.IO open packet: Socket.IO answered


@pytest.mark.parametrize(
    ("command", "database_url", "reason"),
    [
        ("develop", "sqlite://content_types", "Is a directory"),  # a folder, not a file
        ("start", "sqlite://config/plugins.toml", "file is not a database"),
        ("develop", "postgres://postgres:secret@127.0.0.1:{closed_port}/cms", "Connect call failed"),
        ("start", "postgres://postgres:secret@127.0.0.1:{closed_port}/cms", "Connect call failed"),
    ],
)
def test_a_server_does_not_start_without_its_database(
    project: Path, command: str, database_url: str, reason: str
) -> None:
    """Exit status 1 and one line naming the database (password masked), no traceback, no hang."""
    url = database_url.format(closed_port=free_port())
    result = run_cms(project, command, "--port", str(free_port()), env={"CMS_DATABASE_URL": url}, timeout=30)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    shown = url.replace(":secret@", ":***@")
    [line] = result.stderr.splitlines()
    assert line.startswith("error: cannot ")
    assert f"the database {shown}" in line and reason in line
    assert "secret" not in line


@pytest.mark.postgres
@pytest.mark.skipif(not database.using_postgres(), reason="CMS_TEST_DATABASE_URL is not set")
def test_ready_is_503_when_the_postgres_database_goes_away(
    project: Path, server_factory: Callable[..., Server], database_env: dict[str, str]
) -> None:
    server = server_factory(project)
    assert httpx.get(f"{server.url}/_ready").status_code == 200

    database.drop_database(database_env["CMS_DATABASE_URL"])  # terminates the server's connections

    ready = httpx.get(f"{server.url}/_ready", timeout=10)
    assert (ready.status_code, ready.json()) == (503, {"status": "unavailable"})
    assert httpx.get(f"{server.url}/_health").status_code == 200


def test_the_sqlite_file_and_its_folder_are_private(tmp_path: Path) -> None:
    """``data.db`` holds password hashes: it was created 0644."""
    import stat

    root = make_project(tmp_path / "private")
    run_cms(root, "migrate", "up")
    db = root / ".tmp" / "data.db"
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700


def test_rest_cors_is_off_by_default_and_answers_configured_origins(tmp_path: Path,
                                                                    server_factory: Callable[..., Server]) -> None:
    root = make_project(tmp_path / "cors")
    origin = {"Origin": "https://app.example.com"}
    preflight = {**origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}
    closed = server_factory(root)
    assert "access-control-allow-origin" not in httpx.get(f"{closed.url}/_health", headers=origin).headers
    closed.stop()

    server = server_factory(root, env={"CMS_API_CORS_ORIGINS": "https://app.example.com"})
    answer = httpx.options(f"{server.url}/api/messages", headers=preflight)
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == "https://app.example.com"
    assert "POST" in answer.headers["access-control-allow-methods"]
    assert "authorization" in answer.headers["access-control-allow-headers"].lower()
    read = httpx.get(f"{server.url}/api/messages", headers=origin)
    assert read.headers["access-control-allow-origin"] == "https://app.example.com"
    other = httpx.get(f"{server.url}/api/messages", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_production_warns_about_unsafe_defaults(tmp_path: Path, server_factory: Callable[..., Server],
                                                database_env: dict[str, str]) -> None:
    """Sockets open to every origin and a mailer that sends nothing are said loudly at start."""
    root = make_project(tmp_path / "prod", plugins_toml="[realtime]\n")
    made = run_cms(root, "migrate", "make", "init", env=database_env)
    assert made.returncode == 0, made.stderr
    log = server_factory(root, command="start").log()
    assert 'cors_origins = ["*"]' in log and 'mailer is "log" in production' in log
    develop = server_factory(make_project(tmp_path / "dev", plugins_toml="[realtime]\n")).log()
    assert 'mailer is "log" in production' not in develop  # positive control: develop stays quiet


def test_a_body_that_trickles_in_is_cut_off(tmp_path: Path, server_factory: Callable[..., Server]) -> None:
    """A partial body held a request open for 65 s; now it gets 408 after ``api.body_timeout``."""
    import socket
    import time

    root = make_project(tmp_path / "slow", builtin_types=False)
    server = server_factory(root, env={"CMS_API_BODY_TIMEOUT": "1"})
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(b"POST /api/anything HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100\r\n\r\n{\"data\":")
        started = time.monotonic()
        answer = b""
        while chunk := conn.recv(4096):  # the server closes the connection after its answer
            answer += chunk
        assert b" 408 " in answer.split(b"\r\n", 1)[0] and b"RequestTimeoutError" in answer
        assert time.monotonic() - started < 5
    assert httpx.get(f"{server.url}/_health").status_code == 200  # positive control


def test_headers_that_trickle_in_or_never_come_are_cut_off(tmp_path: Path,
                                                          server_factory: Callable[..., Server]) -> None:
    """Trickled headers held a connection for 60 s, and a silent one forever; now both get 408
    and are closed after ``server.header_timeout``, while a prompt client is served."""
    import socket
    import time

    root = make_project(tmp_path / "slow", builtin_types=False)
    server = server_factory(root, env={"CMS_SERVER_HEADER_TIMEOUT": "1"})
    host, port = server.url.removeprefix("http://").split(":")

    def answer_after(trickle: bool) -> tuple[bytes, float]:
        with socket.create_connection((host, int(port)), timeout=10) as conn:
            started = time.monotonic()
            if trickle:
                for byte in b"GET /_health HTTP/1.1\r\nHost: x\r\n":
                    try:
                        conn.sendall(bytes([byte]))
                    except OSError:  # closed by the server meanwhile
                        break
                    time.sleep(0.1)
            answer = b""
            while chunk := conn.recv(4096):  # the server closes the connection after its answer
                answer += chunk
            return answer, time.monotonic() - started

    for trickle in (True, False):
        answer, took = answer_after(trickle)
        assert answer.startswith(b"HTTP/1.1 408 "), answer
        assert 0.9 < took < 3
    with socket.create_connection((host, int(port)), timeout=10) as conn:  # positive control
        conn.sendall(b"GET /_health HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(1.5)  # past the deadline: it covers the headers only
        assert conn.recv(4096).startswith(b"HTTP/1.1 200 ")
