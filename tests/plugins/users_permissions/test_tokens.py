"""Credentials: JWTs of registered users and API tokens, both sent as ``Authorization: Bearer <token>``.

A JWT is Strapi's ``{id, iat, exp}`` signed HS256 with the project's generated
secret; anything else (tampered, expired, unsigned ``alg: none``, another
algorithm or secret) is a 401. API tokens are read-only, full-access or
custom; only HMAC-SHA512(salt, token) is stored, with an optional expiry and
the time of last use.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import time
from typing import Any

import jwt
import pytest

from tests.helpers.project import run_cms
from tests.plugins.users_permissions.support import Account, Project, bearer, error


@pytest.fixture(scope="module")
def ada(up: Project) -> Account:
    return up.register("Ada")


@pytest.fixture(scope="module")
def bob(up: Project) -> Account:
    return up.register("Bob")


def segment(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def me(up: Project, token: str) -> tuple[int, str, str] | int:
    answer = up.http.get("/api/users/me", headers=bearer(token))
    return answer.status_code if answer.status_code == 200 else error(answer)


# -- JWTs ----------------------------------------------------------------------------------


def test_a_jwt_carries_only_the_user_id_and_lasts_30_days_by_default(up: Project, ada: Account) -> None:
    header = jwt.get_unverified_header(ada.jwt)
    payload = jwt.decode(ada.jwt, up.secrets()["jwt_secret"], algorithms=["HS256"])

    assert header["alg"] == "HS256"
    assert set(payload) == {"id", "iat", "exp"}
    assert payload["id"] == ada.id
    assert payload["exp"] - payload["iat"] == pytest.approx(30 * 86400, abs=1)
    assert me(up, ada.jwt) == 200


def forged(up: Project, ada: Account, bob: Account) -> dict[str, str]:
    """Tokens a client might send that must all be refused."""
    secret = up.secrets()["jwt_secret"]
    now = int(time.time())
    head, body, signature = ada.jwt.split(".")
    claims = {"id": ada.id, "iat": now, "exp": now + 3600}
    return {
        "payload changed to another user": f"{head}.{segment({**claims, 'id': bob.id})}.{signature}",
        "signature changed": f"{head}.{body}.{signature[:-4]}AAAA",
        "signed with another secret": jwt.encode(claims, "another project's secret, long enough for HS256", algorithm="HS256"),
        "expired": jwt.encode({**claims, "iat": now - 7200, "exp": now - 3600}, secret, algorithm="HS256"),
        "alg none (unsigned)": f"{segment({'alg': 'none', 'typ': 'JWT'})}.{segment(claims)}.",
        "alg none with the original signature": f"{segment({'alg': 'none', 'typ': 'JWT'})}.{segment(claims)}.{signature}",
        "HS512 with the right secret": jwt.encode(claims, secret, algorithm="HS512"),
        "no expiry": jwt.encode({"id": ada.id, "iat": now}, secret, algorithm="HS256"),
        "no issue time": jwt.encode({"id": ada.id, "exp": now + 3600}, secret, algorithm="HS256"),
        "id as a string": jwt.encode({**claims, "id": str(ada.id)}, secret, algorithm="HS256"),
        "no id": jwt.encode({"iat": now, "exp": now + 3600}, secret, algorithm="HS256"),
        "not a token": "a.b.c",
    }


@pytest.mark.parametrize("case", [
    "payload changed to another user", "signature changed", "signed with another secret", "expired",
    "alg none (unsigned)", "alg none with the original signature", "HS512 with the right secret",
    "no expiry", "no issue time", "id as a string", "no id", "not a token",
])
def test_a_tampered_expired_or_wrongly_signed_jwt_is_refused(up: Project, ada: Account, bob: Account, case: str) -> None:
    token = forged(up, ada, bob)[case]
    expected = "Token expired" if case == "expired" else "Missing or invalid credentials"

    assert me(up, token) == (401, "UnauthorizedError", expected)
    # refused on public routes too: a bad credential is never downgraded to "public"
    on_login = up.http.post("/api/auth/local", headers=bearer(token), json={"identifier": "Ada", "password": ada.password})
    assert error(on_login) == (401, "UnauthorizedError", expected)


def test_a_jwt_signed_with_the_project_secret_is_accepted(up: Project, ada: Account) -> None:
    """The control for the table above: the same forging code, done right, works."""
    now = int(time.time())
    token = jwt.encode({"id": ada.id, "iat": now, "exp": now + 60}, up.secrets()["jwt_secret"], algorithm="HS256")
    assert me(up, token) == 200


def test_a_jwt_accepted_once_is_still_refused_when_it_expires(up: Project, ada: Account) -> None:
    """Catches the server's cache of verified JWTs answering for a token past its ``exp``."""
    now = int(time.time())
    token = jwt.encode({"id": ada.id, "iat": now, "exp": now + 2}, up.secrets()["jwt_secret"], algorithm="HS256")
    assert me(up, token) == 200
    assert me(up, token) == 200  # the second one from the cache
    time.sleep(max(0.0, now + 2.05 - time.time()))
    assert me(up, token) == (401, "UnauthorizedError", "Token expired")


