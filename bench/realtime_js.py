"""Socket.IO chat under load with the client users have: socket.io-client 4.8 in Node.js.

The same load generator (bench/js/load.mjs: socket.io-client 4.8, one Node.js
process pinned to core 1, every socket `io(url, {transports: ["websocket"],
auth: {token}})` with the library's defaults otherwise) drives, one after the
other in the same run:

  ours   `cms start` (uvicorn, websockets-sansio, python-socketio, SQLite with
         group commit) on a copy of this project, pinned to core 0;
  node   bench/js/peer.mjs: a plain Node.js socket.io 4.8 server on core 0 that
         joins, broadcasts and acks with the same payloads and stores nothing;

and prints, per scenario, both side by side and the ratio ours/Node of
deliveries per second. Both get a fresh process per scenario, so the peak RSS
(VmHWM) is that scenario's. The bench project is bench/realtime.py's: this
repo's content_types/, config/ (its plugins, without secrets.toml) and
migrations/, the auth rate limit off and the per-socket send rate out of the
way; --clients users are registered (and get their JWTs) before anything is
timed. Node's server is given the same JWTs (accepted, not checked).

Scenarios (--clients sockets, default 200, in 10 rooms; every message goes to
the sockets of its room, the sender's included):
  i     each client sends every 250 ms   (800 msg/s, 16,000 deliveries/s offered at 200 clients)
  ii    each client sends every 100 ms   (2,000 msg/s, 40,000 deliveries/s offered)
  iii   as fast as acks allow: --inflight sends outstanding per client (default 4)
  idle  --idle-sockets authenticated sockets (default 2,000) connect and stay idle:
        server RSS before, with them, and 3 s after they closed (was memory returned?)

--deflate makes the client offer permessage-deflate as browsers do (socket.io-
client in Node offers it too, by default); without it the offer is off. Our
server accepts it when `[server] ws_per_message_deflate` says so (then it
compresses every frame it sends; --server-deflate on/off overrides the
setting); Node's socket.io server declines it by default. The table shows the
extension negotiated, the bytes the load generator read per delivery, the
server's CPU per delivery and its RSS: run with and without to see the cost.

    .venv/bin/python bench/realtime_js.py                                # i, ii, iii, idle; 10 s windows
    .venv/bin/python bench/realtime_js.py --scenarios iii --deflate --duration 10
    .venv/bin/python bench/realtime_js.py --save .bench/realtime_js.json
    .venv/bin/python bench/realtime_js.py --compare .bench/realtime_js.json
    .venv/bin/python bench/realtime_js.py --scenarios ii --profile /tmp/rtjs   # + py-spy on ours

Needs Node.js 18+ and npm: bench/js/node_modules is installed (`npm ci`) when
missing. bench/realtime.py is the other mode: its lean Python client costs the
load generator less per delivery, so it can offer more than this one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ is not a package

import realtime  # noqa: E402
from realtime import (  # noqa: E402
    BIN,
    REPO,
    ROOMS,
    LoadGenerator,
    Server,
    code_version,
    core_busy,
    fmt,
    free_port,
    make_project,
    pinned,
    process_cpu,
    register_users,
    sqlite_rows,
    table,
    wait_quiet,
)
from realtime_profile import load as load_profile  # noqa: E402
from realtime_profile import short

JS = Path(__file__).resolve().with_name("js")
SCENARIOS = ("i", "ii", "iii", "idle")
TITLES = {
    "i": "every client sends every 250 ms",
    "ii": "every client sends every 100 ms",
    "iii": "as fast as acks allow",
    "idle": "idle authenticated sockets",
}
KINDS = {"ours": "ours (cms start)", "node": "Node socket.io"}


# -- Node.js ---------------------------------------------------------------------------------


def node_versions() -> dict[str, str]:
    """Node.js and the installed socket.io packages' versions; installs bench/js when missing."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        raise SystemExit("bench/realtime_js.py needs Node.js (18 or later) and npm on PATH")
    packages = ("socket.io", "socket.io-client")
    if not all((JS / "node_modules" / p / "package.json").exists() for p in packages):
        verb = "ci" if (JS / "package-lock.json").exists() else "install"
        print(f"npm {verb} in {JS} ...", file=sys.stderr)
        subprocess.run([npm, verb, "--no-audit", "--no-fund"], cwd=JS, check=True, stdout=sys.stderr)
    versions = {"node": subprocess.run([node, "--version"], capture_output=True, text=True,
                                       check=True).stdout.strip()}
    for p in packages:
        versions[p] = json.loads((JS / "node_modules" / p / "package.json").read_text())["version"]
    return versions


