"""The admin without the users_permissions plugin, and its only way to that plugin when it is on.

The admin reaches roles, grants and API tokens only through the service the
plugin provides (``app.service("users_permissions")``), never by importing the
plugin's modules (checked on the source). A project whose ``config/plugins.toml``
has no ``[users_permissions]`` still serves the admin: the first administrator,
logging in, listing and editing content, the schemas and admin users; the
settings of roles and API tokens are not in the menu and answer 404. And a
project that lists the admin before users_permissions (the service is provided
after the admin registered) still has working settings pages.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.admin.conftest import ROOT_PASSWORD, AdminProject, Session, serving_admin, start_project
from tests.conftest import database_environment
from tests.helpers.project import REPO, make_project

ADMIN = REPO / "admin"
ARTICLE = {
    "kind": "collectionType",
    "collectionName": "articles",
    "info": {"singularName": "article", "pluralName": "articles", "displayName": "Article"},
    "options": {"draftAndPublish": False},
    "attributes": {"title": {"type": "string", "required": True, "maxLength": 80}, "body": {"type": "text"},
                   "published": {"type": "boolean", "default": False}},
}
ADMIN_ONLY = """\
[admin]
module = "admin"
title = "Bare CMS"
"""
ADMIN_FIRST = """\
[admin]
module = "admin"

