"""Composite indexes from ``options.indexes``, unique ones included: loader, models, migrations, database."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from tortoise.backends.base.executor import EXECUTOR_CACHE

from cms.content import SchemaError, discover, load_registry
from cms.models.builder import build_models
from cms.models.migrations import Migrations
from tests.cms.query.chat_db import DIALECTS, MODELS, REGISTRY, REPO, ChatDatabase, chat_database, stamp
from tests.conftest import database_environment
from tests.helpers.project import collection, run_cms, write_schema

USER = collection("user", "users", {"username": {"type": "string"}})


def thing(indexes: Any) -> dict[str, Any]:
    return collection("thing", "things", {
        "title": {"type": "string"},
        "code": {"type": "string"},
        "body": {"type": "text"},
        "owner": {"type": "relation", "relation": "manyToOne", "target": "api::user.user"},
        "tags": {"type": "relation", "relation": "manyToMany", "target": "api::user.user"},
    }, indexes=indexes)


def load(root: Path, indexes: Any):
    write_schema(root, "user", USER)
    write_schema(root, "thing", thing(indexes))
    return load_registry(discover(root / "content_types"), root)


def problems(root: Path, indexes: Any) -> list[str]:
    with pytest.raises(SchemaError) as caught:
        load(root, indexes)
    return [str(p) for p in caught.value.problems]


# -- loader ------------------------------------------------------------------------------


def test_plain_and_unique_entries(tmp_path: Path) -> None:
    ct = load(tmp_path, [["title", "createdAt"], {"columns": ["owner", "code"], "unique": True},
                         {"columns": ["code"]}, {"columns": ["body", "id"], "unique": False}]).get("api::thing.thing")
    assert ct.indexes == (("title", "createdAt"), ("owner", "code"), ("code",), ("body", "id"))
    assert ct.unique_indexes == (("owner", "code"),)


@pytest.mark.parametrize(("indexes", "message"), [
    ({"columns": ["title"]}, '"options.indexes" must be a list'),
    ([{"columns": ["title"], "unique": "yes"}], 'entry 1 ({"columns": ["title"], "unique": "yes"}): "unique" must be true or false, not "yes"'),
    ([{"columns": ["title"], "name": "idx_title"}], 'entry 1 ({"columns": ["title"], "name": "idx_title"}): "name" is not supported'),
    ([{"columns": ["title"], "unqiue": True}], 'entry 1 ({"columns": ["title"], "unqiue": true}): unknown key "unqiue" (known keys: columns, unique)'),
    ([["title"], {"unique": True}], 'entry 2 ({"unique": true}): missing "columns"'),
    ([{"columns": [], "unique": True}], 'entry 1 ({"columns": [], "unique": true}) must be a non-empty list of attribute names'),
    ([{"columns": "title", "unique": True}], 'entry 1 ({"columns": "title", "unique": true}) must be a non-empty list'),
    (["title"], 'entry 1 ("title") must be a non-empty list of attribute names, or an object'),
    ([{"columns": ["owner", "nope"], "unique": True}], '"options.indexes" names unknown attribute "nope" (entry 1)'),
    ([{"columns": ["tags"], "unique": True}], '"tags" is a to-many relation (entry 1)'),
    ([{"columns": ["code", "code"], "unique": True}], 'entry 1 ({"columns": ["code", "code"], "unique": true}): names an attribute twice'),
    ([["owner", "code"], {"columns": ["owner", "code"], "unique": True}],
     'entry 2 ({"columns": ["owner", "code"], "unique": true}): the same columns as entry 1'),
    ([["nope"], ["owner", "code"], {"columns": ["owner", "code"], "unique": True}],
     'entry 3 ({"columns": ["owner", "code"], "unique": true}): the same columns as entry 2'),
])
def test_broken_entries_are_reported_with_file_and_entry(tmp_path: Path, indexes: Any, message: str) -> None:
    found = problems(tmp_path, indexes)
    assert any(p.startswith("content_types/thing/schema.json: ") and message in p for p in found), found


def test_every_broken_entry_is_reported_at_once(tmp_path: Path) -> None:
    found = problems(tmp_path, [{"columns": ["nope"], "unique": True}, {"columns": ["title"], "unique": 1}])
    assert len(found) == 2 and "entry 1" in found[0] and "entry 2" in found[1]


# -- models ------------------------------------------------------------------------------


def test_unique_entries_become_unique_together(tmp_path: Path) -> None:
    registry = load(tmp_path, [["title", "createdAt"], {"columns": ["owner", "code"], "unique": True}])
    model = build_models(registry, "cms_test_index_models")["api::thing.thing"]
    assert model._meta.unique_together == (("owner", "code"),)
    assert model._meta.indexes == (("title", "createdAt"),)


def test_the_chat_types_declare_their_indexes() -> None:
    message = REGISTRY.get("api::message.message")
    assert message.unique_indexes == (("sender", "clientId"),)
    assert {("room", "createdAt"), ("sender", "createdAt"), ("recipient", "createdAt")} <= set(message.indexes)
    assert REGISTRY.get("api::chat-user.chat-user").unique_indexes == (("user", "room"),)


# -- migrations and the database -----------------------------------------------------------


def _config(url: str) -> dict[str, Any]:
    return {"connections": {"default": url},
            "apps": {"models": {"models": [MODELS.module_name], "default_connection": "default"}},
            "use_tz": True, "timezone": "UTC"}


def _run(coroutine: Any) -> Any:
    EXECUTOR_CACHE.clear()  # Tortoise caches aerich's SQL per connection name, not per dialect
    try:
        return asyncio.run(coroutine)
    finally:
        EXECUTOR_CACHE.clear()


@pytest.fixture(params=DIALECTS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ChatDatabase]:
    with chat_database(request.param, tmp_path) as database:
        yield database


@pytest.fixture(params=DIALECTS)
def fresh_database_env(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """Environment for ``cms`` commands: the project's own SQLite file, or a new PostgreSQL database."""
    with database_environment(postgres=request.param == "postgres") as env:
        yield env


