"""A project with the admin on a real server, HTTP sessions of admin users, and headless Chromium.

Each test module gets its own project and server (``admin_project``). Admin
sessions are plain ``httpx`` clients that log in through the login form, as a
browser does; :class:`Session` adds the CSRF token every form must carry (the
signed value of starlette-admin's CSRF cookie). Browser tests use Debian's
``chromium`` through Playwright; their screenshots go to ``.tmp/screenshots/``.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import database_environment
from tests.helpers.project import REPO, Server, make_project

SCREENSHOTS = REPO / ".tmp" / "screenshots"
CHROMIUM = os.environ.get("CMS_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PLUGINS_TOML = """\
[users_permissions]
rate_limit_enabled = false

[admin]
module = "admin"
title = "Chat CMS"
login_max_failures = 3
login_lockout_seconds = 120

[realtime]
"""
ROOT_PASSWORD = "root-password-1"
PASSWORD = "correct horse battery"
CSRF_COOKIE = "starlette_admin_csrftoken"


def sign_in(tab: Any, username: str, password: str) -> None:
    """Log ``tab`` in through the admin's login form, as an editor does."""
    tab.goto("/admin/login")
    tab.fill("#username", username)
    tab.fill("#password", password)
    tab.click("button[type=submit]")
    tab.wait_for_url("**/admin/")


@contextmanager
def admin_tab(browser: Any, base_url: str, username: str = "root", password: str = ROOT_PASSWORD,
              width: int = 1360, height: int = 900) -> Iterator[Any]:
    """A Chromium tab of its own (a fresh context), logged in to the admin at ``base_url``."""
    context = browser.new_context(viewport={"width": width, "height": height}, base_url=base_url)
    context.set_default_timeout(15_000)
    try:
        tab = context.new_page()
        sign_in(tab, username, password)
        yield tab
    finally:
        context.close()


def form_token(html: str) -> str:
    match = re.search(r'name="csrftoken" value="([^"]*)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


class Session(httpx.Client):
    """An admin's browser session, without the browser."""

    def csrf(self) -> str:
        if CSRF_COOKIE not in self.cookies:
            self.get("/admin/login")
        return str(self.cookies[CSRF_COOKIE])

    def submit(self, path: str, data: dict[str, Any], **kwargs: Any) -> httpx.Response:
        """POST a form the way the page does: with its CSRF token."""
        return self.post(path, data={"csrftoken": self.csrf(), **data}, **kwargs)

    def action(self, key: str, name: str, pks: list[Any] | None = None, **data: Any) -> httpx.Response:
        """A list page's batch action on some rows (or, without ``pks``, all matching rows);
        the page's JavaScript sends the token in a header."""
        params: dict[str, Any] = {"name": name, "pks": [str(p) for p in pks]} if pks is not None else {"name": name, "all": "1"}
        return self.post(f"/admin/_api/{key}/action", params=params, data=data, headers={"X-CSRFToken": self.csrf()})


@dataclass
class AdminProject:
    root: Path
    env: dict[str, str]
    server: Server

    @property
    def url(self) -> str:
        return self.server.url

    def session(self) -> Session:
        return Session(base_url=self.url, follow_redirects=False, timeout=30)

    def first_admin(self) -> Session:
        """The first administrator, ``root``, made through the setup page: its signed-in session."""
        session = self.session()
        created = session.submit("/admin/setup", {"username": "root", "password": ROOT_PASSWORD,
                                                  "confirm": ROOT_PASSWORD})
        assert created.status_code == 303, created.text[:500]
        return session

    def login(self, username: str, password: str = PASSWORD) -> Session:
        session = self.session()
        answer = session.submit("/admin/login", {"username": username, "password": password})
        assert answer.status_code == 303, f"login of {username} failed: {answer.status_code} {answer.text[:300]}"
        return session

    def create_admin(self, by: Session, username: str, role: str, password: str = PASSWORD) -> int:
        """A super-admin creates another admin user through the admin's own form."""
        answer = by.submit("/admin/admin-user/create", {"username": username, "password": password, "role": role,
                                                        "email": "", "blocked": ""})
        assert answer.status_code == 303, answer.text[:2000]
        listing = by.get("/admin/admin-user/list", params={"q": username})
        ids = re.findall(r'data-sa-pk="(\d+)"', listing.text)
        assert ids, listing.text[:500]
        return int(ids[0])

    def register(self, username: str) -> dict[str, Any]:
        """A registered user (REST sign-up, public role)."""
        answer = httpx.post(f"{self.url}/api/auth/local/register", json={
            "username": username, "email": f"{username}@example.com", "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        return dict(answer.json())


def t(name: str) -> str:
    """The CSS selector of the element with ``data-testid="<name>"``."""
    return f'[data-testid="{name}"]'


@pytest.fixture(scope="module")
def page(project: AdminProject, root: Session, browser: Any) -> Iterator[Any]:
    """A Chromium tab signed in as the module's first administrator (modules define ``project``
    and ``root``)."""
    with admin_tab(browser, project.url) as tab:
        yield tab


@pytest.fixture(scope="module")
def api(project: AdminProject) -> Iterator[httpx.Client]:
    """An HTTP client of the module's project's REST API."""
    with httpx.Client(base_url=project.url + "/api", timeout=15) as client:
        yield client


@contextmanager
def serving_admin(root: Path) -> Iterator[AdminProject]:
    """``cms develop`` on the project at ``root``, on a database of its own (no admin user yet)."""
    with database_environment() as env:
        server = Server(root, "develop", env)
        try:
            server.wait_ready(60)
            yield AdminProject(root, env, server)
        finally:
            server.stop()


def start_project(root: Path, env: dict[str, str], command: str = "develop", plugins_toml: str = PLUGINS_TOML,
                  files: dict[str, str] | None = None) -> AdminProject:
    """Make the project (with extra ``files``, relative to it), start its server."""
    make_project(root, plugins_toml=plugins_toml)
    for name, text in (files or {}).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    server = Server(root, command, env)
    try:
        server.wait_ready(60)
    except Exception:
        server.stop()
        raise
    return AdminProject(root, env, server)


@pytest.fixture(scope="module")
def admin_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdminProject]:
    """This module's project (develop mode, no admin user yet) on a real server."""
    with database_environment() as env:
        project = start_project(tmp_path_factory.mktemp("admin") / "project", env)
        try:
            yield project
        finally:
            project.server.stop()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    if SCREENSHOTS.exists():
        shutil.rmtree(SCREENSHOTS)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium (Debian's package, never a downloaded build)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SCREENSHOTS.exists() and any(SCREENSHOTS.iterdir()):
        count = len(list(SCREENSHOTS.glob("*.png")))
        terminalreporter.write_line(f"admin screenshots ({count}): {SCREENSHOTS}")
