"""Settings → Roles & permissions in headless Chromium: conditions built without raw JSON.

The tests of this module run in order on one project (1280x800, the smallest screen the matrix is
made for): a role is added on the roles page; its ``find`` grant on messages gets a condition built
in the editor (any of ``sender.id = $user.id``, ``room in $user.rooms``), which is saved, shown again
after a reload, and obeyed by REST for a user given the role; a typo in a variable typed in the
JSON view (``$user.roomz``) is refused beside its cell, by the page and by the REST roles API, and
nothing is saved; the matrix's last column (delete) is in view. Screenshots of the editor are saved
to ``.tmp/screenshots/`` (``condition-*.png``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.admin.conftest import PASSWORD, ROOT_PASSWORD, AdminProject, Session, admin_tab

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")
FIND = "api::message.message.find"
CONDITION = {"$or": [{"sender": {"id": {"$eq": "$user.id"}}}, {"room": {"$in": "$user.rooms"}}]}
TYPO = {"$or": [{"sender": {"id": {"$eq": "$user.id"}}}, {"room": {"$in": "$user.roomz"}}]}


@pytest.fixture(scope="module")
def world(admin_project: AdminProject) -> dict[str, Any]:
    """The first administrator, two registered users (alice is in the lobby), three messages, and a
    full-access API token (an operator's script, to check grants through the REST roles API)."""
    root = admin_project.session()
    assert root.submit("/admin/setup", {"username": "root", "password": ROOT_PASSWORD,
                                        "confirm": ROOT_PASSWORD}).status_code == 303
    alice = admin_project.register("alice")["user"]["id"]
    bob = admin_project.register("bob")["user"]["id"]
    made = root.submit("/admin/chat-user/create", {"username": "alice", "room": "lobby", "status": "online",
                                                   "user": str(alice)})
    assert made.status_code == 303, made.text[:500]
    for text, room, sender, recipient in (("alice to bob", "", alice, bob), ("bob in dev", "dev", bob, None),
                                          ("bob in the lobby", "lobby", bob, None)):
        data = {"text": text, "room": room, "sender": str(sender)}
        if recipient:
            data["recipient"] = str(recipient)
        answer = root.submit("/admin/message/create", data)
        assert answer.status_code == 303, answer.text[:500]
    created = root.submit("/admin/settings/api-tokens", {"name": "operator", "type": "full-access", "duration": "7"})
    token = re.search(r'data-testid="new-token">([0-9a-f]+)<', created.text)
    assert token, created.text[:2000]
    return {"root": root, "alice": alice, "bob": bob, "operator": {"Authorization": f"Bearer {token.group(1)}"}}


@pytest.fixture(scope="module")
def page(admin_project: AdminProject, world: dict[str, Any], browser: Any) -> Iterator[Any]:
    """The super-admin's tab, logged in, at 1280x800."""
    with admin_tab(browser, admin_project.url, width=1280, height=800) as tab:
        yield tab


@pytest.fixture(scope="module")
def state() -> dict[str, Any]:
    return {}


def shot(page: Any, screenshots: Path, name: str) -> None:
    page.screenshot(path=str(screenshots / f"{name}.png"))


def cell(page: Any, action: str) -> Any:
    return page.locator(f'.cond[data-cond="{action}"]')


def rule(page: Any, index: int) -> Any:
    """A row of the open editor (rows re-render on every change: ask again after each)."""
    return page.locator('[data-testid="condition-dialog"] [data-testid="condition-rule"]').nth(index)


def role_grants(project: AdminProject, world: dict[str, Any], role_id: int) -> dict[str, Any]:
    answer = httpx.get(f"{project.url}/api/users-permissions/roles/{role_id}", headers=world["operator"])
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["role"]["permissions"])


