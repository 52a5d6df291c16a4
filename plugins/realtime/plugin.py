"""The realtime plugin: a Socket.IO server where registered users chat.

Wiring only: the socket server and its manager (in-memory, or Redis across
processes), identity at connect time, per-socket state, and the event table
that routes each event to the Ayna protocol, the native chat protocol or
content subscriptions. Every handler is wrapped so that bad input, missing
acks and internal errors end in an error ack, never in a dead handler or a
dropped connection.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import socketio

from cms.documents import DocumentService
from cms.errors import ApplicationError, NotFoundError
from cms.lifecycles import LifecycleEvent
from cms.permissions import PUBLIC, Caller
from cms.plugins import Plugin
from plugins.realtime.ayna import Ayna
from plugins.realtime.chat import MESSAGE, Chat
from plugins.realtime.config import RealtimeConfig, load_config
from plugins.realtime.content_events import ContentEvents
from plugins.realtime.presence import Presence
from plugins.realtime.sockets import SocketError, SocketState, TokenBucket, error, ok, room_key, user_key
from plugins.realtime.state import SharedState, make_state
from plugins.realtime.writer import MessageWriter

if TYPE_CHECKING:
    from cms.app import CMS

log = logging.getLogger("cms.realtime")
Handler = Callable[[SocketState, Any], Awaitable[Any]]
AUTH_TYPE = "plugin::users-permissions.user"
#: events that write a message, counted against ``max_pending``
SENDS = frozenset({"chat:send", "sendMessage"})


class Realtime(Plugin):
    name = "realtime"
    app: CMS
    config: RealtimeConfig
    sio: socketio.AsyncServer

    def register(self, app: CMS) -> None:
        self.app = app
        self.config = load_config(app.plugin_config(self.name))
        manager = socketio.AsyncRedisManager(self.config.redis_url) if self.config.redis_url else None
        options: dict[str, Any] = {
            "cors_allowed_origins": self.config.cors_origins if self.config.cors_origins != ["*"] else "*",
            "max_http_buffer_size": self.config.max_packet_bytes,
        }
        if manager is not None:
            options["client_manager"] = manager
        self.sio = app.socket_server(**options)
        self.shared: SharedState = make_state(self.config.redis_url)
        self.sockets: dict[str, SocketState] = {}
        #: chat sends being handled now (see ``max_pending``)
        self.sends_in_flight = 0
        self.presence = Presence(self)
        self.chat = Chat(self)
        self.ayna = Ayna(self)
        self.content = ContentEvents(self)
        self.writer = MessageWriter(DocumentService(app, MESSAGE), self.config.batch_window_ms / 1000,
                                    self.config.batch_max)
        self._string_acks = {"register", "login", "join", "sendMessage"}
        self.events: dict[str, Handler] = {
            "register": self.ayna.register, "login": self.ayna.login, "join": self.ayna.join,
            "sendMessage": self.ayna.send_message,
            "chat:join": self.chat.join, "chat:leave": self.chat.leave, "chat:send": self.chat.send,
            "chat:history": self.chat.history, "chat:typing": self.chat.typing,
            "presence:set": self.chat.set_presence,
            "content:subscribe": self.content.subscribe, "content:unsubscribe": self.content.unsubscribe,
        }
        self.sio.on("connect", self._connect)
        self.sio.on("disconnect", self._disconnect)
        self.sio.on("*", self._dispatch)
        app.lifecycles.subscribe(self.content.hooks())
        # lifecycles are keyed by the type's own UID, not by the alias the plugins know it by
        users_uid = app.registry.get(AUTH_TYPE).uid
        app.lifecycles.subscribe({"afterUpdate": self._user_changed, "beforeDelete": self._user_deleting,
                                  "afterDelete": self._user_deleted}, [users_uid])
        app.identity.add_variable("rooms", self.presence.rooms_of)
        app.add_actions(f"plugin::realtime.{e}" for e in ("chat", "subscribe"))

    async def bootstrap(self, app: CMS) -> None:
        self.writer.start()

    async def destroy(self, app: CMS) -> None:
        """Flush pending messages and mark this process's users offline, then let the database close."""
        await self.writer.close()
        for state in list(self.sockets.values()):
            await self._forget(state)
        await self.shared.close()

    # -- connections ----------------------------------------------------------------------

    def _forged(self, sid: str) -> bool:
        """True when a client *event* named "connect" or "disconnect" reached these handlers.

        python-socketio routes client events with those names to the handlers
        registered for them. A real connect runs while the socket is still
        pending and a real disconnect after it is marked as leaving, so a
        socket that is fully connected can only be a client faking one; left
        unchecked that would drop its user's presence or overwrite its state.
        """
        return bool(self.sio.manager.is_connected(sid, "/"))

    async def _connect(self, sid: str, environ: dict[str, Any] | None = None, auth: Any = None) -> Any:
        if self._forged(sid):
            return error(SocketError("unknown_event", "Unknown event 'connect'"))
        token = auth.get("token") if isinstance(auth, dict) else None
        caller = PUBLIC
        if token is not None:
            if not isinstance(token, str) or not token:
                raise socketio.exceptions.ConnectionRefusedError("The token must be a non-empty string")
            try:
                caller = await self.app.identity.authenticate_token(token)
            except ApplicationError as exc:
                raise socketio.exceptions.ConnectionRefusedError(exc.message) from exc
        state = SocketState(sid, PUBLIC, TokenBucket(self.config.send_rate, self.config.send_burst),
                            address=str(environ.get("REMOTE_ADDR", "")))
        self.sockets[sid] = state
        if caller.kind == "user":
            await self.authenticate_socket(state, caller)
        else:
            state.caller = caller
        return True

    async def authenticate_socket(self, state: SocketState, caller: Caller) -> None:
        """Make ``state`` the socket of ``caller``: private room and presence."""
        assert caller.user is not None
        if state.user is not None:
            if state.user["id"] == caller.user["id"]:  # logging in again as the same user
                state.caller = caller
                return
            # another user on this socket: nothing of the previous one's rooms or joins carries over
            await self._forget(state, keep=True)
            for room in state.rooms:
                await self.sio.leave_room(state.sid, room_key(room))
            state.rooms.clear()
            state.ayna_joined.clear()
        state.caller = caller
        await self.sio.enter_room(state.sid, user_key(caller.user["id"]))
        await self.presence.connected(caller.user, state.sid)

    async def _disconnect(self, sid: str, reason: Any = None) -> Any:
        if self._forged(sid):
            return error(SocketError("unknown_event", "Unknown event 'disconnect'"))
        state = self.sockets.pop(sid, None)
        if state is not None:
            await self._forget(state)

    async def _forget(self, state: SocketState, keep: bool = False) -> None:
        try:
            await self.content.forget(state)
            if state.user is not None:
                await self.sio.leave_room(state.sid, user_key(state.user["id"]))
                await self.presence.disconnected(state.user, state.sid)
        except Exception:  # noqa: BLE001 - cleanup must go on for the other sockets
            log.exception("cleaning up socket %s failed", state.sid)
        if not keep:
            self.sockets.pop(state.sid, None)

    # -- events ---------------------------------------------------------------------------

    async def _dispatch(self, *args: Any) -> Any:
        """Every event lands here: route it, and turn any failure into an error ack."""
        if len(args) >= 2 and isinstance(args[1], str) and self.sio.manager.is_connected(args[1], "/"):
            event, sid, args = args[0], args[1], args[2:]
        else:  # a client event named "*" is the catch-all's own name: python-socketio omits the name
            event, sid, args = "*", args[0], args[1:]
        handler = self.events.get(event)
        string_ack = event in self._string_acks
        data = args[0] if args else None
        state = self.sockets.get(sid)
        counted = False
        try:
            if state is None:
                raise SocketError("unavailable", "This connection is closing")
            if handler is None:
                raise SocketError("unknown_event", f"Unknown event {event!r}")
            if event in SENDS:
                # Refuse before any work when more sends are in flight than the writer may
                # queue: above capacity the sender hears so at once instead of waiting seconds.
                if self.sends_in_flight >= self.config.max_pending:
                    raise SocketError("overloaded", "The server is overloaded, try again shortly")
                self.sends_in_flight += 1
                counted = True
            result = await handler(state, data)
        except (SocketError, ApplicationError) as exc:
            return exc.message if string_ack else error(exc)
        except Exception:  # noqa: BLE001 - never kill the handler or the connection
            log.exception("event %s failed", event)
            message = "Something went wrong, please try again"
            return message if string_ack else {"ok": False, "error": {"name": "server_error", "message": message}}
        finally:
            if counted:
                self.sends_in_flight -= 1
        return None if string_ack else ok(result)

    # -- users changed elsewhere ------------------------------------------------------------

    async def _user_changed(self, event: LifecycleEvent) -> None:
        # read the row: the written document may carry only the fields its writer asked for
        # (PUT /api/users/:id answers with fields=(), so "blocked" is not in it)
        model = self.app.models[AUTH_TYPE]
        rows = await model.filter(documentId=event.params["where"]["documentId"]).values("id", "blocked")
        if rows and rows[0]["blocked"]:
            await self._disconnect_user(int(rows[0]["id"]))

    async def _user_deleting(self, event: LifecycleEvent) -> None:
        """Before a user is deleted: who it is and its presence entries (their link is cleared with it)."""
        rows = await self.app.models[AUTH_TYPE].filter(documentId=event.params["where"]["documentId"]).values("id")
        if rows:
            event.state["realtime_user"] = int(rows[0]["id"])
            memberships = await self.presence.memberships(int(rows[0]["id"]))
            event.state["realtime_memberships"] = [m["documentId"] for m in memberships]

    async def _user_deleted(self, event: LifecycleEvent) -> None:
        """Once the deletion is committed: drop the user's sockets and presence entries."""
        user_id = event.state.get("realtime_user")
        if user_id is None:
            return
        await self._disconnect_user(user_id)
        for document_id in event.state.get("realtime_memberships", ()):
            try:
                await self.presence.chat_users.delete(document_id)
            except NotFoundError:  # removed meanwhile
                pass

    async def _disconnect_user(self, user_id: int) -> None:
        """A blocked or deleted user loses every socket, on every process."""
        for sid in await self.shared.sockets_of(user_id):
            await self.sio.disconnect(sid)
