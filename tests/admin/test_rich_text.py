"""Rich text in the admin's forms: Markdown with a preview, Strapi's blocks JSON checked, uids generated.

One project for the module: this repo's types and an ``article`` (title, a uid
``slug`` made from it, a Markdown ``body``, a blocks ``content``, an
``author`` related to a registered user). The rules of the blocks format and
the slugs are checked as functions; the server's refusal of bad blocks and its
uid endpoint over HTTP, as a page without JavaScript would post; then in
headless Chromium: Markdown typed in EasyMDE, previewed, saved and read back;
bad blocks shown beside the field and never sent; good ones saved; a uid
generated from the title, with a suffix once taken; the page's blocks checker
agreeing with the server's; a form working without JavaScript. Every request
the pages make goes to the test server: nothing from a CDN. The screenshot of
an edit form with relations and rich text goes to ``.tmp/screenshots/``.
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

from cms.blocks import blocks_error, valid_link
from admin.uid import slugify, suffixed
from tests.admin.conftest import ROOT_PASSWORD, AdminProject, Session, sign_in, start_project
from tests.admin.seeding import sql
from tests.conftest import database_environment

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

ARTICLE = {
    "kind": "collectionType",
    "collectionName": "articles",
    "info": {"singularName": "article", "pluralName": "articles", "displayName": "Article"},
    "options": {"draftAndPublish": False},
    "attributes": {
        "title": {"type": "string", "maxLength": 120},
        "slug": {"type": "uid", "targetField": "title", "maxLength": 40},
        "body": {"type": "richtext"},
        "content": {"type": "blocks"},
        "author": {"type": "relation", "relation": "manyToOne", "target": "plugin::users-permissions.user"},
    },
}
PARAGRAPH = {"type": "paragraph", "children": [{"type": "text", "text": "Hello "},
                                               {"type": "text", "text": "world", "bold": True}]}
IMAGE = {"name": "a.png", "url": "/uploads/a.png", "width": 10, "height": 10, "hash": "a", "ext": ".png",
         "mime": "image/png", "size": 1.2, "provider": "local", "createdAt": "2024-01-01T00:00:00.000Z",
         "updatedAt": "2024-01-01T00:00:00.000Z", "formats": None, "alternativeText": None}
VALID_BLOCKS: list[Any] = [
    None,
    [],
    [PARAGRAPH],
    [{"type": "heading", "level": 2, "children": [{"type": "text", "text": "Title", "italic": True}]}],
    [{"type": "quote", "children": [{"type": "link", "url": "https://strapi.io",
                                     "children": [{"type": "text", "text": "Strapi"}]}]}],
    [{"type": "code", "language": "python", "children": [{"type": "text", "text": "print(1)"}]}],
    [{"type": "list", "format": "unordered", "children": [
        {"type": "list-item", "children": [{"type": "text", "text": "one", "code": True}]},
        {"type": "list", "format": "ordered", "children": [
            {"type": "list-item", "children": [{"type": "link", "url": "/about", "children": []}]}]}]}],
    [{"type": "image", "image": IMAGE, "children": [{"type": "text", "text": ""}]}],
    [{"type": "paragraph", "children": [{"type": "link", "url": "mailto:a@example.com",
                                         "children": [{"type": "text", "text": "mail", "underline": True,
                                                       "strikethrough": False}]}]}],
]
INVALID_BLOCKS: list[tuple[Any, str]] = [
    ({"type": "paragraph"}, "Blocks must be a list of block nodes"),
    ("hello", "Blocks must be a list of block nodes"),
    (["hello"], 'Block 1: must be an object with a "type"'),
    ([{"type": "table", "children": []}], "Block 1: the type must be one of paragraph, heading, quote"),
    ([{"type": "paragraph", "children": []}], 'Block 1 (paragraph): "children" must have at least one'),
    ([{"type": "paragraph"}], 'Block 1 (paragraph): "children" must be a list'),
    ([PARAGRAPH, {"type": "heading", "level": 7, "children": [{"type": "text", "text": "x"}]}],
     'Block 2 (heading): "level" must be a number from 1 to 6'),
    ([{"type": "heading", "level": True, "children": [{"type": "text", "text": "x"}]}], '"level" must be a number'),
    ([{"type": "paragraph", "children": [{"type": "text"}]}], 'Block 1 (paragraph), child 1: "text" must be a string'),
    ([{"type": "paragraph", "children": [{"type": "text", "text": "x", "bold": "yes"}]}],
     '"bold" must be true or false'),
    ([{"type": "paragraph", "children": [{"type": "image", "text": "x"}]}],
     'an inline node must be "text" or "link"'),
    ([{"type": "paragraph", "children": [{"type": "link", "url": "javascript:alert(1)", "children": []}]}],
     '"url" must be a valid link'),
    ([{"type": "paragraph", "children": [{"type": "link", "url": "https://x.org",
                                          "children": [{"type": "link", "url": "/", "children": []}]}]}],
     "(link), child 1: must be a text node"),
    ([{"type": "list", "format": "bulleted", "children": []}], '"format" must be "ordered" or "unordered"'),
    ([{"type": "list", "format": "ordered", "children": []}], 'must have at least one list-item or list node'),
    ([{"type": "list", "format": "ordered", "children": [{"type": "paragraph", "children": []}]}],
     'Block 1 (list), item 1: the type must be "list-item" or "list"'),
    ([{"type": "code", "children": [{"type": "link", "url": "/", "children": []}]}], "must be a text node"),
    ([{"type": "code", "language": 3, "children": [{"type": "text", "text": ""}]}], '"language" must be a string'),
    ([{"type": "image", "children": []}], '"image" must be the file object'),
    ([{"type": "image", "image": {**IMAGE, "width": "10"}, "children": []}], '"image.width" must be a number'),
]
MARKDOWN_LINES = ["# Release notes", "", "Some **bold** and _italic_ text."]


# -- the rules, as functions -------------------------------------------------------------------


@pytest.mark.parametrize("value", VALID_BLOCKS)
def test_strapi_blocks_are_accepted(value: Any) -> None:
    assert blocks_error(value) is None


@pytest.mark.parametrize(("value", "message"), INVALID_BLOCKS)
def test_broken_blocks_are_refused_with_where_and_why(value: Any, message: str) -> None:
    problem = blocks_error(value)
    assert problem is not None and message in problem, problem


@pytest.mark.parametrize(("link", "ok"), [
    ("https://strapi.io", True), ("http://localhost:1337/a?b#c", True), ("/about", True), ("mailto:a@b.c", True),
    ("tel:+331234", True), ("javascript:alert(1)", False), ("JavaScript:alert(1)", False), ("data:text/html,x", False),
    ("vbscript:x", False), ("http://", False), ("https:example.org", False), ("example.org", False), ("", False),
    (" https://strapi.io", False), ("mailto:", False),
])
def test_links_follow_strapis_rule(link: str, ok: bool) -> None:
    assert valid_link(link) is ok


@pytest.mark.parametrize(("text", "slug"), [
    ("Hello World", "hello-world"), ("  Crème Brûlée: 2 ways!  ", "creme-brulee-2-ways"), ("Straße & Œuvre", "strasse-oeuvre"),
    ("ÆØÅ łódź", "aeoa-lodz"), ("---", ""), ("日本語", ""), ("a__b..c", "a-b-c"), ("CamelCase42", "camelcase42"),
])
def test_slugs_are_lower_case_ascii_words_joined_by_dashes(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_slugs_fit_the_attributes_max_length() -> None:
    assert slugify("a very long title indeed", 12) == "a-very-long"
    assert suffixed("a-very-long", 1, 12) == "a-very-lon-1"
    assert suffixed("a-very-long", 1, 9) == "a-very-1", "never two dashes"
    assert suffixed("hello", 12, None) == "hello-12"


# -- the project ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdminProject]:
    with database_environment() as env:
        running = start_project(tmp_path_factory.mktemp("admin-rich-text") / "project", env,
                                files={"content_types/article/schema.json": json.dumps(ARTICLE, indent=2)})
        try:
            yield running
        finally:
            running.server.stop()


@pytest.fixture(scope="module")
def state() -> dict[str, Any]:
    return {}


@pytest.fixture(scope="module")
def root(project: AdminProject, state: dict[str, Any]) -> Session:
    session = project.first_admin()
    state["ada"] = project.register("ada")["user"]["id"]
    return session


def article_ids(session: Session) -> list[int]:
    listing = session.get("/admin/article/list", params={"pageSize": 100})
    assert listing.status_code == 200
    return sorted(int(pk) for pk in set(re.findall(r'data-sa-pk="(\d+)"', listing.text)))


def stored(project: AdminProject, pk: int) -> dict[str, Any]:
    title, slug, body, content = sql(project, "SELECT title, slug, body, content FROM articles WHERE id = ?", pk)[0]
    return {"title": title, "slug": slug, "body": body,
            "content": json.loads(content) if isinstance(content, str) else content}


def form(**values: str) -> dict[str, str]:
    return {"title": "", "slug": "", "body": "", "content": "", "author": "", **values}


def created_id_after(session: Session, before: list[int]) -> int:
    """The one article created since ``before`` was listed."""
    (new,) = set(article_ids(session)) - set(before)
    return new


def created_id(answer: httpx.Response, before: list[int], session: Session) -> int:
    assert answer.status_code == 303, answer.text[:2000]
    return created_id_after(session, before)


def shot(page: Any, screenshots: Path, name: str) -> None:
    page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)


# -- over HTTP: what a page without JavaScript posts ---------------------------------------------------


def test_the_server_refuses_broken_blocks_beside_the_field(project: AdminProject, root: Session) -> None:
    before = article_ids(root)
    broken = json.dumps([{"type": "heading", "level": 9, "children": [{"type": "text", "text": "x"}]}])
    answer = root.submit("/admin/article/create", form(title="Broken", content=broken))
    assert answer.status_code == 422
    error = re.search(r'id="content-error">([^<]*)<', answer.text)
    assert error and 'Block 1 (heading): &#34;level&#34; must be a number from 1 to 6' in error.group(1), answer.text[-3000:]
    assert "Broken" in answer.text and "&#34;level&#34;: 9" in answer.text, "the form shows what was typed, to fix it"
    answer = root.submit("/admin/article/create", form(title="Not JSON", content="[{"))
    assert answer.status_code == 422
    assert re.search(r'id="content-error">This is not valid JSON', answer.text)
    assert article_ids(root) == before, "nothing saved"


def test_the_server_saves_strapi_blocks_and_markdown(project: AdminProject, root: Session, state: dict[str, Any]) -> None:
    before = article_ids(root)
    blocks = VALID_BLOCKS[6]
    answer = root.submit("/admin/article/create", form(title="Plain post", slug="plain-post", body="*plain*",
                                                       content=json.dumps(blocks), author=str(state["ada"])))
    pk = created_id(answer, before, root)
    assert stored(project, pk) == {"title": "Plain post", "slug": "plain-post", "body": "*plain*", "content": blocks}
    page = root.get(f"/admin/article/edit?pk={pk}").text
    assert re.search(r'<textarea id="body" name="body" data-cms-markdown[^>]*>\s*\*plain\*</textarea>', page)
    assert '&#34;format&#34;: &#34;unordered&#34;' in page, "the blocks as indented JSON in their text area"
    state["plain"] = pk


def test_the_uid_endpoint_proposes_a_free_slug(project: AdminProject, root: Session, state: dict[str, Any]) -> None:
    def propose(value: str, **params: Any) -> dict[str, Any]:
        answer = root.get("/admin/api/uid/article/slug", params={"value": value, **params})
        assert answer.status_code == 200, answer.text
        assert answer.headers["cache-control"] == "no-store"
        return dict(answer.json()["data"])

    assert propose("Fresh Title!") == {"value": "fresh-title", "slug": "fresh-title", "taken": False}
    assert propose("Plain   POST") == {"value": "plain-post-1", "slug": "plain-post", "taken": True}
    assert propose("Plain post", pk=state["plain"])["value"] == "plain-post", "the entry's own value is not taken"
    assert propose("")["value"] == "article", "no text: the type's name, as Strapi does"
    assert propose("x" * 60)["value"] == "x" * 40, "the attribute's maxLength"
    assert root.get("/admin/api/uid/article/title", params={"value": "a"}).status_code == 404, "not a uid"
    assert root.get("/admin/api/uid/nothing/slug", params={"value": "a"}).status_code == 404
    anonymous = project.session().get("/admin/api/uid/article/slug", params={"value": "a"})
    assert anonymous.status_code in (302, 303) and "/admin/login" in anonymous.headers["location"]


# -- in the browser ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def requests_seen() -> list[str]:
    return []


@pytest.fixture(scope="module")
def page(project: AdminProject, root: Session, browser: Any, requests_seen: list[str]) -> Iterator[Any]:
    """The super-admin's tab; every URL it requests is recorded, every script error fails the test."""
    context = browser.new_context(viewport={"width": 1360, "height": 900}, base_url=project.url)
    context.set_default_timeout(15_000)
    context.on("request", lambda request: requests_seen.append(request.url))
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(tab, "root", ROOT_PASSWORD)
    yield tab
    context.close()
    assert errors == [], f"script errors: {errors}"


