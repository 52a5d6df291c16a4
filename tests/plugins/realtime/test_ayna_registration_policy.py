"""The Ayna ``register`` and ``login`` events are judged as the REST auth routes judge them.

A project with registration closed (``allow_register = false``): the Ayna
frontend's ``register`` gets the REST route's own refusal as its alert text,
stores nothing and announces nothing, while accounts made by the operator
(``cms users create``, run in the project folder) still log in, join and send.
When the Public role loses the registration grant (through the REST roles API,
with a token from ``cms api-token create``), both refuse with ``Forbidden``; a
blocked account's login is refused with REST's message too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.helpers.project import run_cms
from tests.plugins.realtime.conftest import PASSWORD, SECRETS_ENV, ChatServer, Client, Connect, chat_server, quiet, unique

FRONTEND = {"transports": ["polling", "websocket"]}
CLOSED = "Register action is currently disabled"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatServer]:
    with chat_server(tmp_path_factory, "auth_burst = 1000", name="ayna-closed",
                     users_permissions="rate_limit_enabled = false\nallow_register = false") as running:
        yield running


def cms(server: ChatServer, *args: str) -> str:
    """Run a ``cms`` command in the project folder as its operator would; its standard output."""
    env = {**SECRETS_ENV, **({"CMS_DATABASE_URL": server.database_url} if server.database_url else {})}
    done = run_cms(server.root, *args, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def operator_made_user(server: ChatServer) -> tuple[int, str]:
    """A registered user made with ``cms users create``: its id and username."""
    username = unique("op")
    said = cms(server, "users", "create", "--username", username, "--email", f"{username}@example.com",
               "--password", PASSWORD)
    match = re.fullmatch(rf"created user {username} \(id (\d+), role authenticated\)\n", said)
    assert match, said
    return int(match.group(1)), username


@pytest.fixture(scope="module")
def operator(server: ChatServer) -> str:
    """A full-access API token made with ``cms api-token create``: an operator's script."""
    said = cms(server, "api-token", "create", "--name", unique("operator"), "--type", "full-access")
    return said.splitlines()[-1]


async def rest_register(server: ChatServer, username: str) -> tuple[int, str]:
    answer = await server.http("POST", "/api/auth/local/register",
                               json={"username": username, "email": f"{username}@example.com", "password": PASSWORD})
    return answer.status_code, answer.json()["error"]["message"]


async def test_closed_registration_is_refused_with_the_rest_routes_message(server: ChatServer, connect: Connect) -> None:
    """Catches the socket event going around ``allow_register`` (a user stored, or ``registered``
    announced), or answering another text than the REST route gives."""
    socket: Client = await connect(server, **FRONTEND)
    username = unique("newcomer")

    assert await socket.call("register", {"username": username, "password": PASSWORD}) == CLOSED
    assert await rest_register(server, unique("rest")) == (400, CLOSED)

    await quiet(0.1)
    assert socket.received("registered") == []
    assert await server.rows("SELECT id FROM registered_users WHERE username = $1", username) == []
    # the socket is not logged in either: it cannot join as that name
    assert await socket.call("join", {"username": username, "room": "lobby"}) == \
        f"Please log in as {username} before joining a room."


async def test_an_account_made_by_the_operator_still_logs_in_joins_and_sends(server: ChatServer, connect: Connect) -> None:
    """Closing registration must not close the chat: the positive control of the test above."""
    _, username = operator_made_user(server)
    socket = await connect(server, **FRONTEND)

    assert await socket.call("login", {"username": username, "password": PASSWORD}) is None
    assert await socket.wait_for("logedin") == {"userData": {"username": username}}
    assert await socket.call("join", {"username": username, "room": "closed-door"}) is None
    user_id = (await socket.wait_for("welcome"))["userData"]["id"]
    assert await socket.call("sendMessage", {"userId": user_id, "message": "still here"}) is None
    assert await socket.wait_for("message") == {"user": username.lower(), "text": "still here"}
    [stored] = await server.messages("text = $1", "still here")
    assert stored["room"] == "closed-door"


async def test_without_the_registration_grant_both_answer_forbidden(
    server: ChatServer, connect: Connect, operator: str
) -> None:
    """The grant is checked before whether registration is open, on the socket as over REST."""
    headers = {"Authorization": f"Bearer {operator}"}
    async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=10) as http:
        roles = (await http.get("/api/users-permissions/roles")).json()["roles"]
        public = next(r["id"] for r in roles if r["type"] == "public")
        original = (await http.get(f"/api/users-permissions/roles/{public}")).json()["role"]["permissions"]
        assert "plugin::users-permissions.auth.register" in original
        without = {k: v for k, v in original.items() if k != "plugin::users-permissions.auth.register"}
        assert (await http.put(f"/api/users-permissions/roles/{public}", json={"permissions": without})).status_code == 200
        try:
            socket = await connect(server, **FRONTEND)
            assert await socket.call("register", {"username": unique("x"), "password": PASSWORD}) == "Forbidden"
            assert await rest_register(server, unique("rest")) == (403, "Forbidden")
        finally:
            restored = await http.put(f"/api/users-permissions/roles/{public}", json={"permissions": original})
            assert restored.status_code == 200
    socket = await connect(server, **FRONTEND)
    assert await socket.call("register", {"username": unique("x"), "password": PASSWORD}) == CLOSED


async def test_a_blocked_account_cannot_log_in_on_a_socket(
    server: ChatServer, connect: Connect, operator: str
) -> None:
    """Catches a socket login that skips the blocked check REST makes."""
    user_id, username = operator_made_user(server)
    blocked = await server.http("PUT", f"/api/users/{user_id}", operator, json={"blocked": True})
    assert blocked.status_code == 200, blocked.text
    socket = await connect(server, **FRONTEND)

    answer = await socket.call("login", {"username": username, "password": PASSWORD})

    assert answer == "Your account has been blocked by an administrator"
    rest = await server.http("POST", "/api/auth/local", json={"identifier": username, "password": PASSWORD})
    assert (rest.status_code, rest.json()["error"]["message"]) == (400, answer)
    await quiet(0.1)
    assert socket.received("logedin") == []


async def test_a_short_password_is_refused_before_the_registration_policy(server: ChatServer, connect: Connect) -> None:
    """Ayna's own rule (at least 6 characters) answers first, whatever the server's policy; 6
    characters pass it and reach the policy. Catches the limit off by one, or not checked."""
    socket = await connect(server, **FRONTEND)

    assert await socket.call("register", {"username": unique("short"), "password": "12345"}) == \
        "The password must be at least 6 characters."
    assert await socket.call("register", {"username": unique("short"), "password": "123456"}) == CLOSED
