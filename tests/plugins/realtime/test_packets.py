"""The packet class's check for binary parts in what the server sends: the same answer as
python-socketio's own walk, found without walking payloads that hold no bytes."""

from __future__ import annotations

from typing import Any

import pytest
from socketio import packet as sio_packet

from plugins.realtime.packets import GuardedPacket

PAYLOADS: list[Any] = [
    {"messages": [{"id": i, "text": "hi", "attachments": [{"url": "/uploads/a.png"}]} for i in range(50)]},
    ["chat:message", {"text": None, "sender": {"id": 1}}],
    {"deep": [[[{"file": b"\x89PNG"}]]]},
    [2**70, {"blob": bytearray(b"x")}],  # orjson refuses the integer: the walk decides
    [2**70, {"text": "no bytes"}],
    b"raw",
    "text",
    None,
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_binary_parts_are_found_as_python_socketio_finds_them(payload: Any) -> None:
    assert GuardedPacket.data_is_binary(payload) == sio_packet.Packet.data_is_binary(payload)


def test_an_event_with_bytes_is_still_sent_as_a_binary_event() -> None:
    assert GuardedPacket(sio_packet.EVENT, data=["file", b"x"]).packet_type == sio_packet.BINARY_EVENT
    assert GuardedPacket(sio_packet.EVENT, data=["text", "x"]).packet_type == sio_packet.EVENT