[users_permissions]
rate_limit_enabled = false
"""
SETTINGS = ("/admin/settings/permissions", "/admin/settings/permissions/1", "/admin/settings/api-tokens")


def imports_of(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) of every import of ``path``, those inside functions and under TYPE_CHECKING too."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def test_the_admin_imports_no_module_of_users_permissions() -> None:
    sources = sorted(ADMIN.rglob("*.py"))
    assert ADMIN / "site.py" in sources and ADMIN / "access.py" in sources
    found = [f"{path.relative_to(REPO)}:{line} imports {module}" for path in sources
             for line, module in imports_of(path)
             if module == "plugins.users_permissions" or module.startswith("plugins.users_permissions.")]
    assert not found, "the admin must use app.service('users_permissions'):\n" + "\n".join(found)
    for path in sources:  # nor reach it by name at run time
        text = path.read_text(encoding="utf-8")
        assert "importlib" not in text and "plugins.users_permissions" not in text, path


# -- a project without users_permissions -----------------------------------------------------


@pytest.fixture(scope="module")
def bare(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdminProject]:
    """A develop-mode project with the admin and one content type, and no other plugin."""
    root = make_project(tmp_path_factory.mktemp("no-up") / "project", builtin_types=False, plugins_toml=ADMIN_ONLY)
    (root / "content_types" / "article").mkdir(parents=True)
    (root / "content_types" / "article" / "schema.json").write_text(json.dumps(ARTICLE))
    with serving_admin(root) as project:
        yield project


@pytest.fixture(scope="module")
def root(bare: AdminProject) -> Session:
    session = bare.session()
    first = session.get("/admin/", follow_redirects=True)
    assert first.status_code == 200 and first.url.path == "/admin/setup", first.text[:500]
    created = session.submit("/admin/setup", {"username": "root", "password": ROOT_PASSWORD, "confirm": ROOT_PASSWORD})
    assert created.status_code == 303, created.text[:500]
    return session


def test_no_users_permissions_plugin_is_loaded(bare: AdminProject) -> None:
    assert "users_permissions" not in (bare.root / "config" / "plugins.toml").read_text()
    assert httpx.get(f"{bare.url}/api/users-permissions/roles").status_code == 404
    assert httpx.post(f"{bare.url}/api/auth/local", json={"identifier": "x", "password": "y"}).status_code == 404


def test_an_admin_logs_in_and_sees_a_reduced_settings_menu(bare: AdminProject, root: Session) -> None:
    session = bare.login("root", ROOT_PASSWORD)  # through the login form, not the setup page
    home = session.get("/admin/")
    assert home.status_code == 200 and "Bare CMS" in home.text
    assert "/admin/article/list" in home.text and "Settings" in home.text
    assert "/admin/settings/content-types" in home.text and "/admin/admin-user/list" in home.text
    for gone in ("Roles &amp; permissions", "API tokens", "Users &amp; permissions", "/admin/settings/permissions",
                 "/admin/settings/api-tokens", "registered-user", "/admin/role/"):
        assert gone not in home.text, gone
    for path in SETTINGS:
        assert session.get(path).status_code == 404, path
        assert session.submit(path, {"name": "x", "type": "read-only", "duration": "7"}).status_code in (404, 405), path
    assert session.get("/admin/registered-user/list").status_code == 404
    schemas = session.get("/admin/settings/content-types")
    assert schemas.status_code == 200 and "api::article.article" in schemas.text
    assert "users-permissions" not in schemas.text
    assert session.get("/admin/settings/content-types/api::article.article").status_code == 200
    assert session.get("/admin/admin-user/list").status_code == 200


def test_content_is_listed_created_edited_and_deleted(bare: AdminProject, root: Session) -> None:
    created = root.submit("/admin/article/create", {"title": "Hello", "body": "first words", "published": "on"})
    assert created.status_code == 303, created.text[:1000]
    listing = root.get("/admin/article/list", params={"q": "hello"})
    assert listing.status_code == 200 and "Hello" in listing.text
    pk = re.findall(r'data-sa-pk="(\d+)"', listing.text)[0]
    edited = root.submit(f"/admin/article/edit?pk={pk}", {"title": "Hello again", "body": "more words"})
    assert edited.status_code == 303, edited.text[:1000]
    detail = root.get("/admin/article/detail", params={"pk": pk})
    assert detail.status_code == 200 and "Hello again" in detail.text and "more words" in detail.text
    refused = root.submit(f"/admin/article/edit?pk={pk}", {"title": "x" * 81, "body": ""})
    assert refused.status_code == 422, "the schema's rules hold without the plugin too"
    exported = root.action("article", "export", scope="all", format="json")
    assert exported.status_code == 200 and [r["Title"] for r in exported.json()] == ["Hello again"]
    # develop mode without users_permissions allows every REST call: the same entry is there
    rest = httpx.get(f"{bare.url}/api/articles").json()
    assert [d["title"] for d in rest["data"]] == ["Hello again"]
    assert root.action("article", "delete", pks=[pk]).status_code == 200
    assert httpx.get(f"{bare.url}/api/articles").json()["data"] == []


def test_an_editor_works_on_content_without_the_plugin(bare: AdminProject, root: Session) -> None:
    bare.create_admin(root, "edna", "editor")
    edna = bare.login("edna")
    assert edna.get("/admin/").status_code == 200
    assert edna.submit("/admin/article/create", {"title": "By Edna", "body": ""}).status_code == 303
    assert "By Edna" in edna.get("/admin/article/list").text
    assert edna.get("/admin/settings/content-types").status_code == 403


# -- the admin listed before users_permissions ------------------------------------------------


@pytest.fixture(scope="module")
def admin_first(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdminProject]:
    """The admin registers before users_permissions provides its service."""
    with database_environment() as env:
        project = start_project(tmp_path_factory.mktemp("admin-first") / "project", env, plugins_toml=ADMIN_FIRST)
        try:
            yield project
        finally:
            project.server.stop()


def test_the_settings_pages_work_when_the_admin_registers_first(admin_first: AdminProject) -> None:
    toml = (admin_first.root / "config" / "plugins.toml").read_text()
    assert toml.index("[admin]") < toml.index("[users_permissions]")
    session = admin_first.session()
    assert session.submit("/admin/setup", {"username": "root", "password": ROOT_PASSWORD,
                                           "confirm": ROOT_PASSWORD}).status_code == 303
    home = session.get("/admin/").text
    assert "Roles &amp; permissions" in home and "API tokens" in home
    roles = session.get("/admin/settings/permissions")
    assert roles.status_code == 200 and "Authenticated" in roles.text
    public = re.search(r'settings/permissions/(\d+)"[^>]*data-testid="edit-role-public"', roles.text)
    assert public, roles.text[:2000]
    # grant Public messages.find through the page: the REST API obeys at once
    assert httpx.get(f"{admin_first.url}/api/chat-users").status_code == 403
    page = session.get(f"/admin/settings/permissions/{public.group(1)}").text
    ticked = {m: "on" for m in re.findall(r'name="(grant:[^"]+)"[^>]*checked', page)}
    saved = session.submit(f"/admin/settings/permissions/{public.group(1)}",
                           {**ticked, "grant:api::chat-user.chat-user.find": "on"})
    assert saved.status_code == 303, saved.text[:1000]
    assert httpx.get(f"{admin_first.url}/api/chat-users").status_code == 200
    bad = session.submit(f"/admin/settings/permissions/{public.group(1)}", {
        "grant:api::chat-user.chat-user.find": "on",
        "condition:api::chat-user.chat-user.find": '{"nope": {"$eq": "x"}}'})
    assert bad.status_code == 422 and "Invalid key nope" in bad.text, bad.text[:2000]
    again = session.get(f"/admin/settings/permissions/{public.group(1)}").text
    still = set(re.findall(r'name="(grant:[^"]+)"[^>]*checked', again))
    assert still == {*ticked, "grant:api::chat-user.chat-user.find"}
    assert "nope" not in again, "nothing was saved"
    # an API token made on the page opens the API; revoked, it does not
    made = session.submit("/admin/settings/api-tokens", {"name": "script", "type": "read-only", "duration": "7"})
    assert made.status_code == 200, made.text[:1000]
    token = re.search(r'data-testid="new-token">([0-9a-f]+)<', made.text)
    assert token, made.text[:2000]
    auth = {"Authorization": f"Bearer {token.group(1)}"}
    assert httpx.get(f"{admin_first.url}/api/messages", headers=auth).status_code == 200
    listed = session.get("/admin/settings/api-tokens").text
    assert token.group(1) not in listed and "script" in listed
    token_id = re.search(r'/admin/settings/api-tokens/(\d+)/revoke', listed)
    assert token_id, listed[:2000]
    assert session.submit(f"/admin/settings/api-tokens/{token_id.group(1)}/revoke", {}).status_code == 303
    assert httpx.get(f"{admin_first.url}/api/messages", headers=auth).status_code == 401
    duplicate = session.submit("/admin/settings/api-tokens", {"name": "again", "type": "read-only", "duration": "7"})
    assert duplicate.status_code == 200
    clash = session.submit("/admin/settings/api-tokens", {"name": "again", "type": "read-only", "duration": "7"})
    assert clash.status_code == 422 and "data-testid=\"new-token\"" not in clash.text
