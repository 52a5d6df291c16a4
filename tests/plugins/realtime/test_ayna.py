"""The Ayna frontend's protocol, exactly as its React client speaks it.

See /work/shared/reference/ayna-protocol.md: ``register`` → ``registered``,
``login`` → ``logedin`` (per socket), ``join`` → ``welcome`` to that socket
only, ``sendMessage`` → the stored message echoed as ``message {user, text}``
to the sending socket only. Acks: a human-readable string on error, nothing
on success. The clients here connect like the frontend: no auth, polling
first then the upgrade to WebSocket.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.plugins.realtime.conftest import (
    NOTHING, PASSWORD, ChatServer, Client, Connect, chat_server, quiet, unique,
)

FRONTEND = {"transports": ["polling", "websocket"]}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatServer]:
    # a socket's auth budget (register/login, 5 at once by default) would answer most of the malformed
    # payloads below "You are sending too fast." before their handler sees them
    with chat_server(tmp_path_factory, "auth_burst = 1000", name="ayna") as running:
        yield running


async def frontend(server: ChatServer, connect: Connect) -> Client:
    """A socket as the Ayna frontend opens it: ``io(ENDPOINT)``, no options."""
    return await connect(server, **FRONTEND)


async def logged_in(server: ChatServer, connect: Connect, username: str | None = None) -> tuple[Client, str]:
    socket = await frontend(server, connect)
    username = username or unique("ayna")
    assert await socket.call("register", {"username": username, "password": PASSWORD}) is None
    assert await socket.call("login", {"username": username, "password": PASSWORD}) is None
    return socket, username


async def joined(server: ChatServer, connect: Connect, room: str) -> tuple[Client, dict[str, Any]]:
    socket, username = await logged_in(server, connect)
    assert await socket.call("join", {"username": username, "room": room}) is None
    return socket, (await socket.wait_for("welcome"))["userData"]


async def test_register_login_join_and_send_as_the_frontend_does(server: ChatServer, connect: Connect) -> None:
    socket = await frontend(server, connect)
    username, room = unique("Ana"), "1"

    assert await socket.call("register", {"username": username, "password": PASSWORD}) is None  # empty ack
    await socket.wait_for("registered")
    assert await socket.call("login", {"username": username, "password": PASSWORD}) is None
    await socket.wait_for("logedin")  # sic
    assert await socket.call("join", {"username": username, "room": room}) is None
    welcome = await socket.wait_for("welcome")
    assert welcome["user"] == "bot" and username in welcome["text"]  # drawn as the first chat bubble
    user_data = welcome["userData"]
    assert user_data["username"] == username and user_data["room"] == room and user_data["id"] is not None

    assert await socket.call("sendMessage", {"userId": user_data["id"], "message": "hello, room 1"}) is None
    # "mine" iff user === userData.username.trim().toLowerCase()
    assert await socket.wait_for("message") == {"user": username.lower(), "text": "hello, room 1"}
    [stored] = await server.messages("text = $1", "hello, room 1")
    assert stored["room"] == room and stored["sender_id"] is not None and stored["recipient_id"] is None

    # each success event came once, to this socket; the only other event is the native protocol's
    # delivery of the same stored message to the room (one pipeline; the frontend ignores it)
    assert {event: len(payloads) for event, payloads in socket.events.items()} == \
        {"registered": 1, "logedin": 1, "welcome": 1, "message": 1, "chat:message": 1}
    [delivered] = socket.received("chat:message")
    assert (delivered["id"], delivered["text"], delivered["room"]) == (stored["id"], "hello, room 1", room)
    assert delivered["sender"]["username"] == username and delivered["recipient"] is None


async def test_welcome_and_the_echo_go_to_the_requesting_socket_only(server: ChatServer, connect: Connect) -> None:
    """Catches a welcome or an echo sent to the whole room: after the quiet wait, the first socket's own
    echo reaches it, so a stray one sent earlier would have arrived before it."""
    room = unique("room")
    first, first_data = await joined(server, connect, room)
    second, second_data = await joined(server, connect, room)
    assert first_data["id"] != second_data["id"]

    assert await second.call("sendMessage", {"userId": second_data["id"], "message": "only I see this"}) is None
    await second.wait_for("message")
    await quiet()
    # a stray welcome would make the first page adopt the newcomer's identity (see the protocol notes)
    assert len(first.received("welcome")) == 1 and first.received("message") == []
    assert len(second.received("welcome")) == 1 and len(second.received("message")) == 1
    # positive control: the first socket's own echo does arrive, and it is the only one it got
    assert await first.call("sendMessage", {"userId": first_data["id"], "message": "mine"}) is None
    await first.wait_for("message")
    assert first.received("message") == [{"user": first_data["username"].lower(), "text": "mine"}]
    assert first.received("welcome") == [{"user": "bot", "text": f"{first_data['username']}, Welcome to room {room}.",
                                          "userData": first_data}]
    assert second.received("message") == [{"user": second_data["username"].lower(), "text": "only I see this"}]


async def test_errors_are_acknowledged_with_a_string_for_window_alert(server: ChatServer, connect: Connect) -> None:
    """Catches a refused register/login/join/sendMessage that still announces a success event (checked
    after a success on the same sockets, which proves they receive)."""
    socket, username = await logged_in(server, connect)
    taken = await (await frontend(server, connect)).call("register", {"username": username, "password": PASSWORD})
    assert taken == "This username is already taken."
    stranger = await frontend(server, connect)
    assert await stranger.call("login", {"username": username, "password": "wrong-password"}) == \
        "Invalid identifier or password"
    assert await stranger.call("login", {"username": unique("nobody"), "password": PASSWORD}) == \
        "Invalid identifier or password"
    # join needs a login on this socket, as that username
    assert await stranger.call("join", {"username": username, "room": "1"}) == \
        f"Please log in as {username} before joining a room."
    other = unique("other")
    assert await socket.call("join", {"username": other, "room": "1"}) == f"Please log in as {other} before joining a room."
    # sending before join
    assert await socket.call("sendMessage", {"userId": 1, "message": "too early"}) == "Please log in and join a room again."
    await quiet(0.1)
    for client in (socket, stranger):
        assert client.received("welcome") == [] and client.received("message") == []
    assert stranger.received("logedin") == []
    # positive controls: what succeeds is announced on these sockets (after anything sent for the refusals)
    assert await socket.call("join", {"username": username, "room": "1"}) is None
    user_id = (await socket.wait_for("welcome"))["userData"]["id"]
    assert await socket.call("sendMessage", {"userId": user_id, "message": "in time"}) is None
    await socket.wait_for("message")
    assert len(socket.received("welcome")) == 1
    assert socket.received("message") == [{"user": username.lower(), "text": "in time"}]
    assert await stranger.call("login", {"username": username, "password": PASSWORD}) is None
    assert await stranger.wait_for("logedin") == {"userData": {"username": username}}
    assert len(stranger.received("logedin")) == 1
    assert stranger.received("welcome") == [] and stranger.received("message") == []


async def test_sending_with_another_users_id_is_refused(server: ChatServer, connect: Connect) -> None:
    room = unique("room")
    mallory, mallory_data = await joined(server, connect, room)
    victim, victim_data = await joined(server, connect, room)
    for user_id in (victim_data["id"], str(victim_data["id"]), 0, -1, 10**12, None, True, 1.0 * victim_data["id"],
                    [mallory_data["id"]], {"$ne": 1}, {"$gt": 0}, {"id": mallory_data["id"]}, ""):
        answer = await mallory.call("sendMessage", {"userId": user_id, "message": "spoofed"})
        assert answer == "Please log in and join a room again.", user_id
    assert await server.messages("text = $1", "spoofed") == []
    # the userId echoed back may come as a string: it is the same user
    assert await mallory.call("sendMessage", {"userId": str(mallory_data["id"]), "message": "as a string"}) is None
    await mallory.wait_for("message", lambda m: m["text"] == "as a string")


#: the order in which each event checks its fields
CHECKED = {"register": ("username", "password"), "login": ("username", "password"), "join": ("username", "room")}


def malformed_answer(event: str, payload: Any) -> str:
    """The alert text the server gives for a malformed ``payload`` of ``event`` (plugins/realtime/ayna.py)."""
    data = payload if isinstance(payload, dict) else None
    if event == "sendMessage":
        if data is None:
            return "Invalid message."
        if not isinstance(data.get("message"), str) or not data["message"].strip():
            return "Please type a message."
        if len(data["message"]) > 2000:
            return "Messages are limited to 2000 characters."
        return "Please log in and join a room again."  # no (valid) userId
    for key in CHECKED[event]:
        value = data.get(key) if data is not None else None
        if not isinstance(value, str) or not value.strip():
            return f"Please enter a {key}."
        if len(value) > 64:
            return f"The {key} is too long."
    raise AssertionError(f"{event} {payload!r} is well-formed")


@pytest.mark.parametrize("event", ["register", "login", "join", "sendMessage"])
async def test_malformed_payloads_get_an_error_string(server: ChatServer, connect: Connect, event: str) -> None:
    """Catches a malformed payload answered with another text than the one naming what is wrong (or
    refused for another reason, such as the auth rate limit, which this module's server sets high)."""
    socket, username = await logged_in(server, connect)
    assert await socket.call("join", {"username": username, "room": "malformed"}) is None
    user_id = (await socket.wait_for("welcome"))["userData"]["id"]
    field = {"register": "username", "login": "username", "join": "room", "sendMessage": "message"}[event]
    valid = {"register": {"username": unique("m"), "password": PASSWORD},
             "login": {"username": username, "password": PASSWORD},
             "join": {"username": username, "room": "malformed"},
             "sendMessage": {"userId": user_id, "message": "fine"}}[event]
    payloads: list[Any] = [NOTHING, None, "text", 42, True, [], ["username", "password"], {}]
    payloads += [{**valid, field: value} for value in (None, "", "   ", 7, False, [], {"$ne": 1}, {"$gt": ""}, ["a"])]
    payloads += [{k: v for k, v in valid.items() if k != key} for key in valid]
    for payload in payloads:
        answer = await socket.call(event, payload)
        assert answer == malformed_answer(event, None if payload is NOTHING else payload), (event, payload, answer)
    # oversized strings
    too_long = {"register": {**valid, "username": "x" * 65}, "login": {**valid, "password": "x" * 65},
                "join": {**valid, "room": "r" * 65}, "sendMessage": {**valid, "message": "m" * 2001}}[event]
    assert await socket.call(event, too_long) == malformed_answer(event, too_long)
    # nothing was stored or announced for any of them, and the socket still works
    assert await server.messages("text IN ($1, $2)", "m" * 2001, "fine") == []
    assert len(socket.received("welcome")) == 1 and socket.received("message") == []
    assert await socket.call("sendMessage", {"userId": user_id, "message": "still fine"}) is None
    await socket.wait_for("message", lambda m: m["text"] == "still fine")
    assert socket.received("message") == [{"user": username.lower(), "text": "still fine"}]


async def test_a_missing_ack_callback_does_no_harm(server: ChatServer, connect: Connect) -> None:
    socket = await frontend(server, connect)
    username = unique("noack")
    await socket.emit("register", {"username": username, "password": PASSWORD})
    await socket.wait_for("registered")
    await socket.emit("login", {"username": username, "password": PASSWORD})
    await socket.wait_for("logedin")
    await socket.emit("join", {"username": username, "room": "noack"})
    user_id = (await socket.wait_for("welcome"))["userData"]["id"]
    await socket.emit("sendMessage", {"userId": user_id, "message": "no callback"})
    await socket.wait_for("message", lambda m: m["text"] == "no callback")
    for payload in (NOTHING, None, {"userId": {"$ne": 1}}, {"userId": user_id, "message": ""}):
        await socket.emit("sendMessage", payload)
        await socket.emit("join", payload)
    # the server still answers this socket
    assert await socket.call("sendMessage", {"userId": user_id, "message": "answered"}) is None
    await socket.wait_for("message", lambda m: m["text"] == "answered")


async def test_the_same_user_can_rejoin_the_same_room_after_a_reload(server: ChatServer, connect: Connect) -> None:
    room = unique("room")
    socket, username = await logged_in(server, connect)
    assert await socket.call("join", {"username": username, "room": room}) is None
    old_id = (await socket.wait_for("welcome"))["userData"]["id"]
    await socket.close()

    # a full page load: new socket, not logged in (login is per socket)
    reloaded = await frontend(server, connect)
    assert await reloaded.call("sendMessage", {"userId": old_id, "message": "old session"}) == \
        "Please log in and join a room again."
    assert await reloaded.call("join", {"username": username, "room": room}) == \
        f"Please log in as {username} before joining a room."
    assert await reloaded.call("login", {"username": username, "password": PASSWORD}) is None
    assert await reloaded.call("join", {"username": username, "room": room}) is None  # not "already in the room"
    welcome = await reloaded.wait_for("welcome")
    assert welcome["userData"]["room"] == room
    assert await reloaded.call("sendMessage", {"userId": welcome["userData"]["id"], "message": "back again"}) is None
    assert await reloaded.wait_for("message") == {"user": username.lower(), "text": "back again"}


async def test_logging_in_as_someone_else_drops_the_previous_users_rooms(server: ChatServer, connect: Connect) -> None:
    room = unique("room")
    socket, first_data = await joined(server, connect, room)
    other = unique("second")
    assert await socket.call("register", {"username": other, "password": PASSWORD}) is None
    assert await socket.call("login", {"username": other, "password": PASSWORD}) is None
    # the first user's join does not let the second one speak in that room
    assert await socket.call("sendMessage", {"userId": first_data["id"], "message": "borrowed"}) == \
        "Please log in and join a room again."
    assert await server.messages("text = $1", "borrowed") == []


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatServer]:
    with chat_server(tmp_path_factory, name="ayna-limited",
                     users_permissions='rate_limit_max = 3\nrate_limit_interval = "60s"') as running:
        yield running


async def test_socket_logins_are_rate_limited_like_the_login_route(limited: ChatServer, connect: Connect) -> None:
    """Catches wrong passwords answered with another text, or a limit that is not the login route's."""
    socket = await frontend(limited, connect)
    username = unique("Guesser")
    assert await socket.call("register", {"username": username, "password": PASSWORD}) is None
    guesses = [await socket.call("login", {"username": username, "password": f"wrong-{n}"}) for n in range(3)]
    assert guesses == ["Invalid identifier or password"] * 3
    assert await socket.call("login", {"username": username, "password": PASSWORD}) == \
        "Too many requests, please try again later."