def save(page: Any) -> None:
    page.get_by_role("button", name="Save", exact=True).click()


def type_markdown(page: Any, field: str, lines: list[str]) -> None:
    page.locator(f'[data-testid="markdown-field-{field}"] .CodeMirror').click()
    page.keyboard.press("Control+End")
    for i, line in enumerate(lines):
        if i:
            page.keyboard.press("Enter")
        page.keyboard.type(line)


def test_markdown_is_typed_previewed_saved_and_read_back(project: AdminProject, root: Session, page: Any,
                                                         screenshots: Path, state: dict[str, Any]) -> None:
    before = article_ids(root)
    page.goto("/admin/article/create")
    field = page.locator('[data-testid="markdown-field-body"]')
    expect(field.locator(".EasyMDEContainer")).to_be_visible()
    expect(page.locator("#body")).to_be_hidden()  # the textarea stays, under the editor
    page.fill("#title", "Release notes")
    type_markdown(page, "body", MARKDOWN_LINES)
    assert page.locator("#body").input_value() == "\n".join(MARKDOWN_LINES), "the textarea holds the Markdown"
    field.locator("button.preview").click()
    preview = field.locator(".editor-preview-active")
    expect(preview.locator("h1")).to_have_text("Release notes")
    expect(preview.locator("strong")).to_have_text("bold")
    expect(preview.locator("em")).to_have_text("italic")
    shot(page, screenshots, "31-markdown-preview")
    field.locator("button.preview").click()  # back to the source
    save(page)
    page.wait_for_url("**/admin/article/list**")
    pk = created_id_after(root, before)
    assert stored(project, pk)["body"] == "\n".join(MARKDOWN_LINES), "plain Markdown stored"
    page.goto(f"/admin/article/edit?pk={pk}")
    assert page.locator("#body").input_value() == "\n".join(MARKDOWN_LINES)
    expect(page.locator('[data-testid="markdown-field-body"] .CodeMirror')).to_contain_text("Some **bold** and _italic_ text.")
    state["notes"] = pk


