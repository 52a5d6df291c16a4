"""Localized content over REST, as Strapi 5 answers (issue 16).

The project is tests/projects/i18n, locales en (default), fr and de:
``article`` (localized, draft & publish) with localized ``title``/``body``/
``slug``, shared ``price``/``sku`` (not localized), a manyToOne ``category``
(localized, no draft & publish) and a manyToMany ``tags`` (a type that is not
localized); ``homepage``, a localized single type.

Strapi 5: a document has one version per locale (same documentId);
``?locale=`` picks it on reads and writes, the default locale when absent;
``PUT /api/<plural>/<documentId>?locale=fr`` adds the French version; values
of attributes that are not localized are the same in every locale; an unknown
locale is a 400; relations link the target's version in the same locale.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers.project import make_project, serving

PROJECT = Path(__file__).resolve().parents[1] / "projects" / "i18n"
UNKNOWN_LOCALE = {"status": 400, "name": "ValidationError", "message": "This locale doesn't exist",
                  "details": {"locale": "xx"}}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    root = tmp_path_factory.mktemp("i18n") / "project"
    shutil.copytree(PROJECT, root)
    with serving(root) as server, httpx.Client(base_url=server.url + "/api", timeout=10) as client:
        yield client


def post(api: httpx.Client, plural: str, data: dict[str, Any], **params: Any) -> dict[str, Any]:
    answer = api.post(f"/{plural}", params=params, json={"data": data})
    assert answer.status_code == 201, answer.text
    return answer.json()["data"]


def put(api: httpx.Client, path: str, data: dict[str, Any], **params: Any) -> dict[str, Any]:
    answer = api.put(path, params=params, json={"data": data})
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def read(api: httpx.Client, path: str, **params: Any) -> Any:
    answer = api.get(path, params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def missing(api: httpx.Client, path: str, **params: Any) -> bool:
    answer = api.get(path, params=params)
    return answer.status_code == 404 and answer.json()["error"]["name"] == "NotFoundError"


# -- locales on reads and writes ---------------------------------------------------------


def test_a_document_is_created_in_the_default_locale_unless_told(api: httpx.Client) -> None:
    english = post(api, "articles", {"title": "Default", "sku": "D-1"})
    assert english["locale"] == "en"
    french = post(api, "articles", {"title": "Seulement", "sku": "D-2"}, locale="fr")
    assert french["locale"] == "fr"
    # a French-only document does not exist in the default locale
    assert missing(api, f"/articles/{french['documentId']}")
    assert read(api, f"/articles/{french['documentId']}", locale="fr")["title"] == "Seulement"
    assert read(api, f"/articles/{english['documentId']}", locale="en")["title"] == "Default"


def test_put_with_a_locale_adds_a_translation_to_the_same_document(api: httpx.Client) -> None:
    english = post(api, "articles", {"title": "Hello", "body": "English body", "price": 5, "sku": "T-1"})
    doc = english["documentId"]
    assert missing(api, f"/articles/{doc}", locale="fr")
    french = put(api, f"/articles/{doc}", {"title": "Bonjour"}, locale="fr")
    assert (french["documentId"], french["locale"], french["title"]) == (doc, "fr", "Bonjour")
    # values that are not localized come from the document; localized ones start empty
    assert (french["price"], french["sku"], french["body"]) == (5, "T-1", None)
    assert french["id"] != english["id"]
    # the English version is unchanged
    again = read(api, f"/articles/{doc}")
    assert (again["title"], again["body"], again["locale"]) == ("Hello", "English body", "en")


def test_a_new_translation_needs_its_required_localized_values(api: httpx.Client) -> None:
    doc = post(api, "articles", {"title": "Needs a title", "sku": "R-1"})["documentId"]
    answer = api.put(f"/articles/{doc}", params={"locale": "de"}, json={"data": {"body": "ohne Titel"}})
    assert answer.status_code == 400
    assert answer.json()["error"] == {
        "status": 400, "name": "ValidationError", "message": "title must be defined.",
        "details": {"errors": [{"path": ["title"], "message": "title must be defined.", "name": "ValidationError"}]}}
    # nothing was written
    assert missing(api, f"/articles/{doc}", locale="de")
    assert missing(api, f"/articles/{doc}", locale="de", status="draft")


def test_values_not_localized_are_the_same_in_every_locale(api: httpx.Client) -> None:
    doc = post(api, "articles", {"title": "Shared", "price": 10, "sku": "S-1"})["documentId"]
    put(api, f"/articles/{doc}", {"title": "Partagé"}, locale="fr")
    # the French editor changes the price as a draft: the English draft has it at once
    put(api, f"/articles/{doc}", {"price": 12}, locale="fr", status="draft")
    assert read(api, f"/articles/{doc}", status="draft")["price"] == 12
    assert read(api, f"/articles/{doc}")["price"] == 10  # published versions: not yet
    # publishing the French version gives every published version the new price
    put(api, f"/articles/{doc}", {}, locale="fr")
    assert read(api, f"/articles/{doc}")["price"] == 12
    assert read(api, f"/articles/{doc}", locale="fr")["price"] == 12
    # a localized value stays per locale
    assert read(api, f"/articles/{doc}")["title"] == "Shared"


def test_lists_filters_and_sort_are_per_locale(api: httpx.Client) -> None:
    for title, titre, price in (("Apple", "Pomme", 3), ("Banana", "Banane", 1), ("Cherry", "Cerise", 2)):
        doc = post(api, "articles", {"title": title, "price": price, "sku": f"L-{title}"})["documentId"]
        put(api, f"/articles/{doc}", {"title": titre}, locale="fr")
    params = {"filters[sku][$startsWith]": "L-", "sort": "title"}
    assert [d["title"] for d in read(api, "/articles", **params)] == ["Apple", "Banana", "Cherry"]
    french = read(api, "/articles", locale="fr", **params)
    assert [d["title"] for d in french] == ["Banane", "Cerise", "Pomme"]
    assert {d["locale"] for d in french} == {"fr"}
    assert [d["title"] for d in read(api, "/articles", locale="fr", **{**params, "filters[title][$eq]": "Pomme"})] \
        == ["Pomme"]
    assert read(api, "/articles", locale="fr", **{**params, "filters[title][$eq]": "Apple"}) == []
    assert read(api, "/articles", locale="de", **params) == []
    answer = api.get("/articles", params={"locale": "fr", **params, "pagination[withCount]": "true"})
    assert answer.json()["meta"]["pagination"]["total"] == 3


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE"])
def test_an_unknown_locale_is_a_400(api: httpx.Client, method: str) -> None:
    doc = post(api, "articles", {"title": f"Known {method}", "sku": f"U-{method}"})["documentId"]
    path = "/articles" if method in ("GET", "POST") else f"/articles/{doc}"
    answer = api.request(method, path, params={"locale": "xx"}, json={"data": {"title": "x"}})
    assert answer.status_code == 400
    assert answer.json() == {"data": None, "error": UNKNOWN_LOCALE}
    assert read(api, f"/articles/{doc}")["title"] == f"Known {method}"  # nothing changed


def test_a_type_that_is_not_localized_ignores_locale(api: httpx.Client) -> None:
    tag = post(api, "tags", {"name": "ignored-locale"}, locale="fr")
    assert "locale" not in tag
    assert read(api, f"/tags/{tag['documentId']}", locale="de")["name"] == "ignored-locale"


def test_the_body_may_name_the_locale(api: httpx.Client) -> None:
    doc = post(api, "articles", {"title": "Body locale", "locale": "de", "sku": "B-1"})
    assert doc["locale"] == "de"
    assert read(api, f"/articles/{doc['documentId']}", locale="de")["title"] == "Body locale"


# -- relations ------------------------------------------------------------------------


def test_relations_link_the_version_in_the_same_locale(api: httpx.Client) -> None:
    category = post(api, "categories", {"name": "Fruit"})["documentId"]
    put(api, f"/categories/{category}", {"name": "Fruits"}, locale="fr")
    doc = post(api, "articles", {"title": "Kiwi", "sku": "K-1", "category": category})["documentId"]
    put(api, f"/articles/{doc}", {"title": "Kiwi (fr)", "category": category}, locale="fr")
    assert read(api, f"/articles/{doc}", populate="category")["category"]["name"] == "Fruit"
    french = read(api, f"/articles/{doc}", locale="fr", populate="category")
    assert (french["category"]["name"], french["category"]["locale"]) == ("Fruits", "fr")
    # and from the other side, per locale
    assert [a["title"] for a in read(api, f"/categories/{category}", locale="fr", populate="articles")["articles"]] \
        == ["Kiwi (fr)"]
    assert [a["title"] for a in read(api, f"/categories/{category}", populate="articles")["articles"]] == ["Kiwi"]


def test_a_relation_to_a_missing_translation_is_a_400(api: httpx.Client) -> None:
    category = post(api, "categories", {"name": "English only"})["documentId"]
    doc = post(api, "articles", {"title": "Orphan", "sku": "O-1"})["documentId"]
    answer = api.put(f"/articles/{doc}", params={"locale": "de"},
                     json={"data": {"title": "Waise", "category": category}})
    assert answer.status_code == 400
    assert answer.json()["error"] == {"status": 400, "name": "ValidationError",
                                      "message": f'Document with id "{category}", locale "de" not found',
                                      "details": {}}
    assert missing(api, f"/articles/{doc}", locale="de", status="draft")


def test_a_reference_may_name_the_locale_of_the_version_it_links(api: httpx.Client) -> None:
    """Strapi 5's ``connect: [{documentId, locale}]``: that locale's version, not the writer's."""
    category = post(api, "categories", {"name": "Cross"})["documentId"]
    put(api, f"/categories/{category}", {"name": "Kreuz"}, locale="de")
    doc = post(api, "articles", {"title": "Crossed", "sku": "C-1",
                                 "category": {"connect": [{"documentId": category, "locale": "de"}]}})["documentId"]
    linked = read(api, f"/articles/{doc}", populate="category")["category"]
    assert (linked["name"], linked["locale"]) == ("Kreuz", "de")
    put(api, f"/articles/{doc}", {"category": {"connect": [{"documentId": category, "locale": "en"}]}})
    assert read(api, f"/articles/{doc}", populate="category")["category"]["name"] == "Cross"
    for locale, error in (("fr", f'Document with id "{category}", locale "fr" not found'),
                          ("xx", "This locale doesn't exist")):
        answer = api.put(f"/articles/{doc}", json={"data": {"category": {"connect": [
            {"documentId": category, "locale": locale}]}}})
        assert answer.status_code == 400 and answer.json()["error"]["message"] == error, answer.text
    assert read(api, f"/articles/{doc}", populate="category")["category"]["name"] == "Cross"  # unchanged


