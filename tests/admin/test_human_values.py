"""Values as people read them, in a real browser (headless Chromium), and the export dialog.

Empty values are a dash and false is a neutral "No"; a relation filter is a
picker of the related entries by their display field, and every filter type
words its operators alike; a whole header cell sorts, a relation column sorts
by the related entry's label; an entry's page is titled by it and shows its
documentId; a field's error goes once the field changes; a refused page keeps
the sidebar; a new API token has a copy button and a custom token's actions
are grouped by type and action; the export dialog shows its progress and saves
what the filters match. Screenshots of the dashboard, a filtered list, an edit
form with relations and the export dialog go to ``.tmp/screenshots/``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from starlette_admin import (
    BooleanField,
    DateField,
    DateTimeField,
    DecimalField,
    EnumField,
    FloatField,
    HasMany,
    HasOne,
    IntegerField,
    JSONField,
    StringField,
    TimeField,
)

from admin.filters import LABELS, Filters
from tests.admin.conftest import PASSWORD, ROOT_PASSWORD, AdminProject, Session, sign_in
from tests.admin.seeding import insert_messages, sql

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")
BULK = 20_000


@pytest.fixture(scope="module")
def state() -> dict[str, Any]:
    return {}


@pytest.fixture(scope="module")
def page(admin_project: AdminProject, browser: Any, state: dict[str, Any]) -> Iterator[Any]:
    """The super-admin's tab, signed in; people and messages to read (the project first: Playwright's
    loop must not be running while the fixtures that create a PostgreSQL database call ``asyncio.run``)."""
    root = admin_project.session()
    created = root.submit("/admin/setup", {"username": "root", "password": ROOT_PASSWORD, "confirm": ROOT_PASSWORD})
    assert created.status_code == 303, created.text[:500]
    # zed signs up before amy: sorting senders by id and by name disagree
    people = {name: admin_project.register(name)["user"]["id"] for name in ("zed", "amy")}
    for text, room, sender, recipient in (("hello from zed", "lobby", "zed", "amy"), ("hi zed", "lobby", "amy", "zed"),
                                          ("zed again", "dev", "zed", None), ("nobody wrote this", "dev", None, None),
                                          ("amy in dev", "dev", "amy", None)):
        form = {"text": text, "room": room, "sender": str(people[sender]) if sender else "",
                "recipient": str(people[recipient]) if recipient else ""}
        assert root.submit("/admin/message/create", form).status_code == 303
    for name, status in (("zed", "online"), ("amy", "away")):
        assert root.submit("/admin/chat-user/create", {"username": name, "room": "lobby", "status": status}) \
            .status_code == 303
    admin_project.create_admin(root, "eddie", "editor")
    state.update(root=root, people=people)
    context = browser.new_context(viewport={"width": 1360, "height": 900}, base_url=admin_project.url)
    context.set_default_timeout(15_000)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=admin_project.url)
    tab = context.new_page()
    sign_in(tab, "root", ROOT_PASSWORD)
    yield tab
    context.close()


def shot(page: Any, screenshots: Path, name: str, full_page: bool = True) -> None:
    """As tests/admin/test_browser.py saves them; a dialog's without ``full_page`` (its backdrop
    covers the window, not the whole page)."""
    page.screenshot(path=str(screenshots / f"{name}.png"), full_page=full_page)


def column(page: Any, name: str) -> list[str]:
    return [t.strip() for t in page.locator(f'td[data-column="{name}"]').all_inner_texts()]


def test_operators_have_one_label_per_meaning() -> None:
    """Every filter slug reads the same on every field type, from one vocabulary."""
    registry = Filters()
    fields = [StringField("s"), IntegerField("i"), FloatField("f"), DecimalField("d"), DateField("day"),
              DateTimeField("at"), TimeField("t"), EnumField("e", choices=["a"]), BooleanField("b"), JSONField("j"),
              HasOne("one", key="x", extra={"label_field": "name"}), HasMany("many", key="x")]
    seen: dict[str, set[str]] = {}
    for field in fields:
        for cls in registry.filters_for(field):
            seen.setdefault(cls.name, set()).add(str(cls.label))
    assert {name: labels for name, labels in seen.items() if len(labels) > 1} == {}
    assert {name: next(iter(labels)) for name, labels in seen.items()} == {k: LABELS[k] for k in seen}
    assert {"eq", "neq", "is_null", "is_not_null", "between", "after", "before"} <= seen.keys()
    starlette_words = {"Equal", "Equals", "Is null", "Is not null", "Is on", "Is at", "Between", "Has id"}
    assert not starlette_words & {label for labels in seen.values() for label in labels}


def test_the_dashboard(page: Any, screenshots: Path) -> None:
    page.goto("/admin/")
    assert page.locator('[data-count="message"]').inner_text() == "5"
    assert page.locator('[data-testid="online-now"]').inner_text() == "2"
    shot(page, screenshots, "20-dashboard")


def test_empty_values_are_a_dash_and_false_is_a_neutral_no(page: Any) -> None:
    page.goto("/admin/message/list")
    body = page.content()
    assert "-null-" not in body and "-empty-" not in body
    row = page.locator("tr", has=page.locator('td[data-column="text"]', has_text="nobody wrote this"))
    assert row.locator('td[data-column="sender"]').inner_text().strip() == "—"
    assert row.locator('td[data-column="recipient"]').inner_text().strip() == "—"
    generated = row.locator('td[data-column="generated"]')
    assert generated.inner_text().strip() == "No", "a boolean never set reads as false"
    page.goto("/admin/registered-user/list")
    confirmed = page.locator('td[data-column="confirmed"]').first
    blocked = page.locator('td[data-column="blocked"]').first
    assert blocked.inner_text().strip() == "No"
    assert blocked.locator(".text-danger, .fa-xmark, .fa-times").count() == 0, "no red cross for false"
    assert blocked.locator(".cms-bool-no").evaluate("e => getComputedStyle(e).color") != "rgb(214, 57, 57)"
    assert confirmed.inner_text().strip() in ("Yes", "No")
    pk = page.locator("tr[data-sa-pk]").first.get_attribute("data-sa-pk")
    page.goto(f"/admin/registered-user/detail?pk={pk}")
    detail = page.locator("table").inner_text()
    assert "-null-" not in detail and "-empty-" not in detail
    assert re.search(r"Blocked\s+No", detail)


def test_a_relation_filter_is_a_picker_of_the_related_entries(page: Any, screenshots: Path,
                                                              state: dict[str, Any]) -> None:
    page.goto("/admin/message/list")
    page.get_by_role("button", name="Filters").click()
    row = page.locator("#filter-rows .filter-row").first
    row.locator("select.filter-row-field").select_option("sender")
    assert row.locator("select.filter-row-op option").all_inner_texts() == \
        ["Is", "Is not", "Contains", "Is empty", "Is not empty"]
    row.locator("select.filter-row-op").select_option("eq")
    expect(row.locator("input.filter-row-value")).to_be_hidden()
    row.locator(".select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill("am")
    option = page.locator(".select2-results__option", has_text="amy")
    expect(option).to_have_count(1)  # a search of the related entries by their display field: not zed
    option.click()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(f"**filter=sender__eq%3D{state['people']['amy']}**")
    assert sorted(column(page, "text")) == ["amy in dev", "hi zed"]
    assert "Sender: Is amy" in page.locator("body").inner_text(), "the pill names the entry, not its id"
    page.get_by_role("button", name="Filters").click()
    expect(page.locator("#filter-rows .select2-selection__rendered").first).to_contain_text("amy")
    shot(page, screenshots, "21-list-with-filters")

    row = page.locator("#filter-rows .filter-row").first
    row.locator("select.filter-row-op").select_option("neq")
    expect(row.locator(".select2-selection__rendered")).to_contain_text("amy")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**sender__neq**")
    assert sorted(column(page, "text")) == ["hello from zed", "nobody wrote this", "zed again"], \
        "not amy's: zed's and the one without a sender"


def test_operator_labels_agree_in_the_filter_builder(page: Any) -> None:
    page.goto("/admin/message/list")
    page.get_by_role("button", name="Filters").click()
    row = page.locator("#filter-rows .filter-row").first
    labels = {}
    for field in ("text", "id", "createdAt", "generated", "recipient"):
        row.locator("select.filter-row-field").select_option(field)
        labels[field] = row.locator("select.filter-row-op option").all_inner_texts()
    for field, ops in labels.items():
        if field != "generated":
            assert "Is empty" in ops and "Is not empty" in ops, (field, ops)
    assert labels["text"][:2] == ["Contains", "Does not contain"] and {"Is", "Is not"} <= set(labels["text"])
    assert labels["id"][:2] == ["Is", "Is not"] and "Is between" in labels["id"]
    assert labels["createdAt"][:3] == ["Is on or after", "Is on or before", "Is between"]
    assert labels["generated"] == ["Is yes", "Is no"]


def test_a_whole_header_cell_sorts_and_relations_sort_by_label(page: Any) -> None:
    page.goto("/admin/message/list")
    header = page.locator('th[data-column="room"]')
    box = header.bounding_box()
    link = header.locator("a.sort-link").bounding_box()
    assert box is not None and link is not None and box["width"] > link["width"] + 8
    # a click on the cell, right of its words
    page.mouse.click(box["x"] + box["width"] - 3, box["y"] + box["height"] / 2)
    page.wait_for_url("**sort=room__asc**")
    assert column(page, "room") == sorted(column(page, "room"))

    page.locator('th[data-column="sender"]').click(position={"x": 4, "y": 4})
    page.wait_for_url("**sort=sender__asc**")
    named = [s for s in column(page, "sender") if s != "—"]
    assert named == ["amy", "amy", "zed", "zed"], "by the sender's username (amy signed up after zed)"
    page.locator('th[data-column="sender"] a.sort-link').click()
    page.wait_for_url("**sort=sender__desc**")
    assert [s for s in column(page, "sender") if s != "—"] == ["zed", "zed", "amy", "amy"]


def test_the_detail_page_is_titled_by_the_entry_and_shows_its_document_id(admin_project: AdminProject,
                                                                          page: Any) -> None:
    pk, document_id = sql(admin_project, "SELECT id, document_id FROM messages WHERE text = ?", "hello from zed")[0]
    page.goto(f"/admin/message/detail?pk={pk}")
    assert page.locator('[data-testid="detail-title"]').inner_text() == "hello from zed"
    assert page.title().startswith("hello from zed")
    assert page.locator('[data-testid="document-id"]').inner_text() == document_id
    user = sql(admin_project, "SELECT id FROM chat_users WHERE username = ?", "amy")[0][0]
    page.goto(f"/admin/chat-user/detail?pk={user}")
    assert page.locator('[data-testid="detail-title"]').inner_text() == "amy", "a chat user by its username"


def test_a_fields_error_is_cleared_when_the_field_changes(admin_project: AdminProject, page: Any,
                                                          screenshots: Path) -> None:
    pk = sql(admin_project, "SELECT id FROM messages WHERE text = ?", "hi zed")[0][0]
    page.goto(f"/admin/message/edit?pk={pk}")
    expect(page.locator("#sender + .select2 .select2-selection__rendered")).to_contain_text("amy")
    expect(page.locator("#recipient + .select2 .select2-selection__rendered")).to_contain_text("zed")
    shot(page, screenshots, "22-edit-form-with-relations")
    page.fill("#room", "x" * 70)
    page.fill("#text", "y" * 2001)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#room-error")).to_have_text("room must be at most 64 characters")
    expect(page.locator("#text-error")).to_be_visible()
    # the relation pickers load their values again without clearing anything
    expect(page.locator("#sender + .select2 .select2-selection__rendered")).to_contain_text("amy")
    expect(page.locator("#room-error")).to_be_visible()
    page.locator("#room").fill("lobby")
    expect(page.locator("#room-error")).to_have_count(0)
    assert page.locator("#room").get_attribute("aria-invalid") is None
    assert "is-invalid" not in (page.locator("#room").get_attribute("class") or "")
    expect(page.locator("#text-error")).to_be_visible()  # the other field's error stays until it changes
    page.locator("#text").fill("hi zed, edited")
    expect(page.locator("#text-error")).to_have_count(0)
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url("**/admin/message/list**")


def test_a_refused_page_keeps_the_sidebar(admin_project: AdminProject, browser: Any, screenshots: Path) -> None:
    context = browser.new_context(viewport={"width": 1360, "height": 900}, base_url=admin_project.url)
    tab = context.new_page()
    try:
        sign_in(tab, "eddie", PASSWORD)
        answer = tab.goto("/admin/settings/api-tokens")
        assert answer is not None and answer.status == 403
        assert tab.locator('[data-testid="forbidden"]').is_visible()
        assert "editor" in tab.locator('[data-testid="forbidden-reason"]').inner_text()
        sidebar = tab.locator("aside.navbar-vertical")
        assert sidebar.is_visible() and sidebar.get_by_role("link", name="Messages").is_visible()
        shot(tab, screenshots, "23-forbidden")
        sidebar.get_by_role("link", name="Messages").click()
        tab.wait_for_url("**/admin/message/list**")
    finally:
        context.close()


def test_a_new_api_token_can_be_copied_and_custom_actions_are_grouped(admin_project: AdminProject, page: Any,
                                                                      screenshots: Path) -> None:
    page.goto("/admin/settings/api-tokens")
    page.fill("#token-name", "dashboard script")
    page.select_option("#token-type", "custom")
    actions = page.locator('[data-testid="token-actions"]')
    expect(actions).to_be_visible()  # choosing "custom" opens the actions
    message_row = actions.locator('tr[data-testid="token-type-api::message.message"]')
    assert message_row.locator("td").first.inner_text() == "Message"
    assert [t.strip().lower() for t in actions.locator("thead th").all_inner_texts()] == \
        ["content type", "find", "findone", "create", "update", "delete", "all"]
    assert actions.locator('[data-testid="token-controller-plugin::users-permissions.auth"] legend').inner_text() \
        == "plugin::users-permissions.auth"
    page.get_by_label("Message: find", exact=True).check()
    page.get_by_label("Chat user: all actions").check()
    chat_boxes = actions.locator('tr[data-testid="token-type-api::chat-user.chat-user"] input[name="actions"]')
    assert all(box.is_checked() for box in chat_boxes.all()) and chat_boxes.count() == 5
    page.locator('[data-testid="create-token"]').click()
    token = page.locator('[data-testid="new-token"]').inner_text().strip()
    assert re.fullmatch(r"[0-9a-f]{256}", token)
    page.locator('[data-testid="copy-token"]').click()
    expect(page.locator('[data-testid="copy-token"]')).to_contain_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == token
    shot(page, screenshots, "24-api-token-copy")
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{admin_project.url}/api/messages", headers=headers).status_code == 200
    assert httpx.post(f"{admin_project.url}/api/messages", headers=headers,
                      json={"data": {"text": "no"}}).status_code == 403, "only find on messages"
    assert httpx.get(f"{admin_project.url}/api/chat-users", headers=headers).status_code == 200


def test_the_export_dialog_shows_progress_and_saves_the_matching_rows(admin_project: AdminProject, page: Any,
                                                                      screenshots: Path,
                                                                      state: dict[str, Any]) -> None:
    amy, zed = state["people"]["amy"], state["people"]["zed"]
    insert_messages(admin_project, [(f"bulk {i:05d}", "bulk", amy if i % 2 else zed) for i in range(BULK)],
                    prefix="b")
    page.goto("/admin/message/list?filter=room__eq%3Dbulk")
    page.locator('a[data-sa-name="export"]').click()
    dialog = page.locator("form[data-cms-export]")
    expect(dialog).to_be_visible()
    assert dialog.locator("[data-cms-export-total]").inner_text() == f"{BULK:,}"
    assert dialog.locator('[data-testid="export-scope-all"]').is_checked(), "everything matching, by default"
    page.wait_for_timeout(300)  # the modal's fade
    shot(page, screenshots, "25-export-dialog", full_page=False)
    page.evaluate("""() => {
        const bar = document.querySelector('[data-cms-export-bar]');
        window.exportProgress = [];
        new MutationObserver(() => window.exportProgress.push(Number(bar.getAttribute('aria-valuenow'))))
            .observe(bar, {attributes: true, attributeFilter: ['aria-valuenow']});
    }""")
    with page.expect_download() as download:
        page.locator('#modal-action [data-sa-action="action-submit"]').click()
    expect(dialog.locator("[data-cms-export-status]")).to_contain_text(f"Done: {BULK:,} rows")
    assert page.locator("#modal-action").is_visible(), "the dialog stays, with its result"
    assert dialog.locator("[data-cms-export-bar]").get_attribute("aria-valuenow") == "100"
    progress = page.evaluate("window.exportProgress")
    assert any(0 < p < 100 for p in progress), f"progress was shown while reading: {progress}"
    shot(page, screenshots, "26-export-done", full_page=False)
    saved = Path(download.value.path()).read_text()
    assert re.fullmatch(r"message-\d{4}-\d\d-\d\d\.csv", download.value.suggested_filename)
    rows = list(csv.DictReader(io.StringIO(saved)))
    assert len(rows) == BULK and rows[0]["Text"] == "bulk 00000" and rows[-1]["Text"] == f"bulk {BULK - 1:05d}"
    assert {r["Sender"] for r in rows} == {"amy", "zed"}, "senders by username"


def test_no_session_no_export(admin_project: AdminProject, state: dict[str, Any]) -> None:
    root: Session = state["root"]
    assert root.get("/admin/message/list").status_code == 200
    stranger = admin_project.session()
    answer = stranger.post("/admin/_api/message/action", params={"name": "export", "all": "1"},
                           data={"scope": "all", "format": "json"}, headers={"X-CSRFToken": stranger.csrf()})
    assert "bulk 00000" not in answer.text
