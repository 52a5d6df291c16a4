"""``cms migrate make|up|status``: migrations of the project's database dialect."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from cms.app import Project, load_project
from cms.database import tortoise_config
from cms.models.migrations import Migrations

MIGRATIONS_DIR = "migrations"


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


def _make(args: argparse.Namespace) -> int:
    project = load_project(args.project, "production")
    written = asyncio.run(migrations_for(project).make(args.name))
    print(f"wrote {written}" if written else "no changes: the migrations match the content types")
    return 0


def _up(args: argparse.Namespace) -> int:
    project = load_project(args.project, "production")
    applied = asyncio.run(migrations_for(project).up(allow_destructive=args.allow_destructive))
    for name in applied:
        print(f"applied {name}")
    if not applied:
        print("nothing to apply")
    return 0


def _status(args: argparse.Namespace) -> int:
    project = load_project(args.project, "production")
    status = asyncio.run(migrations_for(project).status())
    for name in status.applied:
        print(f"applied   {name}")
    for name in status.pending:
        mark = "  (destructive: " + "; ".join(status.destructive[name]) + ")" if name in status.destructive else ""
        print(f"pending   {name}{mark}")
    if status.models_changed:
        print("the content types changed since the last migration: run `cms migrate make <name>`")
    return 1 if status.models_changed else 0
