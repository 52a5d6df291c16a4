"""Tests for cms.models.migrations: aerich driven against runtime-built models.

Each test builds its models the way the framework does (``type(...)`` classes in
a synthetic module registered in ``sys.modules``), with a fresh module per
schema step, and runs against a SQLite file and, when ``CMS_TEST_DATABASE_URL``
is set, a throwaway PostgreSQL database.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
import subprocess
import sys
import textwrap
import types
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import pytest
from tortoise import Model, fields
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.context import get_current_context
from tortoise.fields import Field

from cms.models.migrations import MigrationError, Migrations

PG_URL = os.environ.get("CMS_TEST_DATABASE_URL")
PROJECT_ROOT = Path(__file__).resolve().parents[3]
_module_numbers = itertools.count()


@dataclass(frozen=True)
class Database:
    """A test database, queried with a plain driver so Tortoise state stays out of it."""

    dialect: str
    url: str

    async def query(self, sql: str) -> list[tuple]:
        """Run ``sql`` (committed) and return its rows as tuples."""
        if self.dialect == "sqlite":
            with closing(sqlite3.connect(self.url.removeprefix("sqlite://"))) as conn, conn:
                return conn.execute(sql).fetchall()
        conn = await asyncpg.connect(self.url)
        try:
            return [tuple(row.values()) for row in await conn.fetch(sql)]
        finally:
            await conn.close()

    async def tables(self) -> set[str]:
        if self.dialect == "sqlite":
            rows = await self.query("SELECT name FROM sqlite_master WHERE type = 'table'")
        else:
            rows = await self.query(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            )
        return {name for (name,) in rows}


@pytest.fixture(autouse=True)
def forget_cached_sql() -> Iterator[None]:
    """Tortoise caches INSERT/DELETE SQL per (connection name, table), not per dialect.

    With the same connection name used for SQLite and PostgreSQL in one process,
    aerich's ``INSERT INTO aerich`` would keep SQLite's ``?`` placeholders.
    """
    EXECUTOR_CACHE.clear()
    yield
    EXECUTOR_CACHE.clear()


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgres",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(not PG_URL, reason="CMS_TEST_DATABASE_URL is not set"),
            ],
        ),
    ]
)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        yield Database("sqlite", f"sqlite://{tmp_path / 'db.sqlite3'}")
        return
    assert PG_URL
    name = f"cms_test_migrations_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(PG_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield Database("postgres", urlsplit(PG_URL)._replace(path=f"/{name}").geturl())
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


MakeMigrations = Callable[..., Migrations]


@pytest.fixture
def schema(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> MakeMigrations:
    """``schema(tag=True, **extra_fields)``: Migrations for a new version of the models.

    The models are an ``Article`` (id, title, plus ``extra_fields``) and, unless
    ``tag=False``, a ``Tag``; they live in a fresh synthetic module each call.
    """
    location = tmp_path / "migrations" / database.dialect

    def build(*, tag: bool = True, **extra_fields: Field) -> Migrations:
        name = f"cms_test_generated_models_{next(_module_numbers)}"
        module = types.ModuleType(name)
        module.Article = type(
            "Article",
            (Model,),
            {
                "__module__": name,
                "id": fields.IntField(primary_key=True),
                "title": fields.CharField(max_length=100),
                **extra_fields,
            },
        )
        if tag:
            module.Tag = type(
                "Tag",
                (Model,),
                {"__module__": name, "id": fields.IntField(primary_key=True)},
            )
        monkeypatch.setitem(sys.modules, name, module)
        config = {
            "connections": {"default": database.url},
            "apps": {"models": {"models": [name], "default_connection": "default"}},
        }
        return Migrations(config, location)

    return build


def subtitle() -> Field:
    return fields.CharField(max_length=50, null=True)


async def test_initial_make_and_up_creates_tables(schema: MakeMigrations, database: Database):
    migrations = schema()
    empty = await migrations.status()
    assert (empty.applied, empty.pending, empty.models_changed) == ([], [], True)

    initial = await migrations.make("first")
    assert initial is not None and initial.startswith("0_") and initial.endswith("_init.py")
    assert (migrations.folder / initial).is_file()
    made = await migrations.status()
    assert (made.applied, made.pending, made.models_changed) == ([], [initial], False)
    assert made.destructive == {}

    assert await migrations.up() == [initial]
    assert {"article", "tag", "aerich"} <= await database.tables()
    done = await migrations.status()
    assert (done.applied, done.pending, done.models_changed) == ([initial], [], False)
    assert await migrations.up() == []
    assert get_current_context() is None  # every Tortoise context was left


async def test_make_without_changes_returns_none(schema: MakeMigrations):
    migrations = schema()
    assert await migrations.make("first")
    assert await migrations.make("again") is None
    assert await schema().make("rebuilt_same_models") is None
    assert len(list(migrations.folder.glob("*.py"))) == 1


async def test_added_nullable_field_keeps_rows(schema: MakeMigrations, database: Database):
    await schema().sync()
    await database.query("INSERT INTO article (title) VALUES ('kept')")

    migrations = schema(subtitle=subtitle())
    assert (await migrations.status()).models_changed
    added = await migrations.make("add_subtitle")
    assert added is not None and added.startswith("1_") and added.endswith("_add_subtitle.py")
    status = await migrations.status()
    assert (status.pending, status.models_changed, status.destructive) == ([added], False, {})

    assert await migrations.up() == [added]
    assert await database.query("SELECT title, subtitle FROM article") == [("kept", None)]


async def test_removed_field_is_destructive(schema: MakeMigrations, database: Database):
    await schema(subtitle=subtitle()).sync()
    await database.query("INSERT INTO article (title, subtitle) VALUES ('kept', 'lost')")

    migrations = schema()
    dropped = await migrations.make("drop_subtitle")
    assert dropped is not None
    status = await migrations.status()
    assert status.destructive == {dropped: ['ALTER TABLE "article" DROP COLUMN "subtitle"']}

    with pytest.raises(MigrationError) as refused:
        await migrations.up()
    message = str(refused.value)
    assert dropped in message and "DROP COLUMN" in message and "--allow-destructive" in message
    assert (await migrations.status()).pending == [dropped]  # nothing was applied

    assert await migrations.up(allow_destructive=True) == [dropped]
    assert await database.query("SELECT * FROM article") == [(1, "kept")]


async def test_removed_model_is_destructive(schema: MakeMigrations, database: Database):
    await schema().sync()
    migrations = schema(tag=False)
    dropped = await migrations.make("drop_tag")
    assert (await migrations.status()).destructive == {dropped: ['DROP TABLE IF EXISTS "tag"']}
    with pytest.raises(MigrationError, match="DROP TABLE"):
        await migrations.sync()
    assert await migrations.sync(allow_destructive=True) == [dropped]
    assert "tag" not in await database.tables()


async def test_sync_makes_and_applies(schema: MakeMigrations, database: Database):
    first = await schema().sync()
    assert len(first) == 1 and first[0].endswith("_init.py")
    assert await schema().sync() == []

    migrations = schema(subtitle=subtitle())
    [added] = await migrations.sync("add_subtitle")
    assert added.startswith("1_") and added.endswith("_add_subtitle.py")
    status = await migrations.status()
    assert status.applied == [*first, added]
    assert (status.pending, status.models_changed) == ([], False)
    assert await database.query("SELECT subtitle FROM article") == []


async def test_failing_migration_names_the_file(schema: MakeMigrations, database: Database):
    await schema().sync()
    await database.query("INSERT INTO article (title) VALUES ('no body yet')")
    migrations = schema(body=fields.TextField())  # NOT NULL, no default: rows can't take it
    added = await migrations.make("add_body")
    with pytest.raises(MigrationError, match=f"Migration {added} failed"):
        await migrations.up()
    assert (await migrations.status()).pending == [added]


async def test_make_rejects_unsafe_names(schema: MakeMigrations):
    with pytest.raises(MigrationError, match="Invalid migration name"):
        await schema().make("../escape")


def test_process_exits_after_use(database: Database, tmp_path: Path):
    """Connections left open (aiosqlite's thread, asyncpg's pool) would hang interpreter exit."""
    script = textwrap.dedent(
        f"""
        import asyncio, sys, types
        from pathlib import Path
        from tortoise import Model, fields
        from cms.models.migrations import Migrations

        module = types.ModuleType("cms_generated_models")
        module.Article = type("Article", (Model,), {{
            "__module__": "cms_generated_models",
            "id": fields.IntField(primary_key=True),
        }})
        sys.modules["cms_generated_models"] = module
        config = {{
            "connections": {{"default": {database.url!r}}},
            "apps": {{"models": {{"models": ["cms_generated_models"]}}}},
        }}

        async def main():
            migrations = Migrations(config, Path({str(tmp_path / "exit")!r}))
            await migrations.sync()
            print((await migrations.status()).applied)

        asyncio.run(main())
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "_init.py" in done.stdout
