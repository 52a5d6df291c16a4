"""An upload project on a real server, and the files the tests send.

:func:`serve` starts this repo's content types with the users_permissions and
upload plugins (and the users_permissions tests' ``fixtures`` plugin, which
creates API tokens without a process per token) on SQLite, or on a fresh
PostgreSQL database when ``CMS_TEST_DATABASE_URL`` is set, with the default
grants of the repository's config/permissions.toml (the upload ones included).
Images are drawn with Pillow, so every size and orientation is known.
"""

from __future__ import annotations

import io
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

from tests.helpers.project import Server
from tests.plugins.users_permissions.support import Project
from tests.plugins.users_permissions.support import serve as users_permissions_project

@contextmanager
def serve(root: Path, upload_settings: str = "", env: dict[str, str] | None = None,
          types: dict[str, dict[str, Any]] | None = None) -> Iterator[Project]:
    """This repo's types (and ``types``: folder name → schema), users_permissions (no rate
    limit) and upload with ``upload_settings``; the repo's default grants, upload's included."""
    with users_permissions_project(root, "rate_limit_enabled = false", env,
                                   plugins=f"[upload]\n{upload_settings}\n", types=types) as project:
        yield project


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def error(answer: httpx.Response) -> tuple[int, str, str]:
    body = answer.json()
    assert body["data"] is None, body
    return answer.status_code, body["error"]["name"], body["error"]["message"]


# -- files -------------------------------------------------------------------------------


def image(width: int, height: int, file_format: str = "PNG", **save: Any) -> bytes:
    """A picture with a gradient (so that encoders do real work), in ``file_format``."""
    picture = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    out = io.BytesIO()
    picture.save(out, format=file_format, **save)
    return out.getvalue()


def rotated_jpeg(width: int, height: int, orientation: int = 6) -> bytes:
    """A JPEG stored ``width``×``height`` whose EXIF says to rotate it (6: 90° clockwise)."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    return image(width, height, "JPEG", exif=exif.tobytes())


def animated_gif(width: int = 400, height: int = 300, frames: int = 3) -> bytes:
    pictures = [Image.new("RGB", (width, height), (40 * i, 80, 160)) for i in range(frames)]
    out = io.BytesIO()
    pictures[0].save(out, format="GIF", save_all=True, append_images=pictures[1:], duration=100, loop=0)
    return out.getvalue()


SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480">' \
      b'<script>alert(document.domain)</script><rect width="10" height="10"/></svg>'
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def files(*items: tuple[str, bytes]) -> list[tuple[str, tuple[str, bytes, str]]]:
    """httpx ``files=`` for several parts named ``files`` (the client's type is always a lie here)."""
    return [("files", (name, content, "image/png")) for name, content in items]


# -- raw HTTP, for bodies httpx would not send (chunked without end, lying lengths) ----------------


def raw_request(server: Server, head: bytes, body_chunks: Iterator[bytes], timeout: float = 30) -> bytes:
    """Send ``head`` then the chunks (stopping quietly when the server closes), and read the answer."""
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as conn:
        conn.sendall(head)
        try:
            for chunk in body_chunks:
                conn.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = b""
        try:
            while chunk := conn.recv(65536):
                answer += chunk
                if b"\r\n\r\n" in answer and _complete(answer):
                    break
        except (ConnectionResetError, TimeoutError):
            pass
        return answer


def _complete(answer: bytes) -> bool:
    head, _, body = answer.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":", 1)[1])
    return head.lower().find(b"transfer-encoding: chunked") >= 0 and body.endswith(b"0\r\n\r\n")


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def peak_rss_kb(pid: int) -> int:
    """VmHWM of process ``pid``: its peak resident memory so far."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM")


def stored(root: Path) -> set[str]:
    folder = root / "public" / "uploads"
    return set(os.listdir(folder)) if folder.exists() else set()