def test_the_preview_runs_no_script_from_the_markdown(page: Any, state: dict[str, Any]) -> None:
    page.goto(f"/admin/article/edit?pk={state['notes']}")
    page.evaluate("""() => document.getElementById('body').cmsEditor.value(
        '<img src="/admin/static/none.png" onerror="window.pwned = 1"><script>window.pwned = 2</script>[x](javascript:window.pwned=3)')""")
    field = page.locator('[data-testid="markdown-field-body"]')
    field.locator("button.preview").click()
    preview = field.locator(".editor-preview-active")
    expect(preview.locator("img")).to_have_count(1)
    assert preview.locator("img").get_attribute("onerror") is None
    assert preview.locator("script").count() == 0
    assert (preview.locator("a").get_attribute("href") or "").startswith("javascript:") is False
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.pwned") is None


def test_broken_blocks_are_shown_beside_the_field_and_not_sent(project: AdminProject, root: Session, page: Any,
                                                              screenshots: Path) -> None:
    before = article_ids(root)
    page.goto("/admin/article/create")
    page.fill("#title", "Blocks post")
    content = page.locator("#content")
    content.fill(json.dumps([{"type": "paragraph", "children": [{"type": "text", "text": "ok"}]},
                             {"type": "list", "format": "bulleted", "children": []}], indent=2))
    error = page.locator('[data-testid="blocks-error-content"]')
    expect(error).to_have_text('Block 2 (list): "format" must be "ordered" or "unordered"')
    assert "is-invalid" in (content.get_attribute("class") or "")
    assert "content-check" in (content.get_attribute("aria-describedby") or "")
    shot(page, screenshots, "32-blocks-error")
    save(page)
    page.wait_for_timeout(500)
    assert page.url.endswith("/admin/article/create"), "the form was not sent"
    expect(page.locator('[data-sa-hook="modal-loading"]')).to_be_hidden()
    content.fill("[{")
    expect(error).to_contain_text("This is not valid JSON")
    save(page)
    page.wait_for_timeout(300)
    assert page.url.endswith("/admin/article/create")
    assert article_ids(root) == before, "nothing saved"


