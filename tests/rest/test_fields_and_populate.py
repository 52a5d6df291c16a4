"""fields and populate in every form; private fields stay hidden inside populated relations."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cms.query.qs import encode_qs


def get(api: httpx.Client, path: str, query: dict[str, Any] | str) -> Any:
    qs = query if isinstance(query, str) else encode_qs(query)
    response = api.get(f"{path}?{qs}")
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_fields_selects_attributes_and_keeps_ids(api: httpx.Client, blog: dict[str, Any]) -> None:
    for query in ("fields=name,age", "fields[0]=name&fields[1]=age"):
        doc = get(api, f"/api/writers/{blog['ana']['documentId']}", query)
        assert set(doc) == {"id", "documentId", "name", "age"}


def test_populate_star_loads_every_relation_one_level(api: httpx.Client, blog: dict[str, Any]) -> None:
    doc = get(api, f"/api/writers/{blog['ana']['documentId']}", "populate=*")
    assert sorted(b["title"] for b in doc["books"]) == ["Alpha", "beta"]
    assert sorted(t["label"] for t in doc["tags"]) == ["poetry", "sf"]
    assert doc["profile"]["nickname"] == "Annie" and doc["mentor"] is None
    assert "writer" not in doc["books"][0]  # one level only


@pytest.mark.parametrize("query", ["populate=books,mentor", "populate[0]=books&populate[1]=mentor",
                                   "populate[books]=true&populate[mentor]=true"])
def test_populate_lists(api: httpx.Client, blog: dict[str, Any], query: str) -> None:
    doc = get(api, f"/api/writers/{blog['bo']['documentId']}", query)
    assert [b["title"] for b in doc["books"]] == ["Gamma ray"]
    assert doc["mentor"]["name"] == "Ana" and "tags" not in doc


def test_populate_with_fields_filters_sort_and_nested_populate(api: httpx.Client, blog: dict[str, Any]) -> None:
    query = {"populate": {"books": {
        "fields": ["title"], "filters": {"pages": {"$gt": 100}}, "sort": ["pages:desc"],
        "populate": {"writer": {"fields": ["name"], "populate": {"tags": {"fields": ["label"], "sort": "label"}}}},
    }}}
    doc = get(api, f"/api/writers/{blog['ana']['documentId']}", query)
    assert [b["title"] for b in doc["books"]] == ["beta", "Alpha"]
    assert set(doc["books"][0]) == {"id", "documentId", "title", "writer"}
    assert doc["books"][0]["writer"]["name"] == "Ana"
    assert [t["label"] for t in doc["books"][0]["writer"]["tags"]] == ["poetry", "sf"]


def test_populate_on_a_list_groups_children_by_parent(api: httpx.Client, blog: dict[str, Any]) -> None:
    docs = get(api, "/api/writers", "populate=books&sort=id")
    assert {d["name"]: sorted(b["title"] for b in d["books"]) for d in docs} == {
        "Ana": ["Alpha", "beta"], "bo": ["Gamma ray"], "Cy Ünal": ["delta_100%"]}


def test_populated_relations_never_show_private_fields(api: httpx.Client, blog: dict[str, Any]) -> None:
    text = api.get("/api/books?populate[writer][populate]=*").text
    for secret in ("ana@example.com", "hunter22", "private bio", "$argon2", '"email"', '"secret"', '"bio"'):
        assert secret not in text


@pytest.mark.parametrize("query", [
    "fields=email", "fields=secret", "fields=books", "fields=nope",
    "populate=name", "populate=nope", "populate[books][fields]=writer", "populate[books][foo]=1",
    "populate[books][populate]=nope",
])
def test_invalid_fields_or_populate_is_a_400(api: httpx.Client, blog: dict[str, Any], query: str) -> None:
    response = api.get(f"/api/writers?{query}")
    assert response.status_code == 400, (query, response.text)
    assert response.json()["error"]["name"] == "ValidationError"
