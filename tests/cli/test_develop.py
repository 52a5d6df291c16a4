"""Schema changes reach the database through migrations, and data survives them.

``cms develop`` writes and applies a migration for a changed schema;
``cms start`` applies only committed migrations and refuses to serve models the
migrations do not describe; dropping a column needs ``--allow-destructive``.
Rows are written and read with the database driver, outside the server.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from tests.helpers.project import Server, collection, free_port, make_project, run_cms, write_schema

TITLE = {"title": {"type": "string"}}
BODY = {"body": {"type": "text"}}


def note_schema(attributes: dict[str, Any]) -> dict[str, Any]:
    return collection("note", "notes", attributes)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with one type, ``note`` (table ``notes``), holding a title."""
    root = make_project(tmp_path / "project", builtin_types=False)
    write_schema(root, "note", note_schema(TITLE))
    return root


def sql(root: Path, env: dict[str, str], statement: str) -> list[tuple[Any, ...]]:
    """Run one statement on the project's database (committed) and return its rows."""
    url = env.get("CMS_DATABASE_URL")
    if url is None:
        with closing(sqlite3.connect(root / ".tmp" / "data.db")) as conn, conn:
            return conn.execute(statement).fetchall()

    async def run() -> list[tuple[Any, ...]]:
        conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            return [tuple(row.values()) for row in await conn.fetch(statement)]
        finally:
            await conn.close()

    return asyncio.run(run())


def columns(root: Path, env: dict[str, str], table: str) -> set[str]:
    if "CMS_DATABASE_URL" not in env:
        return {row[1] for row in sql(root, env, f'PRAGMA table_info("{table}")')}
    rows = sql(root, env, f"SELECT column_name FROM information_schema.columns WHERE table_name = '{table}'")
    return {name for (name,) in rows}


def insert_note(root: Path, env: dict[str, str], n: int, title: str, **extra: str) -> None:
    names = ", ".join(["document_id", "title", "created_at", "updated_at", *extra])
    values = ", ".join([f"'{n:024d}'", f"'{title}'", "CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP", *(f"'{v}'" for v in extra.values())])
    sql(root, env, f"INSERT INTO notes ({names}) VALUES ({values})")


def migration_files(root: Path, env: dict[str, str]) -> list[str]:
    dialect = "postgres" if "CMS_DATABASE_URL" in env else "sqlite"
    folder = root / "migrations" / dialect / "models"
    return sorted(p.name for p in folder.glob("*.py")) if folder.exists() else []


def cms(root: Path, env: dict[str, str], *args: str) -> tuple[int, str]:
    """Run a command that must end (not serve); returns (exit status, stdout + stderr)."""
    result = run_cms(root, *args, env=env, timeout=60)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout + result.stderr


def refuse_to_serve(root: Path, env: dict[str, str], command: str) -> str:
    """``cms develop|start`` that must exit 1 before serving; returns its message."""
    status, output = cms(root, env, command, "--port", str(free_port()))
    assert status == 1, output
    return output


def test_develop_migrates_an_added_field_and_keeps_the_rows(
    project: Path, server_factory: Callable[..., Server], database_env: dict[str, str]
) -> None:
    server_factory(project).stop()
    [initial] = migration_files(project, database_env)
    assert initial.startswith("0_") and initial.endswith("_init.py")
    insert_note(project, database_env, 1, "first")
    insert_note(project, database_env, 2, "second")

    write_schema(project, "note", note_schema({**TITLE, **BODY, "pinned": {"type": "boolean", "default": False}}))
    server = server_factory(project)

    files = migration_files(project, database_env)
    assert files[0] == initial and len(files) == 2
    assert files[1].startswith("1_")
    assert f"applied migration {files[1]}" in server.log()
    assert {"body", "pinned"} <= columns(project, database_env, "notes")
    rows = sql(project, database_env, "SELECT document_id, title, body FROM notes ORDER BY id")
    assert rows == [(f"{1:024d}", "first", None), (f"{2:024d}", "second", None)]


def test_develop_without_changes_writes_no_migration(
    project: Path, server_factory: Callable[..., Server], database_env: dict[str, str]
) -> None:
    server_factory(project).stop()
    files = migration_files(project, database_env)
    server = server_factory(project)
    assert migration_files(project, database_env) == files
    assert "applied migration" not in server.log()


