"""``cms admin create-user``: the first (or any) admin user, from the command line.

The command line belongs to the core (``cms/cli``), which imports no plugin;
:meth:`admin.plugin.AdminPlugin.add_commands` adds the sub-command through the
plugin hook, and it runs through ``cms.cli.context.with_app``;
:func:`create_user` does the same for scripts and tests:

    cms admin create-user --username alice --role super-admin   # asks for the password

The database must be migrated (``cms develop`` once, or ``cms migrate up``).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from pathlib import Path
from typing import Any

from admin.auth import ROLES, SUPER_ADMIN
from admin.setup import create_admin
from cms.errors import ApplicationError


def create_user(app_or_project: Any, username: str, password: str, role: str = SUPER_ADMIN,
                email: str | None = None) -> dict[str, Any]:
    """Create an admin user in the project's database; returns it (without the password).

    ``app_or_project`` is a :class:`cms.app.CMS`, a :class:`cms.app.Project`, or
    a project directory. Raises :class:`cms.errors.ValidationError` (the
    schema's messages: unique username, password length, role).
    """
    return asyncio.run(create_user_async(app_or_project, username, password, role, email))


async def create_user_async(app_or_project: Any, username: str, password: str, role: str = SUPER_ADMIN,
                            email: str | None = None) -> dict[str, Any]:
    from cms.app import CMS, Project, create_app, load_project

    if isinstance(app_or_project, CMS):
        return await create_admin(app_or_project, username, password, role, email)
    project = app_or_project if isinstance(app_or_project, Project) else load_project(Path(app_or_project), "production")
    app = create_app(project)
    await app.open_database()
    try:
        return await create_admin(app, username, password, role, email)
    finally:
        await app.close_database()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--username", required=True)
    parser.add_argument("--email")
    parser.add_argument("--role", choices=ROLES, default=SUPER_ADMIN)
    parser.add_argument("--password", help="default: $CMS_ADMIN_PASSWORD, else asked for (not echoed)")


def run(args: argparse.Namespace) -> int:
    """``cms admin create-user`` (``args.project`` is the project directory)."""
    from cms.cli.context import with_app

    password = args.password or os.environ.get("CMS_ADMIN_PASSWORD") or getpass.getpass("Password: ")
    try:
        user = with_app(args, lambda app: create_admin(app, args.username, password, args.role, args.email))
    except ApplicationError as exc:
        problems = [f"{'.'.join(map(str, e['path']))}: {e.get('message')}" if e.get("path") else e.get("message")
                    for e in exc.details.get("errors") or []] or [exc.message]
        print("error: " + "; ".join(str(p) for p in problems), file=sys.stderr)
        return 1
    print(f"created admin user {user['username']} ({user['role']}), id {user['id']}")
    return 0
