"""``cms``: the command line, working on the project in the current directory.

One sub-module per command family; this file only wires argparse to them and
turns the framework's user-facing errors into a message and exit status 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cms.cli import generate, migrate, project, serve
from cms.config import ConfigError, load_settings
from cms.content import SchemaError
from cms.models.migrations import MigrationError
from cms.plugins import load_plugins


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cms", description="A headless CMS with Strapi's REST contract.")
    parser.add_argument("--project", type=Path, default=Path("."), help="project directory (default: current)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve.add_commands(commands)
    migrate.add_commands(commands)
    generate.add_commands(commands)
    project.add_commands(commands)
    _plugin_commands(parser, commands)
    return parser


def _plugin_commands(parser: argparse.ArgumentParser, commands: Any) -> None:
    """Enabled plugins add their own commands (``cms users create``, ``cms api-token create``)."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--project", type=Path, default=Path("."))
    known, _ = pre.parse_known_args()
    try:
        plugins = load_plugins(load_settings(known.project.resolve(), "production"))
    except Exception:  # noqa: BLE001 - a broken project still gets the core commands, which report it
        return
    for loaded in plugins:
        loaded.plugin.add_commands(commands)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except (SchemaError, ConfigError, MigrationError, migrate.DatabaseUnavailable, generate.GenerateError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
