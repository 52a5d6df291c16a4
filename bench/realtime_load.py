"""Load generator for bench/realtime.py: many Socket.IO clients in one process.

Not meant to be run by hand: bench/realtime.py starts it (pinned to its own
core), passes a JSON plan as the first argument and talks to it over stdin and
stdout, one line each way:

    ← READY {...}      every client connected (and joined its room)
    → GO               start sending (or, for idle sockets, STOP to hang up)
    ← RESULT {...}     counters, latencies and this process's CPU time

Two client implementations, chosen by ``plan["client"]``:

``lean`` (the default)
    Engine.IO 4 / Socket.IO 5 spoken directly over one asyncio ``Protocol``
    per socket: websocket transport only, the opening handshake checked with
    the ``websockets`` library's helpers, frames masked with its C speedup,
    server frames parsed here (unmasked, unfragmented text frames: about 1 µs
    each, against about 9 µs in ``websockets``' sans-I/O parser). No task per
    packet: acks and events are handled inside ``data_received``.

``socketio``
    python-socketio's ``AsyncClient`` with ``transports=["websocket"]``, one
    per socket, for comparison (it creates a task per received packet).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
from websockets.speedups import apply_mask
from websockets.utils import accept_key

EVENT_PREFIX = b'2["chat:message",'


class Stats:
    """Everything measured, shared by every client of this process."""

    def __init__(self) -> None:
        self.t0 = 0  # monotonic ns: start of the sending window
        self.end = 0  # monotonic ns: end of the sending window
        self.sent = 0
        self.sent_in_window = 0
        self.acked_ok = 0
        self.acked_ok_in_window = 0
        self.refused: Counter[str] = Counter()
        self.refused_in_window = 0
        self.delivered = 0
        self.delivered_in_window = 0
        self.deliveries: dict[str, int] = {}  # message text → sockets it reached
        self.ok_texts: set[str] = set()
        self.unanswered: dict[str, int] = {}  # text → send time, until acked
        self.delivery_ns: list[int] = []
        self.ack_ns: list[int] = []
        self.last_ack = 0
        self.last_delivery = 0
        self.foreign = 0  # chat:message events not sent by this run
        self.per_socket: Counter[int] = Counter()  # socket index → chat:message events received

    def on_ack(self, text: str, sent_ns: int, response: Any) -> None:
        now = time.monotonic_ns()
        self.unanswered.pop(text, None)
        self.last_ack = now
        in_window = now <= self.end
        if isinstance(response, dict) and response.get("ok") is True:
            self.acked_ok += 1
            self.ok_texts.add(text)
            self.ack_ns.append(now - sent_ns)
            if in_window:
                self.acked_ok_in_window += 1
        else:
            name = "no_ack"
            if isinstance(response, dict) and isinstance(response.get("error"), dict):
                name = str(response["error"].get("name"))
            self.refused[name] += 1
            if in_window:
                self.refused_in_window += 1

    def on_message(self, data: Any, who: int = -1) -> None:
        now = time.monotonic_ns()
        try:
            text = data["text"]
            sent_ns = int(text[: text.index(" ")])
        except (KeyError, TypeError, ValueError):
            self.foreign += 1
            return
        if sent_ns < self.t0:
            self.foreign += 1
            return
        self.delivered += 1
        self.per_socket[who] += 1
        self.last_delivery = now
        if now <= self.end:
            self.delivered_in_window += 1
        self.deliveries[text] = self.deliveries.get(text, 0) + 1
        self.delivery_ns.append(now - sent_ns)


STATS = Stats()


# -- the lean client ------------------------------------------------------------------------


def frame(payload: bytes) -> bytes:
    """A masked text frame, as a client must send."""
    mask = os.urandom(4)
    n = len(payload)
    if n < 126:
        header = bytes((0x81, 0x80 | n))
    elif n < 65536:
        header = bytes((0x81, 0x80 | 126)) + n.to_bytes(2, "big")
    else:
        header = bytes((0x81, 0x80 | 127)) + n.to_bytes(8, "big")
    return header + mask + apply_mask(payload, mask)


def control(opcode: int, payload: bytes = b"") -> bytes:
    mask = os.urandom(4)
    return bytes((0x80 | opcode, 0x80 | len(payload))) + mask + apply_mask(payload, mask)


class LeanSocket(asyncio.Protocol):
    def __init__(self, host: str, port: int, auth: dict[str, Any] | None, index: int) -> None:
        self.host, self.port, self.auth, self.index = host, port, auth, index
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.key = base64.b64encode(os.urandom(16)).decode()
        self.upgraded = False
        self.connected: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed = False
        self.next_id = 0
        self.pending: dict[int, tuple[Any, ...]] = {}  # ack id → (callback, *args)

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        request = (
            f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {self.key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        )
        self.transport.write(request.encode())  # type: ignore[union-attr]

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.connected.done():
            self.connected.set_exception(ConnectionError(f"closed during connect: {exc}"))

    def data_received(self, data: bytes) -> None:
        buf = self.buffer
        buf += data
        if not self.upgraded:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(buf[:end]).decode("latin-1")
            del buf[: end + 4]
            if not head.startswith("HTTP/1.1 101") or accept_key(self.key) not in head:
                self._fail(f"websocket upgrade refused: {head.splitlines()[0] if head else '?'}")
                return
            self.upgraded = True
        n = len(buf)
        pos = 0
        while n - pos >= 2:
            length = buf[pos + 1] & 0x7F
            start = pos + 2
            if length == 126:
                if n - pos < 4:
                    break
                length = int.from_bytes(buf[pos + 2: pos + 4], "big")
                start = pos + 4
            elif length == 127:
                if n - pos < 10:
                    break
                length = int.from_bytes(buf[pos + 2: pos + 10], "big")
                start = pos + 10
            end = start + length
            if end > n:
                break
            opcode = buf[pos] & 0x0F
            if opcode == 1:
                self.on_packet(bytes(buf[start:end]))
            elif opcode == 9:  # websocket ping
                self.write(control(0xA, bytes(buf[start:end])))
            elif opcode == 8:
                self.close()
            pos = end
        if pos:
            del buf[:pos]

    # Engine.IO / Socket.IO
    def on_packet(self, packet: bytes) -> None:
        kind = packet[0]
        if kind == 0x34:  # "4" message
            sio = packet[1]
            if sio == 0x32:  # "2" event
                if packet.startswith(EVENT_PREFIX, 1):
                    STATS.on_message(orjson.loads(packet[2:])[1], self.index)
            elif sio == 0x33:  # "3" ack: digits then a JSON array
                i = 2
                while 0x30 <= packet[i] <= 0x39:
                    i += 1
                entry = self.pending.pop(int(packet[2:i]), None)
                if entry is not None:
                    callback, *args = entry
                    callback(*args, orjson.loads(packet[i:])[0])
            elif sio == 0x30:  # "0" connected
                if not self.connected.done():
                    self.connected.set_result(None)
            elif sio == 0x34:  # "4" connect_error
                self._fail(f"connect_error {packet[2:].decode()}")
        elif kind == 0x32:  # "2" ping → "3" pong
            self.write(frame(b"3"))
        elif kind == 0x30:  # "0" open → Socket.IO connect to "/"
            self.write(frame(b"40" + (orjson.dumps(self.auth) if self.auth is not None else b"")))
        elif kind == 0x31:  # "1" close
            self.close()

    def emit(self, event: str, data: Any, callback: Any = None, *args: Any) -> None:
        if callback is None:
            self.write(frame(b"42" + orjson.dumps([event, data])))
            return
        ack_id = self.next_id
        self.next_id += 1
        self.pending[ack_id] = (callback, *args)
        self.write(frame(b"42" + str(ack_id).encode() + orjson.dumps([event, data])))

    async def call(self, event: str, data: Any, timeout: float = 30) -> Any:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.emit(event, data, lambda response: future.done() or future.set_result(response))
        return await asyncio.wait_for(future, timeout)

    def write(self, data: bytes) -> None:
        if not self.closed and self.transport is not None:
            self.transport.write(data)

    def _fail(self, reason: str) -> None:
        if not self.connected.done():
            self.connected.set_exception(ConnectionError(reason))
        self.close()

    def close(self) -> None:
        if not self.closed and self.transport is not None:
            self.closed = True
            try:
                self.transport.write(control(8, b"\x03\xe8"))
            finally:
                self.transport.close()


async def lean_connect(host: str, port: int, auth: dict[str, Any] | None, index: int) -> LeanSocket:
    loop = asyncio.get_running_loop()
    _, protocol = await loop.create_connection(lambda: LeanSocket(host, port, auth, index), host, port)
    await asyncio.wait_for(protocol.connected, 30)
    return protocol


# -- python-socketio's AsyncClient, for comparison ------------------------------------------


class SioSocket:
    def __init__(self, index: int) -> None:
        import socketio

        self.sio = socketio.AsyncClient(reconnection=False)
        self.sio.on("chat:message", lambda data: STATS.on_message(data, index))
        self.sio.on("disconnect", self._gone)
        self.closed = False

    def _gone(self, *args: Any) -> None:
        self.closed = True

    async def connect(self, host: str, port: int, auth: dict[str, Any] | None) -> SioSocket:
        await self.sio.connect(f"http://{host}:{port}", transports=["websocket"], auth=auth, wait_timeout=30)
        return self

    def emit(self, event: str, data: Any, callback: Any = None, *args: Any) -> None:
        cb = (lambda response: callback(*args, response)) if callback is not None else None
        asyncio.ensure_future(self.sio.emit(event, data, callback=cb))

    async def call(self, event: str, data: Any, timeout: float = 30) -> Any:
        return await self.sio.call(event, data, timeout=timeout)

    def close(self) -> None:
        asyncio.ensure_future(self.sio.disconnect())


async def connect_one(plan: dict[str, Any], spec: dict[str, Any], index: int) -> Any:
    auth = {"token": spec["token"]} if spec.get("token") else None
    if plan["client"] == "socketio":
        return await SioSocket(index).connect(plan["host"], spec["port"], auth)
    return await lean_connect(plan["host"], spec["port"], auth, index)


# -- the run --------------------------------------------------------------------------------


class Sender:
    """One client's sending schedule: every ``interval`` seconds, or on each ack."""

    def __init__(self, index: int, socket: Any, room: str, closed_loop: bool) -> None:
        self.index, self.socket, self.room, self.closed_loop = index, socket, room, closed_loop
        self.seq = 0

    def send(self) -> None:
        now = time.monotonic_ns()
        if now > STATS.end:
            return
        self.seq += 1
        text = f"{now} {self.index}-{self.seq} bench message"
        STATS.sent += 1
        STATS.sent_in_window += 1
        STATS.unanswered[text] = now
        self.socket.emit("chat:send", {"room": self.room, "text": text}, self.acked, text, now)

    def acked(self, text: str, sent_ns: int, response: Any) -> None:
        STATS.on_ack(text, sent_ns, response)
        if self.closed_loop:
            self.send()

    def tick(self, loop: asyncio.AbstractEventLoop, at: float, interval: float, end: float) -> None:
        self.send()
        nxt = at + interval
        if nxt < end:
            loop.call_at(nxt, self.tick, loop, nxt, interval, end)


