"""Broadcasts without a task per recipient: the client managers of the realtime plugin.

python-socketio's ``AsyncManager.emit`` encodes a broadcast once but then
creates one asyncio task per recipient and waits for all of them; under chat
load (each message to 20 sockets) task creation and scheduling was the
largest share of the broadcast in the profile (bench/realtime_js.py). Handing
a packet to a socket only appends it to that socket's outgoing queue and
never waits, so this manager hands the one encoded packet to every recipient
in a plain loop. It is python-socketio's public extension point (a client
manager); emits with an ack callback keep the library's own path.

It also keeps a slow reader from costing memory without bound: a socket whose
outgoing queue holds more than ``max_queued`` packets is disconnected (it has
stopped reading; everything it missed is in the history).

:class:`RedisFanout` is the same local delivery behind python-socketio's
Redis manager, so every process delivers to its own sockets the cheap way.
"""

from __future__ import annotations

import logging
from typing import Any

import socketio
from engineio import packet as eio_packet
from socketio import packet as sio_packet

log = logging.getLogger("cms.realtime")


class LocalFanout(socketio.AsyncManager):
    #: outgoing packets a socket may have waiting before it counts as not reading
    max_queued = 2000

    async def emit(self, event: str, data: Any, namespace: str, room: Any = None, skip_sid: Any = None,
                   callback: Any = None, to: Any = None, **kwargs: Any) -> None:
        room = to or room
        if callback is not None or namespace not in self.rooms:
            await super().emit(event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, **kwargs)
            return
        if isinstance(data, tuple):
            args = list(data)
        elif data is not None:
            args = [data]
        else:
            args = []
        encoded = self.server.packet_class(sio_packet.EVENT, namespace=namespace, data=[event, *args]).encode()
        if isinstance(encoded, list):  # binary attachments: rare here, the library's path handles them
            await super().emit(event, data, namespace, room=room, skip_sid=skip_sid, **kwargs)
            return
        frame = eio_packet.Packet(eio_packet.MESSAGE, encoded)
        frame.encode()  # encoded once; every recipient's writer reuses the cached text
        skip = set(skip_sid) if isinstance(skip_sid, list) else {skip_sid}
        eio = self.server.eio
        slow = []
        for sid, eio_sid in self.get_participants(namespace, room):
            if sid in skip:
                continue
            socket = eio.sockets.get(eio_sid)
            if socket is None or socket.closed:
                continue
            if socket.queue.qsize() >= self.max_queued:
                slow.append(sid)
                continue
            await socket.send(frame)  # appends to an unbounded queue: never suspends
        for sid in slow:
            log.warning("socket %s stopped reading (%d packets waiting): disconnected", sid, self.max_queued)
            await self.server.disconnect(sid, namespace=namespace)


class RedisFanout(socketio.AsyncRedisManager, LocalFanout):
    """python-socketio's Redis manager, delivering to this process's sockets as :class:`LocalFanout`."""