def test_strapi_blocks_are_previewed_and_saved(project: AdminProject, root: Session, page: Any) -> None:
    before = article_ids(root)
    page.goto("/admin/article/create")
    page.fill("#title", "Blocks post")
    blocks = [{"type": "heading", "level": 2, "children": [{"type": "text", "text": "Intro"}]}, PARAGRAPH]
    page.locator("#content").fill(json.dumps(blocks))
    preview = page.locator('[data-testid="blocks-preview-content"]')
    expect(preview.locator("h2")).to_have_text("Intro")
    expect(preview.locator("p strong")).to_have_text("world")
    expect(page.locator('[data-testid="blocks-error-content"]')).to_be_hidden()
    page.get_by_role("button", name="Add paragraph").click()
    assert json.loads(page.locator("#content").input_value())[-1] == \
        {"type": "paragraph", "children": [{"type": "text", "text": ""}]}
    save(page)
    page.wait_for_url("**/admin/article/list**")
    pk = created_id_after(root, before)
    assert stored(project, pk)["content"] == [*blocks, {"type": "paragraph", "children": [{"type": "text", "text": ""}]}]


def test_a_uid_is_generated_from_the_title_and_a_taken_one_gets_a_suffix(project: AdminProject, root: Session,
                                                                        page: Any) -> None:
    page.goto("/admin/article/create")
    page.fill("#title", "Ünïcode & Friends: Part 1")
    page.get_by_role("button", name="Generate from Title").click()
    expect(page.locator("#slug")).to_have_value("unicode-friends-part-1")
    expect(page.locator('[data-testid="uid-status-slug"]')).to_have_text("“unicode-friends-part-1” is free.")
    before = article_ids(root)
    save(page)
    page.wait_for_url("**/admin/article/list**")
    pk = created_id_after(root, before)
    assert stored(project, pk)["slug"] == "unicode-friends-part-1"

    page.goto("/admin/article/create")
    page.fill("#title", "Unicode friends, part 1")
    page.get_by_role("button", name="Generate from Title").click()
    expect(page.locator("#slug")).to_have_value("unicode-friends-part-1-1")
    expect(page.locator('[data-testid="uid-status-slug"]')).to_contain_text("is taken")

    page.goto(f"/admin/article/edit?pk={pk}")  # its own value is free for the entry itself
    page.get_by_role("button", name="Generate from Title").click()
    expect(page.locator('[data-testid="uid-status-slug"]')).to_have_text("“unicode-friends-part-1” is free.")
    expect(page.locator("#slug")).to_have_value("unicode-friends-part-1")


