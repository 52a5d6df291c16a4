"""The Ayna frontend's protocol (../shared/reference/ayna-protocol.md), unchanged.

``register``, ``login`` (binds this socket to the user), ``join`` (answers
``welcome`` to this socket only) and ``sendMessage`` (stores the message and
echoes ``message {user, text}`` to the sending socket only). Acks carry a
human-readable string on error (it goes to ``window.alert``) and nothing on
success; success events go only to the requesting socket, once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cms.errors import ApplicationError
from plugins.realtime.sockets import SocketError, SocketState, room_key, storable

if TYPE_CHECKING:
    from plugins.realtime.plugin import Realtime

MAX_FIELD = 64


def _string(data: Any, key: str) -> str:
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, str) or not value.strip():
        raise SocketError("invalid_payload", f"Please enter a {key}.")
    if len(value) > MAX_FIELD:
        raise SocketError("invalid_payload", f"The {key} is too long.")
    if not storable(value) or any(ord(c) < 0x20 or c == "\x7f" for c in value):
        raise SocketError("invalid_payload", f"The {key} holds characters that are not allowed.")
    return value.strip()


class Ayna:
    """The four Ayna events. ``register`` and ``login`` are judged as the REST routes judge a
    caller without credentials (the Public role's grants, whether registration is open, the
    auth rate limit keyed by the socket's address), whoever the socket is logged in as."""

    def __init__(self, rt: Realtime) -> None:
        self.rt = rt

    async def register(self, state: SocketState, data: Any) -> None:
        username, password = _string(data, "username"), _string(data, "password")
        if len(password) < 6:
            raise SocketError("invalid_payload", "The password must be at least 6 characters.")
        # Ayna asks for no email; a reserved domain keeps the required, unique email valid
        try:
            await self.rt.app.identity.register(username, f"{username.lower()}@users.invalid", password,
                                                client=state.address)
        except ApplicationError as exc:
            if "taken" in exc.message:
                raise SocketError("taken", "This username is already taken.") from exc
            raise
        await self.rt.sio.emit("registered", {"text": f"{username}, you are registered.", "userData": {"username": username}}, to=state.sid)

    async def login(self, state: SocketState, data: Any) -> None:
        username, password = _string(data, "username"), _string(data, "password")
        try:
            caller = await self.rt.app.identity.login(username, password, client=state.address)
        except ApplicationError as exc:
            raise SocketError("invalid_credentials", exc.message) from exc
        await self.rt.authenticate_socket(state, caller)
        await self.rt.sio.emit("logedin", {"userData": {"username": caller.user["username"] if caller.user else username}}, to=state.sid)

    async def join(self, state: SocketState, data: Any) -> None:
        username, room = _string(data, "username"), _string(data, "room")
        user = state.user
        if user is None or user["username"].lower() != username.lower():
            raise SocketError("unauthorized", f"Please log in as {username} before joining a room.")
        entry = await self.rt.presence.join(user, room, state.sid)
        await self.rt.sio.enter_room(state.sid, room_key(room))
        state.rooms.add(room)
        state.ayna_joined[int(entry["id"])] = room
        await self.rt.sio.emit("welcome", {
            "user": "bot",
            "text": f"{user['username']}, Welcome to room {room}.",
            "userData": {"id": entry["id"], "username": user["username"], "room": room},
        }, to=state.sid)

    async def send_message(self, state: SocketState, data: Any) -> None:
        if not isinstance(data, dict):
            raise SocketError("invalid_payload", "Invalid message.")
        text = data.get("message")
        if not isinstance(text, str) or not text.strip():
            raise SocketError("invalid_payload", "Please type a message.")
        if len(text) > self.rt.config.max_message_length:
            raise SocketError("too_large", f"Messages are limited to {self.rt.config.max_message_length} characters.")
        if not storable(text):
            raise SocketError("invalid_payload", "This message holds characters that cannot be stored.")
        user = state.user
        room = self._joined_room(state, data.get("userId"))
        if user is None or room is None:
            raise SocketError("unauthorized", "Please log in and join a room again.")
        access = await self.rt.chat.access(state, "create")  # the role's grant, as for chat:send and REST
        await self.rt.chat.store({"text": text, "room": room, "sender": user["id"]}, access)
        await self.rt.sio.emit("message", {"user": user["username"].strip().lower(), "text": text}, to=state.sid)

    def _joined_room(self, state: SocketState, user_id: Any) -> str | None:
        """``userId`` is ``welcome.userData.id`` echoed back: any JSON type."""
        if isinstance(user_id, bool):
            return None
        if isinstance(user_id, str) and user_id.strip().isdigit():
            user_id = int(user_id.strip())
        return state.ayna_joined.get(user_id) if isinstance(user_id, int) else None

