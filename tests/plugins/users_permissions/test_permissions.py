"""Roles and grants: who may call what, and which entries a conditional grant reaches.

The rule: no credentials → the public role; an action the caller's role lacks
→ 403 ForbiddenError "Forbidden", with or without credentials, as Strapi answers
(401 only for bad credentials; see test_tokens.py).
A grant's condition (the REST filter language, with ``$user.*``) narrows
lists, turns findOne/update of other entries into 404 (a delete answers 204 and
removes nothing, as for an entry that does not exist), and must hold
for what a create or update writes (403 otherwise, nothing written).

The defaults (config/permissions.toml) for messages: authenticated users read
what they sent, received, or what was said in a room they are in
(``$user.rooms``: the realtime plugin's, from the rooms they joined with
``chat:join`` over a Socket.IO connection), and write only as themselves; the
public role reads nothing of it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import pytest

from tests.plugins.users_permissions.support import Account, Project, error

_names = itertools.count()

MODERATOR_GRANTS = {
    "api::message.message.find": {"enabled": True},
    "api::message.message.findOne": {"enabled": True},
    "api::message.message.delete": {"enabled": True},
    "plugin::users-permissions.user.find": {"enabled": True},
    "plugin::users-permissions.user.me": {"enabled": True},
}


def post_message(up: Project, headers: dict[str, str], **data: Any) -> str:
    created = up.http.post("/api/messages", headers=headers, json={"data": data})
    assert created.status_code == 201, created.text
    return str(created.json()["data"]["documentId"])


# -- the permission matrix -----------------------------------------------------------------


@dataclass
class Matrix:
    callers: dict[str, dict[str, str]]
    ids: dict[str, Any]


@pytest.fixture(scope="module")
def matrix(up: Project, admin: dict[str, str]) -> Matrix:
    ann = up.register("Ann")      # authenticated
    mo = up.register("Mo")        # custom role "moderator"
    role = up.http.post("/api/users-permissions/roles", headers=admin, json={
        "name": "Moderator", "description": "reads and removes messages", "permissions": MODERATOR_GRANTS})
    assert role.status_code == 200, role.text
    moderator = role.json()["role"]["id"]
    assert up.http.put(f"/api/users/{mo.id}", headers=admin, json={"role": moderator}).status_code == 200
    up.join(ann, "hall")
    [chat_user] = up.http.get(f"/api/chat-users?filters[user][id][$eq]={ann.id}", headers=admin).json()["data"]
    assert (chat_user["room"], chat_user["username"]) == ("hall", "Ann")
    return Matrix(
        callers={"public": {}, "authenticated": ann.auth, "moderator": mo.auth},
        ids={
            "ann": ann.id, "mo": mo.id,
            "ann_message": post_message(up, ann.auth, text="by Ann", room="hall", sender=ann.id),
            "ann_scrap": post_message(up, ann.auth, text="Ann's scrap", room="hall", sender=ann.id),
            "mo_scrap": post_message(up, admin, text="anyone's scrap", room="hall"),
            "chat_user": chat_user["documentId"],
        },
    )


def unique(body: dict[str, Any]) -> dict[str, Any]:
    """Bodies naming a new account get fresh names, so each row runs alone."""
    n = next(_names)
    return {k: (v.format(n=n) if isinstance(v, str) else v) for k, v in body.items()}


REGISTER = {"username": "new{n}", "email": "new{n}@example.com", "password": "correct horse"}
LOGIN_ANN = {"identifier": "Ann", "password": "correct horse"}
ANN_MESSAGE = {"data": {"text": "by Ann", "room": "hall", "sender": "{ann}"}}

#: (caller, method, url, body, expected status) — every action, allowed and denied, for each kind of role
MATRIX: list[tuple[str, str, str, Any, int]] = [
    # public: the auth routes only; everything else is forbidden (403, as Strapi answers)
    ("public", "POST", "/api/auth/local/register", REGISTER, 200),
    ("public", "POST", "/api/auth/local", LOGIN_ANN, 200),
    ("public", "POST", "/api/auth/forgot-password", {"email": "nobody@example.com"}, 200),
    ("public", "POST", "/api/auth/change-password", {}, 403),
    ("public", "GET", "/api/messages", None, 403),
    ("public", "GET", "/api/messages/{ann_message}", None, 403),
    ("public", "POST", "/api/messages", {"data": {"text": "anonymous"}}, 403),
    ("public", "PUT", "/api/messages/{ann_message}", {"data": {"text": "defaced"}}, 403),
    ("public", "DELETE", "/api/messages/{ann_message}", None, 403),
    ("public", "GET", "/api/chat-users", None, 403),
    ("public", "GET", "/api/users", None, 403),
    ("public", "GET", "/api/users/me", None, 403),
    ("public", "GET", "/api/users/{ann}", None, 403),
    ("public", "GET", "/api/users/count", None, 403),
    ("public", "PUT", "/api/users/{ann}", {"username": "hijacked"}, 403),
    ("public", "GET", "/api/users-permissions/roles", None, 403),
    # authenticated: itself, messages under conditions, chat users read-only
    ("authenticated", "GET", "/api/users/me", None, 200),
    ("authenticated", "PUT", "/api/users/{ann}", {"username": "Ann"}, 200),
    ("authenticated", "POST", "/api/auth/change-password",
     {"currentPassword": "wrong password", "password": "x" * 8, "passwordConfirmation": "x" * 8}, 400),
    ("authenticated", "GET", "/api/messages", None, 200),
    ("authenticated", "GET", "/api/messages/{ann_message}", None, 200),
    ("authenticated", "POST", "/api/messages", ANN_MESSAGE, 201),
    ("authenticated", "PUT", "/api/messages/{ann_message}", {"data": {"text": "edited by Ann"}}, 200),
    ("authenticated", "DELETE", "/api/messages/{ann_scrap}", None, 204),
    ("authenticated", "GET", "/api/chat-users", None, 200),
    ("authenticated", "GET", "/api/chat-users/{chat_user}", None, 200),
    ("authenticated", "POST", "/api/chat-users", {"data": {"username": "Ann", "room": "x"}}, 403),
    ("authenticated", "PUT", "/api/chat-users/{chat_user}", {"data": {"room": "x"}}, 403),
    ("authenticated", "DELETE", "/api/chat-users/{chat_user}", None, 403),
    ("authenticated", "GET", "/api/users", None, 403),
    ("authenticated", "GET", "/api/users/{mo}", None, 403),
    ("authenticated", "GET", "/api/users/count", None, 403),
    ("authenticated", "POST", "/api/users", REGISTER, 403),
    ("authenticated", "DELETE", "/api/users/{mo}", None, 403),
    ("authenticated", "POST", "/api/auth/local/register", REGISTER, 403),
    ("authenticated", "POST", "/api/auth/local", LOGIN_ANN, 403),  # as in Strapi: log in without a token
    ("authenticated", "GET", "/api/users-permissions/roles", None, 403),
    # a custom role: exactly its grants, without conditions
    ("moderator", "GET", "/api/messages", None, 200),
    ("moderator", "GET", "/api/messages/{ann_message}", None, 200),
    ("moderator", "DELETE", "/api/messages/{mo_scrap}", None, 204),
    ("moderator", "POST", "/api/messages", {"data": {"text": "by Mo"}}, 403),
    ("moderator", "PUT", "/api/messages/{ann_message}", {"data": {"text": "moderated"}}, 403),
    ("moderator", "GET", "/api/users", None, 200),
    ("moderator", "GET", "/api/users/me", None, 200),
    ("moderator", "GET", "/api/users/{ann}", None, 403),
    ("moderator", "PUT", "/api/users/{mo}", {"username": "Mo2"}, 403),
    ("moderator", "GET", "/api/chat-users", None, 403),
    ("moderator", "POST", "/api/auth/change-password", {}, 403),
    ("moderator", "GET", "/api/users-permissions/roles", None, 403),
]


def fill(value: Any, ids: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    if isinstance(value, str) and value.startswith("{") and value.endswith("}") and value[1:-1] in ids:
        return ids[value[1:-1]]
    return value


@pytest.mark.parametrize(("caller", "method", "url", "body", "expected"), MATRIX,
                         ids=[f"{c}-{m}-{u}" for c, m, u, _, _ in MATRIX])
def test_each_action_is_allowed_or_denied_by_the_callers_role(
    up: Project, matrix: Matrix, caller: str, method: str, url: str, body: Any, expected: int
) -> None:
    payload = fill(unique(body), matrix.ids) if body is not None else None
    answer = up.http.request(method, url.format(**matrix.ids), headers=matrix.callers[caller], json=payload)

    assert answer.status_code == expected, answer.text
    if expected == 403:
        assert error(answer) == (403, "ForbiddenError", "Forbidden")


# -- conditions ----------------------------------------------------------------------------


@dataclass
class Chat:
    alice: Account
    bob: Account
    dave: Account
    messages: dict[str, str]  # text → documentId


@pytest.fixture(scope="module")
def chat(up: Project, admin: dict[str, str]) -> Chat:
    alice, bob, dave = up.register("Alice"), up.register("Bob"), up.register("Dave")
    up.join(alice, "den")
    up.join(bob, "den", "attic")
    messages = {
        text: post_message(up, admin, text=text, **data)
        for text, data in {
            "alice in the lobby": {"room": "lobby", "sender": alice.id},
            "bob to alice": {"sender": bob.id, "recipient": alice.id},
            "bob to dave": {"sender": bob.id, "recipient": dave.id},
            "bob in the den": {"room": "den", "sender": bob.id},
            "bob in the attic": {"room": "attic", "sender": bob.id},
        }.items()
    }
    return Chat(alice, bob, dave, messages)


def texts(up: Project, user: Account, query: str = "") -> list[str]:
    answer = up.http.get(f"/api/messages?sort=id{query}", headers=user.auth)
    assert answer.status_code == 200, answer.text
    return [m["text"] for m in answer.json()["data"]]


def test_find_lists_only_what_the_user_sent_received_or_was_said_in_their_rooms(up: Project, chat: Chat) -> None:
    assert texts(up, chat.alice) == ["alice in the lobby", "bob to alice", "bob in the den"]
    assert texts(up, chat.dave) == ["bob to dave"]
    assert texts(up, chat.bob) == ["bob to alice", "bob to dave", "bob in the den", "bob in the attic"]

    # query filters narrow further, they never widen; the count is of what the user may see
    assert texts(up, chat.alice, "&filters[room][$eq]=attic") == []
    assert texts(up, chat.alice, "&filters[$or][0][room][$eq]=attic&filters[$or][1][room][$eq]=den") == ["bob in the den"]
    page = up.http.get("/api/messages?pagination[pageSize]=1", headers=chat.alice.auth).json()["meta"]["pagination"]
    assert page == {"page": 1, "pageSize": 1, "pageCount": 3, "total": 3}


def test_find_one_of_a_message_the_user_may_not_read_is_not_found(up: Project, chat: Chat) -> None:
    seen = {text: up.http.get(f"/api/messages/{doc}", headers=chat.alice.auth).status_code
            for text, doc in chat.messages.items()}

    assert seen == {
        "alice in the lobby": 200, "bob to alice": 200, "bob to dave": 404, "bob in the den": 200, "bob in the attic": 404,
    }


def test_the_rooms_of_a_user_are_read_at_each_request(up: Project, admin: dict[str, str]) -> None:
    """Catches ``$user.rooms`` answered from a stale cache: a join over the socket opens the room's
    messages at the next request, and a leave closes them again."""
    erin, frank = up.register("Erin"), up.register("Frank")
    post_message(up, admin, text="frank in the loft", room="loft", sender=frank.id)
    assert texts(up, erin) == []

    up.join(erin, "loft")
    assert texts(up, erin) == ["frank in the loft"]
    assert up.http.post("/api/messages", headers=erin.auth, json={"data": {
        "text": "erin in the loft", "room": "loft", "sender": erin.id}}).status_code == 201

    up.leave(erin, "loft")
    assert texts(up, erin) == ["erin in the loft"]  # what she sent stays hers; the room's are closed
    refused = up.http.post("/api/messages", headers=erin.auth, json={"data": {
        "text": "erin, gone", "room": "loft", "sender": erin.id}})
    assert error(refused) == (403, "ForbiddenError", "Forbidden")


def test_update_and_delete_reach_only_the_users_own_messages(up: Project, admin: dict[str, str], chat: Chat) -> None:
    alice, own, received = chat.alice, chat.messages["alice in the lobby"], chat.messages["bob to alice"]

    def text_of(document_id: str) -> str:
        return str(up.http.get(f"/api/messages/{document_id}", headers=admin).json()["data"]["text"])

    # readable but not hers: update is "not found", delete reads as deleting nothing; nothing changes
    assert error(up.http.put(f"/api/messages/{received}", headers=alice.auth, json={"data": {"text": "forged"}}))[0] == 404
    assert up.http.delete(f"/api/messages/{received}", headers=alice.auth).status_code == 204
    assert up.http.delete(f"/api/messages/{chat.messages['bob to dave']}", headers=alice.auth).status_code == 204
    assert up.http.get(f"/api/messages/{chat.messages['bob to dave']}", headers=admin).status_code == 200
    assert text_of(received) == "bob to alice"

    # her own: allowed, but not to hand it to someone else (the condition must hold afterwards)
    assert up.http.put(f"/api/messages/{own}", headers=alice.auth, json={"data": {"text": "alice, edited"}}).status_code == 200
    moved = up.http.put(f"/api/messages/{own}", headers=alice.auth, json={"data": {"text": "bob said it", "sender": chat.bob.id}})
    assert error(moved) == (403, "ForbiddenError", "Forbidden")
    assert text_of(own) == "alice, edited"

    scrap = post_message(up, alice.auth, text="to be removed", sender=alice.id, recipient=chat.bob.id)
    assert up.http.delete(f"/api/messages/{scrap}", headers=alice.auth).status_code == 204
    assert up.http.get(f"/api/messages/{scrap}", headers=admin).status_code == 404


def test_create_only_as_yourself(up: Project, admin: dict[str, str], chat: Chat) -> None:
    alice, bob = chat.alice, chat.bob

    def create(data: dict[str, Any]) -> int:
        return up.http.post("/api/messages", headers=alice.auth, json={"data": data}).status_code

    before = up.http.get("/api/messages", headers=admin).json()["meta"]["pagination"]["total"]
    assert create({"text": "as bob", "room": "den", "sender": bob.id}) == 403
    assert create({"text": "as nobody", "room": "den"}) == 403
    assert up.http.get("/api/messages", headers=admin).json()["meta"]["pagination"]["total"] == before  # nothing stored

    assert create({"text": "alice to bob", "sender": alice.id, "recipient": bob.id}) == 201
    assert "alice to bob" in texts(up, bob)  # the recipient reads it
    assert "alice to bob" not in texts(up, chat.dave)


# -- editing roles -------------------------------------------------------------------------


def role_id(up: Project, admin: dict[str, str], role_type: str) -> int:
    roles = up.http.get("/api/users-permissions/roles", headers=admin).json()["roles"]
    return next(int(r["id"]) for r in roles if r["type"] == role_type)


def test_roles_list_their_users_and_grants_with_conditions(up: Project, admin: dict[str, str]) -> None:
    roles = up.http.get("/api/users-permissions/roles", headers=admin).json()["roles"]
    assert [r["type"] for r in roles][:2] == ["public", "authenticated"]
    assert set(roles[0]) == {"id", "documentId", "name", "description", "type", "nb_users"}

    authenticated = up.http.get(f"/api/users-permissions/roles/{role_id(up, admin, 'authenticated')}", headers=admin).json()["role"]
    assert authenticated["permissions"]["plugin::users-permissions.user.me"] == {"enabled": True, "condition": None}
    assert authenticated["permissions"]["api::message.message.create"] == {"enabled": True, "condition": {"$and": [
        {"sender": {"id": {"$eq": "$user.id"}}},
        {"$or": [{"room": {"$in": "$user.rooms"}},
                 {"$and": [{"recipient": {"id": {"$notNull": True}}}, {"room": {"$null": True}}]}]}]}}
    assert "api::message.message.find" not in up.http.get(
        f"/api/users-permissions/roles/{role_id(up, admin, 'public')}", headers=admin).json()["role"]["permissions"]


def test_a_grant_edited_through_the_api_applies_at_once(up: Project, admin: dict[str, str]) -> None:
    public = f"/api/users-permissions/roles/{role_id(up, admin, 'public')}"
    original = up.http.get(public, headers=admin).json()["role"]["permissions"]
    post_message(up, admin, text="an announcement", room="news")
    try:
        granted = {**original, "api::message.message.find": {"enabled": True, "condition": {"room": {"$eq": "news"}}}}
        assert up.http.put(public, headers=admin, json={"permissions": granted}).status_code == 200
        answer = up.http.get("/api/messages")
        assert [m["text"] for m in answer.json()["data"]] == ["an announcement"]
        assert up.http.get("/api/messages/does-not-matter").status_code == 403  # findOne still not granted
    finally:
        assert up.http.put(public, headers=admin, json={"permissions": original}).status_code == 200
    assert up.http.get("/api/messages").status_code == 403


def test_a_condition_on_a_value_the_caller_does_not_have_matches_nothing(up: Project, admin: dict[str, str], chat: Chat) -> None:
    """Direct messages have no room; ``room = $user.username`` must not read as ``room IS NULL`` for the public."""
    public = f"/api/users-permissions/roles/{role_id(up, admin, 'public')}"
    original = up.http.get(public, headers=admin).json()["role"]["permissions"]
    try:
        granted = {**original, "api::message.message.find": {"condition": {"room": {"$eq": "$user.username"}}}}
        assert up.http.put(public, headers=admin, json={"permissions": granted}).status_code == 200
        answer = up.http.get("/api/messages")
        assert (answer.status_code, answer.json()["data"]) == (200, [])
    finally:
        up.http.put(public, headers=admin, json={"permissions": original})


@pytest.mark.parametrize(("permissions", "message"), [
    ({"api::nothing.nothing.find": {"enabled": True}}, "permissions: unknown action 'api::nothing.nothing.find'"),
    ({"api::message.message.find": {"condition": {"nosuch": {"$eq": 1}}}}, "Invalid key nosuch"),
    ({"api::message.message.find": {"condition": {"sender": {"password": {"$eq": "x"}}}}}, "Invalid key password"),
    ({"plugin::users-permissions.auth.register": {"condition": {"id": {"$eq": 1}}}}, "it cannot have a condition"),
])
def test_invalid_grants_are_refused_and_nothing_is_written(
    up: Project, admin: dict[str, str], permissions: dict[str, Any], message: str | None
) -> None:
    roles_before = up.http.get("/api/users-permissions/roles", headers=admin).json()["roles"]
    created = up.http.post("/api/users-permissions/roles", headers=admin, json={"name": "Broken", "permissions": permissions})
    status, name, text = error(created)
    assert (status, name) == (400, "ValidationError")
    if message is not None:
        assert message in text
    assert up.http.get("/api/users-permissions/roles", headers=admin).json()["roles"] == roles_before

    authenticated = f"/api/users-permissions/roles/{role_id(up, admin, 'authenticated')}"
    grants_before = up.http.get(authenticated, headers=admin).json()["role"]["permissions"]
    assert up.http.put(authenticated, headers=admin, json={"name": "Renamed", "permissions": permissions}).status_code == 400
    after = up.http.get(authenticated, headers=admin).json()["role"]
    assert (after["name"], after["permissions"]) == ("Authenticated", grants_before)


def test_deleting_a_role_moves_its_users_to_the_default_role(up: Project, admin: dict[str, str]) -> None:
    user = up.register("Trudy")
    created = up.http.post("/api/users-permissions/roles", headers=admin, json={
        "name": "Readers", "permissions": {"api::chat-user.chat-user.find": {"enabled": True}}})
    readers = created.json()["role"]["id"]
    up.http.put(f"/api/users/{user.id}", headers=admin, json={"role": readers})
    assert up.http.get("/api/users/me", headers=user.auth).status_code == 403  # "Readers" lacks user.me

    assert up.http.delete(f"/api/users-permissions/roles/{readers}", headers=admin).json() == {"ok": True}

    assert up.http.get("/api/users/me", headers=user.auth).status_code == 200  # authenticated again
    for built_in in ("public", "authenticated"):
        refused = up.http.delete(f"/api/users-permissions/roles/{role_id(up, admin, built_in)}", headers=admin)
        assert error(refused) == (400, "ApplicationError", f"The {built_in} role cannot be deleted")


def test_who_sent_a_message_shows_only_the_senders_public_attributes(up: Project, chat: Chat) -> None:
    """The Authenticated role has no ``user.find``: it sees the auth type's public attributes
    (``username``) through relations, and nothing else of a user. Catches a populate that shows
    emails, or filters/sorts through which an email could be guessed."""
    answer = up.http.get("/api/messages?sort=id&populate=sender", headers=chat.alice.auth)
    assert answer.status_code == 200, answer.text
    senders = {m["text"]: m["sender"] for m in answer.json()["data"]}
    bob = senders["bob to alice"]
    assert (bob["id"], bob["username"], sorted(bob)) == (chat.bob.id, "Bob", ["documentId", "id", "username"])
    star = up.http.get("/api/messages?sort=id&populate=*", headers=chat.alice.auth).json()["data"]
    assert {tuple(sorted(m["sender"])) for m in star} == {("documentId", "id", "username")}
    recipients = [m["recipient"] for m in star if m["recipient"] is not None]
    assert recipients and {tuple(sorted(r)) for r in recipients} == {("documentId", "id", "username")}

    for query in ("filters[sender][email][$startsWith]=b", "sort=sender.email", "populate[sender][fields]=email",
                  "populate[sender][populate]=role", "filters[sender][username][$eq]=Bob&filters[sender][confirmed]=true"):
        refused = up.http.get(f"/api/messages?{query}", headers=chat.alice.auth)
        assert error(refused)[:2] == (400, "ValidationError"), (query, refused.text)
    # the public attribute itself filters and sorts
    by_bob = up.http.get("/api/messages?sort=id&filters[sender][username][$eq]=Bob", headers=chat.alice.auth)
    assert [m["text"] for m in by_bob.json()["data"]] == ["bob to alice", "bob in the den"]
    # the users list itself stays closed to the role
    assert up.http.get("/api/users", headers=chat.alice.auth).status_code == 403


def test_without_credentials_it_is_401_only_when_the_public_role_has_no_grant(up: Project, admin: dict[str, str]) -> None:
    """Strapi: a Public role with some grants answers 403 for the others; one with none, 401."""
    public = f"/api/users-permissions/roles/{role_id(up, admin, 'public')}"
    original = up.http.get(public, headers=admin).json()["role"]["permissions"]
    assert original  # the auth routes: so the 403 of the matrix above
    try:
        assert up.http.put(public, headers=admin, json={"permissions": {}}).status_code == 200
        assert error(up.http.get("/api/messages")) == (401, "UnauthorizedError", "Missing or invalid credentials")
    finally:
        assert up.http.put(public, headers=admin, json={"permissions": original}).status_code == 200
    assert error(up.http.get("/api/messages")) == (403, "ForbiddenError", "Forbidden")