def test_roles_have_one_menu_entry(admin_project: AdminProject, world: dict[str, Any]) -> None:
    root: Session = world["root"]
    menu = re.search(r"<aside.*?</aside>", root.get("/admin/").text, re.S)
    assert menu, "the page has a sidebar"
    assert menu.group(0).count("Roles &amp; permissions") == 1
    assert "/admin/role/list" not in menu.group(0), "the roles' content list is not a second menu entry"
    assert root.get("/admin/role/list").status_code == 200, "it is still served (a user's role picker)"


def test_add_a_role(page: Any, admin_project: AdminProject, world: dict[str, Any], screenshots: Path,
                    state: dict[str, Any]) -> None:
    root: Session = world["root"]
    short = root.submit("/admin/settings/permissions/new", {"name": "ab", "description": ""})
    assert short.status_code == 422 and 'data-testid="role-name-error"' in short.text, short.text[:2000]

    page.goto("/admin/settings/permissions")
    page.locator('[data-testid="add-role"]').click()
    page.fill("#role-name", "Moderators")
    page.fill("#role-description", "Read what their rooms say")
    shot(page, screenshots, "condition-00-add-role")
    with page.expect_navigation():
        page.locator('[data-testid="create-role"]').click()
    assert re.search(r"/admin/settings/permissions/\d+$", page.url), page.url
    assert page.locator("h1.page-title").inner_text() == "Permissions of Moderators"
    assert "created" in page.locator("#alertContainer").inner_text()
    state["role"] = int(page.url.rsplit("/", 1)[1])
    state["url"] = page.url
    assert role_grants(admin_project, world, state["role"]) == {}, "a new role is granted nothing"

    again = root.submit("/admin/settings/permissions/new", {"name": "moderators", "description": ""})
    assert again.status_code == 422 and "exists already" in again.text
    listed = root.get("/admin/settings/permissions").text
    assert listed.count('data-testid="edit-role-moderators"') == 1


def test_only_the_super_admin_adds_roles(admin_project: AdminProject, world: dict[str, Any]) -> None:
    root: Session = world["root"]
    admin_project.create_admin(root, "eddie", "editor")
    editor = admin_project.login("eddie")
    assert editor.get("/admin/settings/permissions/new").status_code == 403
    assert editor.submit("/admin/settings/permissions/new", {"name": "Sneaky"}).status_code == 403
    forged = root.post("/admin/settings/permissions/new", data={"name": "Forged", "csrftoken": "forged.token"})
    assert forged.status_code == 403
    listed = root.get("/admin/settings/permissions").text
    assert "Sneaky" not in listed and "Forged" not in listed


