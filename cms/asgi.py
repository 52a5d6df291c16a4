"""One ASGI app on one port: Socket.IO, mounted ASGI apps (the admin), and Sanic.

``socketio.ASGIApp`` answers ``/socket.io/`` and hands everything else to
:class:`PathDispatch`, which sends mounted prefixes (``/admin``) to their app
and the rest to Sanic. Lifespan events go to Sanic only: its
``before_server_start`` listeners connect the database, and without them every
Sanic request fails with "Loop can only be retrieved after the app has started
running". (That is also why ``ASGIApp`` gets no on_startup/on_shutdown: it
then forwards lifespan to us.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import socketio

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


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


def compose(sio: socketio.AsyncServer, default: ASGIApp, mounts: dict[str, ASGIApp]) -> ASGIApp:
    """The composite app served by uvicorn or granian."""
    return socketio.ASGIApp(sio, other_asgi_app=PathDispatch(default, mounts), socketio_path="socket.io")
