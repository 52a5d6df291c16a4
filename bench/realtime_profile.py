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


THREAD = re.compile(r"^thread \((?:0x)?[0-9A-Fa-f]+\): ?(?P<name>.*)$")


def load(path: Path) -> list[tuple[str, list[str], int]]:
    """(thread name, frames root → leaf, samples); the thread is "" without py-spy's --threads."""
    stacks = []
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        thread = THREAD.match(frames[0])
        name = ""
        if thread:
            name = thread["name"] or "?"
            frames = frames[1:] or ["(no frames)"]
        stacks.append((name, frames, int(count)))
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
    every = load(path)
    total = sum(c for _, _, c in every)
    if not total:
        return f"{path}: no samples"
    out = [f"{path}: {total} samples"]
    threads: Counter[str] = Counter()
    for name, _, c in every:
        threads[name] += c
    if len(threads) > 1 or "" not in threads:
        out.append("by thread (samples of a busy thread; at py-spy's 100 a second, 10 s of it reads as a CPU %):")
        for name, n in threads.most_common():
            out.append(f"  {n:6d} samples  {name}")
    # the event loop is the main thread; without --threads every sample is used
    loop_name = "MainThread" if "MainThread" in threads else next(iter(threads))
    stacks = [(frames, c) for name, frames, c in every if name == loop_name or loop_name == ""]
    loop_total = sum(c for _, c in stacks)
    out.append(f"\nthe event loop ({loop_name or 'all threads'}: {loop_total} samples = 100%)")
    out.append("inclusive (% of samples with this in the stack):")
    for label, patterns in INCLUSIVE:
        n = sum(c for frames, c in stacks if matches(frames, patterns))
        if n:
            out.append(f"  {100 * n / loop_total:5.1f}%  {label}")
    roots: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    for frames, c in stacks:
        roots[root(frames)] += c
        leaves[short(frames[-1])] += c
    out.append("\ntask roots (what the loop was running):")
    for name, n in roots.most_common(top):
        out.append(f"  {100 * n / loop_total:5.1f}%  {name}")
    out.append("\nself (innermost frame; native code counts for the Python function that called it):")
    for name, n in leaves.most_common(top):
        out.append(f"  {100 * n / loop_total:5.1f}%  {name}")
    return "\n".join(out)


def callers(path: Path, needle: str, depth: int = 4, top: int = 5) -> str:
    """Who calls frames matching ``needle`` (the ``depth`` frames above the first match)."""
    every = load(path)
    names = {name for name, _, _ in every}
    stacks = [(frames, c) for name, frames, c in every if name == "MainThread" or "MainThread" not in names]
    found: Counter[str] = Counter()
    for frames, c in stacks:
        for i, frame in enumerate(frames):
            if needle in frame:
                found[" < ".join(short(f) for f in [frame, *frames[max(0, i - depth):i][::-1]])] += c
                break
    total = sum(c for _, c in stacks)
    lines = [f"callers of {needle!r} (% of the event loop's samples):"]
    lines += [f"  {100 * n / total:5.1f}%  {chain}" for chain, n in found.most_common(top)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("profiles", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--callers", action="append", default=[], help="also show who calls frames matching this")
    args = parser.parse_args()
    for path in args.profiles:
        print(summarise(path, args.top))
        for needle in args.callers:
            print("\n" + callers(path, needle))
        print()


if __name__ == "__main__":
    main()
