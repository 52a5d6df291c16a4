"""Per-socket state, acknowledgements, the event table's rows, and checks on what clients send.

Each socket lives in one server process, so its state is a plain object in
that process: who it is, which rooms it joined, its send budget. Whether a
socket's caller holds a grant is decided by :func:`require`, for the built-in
events and for plugins' alike (``app.service("realtime").require``).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cms.errors import ApplicationError, UnauthorizedError
from cms.permissions import Access, Caller
from plugins.realtime.limits import SocketBudget

if TYPE_CHECKING:
    from cms.content import ContentType
    from cms.permissions import Identity

_ROOM = re.compile(r"^[^\x00-\x1f\x7f]{1,64}$")


class SocketError(Exception):
    """A refused event: ``name`` is machine-readable, ``message`` for people."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


def ok(data: Any = None) -> dict[str, Any]:
    return {"ok": True, "data": data}


def error(exc: SocketError | ApplicationError) -> dict[str, Any]:
    name = exc.name if isinstance(exc, SocketError) else exc.name
    return {"ok": False, "error": {"name": name, "message": exc.message}}


@dataclass(slots=True)
class SocketState:
    sid: str
    caller: Caller
    budget: SocketBudget
    #: the client's address, keying login rate limits
    address: str = ""
    rooms: set[str] = field(default_factory=set)
    #: content-type UID → the subscription's ``filters`` and ``populate``, as sent
    subscriptions: dict[str, Any] = field(default_factory=dict)
    #: the Ayna protocol's per-socket login, and its joined chat users (id → room)
    ayna_joined: dict[int, str] = field(default_factory=dict)

    @property
    def user(self) -> dict[str, Any] | None:
        return self.caller.user if self.caller.kind == "user" else None


Handler = Callable[[SocketState, Any], Awaitable[Any]]
#: kinds of caller (:attr:`cms.permissions.Caller.kind`)
EVERYONE = frozenset({"public", "user", "token"})


@dataclass(frozen=True, slots=True)
class Event:
    """One row of the event table: what runs for a client event, after its budget.

    ``action`` is the grant the caller's role needs, checked for the kinds of
    caller in ``judged`` (the chat leaves anonymous sockets to its handlers,
    which ask them to log in, and judges API tokens by a content type's grant
    alone); with ``user`` only registered users get past (``unauthorized``).
    ``string_ack`` answers in the Ayna protocol's way (an error string).
    """

    handler: Handler
    action: str | None = None
    judged: frozenset[str] = EVERYONE
    user: bool = False
    string_ack: bool = False


async def require(identity: Identity, caller: Caller, action: str, ct: ContentType | None = None) -> Access:
    """``caller``'s access for ``action``, or REST's refusal as the socket error that means it.

    The identity (users_permissions) decides as for a REST request: a role without
    the grant is REST's 403, ``forbidden``; a caller without credentials when the
    Public role has no grant at all is its 401, ``unauthorized``. Pass ``ct`` for a
    content type's action, so that the access carries the grant's condition.
    """
    access = await identity.access_for(caller, action, ct)
    if access is not None:
        return access
    try:
        await identity.require(caller, action)
    except UnauthorizedError as exc:
        raise SocketError("unauthorized", f"Log in to use {action}") from exc
    except ApplicationError as exc:  # ForbiddenError: REST's 403
        raise SocketError("forbidden", f"Your role may not use {action}") from exc
    # granted between the two looks (an edit of the role): refused this once, as it was asked
    raise SocketError("forbidden", f"Your role may not use {action}")


#: the largest id a client may name (ids are 32-bit integers in the database)
MAX_ID = 2**31 - 1


def storable(value: str) -> bool:
    """Whether every database can store ``value``: no NUL (PostgreSQL refuses it), no lone surrogate (not UTF-8)."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def id_field(data: dict[str, Any], key: str, what: str) -> int | None:
    """An optional id (message or user) sent by a client: an integer the database can compare."""
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ID:
        raise SocketError("invalid_payload", f'"{key}" must be {what}')
    return value


def payload(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise SocketError("invalid_payload", "The payload must be an object")
    return data


def text_field(data: dict[str, Any], key: str, max_length: int, *, required: bool = True) -> str | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise SocketError("invalid_payload", f'"{key}" must be a string')
    if not value.strip():
        raise SocketError("invalid_payload", f'"{key}" must not be empty')
    if len(value) > max_length:
        raise SocketError("too_large", f'"{key}" is longer than {max_length} characters')
    if not storable(value):
        raise SocketError("invalid_payload", f'"{key}" holds characters that cannot be stored')
    return value


def room_name(data: dict[str, Any], key: str = "room") -> str:
    value = data.get(key)
    if not isinstance(value, str) or not _ROOM.match(value) or not value.strip() or not storable(value):
        raise SocketError("invalid_room", "A room name is 1 to 64 printable characters")
    return value.strip()


def room_key(room: str) -> str:
    """The Socket.IO room of a chat room (apart from the private rooms ``user:<id>``)."""
    return f"room:{room}"


def user_key(user_id: int) -> str:
    return f"user:{user_id}"
