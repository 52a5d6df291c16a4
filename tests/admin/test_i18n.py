"""Locales in the admin (admin/locales.py), on a copy of tests/projects/i18n with the admin.

``article`` is localized with draft & publish (``title`` and ``body`` per locale, ``price``
and ``sku`` shared), ``category`` localized without it, ``tag`` not localized; the locales
are en (default), fr and de. REST is open (no users_permissions), so it shows what the
admin wrote to each version.

In headless Chromium: an English article created in the admin; the French list is empty;
the article opened in French is the form creating its French version (shared values
filled in, localized ones empty, "Shared by every locale" beside price and sku); *Fill in
from another locale* copies the English title and body; saved with a French title, REST
serves the French draft with it and the shared values, the English version unchanged;
the Locales column says "en, fr" in both lists; deleting in French (the detail page's
*Delete*) leaves the English version. Over plain HTTP: a French version missing its
required title is refused; publishing in French publishes the French version only (a
status per locale); a row's detail page keeps its locale (and its Edit link); the export
follows the list's locale; an unknown ``?locale=`` shows the default locale with a note;
bulk delete in German leaves the French version; a French form's category picker looks up
French categories, and filling in from English maps the English category to its French
version; pages, count, search and sort are per locale and their links keep ``locale``; a
type without i18n (tag) has no switcher, column or note. Screenshots of the French list
with its switcher, of the new-version form and of the saved French version's form go to
``.tmp/screenshots/``.
"""

from __future__ import annotations

import html
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from playwright.sync_api import expect

from tests.admin.conftest import AdminProject, Session, serving_admin, t
from tests.helpers.project import REPO

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")
PROJECT = REPO / "tests" / "projects" / "i18n"
ADMIN = """
[admin]
module = "admin"
title = "Localized CMS"
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdminProject]:
    root = tmp_path_factory.mktemp("admin-i18n") / "project"
    shutil.copytree(PROJECT, root)
    plugins = root / "config" / "plugins.toml"
    plugins.write_text(plugins.read_text() + ADMIN)  # the project's [i18n] locales, plus the admin
    with serving_admin(root) as project:
        yield project


@pytest.fixture(scope="module")
def root(project: AdminProject) -> Session:
    return project.first_admin()


def pk_in_url(page: Any) -> int:
    match = re.search(r"[?&]pk=(\d+)", page.url)
    assert match, page.url
    return int(match.group(1))


def rows_on(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-sa-pk="(\d+)"', html)]


def locales_cells(html: str) -> list[str]:
    return re.findall(r'data-testid="locales">([^<]*)<', html)


def switcher(html: str) -> list[tuple[str, str, bool]]:
    """The locale switcher's options: (code, text, selected)."""
    select = re.search(r'data-testid="locale-switcher".*?</select>', html, re.S)
    assert select, "the page has no locale switcher"
    return [(code, text, bool(selected)) for code, selected, text in
            re.findall(r'<option value="([^"]+)" data-url="[^"]*" (selected)?>([^<]*)</option>', select.group(0))]


def document(api: httpx.Client, document_id: str, **params: str) -> httpx.Response:
    return api.get(f"/articles/{document_id}", params=params)


def shared(doc: dict[str, Any]) -> tuple[Any, Any]:
    return doc["price"], doc["sku"]


# -- an article in English, then in French, in the browser ----------------------------------


