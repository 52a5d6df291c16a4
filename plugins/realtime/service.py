"""What the realtime plugin offers other plugins: ``app.service("realtime")``.

Plugins never import each other's modules; realtime registers this object with
``app.provide("realtime", ...)`` and a plugin that wants it asks for it in its
``bootstrap`` (and copes with None when realtime is not enabled)::

    realtime = app.service("realtime")
    if realtime is not None and await realtime.status(user_id) == "busy":
        await realtime.typing(user_id, to_user_id=other_id)

Everything goes through realtime's own rooms and stores, so it works across
processes exactly as the chat does (with ``redis_url``, emits are relayed and
sockets are looked up in Redis).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cms.query.ast import Condition, Query
from plugins.realtime.delivery import who
from plugins.realtime.presence import STATUSES
from plugins.realtime.sockets import room_key, user_key

if TYPE_CHECKING:
    from plugins.realtime.plugin import Realtime

USER = "plugin::users-permissions.user"


class RealtimeService:
    """Presence and typing notices for other plugins (the assistant uses both)."""

    #: every status :meth:`status` may answer, in the chat's words
    statuses = STATUSES

    def __init__(self, rt: Realtime) -> None:
        self._rt = rt

    async def connected(self, user_id: int) -> bool:
        """Whether the user has a socket, on any process."""
        return bool(await self._rt.shared.sockets_of(user_id))

    async def status(self, user_id: int) -> str:
        """The user's presence: ``"offline"`` without a socket anywhere; else ``"busy"`` or
        ``"away"`` when set with ``presence:set``, otherwise ``"online"``.

        The status chosen with ``presence:set`` is kept per user in the shared state (and on
        the user's ``chat_user`` entries, one per room joined), so it holds for a user in no
        room too; without one, the entries decide (busy over away over online).
        """
        if not await self.connected(user_id):
            return "offline"
        chosen = await self._rt.shared.status_of(user_id)
        if chosen is not None:
            return chosen
        stored = {m["status"] for m in await self._rt.presence.memberships(user_id)}
        for status in ("busy", "away"):
            if status in stored:
                return status
        return "online"

    async def typing(self, user_id: int, *, to_user_id: int | None = None, room: str | None = None,
                     active: bool = True) -> None:
        """Send ``chat:typing`` as user ``user_id``: to every socket of ``to_user_id``, or to
        the sockets in ``room`` other than the user's own; the payload is the chat's
        (``{user, typing}``, plus ``room`` for rooms)."""
        if (to_user_id is None) == (room is None):
            raise ValueError("typing() needs exactly one of to_user_id and room")
        user = await self._rt.app.reader.find_one(
            self._rt.app.registry.get(USER), Query(filters=Condition(("id",), "$eq", user_id), fields=("username",)))
        if user is None:
            return
        event: dict[str, Any] = {"user": who(user), "typing": active}
        if to_user_id is not None:
            await self._rt.sio.emit("chat:typing", event, to=user_key(to_user_id))
        else:
            own = sorted(await self._rt.shared.sockets_of(user_id))
            await self._rt.sio.emit("chat:typing", {**event, "room": room}, to=room_key(room or ""),
                                    skip_sid=own or None)
