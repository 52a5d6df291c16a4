"""The realtime plugin: a Socket.IO server where registered users chat.

Wiring only: the socket server and its manager (in-memory, or Redis across
processes), identity at connect time, per-socket state, and the event table
that routes each event to the Ayna protocol, the native chat protocol,
content subscriptions or another plugin's handler (``RealtimeService.on``).
Every event passes the same steps (budget, caller, grant through
:func:`~plugins.realtime.sockets.require`, handler), so that bad input,
missing grants and internal errors end in an error ack, never in a dead
handler or a dropped connection.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import socketio

from cms.errors import ApplicationError, NotFoundError
from cms.lifecycles import LifecycleEvent
from cms.permissions import PUBLIC, Caller
from cms.plugins import Plugin
from plugins.realtime.ayna import Ayna
from plugins.realtime.chat import Chat
from plugins.realtime.config import RealtimeConfig, load_config
from plugins.realtime.content_events import ContentEvents
from plugins.realtime.delivery import MESSAGE, Delivery
from plugins.realtime.fanout import LocalFanout, RedisFanout
from plugins.realtime.limits import SocketBudget
from plugins.realtime.memory import MemoryReturn
from plugins.realtime.packets import INVALID, FastJSON, packet_class
from plugins.realtime.presence import Presence
from plugins.realtime.service import RealtimeService
from plugins.realtime.sockets import (
    Event, SocketError, SocketState, error, ok, require, room_key, user_key,
)
from plugins.realtime.state import SharedState, make_state

if TYPE_CHECKING:
    from cms.app import CMS

log = logging.getLogger("cms.realtime")
#: one line per join, leave and refused event: who, where, why; never message text or secrets
audit = logging.getLogger("cms.realtime.audit")
AUTH_TYPE = "plugin::users-permissions.user"
#: plugin actions a role needs: chatting (rooms, messages, typing, presence), and live content events
CHAT, SUBSCRIBE = "plugin::realtime.chat", "plugin::realtime.subscribe"
#: whose role the chat's grant is checked for: users (anonymous sockets are asked to log in by the
#: handlers, API tokens are nobody); subscriptions: anyone but tokens (judged by the type's find alone)
USERS, PEOPLE = frozenset({"user"}), frozenset({"public", "user"})
#: event names python-socketio or this plugin keep for themselves
RESERVED = frozenset({"connect", "disconnect", "connect_error", "*", INVALID})


class Realtime(Plugin):
    name = "realtime"
    app: CMS
    config: RealtimeConfig
    sio: socketio.AsyncServer

    def register(self, app: CMS) -> None:
        self.app = app
        self.config = load_config(app.plugin_config(self.name))
        c = self.config
        manager = RedisFanout(c.redis_url) if c.redis_url else LocalFanout()
        manager.max_queued = c.max_queued
        if c.cors_origins == ["*"] and not app.settings.develop:
            log.warning('[realtime] cors_origins = ["*"]: pages of any site may open chat sockets for their '
                        "visitors (they still need a user's token). List your frontends' origins in production.")
        self.sio = app.socket_server(
            # sockets authenticate with a token in the handshake, never with cookies: browsers
            # are not told to send credentials, so no other site can ride on them
            cors_allowed_origins=c.cors_origins if c.cors_origins != ["*"] else "*", cors_credentials=False,
            max_http_buffer_size=c.max_packet_bytes, client_manager=manager, json=FastJSON,
            serializer=packet_class(c.max_depth, c.max_attachments, c.max_attachment_bytes))
        self.shared: SharedState = make_state(c.redis_url)
        self.sockets: dict[str, SocketState] = {}
        self.presence = Presence(self)
        self.chat = Chat(self)
        self.ayna = Ayna(self)
        self.content = ContentEvents(self)
        self.delivery = Delivery(self)
        self.memory = MemoryReturn(delay=self.sio.eio.ping_interval + self.sio.eio.ping_timeout + 5)
        ayna = lambda handler, action=None: Event(handler, action, USERS, string_ack=True)  # noqa: E731
        chat = lambda handler: Event(handler, CHAT, USERS)  # noqa: E731
        #: every event the dispatcher answers; plugins add theirs with the service's ``on``
        self.events: dict[str, Event] = {
            "register": ayna(self.ayna.register), "login": ayna(self.ayna.login),
            "join": ayna(self.ayna.join, CHAT), "sendMessage": ayna(self.ayna.send_message, CHAT),
            "chat:join": chat(self.chat.join), "chat:leave": chat(self.chat.leave), "chat:send": chat(self.chat.send),
            "chat:history": chat(self.chat.history), "chat:recover": chat(self.chat.recover),
            "chat:typing": chat(self.chat.typing), "presence:set": chat(self.chat.set_presence),
            "content:subscribe": Event(self.content.subscribe, SUBSCRIBE, PEOPLE),
            "content:unsubscribe": Event(self.content.unsubscribe),
        }
        self.sio.on("connect", self._connect)
        self.sio.on("disconnect", self._disconnect)
        self.sio.on("*", self._dispatch)
        app.lifecycles.subscribe(self.content.hooks())
        app.lifecycles.subscribe(self.delivery.hooks(), [app.registry.get(MESSAGE).uid])
        app.lifecycles.subscribe(self.presence.hooks(), [self.presence.ct.uid])
        self.shared.on_user_changed(self._recheck_user)
        # lifecycles are keyed by the type's own UID, not by the alias the plugins know it by
        users_uid = app.registry.get(AUTH_TYPE).uid
        app.lifecycles.subscribe({"afterUpdate": self._user_changed, "beforeDelete": self._user_deleting,
                                  "afterDelete": self._user_deleted}, [users_uid])
        app.identity.add_variable("rooms", self.presence.rooms_of)
        app.add_actions((CHAT, SUBSCRIBE))
        app.provide("realtime", RealtimeService(self))  # presence and typing for other plugins

    async def bootstrap(self, app: CMS) -> None:
        await self.shared.start()

    async def destroy(self, app: CMS) -> None:
        """Mark this process's users offline, then let the database close."""
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
        if environ is not None:
            # kept for the connection's lifetime: the reader of the handshake request's body
            # (over 1 KB per socket, a class made per request) is never read again
            environ.pop("wsgi.input", None)
        token = auth.get("token") if isinstance(auth, dict) else None
        caller = PUBLIC
        if token is not None:
            if not isinstance(token, str) or not token:
                raise socketio.exceptions.ConnectionRefusedError("The token must be a non-empty string")
            try:
                caller = await self.app.identity.authenticate_token(token)
            except ApplicationError as exc:
                raise socketio.exceptions.ConnectionRefusedError(exc.message) from exc
        state = SocketState(sid, PUBLIC, SocketBudget(self.config), address=str((environ or {}).get("REMOTE_ADDR", "")))
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
        self.memory.socket_closed()

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

    def socket(self, sid: str) -> SocketState:
        """The state of connected socket ``sid`` (who it is); ``unavailable`` once it is closing."""
        state = self.sockets.get(sid)
        if state is None:
            raise SocketError("unavailable", "This connection is closing")
        return state

    def add_event(self, name: str, event: Event) -> None:
        """Answer client event ``name`` through the dispatcher (see ``RealtimeService.on``)."""
        if not isinstance(name, str) or not name or name in RESERVED:
            raise ValueError(f"{name!r} cannot be a Socket.IO event of a plugin")
        if name in self.events:
            raise ValueError(f"the Socket.IO event {name!r} is already handled")
        self.events[name] = event

    async def _dispatch(self, *args: Any) -> Any:
        """Every event lands here: budget, route, caller, grant; any failure becomes an error ack."""
        if len(args) >= 2 and isinstance(args[1], str) and self.sio.manager.is_connected(args[1], "/"):
            event, sid, args = args[0], args[1], args[2:]
        else:  # a client event named "*" is the catch-all's own name: python-socketio omits the name
            event, sid, args = "*", args[0], args[1:]
        spec = self.events.get(event)
        string_ack = spec is not None and spec.string_ack
        data = args[0] if args else None
        state: SocketState | None = None
        admitted = False
        try:
            state = self.socket(sid)
            if not state.budget.admit(event):
                await self._strike(state)
                raise SocketError("rate_limited", "You are sending too fast." if string_ack
                                  else "You are sending too fast; slow down")
            admitted = True
            if event == INVALID:
                log.warning("socket %s sent an invalid packet: %s", sid, data)
                raise SocketError("invalid_payload", f"Invalid packet: {data}")
            if spec is None:
                raise SocketError("unknown_event", f"Unknown event {event!r}")
            if spec.user and state.user is None:
                raise SocketError("unauthorized", f"Only registered users can use {event}: log in first")
            if spec.action is not None and state.caller.kind in spec.judged:
                await require(self.app.identity, state.caller, spec.action)
            result = await spec.handler(state, data)
        except (SocketError, ApplicationError) as exc:
            if state is not None and event not in ("chat:typing",):
                audit.info("refused %s user=%s reason=%s", event, state.user["id"] if state.user else "-", exc.name)
            return exc.message if string_ack else error(exc)
        except Exception:  # noqa: BLE001 - never kill the handler or the connection
            log.exception("event %s failed", event)
            message = "Something went wrong, please try again"
            return message if string_ack else {"ok": False, "error": {"name": "server_error", "message": message}}
        finally:
            if admitted and state is not None:
                state.budget.done()
        return None if string_ack else ok(result)

    async def _strike(self, state: SocketState) -> None:
        """A refused event: a socket refused too often is disconnected."""
        if not state.budget.strike():
            log.warning("socket %s (user %s) disconnected: it kept sending over its limits", state.sid,
                        state.user["id"] if state.user else "-")
            await self.sio.disconnect(state.sid)

    # -- users changed elsewhere ------------------------------------------------------------

    async def _user_changed(self, event: LifecycleEvent) -> None:
        """A password, role or block changed: every process re-checks that user's sockets."""
        data = event.params.get("data") or {}
        reasons = [r for r in ("password", "role", "blocked") if r in data]
        if not reasons:
            return
        rows = await self.app.models[AUTH_TYPE].filter(documentId=event.params["where"]["documentId"]).values("id")
        if rows:
            await self.shared.user_changed(int(rows[0]["id"]), ",".join(reasons))

    async def _recheck_user(self, user_id: int, reason: str) -> None:
        """In this process: a new password ends the user's sockets (their token is void), a block
        too; a role change re-reads the user, so that its next event is judged by the new role."""
        local = [self.sockets[sid] for sid in await self.shared.sockets_of(user_id) if sid in self.sockets]
        if not local:
            return
        try:
            caller = await self.app.identity.user_caller(user_id)
        except ApplicationError:
            caller = None
        for state in local:
            if caller is None or "password" in reason.split(","):
                audit.info("disconnected user=%s sid=%s reason=%s", user_id, state.sid, reason)
                await self.sio.disconnect(state.sid)
            else:
                state.caller = caller
                await self.content.caller_changed(state)

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
        """A deleted user loses every socket, on every process."""
        for sid in await self.shared.sockets_of(user_id):
            await self.sio.disconnect(sid)
