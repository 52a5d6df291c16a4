"""chat:history of a room against the REST room page, for the same signed-in user, in one run.

The issue "Reads under row-level conditions at index speed" asks for the
history of a room with 500 messages, read under the default grant of
config/permissions.toml, to be as fast as the REST room page. This measures
both on one `cms develop` process (core 0), one after the other:

  rest     wrk (core 1), --connections connections, each request
           GET /api/messages?filters[room][$eq]=<room>&sort=createdAt:desc&pagination[pageSize]=<limit>
           with the user's JWT (as bench/rest.py --dataset chat, scenario room B)
  history  bench/js/history.mjs (socket.io-client 4.8 in Node.js, core 1): --sockets sockets
           with the same JWT, each joined to the room (chat:join), each with one
           chat:history {room, limit} outstanding, the next sent on its ack

and prints req/s, p50/p99, the server's CPU and requests per CPU-second of
each, and history/REST (target: ≥ 1.0, "as fast as the room page"). Both return
the same messages: the check before the timed runs compares the ids (the
seeded createdAt grows with the id, so newest by createdAt is newest by id).

Data: bench/rest.py --dataset chat's (100,000 messages over 30 days in 200
rooms, 201 users; the user registered over REST, sent 1% of the messages and is
in 2 rooms through chat_users), then the user's first room is made to hold
exactly --room-size (500) messages spread over the 30 days (messages moved to
or from rooms the user is not in). The copy's [realtime] history_rate and
history_burst are raised out of the way (the socket rate limit would refuse a
closed loop); nothing else is changed.

Also printed: the SQL of each (recorded from the cms Reader on the seeded file:
the history query as plugins/realtime/chat.py builds it, populate included;
the REST page and its COUNT) with EXPLAIN QUERY PLAN and median time on a
plain sqlite3 connection.

    .venv/bin/python bench/history.py
    .venv/bin/python bench/history.py --duration 5 --save .bench/history.json
    .venv/bin/python bench/history.py --compare .bench/history.json
    .venv/bin/python bench/history.py --profile /tmp/hist         # + py-spy on the server, both loads

Needs wrk and Node.js 18+ with npm (bench/js is installed with `npm ci` when
missing, as bench/realtime_js.py does).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ is not a package

import rest  # noqa: E402
from realtime import with_settings  # noqa: E402
from realtime_js import JS, node_versions  # noqa: E402

HISTORY_RATE = {"history_rate": 100000.0, "history_burst": 100000}


def fit_room(db_path: Path, room: str, size: int, others: list[str], rng: random.Random) -> int:
    """Make ``room`` hold exactly ``size`` messages spread over the whole id range, by moving
    messages between it and ``others`` (rooms the user is not in). Returns the count before."""
    with rest.connect(db_path) as db:
        ids = [row[0] for row in db.execute("SELECT id FROM messages WHERE room = ? ORDER BY id", (room,))]
        before = len(ids)
        if before > size:  # every k-th goes away, so the rest stays spread out
            drop = ids[:: max(1, before // (before - size))][: before - size]
            db.executemany("UPDATE messages SET room = ? WHERE id = ?", [(rng.choice(others), i) for i in drop])
        elif before < size:
            pool = [row[0] for row in db.execute(
                f"SELECT id FROM messages WHERE room IN ({', '.join('?' for _ in others)}) ORDER BY id", others)]
            take = pool[:: max(1, len(pool) // (size - before))][: size - before]
            db.executemany("UPDATE messages SET room = ? WHERE id = ?", [(room, i) for i in take])
        count = db.execute("SELECT count(*) FROM messages WHERE room = ?", (room,)).fetchone()[0]
    if count != size:
        raise rest.BenchError(f"{room} holds {count} messages, not {size}")
    return before


def rest_path(room: str, limit: int, populate: str = "") -> str:
    """The REST room page; ``populate``: more query parameters (:func:`history_populate`)."""
    path = f"/api/messages?filters[room][$eq]={room}&sort=createdAt:desc&pagination[pageSize]={limit}"
    return path + (f"&{populate}" if populate else "")


def history_populate(project: Path) -> str:
    """chat:history's populate (plugins/realtime/delivery.py) as REST query parameters."""
    from cms.app import load_project
    from plugins.realtime.delivery import delivered_shape

    ct = load_project(project, "develop").registry.get("api::message.message")
    parts = []
    for name, spec in delivered_shape(ct).populate.items():
        parts += [f"populate[{name}][fields][{i}]={field}" for i, field in enumerate(spec.fields or ())] or \
            [f"populate[{name}]=true"]
    return "&".join(parts)