def test_build_a_condition_with_the_editor(page: Any, admin_project: AdminProject, world: dict[str, Any],
                                           screenshots: Path, state: dict[str, Any]) -> None:
    page.goto(state["url"])
    page.locator(f'input[name="grant:{FIND}"]').check()
    cell(page, FIND).locator('[data-testid="edit-condition"]').click()
    dialog = page.locator('[data-testid="condition-dialog"]')
    expect(dialog).to_be_visible()
    assert "Message · find" in dialog.locator("h3").inner_text()

    dialog.locator('[data-testid="add-rule"]').click()
    rule(page, 0).locator('[data-testid="rule-field"]').first.select_option("sender")
    related = rule(page, 0).locator('[data-testid="rule-field"]').nth(1)
    assert related.input_value() == "id", "a relation leads to its related entry's id"
    rule(page, 0).locator('[data-testid="rule-operator"]').select_option("$eq")
    rule(page, 0).locator('[data-testid="rule-source"]').select_option("variable")
    rule(page, 0).locator('[data-testid="rule-variable"]').select_option("$user.id")

    dialog.locator('[data-testid="add-rule"]').last.click()
    rule(page, 1).locator('[data-testid="rule-field"]').first.select_option("room")
    rule(page, 1).locator('[data-testid="rule-operator"]').select_option("$in")
    rule(page, 1).locator('[data-testid="rule-source"]').select_option("variable")
    variables = rule(page, 1).locator('[data-testid="rule-variable"] option').all_inner_texts()
    assert "$user.rooms" in variables and "$user.id" in variables, "the declared variables are offered"
    rule(page, 1).locator('[data-testid="rule-variable"]').select_option("$user.rooms")
    dialog.locator('[data-testid="group-mode"]').first.select_option("any")
    assert dialog.locator('[data-testid="rule-error"]').count() == 0

    dialog.locator('[data-testid="json-toggle"]').check()
    assert json.loads(dialog.locator('[data-testid="condition-json"]').input_value()) == CONDITION
    shot(page, screenshots, "condition-01-editor")
    dialog.locator('[data-testid="apply-condition"]').click()
    expect(dialog).to_be_hidden()
    summary = cell(page, FIND).locator('[data-testid="condition-summary"]')
    assert "any of" in summary.inner_text() and "$user.rooms" in summary.inner_text()
    assert json.loads(cell(page, FIND).locator("textarea").input_value()) == CONDITION

    with page.expect_navigation():
        page.locator('[data-testid="save-permissions"]').click()
    assert "saved" in page.locator("#alertContainer").inner_text()
    assert role_grants(admin_project, world, state["role"]) == {FIND: {"enabled": True, "condition": CONDITION}}

    page.goto(state["url"])  # a fresh page: what is shown is what was stored
    summary = cell(page, FIND).locator('[data-testid="condition-summary"]')
    assert "sender.id = $user.id" in " ".join(summary.inner_text().split())
    assert "room in $user.rooms" in " ".join(summary.inner_text().split())
    shot(page, screenshots, "condition-02-matrix")
    cell(page, FIND).locator('[data-testid="edit-condition"]').click()
    assert dialog.locator('[data-testid="group-mode"]').first.input_value() == "any"
    assert dialog.locator('[data-testid="condition-rule"]').count() == 2
    first, second = rule(page, 0), rule(page, 1)
    assert [s.input_value() for s in first.locator('[data-testid="rule-field"]').all()] == ["sender", "id"]
    assert first.locator('[data-testid="rule-variable"]').input_value() == "$user.id"
    assert second.locator('[data-testid="rule-operator"]').input_value() == "$in"
    assert second.locator('[data-testid="rule-variable"]').input_value() == "$user.rooms"
    shot(page, screenshots, "condition-03-editor-reloaded")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()


