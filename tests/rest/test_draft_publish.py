"""Draft & publish over REST, as Strapi 5 answers (issue 16).

The project is tests/projects/draft_publish: ``article`` (draftAndPublish) with
a manyToOne ``author`` and a manyToMany ``coauthors`` to ``author``
(draftAndPublish) and a manyToOne ``category`` (no draft & publish).

Strapi 5's content API: reads default to ``status=published``,
``status=draft`` reads the latest edits (published or not, ``publishedAt``
null); ``POST``/``PUT`` without ``status`` write and publish, with
``status=draft`` they write the draft only; ``DELETE`` removes every version.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate

from tests.helpers.project import serving

PROJECT = Path(__file__).resolve().parents[1] / "projects" / "draft_publish"


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    root = tmp_path_factory.mktemp("draft_publish") / "project"
    shutil.copytree(PROJECT, root)
    with serving(root) as server, httpx.Client(base_url=server.url + "/api", timeout=10) as client:
        yield client


def create(api: httpx.Client, plural: str, data: dict[str, Any], status: str | None = None) -> dict[str, Any]:
    answer = api.post(f"/{plural}", params={"status": status} if status else None, json={"data": data})
    assert answer.status_code == 201, answer.text
    return answer.json()["data"]


def get(api: httpx.Client, path: str, **params: Any) -> httpx.Response:
    return api.get(path, params=params)


def ids(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [d["documentId"] for d in answer.json()["data"]]


# -- create and read ---------------------------------------------------------------------


def test_post_without_status_creates_and_publishes(api: httpx.Client) -> None:
    doc = create(api, "articles", {"title": "Published at once"})
    assert doc["publishedAt"] is not None
    published = get(api, f"/articles/{doc['documentId']}").json()["data"]
    assert published["title"] == "Published at once" and published["publishedAt"] is not None
    draft = get(api, f"/articles/{doc['documentId']}", status="draft").json()["data"]
    assert draft["title"] == "Published at once" and draft["publishedAt"] is None
    assert draft["documentId"] == published["documentId"] and draft["id"] != published["id"]
    assert doc["documentId"] in ids(get(api, "/articles"))
    assert doc["documentId"] in ids(get(api, "/articles", status="draft"))


def test_post_with_status_draft_creates_a_draft_only(api: httpx.Client) -> None:
    doc = create(api, "articles", {"title": "Only a draft"}, status="draft")
    assert doc["publishedAt"] is None
    assert get(api, f"/articles/{doc['documentId']}").status_code == 404
    assert get(api, f"/articles/{doc['documentId']}", status="published").status_code == 404
    assert get(api, f"/articles/{doc['documentId']}", status="draft").json()["data"]["title"] == "Only a draft"
    assert doc["documentId"] not in ids(get(api, "/articles"))
    assert doc["documentId"] in ids(get(api, "/articles", status="draft"))


def test_each_document_is_listed_once_per_status_and_counted_so(api: httpx.Client) -> None:
    both = create(api, "articles", {"title": "Counted", "body": "count-me"})
    create(api, "articles", {"title": "Counted draft", "body": "count-me"}, status="draft")
    filters = {"filters[body][$eq]": "count-me", "pagination[pageSize]": 1}
    published = api.get("/articles", params=filters)
    drafts = api.get("/articles", params={**filters, "status": "draft"})
    assert published.json()["meta"]["pagination"]["total"] == 1
    assert drafts.json()["meta"]["pagination"]["total"] == 2
    assert ids(published) == [both["documentId"]]


@pytest.mark.parametrize("value", ["live", "Draft", "", "published,draft"])
def test_another_status_is_a_400(api: httpx.Client, value: str) -> None:
    for answer in (api.get("/articles", params={"status": value}),
                   api.post("/articles", params={"status": value}, json={"data": {"title": "x"}})):
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"]["name"] == "ValidationError"


def test_a_status_that_is_not_a_string_is_a_400(api: httpx.Client) -> None:
    answer = api.get("/articles?status[0]=draft")
    assert answer.status_code == 400
    assert answer.json()["error"]["name"] == "ValidationError"


def test_status_is_ignored_on_types_without_draft_and_publish(api: httpx.Client) -> None:
    category = create(api, "categories", {"name": "Ignored status"}, status="draft")
    assert category["publishedAt"] is not None
    assert category["documentId"] in ids(get(api, "/categories", status="draft"))
    assert category["documentId"] in ids(get(api, "/categories", status="anything"))


# -- update and delete --------------------------------------------------------------------


def test_put_with_status_draft_edits_the_draft_only(api: httpx.Client) -> None:
    doc = create(api, "articles", {"title": "Version one"})
    answer = api.put(f"/articles/{doc['documentId']}", params={"status": "draft"}, json={"data": {"title": "Version two"}})
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["title"] == "Version two" and answer.json()["data"]["publishedAt"] is None
    assert get(api, f"/articles/{doc['documentId']}").json()["data"]["title"] == "Version one"
    assert get(api, f"/articles/{doc['documentId']}", status="draft").json()["data"]["title"] == "Version two"


def test_put_without_status_updates_and_publishes(api: httpx.Client) -> None:
    doc = create(api, "articles", {"title": "Draft before"}, status="draft")
    answer = api.put(f"/articles/{doc['documentId']}", json={"data": {"body": "now public"}})
    assert answer.status_code == 200, answer.text
    data = answer.json()["data"]
    assert data["publishedAt"] is not None and data["title"] == "Draft before" and data["body"] == "now public"
    assert get(api, f"/articles/{doc['documentId']}").json()["data"]["body"] == "now public"
    # published again: still one published version
    api.put(f"/articles/{doc['documentId']}", json={"data": {"body": "again"}})
    matching = api.get("/articles", params={"filters[documentId][$eq]": doc["documentId"]})
    assert [d["body"] for d in matching.json()["data"]] == ["again"]


def test_json_values_are_published_as_written(api: httpx.Client) -> None:
    value = {"tags": ["a", "b"], "n": 1}
    doc = create(api, "articles", {"title": "Json", "extra": value})
    assert doc["extra"] == value
    api.put(f"/articles/{doc['documentId']}", json={"data": {"extra": "just text"}})
    assert get(api, f"/articles/{doc['documentId']}").json()["data"]["extra"] == "just text"
    assert get(api, f"/articles/{doc['documentId']}", status="draft").json()["data"]["extra"] == "just text"


def test_delete_removes_every_version(api: httpx.Client) -> None:
    doc = create(api, "articles", {"title": "Doomed"})
    api.put(f"/articles/{doc['documentId']}", params={"status": "draft"}, json={"data": {"title": "Doomed draft"}})
    assert api.delete(f"/articles/{doc['documentId']}").status_code == 204
    assert get(api, f"/articles/{doc['documentId']}").status_code == 404
    assert get(api, f"/articles/{doc['documentId']}", status="draft").status_code == 404


def test_update_of_a_missing_document_is_a_404(api: httpx.Client) -> None:
    answer = api.put("/articles/abcdefghijklmnopqrstuvwx", json={"data": {"title": "x"}})
    assert answer.status_code == 404


# -- unique attributes -------------------------------------------------------------------


def test_unique_values_are_shared_by_the_versions_of_one_document(api: httpx.Client) -> None:
    doc = create(api, "articles", {"title": "Unique", "slug": "unique-slug"})
    answer = api.put(f"/articles/{doc['documentId']}", json={"data": {"slug": "unique-slug", "title": "Unique 2"}})
    assert answer.status_code == 200, answer.text


def test_unique_values_are_refused_between_documents(api: httpx.Client) -> None:
    create(api, "authors", {"name": "Taken name"})
    for status in (None, "draft"):
        answer = api.post("/authors", params={"status": status} if status else None, json={"data": {"name": "Taken name"}})
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"]["name"] == "ValidationError"
        assert answer.json()["error"]["details"]["errors"][0]["path"] == ["name"]


def test_publishing_a_value_another_published_document_has_is_a_400(api: httpx.Client) -> None:
    first = create(api, "articles", {"title": "First", "slug": "moving-slug"})
    second = create(api, "articles", {"title": "Second", "slug": "other-slug"})
    # the first one's draft lets the slug go: the second's draft may take it ...
    api.put(f"/articles/{first['documentId']}", params={"status": "draft"}, json={"data": {"slug": "freed"}})
    answer = api.put(f"/articles/{second['documentId']}", params={"status": "draft"}, json={"data": {"slug": "moving-slug"}})
    assert answer.status_code == 200, answer.text
    # ... but not publish it while the first one's published version holds it
    answer = api.put(f"/articles/{second['documentId']}", json={"data": {}})
    assert answer.status_code == 400, answer.text
    assert get(api, f"/articles/{second['documentId']}").json()["data"]["slug"] == "other-slug"


# -- relations ---------------------------------------------------------------------------


def test_relations_resolve_to_the_status_of_the_request(api: httpx.Client) -> None:
    author = create(api, "authors", {"name": "Draft author"}, status="draft")
    category = create(api, "categories", {"name": "News"})
    article = create(api, "articles", {"title": "Linked", "author": author["documentId"],
                                       "coauthors": [author["documentId"]], "category": category["documentId"]})
    populate = {"populate[0]": "author", "populate[1]": "coauthors", "populate[2]": "category"}
    published = api.get(f"/articles/{article['documentId']}", params=populate).json()["data"]
    assert published["author"] is None and published["coauthors"] == []  # the author is not published
    assert published["category"]["name"] == "News"  # no draft & publish: its one row
    draft = api.get(f"/articles/{article['documentId']}", params={**populate, "status": "draft"}).json()["data"]
    assert draft["author"]["name"] == "Draft author" and draft["author"]["publishedAt"] is None
    assert [a["name"] for a in draft["coauthors"]] == ["Draft author"]
    assert draft["category"]["name"] == "News"

    # publishing the author links the published article to its published version
    assert api.put(f"/authors/{author['documentId']}", json={"data": {}}).status_code == 200
    published = api.get(f"/articles/{article['documentId']}", params=populate).json()["data"]
    assert published["author"]["name"] == "Draft author" and published["author"]["publishedAt"] is not None
    assert [a["publishedAt"] is not None for a in published["coauthors"]] == [True]
    draft = api.get(f"/articles/{article['documentId']}", params={**populate, "status": "draft"}).json()["data"]
    assert draft["author"]["publishedAt"] is None

    # the inverse side reads the same way
    by_author = api.get(f"/authors/{author['documentId']}", params={"populate": "articles"}).json()["data"]
    assert [a["documentId"] for a in by_author["articles"]] == [article["documentId"]]
    assert by_author["articles"][0]["publishedAt"] is not None


def test_a_draft_edit_of_a_relation_is_published_with_the_document(api: httpx.Client) -> None:
    first = create(api, "authors", {"name": "First author"})
    second = create(api, "authors", {"name": "Second author"})
    article = create(api, "articles", {"title": "Reassigned", "author": first["documentId"]})
    path = f"/articles/{article['documentId']}"
    api.put(path, params={"status": "draft"}, json={"data": {"author": second["documentId"]}})
    assert api.get(path, params={"populate": "author"}).json()["data"]["author"]["name"] == "First author"
    assert api.get(path, params={"populate": "author", "status": "draft"}).json()["data"]["author"]["name"] == "Second author"
    api.put(path, json={"data": {}})
    assert api.get(path, params={"populate": "author"}).json()["data"]["author"]["name"] == "Second author"


def test_relations_inside_components_are_published_to_published_versions(api: httpx.Client) -> None:
    """A component's relation to a draft & publish type holds row ids: publishing copies them
    mapped to the targets' published versions (a target never published is left out)."""
    live = create(api, "authors", {"name": "Credited, published"})
    hidden = create(api, "authors", {"name": "Credited, draft only"}, status="draft")
    article = create(api, "articles", {"title": "With credits", "credits": [
        {"role": "writer", "person": live["documentId"]}, {"role": "editor", "person": hidden["documentId"]}]})
    path = f"/articles/{article['documentId']}"
    populate = {"populate[credits][populate][0]": "person"}
    published = api.get(path, params=populate).json()["data"]["credits"]
    assert [(c["role"], c["person"] and (c["person"]["name"], c["person"]["publishedAt"] is not None))
            for c in published] == [("writer", ("Credited, published", True)), ("editor", None)]
    drafts = api.get(path, params={**populate, "status": "draft"}).json()["data"]["credits"]
    assert [(c["role"], c["person"]["name"], c["person"]["publishedAt"]) for c in drafts] == [
        ("writer", "Credited, published", None), ("editor", "Credited, draft only", None)]


