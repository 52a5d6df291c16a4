"""State shared by every server process: who is connected, who subscribed to what.

With one process it is a dictionary; with ``redis_url`` it lives in Redis so
that any process can find a user's sockets (presence, revocation) and every
subscriber of a content type (content events), wherever they are connected.
Emits to those sockets then go through python-socketio's Redis manager.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any, Protocol


class SharedState(Protocol):
    async def add_socket(self, user_id: int, sid: str) -> bool:
        """Record a socket of ``user_id``; True when it is the user's first."""

    async def remove_socket(self, user_id: int, sid: str) -> bool:
        """Forget a socket; True when the user has no socket left."""

    async def sockets_of(self, user_id: int) -> set[str]: ...

    async def subscribe(self, uid: str, sid: str, spec: dict[str, Any]) -> None: ...

    async def unsubscribe(self, uid: str, sid: str) -> None: ...

    async def subscribers(self, uid: str) -> dict[str, dict[str, Any]]: ...

    async def close(self) -> None: ...


class MemoryState:
    def __init__(self) -> None:
        self._sockets: dict[int, set[str]] = defaultdict(set)
        self._subs: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)

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

    async def subscribe(self, uid: str, sid: str, spec: dict[str, Any]) -> None:
        self._subs[uid][sid] = spec

    async def unsubscribe(self, uid: str, sid: str) -> None:
        self._subs[uid].pop(sid, None)

    async def subscribers(self, uid: str) -> dict[str, dict[str, Any]]:
        return dict(self._subs.get(uid, {}))

    async def close(self) -> None:
        pass


class RedisState:
    """Sets ``cms:presence:<user>`` of socket ids and hashes ``cms:subs:<uid>``."""

    def __init__(self, url: str) -> None:
        import redis.asyncio as redis

        self.redis = redis.from_url(url, decode_responses=True)

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

    async def subscribe(self, uid: str, sid: str, spec: dict[str, Any]) -> None:
        await self.redis.hset(f"cms:subs:{uid}", sid, json.dumps(spec))

    async def unsubscribe(self, uid: str, sid: str) -> None:
        await self.redis.hdel(f"cms:subs:{uid}", sid)

    async def subscribers(self, uid: str) -> dict[str, dict[str, Any]]:
        raw = await self.redis.hgetall(f"cms:subs:{uid}")
        return {sid: json.loads(spec) for sid, spec in raw.items()}

    async def close(self) -> None:
        await self.redis.aclose()


def make_state(redis_url: str) -> SharedState:
    return RedisState(redis_url) if redis_url else MemoryState()
