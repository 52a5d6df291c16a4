"""Components and dynamic zones in the admin (issue 15, item 5), on tests/projects/components.

In headless Chromium: an article created with an ``seo`` component (its share
image by id), two faqs and three blocks of different kinds (one with a
relation, picked by searching its name), seen again after a reload and on the detail page; blocks reordered
and a faq removed, with the kept items' ids unchanged (read back through REST
with populate); a missing required field inside a new faq shown beside that
nested input, nothing saved; the ``Seo › Meta title`` list column, sorted
through the component. Over plain HTTP (the form without JavaScript): the JSON
text area holds the value with its ids and posting it back loses nothing;
more faqs than ``max`` are refused with the message, nothing saved. A
screenshot of the edit form goes to ``.tmp/screenshots/``.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from urllib.parse import urlencode
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.admin.conftest import AdminProject, Session, form_token, serving_admin, t
from tests.helpers.project import REPO

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")
PROJECT = REPO / "tests" / "projects" / "components"
PLUGINS = """\
[upload]

[admin]
module = "admin"
title = "Components CMS"
"""


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdminProject]:
    root = tmp_path_factory.mktemp("admin-components") / "project"
    shutil.copytree(PROJECT, root)
    (root / "config" / "plugins.toml").write_text(PLUGINS)
    with serving_admin(root) as project:
        yield project


@pytest.fixture(scope="module")
def state() -> dict[str, Any]:
    return {}


@pytest.fixture(scope="module")
def root(project: AdminProject, state: dict[str, Any]) -> Session:
    session = project.first_admin()
    # REST is open in this project (no users_permissions): an image and an article to link to
    api = httpx.Client(base_url=project.url + "/api", timeout=15)
    uploaded = api.post("/upload", files={"files": ("share.png", _png(), "image/png")})
    assert uploaded.status_code == 201, uploaded.text
    other = api.post("/articles", json={"data": {"title": "Linked article"}})
    assert other.status_code == 201, other.text
    state.update(api=api, image=uploaded.json()[0], other=other.json()["data"])
    return session


def rest(state: dict[str, Any], document_id: str) -> dict[str, Any]:
    answer = state["api"].get(f"/articles/{document_id}", params={
        "populate[seo][populate][0]": "shareImage", "populate[faqs]": "true",
        "populate[blocks][on][shared.related-article][populate][0]": "article"})
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["data"])


def test_create_an_article_with_components_and_blocks(page: Any, state: dict[str, Any], screenshots: Path) -> None:
    page.goto("/admin/article/create")
    page.fill("#title", "Components in the admin")
    page.click(t("cms-add-seo"))
    page.fill(t("cms-input-seo.metaTitle"), "Admin meta")
    page.fill(t("cms-input-seo.metaDescription"), "Made in the admin")
    page.fill(t("cms-search-seo.shareImage"), "share")  # media inside: the same search, over files by name
    page.locator(t("cms-results-seo.shareImage")).get_by_role("button", name=re.compile("share.png")).click()
    expect(page.locator(t("cms-input-seo.shareImage"))).to_have_value(str(state["image"]["id"]))
    for index, (question, answer) in enumerate((("First question?", "First answer"), ("Second question?", ""))):
        page.click(t("cms-add-faqs"))
        page.fill(t(f"cms-input-faqs.{index}.question"), question)
        if answer:
            page.fill(t(f"cms-input-faqs.{index}.answer"), answer)
    expect(page.locator(t("cms-count-faqs"))).to_have_text("2 of at most 5")
    page.select_option(t("cms-kind-blocks"), "shared.quote")
    page.click(t("cms-add-blocks"))
    page.fill(t("cms-input-blocks.0.title"), "A quote")
    page.fill(t("cms-input-blocks.0.body"), "Said in the admin")
    page.select_option(t("cms-kind-blocks"), "shared.rich-text")
    page.click(t("cms-add-blocks"))
    page.fill(t("cms-input-blocks.1.body"), "# Rich\n\nText")
    page.select_option(t("cms-kind-blocks"), "shared.related-article")
    page.click(t("cms-add-blocks"))
    page.fill(t("cms-input-blocks.2.label"), "See also")
    page.fill(t("cms-search-blocks.2.article"), "Linked")  # the picker: search by name, pick
    page.locator(t("cms-results-blocks.2.article")).get_by_role("button", name=re.compile("Linked article")).click()
    expect(page.locator(t("cms-input-blocks.2.article"))).to_have_value(str(state["other"]["id"]))
    page.click("button[name=_continue_editing]")
    try:
        page.wait_for_url(re.compile(r".*/admin/article/edit\?pk=\d+"))
    except Exception:
        page.screenshot(path=str(screenshots / "components-create-failed.png"), full_page=True)
        raise AssertionError(page.url + " " + " | ".join(page.locator(".invalid-feedback, .alert").all_inner_texts()))
    pk = re.search(r"pk=(\d+)", page.url).group(1)  # type: ignore[union-attr]
    state["pk"] = pk

    page.reload()
    expect(page.locator(t("cms-input-seo.metaTitle"))).to_have_value("Admin meta")
    expect(page.locator(t("cms-names-seo.shareImage"))).to_have_text("share.png")
    expect(page.locator(t("cms-input-faqs.1.question"))).to_have_value("Second question?")
    kinds = page.locator('[data-testid^="cms-item-blocks."]')
    assert [kinds.nth(i).get_attribute("data-component") for i in range(kinds.count())] == \
        ["shared.quote", "shared.rich-text", "shared.related-article"]
    expect(page.locator(t("cms-input-blocks.1.body"))).to_have_value("# Rich\n\nText")
    expect(page.locator(t("cms-names-blocks.2.article"))).to_have_text("Linked article")
    page.screenshot(path=str(screenshots / "components-edit-form.png"), full_page=True)

    document_id = state["api"].get("/articles", params={"filters[title][$eq]": "Components in the admin"}) \
        .json()["data"][0]["documentId"]
    state["documentId"] = document_id
    saved = rest(state, document_id)
    assert saved["seo"]["metaTitle"] == "Admin meta" and saved["seo"]["shareImage"]["id"] == state["image"]["id"]
    assert [f["question"] for f in saved["faqs"]] == ["First question?", "Second question?"]
    assert [b["__component"] for b in saved["blocks"]] == ["shared.quote", "shared.rich-text", "shared.related-article"]
    assert saved["blocks"][2]["article"]["id"] == state["other"]["id"]

    page.goto(f"/admin/article/detail?pk={pk}")
    detail = page.locator(t("components-detail-blocks"))
    expect(detail).to_contain_text("Quote")
    expect(detail).to_contain_text("Said in the admin")
    expect(detail).to_contain_text("Related article")
    expect(detail.get_by_role("link", name="Linked article")).to_be_visible()
    expect(page.locator(t("components-detail-seo"))).to_contain_text("Admin meta")
    expect(page.locator(t("components-detail-faqs"))).to_contain_text("Second question?")
    page.screenshot(path=str(screenshots / "components-detail.png"), full_page=True)


def test_reorder_blocks_and_remove_a_faq_keep_the_ids(page: Any, state: dict[str, Any]) -> None:
    before = rest(state, state["documentId"])
    page.goto(f"/admin/article/edit?pk={state['pk']}")
    page.click(t("cms-up-blocks.2"))  # related-article first of the last two
    page.click(t("cms-up-blocks.1"))  # ... and then first of all
    page.click(t("cms-remove-faqs.0"))
    expect(page.locator(t("cms-count-faqs"))).to_have_text("1 of at most 5")
    page.click("button[name=_continue_editing]")
    page.wait_for_load_state()
    expect(page.locator(t("cms-input-faqs.0.question"))).to_have_value("Second question?")

    after = rest(state, state["documentId"])
    old = {b["__component"]: b["id"] for b in before["blocks"]}
    assert [b["__component"] for b in after["blocks"]] == ["shared.related-article", "shared.quote", "shared.rich-text"]
    assert [b["id"] for b in after["blocks"]] == [old["shared.related-article"], old["shared.quote"],
                                                  old["shared.rich-text"]], "kept blocks keep their ids"
    assert [f["id"] for f in after["faqs"]] == [before["faqs"][1]["id"]]
    assert after["faqs"][0]["question"] == "Second question?"
    assert after["seo"]["id"] == before["seo"]["id"] and after["seo"]["shareImage"]["id"] == state["image"]["id"]
    assert after["blocks"][1]["body"] == "Said in the admin" and after["blocks"][0]["article"]["id"] == state["other"]["id"]


def test_an_error_inside_a_component_shows_beside_the_nested_field(page: Any, state: dict[str, Any],
                                                                   screenshots: Path) -> None:
    before = rest(state, state["documentId"])
    page.goto(f"/admin/article/edit?pk={state['pk']}")
    page.click(t("cms-add-faqs"))
    page.fill(t("cms-input-faqs.1.answer"), "An answer without its question")
    page.fill(t("cms-input-seo.metaTitle"), "")  # required inside the single component too
    page.fill(t("cms-input-blocks.0.article"), "999999")  # inside a block: an entry that does not exist
    page.click("button[name=_continue_editing]")
    page.wait_for_load_state()
    expect(page.locator(t("cms-error-faqs.1.question"))).to_have_text("question must be defined.")
    expect(page.locator(t("cms-input-faqs.1.question"))).to_have_class(re.compile("is-invalid"))
    expect(page.locator(t("cms-error-seo.metaTitle"))).to_be_visible()
    expect(page.locator(t("components-errors-faqs"))).to_be_hidden()  # the no-JS list: moved beside the inputs
    page.locator(t("cms-item-faqs.1")).scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "components-nested-error.png"))
    # the refused form keeps what was typed
    expect(page.locator(t("cms-input-faqs.1.answer"))).to_have_value("An answer without its question")
    assert rest(state, state["documentId"]) == before, "nothing saved"
    # the message goes when the field is changed
    page.fill(t("cms-input-faqs.1.question"), "Now asked?")
    expect(page.locator(t("cms-error-faqs.1.question"))).to_have_count(0)
    # then the relation inside the block: an entry that does not exist. The core's message has no
    # path (Strapi's, empty details), so it is the form's message, on top
    page.fill(t("cms-input-seo.metaTitle"), "Admin meta")
    page.click("button[name=_continue_editing]")
    page.wait_for_load_state()
    expect(page.locator(t("form-error"))).to_contain_text('Document with id "999999"')
    expect(page.locator(t("cms-input-blocks.0.article"))).to_have_value("999999")
    assert rest(state, state["documentId"]) == before, "nothing saved"


def test_the_form_without_javascript_is_json_and_loses_nothing(root: Session, state: dict[str, Any]) -> None:
    before = rest(state, state["documentId"])
    form = root.get(f"/admin/article/edit?pk={state['pk']}")
    assert form.status_code == 200
    texts = {name: json.loads(re.sub(r"&#(\d+);", lambda m: chr(int(m.group(1))), _unescape(value)))
             for name, value in re.findall(r'<textarea id="(seo|faqs|blocks)"[^>]*>\s*(.*?)</textarea>', form.text, re.S)}
    assert texts["seo"]["id"] == before["seo"]["id"] and texts["seo"]["shareImage"] == state["image"]["id"]
    assert [b["id"] for b in texts["blocks"]] == [b["id"] for b in before["blocks"]]
    assert texts["blocks"][0]["article"] == state["other"]["id"], "relations inside as ids"
    data = {"title": "Components in the admin", "description": "", "slug": "", "cover": "",
            "seo": json.dumps(texts["seo"]), "faqs": json.dumps(texts["faqs"]), "blocks": json.dumps(texts["blocks"]),
            "csrftoken": form_token(form.text)}
    answer = root.post(f"/admin/article/edit?pk={state['pk']}", data=data)
    assert answer.status_code == 303, answer.text[:2000]
    assert rest(state, state["documentId"]) == {**before, "updatedAt": rest(state, state["documentId"])["updatedAt"]}

    # more faqs than max: refused with the core's message, nothing saved
    too_many = [*texts["faqs"], *({"question": f"Q{i}?"} for i in range(5))]
    refused = root.post(f"/admin/article/edit?pk={state['pk']}", data={**data, "faqs": json.dumps(too_many)})
    assert refused.status_code == 422, refused.status_code
    assert "faqs must have at most 5 items" in refused.text
    assert len(rest(state, state["documentId"])["faqs"]) == len(texts["faqs"])


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


def test_the_list_shows_and_sorts_by_a_component_field(page: Any, state: dict[str, Any]) -> None:
    for title, meta in (("Zulu", "B meta"), ("Yankee", "A meta")):
        made = state["api"].post("/articles", json={"data": {"title": title,
                                                              "seo": {"metaTitle": meta, "metaDescription": "d"}}})
        assert made.status_code == 201, made.text
    page.goto("/admin/article/list")
    header = page.locator('th[data-column="seo__metaTitle"]')
    expect(header).to_contain_text("SEO › Meta title")
    expect(page.locator('td[data-column="seo__metaTitle"]').first).to_be_visible()
    cells = page.locator('td[data-column="seo__metaTitle"]')
    expect(cells.filter(has_text="Admin meta")).to_have_count(1)
    for direction in ("asc", "desc"):
        header.click()
        page.wait_for_url(re.compile(rf".*seo__metaTitle.*{direction}|.*{direction}.*seo__metaTitle"))
        expect(cells.filter(has_text="A meta").first).to_be_visible()
        filled = [x.strip() for x in cells.all_inner_texts() if x.strip() not in ("", "—")]
        assert filled == sorted(filled, reverse=direction == "desc") and len(filled) == 3, filled
    # and filters through the component (the filter builder's Contains on that column)
    page.goto("/admin/article/list?" + urlencode({"filter": "seo__metaTitle__contains=meta"}))
    expect(cells.filter(has_text="Admin meta")).to_have_count(1)
    shown = sorted(x.strip() for x in cells.all_inner_texts())
    assert shown == ["A meta", "Admin meta", "B meta"], shown


def test_the_detail_page_escapes_what_components_hold(root: Session, state: dict[str, Any]) -> None:
    made = state["api"].post("/articles", json={"data": {
        "title": "Escaped", "seo": {"metaTitle": "<script>alert(1)</script>", "metaDescription": "<b>d</b>"},
        "blocks": [{"__component": "shared.quote", "title": "<img src=x onerror=alert(2)>"}]}})
    assert made.status_code == 201, made.text
    page = root.get("/admin/article/detail", params={"pk": made.json()["data"]["id"]})
    assert page.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text and "<script>alert(1)" not in page.text
    assert "&lt;img src=x onerror=alert(2)&gt;" in page.text and "<img src=x" not in page.text
    edit = root.get("/admin/article/edit", params={"pk": made.json()["data"]["id"]})
    assert "<script>alert(1)" not in edit.text and "<img src=x" not in edit.text
