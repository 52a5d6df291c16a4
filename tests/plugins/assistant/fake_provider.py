"""A real OpenAI-compatible HTTP server for the tests, on a free port, in its own thread.

It speaks the chat-completions wire protocol: ``POST /v1/chat/completions``
answered with one JSON ``chat.completion``, or with ``stream: true`` as
server-sent events (``data: {chat.completion.chunk}`` lines, then
``data: [DONE]``). What it does is picked by a word in the last message
(the one to answer), so tests running against one server do not disturb
each other:

| word | answer |
|---|---|
| (none) | ``[bot] <the last message>``, streamed in a few chunks |
| ``#500`` | HTTP 500, always |
| ``#429once`` | HTTP 429 (``retry-after-ms: 20``) the first time, then a normal answer |
| ``#500once`` | HTTP 500 the first time, then a normal answer |
| ``#slow`` | nothing for ``SLOW`` seconds (the client times out first), then an answer |
| ``#malformed`` | an event whose data is not JSON |
| ``#refuse`` | a refusal (``delta.refusal``) |

Every request is recorded (path, headers, JSON body) in :attr:`requests`.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import Counter
from typing import Any

from aiohttp import web

from tests.helpers.project import free_port

SLOW = 3.0


class FakeProvider:
    def __init__(self) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.requests: list[dict[str, Any]] = []
        self._seen: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-openai", daemon=True)
        self._runner: web.AppRunner | None = None

    def start(self) -> FakeProvider:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._completions)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # -- what tests look at ----------------------------------------------------------------

    def requests_about(self, word: str) -> list[dict[str, Any]]:
        """Requests whose last message contains ``word``."""
        with self._lock:
            return [r for r in self.requests if word in _last(r["body"])]

    async def wait_requests(self, word: str, count: int = 1, timeout: float = 10) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while True:
            found = self.requests_about(word)
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(found)} requests about {word!r} within {timeout}s, expected {count}")
            await asyncio.sleep(0.02)

    # -- the wire protocol -------------------------------------------------------------------

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        last = _last(body)
        with self._lock:
            self.requests.append({"path": request.path, "headers": dict(request.headers), "body": body})
            self._seen[last] += 1
            attempt = self._seen[last]
        model = body.get("model", "")
        if "#500once" in last and attempt == 1 or "#500" in last and "#500once" not in last:
            return web.json_response({"error": {"message": "internal error", "type": "server_error"}}, status=500)
        if "#429once" in last and attempt == 1:
            return web.json_response({"error": {"message": "rate limited", "type": "rate_limit_error"}}, status=429,
                                     headers={"retry-after-ms": "20"})
        if "#slow" in last:
            await asyncio.sleep(SLOW)
        text = "[bot] " + last.split(": ", 1)[-1] if "#refuse" not in last else ""
        if not body.get("stream"):
            return web.json_response({
                "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()), "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}})
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await response.prepare(request)

        async def event(data: str) -> None:
            await response.write(f"data: {data}\n\n".encode())

        def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
            return json.dumps({"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()),
                               "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})

        await event(chunk({"role": "assistant", "content": ""}))
        if "#malformed" in last:
            await event('{"id": "chatcmpl-fake", "choices": [{"delta": {"content": "Hel')
        elif "#refuse" in last:
            await event(chunk({"refusal": "I cannot help with that."}))
        else:
            for start in range(0, len(text), 8):
                await event(chunk({"content": text[start:start + 8]}))
                await asyncio.sleep(0.02)
            await event(chunk({}, "stop"))
        await event("[DONE]")
        await response.write_eof()
        return response


def _last(body: Any) -> str:
    messages = body.get("messages") if isinstance(body, dict) else None
    if not messages:
        return ""
    content = messages[-1].get("content")
    return content if isinstance(content, str) else ""
