"""``GET /uploads/<name>``: the local provider's files, as a small ASGI app mounted beside the API.

Only names the plugin generates are served (one path segment of letters,
digits, ``_``, ``-`` and one extension; never a dot first, so no ``..`` and
no hidden temp files), from the one folder. Each answer says what the file
is and how to treat it:

- ``Content-Type`` from the stored extension, which is the sniffed type's
  (:func:`plugins.upload.sniff.serving`), with ``X-Content-Type-Options: nosniff``;
- ``Content-Disposition: attachment`` for anything but inert types (raster
  images, audio, video, plain text, PDF), so an uploaded SVG or HTML file is
  downloaded, never rendered on this origin, and ``Content-Security-Policy:
  sandbox`` on top (PDF excepted: browsers refuse to show it sandboxed);
- ``ETag``/``Last-Modified`` (a matching ``If-None-Match`` gets 304) and
  ``Cache-Control: public, max-age=31536000, immutable``, since a stored name
  is never reused for other bytes; ``Range`` requests work (video seeking).
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from starlette.responses import FileResponse, PlainTextResponse, Response

from cms.asgi import Receive, Scope, Send
from plugins.upload.sniff import serving

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,250}(\.[A-Za-z0-9]{1,16})?$")
CACHE_CONTROL = "public, max-age=31536000, immutable"
SANDBOX = "sandbox; default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'"


class LocalFiles:
    """The ASGI app mounted at ``prefix``, serving files of ``directory``."""

    def __init__(self, directory: Path, prefix: str) -> None:
        self.directory = directory
        self.prefix = prefix.rstrip("/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        response = self.respond(scope)
        await response(scope, receive, send)

    def respond(self, scope: Scope) -> Response:
        if scope["method"] not in ("GET", "HEAD"):
            # the body (if any) is not read: close rather than receive it for nothing
            return PlainTextResponse("Method Not Allowed", 405, headers={"allow": "GET, HEAD", "connection": "close"})
        name = scope["path"][len(self.prefix):].lstrip("/")
        if not NAME.match(name):
            return PlainTextResponse("Not Found", 404)
        path = self.directory / name
        try:
            stat = os.stat(path)
        except OSError:
            return PlainTextResponse("Not Found", 404)
        if not os.path.isfile(path):
            return PlainTextResponse("Not Found", 404)
        mime, inline = serving(name)
        etag = '"' + hashlib.md5(f"{stat.st_mtime_ns}-{stat.st_size}".encode(), usedforsecurity=False).hexdigest() + '"'
        headers = {"x-content-type-options": "nosniff", "cache-control": CACHE_CONTROL, "etag": etag}
        if mime != "application/pdf":
            headers["content-security-policy"] = SANDBOX
        asked = dict(scope.get("headers") or []).get(b"if-none-match", b"").decode("latin-1")
        if asked and (asked.strip() == "*" or etag in [tag.strip().removeprefix("W/") for tag in asked.split(",")]):
            return Response(status_code=304, headers=headers)
        if not inline:
            headers["content-disposition"] = f'attachment; filename="{name}"'
        return FileResponse(path, headers=headers, media_type=mime, stat_result=stat)