def test_the_json_view_and_the_rows_stay_in_step(page: Any, state: dict[str, Any]) -> None:
    """Typed JSON becomes rows (groups and negations included), and edited rows become JSON
    (numbers as numbers, operators the new field takes); what the rows cannot show stays JSON,
    untouched. Nothing here is saved."""
    page.goto(state["url"])
    action = "api::message.message.findOne"
    page.locator(f'input[name="grant:{action}"]').check()
    cell(page, action).locator('[data-testid="edit-condition"]').click()
    dialog = page.locator('[data-testid="condition-dialog"]')
    dialog.locator('[data-testid="json-toggle"]').check()
    typed = {"$and": [{"sender": {"role": {"name": {"$eq": "Moderators"}}}},
                      {"$not": {"$or": [{"room": {"$null": True}}, {"text": {"$containsi": "secret"}}]}}]}
    dialog.locator('[data-testid="condition-json"]').fill(json.dumps(typed))
    assert dialog.locator('[data-testid="condition-rule"]').count() == 3
    assert [m.input_value() for m in dialog.locator('[data-testid="group-mode"]').all()] == ["all", "none"]
    path = [s.input_value() for s in rule(page, 0).locator('[data-testid="rule-field"]').all()]
    assert path == ["sender", "role", "name"], "two relations deep"
    assert dialog.locator('[data-testid="rule-error"]').count() == 0

    rule(page, 0).locator('[data-testid="rule-value"]').fill("Editors")
    assert json.loads(dialog.locator('[data-testid="condition-json"]').input_value())["$and"][0] == {
        "sender": {"role": {"name": {"$eq": "Editors"}}}}
    rule(page, 1).locator('[data-testid="rule-field"]').first.select_option("sender")  # → sender.id
    rule(page, 1).locator('[data-testid="rule-operator"]').select_option("$gt")
    rule(page, 1).locator('[data-testid="rule-value"]').fill("3")
    rule(page, 1).locator('[data-testid="rule-value"]').press("Tab")
    built = json.loads(dialog.locator('[data-testid="condition-json"]').input_value())
    assert built["$and"][1] == {"$not": {"$or": [{"sender": {"id": {"$gt": 3}}},
                                                 {"text": {"$containsi": "secret"}}]}}, "numbers stay numbers"
    rule(page, 2).locator('[data-testid="rule-operator"]').select_option("$contains")
    assert dialog.locator('[data-testid="rule-error"]').count() == 0
    rule(page, 2).locator('[data-testid="rule-field"]').first.select_option("generated")  # a boolean: no $contains
    assert rule(page, 2).locator('[data-testid="rule-operator"]').input_value() == "$eq"

    dialog.locator('[data-testid="condition-json"]').fill('{"roomz": {"$eq": "lobby"}}')
    assert dialog.locator('[data-testid="rule-error"]').inner_text() == "Unknown field roomz"
    assert rule(page, 0).locator('[data-testid="rule-operator"] option').count() > 10, "every operator, unchecked"

    unknown = '{"room": {"$like": "lobby"}}'  # the server will refuse it; the editor just cannot show it
    dialog.locator('[data-testid="condition-json"]').fill(unknown)
    expect(dialog.locator('[data-testid="condition-unsupported"]')).to_be_visible()
    expect(dialog.locator('[data-testid="condition-editor"]')).to_be_hidden()
    dialog.locator('[data-testid="apply-condition"]').click()
    assert cell(page, action).locator("textarea").input_value() == unknown, "kept as typed"


def test_the_saved_grant_applies_over_rest(admin_project: AdminProject, world: dict[str, Any],
                                           state: dict[str, Any]) -> None:
    url = admin_project.url
    moved = httpx.put(f"{url}/api/users/{world['alice']}", json={"role": state["role"]}, headers=world["operator"])
    assert moved.status_code == 200, moved.text
    login = httpx.post(f"{url}/api/auth/local", json={"identifier": "alice", "password": PASSWORD})
    assert login.status_code == 200, login.text
    alice = {"Authorization": f"Bearer {login.json()['jwt']}"}
    listed = httpx.get(f"{url}/api/messages", params={"pagination[pageSize]": 100}, headers=alice)
    assert listed.status_code == 200, listed.text
    texts = {m["text"] for m in listed.json()["data"]}
    assert texts == {"alice to bob", "bob in the lobby"}, "hers, and her room's; not bob's in dev"
    one = httpx.get(f"{url}/api/messages", params={"filters[text][$eq]": "bob in dev"}, headers=alice)
    assert one.status_code == 200 and one.json()["data"] == []


