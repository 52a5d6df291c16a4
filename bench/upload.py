"""Uploads: 1 MB JPEGs with formats under load (wrk), and server memory while 200 MB streams in (curl).

Builds a copy of this project (content types, config, migrations; not
config/secrets.toml) in a temporary folder with the upload plugin enabled
(`[upload]` added to the copy's config/plugins.toml if it is not there), starts
`cms develop` once (it writes and applies the migration of the files table),
and inserts a full-access API token into the SQLite file (bench/rest.py's
create_token). Every request carries that token. Then, on a fresh server:

    memory   after one warm-up upload, the server's VmRSS (idle) and VmHWM;
             then curl uploads one 200 MB file of random bytes (multipart field
             `files`; binary, so no image work), while /proc/<pid>/status is
             sampled every 5 ms; printed: idle RSS, the largest RSS sampled
             during the upload, VmHWM before and after, the upload's time and MB/s.
    jpeg     wrk POSTs one multipart body holding a ~1 MB JPEG (1,500×1,000, noise
             over a gradient, quality 95: a photo-like worst case for the
             encoder) to /api/upload, `--connections` at a time; each upload
             stores the original and makes four formats (thumbnail, small,
             medium, large) in the plugin's image threads. Printed: uploads/s,
             p50/p99 latency, non-2xx, server CPU (all threads) and MB/s received.
             The first answer is checked (201, four formats) before timing.

The server is pinned to one core with taskset (its image threads too), wrk to
the other (`--no-pin` to let them float). The memory run goes first, so that
VmHWM shows the upload's own peak, not the JPEG load's.

    .venv/bin/python bench/upload.py
    .venv/bin/python bench/upload.py --duration 20 --connections 4
    .venv/bin/python bench/upload.py --save .bench/upload.json
    .venv/bin/python bench/upload.py --compare .bench/upload.json

Needs wrk and curl (`apt-get install wrk curl`). The wrk Lua script is WRK_SCRIPT below.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import rest  # noqa: E402  (bench/rest.py: server, wrk and project helpers)

BOUNDARY = "benchb0undary7MA4YWxkTrZu0gW"
#: wrk script: POST one multipart body (read from a file, binary); written next to the body at run time
WRK_SCRIPT = """\
-- wrk script of bench/upload.py: POST one multipart body (read from a file, binary) to one path.
--   wrk ... -s upload_post.lua http://127.0.0.1:PORT -- /api/upload /path/to/body.bin BOUNDARY
-- Headers given with wrk -H (e.g. Authorization) are kept. The request is formatted once in init().

local request_bytes

function init(args)
  local file = assert(io.open(args[2], "rb"), "cannot open body file " .. tostring(args[2]))
  local body = file:read("*a")
  file:close()
  local headers = {}
  for name, value in pairs(wrk.headers) do
    headers[name] = value
  end
  headers["Content-Type"] = "multipart/form-data; boundary=" .. args[3]
  request_bytes = wrk.format("POST", args[1], headers, body)
end

function request()
  return request_bytes
end
"""


def prepare(tmp: Path, ref: str | None) -> tuple[Path, str]:
    """The project copy with [upload], migrated, and a full-access token."""
    project = rest.make_project(tmp, ref)
    plugins = project / "config" / "plugins.toml"
    if "[upload]" not in plugins.read_text():
        plugins.write_text(plugins.read_text() + "\n[upload]\n")
    server = rest.Server(project, cpu=None)
    try:
        server.wait_ready()
    finally:
        server.stop()
    return project, rest.create_token(project)


def make_jpeg(path: Path) -> tuple[int, int, int]:
    """A photo-like worst case for the encoder: a gradient under noise, quality 95 (about 1 MB)."""
    from PIL import Image, ImageChops

    width, height = 1500, 1000
    gradient = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    noise = Image.effect_noise((width, height), 48).convert("RGB")
    picture = ImageChops.blend(gradient, noise, 0.5)
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=95)
    path.write_bytes(out.getvalue())
    return width, height, len(out.getvalue())


def multipart_file(source: Path, target: Path, name: str) -> int:
    """``target``: a multipart body with ``source`` as the one part named ``files``."""
    with target.open("wb") as out:
        out.write(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
                  f"Content-Type: image/jpeg\r\n\r\n".encode())
        out.write(source.read_bytes())
        out.write(f"\r\n--{BOUNDARY}--\r\n".encode())
    return target.stat().st_size


def curl_upload(url: str, token: str, path: Path) -> tuple[int, float, Any]:
    """``curl -F files=@path``: (status, seconds, answer)."""
    done = subprocess.run(["curl", "-sS", "-o", "-", "-w", "\n%{http_code} %{time_total}", "-H",
                           f"Authorization: Bearer {token}", "-F", f"files=@{path}", f"{url}/api/upload"],
                          capture_output=True, timeout=600)
    body, _, tail = done.stdout.rpartition(b"\n")
    status, seconds = tail.decode().split()
    try:
        answer = json.loads(body)
    except ValueError:
        answer = body[:300]
    return int(status), float(seconds), answer


class Sampler(threading.Thread):
    """The largest VmRSS of ``pid`` while running, sampled every 5 ms."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kb, self.running = pid, 0, True

    def run(self) -> None:
        status = Path(f"/proc/{self.pid}/status")
        while self.running:
            for line in status.read_text().splitlines():
                if line.startswith("VmRSS:"):
                    self.peak_kb = max(self.peak_kb, int(line.split()[1]))
            time.sleep(0.005)

    def stop(self) -> int:
        self.running = False
        self.join()
        return self.peak_kb


