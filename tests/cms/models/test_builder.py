"""Generated models store every attribute type and every relation kind."""

from __future__ import annotations

import datetime as dt
import decimal
import itertools
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tortoise import Tortoise
from tortoise.backends.base.executor import EXECUTOR_CACHE

from cms.content import SchemaError, discover, load_registry
from cms.models.builder import Models, build_models
from tests.helpers import database
from tests.helpers.project import collection, write_schema

_modules = itertools.count()


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    if database.using_postgres():
        url = database.create_database()
        yield url
        database.drop_database(url)
    else:
        yield f"sqlite://{tmp_path}/db.sqlite3"


@pytest.fixture
async def connect(db_url: str) -> AsyncIterator[Callable[[Path], Any]]:
    """Build the models of a project folder and create their tables."""

    async def run(root: Path) -> Models:
        registry = load_registry(discover(root / "content_types"), root)
        models = build_models(registry, f"test_models_{next(_modules)}")
        EXECUTOR_CACHE.clear()  # cached SQL is keyed by connection name, not by dialect
        await Tortoise.init(db_url=db_url, modules={"models": [models.module_name]}, _enable_global_fallback=True)
        await Tortoise.generate_schemas()
        return models

    yield run
    await Tortoise.close_connections()
    EXECUTOR_CACHE.clear()


EVERY_TYPE = {
    "title": ({"type": "string", "maxLength": 300}, "é" * 300),
    "body": ({"type": "text"}, "long " * 2000),
    "notes": ({"type": "richtext"}, "# Heading\n\n*markdown*"),
    "contact": ({"type": "email"}, "ana@example.com"),
    "secret": ({"type": "password"}, "$argon2id$v=19$hash"),
    "slug": ({"type": "uid", "targetField": "title"}, "hello-world"),
    "status": ({"type": "enumeration", "enum": ["draft", "live"]}, "live"),
    "views": ({"type": "integer"}, -2_147_483_648),
    "bigViews": ({"type": "biginteger"}, 9_007_199_254_740_993),
    "rating": ({"type": "float"}, 4.25),
    "price": ({"type": "decimal"}, decimal.Decimal("12345678.90")),
    "day": ({"type": "date"}, dt.date(2024, 2, 29)),
    "at": ({"type": "time"}, dt.time(23, 59, 58)),
    "when": ({"type": "datetime"}, dt.datetime(2024, 5, 1, 12, 30, 15, 123000, tzinfo=dt.timezone.utc)),
    "stamp": ({"type": "timestamp"}, dt.datetime(1999, 12, 31, 23, 59, 59, tzinfo=dt.timezone.utc)),
    "featured": ({"type": "boolean"}, True),
    "extra": ({"type": "json"}, {"list": [1, 2.5, None, "x"], "nested": {"ok": True}}),
    "content": ({"type": "blocks"}, [{"type": "paragraph", "children": [{"type": "text", "text": "hi"}]}]),
}


async def test_every_attribute_type_round_trips(tmp_path: Path, connect: Any) -> None:
    write_schema(tmp_path, "thing", collection("thing", "things", {k: v[0] for k, v in EVERY_TYPE.items()}))
    Thing = (await connect(tmp_path))["api::thing.thing"]
    created = await Thing.create(**{k: v[1] for k, v in EVERY_TYPE.items()})
    loaded = await Thing.get(id=created.id)
    for name, (_, value) in EVERY_TYPE.items():
        assert getattr(loaded, name) == value, name
    assert len(loaded.documentId) == 24 and loaded.documentId.isalnum() and loaded.documentId.islower()
    assert loaded.createdAt is not None and loaded.updatedAt is not None and loaded.publishedAt is None


async def test_unset_attributes_are_null_and_defaults_apply(tmp_path: Path, connect: Any) -> None:
    write_schema(tmp_path, "thing", collection("thing", "things", {
        "title": {"type": "string", "required": True},
        "status": {"type": "enumeration", "enum": ["a", "b"], "default": "b"},
        "day": {"type": "date", "default": "2024-01-02"},
        "count": {"type": "integer", "default": 7},
    }))
    Thing = (await connect(tmp_path))["api::thing.thing"]
    thing = await Thing.get(id=(await Thing.create()).id)
    assert (thing.title, thing.status, thing.day, thing.count) == (None, "b", dt.date(2024, 1, 2), 7)


async def test_unique_attributes_are_database_constraints(tmp_path: Path, connect: Any) -> None:
    from tortoise.exceptions import IntegrityError

    write_schema(tmp_path, "thing", collection("thing", "things", {"code": {"type": "string", "unique": True}}))
    Thing = (await connect(tmp_path))["api::thing.thing"]
    await Thing.create(code="A1")
    with pytest.raises(IntegrityError):
        await Thing.create(code="A1")


