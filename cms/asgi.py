"""One ASGI app on one port: Socket.IO, mounted ASGI apps (the admin), and Sanic.

``socketio.ASGIApp`` answers ``/socket.io/`` and hands everything else to
:class:`PathDispatch`, which sends mounted prefixes (``/admin``) to their app
and the rest to Sanic. Lifespan events go to Sanic only: its
``before_server_start`` listeners connect the database, and without them every
Sanic request fails with "Loop can only be retrieved after the app has started
running". (That is also why ``ASGIApp`` gets no on_startup/on_shutdown: it
then forwards lifespan to us.)

Request bodies are bounded by :class:`BodyLimit`: read whole (up to
``api.max_body_bytes``) before the app runs, except on routes added with
``stream=True`` (:class:`StreamRoutes`), whose bodies pass through as they arrive
under their own size limit, for uploads far larger than any JSON body.

With ``server.access_log`` on, :class:`AccessLog` wraps the whole app (see
``cms.cli.serve``): one line per HTTP request, but none for ``/socket.io/``,
whose long-polling transport makes one HTTP request per batch of packets and
whose websockets are connections, not requests.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import quote

import orjson
import socketio
from starlette.middleware.cors import CORSMiddleware

from cms.config import ApiSettings

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Socket.IO's endpoint, served by ``socketio.ASGIApp`` in :func:`compose`
SOCKETIO_PATH = "socket.io"
access_logger = logging.getLogger("cms.access")


class PathDispatch:
    """Route by path prefix; the first matching mount wins, else the default app."""

    def __init__(self, default: ASGIApp, mounts: dict[str, ASGIApp]) -> None:
        self.default = default
        self.mounts = sorted(mounts.items(), key=lambda item: -len(item[0]))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            path = scope["path"]
            for prefix, app in self.mounts:
                if path == prefix or path.startswith(prefix + "/"):
                    await app(scope, receive, send)
                    return
        await self.default(scope, receive, send)


class StreamRoutes:
    """The routes whose request bodies are streamed to their handler, each with its size limit.

    Filled by :meth:`cms.app.CMS.add_route` (``stream=True``) and read by :class:`BodyLimit`,
    which sees only ASGI scopes: Sanic's ``<name>`` and ``<name:type>`` path segments match
    any one segment here, and a trailing slash is allowed as Sanic allows it.
    """

    def __init__(self) -> None:
        self._routes: list[tuple[frozenset[str], re.Pattern[str], int]] = []

    def add(self, path: str, methods: list[str], max_bytes: int) -> None:
        pattern = "".join("[^/]+" if part.startswith("<") else re.escape(part)
                          for part in re.split(r"(<[^>]+>)", path.rstrip("/")))
        self._routes.append((frozenset(m.upper() for m in methods), re.compile(pattern + "/?"), max_bytes))

    def limit_for(self, scope: Scope) -> int | None:
        """The body limit of the streamed route ``scope`` asks for; None when it is not one."""
        for methods, pattern, max_bytes in self._routes:
            if scope.get("method") in methods and pattern.fullmatch(scope.get("path", "")):
                return max_bytes
        return None

    def __bool__(self) -> bool:
        return bool(self._routes)


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` with Strapi's 413 envelope, and bodies that do
    not arrive within ``timeout`` seconds with a 408 (a client trickling a body held a worker's
    request open for as long as it liked).

    Sanic's own limit is not applied when it runs under an ASGI server, so the
    body is read here first (declared length or chunked) and replayed to the app.

    Routes in ``streams`` are the exception: their body is handed on as it arrives (uvicorn
    stops reading the socket while the handler does not ask for more, so a 200 MB upload costs
    a 64 KB buffer). Their limit is the route's own: a declared ``Content-Length`` above it is
    refused at once, and a body that grows past it (chunked: no length declared) is answered
    413 here, the app seeing the client go away. The deadline is per chunk: each must come
    within ``timeout`` of the previous one (a large upload on a slow link may take minutes, but
    may not stall), else 408 the same way. An answer sent before the body was read to its end
    closes the connection, so that an upload refused early (403, 413) is not received to its
    end for nothing.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, timeout: float = 30.0,
                 streams: StreamRoutes | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.streams = streams

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        stream_limit = self.streams.limit_for(scope) if self.streams else None
        limit = self.max_bytes if stream_limit is None else stream_limit
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _refuse(send, 413, "PayloadTooLargeError", "Entity too large")
            return
        if stream_limit is not None:
            await self._stream(scope, receive, send, stream_limit)
            return
        messages, size = [], 0
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                message = await asyncio.wait_for(receive(), max(deadline - time.monotonic(), 0.001))
            except asyncio.TimeoutError:
                await _refuse(send, 408, "RequestTimeoutError", "The request body did not arrive in time")
                return
            messages.append(message)
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await _refuse(send, 413, "PayloadTooLargeError", "Entity too large")
                return
            if message["type"] != "http.request" or not message.get("more_body"):
                break
        replay = iter(messages)

        async def replayed() -> MutableMapping[str, Any]:
            return next(replay, None) or await receive()

        await self.app(scope, replayed, send)

    async def _stream(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Pass the body through as it comes, counting it against ``limit`` and the per-chunk
        deadline. Past either, this layer answers (413 or 408, and the connection closes) and
        tells the app the client went away; whatever the app sends after that is dropped. (An
        exception raised into the app instead came out of Starlette's middlewares as a bare 500.)
        """
        size, complete, answered, started = 0, False, False, False

        async def refuse(status: int, name: str, message: str) -> MutableMapping[str, Any]:
            nonlocal answered
            if not started and not answered:
                answered = True
                await _refuse(send, status, name, message)
            return {"type": "http.disconnect"}

        async def receiving() -> MutableMapping[str, Any]:
            nonlocal size, complete
            if complete or answered:
                return await receive() if complete else {"type": "http.disconnect"}
            try:
                message = await asyncio.wait_for(receive(), self.timeout)
            except asyncio.TimeoutError:
                return await refuse(408, "RequestTimeoutError", "The request body did not arrive in time")
            if message["type"] == "http.disconnect":
                return message
            size += len(message.get("body", b""))
            if size > limit:
                return await refuse(413, "PayloadTooLargeError", "Entity too large")
            complete = not message.get("more_body")
            return message

        async def sending(message: MutableMapping[str, Any]) -> None:
            nonlocal started
            if answered:
                return
            if message["type"] == "http.response.start":
                started = True
                if not complete:
                    message = {**message, "headers": [*message.get("headers", ()), (b"connection", b"close")]}
            await send(message)

        await self.app(scope, receiving, sending)


