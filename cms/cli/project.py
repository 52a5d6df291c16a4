"""``cms new`` (a project with the standard plugins) and ``cms routes`` (what the project serves)."""

from __future__ import annotations

import argparse
import importlib.util
import shutil
from pathlib import Path
from typing import Any

from cms.app import create_app, load_project
from cms.cli import scaffold
from cms.cli.generate import GenerateError


def add_commands(commands: Any) -> None:
    new = commands.add_parser("new", help="create a project with the standard plugins (users_permissions, upload, admin)")
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
    for name in scaffold.STANDARD_PLUGINS:
        _copy_starter(name, target)
    print(f"created {target} with the plugins {', '.join(scaffold.STANDARD_PLUGINS)}; "
          f"next: cd {target} && cms generate content-type article && cms develop")
    return 0


def _copy_starter(plugin: str, target: Path) -> None:
    """The files plugin ``plugin`` ships for new projects (its ``starter/`` folder), found
    without importing it (the core imports no plugin). A file already there is kept."""
    spec = importlib.util.find_spec(f"plugins.{plugin}") if plugin != "admin" else importlib.util.find_spec(plugin)
    if spec is None or not spec.submodule_search_locations:
        return
    starter = Path(next(iter(spec.submodule_search_locations))) / "starter"
    for source in sorted(starter.rglob("*")) if starter.is_dir() else []:
        path = target / source.relative_to(starter)
        if source.is_file() and not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, path)


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
