"""``cms develop`` and ``cms start``: migrate, then serve the composite ASGI app."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import Any

from cms.app import Project, create_app, load_project
from cms.asgi import AccessLog, access_logger
from cms.cli.migrate import database_errors, migrations_for
from cms.config import ConfigError


def add_commands(commands: Any) -> None:
    for name, help_text in (
        ("develop", "serve in develop mode: generate and apply migrations for changed schemas"),
        ("start", "serve in production mode: apply committed migrations only"),
    ):
        cmd = commands.add_parser(name, help=help_text)
        cmd.add_argument("--host", help="interface to bind (default: server.host)")
        cmd.add_argument("--port", type=int, help="port to listen on (default: server.port)")
        cmd.add_argument("--allow-destructive", action="store_true",
                         help="apply migrations that drop tables or columns")
        cmd.set_defaults(run=develop if name == "develop" else start)


def develop(args: argparse.Namespace) -> int:
    project = load_project(args.project, "develop")
    with database_errors(project):
        applied = asyncio.run(migrations_for(project).sync(allow_destructive=args.allow_destructive))
    for name in applied:
        print(f"applied migration {name}", file=sys.stderr)
    return serve(project, args)


def start(args: argparse.Namespace) -> int:
    project = load_project(args.project, "production")
    with database_errors(project):
        migrations = migrations_for(project)
        status = asyncio.run(migrations.status())
    if status.models_changed:
        folder = migrations.folder.relative_to(project.settings.root)
        print(
            f"error: the content types differ from the migrations in {folder}/.\n"
            "Run `cms migrate make <name>` (or `cms develop`), commit the new file, then start again.",
            file=sys.stderr,
        )
        return 1
    with database_errors(project):
        applied = asyncio.run(migrations.up(allow_destructive=args.allow_destructive))
    for name in applied:
        print(f"applied migration {name}", file=sys.stderr)
    return serve(project, args)


def serve(project: Project, args: argparse.Namespace) -> int:
    """Run the app in this process with the ASGI server named by ``server.asgi_server``."""
    settings = project.settings
    host = args.host or settings.server.host
    port = args.port if args.port is not None else settings.server.port
    logging.basicConfig(level=settings.server.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    for chatty in ("sanic.root", "starlette_admin"):  # start-up banners, not news
        logging.getLogger(chatty).setLevel(logging.WARNING)
    app = create_app(project)
    if settings.server.asgi_server != "uvicorn":
        raise ConfigError(f'server "asgi_server": {settings.server.asgi_server!r} is not available in this install')
    import uvicorn

    from cms.server_protocol import HeaderDeadline

    asgi = app.asgi
    if settings.server.access_log:  # ours, not uvicorn's: that one logs query strings (tokens)
        asgi = AccessLog(asgi)
        access_logger.setLevel(logging.INFO)  # asked for explicitly: shown whatever log_level says
    config = uvicorn.Config(
        asgi, host=host, port=port, lifespan="on", ws="websockets-sansio",
        # uvicorn accepts permessage-deflate by default; see ServerSettings.ws_per_message_deflate
        ws_per_message_deflate=settings.server.ws_per_message_deflate,
        # no websocket-level pings: Engine.IO sends its own heartbeat on every socket, and
        # uvicorn's would add a timer per connection and a second ping for nothing
        ws_ping_interval=None, ws_ping_timeout=None,
        # the client address comes from X-Forwarded-For only when sent by a configured proxy
        proxy_headers=bool(settings.server.trusted_proxies),
        forwarded_allow_ips=",".join(settings.server.trusted_proxies) or None,
        log_level=settings.server.log_level, access_log=False, server_header=False,
        http=HeaderDeadline.with_timeout(settings.server.header_timeout),
    )
    print(f"serving {settings.mode} on http://{host}:{port}", file=sys.stderr)
    uvicorn.Server(config).run()
    return 0
