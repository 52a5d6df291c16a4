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


MISSING = "x" * 24


def snapshot(api: httpx.Client, plural: str, document_id: str, relation: str) -> dict[str, Any]:
    """An entry as stored, with ``relation`` populated (to compare before and after a refused write)."""
    response = api.get(f"/api/{plural}/{document_id}?populate={relation}")
    assert response.status_code == 200, response.text
    return dict(response.json()["data"])


def matching(api: httpx.Client, plural: str, field: str, value: str) -> list[dict[str, Any]]:
    response = api.get(f"/api/{plural}", params={f"filters[{field}][$eq]": value})
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


def not_found(document_id: str) -> dict[str, Any]:
    """Strapi v5's answer to a relation naming a document that does not exist."""
    return {"status": 400, "name": "ValidationError", "details": {},
            "message": f'Document with id "{document_id}", locale "null" not found'}


def test_relation_to_a_missing_document_is_a_400_and_writes_nothing(api: httpx.Client, blog: dict[str, Any]) -> None:
    """Catches a write that stores the entry (or its other fields, or the relations named before the
    missing one) before finding that a related document does not exist."""
    writer = create(api, "writers", {"name": "Hal", "tags": [blog["tags"]["poetry"]["documentId"]]})
    book = create(api, "books", {"title": "Kept", "writer": writer["documentId"]})
    book_before = snapshot(api, "books", book["documentId"], "writer")
    writer_before = snapshot(api, "writers", writer["documentId"], "tags")
    before = api.get("/api/books?pagination[withCount]=true").json()["meta"]["pagination"]["total"]

    response = api.post("/api/books", json={"data": {"title": "Orphan", "writer": MISSING}})
    assert response.status_code == 400, response.text
    assert response.json()["error"] == not_found(MISSING)
    assert api.get("/api/books").json()["meta"]["pagination"]["total"] == before
    assert matching(api, "books", "title", "Orphan") == []

    response = put(api, "books", book["documentId"], {"title": "Renamed", "writer": MISSING})
    assert response.status_code == 400, response.text
    assert response.json()["error"] == not_found(MISSING)
    assert snapshot(api, "books", book["documentId"], "writer") == book_before
    assert book_before["title"] == "Kept" and book_before["writer"]["name"] == "Hal"

    response = put(api, "writers", writer["documentId"],
                   {"name": "Hal II", "tags": {"connect": [blog["tags"]["sf"]["documentId"], MISSING]}})
    assert response.status_code == 400, response.text
    assert response.json()["error"] == not_found(MISSING)
    assert snapshot(api, "writers", writer["documentId"], "tags") == writer_before
    assert writer_before["name"] == "Hal" and labels(writer_before["tags"]) == ["poetry"]


def test_set_cannot_be_mixed_with_connect(api: httpx.Client, blog: dict[str, Any]) -> None:
    """Catches a mixed set/connect that is refused only after the entry (or a relation) was written,
    or refused with another error than Strapi's ValidationError naming the relation."""
    def refused_mix(value: dict[str, Any]) -> dict[str, Any]:
        message = "Cannot use set together with connect or disconnect"
        return {"status": 400, "name": "ValidationError", "message": message, "details": {"errors": [
            {"path": ["tags"], "message": message, "name": "ValidationError", "value": value}]}}

    response = api.post("/api/writers", json={"data": {"name": "Gus", "tags": {"set": [], "connect": []}}})
    assert response.status_code == 400, response.text
    assert response.json()["error"] == refused_mix({"set": [], "connect": []})
    assert matching(api, "writers", "name", "Gus") == []

    writer = create(api, "writers", {"name": "Ida", "tags": [blog["tags"]["poetry"]["documentId"]]})
    before = snapshot(api, "writers", writer["documentId"], "tags")
    mixed = {"set": [], "connect": [blog["tags"]["sf"]["documentId"]]}
    response = put(api, "writers", writer["documentId"], {"name": "Ida II", "tags": mixed})
    assert response.status_code == 400, response.text
    assert response.json()["error"] == refused_mix(mixed)
    assert snapshot(api, "writers", writer["documentId"], "tags") == before
    assert before["name"] == "Ida" and labels(before["tags"]) == ["poetry"]
