"""Accounts: register, log in, read yourself, change, forget and reset the password.

Strapi's routes and bodies (no ``data`` envelope): ``{jwt, user}`` answers,
Strapi's error messages. Emails are stored lower-cased, usernames and emails
are unique whatever their letter case. Blocked users, deleted users and tokens
issued before a password change are refused.
"""

from __future__ import annotations

import hashlib
import time

import pytest

from tests.plugins.users_permissions.support import PASSWORD, Account, Project, bearer, error

#: what a user looks like through the API: no password, token or other private field
PUBLIC_USER_FIELDS = {
    "id", "documentId", "username", "email", "provider", "confirmed", "blocked",
    "createdAt", "updatedAt", "publishedAt",
}


def me(up: Project, token: str) -> int:
    return up.http.get("/api/users/me", headers=bearer(token)).status_code


def stored(up: Project, user_id: int, column: str) -> object:
    return up.sql(f"SELECT {column} FROM registered_users WHERE id = ?", user_id)[0][0]


# -- the whole flow ------------------------------------------------------------------------


def test_register_log_in_read_yourself_change_forget_and_reset_the_password(up: Project) -> None:
    # register: a JWT and the user, without private fields; the email is stored lower-cased
    registered = up.http.post("/api/auth/local/register", json={
        "username": "Ada", "email": "Ada.Lovelace@Example.COM", "password": PASSWORD})
    assert registered.status_code == 200
    session = registered.json()
    assert set(session) == {"jwt", "user"}
    user = session["user"]
    assert set(user) == PUBLIC_USER_FIELDS
    assert (user["username"], user["email"], user["provider"], user["blocked"]) == (
        "Ada", "ada.lovelace@example.com", "local", False)
    assert stored(up, user["id"], "email") == "ada.lovelace@example.com"
    assert str(stored(up, user["id"], "password")).startswith("$argon2id$")  # hashed, never the password
    first_jwt = session["jwt"]

    # me: the caller's own user
    assert up.http.get("/api/users/me", headers=bearer(first_jwt)).json() == user

    # log in with the email or the username, in any letter case
    for identifier in ("ada.lovelace@example.com", "ADA.LOVELACE@example.com", "Ada", "aDA"):
        logged_in = up.login(identifier)
        assert logged_in.status_code == 200, identifier
        assert logged_in.json()["user"] == user
    login_jwt = up.login("ada").json()["jwt"]

    # change the password: a new session; every token issued before is refused from now on
    changed = up.http.post("/api/auth/change-password", headers=bearer(login_jwt), json={
        "currentPassword": PASSWORD, "password": "new password", "passwordConfirmation": "new password"})
    assert changed.status_code == 200
    assert changed.json()["user"] == {**user, "updatedAt": changed.json()["user"]["updatedAt"]}
    assert (me(up, first_jwt), me(up, login_jwt), me(up, changed.json()["jwt"])) == (401, 401, 200)
    assert error(up.login("ada", PASSWORD)) == (400, "ValidationError", "Invalid identifier or password")
    assert up.login("ada", "new password").status_code == 200

    # forgot: the answer never says whether the account exists; the code comes by mail
    forgot = up.http.post("/api/auth/forgot-password", json={"email": "Ada.Lovelace@example.com"})
    assert (forgot.status_code, forgot.json()) == (200, {"ok": True})
    mail = up.mails()[-1]
    assert (mail["to"], mail["subject"]) == ("ada.lovelace@example.com", "Reset password")
    code = up.reset_code("ada.lovelace@example.com")
    assert len(code) == 128  # 64 random bytes, hex
    # only a hash of the code is stored, with its expiry one hour ahead
    digest, expires = str(stored(up, user["id"], "reset_password_token")).split(":")
    assert digest == hashlib.sha256(code.encode()).hexdigest()
    assert int(expires) - time.time() == pytest.approx(3600, abs=60)
    before_reset = up.login("ada", "new password").json()["jwt"]

    # reset: a new session with the new password; tokens issued before are refused; the code is spent
    reset = up.http.post("/api/auth/reset-password", json={
        "code": code, "password": "newer password", "passwordConfirmation": "newer password"})
    assert reset.status_code == 200
    assert reset.json()["user"]["id"] == user["id"]
    assert (me(up, before_reset), me(up, reset.json()["jwt"])) == (401, 200)
    assert up.login("ada", "newer password").status_code == 200
    assert stored(up, user["id"], "reset_password_token") is None
    again = up.http.post("/api/auth/reset-password", json={
        "code": code, "password": "other password", "passwordConfirmation": "other password"})
    assert error(again) == (400, "ValidationError", "Incorrect code provided")


