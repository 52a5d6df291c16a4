"""What the realtime plugin offers other plugins: ``app.service("realtime")``.

Plugins never import each other's modules; realtime registers this object with
``app.provide("realtime", ...)`` and a plugin that wants it asks for it in its
``bootstrap`` (and copes with None when realtime is not enabled)::

    realtime = app.service("realtime")
    if realtime is not None and await realtime.status(user_id) == "busy":
        await realtime.typing(user_id, to_user_id=other_id)

Socket events of other plugins go through the same dispatcher as the chat's
(:meth:`RealtimeService.on`): a handler registered straight on
``app.socket_server()`` would not know who calls it, so its first version
tends to answer anonymous sockets with what the REST route protects.

Everything goes through realtime's own rooms and stores, so it works across
processes exactly as the chat does (with ``redis_url``, emits are relayed and
sockets are looked up in Redis).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from cms.query.ast import Condition, Query
from plugins.realtime.delivery import who
from plugins.realtime.presence import STATUSES
from plugins.realtime.sockets import EVERYONE, Event, SocketError, SocketState, require, room_key, user_key

if TYPE_CHECKING:
    from cms.permissions import Access, Caller
    from plugins.realtime.plugin import Realtime

USER = "plugin::users-permissions.user"
#: a plugin's event handler: ``await handler(sid, data)`` answers the ack's ``data``
SocketHandler = Callable[[str, Any], Awaitable[Any]]


class RealtimeService:
    """Socket events with the caller and its grants, presence and typing, for other plugins."""

    #: every status :meth:`status` may answer, in the chat's words
    statuses = STATUSES
    #: raise ``realtime.Error(name, message)`` in a handler for an error ack of that name
    Error = SocketError

    def __init__(self, rt: Realtime) -> None:
        self._rt = rt

    # -- socket events of other plugins -----------------------------------------------------

    def on(self, event: str, handler: SocketHandler | None = None, *, action: str | None = None,
           user: bool = False) -> Any:
        """Answer client event ``event`` with ``await handler(sid, data)``, as the chat's events are.

        The handler runs after the socket's budget (``event_rate``), and only for
        a caller that ``user`` and ``action`` admit: with ``user=True`` anonymous
        and API-token sockets get ``unauthorized``; with ``action`` a caller whose
        role lacks that grant gets what REST answers (``forbidden`` for its 403,
        ``unauthorized`` for its 401; see :meth:`require`). Its return value is the
        ack's ``data`` (``{ok: true, data}``); a :attr:`Error` or a
        :class:`cms.errors.ApplicationError` it raises becomes ``{ok: false, error:
        {name, message}}``, anything else ``server_error`` (logged). Use as a call or
        as a decorator (``@realtime.on("notes:list", action=READ)``); names the chat
        uses, ``connect``, ``disconnect`` and ``*`` are refused (ValueError).
        """
        def add(function: SocketHandler) -> SocketHandler:
            async def run(state: SocketState, data: Any) -> Any:
                return await function(state.sid, data)

            self._rt.add_event(event, Event(run, action, EVERYONE, user=user))
            return function

        return add(handler) if handler is not None else add

    def caller(self, sid: str) -> Caller:
        """Who socket ``sid`` is: :class:`cms.permissions.Caller` (``kind`` ``"public"`` for an
        anonymous socket, ``"user"`` with ``user``, ``"token"`` for an API token), as set at
        its handshake or by a later login; :attr:`Error` ``unavailable`` once it is closing."""
        return self._rt.socket(sid).caller

    def user(self, sid: str) -> dict[str, Any] | None:
        """The registered user behind socket ``sid`` (``id``, ``documentId``, ``username``,
        ``email``, ``role_id``, ...), or None for an anonymous or API-token socket."""
        return self._rt.socket(sid).user

    async def require(self, sid: str, action: str) -> Access:
        """The access of socket ``sid``'s caller for ``action``, refused exactly as REST refuses.

        The decision is the identity's (users_permissions), as for a REST request:
        a role without the grant raises :attr:`Error` ``forbidden`` (REST's 403), a
        caller without credentials when the Public role has no grant at all
        ``unauthorized`` (REST's 401). For a content type's action
        (``api::message.message.find``) the access carries the grant's condition,
        to pass to ``app.reader`` or a :class:`cms.documents.DocumentService`.
        """
        registry = self._rt.app.registry
        uid = action.rpartition(".")[0]
        ct = registry.get(uid) if uid in registry else None
        return await require(self._rt.app.identity, self.caller(sid), action, ct)

    # -- presence and typing ----------------------------------------------------------------

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