def record_sql(project: Path, data: rest.ChatSeeded, room: str, limit: int) -> list[dict[str, Any]]:
    """The statements the cms Reader runs for the history and for the REST page, on the seeded file."""
    from cms.query.ast import Condition, Pagination, Query, SortKey
    from cms.query.params import Limits, parse_query
    from cms.query.qs import parse_qs
    from plugins.realtime.delivery import delivered_shape

    loaded, ct, condition, variables, reader = rest.recording_reader(project, data)
    # as plugins/realtime/chat.py's history() builds it (no `before`): one more row tells nextCursor
    history = Query(filters=Condition(("room",), "$eq", room), sort=(SortKey(("id",), descending=True),),
                    pagination=Pagination("offset", 0, limit + 1, with_count=False), populate=delivered_shape(ct).populate)
    page = parse_query(ct, parse_qs(rest_path(room, limit).split("?", 1)[1], strict_null_handling=True),
                       registry=loaded.registry, limits=Limits())
    out = []
    try:
        for name, query in (("history", history), ("rest", page)):
            reader.statements = []
            asyncio.run(reader.find_many(ct, query, variables, condition))
            for number, (text, params) in enumerate(reader.statements):  # the page, then populate or COUNT
                kind = "page" if number == 0 else "count" if text.startswith("SELECT COUNT") else "populate"
                out.append({"scenario": name, "kind": kind, "sql": text, "params": params})
    finally:
        reader.close()
    return out


