"""The upload route's own limits: size (413, declared or not), time per chunk (408), file count, types;
and the JSON routes keep their 1 MB limit."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from tests.plugins.upload.support import (
    HTML, Project, bearer, error, files, image, raw_request, serve, status_of, stored)

LIMIT = 3_000_000


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    settings = f'size_limit = {LIMIT}\nmax_files = 2\nallowed_types = ["image/*", "text/plain"]\n'
    with serve(tmp_path_factory.mktemp("limits"), settings, env={"CMS_API_BODY_TIMEOUT": "2"}) as project:
        yield project


@pytest.fixture(scope="module")
def admin(up: Project) -> dict[str, str]:
    return bearer(up.api_token("full-access"))


def head(admin: dict[str, str], length: int | None, boundary: str = "b0undary") -> bytes:
    lines = ["POST /api/upload HTTP/1.1", "Host: x", f"Authorization: {admin['Authorization']}",
             f"Content-Type: multipart/form-data; boundary={boundary}"]
    lines.append(f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def part_head(boundary: str = "b0undary", name: str = "big.txt") -> bytes:
    return (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
            f"Content-Type: text/plain\r\n\r\n").encode()


def chunked(*pieces: bytes) -> Iterator[bytes]:
    for piece in pieces:
        yield b"%x\r\n%s\r\n" % (len(piece), piece)


def test_a_file_under_the_limit_is_stored(up: Project, admin: dict[str, str]) -> None:
    content = b"a" * (LIMIT - 10_000)
    answer = up.http.post("/api/upload", headers=admin, files=files(("almost.txt", content)))
    assert answer.status_code == 201, answer.text
    assert answer.json()[0]["size"] == round(len(content) / 1000, 2)
    assert up.http.get(answer.json()[0]["url"]).content == content


def test_a_declared_length_above_the_limit_is_refused_before_the_body(up: Project, admin: dict[str, str]) -> None:
    started = time.monotonic()
    answer = raw_request(up.server, head(admin, LIMIT + 1), iter([part_head()]))
    assert status_of(answer) == 413 and b"PayloadTooLargeError" in answer
    assert time.monotonic() - started < 5


def test_a_chunked_body_growing_past_the_limit_gets_413(up: Project, admin: dict[str, str]) -> None:
    before = stored(up.root)
    block = b"x" * 65536
    pieces = [part_head(), *[block] * (LIMIT // len(block) + 20), b"\r\n--b0undary--\r\n"]
    answer = raw_request(up.server, head(admin, None), chunked(*pieces))
    assert status_of(answer) == 413 and b"PayloadTooLargeError" in answer
    assert b"connection: close" in answer.lower()
    assert stored(up.root) == before
    time.sleep(0.2)
    assert not any((up.root / ".tmp" / "uploads").iterdir())  # the partial temp file is gone


def test_the_json_routes_keep_their_own_limit(up: Project, admin: dict[str, str]) -> None:
    body = {"data": {"text": "x" * 1_100_000, "room": "lobby"}}
    assert error(up.http.post("/api/messages", headers=admin, json=body))[:2] == (413, "PayloadTooLargeError")
    [file] = up.http.post("/api/upload", headers=admin, files=files(("a.png", image(10, 10)))).json()
    info = {"fileInfo": {"caption": "x" * 1_100_000}}  # a JSON body on the upload route too
    assert error(up.http.post(f"/api/upload?id={file['id']}", headers=admin, json=info))[:2] == (
        413, "PayloadTooLargeError")


def test_a_body_that_stalls_gets_408(up: Project, admin: dict[str, str]) -> None:
    def stalling() -> Iterator[bytes]:
        yield part_head() + b"some bytes"
        time.sleep(4)  # body_timeout is 2 s per chunk here

    started = time.monotonic()
    answer = raw_request(up.server, head(admin, 1_000_000), stalling())
    assert status_of(answer) == 408 and b"RequestTimeoutError" in answer
    assert time.monotonic() - started < 4.5


def test_a_slow_but_steady_upload_is_not_cut_off(up: Project, admin: dict[str, str]) -> None:
    """The deadline is per chunk: a body arriving over more than body_timeout in all is fine."""
    def steady() -> Iterator[bytes]:
        yield part_head(name="slow.txt")
        for _ in range(5):
            time.sleep(0.6)
            yield b"y" * 1000
        yield b"\r\n--b0undary--\r\n"

    total = len(part_head(name="slow.txt")) + 5000 + len(b"\r\n--b0undary--\r\n")
    answer = raw_request(up.server, head(admin, total), steady())
    assert status_of(answer) == 201, answer


def test_a_refused_upload_is_answered_without_reading_its_body(up: Project) -> None:
    """Public may not upload: 403 at once, and the connection is closed rather than drained."""
    lines = b"POST /api/upload HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b0undary\r\n" \
            b"Content-Length: 2000000\r\n\r\n"
    started = time.monotonic()
    answer = raw_request(up.server, lines, iter([part_head()]))
    assert status_of(answer) == 403 and b"connection: close" in answer.lower()
    assert time.monotonic() - started < 2


def test_types_outside_allowed_types_are_refused(up: Project, admin: dict[str, str]) -> None:
    before = stored(up.root)
    answer = up.http.post("/api/upload", headers=admin, files=files(("ok.png", image(10, 10)), ("page.png", HTML)))
    assert error(answer) == (400, "ValidationError", "File type text/html is not allowed")
    assert stored(up.root) == before  # the allowed one of the same request is not stored either


def test_at_most_max_files_per_request(up: Project, admin: dict[str, str]) -> None:
    answer = up.http.post("/api/upload", headers=admin,
                          files=files(*[(f"{i}.png", image(10, 10)) for i in range(3)]))
    assert error(answer) == (400, "ValidationError", "At most 2 files per request")
    assert not any((up.root / ".tmp" / "uploads").iterdir())


def test_a_client_that_goes_away_leaves_nothing_behind(up: Project, admin: dict[str, str]) -> None:
    import socket

    host, port = up.server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as conn:
        conn.sendall(head(admin, 2_000_000) + part_head() + b"z" * 500_000)
        time.sleep(0.3)
    time.sleep(0.5)
    assert not any((up.root / ".tmp" / "uploads").iterdir())
    assert up.http.get("/_health").status_code == 200
    assert json.loads(up.http.get("/api/upload/files", headers=admin, params={
        "filters[name][$eq]": "big.txt"}).text) == []