def test_a_type_that_is_not_localized_populates_the_request_default_locale(api: httpx.Client) -> None:
    tag = post(api, "tags", {"name": "seasonal"})["documentId"]
    doc = post(api, "articles", {"title": "Plum", "sku": "P-1", "tags": [tag]})["documentId"]
    put(api, f"/articles/{doc}", {"title": "Prune", "tags": [tag]}, locale="fr")
    # both versions link the tag; the tag lists the default locale's
    populated = read(api, f"/tags/{tag}", populate="articles")["articles"]
    assert [(a["title"], a["locale"]) for a in populated] == [("Plum", "en")]


def test_localizations_lists_the_other_locales_of_the_same_status(api: httpx.Client) -> None:
    doc = post(api, "articles", {"title": "Multi", "sku": "M-1"})["documentId"]
    put(api, f"/articles/{doc}", {"title": "Multi (fr)"}, locale="fr")
    put(api, f"/articles/{doc}", {"title": "Multi (de)"}, locale="de", status="draft")  # a draft only
    published = read(api, f"/articles/{doc}", **{"populate[localizations][fields][0]": "title"})
    assert published["localizations"] == [
        {"id": published["localizations"][0]["id"], "documentId": doc, "title": "Multi (fr)", "locale": "fr"}]
    drafts = read(api, f"/articles/{doc}", status="draft", populate="localizations")
    assert [(d["locale"], d["title"], d["publishedAt"]) for d in drafts["localizations"]] == \
        [("de", "Multi (de)", None), ("fr", "Multi (fr)", None)]
    listed = read(api, "/articles", locale="fr", populate="localizations", **{"filters[sku][$eq]": "M-1"})
    assert [d["locale"] for d in listed[0]["localizations"]] == ["en"]
    # without populate there is no such key
    assert "localizations" not in read(api, f"/articles/{doc}")