def test_the_committed_migrations_match_the_schemas(fresh_database_env: dict[str, str], tmp_path: Path) -> None:
    """``cms migrate status`` on a fresh copy of this project: nothing to make, on either dialect."""
    project = tmp_path / "project"
    for folder in ("config", "content_types", "migrations"):
        shutil.copytree(REPO / folder, project / folder)
    env = fresh_database_env
    before = run_cms(project, "migrate", "status", env=env)
    assert before.returncode == 0, before.stdout + before.stderr
    assert "run `cms migrate make" not in before.stdout
    assert "pending   " in before.stdout and "unique_message_client_id_and_chat_user_room.py" in before.stdout
    applied = run_cms(project, "migrate", "up", env=env)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    after = run_cms(project, "migrate", "status", env=env)
    assert after.returncode == 0 and "up to date" in after.stdout, after.stdout + after.stderr


def _indexes(db: ChatDatabase, table: str) -> set[tuple[tuple[str, ...], bool]]:
    """(columns, unique) of every index of ``table`` but the primary key's and single-column uniques."""
    if db.dialect == "sqlite":
        found = set()
        for _, name, unique, origin, _ in db.fetch(f"PRAGMA index_list('{table}')"):
            columns = tuple(row[2] for row in db.fetch(f"PRAGMA index_info('{name}')"))
            found.add((columns, bool(unique)))
    else:
        rows = db.fetch(
            "SELECT i.indisunique, array_agg(a.attname ORDER BY k.n) FROM pg_index i"
            " JOIN pg_class t ON t.oid = i.indrelid"
            " CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)"
            " JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum"
            " WHERE t.relname = $1 AND NOT i.indisprimary GROUP BY i.indexrelid, i.indisunique", [table])
        found = {(tuple(columns), unique) for unique, columns in rows}
    return {(columns, unique) for columns, unique in found if len(columns) > 1 or not unique}


