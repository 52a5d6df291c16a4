"""REST throughput and latency under load: wrk against `cms develop`, one worker.

Builds a copy of this project (its content types, config and migrations, not
config/secrets.toml) in a temporary folder, starts `cms develop` once to apply
the migrations, checks the exact text in which the server stores datetimes on
SQLite (it creates one message through `POST /api/messages` and reads the row
back), then seeds the SQLite file directly with the stdlib `sqlite3` module:
50 registered users (role "authenticated") and 10,000 messages from them
across 20 rooms (`room-00`..`room-19`, spread over 30 days). The seed is fixed
(`--seed`), so runs are comparable.

The server (`cms develop` by default, `--command start` for production mode;
uvicorn runs in the same process as the `cms` entry point) is pinned to one
core with `taskset` and wrk to another. Without a permissions plugin, develop
mode allows every REST request without credentials and production refuses
them all; the project's users_permissions plugin decides instead, so the
requests are authorised in one of two ways (`--auth`):

    public  (default) no credentials: the copy's config/permissions.toml grants
            the Public role message find/findOne/create and user find (for
            populate=sender), unconditionally. The permission check still runs
            (role grants cached in memory by the plugin). See DIRECT_GRANTS for
            the one grant written straight into the database.
    token   `Authorization: Bearer <API token>` of a full-access API token
            inserted into up_api_tokens (HMAC with the copy's api_token_salt);
            the plugin looks the token up in the database on every request.

Scenarios (each: one warm-up run whose figures are discarded, then a timed run):

    a  GET  /api/messages?pagination[pageSize]=20                (list + COUNT)
    b  GET  /api/messages?filters[room][$eq]=<room>&sort=createdAt:desc
                &populate=sender&pagination[pageSize]=20         (20 rooms rotated)
    c  GET  /api/messages/<documentId>       (all 10,000 seeded ids, rotated)
    d  POST /api/messages  {"data": {"text", "room": "room-03", "sender"}}
                                              (1,000 bodies, 50 senders rotated)

Brackets in the query strings are sent unencoded, as written above. Every
request is checked once with urllib before it is timed (status and body
shape); a failed check stops the run. For each scenario it prints requests/s,
p50/p99 latency (wrk `--latency`), non-2xx/3xx responses (must be 0) and
socket errors, the server's CPU use during the run (from /proc: event-loop
thread and other threads, i.e. aiosqlite's worker) and requests per second of
server CPU, then the server's peak RSS (VmHWM) after all scenarios. The
machine may be shared: the share of the server's core used by other processes
is printed too, and a warning when it passes 5% (req/s is then understated;
req/CPU-s much less so).

    .venv/bin/python bench/rest.py                       # a, b, c, d; 10 s each
    .venv/bin/python bench/rest.py --scenarios a,b --duration 20
    .venv/bin/python bench/rest.py --save .bench/rest.json
    .venv/bin/python bench/rest.py --compare .bench/rest.json
    .venv/bin/python bench/rest.py --scenarios a,b --profile /tmp/prof
    .venv/bin/python bench/rest.py --scenarios d --sqlite-pragma synchronous=NORMAL
    .venv/bin/python bench/rest.py --ref HEAD       # project files as committed

`--dataset chat` measures reads under a permission condition instead: 100,000
messages in 200 rooms (3% direct messages), 200 seeded users in 2 rooms each
(chat_users rows), and one user registered through POST
/api/auth/local/register (a real JWT) who is in 2 rooms, sent 1% of the
messages and received 50 direct ones; config/permissions.toml is kept as is
(the default grants: messages I sent, or received, or of a room I am in).
Each scenario runs twice in the same run, (A) with a read-only API token made
by `cms api-token create --type read-only` (no condition) and (B) with the
user's JWT (the grant's condition):

    list    GET /api/messages?pagination[pageSize]=20
    sorted  the same with &sort=createdAt:desc
    room    GET /api/messages?filters[room][$eq]=<a room of the user>&sort=createdAt:desc
                &pagination[pageSize]=20              (the user's 2 rooms rotated)

It prints req/s, p50/p99 and B/A per request (targets: B at least 50% of A's
req/s, p99 under 150 ms), and the SQL of every scenario (page and COUNT, A and
B, recorded from the cms Reader run on the seeded file) with its EXPLAIN QUERY
PLAN and median time on a plain sqlite3 connection. Between runs it waits
until the server is idle (requests wrk left behind are not served during the
next run). `--scenarios list,room` picks some; `--profile DIR` profiles each
scenario and credential.

    .venv/bin/python bench/rest.py --dataset chat
    .venv/bin/python bench/rest.py --dataset chat --scenarios list --profile /tmp/prof

`--ref GIT_REV` takes content_types/, config/ and migrations/ from a git
revision (useful while the working tree is mid-edit); the cms code is always
the installed one. `--sqlite-pragma K=V` appends `?K=V` to the copy's database
URL, which Tortoise runs as `PRAGMA K=V` on its connection.

`--profile DIR` (needs py-spy: `.venv/bin/pip install py-spy`, and ptrace
rights) runs each scenario once more under `py-spy record` after the timed
runs, writes DIR/profile_<scenario>.txt (collapsed stacks: open it in
https://www.speedscope.app or flamegraph.pl) and prints where a request's
time goes (BREAKDOWN: uvicorn, Sanic, authorisation, query parsing, SQL
compile, row shaping, the Tortoise/aiosqlite hand-off, the worker thread...),
the top functions by own and total time, and the share of broad areas.
Profiled runs are not part of the figures or of `--save`. C code (uvloop,
sqlite3, orjson) is charged to the calling Python line; `--profile-native`
shows C frames but slows the server several-fold at the default rate (use
`--profile-rate 29` with it).

Needs wrk (Debian/Ubuntu: `apt-get install wrk`; macOS: `brew install wrk`)
and, for pinning, `taskset` (util-linux). Without wrk there is no fallback:
the script exits with a message saying how to install it. Without taskset, or
on a single core, it runs unpinned and says so. The Lua scripts it uses are
bench/rest_paths.lua and bench/rest_post.lua.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import string
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
CMS = str(Path(sys.executable).parent / "cms")
PY_SPY = shutil.which("py-spy", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")

USERS = 50
MESSAGES = 10_000
ROOMS = [f"room-{n:02d}" for n in range(20)]
POST_ROOM = "room-03"
POST_BODIES = 1_000
PAGE_SIZE = 20
ALPHABET = string.ascii_lowercase + string.digits
#: the text Tortoise stores for a datetime on SQLite: str() of an aware UTC datetime
STORED_DATETIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?\+00:00$")
WORDS = ("hello there anyone around tonight meeting moved to three see you soon thanks for the update "
         "quick question about deploy build is green again lunch later coffee ok sounds good the new "
         "release notes look fine ping me when ready").split()

SCENARIOS = {
    "a": "GET list, pageSize 20",
    "b": "GET room filter + sort + populate sender",
    "c": "GET one by documentId",
    "d": "POST create message",
}
#: what the lead must reach: (minimum req/s, maximum p99 ms or None)
TARGETS = {"a": (2000, 100.0), "b": (1000, 100.0), "c": (2500, 100.0), "d": (800, None)}


class BenchError(RuntimeError):
    pass


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stored(moment: dt.datetime) -> str:
    """A datetime as Tortoise writes it to SQLite (``str`` of an aware UTC datetime)."""
    return str(moment.astimezone(dt.timezone.utc))


def document_id(rng: random.Random) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(24))


# -- the server ---------------------------------------------------------------------


def _cpu(stat: Path) -> float:
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Server:
    """``cms develop`` on a free port, optionally pinned to one core."""

    def __init__(self, project: Path, cpu: str | None, command: str = "develop") -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = project / ".tmp" / f"server-{self.port}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("w")
        pin = ["taskset", "-c", cpu] if cpu is not None else []  # taskset execs: same pid
        self.process = subprocess.Popen([*pin, CMS, command, "--port", str(self.port)], cwd=project,
                                        stdout=self._log, stderr=subprocess.STDOUT)
        self.pid = self.process.pid

    def wait_ready(self, timeout: float = 60) -> Server:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"the server exited with {self.process.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_ready", timeout=1) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.02)
        raise BenchError(f"the server was not ready after {timeout} s:\n{self.log()}")

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text()[-4000:]

    def memory_kb(self) -> dict[str, int]:
        status = Path(f"/proc/{self.pid}/status").read_text()
        return {key: int(value.split()[0]) for key, value in
                (line.split(":", 1) for line in status.splitlines()) if key in ("VmHWM", "VmRSS")}

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process, all threads."""
        return _cpu(Path(f"/proc/{self.pid}/stat"))

    def main_thread_cpu_seconds(self) -> float:
        """CPU time of the main thread alone (the event loop; the rest is aiosqlite's worker thread and co)."""
        return _cpu(Path(f"/proc/{self.pid}/task/{self.pid}/stat"))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


#: sent with every request, by urllib and by wrk (``--auth token``)
AUTH_HEADERS: dict[str, str] = {}


