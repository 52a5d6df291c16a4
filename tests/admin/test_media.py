"""The admin's media library and media fields, over HTTP and in headless Chromium.

One project for the module: this repo's types, an ``article`` type with a
single image ``cover`` (``allowedTypes: images``) and a ``gallery`` of any
files, the upload plugin with a small ``size_limit``. The HTTP tests drive the
endpoints as the pages' scripts do (session, CSRF token in a form field or the
``X-CSRFToken`` header); the browser tests upload by the file picker and by a
dropped file, edit a file's alternative text, pick files in an article's media
fields, and delete a file after seeing which entries use it.
"""

from __future__ import annotations

import base64
import json
import re
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.admin.conftest import ROOT_PASSWORD, AdminProject, Session, sign_in, start_project
from tests.conftest import database_environment
from tests.plugins.upload.support import image

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

SIZE_LIMIT = 400_000
PLUGINS = f"""\
[users_permissions]
rate_limit_enabled = false

[upload]
size_limit = {SIZE_LIMIT}

[admin]
module = "admin"
title = "Media CMS"
"""
ARTICLE = {
    "kind": "collectionType",
    "collectionName": "articles",
    "info": {"singularName": "article", "pluralName": "articles", "displayName": "Article"},
    "options": {"draftAndPublish": False},
    "attributes": {
        "title": {"type": "string"},
        "cover": {"type": "media", "multiple": False, "allowedTypes": ["images"]},
        "gallery": {"type": "media", "multiple": True},
    },
}
UPLOAD = "/admin/media/api/upload"
FILES = "/admin/media/api/files"
WAV = b"RIFF" + struct.pack("<I", 36) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, 8000, 8000, 1, 8) \
    + b"data" + struct.pack("<I", 0)
MP4 = struct.pack(">I", 24) + b"ftypisom" + struct.pack(">I", 512) + b"isomiso2" + struct.pack(">I", 8) + b"free"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdminProject]:
    with database_environment() as env:
        running = start_project(tmp_path_factory.mktemp("admin-media") / "project", env, plugins_toml=PLUGINS,
                                files={"content_types/article/schema.json": json.dumps(ARTICLE)})
        try:
            yield running
        finally:
            running.server.stop()


@pytest.fixture(scope="module")
def root(project: AdminProject) -> Session:
    session = project.session()
    created = session.submit("/admin/setup", {"username": "root", "password": ROOT_PASSWORD, "confirm": ROOT_PASSWORD})
    assert created.status_code == 303
    return session


@pytest.fixture(scope="module")
def state() -> dict[str, Any]:
    return {}


def upload(session: Session, *files: tuple[str, bytes], infos: list[dict[str, Any]] | None = None) -> httpx.Response:
    """What the pages' script sends: multipart ``files`` with the CSRF token in a header."""
    data = {"fileInfo": [json.dumps(i) for i in infos]} if infos else None
    return session.post(UPLOAD, files=[("files", (name, content, "application/octet-stream")) for name, content in files],
                        data=data, headers={"X-CSRFToken": session.csrf()})


