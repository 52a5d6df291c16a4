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
from cms.content.components import check_components, component_sources, parse_component, resolve_targets
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
    #: a component file (``components/<category>/<name>.json``), not a content type
    component: bool = False


def discover(content_dir: Path, plugin_dirs: dict[str, Path] | None = None) -> list[SchemaSource]:
    """Every ``<dir>/<name>/schema.json`` of the app and of each plugin, sorted by path, then
    their components: ``components/<category>/<name>.json`` beside ``content_dir`` (the project
    root, as Strapi's ``src/components``) and in each plugin's folder."""
    sources = [SchemaSource(p) for p in sorted(content_dir.glob(f"*/{SCHEMA_FILE}"))]
    for plugin, directory in (plugin_dirs or {}).items():
        sources += [
            SchemaSource(p, plugin)
            for p in sorted((directory / "content_types").glob(f"*/{SCHEMA_FILE}"))
        ]
    sources += [SchemaSource(p, component=True) for p in component_sources(content_dir.parent / "components")]
    for plugin, directory in (plugin_dirs or {}).items():
        sources += [SchemaSource(p, plugin, component=True) for p in component_sources(directory / "components")]
    return sources


def load_registry(sources: list[SchemaSource], root: Path | None = None) -> Registry:
    """Parse and check every source; raise :class:`SchemaError` listing all problems.

    ``root`` only shortens file names in messages (paths relative to the project).
    """
    problems: list[Problem] = []
    types: list[ContentType] = []
    components: dict[str, ContentType] = {}
    for source in sources:
        shown = _display_path(source.path, root)
        if source.component:
            ct, found = parse_component(source.path, shown, source.plugin)
            if ct is not None and ct.uid in components:
                found = [*found, Problem(shown, f'component "{ct.uid}" is already defined by {components[ct.uid].label}')]
            elif ct is not None:
                components[ct.uid] = ct
            problems += found
            continue
        ct, found = parse_schema(source, shown)
        problems += found
        if ct is not None:
            types.append(ct)
    checked, found = check_types(types)
    problems += found
    problems += check_components(checked, components)
    by_uid = Registry(checked)
    resolved = {}
    for uid, component in components.items():
        resolved[uid], found = resolve_targets(component, {t: by_uid.get(t) for t in _targets(component) if t in by_uid})
        problems += found
    if problems:
        raise SchemaError(problems)
    return Registry(checked, resolved.values())


def _targets(component: ContentType) -> set[str]:
    return {a.target for a in component.attributes.values() if a.target}


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

    indexes, unique_indexes = _parse_indexes(options.get("indexes", []), raw_attributes, bad)

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
        unique_indexes=unique_indexes,
        aliases=tuple(aliases),
        options=options,
        plugin_options=plugin_options,
    ), problems


_INDEX_KEYS = frozenset({"columns", "unique"})
_SYSTEM_FIELDS = frozenset({"id", "documentId", "createdAt", "updatedAt", "publishedAt"})


def _parse_indexes(
    value: Any, attributes: dict[str, Any], bad: Any
) -> tuple[tuple[tuple[str, ...], ...], tuple[tuple[str, ...], ...]]:
    """``options.indexes`` → (every index's attribute names, those of the unique ones).

    An entry is a list of attribute names (``["room", "createdAt"]``) or an
    object ``{"columns": [...], "unique": true}``. A unique index lets any
    number of rows hold NULL in one of its columns (SQL's rule, on SQLite and
    PostgreSQL alike). Index names are derived from the table and columns by the
    ORM (its migrations tell indexes apart by them), so an entry cannot name one.
    """
    if not isinstance(value, list):
        bad('"options.indexes" must be a list of attribute-name lists or {"columns": [...], "unique": true} objects')
        return (), ()
    indexes: dict[tuple[str, ...], int] = {}  # attribute names → entry number
    unique: list[tuple[str, ...]] = []
    for number, entry in enumerate(value, start=1):
        where = f'"options.indexes" entry {number} ({json.dumps(entry)})'
        columns, is_unique = entry, False
        if isinstance(entry, dict):
            for key in entry:
                if key == "name":
                    bad(f'{where}: "name" is not supported: index names are derived from the table and columns')
                elif key not in _INDEX_KEYS:
                    bad(f'{where}: unknown key "{key}" (known keys: columns, unique)')
            if "columns" not in entry:
                bad(f'{where}: missing "columns" (a non-empty list of attribute names)')
                continue
            columns, is_unique = entry["columns"], entry.get("unique", False)
            if not isinstance(is_unique, bool):
                bad(f'{where}: "unique" must be true or false, not {json.dumps(is_unique)}')
                continue
        if not isinstance(columns, list) or not columns or not all(isinstance(n, str) for n in columns):
            bad(f"{where} must be a non-empty list of attribute names, "
                'or an object {"columns": [...], "unique": true}')
            continue
        names = tuple(columns)
        usable = True
        for name in names:
            raw = attributes.get(name)
            if name in _SYSTEM_FIELDS:
                continue
            if raw is None:
                bad(f'"options.indexes" names unknown attribute "{name}" (entry {number})')
                usable = False
            elif isinstance(raw, dict) and raw.get("type") == "relation" and str(
                raw.get("relation", "")
            ) not in ("manyToOne", "oneWay", "oneToOne"):
                bad(f'"options.indexes" can only use columns; "{name}" is a to-many relation (entry {number})')
                usable = False
        if len(set(names)) != len(names):
            bad(f"{where}: names an attribute twice")
            usable = False
        if names in indexes:
            bad(f"{where}: the same columns as entry {indexes[names]}; "
                "declare each index once (a unique index also serves lookups)")
            usable = False
        if not usable:
            continue
        indexes[names] = number
        if is_unique:
            unique.append(names)
    return tuple(indexes), tuple(unique)


def _display_path(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    return str(path)
