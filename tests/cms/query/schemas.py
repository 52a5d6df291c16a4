"""Sample content types for the query-parser tests: a small blog graph.

user ─< article >─< tag, article ─< comment >─ user, plus one-way relations
(article.editor → user, article.related → articles) and article.audit → an
audit log the test caller is not allowed to read. Every attribute type the
parser casts appears once, with a private field and a password field.
The types are loaded through the real loader, from Strapi-format dicts.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from cms.content import ContentType, Registry, discover, load_registry
from cms.query.ast import Query
from cms.query.params import Limits, parse_query
from cms.query.qs import parse_qs


def collection(singular: str, plural: str, attributes: dict[str, Any], **options: Any) -> dict[str, Any]:
    return {
        "kind": "collectionType",
        "collectionName": plural.replace("-", "_"),
        "info": {"singularName": singular, "pluralName": plural, "displayName": singular},
        "options": {"draftAndPublish": False, **options},
        "attributes": attributes,
    }


def relation(kind: str, target: str, **extra: str) -> dict[str, Any]:
    return {"type": "relation", "relation": kind, "target": target, **extra}


SCHEMAS: dict[str, dict[str, Any]] = {
    "user": collection("user", "users", {
        "username": {"type": "string"},
        "email": {"type": "email"},
        "password": {"type": "password"},
        "resetToken": {"type": "string", "private": True},
        "age": {"type": "integer"},
        "big": {"type": "biginteger"},
        "score": {"type": "float"},
        "balance": {"type": "decimal"},
        "birthday": {"type": "date"},
        "wakeUp": {"type": "time"},
        "lastLoginAt": {"type": "datetime"},
        "stamp": {"type": "timestamp"},
        "active": {"type": "boolean"},
        "prefs": {"type": "json"},
        "role": {"type": "enumeration", "enum": ["admin", "editor", "reader"]},
        "bio": {"type": "text"},
        "articles": relation("oneToMany", "api::article.article", mappedBy="author"),
        "comments": relation("oneToMany", "api::comment.comment", mappedBy="author"),
    }, aliases=["plugin::users-permissions.user"]),
    "article": collection("article", "articles", {
        "title": {"type": "string"},
        "slug": {"type": "uid", "targetField": "title"},
        "body": {"type": "richtext"},
        "views": {"type": "integer"},
        "rating": {"type": "float"},
        "price": {"type": "decimal"},
        "publishedOn": {"type": "date"},
        "content": {"type": "blocks"},
        "featured": {"type": "boolean"},
        "secretNote": {"type": "string", "private": True},
        "author": relation("manyToOne", "plugin::users-permissions.user", inversedBy="articles"),
        "tags": relation("manyToMany", "api::tag.tag", inversedBy="articles"),
        "comments": relation("oneToMany", "api::comment.comment", mappedBy="article"),
        "editor": relation("oneWay", "api::user.user"),
        "related": relation("manyWay", "api::article.article"),
        "audit": relation("oneWay", "api::audit-log.audit-log"),
    }),
    "tag": collection("tag", "tags", {
        "name": {"type": "string"},
        "articles": relation("manyToMany", "api::article.article", mappedBy="tags"),
    }),
    "comment": collection("comment", "comments", {
        "text": {"type": "text"},
        "article": relation("manyToOne", "api::article.article", inversedBy="comments"),
        "author": relation("manyToOne", "api::user.user", inversedBy="comments"),
    }),
    "audit-log": collection("audit-log", "audit-logs", {
        "action": {"type": "string"},
        "actor": relation("oneWay", "api::user.user"),
    }),
}  # fmt: skip


def build_registry(schemas: dict[str, dict[str, Any]]) -> Registry:
    """Load ``schemas`` ({folder: schema.json dict}) with the real loader."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for folder, schema in schemas.items():
            path = root / "content_types" / folder / "schema.json"
            path.parent.mkdir(parents=True)
            path.write_text(json.dumps(schema))
        return load_registry(discover(root / "content_types"), root)


REGISTRY = build_registry(SCHEMAS)
USER = REGISTRY.get("api::user.user")
ARTICLE = REGISTRY.get("api::article.article")
TAG = REGISTRY.get("api::tag.tag")
COMMENT = REGISTRY.get("api::comment.comment")
AUDIT = "api::audit-log.audit-log"
LIMITS = Limits()


def can_read(uid: str) -> bool:
    """The test caller may read every type but the audit log."""
    return uid != AUDIT


def query(qs: str, ct: ContentType = ARTICLE, **options: Any) -> Query:
    """Parse a query string as the REST layer would, for ``ct``."""
    options.setdefault("limits", LIMITS)
    options.setdefault("can_read", can_read)
    return parse_query(ct, parse_qs(qs, strict_null_handling=True), registry=REGISTRY, **options)