def call(method: str, url: str, body: Any = None, auth: dict[str, str] | None = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    headers = {**(AUTH_HEADERS if auth is None else auth), **({"Content-Type": "application/json"} if data else {})}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            return exc.code, json.loads(raw)
        except ValueError:
            return exc.code, raw.decode(errors="replace")


# -- project and data ---------------------------------------------------------------


PROJECT_PARTS = ("content_types", "config", "migrations")


def make_project(root: Path, ref: str | None) -> Path:
    """This repo's content types, config and migrations (working tree, or git revision ``ref``)."""
    project = root / "project"
    if ref is None:
        for part in PROJECT_PARTS:
            shutil.copytree(REPO / part, project / part, ignore=shutil.ignore_patterns("secrets.toml"))
        return project
    project.mkdir()
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", ref, *PROJECT_PARTS],
                             capture_output=True)
    if archive.returncode != 0:
        raise BenchError(f"git archive {ref} failed: {archive.stderr.decode(errors='replace')}")
    subprocess.run(["tar", "-x", "-C", str(project)], input=archive.stdout, check=True)
    (project / "config" / "secrets.toml").unlink(missing_ok=True)
    return project


def add_sqlite_pragmas(project: Path, pragmas: list[str]) -> None:
    """Append ``?key=value`` to the copy's database URL: Tortoise runs each as ``PRAGMA key=value``."""
    path = project / "config" / "database.toml"
    text = path.read_text()
    new, found = re.subn(r'^(url\s*=\s*"sqlite://[^"?]*)"', lambda m: m.group(1) + "?" + "&".join(pragmas) + '"',
                         text, count=1, flags=re.M)
    if not found:
        raise BenchError(f"--sqlite-pragma: no sqlite:// url in {path}")
    path.write_text(new)


def database_path(project: Path) -> Path:
    return project / ".tmp" / "data.db"  # config/database.toml: sqlite://.tmp/data.db


@contextlib.contextmanager
def connect(db_path: Path) -> Iterator[sqlite3.Connection]:
    """A stdlib sqlite3 connection: one transaction, committed, then closed."""
    db = sqlite3.connect(db_path)
    try:
        with db:
            yield db
    finally:
        db.close()


#: granted to the Public role with ``--auth public``, through config/permissions.toml
PUBLIC_GRANTS = ("api::message.message.find", "api::message.message.findOne", "api::message.message.create",
                 "plugin::users-permissions.user.find")
#: The permission engine checks populate/filter targets as ``<canonical UID>.find``, but the user type's
#: canonical UID (api::registered-user.registered-user) is not a known action, so the grant file cannot
#: carry it (it is skipped with a warning) and populate=sender answers 400 "Invalid key sender" whatever
#: the grants. Written straight into up_permissions until the core/plugin match aliases.
DIRECT_GRANTS = ("api::registered-user.registered-user.find",)


def grant_public(project: Path) -> None:
    """Add PUBLIC_GRANTS to the Public role in the copy's config/permissions.toml (seeded at first start)."""
    import tomllib

    path = project / "config" / "permissions.toml"
    text = path.read_text() if path.exists() else '[roles.public]\nname = "Public"\nactions = []\n'
    section = re.search(r"^\[roles\.public\]\s*$", text, re.M)
    actions = re.compile(r"^actions\s*=\s*\[", re.M).search(text, section.end()) if section else None
    if actions is None:
        raise BenchError(f"cannot find the actions of [roles.public] in {path}; update grant_public()")
    lines = "".join(f'\n  "{action}",' for action in PUBLIC_GRANTS)
    text = text[:actions.end()] + lines + text[actions.end():]
    granted = tomllib.loads(text).get("roles", {}).get("public", {}).get("actions", [])
    if not set(PUBLIC_GRANTS) <= set(granted):
        raise BenchError(f"editing {path} did not grant {PUBLIC_GRANTS} to the Public role; update grant_public()")
    path.write_text(text)


def grant_directly(db_path: Path, role_type: str, actions: tuple[str, ...]) -> None:
    """Insert grants into up_permissions, bypassing the plugin's validation (see DIRECT_GRANTS)."""
    now = stored(dt.datetime.now(dt.timezone.utc))
    rng = random.Random()
    with connect(db_path) as db:
        if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'up_roles'").fetchone():
            return  # no users_permissions plugin: develop mode allows everything
        role = db.execute("SELECT id FROM up_roles WHERE type = ?", (role_type,)).fetchone()
        if role is None:
            raise BenchError(f"no {role_type!r} role in up_roles")
        for action in actions:
            if not db.execute("SELECT 1 FROM up_permissions WHERE role_id = ? AND action = ?",
                              (role[0], action)).fetchone():
                db.execute("INSERT INTO up_permissions (document_id, action, condition, created_at, updated_at, "
                           "published_at, role_id) VALUES (?, ?, NULL, ?, ?, ?, ?)",
                           (document_id(rng), action, now, now, now, role[0]))


def create_token(project: Path) -> str:
    """A full-access API token, inserted as the users_permissions plugin stores it (HMAC-SHA512 with the salt)."""
    import hashlib
    import hmac
    import secrets
    import tomllib

    salt = tomllib.loads((project / "config" / "secrets.toml").read_text())["api_token_salt"]
    token = secrets.token_hex(128)
    now = stored(dt.datetime.now(dt.timezone.utc))
    with connect(database_path(project)) as db:
        db.execute("INSERT INTO up_api_tokens (document_id, name, description, type, access_key, created_at, "
                   "updated_at, published_at) VALUES (?, 'bench', 'bench/rest.py', 'full-access', ?, ?, ?, ?)",
                   (document_id(random.Random()), hmac.new(salt.encode(), token.encode(), hashlib.sha512).hexdigest(),
                    now, now, now))
    return token


def migrate_and_probe(project: Path, auth: str) -> str:
    """First start: apply migrations; create one message and return its stored created_at."""
    if auth == "public":
        grant_public(project)
    server = Server(project, cpu=None)
    try:
        server.wait_ready()
        if auth == "token":
            AUTH_HEADERS["Authorization"] = f"Bearer {create_token(project)}"
        status, body = call("POST", f"{server.url}/api/messages", {"data": {"text": "probe", "room": "probe"}})
        if status not in (200, 201) or not isinstance(body, dict) or "documentId" not in (body.get("data") or {}):
            raise BenchError(f"probe POST /api/messages answered {status}: {body}")
        probe_id = body["data"]["documentId"]
    finally:
        server.stop()
    with connect(database_path(project)) as db:
        row = db.execute("SELECT created_at, typeof(created_at) FROM messages WHERE document_id = ?",
                         (probe_id,)).fetchone()
        db.execute("DELETE FROM messages WHERE document_id = ?", (probe_id,))
    if auth == "public":
        grant_directly(database_path(project), "public", DIRECT_GRANTS)
    if row is None or row[1] != "text" or not STORED_DATETIME.match(row[0]):
        raise BenchError(f"the server stored created_at as {row!r}; the seeder writes e.g. "
                         f"{stored(dt.datetime.now(dt.timezone.utc))!r}: update stored()")
    return str(row[0])


@dataclass
class Seeded:
    users: list[str] = field(default_factory=list)  # documentIds
    messages: list[str] = field(default_factory=list)  # documentIds
    seconds: float = 0.0


def seed(db_path: Path, rng: random.Random) -> Seeded:
    began = time.perf_counter()
    out = Seeded()
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    ids: set[str] = set()

    def fresh_id() -> str:
        while True:
            value = document_id(rng)
            if value not in ids:
                ids.add(value)
                return value

    def moment(at: dt.datetime) -> str:
        # microsecond != 0 so every value has the same width as str() output
        return stored(at.replace(microsecond=rng.randrange(1, 1_000_000)))

    role = None
    with connect(db_path) as db:
        if db.execute("SELECT 1 FROM pragma_table_info('registered_users') WHERE name = 'role_id'").fetchone():
            found = db.execute("SELECT id FROM up_roles WHERE type = 'authenticated'").fetchone()
            role = found[0] if found else None
    users = []
    for n in range(USERS):
        at = moment(now - dt.timedelta(days=60) + dt.timedelta(minutes=n))
        doc = fresh_id()
        out.users.append(doc)
        users.append((doc, f"user{n:02d}", f"user{n:02d}@example.com", "local", 1, 0, at, at, at, role))

    start = now - dt.timedelta(days=30)
    step = dt.timedelta(days=30) / MESSAGES
    messages = []
    for n in range(MESSAGES):
        at = moment(start + step * n)
        text = ""
        target = rng.randint(40, 120)
        while len(text) < target:
            text = f"{text} {rng.choice(WORDS)}" if text else rng.choice(WORDS).capitalize()
        text = text[:target].rstrip()
        doc = fresh_id()
        out.messages.append(doc)
        messages.append((doc, text, rng.choice(ROOMS), rng.randint(1, USERS), at, at, at))

    with connect(db_path) as db:
        if role is None:
            users = [u[:-1] for u in users]
        db.executemany(
            "INSERT INTO registered_users (document_id, username, email, provider, confirmed, blocked, "
            "created_at, updated_at, published_at" + (", role_id" if role is not None else "") + ") VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?" + (", ?" if role is not None else "") + ")", users)
        first = db.execute("SELECT min(id), max(id) FROM registered_users").fetchone()
        if first != (1, USERS):
            raise BenchError(f"registered_users ids are {first}, expected 1..{USERS}")
        db.executemany(
            "INSERT INTO messages (document_id, text, room, sender_id, created_at, updated_at, published_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)", messages)
    out.seconds = time.perf_counter() - began
    return out


