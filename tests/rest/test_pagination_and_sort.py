"""sort and pagination, and their errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.rest.blog import create


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


@pytest.fixture
def mentees(api: httpx.Client, blog: dict[str, Any]) -> Iterator[list[str]]:
    """Writers "ds-b", "ds-d", "ds-c", "ds-a" (created in that order) mentored by "Zed", "Kim", "Amy" and
    "Kim", the mentors created Zed, Amy, Kim: by id, by name, by mentor id and by mentor name (then
    name, or then id) the mentees come in different orders. All are deleted after the test, so the
    other tests keep seeing the three seeded writers."""
    mentors = {name: create(api, "writers", {"name": name}) for name in ("Zed", "Amy", "Kim")}
    created = [create(api, "writers", {"name": name, "mentor": mentors[mentor]["documentId"]})
               for name, mentor in (("ds-b", "Zed"), ("ds-d", "Kim"), ("ds-c", "Amy"), ("ds-a", "Kim"))]
    try:
        yield [writer["name"] for writer in created]
    finally:
        for writer in [*created, *mentors.values()]:
            assert api.delete(f"/api/writers/{writer['documentId']}").status_code in (200, 204)


@pytest.mark.parametrize("query", ["sort[0][mentor][name]=asc&sort[1]=name", "sort=mentor.name:asc,name:asc"])
def test_deep_sort_through_a_to_one_relation(api: httpx.Client, mentees: list[str], query: str) -> None:
    """Catches a server that ignores the relation in a sort (ordering by the entry's own name, by id
    or by the mentor's id instead of the mentor's name) or drops the second sort key."""
    only = "&filters[name][$startsWith]=ds-"
    # the data tells the candidate orders apart, so only sorting by the mentor's name can pass
    assert mentees == ["ds-b", "ds-d", "ds-c", "ds-a"]  # id order
    assert names(api, "sort=name" + only) == ["ds-a", "ds-b", "ds-c", "ds-d"]
    assert names(api, "sort=mentor.id:asc,name:asc" + only) == ["ds-b", "ds-c", "ds-a", "ds-d"]
    assert names(api, query + only) == ["ds-c", "ds-a", "ds-d", "ds-b"]  # Amy, Kim (a, d), Zed
    assert names(api, query.replace("name]=asc", "name]=desc").replace("mentor.name:asc", "mentor.name:desc")
                 + only) == ["ds-b", "ds-a", "ds-d", "ds-c"]  # Zed, Kim (a, d), Amy


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


@pytest.mark.parametrize(("query", "name", "message"), [
    ("pagination[pageSize]=-1", "PaginationError", "Invalid 'pageSize' parameter. Expected an integer > 0, received: -1"),
    ("pagination[start]=-1", "PaginationError", "Invalid 'start' parameter. Expected an integer >= 0, received: -1"),
    ("pagination[page]=1&pagination[start]=0", "PaginationError",
     "Cannot use both page & offset pagination in the same query"),
    ("pagination[page]=abc", "ValidationError", "Invalid parameter at 'start'. Expected integer >= 0, received: NaN"),
])
def test_bad_pagination_is_a_400(api: httpx.Client, blog: dict[str, Any], query: str, name: str, message: str) -> None:
    """Catches a server answering a bad pagination with another error, status or message (or a 200)."""
    response = api.get(f"/api/writers?{query}")
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["status"], error["name"], error["message"]) == (400, name, message)


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


@pytest.mark.parametrize(("query", "message", "details"), [
    ("sort=age:sideways", "Invalid order. order can only be one of asc|desc|ASC|DESC", {}),
    ("sort=nope", "Invalid key nope", {"key": "nope", "path": None}),
    ("sort=email", "Invalid key email", {"key": "email", "path": "email"}),
    ("sort=secret", "Invalid key secret", {"key": "secret", "path": "secret"}),
    ("sort=books.title", "Invalid key books", {"key": "books", "path": "books"}),
])
def test_bad_sort_is_a_400(api: httpx.Client, blog: dict[str, Any], query: str, message: str,
                           details: dict[str, Any]) -> None:
    """Catches a bad sort answered with another error than Strapi v5's 400 ValidationError naming the key
    (private, password, to-many and unknown keys alike)."""
    response = api.get(f"/api/writers?{query}")
    assert response.status_code == 400, response.text
    assert response.json()["error"] == {"status": 400, "name": "ValidationError", "message": message,
                                         "details": {**details, "source": "query", "param": "sort"}}