def test_a_type_without_draft_and_publish_links_drafts_but_shows_published_versions(api: httpx.Client) -> None:
    """A category (no draft & publish) that holds links to articles (to their drafts, as writes
    link): REST reads populate the articles' published versions, never a draft."""
    live = create(api, "articles", {"title": "Featured, published"})
    hidden = create(api, "articles", {"title": "Picked, never published"}, status="draft")
    category = create(api, "categories", {"name": "Picks", "featured": live["documentId"],
                                          "picks": [hidden["documentId"], live["documentId"]]})
    api.put(f"/articles/{live['documentId']}", params={"status": "draft"}, json={"data": {"title": "Unpublished edit"}})
    populate = {"populate[0]": "featured", "populate[1]": "picks"}
    shown = api.get(f"/categories/{category['documentId']}", params=populate).json()["data"]
    assert (shown["featured"]["title"], shown["featured"]["publishedAt"] is not None) == ("Featured, published", True)
    assert [p["title"] for p in shown["picks"]] == ["Featured, published"]
    listed = api.get("/categories", params={**populate, "filters[name][$eq]": "Picks"}).json()["data"]
    assert [p["title"] for p in listed[0]["picks"]] == ["Featured, published"]
    # status is not a parameter of this type (ignored, as REST does): still the published versions
    again = api.get(f"/categories/{category['documentId']}", params={**populate, "status": "draft"}).json()["data"]
    assert again["featured"]["title"] == "Featured, published"
    # deeper: an article's category's featured article, in the version of the request's status
    api.put(f"/articles/{hidden['documentId']}", params={"status": "draft"},
            json={"data": {"category": category["documentId"]}})
    api.put(f"/articles/{hidden['documentId']}", json={"data": {}})  # published now, with its category
    nested = {"populate[category][populate][0]": "featured"}
    published = api.get(f"/articles/{hidden['documentId']}", params=nested).json()["data"]
    assert published["category"]["featured"]["title"] == "Featured, published"
    drafts = api.get(f"/articles/{hidden['documentId']}", params={**nested, "status": "draft"}).json()["data"]
    assert drafts["category"]["featured"]["title"] == "Unpublished edit"