def names(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 200, answer.text[:500]
    return [card["name"] for card in answer.json()["data"]]


def total(session: Session) -> int:
    return int(session.get(FILES).json()["meta"]["pagination"]["total"])


def create_article(session: Session, title: str, cover: int | None, gallery: list[int]) -> int:
    answer = session.submit("/admin/article/create", {"title": title, "cover": str(cover or ""),
                                                      "gallery": [str(i) for i in gallery]})
    assert answer.status_code == 303, answer.text[:2000]
    listing = session.get("/admin/article/list", params={"q": title})
    ids = re.findall(r'data-sa-pk="(\d+)"', listing.text)
    assert ids, listing.text[:500]
    return int(ids[0])


# -- over HTTP ----------------------------------------------------------------------------


def test_every_page_and_endpoint_needs_a_session(project: AdminProject, root: Session) -> None:
    anonymous = project.session()
    for path in ("/admin/media", FILES, f"{FILES}/1", "/admin/media/1"):
        answer = anonymous.get(path)
        assert answer.status_code == 303 and "/admin/login" in answer.headers["location"], path
    # a valid CSRF pair is not a session: the upload is refused and nothing is stored
    refused = upload(anonymous, ("a.png", image(20, 20)))
    assert refused.status_code == 303 and "/admin/login" in refused.headers["location"]
    assert total(root) == 0


def test_uploads_need_the_csrf_token(root: Session) -> None:
    without = root.post(UPLOAD, files=[("files", ("a.png", image(20, 20), "image/png"))])
    assert without.status_code == 403
    forged = root.post(UPLOAD, files=[("files", ("a.png", image(20, 20), "image/png"))],
                       headers={"X-CSRFToken": "not-the-token"})
    assert forged.status_code == 403
    assert total(root) == 0


def test_upload_then_list_search_filter_sort_and_paginate(root: Session, state: dict[str, Any]) -> None:
    answer = upload(root, ("hero.png", image(1200, 800)), ("small.png", image(100, 80)),
                    ("notes.txt", b"some notes\n"), ("beep.wav", WAV), ("clip.mp4", MP4),
                    infos=[{"alternativeText": "A wide gradient"}])
    assert answer.status_code == 201, answer.text
    cards = {card["name"]: card for card in answer.json()["data"]}
    assert set(cards) == {"hero.png", "small.png", "notes.txt", "beep.wav", "clip.mp4"}
    hero, small, notes = cards["hero.png"], cards["small.png"], cards["notes.txt"]
    assert hero["alternativeText"] == "A wide gradient"
    assert hero["thumbnail"].startswith("/uploads/thumbnail_hero_"), "the thumbnail format"
    assert (hero["width"], hero["height"], hero["kind"]) == (1200, 800, "images")
    assert small["thumbnail"] == small["url"], "too small for formats: the image itself"
    assert notes["thumbnail"] is None and notes["icon"] == "fa-solid fa-file-lines" and notes["kind"] == "files"
    assert (cards["beep.wav"]["kind"], cards["clip.mp4"]["kind"]) == ("audios", "videos")
    state["files"] = {name: card["id"] for name, card in cards.items()}

    assert set(names(root.get(FILES, params={"type": "images"}))) == {"hero.png", "small.png"}
    assert names(root.get(FILES, params={"type": "videos"})) == ["clip.mp4"]
    assert names(root.get(FILES, params={"type": "audios"})) == ["beep.wav"]
    assert names(root.get(FILES, params={"type": "files"})) == ["notes.txt"]
    assert set(names(root.get(FILES, params={"type": "images,files"}))) == {"hero.png", "small.png", "notes.txt"}
    assert names(root.get(FILES, params={"q": "HER"})) == ["hero.png"], "search by name, any case"
    assert names(root.get(FILES, params={"sort": "name:asc"})) == ["beep.wav", "clip.mp4", "hero.png", "notes.txt",
                                                                   "small.png"]
    assert names(root.get(FILES, params={"sort": "size:desc"}))[0] == "hero.png"
    by_ids = root.get(FILES, params={"ids": f"{notes['id']},{hero['id']},999999"})
    assert names(by_ids) == ["notes.txt", "hero.png"], "ids keep the order asked"

    # pagination: 14 more files, 12 per page
    more = upload(root, *[(f"page-{i:02}.txt", f"text {i}".encode()) for i in range(14)])
    assert more.status_code == 201, more.text
    first = root.get(FILES, params={"q": "page-", "sort": "name:asc", "pageSize": 12})
    assert len(names(first)) == 12
    assert first.json()["meta"]["pagination"] == {"page": 1, "pageSize": 12, "pageCount": 2, "total": 14}
    second = root.get(FILES, params={"q": "page-", "sort": "name:asc", "pageSize": 12, "page": 2})
    assert names(second) == ["page-12.txt", "page-13.txt"]

    # the grid shows the same, with thumbnails or icons
    grid = root.get("/admin/media", params={"type": "images", "sort": "name:asc"})
    assert grid.status_code == 200
    assert re.findall(r'data-testid="media-name">([^<]+)<', grid.text) == ["hero.png", "small.png"]
    assert f'src="{hero["thumbnail"]}"' in grid.text and 'alt="A wide gradient"' in grid.text
    paged = root.get("/admin/media", params={"q": "page-", "pageSize": 12, "page": 2, "sort": "name:asc"})
    assert paged.text.count('data-testid="media-card"') == 2 and "Page 2 of 2" in paged.text
    assert 'data-testid="media-icon"' in paged.text


def test_uploads_above_the_size_limit_are_refused(project: AdminProject, root: Session) -> None:
    before = total(root)
    declared = upload(root, ("big.bin", b"x" * (SIZE_LIMIT + 1000)))
    assert declared.status_code == 413
    error = declared.json()["error"]
    assert error["name"] == "PayloadTooLargeError"  # refused before any byte is read (cms.asgi.BodyLimit)

    def chunked() -> Iterator[bytes]:  # no Content-Length: refused as it passes the limit
        yield b'--b\r\nContent-Disposition: form-data; name="files"; filename="big.bin"\r\n\r\n'
        for _ in range(10):
            yield b"y" * 64_000
        yield b"\r\n--b--\r\n"

    streamed = root.post(UPLOAD, content=chunked(),
                         headers={"X-CSRFToken": root.csrf(), "Content-Type": "multipart/form-data; boundary=b"})
    assert streamed.status_code == 413 and streamed.json()["error"]["name"] == "PayloadTooLargeError"
    assert total(root) == before
    assert not list((project.root / ".tmp" / "uploads").iterdir()), "no temp file left behind"
    empty = root.post(UPLOAD, json={}, headers={"X-CSRFToken": root.csrf()})
    assert empty.status_code == 400 and "multipart/form-data" in empty.json()["error"]["message"]


def test_update_a_files_information(root: Session, state: dict[str, Any]) -> None:
    hero = state["files"]["hero.png"]
    page = root.get(f"/admin/media/{hero}")
    assert page.status_code == 200 and 'value="hero.png"' in page.text
    saved = root.submit(f"/admin/media/{hero}", {"name": "hero image.png", "alternativeText": "Red to pink",
                                                 "caption": "On the front page"})
    assert saved.status_code == 303
    card = root.get(f"{FILES}/{hero}").json()["data"]
    assert (card["name"], card["alternativeText"], card["caption"]) == ("hero image.png", "Red to pink",
                                                                        "On the front page")
    refused = root.submit(f"/admin/media/{hero}", {"name": "  ", "alternativeText": "", "caption": ""})
    assert refused.status_code == 422 and 'id="file-name-error"' in refused.text
    assert root.get(f"{FILES}/{hero}").json()["data"]["name"] == "hero image.png"
    no_token = root.post(f"/admin/media/{hero}", data={"name": "x.png"})
    assert no_token.status_code == 403
    assert root.get("/admin/media/999999").status_code == 404


def test_media_fields_write_ids_and_show_thumbnails(root: Session, state: dict[str, Any]) -> None:
    files = state["files"]
    article = create_article(root, "Spring issue", files["hero.png"], [files["notes.txt"], files["small.png"]])
    state["article"] = article
    detail = root.get("/admin/article/detail", params={"pk": article})
    cover = re.search(r'data-testid="media-value-cover">(.*?)</td>', detail.text, re.S)
    assert cover and "hero image.png" in cover.group(1) and "/uploads/thumbnail_hero_" in cover.group(1)
    gallery = re.search(r'data-testid="media-value-gallery">(.*?)</td>', detail.text, re.S)
    assert gallery and "notes.txt" in gallery.group(1) and "small.png" in gallery.group(1)
    edit = root.get("/admin/article/edit", params={"pk": article})
    chosen = re.findall(r'<input type="hidden" name="gallery" value="(\d+)">', edit.text)
    assert set(map(int, chosen)) == {files["notes.txt"], files["small.png"]}, "the set (order: see README)"
    # the list shows the cover's thumbnail
    listing = root.get("/admin/article/list")
    assert 'class="media-list-thumb"' in listing.text
    # allowedTypes: a text file is not an image; the error is beside the field
    refused = root.submit("/admin/article/create", {"title": "Bad cover", "cover": str(files["notes.txt"])})
    assert refused.status_code in (200, 422)
    assert 'id="cover-error"' in refused.text and "accepts only images" in refused.text
    # the refused form keeps the submitted id; the widget fetches its card
    assert f'name="cover" value="{files["notes.txt"]}"' in refused.text


def test_delete_lists_the_entries_using_the_file(project: AdminProject, root: Session, state: dict[str, Any]) -> None:
    files = state["files"]
    small = files["small.png"]
    other = create_article(root, "Summer issue", None, [small])
    answer = root.get(f"{FILES}/{small}")
    usage = answer.json()["usage"]
    assert [(g["uid"], g["attribute"], [e["label"] for e in g["entries"]]) for g in usage] == [
        ("api::article.article", "gallery", ["Spring issue", "Summer issue"])]
    assert usage[0]["entries"][0]["url"].endswith(f"/admin/article/edit?pk={state['article']}")
    page = root.get(f"/admin/media/{small}")
    assert "Spring issue" in page.text and "Summer issue" in page.text
    url = answer.json()["data"]["url"]
    assert httpx.get(project.url + url).status_code == 200

    assert root.post(f"/admin/media/{small}/delete").status_code == 403, "no CSRF token"
    deleted = root.submit(f"/admin/media/{small}/delete", {})
    assert deleted.status_code == 303 and deleted.headers["location"].endswith("/admin/media")
    library = root.get("/admin/media")
    assert "2 entries no longer link to it" in library.text
    assert root.get(f"{FILES}/{small}").status_code == 404
    assert httpx.get(project.url + url).status_code == 404, "the stored bytes are gone"
    edit = root.get("/admin/article/edit", params={"pk": other})
    assert not re.findall(r'name="gallery" value="\d+"', edit.text), "the link went with the file"


def test_authors_upload_and_pick_but_do_not_change_files(project: AdminProject, root: Session,
                                                          state: dict[str, Any]) -> None:
    project.create_admin(root, "writer", "author")
    author = project.login("writer")
    uploaded = upload(author, ("author.png", image(40, 30)))
    assert uploaded.status_code == 201
    own = uploaded.json()["data"][0]["id"]
    library = author.get("/admin/media")
    assert "author.png" in library.text and "data-media-delete" not in library.text
    assert author.submit(f"/admin/media/{own}", {"name": "renamed.png"}).status_code == 403
    assert author.submit(f"/admin/media/{own}/delete", {}).status_code == 403
    assert author.get(f"{FILES}/{own}").json()["mayChange"] is False
    assert root.get(f"{FILES}/{own}").json()["data"]["name"] == "author.png"


# -- in Chromium ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def page(project: AdminProject, root: Session, browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1360, "height": 900}, base_url=project.url)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(tab, "root", ROOT_PASSWORD)
    yield tab
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def shot(page: Any, screenshots: Path, name: str) -> None:
    page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)


