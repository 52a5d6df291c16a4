"""Presence: online while a user has a socket anywhere, offline with ``lastSeenAt`` after.

Stored in ``chat_user`` (one entry per user and room joined), written through
the document service so REST, the admin and content events see the same
thing. busy and away are set by the user and kept until they change them or
go offline.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from cms.documents import DocumentService
from cms.errors import NotFoundError, ValidationError
from cms.query.ast import And, Condition, Query
from plugins.realtime.sockets import room_key, user_key

if TYPE_CHECKING:
    from plugins.realtime.plugin import Realtime

CHAT_USER = "api::chat-user.chat-user"
MESSAGE = "api::message.message"
#: direct-message partners told about a user's presence, at most, each way
CONTACTS = 200
#: how long ``$user.rooms`` is kept (see Presence.rooms_of)
ROOMS_SECONDS = 1.0
STATUSES = ("online", "busy", "away", "offline")


class Presence:
    def __init__(self, rt: Realtime) -> None:
        self.rt = rt
        self.chat_users = DocumentService(rt.app, CHAT_USER)
        self.ct = rt.app.registry.get(CHAT_USER)
        #: user id → (expiry, rooms): ``$user.rooms``, see :meth:`rooms_of`
        self._rooms: dict[int, tuple[float, list[str]]] = {}
        #: user id → (lock, holders): a user's entries are read then written, one change at a time
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def _user_lock(self, user_id: int) -> AsyncIterator[None]:
        """Serialise this process's changes to one user's entries (concurrent joins made duplicates)."""
        lock, holders = self._locks.get(user_id, (asyncio.Lock(), 0))
        self._locks[user_id] = (lock, holders + 1)
        try:
            async with lock:
                yield
        finally:
            lock, holders = self._locks[user_id]
            if holders == 1:
                del self._locks[user_id]
            else:
                self._locks[user_id] = (lock, holders - 1)

    async def memberships(self, user_id: int) -> list[dict[str, Any]]:
        query = Query(filters=Condition(("user", "id"), "$eq", user_id), fields=("room", "status", "username"))
        documents, _ = await self.rt.app.reader.find_many(self.ct, query)
        return documents

    async def contacts(self, user_id: int) -> set[int]:
        """Users ``user_id`` exchanged direct messages with (among its last ``CONTACTS`` direct
        messages each way): they hear its presence changes as its rooms do."""
        messages = self.rt.app.models[MESSAGE]
        sent = await messages.filter(sender_id=user_id, recipient_id__not_isnull=True) \
            .order_by("-id").limit(CONTACTS).values_list("recipient_id", flat=True)
        received = await messages.filter(recipient_id=user_id, sender_id__not_isnull=True) \
            .order_by("-id").limit(CONTACTS).values_list("sender_id", flat=True)
        return {int(i) for i in (*sent, *received)} - {user_id}

    async def rooms_of(self, user: dict[str, Any]) -> list[str]:
        """``$user.rooms`` in permission conditions: the rooms the user has joined.

        Every chat send is checked against a condition using it, so the answer
        is kept for ``ROOMS_SECONDS``; a change of the user's ``chat_user``
        entries in this process (join, leave, REST, admin) drops it at once,
        one made by another process applies within that time.
        """
        now = time.monotonic()
        cached = self._rooms.get(user["id"])
        if cached is not None and cached[0] > now:
            return cached[1]
        rooms = [m["room"] for m in await self.memberships(user["id"])]
        if len(self._rooms) > 10_000:  # bounded: forget the expired ones
            self._rooms = {k: v for k, v in self._rooms.items() if v[0] > now}
        self._rooms[user["id"]] = (now + ROOMS_SECONDS, rooms)
        return rooms

    def hooks(self) -> dict[str, Any]:
        """Lifecycle hooks on ``chat_user``: a membership written in this process, by anybody,
        drops the cached rooms (all of them: the written document need not name its user;
        memberships change on joins and leaves, not on every message)."""
        return {name: self._membership_changed for name in ("afterCreate", "afterUpdate", "afterDelete")}

    async def _membership_changed(self, event: Any) -> None:
        self._rooms.clear()

    async def join(self, user: dict[str, Any], room: str, sid: str) -> dict[str, Any]:
        """The user's entry for ``room``, created or refreshed (re-joining is fine)."""
        query = Query(filters=And((Condition(("user", "id"), "$eq", user["id"]), Condition(("room",), "$eq", room))))
        async with self._user_lock(user["id"]):
            documents, _ = await self.rt.app.reader.find_many(self.ct, query)
            data = {"username": user["username"], "socketId": sid}
            chosen = await self.rt.shared.status_of(user["id"]) or "online"
            if documents:
                current = documents[0]
                if current["status"] != chosen:
                    data["status"] = chosen
                try:
                    return await self.chat_users.update(current["documentId"], data)
                except NotFoundError:  # removed meanwhile (by another process): create it again
                    pass
            try:
                return await self.chat_users.create({**data, "room": room, "user": user["id"], "status": chosen})
            except ValidationError:  # (user, room) is unique: another process created it meanwhile
                documents, _ = await self.rt.app.reader.find_many(self.ct, query)
                if not documents:
                    raise
                return await self.chat_users.update(documents[0]["documentId"], data)

    async def leave(self, user: dict[str, Any], room: str) -> bool:
        query = Query(filters=And((Condition(("user", "id"), "$eq", user["id"]), Condition(("room",), "$eq", room))))
        async with self._user_lock(user["id"]):
            documents, _ = await self.rt.app.reader.find_many(self.ct, query)
            for document in documents:
                try:
                    await self.chat_users.delete(document["documentId"])
                except NotFoundError:  # already gone
                    pass
        return bool(documents)

    async def set_status(self, user: dict[str, Any], status: str) -> str | None:
        """Write ``status`` on every room entry of the user and tell those rooms. A chosen
        status (busy, away) is also kept per user in the shared state, so that it holds for a
        user in no room (the assistant plugin reads it) and for rooms joined later."""
        now = dt.datetime.now(dt.timezone.utc)
        last_seen = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
        await self.rt.shared.set_status(user["id"], status if status in ("busy", "away") else None)
        async with self._user_lock(user["id"]):
            memberships = await self.memberships(user["id"])
            for membership in memberships:
                data: dict[str, Any] = {"status": status}
                if status == "offline":
                    data["lastSeenAt"] = last_seen
                try:
                    await self.chat_users.update(membership["documentId"], data)
                except NotFoundError:  # the user left that room meanwhile
                    pass
        rooms = sorted({m["room"] for m in memberships})
        event = {"user": {"id": user["id"], "username": user["username"]}, "status": status,
                 "lastSeenAt": last_seen if status == "offline" else None}
        for room in rooms:
            await self.rt.sio.emit("presence", {**event, "room": room}, to=room_key(room))
        contacts = await self.contacts(user["id"])
        if contacts:
            await self.rt.sio.emit("presence", {**event, "room": None}, to=[user_key(c) for c in contacts])
        return last_seen if status == "offline" else None

    async def connected(self, user: dict[str, Any], sid: str) -> None:
        if await self.rt.shared.add_socket(user["id"], sid):
            memberships = await self.memberships(user["id"])
            if any(m["status"] == "offline" for m in memberships):
                await self.set_status(user, "online")

    async def disconnected(self, user: dict[str, Any], sid: str) -> None:
        if await self.rt.shared.remove_socket(user["id"], sid):
            await self.set_status(user, "offline")