# -- scenarios ----------------------------------------------------------------------


@dataclass
class Scenario:
    key: str
    url: str  # what wrk requests when there is no script
    script: Path | None = None
    script_args: list[str] = field(default_factory=list)
    note: str = ""
    #: sent by wrk instead of AUTH_HEADERS (``--dataset chat``: each scenario runs with two credentials)
    headers: dict[str, str] | None = None


def list_path() -> str:
    return f"/api/messages?pagination[pageSize]={PAGE_SIZE}"


def room_path(room: str) -> str:
    return (f"/api/messages?filters[room][$eq]={room}&sort=createdAt:desc&populate=sender"
            f"&pagination[pageSize]={PAGE_SIZE}")


def expect(condition: bool, what: str, status: int, body: Any) -> None:
    if not condition:
        raise BenchError(f"sanity check failed: {what} (status {status}): {json.dumps(body)[:1500]}")


def check(key: str, base: str, data: Seeded, bodies: list[dict[str, Any]]) -> None:
    """One request of the scenario through urllib; raise unless status and shape are right."""
    if key == "a":
        status, body = call("GET", base + list_path())
        expect(status == 200, "(a) status 200", status, body)
        rows = body.get("data")
        expect(isinstance(rows, list) and len(rows) == PAGE_SIZE, f"(a) {PAGE_SIZE} messages", status, body)
        expect(all({"documentId", "text", "room", "createdAt"} <= set(r) for r in rows), "(a) message fields",
               status, body)
        total = body.get("meta", {}).get("pagination", {}).get("total")
        expect(total == MESSAGES, f"(a) meta.pagination.total == {MESSAGES}", status, body)
    elif key == "b":
        for room in (ROOMS[0], ROOMS[-1]):
            status, body = call("GET", base + room_path(room))
            expect(status == 200, "(b) status 200", status, body)
            rows = body.get("data")
            expect(isinstance(rows, list) and len(rows) == PAGE_SIZE, f"(b) {PAGE_SIZE} messages", status, body)
            expect(all(r.get("room") == room for r in rows), f"(b) every message in {room}", status, body)
            expect(all(isinstance(r.get("sender"), dict) and r["sender"].get("documentId") in data.users
                       for r in rows), "(b) sender populated with a seeded user", status, body)
            stamps = [r["createdAt"] for r in rows]
            expect(stamps == sorted(stamps, reverse=True), "(b) sorted by createdAt desc", status, body)
    elif key == "c":
        for doc in (data.messages[0], data.messages[-1]):
            status, body = call("GET", f"{base}/api/messages/{doc}")
            expect(status == 200, "(c) status 200", status, body)
            row = body.get("data") or {}
            expect(row.get("documentId") == doc and isinstance(row.get("text"), str), "(c) the message asked for",
                   status, body)
    elif key == "d":
        sample = bodies[0]
        status, body = call("POST", f"{base}/api/messages", sample)
        expect(status in (200, 201), "(d) status 200/201", status, body)
        row = body.get("data") or {}
        expect(row.get("room") == POST_ROOM and row.get("text") == sample["data"]["text"], "(d) created message",
               status, body)
        status, body = call("GET", f"{base}/api/messages/{row.get('documentId')}?populate=sender")
        sender = (body.get("data") or {}).get("sender") or {}
        expect(status == 200 and sender.get("documentId") == sample["data"]["sender"], "(d) sender linked",
               status, body)


def build_scenarios(base: str, work: Path, data: Seeded, rng: random.Random) -> tuple[dict[str, Scenario],
                                                                                    list[dict[str, Any]]]:
    rooms_file = work / "paths_rooms.txt"
    rooms_file.write_text("".join(room_path(room) + "\n" for room in ROOMS))
    ids = list(data.messages)
    rng.shuffle(ids)
    ids_file = work / "paths_ids.txt"
    ids_file.write_text("".join(f"/api/messages/{doc}\n" for doc in ids))
    bodies = []
    for n in range(POST_BODIES):
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 16)))
        bodies.append({"data": {"text": f"load {n}: {words}", "room": POST_ROOM, "sender": data.users[n % USERS]}})
    bodies_file = work / "bodies.txt"
    bodies_file.write_text("".join(json.dumps(b, separators=(",", ":")) + "\n" for b in bodies))
    scenarios = {
        "a": Scenario("a", base + list_path(), note="one URL"),
        "b": Scenario("b", base, BENCH / "rest_paths.lua", [str(rooms_file)],
                      note=f"rooms {ROOMS[0]}..{ROOMS[-1]} rotated (rest_paths.lua)"),
        "c": Scenario("c", base, BENCH / "rest_paths.lua", [str(ids_file)],
                      note=f"{len(ids):,} documentIds rotated (rest_paths.lua)"),
        "d": Scenario("d", base, BENCH / "rest_post.lua", ["/api/messages", str(bodies_file)],
                      note=f"{POST_BODIES:,} bodies, {USERS} senders rotated (rest_post.lua)"),
    }
    return scenarios, bodies


# -- wrk ----------------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def parse_wrk(output: str) -> dict[str, Any]:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in ([\d.]+\w+)", output)
    if not rps or not total:
        raise BenchError(f"cannot read wrk's output:\n{output}")
    percentiles = {int(p): _ms(v) for p, v in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+\w+)\s*$", output, re.M)}
    if 50 not in percentiles or 99 not in percentiles:
        raise BenchError(f"no latency distribution in wrk's output (--latency):\n{output}")
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "rps": round(float(rps.group(1)), 1),
        "requests": int(total.group(1)),
        "p50_ms": round(percentiles[50], 2),
        "p75_ms": round(percentiles.get(75, float("nan")), 2),
        "p90_ms": round(percentiles.get(90, float("nan")), 2),
        "p99_ms": round(percentiles[99], 2),
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": dict(zip(("connect", "read", "write", "timeout"), map(int, sockets.groups())))
        if sockets else {},
    }


def wrk_command(scenario: Scenario, args: argparse.Namespace, duration: float, cpu: str | None) -> list[str]:
    command = [*(["taskset", "-c", cpu] if cpu is not None else []), "wrk", f"-t{args.threads}",
               f"-c{args.connections}", f"-d{duration:g}s", "--latency", "--timeout", "5s"]
    for name, value in (AUTH_HEADERS if scenario.headers is None else scenario.headers).items():
        command += ["-H", f"{name}: {value}"]
    if scenario.script:
        command += ["-s", str(scenario.script), scenario.url, "--", *scenario.script_args]
    else:
        command.append(scenario.url)
    return command


def core_busy_seconds(core: str | None) -> float | None:
    """Busy (non-idle, non-iowait) time of one core from /proc/stat, in seconds."""
    if core is None or not core.isdigit():
        return None
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith(f"cpu{core} "):
            user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, line.split()[1:9])
            return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
    return None


def run_wrk(command: list[str], server: Server | None = None, core: str | None = None) -> tuple[dict[str, Any], str]:
    """Run wrk; with ``server``, also the server's CPU use and what else ran on its ``core``."""
    began, busy0 = time.monotonic(), core_busy_seconds(core)
    cpu0, main0 = (server.cpu_seconds(), server.main_thread_cpu_seconds()) if server else (0.0, 0.0)
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchError(f"wrk failed ({done.returncode}): {' '.join(command)}\n{done.stdout}{done.stderr}")
    figures = parse_wrk(done.stdout)
    if server is not None:
        wall, cpu = time.monotonic() - began, server.cpu_seconds() - cpu0
        main = server.main_thread_cpu_seconds() - main0
        figures["server_cpu_pct"] = round(100 * cpu / wall, 1)
        figures["server_cpu_main_thread_pct"] = round(100 * main / wall, 1)
        figures["server_cpu_other_threads_pct"] = round(100 * (cpu - main) / wall, 1)
        figures["req_per_cpu_s"] = round(figures["requests"] / cpu, 1) if cpu else None
        busy1 = core_busy_seconds(core)
        if busy0 is not None and busy1 is not None:  # other processes on the server's core
            figures["others_on_core_pct"] = round(max(0.0, 100 * (busy1 - busy0 - cpu) / wall), 1)
    return figures, done.stdout


# -- profiling ----------------------------------------------------------------------