def card_of(page: Any, name: str) -> Any:
    return page.locator('[data-testid="media-card"]', has=page.locator('[data-testid="media-name"]', has_text=name))


def chip_names(field: Any) -> list[str]:
    return [t.strip() for t in field.locator('[data-testid="media-selected"] .media-chip-name').all_inner_texts()]


def drop_file(page: Any, selector: str, name: str, content: bytes, mime: str = "image/png") -> None:
    """A file dropped from the desktop: the drag events a browser fires, with a DataTransfer holding it."""
    page.evaluate("""([selector, name, data, mime]) => {
        const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], name, {type: mime}));
        const zone = document.querySelector(selector);
        for (const type of ["dragenter", "dragover", "drop"]) {
            zone.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: transfer}));
        }
    }""", [selector, name, base64.b64encode(content).decode(), mime])


def test_upload_by_the_file_picker_and_by_drop(page: Any, screenshots: Path) -> None:
    page.goto("/admin/media")
    expect(page.locator("h1.page-title")).to_have_text("Media library")
    with page.expect_navigation(url=re.compile(r".*/admin/media\?uploaded=\d+$")):
        page.set_input_files("#media-upload-input", files=[
            {"name": "picked.png", "mimeType": "image/png", "buffer": image(640, 400)}])
    picked = card_of(page, "picked.png")
    expect(picked).to_have_class(re.compile("media-card-new"))
    expect(picked.locator('img[data-testid="media-thumbnail"]')).to_have_attribute(
        "src", re.compile(r"^/uploads/thumbnail_picked_"))
    assert picked.locator("img").evaluate("img => img.complete && img.naturalWidth > 0"), "the thumbnail loads"

    with page.expect_navigation(url=re.compile(r".*/admin/media\?uploaded=\d+$")):
        drop_file(page, "#media-drop", "dropped.png", image(300, 200))
    expect(card_of(page, "dropped.png")).to_have_class(re.compile("media-card-new"))
    expect(card_of(page, "dropped.png").locator("img")).to_have_attribute("src", re.compile(r"^/uploads/"))
    shot(page, screenshots, "media-01-library")

    # a file above the limit is refused in the page, before it is sent
    page.set_input_files("#media-upload-input", files=[
        {"name": "huge.bin", "mimeType": "application/octet-stream", "buffer": b"z" * (SIZE_LIMIT + 1)}])
    expect(page.locator('[data-testid="upload-error"]')).to_contain_text("larger than the upload limit of 400 KB")