class NodePeer(Server):
    """bench/js/peer.mjs pinned to ``cpus``; /proc figures and stop() as our server's."""

    def __init__(self, workdir: Path, cpus: str) -> None:  # pylint: disable=super-init-not-called
        self.project, self.cpus, self.port = workdir, cpus, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / f"node-peer-{self.port}.log"
        self._log = self.log_path.open("w")
        argv = ["node", str(JS / "peer.mjs"), "--port", str(self.port), "--exit-with-stdin"]
        # stdin stays open while this process lives: the peer exits if the bench dies
        self.process = subprocess.Popen(pinned(cpus, argv), cwd=JS, stdin=subprocess.PIPE,
                                        stdout=self._log, stderr=subprocess.STDOUT)
        self.pid = self.process.pid


class NodeLoad(LoadGenerator):
    """bench/js/load.mjs --control pinned to ``cpus``: READY, GO/STOP, RESULT as realtime_load.py."""

    def __init__(self, url: str, options: list[str], cpus: str) -> None:  # pylint: disable=super-init-not-called
        argv = ["node", str(JS / "load.mjs"), "--control", "--url", url, *options]
        self.process = subprocess.Popen(pinned(cpus, argv), cwd=JS, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


def load_options(args: argparse.Namespace, tokens_file: Path, scenario: str) -> list[str]:
    sockets = args.idle_sockets if scenario == "idle" else args.clients
    options = ["--scenario", scenario, "--clients", str(sockets), "--rooms", str(ROOMS),
               "--duration", str(args.duration), "--grace", str(args.grace),
               "--inflight", str(args.inflight), "--tokens", str(tokens_file),
               "--connect-concurrency", "100" if scenario == "idle" else "50"]
    if args.deflate:
        options += ["--deflate", "--deflate-threshold", str(args.deflate_threshold)]
    return options


# -- measurements ----------------------------------------------------------------------------


def io_bytes(pid: int) -> tuple[int, int]:
    """(rchar, wchar) of ``pid``: the load generator's socket traffic (it reads no files then)."""
    fields = dict(line.split(": ") for line in Path(f"/proc/{pid}/io").read_text().splitlines())
    return int(fields["rchar"]), int(fields["wchar"])


def server_env(project: Path, deflate: str) -> dict[str, str]:
    """Environment for `cms start`: --server-deflate on/off where the server has that setting."""
    if deflate == "config":
        return {}
    if "ws_per_message_deflate" not in tomllib.loads((project / "config" / "server.toml").read_text()):
        raise SystemExit("--server-deflate: this project's config/server.toml has no ws_per_message_deflate "
                         "(the server accepts permessage-deflate as uvicorn does by default)")
    return {"CMS_SERVER_WS_PER_MESSAGE_DEFLATE": "true" if deflate == "on" else "false"}


def start_target(kind: str, project: Path, workdir: Path, env: dict[str, str]) -> Server:
    target = Server(project, "0", env) if kind == "ours" else NodePeer(workdir, "0")
    try:
        return target.wait_ready()
    except BaseException:
        target.stop()
        raise


def start_profile(target: Server, seconds: int, out: Path) -> subprocess.Popen[bytes]:
    """py-spy record (raw: collapsed stacks, one root frame per thread) of ``target`` on its core."""
    argv = [str(BIN / "py-spy"), "record", "--pid", str(target.pid), "--duration", str(seconds),
            "--format", "raw", "--threads", "-o", str(out)]
    return subprocess.Popen(pinned(target.cpus, argv), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def top_own(path: Path, top: int = 25) -> str:
    """The ``top`` functions by own time (innermost frame), all threads, from a raw py-spy file."""
    stacks = load_profile(path)
    total = sum(c for _, _, c in stacks)
    if not total:
        return f"{path}: no samples"
    own: Counter[str] = Counter()
    for _, frames, count in stacks:
        own[short(frames[-1])] += count
    lines = [f"{path}: {total} samples (busy threads only); top {top} by own time:"]
    lines += [f"  {100 * n / total:5.1f}%  {n:6d}  {name}" for name, n in own.most_common(top)]
    return "\n".join(lines)


def load_run(target: Server, kind: str, scenario: str, args: argparse.Namespace, tokens_file: Path,
             profile_out: Path | None) -> dict[str, Any]:
    """One window of ``scenario`` against ``target``: the load generator's figures and /proc's."""
    load = NodeLoad(target.url, load_options(args, tokens_file, scenario), "1")
    spy = None
    try:
        ready = load.expect("READY")
        if ready["connected"] < args.clients:
            raise RuntimeError(f"only {ready['connected']} of {args.clients} clients connected and "
                               f"joined: {ready['connect_failures']}")
        busy_before = wait_quiet(args.quiet, args.patience) if args.quiet < 100 else None
        rss_before = target.status("VmRSS")
        io0, lg0, busy0 = io_bytes(load.process.pid), process_cpu(load.process.pid), core_busy()
        cpu0, loop0 = target.cpu_seconds(), target.loop_thread_cpu()
        began = time.monotonic()
        load.tell("GO")
        if profile_out is not None:
            delay = min(3.0, args.duration / 4)
            time.sleep(delay)
            seconds = int(max(1, min(10, args.duration - delay - 0.5)))
            spy = start_profile(target, seconds, profile_out)
        time.sleep(max(0.0, began + args.duration - time.monotonic()))
        cpu, loop = target.cpu_seconds() - cpu0, target.loop_thread_cpu() - loop0
        busy = [b - a for a, b in zip(busy0, core_busy(), strict=True)]
        io1, lg = io_bytes(load.process.pid), process_cpu(load.process.pid) - lg0
        result = load.finish()
        if spy is not None:
            spy.wait(timeout=60)
    finally:
        load.close()
        if spy is not None and spy.poll() is None:
            spy.kill()
            spy.wait()
    window, delivered = args.duration, result["delivered_in_window"]
    result.update({
        "target": kind, "busy_before_pct": busy_before,
        "server_cpu_pct": round(100 * cpu / window, 1),
        "server_loop_cpu_pct": round(100 * loop / window, 1),
        "delivered_per_cpu_s": round(delivered / cpu) if cpu else None,
        "server_cpu_us_per_delivery": round(1e6 * cpu / delivered, 1) if delivered else None,
        "loadgen_cpu_proc_pct": round(100 * lg / window, 1),
        # what other processes took on the server's core (the server is pinned to core 0)
        "others_on_server_core_pct": round(100 * max(0.0, busy[0] - cpu) / window, 1),
        "loadgen_rx_bytes_per_delivery": round((io1[0] - io0[0]) / delivered, 1) if delivered else None,
        "loadgen_rx_mb_per_s": round((io1[0] - io0[0]) / window / 1e6, 2),
        "loadgen_tx_mb_per_s": round((io1[1] - io0[1]) / window / 1e6, 2),
        "server_rss_before_mb": round(rss_before / 1024, 1),
        "server_rss_after_mb": round(target.status("VmRSS") / 1024, 1),
        "server_peak_rss_mb": round(target.status("VmHWM") / 1024, 1),
        "server_log_errors": len(target.log_errors()),
        "server_log_first_error": next((e[:200] for e in target.log_errors()), None),
    })
    return result


def idle_run(target: Server, kind: str, args: argparse.Namespace, tokens_file: Path) -> dict[str, Any]:
    """--idle-sockets sockets connect and stay idle: RSS before, with them, and after they closed."""
    time.sleep(1)
    before, fds_before = target.status("VmRSS"), target.open_fds()
    load = NodeLoad(target.url, load_options(args, tokens_file, "idle"), "1")
    try:
        ready = load.expect("READY")
        time.sleep(3)  # let allocations settle
        held, fds_held = target.status("VmRSS"), target.open_fds()
        load.tell("STOP")
        load.finish()
    finally:
        load.close()
    time.sleep(3)  # the server notices the closes and frees the sockets
    after, fds_after = target.status("VmRSS"), target.open_fds()
    connected = ready["connected"]
    grown = held - before
    return {
        "target": kind, "sockets": args.idle_sockets, "connected": connected,
        "connect_failures": ready["connect_failures"], "connect_s": ready["connect_s"],
        "extensions": ready["extensions"],
        "server_rss_before_mb": round(before / 1024, 1), "server_rss_held_mb": round(held / 1024, 1),
        "server_rss_after_mb": round(after / 1024, 1),
        "server_peak_rss_mb": round(target.status("VmHWM") / 1024, 1),
        "kb_per_socket": round(grown / connected, 1) if connected else None,
        "returned_pct": round(100 * (held - after) / grown, 1) if grown > 0 else None,
        "server_fds": [fds_before, fds_held, fds_after],
        "server_log_errors": len(target.log_errors()),
    }


def run_scenario(scenario: str, kind: str, project: Path, workdir: Path, args: argparse.Namespace,
                 tokens_file: Path) -> dict[str, Any]:
    rows_before = sqlite_rows(project) if kind == "ours" else 0
    out = None
    if args.profile and kind == "ours" and scenario != "idle":
        out = Path(args.profile) / f"{scenario}{'-deflate' if args.deflate else ''}.txt"
    target = start_target(kind, project, workdir, args.server_env)
    try:
        if scenario == "idle":
            return idle_run(target, kind, args, tokens_file)
        result = load_run(target, kind, scenario, args, tokens_file, out)
    finally:
        target.stop()
    if kind == "ours":
        result["rows_stored"] = sqlite_rows(project) - rows_before
    if out is not None and out.exists():
        result["profile"] = str(out)
    return result


# -- report ----------------------------------------------------------------------------------

LOAD_ROWS: list[tuple[str, Any]] = [
    ("offered msg/s", "offered_per_s"), ("sent msg/s", "sent_per_s"),
    ("accepted msg/s (acked ok)", "accepted_per_s"), ("refused msg/s", "refused_per_s"),
    ("  refused by error name (whole run)", "refused"), ("deliveries/s", "delivered_per_s"),
    ("lost (acked ok, not delivered to the whole room)", "lost"),
    ("unanswered at end → after grace", ("unanswered_at_end", "unanswered_after_grace")),
    ("send→delivery p50 / p99 / max ms", "delivery_ms"), ("send→ack p50 / p99 ms", "ack_ms"),
    ("acked ok, whole run → rows stored", ("acked_ok", "rows_stored")),
    ("disconnects (reason → n)", "disconnects"),
    ("server CPU % (of which main thread)", "server_cpu"),
    ("deliveries per server CPU-s", "delivered_per_cpu_s"),
    ("server CPU µs per delivery", "server_cpu_us_per_delivery"),
    ("server RSS before → after MB", ("server_rss_before_mb", "server_rss_after_mb")),
    ("server peak RSS (VmHWM) MB", "server_peak_rss_mb"),
    ("websocket extensions (sockets)", "extensions"),
    ("bytes read per delivery (load generator)", "loadgen_rx_bytes_per_delivery"),
    ("load generator CPU % / loop delay p99 ms", "loadgen"),
    ("other processes on the server's core %", "others_on_server_core_pct"),
    ("errors in the server log", "server_log_errors"), ("  first of them", "server_log_first_error"),
    ("error", "error"),
]
IDLE_ROWS: list[tuple[str, Any]] = [
    ("sockets connected", "connected"), ("connect time s", "connect_s"),
    ("connect failures", "connect_failures"), ("websocket extensions (sockets)", "extensions"),
    ("server RSS before / with them / 3 s after close MB", "server_rss"),
    ("server peak RSS MB", "server_peak_rss_mb"), ("KB per socket", "kb_per_socket"),
    ("memory returned after close (% of the growth)", "returned_pct"),
    ("server fds before / held / after", "server_fds"),
    ("errors in the server log", "server_log_errors"), ("error", "error"),
]


def ratio(ours: dict[str, Any], node: dict[str, Any], key: str) -> float | None:
    a, b = ours.get(key), node.get(key)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b:
        return round(a / b, 3)
    return None


# table cells holding several figures, shown "a / b / c"
SHOWN = {
    "delivery_ms": ("delivery_p50_ms", "delivery_p99_ms", "delivery_max_ms"),
    "ack_ms": ("ack_p50_ms", "ack_p99_ms"),
    "server_cpu": ("server_cpu_pct", "server_loop_cpu_pct"),
    "loadgen": ("loadgen_cpu_pct", "loadgen_loop_delay_p99_ms"),
    "server_rss": ("server_rss_before_mb", "server_rss_held_mb", "server_rss_after_mb"),
}


def shown(result: dict[str, Any]) -> dict[str, Any]:
    return {**result, **{name: [result[k] for k in keys] for name, keys in SHOWN.items()
                         if all(k in result for k in keys)}}


def ratio_text(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def report(results: dict[str, dict[str, dict[str, Any]]], ratios: dict[str, float | None]) -> None:
    for scenario, by_kind in results.items():
        print(f"\n## {scenario}: {TITLES[scenario]}")
        rows = IDLE_ROWS if scenario == "idle" else LOAD_ROWS
        print(table({KINDS[k]: shown(r) for k, r in by_kind.items()}, rows))
        if ratios.get(scenario) is not None:
            what = "KB per socket" if scenario == "idle" else "deliveries/s"
            print(f"ratio ours/Node, {what}: {ratio_text(ratios[scenario])}")
        for kind, r in by_kind.items():
            if (r.get("loadgen_cpu_pct") or 0) >= 90:
                print(f"note: against {KINDS[kind]} the load generator used {r['loadgen_cpu_pct']}% of its core: "
                      "the client may have set the pace, not the server")
            if (r.get("others_on_server_core_pct") or 0) > 5:
                print(f"note: other processes took {r['others_on_server_core_pct']}% of the server's core "
                      f"during the window against {KINDS[kind]}: its figures are understated")
        for r in by_kind.values():
            if r.get("profile"):
                print(f"\n{top_own(Path(r['profile']))}\n(more views: .venv/bin/python "
                      f"bench/realtime_profile.py {r['profile']})")
    load = [s for s in results if s != "idle" and "node" in results[s]]
    if load:
        print("\n| scenario | ours deliveries/s | Node deliveries/s | ours/Node |\n|---|---|---|---|")
        for s in load:
            print(f"| {s} | {fmt(results[s]['ours'].get('delivered_per_s'))} | "
                  f"{fmt(results[s]['node'].get('delivered_per_s'))} | {ratio_text(ratios.get(s))} |")


def compare_ratios(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    lines = []
    for name, value in new.get("ratios", {}).items():
        before = old.get("ratios", {}).get(name)
        if isinstance(before, (int, float)) and isinstance(value, (int, float)):
            lines.append(f"  {name:9} {'ratio ours/Node':22} {before:>10} → {value:>10}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", default="i,ii,iii,idle", help=f"comma-separated, of {', '.join(SCENARIOS)}")
    parser.add_argument("--duration", type=float, default=10.0, help="sending window per scenario, seconds")
    parser.add_argument("--grace", type=float, default=5.0, help="wait for late acks and deliveries, seconds")
    parser.add_argument("--clients", type=int, default=200, help="sockets (and registered users), in 10 rooms")
    parser.add_argument("--inflight", type=int, default=4, help="scenario iii: sends outstanding per client")
    parser.add_argument("--idle-sockets", type=int, default=2000)
    parser.add_argument("--deflate", action="store_true",
                        help="the client offers permessage-deflate, as browsers do (default: not offered)")
    parser.add_argument("--deflate-threshold", type=int, default=0,
                        help="with --deflate: client frames below this many bytes go uncompressed "
                             "(0: every frame compressed, as browsers do; 1024: socket.io-client's Node default)")
    parser.add_argument("--server-deflate", choices=["config", "on", "off"], default="config",
                        help="whether our server accepts permessage-deflate: as the project's config/server.toml "
                             "says, or on/off through CMS_SERVER_WS_PER_MESSAGE_DEFLATE (only where "
                             "server.toml has that key); Node's server keeps socket.io's default (off)")
    parser.add_argument("--no-peer", action="store_true", help="only our server, not Node's")
    parser.add_argument("--quiet", type=float, default=100.0,
                        help="before each window, wait until all cores are less than this %% busy "
                             "(100: don't wait)")
    parser.add_argument("--patience", type=float, default=600.0, help="longest wait for a quiet machine, seconds")
    parser.add_argument("--nice", type=int, default=0,
                        help="niceness of the servers and the load generator (negative: root)")
    parser.add_argument("--profile", help="folder: py-spy records our server during i, ii, iii "
                                          "(up to 10 s from a quarter into the window)")
    parser.add_argument("--save", type=Path, help="write the figures as JSON")
    parser.add_argument("--compare", type=Path, help="a JSON file from an earlier --save")
    args = parser.parse_args()
    chosen = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = sorted(set(chosen) - set(SCENARIOS))
    if unknown:
        parser.error(f"unknown scenarios {unknown}; choose from {', '.join(SCENARIOS)}")
    realtime.NICE = args.nice  # read by realtime.pinned()
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
        if not (BIN / "py-spy").exists():
            subprocess.run([str(BIN / "pip"), "install", "py-spy"], check=True, stdout=sys.stderr)
    needed = max(args.clients, args.idle_sockets if "idle" in chosen else 0) + 200
    limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if limit < needed:
        raise SystemExit(f"ulimit -n {limit} is too low: the server and the load generator need {needed} each")
    command = " ".join([".venv/bin/python" if str(BIN).startswith(str(REPO)) else sys.executable, *sys.argv])
    print(f"command: {command}", flush=True)
    versions = node_versions()
    kinds = ["ours"] if args.no_peer else ["ours", "node"]
    deflate = (f"offered (client threshold {args.deflate_threshold} B)" if args.deflate else "not offered")
    print(f"socket.io-client {versions['socket.io-client']} (Node.js {versions['node']}) against "
          f"{' and '.join(KINDS[k] for k in kinds)} (socket.io {versions['socket.io']}); {args.clients} "
          f"clients in {ROOMS} rooms, {args.duration:g} s windows, {args.grace:g} s grace; iii: "
          f"{args.inflight} in flight per client; permessage-deflate {deflate}, our server's acceptance: "
          f"{'as configured' if args.server_deflate == 'config' else args.server_deflate}; servers on core 0, "
          f"load generator on core 1" + (f", nice {args.nice}" if args.nice else ""), flush=True)

    results: dict[str, dict[str, dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-realtime-js-") as tmp:
        root = Path(tmp)
        project = make_project(root / "project")
        args.server_env = server_env(project, args.server_deflate)
        # develop: applies the migrations (generating one if the content types moved on), writes secrets
        server = Server(project, "0", command="develop")
        try:
            server.wait_ready()
            began = time.perf_counter()
            tokens = asyncio.run(register_users(server.url, args.clients))
            print(f"registered {args.clients} users in {time.perf_counter() - began:.1f} s", file=sys.stderr)
        finally:
            server.stop()
        tokens_file = root / "tokens.json"
        tokens_file.write_text(json.dumps(tokens))
        for scenario in chosen:
            results[scenario] = {}
            for kind in kinds:
                print(f"running {scenario} against {kind} ...", file=sys.stderr)
                try:
                    results[scenario][kind] = run_scenario(scenario, kind, project, root, args, tokens_file)
                except Exception as exc:  # noqa: BLE001 - report it, go on with the others
                    print(f"  {scenario} against {kind} failed: {exc}", file=sys.stderr)
                    results[scenario][kind] = {"target": kind, "error": f"{type(exc).__name__}: {str(exc)[:500]}"}

    ratios = {s: ratio(r["ours"], r["node"], "kb_per_socket" if s == "idle" else "delivered_per_s")
              for s, r in results.items() if "node" in r}
    report(results, ratios)
    version = code_version()
    print(f"\ncode: {version}")
    print(f"command: {command}")
    saved = {"command": command, "code": version, "versions": versions, "deflate": args.deflate,
             "duration_s": args.duration, "clients": args.clients, "ratios": ratios,
             "server_deflate": args.server_deflate,
             "scenarios": {f"{s}/{k}": r for s, by_kind in results.items() for k, r in by_kind.items()}}
    if args.compare:
        old = json.loads(args.compare.read_text())
        print(f"compared with {args.compare}:")
        print("\n".join(realtime.compare(old, saved) + compare_ratios(old, saved)) or "  nothing in common")
    if args.save:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text(json.dumps(saved, indent=2))


def interrupted(signum: int, _frame: Any) -> None:
    """Ctrl-C, SIGTERM, SIGHUP: unwind, so that every `finally` stops what it started."""
    raise KeyboardInterrupt(f"signal {signum}")


if __name__ == "__main__":
    os.environ.pop("CMS_DATABASE_URL", None)
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # SIGINT too: it may come in ignored
        signal.signal(signum, interrupted)
    try:
        main()
    except KeyboardInterrupt as stop:
        print(f"interrupted ({stop or 'Ctrl-C'}): every process this bench started is stopped", file=sys.stderr)
        sys.exit(130)