async def probe(host: str, port: int, samples: list[float], stop: asyncio.Event) -> None:
    """GET /_health every 200 ms: is the server's loop still answering?"""
    while not stop.is_set():
        began = time.perf_counter()
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 10)
            writer.write(f"GET /_health HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
            await asyncio.wait_for(reader.read(), 10)
            writer.close()
            samples.append(time.perf_counter() - began)
        except (OSError, TimeoutError):
            samples.append(float("inf"))
        try:
            await asyncio.wait_for(stop.wait(), 0.2)
        except TimeoutError:
            pass


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def read_line() -> str:
    return (await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)).strip()


def percentile(values: list[int], q: float) -> float | None:
    if not values:
        return None
    values.sort()
    return values[min(len(values) - 1, int(q * len(values)))] / 1e6


async def run(plan: dict[str, Any]) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    specs = plan["clients"]
    limit = asyncio.Semaphore(plan.get("connect_concurrency", 100))
    sockets: list[Any] = [None] * len(specs)
    failures: Counter[str] = Counter()
    began = time.perf_counter()

    async def open_one(i: int) -> None:
        async with limit:
            try:
                sockets[i] = await connect_one(plan, specs[i], i)
                if specs[i].get("room"):
                    response = await sockets[i].call("chat:join", {"room": specs[i]["room"]})
                    if not (isinstance(response, dict) and response.get("ok")):
                        raise ConnectionError(f"join refused: {response}")
            except Exception as exc:  # noqa: BLE001 - counted and reported
                failures[f"{type(exc).__name__}: {str(exc)[:120]}"] += 1

    await asyncio.gather(*(open_one(i) for i in range(len(specs))))
    connect_s = time.perf_counter() - began
    connected = sum(1 for s in sockets if s is not None and not getattr(s, "closed", False))
    say("READY " + json.dumps({"connected": connected, "failures": dict(failures), "connect_s": round(connect_s, 2)}))

    command = await read_line()
    result: dict[str, Any] = {"connected": connected, "connect_failures": dict(failures), "connect_s": round(connect_s, 2)}
    if plan["mode"] == "idle" or command != "GO":
        for s in sockets:
            if s is not None:
                s.close()
        await asyncio.sleep(0.5)
        return result

    duration, grace = plan["duration"], plan["grace"]
    closed_loop = plan["mode"] == "closed"
    stop_probe = asyncio.Event()
    probe_s: list[float] = []
    probes = [asyncio.create_task(probe(plan["host"], port, probe_s, stop_probe)) for port in plan["ports"]]
    senders = [Sender(i, s, specs[i]["room"], closed_loop) for i, s in enumerate(sockets) if s is not None]
    # loop.time() (uvloop: cached, millisecond steps) schedules the sends; monotonic_ns() stamps them
    STATS.t0 = time.monotonic_ns()  # anything stamped later was sent by this run
    start = loop.time() + 0.2
    STATS.end = STATS.t0 + int((0.2 + duration) * 1e9)
    end = start + duration
    cpu0 = time.process_time()
    if closed_loop:
        loop.call_at(start, lambda: [s.send() for s in senders])
    else:
        interval = plan["interval"]
        for k, sender in enumerate(senders):  # spread the clients evenly over one interval
            at = start + interval * k / len(senders)
            loop.call_at(at, sender.tick, loop, at, interval, end)
    await asyncio.sleep(start - loop.time() + duration)
    cpu_window = time.process_time() - cpu0
    unanswered_at_end = len(STATS.unanswered)
    # grace: wait for the last acks and deliveries, up to ``grace`` seconds
    deadline = time.monotonic() + grace
    expected = plan["room_size"]
    while time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        settled = not STATS.unanswered and all(STATS.deliveries.get(t, 0) >= expected for t in STATS.ok_texts)
        quiet = time.monotonic_ns() - max(STATS.last_ack, STATS.last_delivery) > 1e9
        if settled and quiet:
            break
    stop_probe.set()
    await asyncio.gather(*probes)
    disconnected = [i for i, s in enumerate(sockets) if s is not None and s.closed]
    lost_counts = Counter(STATS.deliveries.get(t, 0) for t in STATS.ok_texts if STATS.deliveries.get(t, 0) < expected)
    # per socket: chat:message events of its room it should have had (every ok message) against what it got
    ok_by_room: Counter[str] = Counter()
    for text in STATS.ok_texts:
        ok_by_room[specs[int(text.split(" ", 2)[1].split("-")[0])]["room"]] += 1
    short_sockets = {i: ok_by_room[specs[i]["room"]] - STATS.per_socket[i] for i, s in enumerate(sockets)
                     if s is not None and STATS.per_socket[i] < ok_by_room[specs[i]["room"]]}
    lost = sum(1 for t in STATS.ok_texts if STATS.deliveries.get(t, 0) < expected)
    short = sum(expected - STATS.deliveries.get(t, 0) for t in STATS.ok_texts if STATS.deliveries.get(t, 0) < expected)
    delivered_unacked = sum(1 for t in STATS.deliveries if t not in STATS.ok_texts)
    over = sum(1 for t, c in STATS.deliveries.items() if c > expected)
    finite = sorted(p for p in probe_s if p != float("inf"))
    result.update({
        "duration_s": duration,
        "sent": STATS.sent,
        "acked_ok": STATS.acked_ok,
        "acked_ok_in_window": STATS.acked_ok_in_window,
        "refused": dict(STATS.refused),
        "refused_in_window": STATS.refused_in_window,
        "unanswered_at_end": unanswered_at_end,
        "unanswered_after_grace": len(STATS.unanswered),
        "delivered": STATS.delivered,
        "delivered_in_window": STATS.delivered_in_window,
        "lost": lost,
        "missing_deliveries": short,
        "delivered_not_acked": delivered_unacked,
        "duplicated": over,
        "lost_by_deliveries": {str(k): v for k, v in sorted(lost_counts.items())},
        "sockets_missing_events": dict(sorted(short_sockets.items(), key=lambda kv: -kv[1])[:10]),
        "disconnected_during_run": len(disconnected),
        "foreign_events": STATS.foreign,
        "delivery_p50_ms": percentile(STATS.delivery_ns, 0.50),
        "delivery_p99_ms": percentile(STATS.delivery_ns, 0.99),
        "delivery_max_ms": percentile(STATS.delivery_ns, 1.0),
        "ack_p50_ms": percentile(STATS.ack_ns, 0.50),
        "ack_p99_ms": percentile(STATS.ack_ns, 0.99),
        "probe_count": len(probe_s),
        "probe_failed": len(probe_s) - len(finite),
        "probe_p50_ms": round(finite[len(finite) // 2] * 1000, 1) if finite else None,
        "probe_max_ms": round(finite[-1] * 1000, 1) if finite else None,
        "loadgen_cpu_pct": round(100 * cpu_window / duration, 1),
    })
    for s in sockets:
        if s is not None:
            s.close()
    await asyncio.sleep(0.3)
    return result


def main() -> None:
    plan = json.loads(Path(sys.argv[1]).read_text())
    try:
        import uvloop

        result = uvloop.run(run(plan))
    except ImportError:
        result = asyncio.run(run(plan))
    say("RESULT " + json.dumps(result))
    os._exit(0)  # do not wait for lingering client sessions


if __name__ == "__main__":
    main()