# -- drafts and locales together ------------------------------------------------------


def test_a_french_draft_beside_an_english_published_version(api: httpx.Client) -> None:
    doc = post(api, "articles", {"title": "Launch", "sku": "DP-1"})["documentId"]
    draft = put(api, f"/articles/{doc}", {"title": "Lancement"}, locale="fr", status="draft")
    assert (draft["locale"], draft["publishedAt"]) == ("fr", None)
    assert missing(api, f"/articles/{doc}", locale="fr")
    assert read(api, f"/articles/{doc}", locale="fr", status="draft")["title"] == "Lancement"
    assert read(api, f"/articles/{doc}")["title"] == "Launch"
    assert [d["documentId"] for d in read(api, "/articles", locale="fr", **{"filters[sku][$eq]": "DP-1"})] == []
    # publishing the French version
    published = put(api, f"/articles/{doc}", {}, locale="fr")
    assert (published["title"], published["locale"]) == ("Lancement", "fr")
    assert published["publishedAt"] is not None
    assert read(api, f"/articles/{doc}", locale="fr")["title"] == "Lancement"


def test_unique_values_are_unique_per_locale(api: httpx.Client) -> None:
    post(api, "categories", {"name": "Unique"})
    post(api, "categories", {"name": "Unique"}, locale="fr")  # another locale: allowed
    answer = api.post("/categories", json={"data": {"name": "Unique"}})
    assert answer.status_code == 400
    assert answer.json()["error"]["details"]["errors"][0]["path"] == ["name"]


