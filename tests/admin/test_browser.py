"""The admin in a real browser (headless Chromium): what an editor does, start to finish.

The tests of this module run in order on one project: the first visit creates
the administrator, then messages are created, edited (a relation through the
search-as-you-type picker), searched, filtered, sorted and bulk-deleted; a
role's permission is changed and the REST API obeys; an API token is created
and works; and an author cannot change another author's entry. Screenshots
of the main pages are saved to ``.tmp/screenshots/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.admin.conftest import PASSWORD, ROOT_PASSWORD, AdminProject, Session, sign_in

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")
ROOMS = ["lobby", "dev", "lobby", "dev", "random", "lobby"]


@pytest.fixture(scope="module")
def page(admin_project: AdminProject, browser: Any) -> Iterator[Any]:
    """The super-admin's browser tab (the project first: Playwright's loop must not be running
    while the fixtures that create a PostgreSQL database call ``asyncio.run``)."""
    context = browser.new_context(viewport={"width": 1360, "height": 900}, base_url=admin_project.url)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture(scope="module")
def state() -> dict[str, Any]:
    return {}


def shot(page: Any, screenshots: Path, name: str) -> None:
    page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)


def rows(page: Any) -> list[str]:
    """The texts of the list page's "Text" column, top to bottom."""
    return [t.strip() for t in page.locator('td[data-column="text"]').all_inner_texts()]


def pick(page: Any, field: str, typed: str, choice: str) -> None:
    """Choose a related entry in a relation field's select2 picker by typing part of its label."""
    page.locator(f'#{field} + .select2 .select2-selection').click()
    search = page.locator(".select2-container--open .select2-search__field")
    search.fill(typed)
    option = page.locator(".select2-results__option", has_text=choice).first
    option.wait_for()
    option.click()


