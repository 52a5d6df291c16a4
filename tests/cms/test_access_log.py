"""``server.access_log``: one line per HTTP request on ``cms.access``, nothing secret in it.

The real server runs with the key on; its log output (stderr) is what is checked.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any

import httpx
import pytest
import socketio

from cms.asgi import AccessLog
from tests.helpers.project import Server, make_project

LINE = re.compile(r"^INFO cms\.access: (\S+) (\S+) (\d{3}) (\d+\.\d)ms$", re.MULTILINE)
SECRETS = ("query-secret", "header-secret", "body-secret")


def access_lines(server: Server, count: int, timeout: float = 5) -> list[tuple[str, str, int]]:
    """The (method, path, status) of the access lines, once at least ``count`` are written
    (a line is written after its response is sent, so it may trail the client a little)."""
    deadline = time.monotonic() + timeout
    while True:
        # the test helper's own /_ready polls are left out (their last line may still be on its way)
        found = [(method, path, int(status)) for method, path, status, _ in LINE.findall(server.log())
                 if path != "/_ready"]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project", plugins_toml='[admin]\nmodule = "admin"\n')


async def test_each_http_request_is_one_line_without_query_headers_or_body(
    project: Path, server_factory: Callable[..., Server]
) -> None:
    server = server_factory(project, env={"CMS_SERVER_ACCESS_LOG": "true", "CMS_SERVER_LOG_LEVEL": "warning"})

    async with httpx.AsyncClient(base_url=server.url) as http:
        await http.get("/_health", params={"access_token": "query-secret"})
        await http.post("/api/messages", json={"data": {"text": "body-secret"}},
                        headers={"Authorization": "Bearer header-secret"})
        await http.get("/no/such%20page")
        await http.get("/admin/")
        # Engine.IO long-polling and websockets are not logged (one request per packet batch)
        await http.get("/socket.io/", params={"EIO": "4", "transport": "polling"})
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(server.url, transports=["websocket"], wait_timeout=5)
    await client.disconnect()

    lines = access_lines(server, 4)
    assert [(method, path) for method, path, _ in lines] == [
        ("GET", "/_health"), ("POST", "/api/messages"), ("GET", "/no/such%20page"), ("GET", "/admin/")]
    health, create, missing, _ = (status for *_, status in lines)
    assert (health, missing) == (200, 404)
    assert create in (401, 403)  # develop mode with users_permissions: no credentials
    log = server.log()
    assert not any(secret in log for secret in SECRETS)
    assert "socket.io" not in "".join(line for line in log.splitlines() if "cms.access" in line)


async def test_there_is_no_access_log_by_default(project: Path, server_factory: Callable[..., Server]) -> None:
    server = server_factory(project)
    async with httpx.AsyncClient(base_url=server.url) as http:
        assert (await http.get("/_health")).status_code == 200
    assert "cms.access" not in server.log()


async def test_a_request_that_fails_before_answering_is_logged_as_500(caplog: pytest.LogCaptureFixture) -> None:
    async def broken(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("boom")

    async def send(message: MutableMapping[str, Any]) -> None:
        pass

    scope = {"type": "http", "method": "GET", "path": "/x y", "raw_path": b"/x%20y?token=t", "query_string": b"token=t"}
    with caplog.at_level(logging.INFO, logger="cms.access"), pytest.raises(RuntimeError):
        await AccessLog(broken)(scope, None, send)  # type: ignore[arg-type]

    [record] = caplog.records
    assert re.fullmatch(r"GET /x%20y 500 \d+\.\dms", record.getMessage())
