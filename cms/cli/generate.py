"""``cms generate content-type|component|plugin``: write skeletons into the project."""

from __future__ import annotations

import argparse
import tomllib
from typing import Any

from cms.cli import scaffold


class GenerateError(Exception):
    """The name is invalid or the target already exists."""


def add_commands(commands: Any) -> None:
    cmd = commands.add_parser("generate", help="write a content-type or plugin skeleton")
    sub = cmd.add_subparsers(dest="generate_command", required=True, metavar="WHAT")
    ct = sub.add_parser("content-type", help="content_types/<name>/schema.json")
    ct.add_argument("name", help="singular name, e.g. article or blog-post")
    ct.add_argument("--plural", help="plural name (default: English plural of name)")
    ct.set_defaults(run=content_type)
    component = sub.add_parser("component", help="components/<category>/<name>.json")
    component.add_argument("uid", help="<category>.<name>, e.g. shared.seo")
    component.set_defaults(run=component_file)
    plugin = sub.add_parser("plugin", help="plugins/<name>/ enabled in config/plugins.toml")
    plugin.add_argument("name", help="plugin name, e.g. audit_log")
    plugin.set_defaults(run=plugin_skeleton)


def content_type(args: argparse.Namespace) -> int:
    _check_name(args.name)
    if args.plural is not None:
        _check_name(args.plural)
        if scaffold.kebab(args.plural) == scaffold.kebab(args.name):
            raise GenerateError(f"the plural {args.plural!r} must differ from the singular name")
    folder = args.project / "content_types" / scaffold.snake(args.name)
    if folder.exists():
        raise GenerateError(f"{folder} already exists")
    folder.mkdir(parents=True)
    (folder / "schema.json").write_text(scaffold.content_type_schema(args.name, args.plural))
    print(f"wrote {folder / 'schema.json'}")
    return 0


def component_file(args: argparse.Namespace) -> int:
    """Write ``components/<category>/<name>.json`` in Strapi's component format."""
    category, dot, name = args.uid.partition(".")
    if not dot or not scaffold.is_valid_name(category) or not scaffold.is_valid_name(name) or "." in name:
        raise GenerateError(f"invalid component {args.uid!r}: use <category>.<name>, e.g. shared.seo "
                            "(lowercase letters, digits and -)")
    path = args.project / "components" / scaffold.kebab(category) / f"{scaffold.kebab(name)}.json"
    if path.exists():
        raise GenerateError(f"{path} already exists")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(scaffold.component_schema(scaffold.kebab(category), scaffold.kebab(name)))
    print(f"wrote {path}")
    return 0


def plugin_skeleton(args: argparse.Namespace) -> int:
    _check_name(args.name)
    name = scaffold.snake(args.name)
    folder = args.project / "plugins" / name
    if folder.exists():
        raise GenerateError(f"{folder} already exists")
    config = args.project / "config" / "plugins.toml"
    if config.exists():
        try:
            enabled = tomllib.loads(config.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise GenerateError(f"{config}: not valid TOML: {exc}") from exc
        if name in enabled:
            raise GenerateError(f'{config} already has a [{name}] table; pick another name')
    (folder / "content_types").mkdir(parents=True)
    (folder / "__init__.py").write_text(scaffold.plugin_init(name))
    (folder / "content_types" / ".keep").write_text("")
    config.parent.mkdir(parents=True, exist_ok=True)
    with config.open("a", encoding="utf-8") as handle:
        handle.write(f"\n[{name}]\nenabled = true\n")
    print(f"wrote {folder}/ and enabled it in {config}")
    return 0


def _check_name(name: str) -> None:
    if not scaffold.is_valid_name(name):
        raise GenerateError(f"invalid name {name!r}: use lowercase letters, digits, - or _, starting with a letter")