def test_start_serves_only_what_committed_migrations_describe(
    project: Path, server_factory: Callable[..., Server], database_env: dict[str, str]
) -> None:
    assert cms(project, database_env, "migrate", "make", "init")[0] == 0
    server = server_factory(project, "start")
    [initial] = migration_files(project, database_env)
    assert f"applied migration {initial}" in server.log()
    server.stop()
    insert_note(project, database_env, 1, "kept")

    # a schema change without its migration: start refuses and writes nothing
    write_schema(project, "note", note_schema({**TITLE, **BODY}))
    message = refuse_to_serve(project, database_env, "start")
    assert "the content types differ from the migrations" in message
    assert "cms migrate make" in message
    assert migration_files(project, database_env) == [initial]
    assert "body" not in columns(project, database_env, "notes")

    # once the migration is made (and committed), start applies it
    assert cms(project, database_env, "migrate", "make", "add_body")[0] == 0
    [_, added] = migration_files(project, database_env)
    server = server_factory(project, "start")

    assert added.startswith("1_") and added.endswith("_add_body.py")
    assert f"applied migration {added}" in server.log()
    assert "body" in columns(project, database_env, "notes")
    assert sql(project, database_env, "SELECT title, body FROM notes") == [("kept", None)]


def test_removing_a_field_needs_allow_destructive(
    project: Path, server_factory: Callable[..., Server], database_env: dict[str, str]
) -> None:
    write_schema(project, "note", note_schema({**TITLE, **BODY}))
    server_factory(project).stop()
    insert_note(project, database_env, 1, "kept", body="precious")

    write_schema(project, "note", note_schema(TITLE))

    # develop writes the migration but does not apply it, nor serve
    message = refuse_to_serve(project, database_env, "develop")
    [_, dropping] = migration_files(project, database_env)
    assert "Refusing to apply migrations that destroy data" in message
    assert dropping in message and "DROP" in message and "body" in message
    assert "--allow-destructive" in message
    assert sql(project, database_env, "SELECT title, body FROM notes") == [("kept", "precious")]

    # start refuses the committed destructive migration as well
    message = refuse_to_serve(project, database_env, "start")
    assert "--allow-destructive" in message
    status, output = cms(project, database_env, "migrate", "status")
    assert status == 0
    assert f"pending   {dropping}  (destructive: " in output
    assert sql(project, database_env, "SELECT title, body FROM notes") == [("kept", "precious")]

    server = server_factory(project, args=("--allow-destructive",))

    assert f"applied migration {dropping}" in server.log()
    assert "body" not in columns(project, database_env, "notes")
    assert sql(project, database_env, "SELECT title FROM notes") == [("kept",)]


def test_migrate_make_up_and_status_report_each_step(project: Path, database_env: dict[str, str]) -> None:
    dialect = "postgres" if database_env else "sqlite"
    folder = f"migrations/{dialect}/models"

    status, output = cms(project, database_env, "migrate", "status")
    assert status == 1
    assert output.splitlines() == [
        f"migrations in {folder}/ ({dialect}):",
        "  (none)",
        "the content types changed since the last migration: run `cms migrate make <name>`",
    ]

    status, output = cms(project, database_env, "migrate", "make", "init")
    [initial] = migration_files(project, database_env)
    assert status == 0
    assert output.splitlines()[0] == f"wrote {folder}/{initial}"

    status, output = cms(project, database_env, "migrate", "status")
    assert status == 0
    assert f"  pending   {initial}" in output.splitlines()
    assert output.splitlines()[-1] == "1 pending: run `cms migrate up`"

    assert cms(project, database_env, "migrate", "up") == (0, f"applied {initial}\n")
    assert columns(project, database_env, "notes") >= {"id", "document_id", "title", "created_at"}
    assert cms(project, database_env, "migrate", "up") == (0, "nothing to apply: the database is up to date\n")

    status, output = cms(project, database_env, "migrate", "status")
    assert (status, output.splitlines()[1:]) == (0, [f"  applied   {initial}", "up to date"])

    assert cms(project, database_env, "migrate", "make", "again") == (
        0, "no changes: the migrations match the content types\n",
    )
    status, output = cms(project, database_env, "migrate", "make", "bad-name")
    assert status == 1
    assert output.startswith("error: Invalid migration name 'bad-name'")
    assert migration_files(project, database_env) == [initial]