def test_translate_an_article(page: Any, api: httpx.Client, screenshots: Path) -> None:
    # English (the default locale): the list's switcher says so; a new article is English
    page.goto("/admin/article/list")
    expect(page.locator(t("locale-switcher"))).to_have_value("en")
    assert page.locator(f'{t("locale-switcher")} option').all_inner_texts() == ["en", "fr", "de"]
    page.click("text=New Article")
    page.wait_for_url("**/admin/article/create**")
    expect(page.locator(t("locale-switcher"))).to_have_value("en")
    page.fill("#title", "Spring issue")
    page.fill("#slug", "spring-issue")
    page.fill("#body", "First words")
    page.fill("#price", "12")
    page.fill("#sku", "SKU-1")
    page.click(t("save-draft"))
    page.wait_for_url("**/admin/article/edit?pk=*")
    english_pk = pk_in_url(page)
    drafts = api.get("/articles", params={"status": "draft"}).json()["data"]
    assert [(d["id"], d["title"], d["locale"]) for d in drafts] == [(english_pk, "Spring issue", "en")]
    doc = drafts[0]["documentId"]

    # French: the list is empty
    page.goto("/admin/article/list")
    page.select_option(t("locale-switcher"), "fr")
    page.wait_for_url("**/admin/article/list?locale=fr")
    expect(page.locator(t("locale-switcher"))).to_have_value("fr")
    expect(page.locator("tr[data-sa-pk]")).to_have_count(0)

    # the article in French: the form creating its French version
    page.goto(f"/admin/article/edit?pk={english_pk}")
    expect(page.locator(t("form-title"))).to_have_text("Edit Article")
    assert page.locator(f'{t("locale-switcher")} option').all_inner_texts() == ["en", "fr (not created yet)",
                                                                              "de (not created yet)"]
    page.select_option(t("locale-switcher"), "fr")
    page.wait_for_url(f"**/admin/article/edit?pk={english_pk}&locale=fr**")
    expect(page.locator(t("form-title"))).to_have_text("Create the fr version")
    expect(page.locator(t("new-locale-note"))).to_contain_text("has no fr version yet")
    expect(page.locator("#title")).to_have_value("")
    expect(page.locator("#body")).to_have_value("")
    expect(page.locator("#price")).to_have_value("12")  # shared: the other locales' values
    expect(page.locator("#sku")).to_have_value("SKU-1")
    assert page.locator(t("shared-note")).evaluate_all("els => els.map(e => e.dataset.field)") == ["price", "sku"]
    expect(page.locator(t("shared-note")).first).to_have_text("Shared by every locale")

    # Fill in from English, change the title, save: the French version
    page.click(t("fill-from-en"))
    page.wait_for_url("**fill_from=en**")
    expect(page.locator(t("form-title"))).to_have_text("Create the fr version")
    expect(page.locator("#title")).to_have_value("Spring issue")
    expect(page.locator("#body")).to_have_value("First words")
    expect(page.locator("#slug")).to_have_value("spring-issue")
    page.fill("#title", "Numéro de printemps")
    page.screenshot(path=str(screenshots / "i18n-new-locale-form.png"), full_page=True)
    page.click(t("save-draft"))
    page.wait_for_url(re.compile(r".*/admin/article/edit\?pk=\d+$"))
    french_pk = pk_in_url(page)
    assert french_pk != english_pk
    expect(page.locator(t("form-title"))).to_have_text("Edit Article")
    expect(page.locator(t("locale-switcher"))).to_have_value("fr")
    expect(page.locator("#title")).to_have_value("Numéro de printemps")
    page.screenshot(path=str(screenshots / "i18n-edit-french.png"), full_page=True)

    french = document(api, doc, locale="fr", status="draft")
    assert french.status_code == 200, french.text
    data = french.json()["data"]
    assert (data["id"], data["title"], data["body"], data["slug"], data["locale"], data["publishedAt"]) == (
        french_pk, "Numéro de printemps", "First words", "spring-issue", "fr", None)
    assert shared(data) == (12, "SKU-1")
    english = document(api, doc, status="draft").json()["data"]
    assert (english["id"], english["title"], english["body"], english["locale"]) == (
        english_pk, "Spring issue", "First words", "en")
    assert shared(english) == (12, "SKU-1")
    assert document(api, doc, locale="fr").status_code == 404  # saved, not published

    # the Locales column, in both lists
    page.goto("/admin/article/list")
    expect(page.locator("tr[data-sa-pk]")).to_have_count(1)
    expect(page.locator(f'tr[data-sa-pk="{english_pk}"] td[data-column="title"]')).to_have_text("Spring issue")
    expect(page.locator(f'tr[data-sa-pk="{english_pk}"] {t("locales")}')).to_have_text("en, fr")
    page.select_option(t("locale-switcher"), "fr")
    page.wait_for_url("**/admin/article/list?locale=fr")
    expect(page.locator("tr[data-sa-pk]")).to_have_count(1)
    expect(page.locator(f'tr[data-sa-pk="{french_pk}"] td[data-column="title"]')).to_have_text("Numéro de printemps")
    expect(page.locator(f'tr[data-sa-pk="{french_pk}"] {t("locales")}')).to_have_text("en, fr")
    expect(page.locator(f'tr[data-sa-pk="{french_pk}"] td[data-column="publicationStatus"]')).to_have_text("Draft")
    page.screenshot(path=str(screenshots / "i18n-list-french.png"), full_page=True)

    # the row's page is in French: its switcher, then Delete (the French version only), back to the list
    page.click(f'tr[data-sa-pk="{french_pk}"] td[data-column="title"]')
    page.wait_for_url(f"**/admin/article/detail?pk={french_pk}*")
    expect(page.locator(t("locale-switcher"))).to_have_value("fr")
    expect(page.locator(t("locales"))).to_have_text("en, fr")
    page.click('a[data-sa-name="delete"]')
    page.click("#actionSubmit")
    page.wait_for_url("**/admin/article/list?locale=fr")
    expect(page.locator("tr[data-sa-pk]")).to_have_count(0)
    assert document(api, doc, locale="fr", status="draft").status_code == 404
    english_after = document(api, doc, status="draft")
    assert english_after.status_code == 200
    assert (english_after.json()["data"]["id"], english_after.json()["data"]["title"]) == (english_pk, "Spring issue")
    page.goto("/admin/article/list")
    expect(page.locator(f'tr[data-sa-pk="{english_pk}"] {t("locales")}')).to_have_text("en")


