"""``cms users create`` and ``cms api-token create``: accounts and tokens for scripts and tests."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import TYPE_CHECKING, Any

from cms.cli.context import with_app
from cms.errors import ApplicationError
from plugins.users_permissions.tokens import hash_api_token, new_api_token

if TYPE_CHECKING:
    from cms.app import CMS

TOKEN = "plugin::users-permissions.api-token"


def add_commands(commands: Any) -> None:
    users = commands.add_parser("users", help="manage registered users")
    users_sub = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    create = users_sub.add_parser("create", help="create a registered user")
    create.add_argument("--username", required=True)
    create.add_argument("--email", required=True)
    create.add_argument("--password", required=True)
    create.add_argument("--role", default=None, help="role type (default: the configured default role)")
    create.set_defaults(run=_create_user)

    tokens = commands.add_parser("api-token", help="manage API tokens")
    tokens_sub = tokens.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    token = tokens_sub.add_parser("create", help="create an API token; prints it alone on the last line")
    token.add_argument("--name", required=True)
    token.add_argument("--type", required=True, choices=["read-only", "full-access", "custom"])
    token.add_argument("--actions", nargs="*", default=[], help="actions of a custom token")
    token.add_argument("--description", default="")
    token.add_argument("--days", type=int, default=None, help="expire after this many days (default: never)")
    token.set_defaults(run=_create_token)


def _create_user(args: argparse.Namespace) -> int:
    async def run(app: CMS) -> None:
        up = next(p.plugin for p in app.plugins if p.name == "users_permissions")
        role_type = args.role or up.config.default_role  # type: ignore[attr-defined]
        role_id = up.engine.role_id(role_type)  # type: ignore[attr-defined]
        if role_id is None:
            raise ApplicationError(f"no role of type {role_type!r}")
        user_id = await up.accounts.register(args.username, args.email, args.password, role_id)  # type: ignore[attr-defined]
        print(f"created user {args.username} (id {user_id}, role {role_type})")

    return _run(args, run)


def _create_token(args: argparse.Namespace) -> int:
    if args.type == "custom" and not args.actions:
        print("error: a custom token needs --actions", file=sys.stderr)
        return 1
    if args.days is not None and args.days < 1:  # 0 made a token that never expires
        print("error: --days must be at least 1 (leave it out for a token that never expires)", file=sys.stderr)
        return 1

    async def run(app: CMS) -> None:
        unknown = [a for a in args.actions if a not in app.actions]
        if unknown:
            raise ApplicationError(f"unknown actions: {', '.join(unknown)}")
        if await app.models[TOKEN].filter(name=args.name).exists():  # names are unique: say so, no traceback
            raise ApplicationError(f"an API token named {args.name!r} already exists")
        token = new_api_token()
        expires = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=args.days) if args.days is not None else None
        await app.models[TOKEN].create(
            name=args.name, description=args.description, type=args.type, actions=args.actions or None,
            accessKey=hash_api_token(token, app.settings.secrets.api_token_salt), expiresAt=expires,
        )
        print(f"API token {args.name!r} ({args.type}) created; it is shown only once:")
        print(token)

    return _run(args, run)


def _run(args: argparse.Namespace, action: Any) -> int:
    try:
        with_app(args, action)
    except ApplicationError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    return 0
