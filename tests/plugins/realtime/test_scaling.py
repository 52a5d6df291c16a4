"""Past one process: two servers of one project, relayed by Redis, on one PostgreSQL database.

With ``realtime.redis_url`` set, python-socketio's Redis manager relays
emits between processes and the plugin keeps who is connected where (and
who subscribed to what) in Redis: messages, presence, revocation and content
events work whichever process each client is connected to.

Needs PostgreSQL (``CMS_TEST_DATABASE_URL``) and Redis on 127.0.0.1:6379.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from tests.conftest import database_environment
from tests.helpers import database
from tests.helpers.project import Server, make_project
from tests.helpers.services import missing_service
from tests.plugins.realtime.conftest import SECRETS_ENV, ChatServer, Connect, quiet, unique

REDIS_DB = 5
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not database.using_postgres(), reason="two processes share a database: needs "
                       "PostgreSQL (CMS_TEST_DATABASE_URL=postgres://...)"),
]


def flush_redis() -> None:
    import redis

    try:
        redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB, socket_connect_timeout=2).flushdb()
    except redis.exceptions.ConnectionError as exc:
        missing_service(f"Redis is not reachable at 127.0.0.1:6379: {exc}")


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ChatServer, ChatServer]]:
    flush_redis()
    root = make_project(tmp_path_factory.mktemp("scaling"), plugins_toml=f'[realtime]\nredis_url = "{REDIS_URL}"\n')
    with database_environment() as env:
        first = Server(root, "develop", {**env, **SECRETS_ENV})  # migrates the shared database
        second = None
        try:
            first.wait_ready()
            second = Server(root, "start", {**env, **SECRETS_ENV}).wait_ready()  # production, same project
            yield ChatServer(first, env), ChatServer(second, env)
        finally:
            for server in (second, first):
                if server is not None:
                    server.stop()
    flush_redis()


async def test_a_message_sent_through_one_process_reaches_clients_of_the_other(
        servers: tuple[ChatServer, ChatServer], connect: Connect) -> None:
    one, two = servers
    room = unique("room")
    alice, bob, carol = await one.users(3)
    sender = await connect(one, alice.jwt)
    receiver = await connect(two, bob.jwt)
    outsider = await connect(two, carol.jwt)
    for socket in (sender, receiver):
        await socket.ok("chat:join", {"room": room})
    await outsider.ok("content:subscribe", {"type": "message"})
    await receiver.ok("content:subscribe", {"type": "message"})

    sent = await sender.ok("chat:send", {"room": room, "text": "across processes"})
    assert await receiver.wait_for("chat:message") == sent
    assert (await receiver.wait_for("message:create"))["id"] == sent["id"]  # content events too
    direct = await receiver.ok("chat:send", {"to": alice.id, "text": "and back, directly"})
    assert await sender.wait_for("chat:message", lambda m: m["id"] == direct["id"]) == direct
    typing = await sender.ok("chat:typing", {"room": room})
    assert typing == {} and (await receiver.wait_for("chat:typing"))["user"]["id"] == alice.id
    await quiet()
    assert outsider.received("chat:message") == [] and outsider.received("message:create") == []


async def test_a_user_on_both_processes_goes_offline_only_when_both_sockets_are_gone(
        servers: tuple[ChatServer, ChatServer], connect: Connect) -> None:
    one, two = servers
    room = unique("room")
    user, watcher = await one.users(2)
    on_one = await connect(one, user.jwt)
    await on_one.ok("chat:join", {"room": room})
    on_two = await connect(two, user.jwt)
    observer = await connect(one, watcher.jwt)
    await observer.ok("chat:join", {"room": room})

    await on_two.close()
    await quiet(0.5)
    assert observer.received("presence") == []
    await on_two.sio.connect(two.url, auth={"token": user.jwt}, transports=["websocket"])  # back on process two
    await on_one.close()
    await quiet(0.5)
    assert observer.received("presence") == []
    response = await one.http("GET", "/api/chat-users", watcher.jwt,
                              params={"filters[username][$eq]": user.username, "filters[room][$eq]": room})
    assert [row["status"] for row in response.json()["data"]] == ["online"]

    await on_two.close()
    offline = await observer.wait_for("presence")
    assert offline["status"] == "offline" and offline["user"]["id"] == user.id and offline["lastSeenAt"]


async def test_blocking_a_user_disconnects_its_sockets_on_every_process(
        servers: tuple[ChatServer, ChatServer], connect: Connect) -> None:
    one, two = servers
    admin = await one.api_token("full-access")
    user = await one.register()
    on_one, on_two = await connect(one, user.jwt), await connect(two, user.jwt)

    response = await one.http("PUT", f"/api/users/{user.id}", admin, json={"blocked": True})
    assert response.status_code == 200, response.text
    await asyncio.wait_for(asyncio.gather(on_one.disconnected.wait(), on_two.disconnected.wait()), 5)


async def test_stopping_a_process_marks_its_users_offline(servers: tuple[ChatServer, ChatServer], connect: Connect) -> None:
    """Runs last: it stops the second process.
    Catches a process that is killed or crashes on SIGINT instead of running its shutdown to the end."""
    one, two = servers
    room = unique("room")
    leaving, staying = await one.users(2)
    socket = await connect(two, leaving.jwt)
    await socket.ok("chat:join", {"room": room})
    observer = await connect(one, staying.jwt)
    await observer.ok("chat:join", {"room": room})

    # SIGINT, as a deploy would: uvicorn shuts down, then `cms` answers the interrupt with 130 (killed
    # after a hung shutdown would be -9, a crash 1)
    assert await asyncio.to_thread(two.server.stop) == 130
    log = two.server.log_path.read_text()
    assert "Application shutdown complete." in log and "Traceback" not in log, log[-2000:]
    offline = await observer.wait_for("presence", lambda p: p["user"]["id"] == leaving.id, timeout=10)
    assert offline["status"] == "offline" and offline["lastSeenAt"]
    response = await one.http("GET", "/api/chat-users", staying.jwt,
                              params={"filters[username][$eq]": leaving.username, "filters[room][$eq]": room})
    [row] = response.json()["data"]
    assert row["status"] == "offline" and row["lastSeenAt"] == offline["lastSeenAt"]
    # the process that stays keeps serving
    assert (await observer.ok("chat:send", {"room": room, "text": "still here"}))["text"] == "still here"
