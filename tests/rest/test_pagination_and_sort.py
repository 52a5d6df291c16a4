"""sort and pagination, and their errors."""

from __future__ import annotations

from typing import Any

import httpx
import pytest


def names(api: httpx.Client, query: str) -> list[str]:
    response = api.get(f"/api/writers?{query}")
    assert response.status_code == 200, response.text
    return [d["name"] for d in response.json()["data"]]


@pytest.mark.parametrize(("query", "expected"), [
    ("sort=age", ["bo", "Ana", "Cy Ünal"]),
    ("sort=age:desc", ["Cy Ünal", "Ana", "bo"]),
    ("sort=age:DESC", ["Cy Ünal", "Ana", "bo"]),
    ("sort[0]=active:asc&sort[1]=age:desc", ["bo", "Cy Ünal", "Ana"]),
    ("sort=active:asc,age:desc", ["bo", "Cy Ünal", "Ana"]),
    ("sort[age]=desc", ["Cy Ünal", "Ana", "bo"]),
    ("sort=createdAt:desc", ["Cy Ünal", "bo", "Ana"]),
])
def test_sort(api: httpx.Client, blog: dict[str, Any], query: str, expected: list[str]) -> None:
    assert names(api, query) == expected


@pytest.mark.parametrize("query", ["sort[0][mentor][name]=asc&sort[1]=name", "sort=mentor.name:asc,name:asc"])
def test_deep_sort_through_a_to_one_relation(api: httpx.Client, blog: dict[str, Any], query: str) -> None:
    # only bo has a mentor; the database decides whether NULLs come first (SQLite) or last (PostgreSQL)
    assert names(api, query) in (["Ana", "Cy Ünal", "bo"], ["bo", "Ana", "Cy Ünal"])


def test_page_pagination(api: httpx.Client, blog: dict[str, Any]) -> None:
    body = api.get("/api/writers?sort=age&pagination[page]=2&pagination[pageSize]=2").json()
    assert [d["name"] for d in body["data"]] == ["Cy Ünal"]
    assert body["meta"]["pagination"] == {"page": 2, "pageSize": 2, "pageCount": 2, "total": 3}


def test_offset_pagination(api: httpx.Client, blog: dict[str, Any]) -> None:
    body = api.get("/api/writers?sort=age&pagination[start]=1&pagination[limit]=1").json()
    assert [d["name"] for d in body["data"]] == ["Ana"]
    assert body["meta"]["pagination"] == {"start": 1, "limit": 1, "total": 3}


def test_without_count(api: httpx.Client, blog: dict[str, Any]) -> None:
    body = api.get("/api/writers?pagination[pageSize]=1&pagination[withCount]=false").json()
    assert body["meta"]["pagination"] == {"page": 1, "pageSize": 1}


def test_page_size_is_capped_at_the_maximum(api: httpx.Client, blog: dict[str, Any]) -> None:
    body = api.get("/api/writers?pagination[pageSize]=1000").json()
    assert body["meta"]["pagination"]["pageSize"] == 100


def test_a_page_past_the_end_is_empty(api: httpx.Client, blog: dict[str, Any]) -> None:
    body = api.get("/api/writers?pagination[page]=9").json()
    assert body["data"] == [] and body["meta"]["pagination"]["total"] == 3


@pytest.mark.parametrize(("query", "name"), [
    ("pagination[pageSize]=-1", "PaginationError"), ("pagination[start]=-1", "PaginationError"),
    ("pagination[page]=1&pagination[start]=0", "PaginationError"), ("pagination[page]=abc", "ValidationError"),
])
def test_bad_pagination_is_a_400(api: httpx.Client, blog: dict[str, Any], query: str, name: str) -> None:
    response = api.get(f"/api/writers?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["name"] == name


def test_pagination_answers_as_strapi_does(api: httpx.Client, blog: dict[str, Any]) -> None:
    """Strapi 5.54: page=0 is page 1; page=abc and mixed modes are 400 with empty details."""
    first = api.get("/api/writers?pagination[page]=0")
    assert first.status_code == 200 and first.json()["meta"]["pagination"]["page"] == 1
    assert api.get("/api/writers?pagination[page]=abc").json()["error"] == {
        "status": 400, "name": "ValidationError", "details": {},
        "message": "Invalid parameter at 'start'. Expected integer >= 0, received: NaN"}
    assert api.get("/api/writers?pagination[page]=1&pagination[start]=0").json()["error"] == {
        "status": 400, "name": "PaginationError", "details": {},
        "message": "Cannot use both page & offset pagination in the same query"}


@pytest.mark.parametrize("query", ["sort=age:sideways", "sort=nope", "sort=email", "sort=secret", "sort=books.title"])
def test_bad_sort_is_a_400(api: httpx.Client, blog: dict[str, Any], query: str) -> None:
    response = api.get(f"/api/writers?{query}")
    assert response.status_code == 400, response.text
    assert response.json()["error"]["name"] == "ValidationError"
