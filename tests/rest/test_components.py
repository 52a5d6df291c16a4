"""Components and dynamic zones over REST, as Strapi v5 answers (issue 15).

The project is tests/projects/components: Strapi's blog article with an
``seo`` component (media inside), a repeatable ``faqs`` and a ``blocks``
dynamic zone whose ``shared.related-article`` holds a relation.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.helpers.project import serving

PROJECT = Path(__file__).resolve().parents[1] / "projects" / "components"


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    root = tmp_path_factory.mktemp("components") / "project"
    shutil.copytree(PROJECT, root)
    with serving(root) as server, httpx.Client(base_url=server.url + "/api", timeout=10) as client:
        yield client


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def image(api: httpx.Client) -> dict[str, Any]:
    answer = api.post("/upload", files={"files": ("share.png", _png(), "image/png")})
    assert answer.status_code == 201, answer.text
    return answer.json()[0]


ARTICLE = {
    "title": "Components",
    "seo": {"metaTitle": "Meta title", "metaDescription": "About components"},
    "faqs": [{"question": "Why?", "answer": "Because"}, {"question": "How?"}],
    "blocks": [
        {"__component": "shared.quote", "title": "Quoted", "body": "Said once"},
        {"__component": "shared.rich-text", "body": "# Heading"},
    ],
}


def create(api: httpx.Client, data: dict[str, Any], query: str = "") -> httpx.Response:
    return api.post(f"/articles{query}", json={"data": data})


def created(api: httpx.Client, data: dict[str, Any], query: str = "") -> dict[str, Any]:
    answer = create(api, data, query)
    assert answer.status_code == 201, answer.text
    return answer.json()["data"]


def read(api: httpx.Client, document_id: str, query: str) -> dict[str, Any]:
    answer = api.get(f"/articles/{document_id}?{query}")
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def errors(answer: httpx.Response) -> list[dict[str, Any]]:
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert body["data"] is None and body["error"]["name"] == "ValidationError"
    return body["error"]["details"].get("errors", [])


def test_components_are_returned_only_when_populated(api: httpx.Client) -> None:
    article = created(api, ARTICLE)
    assert not {"seo", "faqs", "blocks"} & set(article)
    plain = read(api, article["documentId"], "")
    assert not {"seo", "faqs", "blocks"} & set(plain)
    everything = read(api, article["documentId"], "populate=*")
    assert everything["seo"] == {"id": 1, "metaTitle": "Meta title", "metaDescription": "About components"}
    assert everything["faqs"] == [{"id": 1, "question": "Why?", "answer": "Because"},
                                  {"id": 2, "question": "How?", "answer": None}]
    assert everything["blocks"] == [
        {"__component": "shared.quote", "id": 1, "title": "Quoted", "body": "Said once"},
        {"__component": "shared.rich-text", "id": 2, "body": "# Heading"},
    ]
    assert everything["cover"] is None
    assert set(read(api, article["documentId"], "populate[seo]=true")) >= {"seo"}
    assert "faqs" not in read(api, article["documentId"], "populate[seo]=*")
    assert read(api, article["documentId"], "populate=faqs")["faqs"][1]["question"] == "How?"


def test_media_and_relations_inside_components_come_when_populated(api: httpx.Client, image: dict[str, Any]) -> None:
    target = created(api, {"title": "Target"})
    data = {**ARTICLE, "title": "Linking", "seo": {**ARTICLE["seo"], "shareImage": image["id"]},
            "blocks": [{"__component": "shared.related-article", "label": "See", "article": target["documentId"]},
                       {"__component": "shared.quote", "title": "Q"}]}
    article = created(api, data)
    doc_id = article["documentId"]
    shallow = read(api, doc_id, "populate=*")
    assert "shareImage" not in shallow["seo"]
    assert shallow["blocks"][0] == {"__component": "shared.related-article", "id": 1, "label": "See"}
    deep = read(api, doc_id, "populate[seo][populate][0]=shareImage")
    assert deep["seo"]["shareImage"]["id"] == image["id"]
    assert deep["seo"]["shareImage"]["name"] == "share.png"
    dotted = read(api, doc_id, "populate[0]=seo.shareImage&fields[0]=title")
    assert dotted["seo"]["shareImage"]["id"] == image["id"] and set(dotted) == {"id", "documentId", "title", "seo"}
    fragments = read(api, doc_id, "populate[blocks][on][shared.related-article][populate][article][fields][0]=title"
                                  "&populate[blocks][on][shared.quote][fields][0]=title")
    assert fragments["blocks"] == [
        {"__component": "shared.related-article", "id": 1, "label": "See",
         "article": {"id": target["id"], "documentId": target["documentId"], "title": "Target"}},
        {"__component": "shared.quote", "id": 2, "title": "Q"},
    ]
    narrowed = read(api, doc_id, "populate[seo][fields][0]=metaTitle")
    assert narrowed["seo"] == {"id": 1, "metaTitle": "Meta title"}
    # the related entry's deletion leaves its id behind, skipped when populated
    assert api.delete(f"/articles/{target['documentId']}").status_code == 204
    after = read(api, doc_id, "populate[blocks][on][shared.related-article][populate][0]=article")
    assert after["blocks"][0]["article"] is None


def test_update_keeps_items_with_ids_creates_new_ones_and_drops_the_rest(api: httpx.Client) -> None:
    article = created(api, {**ARTICLE, "title": "Updated"})
    doc_id = article["documentId"]
    answer = api.put(f"/articles/{doc_id}?populate=*", json={"data": {
        "faqs": [{"id": 2, "answer": "Like this"}, {"question": "New?"}],
        "blocks": [{"__component": "shared.rich-text", "id": 2, "body": "# Changed"}],
        "seo": {"id": 1, "metaTitle": "Changed"},
    }})
    assert answer.status_code == 200, answer.text
    data = answer.json()["data"]
    assert data["faqs"] == [{"id": 2, "question": "How?", "answer": "Like this"},
                            {"id": 3, "question": "New?", "answer": None}]
    assert data["blocks"] == [{"__component": "shared.rich-text", "id": 2, "body": "# Changed"}]
    assert data["seo"] == {"id": 1, "metaTitle": "Changed", "metaDescription": "About components"}
    # an item without id replaces a single component; null removes it
    replaced = api.put(f"/articles/{doc_id}?populate=seo", json={"data": {
        "seo": {"metaTitle": "Fresh", "metaDescription": "New"}}}).json()["data"]
    assert replaced["seo"] == {"id": 2, "metaTitle": "Fresh", "metaDescription": "New"}
    removed = api.put(f"/articles/{doc_id}?populate=*", json={"data": {"seo": None, "faqs": []}}).json()["data"]
    assert removed["seo"] is None and removed["faqs"] == [] and len(removed["blocks"]) == 1
    # an id that names no item of this list, or an item of another component, is refused
    assert errors(api.put(f"/articles/{doc_id}", json={"data": {"faqs": [{"id": 99, "question": "x"}]}}))[0]["path"] == ["faqs", 0]
    assert errors(api.put(f"/articles/{doc_id}", json={"data": {"blocks": [
        {"__component": "shared.quote", "id": 2}]}}))[0]["path"] == ["blocks", 0]


def test_validation_errors_point_into_components(api: httpx.Client) -> None:
    found = errors(create(api, {"title": "Bad", "seo": {"metaTitle": 5}, "faqs": [{"answer": "no question"}],
                                "blocks": [{"__component": "shared.quote", "title": "ok"},
                                           {"__component": "shared.quote", "text": "x"},
                                           {"__component": "shared.nope"}, "not an object"]}))
    paths = {tuple(e["path"]): e["message"] for e in found}
    assert paths[("seo", "metaTitle")].startswith("metaTitle must be a `string` type")
    assert paths[("seo", "metaDescription")] == "metaDescription must be defined."
    assert paths[("faqs", 0, "question")] == "question must be defined."
    assert paths[("blocks", 1, "text")] == "Invalid key text"
    assert paths[("blocks", 2, "__component")].startswith("__component must be one of the following values")
    assert ("blocks", 3) in paths
    too_many = errors(create(api, {"title": "Many", "faqs": [{"question": str(i)} for i in range(6)]}))
    assert too_many[0]["path"] == ["faqs"] and "at most 5" in too_many[0]["message"]
    for data in ({"seo": "text"}, {"faqs": {"question": "x"}}, {"blocks": {"__component": "shared.quote"}},
                 {"blocks": [{"__component": "shared.seo", "metaTitle": "not in the zone"}]},
                 {"seo": {"id": "one", "metaTitle": "a", "metaDescription": "b"}}):
        assert errors(create(api, {"title": "Shapes", **data}))
    missing = create(api, {"title": "Missing", "blocks": [{"__component": "shared.related-article", "article": 999999}]})
    assert missing.status_code == 400 and "not found" in missing.json()["error"]["message"]


def test_filters_and_sort_through_components(api: httpx.Client) -> None:
    first = created(api, {"title": "Filter A", "seo": {"metaTitle": "alpha meta", "metaDescription": "d"},
                          "faqs": [{"question": "Only in A"}]})
    second = created(api, {"title": "Filter B", "seo": {"metaTitle": "beta meta", "metaDescription": "d"},
                           "faqs": [{"question": "Only in B"}, {"question": "Shared"}]})

    def titles(query: str) -> list[str]:
        answer = api.get(f"/articles?fields[0]=title&filters[title][$startsWith]=Filter&{query}")
        assert answer.status_code == 200, answer.text
        return [d["title"] for d in answer.json()["data"]]

    assert titles("filters[seo][metaTitle][$contains]=alpha") == ["Filter A"]
    assert titles("filters[seo][metaTitle][$containsi]=META") == ["Filter A", "Filter B"]
    assert titles("filters[faqs][question][$eq]=Shared") == ["Filter B"]
    assert titles("filters[faqs][question][$in][0]=Only in A&filters[faqs][question][$in][1]=Shared") == [
        "Filter A", "Filter B"]
    assert titles("filters[$not][faqs][question][$eq]=Shared") == ["Filter A"]
    assert titles("sort=seo.metaTitle:desc") == ["Filter B", "Filter A"]
    assert titles("sort[0][seo][metaTitle]=asc") == ["Filter A", "Filter B"]
    assert first["id"] < second["id"]
    for query in ("filters[blocks][title][$eq]=x", "sort=faqs.question", "sort=blocks", "sort=seo",
                  "filters[seo][nope][$eq]=1", "filters[seo]=3", "fields[0]=seo", "populate[seo][filters][x]=1",
                  "populate[blocks][on][shared.seo]=true", "populate[0]=blocks.article", "populate[faqs]=maybe"):
        answer = api.get(f"/articles?{query}")
        assert answer.status_code == 400, (query, answer.text)


def test_delete_removes_the_components_with_the_entry(api: httpx.Client) -> None:
    article = created(api, {**ARTICLE, "title": "Gone"})
    assert api.delete(f"/articles/{article['documentId']}").status_code == 204
    assert api.get(f"/articles/{article['documentId']}?populate=*").status_code == 404


def test_openapi_describes_components_and_zones(api: httpx.Client) -> None:
    document = api.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    blocks = schemas["Article"]["properties"]["blocks"]["items"]
    assert blocks["discriminator"]["propertyName"] == "__component"
    assert set(blocks["discriminator"]["mapping"]) == {"shared.quote", "shared.rich-text", "shared.related-article"}
    assert schemas["Article"]["properties"]["seo"]["anyOf"][0] == {"$ref": "#/components/schemas/ComponentSharedSeo"}
    assert schemas["ComponentSharedSeo"]["properties"]["shareImage"]
    assert "ComponentSharedFaqInput" in schemas and "seo" in schemas["ArticleInput"]["properties"]