# -- deletes --------------------------------------------------------------------------


def test_delete_removes_one_locale(api: httpx.Client) -> None:
    doc = post(api, "articles", {"title": "Delete me", "sku": "X-1"})["documentId"]
    put(api, f"/articles/{doc}", {"title": "Supprime-moi"}, locale="fr")
    put(api, f"/articles/{doc}", {"title": "Lösch mich"}, locale="de")
    assert api.delete(f"/articles/{doc}", params={"locale": "fr"}).status_code == 204
    assert missing(api, f"/articles/{doc}", locale="fr")
    assert missing(api, f"/articles/{doc}", locale="fr", status="draft")
    assert read(api, f"/articles/{doc}")["title"] == "Delete me"
    # without a locale: the default locale's versions (Strapi's document service default)
    assert api.delete(f"/articles/{doc}").status_code == 204
    assert missing(api, f"/articles/{doc}")
    assert read(api, f"/articles/{doc}", locale="de")["title"] == "Lösch mich"


def test_delete_with_every_locale(api: httpx.Client) -> None:
    doc = post(api, "articles", {"title": "All gone", "sku": "X-2"})["documentId"]
    put(api, f"/articles/{doc}", {"title": "Tout parti"}, locale="fr")
    assert api.delete(f"/articles/{doc}", params={"locale": "*"}).status_code == 204
    for locale in ("en", "fr"):
        assert missing(api, f"/articles/{doc}", locale=locale, status="draft")


# -- single types ---------------------------------------------------------------------


def test_a_localized_single_type_has_one_document_in_several_locales(api: httpx.Client) -> None:
    english = put(api, "/homepage", {"headline": "Welcome", "theme": "dark"})
    french = put(api, "/homepage", {"headline": "Bienvenue"}, locale="fr")
    assert french["documentId"] == english["documentId"]
    assert (french["locale"], french["theme"]) == ("fr", "dark")
    assert read(api, "/homepage")["headline"] == "Welcome"
    assert read(api, "/homepage", locale="fr")["headline"] == "Bienvenue"
    assert missing(api, "/homepage", locale="de")
    assert api.delete("/homepage", params={"locale": "fr"}).status_code == 204
    assert missing(api, "/homepage", locale="fr")
    assert read(api, "/homepage")["headline"] == "Welcome"


# -- the OpenAPI document -------------------------------------------------------------


def test_openapi_has_locale_on_localized_types_only(api: httpx.Client) -> None:
    spec = api.get("/openapi.json").json()
    names = lambda path, method: [p.get("name") for p in spec["paths"]["/api" + path][method].get("parameters", [])]  # noqa: E731
    assert "locale" in names("/articles", "get")
    assert "locale" in names("/articles/{documentId}", "put")
    assert "locale" not in names("/tags", "get")
    assert "locale" in spec["components"]["schemas"]["Article"]["properties"]


# -- locales as data ------------------------------------------------------------------


def test_deleting_a_locale_deletes_the_content_in_it(api: httpx.Client) -> None:
    added = api.post("/i18n/locales", json={"code": "it", "name": "Italian (it)", "isDefault": False})
    assert added.status_code == 200, added.text
    doc = post(api, "articles", {"title": "Ciao", "sku": "IT-1"}, locale="it")["documentId"]
    put(api, f"/articles/{doc}", {"title": "Hello (from it)"}, locale="en")
    assert api.delete(f"/i18n/locales/{added.json()['id']}").status_code == 200
    # the locale is gone, and so is its content; other locales of the document stay
    assert api.get("/articles", params={"locale": "it"}).json()["error"]["message"] == "This locale doesn't exist"
    again = api.post("/i18n/locales", json={"code": "it", "isDefault": False})
    assert missing(api, f"/articles/{doc}", locale="it", status="draft")
    assert read(api, f"/articles/{doc}")["title"] == "Hello (from it)"
    assert api.delete(f"/i18n/locales/{again.json()['id']}").status_code == 200