def test_a_type_without_draft_and_publish_populates_published_versions_once(api: httpx.Client) -> None:
    category = create(api, "categories", {"name": "Once"})
    published = create(api, "articles", {"title": "Once published", "category": category["documentId"]})
    create(api, "articles", {"title": "Once draft", "category": category["documentId"]}, status="draft")
    api.put(f"/articles/{published['documentId']}", params={"status": "draft"}, json={"data": {"title": "Once edited"}})
    for populate in ({"populate": "articles"}, {"populate": "*"}, {"populate[articles][fields][0]": "title"}):
        found = api.get(f"/categories/{category['documentId']}", params=populate).json()["data"]["articles"]
        assert [(a["documentId"], a["title"]) for a in found] == [(published["documentId"], "Once published")]
    # through a draft & publish article, the category's articles are the published ones too
    answer = api.get(f"/articles/{published['documentId']}", params={"populate[category][populate]": "articles"})
    assert [a["title"] for a in answer.json()["data"]["category"]["articles"]] == ["Once published"]


def test_filters_through_relations_follow_the_versions(api: httpx.Client) -> None:
    author = create(api, "authors", {"name": "Filtered author"})
    article = create(api, "articles", {"title": "Filtered", "author": author["documentId"]})
    params = {"filters[author][name][$eq]": "Filtered author"}
    assert ids(api.get("/articles", params=params)) == [article["documentId"]]
    assert ids(api.get("/articles", params={**params, "status": "draft"})) == [article["documentId"]]


# -- OpenAPI -----------------------------------------------------------------------------


def test_openapi_documents_status_on_draft_and_publish_types_only(api: httpx.Client) -> None:
    spec = api.get("/openapi.json").json()

    def names(path: str, method: str) -> list[str]:
        return [p.get("name") for p in spec["paths"]["/api" + path][method].get("parameters", [])]

    assert "status" in names("/articles", "get") and "status" in names("/articles", "post")
    assert "status" in names("/articles/{documentId}", "put")
    assert "status" not in names("/categories", "get")
    validate(spec)
