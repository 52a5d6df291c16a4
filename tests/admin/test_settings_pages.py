"""The super-admin's settings pages over real HTTP: the first-admin setup, roles & permissions,
API tokens and the content-type schemas (``admin/setup.py``, ``admin/access.py``, ``admin/settings.py``).

One project (develop mode, this repository's types plus a ``gadget`` type whose attributes carry
every rule the schema page shows) on a real server; the admin is driven as a browser without
JavaScript drives it: forms posted with their CSRF token, redirects read, pages' texts checked.
What a page says it did is checked where it matters: over REST (grants applied, tokens that open
the API or no longer do) and in the database.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from typing import Any

import asyncpg
import httpx
import pytest

from tests.admin.conftest import PASSWORD, ROOT_PASSWORD, AdminProject, Session, start_project
from tests.conftest import database_environment

GADGET = {
    "kind": "collectionType",
    "collectionName": "gadgets",
    "info": {"singularName": "gadget", "pluralName": "gadgets", "displayName": "Gadget"},
    "options": {"draftAndPublish": False},
    "attributes": {
        "name": {"type": "string", "required": True, "unique": True, "minLength": 3, "maxLength": 40,
                 "regex": "^[a-z]+$"},
        "size": {"type": "integer", "min": 1, "max": 10, "default": 5},
        "kind": {"type": "enumeration", "enum": ["small", "large"], "default": "small"},
        "secret": {"type": "string", "private": True},
        "serial": {"type": "string", "writable": False},
        "owner": {"type": "relation", "relation": "manyToOne", "target": "plugin::users-permissions.user"},
    },
}
FIND = "api::message.message.find"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdminProject]:
    with database_environment() as env:
        running = start_project(tmp_path_factory.mktemp("settings") / "project", env,
                                files={"content_types/gadget/schema.json": json.dumps(GADGET, indent=2)})
        try:
            yield running
        finally:
            running.server.stop()


def sql(project: AdminProject, statement: str, *params: Any) -> list[tuple[Any, ...]]:
    """One statement on the project's database (``?`` placeholders), committed."""
    url = project.env.get("CMS_DATABASE_URL")
    if url is None:
        with closing(sqlite3.connect(project.root / ".tmp" / "data.db")) as conn:
            rows = conn.execute(statement, params).fetchall()
            conn.commit()
            return rows
    numbers = iter(range(1, 100))
    statement = re.sub(r"\?", lambda _: f"${next(numbers)}", statement)

    async def run() -> list[tuple[Any, ...]]:
        conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            return [tuple(r.values()) for r in await conn.fetch(statement, *params)]
        finally:
            await conn.close()

    return asyncio.run(run())


def feedback(page: httpx.Response) -> list[str]:
    """The error texts a page shows beside fields (``invalid-feedback``) and in alerts."""
    found = re.findall(r'class="(?:invalid-feedback[^"]*|alert alert-danger[^"]*)"[^>]*>([^<]*)<', page.text)
    return [html.unescape(text).strip() for text in found if text.strip()]


# -- the first administrator (develop mode) --------------------------------------------------


def test_the_setup_page_refuses_mismatched_or_weak_passwords_then_creates_the_first_admin(
    project: AdminProject,
) -> None:
    """Catches a first admin stored despite a refused form, a refusal that does not say why, or a
    setup page that stays open once an admin exists (anyone could then make themselves one)."""
    visitor = project.session()
    assert visitor.get("/admin/setup").status_code == 200

    differ = visitor.submit("/admin/setup", {"username": "root", "password": ROOT_PASSWORD, "confirm": "something-else"})
    assert (differ.status_code, feedback(differ)) == (422, ["The two passwords differ"])
    weak = visitor.submit("/admin/setup", {"username": "root", "password": "short", "confirm": "short"})
    assert (weak.status_code, feedback(weak)) == (422, ["password must be at least 8 characters"])
    bad_name = visitor.submit("/admin/setup", {"username": "r", "password": ROOT_PASSWORD, "confirm": ROOT_PASSWORD})
    assert (bad_name.status_code, feedback(bad_name)) == (422, ["username must be at least 2 characters"])
    assert sql(project, "SELECT count(*) FROM admin_users") == [(0,)]

    created = visitor.submit("/admin/setup", {"username": "root", "password": ROOT_PASSWORD, "confirm": ROOT_PASSWORD,
                                              "email": "root@example.com"})
    assert (created.status_code, created.headers["location"]) == (303, f"{project.url}/admin/")
    assert visitor.get("/admin/").status_code == 200  # logged in by the setup
    assert sql(project, "SELECT username, role, email FROM admin_users") == [("root", "super-admin", "root@example.com")]
    for who in (visitor, project.session()):
        assert who.get("/admin/setup").status_code == 404
        again = who.submit("/admin/setup", {"username": "second", "password": ROOT_PASSWORD, "confirm": ROOT_PASSWORD})
        assert again.status_code == 404
    assert sql(project, "SELECT count(*) FROM admin_users") == [(1,)]