# -- over plain HTTP ---------------------------------------------------------------------------


def create_article(root: Session, locale: str, **values: str) -> int:
    """An article created through the admin's form in ``locale``; its row id."""
    form = {"title": "", "slug": "", "body": "", "price": "", "sku": "", **values, "_continue_editing": "save"}
    answer = root.submit(f"/admin/article/create?locale={locale}", form)
    assert answer.status_code == 303, answer.text[:2000]
    return int(re.search(r"pk=(\d+)", answer.headers["location"]).group(1))  # type: ignore[union-attr]


def test_publish_export_and_pages_per_locale(root: Session, api: httpx.Client) -> None:
    pk = create_article(root, "de", title="Herbst", slug="herbst", body="Text", price="5", sku="SKU-DE")
    doc = api.get("/articles", params={"status": "draft", "locale": "de"}).json()["data"][0]["documentId"]
    assert switcher(root.get("/admin/article/list", params={"locale": "de"}).text) == [
        ("en", "en", False), ("fr", "fr", False), ("de", "de", True)]
    assert rows_on(root.get("/admin/article/list", params={"locale": "de"}).text) == [pk]
    assert pk not in rows_on(root.get("/admin/article/list").text)

    # a French version with a required field left empty: refused, nothing written
    refused = root.submit(f"/admin/article/edit?pk={pk}&locale=fr",
                          {"title": "", "slug": "", "body": "", "price": "5", "sku": "SKU-DE",
                           "_continue_editing": "save"})
    assert refused.status_code == 422
    assert document(api, doc, locale="fr", status="draft").status_code == 404

    # Publish in French: the French version only
    published = root.submit(f"/admin/article/edit?pk={pk}&locale=fr",
                            {"title": "Automne", "slug": "automne", "body": "", "price": "5", "sku": "SKU-DE",
                             "_continue_editing": "publish"})
    assert published.status_code == 303, published.text[:2000]
    french_pk = int(re.search(r"pk=(\d+)", published.headers["location"]).group(1))  # type: ignore[union-attr]
    assert document(api, doc, locale="fr").json()["data"]["title"] == "Automne"
    assert document(api, doc, locale="de").status_code == 404
    french_list = root.get("/admin/article/list", params={"locale": "fr"}).text
    assert re.findall(rf'<tr data-sa-pk="{french_pk}".*?data-status="(\w+)"', french_list, re.S) == ["published"]
    german_list = root.get("/admin/article/list", params={"locale": "de"}).text
    assert re.findall(rf'<tr data-sa-pk="{pk}".*?data-status="(\w+)"', german_list, re.S) == ["draft"]
    assert locales_cells(german_list) == ["fr, de"]

    # the edit page of another locale's row shows that locale's version
    in_french = root.get(f"/admin/article/edit?pk={pk}&locale=fr").text
    assert 'id="title"' in in_french and 'value="Automne"' in in_french
    assert switcher(in_french) == [("en", "en (not created yet)", False), ("fr", "fr", True), ("de", "de", False)]
    # a row's detail page without ?locale=: its own locale, and its Edit button keeps it
    detail = root.get(f"/admin/article/detail?pk={french_pk}").text
    assert re.search(r'data-testid="detail-title">Automne<', detail)
    assert [code for code, _, selected in switcher(detail) if selected] == ["fr"]
    edit_links = {html.unescape(link).split("/admin/", 1)[1]
                  for link in re.findall(r'href="([^"]*/admin/article/edit\?[^"]*)"', detail)}
    assert edit_links == {f"article/edit?pk={french_pk}&_origin=%2Fadmin%2Farticle%2Fdetail%3Fpk%3D{french_pk}",
                          f"article/edit?pk={french_pk}&locale=en"}  # Edit, and the switcher's "create en"
    # a detail page in a locale the document lacks: a clear 404
    missing = root.get(f"/admin/article/detail?pk={pk}&locale=en")
    assert missing.status_code == 404 and 'This article has no &#34;en&#34; version yet.' in missing.text

    # the export follows the list's locale
    exported = root.post("/admin/_api/article/action",
                         params={"name": "export", "all": "1", "_list_query": "?locale=fr"},
                         data={"scope": "all", "format": "json", "fields": ["title", "sku"]},
                         headers={"X-CSRFToken": root.csrf()})
    assert exported.status_code == 200, exported.text
    assert [(row["Title"], row["Sku"]) for row in orjson.loads(exported.content)] == [("Automne", "SKU-DE")]

    # an unknown locale: the default one, said so
    unknown = root.get("/admin/article/list", params={"locale": "xx"}).text
    assert re.search(r'data-testid="unknown-locale">\s*There is no locale "xx": showing the default locale, en.',
                     unknown)
    assert [code for code, _, selected in switcher(unknown) if selected] == ["en"]

    # bulk delete in German: the German version only
    deleted = root.post("/admin/_api/article/action", params={"name": "delete", "pks": [str(pk)],
                                                              "_list_query": "?locale=de"},
                        headers={"X-CSRFToken": root.csrf()})
    assert deleted.status_code == 200, deleted.text
    assert document(api, doc, locale="de", status="draft").status_code == 404
    assert document(api, doc, locale="fr", status="draft").json()["data"]["title"] == "Automne"