@pytest.mark.parametrize("header", [
    "Basic YWRhOnNlY3JldA==", "Bearer", "Token abc", "bearer",
])
def test_a_malformed_authorization_header_is_a_401(up: Project, header: str) -> None:
    answer = up.http.get("/api/users/me", headers={"Authorization": header})
    assert error(answer) == (401, "UnauthorizedError", "Missing or invalid credentials")


# -- API tokens ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def message(up: Project, admin: dict[str, str], ada: Account) -> str:
    created = up.http.post("/api/messages", headers=admin, json={"data": {"text": "hello", "room": "lobby", "sender": ada.id}})
    assert created.status_code == 201
    return str(created.json()["data"]["documentId"])


def access(up: Project, token: str, message: str, ada: Account) -> dict[str, int]:
    """What ``token`` may do: the status of one request per action."""
    auth = bearer(token)
    http = up.http
    return {
        "message.find": http.get("/api/messages", headers=auth).status_code,
        "message.findOne": http.get(f"/api/messages/{message}", headers=auth).status_code,
        "message.find populating sender": http.get("/api/messages?populate=sender", headers=auth).status_code,
        "message.create": http.post("/api/messages", headers=auth, json={"data": {"text": "by token", "room": "lobby"}}).status_code,
        "message.update": http.put(f"/api/messages/{message}", headers=auth, json={"data": {"text": "edited"}}).status_code,
        "chat-user.find": http.get("/api/chat-users", headers=auth).status_code,
        "user.find": http.get("/api/users", headers=auth).status_code,
        "user.findOne": http.get(f"/api/users/{ada.id}", headers=auth).status_code,
        "user.count": http.get("/api/users/count", headers=auth).status_code,
        "user.me": http.get("/api/users/me", headers=auth).status_code,
        "role.find": http.get("/api/users-permissions/roles", headers=auth).status_code,
    }


def test_a_read_only_token_may_find_and_find_one_everything_and_nothing_else(
    up: Project, message: str, ada: Account
) -> None:
    assert access(up, up.api_token("read-only"), message, ada) == {
        "message.find": 200, "message.findOne": 200, "message.find populating sender": 200,
        "message.create": 403, "message.update": 403,
        "chat-user.find": 200, "user.find": 200, "user.findOne": 200,
        "user.count": 403, "user.me": 403, "role.find": 200,
    }