#: broad areas, by the file of the innermost Python frame (first match wins)
AREAS = [
    ("aiosqlite worker thread (sqlite3 C)", r"aiosqlite/"),
    ("Tortoise", r"tortoise/"),
    ("pypika", r"pypika"),
    ("SQL compile cms/query/sql.py", r"cms/query/sql\.py"),
    ("row shaping cms/query/reader.py", r"cms/query/reader\.py"),
    ("query parsing cms/query/* (qs, params, filters...)", r"cms/query/"),
    ("controller/service cms/rest, cms/documents", r"cms/(rest|documents)"),
    ("validation cms/validation.py", r"cms/validation\.py"),
    ("lifecycles cms/lifecycles.py", r"cms/lifecycles\.py"),
    ("cms other (app, asgi, permissions...)", r"cms/"),
    ("Sanic", r"sanic"),
    ("python-socketio / engineio wrapper", r"(socketio|engineio)/"),
    ("uvicorn (httptools protocol)", r"uvicorn/"),
    ("asyncio / threading stdlib", r"(asyncio|threading|concurrent)/"),
]


#: where the time of a request goes: (label, frame regex, regex of frames excluded, innermost frame only)
#: shares are of all samples, a sample counts once per row; frames are "function (file:line)"
BREAKDOWN: list[tuple[str, str, str | None, bool]] = [
    ("uvicorn: read sockets + parse HTTP (HttpToolsProtocol.data_received)", r"^HttpToolsProtocol\.data_received ",
     None, False),
    ("uvloop C internals: epoll, socket I/O, callbacks (own time of Runner.run)", r"^Runner\.run \(asyncio/",
     None, True),
    ("uvicorn: app call incl. everything below (RequestResponseCycle.run_asgi)", r"^RequestResponseCycle\.run_asgi ",
     None, False),
    ("  uvicorn: write responses (RequestResponseCycle.send)", r"^RequestResponseCycle\.send ", None, False),
    ("  Socket.IO ASGIApp + PathDispatch + BodyLimit, outside Sanic", r"^ASGIApp\.__call__ \(engineio/",
     r"^Sanic\.__call__ ", False),
    ("  Sanic: request/response objects, routing, signals (outside the controller)", r"^Sanic\.__call__ ",
     r"^(Controller\.|RequestResponseCycle\.send )", False),
    ("  controller: authorise (users_permissions plugin)", r"^Controller\.authorize ", None, False),
    ("  controller: query string → Query (qs parse + params)", r"^Controller\.query ", None, False),
    ("    of which parse_qs (cms/query/qs.py)", r"^parse_qs \(cms/query/qs", None, False),
    ("  body → validated data (read_data + validate)", r"^(read_data|validate) \(cms/", None, False),
    ("  SQL compile (Compiler.* in cms/query/sql.py)", r"\(cms/query/sql\.py", None, False),
    ("  row shaping set-up per request (_Shaper.__init__)", r"^_Shaper\.__init__ ", None, False),
    ("  row shaping (_Shaper.document)", r"^_Shaper\.document ", None, False),
    ("  populate (Reader._populate, incl. its queries)", r"^Reader\._populate ", None, False),
    ("  DB calls, event-loop side (Tortoise client + lock, aiosqlite hand-off)",
     r"^(SqliteClient\.execute_|Connection\.(execute|_execute|commit)|ConnectionWrapper|TransactionWrapper)", None,
     False),
    ("  writes: DocumentService.create (validation, relation lookups, Tortoise save)",
     r"^DocumentService\.create ", None, False),
    ("    of which Tortoise model save (_save)", r"^DocumentService\._save ", None, False),
    ("  response: orjson.dumps + HTTPResponse (respond)", r"^respond \(cms/rest/controller", None, False),
    ("aiosqlite worker thread: sqlite3 C (query, fetch rows) + hand-off", r"^_connection_worker_thread ", None,
     False),
    ("  of which waking up in its queue (tx.get: the thread hand-off, not SQL)", "<aiosqlite tx.get>", None, True),
    ("permission grants reload every 2 s (PermissionEngine.refresh)", r"^PermissionEngine\.refresh ", None, False),
]


def _aiosqlite_queue_get() -> str:
    """A regex for the frame of aiosqlite's worker thread waiting in ``tx.get()`` (its line varies by version)."""
    import inspect

    try:
        import aiosqlite.core as core

        lines, first = inspect.getsourcelines(core._connection_worker_thread)
    except (ImportError, AttributeError, OSError):
        return r"(?!)"
    for offset, line in enumerate(lines):
        if "tx.get()" in line:
            return rf"^_connection_worker_thread \(.*aiosqlite/core\.py:{first + offset}\)"
    return r"(?!)"


def _frame(frame: str) -> tuple[str, str, str]:
    """``func (path:line)`` → (func, shortened path, line)."""
    match = re.fullmatch(r"(.*) \((.*?)(?::(\d+))?\)", frame.strip())
    if not match:
        return frame.strip(), "", ""
    func, path, line = match.groups()
    short = re.sub(r"^.*?/(site-packages|python3\.\d+)/", "", path)
    short = re.sub(r"^.*?/(cms)/", r"\1/", short)
    return func, short, line or ""


def summarise_profile(path: Path, top: int) -> dict[str, Any]:
    """Own/total time by function and share by area from py-spy's collapsed stacks."""
    own_line: Counter[str] = Counter()
    own_func: Counter[str] = Counter()
    total_func: Counter[str] = Counter()
    areas: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    breakdown: Counter[str] = Counter()
    queue_get = _aiosqlite_queue_get()
    patterns = [(label, re.compile(queue_get if inc == "<aiosqlite tx.get>" else inc), re.compile(exc) if exc else None,
                 leaf) for label, inc, exc, leaf in BREAKDOWN]
    samples = 0
    for raw in path.read_text().splitlines():
        stack, _, count_text = raw.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        if frames and frames[0].startswith(("thread ", "process ")):
            threads[frames[0]] += count
            frames = [f for f in frames if not f.startswith(("thread ", "process "))]
        if not frames:
            continue
        samples += count
        for label, include, exclude, leaf in patterns:
            hit = include.search(frames[-1]) if leaf else any(include.search(f) for f in frames)
            if hit and not (exclude and any(exclude.search(f) for f in frames)):
                breakdown[label] += count
        parsed = [_frame(f) for f in frames]
        func, file, line = parsed[-1]
        own_line[f"{func} ({file}:{line})"] += count
        own_func[f"{func} ({file})"] += count
        for name in {f"{fn} ({fl})" for fn, fl, _ in parsed}:
            total_func[name] += count
        area = next((label for label, pattern in AREAS if re.search(pattern, file)), f"other ({file or func})")
        if area.startswith("other") and any("aiosqlite/" in fl for _, fl, _ in parsed):
            area = AREAS[0][0]
        areas[area] += count

    def pct(counter: Counter[str], n: int) -> list[tuple[str, float]]:
        return [(name, round(100 * c / samples, 1)) for name, c in counter.most_common(n)]

    ordered = [(label, round(100 * breakdown[label] / samples, 1)) for label, *_ in BREAKDOWN if breakdown[label]]
    return {"samples": samples, "threads": pct(threads, 8), "breakdown": ordered, "areas": pct(areas, len(areas)),
            "own_lines": pct(own_line, top), "own_functions": pct(own_func, top),
            "total_functions": pct(total_func, top)}


def print_profile(key: str, summary: dict[str, Any]) -> None:
    print(f"  {summary['samples']} samples (non-idle, all threads; a thread waiting for the one core "
          f"may count as active, so shares are of samples, not of CPU)")
    for title, rows in (("by thread", summary["threads"]),
                        ("where a request's time goes (inclusive; indented rows are inside run_asgi)",
                         summary["breakdown"]),
                        ("by area (own time: innermost Python frame)", summary["areas"]),
                        ("own time by function", summary["own_functions"]),
                        ("own time by line (C calls such as orjson/sqlite3 are charged to the calling line)",
                         summary["own_lines"]),
                        ("total time by function", summary["total_functions"])):
        if rows:
            print(f"    {title}:")
            for name, share in rows:
                print(f"      {share:5.1f}%  {name}")