@pytest.fixture(scope="module")
def root(project: AdminProject) -> Session:
    """The super-admin's session (the first admin, made by the test above or here)."""
    if sql(project, "SELECT count(*) FROM admin_users") == [(0,)]:
        made = project.session().submit("/admin/setup", {"username": "root", "password": ROOT_PASSWORD,
                                                         "confirm": ROOT_PASSWORD})
        assert made.status_code == 303
    return project.login("root", ROOT_PASSWORD)


# -- API tokens ---------------------------------------------------------------------------


def create_token(root: Session, **form: Any) -> httpx.Response:
    return root.submit("/admin/settings/api-tokens", {"description": "", "duration": "7", **form})


def shown_token(page: httpx.Response) -> str:
    match = re.search(r'data-testid="new-token">([0-9a-f]+)<', page.text)
    assert match, page.text[:2000]
    return match.group(1)


@pytest.fixture(scope="module")
def operator(root: Session) -> dict[str, str]:
    """Headers of a full-access token made on the page: the REST roles API checks what pages saved."""
    page = create_token(root, name="operator", type="full-access")
    assert page.status_code == 200, page.text[:2000]
    return {"Authorization": f"Bearer {shown_token(page)}"}


def test_a_token_made_on_the_page_is_shown_once_opens_the_api_and_is_revoked(
    project: AdminProject, root: Session
) -> None:
    """Catches a token shown again after the page that made it, a page that may be cached (it
    holds the token), a stored expiry that is not the chosen duration, or a revoked token that
    still opens the API."""
    page = create_token(root, name="nightly export", type="read-only", duration="30", description="the backup job")

    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    token = shown_token(page)
    assert len(token) == 256 and page.text.count(token) == 1
    assert httpx.get(f"{project.url}/api/messages", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    [(expires,)] = sql(project, "SELECT expires_at FROM up_api_tokens WHERE name = ?", "nightly export")
    expires = expires if isinstance(expires, dt.datetime) else dt.datetime.fromisoformat(expires)
    assert abs(expires - dt.datetime.now(dt.UTC) - dt.timedelta(days=30)) < dt.timedelta(minutes=5)

    listing = root.get("/admin/settings/api-tokens")
    assert listing.headers["cache-control"] == "no-store"
    assert token not in listing.text and "nightly export" in listing.text and "the backup job" in listing.text
    [(token_id,)] = sql(project, "SELECT id FROM up_api_tokens WHERE name = ?", "nightly export")
    assert f"/admin/settings/api-tokens/{token_id}/revoke" in listing.text

    revoked = root.submit(f"/admin/settings/api-tokens/{token_id}/revoke", {})
    assert (revoked.status_code, revoked.headers["location"]) == (303, f"{project.url}/admin/settings/api-tokens")
    after = root.get("/admin/settings/api-tokens")
    assert 'Token "nightly export" revoked: it no longer opens the API.' in html.unescape(after.text)
    assert "nightly export" not in html.unescape(root.get("/admin/settings/api-tokens").text)  # the flash is shown once
    refused = httpx.get(f"{project.url}/api/messages", headers={"Authorization": f"Bearer {token}"})
    assert (refused.status_code, refused.json()["error"]["message"]) == (401, "Missing or invalid credentials")
    assert sql(project, "SELECT count(*) FROM up_api_tokens WHERE name = ?", "nightly export") == [(0,)]

    # revoking a token that is not there (twice, or a stale page) changes nothing and says nothing
    again = root.submit(f"/admin/settings/api-tokens/{token_id}/revoke", {})
    assert again.status_code == 303
    assert "revoked" not in root.get("/admin/settings/api-tokens").text


def test_an_unlimited_custom_token_may_do_exactly_its_ticked_actions(project: AdminProject, root: Session) -> None:
    page = create_token(root, name="counter", type="custom", duration="unlimited",
                        actions=["plugin::users-permissions.user.count", "api::chat-user.chat-user.find"])
    token = {"Authorization": f"Bearer {shown_token(page)}"}

    assert sql(project, "SELECT expires_at, type FROM up_api_tokens WHERE name = ?", "counter") == [(None, "custom")]
    assert httpx.get(f"{project.url}/api/users/count", headers=token).status_code == 200
    assert httpx.get(f"{project.url}/api/chat-users", headers=token).status_code == 200
    assert httpx.get(f"{project.url}/api/messages", headers=token).status_code == 403


@pytest.mark.parametrize(("form", "message"), [
    ({"name": "no duration", "type": "read-only", "duration": "forever"}, "Choose a duration"),
    ({"name": "no actions", "type": "custom"}, "A custom token needs at least one action"),
    ({"name": "made up", "type": "custom", "actions": ["api::nothing.nothing.find"]},
     "Unknown action api::nothing.nothing.find"),
    ({"name": "", "type": "read-only"}, "name must be at least 1 characters"),
    ({"name": "operator", "type": "read-only"}, "This attribute must be unique"),
    ({"name": "strange", "type": "root"}, "type must be one of the following values: read-only, full-access, custom"),
])
def test_a_refused_token_form_says_why_beside_the_field_and_stores_nothing(
    project: AdminProject, root: Session, operator: dict[str, str], form: dict[str, Any], message: str
) -> None:
    """Catches a refused form that still stores a token (or shows one), or whose message does not
    say what to fix. ``operator`` exists, so its name is taken."""
    before = sql(project, "SELECT count(*) FROM up_api_tokens")

    page = create_token(root, **form)

    assert page.status_code == 422
    assert feedback(page) == [message]
    assert 'data-testid="new-token"' not in page.text
    assert sql(project, "SELECT count(*) FROM up_api_tokens") == before
    # the form keeps what was typed
    if form["name"]:
        assert f'value="{form["name"]}"' in page.text


# -- roles & permissions -------------------------------------------------------------------


def role_id(operator: dict[str, str], project: AdminProject, role_type: str) -> int:
    roles = httpx.get(f"{project.url}/api/users-permissions/roles", headers=operator).json()["roles"]
    return next(int(r["id"]) for r in roles if r["type"] == role_type)


def grants_over_rest(project: AdminProject, operator: dict[str, str], role: int) -> dict[str, Any]:
    return dict(httpx.get(f"{project.url}/api/users-permissions/roles/{role}", headers=operator).json()["role"]["permissions"])


def grant_form(grants: dict[str, Any]) -> dict[str, str]:
    """The role page's form with exactly ``grants`` (action → condition or None) ticked."""
    form = {}
    for action, grant in grants.items():
        form[f"grant:{action}"] = "on"
        condition = grant.get("condition") if isinstance(grant, dict) else grant
        form[f"condition:{action}"] = json.dumps(condition) if condition is not None else ""
    return form


def test_adding_a_role_goes_to_its_empty_permissions_and_bad_names_are_refused(
    project: AdminProject, root: Session, operator: dict[str, str]
) -> None:
    """Catches a role created from a refused form, or created with grants it was not given."""
    asked = root.get("/admin/settings/permissions/new")
    assert (asked.status_code, asked.headers["location"]) == (
        303, f"{project.url}/admin/settings/permissions?add#add-role")
    assert 'data-testid="add-role-form"' in root.get("/admin/settings/permissions?add").text

    before = sql(project, "SELECT count(*) FROM up_roles")
    for name, message in (("", "name must be at least 3 characters"), ("ab", "name must be at least 3 characters"),
                          ("Authenticated", "A role with the type 'authenticated' exists already: choose another name")):
        refused = root.submit("/admin/settings/permissions/new", {"name": name, "description": "x"})
        assert (refused.status_code, feedback(refused)) == (422, [message]), name
        assert 'data-testid="add-role-form"' in refused.text and 'value="x"' in refused.text
    assert sql(project, "SELECT count(*) FROM up_roles") == before

    made = root.submit("/admin/settings/permissions/new", {"name": "Reviewers", "description": "read the chat"})
    assert made.status_code == 303
    [(new_id,)] = sql(project, "SELECT id FROM up_roles WHERE name = ?", "Reviewers")
    assert made.headers["location"] == f"{project.url}/admin/settings/permissions/{new_id}"
    page = root.get(f"/admin/settings/permissions/{new_id}")
    assert page.status_code == 200 and 'Role "Reviewers" created: tick what it may do.' in html.unescape(page.text)
    assert grants_over_rest(project, operator, new_id) == {}
    assert "Reviewers" in root.get("/admin/settings/permissions").text


def test_a_role_that_does_not_exist_is_not_found(root: Session) -> None:
    assert root.get("/admin/settings/permissions/987654").status_code == 404
    assert root.submit("/admin/settings/permissions/987654", {f"grant:{FIND}": "on"}).status_code == 404


def test_grants_saved_on_the_page_apply_over_rest_at_once(
    project: AdminProject, root: Session, operator: dict[str, str]
) -> None:
    """Catches a saved grant that REST does not obey, or a condition stored other than typed."""
    public = role_id(operator, project, "public")
    original = grants_over_rest(project, operator, public)
    made = httpx.post(f"{project.url}/api/messages", headers=operator, json={"data": {"text": "news!", "room": "news"}})
    assert made.status_code == 201
    httpx.post(f"{project.url}/api/messages", headers=operator, json={"data": {"text": "private", "room": "staff"}})
    assert httpx.get(f"{project.url}/api/messages").status_code == 403
    try:
        condition = {"room": {"$eq": "news"}}
        saved = root.submit(f"/admin/settings/permissions/{public}",
                            grant_form({**original, FIND: {"condition": condition}}))
        assert (saved.status_code, saved.headers["location"]) == (
            303, f"{project.url}/admin/settings/permissions/{public}")
        assert 'Permissions of "Public" saved.' in html.unescape(root.get(f"/admin/settings/permissions/{public}").text)
        assert grants_over_rest(project, operator, public)[FIND] == {"enabled": True, "condition": condition}
        anonymous = httpx.get(f"{project.url}/api/messages")
        assert [m["text"] for m in anonymous.json()["data"]] == ["news!"]
        # unticking takes it away again
        assert root.submit(f"/admin/settings/permissions/{public}", grant_form(original)).status_code == 303
        assert httpx.get(f"{project.url}/api/messages").status_code == 403
    finally:
        root.submit(f"/admin/settings/permissions/{public}", grant_form(original))
    assert grants_over_rest(project, operator, public) == original


@pytest.mark.parametrize(("condition", "message"), [
    ("{room: news}", "Not valid JSON: Expecting property name enclosed in double quotes (line 1, column 2)"),
    ('{"room": {"$eq": "news"}', "Not valid JSON: Expecting ',' delimiter (line 1, column 25)"),
    ('{"nosuch": {"$eq": 1}}', "Invalid key nosuch"),
    ('{"room": {"$in": "$user.roomz"}}', None),
])
def test_a_bad_condition_is_refused_beside_its_cell_and_nothing_is_saved(
    project: AdminProject, root: Session, operator: dict[str, str], condition: str, message: str | None
) -> None:
    """Catches a role saved half-way (the good grants of the form without the bad one), or a
    refusal that does not keep what was typed for fixing."""
    authenticated = role_id(operator, project, "authenticated")
    before = grants_over_rest(project, operator, authenticated)
    form = grant_form(before)
    form[f"grant:{FIND}"] = "on"
    form[f"condition:{FIND}"] = condition
    form["grant:api::chat-user.chat-user.delete"] = "on"  # a good change in the same form

    page = root.submit(f"/admin/settings/permissions/{authenticated}", form)

    assert page.status_code == 422
    errors = re.findall(r'data-testid="condition-error">([^<]*)<', page.text)
    assert len(errors) == 1
    if message is not None:
        assert html.unescape(errors[0]) == message
    else:
        assert "$user.roomz" in html.unescape(errors[0])
    assert "Nothing was saved: fix the conditions marked below." in page.text
    assert f">{condition}</textarea>" in html.unescape(page.text)  # kept in its textarea
    assert grants_over_rest(project, operator, authenticated) == before


def test_saving_the_page_keeps_grants_of_actions_no_enabled_plugin_declares(
    project: AdminProject, root: Session, operator: dict[str, str]
) -> None:
    """A plugin that was granted actions and then disabled: its grants are not on the page, and
    saving the page must not drop them (enabling the plugin again restores its access). The row
    is written as the plugin's seeding left it, since disabling a plugin needs a restart."""
    reviewers = role_id(operator, project, "reviewers") if "Reviewers" in root.get(
        "/admin/settings/permissions").text else None
    if reviewers is None:
        assert root.submit("/admin/settings/permissions/new", {"name": "Reviewers"}).status_code == 303
        reviewers = role_id(operator, project, "reviewers")
    now = dt.datetime.now(dt.UTC)
    stamp = now if "CMS_DATABASE_URL" in project.env else now.isoformat(" ")
    sql(project, "INSERT INTO up_permissions (document_id, action, role_id, created_at, updated_at)"
                 " VALUES (?, ?, ?, ?, ?)", "gonepluginpermission0001", "plugin::gone.thing.do", reviewers, stamp, stamp)

    saved = root.submit(f"/admin/settings/permissions/{reviewers}", {f"grant:{FIND}": "on", f"condition:{FIND}": ""})

    assert saved.status_code == 303
    assert sorted(a for (a,) in sql(project, "SELECT action FROM up_permissions WHERE role_id = ?", reviewers)) == [
        FIND, "plugin::gone.thing.do"]


def test_only_the_super_admin_reaches_the_settings(project: AdminProject, root: Session,
                                                   operator: dict[str, str]) -> None:
    """Catches a settings page or form that an editor reaches, and writes it could make there."""
    project.create_admin(root, "editor1", "editor")
    editor = project.login("editor1", PASSWORD)
    public = role_id(operator, project, "public")
    before_grants = grants_over_rest(project, operator, public)
    before_tokens = sql(project, "SELECT count(*) FROM up_api_tokens")

    for path in ("/admin/settings/permissions", f"/admin/settings/permissions/{public}", "/admin/settings/api-tokens",
                 "/admin/settings/content-types", "/admin/settings/content-types/api::gadget.gadget"):
        assert editor.get(path).status_code == 403, path
    assert editor.submit(f"/admin/settings/permissions/{public}", {f"grant:{FIND}": "on"}).status_code == 403
    assert editor.submit("/admin/settings/api-tokens", {"name": "mine", "type": "full-access",
                                                        "duration": "7"}).status_code == 403
    assert editor.submit("/admin/settings/permissions/new", {"name": "Editors own"}).status_code == 403

    assert grants_over_rest(project, operator, public) == before_grants
    assert sql(project, "SELECT count(*) FROM up_api_tokens") == before_tokens
    assert sql(project, "SELECT count(*) FROM up_roles WHERE name = ?", "Editors own") == [(0,)]


# -- content-type schemas ----------------------------------------------------------------


def test_the_schemas_list_names_every_type(project: AdminProject, root: Session) -> None:
    page = root.get("/admin/settings/content-types")
    assert page.status_code == 200
    for uid in ("api::gadget.gadget", "api::message.message", "api::chat-user.chat-user",
                "plugin::users-permissions.role", "plugin::admin.admin-user"):
        assert f"/admin/settings/content-types/{uid}" in page.text, uid


def test_a_schema_page_shows_each_attributes_rules_and_the_file(project: AdminProject, root: Session) -> None:
    """Catches a rule left out or misstated (an operator reads this page instead of the file)."""
    page = root.get("/admin/settings/content-types/api::gadget.gadget")

    assert page.status_code == 200
    rows = re.findall(r"<tr><td><code>([^<]+)</code></td><td>([^<]+)</td><td>(.*?)</td></tr>", page.text)
    rules = {name: (kind, [html.unescape(r) for r in re.findall(r'<span class="badge[^"]*">([^<]*)</span>', cell)])
             for name, kind, cell in rows}
    assert rules["name"] == ("string", ["required", "unique", "minLength 3", "maxLength 40", "regex /^[a-z]+$/"])
    assert rules["size"] == ("integer", ["min 1", "max 10", "default 5"])
    assert rules["kind"] == ("enumeration", ["one of small, large", 'default "small"'])
    assert rules["secret"] == ("string", ["private"])
    assert rules["serial"] == ("string", ["not writable"])
    assert rules["owner"][0] == "relation"
    assert rules["owner"][1] in (["manyToOne → plugin::users-permissions.user"],
                                 ["manyToOne → api::registered-user.registered-user"])
    source = re.search(r'<pre class="schema-source[^"]*">(.*?)</pre>', page.text, re.S)
    assert source and json.loads(html.unescape(source.group(1))) == GADGET  # the file itself
    assert "table <code>gadgets</code>" in page.text


def test_an_unknown_content_type_is_not_found(root: Session) -> None:
    assert root.get("/admin/settings/content-types/api::nothing.nothing").status_code == 404


def test_a_schema_file_gone_since_start_leaves_the_page_without_the_source(
    project: AdminProject, root: Session
) -> None:
    """The page shows the file as it is now; a file removed while the server runs (a checkout in
    progress) must not break the page, which still shows the loaded attributes."""
    path = project.root / "content_types" / "gadget" / "schema.json"
    saved = path.read_text()
    path.unlink()
    try:
        page = root.get("/admin/settings/content-types/api::gadget.gadget")
        assert page.status_code == 200
        assert '<pre class="schema-source' not in page.text
        assert "<code>serial</code>" in page.text
    finally:
        path.write_text(saved)