def test_the_pages_blocks_checker_agrees_with_the_servers(page: Any) -> None:
    page.goto("/admin/article/create")
    values = [*VALID_BLOCKS, *(value for value, _ in INVALID_BLOCKS)]
    answers = page.evaluate("values => values.map(v => window.cmsBlocks.check(v))", values)
    assert answers == [blocks_error(value) for value in values]
    links = ["https://strapi.io", "/a", "mailto:", "JavaScript:x", " https://x", "http://", "tel:1", "ftp://h/x"]
    checked = page.evaluate("""links => links.map(url => window.cmsBlocks.check(
        [{type: "paragraph", children: [{type: "link", url: url, children: []}]}]))""", links)
    paragraphs = [[{"type": "paragraph", "children": [{"type": "link", "url": url, "children": []}]}] for url in links]
    assert checked == [blocks_error(value) for value in paragraphs]


def test_an_edit_form_with_relations_and_rich_text(project: AdminProject, root: Session, page: Any,
                                                   screenshots: Path, state: dict[str, Any]) -> None:
    page.goto(f"/admin/article/edit?pk={state['plain']}")
    expect(page.locator("#author + .select2 .select2-selection__rendered")).to_contain_text("ada")
    expect(page.locator('[data-testid="markdown-field-body"] .EasyMDEContainer')).to_be_visible()
    expect(page.locator('[data-testid="blocks-preview-content"] li').first).to_have_text("one")
    expect(page.get_by_role("button", name="Generate from Title")).to_be_visible()
    page.locator('[data-testid="markdown-field-body"] button.side-by-side').click()
    expect(page.locator('[data-testid="markdown-field-body"] .editor-preview-active-side em')).to_have_text("plain")
    shot(page, screenshots, "30-edit-form-with-relations-and-rich-text")