class Node:
    """bench/js/history.mjs on its core: connect, join, check (READY), then one timed run."""

    def __init__(self, url: str, jwt: str, room: str, args: argparse.Namespace, cpu: str | None) -> None:
        command = ["node", str(JS / "history.mjs"), "--url", url, "--token", jwt, "--room", room,
                   "--limit", str(args.limit), "--sockets", str(args.sockets), "--warmup", f"{args.warmup:g}",
                   "--duration", f"{args.duration:g}"]
        self.process = subprocess.Popen([*(["taskset", "-c", cpu] if cpu else []), *command],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.ready = json.loads(self._line("READY"))

    def _line(self, tag: str) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith(tag):
            self.process.kill()
            raise rest.BenchError(f"history.mjs: expected {tag}, got {line!r} (exit {self.process.poll()})")
        return line[len(tag):].strip()

    def run(self, server: rest.Server, core: str | None) -> dict[str, Any]:
        """Start the load; measure the server over the timed window."""
        assert self.process.stdin is not None
        self.process.stdin.write("GO\n")
        self.process.stdin.flush()
        self._line("WINDOW")
        began, cpu0, busy0 = time.monotonic(), server.cpu_seconds(), rest.core_busy_seconds(core)
        result = json.loads(self._line("RESULT"))
        wall, cpu = time.monotonic() - began, server.cpu_seconds() - cpu0
        self.process.stdin.close()
        self.process.wait(timeout=10)
        result["server_cpu_pct"] = round(100 * cpu / wall, 1)
        result["req_per_cpu_s"] = round(result["requests"] / cpu, 1) if cpu else None
        busy1 = rest.core_busy_seconds(core)
        if busy0 is not None and busy1 is not None:
            result["others_on_core_pct"] = round(max(0.0, 100 * (busy1 - busy0 - cpu) / wall), 1)
        return result

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def check_same_messages(base: str, data: rest.ChatSeeded, room: str, limit: int, history: dict[str, Any]) -> None:
    """The REST page and the history answer hold the same messages (and each is what it should be)."""
    status, body = rest.call("GET", base + rest_path(room, limit), auth={"Authorization": f"Bearer {data.jwt}"})
    rows = body.get("data") if isinstance(body, dict) else None
    rest.expect(status == 200 and isinstance(rows, list) and len(rows) == limit, f"REST {limit} messages", status, body)
    total = body["meta"]["pagination"]["total"]
    rest.expect(total == data.in_room[room], f"REST meta.pagination.total == {data.in_room[room]}", status, body)
    checks = {"count": history["count"] == limit, "in room": history["inRoom"], "oldest first": history["ascending"],
              "sender populated": history["populated"], "nextCursor": history["nextCursor"] == history["ids"][0]}
    problems = [name for name, ok in checks.items() if not ok]
    if problems:
        raise rest.BenchError(f"chat:history answer: {', '.join(problems)} wrong: {history}")
    if sorted(row["id"] for row in rows) != history["ids"]:
        raise rest.BenchError(f"REST page and history differ: {[r['id'] for r in rows]} / {history['ids']}")


def print_table(results: dict[str, dict[str, Any]]) -> None:
    header = f"{'':44}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'srv CPU':>9}{'req/CPU-s':>11}"
    print(header)
    print("-" * len(header))
    for key, label in (("rest", "REST room page (wrk, JWT)"), ("rest-populated", "REST room page, populated as history"),
                       ("history", "chat:history (socket.io-client, JWT)")):
        r = results.get(key)
        if r is None:
            continue
        errors = r.get("non_2xx", 0) + sum(r.get("socket_errors", {}).values()) if key.startswith("rest") \
            else sum(r["errors"].values())
        print(f"{label:44}{r['rps']:>9,.0f}{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}{errors:>8}"
              f"{r['server_cpu_pct']:>8.0f}%{r.get('req_per_cpu_s') or 0:>11,.0f}")
    if "rest" in results and "history" in results and results["rest"]["rps"]:
        ratio = results["history"]["rps"] / results["rest"]["rps"]
        print(f"history / REST room page: {ratio:.2f} of the req/s (target ≥ 1.00: "
              f"{'ok' if ratio >= 1 else 'MISSED'})")
        if results.get("rest-populated", {}).get("rps"):
            same = results["history"]["rps"] / results["rest-populated"]["rps"]
            print(f"history / REST room page populated as history (the same documents): {same:.2f} of the req/s")


def profile(server: rest.Server, args: argparse.Namespace, key: str, cpu: str | None) -> None:
    """py-spy on the server (while a load runs); prints bench/rest.py's summary."""
    if rest.PY_SPY is None:
        raise rest.BenchError("--profile needs py-spy: .venv/bin/pip install py-spy")
    args.profile.mkdir(parents=True, exist_ok=True)
    out = args.profile / f"history_{key}.txt"
    spy = subprocess.run([*(["taskset", "-c", cpu] if cpu else []), rest.PY_SPY, "record", "--pid", str(server.pid),
                          "--duration", f"{args.profile_duration:g}", "--rate", "200", "--format", "raw",
                          "--threads", "-o", str(out)], capture_output=True, text=True)
    if spy.returncode != 0 or not out.exists():
        raise rest.BenchError(f"py-spy failed ({spy.returncode}):\n{spy.stdout}{spy.stderr}")
    print(f"\n  ({key}) collapsed stacks in {out}")
    rest.print_profile(key, rest.summarise_profile(out, 15))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=10, help="seconds of each timed run (default 10)")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of load before each timed run (2)")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections (64)")
    parser.add_argument("--sockets", type=int, default=64, help="Socket.IO clients, one request outstanding each (64)")
    parser.add_argument("--limit", type=int, default=50,
                        help="history page size and REST pageSize (50: [realtime] history_page's default)")
    parser.add_argument("--room-size", type=int, default=500, help="messages in the user's room (500)")
    parser.add_argument("--command", choices=["develop", "start"], default="develop")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--ref", metavar="GIT_REV",
                        help="take content_types/, config/, migrations/ from this git revision instead of the "
                             "working tree (the cms code is always the installed one)")
    parser.add_argument("--no-pin", action="store_true", help="do not use taskset")
    parser.add_argument("--save", type=Path, help="write the figures as JSON")
    parser.add_argument("--compare", type=Path, help="a JSON file from an earlier --save")
    parser.add_argument("--profile", type=Path, metavar="DIR", help="after the timed runs, py-spy each load into DIR")
    parser.add_argument("--profile-duration", type=float, default=6)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("error: wrk is not installed (Debian/Ubuntu: apt-get install wrk)", file=sys.stderr)
        return 2
    if args.compare and not args.compare.exists():
        parser.error(f"--compare: {args.compare} does not exist")
    versions = node_versions()
    server_cpu, load_cpu = (None, None) if args.no_pin or (os.cpu_count() or 1) < 2 else ("0", "1")
    command = " ".join([Path(sys.executable).name, *sys.argv])
    rng = random.Random(args.seed)

    with tempfile.TemporaryDirectory(prefix="cms-bench-history-") as tmp:
        project = rest.make_project(Path(tmp), args.ref)
        plugins = project / "config" / "plugins.toml"
        plugins.write_text(with_settings(plugins.read_text(), {"realtime": HISTORY_RATE}))
        data = rest.chat_register(project)
        rest.chat_seed(rest.database_path(project), rng, data)
        room = data.rooms[0]
        others = [r for r in rest.CHAT_ROOMS if r not in data.rooms]
        before = fit_room(rest.database_path(project), room, args.room_size, others, rng)
        data.in_room[room] = args.room_size
        print(f"project: content_types/, config/, migrations/ from {args.ref or 'the working tree'} in {project}; "
              f"[realtime] {', '.join(f'{k} = {v:g}' for k, v in HISTORY_RATE.items())}")
        print(f"data: bench/rest.py --dataset chat's ({rest.CHAT_MESSAGES:,} messages, {len(rest.CHAT_ROOMS)} rooms); "
              f"the user (id {data.user_id}) is in {', '.join(data.rooms)}; {room} made to hold {args.room_size} "
              f"messages (it had {before})")
        print(f"load: wrk {args.connections} connections / {args.sockets} socket.io-client "
              f"{versions['socket.io-client']} sockets (Node {versions['node']}), {args.warmup:g} s warm-up + "
              f"{args.duration:g} s each; server `cms {args.command}` on core {server_cpu}, load on core {load_cpu}")
        statements = record_sql(project, data, room, args.limit)
        rest.chat_explain(rest.database_path(project), statements)

        server = rest.Server(project, server_cpu, args.command)
        results: dict[str, dict[str, Any]] = {}
        node: Node | None = None
        try:
            server.wait_ready()
            node = Node(server.url, data.jwt, room, args, load_cpu)
            check_same_messages(server.url, data, room, args.limit, node.ready)
            print(f"checked: the REST page and chat:history return the same {args.limit} messages "
                  f"(history answer {node.ready['bytes']:,} bytes of JSON)\n")
            scenario = rest.Scenario("rest", server.url + rest_path(room, args.limit),
                                     headers={"Authorization": f"Bearer {data.jwt}"})
            if args.warmup > 0:
                rest.run_wrk(rest.wrk_command(scenario, args_for_wrk(args), args.warmup, load_cpu))
                rest.wait_idle(server)
            results["rest"], _ = rest.run_wrk(rest.wrk_command(scenario, args_for_wrk(args), args.duration, load_cpu),
                                              server, server_cpu)
            rest.wait_idle(server)
            populated = rest.Scenario("rest-populated", server.url + rest_path(room, args.limit, history_populate(project)),
                                      headers={"Authorization": f"Bearer {data.jwt}"})
            results["rest-populated"], _ = rest.run_wrk(
                rest.wrk_command(populated, args_for_wrk(args), args.duration, load_cpu), server, server_cpu)
            rest.wait_idle(server)
            results["history"] = node.run(server, server_cpu)
            node = None
            rest.wait_idle(server)
            for key in ("rest", "rest-populated", "history"):
                r = results[key]
                print(f"({key}) {r['rps']:>8,.0f} req/s  p50 {r['p50_ms']:.2f} ms  p99 {r['p99_ms']:.2f} ms  "
                      f"server CPU {r['server_cpu_pct']}%  others on its core {r.get('others_on_core_pct', '?')}%"
                      + (f"  client CPU {r['client_cpu_pct']:.0f}%  errors {r['errors']}" if key == "history" else
                         f"  non-2xx {r['non_2xx']}"))
            if args.profile:
                print(f"\nprofiles (py-spy, {args.profile_duration:g} s each; not part of the figures):")
                load = subprocess.Popen(rest.wrk_command(scenario, args_for_wrk(args), args.profile_duration + 2,
                                                         load_cpu), stdout=subprocess.DEVNULL)
                time.sleep(1)
                profile(server, args, "rest", server_cpu)
                load.wait()
                rest.wait_idle(server)
                spy_args = argparse.Namespace(**{**vars(args), "duration": args.profile_duration + 2, "warmup": 1})
                node = Node(server.url, data.jwt, room, spy_args, load_cpu)
                assert node.process.stdin is not None
                node.process.stdin.write("GO\n")
                node.process.stdin.flush()
                time.sleep(1.5)
                profile(server, args, "history", server_cpu)
                node.stop()
                node = None
        finally:
            if node is not None:
                node.stop()
            server.stop()
        errors = [line for line in server.log_path.read_text().splitlines()
                  if re.search(r"\b(ERROR|Traceback|CRITICAL)\b", line)]

    print()
    print("SQL, as the cms Reader runs it, with EXPLAIN QUERY PLAN and the median of 30 runs on a plain sqlite3 "
          "connection:")
    for item in statements:
        shown = item["sql"] if item["kind"] == "count" else re.sub(r"^SELECT .*? FROM", "SELECT <columns> FROM",
                                                                    item["sql"])
        print(f"  ({item['scenario']}) {item['kind']}: {item['ms']:.3f} ms  {shown}  {item['params']}")
        for line in item["plan"]:
            print(f"      {line}")
    print()
    print_table(results)
    if errors:
        print(f"server log: {len(errors)} error line(s), first: {errors[0][:300]}")
    print(f"command: {command}")
    result = {"command": command, "settings": {**{k: str(v) for k, v in vars(args).items()}, **versions},
              "results": results, "sql": statements}
    if args.compare:
        old = json.loads(args.compare.read_text())["results"]
        print(f"against {args.compare}: " + ", ".join(
            f"{key} {old[key]['rps']:,.0f} → {results[key]['rps']:,.0f} req/s "
            f"({100 * (results[key]['rps'] / old[key]['rps'] - 1):+.0f}%)" for key in results if key in old))
    if args.save:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text(json.dumps(result, indent=2))
        print(f"saved to {args.save}")
    failed = results["rest"]["non_2xx"] or results["rest-populated"]["non_2xx"] or sum(results["history"]["errors"].values())
    return 1 if failed else 0


def args_for_wrk(args: argparse.Namespace) -> argparse.Namespace:
    """What bench/rest.py's wrk_command reads: one thread, --connections."""
    return argparse.Namespace(threads=1, connections=args.connections)


if __name__ == "__main__":
    os.environ.pop("CMS_DATABASE_URL", None)
    try:
        sys.exit(main())
    except rest.BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
