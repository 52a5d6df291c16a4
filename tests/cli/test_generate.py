"""``cms new``, ``cms generate`` and ``cms routes``: skeletons that run as written.

A new project is served by ``cms develop`` unchanged; a generated content type
loads and gets its table; a generated plugin loads. Bad names and existing
targets are refused with a message and exit status 1, never a traceback.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from cms.app import load_project
from cms.cli.main import main
from tests.helpers.project import Server, make_project, run_cms


def cms(cwd: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = run_cms(cwd, *args, env=env, timeout=60)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout, result.stderr


@pytest.fixture
def site(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A project made by ``cms new`` (in this process: it imports no project code)."""
    assert main(["new", str(tmp_path / "site")]) == 0
    capsys.readouterr()
    return tmp_path / "site"


def generate(site: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``cms --project SITE generate ...`` in this process (generating imports no project code)."""
    status = main(["--project", str(site), "generate", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_new_makes_a_project_that_develop_serves(
    tmp_path: Path, server_factory: Callable[..., Server]
) -> None:
    status, out, _ = cms(tmp_path, "new", "site")
    root = tmp_path / "site"

    assert status == 0
    assert out.startswith("created site with the plugins users_permissions, upload, admin; "
                          "next: cd site && cms generate content-type article")
    assert [p.name for p in tmp_path.iterdir()] == ["site"]  # nothing written beside it
    for folder in ("config", "content_types", "plugins", "migrations"):
        assert (root / folder).is_dir()
    assert "config/secrets.toml" in (root / ".gitignore").read_text().splitlines()
    # the config files list every key with its default, and load as written
    assert tomllib.loads((root / "config" / "server.toml").read_text())["port"] == 1337
    # the standard plugins, and the auth type users_permissions needs (its starter file)
    assert tomllib.loads((root / "config" / "plugins.toml").read_text()) == {
        "users_permissions": {}, "upload": {"provider": "local"}, "admin": {"module": "admin"}}
    auth_type = json.loads((root / "content_types" / "registered_user" / "schema.json").read_text())
    assert auth_type["pluginOptions"]["users-permissions"]["auth"] is True

    server = server_factory(root)

    assert httpx.get(f"{server.url}/_health").status_code == 200
    assert (root / "config" / "secrets.toml").exists()
    with httpx.Client(base_url=server.url) as http:
        admin = http.get("/admin/", follow_redirects=True)  # develop mode: the first visit creates the first administrator
        registered = http.post("/api/auth/local/register",
                               json={"username": "ada", "email": "ada@example.com", "password": "correct horse 1"})
    assert (admin.status_code, admin.url.path) == (200, "/admin/setup")
    assert "Create the first administrator" in admin.text
    assert registered.status_code == 200 and registered.json()["user"]["username"] == "ada"
    assert "RuntimeWarning" not in server.log()  # not even about a models module without models


def test_a_generated_content_type_loads_and_is_served_after_develop(
    site: Path, server_factory: Callable[..., Server], database_env: dict[str, str]
) -> None:
    status, out, _ = cms(site, "generate", "content-type", "blog-post")

    path = site / "content_types" / "blog_post" / "schema.json"
    assert (status, out) == (0, "wrote content_types/blog_post/schema.json\n")
    schema = json.loads(path.read_text())
    assert schema["info"]["singularName"] == "blog-post"
    assert schema["info"]["pluralName"] == "blog-posts"
    assert schema["collectionName"] == "blog_posts"
    blog_post = load_project(site, "develop").registry.get("api::blog-post.blog-post")  # with the plugins' types
    assert blog_post.uid == "api::blog-post.blog-post"

    server = server_factory(site)

    [migration] = (site / "migrations").glob("*/models/0_*_init.py")
    assert 'CREATE TABLE IF NOT EXISTS "blog_posts"' in migration.read_text()
    # a new type is closed to Public until granted; a full-access token made as users make one opens it
    status, out, _ = cms(site, "api-token", "create", "--name", "ci", "--type", "full-access", env=database_env)
    assert status == 0
    token = {"Authorization": f"Bearer {out.strip().splitlines()[-1]}"}
    with httpx.Client(base_url=server.url) as http:
        closed = http.post("/api/blog-posts", json={"data": {"title": "Hello"}})
        created = http.post("/api/blog-posts", json={"data": {"title": "Hello"}}, headers=token)
        listed = http.get("/api/blog-posts", headers=token)
    assert closed.status_code == 403
    assert created.status_code == 201
    assert created.json()["data"]["title"] == "Hello"
    assert listed.status_code == 200
    assert [doc["title"] for doc in listed.json()["data"]] == ["Hello"]


def test_the_plural_can_be_given(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert generate(site, capsys, "content-type", "person", "--plural", "people")[0] == 0
    schema = json.loads((site / "content_types" / "person" / "schema.json").read_text())
    assert (schema["info"]["pluralName"], schema["collectionName"]) == ("people", "people")


def test_a_generated_plugin_is_enabled_and_loads(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = generate(site, capsys, "plugin", "audit")

    assert (status, out) == (0, f"wrote {site / 'plugins' / 'audit'}/ and enabled it in {site / 'config' / 'plugins.toml'}\n")
    assert (site / "plugins" / "audit" / "__init__.py").exists()
    assert (site / "plugins" / "audit" / "content_types").is_dir()
    assert tomllib.loads((site / "config" / "plugins.toml").read_text())["audit"] == {"enabled": True}
    # `cms routes` loads the project with its plugins: the skeleton imports and registers
    status, out, _ = cms(site, "routes")
    assert status == 0
    assert "/_health" in out


def test_an_invalid_name_is_refused_with_what_is_allowed(site: Path) -> None:
    status, out, err = cms(site, "generate", "content-type", "Article")

    assert (status, out) == (1, "")
    assert err == "error: invalid name 'Article': use lowercase letters, digits, - or _, starting with a letter\n"
    assert not (site / "content_types" / "Article").exists()


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("content-type", "2fast"), "'2fast'"),
        (("content-type", "blog post"), "'blog post'"),
        (("content-type", "blog--post"), "'blog--post'"),
        (("content-type", "article", "--plural", "Articles"), "'Articles'"),
        (("plugin", "audit.log"), "'audit.log'"),
        (("plugin", "Audit"), "'Audit'"),
    ],
)
def test_invalid_names_write_nothing(
    site: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], named: str
) -> None:
    before = sorted(p.relative_to(site) for p in site.rglob("*"))

    status, out, err = generate(site, capsys, *args)

    assert (status, out) == (1, "")
    assert err.startswith(f"error: invalid name {named}: ")
    assert sorted(p.relative_to(site) for p in site.rglob("*")) == before


def test_the_plural_must_differ_from_the_singular(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = generate(site, capsys, "content-type", "news", "--plural", "news")
    assert (status, err) == (1, "error: the plural 'news' must differ from the singular name\n")


def test_existing_targets_are_not_overwritten(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert generate(site, capsys, "content-type", "article")[0] == 0
    schema = site / "content_types" / "article" / "schema.json"
    schema.write_text(schema.read_text().replace('"title"', '"headline"'))

    status, _, err = generate(site, capsys, "content-type", "article")
    assert (status, err) == (1, f"error: {site / 'content_types' / 'article'} already exists\n")
    assert '"headline"' in schema.read_text()

    assert generate(site, capsys, "plugin", "audit")[0] == 0
    status, _, err = generate(site, capsys, "plugin", "audit")
    assert (status, err) == (1, f"error: {site / 'plugins' / 'audit'} already exists\n")

    # a table of that name in plugins.toml (say, a plugin from a package) is an existing target too
    plugins_toml = site / "config" / "plugins.toml"
    plugins_toml.write_text('[search]\nmodule = "acme.search"\nenabled = false\n')
    status, _, err = generate(site, capsys, "plugin", "search")
    assert (status, err) == (1, f"error: {plugins_toml} already has a [search] table; pick another name\n")
    assert not (site / "plugins" / "search").exists()
    assert plugins_toml.read_text() == '[search]\nmodule = "acme.search"\nenabled = false\n'


def test_new_refuses_a_folder_that_is_not_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "site"
    target.mkdir()
    (target / "notes.txt").write_text("mine")

    status = main(["new", str(target)])

    assert (status, capsys.readouterr()) == (1, ("", f"error: {target} exists and is not empty\n"))
    assert [p.name for p in target.iterdir()] == ["notes.txt"]


def test_routes_lists_health_mounts_and_socketio(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project", plugins_toml='[admin]\nmodule = "admin"\n')

    status, out, _ = cms(root, "routes")

    assert status == 0
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()}
    assert rows["/_health"][:2] == ["GET", "health"]
    assert rows["/_ready"][:2] == ["GET", "ready"]
    assert rows["/admin/..."] == ["*", "mounted", "ASGI", "app"]
    assert "/api/messages" in rows  # the REST routes of the content types
    assert rows["/socket.io/"] == ["*", "Socket.IO"]
