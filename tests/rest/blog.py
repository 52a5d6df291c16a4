"""The content types and data the REST tests run against (a small blog)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.helpers.project import collection, write_schema

WRITER = collection("writer", "writers", {
    "name": {"type": "string", "required": True, "maxLength": 40},
    "email": {"type": "email", "private": True},
    "secret": {"type": "password"},
    "bio": {"type": "text"},
    "age": {"type": "integer", "min": 0, "max": 150},
    "rating": {"type": "float"},
    "salary": {"type": "decimal"},
    "followers": {"type": "biginteger"},
    "born": {"type": "date"},
    "wakeUp": {"type": "time"},
    "joinedAt": {"type": "datetime"},
    "active": {"type": "boolean", "default": True},
    "meta": {"type": "json"},
    "level": {"type": "enumeration", "enum": ["junior", "senior", "lead"]},
    "slug": {"type": "uid", "targetField": "name"},
    "books": {"type": "relation", "relation": "oneToMany", "target": "api::book.book", "mappedBy": "writer"},
    "tags": {"type": "relation", "relation": "manyToMany", "target": "api::tag.tag", "inversedBy": "writers"},
    "profile": {"type": "relation", "relation": "oneToOne", "target": "api::profile.profile", "inversedBy": "writer"},
    "mentor": {"type": "relation", "relation": "oneWay", "target": "api::writer.writer"},
}, privateAttributes=["bio"])
BOOK = collection("book", "books", {
    "title": {"type": "string", "required": True, "maxLength": 100},
    "pages": {"type": "integer", "min": 1},
    "price": {"type": "decimal"},
    "isbn": {"type": "string", "unique": True, "regex": "^[0-9-]+$"},
    "writer": {"type": "relation", "relation": "manyToOne", "target": "api::writer.writer", "inversedBy": "books"},
    "related": {"type": "relation", "relation": "manyWay", "target": "api::book.book"},
})
TAG = collection("tag", "tags", {
    "label": {"type": "string", "unique": True},
    "writers": {"type": "relation", "relation": "manyToMany", "target": "api::writer.writer", "mappedBy": "tags"},
})
PROFILE = collection("profile", "profiles", {
    "nickname": {"type": "string"},
    "writer": {"type": "relation", "relation": "oneToOne", "target": "api::writer.writer", "mappedBy": "profile"},
})
SETTING = {
    "kind": "singleType",
    "collectionName": "settings",
    "info": {"singularName": "setting", "pluralName": "settings", "displayName": "Setting"},
    "options": {"draftAndPublish": False},
    "attributes": {"siteName": {"type": "string"}, "motto": {"type": "text", "private": True}},
}


PROFILE_HOOKS = """
from cms.errors import ApplicationError


def beforeCreate(event):
    if event.params["data"].get("nickname") == "forbidden":
        raise ApplicationError("nickname 'forbidden' is not allowed")
"""


def write_blog(root: Path) -> None:
    for folder, schema in (("writer", WRITER), ("book", BOOK), ("tag", TAG), ("profile", PROFILE), ("setting", SETTING)):
        write_schema(root, folder, schema)
    (root / "content_types" / "profile" / "lifecycles.py").write_text(PROFILE_HOOKS)


def create(client: httpx.Client, plural: str, data: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"/api/{plural}", json={"data": data})
    assert response.status_code == 201, response.text
    return response.json()["data"]


def seed(client: httpx.Client) -> dict[str, Any]:
    """Three writers with books, tags and a profile; returns them by name."""
    tags = {label: create(client, "tags", {"label": label}) for label in ("poetry", "sf", "Ünïcode")}
    profile = create(client, "profiles", {"nickname": "Annie"})
    ana = create(client, "writers", {
        "name": "Ana", "email": "ana@example.com", "secret": "hunter22", "bio": "private bio",
        "age": 34, "rating": 4.5, "salary": "1234.50", "followers": "9007199254740993",
        "born": "1990-02-28", "wakeUp": "06:30:00", "joinedAt": "2024-01-15T10:30:00.000Z",
        "meta": {"langs": ["pt", "en"]}, "level": "senior", "slug": "ana",
        "tags": [tags["poetry"]["documentId"], tags["sf"]["documentId"]], "profile": profile["documentId"],
    })
    bo = create(client, "writers", {
        "name": "bo", "age": 21, "rating": 3.0, "born": "2003-07-01", "joinedAt": "2024-06-01T00:00:00.000Z",
        "active": False, "level": "junior", "tags": {"connect": [tags["Ünïcode"]["documentId"]]},
        "mentor": ana["documentId"],
    })
    cy = create(client, "writers", {"name": "Cy Ünal", "age": 58, "level": "lead"})
    books = {
        title: create(client, "books", {"title": title, "pages": pages, "writer": writer["documentId"], "isbn": isbn})
        for title, pages, writer, isbn in (
            ("Alpha", 120, ana, "111"), ("beta", 300, ana, "222"), ("Gamma ray", 80, bo, "333"), ("delta_100%", 10, cy, "444"),
        )
    }
    return {"tags": tags, "profile": profile, "ana": ana, "bo": bo, "cy": cy, "books": books}