def test_a_full_access_token_may_do_everything_but_it_is_nobody(up: Project, message: str, ada: Account) -> None:
    token = up.api_token("full-access")
    assert access(up, token, message, ada) == {
        "message.find": 200, "message.findOne": 200, "message.find populating sender": 200,
        "message.create": 201, "message.update": 200,
        "chat-user.find": 200, "user.find": 200, "user.findOne": 200,
        "user.count": 200, "user.me": 401, "role.find": 200,
    }
    # conditions of roles do not apply to tokens: it writes messages of any sender
    as_ada = up.http.post("/api/messages?populate=sender", headers=bearer(token),
                          json={"data": {"text": "on behalf", "sender": ada.id}})
    assert (as_ada.status_code, as_ada.json()["data"]["sender"]["id"]) == (201, ada.id)
    change = up.http.post("/api/auth/change-password", headers=bearer(token), json={
        "currentPassword": "x" * 8, "password": "y" * 8, "passwordConfirmation": "y" * 8})
    assert error(change) == (400, "ApplicationError", "You must be authenticated to reset your password")


def test_a_custom_token_may_do_exactly_its_listed_actions(up: Project, message: str, ada: Account) -> None:
    token = up.api_token("custom", ["api::message.message.find", "api::message.message.create", "plugin::users-permissions.user.count"])
    assert access(up, token, message, ada) == {
        "message.find": 200, "message.findOne": 403,
        "message.find populating sender": 400,  # populating a type it may not find: Invalid key sender
        "message.create": 201, "message.update": 403,
        "chat-user.find": 403, "user.find": 403, "user.findOne": 403,
        "user.count": 200, "user.me": 403, "role.find": 403,
    }


def api_token_row(up: Project, token: str) -> tuple[Any, ...]:
    """The row of ``token``, found by recomputing HMAC-SHA512(generated salt, token) here."""
    salt = up.secrets()["api_token_salt"]
    digest = hmac.new(salt.encode(), token.encode(), hashlib.sha512).hexdigest()
    rows = up.sql("SELECT access_key, type, last_used_at FROM up_api_tokens WHERE access_key = ?", digest)
    assert len(rows) == 1, "the token's HMAC is not what is stored"
    return rows[0]


def test_only_an_hmac_of_the_token_is_stored_and_the_stored_value_is_no_credential(up: Project) -> None:
    token = up.api_token("read-only")
    assert len(token) == 256  # 128 random bytes, hex
    access_key, kind, _ = api_token_row(up, token)
    assert kind == "read-only"
    assert access_key != token
    assert up.sql("SELECT count(*) FROM up_api_tokens WHERE access_key = ? OR name = ?", token, token) == [(0,)]

    assert up.http.get("/api/messages", headers=bearer(token)).status_code == 200
    leaked = up.http.get("/api/messages", headers=bearer(access_key))
    assert error(leaked) == (401, "UnauthorizedError", "Missing or invalid credentials")
    assert error(up.http.get("/api/messages", headers=bearer("f" * 256))) == (
        401, "UnauthorizedError", "Missing or invalid credentials")


def test_the_cli_shows_a_new_token_once_and_stores_only_its_hmac(up: Project) -> None:
    created = run_cms(up.root, "api-token", "create", "--name", "deploy script", "--type", "read-only", "--days", "7",
                      env=up.env)
    assert created.returncode == 0, created.stderr
    token = created.stdout.splitlines()[-1]
    assert created.stdout.count(token) == 1

    access_key, kind, _ = api_token_row(up, token)
    assert (kind, access_key != token) == ("read-only", True)
    expires = up.sql("SELECT expires_at FROM up_api_tokens WHERE name = ?", "deploy script")[0][0]
    expires = expires if isinstance(expires, dt.datetime) else dt.datetime.fromisoformat(expires)
    assert abs(expires - dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=7)) < dt.timedelta(minutes=1)
    assert up.http.get("/api/messages", headers=bearer(token)).status_code == 200


@pytest.mark.parametrize("days", ["0", "-3"])
def test_the_cli_refuses_a_lifetime_that_is_no_lifetime(up: Project, days: str) -> None:
    """``--days 0`` created a token that never expired; leaving it out is how to ask for that."""
    refused = run_cms(up.root, "api-token", "create", "--name", f"zero {days}", "--type", "read-only", "--days", days,
                      env=up.env)
    assert refused.returncode == 1 and "--days must be at least 1" in refused.stderr
    assert up.sql("SELECT count(*) FROM up_api_tokens WHERE name = ?", f"zero {days}")[0][0] == 0


