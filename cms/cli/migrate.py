"""``cms migrate make|up|status``: migrations of the project's database dialect."""

from __future__ import annotations

import argparse
import asyncio
import socket
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tortoise.exceptions import DBConnectionError

from cms.app import Project, load_project
from cms.database import private_sqlite_file, tortoise_config
from cms.models.migrations import Migrations

MIGRATIONS_DIR = "migrations"


class DatabaseUnavailable(Exception):
    """The database named by the settings cannot be reached; the message says which."""


def shown_url(url: str) -> str:
    """The database URL with any password masked, fit for messages."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def _check_sqlite_file(project: Project) -> None:
    """Open the SQLite file once with the standard driver, creating it (and its folder) if new.

    Tortoise's SQLite client keeps its connection lock when opening the file
    fails, so the next query waits forever: an unusable path must be caught
    before Tortoise touches it.
    """
    settings = project.settings
    url = settings.tortoise_db_url()
    if settings.dialect != "sqlite" or url == "sqlite://:memory:":
        return
    path = Path(url.removeprefix("sqlite://"))
    try:
        private_sqlite_file(path)
        with closing(sqlite3.connect(path)) as conn:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except (OSError, sqlite3.Error) as exc:
        raise DatabaseUnavailable(f"cannot open the database {settings.database.url} ({path}): {exc}") from exc


@contextmanager
def database_errors(project: Project, *, open_sqlite: bool = True) -> Iterator[None]:
    """Check the database can be opened; turn "cannot connect" failures into a one-line message.

    ``open_sqlite=False`` for commands that only read and write migration files.
    """
    if open_sqlite:
        _check_sqlite_file(project)
    try:
        yield
    except (DBConnectionError, ConnectionError, TimeoutError, socket.gaierror) as exc:
        reason = str(exc) or type(exc).__name__
        raise DatabaseUnavailable(
            f"cannot connect to the database {shown_url(project.settings.database.url)}: {reason}"
        ) from exc


def migrations_for(project: Project) -> Migrations:
    """Migrations live in ``migrations/<dialect>/``: aerich writes dialect-specific SQL."""
    location = project.settings.root / MIGRATIONS_DIR / project.settings.dialect
    config = tortoise_config(project.settings, project.models.module_name)
    return Migrations(config, location)


def add_commands(commands: Any) -> None:
    cmd = commands.add_parser("migrate", help="make, apply or inspect database migrations")
    sub = cmd.add_subparsers(dest="migrate_command", required=True, metavar="ACTION")
    make = sub.add_parser("make", help="write a migration for the schema changes since the last one")
    make.add_argument("name", help="short name, e.g. add_message_room")
    make.set_defaults(run=_make)
    up = sub.add_parser("up", help="apply pending migrations")
    up.add_argument("--allow-destructive", action="store_true", help="apply migrations that drop tables or columns")
    up.set_defaults(run=_up)
    status = sub.add_parser("status", help="list applied and pending migrations")
    status.set_defaults(run=_status)


def _shown(project: Project, migrations: Migrations) -> str:
    """The migration folder, relative to the project when possible."""
    try:
        return str(migrations.folder.relative_to(project.settings.root))
    except ValueError:
        return str(migrations.folder)


def _make(args: argparse.Namespace) -> int:
    project = load_project(args.project, "production")
    with database_errors(project, open_sqlite=False):
        migrations = migrations_for(project)
        written = asyncio.run(migrations.make(args.name))
    if written:
        print(f"wrote {_shown(project, migrations)}/{written}")
        print("apply it with `cms migrate up` (or `cms develop`); commit it with the schema change")
    else:
        print("no changes: the migrations match the content types")
    return 0


def _up(args: argparse.Namespace) -> int:
    project = load_project(args.project, "production")
    with database_errors(project):
        applied = asyncio.run(migrations_for(project).up(allow_destructive=args.allow_destructive))
    for name in applied:
        print(f"applied {name}")
    if not applied:
        print("nothing to apply: the database is up to date")
    return 0


def _status(args: argparse.Namespace) -> int:
    """Exit status 1 when the content types changed without a migration (for CI)."""
    project = load_project(args.project, "production")
    with database_errors(project):
        migrations = migrations_for(project)
        status = asyncio.run(migrations.status())
    print(f"migrations in {_shown(project, migrations)}/ ({project.settings.dialect}):")
    for name in status.applied:
        print(f"  applied   {name}")
    for name in status.pending:
        mark = "  (destructive: " + "; ".join(status.destructive[name]) + ")" if name in status.destructive else ""
        print(f"  pending   {name}{mark}")
    if not status.applied and not status.pending:
        print("  (none)")
    if status.models_changed:
        print("the content types changed since the last migration: run `cms migrate make <name>`")
        return 1
    if status.pending:
        print(f"{len(status.pending)} pending: run `cms migrate up`")
    else:
        print("up to date")
    return 0
