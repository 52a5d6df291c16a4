"""State shared by every server process: who is connected, who subscribed to what.

With one process it is a dictionary; with ``redis_url`` it lives in Redis so
that any process can find a user's sockets (presence, revocation) and every
subscriber of a content type (content events), wherever they are connected.
Emits to those sockets then go through python-socketio's Redis manager.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

log = logging.getLogger("cms.realtime")


class SharedState(Protocol):
    async def add_socket(self, user_id: int, sid: str) -> bool:
        """Record a socket of ``user_id``; True when it is the user's first."""

    async def remove_socket(self, user_id: int, sid: str) -> bool:
        """Forget a socket; True when the user has no socket left."""

    async def sockets_of(self, user_id: int) -> set[str]: ...

    async def set_status(self, user_id: int, status: str | None) -> None:
        """The status a user chose with ``presence:set`` (``busy``, ``away``); None forgets it."""

    async def status_of(self, user_id: int) -> str | None:
        """The status the user chose, on any process; None when none is set."""

    async def subscribe(self, uid: str, sid: str, spec: dict[str, Any]) -> None: ...

    async def unsubscribe(self, uid: str, sid: str) -> None: ...

    async def subscribers(self, uid: str) -> dict[str, dict[str, Any]]: ...

    async def user_changed(self, user_id: int, reason: str) -> None:
        """Tell every process (this one included) that a user's credentials or role changed."""

    def on_user_changed(self, callback: Callable[[int, str], Awaitable[None]]) -> None:
        """Call ``callback(user_id, reason)`` in this process for every :meth:`user_changed`."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...


class MemoryState:
    def __init__(self) -> None:
        self._sockets: dict[int, set[str]] = defaultdict(set)
        self._status: dict[int, str] = {}
        self._subs: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        self._listeners: list[Callable[[int, str], Awaitable[None]]] = []

    async def add_socket(self, user_id: int, sid: str) -> bool:
        first = not self._sockets[user_id]
        self._sockets[user_id].add(sid)
        return first

    async def remove_socket(self, user_id: int, sid: str) -> bool:
        self._sockets[user_id].discard(sid)
        if not self._sockets[user_id]:
            del self._sockets[user_id]
            return True
        return False

    async def sockets_of(self, user_id: int) -> set[str]:
        return set(self._sockets.get(user_id, ()))

    async def set_status(self, user_id: int, status: str | None) -> None:
        if status is None:
            self._status.pop(user_id, None)
        else:
            self._status[user_id] = status

    async def status_of(self, user_id: int) -> str | None:
        return self._status.get(user_id)

    async def subscribe(self, uid: str, sid: str, spec: dict[str, Any]) -> None:
        self._subs[uid][sid] = spec

    async def unsubscribe(self, uid: str, sid: str) -> None:
        self._subs[uid].pop(sid, None)

    async def subscribers(self, uid: str) -> dict[str, dict[str, Any]]:
        return dict(self._subs.get(uid, {}))

    async def user_changed(self, user_id: int, reason: str) -> None:
        for callback in self._listeners:
            await callback(user_id, reason)

    def on_user_changed(self, callback: Callable[[int, str], Awaitable[None]]) -> None:
        self._listeners.append(callback)

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        pass


class RedisState:
    """Sets ``cms:presence:<user>`` of socket ids, the hash ``cms:status`` of chosen statuses,
    hashes ``cms:subs:<uid>``, and the channel ``cms:users`` on which processes tell each
    other about changed users."""

    CHANNEL = "cms:users"

    def __init__(self, url: str) -> None:
        import redis.asyncio as redis

        self.redis = redis.from_url(url, decode_responses=True)
        self._listeners: list[Callable[[int, str], Awaitable[None]]] = []
        self._task: asyncio.Task[None] | None = None

    async def add_socket(self, user_id: int, sid: str) -> bool:
        key = f"cms:presence:{user_id}"
        async with self.redis.pipeline(transaction=True) as pipe:
            added, count = await pipe.sadd(key, sid).scard(key).execute()
        return bool(added) and count == 1

    async def remove_socket(self, user_id: int, sid: str) -> bool:
        key = f"cms:presence:{user_id}"
        async with self.redis.pipeline(transaction=True) as pipe:
            removed, count = await pipe.srem(key, sid).scard(key).execute()
        return bool(removed) and count == 0

    async def sockets_of(self, user_id: int) -> set[str]:
        return set(await self.redis.smembers(f"cms:presence:{user_id}"))

    async def set_status(self, user_id: int, status: str | None) -> None:
        if status is None:
            await self.redis.hdel("cms:status", str(user_id))
        else:
            await self.redis.hset("cms:status", str(user_id), status)

    async def status_of(self, user_id: int) -> str | None:
        found = await self.redis.hget("cms:status", str(user_id))
        return str(found) if found is not None else None

    async def subscribe(self, uid: str, sid: str, spec: dict[str, Any]) -> None:
        await self.redis.hset(f"cms:subs:{uid}", sid, json.dumps(spec))

    async def unsubscribe(self, uid: str, sid: str) -> None:
        await self.redis.hdel(f"cms:subs:{uid}", sid)

    async def subscribers(self, uid: str) -> dict[str, dict[str, Any]]:
        raw = await self.redis.hgetall(f"cms:subs:{uid}")
        return {sid: json.loads(spec) for sid, spec in raw.items()}

    async def user_changed(self, user_id: int, reason: str) -> None:
        await self.redis.publish(self.CHANNEL, json.dumps({"user": user_id, "reason": reason}))

    def on_user_changed(self, callback: Callable[[int, str], Awaitable[None]]) -> None:
        self._listeners.append(callback)

    async def start(self) -> None:
        pubsub = self.redis.pubsub()
        await pubsub.subscribe(self.CHANNEL)
        self._task = asyncio.create_task(self._listen(pubsub), name="realtime-user-changes")

    async def _listen(self, pubsub: Any) -> None:
        try:
            async for message in pubsub.listen():
                if message.get("type") != "message":
                    continue
                try:
                    change = json.loads(message["data"])
                    for callback in self._listeners:
                        await callback(int(change["user"]), str(change["reason"]))
                except Exception:  # noqa: BLE001 - one bad message must not stop the listener
                    log.exception("handling a user change failed")
        finally:
            await pubsub.aclose()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - closing anyway
                pass
        await self.redis.aclose()


def make_state(redis_url: str) -> SharedState:
    return RedisState(redis_url) if redis_url else MemoryState()
