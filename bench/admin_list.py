"""Admin list page with 10,000 messages: time to render the first page.

Builds a copy of this project's content types with the admin enabled, fills
it with registered users and 10,000 messages (straight into the database),
creates an admin user, starts `cms start` (production mode) and times
`GET /admin/message/list` for a logged-in admin: the first page, 25 rows,
newest first, with each row's sender and recipient. The figure is the time
from sending the request to the last byte of the page over loopback (the
server's time plus well under a millisecond of transport), median of the runs
after one warm-up; the target is under 150 ms. Also timed: a search and a
filter on the same list, and the dashboard.

    .venv/bin/python bench/admin_list.py --runs 20 --save .bench/admin_list.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
CMS = str(Path(sys.executable).parent / "cms")
TARGET_MS = 150.0


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_project(root: Path) -> None:
    for part in ("content_types", "config"):
        shutil.copytree(REPO / part, root / part, ignore=shutil.ignore_patterns("secrets.toml"))
    (root / "config" / "plugins.toml").write_text(
        '[users_permissions]\n\n[upload]\n\n[admin]\nmodule = "admin"\n\n[realtime]\n')


def fill(db: Path, messages: int, users: int) -> None:
    """Users and messages written with SQL: the bench measures reading, not writing."""
    now = dt.datetime.now(dt.UTC)
    rng = random.Random(7)
    with sqlite3.connect(db) as conn:
        conn.executemany(
            "INSERT INTO registered_users (document_id, username, email, provider, confirmed, blocked, "
            "created_at, updated_at, published_at) VALUES (?, ?, ?, 'local', 1, 0, ?, ?, ?)",
            [(f"u{i:023d}", f"user{i}", f"user{i}@example.com", str(now), str(now), str(now)) for i in range(users)])
        ids = [row[0] for row in conn.execute("SELECT id FROM registered_users")]
        rows = []
        for i in range(messages):
            at = str(now - dt.timedelta(seconds=(messages - i) * 8))
            rows.append((f"m{i:023d}", f"message number {i}: " + " ".join(rng.choice(
                ["hello", "world", "chat", "lobby", "news", "ping", "pong"]) for _ in range(8)),
                rng.choice(["lobby", "random", "dev"]), rng.choice(ids), rng.choice(ids + [None]),
                f"c{i}", at, at, at))
        conn.executemany(
            "INSERT INTO messages (document_id, text, room, sender_id, recipient_id, client_id, created_at, "
            "updated_at, published_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/_ready", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise TimeoutError("server not ready")


def timed(client: httpx.Client, path: str, runs: int, **params: object) -> dict[str, float]:
    first_began = time.perf_counter()
    response = client.get(path, params=params)  # type: ignore[arg-type]
    first = (time.perf_counter() - first_began) * 1000
    assert response.status_code == 200, (path, response.status_code, response.text[:500])
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        response = client.get(path, params=params)  # type: ignore[arg-type]
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200
    return {"first_ms": round(first, 1), "median_ms": round(statistics.median(times), 1),
            "p90_ms": round(sorted(times)[int(len(times) * 0.9) - 1], 1), "min_ms": round(min(times), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--save", type=Path, help="write the figures as JSON")
    args = parser.parse_args()

    from admin.cli import create_user

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        make_project(project)
        port = free_port()  # a first `cms develop` generates and applies the migrations
        develop = subprocess.Popen([CMS, "develop", "--port", str(port)], cwd=project,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_ready(f"http://127.0.0.1:{port}", develop)
        finally:
            develop.terminate()
            develop.wait()
        fill(project / ".tmp" / "data.db", args.messages, users=200)
        create_user(project, "bench", "bench-password", "super-admin")
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        process = subprocess.Popen([CMS, "start", "--port", str(port)], cwd=project,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   env={**os.environ, "CMS_SERVER_LOG_LEVEL": "warning"})
        try:
            wait_ready(url, process)
            with httpx.Client(base_url=url) as client:
                page = client.get("/admin/login")
                token = re.search(r'name="csrftoken" value="([^"]*)"', page.text)
                assert token is not None
                login = client.post("/admin/login", data={"csrftoken": token.group(1), "username": "bench",
                                                          "password": "bench-password"})
                assert login.status_code == 303, login.text
                result = {
                    "command": " ".join([Path(sys.executable).name, *sys.argv]),
                    "messages": args.messages, "runs": args.runs, "target_ms": TARGET_MS,
                    "list": timed(client, "/admin/message/list", args.runs),
                    "list_search": timed(client, "/admin/message/list", args.runs, q="pong"),
                    "list_filter": timed(client, "/admin/message/list", args.runs, filter="room__eq=dev"),
                    "list_100_rows": timed(client, "/admin/message/list", args.runs, page_size=100),
                    "dashboard": timed(client, "/admin/", args.runs),
                }
        finally:
            process.terminate()
            process.wait()

    figures = result["list"]
    verdict = "under" if figures["median_ms"] < TARGET_MS else "OVER"
    print(f"admin list, {args.messages} messages, first page of 25: median {figures['median_ms']} ms "
          f"(p90 {figures['p90_ms']}, min {figures['min_ms']}, first request {figures['first_ms']}; "
          f"{args.runs} runs) — {verdict} the {TARGET_MS:.0f} ms target")
    for name in ("list_search", "list_filter", "list_100_rows", "dashboard"):
        f = result[name]
        print(f"  {name:<14} median {f['median_ms']} ms (p90 {f['p90_ms']}, first {f['first_ms']})")
    if args.save:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text(json.dumps(result, indent=2) + "\n")
        print(f"saved {args.save}")


if __name__ == "__main__":
    main()
