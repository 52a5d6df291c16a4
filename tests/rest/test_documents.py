"""find, findOne, create, update, delete: envelopes, statuses and value shapes."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.rest.blog import create

DOCUMENT_ID = re.compile(r"^[a-z0-9]{24}$")
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def test_a_created_document_is_flat_with_system_fields(api: httpx.Client, blog: dict[str, Any]) -> None:
    ana = blog["ana"]
    assert DOCUMENT_ID.match(ana["documentId"]) and isinstance(ana["id"], int)
    for key in ("createdAt", "updatedAt", "publishedAt"):
        assert ISO.match(ana[key]), (key, ana[key])
    assert "attributes" not in ana


def test_values_come_back_in_strapis_shapes(api: httpx.Client, blog: dict[str, Any]) -> None:
    doc = api.get(f"/api/writers/{blog['ana']['documentId']}").json()["data"]
    assert doc["name"] == "Ana" and doc["age"] == 34 and doc["rating"] == 4.5
    assert doc["salary"] == 1234.5  # decimals as numbers
    assert doc["followers"] == "9007199254740993"  # big integers as strings: no precision lost
    assert doc["born"] == "1990-02-28"
    assert doc["wakeUp"] == "06:30:00.000"
    assert doc["joinedAt"] == "2024-01-15T10:30:00.000Z"
    assert doc["active"] is True and doc["meta"] == {"langs": ["pt", "en"]} and doc["level"] == "senior"


def test_relations_are_absent_unless_populated(api: httpx.Client, blog: dict[str, Any]) -> None:
    doc = api.get(f"/api/writers/{blog['ana']['documentId']}").json()["data"]
    assert not {"books", "tags", "profile", "mentor"} & set(doc)


def test_find_answers_data_and_page_meta(api: httpx.Client, blog: dict[str, Any]) -> None:
    body = api.get("/api/writers").json()
    assert [d["name"] for d in body["data"]] == ["Ana", "bo", "Cy Ünal"]  # id order by default
    assert body["meta"] == {"pagination": {"page": 1, "pageSize": 25, "pageCount": 1, "total": 3}}


def test_create_answers_201_and_find_one_finds_it(api: httpx.Client, blog: dict[str, Any]) -> None:
    response = api.post("/api/tags", json={"data": {"label": "new-tag"}})
    assert response.status_code == 201
    body = response.json()
    assert body["meta"] == {} and body["data"]["label"] == "new-tag"
    again = api.get(f"/api/tags/{body['data']['documentId']}")
    assert again.status_code == 200 and again.json() == {"data": body["data"], "meta": {}}


def test_update_is_partial_and_null_clears_a_field(api: httpx.Client, blog: dict[str, Any]) -> None:
    book = create(api, "books", {"title": "Draft", "pages": 5, "price": "9.99"})
    response = api.put(f"/api/books/{book['documentId']}", json={"data": {"pages": 6, "price": None}})
    assert response.status_code == 200
    updated = response.json()["data"]
    assert (updated["title"], updated["pages"], updated["price"]) == ("Draft", 6, None)
    assert updated["documentId"] == book["documentId"] and updated["createdAt"] == book["createdAt"]


def test_delete_answers_204_without_body_and_the_document_is_gone(api: httpx.Client, blog: dict[str, Any]) -> None:
    tag = create(api, "tags", {"label": "doomed"})
    response = api.delete(f"/api/tags/{tag['documentId']}")
    assert response.status_code == 204 and response.content == b""
    gone = api.get(f"/api/tags/{tag['documentId']}")
    assert gone.status_code == 404
    assert gone.json() == {"data": None, "error": {"status": 404, "name": "NotFoundError", "message": "Not Found", "details": {}}}


def test_unknown_document_ids_are_404_but_deleting_one_is_204(api: httpx.Client, blog: dict[str, Any]) -> None:
    """Strapi 5.54: GET and PUT of an unknown documentId are 404; DELETE of a well-formed one is
    204 with an empty body, like a first delete; a malformed one stays 404."""
    for method in ("GET", "PUT"):
        response = api.request(method, "/api/books/doesnotexist000000000000", json={"data": {"pages": 2}})
        assert response.status_code == 404, method
        assert response.json()["error"]["name"] == "NotFoundError"
    tag = create(api, "tags", {"label": "twice"})
    for _ in range(2):
        response = api.delete(f"/api/tags/{tag['documentId']}")
        assert (response.status_code, response.content) == (204, b"")
    assert api.delete("/api/tags/doesnotexist000000000000").status_code == 204
    assert api.delete("/api/tags/Not-A-Document-Id").status_code == 404


def test_a_single_type_is_created_by_put_and_read_by_get(api: httpx.Client, blog: dict[str, Any]) -> None:
    assert api.get("/api/setting").status_code == 404
    first = api.put("/api/setting", json={"data": {"siteName": "Blog", "motto": "secret motto"}})
    assert first.status_code == 200 and first.json()["data"]["siteName"] == "Blog"
    second = api.put("/api/setting", json={"data": {"siteName": "Blog 2"}})
    assert second.json()["data"]["documentId"] == first.json()["data"]["documentId"]
    read = api.get("/api/setting").json()["data"]
    assert read["siteName"] == "Blog 2" and "motto" not in read
    assert api.delete("/api/setting").status_code == 204
    assert api.get("/api/setting").status_code == 404