def test_a_type_without_i18n_has_no_locales(root: Session) -> None:
    listing = root.get("/admin/tag/list", params={"locale": "fr"})
    assert listing.status_code == 200
    for marker in ('data-testid="locale-switcher"', 'data-column="localeVersions"', 'data-testid="unknown-locale"'):
        assert marker not in listing.text
    created = root.submit("/admin/tag/create", {"name": "news"})
    assert created.status_code == 303, created.text[:1000]
    pk = rows_on(root.get("/admin/tag/list").text)[0]
    edit = root.get(f"/admin/tag/edit?pk={pk}").text
    assert 'data-testid="shared-note"' not in edit and 'data-testid="locale-switcher"' not in edit
    # a localized type without draft & publish has its switcher on the plain form too
    category = root.get("/admin/category/create", params={"locale": "fr"}).text
    assert [code for code, _, selected in switcher(category) if selected] == ["fr"]


def test_relations_follow_the_form_locale(root: Session, api: httpx.Client) -> None:
    # a category in English and French (a localized type without draft & publish)
    created = root.submit("/admin/category/create?locale=en", {"name": "News"})
    assert created.status_code == 303, created.text[:1000]
    news = rows_on(root.get("/admin/category/list").text)[-1]
    translated = root.submit(f"/admin/category/edit?pk={news}&locale=fr", {"name": "Actualités"})
    assert translated.status_code == 303, translated.text[:1000]
    french_list = root.get("/admin/category/list", params={"locale": "fr"}).text
    (actualites,) = rows_on(french_list)
    assert locales_cells(french_list) == ["en, fr"]

    # the French form's category picker looks up French categories
    article = create_article(root, "en", title="Weekly", slug="weekly", body="B", price="1", sku="SKU-W",
                             category=str(news))
    form = root.get(f"/admin/article/edit?pk={article}&locale=fr&fill_from=en").text
    picker = re.search(r'<select[^>]*id="category"[^>]*>', form, re.S)
    assert picker, form[:2000]
    assert re.search(r'data-url="http://[^"]+/admin/api/locale-lookup/fr/category"', picker.group(0)), picker.group(0)
    # filled in from English: the category is the French version of the English one
    initial = re.search(r'data-initial="([^"]*)"', picker.group(0))
    assert initial, picker.group(0)
    assert orjson.loads(html.unescape(initial.group(1))) == [actualites]
    labels = root.get("/admin/api/locale-lookup/fr/category", params={"pks": str(actualites)}).json()
    assert [(item["id"], item["_meta"]["repr"]) for item in labels["items"]] == [(actualites, "Actualités")]
    found = root.get("/admin/api/locale-lookup/fr/category", params={"q": ""}).json()
    assert [(item["id"], item["_meta"]["repr"]) for item in found["items"]] == [(actualites, "Actualités")]
    english = root.get("/admin/_api/category/relation-lookup", params={"q": ""}).json()
    assert [(item["id"], item["_meta"]["repr"]) for item in english["items"]] == [(news, "News")]

    # saved: the French article links the French category
    saved = root.submit(f"/admin/article/edit?pk={article}&locale=fr",
                        {"title": "Hebdo", "slug": "hebdo", "body": "", "price": "1", "sku": "SKU-W",
                         "category": str(actualites), "_continue_editing": "save"})
    assert saved.status_code == 303, saved.text[:2000]
    doc = api.get("/articles", params={"status": "draft", "filters[sku][$eq]": "SKU-W"}).json()["data"][0]["documentId"]
    french = document(api, doc, locale="fr", status="draft", populate="category").json()["data"]
    assert (french["title"], french["category"]["id"], french["category"]["name"], french["category"]["locale"]) == (
        "Hebdo", actualites, "Actualités", "fr")
    english_article = document(api, doc, status="draft", populate="category").json()["data"]
    assert (english_article["title"], english_article["category"]["id"]) == ("Weekly", news)


