"""Group commit of chat messages: many senders, one transaction per few milliseconds.

One INSERT and commit per message caps a process near 420 messages/s
(DESIGN.md §2); gathering the messages that arrive within ``window`` and
committing them together costs almost nothing per message. Every sender is
acknowledged only after the batch holding its message is committed. The
queue stays bounded because the plugin refuses sends (``overloaded``) once
``max_pending`` are in flight, before they reach the writer.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from cms.documents import DocumentService
from cms.errors import ApplicationError, ValidationError
from plugins.realtime.sockets import SocketError

log = logging.getLogger("cms.realtime.writer")


class MessageWriter:
    def __init__(self, service: DocumentService, window: float, max_batch: int) -> None:
        self.service = service
        self.window = window
        self.max_batch = max_batch
        self._queue: list[tuple[dict[str, Any], asyncio.Future[dict[str, Any]]]] = []
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="realtime-message-writer")

    async def close(self) -> None:
        """Write what is queued, then stop (called before the database closes)."""
        self._closing = True
        self._wakeup.set()
        if self._task is not None:
            await self._task

    async def write(self, data: dict[str, Any]) -> dict[str, Any]:
        """The stored message once committed; SocketError when refused."""
        if self._closing:
            raise SocketError("unavailable", "The server is shutting down")
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._queue.append((data, future))
        self._wakeup.set()
        return await future

    async def _run(self) -> None:
        while True:
            await self._wakeup.wait()
            if not self._queue:
                if self._closing:
                    return
                self._wakeup.clear()
                continue
            await asyncio.sleep(self.window)
            batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch:]
            if not self._queue:
                self._wakeup.clear()
            await self._commit(batch)

    async def _commit(self, batch: list[tuple[dict[str, Any], asyncio.Future[dict[str, Any]]]]) -> None:
        try:
            results = await self.service.create_many([data for data, _ in batch])
        except Exception as exc:  # a database error fails the batch: write one by one to isolate it
            log.warning("batch of %d messages failed (%s); writing them one by one", len(batch), exc)
            results = []
            for data, _ in batch:
                try:
                    results.append(await self.service.create(data))
                except Exception as single:  # noqa: BLE001 - reported to that sender only
                    results.append(single)
        for (_, future), result in zip(batch, results):
            if future.done():
                continue
            if isinstance(result, ValidationError):
                future.set_exception(SocketError("invalid_message", result.message))
            elif isinstance(result, ApplicationError):
                future.set_exception(SocketError(result.name, result.message))
            elif isinstance(result, Exception):
                log.error("message not stored", exc_info=result)
                future.set_exception(SocketError("server_error", "The message could not be stored"))
            else:
                future.set_result(result)