def test_every_request_goes_to_the_test_server(project: AdminProject, page: Any, requests_seen: list[str],
                                               state: dict[str, Any]) -> None:
    page.goto("/admin/article/list")
    expect(page.locator('td[data-column="title"]', has_text="Plain post")).to_have_count(1)
    page.goto(f"/admin/article/detail?pk={state['plain']}")
    expect(page.locator('[data-testid="detail-title"]')).to_have_text("Plain post")
    assert any("vendor/easymde/easymde.min.js" in url for url in requests_seen), "the vendored editor"
    assert any(url.endswith("blocks.js?v=1") for url in requests_seen)
    elsewhere = sorted({url for url in requests_seen if not url.startswith(project.url + "/")})
    assert elsewhere == [], f"requests outside the test server: {elsewhere}"


def test_without_javascript_the_fields_are_plain_inputs(project: AdminProject, root: Session, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False, base_url=project.url)
    tab = context.new_page()
    try:
        tab.goto("/admin/login")
        tab.fill("#username", "root")
        tab.fill("#password", ROOT_PASSWORD)
        tab.click("button[type=submit]")
        tab.wait_for_url("**/admin/")
        before = article_ids(root)
        tab.goto("/admin/article/create")
        expect(tab.get_by_role("button", name="Generate from Title")).to_be_hidden()
        tab.fill("#title", "No script")
        tab.fill("#slug", "no-script")
        tab.fill("#body", "## Plain *Markdown*")
        tab.fill("#content", '[{"type": "quote", "children": [{"type": "text", "text": "q"}]}]')
        tab.get_by_role("button", name="Save", exact=True).click()
        tab.wait_for_url("**/admin/article/list**")
        pk = created_id_after(root, before)
        assert stored(project, pk) == {"title": "No script", "slug": "no-script", "body": "## Plain *Markdown*",
                                       "content": [{"type": "quote", "children": [{"type": "text", "text": "q"}]}]}
    finally:
        context.close()
