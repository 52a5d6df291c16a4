"""``cms admin create-user``, ``cms users create`` and ``cms api-token create``, run as an
operator runs them.

The project is set up the production way (``cms migrate make`` and ``cms migrate up``, then
``cms start``: no first-visit setup page), and the commands run in its folder in a subprocess
while the server runs. What they create is checked by logging in, as its owner would: an admin
user through the admin's login form (and its role by what the admin then lets it see), a
registered user through ``POST /api/auth/local``, a token by what it opens. Errors are checked
by their exact message (the last line of stderr: the plugins' start-up warnings may precede it),
their exit status (1 for refused values, 2 for arguments argparse refuses), and by nothing
having been stored.
"""

from __future__ import annotations

import asyncio
import os
import pty
import re
import select
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from tests.admin.conftest import Session
from tests.conftest import database_environment
from tests.helpers.project import CMS, Server, make_project, run_cms

PLUGINS_TOML = """\
[users_permissions]
rate_limit_enabled = false
mailer = "file:.tmp/mails.jsonl"

[admin]
module = "admin"
"""
ADMIN_PASSWORD = "root-password-1"
USER_PASSWORD = "secret123"


@dataclass
class Deployed:
    root: Path
    env: dict[str, str]
    server: Server

    def cms(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        result = run_cms(self.root, *args, env={**self.env, **(env or {})})
        assert "Traceback" not in result.stderr, result.stderr
        return result

    def sql(self, statement: str) -> list[tuple[Any, ...]]:
        """One read on the project's database, beside the server."""
        url = self.env.get("CMS_DATABASE_URL")
        if url is None:
            with closing(sqlite3.connect(self.root / ".tmp" / "data.db")) as conn:
                return conn.execute(statement).fetchall()

        async def run() -> list[tuple[Any, ...]]:
            conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
            try:
                return [tuple(row.values()) for row in await conn.fetch(statement)]
            finally:
                await conn.close()

        return asyncio.run(run())

    def admin_login(self, username: str, password: str) -> tuple[int, Session]:
        """Log in through the admin's form as a browser does: the status of the answer (303 when
        it let the admin in) and the session."""
        session = Session(base_url=self.server.url, follow_redirects=False, timeout=30)
        answer = session.submit("/admin/login", {"username": username, "password": password})
        return answer.status_code, session

    def user_login(self, identifier: str, password: str) -> httpx.Response:
        return httpx.post(f"{self.server.url}/api/auth/local", json={"identifier": identifier, "password": password})


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    """A project deployed as in production: migrations made and applied, then ``cms start``."""
    root = make_project(tmp_path_factory.mktemp("accounts") / "project", plugins_toml=PLUGINS_TOML)
    with database_environment() as env:
        for args in (("migrate", "make", "initial"), ("migrate", "up")):
            done = run_cms(root, *args, env=env)
            assert done.returncode == 0, done.stdout + done.stderr
        server = Server(root, "start", env)
        try:
            server.wait_ready(60)
            yield Deployed(root, env, server)
        finally:
            server.stop()


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


def admin_rows(deployed: Deployed, username: str) -> list[tuple[Any, ...]]:
    return deployed.sql(f"SELECT username, role, email FROM admin_users WHERE username = '{username}'")


def user_rows(deployed: Deployed, where: str) -> list[tuple[Any, ...]]:
    return deployed.sql(f"SELECT username, email FROM registered_users WHERE {where}")


def role_of(deployed: Deployed, username: str) -> str:
    [(role,)] = deployed.sql("SELECT r.type FROM registered_users u JOIN up_roles r ON r.id = u.role_id"
                             f" WHERE u.username = '{username}'")
    return str(role)


# -- cms admin create-user -----------------------------------------------------------------


def test_the_first_admin_comes_from_the_command_line_and_logs_in(deployed: Deployed) -> None:
    """Catches a command that stores an admin who cannot log in (password not hashed as login
    checks it, wrong role), or a production server that offers the develop-mode setup page."""
    assert httpx.get(f"{deployed.server.url}/admin/setup").status_code == 404  # production: no setup page

    created = deployed.cms("admin", "create-user", "--username", "root", "--password", ADMIN_PASSWORD,
                           "--email", "root@example.com")

    assert (created.returncode, created.stdout) == (0, "created admin user root (super-admin), id 1\n")
    assert admin_rows(deployed, "root") == [("root", "super-admin", "root@example.com")]
    status, session = deployed.admin_login("root", ADMIN_PASSWORD)
    assert status == 303
    # a super-admin: the settings pages are open to it
    assert session.get("/admin/settings/permissions").status_code == 200
    assert deployed.admin_login("root", "not-the-password")[0] != 303


def test_an_editor_made_on_the_command_line_has_the_editors_rights(deployed: Deployed) -> None:
    """Catches ``--role`` ignored (every admin made a super-admin)."""
    created = deployed.cms("admin", "create-user", "--username", "eddie", "--role", "editor",
                           "--password", ADMIN_PASSWORD)

    assert created.returncode == 0, created.stderr
    assert created.stdout.startswith("created admin user eddie (editor), id ")
    status, session = deployed.admin_login("eddie", ADMIN_PASSWORD)
    assert status == 303
    assert session.get("/admin/").status_code == 200
    assert session.get("/admin/settings/permissions").status_code == 403  # settings: super-admin only


def test_the_password_may_come_from_the_environment(deployed: Deployed) -> None:
    """``$CMS_ADMIN_PASSWORD`` keeps the password out of the process list and shell history."""
    created = deployed.cms("admin", "create-user", "--username", "envy", env={"CMS_ADMIN_PASSWORD": "from-the-env-1"})

    assert created.returncode == 0, created.stderr
    assert deployed.admin_login("envy", "from-the-env-1")[0] == 303


def test_without_a_password_it_is_asked_for_on_the_terminal_and_not_echoed(deployed: Deployed) -> None:
    """As typed at a terminal (a pseudo-terminal here): a ``Password:`` prompt, the typed password
    not shown back, and the admin logs in with it. Catches a password read from the wrong place
    or echoed to the screen."""
    env = {k: v for k, v in {**os.environ, **deployed.env}.items() if k != "CMS_ADMIN_PASSWORD"}
    pid, terminal = pty.fork()
    if pid == 0:  # the child: its controlling terminal is the pseudo-terminal
        try:
            os.chdir(deployed.root)
            os.execve(CMS, [CMS, "admin", "create-user", "--username", "typist"], env)
        finally:
            os._exit(127)  # never back into pytest
    output = b""

    def read(until: bytes | None, timeout: float = 60) -> None:
        """Read what the terminal shows until ``until`` appears (``None``: until the child closes it)."""
        nonlocal output
        deadline = time.monotonic() + timeout
        while until is None or until not in output:
            assert time.monotonic() < deadline, output
            if select.select([terminal], [], [], 0.1)[0]:
                try:
                    chunk = os.read(terminal, 1024)
                except OSError:  # EIO: the child exited and the terminal is closed
                    return
                if not chunk:
                    return
                output += chunk

    try:
        read(b"Password: ")
        os.write(terminal, b"typed-at-the-prompt\n")
        read(None)
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(terminal)

    assert os.waitstatus_to_exitcode(status) == 0, output
    assert re.search(rb"Password: \r?\n(.*\r?\n)*created admin user typist \(super-admin\), id \d+\r?\n$", output), output
    assert b"typed-at-the-prompt" not in output
    assert deployed.admin_login("typist", "typed-at-the-prompt")[0] == 303


@pytest.mark.parametrize(("args", "status", "message"), [
    (["--username", "root", "--password", "another-password"], 1, "error: username: This attribute must be unique"),
    (["--username", "weakling", "--password", "short"], 1, "error: password: password must be at least 8 characters"),
    (["--username", "mailer", "--password", ADMIN_PASSWORD, "--email", "not-an-email"], 1,
     "error: email: email must be a valid email"),
    (["--username", "no spaces", "--password", ADMIN_PASSWORD], 1,
     'error: username: username must match the following: "/^[A-Za-z0-9._@-]+$/"'),
    (["--password", ADMIN_PASSWORD], 2, "cms admin create-user: error: the following arguments are required: --username"),
    (["--username", "king", "--password", ADMIN_PASSWORD, "--role", "king"], 2,
     "cms admin create-user: error: argument --role: invalid choice: 'king' (choose from 'super-admin', 'editor', 'author')"),
])
def test_admin_create_user_refuses_bad_values_and_stores_nothing(
    deployed: Deployed, args: list[str], status: int, message: str
) -> None:
    """Catches a refusal that still stores an admin, exits 0 (scripts would go on), or names
    nothing the operator can fix."""
    if "root" in args and not admin_rows(deployed, "root"):
        assert deployed.cms("admin", "create-user", "--username", "root", "--password", ADMIN_PASSWORD).returncode == 0
    before = deployed.sql("SELECT count(*) FROM admin_users")

    refused = deployed.cms("admin", "create-user", *args)

    assert (refused.returncode, last_line(refused.stderr), refused.stdout) == (status, message, "")
    assert deployed.sql("SELECT count(*) FROM admin_users") == before
    if "root" in args:  # the first one keeps its password
        assert deployed.admin_login("root", "another-password")[0] != 303
        assert deployed.admin_login("root", ADMIN_PASSWORD)[0] == 303


# -- cms users create ----------------------------------------------------------------------


def test_users_create_makes_a_registered_user_who_logs_in_over_rest(deployed: Deployed) -> None:
    """Catches a user stored without a usable password, with the email's case kept (logins by
    email compare lower-cased), or in another role than the default."""
    created = deployed.cms("users", "create", "--username", "ann", "--email", "Ann@Example.com",
                           "--password", USER_PASSWORD)

    assert created.returncode == 0, created.stderr
    assert created.stdout.startswith("created user ann (id ") and created.stdout.endswith(", role authenticated)\n")
    assert user_rows(deployed, "username = 'ann'") == [("ann", "ann@example.com")]
    for identifier in ("ann", "ann@example.com", "ANN@example.com"):
        login = deployed.user_login(identifier, USER_PASSWORD)
        assert login.status_code == 200, (identifier, login.text)
        assert login.json()["user"]["username"] == "ann"
    assert role_of(deployed, "ann") == "authenticated"
    jwt = deployed.user_login("ann", USER_PASSWORD).json()["jwt"]
    me = httpx.get(f"{deployed.server.url}/api/users/me", headers={"Authorization": f"Bearer {jwt}"})
    assert (me.status_code, me.json()["username"], me.json()["email"]) == (200, "ann", "ann@example.com")
    wrong = deployed.user_login("ann", "not-the-password")
    assert (wrong.status_code, wrong.json()["error"]["message"]) == (400, "Invalid identifier or password")


def test_users_create_puts_the_user_in_the_role_asked_for(deployed: Deployed) -> None:
    created = deployed.cms("users", "create", "--username", "pat", "--email", "pat@example.com",
                           "--password", USER_PASSWORD, "--role", "public")

    assert created.returncode == 0, created.stderr
    assert created.stdout.endswith(", role public)\n")
    assert role_of(deployed, "pat") == "public"
    jwt = deployed.user_login("pat", USER_PASSWORD).json()["jwt"]
    # the Public role has no users.me: the user exists, logs in, and is refused what the role lacks
    me = httpx.get(f"{deployed.server.url}/api/users/me", headers={"Authorization": f"Bearer {jwt}"})
    assert (me.status_code, me.json()["error"]["message"]) == (403, "Forbidden")


@pytest.mark.parametrize(("args", "status", "message"), [
    (["--username", "ann", "--email", "other@example.com", "--password", USER_PASSWORD], 1,
     "error: Email or Username are already taken"),
    (["--username", "someone", "--email", "ANN@example.com", "--password", USER_PASSWORD], 1,
     "error: Email or Username are already taken"),
    (["--username", "weak", "--email", "weak@example.com", "--password", "12345"], 1,
     "error: password must be at least 6 characters"),
    (["--username", "mailer", "--email", "not-an-email", "--password", USER_PASSWORD], 1,
     "error: email must be a valid email"),
    (["--username", "nobody", "--email", "nobody@example.com", "--password", USER_PASSWORD, "--role", "nosuch"], 1,
     "error: no role of type 'nosuch'"),
    (["--username", "half"], 2, "cms users create: error: the following arguments are required: --email, --password"),
])
def test_users_create_refuses_bad_values_and_stores_nothing(
    deployed: Deployed, args: list[str], status: int, message: str
) -> None:
    if not user_rows(deployed, "username = 'ann'"):
        assert deployed.cms("users", "create", "--username", "ann", "--email", "ann@example.com",
                            "--password", USER_PASSWORD).returncode == 0
    before = deployed.sql("SELECT count(*) FROM registered_users")

    refused = deployed.cms("users", "create", *args)

    assert (refused.returncode, last_line(refused.stderr), refused.stdout) == (status, message, "")
    assert deployed.sql("SELECT count(*) FROM registered_users") == before
    assert deployed.user_login("ann", USER_PASSWORD).status_code == 200  # the first one is untouched
    if "--password" in args and args[args.index("--username") + 1] != "ann":
        assert deployed.user_login(args[args.index("--username") + 1], args[args.index("--password") + 1]).status_code == 400


# -- cms api-token create ------------------------------------------------------------------


@pytest.mark.parametrize(("args", "status", "message"), [
    (["--name", "lonely", "--type", "custom"], 1, "error: a custom token needs --actions"),
    (["--name", "dreamer", "--type", "custom", "--actions", "api::message.message.find", "api::nothing.nothing.find"],
     1, "error: unknown actions: api::nothing.nothing.find"),
    (["--name", "king", "--type", "root"], 2,
     "cms api-token create: error: argument --type: invalid choice: 'root' (choose from 'read-only', 'full-access', 'custom')"),
    (["--type", "read-only"], 2, "cms api-token create: error: the following arguments are required: --name"),
])
def test_api_token_create_refuses_bad_values_and_stores_nothing(
    deployed: Deployed, args: list[str], status: int, message: str
) -> None:
    """Catches a refused token that is stored anyway (or printed: a script would use it)."""
    before = deployed.sql("SELECT count(*) FROM up_api_tokens")

    refused = deployed.cms("api-token", "create", *args)

    assert (refused.returncode, last_line(refused.stderr), refused.stdout) == (status, message, "")
    assert deployed.sql("SELECT count(*) FROM up_api_tokens") == before


def test_a_custom_token_from_the_command_line_opens_exactly_its_actions(deployed: Deployed) -> None:
    created = deployed.cms("api-token", "create", "--name", "counter", "--type", "custom",
                           "--actions", "plugin::users-permissions.user.count", "--description", "counts users")

    assert created.returncode == 0, created.stderr
    assert created.stdout.startswith("API token 'counter' (custom) created; it is shown only once:\n")
    auth = {"Authorization": f"Bearer {created.stdout.splitlines()[-1]}"}
    assert httpx.get(f"{deployed.server.url}/api/users/count", headers=auth).status_code == 200
    assert httpx.get(f"{deployed.server.url}/api/users", headers=auth).status_code == 403
    assert deployed.sql("SELECT description FROM up_api_tokens WHERE name = 'counter'") == [("counts users",)]


def test_a_token_name_already_taken_is_an_error_line_not_a_traceback(deployed: Deployed) -> None:
    """Token names are unique. Catches the command crashing with a traceback (an IntegrityError),
    as a second ``--name deploy`` did."""
    assert deployed.cms("api-token", "create", "--name", "deploy", "--type", "read-only").returncode == 0
    again = run_cms(deployed.root, "api-token", "create", "--name", "deploy", "--type", "read-only", env=deployed.env)

    assert again.returncode == 1
    assert "Traceback" not in again.stderr
    assert last_line(again.stderr) == "error: an API token named 'deploy' already exists"
    assert deployed.sql("SELECT count(*) FROM up_api_tokens WHERE name = 'deploy'") == [(1,)]
