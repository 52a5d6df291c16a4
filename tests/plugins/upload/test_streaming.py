"""Uploads are streamed: a large one does not grow the server's memory, and image work does not
stall other requests (it runs in a thread pool)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.plugins.upload.support import Project, bearer, image, serve

MB = 1024 * 1024


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    with serve(tmp_path_factory.mktemp("streaming")) as project:
        yield project


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


class Sampler(threading.Thread):
    """The largest VmRSS of ``pid`` seen while it runs (every 5 ms)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0, True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, rss_kb(self.pid))
            time.sleep(0.005)

    def stop(self) -> int:
        self.running = False
        self.join()
        return self.peak


def multipart(size: int, boundary: str = "streamb0undary") -> Iterator[bytes]:
    """A multipart body with one ``size``-byte binary file, generated as it is sent."""
    yield (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.bin"\r\n'
           "Content-Type: application/octet-stream\r\n\r\n").encode()
    block = os.urandom(MB)
    for _ in range(size // MB):
        yield block
    yield f"\r\n--{boundary}--\r\n".encode()


def test_a_100_mb_upload_does_not_grow_the_servers_memory(up: Project) -> None:
    headers = {**bearer(up.api_token("full-access")), "Content-Type": "multipart/form-data; boundary=streamb0undary"}
    warm = up.http.post("/api/upload", headers=headers, content=multipart(2 * MB))
    assert warm.status_code == 201, warm.text
    pid = up.server.process.pid
    idle = rss_kb(pid)
    sampler = Sampler(pid)
    sampler.start()
    try:
        answer = up.http.post("/api/upload", headers=headers, content=multipart(100 * MB))
    finally:
        peak = sampler.stop()
    assert answer.status_code == 201, answer.text
    [file] = answer.json()
    assert file["size"] == round(100 * MB / 1000, 2)
    assert (up.root / "public" / "uploads" / f"{file['hash']}.bin").stat().st_size == 100 * MB
    assert peak - idle < 12 * 1024, f"RSS grew by {(peak - idle) / 1024:.1f} MB during a 100 MB upload"


def test_image_work_does_not_stall_other_requests(up: Project) -> None:
    """A 20 MP PNG takes the image threads a while; health checks keep being answered meanwhile."""
    headers = bearer(up.api_token("full-access"))
    big = image(5472, 3648)
    latencies: list[float] = []
    done = threading.Event()

    def ping() -> None:
        with httpx.Client(base_url=up.server.url) as client:
            while not done.is_set():
                started = time.perf_counter()
                assert client.get("/_health").status_code == 200
                latencies.append(time.perf_counter() - started)
                time.sleep(0.01)

    pinger = threading.Thread(target=ping)
    pinger.start()
    started = time.perf_counter()
    try:
        answer = up.http.post("/api/upload", headers=headers, files=[("files", ("huge.png", big, "image/png"))])
    finally:
        elapsed = time.perf_counter() - started
        done.set()
        pinger.join()
    assert answer.status_code == 201, answer.text
    assert set(answer.json()[0]["formats"]) == {"thumbnail", "small", "medium", "large"}
    assert len(latencies) > 10, (elapsed, latencies)
    assert max(latencies) < min(0.25, elapsed / 2), (elapsed, sorted(latencies)[-5:])