def test_first_visit_creates_the_administrator(page: Any, admin_project: AdminProject, screenshots: Path,
                                               state: dict[str, Any]) -> None:
    page.goto("/admin/")
    assert page.url.endswith("/admin/setup"), "develop mode, no admin yet: the setup page"
    shot(page, screenshots, "01-setup")
    page.fill("#username", "root")
    page.fill("#password", ROOT_PASSWORD)
    page.fill("#confirm", ROOT_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")
    assert page.locator("h1.page-title").inner_text() == "Dashboard"
    # people and data for the rest of the module
    state["alice"] = admin_project.register("alice")["user"]["id"]
    state["bob"] = admin_project.register("bob")["user"]["id"]
    http = admin_project.login("root", ROOT_PASSWORD)
    for i, room in enumerate(ROOMS):
        sender = state["alice"] if i % 2 == 0 else state["bob"]
        answer = http.submit("/admin/message/create", {"text": f"seed {i} in {room}", "room": room,
                                                       "sender": str(sender)})
        assert answer.status_code == 303, answer.text[:500]
    for name, status in (("alice", "online"), ("bob", "away"), ("carol", "offline")):
        answer = http.submit("/admin/chat-user/create", {"username": name, "room": "lobby", "status": status})
        assert answer.status_code == 303, answer.text[:500]
    state["http"] = http


def test_the_dashboard_shows_counts_and_chat_activity(page: Any, screenshots: Path) -> None:
    page.goto("/admin/")
    assert page.locator('[data-count="message"]').inner_text() == str(len(ROOMS))
    assert page.locator('[data-count="chat-user"]').inner_text() == "3"
    assert page.locator('[data-testid="messages-24h"]').inner_text() == str(len(ROOMS))
    assert page.locator('[data-testid="online-now"]').inner_text() == "2", "online and away; not offline"
    assert page.locator("svg.activity-chart rect.bar").count() == 24
    assert page.locator("img.navbar-logo").get_attribute("src").endswith("logo.svg?v=1")
    assert page.title() == "Dashboard"
    shot(page, screenshots, "02-dashboard")


def test_create_and_edit_a_message_with_the_relation_picker(page: Any, screenshots: Path,
                                                            state: dict[str, Any]) -> None:
    page.goto("/admin/message/list")
    page.get_by_role("link", name="New Message").click()
    page.fill("#text", "Hello from the browser")
    page.fill("#room", "lobby")
    pick(page, "sender", "ali", "alice")
    shot(page, screenshots, "03-message-create")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url("**/admin/message/list**")
    assert "Hello from the browser" in rows(page)
    row = page.locator("tr", has=page.locator('td[data-column="text"]', has_text="Hello from the browser"))
    assert row.locator('td[data-column="sender"]').inner_text().strip() == "alice"
    pk = row.get_attribute("data-sa-pk")
    state["browser_message"] = pk

    page.goto(f"/admin/message/edit?pk={pk}")
    # the picker loads the current choice's label from the relation-lookup endpoint
    expect(page.locator("#sender + .select2 .select2-selection__rendered")).to_contain_text("alice")
    page.fill("#text", "Hello again, edited")
    pick(page, "recipient", "bo", "bob")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url("**/admin/message/list**")
    page.goto(f"/admin/message/detail?pk={pk}")
    detail = page.locator("table").inner_text()
    assert "Hello again, edited" in detail and "alice" in detail and "bob" in detail
    assert re.search(r"Created by\s+root", detail) and re.search(r"Updated by\s+root", detail)
    shot(page, screenshots, "04-message-detail")


def test_a_validation_error_is_shown_beside_the_field(page: Any, screenshots: Path) -> None:
    page.goto("/admin/message/create")
    page.fill("#room", "x" * 70)
    page.fill("#text", "y" * 2001)
    page.get_by_role("button", name="Save", exact=True).click()
    text_error = page.locator("#text-error")
    assert text_error.inner_text() == "text must be at most 2000 characters"
    assert page.locator("#room-error").inner_text() == "room must be at most 64 characters"
    assert page.locator("#room").input_value() == "x" * 70, "what was typed is kept"
    assert page.locator("#text").get_attribute("aria-invalid") == "true"
    shot(page, screenshots, "05-validation-error")


def test_search_filter_and_sort_messages(page: Any, screenshots: Path) -> None:
    """Catches a relation-label filter that lists nothing (or everything): its rows are named exactly."""
    page.goto("/admin/message/list")
    page.fill('input[name="q"]', "SEED 1")
    page.keyboard.press("Enter")
    page.wait_for_url("**q=SEED+1**")
    assert rows(page) == ["seed 1 in dev"], "search is case-insensitive, over the string attributes"

    page.goto("/admin/message/list")
    page.get_by_role("button", name="Filters").click()
    page.click("#add-filter-row")
    filter_row = page.locator("#filter-rows .filter-row").first
    filter_row.locator("select.filter-row-field").select_option("room")
    filter_row.locator("select.filter-row-op").select_option("eq")
    filter_row.locator("input").first.fill("dev")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**filter=**")
    assert sorted(rows(page)) == ["seed 1 in dev", "seed 3 in dev"]

    page.goto("/admin/message/list?filter=sender__contains=ALI")  # a relation, by its label
    # alice sent the even seeds and the browser's message; bob's (odd) ones must not be listed
    assert sorted(rows(page)) == ["Hello again, edited", "seed 0 in lobby", "seed 2 in lobby", "seed 4 in random"]

    page.goto("/admin/message/list")
    page.locator("th", has_text="Text").get_by_role("link").first.click()
    page.wait_for_url("**sort=text__**")
    texts = rows(page)
    assert texts in (sorted(texts), sorted(texts, reverse=True)) and len(texts) == len(ROOMS) + 1
    ascending = sorted(texts)
    if texts != ascending:
        page.locator("th", has_text="Text").get_by_role("link").first.click()
        page.wait_for_url("**sort=text__asc**")
    assert rows(page) == ascending
    shot(page, screenshots, "06-message-list-sorted")


def test_bulk_delete_messages(page: Any, screenshots: Path) -> None:
    page.goto("/admin/message/list?q=in+lobby")
    targets = rows(page)
    assert targets == ["seed 5 in lobby", "seed 2 in lobby", "seed 0 in lobby"]
    for checkbox in page.locator("input.row-checkbox").all()[:2]:
        checkbox.check()
    page.get_by_role("button", name=re.compile("With selected")).click()
    page.locator("#actions-dropdown .action-item", has_text="Delete").click()
    with page.expect_navigation(), page.expect_response("**/_api/message/action**") as answer:
        page.locator("#actionSubmit").click()  # the page posts the action, then reloads the list
    assert answer.value.status == 200
    assert "2 items were successfully deleted." in page.locator("#alertContainer").inner_text()
    assert rows(page) == ["seed 0 in lobby"]
    shot(page, screenshots, "07-after-bulk-delete")


def save_permissions(page: Any) -> None:
    with page.expect_navigation():
        page.locator('[data-testid="save-permissions"]').click()


def set_condition(page: Any, action: str, text: str) -> None:
    details = page.locator(f'details:has(textarea[name="condition:{action}"])')
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    details.locator("textarea").fill(text)


def test_a_role_permission_changed_in_the_admin_is_obeyed_by_rest(page: Any, admin_project: AdminProject,
                                                                  screenshots: Path) -> None:
    api = f"{admin_project.url}/api/messages"
    assert httpx.get(api).status_code == 403, "public callers may not read messages yet"
    page.goto("/admin/settings/permissions")
    page.locator('[data-testid="edit-role-public"]').click()
    find = "api::message.message.find"
    page.locator(f'input[name="grant:{find}"]').check()
    save_permissions(page)
    assert "saved" in page.locator("#alertContainer").inner_text()
    assert page.locator(f'input[name="grant:{find}"]').is_checked()
    listed = httpx.get(api, params={"pagination[pageSize]": 100})
    assert listed.status_code == 200, listed.text
    assert len(listed.json()["data"]) == 5

    # a condition narrows the grant: only the lobby; a wrong one is refused beside its cell
    set_condition(page, find, '{"room": {"$eq": "nowhere"')
    save_permissions(page)
    assert "Not valid JSON" in page.locator('[data-testid="condition-error"]').inner_text()
    set_condition(page, find, '{"roomz": {"$eq": "lobby"}}')
    save_permissions(page)
    assert "Invalid key roomz" in page.locator('[data-testid="condition-error"]').inner_text()
    assert len(httpx.get(api).json()["data"]) == 5, "a refused form changes nothing"
    set_condition(page, find, '{"room": {"$eq": "lobby"}}')
    save_permissions(page)
    assert page.locator('[data-testid="condition-error"]').count() == 0
    rooms = {m["room"] for m in httpx.get(api).json()["data"]}
    assert rooms == {"lobby"}
    shot(page, screenshots, "08-permissions")

    page.locator(f'input[name="grant:{find}"]').uncheck()
    save_permissions(page)
    assert httpx.get(api).status_code == 403


def test_an_api_token_is_shown_once_and_opens_the_api(page: Any, admin_project: AdminProject,
                                                      screenshots: Path) -> None:
    page.goto("/admin/settings/api-tokens")
    page.fill("#token-name", "reporting script")
    page.select_option("#token-type", "read-only")
    page.locator('[data-testid="create-token"]').click()
    token = page.locator('[data-testid="new-token"]').inner_text().strip()
    assert re.fullmatch(r"[0-9a-f]{256}", token)
    shot(page, screenshots, "09-api-token-created")
    headers = {"Authorization": f"Bearer {token}"}
    api = f"{admin_project.url}/api/messages"
    assert httpx.get(api, headers=headers).status_code == 200
    assert httpx.post(api, headers=headers, json={"data": {"text": "no"}}).status_code == 403, "read-only"
    page.goto("/admin/settings/api-tokens")
    assert token not in page.content(), "shown once"
    assert "reporting script" in page.locator('[data-testid="tokens"]').inner_text()
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("tr", has_text="reporting script").get_by_role("button", name="Revoke").click()
    page.wait_for_url("**/settings/api-tokens")
    assert httpx.get(api, headers=headers).status_code == 401


def test_an_author_cannot_edit_another_authors_entry(admin_project: AdminProject, browser: Any,
                                                     screenshots: Path, state: dict[str, Any]) -> None:
    root: Session = state["http"]
    admin_project.create_admin(root, "ann", "author")
    admin_project.create_admin(root, "ben", "author")
    ann = admin_project.login("ann")
    assert ann.submit("/admin/message/create", {"text": "written by ann", "room": "dev"}).status_code == 303
    ben = admin_project.login("ben")
    assert ben.submit("/admin/message/create", {"text": "written by ben", "room": "dev"}).status_code == 303
    ids = {text: pk for pk, text in re.findall(
        r'data-sa-pk="(\d+)".*?data-column="text"[^>]*>\s*<span[^>]*title="([^"]*)"',
        root.get("/admin/message/list", params={"q": "written by"}).text, re.DOTALL)}
    ann_pk, ben_pk = ids["written by ann"], ids["written by ben"]

    context = browser.new_context(viewport={"width": 1360, "height": 900}, base_url=admin_project.url)
    tab = context.new_page()
    sign_in(tab, "ben", PASSWORD)
    tab.goto("/admin/message/list?q=written+by")
    own = tab.locator(f'tr[data-sa-pk="{ben_pk}"]')
    other = tab.locator(f'tr[data-sa-pk="{ann_pk}"]')
    assert other.count() == 1, "authors see every entry"
    assert own.locator('a[aria-label="Edit"]').count() == 1
    assert other.locator('a[aria-label="Edit"]').count() == 0, "no edit link on another author's entry"
    assert other.locator('a[aria-label="Delete"]').count() == 0
    shot(tab, screenshots, "10-author-list")
    refused = tab.goto(f"/admin/message/edit?pk={ann_pk}")
    assert refused is not None and refused.status == 403
    assert "Authors can edit only the entries they created." in tab.content()
    context.close()

    # and without the browser's help: the server refuses the write itself
    assert ben.submit(f"/admin/message/edit?pk={ann_pk}", {"text": "hijacked"}).status_code == 403
    deleted = ben.action("message", "delete", [ann_pk])
    assert deleted.status_code == 400 and "only the entries they created" in deleted.json()["msg"]
    assert ben.submit(f"/admin/message/edit?pk={ben_pk}", {"text": "written by ben, edited"}).status_code == 303
    listing = root.get("/admin/message/list", params={"q": "written by"}).text
    assert "hijacked" not in listing and "written by ann" in listing and "written by ben, edited" in listing
    assert ben.action("message", "delete", [ben_pk]).status_code == 200
