"""Summarise a py-spy raw profile of the Socket.IO server: where the time goes.

    .venv/bin/py-spy record --pid <server pid> --duration 10 --format raw -o /tmp/rt.txt
    .venv/bin/python bench/realtime_profile.py /tmp/rt.txt

bench/realtime.py --profile DIR records the server during scenarios ii and iii.
Three views of the same samples (py-spy counts only samples where a thread was
running, so the percentages are shares of the server's CPU time):

- inclusive: share of samples with a matching frame anywhere in the stack
  (a child's share is part of its parent's);
- task roots: the coroutine each sample's asyncio task started from (or the
  thread's entry), i.e. what kind of work the event loop was running;
- self: the innermost frame (the function itself was executing).
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

# (label, patterns): a sample matches when its stack holds frames matching every
# pattern in this order, root → leaf (a pattern is a substring of "func (file:line)")
INCLUSIVE: list[tuple[str, tuple[str, ...]]] = [
    ("Socket.IO event handling: AsyncServer._handle_event_internal (decode → handler → ack)", ("_handle_event_internal",)),
    ("  our handler: Realtime._dispatch → Chat.send", ("Chat.send",)),
    ("    permission check: identity.access_for", ("Chat.send", "access_for")),
    ("      PermissionEngine.refresh (reloads grants every 2 s)", ("Chat.send", "PermissionEngine.refresh")),
    ("    await writer.write (queueing only; the commit runs in the writer task)", ("Chat.send", "MessageWriter.write")),
    ("    emit chat:message to the room: AsyncManager.emit", ("Chat.send", "AsyncManager.emit")),
    ("      encode the packet once (socketio/packet.py)", ("AsyncManager.emit", "socketio/packet.py")),
    ("      create one task per recipient + asyncio.wait", ("AsyncManager.emit", "asyncio/")),
    ("  Socket.IO packet code (socketio/packet.py) for the incoming event and the ack", ("_handle_event_internal", "socketio/packet.py")),
    ("  send the ack (AsyncServer._send_packet)", ("_handle_event_internal", "_send_packet")),
    ("Per-recipient send tasks: AsyncServer._send_eio_packet", ("_send_eio_packet",)),
    ("Engine.IO socket writer tasks (engineio/async_socket.py writer)", ("_websocket_handler.<locals>.writer",)),
    ("Engine.IO websocket reader loop (engineio/async_socket.py)", ("_websocket_handler",)),
    ("engineio packet encode/decode (engineio/packet.py)", ("engineio/packet.py",)),
    ("uvicorn websockets-sansio + websockets library", ("websockets",)),
    ("uvicorn HTTP protocol (probes, handshakes)", ("uvicorn/protocols/http",)),
    ("Sanic (HTTP requests)", ("sanic/",)),
    ("Message writer task: MessageWriter._run", ("MessageWriter._run",)),
    ("  DocumentService.create_many", ("MessageWriter._run", "create_many")),
    ("    validate (cms/validation.py)", ("create_many", "cms/validation.py")),
    ("    lifecycles.fire beforeCreate/afterCreate", ("create_many", "cms/lifecycles.py")),
    ("      ContentEvents._after_write (content events, even without subscribers)", ("create_many", "ContentEvents._after_write")),
    ("        shared.subscribers", ("create_many", "subscribers")),
    ("    Model(**scalars) (tortoise Model.__init__)", ("create_many", "Model.__init__")),
    ("    _set_to_one_columns (looks up the sender row, one query per message)", ("create_many", "_set_to_one_columns")),
    ("    _save → Model.save (one INSERT per message)", ("create_many", "DocumentService._save")),
    ("    _check_condition", ("create_many", "_check_condition")),
    ("    in_transaction (begin/commit)", ("create_many", "in_transaction")),
    ("    read-back: reader.find_many of the batch", ("create_many", "find_many")),
    ("tortoise ORM (anywhere)", ("tortoise/",)),
    ("pypika query building (anywhere)", ("pypika",)),
    ("aiosqlite (its thread and the loop side)", ("aiosqlite/",)),
    ("sqlite3 execute/commit in aiosqlite's thread", ("aiosqlite/core.py", "run")),
    ("asyncpg", ("asyncpg/",)),
    ("redis client (manager pub/sub, shared state)", ("redis/",)),
    ("stdlib json", ("json/",)),
    ("logging", ("logging/",)),
]

FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def load(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks.append((stack.split(";"), int(count)))
    return stacks


def matches(frames: list[str], patterns: tuple[str, ...]) -> bool:
    i = 0
    for frame in frames:
        if patterns[i] in frame:
            i += 1
            if i == len(patterns):
                return True
    return False


def short(frame: str) -> str:
    m = FRAME.match(frame)
    if not m:
        return frame
    return f"{m['func']} ({m['file']})"


def root(frames: list[str]) -> str:
    """The coroutine a sample's task started from, or the thread's entry point."""
    for i, frame in enumerate(frames):
        if "Runner.run (asyncio/runners.py" in frame or "run_forever" in frame:
            return short(frames[i + 1]) if i + 1 < len(frames) else "event loop itself"
    if any("threading.py" in f for f in frames[:2]):
        for frame in frames:
            if "threading.py" not in frame:
                return "thread: " + short(frame)
    return "(truncated stack) " + short(frames[0])


def summarise(path: Path, top: int = 20) -> str:
    stacks = load(path)
    total = sum(c for _, c in stacks)
    if not total:
        return f"{path}: no samples"
    out = [f"{path}: {total} samples"]
    out.append("\ninclusive (% of samples with this in the stack):")
    for label, patterns in INCLUSIVE:
        n = sum(c for frames, c in stacks if matches(frames, patterns))
        if n:
            out.append(f"  {100 * n / total:5.1f}%  {label}")
    roots: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    for frames, c in stacks:
        roots[root(frames)] += c
        leaves[short(frames[-1])] += c
    out.append("\ntask roots (what the loop was running):")
    for name, n in roots.most_common(top):
        out.append(f"  {100 * n / total:5.1f}%  {name}")
    out.append("\nself (innermost frame):")
    for name, n in leaves.most_common(top):
        out.append(f"  {100 * n / total:5.1f}%  {name}")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("profiles", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args()
    print("\n\n".join(summarise(p, args.top) for p in args.profiles))


if __name__ == "__main__":
    main()
