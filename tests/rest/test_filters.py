"""filters: every operator, logical nesting, relations, and the case rules.

The case rules are the same on SQLite and PostgreSQL: ``$eq``, ``$contains``,
``$startsWith`` and ``$endsWith`` are case-sensitive, their ``i`` variants
compare Unicode lower case (SQLite's own ``lower`` would only fold ASCII).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cms.query.qs import encode_qs


def names(api: httpx.Client, filters: dict[str, Any], plural: str = "writers", key: str = "name") -> list[str]:
    response = api.get(f"/api/{plural}?" + encode_qs({"filters": filters, "sort": key}))
    assert response.status_code == 200, response.text
    return sorted(d[key] for d in response.json()["data"])


CASES = [
    ("$eq", {"name": {"$eq": "Ana"}}, ["Ana"]),
    ("implicit $eq", {"name": "Ana"}, ["Ana"]),
    ("$eq is case-sensitive", {"name": {"$eq": "ana"}}, []),
    ("$eqi", {"name": {"$eqi": "ANA"}}, ["Ana"]),
    ("$eqi folds Unicode", {"name": {"$eqi": "cy ünal"}}, ["Cy Ünal"]),
    ("$ne", {"name": {"$ne": "Ana"}}, ["Cy Ünal", "bo"]),
    ("$nei", {"name": {"$nei": "BO"}}, ["Ana", "Cy Ünal"]),
    ("$lt", {"age": {"$lt": 34}}, ["bo"]),
    ("$lte", {"age": {"$lte": 34}}, ["Ana", "bo"]),
    ("$gt", {"age": {"$gt": 34}}, ["Cy Ünal"]),
    ("$gte", {"age": {"$gte": 34}}, ["Ana", "Cy Ünal"]),
    ("$in", {"age": {"$in": ["21", "58"]}}, ["Cy Ünal", "bo"]),
    ("$in with one value", {"name": {"$in": "bo"}}, ["bo"]),
    ("$notIn", {"age": {"$notIn": ["21", "58"]}}, ["Ana"]),
    ("$contains", {"name": {"$contains": "n"}}, ["Ana", "Cy Ünal"]),
    ("$contains is case-sensitive", {"name": {"$contains": "A"}}, ["Ana"]),
    ("$containsi", {"name": {"$containsi": "A"}}, ["Ana", "Cy Ünal"]),
    ("$containsi folds Unicode", {"name": {"$containsi": "ün"}}, ["Cy Ünal"]),
    ("$notContains", {"name": {"$notContains": "n"}}, ["bo"]),
    ("$notContainsi", {"name": {"$notContainsi": "A"}}, ["bo"]),
    ("$null", {"rating": {"$null": "true"}}, ["Cy Ünal"]),
    ("$null false", {"rating": {"$null": "false"}}, ["Ana", "bo"]),
    ("$notNull", {"rating": {"$notNull": "true"}}, ["Ana", "bo"]),
    ("$between", {"age": {"$between": ["20", "40"]}}, ["Ana", "bo"]),
    ("$startsWith", {"name": {"$startsWith": "C"}}, ["Cy Ünal"]),
    ("$startsWith is case-sensitive", {"name": {"$startsWith": "c"}}, []),
    ("$startsWithi", {"name": {"$startsWithi": "c"}}, ["Cy Ünal"]),
    ("$endsWith", {"name": {"$endsWith": "al"}}, ["Cy Ünal"]),
    ("$endsWithi", {"name": {"$endsWithi": "NA"}}, ["Ana"]),
    ("boolean", {"active": {"$eq": "false"}}, ["bo"]),
    ("float", {"rating": {"$gt": "3.5"}}, ["Ana"]),
    ("date", {"born": {"$lt": "2000-01-01"}}, ["Ana"]),
    ("datetime", {"joinedAt": {"$gte": "2024-03-01T00:00:00Z"}}, ["bo"]),
    ("datetime equality", {"joinedAt": {"$eq": "2024-01-15T10:30:00.000Z"}}, ["Ana"]),
    ("time", {"wakeUp": {"$eq": "06:30:00"}}, ["Ana"]),
    ("enumeration", {"level": {"$in": ["junior", "lead"]}}, ["Cy Ünal", "bo"]),
    ("id", {"id": {"$gt": "0"}}, ["Ana", "Cy Ünal", "bo"]),
    ("implicit AND", {"age": {"$gt": "20"}, "active": "true"}, ["Ana", "Cy Ünal"]),
    ("two operators on one field", {"age": {"$gt": "20", "$lt": "50"}}, ["Ana", "bo"]),
    ("$or", {"$or": [{"name": "Ana"}, {"age": {"$gt": 50}}]}, ["Ana", "Cy Ünal"]),
    ("$and", {"$and": [{"age": {"$gt": 20}}, {"age": {"$lt": 40}}]}, ["Ana", "bo"]),
    ("$not at the top", {"$not": {"name": "Ana"}}, ["Cy Ünal", "bo"]),
    ("$not on a field", {"name": {"$not": {"$contains": "n"}}}, ["bo"]),
    ("nested logic", {"$or": [{"$and": [{"age": {"$lt": 30}}, {"active": "false"}]}, {"$not": {"$or": [{"name": "Ana"}, {"name": "bo"}]}}]}, ["Cy Ünal", "bo"]),
    ("to-many relation", {"books": {"title": {"$eq": "beta"}}}, ["Ana"]),
    ("many-to-many relation", {"tags": {"label": {"$eq": "sf"}}}, ["Ana"]),
    ("many-to-many relation, Unicode, insensitive", {"tags": {"label": {"$eqi": "ÜNÏCODE"}}}, ["bo"]),
    ("one-to-one relation", {"profile": {"nickname": {"$eq": "Annie"}}}, ["Ana"]),
    ("one-way relation", {"mentor": {"name": {"$eq": "Ana"}}}, ["bo"]),
    ("two levels deep", {"books": {"writer": {"mentor": {"name": "Ana"}}}}, ["bo"]),
    ("no related row reads as null", {"profile": {"id": {"$null": "true"}}}, ["Cy Ünal", "bo"]),
    ("negated relation", {"$not": {"tags": {"label": "sf"}}}, ["Cy Ünal", "bo"]),
    ("relation by documentId", {"mentor": {"documentId": {"$notNull": "true"}}}, ["bo"]),
]


@pytest.mark.parametrize(("case", "filters", "expected"), CASES, ids=[c[0] for c in CASES])
def test_operator(api: httpx.Client, blog: dict[str, Any], case: str, filters: dict[str, Any], expected: list[str]) -> None:
    assert names(api, filters) == expected


def test_like_wildcards_are_literal(api: httpx.Client, blog: dict[str, Any]) -> None:
    assert names(api, {"title": {"$contains": "_100%"}}, "books", "title") == ["delta_100%"]
    assert names(api, {"title": {"$contains": "%"}}, "books", "title") == ["delta_100%"]
    assert names(api, {"title": {"$startsWith": "_"}}, "books", "title") == []


def test_filters_from_the_other_side_of_a_relation(api: httpx.Client, blog: dict[str, Any]) -> None:
    assert names(api, {"writer": {"name": {"$eq": "Ana"}}}, "books", "title") == ["Alpha", "beta"]
    assert names(api, {"writers": {"name": {"$eq": "Ana"}}}, "tags", "label") == ["poetry", "sf"]
    assert names(api, {"writer": {"name": {"$eq": "Ana"}}}, "profiles", "nickname") == ["Annie"]


def test_a_filter_returns_each_entry_once_even_through_to_many_relations(api: httpx.Client, blog: dict[str, Any]) -> None:
    response = api.get("/api/writers?" + encode_qs({"filters": {"books": {"pages": {"$gt": "0"}}}}))
    ids = [d["id"] for d in response.json()["data"]]
    assert len(ids) == len(set(ids)) == 3
    assert response.json()["meta"]["pagination"]["total"] == 3


def test_search_with_q_looks_in_visible_string_attributes(api: httpx.Client, blog: dict[str, Any]) -> None:
    assert sorted(d["name"] for d in api.get("/api/writers?_q=ÜN").json()["data"]) == ["Cy Ünal"]
    # the private bio is not searched
    assert api.get("/api/writers?_q=private bio").json()["data"] == []