def memory_run(server: rest.Server, token: str, work: Path, jpeg: Path, size_mb: int) -> dict[str, Any]:
    status, _, answer = curl_upload(server.url, token, jpeg)  # warm-up: every code path once
    if status != 201:
        raise rest.BenchError(f"warm-up upload answered {status}: {answer}")
    big = work / "big.bin"  # size_mb million bytes (the default size_limit is 200 MiB, multipart framing included)
    with big.open("wb") as out:
        for _ in range(size_mb):
            out.write(os.urandom(1_000_000))
    time.sleep(0.5)
    before = server.memory_kb()
    sampler = Sampler(server.pid)
    sampler.start()
    try:
        status, seconds, answer = curl_upload(server.url, token, big)
    finally:
        peak = sampler.stop()
    after = server.memory_kb()
    big.unlink()
    if status != 201 or answer[0]["size"] != size_mb * 1000:
        raise rest.BenchError(f"the {size_mb} MB upload answered {status}: {answer}")
    return {"file_mb": size_mb, "idle_rss_mb": round(before["VmRSS"] / 1024, 1),
            "peak_rss_during_mb": round(peak / 1024, 1), "rss_growth_mb": round((peak - before["VmRSS"]) / 1024, 1),
            "hwm_before_mb": round(before["VmHWM"] / 1024, 1), "hwm_after_mb": round(after["VmHWM"] / 1024, 1),
            "seconds": round(seconds, 2), "mb_per_s": round(size_mb / seconds, 1)}  # MB: 10^6 bytes


def jpeg_run(server: rest.Server, token: str, body: Path, args: argparse.Namespace, server_cpu: str | None,
             wrk_cpu: str | None) -> tuple[dict[str, Any], list[str]]:
    status, _, answer = curl_upload(server.url, token, body.with_suffix(".jpg"))
    if status != 201 or set(answer[0]["formats"] or {}) != {"thumbnail", "small", "medium", "large"}:
        raise rest.BenchError(f"the check upload answered {status}: {answer}")
    script = body.with_name("upload_post.lua")
    script.write_text(WRK_SCRIPT)

    def wrk(seconds: float) -> list[str]:
        return [*(["taskset", "-c", wrk_cpu] if wrk_cpu is not None else []), "wrk", "-t1",
                f"-c{args.connections}", f"-d{seconds:g}s", "--latency", "--timeout", "30s",
                "-H", f"Authorization: Bearer {token}", "-s", str(script), server.url,
                "--", "/api/upload", str(body), BOUNDARY]

    if args.warmup > 0:
        rest.run_wrk(wrk(args.warmup))
    timed = wrk(args.duration)
    figures, _ = rest.run_wrk(timed, server, server_cpu)
    figures["mb_per_s"] = round(figures["rps"] * body.stat().st_size / 1e6, 1)
    return figures, timed


