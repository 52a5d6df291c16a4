"""Login latency: ``POST /api/auth/local`` throughput and latency, where password hashing dominates.

Starts this project (SQLite) with the auth rate limit off, registers one user,
then drives the login route with wrk (64 connections by default) for a fixed
time, server and wrk pinned to separate cores. Prints requests/s, p50/p99 and
the cost of one argon2id verification with the parameters in cms/passwords.py
(measured in this process), so a change of parameters can be judged against
the 100 ms budget for a single login.

    .venv/bin/python bench/login.py --duration 10 --save .bench/login.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import rest  # noqa: E402  (bench/rest.py: server, wrk and project helpers)

from cms import passwords  # noqa: E402

LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"identifier": "bench", "password": "bench-password-123"}'
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 16],
                        help="one run per value: 1 shows a single login's latency, more the throughput")
    parser.add_argument("--save", type=Path)
    parser.add_argument("--compare", type=Path)
    args = parser.parse_args()

    plain = "bench-password-123"
    hashed = passwords.hash_password(plain)
    costs = []
    for _ in range(20):
        began = time.perf_counter()
        passwords.verify_password(plain, hashed)
        costs.append((time.perf_counter() - began) * 1000)
    verify_ms = statistics.median(costs)

    with tempfile.TemporaryDirectory() as tmp:
        project = rest.make_project(Path(tmp), None)
        plugins = project / "config" / "plugins.toml"
        plugins.write_text(plugins.read_text().replace("[users_permissions]", "[users_permissions]\nrate_limit_enabled = false"))
        server_cpu, load_cpu, _ = rest.pinning(argparse.Namespace(no_pin=False, server_cpu="0", wrk_cpu="1"))
        server = rest.Server(project, server_cpu).wait_ready()
        try:
            status, body = rest.call("POST", f"{server.url}/api/auth/local/register",
                                     {"username": "bench", "email": "bench@example.com", "password": plain})
            if status != 200:
                raise rest.BenchError(f"register answered {status}: {body}")
            script = Path(tmp) / "login.lua"
            script.write_text(LUA)
            scenario = rest.Scenario("login", f"{server.url}/api/auth/local", script)
            results = {}
            for connections in args.connections:
                run = argparse.Namespace(threads=1, connections=connections)
                results[connections], _ = rest.run_wrk(rest.wrk_command(scenario, run, args.duration, load_cpu),
                                                       server, server_cpu)
            memory = server.memory_kb()
        finally:
            server.stop()

    figures = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "argon2id": "m=19456 KiB, t=2, p=1 (OWASP minimum for argon2id)",
        "verify_ms": round(verify_ms, 1),
        "runs": {str(c): {k: r[k] for k in ("rps", "p50_ms", "p99_ms", "non_2xx")} for c, r in results.items()},
        "peak_rss_mb": round(memory.get("VmHWM", 0) / 1024, 1),
    }
    print(f"one argon2id verification ({figures['argon2id']}): {figures['verify_ms']} ms (median of 20)")
    for connections, run in figures["runs"].items():
        print(f"POST /api/auth/local, {connections:>3} connection(s), {args.duration:g} s: {run['rps']:,.0f} req/s, "
              f"p50 {run['p50_ms']} ms, p99 {run['p99_ms']} ms, non-2xx {run['non_2xx']}")
    print(f"server peak RSS {figures['peak_rss_mb']} MB")
    print(f"command: {figures['command']}")
    if args.compare:
        old = json.loads(args.compare.read_text())
        for connections, run in figures["runs"].items():
            before = old["runs"].get(connections)
            if before:
                change = (run["rps"] - before["rps"]) / before["rps"] * 100
                print(f"compared with {args.compare}, {connections} connection(s): "
                      f"{before['rps']:,.0f} → {run['rps']:,.0f} req/s ({change:+.1f}%), p99 {before['p99_ms']} → {run['p99_ms']} ms")
    if args.save:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