EXPECTED = {
    "messages": {
        (("sender_id", "client_id"), True), (("sender_id", "created_at"), False),
        (("recipient_id", "created_at"), False), (("room", "created_at"), False), (("room", "id"), False),
        (("sender_id",), False), (("recipient_id",), False), (("created_at", "id"), False),
    },
    # a link table: the pair, unique (the owner's key first), and the other key alone
    "messages_attachments_lnk": {(("message_id", "file_id"), True), (("file_id",), False)},
    "chat_users": {(("user_id", "room"), True), (("room", "status"), False), (("user_id",), False)},
}


@pytest.mark.parametrize("table", list(EXPECTED))
def test_the_migrated_tables_have_the_declared_indexes(db: ChatDatabase, table: str) -> None:
    assert _indexes(db, table) == EXPECTED[table]


def test_a_new_project_gets_the_same_indexes(tmp_path: Path) -> None:
    """A project migrated from scratch (one init file) ends with the indexes the upgrade gives."""
    url = f"sqlite://{tmp_path / 'new.sqlite3'}"
    migrations = Migrations(_config(url), tmp_path / "fresh" / "sqlite")
    (initial,) = _run(migrations.sync("init"))
    assert initial.endswith("_init.py")
    fresh = ChatDatabase("sqlite", url)
    fresh.open()
    try:
        for table, indexes in EXPECTED.items():
            assert _indexes(fresh, table) == indexes
    finally:
        fresh.close()


def _insert_message(db: ChatDatabase, number: int, sender: int | None, client_id: str | None) -> None:
    at = stamp(db.dialect)
    db.insert("messages", ["id", "document_id", "text", "sender_id", "client_id", "created_at", "updated_at"],
              [(number, f"m{number:023d}", "hi", sender, client_id, at, at)])


def test_unique_sender_and_client_id_lets_nulls_repeat(db: ChatDatabase) -> None:
    at = stamp(db.dialect)
    db.insert("registered_users", ["id", "document_id", "username", "email", "created_at", "updated_at"],
              [(i, f"u{i:023d}", f"user{i}", f"user{i}@example.com", at, at) for i in (1, 2)])
    _insert_message(db, 1, 1, "a")
    _insert_message(db, 2, 2, "a")  # another sender may use the same clientId
    for number in (3, 4):
        _insert_message(db, number, 1, None)  # without a clientId, as often as wanted
        _insert_message(db, number + 10, None, "a")  # without a sender too
    with pytest.raises((sqlite3.IntegrityError, asyncpg.UniqueViolationError)):
        _insert_message(db, 5, 1, "a")
    assert db.fetch("SELECT count(*) FROM messages")[0][0] == 6


def test_unique_user_and_room(db: ChatDatabase) -> None:
    at = stamp(db.dialect)
    db.insert("registered_users", ["id", "document_id", "username", "email", "created_at", "updated_at"],
              [(1, f"u{1:023d}", "user1", "user1@example.com", at, at)])
    columns = ["id", "document_id", "username", "room", "status", "user_id", "created_at", "updated_at"]
    db.insert("chat_users", columns, [(1, f"c{1:023d}", "user1", "lobby", "online", 1, at, at),
                                      (2, f"c{2:023d}", "user1", "other", "online", 1, at, at),
                                      (3, f"c{3:023d}", "ghost", "lobby", "online", None, at, at),
                                      (4, f"c{4:023d}", "ghost", "lobby", "online", None, at, at)])
    with pytest.raises((sqlite3.IntegrityError, asyncpg.UniqueViolationError)):
        db.insert("chat_users", columns, [(5, f"c{5:023d}", "user1", "lobby", "online", 1, at, at)])