def relation_project(root: Path) -> None:
    write_schema(root, "writer", collection("writer", "writers", {
        "name": {"type": "string"},
        "profile": {"type": "relation", "relation": "oneToOne", "target": "api::profile.profile", "inversedBy": "writer"},
        "books": {"type": "relation", "relation": "oneToMany", "target": "api::book.book", "mappedBy": "writer"},
        "tags": {"type": "relation", "relation": "manyToMany", "target": "api::tag.tag", "inversedBy": "writers"},
        "favourite": {"type": "relation", "relation": "oneWay", "target": "api::tag.tag"},
        "read": {"type": "relation", "relation": "manyWay", "target": "api::book.book"},
        "drafts": {"type": "relation", "relation": "oneToMany", "target": "api::book.book"},
        "friends": {"type": "relation", "relation": "manyWay", "target": "api::writer.writer"},
    }))
    write_schema(root, "profile", collection("profile", "profiles", {
        "bio": {"type": "text"},
        "writer": {"type": "relation", "relation": "oneToOne", "target": "api::writer.writer", "mappedBy": "profile"},
    }))
    write_schema(root, "book", collection("book", "books", {
        "title": {"type": "string"},
        "writer": {"type": "relation", "relation": "manyToOne", "target": "api::writer.writer", "inversedBy": "books"},
    }))
    write_schema(root, "tag", collection("tag", "tags", {
        "label": {"type": "string"},
        "writers": {"type": "relation", "relation": "manyToMany", "target": "api::writer.writer", "mappedBy": "tags"},
    }))


async def test_each_relation_kind_works_in_both_directions(tmp_path: Path, connect: Any) -> None:
    relation_project(tmp_path)
    models = await connect(tmp_path)
    Writer, Profile, Book, Tag = (models[f"api::{n}.{n}"] for n in ("writer", "profile", "book", "tag"))
    profile = await Profile.create(bio="hi")
    ana = await Writer.create(name="ana", profile=profile)
    bo = await Writer.create(name="bo")
    b1, b2, b3 = [await Book.create(title=t, writer=ana) for t in ("one", "two", "three")]
    await b3.fetch_related("writer")
    b3.writer = bo
    await b3.save()
    t1, t2 = await Tag.create(label="sf"), await Tag.create(label="poetry")
    await ana.tags.add(t1, t2)
    await bo.tags.add(t1)
    ana.favourite = t2
    await ana.save()
    await ana.read.add(b1, b3)
    await ana.drafts.add(b2)
    await ana.friends.add(bo)

    # oneToOne, from the owning and from the inverse side
    assert (await Writer.get(name="ana").prefetch_related("profile")).profile.bio == "hi"
    assert (await Profile.get(id=profile.id).prefetch_related("writer")).writer.name == "ana"
    # manyToOne / oneToMany pair
    assert sorted(b.title for b in await Book.filter(writer__name="ana")) == ["one", "two"]
    assert sorted(b.title for b in await (await Writer.get(name="ana")).books.all()) == ["one", "two"]
    # manyToMany from both sides
    assert sorted(t.label for t in await ana.tags.all()) == ["poetry", "sf"]
    assert sorted(w.name for w in await t1.writers.all()) == ["ana", "bo"]
    # one-way relations: forward only, no reverse accessor on the target
    assert (await Writer.get(name="ana").prefetch_related("favourite")).favourite.label == "poetry"
    assert sorted(b.title for b in await ana.read.all()) == ["one", "three"]
    assert [b.title for b in await ana.drafts.all()] == ["two"]
    assert [w.name for w in await ana.friends.all()] == ["bo"]
    assert "favourite" not in Tag._meta.fields_map
    # filters traverse relations the same way the REST layer will
    assert [w.name for w in await Writer.filter(tags__label="poetry")] == ["ana"]
    # deleting the target of a to-one relation clears the link, not the entry
    await t2.delete()
    assert (await Writer.get(name="ana")).favourite_id is None


async def test_a_to_one_relation_that_closes_a_cycle_is_stored_in_a_join_table(tmp_path: Path, connect: Any) -> None:
    write_schema(tmp_path, "writer", collection("writer", "writers", {
        "favourite": {"type": "relation", "relation": "oneWay", "target": "api::book.book"},
    }))
    write_schema(tmp_path, "book", collection("book", "books", {
        "writer": {"type": "relation", "relation": "manyToOne", "target": "api::writer.writer"},
    }))
    models = await connect(tmp_path)
    assert models.joined_to_one == {("api::writer.writer", "favourite")}
    Writer, Book = models["api::writer.writer"], models["api::book.book"]
    ana = await Writer.create()
    book = await Book.create(writer=ana)
    await ana.favourite.add(book)
    assert [b.id for b in await ana.favourite.all()] == [book.id]


def test_a_name_that_shadows_an_orm_method_is_a_schema_error(tmp_path: Path) -> None:
    write_schema(tmp_path, "thing", collection("thing", "things", {"save": {"type": "string"}}))
    registry = load_registry(discover(tmp_path / "content_types"), tmp_path)
    with pytest.raises(SchemaError, match='content_types/thing/schema.json: attribute "save": name clashes'):
        build_models(registry, "test_models_clash")