# -- refusals ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def grace(up: Project) -> Account:
    return up.register("Grace", "grace.hopper@example.com")


@pytest.mark.parametrize(("body", "expected"), [
    ({"identifier": "Grace", "password": "wrong password"}, "Invalid identifier or password"),
    ({"identifier": "grace.hopper@example.com", "password": "wrong password"}, "Invalid identifier or password"),
    ({"identifier": "nobody", "password": PASSWORD}, "Invalid identifier or password"),
    ({"identifier": "nobody@example.com", "password": PASSWORD}, "Invalid identifier or password"),
    ({"identifier": "Grace"}, "password is a required field"),
    ({"identifier": "Grace", "password": ""}, "password is a required field"),
    ({"password": PASSWORD}, "identifier is a required field"),
    ({"identifier": ["Grace"], "password": PASSWORD}, "identifier is a required field"),
])
def test_login_refuses_wrong_passwords_unknown_users_and_bad_bodies(
    up: Project, grace: Account, body: dict[str, object], expected: str
) -> None:
    assert error(up.http.post("/api/auth/local", json=body)) == (400, "ValidationError", expected)


@pytest.mark.parametrize(("username", "email"), [
    ("Grace", "someone.else@example.com"),        # same username
    ("GRACE", "someone.else@example.com"),        # same username, other letter case
    ("grace", "someone.else@example.com"),
    ("someone_else", "grace.hopper@example.com"),  # same email
    ("someone_else", "Grace.Hopper@EXAMPLE.com"),  # same email, other letter case
    ("Grace.Hopper@example.com", "someone.else@example.com"),  # a username that is another account's email
])
def test_a_username_or_email_is_taken_whatever_its_letter_case(
    up: Project, grace: Account, username: str, email: str
) -> None:
    taken = up.http.post("/api/auth/local/register", json={"username": username, "email": email, "password": PASSWORD})
    assert error(taken) == (400, "ApplicationError", "Email or Username are already taken")  # Strapi 5.54's answer


@pytest.mark.parametrize(("body", "expected"), [
    ({"username": "eve", "email": "eve@example.com", "password": PASSWORD, "role": 1}, "Invalid parameters: role"),
    ({"username": "eve", "email": "eve@example.com", "password": PASSWORD, "confirmed": True},
     "Invalid parameters: confirmed"),
    ({"username": "eve", "email": "eve@example.com", "password": PASSWORD, "blocked": False},
     "Invalid parameters: blocked"),
    ({"username": "eve", "email": "eve@example.com", "password": "$argon2id$v=19$m=1$x$y"},
     "Your password cannot contain more than three times the symbol `$`"),
    ({"username": "eve", "email": "eve@example.com"}, "password is a required field"),
    ({"username": "eve", "password": PASSWORD}, "email is a required field"),
    ({"username": "eve", "email": "not an email", "password": PASSWORD}, "email must be a valid email"),
    ({"username": "eve", "email": "eve@example.com", "password": "short"},
     "password must be at least 6 characters"),
])
def test_registration_refuses_privileged_fields_pre_hashed_passwords_and_invalid_values(
    up: Project, body: dict[str, object], expected: str
) -> None:
    status, name, message = error(up.http.post("/api/auth/local/register", json=body))
    assert (status, name) == (400, "ValidationError")
    assert message == expected
    assert up.login("eve").status_code == 400  # nothing was created


