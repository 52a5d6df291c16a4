"""``cms new`` (an empty project) and ``cms routes`` (what the project serves)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from cms.app import create_app, load_project
from cms.cli import scaffold
from cms.cli.generate import GenerateError


def add_commands(commands: Any) -> None:
    new = commands.add_parser("new", help="create an empty project")
    new.add_argument("directory", type=Path)
    new.set_defaults(run=new_project)
    routes = commands.add_parser("routes", help="list HTTP routes, mounts and the Socket.IO path")
    routes.set_defaults(run=list_routes)


def new_project(args: argparse.Namespace) -> int:
    target: Path = args.directory
    if target.exists() and any(target.iterdir()):
        raise GenerateError(f"{target} exists and is not empty")
    for relative, body in scaffold.PROJECT_FILES.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body)
    print(f"created {target}; next: cd {target} && cms generate content-type article && cms develop")
    return 0


def list_routes(args: argparse.Namespace) -> int:
    app = create_app(load_project(args.project, "develop"))
    rows = []
    for route in app.sanic.router.routes:
        methods = ",".join(sorted(route.methods))
        rows.append((f"/{route.path}".replace("//", "/"), methods, route.name.split(".")[-1]))
    for prefix in app.mounted_prefixes():
        rows.append((f"{prefix}/...", "*", "mounted ASGI app"))
    rows.append(("/socket.io/", "*", "Socket.IO"))
    width = max(len(r[0]) for r in rows)
    for path, methods, name in sorted(rows):
        print(f"{path:<{width}}  {methods:<18} {name}")
    return 0
