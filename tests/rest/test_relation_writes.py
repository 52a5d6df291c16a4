"""Relation writes: shorthand, set, connect, disconnect, from both sides."""

from __future__ import annotations

from typing import Any

import httpx

from tests.rest.blog import create


def populated(api: httpx.Client, plural: str, document_id: str, relation: str) -> Any:
    return api.get(f"/api/{plural}/{document_id}?populate={relation}").json()["data"][relation]


def labels(items: list[dict[str, Any]], key: str = "label") -> list[str]:
    return sorted(i[key] for i in items)


def put(api: httpx.Client, plural: str, document_id: str, data: dict[str, Any]) -> httpx.Response:
    return api.put(f"/api/{plural}/{document_id}", json={"data": data})


def test_many_to_many_set_connect_disconnect(api: httpx.Client, blog: dict[str, Any]) -> None:
    tags = blog["tags"]
    w = create(api, "writers", {"name": "Dee", "tags": [tags["sf"]["documentId"]]})
    assert labels(populated(api, "writers", w["documentId"], "tags")) == ["sf"]
    put(api, "writers", w["documentId"], {"tags": {"connect": [tags["poetry"]["documentId"]]}})
    assert labels(populated(api, "writers", w["documentId"], "tags")) == ["poetry", "sf"]
    put(api, "writers", w["documentId"], {"tags": {"disconnect": [{"documentId": tags["sf"]["documentId"]}]}})
    assert labels(populated(api, "writers", w["documentId"], "tags")) == ["poetry"]
    put(api, "writers", w["documentId"], {"tags": {"set": [tags["Ünïcode"]["documentId"], tags["sf"]["documentId"]]}})
    assert labels(populated(api, "writers", w["documentId"], "tags")) == ["sf", "Ünïcode"]
    put(api, "writers", w["documentId"], {"tags": []})
    assert populated(api, "writers", w["documentId"], "tags") == []


def test_the_inverse_side_of_many_to_many_is_writable(api: httpx.Client, blog: dict[str, Any]) -> None:
    tag = create(api, "tags", {"label": "inverse", "writers": [blog["ana"]["documentId"], blog["bo"]["documentId"]]})
    assert labels(populated(api, "tags", tag["documentId"], "writers"), "name") == ["Ana", "bo"]
    anas = populated(api, "writers", blog["ana"]["documentId"], "tags")
    assert "inverse" in labels(anas)


def test_many_to_one_shorthand_and_null(api: httpx.Client, blog: dict[str, Any]) -> None:
    book = create(api, "books", {"title": "Moved", "writer": blog["ana"]["documentId"]})
    assert populated(api, "books", book["documentId"], "writer")["name"] == "Ana"
    put(api, "books", book["documentId"], {"writer": {"connect": [blog["bo"]["documentId"]]}})
    assert populated(api, "books", book["documentId"], "writer")["name"] == "bo"
    put(api, "books", book["documentId"], {"writer": None})
    assert populated(api, "books", book["documentId"], "writer") is None


def test_one_to_many_written_from_the_one_side_moves_the_children(api: httpx.Client, blog: dict[str, Any]) -> None:
    w = create(api, "writers", {"name": "Eve"})
    b1 = create(api, "books", {"title": "E1"})
    b2 = create(api, "books", {"title": "E2", "writer": blog["cy"]["documentId"]})
    put(api, "writers", w["documentId"], {"books": [b1["documentId"], b2["documentId"]]})
    assert labels(populated(api, "writers", w["documentId"], "books"), "title") == ["E1", "E2"]
    assert populated(api, "books", b2["documentId"], "writer")["name"] == "Eve"
    put(api, "writers", w["documentId"], {"books": {"disconnect": [b1["documentId"]]}})
    assert labels(populated(api, "writers", w["documentId"], "books"), "title") == ["E2"]


def test_one_to_one_from_the_inverse_side(api: httpx.Client, blog: dict[str, Any]) -> None:
    w = create(api, "writers", {"name": "Fay"})
    p = create(api, "profiles", {"nickname": "F", "writer": w["documentId"]})
    assert populated(api, "writers", w["documentId"], "profile")["nickname"] == "F"
    assert populated(api, "profiles", p["documentId"], "writer")["name"] == "Fay"


def test_relation_to_a_missing_document_is_a_400_and_writes_nothing(api: httpx.Client, blog: dict[str, Any]) -> None:
    before = api.get("/api/books?pagination[withCount]=true").json()["meta"]["pagination"]["total"]
    response = api.post("/api/books", json={"data": {"title": "Orphan", "writer": "x" * 24}})
    assert response.status_code == 400
    assert response.json()["error"]["name"] == "ValidationError"
    after = api.get("/api/books").json()["meta"]["pagination"]["total"]
    assert after == before


def test_set_cannot_be_mixed_with_connect(api: httpx.Client, blog: dict[str, Any]) -> None:
    response = api.post("/api/writers", json={"data": {"name": "Gus", "tags": {"set": [], "connect": []}}})
    assert response.status_code == 400
