"""Chat projects with one more plugin, and users of a role that plugin's grant was given to.

Tests of plugins that build on the realtime service (the worked example of
docs/plugins.md, the socket-helper probe) run a real server for a project
holding this repository's types, users_permissions, realtime and that
plugin, with extra roles seeded from ``config/permissions.toml``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from plugins.users_permissions.tokens import issue_jwt
from tests.conftest import database_environment
from tests.helpers.project import Server, make_project
from tests.plugins.realtime.conftest import JWT_SECRET, PASSWORD, SECRETS_ENV, ChatServer, User, unique


@contextmanager
def plugin_server(tmp_path_factory: pytest.TempPathFactory, name: str, package: Path | str,
                  roles: str = "", public_actions: list[str] | None = None) -> Iterator[ChatServer]:
    """A running project with plugin ``name`` (a package folder to copy, or its ``__init__.py`` text).

    ``roles`` is TOML appended to the project's permissions file (new roles and
    their grants); ``public_actions`` replaces the Public role's grants (``[]``:
    none at all, when REST answers callers without credentials 401).
    """
    plugins = f"[users_permissions]\nrate_limit_enabled = false\n\n[realtime]\n\n[{name}]\n"
    root = make_project(tmp_path_factory.mktemp(name), plugins_toml=plugins)
    target = root / "plugins" / name
    if isinstance(package, Path):
        shutil.copytree(package, target, ignore=shutil.ignore_patterns("__pycache__"))
    else:
        target.mkdir(parents=True)
        (target / "__init__.py").write_text(package)
    grants = root / "config" / "permissions.toml"
    text = grants.read_text()
    if public_actions is not None:
        start = text.index("[roles.public]")
        end = text.index("[roles.authenticated]")
        listed = ", ".join(f'"{action}"' for action in public_actions)
        text = text[:start] + f'[roles.public]\nname = "Public"\nactions = [{listed}]\n\n' + text[end:]
    grants.write_text(text + "\n" + roles)
    with database_environment() as database:
        server = Server(root, "develop", {**database, **SECRETS_ENV})
        try:
            yield ChatServer(server.wait_ready(), database)
        finally:
            server.stop()


async def user_with_role(server: ChatServer, role_type: str, prefix: str = "u") -> User:
    """A registered user moved to role ``role_type`` by an operator (a full-access API token)."""
    user = await server.register(prefix)
    operator = await server.api_token("full-access")
    roles = (await server.http("GET", "/api/users-permissions/roles", operator)).json()["roles"]
    role_id = next(role["id"] for role in roles if role["type"] == role_type)
    moved = await server.http("PUT", f"/api/users/{user.id}", operator, json={"role": role_id})
    assert moved.status_code == 200, moved.text
    return user


async def created_user(server: ChatServer) -> User:
    """A registered user made by an operator, with a JWT signed by the server's secret: for
    projects whose Public role may not register or log in."""
    operator = await server.api_token("full-access")
    name = unique("op")
    created = await server.http("POST", "/api/users", operator,
                                json={"username": name, "email": f"{name}@example.com", "password": PASSWORD})
    assert created.status_code == 201, created.text
    body = created.json()
    return User(body["id"], body["documentId"], name, issue_jwt(body["id"], JWT_SECRET, lifetime=3600))