def test_change_password_needs_the_current_password_a_confirmation_and_a_new_password(up: Project) -> None:
    user = up.register("Katherine")

    def change(current: str, password: str, confirmation: str, headers: dict[str, str] = user.auth) -> object:
        return error(up.http.post("/api/auth/change-password", headers=headers, json={
            "currentPassword": current, "password": password, "passwordConfirmation": confirmation}))

    assert change("wrong password", "new password", "new password") == (
        400, "ValidationError", "The provided current password is invalid")
    assert change(PASSWORD, "new password", "other password") == (400, "ValidationError", "Passwords do not match")
    assert change(PASSWORD, PASSWORD, PASSWORD) == (
        400, "ValidationError", "Your new password must be different than your current password")
    assert change(PASSWORD, "new password", "new password", headers={}) == (403, "ForbiddenError", "Forbidden")
    assert up.login("Katherine").status_code == 200  # nothing changed


def test_reset_refuses_wrong_and_expired_codes_and_forgot_never_reveals_accounts(up: Project) -> None:
    user = up.register("Dorothy")
    mails = len(up.mails())

    # an unknown email: the same answer, and no mail
    unknown = up.http.post("/api/auth/forgot-password", json={"email": "nobody@example.com"})
    assert (unknown.status_code, unknown.json(), len(up.mails())) == (200, {"ok": True}, mails)

    def reset(code: str, password: str = "new password", confirmation: str = "new password") -> object:
        return error(up.http.post("/api/auth/reset-password", json={
            "code": code, "password": password, "passwordConfirmation": confirmation}))

    assert up.http.post("/api/auth/forgot-password", json={"email": "DOROTHY@example.com"}).status_code == 200
    code = up.reset_code("dorothy@example.com")
    assert reset("0" * 128) == (400, "ValidationError", "Incorrect code provided")
    assert reset(code, "new password", "other password") == (400, "ValidationError", "Passwords do not match")
    assert reset("") == (400, "ValidationError", "code is a required field")

    # a code is valid one hour: move its expiry to the past
    digest = hashlib.sha256(code.encode()).hexdigest()
    up.sql("UPDATE registered_users SET reset_password_token = ? WHERE id = ?", f"{digest}:1700000000", user.id)
    assert reset(code) == (400, "ValidationError", "Incorrect code provided")
    assert up.login("Dorothy").status_code == 200  # the password never changed

    # a new request replaces the previous code
    up.http.post("/api/auth/forgot-password", json={"email": "dorothy@example.com"})
    first = up.reset_code("dorothy@example.com")
    up.http.post("/api/auth/forgot-password", json={"email": "dorothy@example.com"})
    second = up.reset_code("dorothy@example.com")
    assert reset(first) == (400, "ValidationError", "Incorrect code provided")
    assert up.http.post("/api/auth/reset-password", json={
        "code": second, "password": "new password", "passwordConfirmation": "new password"}).status_code == 200


# -- blocked and deleted users -------------------------------------------------------------


def test_a_blocked_user_cannot_log_in_use_earlier_tokens_or_reset_the_password(up: Project, admin: dict[str, str]) -> None:
    user = up.register("Mallory")
    mails = len(up.mails())

    blocked = up.http.put(f"/api/users/{user.id}", headers=admin, json={"blocked": True})
    assert (blocked.status_code, blocked.json()["blocked"]) == (200, True)

    assert error(up.http.get("/api/users/me", headers=user.auth)) == (401, "UnauthorizedError", "Invalid credentials")
    assert error(up.login("Mallory")) == (400, "ApplicationError", "Your account has been blocked by an administrator")
    assert error(up.login("Mallory", "wrong password")) == (400, "ValidationError", "Invalid identifier or password")
    assert up.http.post("/api/auth/forgot-password", json={"email": user.email}).json() == {"ok": True}
    assert len(up.mails()) == mails  # no reset mail for a blocked account

    up.http.put(f"/api/users/{user.id}", headers=admin, json={"blocked": False})
    assert up.http.get("/api/users/me", headers=user.auth).status_code == 200
    assert up.login("Mallory").status_code == 200


