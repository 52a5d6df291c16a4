"""How Socket.IO packets are read: fast JSON, and bad packets turned into answers.

python-socketio lets a server choose its packet class (the ``serializer``
argument); this one changes three things about reading a client's packet:

- JSON goes through orjson (the stdlib's ``json`` was a visible share of the
  profile under chat load), falling back to the stdlib for what orjson refuses
  but JSON allows (integers beyond 64 bits).
- A packet that cannot be read (broken JSON, nesting deeper than
  ``max_depth``, an unknown packet type, more binary attachments than allowed
  or larger ones) does not raise inside python-socketio, which would log a
  traceback per packet. It becomes the event :data:`INVALID` carrying a
  reason: the plugin answers it with an ``invalid_payload`` error ack when
  the client asked for an ack, and logs one line otherwise.
- Binary attachments are bounded per message, in count and in bytes, so a
  client announcing thousands of large frames cannot make the server hold
  them (the chat itself takes no binary data).
"""

from __future__ import annotations

import json as _stdlib_json
from typing import Any

import orjson
from socketio import packet as sio_packet

#: the event name a broken packet is turned into (clients cannot produce it: it holds a NUL)
INVALID = "\x00invalid"


class FastJSON:
    """The ``json`` module interface python-socketio and python-engineio call."""

    @staticmethod
    def dumps(obj: Any, **_: Any) -> str:
        try:
            return orjson.dumps(obj).decode()
        except TypeError:  # e.g. integers beyond 64 bits
            return _stdlib_json.dumps(obj, separators=(",", ":"))

    @staticmethod
    def loads(text: str | bytes, **_: Any) -> Any:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            return _stdlib_json.loads(text)  # raises ValueError when it really is not JSON


def too_deep(value: Any, limit: int) -> bool:
    """Whether ``value`` nests lists/objects more than ``limit`` levels (iterative: no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def holds_bytes(value: Any) -> bool:
    """Whether ``value`` holds bytes anywhere in its lists and objects (iterative)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, (bytes, bytearray)):
            return True
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return False


class GuardedPacket(sio_packet.Packet):
    """A Socket.IO packet that reads bad input as the :data:`INVALID` event."""

    json = FastJSON
    max_depth = 32
    max_attachments = 4
    max_attachment_bytes = 1 << 20
    #: bytes of binary attachments received so far for this packet
    _attachment_bytes = 0

    @classmethod
    def data_is_binary(cls, data: Any) -> bool:
        """Whether an outgoing payload holds bytes. python-socketio walks every payload in
        Python to find out (14% of the server's samples answering ``chat:history``); orjson
        refuses bytes, so a payload it encodes has none, and only what it refuses for other
        reasons (integers beyond 64 bits) takes the walk."""
        try:
            orjson.dumps(data)
        except TypeError:
            return holds_bytes(data)
        return False

    def decode(self, encoded_packet: Any) -> int:
        try:
            count = super().decode(encoded_packet)
        except (ValueError, TypeError, RecursionError) as exc:
            return self._invalid(f"unreadable packet ({_reason(exc)})")
        if self.packet_type not in (sio_packet.CONNECT, sio_packet.DISCONNECT, sio_packet.EVENT, sio_packet.ACK,
                                    sio_packet.BINARY_EVENT, sio_packet.BINARY_ACK):
            return self._invalid("unknown packet type")
        if count > self.max_attachments:
            return self._invalid(f"more than {self.max_attachments} binary attachments")
        if isinstance(encoded_packet, str) and encoded_packet.count("[") + encoded_packet.count("{") > self.max_depth \
                and too_deep(self.data, self.max_depth):
            return self._invalid(f"nested deeper than {self.max_depth} levels")
        return count

    def add_attachment(self, attachment: Any) -> bool:
        self._attachment_bytes += len(attachment)
        if self._attachment_bytes > self.max_attachment_bytes:
            # finish the packet now, as the invalid event: nothing more is kept for it
            self.attachments = []
            self.attachment_count = 0
            self.packet_type = sio_packet.BINARY_EVENT
            self.data = [INVALID, f"binary attachments larger than {self.max_attachment_bytes} bytes"]
            return True
        return bool(super().add_attachment(attachment))

    def _invalid(self, reason: str) -> int:
        """Become an event the plugin answers (with an error ack if the client gave an ack id)."""
        if self.packet_type not in (sio_packet.EVENT, sio_packet.BINARY_EVENT):
            self.id = None  # only events carry an ack id worth answering
        self.packet_type = sio_packet.EVENT
        self.namespace = self.namespace if isinstance(self.namespace, str) else None
        self.data = [INVALID, reason]
        self.attachment_count = 0
        return 0


def packet_class(max_depth: int, max_attachments: int, max_attachment_bytes: int) -> type[GuardedPacket]:
    """A :class:`GuardedPacket` with this server's limits."""
    return type("ServerPacket", (GuardedPacket,), {
        "max_depth": max_depth, "max_attachments": max_attachments, "max_attachment_bytes": max_attachment_bytes})


def _reason(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return str(exc).splitlines()[0][:80] if str(exc) else type(exc).__name__
