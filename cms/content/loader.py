"""Reading schema.json files into :class:`ContentType` objects.

Each file is parsed on its own (:func:`parse_schema`), then
:func:`cms.content.checks.check_types` looks across files (relation targets,
inverse sides, duplicate names). Every problem is collected; start-up stops
with all of them at once.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cms.content.attributes import Attribute, parse_attribute
from cms.content.checks import check_types
from cms.content.problems import Problem, SchemaError
from cms.content.registry import Registry
from cms.content.schema import ContentType

SCHEMA_FILE = "schema.json"
_KEBAB = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_TABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TOP_LEVEL_KEYS = frozenset(
    {"kind", "collectionName", "info", "options", "pluginOptions", "attributes", "$schema"}
)


@dataclass(frozen=True)
class SchemaSource:
    """Where a schema.json lives and whose it is (the app's or a plugin's)."""

    path: Path
    plugin: str | None = None


def discover(content_dir: Path, plugin_dirs: dict[str, Path] | None = None) -> list[SchemaSource]:
    """Every ``<dir>/<name>/schema.json`` of the app and of each plugin, sorted by path."""
    sources = [SchemaSource(p) for p in sorted(content_dir.glob(f"*/{SCHEMA_FILE}"))]
    for plugin, directory in (plugin_dirs or {}).items():
        sources += [
            SchemaSource(p, plugin)
            for p in sorted((directory / "content_types").glob(f"*/{SCHEMA_FILE}"))
        ]
    return sources


def load_registry(sources: list[SchemaSource], root: Path | None = None) -> Registry:
    """Parse and check every source; raise :class:`SchemaError` listing all problems.

    ``root`` only shortens file names in messages (paths relative to the project).
    """
    problems: list[Problem] = []
    types: list[ContentType] = []
    for source in sources:
        ct, found = parse_schema(source, _display_path(source.path, root))
        problems += found
        if ct is not None:
            types.append(ct)
    checked, found = check_types(types)
    problems += found
    if problems:
        raise SchemaError(problems)
    return Registry(checked)


def parse_schema(source: SchemaSource, shown: str | Path) -> tuple[ContentType | None, list[Problem]]:
    """One file → one ContentType, or the problems that prevent it."""
    try:
        raw = json.loads(source.path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        return None, [Problem(shown, f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(shown, f"cannot be read: {exc}")]
    if not isinstance(raw, dict):
        return None, [Problem(shown, "must contain a JSON object")]

    problems: list[Problem] = []

    def bad(message: str) -> None:
        problems.append(Problem(shown, message))

    for key in raw:
        if key not in _TOP_LEVEL_KEYS:
            bad(f'unknown top-level key "{key}"')
    kind = raw.get("kind", "collectionType")
    if kind not in ("collectionType", "singleType"):
        bad(f'"kind" must be "collectionType" or "singleType", not {kind!r}')
    info = raw.get("info")
    if not isinstance(info, dict):
        bad('missing "info" object (with singularName, pluralName, displayName)')
        info = {}
    names: dict[str, str] = {}
    for key in ("singularName", "pluralName"):
        value = info.get(key)
        if not isinstance(value, str) or not value:
            bad(f'missing "info.{key}"')
        elif not _KEBAB.match(value):
            bad(f'"info.{key}" must be kebab-case (lowercase letters, digits and dashes), not {value!r}')
        else:
            names[key] = value
    if names.get("singularName") and names.get("singularName") == names.get("pluralName"):
        bad('"info.singularName" and "info.pluralName" must differ')
    display_name = info.get("displayName", names.get("singularName", ""))
    if not isinstance(display_name, str):
        bad('"info.displayName" must be a string')

    options = raw.get("options", {})
    if not isinstance(options, dict):
        bad('"options" must be an object')
        options = {}
    plugin_options = raw.get("pluginOptions", {})
    if not isinstance(plugin_options, dict):
        bad('"pluginOptions" must be an object')
        plugin_options = {}
    private_names = options.get("privateAttributes", [])
    if not isinstance(private_names, list) or not all(isinstance(n, str) for n in private_names):
        bad('"options.privateAttributes" must be a list of attribute names')
        private_names = []
    aliases = options.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) and "::" in a for a in aliases):
        bad('"options.aliases" must be a list of UIDs such as "plugin::users-permissions.user"')
        aliases = []

    attributes: dict[str, Attribute] = {}
    raw_attributes = raw.get("attributes")
    if not isinstance(raw_attributes, dict):
        bad('missing "attributes" object')
        raw_attributes = {}
    for attr_name, attr_raw in raw_attributes.items():
        attribute, found = parse_attribute(attr_name, attr_raw, shown, frozenset(private_names))
        problems += found
        if attribute is not None:
            attributes[attr_name] = attribute
    for name in private_names:
        if name not in raw_attributes:
            bad(f'"options.privateAttributes" names unknown attribute "{name}"')

    indexes = _parse_indexes(options.get("indexes", []), raw_attributes, bad)

    collection_name = raw.get("collectionName") or names.get("pluralName", "").replace("-", "_")
    if collection_name and not (isinstance(collection_name, str) and _TABLE.match(collection_name)):
        bad(f'"collectionName" must be a valid table name (letters, digits, underscores), not {collection_name!r}')

    if len(names) < 2 or not collection_name or kind not in ("collectionType", "singleType"):
        return None, problems
    # With only attribute-level problems the type is still returned (without the
    # broken attributes) so that cross-type checks can report their findings too.
    singular = names["singularName"]
    # plugin packages are snake_case, UIDs kebab-case as in Strapi (plugin::users-permissions.role)
    uid = f"plugin::{source.plugin.replace('_', '-')}.{singular}" if source.plugin else f"api::{singular}.{singular}"
    return ContentType(
        uid=uid,
        kind=kind,
        collection_name=collection_name,
        singular_name=singular,
        plural_name=names["pluralName"],
        display_name=display_name,
        description=str(info.get("description", "")),
        attributes=attributes,
        source=source.path,
        label=str(shown),
        plugin=source.plugin,
        draft_and_publish=bool(options.get("draftAndPublish", False)),
        indexes=indexes,
        aliases=tuple(aliases),
        options=options,
        plugin_options=plugin_options,
    ), problems


def _parse_indexes(value: Any, attributes: dict[str, Any], bad: Any) -> tuple[tuple[str, ...], ...]:
    """``options.indexes``: a list of attribute-name lists, e.g. ``[["room", "createdAt"]]``."""
    if not isinstance(value, list):
        bad('"options.indexes" must be a list of attribute-name lists')
        return ()
    indexes = []
    for entry in value:
        if not isinstance(entry, list) or not entry or not all(isinstance(n, str) for n in entry):
            bad(f'"options.indexes" entry {entry!r} must be a non-empty list of attribute names')
            continue
        for name in entry:
            raw = attributes.get(name)
            if name in ("id", "documentId", "createdAt", "updatedAt", "publishedAt"):
                continue
            if raw is None:
                bad(f'"options.indexes" names unknown attribute "{name}"')
            elif isinstance(raw, dict) and raw.get("type") == "relation" and str(
                raw.get("relation", "")
            ) not in ("manyToOne", "oneWay", "oneToOne"):
                bad(f'"options.indexes" can only use columns; "{name}" is a to-many relation')
        indexes.append(tuple(entry))
    return tuple(indexes)


def _display_path(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    return str(path)