def test_the_time_a_token_was_last_used_is_recorded(up: Project) -> None:
    token = up.api_token("read-only")
    assert api_token_row(up, token)[2] is None

    before = dt.datetime.now(dt.timezone.utc)
    up.http.get("/api/messages", headers=bearer(token))

    last_used = api_token_row(up, token)[2]
    last_used = last_used if isinstance(last_used, dt.datetime) else dt.datetime.fromisoformat(last_used)
    assert abs(last_used - before) < dt.timedelta(seconds=5)


def test_a_token_is_refused_after_its_expiry(up: Project) -> None:
    """Catches an expiry that is not checked, or checked the wrong way round. The CLI makes tokens
    of at least a day; the day passing is played by moving the stored expiry an hour into the past."""
    valid = up.api_token("read-only", name="valid for a day", days=1)
    stale = up.api_token("read-only", name="stale", days=1)
    an_hour_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)
    up.sql("UPDATE up_api_tokens SET expires_at = ? WHERE name = ?",
           an_hour_ago if "CMS_DATABASE_URL" in up.env else an_hour_ago.isoformat(" "), "stale")

    assert up.http.get("/api/messages", headers=bearer(valid)).status_code == 200
    expired = up.http.get("/api/messages", headers=bearer(stale))
    assert error(expired) == (401, "UnauthorizedError", "Token expired")


@pytest.mark.parametrize("user_id", [2**70, 2**31, 0, -1])
def test_a_signed_jwt_for_an_id_nobody_can_have_is_a_401(up: Project, user_id: int) -> None:
    """Found by trying: a validly signed JWT with ``id`` 2^70 made the user lookup overflow (500)."""
    now = int(time.time())
    token = jwt.encode({"id": user_id, "iat": now, "exp": now + 60}, up.secrets()["jwt_secret"], algorithm="HS256")
    assert error(up.http.get("/api/users/me", headers=bearer(token))) == (
        401, "UnauthorizedError", "Missing or invalid credentials")


def test_a_user_id_beyond_any_row_is_a_404(up: Project) -> None:
    admin = bearer(up.api_token("full-access"))
    for user_id in (2**31, 2**63, 10**30):
        assert error(up.http.get(f"/api/users/{user_id}", headers=admin))[:2] == (404, "NotFoundError")
    assert up.http.get(f"/api/users/{up.register('Positive').id}", headers=admin).status_code == 200


def test_a_role_id_beyond_any_row_is_a_404(up: Project) -> None:
    """Found by schemathesis once the roles routes were documented: 2^63 overflowed (500)."""
    admin = bearer(up.api_token("full-access"))
    for role_id in (2**31, 2**63, 10**30):
        for method in ("GET", "PUT", "DELETE"):
            answer = up.http.request(method, f"/api/users-permissions/roles/{role_id}", headers=admin,
                                     json={"name": "Renamed"} if method == "PUT" else None)
            assert error(answer)[:2] == (404, "NotFoundError")
    assert up.http.get("/api/users-permissions/roles/1", headers=admin).status_code == 200


@pytest.mark.parametrize("field", ["identifier", "email"])
def test_an_identifier_longer_than_any_email_is_no_500(up: Project, field: str) -> None:
    """Found by schemathesis: a 300-character email made the ORM refuse the lookup (500)."""
    long = "a" * 300 + "@example.com"
    if field == "identifier":
        answer = up.http.post("/api/auth/local", json={"identifier": long, "password": "whatever1"})
        assert error(answer) == (400, "ValidationError", "Invalid identifier or password")
    else:
        answer = up.http.post("/api/auth/forgot-password", json={"email": long})
        assert (answer.status_code, answer.json()) == (200, {"ok": True})
