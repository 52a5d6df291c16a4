"""Who may reach what in the admin: sessions, CSRF, roles, throttling, and secrets never shown.

One develop-mode project for the module (the first administrator is created on
the setup page, as on a first visit), and one production project for what
differs there (no setup page; the first admin comes from ``cms admin create-user``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import httpx
import pytest

from tests.admin.conftest import PASSWORD, ROOT_PASSWORD, AdminProject, Session, start_project
from tests.conftest import database_environment
from tests.helpers.project import run_cms

KEYS = ("message", "chat-user", "registered-user", "role", "admin-user")


@pytest.fixture(scope="module")
def root(admin_project: AdminProject) -> Session:
    """The first administrator, created on the develop-mode setup page."""
    session = admin_project.session()
    first = session.get("/admin/", follow_redirects=True)
    assert first.url.path == "/admin/setup", "a first visit without any admin leads to the setup page"
    refused = session.post("/admin/setup", data={"username": "root", "password": ROOT_PASSWORD,
                                                  "confirm": ROOT_PASSWORD})
    assert refused.status_code == 403, "the setup form needs its CSRF token too"
    created = session.submit("/admin/setup", {"username": "root", "password": ROOT_PASSWORD,
                                              "confirm": ROOT_PASSWORD})
    assert created.status_code == 303 and created.headers["location"].endswith("/admin/")
    assert session.get("/admin/").status_code == 200, "the new administrator is logged in"
    return session


@pytest.fixture(scope="module")
def people(admin_project: AdminProject, root: Session) -> dict[str, int]:
    """An editor, an author, two registered users with passwords, and a message."""
    ids = {"eddie": admin_project.create_admin(root, "eddie", "editor"),
           "annie": admin_project.create_admin(root, "annie", "author")}
    for name in ("alice", "bob"):
        ids[name] = admin_project.register(name)["user"]["id"]
    answer = root.submit("/admin/message/create", {"text": "first message", "room": "lobby",
                                                   "sender": str(ids["alice"])})
    assert answer.status_code == 303, answer.text[:1000]
    return ids


def test_setup_page_is_gone_once_an_admin_exists(admin_project: AdminProject, root: Session) -> None:
    anonymous = admin_project.session()
    assert anonymous.get("/admin/setup").status_code == 404
    assert anonymous.submit("/admin/setup", {"username": "x", "password": "y" * 10, "confirm": "y" * 10}).status_code == 404
    assert root.get("/admin/setup").status_code == 404
    login = anonymous.get("/admin/login")
    assert login.status_code == 200 and "Login to your account" in login.text


def test_every_page_and_action_redirects_to_login_without_a_session(admin_project: AdminProject,
                                                                    people: dict[str, int]) -> None:
    anonymous = admin_project.session()
    pages = ["/admin/", "/admin/settings/permissions", "/admin/settings/permissions/1",
             "/admin/settings/api-tokens", "/admin/settings/content-types",
             "/admin/settings/content-types/api::message.message"]
    for key in KEYS:
        pages += [f"/admin/{key}/list", f"/admin/{key}/detail?pk=1", f"/admin/{key}/create",
                  f"/admin/{key}/edit?pk=1", f"/admin/_api/{key}/relation-lookup?q=a",
                  f"/admin/_api/{key}/relation-lookup?pks=1"]
    for page in pages:
        answer = anonymous.get(page)
        assert answer.status_code == 303, page
        assert "/admin/login?next=" in answer.headers["location"], page
    posts = ["/admin/message/create", "/admin/message/edit?pk=1", "/admin/_api/message/action?name=delete&pks=1",
             "/admin/_api/message/row-action?name=delete&pk=1", "/admin/_api/message/action?name=export&all=1",
             "/admin/settings/permissions/1", "/admin/settings/api-tokens", "/admin/settings/api-tokens/1/revoke",
             "/admin/admin-user/create", "/admin/logout"]
    for path in posts:  # with a valid CSRF token: the session is what is missing
        answer = anonymous.submit(path, {"text": "nope", "name": "nope", "type": "full-access", "duration": "7"})
        assert answer.status_code == 303 and "/admin/login" in answer.headers["location"], path
    assert "nope" not in root_list(admin_project, "message"), "nothing was written"
    logo = anonymous.get("/admin/static/logo.svg")
    assert logo.status_code == 200 and logo.text.startswith("<svg"), "static files need no session"


def root_list(project: AdminProject, key: str) -> str:
    return project.login("root", ROOT_PASSWORD).get(f"/admin/{key}/list", params={"page_size": 100}).text


def test_forms_and_actions_without_a_csrf_token_are_refused(admin_project: AdminProject, root: Session,
                                                            people: dict[str, int]) -> None:
    writes = [
        ("/admin/message/create", {"text": "forged"}),
        ("/admin/message/edit?pk=1", {"text": "forged"}),
        ("/admin/_api/message/action?name=delete&pks=1", {}),
        ("/admin/_api/message/row-action?name=delete&pk=1", {}),
        ("/admin/settings/permissions/1", {"grant:api::message.message.find": "on"}),
        ("/admin/settings/api-tokens", {"name": "forged", "type": "full-access", "duration": "7"}),
        ("/admin/admin-user/create", {"username": "mallory", "password": "x" * 12, "role": "super-admin"}),
        ("/admin/logout", {}),
        ("/admin/login", {"username": "root", "password": ROOT_PASSWORD}),
    ]
    for path, data in writes:
        missing = root.post(path, data=data)
        assert missing.status_code == 403 and "CSRF token missing" in missing.text, path
        forged = root.post(path, data={**data, "csrftoken": "forged.token"})
        assert forged.status_code == 403 and "CSRF token invalid" in forged.text, path
        other = admin_project.session()  # a token valid for another browser is not valid for this one
        stolen = root.post(path, data={**data, "csrftoken": other.csrf()})
        assert stolen.status_code == 403, path
    listing = root.get("/admin/message/list").text
    assert "forged" not in listing and 'data-sa-pk="1"' in listing, "nothing was written or deleted"
    assert "mallory" not in root.get("/admin/admin-user/list").text
    assert root.get("/admin/").status_code == 200, "still logged in: the logout was refused too"


def test_an_editor_cannot_reach_settings(admin_project: AdminProject, people: dict[str, int]) -> None:
    editor = admin_project.login("eddie")
    for page in ("/admin/settings/permissions", "/admin/settings/permissions/1", "/admin/settings/api-tokens",
                 "/admin/settings/content-types", "/admin/settings/content-types/api::message.message",
                 "/admin/admin-user/list", "/admin/admin-user/create", "/admin/admin-user/detail?pk=1",
                 "/admin/_api/admin-user/relation-lookup?q=r"):
        assert editor.get(page).status_code == 403, page
    for path, data in (("/admin/settings/permissions/1", {"grant:api::message.message.delete": "on"}),
                       ("/admin/settings/api-tokens", {"name": "sneaky", "type": "full-access", "duration": "7"}),
                       ("/admin/admin-user/create", {"username": "sneaky", "password": "x" * 12, "role": "super-admin"}),
                       ("/admin/role/create", {"name": "Sneaky", "type": "sneaky"})):
        assert editor.submit(path, data).status_code == 403, path
    home = editor.get("/admin/")
    assert home.status_code == 200 and "Settings" not in home.text and "Admin users" not in home.text
    assert editor.get("/admin/role/list").status_code == 200, "roles can be read (to pick a user's role)"
    assert editor.submit("/admin/message/create", {"text": "by the editor"}).status_code == 303
    tokens = root_get(admin_project, "/admin/settings/api-tokens")
    assert "sneaky" not in tokens


def root_get(project: AdminProject, path: str) -> str:
    return project.login("root", ROOT_PASSWORD).get(path).text


def test_no_password_hash_appears_in_any_page_or_export(admin_project: AdminProject, root: Session,
                                                        people: dict[str, int]) -> None:
    bodies: list[str] = []
    for key in KEYS:
        listing = root.get(f"/admin/{key}/list", params={"page_size": 100})
        assert listing.status_code == 200
        bodies.append(listing.text)
        for pk in re.findall(r'data-sa-pk="(\d+)"', listing.text):
            for page in ("detail", "edit"):
                answer = root.get(f"/admin/{key}/{page}", params={"pk": pk})
                assert answer.status_code == 200, (key, page, pk)
                bodies.append(answer.text)
        bodies.append(root.get(f"/admin/_api/{key}/relation-lookup", params={"q": ""}).text)
        for fmt in ("csv", "json"):
            export = root.action(key, "export", scope="all", format=fmt)
            assert export.status_code == 200, (key, fmt, export.text[:300])
            bodies.append(export.text)
            if key == "admin-user" and fmt == "json":
                rows = json.loads(export.text)
                assert {r["Username"] for r in rows} >= {"root", "eddie", "annie"}
                assert all("Password" not in r and "Set new password" not in r for r in rows)
    bodies.append(root.get("/admin/").text)
    for body in bodies:
        assert "$argon2" not in body
        assert PASSWORD not in body and ROOT_PASSWORD not in body
    users = root.get("/admin/registered-user/edit", params={"pk": people["alice"]})
    assert 'name="password"' in users.text and 'type="password"' in users.text, "a write-only password field"
    assert re.search(r'<input[^>]*name="password"[^>]*value="[^"]+"', users.text) is None


def test_internal_fields_are_not_editable_and_tokens_not_shown(admin_project: AdminProject, root: Session,
                                                             people: dict[str, int]) -> None:
    """Reset and confirmation tokens (digests, still secrets) were plain editable inputs, for
    editors too, and so were password-changed-at and last-login-at."""
    httpx.post(f"{admin_project.url}/api/auth/forgot-password", json={"email": "alice@example.com"})
    alice = people["alice"]
    edit = root.get("/admin/registered-user/edit", params={"pk": alice}).text
    detail = root.get("/admin/registered-user/detail", params={"pk": alice}).text
    for page in (edit, detail):
        assert "resetPasswordToken" not in page and "Reset password token" not in page
        assert "confirmationToken" not in page and "Confirmation token" not in page
    assert 'name="passwordChangedAt"' not in edit and 'name="username"' in edit  # a form without it
    assert "Password changed at" in detail  # shown read-only
    changed = root.submit(f"/admin/registered-user/edit?pk={alice}", {
        "username": "alice", "email": "alice@example.com", "provider": "local", "confirmed": "on",
        "role": "", "resetPasswordToken": "planted", "passwordChangedAt": "2000-01-01T00:00"})
    assert changed.status_code == 303, changed.text[:500]
    admin_user = root.get("/admin/admin-user/edit", params={"pk": "1"}).text
    assert 'name="lastLoginAt"' not in admin_user and 'name="username"' in admin_user
    listing = root.get("/admin/admin-user/list", params={"q": "root"}).text
    assert "Last login at" in listing or "lastLoginAt" in listing
    # the first administrator's own login (on the setup page) was recorded
    rows = root.action("admin-user", "export", scope="all", format="json").json()
    assert next(r for r in rows if r["Username"] == "root")["Last login at"], rows


def test_a_new_password_set_in_the_admin_is_hashed_and_works(admin_project: AdminProject, root: Session,
                                                             people: dict[str, int]) -> None:
    pk = people["bob"]
    form = {"username": "bob", "email": "bob@example.com", "provider": "local", "password": "a brand new one",
            "confirmed": "on", "role": ""}
    assert root.submit(f"/admin/registered-user/edit?pk={pk}", form).status_code == 303
    login = httpx.post(f"{admin_project.url}/api/auth/local", json={"identifier": "bob", "password": "a brand new one"})
    assert login.status_code == 200, login.text
    # saving again with the field left empty keeps the password
    assert root.submit(f"/admin/registered-user/edit?pk={pk}", {**form, "password": ""}).status_code == 303
    login = httpx.post(f"{admin_project.url}/api/auth/local", json={"identifier": "bob", "password": "a brand new one"})
    assert login.status_code == 200, login.text


def test_logins_are_throttled_after_repeated_failures(admin_project: AdminProject, people: dict[str, int]) -> None:
    attacker = admin_project.session()
    for _ in range(3):  # login_max_failures = 3 in this project
        failed = attacker.submit("/admin/login", {"username": "annie", "password": "guess"})
        assert failed.status_code == 400 and "Invalid username or password" in failed.text
    locked = attacker.submit("/admin/login", {"username": "annie", "password": PASSWORD})
    assert locked.status_code == 400 and "Too many failed login attempts" in locked.text
    assert admin_project.login("eddie").get("/admin/").status_code == 200, "other admins are not locked out"
    unknown = attacker.submit("/admin/login", {"username": "nobody-at-all", "password": "guess"})
    assert unknown.status_code == 400 and "Invalid username or password" in unknown.text


def test_sessions_end_when_the_password_changes_or_the_admin_is_blocked(admin_project: AdminProject,
                                                                        root: Session) -> None:
    pk = admin_project.create_admin(root, "temp-admin", "editor")
    session = admin_project.login("temp-admin")
    assert session.get("/admin/").status_code == 200
    form = {"username": "temp-admin", "email": "", "role": "editor", "password": "another password"}
    assert root.submit(f"/admin/admin-user/edit?pk={pk}", form).status_code == 303
    assert session.get("/admin/").status_code == 303, "the old session ended with the password change"
    session = admin_project.login("temp-admin", "another password")
    assert root.submit(f"/admin/admin-user/edit?pk={pk}", {**form, "password": "", "blocked": "on"}).status_code == 303
    assert session.get("/admin/").status_code == 303, "a blocked admin is logged out"
    blocked = admin_project.session().submit("/admin/login", {"username": "temp-admin", "password": "another password"})
    assert blocked.status_code == 400 and "blocked" in blocked.text


def test_nobody_deletes_their_own_admin_account(admin_project: AdminProject, root: Session) -> None:
    own = re.findall(r'data-sa-pk="(\d+)"', root.get("/admin/admin-user/list", params={"q": "root"}).text)
    refused = root.action("admin-user", "delete", own)
    assert refused.status_code == 400 and refused.json()["msg"] == "You cannot delete your own account."
    assert root.get("/admin/").status_code == 200


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdminProject]:
    with database_environment() as env:
        root = tmp_path_factory.mktemp("admin-production") / "project"
        from tests.admin.conftest import PLUGINS_TOML
        from tests.helpers.project import make_project

        make_project(root, plugins_toml=PLUGINS_TOML)
        made = run_cms(root, "migrate", "make", "init", env=env)
        assert made.returncode == 0, made.stderr
        project = start_project(root, env, command="start")
        try:
            yield project
        finally:
            project.server.stop()


def test_production_has_no_setup_page_and_the_first_admin_comes_from_the_cli(
        production: AdminProject, monkeypatch: pytest.MonkeyPatch) -> None:
    visitor = production.session()
    assert visitor.get("/admin/setup").status_code == 404
    login = visitor.get("/admin/login")
    assert login.status_code == 503 and "cms admin create-user" in login.text
    for name, value in production.env.items():
        monkeypatch.setenv(name, value)
    from admin.cli import create_user
    from cms.errors import ValidationError

    with pytest.raises(ValidationError) as short:
        create_user(production.root, "boss", "short", "super-admin")
    assert "password must be at least 8 characters" in str(short.value.details)
    user = create_user(production.root, "boss", ROOT_PASSWORD, "super-admin")
    assert user["username"] == "boss" and user["role"] == "super-admin" and "password" not in user
    with pytest.raises(ValidationError):
        create_user(production.root, "boss", ROOT_PASSWORD, "super-admin")  # usernames are unique
    session = production.login("boss", ROOT_PASSWORD)
    assert session.get("/admin/").status_code == 200
    assert session.get("/admin/setup").status_code == 404


def test_admin_pages_may_not_be_framed(admin_project: AdminProject) -> None:
    """Clickjacking: the login page and the signed-in pages refuse to be shown in a frame."""
    for response in (httpx.get(f"{admin_project.url}/admin/login"), admin_project.login("eddie").get("/admin/")):
        assert response.status_code == 200
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["content-security-policy"] == "frame-ancestors 'none'"


def test_the_session_cookie_reveals_neither_the_admin_nor_its_password(admin_project: AdminProject,
                                                                       people: dict[str, int]) -> None:
    """The signed cookie used to carry the admin id and a fingerprint of its password hash in
    readable base64; their sealed form opens only with the server's key."""
    import base64

    session = admin_project.login("eddie")
    cookie = str(session.cookies["cms_admin_session"])
    payload = cookie.split(".")[0]
    readable = base64.b64decode(payload + "=" * (-len(payload) % 4)).decode("utf-8", "replace")
    claims = json.loads(readable)
    assert set(claims) == {"admin"} and isinstance(claims["admin"], str)
    assert '"id"' not in readable and '"pw"' not in readable and '"until"' not in readable
    assert session.get("/admin/").status_code == 200  # positive control: the session works
    tampered = admin_project.session()
    tampered.cookies.set("cms_admin_session", cookie.replace(payload, base64.b64encode(
        json.dumps({"admin": claims["admin"][:-4] + "AAAA"}).encode()).decode().rstrip("=")), path="/admin")
    assert tampered.get("/admin/", follow_redirects=False).status_code in (302, 303, 307)


def test_admin_request_bodies_are_bounded(admin_project: AdminProject) -> None:
    """starlette-admin's CSRF check read a whole multipart body into memory before any session
    check: an anonymous 150 MB POST took the server from 147 to 585 MB. Now /admin bodies have
    the REST API's limit (the media library's upload has the upload plugin's own)."""
    big = b"x" * (2 * 1024 * 1024)
    answer = httpx.post(f"{admin_project.url}/admin/login", content=big,
                        headers={"Content-Type": "multipart/form-data; boundary=zzz"})
    assert answer.status_code == 413 and answer.json()["error"]["name"] == "PayloadTooLargeError"

    def chunks() -> Iterator[bytes]:  # no Content-Length: refused once past the limit
        for _ in range(4):
            yield b"y" * (512 * 1024)

    chunked = httpx.post(f"{admin_project.url}/admin/message/create", content=chunks(),
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert chunked.status_code == 413
    assert httpx.get(f"{admin_project.url}/admin/login").status_code == 200  # positive control