async def _refuse(send: Send, status: int, name: str, message: str) -> None:
    """Answer with Strapi's error envelope and close the connection (the body is left unread)."""
    body = orjson.dumps({"data": None, "error": {"status": status, "name": name, "message": message, "details": {}}})
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class AccessLog:
    """Log ``METHOD /path STATUS 12.3ms`` at INFO on ``cms.access`` once each HTTP response ends.

    Only these four: query strings (``?access_token=...``), headers and bodies may
    carry credentials or personal data. The path is the raw, still percent-encoded
    one, so a crafted path cannot forge log lines. Paths under ``skip`` are not logged.
    """

    def __init__(self, app: ASGIApp, skip: tuple[str, ...] = (f"/{SOCKETIO_PATH}",)) -> None:
        self.app = app
        self.skip = skip

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or any(path == p or path.startswith(p + "/") for p in self.skip):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers when the app fails before responding

        async def sending(message: MutableMapping[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            raw = scope.get("raw_path")
            shown = raw.split(b"?", 1)[0].decode("ascii", "backslashreplace") if raw else quote(path)
            elapsed_ms = (time.perf_counter() - started) * 1000
            access_logger.info("%s %s %d %.1fms", scope["method"], shown, status, elapsed_ms)


def compose(sio: socketio.AsyncServer, default: ASGIApp, mounts: dict[str, ASGIApp], settings: ApiSettings,
            streams: StreamRoutes | None = None) -> ASGIApp:
    """The composite app served by uvicorn or granian. The REST API's bodies are bounded in size
    and time (``streams``: the routes whose bodies pass through as they arrive, under their own
    limit); with ``cors_origins`` set it (not the admin) answers CORS preflights and marks its
    answers for those origins."""
    api: ASGIApp = BodyLimit(default, settings.max_body_bytes, settings.body_timeout, streams)
    if settings.cors_origins:
        api = CORSMiddleware(api, allow_origins=settings.cors_origins, allow_methods=settings.cors_methods,
                             allow_headers=settings.cors_headers, max_age=600)
    return socketio.ASGIApp(sio, other_asgi_app=PathDispatch(api, mounts), socketio_path=SOCKETIO_PATH)
