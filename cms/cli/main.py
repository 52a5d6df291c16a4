"""``cms``: the command line, working on the project in the current directory.

One sub-module per command family; this file only wires argparse to them and
turns the framework's user-facing errors into a message and exit status 1.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cms.cli import generate, migrate, project, serve
from cms.config import ConfigError, load_settings
from cms.content import SchemaError
from cms.models.migrations import MigrationError
from cms.plugins import load_plugins


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The ``cms`` parser; ``argv`` (default: ``sys.argv``) says which project's plugins add commands."""
    parser = argparse.ArgumentParser(prog="cms", description="A headless CMS with Strapi's REST contract.")
    parser.add_argument("--project", type=Path, default=Path("."), help="project directory (default: current)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve.add_commands(commands)
    migrate.add_commands(commands)
    generate.add_commands(commands)
    project.add_commands(commands)
    _plugin_commands(commands, argv, core=set(commands.choices))
    return parser


def _plugin_commands(commands: Any, argv: Sequence[str] | None, core: set[str]) -> None:
    """Enabled plugins add their own commands (``cms users create``, ``cms api-token create``).

    Skipped for the core commands, which need no plugin loaded to be parsed.
    """
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--project", type=Path, default=Path("."))
    pre.add_argument("command", nargs="?")
    known, _ = pre.parse_known_args(argv)
    if known.command in core:
        return
    root = known.project.resolve()
    if not (root / "config" / "plugins.toml").is_file():  # not a project (e.g. `cms new` elsewhere)
        return
    try:
        # reading only: `cms --help` or `cms new` must not write secrets into the folder
        plugins = load_plugins(load_settings(root, "production", write_secrets=False))
    except Exception:  # noqa: BLE001 - a broken project still gets the core commands, which report it
        return
    for loaded in plugins:
        loaded.plugin.add_commands(commands)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser(argv).parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except (SchemaError, ConfigError, MigrationError, migrate.DatabaseUnavailable, generate.GenerateError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `cms routes | head`: the reader left; stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