def test_edit_a_files_alternative_text(page: Any, screenshots: Path) -> None:
    page.goto("/admin/media?q=picked")
    card_of(page, "picked.png").locator("a.media-thumb").click()
    page.wait_for_selector('[data-testid="file-form"]')
    expect(page.locator('[data-testid="file-preview"] img')).to_be_visible()
    page.fill("#file-alternativeText", "A picked gradient")
    page.click('[data-testid="save-file"]')
    expect(page.locator("#alertContainer")).to_contain_text('"picked.png" saved.')
    expect(page.locator("#file-alternativeText")).to_have_value("A picked gradient")
    shot(page, screenshots, "media-02-file")


def test_pick_files_in_an_entrys_media_fields(page: Any, screenshots: Path, state: dict[str, Any]) -> None:
    page.goto("/admin/article/create")
    page.fill("#title", "Autumn issue")
    cover = page.locator('[data-testid="media-field-cover"]')
    cover.locator("[data-role=pick]").click()
    picker = page.locator('[data-testid="media-picker"]')
    expect(picker).to_be_visible()
    picker.locator('[data-testid="picker-search"]').fill("picked")
    card = picker.locator('[data-testid="picker-card"]', has_text="picked.png")
    expect(picker.locator('[data-testid="picker-card"]')).to_have_count(1)
    card.click()
    expect(picker).to_have_count(0)
    expect(cover.locator('[data-testid="media-selected"] img')).to_have_attribute(
        "src", re.compile(r"^/uploads/thumbnail_picked_"))

    gallery = page.locator('[data-testid="media-field-gallery"]')
    gallery.locator("[data-role=pick]").click()
    picker = page.locator('[data-testid="media-picker"]')
    picker.locator('[data-testid="picker-search"]').fill("dropped")
    expect(picker.locator('[data-testid="picker-card"]')).to_have_count(1)
    picker.locator('[data-testid="picker-card"]').first.click()
    expect(picker.locator('[data-testid="picker-count"]')).to_have_text("1 selected")
    shot(page, screenshots, "media-03-picker")
    picker.locator('[data-testid="picker-done"]').click()
    # and one uploaded right from the field
    gallery.locator("[data-role=file]").set_input_files(files=[
        {"name": "fresh.png", "mimeType": "image/png", "buffer": image(260, 180)}])
    expect(gallery.locator('[data-testid="media-selected"]')).to_have_count(2)
    assert chip_names(gallery) == ["dropped.png", "fresh.png"]
    gallery.get_by_role("button", name="Move fresh.png left").click()
    assert chip_names(gallery) == ["fresh.png", "dropped.png"]
    ids = page.eval_on_selector_all('input[name="gallery"]', "inputs => inputs.map(i => i.value)")
    chips = gallery.locator('[data-testid="media-selected"]').evaluate_all("nodes => nodes.map(n => n.dataset.fileId)")
    assert ids == chips, "the submitted ids follow the order on screen"
    shot(page, screenshots, "media-04-fields")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url("**/admin/article/list**")
    row = page.locator("tr", has=page.locator('td[data-column="title"]', has_text="Autumn issue"))
    expect(row.locator("img.media-list-thumb")).to_have_count(1)
    state["autumn"] = row.get_attribute("data-sa-pk")
    page.goto(f"/admin/article/detail?pk={state['autumn']}")
    expect(page.locator('[data-testid="media-value-cover"]')).to_contain_text("picked.png")
    shown = page.locator('[data-testid="media-value-gallery"] .media-chip-name').all_inner_texts()
    assert sorted(shown) == ["dropped.png", "fresh.png"]
    expect(page.locator('[data-testid="media-value-cover"] img')).to_have_attribute("alt", "A picked gradient")
    shot(page, screenshots, "media-05-detail")