# -- grant conditions on the locale ---------------------------------------------------

TRANSLATOR_GRANTS = """
[[roles.public.grants]]
action = "api::article.article.find"
condition = { locale = { "$eq" = "fr" } }

[[roles.public.grants]]
action = "api::article.article.findOne"
condition = { locale = { "$eq" = "fr" } }

[[roles.public.grants]]
action = "api::article.article.create"
condition = { locale = { "$eq" = "fr" } }

[[roles.public.grants]]
action = "api::article.article.update"
condition = { locale = { "$eq" = "fr" } }
"""


@pytest.fixture(scope="module")
def french_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """The i18n project with users_permissions, where the Public role may read and write
    French versions only (a condition on ``locale``), drafts included."""
    root = make_project(tmp_path_factory.mktemp("i18n_grants") / "project",
                        plugins_toml=(PROJECT / "config" / "plugins.toml").read_text())
    shutil.copytree(PROJECT / "content_types", root / "content_types", dirs_exist_ok=True)
    with (root / "config" / "permissions.toml").open("a") as grants:
        grants.write(TRANSLATOR_GRANTS)
    with serving(root) as server, httpx.Client(base_url=server.url + "/api", timeout=10) as client:
        yield client


def test_a_condition_on_the_locale_limits_reads_and_writes_to_it(french_only: httpx.Client) -> None:
    api = french_only
    french = post(api, "articles", {"title": "Permis", "sku": "G-1"}, locale="fr")
    draft = post(api, "articles", {"title": "Brouillon", "sku": "G-2"}, locale="fr", status="draft")
    refused = api.post("/articles", json={"data": {"title": "Not allowed", "sku": "G-3"}})  # English
    assert refused.status_code == 403
    assert refused.json()["error"]["name"] == "ForbiddenError"
    assert [d["title"] for d in read(api, "/articles", locale="fr", sort="sku")] == ["Permis"]
    assert [d["title"] for d in read(api, "/articles", locale="fr", status="draft", sort="sku")] == \
        ["Permis", "Brouillon"]
    assert read(api, "/articles") == []  # English versions are not the caller's
    # adding the English translation of a French document is refused, and nothing is written
    answer = api.put(f"/articles/{french['documentId']}", json={"data": {"title": "Allowed?"}})
    assert answer.status_code == 403
    assert missing(api, f"/articles/{french['documentId']}")
    assert read(api, f"/articles/{draft['documentId']}", locale="fr", status="draft")["title"] == "Brouillon"


def test_publishing_one_locale_leaves_the_others_timestamps(api: httpx.Client) -> None:
    """Shared values reach the other locales' published versions without making them newer than
    their drafts: an English draft edited after its publication stays newer (the admin's
    "Modified"), and a French publish that changes nothing shared writes no English row."""
    doc = post(api, "articles", {"title": "Stamp", "sku": "ST-1", "price": 1})["documentId"]
    put(api, f"/articles/{doc}", {"title": "Tampon"}, locale="fr")
    put(api, f"/articles/{doc}", {"title": "Stamp, edited"}, status="draft")  # English: modified
    english = read(api, f"/articles/{doc}")
    put(api, f"/articles/{doc}", {"title": "Tampon, revu"}, locale="fr")  # nothing shared changed
    assert read(api, f"/articles/{doc}")["updatedAt"] == english["updatedAt"]
    put(api, f"/articles/{doc}", {"price": 2}, locale="fr")  # a shared value: published in every locale
    after = read(api, f"/articles/{doc}")
    assert (after["price"], after["title"], after["updatedAt"]) == (2, "Stamp", english["updatedAt"])
    draft = read(api, f"/articles/{doc}", status="draft")
    assert (draft["price"], draft["title"]) == (2, "Stamp, edited")
    assert draft["updatedAt"] > after["updatedAt"]  # still newer than the published version


def test_a_locale_that_is_not_a_string_is_a_400(api: httpx.Client) -> None:
    category = post(api, "categories", {"name": "Typed"})["documentId"]
    answer = api.post("/articles", json={"data": {"title": "Typed", "locale": 5}})
    assert answer.status_code == 400 and answer.json()["error"]["message"] == "locale must be a string"
    answer = api.post("/articles", json={"data": {"title": "Typed", "category": {
        "connect": [{"documentId": category, "locale": ["fr"]}]}}})
    assert answer.status_code == 400
    assert answer.json()["error"]["details"]["errors"][0]["path"] == ["category", "connect", 0, "locale"]
    assert read(api, "/articles", **{"filters[title][$eq]": "Typed"}) == []  # nothing written