def test_an_unknown_variable_is_refused_beside_its_cell(page: Any, admin_project: AdminProject,
                                                       world: dict[str, Any], screenshots: Path,
                                                       state: dict[str, Any]) -> None:
    page.goto(state["url"])
    details = cell(page, FIND).locator("details")
    details.locator("summary").click()
    textarea = details.locator("textarea")
    textarea.fill(json.dumps(TYPO, indent=2))
    summary = cell(page, FIND).locator('[data-testid="condition-summary"]')
    expect(summary).to_have_class(re.compile("is-invalid"))  # the page sees it first
    with page.expect_navigation() as navigation:
        page.locator('[data-testid="save-permissions"]').click()
    assert navigation.value.status == 422
    error = cell(page, FIND).locator('[data-testid="condition-error"]')
    assert "Unknown variable $user.roomz at room" in error.inner_text()
    assert "$user.rooms" in error.inner_text(), "the message names what exists"
    assert page.locator('[data-testid="condition-error"]').count() == 1, "beside that cell only"
    box, column = error.bounding_box(), page.locator('th[data-column="find"]').bounding_box()
    assert column["x"] - 1 <= box["x"] and box["x"] + box["width"] <= column["x"] + column["width"] + 1
    assert role_grants(admin_project, world, state["role"]) == {FIND: {"enabled": True, "condition": CONDITION}}
    error.scroll_into_view_if_needed()
    shot(page, screenshots, "condition-04-refused-beside-the-cell")

    cell(page, FIND).locator('[data-testid="edit-condition"]').click()
    dialog = page.locator('[data-testid="condition-dialog"]')
    assert "$user.roomz" in dialog.locator('[data-testid="dialog-server-error"]').inner_text()
    assert "Unknown variable $user.roomz" in dialog.locator('[data-testid="rule-error"]').inner_text()
    shot(page, screenshots, "condition-05-unknown-variable-in-the-editor")
    dialog.get_by_role("button", name="Cancel").click()

    page.goto(state["url"])
    assert json.loads(cell(page, FIND).locator("textarea").input_value()) == CONDITION, "nothing was saved"


def test_the_rest_roles_api_refuses_the_same(admin_project: AdminProject, world: dict[str, Any],
                                             state: dict[str, Any]) -> None:
    url = f"{admin_project.url}/api/users-permissions/roles/{state['role']}"
    for condition, message in ((TYPO, "Unknown variable $user.roomz at room"),
                               ({"room": {"$eq": "$user"}}, "Unknown variable $user at room"),
                               ({"roomz": {"$eq": "lobby"}}, "Invalid key roomz"),
                               ({"room": {"$like": "lobby"}}, "Invalid key $like")):
        answer = httpx.put(url, json={"permissions": {FIND: {"enabled": True, "condition": condition}}},
                           headers=world["operator"])
        assert answer.status_code == 400, answer.text
        assert message in answer.json()["error"]["message"], answer.text
    made = httpx.post(f"{admin_project.url}/api/users-permissions/roles", headers=world["operator"], json={
        "name": "Typos", "permissions": {FIND: {"enabled": True, "condition": TYPO}}})
    assert made.status_code == 400 and "$user.roomz" in made.json()["error"]["message"]
    assert role_grants(admin_project, world, state["role"]) == {FIND: {"enabled": True, "condition": CONDITION}}
    assert "Typos" not in world["root"].get("/admin/settings/permissions").text


def test_the_delete_column_is_in_view(page: Any, admin_project: AdminProject, screenshots: Path) -> None:
    page.goto("/admin/settings/permissions")
    page.locator('[data-testid="edit-role-authenticated"]').click()  # the longest default conditions
    matrix = page.locator('[data-testid="matrix"]')
    table, header = matrix.bounding_box(), matrix.locator('th[data-column="delete"]').bounding_box()
    viewport = page.viewport_size
    assert header["x"] >= table["x"] and header["x"] + header["width"] <= table["x"] + table["width"] + 0.5
    assert header["x"] + header["width"] <= viewport["width"], (header, viewport)
    tick = page.locator('input[name="grant:api::message.message.delete"]').bounding_box()
    assert tick["x"] + tick["width"] <= header["x"] + header["width"] and tick["x"] >= header["x"]
    wrapper = matrix.locator("xpath=..")
    assert wrapper.evaluate("node => node.scrollWidth <= node.clientWidth"), "no sideways scrolling"
    for summary in matrix.locator('td[data-column="delete"] [data-testid="condition-summary"]:visible').all():
        box = summary.bounding_box()
        assert box["x"] + box["width"] <= viewport["width"]
    shot(page, screenshots, "condition-06-matrix-1280")