def test_delete_shows_the_entries_using_the_file(page: Any, screenshots: Path) -> None:
    page.goto("/admin/media?q=picked")
    card = card_of(page, "picked.png")
    card.hover()
    card.locator("[data-media-delete]").click()
    dialog = page.locator('[data-testid="media-delete-dialog"]')
    expect(dialog).to_be_visible()
    expect(dialog.locator('[data-testid="usage-entry"]')).to_have_count(1)
    expect(dialog.locator('[data-testid="usage-entry"]')).to_contain_text("Article · Cover: Autumn issue")
    shot(page, screenshots, "media-06-delete")
    dialog.locator('[data-testid="confirm-delete"]').click()
    expect(page.locator("#alertContainer")).to_contain_text('"picked.png" deleted; 1 entry no longer links to it.')
    expect(card_of(page, "picked.png")).to_have_count(0)
    expect(page.locator('[data-testid="media-empty"]')).to_contain_text("No file matches")
    # an unused file says so
    page.goto("/admin/media?q=author")
    card_of(page, "author.png").hover()
    card_of(page, "author.png").locator("[data-media-delete]").click()
    expect(page.locator('[data-testid="delete-unused"]')).to_be_visible()
    page.locator('[data-testid="media-delete-dialog"] [data-role=cancel]').click()
    expect(page.locator('[data-testid="media-delete-dialog"]')).to_be_hidden()