def test_pages_search_and_sort_per_locale(root: Session) -> None:
    for n in range(1, 12):
        create_article(root, "fr", title=f"Page {n:02}", slug=f"page-{n}", sku=f"P-{n}")
    for n in range(1, 3):
        create_article(root, "en", title=f"Page en {n}", slug=f"page-en-{n}", sku=f"PE-{n}")
    first = root.get("/admin/article/list", params={"locale": "fr", "q": "Page", "page_size": "10",
                                                    "sort": "title__desc"}).text
    titles = re.findall(r'<td data-column="title"[^>]*>\s*<span[^>]*title="([^"]*)"', first)
    assert titles == [f"Page {n:02}" for n in range(11, 1, -1)]
    assert re.search(r"Showing\s+1\s+to\s+10\s+of\s+11\s+entries", first)
    # the pages' links keep the locale, the search and the sort
    next_page = re.search(r'href="([^"]*page=2[^"]*)"', first)
    assert next_page, "no link to page 2"
    link = html.unescape(next_page.group(1))
    assert all(part in link for part in ("locale=fr", "q=Page", "sort=title__desc", "page_size=10")), link
    second = root.get(link).text
    assert re.findall(r'<td data-column="title"[^>]*>\s*<span[^>]*title="([^"]*)"', second) == ["Page 01"]
    # the search form and New Article keep the locale
    assert '<input type="hidden" name="locale" value="fr" />' in first
    assert re.search(r'href="[^"]*/admin/article/create\?[^"]*locale=fr[^"]*"', first)
    english = root.get("/admin/article/list", params={"q": "Page", "page_size": "10"}).text
    assert re.search(r"Showing\s+1\s+to\s+2\s+of\s+2\s+entries", english)
