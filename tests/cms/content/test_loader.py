"""The loader turns schema.json files into a registry, or lists every problem."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cms.content import SchemaError, discover, load_registry
from tests.helpers.project import REPO, collection, write_schema


def load(root: Path):
    return load_registry(discover(root / "content_types"), root)


def problems_of(root: Path) -> list[str]:
    with pytest.raises(SchemaError) as caught:
        load(root)
    return [str(p) for p in caught.value.problems]


USER = collection("user", "users", {"username": {"type": "string"}}, aliases=["plugin::users-permissions.user"])


def test_the_projects_own_types_load_with_the_users_permissions_and_upload_types() -> None:
    plugins = {name: REPO / "plugins" / name for name in ("users_permissions", "upload")}
    registry = load_registry(discover(REPO / "content_types", plugins), REPO)
    assert {ct.uid for ct in registry} == {
        "api::registered-user.registered-user", "api::chat-user.chat-user", "api::message.message",
        "plugin::users-permissions.role", "plugin::users-permissions.permission", "plugin::users-permissions.api-token",
        "plugin::upload.file",
    }
    assert registry.get("plugin::users-permissions.user").attributes["role"].target == "plugin::users-permissions.role"
    message = registry.get("api::message.message")
    assert message.attributes["sender"].target == "api::registered-user.registered-user"
    files = message.attributes["attachments"]
    assert (files.target, files.relation, files.is_to_many, files.allowed_types) == (
        "plugin::upload.file", "manyWay", True, ("images", "files"))
    assert ("room", "createdAt") in message.indexes and ("room", "id") in message.indexes
    assert registry.by_route_name("messages") is message


def test_a_strapi_schema_loads_unchanged_with_every_supported_type(tmp_path: Path) -> None:
    write_schema(tmp_path, "user", USER)
    strapi_article = {
        "kind": "collectionType",
        "collectionName": "articles",
        "info": {"singularName": "article", "pluralName": "articles", "displayName": "Article", "description": ""},
        "options": {"draftAndPublish": True},
        "pluginOptions": {"content-manager": {"visible": True}, "i18n": {"localized": False}},
        "attributes": {
            "title": {"type": "string", "required": True, "maxLength": 80, "pluginOptions": {}},
            "slug": {"type": "uid", "targetField": "title"},
            "body": {"type": "richtext"},
            "summary": {"type": "text", "minLength": 3},
            "contact": {"type": "email", "private": True},
            "secret": {"type": "password"},
            "status": {"type": "enumeration", "enum": ["draft", "live"], "default": "draft"},
            "views": {"type": "integer", "min": 0, "default": 0},
            "bigViews": {"type": "biginteger"},
            "rating": {"type": "float", "min": 0, "max": 5},
            "price": {"type": "decimal"},
            "day": {"type": "date"},
            "at": {"type": "time"},
            "when": {"type": "datetime"},
            "stamp": {"type": "timestamp"},
            "featured": {"type": "boolean", "default": False, "configurable": False},
            "extra": {"type": "json"},
            "content": {"type": "blocks"},
            "author": {"type": "relation", "relation": "manyToOne", "target": "plugin::users-permissions.user"},
        },
    }
    write_schema(tmp_path, "article", strapi_article)
    article = load(tmp_path).get("api::article.article")
    assert list(article.attributes) == list(strapi_article["attributes"])
    assert article.attributes["author"].target == "api::user.user"
    assert article.attributes["contact"].hidden and article.attributes["secret"].hidden
    assert article.attributes["status"].enum == ("draft", "live")
    assert article.draft_and_publish


def test_relations_of_all_six_kinds_with_both_sides(tmp_path: Path) -> None:
    write_schema(tmp_path, "writer", collection("writer", "writers", {
        "profile": {"type": "relation", "relation": "oneToOne", "target": "api::profile.profile", "inversedBy": "writer"},
        "books": {"type": "relation", "relation": "oneToMany", "target": "api::book.book", "mappedBy": "writer"},
        "tags": {"type": "relation", "relation": "manyToMany", "target": "api::tag.tag", "inversedBy": "writers"},
        "favourite": {"type": "relation", "relation": "oneWay", "target": "api::book.book"},
        "read": {"type": "relation", "relation": "manyWay", "target": "api::book.book"},
    }))
    write_schema(tmp_path, "profile", collection("profile", "profiles", {
        "writer": {"type": "relation", "relation": "oneToOne", "target": "api::writer.writer", "mappedBy": "profile"},
    }))
    write_schema(tmp_path, "book", collection("book", "books", {
        "writer": {"type": "relation", "relation": "manyToOne", "target": "api::writer.writer", "inversedBy": "books"},
    }))
    write_schema(tmp_path, "tag", collection("tag", "tags", {
        "writers": {"type": "relation", "relation": "manyToMany", "target": "api::writer.writer", "mappedBy": "tags"},
    }))
    writer = load(tmp_path).get("api::writer.writer")
    assert [a.relation for a in writer.relation_attributes()] == ["oneToOne", "oneToMany", "manyToMany", "oneWay", "manyWay"]
    assert [a.is_to_many for a in writer.relation_attributes()] == [False, True, True, False, True]


# Each row: a broken schema (as a change to a valid one) and words the message must contain.
BROKEN: list[tuple[str, Any, str]] = [
    ("not json", "{ \"kind\": ", "not valid JSON"),
    ("not an object", [1, 2], "must contain a JSON object"),
    ("bad kind", {"kind": "component"}, '"kind" must be "collectionType" or "singleType"'),
    ("missing info", {"info": None}, 'missing "info" object'),
    ("missing singular name", {"info": {"pluralName": "things"}}, 'missing "info.singularName"'),
    ("name not kebab-case", {"info": {"singularName": "Thing", "pluralName": "things"}}, "must be kebab-case"),
    ("same singular and plural", {"info": {"singularName": "sheep", "pluralName": "sheep"}}, "must differ"),
    ("attributes missing", {"attributes": None}, 'missing "attributes" object'),
    ("unknown type", {"attributes": {"title": {"type": "strin"}}}, 'attribute "title": unknown type \'strin\''),
    ("type missing", {"attributes": {"title": {"required": True}}}, 'attribute "title": missing "type"'),
    ("unknown component", {"attributes": {"seo": {"type": "component", "component": "shared.seo"}}}, 'component "shared.seo" does not exist'),
    ("unknown option", {"attributes": {"title": {"type": "string", "requird": True}}}, 'unknown option "requird"'),
    ("option of wrong type", {"attributes": {"title": {"type": "string", "required": "yes"}}}, '"required" must be true or false'),
    ("minLength > maxLength", {"attributes": {"title": {"type": "string", "minLength": 9, "maxLength": 3}}}, "minLength (9) is greater than maxLength (3)"),
    ("min > max", {"attributes": {"n": {"type": "integer", "min": 5, "max": 1}}}, "min (5) is greater than max (1)"),
    ("empty enum", {"attributes": {"s": {"type": "enumeration", "enum": []}}}, 'needs a non-empty "enum" list'),
    ("duplicate enum", {"attributes": {"s": {"type": "enumeration", "enum": ["a", "a"]}}}, "duplicate values: a"),
    ("default not in enum", {"attributes": {"s": {"type": "enumeration", "enum": ["a"], "default": "b"}}}, "default 'b' is not one of the enum values"),
    ("default of wrong type", {"attributes": {"n": {"type": "integer", "default": "3"}}}, "default '3' is not a valid integer"),
    ("regex does not compile", {"attributes": {"t": {"type": "string", "regex": "(["}}}, "regex does not compile"),
    ("reserved name", {"attributes": {"createdAt": {"type": "datetime"}}}, "reserved for a system field"),
    ("invalid attribute name", {"attributes": {"first name": {"type": "string"}}}, "invalid name"),
    ("ORM method name", {"attributes": {"save": {"type": "string"}}}, None),  # checked at model build, see test_builder
    ("unknown relation kind", {"attributes": {"r": {"type": "relation", "relation": "oneToFew", "target": "api::user.user"}}}, '"relation" must be one of'),
    ("relation without target", {"attributes": {"r": {"type": "relation", "relation": "oneWay"}}}, 'relation needs a "target"'),
    ("missing relation target", {"attributes": {"r": {"type": "relation", "relation": "oneWay", "target": "api::ghost.ghost"}}}, 'relation target "api::ghost.ghost" does not exist'),
    ("mappedBy names nothing", {"attributes": {"r": {"type": "relation", "relation": "oneToMany", "target": "api::user.user", "mappedBy": "things"}}}, 'mappedBy "things" does not exist on api::user.user'),
    ("inverse on one-way relation", {"attributes": {"r": {"type": "relation", "relation": "oneWay", "target": "api::user.user", "inversedBy": "x"}}}, "makes no sense on a one-way relation"),
    ("polymorphic relation", {"attributes": {"r": {"type": "relation", "relation": "morphToMany"}}}, "polymorphic relations are not supported yet"),
    ("media without upload plugin", {"attributes": {"cover": {"type": "media", "multiple": False}}}, "need the upload plugin"),
    ("uid targetField unknown", {"attributes": {"slug": {"type": "uid", "targetField": "nope"}}}, '"targetField" must name a string or text attribute'),
    ("index on unknown attribute", {"options": {"indexes": [["nope"]]}}, '"options.indexes" names unknown attribute "nope"'),
    ("bad collectionName", {"collectionName": "drop table;"}, '"collectionName" must be a valid table name'),
    ("unknown top-level key", {"atributes": {}}, 'unknown top-level key "atributes"'),
]


@pytest.mark.parametrize(("case", "change", "expected"), [b for b in BROKEN if b[2]], ids=[b[0] for b in BROKEN if b[2]])
def test_a_broken_schema_is_reported_with_file_attribute_and_reason(tmp_path: Path, case: str, change: Any, expected: str) -> None:
    write_schema(tmp_path, "user", USER)
    path = tmp_path / "content_types" / "thing" / "schema.json"
    path.parent.mkdir(parents=True)
    if isinstance(change, str):
        path.write_text(change)
    elif isinstance(change, list):
        path.write_text(json.dumps(change))
    else:
        schema = collection("thing", "things", {"title": {"type": "string"}})
        for key, value in change.items():
            if value is None:
                schema.pop(key)
            elif isinstance(value, dict) and isinstance(schema.get(key), dict) and key != "info":
                schema[key] = {**schema[key], **value}
            else:
                schema[key] = value
        path.write_text(json.dumps(schema))
    problems = problems_of(tmp_path)
    assert any(expected in p for p in problems), problems
    assert all(p.startswith("content_types/thing/schema.json: ") for p in problems), problems


def test_every_problem_is_listed_not_only_the_first(tmp_path: Path) -> None:
    write_schema(tmp_path, "a", collection("a", "as", {
        "x": {"type": "strin"},
        "y": {"type": "integer", "min": 3, "max": 1},
        "z": {"type": "relation", "relation": "oneWay", "target": "api::nope.nope"},
    }))
    write_schema(tmp_path, "b", {"kind": "singleType", "info": {"singularName": "B"}, "attributes": {}})
    with pytest.raises(SchemaError) as caught:
        load(tmp_path)
    message = str(caught.value)
    assert message.splitlines()[0] == "5 problems in content-type definitions:"
    for expected in ('attribute "x": unknown type', 'attribute "y": min (3)', 'attribute "z": relation target',
                     "content_types/b/schema.json: \"info.singularName\" must be kebab-case",
                     'content_types/b/schema.json: missing "info.pluralName"'):
        assert expected in message


def test_route_names_and_tables_must_be_unique_across_types(tmp_path: Path) -> None:
    write_schema(tmp_path, "a", collection("post", "posts", {}))
    write_schema(tmp_path, "b", collection("article", "posts", {}))
    clash = collection("entry", "entries", {})
    clash["collectionName"] = "posts"
    write_schema(tmp_path, "c", clash)
    problems = problems_of(tmp_path)
    assert any('content_types/b/schema.json: route name "posts" is already used by content_types/a/schema.json' in p for p in problems)
    assert any('content_types/c/schema.json: collectionName "posts" is already used' in p for p in problems)


def test_both_sides_of_a_relation_must_agree(tmp_path: Path) -> None:
    write_schema(tmp_path, "a", collection("a", "as", {
        "bs": {"type": "relation", "relation": "oneToMany", "target": "api::b.b", "mappedBy": "owner"},
        "cs": {"type": "relation", "relation": "manyToMany", "target": "api::b.b", "inversedBy": "friends"},
    }))
    write_schema(tmp_path, "b", collection("b", "bs", {
        "owner": {"type": "relation", "relation": "manyToOne", "target": "api::a.a", "inversedBy": "wrong"},
        "friends": {"type": "relation", "relation": "oneToMany", "target": "api::a.a", "mappedBy": "cs"},
    }))
    problems = problems_of(tmp_path)
    assert any('attribute "bs": mappedBy "owner": api::b.b.owner must have inversedBy "bs"' in p for p in problems), problems
    assert any('attribute "cs": relation "manyToMany" cannot pair with "oneToMany"' in p for p in problems), problems


def test_a_plugins_types_get_plugin_uids(tmp_path: Path) -> None:
    plugin_dir = tmp_path / "plugins" / "shop"
    write_schema(plugin_dir, "order", collection("order", "orders", {"total": {"type": "decimal"}}))
    registry = load_registry(discover(tmp_path / "content_types", {"shop": plugin_dir}), tmp_path)
    assert registry.get("plugin::shop.order").plugin == "shop"
