"""This repository's chat types on a real database, migrated by the committed migrations.

For tests of the SQL the compiler writes: the plan a database picks depends on
the indexes the migrations create, so the database is built by running
``migrations/<dialect>/`` (copied) exactly as ``cms migrate up`` would, then
filled with plain SQL. SQLite is a file; PostgreSQL a throwaway database on
``CMS_TEST_DATABASE_URL``. Queries run on plain drivers (sqlite3, asyncpg on a
private event loop), so synchronous tests (Hypothesis) can use them too.

:class:`LegacyCompiler` keeps the previous SQL shape (every filter through a
relation a correlated ``EXISTS``) to compare results with.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import sqlite3
import tomllib
import uuid
from collections.abc import Coroutine, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import asyncpg
import pytest
from tortoise.backends.base.executor import EXECUTOR_CACHE

from cms.content import ContentType, Registry, discover, load_registry
from cms.models.builder import Models, build_models
from cms.models.migrations import Migrations
from cms.query.ast import And, Condition, Node, Not, Query
from cms.query.filters import parse_filters
from cms.query.ast import bind
from cms.query.reader import _DATA_VERSION as DATA_VERSION
from cms.query.reader import Plan, Reader
from cms.query.sql import SQL, Compiler, _true_on_null, _unbound

REPO = Path(__file__).resolve().parents[3]
PG_URL = os.environ.get("CMS_TEST_DATABASE_URL", "")
_modules = itertools.count()
T = TypeVar("T")

POSTGRES_MARKS = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL.startswith(("postgres://", "postgresql://")), reason="CMS_TEST_DATABASE_URL is not set"),
]
#: fixture params: SQLite always, PostgreSQL when CMS_TEST_DATABASE_URL is set
DIALECTS = ["sqlite", pytest.param("postgres", marks=POSTGRES_MARKS)]


def chat_registry() -> Registry:
    """This repository's content types with those of the plugins they refer to: users_permissions
    (senders, recipients) and upload (a message's media attributes)."""
    plugins = {name: REPO / "plugins" / name for name in ("users_permissions", "upload")}
    return load_registry(discover(REPO / "content_types", plugins), REPO)


REGISTRY = chat_registry()
MODELS: Models = build_models(REGISTRY, f"cms_test_chat_models_{os.getpid()}")
MESSAGE: ContentType = REGISTRY.get("api::message.message")
USER: ContentType = REGISTRY.get("plugin::users-permissions.user")


def message_grant(action: str = "api::message.message.find") -> Node:
    """The default condition of ``action`` for authenticated users, from config/permissions.toml."""
    grants = tomllib.loads((REPO / "config" / "permissions.toml").read_text())["roles"]["authenticated"]["grants"]
    raw = next(g["condition"] for g in grants if g["action"] == action)
    node = parse_filters(MESSAGE, raw, registry=REGISTRY, allow_variables=True, where="condition")
    assert node is not None
    return node


class LegacyCompiler(Compiler):
    """The SQL shape before this change: a filter through any relation is a correlated EXISTS,
    and neither negation nor constants are treated specially."""

    def node(self, ct: ContentType, alias: str, node: Node, sql: SQL, variables: dict[str, Any],
             *, negated: bool = False) -> str:
        if isinstance(node, Condition):
            return self.condition(ct, alias, node, sql, variables)
        if isinstance(node, Not):
            return f"NOT ({self.node(ct, alias, node.item, sql, variables)})"
        if not node.items:
            return "1=1" if isinstance(node, And) else "1=0"
        joiner = " AND " if isinstance(node, And) else " OR "
        return joiner.join(f"({self.node(ct, alias, item, sql, variables)})" for item in node.items)

    def condition(self, ct: ContentType, alias: str, cond: Condition, sql: SQL, variables: dict[str, Any],
                  *, negated: bool = False) -> str:
        if _unbound(cond.value, variables):
            return "1=0"
        if len(cond.path) == 1:
            return self.leaf(ct, alias, cond.path[0], cond.operator, bind(cond.value, variables), sql)
        target = self.registry.get(ct.attributes[cond.path[0]].target or "")
        inner = Condition(cond.path[1:], cond.operator, cond.value)
        rows = self.link(ct, cond.path[0], alias, sql)
        where = self.condition(target, rows.alias, inner, sql, variables)
        exists = rows.exists(where)
        if _true_on_null(cond.operator, bind(cond.value, variables)):
            exists = f"({exists} OR NOT {self.link(ct, cond.path[0], alias, sql).exists()})"
        return exists


class ChatDatabase:
    """A migrated database of the chat types, queried with a plain driver."""

    def __init__(self, dialect: str, url: str) -> None:
        self.dialect = dialect
        self.url = url
        self.compiler = Compiler(REGISTRY, MODELS, dialect)
        self.legacy = LegacyCompiler(REGISTRY, MODELS, dialect)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pg: asyncpg.Connection | None = None
        self._sqlite: sqlite3.Connection | None = None

    def open(self) -> None:
        if self.dialect == "sqlite":
            self._sqlite = sqlite3.connect(self.url.removeprefix("sqlite://"), isolation_level=None)
            self._sqlite.execute("PRAGMA foreign_keys = ON")  # as Tortoise's connections
        else:
            self._loop = asyncio.new_event_loop()
            self._pg = self._loop.run_until_complete(asyncpg.connect(self.url))

    def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
        if self._pg is not None and self._loop is not None:
            self._loop.run_until_complete(self._pg.close())
            self._loop.close()

    def fetch(self, text: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        if self._sqlite is not None:
            return self._sqlite.execute(text, list(params)).fetchall()
        assert self._pg is not None and self._loop is not None
        return [tuple(r.values()) for r in self._loop.run_until_complete(self._pg.fetch(text, *params))]

    def insert(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if self._sqlite is not None:
            marks = ", ".join("?" for _ in columns)
            names = ", ".join(f'"{c}"' for c in columns)
            with self._sqlite:
                self._sqlite.execute("BEGIN")
                self._sqlite.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
            return
        assert self._pg is not None and self._loop is not None
        self._loop.run_until_complete(self._pg.copy_records_to_table(table, records=rows, columns=list(columns)))

    def analyze(self) -> None:
        self.fetch("ANALYZE")
        if self.dialect == "postgres":  # ids were inserted as given: move the sequences past them
            for table in ("registered_users", "messages", "up_roles"):
                self.fetch(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")

    def compile(self, ct: ContentType, query: Query, variables: dict[str, Any] | None = None,
                extra: Node | None = None, *, legacy: bool = False, count: bool = False) -> tuple[str, list[Any]]:
        compiler = self.legacy if legacy else self.compiler
        sql = SQL(self.dialect)
        if count:
            return compiler.count(ct, query, sql, variables, extra), sql.params
        return compiler.select(ct, query, ["t0.id"], sql, variables, extra), sql.params

    def ids(self, ct: ContentType, node: Node | None, variables: dict[str, Any] | None = None,
            *, legacy: bool = False) -> list[int]:
        """Ids of the entries of ``ct`` that ``node`` matches, in id order."""
        text, params = self.compile(ct, Query(filters=node), variables, legacy=legacy)
        return [row[0] for row in self.fetch(text, params)]

    def plan(self, text: str, params: Sequence[Any]) -> Any:
        """SQLite: the lines of EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN's JSON plan tree."""
        if self.dialect == "sqlite":
            return [row[-1] for row in self.fetch(f"EXPLAIN QUERY PLAN {text}", params)]
        import json
        return json.loads(self.fetch(f"EXPLAIN (FORMAT JSON) {text}", params)[0][0])[0]["Plan"]


def _migrate(dialect: str, url: str, tmp: Path) -> None:
    location = tmp / "migrations"
    shutil.copytree(REPO / "migrations" / dialect, location / dialect)
    config = {
        "connections": {"default": url},
        "apps": {"models": {"models": [MODELS.module_name], "default_connection": "default"}},
        "use_tz": True,
        "timezone": "UTC",
    }
    EXECUTOR_CACHE.clear()  # Tortoise caches aerich's INSERT per connection name, not per dialect
    try:
        asyncio.run(Migrations(config, location / dialect).up())
    finally:
        EXECUTOR_CACHE.clear()


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(PG_URL.replace("postgres://", "postgresql://", 1))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@contextmanager
def chat_database(dialect: str, tmp: Path) -> Iterator[ChatDatabase]:
    """An empty, migrated database of ``dialect``, dropped afterwards (PostgreSQL)."""
    name = f"cms_test_query_{uuid.uuid4().hex[:12]}"
    if dialect == "sqlite":
        url = f"sqlite://{tmp / 'chat.sqlite3'}"
    else:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
        url = urlsplit(PG_URL)._replace(path=f"/{name}").geturl()
    database = ChatDatabase(dialect, url)
    try:
        _migrate(dialect, url, tmp)
        database.open()
        yield database
    finally:
        database.close()
        if dialect == "postgres":
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


STAMP = "2024-01-01 00:00:00+00:00"


def stamp(dialect: str) -> Any:
    """A created_at/updated_at value as each driver takes it."""
    if dialect == "sqlite":
        return STAMP
    import datetime as dt
    return dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)


def document_id(prefix: str, number: int) -> str:
    return f"{prefix}{number:0{24 - len(prefix)}d}"


class DatabaseReader(Reader):
    """The cms :class:`Reader` (as the server has it for this dialect) running its SQL on a
    :class:`ChatDatabase`, keeping every statement; drive it with :func:`run`."""

    def __init__(self, db: ChatDatabase, compiler: Compiler | None = None) -> None:
        super().__init__(compiler or Compiler(REGISTRY, MODELS, db.dialect))
        self.db = db
        self.statements: list[tuple[str, list[Any]]] = []

    async def _run(self, plan: Plan[T]) -> T:  # type: ignore[override]
        return await self._run_each(plan)  # each statement through _fetch, on the test's database

    async def _fetch(self, text: str, params: list[Any]) -> list[Any]:
        if text != DATA_VERSION:  # kept: the reads of data, not the version a kept count is checked against
            self.statements.append((text, list(params)))
        return self.db.fetch(text, params)


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """The result of a coroutine that never waits (a :class:`DatabaseReader`'s: its driver calls
    block), run without an event loop, so that the PostgreSQL driver's own loop can run inside."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise RuntimeError("the coroutine waited for something")
