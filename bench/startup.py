"""Start-up time: from running `cms start` to `GET /_ready` answering 200.

Measures a copy of this project (its three content types, migrations already
applied by a first run) on the embedded SQLite database, several times, and
prints the median and spread; `--compare OLD.json` prints the change against a
saved run.

    .venv/bin/python bench/startup.py --runs 7 --save .bench/startup.json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CMS = str(Path(sys.executable).parent / "cms")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def one_start(project: Path, command: str) -> float:
    port = free_port()
    began = time.perf_counter()
    process = subprocess.Popen([CMS, command, "--port", str(port)], cwd=project,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"cms {command} exited with {process.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_ready", timeout=1) as response:
                    if response.status == 200:
                        return time.perf_counter() - began
            except OSError:
                time.sleep(0.005)
    finally:
        process.terminate()
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--command", choices=["start", "develop"], default="start")
    parser.add_argument("--save", type=Path, help="write the figures as JSON")
    parser.add_argument("--compare", type=Path, help="a JSON file from an earlier --save")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        for part in ("content_types", "config", "migrations"):
            shutil.copytree(REPO / part, project / part, ignore=shutil.ignore_patterns("secrets.toml"))
        one_start(project, "develop")  # applies migrations, generates secrets
        times = [one_start(project, args.command) for _ in range(args.runs)]

    result = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "runs": args.runs,
        "median_s": round(statistics.median(times), 3),
        "min_s": round(min(times), 3),
        "max_s": round(max(times), 3),
    }
    print(f"cms {args.command} → /_ready 200: median {result['median_s']} s "
          f"(min {result['min_s']}, max {result['max_s']}, {args.runs} runs)")
    print(f"command: {result['command']}")
    if args.compare:
        old = json.loads(args.compare.read_text())
        change = (result["median_s"] - old["median_s"]) / old["median_s"] * 100
        print(f"compared with {args.compare}: median {old['median_s']} s → {result['median_s']} s ({change:+.1f}%)")
    if args.save:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    os.environ.pop("CMS_DATABASE_URL", None)
    main()