def profile(server: Server, scenario: Scenario, args: argparse.Namespace, cpu: str | None) -> None:
    if PY_SPY is None:
        raise BenchError("--profile needs py-spy: .venv/bin/pip install py-spy")
    args.profile.mkdir(parents=True, exist_ok=True)
    out = args.profile / f"profile_{scenario.key}.txt"
    load = subprocess.Popen(wrk_command(scenario, args, args.profile_duration + 2, cpu),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    time.sleep(1)
    cpu0, main0, began = server.cpu_seconds(), server.main_thread_cpu_seconds(), time.monotonic()
    spy = subprocess.run([*(["taskset", "-c", cpu] if cpu is not None else []), PY_SPY, "record", "--pid",
                          str(server.pid), "--duration", f"{args.profile_duration:g}", "--rate", str(args.profile_rate),
                          "--format", "raw", "--threads", *(["--native"] if args.profile_native else []),
                          "-o", str(out)], capture_output=True, text=True)
    wall, total, main = (time.monotonic() - began, server.cpu_seconds() - cpu0,
                         server.main_thread_cpu_seconds() - main0)
    wrk_out = load.communicate()[0]
    if spy.returncode != 0 or not out.exists():
        raise BenchError(f"py-spy failed ({spy.returncode}):\n{spy.stdout}{spy.stderr}")
    under = parse_wrk(wrk_out)
    print(f"\n  ({scenario.key}) under py-spy: {under['rps']:,.0f} req/s, p99 {under['p99_ms']} ms; "
          f"collapsed stacks in {out}")
    print(f"  server CPU (from /proc, not sampled): {100 * total / wall:.0f}% of a core: event loop thread "
          f"{100 * main / wall:.0f}%, other threads (aiosqlite worker) {100 * (total - main) / wall:.0f}%")
    print_profile(scenario.key, summarise_profile(out, args.profile_top))


# -- --dataset chat: a signed-in user under the default grants ---------------------

CHAT_MESSAGES = 100_000
CHAT_USERS = 200  # seeded users besides the registered bench user
CHAT_ROOMS = [f"room-{n:03d}" for n in range(200)]
CHAT_MEMBER_OF = 2  # rooms the bench user is in (chat_users rows)
CHAT_SENT = CHAT_MESSAGES // 100  # messages the bench user sent (1%)
CHAT_DIRECT_SHARE = 0.03  # direct messages (no room, a recipient) among the others
CHAT_RECEIVED = 50  # direct messages to the bench user
CHAT_PASSWORD = "bench-password-1234"
#: credential → what it is
CHAT_AUTH = {"A": "read-only API token (no condition)", "B": "signed-in user's JWT (default grants' condition)"}
CHAT_SCENARIOS = {
    "list": "GET list, pageSize 20",
    "sorted": "GET list, sort=createdAt:desc",
    "room": "GET room filter (user's rooms) + sort",
}
#: B against A: minimum share of A's req/s, maximum p99 ms
CHAT_TARGETS = (0.5, 150.0)


def chat_list_path(key: str, room: str = "") -> str:
    path = f"/api/messages?pagination[pageSize]={PAGE_SIZE}"
    if key == "sorted":
        path += "&sort=createdAt:desc"
    elif key == "room":
        path = f"/api/messages?filters[room][$eq]={room}&sort=createdAt:desc&pagination[pageSize]={PAGE_SIZE}"
    return path


@dataclass
class ChatSeeded:
    user_id: int = 0
    user_document_id: str = ""
    jwt: str = ""
    token: str = ""
    rooms: list[str] = field(default_factory=list)  # the bench user's rooms
    visible: int = 0  # messages the default grant lets the bench user read
    in_room: dict[str, int] = field(default_factory=dict)  # messages per room
    stored_example: str = ""
    seconds: float = 0.0


def chat_register(project: Path) -> ChatSeeded:
    """First start: migrate, register the bench user through the API (a real JWT), read its stored
    created_at (the server's datetime text); then a read-only API token with `cms api-token create`."""
    out = ChatSeeded()
    server = Server(project, cpu=None)
    try:
        server.wait_ready()
        status, body = call("POST", f"{server.url}/api/auth/local/register",
                            {"username": "chatbench", "email": "chatbench@example.com", "password": CHAT_PASSWORD},
                            auth={})
        if status != 200 or not isinstance(body, dict) or not body.get("jwt"):
            raise BenchError(f"POST /api/auth/local/register answered {status}: {body}")
        out.jwt, out.user_id, out.user_document_id = body["jwt"], body["user"]["id"], body["user"]["documentId"]
    finally:
        server.stop()
    made = subprocess.run([CMS, "api-token", "create", "--name", "bench-read-only", "--type", "read-only"],
                          cwd=project, capture_output=True, text=True)
    lines = made.stdout.strip().splitlines()
    if made.returncode != 0 or not lines:
        raise BenchError(f"cms api-token create failed ({made.returncode}):\n{made.stdout}{made.stderr}")
    out.token = lines[-1].strip()
    with connect(database_path(project)) as db:
        row = db.execute("SELECT created_at, typeof(created_at) FROM registered_users WHERE id = ?",
                         (out.user_id,)).fetchone()
    if row is None or row[1] != "text" or not STORED_DATETIME.match(row[0]):
        raise BenchError(f"the server stored created_at as {row!r}; the seeder writes e.g. "
                         f"{stored(dt.datetime.now(dt.timezone.utc))!r}: update stored()")
    out.stored_example = str(row[0])
    return out


def chat_seed(db_path: Path, rng: random.Random, out: ChatSeeded) -> None:
    """CHAT_USERS users (2 rooms each in chat_users), CHAT_MESSAGES messages over 30 days in CHAT_ROOMS;
    the bench user is in CHAT_MEMBER_OF rooms, sent CHAT_SENT messages and received CHAT_RECEIVED."""
    began = time.perf_counter()
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)

    def moment(at: dt.datetime) -> str:
        return stored(at.replace(microsecond=rng.randrange(1, 1_000_000)))

    ids: set[str] = set()

    def fresh_id() -> str:
        while True:
            value = document_id(rng)
            if value not in ids:
                ids.add(value)
                return value

    with connect(db_path) as db:
        role = db.execute("SELECT role_id FROM registered_users WHERE id = ?", (out.user_id,)).fetchone()[0]
        first = db.execute("SELECT max(id) FROM registered_users").fetchone()[0]
        users = []
        for n in range(CHAT_USERS):
            at = moment(now - dt.timedelta(days=60) + dt.timedelta(minutes=n))
            users.append((fresh_id(), f"member{n:03d}", f"member{n:03d}@example.com", "local", 1, 0, at, at, at, role))
        db.executemany("INSERT INTO registered_users (document_id, username, email, provider, confirmed, blocked, "
                       "created_at, updated_at, published_at, role_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", users)
        others = list(range(first + 1, first + 1 + CHAT_USERS))
        out.rooms = sorted(rng.sample(CHAT_ROOMS, CHAT_MEMBER_OF))
        at = moment(now - dt.timedelta(days=31))
        members = [(out.user_id, "chatbench", room) for room in out.rooms]
        for n, user in enumerate(others):
            members += [(user, f"member{n:03d}", room) for room in rng.sample(CHAT_ROOMS, 2)]
        db.executemany("INSERT INTO chat_users (document_id, username, room, status, last_seen_at, created_at, "
                       "updated_at, published_at, user_id) VALUES (?, ?, ?, 'offline', ?, ?, ?, ?, ?)",
                       [(fresh_id(), name, room, at, at, at, at, user) for user, name, room in members])

        me = out.user_id
        sent = set(rng.sample(range(CHAT_MESSAGES), CHAT_SENT))
        received = set(rng.sample([n for n in range(CHAT_MESSAGES) if n not in sent], CHAT_RECEIVED))
        start, step = now - dt.timedelta(days=30), dt.timedelta(days=30) / CHAT_MESSAGES
        rows, visible, in_room = [], 0, Counter()
        for n in range(CHAT_MESSAGES):
            at = moment(start + step * n)
            words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 14))).capitalize()
            sender = me if n in sent else rng.choice(others)
            if n in received:
                room, recipient = None, me
            elif rng.random() < CHAT_DIRECT_SHARE:
                room, recipient = None, rng.choice(others)
            else:
                room, recipient = rng.choice(CHAT_ROOMS), None
            if room is not None:
                in_room[room] += 1
            visible += sender == me or recipient == me or room in out.rooms
            rows.append((fresh_id(), words, room, sender, recipient, at, at, at))
        db.executemany("INSERT INTO messages (document_id, text, room, sender_id, recipient_id, created_at, "
                       "updated_at, published_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    out.visible, out.in_room = visible, dict(in_room)
    out.seconds = time.perf_counter() - began


def chat_check(key: str, who: str, base: str, data: ChatSeeded, headers: dict[str, str]) -> None:
    """One request per path of the scenario through urllib; raise unless status, rows and total are right."""
    label = f"({key}/{who})"
    for room in (data.rooms if key == "room" else [""]):
        status, body = call("GET", base + chat_list_path(key, room), auth=headers)
        expect(status == 200, f"{label} status 200", status, body)
        rows = body.get("data")
        expect(isinstance(rows, list) and len(rows) == PAGE_SIZE, f"{label} {PAGE_SIZE} messages", status, body)
        total = body.get("meta", {}).get("pagination", {}).get("total")
        want = data.in_room[room] if key == "room" else CHAT_MESSAGES if who == "A" else data.visible
        expect(total == want, f"{label} meta.pagination.total == {want}", status, body)
        if key == "room":
            expect(all(r.get("room") == room for r in rows), f"{label} every message in {room}", status, body)
        if key in ("sorted", "room"):
            stamps = [r["createdAt"] for r in rows]
            expect(stamps == sorted(stamps, reverse=True), f"{label} sorted by createdAt desc", status, body)
        else:
            expect([r["id"] for r in rows] == sorted(r["id"] for r in rows), f"{label} sorted by id", status, body)
    if key == "list":  # without the count, too
        status, body = call("GET", base + chat_list_path(key) + "&pagination[withCount]=false", auth=headers)
        expect(status == 200 and len(body.get("data") or []) == PAGE_SIZE
               and "total" not in (body.get("meta", {}).get("pagination") or {}),
               f"{label} withCount=false: a page, no total", status, body)


def chat_scenarios(base: str, work: Path, data: ChatSeeded, keys: list[str]) -> dict[str, Scenario]:
    headers = {"A": {"Authorization": f"Bearer {data.token}"}, "B": {"Authorization": f"Bearer {data.jwt}"}}
    rooms_file = work / "paths_chat_rooms.txt"
    rooms_file.write_text("".join(chat_list_path("room", room) + "\n" for room in data.rooms))
    scenarios = {}
    for key in keys:
        for who in CHAT_AUTH:
            name = f"{key}-{who}"
            if key == "room":
                scenarios[name] = Scenario(name, base, BENCH / "rest_paths.lua", [str(rooms_file)],
                                           note=f"the user's rooms {', '.join(data.rooms)} rotated", headers=headers[who])
            else:
                scenarios[name] = Scenario(name, base + chat_list_path(key), note="one URL", headers=headers[who])
    return scenarios


def recording_reader(project: Path, data: ChatSeeded) -> tuple[Any, Any, Any, dict[str, Any], Any]:
    """The copy's registry, the message type, the default messages grant with the bench user's
    variables, and a cms Reader on the seeded file that records each statement it runs (the
    server's path, minus the HTTP around it): (loaded project, type, condition, variables, reader)."""
    import tomllib

    from cms.app import load_project
    from cms.query.filters import parse_filters
    from cms.query.reader import _DATA_VERSION as DATA_VERSION
    from cms.query.reader import Reader
    from cms.query.sql import Compiler

    class Recording(Reader):
        statements: list[tuple[str, list[Any]]] = []

        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            # the reads of data; not the version a kept SQLite count is checked against (cms/query/reader.py)
            self.on_statement = lambda text, params: (text == DATA_VERSION or
                                                      self.statements.append((text, list(params))))

    loaded = load_project(project, "develop")
    ct = loaded.registry.get("api::message.message")
    grants = tomllib.loads((project / "config" / "permissions.toml").read_text())["roles"]["authenticated"]["grants"]
    raw = next(g["condition"] for g in grants if g["action"] == "api::message.message.find")
    condition = parse_filters(ct, raw, registry=loaded.registry, allow_variables=True, where="condition")
    variables = {"user": {"id": data.user_id, "documentId": data.user_document_id, "rooms": list(data.rooms)}}
    reader = Recording(Compiler(loaded.registry, loaded.models, "sqlite"))
    reader.attach_sqlite(str(database_path(project)))
    return loaded, ct, condition, variables, reader


def chat_sql(project: Path, data: ChatSeeded, keys: list[str]) -> list[dict[str, Any]]:
    """The SQL the server runs for each scenario (page, then COUNT; A and B): the copy's schemas and the
    default grant of its config/permissions.toml, run through the cms Reader on the seeded file, which
    records each statement (the same path as the server's, minus populate)."""
    import asyncio

    from cms.query.params import Limits, parse_query
    from cms.query.qs import parse_qs

    loaded, ct, condition, variables, reader = recording_reader(project, data)
    out = []
    try:
        for key in keys:
            path = chat_list_path(key, data.rooms[0])
            query = parse_query(ct, parse_qs(path.split("?", 1)[1], strict_null_handling=True),
                                registry=loaded.registry, limits=Limits())
            for who in CHAT_AUTH:
                reader.statements = []
                reader._counts.clear()  # each scenario's COUNT as a first request runs it (counts are kept)
                extra, bound = (None, None) if who == "A" else (condition, variables)
                asyncio.run(reader.find_many(ct, query, bound, extra))
                if len(reader.statements) != 2:
                    raise BenchError(f"({key}-{who}): expected a page and a count, the reader ran {reader.statements}")
                for kind, (text, params) in zip(("page", "count"), reader.statements):
                    out.append({"scenario": f"{key}-{who}", "kind": kind, "sql": text, "params": params})
    finally:
        reader.close()
    return out


def chat_explain(db_path: Path, statements: list[dict[str, Any]], repeat: int = 30) -> None:
    """EXPLAIN QUERY PLAN of each statement, and its median time on a plain sqlite3 connection."""
    db = sqlite3.connect(db_path)
    try:
        db.create_function("cms_lower", 1, lambda v: v.casefold() if isinstance(v, str) else v, deterministic=True)
        for item in statements:
            item["plan"] = [row[-1] for row in db.execute(f"EXPLAIN QUERY PLAN {item['sql']}", item["params"])]
            times = []
            for _ in range(repeat):
                began = time.perf_counter()
                db.execute(item["sql"], item["params"]).fetchall()
                times.append(time.perf_counter() - began)
            item["ms"] = round(sorted(times)[len(times) // 2] * 1000, 3)
    finally:
        db.close()


def print_chat_sql(statements: list[dict[str, Any]]) -> None:
    print("SQL per scenario, as the cms Reader runs it (page, then COUNT), with EXPLAIN QUERY PLAN and the median "
          "time of 30 runs on a plain sqlite3 connection:")
    for item in statements:
        shown = re.sub(r"^SELECT .*? FROM", "SELECT <columns> FROM", item["sql"]) if item["kind"] == "page" else item["sql"]
        print(f"  ({item['scenario']}) {item['kind']}: {item['ms']:.3f} ms  {shown}  {item['params']}")
        for line in item["plan"]:
            print(f"      {line}")


def print_chat_table(results: dict[str, dict[str, Any]], keys: list[str]) -> bool:
    share, p99_max = CHAT_TARGETS
    header = (f"{'scenario':40}{'auth':>5}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}{'srv CPU':>9}"
              f"{'req/CPU-s':>10}{'B/A':>7}  target")
    print(header)
    print("-" * len(header))
    all_ok = True
    for key in keys:
        a, b = results.get(f"{key}-A"), results.get(f"{key}-B")
        for who, r in (("A", a), ("B", b)):
            if r is None:
                continue
            ratio = b["rps"] / a["rps"] if who == "B" and a and a["rps"] else None
            ok = (r["rps"] > 0 and r["non_2xx"] == 0 and not sum(r["socket_errors"].values())
                  and r["p99_ms"] < p99_max and (ratio is None or ratio >= share))
            all_ok &= ok
            target = (f"p99 <{p99_max:g} ms" + (f", B ≥ {share:.0%} of A" if who == "B" else ""))
            print(f"{CHAT_SCENARIOS[key] if who == 'A' else '':40}{who:>5}{r['rps']:>9,.0f}{r['p50_ms']:>9.2f}"
                  f"{r['p99_ms']:>9.2f}{r['non_2xx']:>9}{r.get('server_cpu_pct', 0):>8.0f}%"
                  f"{r.get('req_per_cpu_s') or 0:>10,.0f}{(f'{ratio:.2f}' if ratio else ''):>7}  {target} "
                  f"{'ok' if ok else 'MISSED'}")
    return all_ok


def wait_idle(server: Server, quiet: float = 0.3, timeout: float = 60) -> None:
    """Wait until the server has used no CPU for ``quiet`` seconds: requests wrk left behind when it
    stopped (up to one per connection; seconds of work when each takes tens of ms) would otherwise be
    served during the next run."""
    deadline = time.monotonic() + timeout
    last = server.cpu_seconds()
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = server.cpu_seconds()
        if now - last < 0.02 * quiet:
            return
        last = now


def main_chat(args: argparse.Namespace, keys: list[str], server_cpu: str | None, wrk_cpu: str | None,
              pin_note: str, wrk_version: str, command: str) -> int:
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="cms-bench-rest-chat-") as tmp:
        project = make_project(Path(tmp), args.ref)
        if args.sqlite_pragma:
            add_sqlite_pragmas(project, args.sqlite_pragma)
        data = chat_register(project)
        chat_seed(database_path(project), rng, data)
        print(f"project: content_types/, config/, migrations/ from {args.ref or 'the working tree'}, in "
              f"{project}; migrated by a first `cms develop`; config/permissions.toml as is (default grants)")
        print(f"seeded with sqlite3 in {data.seconds:.2f} s: {CHAT_MESSAGES:,} messages in {len(CHAT_ROOMS)} rooms "
              f"({CHAT_DIRECT_SHARE:.0%} direct), {CHAT_USERS} users in 2 rooms each (chat_users); the bench user "
              f"(registered over REST, id {data.user_id}) is in {', '.join(data.rooms)}, sent {CHAT_SENT:,} and "
              f"received {CHAT_RECEIVED} direct: the default grant lets it read {data.visible:,} messages "
              f"(datetimes stored like the server's own row: {data.stored_example!r})")
        print("auth: (A) Authorization: Bearer <read-only API token from `cms api-token create`>; "
              "(B) Authorization: Bearer <the user's JWT from POST /api/auth/local/register>")
        print(f"server: `cms {args.command}`, one process (uvicorn)")
        print(f"load: {wrk_version}; {args.threads} thread(s), {args.connections} connections, "
              f"{args.warmup:g} s warm-up + {args.duration:g} s per scenario and credential; {pin_note}")
        statements = chat_sql(project, data, keys)
        chat_explain(database_path(project), statements)

        server = Server(project, server_cpu, args.command)
        results: dict[str, dict[str, Any]] = {}
        try:
            server.wait_ready()
            rss_start_kb = server.memory_kb()["VmRSS"]
            scenarios = chat_scenarios(server.url, Path(tmp), data, keys)
            for name, scenario in scenarios.items():
                key, who = name.split("-")
                chat_check(key, who, server.url, data, scenario.headers or {})
            print("sanity checks passed: " + ", ".join(f"({k})" for k in scenarios) + "\n")
            for name, scenario in scenarios.items():
                if args.warmup > 0:
                    run_wrk(wrk_command(scenario, args, args.warmup, wrk_cpu))
                    wait_idle(server)
                figures, _ = run_wrk(wrk_command(scenario, args, args.duration, wrk_cpu), server, server_cpu)
                wait_idle(server)
                figures["note"] = scenario.note
                results[name] = figures
                print(f"({name}) {figures['rps']:>8,.0f} req/s  p50 {figures['p50_ms']:.2f} ms  "
                      f"p99 {figures['p99_ms']:.2f} ms  non-2xx {figures['non_2xx']}  "
                      f"socket errors {sum(figures['socket_errors'].values())}  server CPU "
                      f"{figures['server_cpu_pct']}%  others on its core {figures.get('others_on_core_pct', '?')}%"
                      f"  [{scenario.note}]", flush=True)
                if server.process.poll() is not None:
                    raise BenchError(f"the server died during ({name}):\n{server.log()}")
            memory = server.memory_kb()
            if args.profile:
                print(f"\nprofiles (py-spy, {args.profile_duration:g} s per scenario, {args.profile_rate} Hz; not part "
                      f"of the figures):")
                for scenario in scenarios.values():
                    profile(server, scenario, args, wrk_cpu)
        finally:
            server.stop()
        errors = [line for line in server.log_path.read_text().splitlines()
                  if re.search(r"\b(ERROR|Traceback|CRITICAL)\b", line)]

    result = {
        "command": command,
        "settings": {"dataset": "chat", "duration_s": args.duration, "warmup_s": args.warmup,
                     "connections": args.connections, "threads": args.threads, "pinning": pin_note, "wrk": wrk_version,
                     "seed": args.seed, "project_from": args.ref or "working tree", "server_command": args.command,
                     "sqlite_pragmas": args.sqlite_pragma, "messages": CHAT_MESSAGES, "rooms": len(CHAT_ROOMS),
                     "users": CHAT_USERS + 1, "visible_to_user": data.visible},
        "scenarios": results,
        "sql": statements,
        "rss_start_mb": round(rss_start_kb / 1024, 1),
        "rss_peak_mb": round(memory["VmHWM"] / 1024, 1),
        "rss_end_mb": round(memory["VmRSS"] / 1024, 1),
    }
    print()
    print_chat_sql(statements)
    print()
    print_chat_table(results, keys)
    return report(result, results, errors, command, args)


# -- main ---------------------------------------------------------------------------


def pinning(args: argparse.Namespace) -> tuple[str | None, str | None, str]:
    if args.no_pin:
        return None, None, "unpinned (--no-pin)"
    if shutil.which("taskset") is None:
        return None, None, "unpinned: taskset not found (util-linux)"
    if (os.cpu_count() or 1) < 2:
        return None, None, "unpinned: only one core"
    return args.server_cpu, args.wrk_cpu, f"server on core {args.server_cpu}, wrk on core {args.wrk_cpu} (taskset)"


def page_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of the benchmarks that time a few GET pages of a test project (bench/components.py,
    bench/draft_publish.py, bench/i18n.py) with :func:`time_pages`."""
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--server-cpu", default="0")
    parser.add_argument("--wrk-cpu", default="1")
    parser.add_argument("--no-pin", action="store_true")


def page_bench(project: Path, urls: dict[str, str], args: argparse.Namespace,
               prepare: Callable[[str, str], None]) -> int:
    """A page benchmark's run: ``project`` copied to a temporary folder and served by `cms
    develop` (pinned as :func:`pinning` says), ``prepare(url, pinning)`` to seed, describe and
    check it, then :func:`time_pages` over ``urls``. The exit status (2 without wrk)."""
    if shutil.which("wrk") is None:
        print("error: wrk is not installed (Debian/Ubuntu: apt-get install wrk)", file=sys.stderr)
        return 2
    server_cpu, wrk_cpu, pinned = pinning(args)
    with tempfile.TemporaryDirectory(prefix=f"cms-bench-{project.name}-") as tmp:
        copy = Path(tmp) / "project"
        shutil.copytree(project, copy)
        server = Server(copy, server_cpu)
        try:
            server.wait_ready()
            prepare(server.url, pinned)
            time_pages(server, urls, args, server_cpu, wrk_cpu)
        finally:
            server.stop()
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    return 0


def time_pages(server: Server, urls: dict[str, str], args: argparse.Namespace, server_cpu: str | None,
               wrk_cpu: str | None) -> dict[str, dict[str, Any]]:
    """wrk on each of ``urls`` (name → path) in turn, after a discarded warm-up; prints a row each
    (req/s, p50/p99, non-2xx, the server's CPU) and returns the figures by name."""
    width = max(len(key) for key in urls) + 2
    print(f"{'':{width}}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}{'srv CPU':>9}  request")
    results = {}
    for key, path in urls.items():
        scenario = Scenario(key, server.url + path)
        if args.warmup > 0:
            run_wrk(wrk_command(scenario, args, args.warmup, wrk_cpu))
            wait_idle(server)
        result, _ = run_wrk(wrk_command(scenario, args, args.duration, wrk_cpu), server, server_cpu)
        wait_idle(server)
        results[key] = result
        print(f"{key:{width}}{result['rps']:>9,.0f}{result['p50_ms']:>9.2f}{result['p99_ms']:>9.2f}"
              f"{result['non_2xx']:>9}{result['server_cpu_pct']:>8.0f}%  {path}")
    return results


def print_table(results: dict[str, dict[str, Any]]) -> None:
    header = (f"{'':3}{'scenario':44}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}{'sock err':>9}"
              f"{'srv CPU':>9}{'req/CPU-s':>10}  target")
    print(header)
    print("-" * len(header))
    for key, r in results.items():
        rps_min, p99_max = TARGETS[key]
        ok = r["rps"] >= rps_min and (p99_max is None or r["p99_ms"] < p99_max) and r["non_2xx"] == 0
        target = f"≥{rps_min:,} req/s" + (f", p99 <{p99_max:g} ms" if p99_max else "")
        errors = sum(r["socket_errors"].values())
        print(f"({key}) {SCENARIOS[key]:43}{r['rps']:>9,.0f}{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}"
              f"{r['non_2xx']:>9}{errors:>9}{r.get('server_cpu_pct', 0):>8.0f}%{r.get('req_per_cpu_s') or 0:>10,.0f}"
              f"  {target} {'ok' if ok else 'MISSED'}")


def report(result: dict[str, Any], results: dict[str, Any], errors: list[str], command: str,
           args: argparse.Namespace) -> int:
    """The end of a run, whatever the dataset: memory, warnings, the command, compare and save;
    the exit status (1 when any scenario had non-2xx answers)."""
    print(f"server memory: peak RSS (VmHWM) {result['rss_peak_mb']} MB after all scenarios "
          f"(RSS {result['rss_start_mb']} MB at start, {result['rss_end_mb']} MB at the end)")
    busy = {k: r["others_on_core_pct"] for k, r in results.items() if r.get("others_on_core_pct", 0) > 5}
    if busy:
        print("warning: other processes used the server's core during "
              + ", ".join(f"({k}) {v}%" for k, v in busy.items())
              + ": req/s is understated there; req/CPU-s (requests per second of server CPU) is less affected")
    if errors:
        print(f"server log: {len(errors)} error line(s), first: {errors[0][:300]}")
    failed = [k for k, r in results.items() if r["non_2xx"]]
    if failed:
        print(f"NON-2xx RESPONSES in {', '.join(f'({k})' for k in failed)}: the figures are not valid")
    print(f"command: {command}")
    if args.compare:
        print_compare(json.loads(args.compare.read_text()), result, args.compare)
    if args.save:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text(json.dumps(result, indent=2))
        print(f"saved to {args.save}")
    return 1 if failed else 0


def print_compare(old: dict[str, Any], new: dict[str, Any], path: Path) -> None:
    def change(a: float, b: float) -> str:
        return f"{(b - a) / a * 100:+.1f}%" if a else "n/a"

    print(f"\ncompared with {path} ({old.get('command', '?')}):")
    for key, r in new["scenarios"].items():
        o = old.get("scenarios", {}).get(key)
        if not o:
            print(f"  ({key}) not in the old run")
            continue
        print(f"  ({key}) req/s {o['rps']:,.0f} → {r['rps']:,.0f} ({change(o['rps'], r['rps'])}); "
              f"p50 {o['p50_ms']} → {r['p50_ms']} ms ({change(o['p50_ms'], r['p50_ms'])}); "
              f"p99 {o['p99_ms']} → {r['p99_ms']} ms ({change(o['p99_ms'], r['p99_ms'])})"
              + (f"; req/CPU-s {o['req_per_cpu_s']:,.0f} → {r['req_per_cpu_s']:,.0f} "
                 f"({change(o['req_per_cpu_s'], r['req_per_cpu_s'])})"
                 if o.get("req_per_cpu_s") and r.get("req_per_cpu_s") else ""))
    if old.get("rss_peak_mb") and new.get("rss_peak_mb"):
        print(f"  peak RSS {old['rss_peak_mb']} → {new['rss_peak_mb']} MB "
              f"({change(old['rss_peak_mb'], new['rss_peak_mb'])})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", default=None,
                        help="comma-separated subset of a,b,c,d (default all); with --dataset chat of "
                             "list,sorted,room (default all)")
    parser.add_argument("--dataset", choices=["small", "chat"], default="small",
                        help="small (default): 10,000 messages, scenarios a-d; chat: 100,000 messages, a signed-in "
                             "user under the default grants (JWT) against a read-only API token")
    parser.add_argument("--duration", type=float, default=10, help="seconds of each timed run (default 10)")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of the discarded run before each (2)")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument("--server-cpu", default="0", help="core for the server (default 0)")
    parser.add_argument("--wrk-cpu", default="1", help="core for wrk (default 1)")
    parser.add_argument("--no-pin", action="store_true", help="do not use taskset")
    parser.add_argument("--auth", choices=["public", "token"], default="public",
                        help="no credentials with Public grants (default), or a full-access API token")
    parser.add_argument("--command", choices=["develop", "start"], default="develop",
                        help="serve with `cms develop` (default) or `cms start` (production mode)")
    parser.add_argument("--sqlite-pragma", action="append", default=[], metavar="KEY=VALUE",
                        help="extra PRAGMA on the server's connection, e.g. synchronous=NORMAL (repeatable)")
    parser.add_argument("--ref", metavar="GIT_REV",
                        help="take content_types/, config/, migrations/ from this git revision instead of the "
                             "working tree (the cms code is always the installed one)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the data (default 1)")
    parser.add_argument("--save", type=Path, help="write the figures as JSON")
    parser.add_argument("--compare", type=Path, help="a JSON file from an earlier --save")
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="after the timed runs, profile each scenario with py-spy into DIR")
    parser.add_argument("--profile-duration", type=float, default=8)
    parser.add_argument("--profile-top", type=int, default=15)
    parser.add_argument("--profile-rate", type=int, default=200, help="py-spy samples per second (200)")
    parser.add_argument("--profile-native", action="store_true",
                        help="py-spy --native: also C frames (uvloop, sqlite3, orjson, httptools)")
    args = parser.parse_args()

    choices = CHAT_SCENARIOS if args.dataset == "chat" else SCENARIOS
    keys = [k.strip() for k in (args.scenarios or ",".join(choices)).split(",") if k.strip()]
    unknown = [k for k in keys if k not in choices]
    if unknown or not keys:
        parser.error(f"--scenarios: unknown {unknown or 'empty'}; choose from {','.join(choices)}")
    if args.dataset == "chat" and args.auth != "public":
        parser.error("--dataset chat sets its own credentials (a read-only API token and a user's JWT); drop --auth")
    if shutil.which("wrk") is None:
        print("error: wrk is not installed, and this benchmark has no fallback load generator.\n"
              "Install it (Debian/Ubuntu: `apt-get install wrk`; macOS: `brew install wrk`) and run again.",
              file=sys.stderr)
        return 2
    if args.compare and not args.compare.exists():
        parser.error(f"--compare: {args.compare} does not exist")
    server_cpu, wrk_cpu, pin_note = pinning(args)
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    command = " ".join([Path(sys.executable).name, *sys.argv])
    if args.dataset == "chat":
        return main_chat(args, keys, server_cpu, wrk_cpu, pin_note, wrk_version, command)
    rng = random.Random(args.seed)

    with tempfile.TemporaryDirectory(prefix="cms-bench-rest-") as tmp:
        project = make_project(Path(tmp), args.ref)
        if args.sqlite_pragma:
            add_sqlite_pragmas(project, args.sqlite_pragma)
        stored_example = migrate_and_probe(project, args.auth)
        data = seed(database_path(project), rng)
        print(f"project: content_types/, config/, migrations/ from {args.ref or 'the working tree'}, in "
              f"{project}; migrated by a first `cms develop`")
        print(f"seeded with sqlite3 in {data.seconds:.2f} s: {USERS} registered users, {MESSAGES:,} messages in "
              f"{len(ROOMS)} rooms (datetimes stored like the server's own row: {stored_example!r})")
        auth_note = ("no credentials; the copy's config/permissions.toml grants the Public role "
                     + ", ".join(PUBLIC_GRANTS) + " (and " + ", ".join(DIRECT_GRANTS)
                     + " written into up_permissions, see DIRECT_GRANTS)" if args.auth == "public" else
                     "Authorization: Bearer <full-access API token> (looked up by the plugin on each request)")
        print(f"server: `cms {args.command}`, one process (uvicorn); auth: {auth_note}")
        if args.sqlite_pragma:
            print(f"extra SQLite pragmas on the server's connection: {', '.join(args.sqlite_pragma)}")
        print(f"load: {wrk_version}; {args.threads} thread(s), {args.connections} connections, "
              f"{args.warmup:g} s warm-up + {args.duration:g} s per scenario; {pin_note}")

        server = Server(project, server_cpu, args.command)
        results: dict[str, dict[str, Any]] = {}
        try:
            server.wait_ready()
            rss_start_kb = server.memory_kb()["VmRSS"]
            scenarios, bodies = build_scenarios(server.url, Path(tmp), data, rng)
            for key in keys:
                check(key, server.url, data, bodies)
            print("sanity checks passed: " + ", ".join(f"({k})" for k in keys) + "\n")
            for key in keys:
                scenario = scenarios[key]
                if args.warmup > 0:
                    run_wrk(wrk_command(scenario, args, args.warmup, wrk_cpu))
                figures, _ = run_wrk(wrk_command(scenario, args, args.duration, wrk_cpu), server, server_cpu)
                figures["note"] = scenario.note
                results[key] = figures
                print(f"({key}) {figures['rps']:>8,.0f} req/s  p50 {figures['p50_ms']:.2f} ms  "
                      f"p99 {figures['p99_ms']:.2f} ms  non-2xx {figures['non_2xx']}  "
                      f"socket errors {sum(figures['socket_errors'].values())}  server CPU "
                      f"{figures['server_cpu_pct']}% (event loop {figures['server_cpu_main_thread_pct']}%, "
                      f"other threads {figures['server_cpu_other_threads_pct']}%)  others on its core {figures.get('others_on_core_pct', '?')}%"
                      f"  [{scenario.note}]", flush=True)
                if server.process.poll() is not None:
                    raise BenchError(f"the server died during ({key}):\n{server.log()}")
            memory = server.memory_kb()
            if args.profile:
                print(f"\nprofiles (py-spy, {args.profile_duration:g} s per scenario, {args.profile_rate} Hz; not part "
                      f"of the figures):")
                for key in keys:
                    profile(server, scenarios[key], args, wrk_cpu)
        finally:
            server.stop()
        errors = [line for line in server.log_path.read_text().splitlines()
                  if re.search(r"\b(ERROR|Traceback|CRITICAL)\b", line)]

    result = {
        "command": command,
        "settings": {"duration_s": args.duration, "warmup_s": args.warmup, "connections": args.connections,
                     "threads": args.threads, "pinning": pin_note, "wrk": wrk_version, "seed": args.seed,
                     "project_from": args.ref or "working tree",
                     "auth": args.auth, "server_command": args.command,
                     "sqlite_pragmas": args.sqlite_pragma,
                     "users": USERS, "messages": MESSAGES, "rooms": len(ROOMS)},
        "scenarios": results,
        "rss_start_mb": round(rss_start_kb / 1024, 1),
        "rss_peak_mb": round(memory["VmHWM"] / 1024, 1),
        "rss_end_mb": round(memory["VmRSS"] / 1024, 1),
    }
    print()
    print_table(results)
    return report(result, results, errors, command, args)


if __name__ == "__main__":
    os.environ.pop("CMS_DATABASE_URL", None)
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