def test_tokens_of_a_deleted_user_are_refused(up: Project, admin: dict[str, str]) -> None:
    user = up.register("Oscar")

    deleted = up.http.delete(f"/api/users/{user.id}", headers=admin)

    assert (deleted.status_code, deleted.json()["username"]) == (200, "Oscar")
    assert error(up.http.get("/api/users/me", headers=user.auth)) == (401, "UnauthorizedError", "Invalid credentials")
    assert error(up.login("Oscar")) == (400, "ValidationError", "Invalid identifier or password")


# -- users editing themselves, operators managing users -------------------------------------


def test_users_may_change_only_their_own_username_email_and_password(up: Project) -> None:
    user = up.register("Linus")
    other = up.register("Ken")

    def put(user_id: int, body: dict[str, object], headers: dict[str, str] = user.auth) -> object:
        return up.http.put(f"/api/users/{user_id}", headers=headers, json=body)

    renamed = put(user.id, {"username": "Linus2", "email": "Linus.T@Example.com"})
    assert renamed.status_code == 200
    assert (renamed.json()["username"], renamed.json()["email"]) == ("Linus2", "linus.t@example.com")

    assert error(put(other.id, {"username": "Kenneth"})) == (404, "NotFoundError", "Not Found")
    for field, value in (("blocked", False), ("confirmed", True), ("role", 1), ("provider", "github")):
        assert error(put(user.id, {field: value})) == (400, "ValidationError", f"Invalid key {field}")
    assert error(put(user.id, {"username": "KEN"})) == (400, "ValidationError", "Email or Username are already taken")
    assert error(put(user.id, {"email": "KEN@example.com"})) == (
        400, "ValidationError", "Email or Username are already taken")
    # one write: an invalid password leaves the username unchanged too
    assert error(put(user.id, {"username": "Linus3", "password": "short"}))[0] == 400
    assert up.http.get("/api/users/me", headers=user.auth).json()["username"] == "Linus2"

    # a new password through PUT also ends the sessions opened before it
    assert put(user.id, {"password": "new password"}).status_code == 200
    assert up.http.get("/api/users/me", headers=user.auth).status_code == 401
    assert up.login("linus2", "new password").status_code == 200


def test_operators_create_users_with_the_same_rules_as_registration(up: Project, admin: dict[str, str]) -> None:
    created = up.http.post("/api/users", headers=admin, json={
        "username": "Barbara", "email": "Barbara.Liskov@Example.com", "password": PASSWORD})
    assert created.status_code == 201
    assert set(created.json()) == PUBLIC_USER_FIELDS
    assert created.json()["email"] == "barbara.liskov@example.com"
    assert up.login("barbara.liskov@example.com").status_code == 200
    # created users get the default role: they may read themselves
    assert up.http.get("/api/users/me", headers=bearer(up.login("Barbara").json()["jwt"])).status_code == 200

    duplicate = up.http.post("/api/users", headers=admin, json={
        "username": "BARBARA", "email": "other@example.com", "password": PASSWORD})
    assert error(duplicate) == (400, "ValidationError", "Email or Username are already taken")
    user = up.register("Frances")
    assert error(up.http.post("/api/users", headers=user.auth, json={
        "username": "x1", "email": "x1@example.com", "password": PASSWORD})) == (403, "ForbiddenError", "Forbidden")


def test_a_login_body_that_is_not_json_is_strapis_syntax_error(up: Project) -> None:
    answer = up.http.post("/api/auth/local", content=b'{"identifier": ', headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert answer.json()["error"]["name"] == "SyntaxError" and "details" not in answer.json()["error"]


@pytest.mark.parametrize(("route", "body"), [
    ("/api/auth/local", {"identifier": "a\x00b", "password": "whatever-1"}),
    ("/api/auth/local/register", {"username": "nul\x00name", "email": "nul@example.com", "password": "whatever-1"}),
    ("/api/auth/forgot-password", {"email": "nul\x00@example.com"}),
])
def test_nul_in_an_auth_field_is_a_400_on_every_database(up: Project, route: str, body: dict[str, str]) -> None:
    """PostgreSQL answered NUL characters with a 500; they are refused the same way everywhere."""
    answer = up.http.post(route, json=body)
    assert error(answer)[:2] == (400, "ValidationError")
    assert "must not contain NUL characters" in answer.json()["error"]["details"]["errors"][0]["message"]
