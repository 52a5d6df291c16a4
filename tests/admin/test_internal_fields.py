"""Values the server keeps for itself are never edited in the admin, and secrets never shown.

A registered user's ``resetPasswordToken`` and ``confirmationToken`` are secrets
(digests of codes sent by mail): private, ``visible: false``, absent from every
admin page, export and REST answer. ``passwordChangedAt`` (private) and an admin
user's ``lastLoginAt`` are ``configurable: false``: shown read-only, never a form
input. A form posted with them anyway (by a super-admin or an editor, over HTTP
or from Chromium with inputs added to the page) changes none of them: checked
in the database. The first administrator's login is recorded, and so is every
later one.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import re
import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from typing import Any

import asyncpg
import httpx
import pytest

from tests.admin.conftest import PASSWORD, ROOT_PASSWORD, AdminProject, Session, sign_in
from tests.helpers.project import REPO

SECRETS = ("resetPasswordToken", "confirmationToken")
RESET = "reset-digest-0123456789abcdef"
CONFIRM = "confirm-digest-fedcba9876543210"
PLANTED = {"resetPasswordToken": "planted-reset", "confirmationToken": "planted-confirm",
           "passwordChangedAt": "2000-01-01T00:00", "lastLoginAt": "2000-01-01T00:00"}
USER_COLUMNS = "reset_password_token, confirmation_token, password_changed_at"


def sql(project: AdminProject, statement: str, *params: Any) -> list[tuple[Any, ...]]:
    """One statement on the project's database, behind the server's back (``?`` placeholders)."""
    url = project.env.get("CMS_DATABASE_URL")
    if url is None:
        with closing(sqlite3.connect(project.root / ".tmp" / "data.db")) as conn:
            rows = conn.execute(statement, params).fetchall()
            conn.commit()
            return rows
    numbered = itertools.count(1)
    statement = re.sub(r"\?", lambda _: f"${next(numbered)}", statement)

    async def run() -> list[tuple[Any, ...]]:
        conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            return [tuple(row.values()) for row in await conn.fetch(statement, *params)]
        finally:
            await conn.close()

    # in a thread of its own: Playwright's sync API keeps an event loop running in this one
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def internals(project: AdminProject, user_id: int) -> tuple[Any, ...]:
    return sql(project, f"SELECT {USER_COLUMNS} FROM registered_users WHERE id = ?", user_id)[0]


def last_login(project: AdminProject, username: str) -> Any:
    return sql(project, "SELECT last_login_at FROM admin_users WHERE username = ?", username)[0][0]


@pytest.fixture(scope="module")
def root(admin_project: AdminProject) -> Session:
    """The first administrator, created on the develop-mode setup page (which logs it in)."""
    return admin_project.first_admin()


@pytest.fixture(scope="module")
def people(admin_project: AdminProject, root: Session) -> dict[str, int]:
    """An editor; alice with a reset code pending, a confirmation token and a password changed in the admin."""
    ids = {"eddie": admin_project.create_admin(root, "eddie", "editor"),
           "alice": admin_project.register("alice")["user"]["id"], "bob": admin_project.register("bob")["user"]["id"]}
    form = {"username": "alice", "email": "alice@example.com", "provider": "local", "password": "changed by root",
            "confirmed": "on", "role": ""}
    assert root.submit(f"/admin/registered-user/edit?pk={ids['alice']}", form).status_code == 303
    forgot = httpx.post(f"{admin_project.url}/api/auth/forgot-password", json={"email": "alice@example.com"})
    assert forgot.status_code == 200
    assert internals(admin_project, ids["alice"])[0], "forgot-password stored a reset digest"
    sql(admin_project, "UPDATE registered_users SET reset_password_token = ?, confirmation_token = ? WHERE id = ?",
        RESET, CONFIRM, ids["alice"])
    assert internals(admin_project, ids["alice"])[2] is not None, "a password set in the admin is stamped"
    return ids


def edit_form(user: str) -> dict[str, str]:
    return {"username": user, "email": f"{user}@example.com", "provider": "local", "password": "",
            "confirmed": "on", "role": ""}


def test_the_schemas_mark_them_private_hidden_and_system_managed() -> None:
    user = json.loads((REPO / "content_types" / "registered_user" / "schema.json").read_text())["attributes"]
    for name in SECRETS:
        assert user[name]["private"] is True and user[name]["visible"] is False, name
    assert user["passwordChangedAt"]["private"] is True and user["passwordChangedAt"]["configurable"] is False
    admin_user = json.loads((REPO / "admin" / "content_types" / "admin_user" / "schema.json").read_text())
    assert admin_user["attributes"]["lastLoginAt"]["configurable"] is False


def test_rest_never_answers_them(admin_project: AdminProject, people: dict[str, int]) -> None:
    login = httpx.post(f"{admin_project.url}/api/auth/local", json={"identifier": "bob", "password": PASSWORD})
    assert login.status_code == 200, login.text
    me = httpx.get(f"{admin_project.url}/api/users/me", headers={"Authorization": f"Bearer {login.json()['jwt']}"})
    for body in (login.text, me.text):
        for name in (*SECRETS, "passwordChangedAt", RESET, CONFIRM):
            assert name not in body, name


@pytest.mark.parametrize("who", ["root", "eddie"])
def test_secrets_are_on_no_page_export_or_picker(admin_project: AdminProject, root: Session,
                                                 people: dict[str, int], who: str) -> None:
    session = root if who == "root" else admin_project.login("eddie")
    alice = people["alice"]
    pages = {page: session.get(f"/admin/registered-user/{page}", params={"pk": alice}) for page in ("detail", "edit")}
    pages["list"] = session.get("/admin/registered-user/list", params={"page_size": 100})
    pages["lookup"] = session.get("/admin/_api/registered-user/relation-lookup", params={"q": "ali"})
    pages["messages"] = session.get("/admin/message/create")
    for fmt in ("csv", "json"):
        pages[fmt] = session.action("registered-user", "export", scope="all", format=fmt)
    for name, answer in pages.items():
        assert answer.status_code == 200, (name, answer.text[:300])
        for secret in (RESET, CONFIRM, *SECRETS, "Reset password token", "Confirmation token"):
            assert secret not in answer.text, (who, name, secret)
    # password-changed-at: shown on the detail page, never an input, never in lists or exports
    assert "Password changed at" in pages["detail"].text
    assert 'name="passwordChangedAt"' not in pages["edit"].text and 'name="username"' in pages["edit"].text
    for name in ("list", "csv", "json"):
        assert "Password changed at" not in pages[name].text and "passwordChangedAt" not in pages[name].text, name


@pytest.mark.parametrize("who", ["root", "eddie"])
def test_a_posted_form_does_not_change_them(admin_project: AdminProject, root: Session,
                                            people: dict[str, int], who: str) -> None:
    session = root if who == "root" else admin_project.login("eddie")
    alice = people["alice"]
    before = internals(admin_project, alice)
    saved = session.submit(f"/admin/registered-user/edit?pk={alice}", {**edit_form("alice"), **PLANTED,
                                                                        "provider": f"by-{who}"})
    assert saved.status_code == 303, saved.text[:1000]
    assert sql(admin_project, "SELECT provider FROM registered_users WHERE id = ?", alice)[0][0] == f"by-{who}"
    assert internals(admin_project, alice) == before
    for field in PLANTED:  # nor one at a time, from the list's inline editor
        inline = session.post("/admin/_api/registered-user/inline-edit", params={"pk": alice, "field": field},
                              data={field: PLANTED[field]}, headers={"X-CSRFToken": session.csrf()})
        assert inline.status_code == 403, (field, inline.status_code)
    assert internals(admin_project, alice) == before
    created = session.submit("/admin/registered-user/create", {
        **edit_form(f"carol-{who}"), "password": PASSWORD, **PLANTED})
    assert created.status_code == 303, created.text[:1000]
    row = sql(admin_project, f"SELECT {USER_COLUMNS} FROM registered_users WHERE username = ?", f"carol-{who}")
    assert row == [(None, None, None)]


def test_an_admin_users_last_login_is_read_only(admin_project: AdminProject, root: Session,
                                                people: dict[str, int]) -> None:
    eddie = people["eddie"]
    before = last_login(admin_project, "eddie")
    form = {"username": "eddie", "email": "", "role": "editor", "password": "", "lastLoginAt": "2000-01-01T00:00"}
    assert root.submit(f"/admin/admin-user/edit?pk={eddie}", form).status_code == 303
    assert last_login(admin_project, "eddie") == before
    edit = root.get("/admin/admin-user/edit", params={"pk": eddie}).text
    assert 'name="lastLoginAt"' not in edit and 'name="username"' in edit
    assert "Last login at" in root.get("/admin/admin-user/detail", params={"pk": eddie}).text
    created = root.submit("/admin/admin-user/create", {"username": "newbie", "password": PASSWORD, "role": "author",
                                                       "email": "", "lastLoginAt": "2000-01-01T00:00"})
    assert created.status_code == 303, created.text[:1000]
    assert last_login(admin_project, "newbie") is None, "never logged in"


def test_logins_are_recorded_the_first_administrators_too(admin_project: AdminProject, root: Session,
                                                          people: dict[str, int]) -> None:
    first = last_login(admin_project, "root")
    assert first is not None, "the setup page logs the first administrator in, and records it"
    sql(admin_project, "UPDATE admin_users SET last_login_at = NULL WHERE username = ?", "newbie")
    start = dt.datetime.now(dt.UTC)
    admin_project.login("newbie")
    recorded = last_login(admin_project, "newbie")
    assert recorded is not None
    when = recorded if isinstance(recorded, dt.datetime) else dt.datetime.fromisoformat(str(recorded))
    when = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    assert start - dt.timedelta(seconds=5) <= when <= dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5)
    admin_project.login("root", ROOT_PASSWORD)
    assert last_login(admin_project, "root") != first, "a later login by the form moves it"
    failed = admin_project.session().submit("/admin/login", {"username": "newbie", "password": "wrong password"})
    assert failed.status_code == 400 and last_login(admin_project, "newbie") == recorded, "failures are not logins"


# -- in Chromium ----------------------------------------------------------------------------


@pytest.fixture
def tab_of(admin_project: AdminProject, people: dict[str, int], browser: Any) -> Iterator[Any]:
    """Browser tabs of admins, each logged in through the login page."""
    contexts: list[Any] = []

    def open_tab(username: str, password: str = PASSWORD) -> Any:
        context = browser.new_context(viewport={"width": 1360, "height": 900}, base_url=admin_project.url)
        context.set_default_timeout(15_000)
        contexts.append(context)
        tab = context.new_page()
        sign_in(tab, username, password)
        return tab

    yield open_tab
    for context in contexts:
        context.close()


PLANT_INPUTS = """fields => {
    const form = document.querySelector('form[method="POST"], form[method="post"]');
    for (const [name, value] of Object.entries(fields)) {
        const input = document.createElement('input');
        input.type = 'hidden'; input.name = name; input.value = value;
        form.appendChild(input);
    }
}"""


@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_in_the_browser_the_inputs_are_absent_and_planted_ones_ignored(
        admin_project: AdminProject, tab_of: Any, people: dict[str, int]) -> None:
    alice = people["alice"]
    editor_tab = tab_of("eddie")
    editor_tab.goto(f"/admin/registered-user/edit?pk={alice}")
    assert editor_tab.locator('[name="username"]').count() == 1
    for name in (*SECRETS, "passwordChangedAt"):
        assert editor_tab.locator(f'[name="{name}"]').count() == 0, name
    assert RESET not in editor_tab.content() and CONFIRM not in editor_tab.content()
    before = internals(admin_project, alice)
    editor_tab.evaluate(PLANT_INPUTS, {k: v for k, v in PLANTED.items() if k != "lastLoginAt"})
    editor_tab.fill('[name="provider"]', "from-chromium")
    editor_tab.get_by_role("button", name="Save", exact=True).click()
    editor_tab.wait_for_url(re.compile(r".*/admin/registered-user/(list|detail).*"))
    assert sql(admin_project, "SELECT provider FROM registered_users WHERE id = ?", alice)[0][0] == "from-chromium"
    assert internals(admin_project, alice) == before
    editor_tab.goto(f"/admin/registered-user/detail?pk={alice}")
    assert editor_tab.get_by_text("Password changed at").count() >= 1
    assert editor_tab.locator('input[name="passwordChangedAt"]').count() == 0


@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_in_the_browser_last_login_is_shown_not_edited(admin_project: AdminProject, tab_of: Any,
                                                       people: dict[str, int]) -> None:
    tab = tab_of("root", ROOT_PASSWORD)
    eddie = people["eddie"]
    tab.goto(f"/admin/admin-user/edit?pk={eddie}")
    assert tab.locator('[name="username"]').count() == 1
    assert tab.locator('[name="lastLoginAt"]').count() == 0
    before = last_login(admin_project, "eddie")
    tab.evaluate(PLANT_INPUTS, {"lastLoginAt": "2000-01-01T00:00"})
    tab.get_by_role("button", name="Save", exact=True).click()
    tab.wait_for_url(re.compile(r".*/admin/admin-user/(list|detail).*"))
    assert last_login(admin_project, "eddie") == before
    tab.goto(f"/admin/admin-user/detail?pk={eddie}")
    assert tab.get_by_text("Last login at").count() >= 1
    assert tab.locator('input[name="lastLoginAt"]').count() == 0
