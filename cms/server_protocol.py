"""uvicorn's HTTP protocol with a deadline for a request's headers.

uvicorn times out idle keep-alive connections, but not a client that opens a
connection and sends nothing, or trickles its request line and headers a byte
at a time: each such connection was held for as long as the client liked (60 s
and more when tried), which is how a handful of clients can starve a server of
sockets. The ASGI app cannot help, as it sees a request only once its headers
are complete, so the deadline lives in the protocol: from the moment a
connection opens (or a new request on it begins) its headers must be complete
within ``server.header_timeout`` seconds, or it is answered 408 and closed.
Request bodies have their own deadline (``api.body_timeout``, in
:class:`cms.asgi.BodyLimit`).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

_TIMEOUT_ANSWER = (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
                   b"content-length: 29\r\nconnection: close\r\n\r\nThe request came too slowly.\n")


class HeaderDeadline(HttpToolsProtocol):
    """Close connections whose request headers are not complete within ``header_timeout``."""

    header_timeout: float = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None

    @classmethod
    def with_timeout(cls, seconds: float) -> type[HeaderDeadline]:
        """The protocol class for uvicorn's ``http=`` option, with this deadline."""
        return type(cls.__name__, (cls,), {"header_timeout": seconds})

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def _arm(self) -> None:
        if self._deadline is None:
            self._deadline = self.loop.call_later(self.header_timeout, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            self._arm()  # a request is still being answered; the next one's headers may wait for it
            return
        self.transport.write(_TIMEOUT_ANSWER)
        self.transport.close()
