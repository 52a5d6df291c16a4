"""No response ever carries a password hash, a reset code or token, an API token key or any private field.

The walk visits every route under ``/api`` that the server lists (``cms
routes``), users and auth routes included, as the public, a registered user, a
read-only and a full-access API token, each plain and with queries that try to
reach private fields (``populate=*``, ``fields``, ``filters`` and ``sort`` on
them, also through relations). Meanwhile every private column holds a value:
passwords, a pending reset code, a socket id, API token keys. Afterwards no
answer may contain any of those values, nor any private attribute as a key.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.helpers.project import REPO, run_cms
from tests.plugins.users_permissions.support import PASSWORD, Account, Project, bearer

#: queries that try to reach private fields; each must be refused (400) or answer without them
PROBES = (
    "",
    "?populate=*",
    "?populate[sender][populate]=*&populate[recipient]=*&populate[user]=*&populate[role]=*",
    "?fields[0]=password&fields[1]=username",
    "?filters[password][$notNull]=true",
    "?filters[resetPasswordToken][$notNull]=true",
    "?filters[sender][password][$startsWith]=$argon2",
    "?filters[user][resetPasswordToken][$notNull]=true",
    "?populate[sender][fields][0]=password",
    "?sort=password:asc",
    "?filters[socketId][$notNull]=true",
)


def private_attributes() -> set[str]:
    """Every private or password attribute of this repo's and the plugin's content types."""
    names = set()
    for schema in [*REPO.glob("content_types/*/schema.json"), *REPO.glob("plugins/*/content_types/*/schema.json")]:
        for name, attr in json.loads(schema.read_text())["attributes"].items():
            if attr.get("private") or attr.get("type") == "password":
                names.add(name)
    return names


def keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys(v)}
    return set()


def shown(url: str, body: Any) -> Any:
    """What an answer shows of entries: of the OpenAPI document, the schemas of what is read
    (request bodies, in paths and the ``*Input`` schemas, name writable private fields)."""
    if url.startswith("/api/openapi.json"):
        schemas = body.get("components", {}).get("schemas", {})
        body = {"components": {"schemas": {k: v for k, v in schemas.items() if not k.endswith("Input")}}}
    return body


def listed_api_routes(up: Project) -> set[tuple[str, str]]:
    result = run_cms(up.root, "routes", env=up.env)
    assert result.returncode == 0, result.stderr
    routes = set()
    for line in result.stdout.splitlines():
        path, methods = line.split()[:2]
        if path.startswith("/api"):
            routes.update((method, path) for method in methods.split(","))
    return routes


@dataclass
class Walk:
    """The state of the walk: who calls, and fresh entries for routes that consume them."""

    up: Project
    admin: dict[str, str]
    alice: Account
    bob: Account
    message: str
    chat_user: str
    role: int
    file: int = 0
    callers: dict[str, dict[str, str]] = field(default_factory=dict)
    answers: list[tuple[str, str, str, httpx.Response]] = field(default_factory=list)
    _n: Any = field(default_factory=itertools.count)

    def fresh(self) -> str:
        return f"walker{next(self._n)}"

    def new_user(self) -> int:
        name = self.fresh()
        created = self.up.http.post("/api/users", headers=self.admin, json={
            "username": name, "email": f"{name}@example.com", "password": PASSWORD})
        return int(created.json()["id"])

    def new_message(self) -> str:
        created = self.up.http.post("/api/messages", headers=self.admin, json={
            "data": {"text": "scrap", "room": "lobby", "sender": self.alice.id}})
        return str(created.json()["data"]["documentId"])

    def new_chat_user(self) -> str:
        created = self.up.http.post("/api/chat-users", headers=self.admin, json={
            # one entry per user and room: each a room of its own
            "data": {"username": "alice", "room": f"room-{self.fresh()}", "user": self.alice.id,
                     "socketId": f"socket-{self.fresh()}"}})
        return str(created.json()["data"]["documentId"])

    def new_file(self) -> int:
        created = self.up.http.post("/api/upload", headers=self.admin, files=upload_parts("scrap.txt"))
        return int(created.json()[0]["id"])

    def new_role(self) -> int:
        created = self.up.http.post("/api/users-permissions/roles", headers=self.admin, json={"name": self.fresh()})
        return int(created.json()["role"]["id"])

    def reset_code(self) -> str:
        name = self.fresh()
        self.up.http.post("/api/users", headers=self.admin, json={
            "username": name, "email": f"{name}@example.com", "password": PASSWORD})
        self.up.http.post("/api/auth/forgot-password", json={"email": f"{name}@example.com"})
        return self.up.reset_code(f"{name}@example.com")

    def change_password(self, caller: str) -> dict[str, str]:
        if caller != "alice":
            return {"currentPassword": PASSWORD, "password": "x" * 10, "passwordConfirmation": "x" * 10}
        new = self.fresh() + "-password"
        body = {"currentPassword": self.alice.password, "password": new, "passwordConfirmation": new}
        self.alice.password = new  # the walk keeps using alice with the session the answer gives
        return body


def upload_parts(name: str) -> dict[str, tuple[str, bytes, str]]:
    return {"files": (name, b"plain text, nothing secret\n", "text/plain")}


@dataclass(frozen=True)
class Multipart:
    """A body sent as multipart/form-data (the upload route) rather than JSON."""

    files: dict[str, tuple[str, bytes, str]]


Target = Callable[[Walk, str], str]
Body = Callable[[Walk, str], Any]

#: (method, route as listed) → (the URL to call for a caller, the body to send)
ROUTES: dict[tuple[str, str], tuple[Target, Body | None]] = {
    ("POST", "/api/auth/local/register"): (
        lambda w, c: "/api/auth/local/register",
        lambda w, c: {"username": (n := w.fresh()), "email": f"{n}@example.com", "password": PASSWORD}),
    ("POST", "/api/auth/local"): (
        lambda w, c: "/api/auth/local", lambda w, c: {"identifier": "bob", "password": PASSWORD}),
    ("POST", "/api/auth/change-password"): (lambda w, c: "/api/auth/change-password", Walk.change_password),
    ("POST", "/api/auth/forgot-password"): (
        lambda w, c: "/api/auth/forgot-password", lambda w, c: {"email": "bob@example.com"}),
    ("POST", "/api/auth/reset-password"): (
        lambda w, c: "/api/auth/reset-password",
        lambda w, c: {"code": w.reset_code() if c == "public" else "0" * 128,
                      "password": "y" * 10, "passwordConfirmation": "y" * 10}),
    ("GET", "/api/users"): (lambda w, c: "/api/users", None),
    ("POST", "/api/users"): (
        lambda w, c: "/api/users",
        lambda w, c: {"username": (n := w.fresh()), "email": f"{n}@example.com", "password": PASSWORD}),
    ("GET", "/api/users/me"): (lambda w, c: "/api/users/me", None),
    ("GET", "/api/users/count"): (lambda w, c: "/api/users/count", None),
    ("GET", "/api/users/<user_id:int>"): (lambda w, c: f"/api/users/{w.bob.id}", None),
    ("PUT", "/api/users/<user_id:int>"): (
        lambda w, c: f"/api/users/{w.alice.id if c == 'alice' else w.bob.id}",
        lambda w, c: {"username": "alice" if c == "alice" else "bob"}),
    ("DELETE", "/api/users/<user_id:int>"): (lambda w, c: f"/api/users/{w.new_user()}", None),
    ("GET", "/api/users-permissions/roles"): (lambda w, c: "/api/users-permissions/roles", None),
    ("POST", "/api/users-permissions/roles"): (
        lambda w, c: "/api/users-permissions/roles", lambda w, c: {"name": w.fresh()}),
    ("GET", "/api/users-permissions/roles/<role_id:int>"): (lambda w, c: f"/api/users-permissions/roles/{w.role}", None),
    ("PUT", "/api/users-permissions/roles/<role_id:int>"): (
        lambda w, c: f"/api/users-permissions/roles/{w.role}", lambda w, c: {"description": "walked"}),
    ("DELETE", "/api/users-permissions/roles/<role_id:int>"): (
        lambda w, c: f"/api/users-permissions/roles/{w.new_role()}", None),
    ("POST", "/api/upload"): (lambda w, c: "/api/upload", lambda w, c: Multipart(upload_parts(f"{w.fresh()}.txt"))),
    ("GET", "/api/upload/files/<file_id:int>"): (lambda w, c: f"/api/upload/files/{w.file}", None),
    ("DELETE", "/api/upload/files/<file_id:int>"): (lambda w, c: f"/api/upload/files/{w.new_file()}", None),
    ("GET", "/api/messages"): (lambda w, c: "/api/messages", None),
    ("POST", "/api/messages"): (
        lambda w, c: "/api/messages", lambda w, c: {"data": {"text": "walking", "room": "lobby", "sender": w.alice.id}}),
    ("GET", "/api/messages/<document_id:str>"): (lambda w, c: f"/api/messages/{w.message}", None),
    ("PUT", "/api/messages/<document_id:str>"): (
        lambda w, c: f"/api/messages/{w.message}", lambda w, c: {"data": {"text": "walked"}}),
    ("DELETE", "/api/messages/<document_id:str>"): (lambda w, c: f"/api/messages/{w.new_message()}", None),
    ("GET", "/api/chat-users"): (lambda w, c: "/api/chat-users", None),
    ("POST", "/api/chat-users"): (
        lambda w, c: "/api/chat-users",
        lambda w, c: {"data": {"username": "alice", "room": "lobby", "user": w.alice.id, "socketId": f"socket-{w.fresh()}"}}),
    ("GET", "/api/chat-users/<document_id:str>"): (lambda w, c: f"/api/chat-users/{w.chat_user}", None),
    ("PUT", "/api/chat-users/<document_id:str>"): (
        lambda w, c: f"/api/chat-users/{w.chat_user}", lambda w, c: {"data": {"status": "busy"}}),
    ("DELETE", "/api/chat-users/<document_id:str>"): (lambda w, c: f"/api/chat-users/{w.new_chat_user()}", None),
    ("GET", "/api/docs/assets/<name:str>"): (lambda w, c: "/api/docs/assets/swagger-ui.css", None),
}


@pytest.fixture(scope="module")
def walk(up: Project, admin: dict[str, str]) -> Walk:
    alice, bob = up.register("alice"), up.register("bob")
    up.register("carol")
    up.http.post("/api/auth/forgot-password", json={"email": "carol@example.com"})  # a pending reset code
    w = Walk(up, admin, alice, bob, message="", chat_user="", role=0)
    w.message, w.chat_user, w.role, w.file = w.new_message(), w.new_chat_user(), w.new_role(), w.new_file()
    w.callers = {
        "public": {},
        "alice": alice.auth,
        "read-only token": bearer(up.api_token("read-only")),
        "full-access token": admin,
    }
    return w


def test_every_api_route_is_walked_and_no_answer_reveals_a_secret_or_private_field(up: Project, walk: Walk) -> None:
    listed = listed_api_routes(up)
    unknown = sorted(r for r in listed - set(ROUTES) if r[0] != "GET" or "<" in r[1])
    assert not unknown, f"routes not walked (add them to ROUTES): {unknown}"
    # a new GET route without parameters is walked as it is
    routes = {**ROUTES, **{r: ((lambda w, c, p=r[1]: p), None) for r in listed - set(ROUTES)}}

    for (method, route), (target, body) in sorted(routes.items()):
        for caller in walk.callers:
            for probe in PROBES if method == "GET" else PROBES[:3]:
                url = target(walk, caller) + probe
                payload = body(walk, caller) if body is not None else None
                if isinstance(payload, Multipart):
                    answer = walk.up.http.request(method, url, headers=walk.callers[caller], files=payload.files)
                else:
                    answer = walk.up.http.request(method, url, headers=walk.callers[caller], json=payload)
                walk.answers.append((caller, method, url, answer))
                if caller == "alice" and route == "/api/auth/change-password" and answer.status_code == 200:
                    walk.callers["alice"] = bearer(answer.json()["jwt"])
                assert answer.status_code < 500, (caller, method, url, answer.text)

    # the walk reached data: every route answered with success to someone
    succeeded = {(m, r) for (m, r), (target, _) in routes.items()
                 for c, method, url, a in walk.answers if method == m and a.is_success and _matches(r, url)}
    assert succeeded == set(routes), f"never succeeded: {sorted(set(routes) - succeeded)}"

    secrets = secret_values(up, walk)
    private = private_attributes()
    assert {"password", "resetPasswordToken", "confirmationToken", "socketId", "accessKey"} <= private
    for caller, method, url, answer in walk.answers:
        where = f"{caller} {method} {url} → {answer.status_code}"
        leaked = [s for s in secrets if s in answer.text]
        assert not leaked, f"{where} reveals {leaked[0][:20]}...: {answer.text[:300]}"
        assert "$argon2" not in answer.text, where
        if answer.headers.get("content-type", "").startswith("application/json"):
            assert not keys(shown(url, answer.json())) & private, f"{where}: {answer.text[:300]}"


def _matches(route: str, url: str) -> bool:
    """Does ``url`` (with its query) call ``route`` (``/api/users/<user_id:int>``)?"""
    path = url.split("?")[0].split("/")
    parts = route.split("/")
    return len(path) == len(parts) and all(p.startswith("<") or p == q for p, q in zip(parts, path))


def secret_values(up: Project, walk: Walk) -> set[str]:
    """Every value of a private column now, every reset code mailed, every API token."""
    values = set()
    for row in up.sql("SELECT password, reset_password_token, confirmation_token FROM registered_users"):
        values.update(str(v) for v in row if v)
    values.update(str(v) for (v,) in up.sql("SELECT access_key FROM up_api_tokens"))
    values.update(str(v) for (v,) in up.sql("SELECT socket_id FROM chat_users") if v)
    values.update(up.reset_code(m["to"]) for m in up.mails())
    values.update(h["Authorization"].removeprefix("Bearer ") for c, h in walk.callers.items() if c.endswith("token"))
    assert any(v.startswith("$argon2") for v in values) and any(v.startswith("socket-") for v in values)
    assert any(":" in v and len(v) > 64 for v in values)  # carol's pending reset token is stored
    return values