def print_compare(old: dict[str, Any], new: dict[str, Any], path: Path) -> None:
    def change(a: float, b: float) -> str:
        return f"{(b - a) / a * 100:+.1f}%" if a else "n/a"

    print(f"\ncompared with {path} ({old.get('command', '?')}):")
    o, n = old.get("jpeg", {}), new["jpeg"]
    if o:
        print(f"  jpeg: uploads/s {o['rps']} → {n['rps']} ({change(o['rps'], n['rps'])}); "
              f"p50 {o['p50_ms']} → {n['p50_ms']} ms; p99 {o['p99_ms']} → {n['p99_ms']} ms")
    o, n = old.get("memory", {}), new["memory"]
    if o:
        print(f"  memory: RSS growth during {n['file_mb']} MB {o['rss_growth_mb']} → {n['rss_growth_mb']} MB; "
              f"VmHWM after {o['hwm_after_mb']} → {n['hwm_after_mb']} MB; "
              f"{o['mb_per_s']} → {n['mb_per_s']} MB/s ({change(o['mb_per_s'], n['mb_per_s'])})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=10, help="seconds of the timed wrk run (default 10)")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of the discarded wrk run before it (2)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent uploads (default 8)")
    parser.add_argument("--big-mb", type=int, default=200, help="size of the streamed file in MB (10^6 bytes; 200)")
    parser.add_argument("--server-cpu", default="0")
    parser.add_argument("--wrk-cpu", default="1")
    parser.add_argument("--no-pin", action="store_true", help="do not use taskset")
    parser.add_argument("--ref", metavar="GIT_REV", help="take content_types/, config/, migrations/ from a git revision")
    parser.add_argument("--save", type=Path, help="write the figures as JSON")
    parser.add_argument("--compare", type=Path, help="a JSON file from an earlier --save")
    args = parser.parse_args()
    for tool in ("wrk", "curl"):
        if shutil.which(tool) is None:
            print(f"error: {tool} is not installed (Debian/Ubuntu: apt-get install {tool}).", file=sys.stderr)
            return 2
    if args.compare and not args.compare.exists():
        parser.error(f"--compare: {args.compare} does not exist")
    server_cpu, wrk_cpu, pin_note = rest.pinning(args)
    command = " ".join([Path(sys.executable).name, *sys.argv])

    with tempfile.TemporaryDirectory(prefix="cms-bench-upload-") as tmp:
        work = Path(tmp)
        project, token = prepare(work, args.ref)
        width, height, jpeg_bytes = make_jpeg(work / "photo.jpg")
        body_bytes = multipart_file(work / "photo.jpg", work / "photo.bin", "photo.jpg")
        print(f"project: copy of content_types/, config/, migrations/ ({args.ref or 'working tree'}) with [upload], "
              f"in {project}; full-access API token")
        print(f"server: `cms develop`, one process (uvicorn; the plugin's image threads inside it); {pin_note}")
        server = rest.Server(project, server_cpu)
        try:
            server.wait_ready()
            memory = memory_run(server, token, work, work / "photo.jpg", args.big_mb)
            print(f"memory: {args.big_mb} MB upload (curl -F files=@big.bin) in {memory['seconds']} s "
                  f"({memory['mb_per_s']} MB/s); RSS idle {memory['idle_rss_mb']} MB, largest during the upload "
                  f"{memory['peak_rss_during_mb']} MB (+{memory['rss_growth_mb']} MB); VmHWM "
                  f"{memory['hwm_before_mb']} → {memory['hwm_after_mb']} MB", flush=True)
            jpeg, wrk_command = jpeg_run(server, token, work / "photo.bin", args, server_cpu, wrk_cpu)
            print(f"jpeg: {width}×{height} JPEG of {jpeg_bytes / 1e6:.2f} MB (multipart body {body_bytes:,} bytes), "
                  f"4 formats each; wrk -c{args.connections}, {args.warmup:g} s warm-up + {args.duration:g} s")
            print(f"jpeg: {jpeg['rps']:.1f} uploads/s ({jpeg['mb_per_s']} MB/s)  p50 {jpeg['p50_ms']:.0f} ms  "
                  f"p99 {jpeg['p99_ms']:.0f} ms  non-2xx {jpeg['non_2xx']}  socket errors "
                  f"{sum(jpeg['socket_errors'].values())}  server CPU {jpeg['server_cpu_pct']}% (event loop "
                  f"{jpeg['server_cpu_main_thread_pct']}%, other threads {jpeg['server_cpu_other_threads_pct']}%)  "
                  f"others on its core {jpeg.get('others_on_core_pct', '?')}%")
            final = server.memory_kb()
        finally:
            server.stop()
    result = {"command": command, "pinning": pin_note, "wrk": " ".join(wrk_command),
              "jpeg_image": {"width": width, "height": height, "bytes": jpeg_bytes},
              "memory": memory, "jpeg": jpeg, "hwm_end_mb": round(final["VmHWM"] / 1024, 1)}
    print(f"server VmHWM at the end: {result['hwm_end_mb']} MB")
    if jpeg["non_2xx"]:
        print("NON-2xx RESPONSES: the jpeg figures are not valid")
    print(f"command: {command}")
    if args.compare:
        print_compare(json.loads(args.compare.read_text()), result, args.compare)
    if args.save:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text(json.dumps(result, indent=2))
        print(f"saved to {args.save}")
    return 1 if jpeg["non_2xx"] else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except rest.BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
