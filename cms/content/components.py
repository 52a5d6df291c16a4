"""Components: ``components/<category>/<name>.json`` → :class:`ContentType` objects of kind ``component``.

A Strapi project's ``src/components`` folder loads unchanged: the UID is
``<category>.<name>`` (``shared.seo``), the file is Strapi's component format
(``collectionName``, ``info.displayName``, ``options``, ``attributes``).
A component is parsed into the same :class:`ContentType` as a content type so
that every consumer that walks attributes (validation, the query parsers, the
OpenAPI builder) walks a component's with the same code; it is kept apart in
:attr:`Registry.components` because it has no table and no route of its own
(its values live inside its owner's row, see :mod:`cms.models.components`).

What Strapi forbids is refused here, with the file and the attribute: a
dynamic zone inside a component, a component that contains itself (directly
or through others), a relation with an inverse side inside a component (its
links are stored in the owner's JSON, which no other table can see).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from cms.content.attributes import Attribute, parse_attribute
from cms.content.problems import Problem
from cms.content.schema import ContentType

_KEBAB = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_TOP_LEVEL_KEYS = frozenset(
    {"collectionName", "info", "options", "pluginOptions", "attributes", "$schema", "uid", "category", "config"}
)


def component_sources(root: Path) -> list[Path]:
    """Every ``<root>/<category>/<name>.json``, sorted."""
    return sorted(root.glob("*/*.json")) if root.is_dir() else []


def parse_component(path: Path, shown: str, plugin: str | None = None) -> tuple[ContentType | None, list[Problem]]:
    """One component file → a ``component`` :class:`ContentType`, or the problems that prevent it."""
    category, name = path.parent.name, path.stem
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        return None, [Problem(shown, f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(shown, f"cannot be read: {exc}")]
    if not isinstance(raw, dict):
        return None, [Problem(shown, "must contain a JSON object")]
    problems: list[Problem] = []

    def bad(message: str, attribute: str | None = None) -> None:
        problems.append(Problem(shown, message, attribute))

    for part, what in ((category, "category folder"), (name, "file name")):
        if not _KEBAB.match(part):
            bad(f"the {what} {part!r} must be kebab-case (it makes the UID <category>.<name>)")
    for key in raw:
        if key not in _TOP_LEVEL_KEYS:
            bad(f'unknown top-level key "{key}"')
    info = raw.get("info", {})
    if not isinstance(info, dict):
        bad('"info" must be an object (with displayName)')
        info = {}
    display_name = info.get("displayName", name)
    if not isinstance(display_name, str):
        bad('"info.displayName" must be a string')
        display_name = name
    options = raw.get("options", {})
    if not isinstance(options, dict):
        bad('"options" must be an object')
        options = {}
    collection_name = raw.get("collectionName") or f"components_{category}_{name}".replace("-", "_")
    if not isinstance(collection_name, str):
        bad('"collectionName" must be a string')
        collection_name = ""
    attributes: dict[str, Attribute] = {}
    raw_attributes = raw.get("attributes")
    if not isinstance(raw_attributes, dict):
        bad('missing "attributes" object')
        raw_attributes = {}
    for attr_name, attr_raw in raw_attributes.items():
        if attr_name in ("id", "__component"):
            bad("name is reserved inside a component", attr_name)
            continue
        attribute, found = parse_attribute(attr_name, attr_raw, shown)
        problems += found
        if attribute is None:
            continue
        if attribute.type == "dynamiczone":
            bad("a dynamic zone cannot be inside a component (Strapi forbids it)", attr_name)
            continue
        if attribute.inversed_by or attribute.mapped_by:
            bad("a relation inside a component is one-way: it cannot have inversedBy or mappedBy", attr_name)
            continue
        attributes[attr_name] = attribute
    if not (_KEBAB.match(category) and _KEBAB.match(name)):
        return None, problems
    return ContentType(
        uid=f"{category}.{name}", kind="component", collection_name=collection_name,
        singular_name=name, plural_name=name, display_name=display_name,
        description=str(info.get("description", "")), attributes=attributes, source=path,
        label=shown, plugin=plugin, options=options,
    ), problems


def check_components(types: list[ContentType], components: dict[str, ContentType]) -> list[Problem]:
    """Every component named exists; no component contains itself, directly or not."""
    problems: list[Problem] = []
    for owner in [*types, *components.values()]:
        for attr in owner.component_attributes():
            for uid in (attr.component,) if attr.component else attr.components:
                if uid not in components:
                    known = ", ".join(sorted(components)) or "none"
                    problems.append(Problem(owner.label, f'component "{uid}" does not exist (known components: {known})', attr.name))
    for uid, component in components.items():
        cycle = _cycle(uid, components, [uid])
        if cycle:
            problems.append(Problem(component.label, "components cannot contain themselves: " + " → ".join(cycle)))
    return problems


def _cycle(start: str, components: dict[str, ContentType], path: list[str]) -> list[str] | None:
    component = components.get(path[-1])
    if component is None:
        return None
    for attr in component.component_attributes():
        if attr.component is None:
            continue
        if attr.component == start:
            return [*path, start]
        if attr.component not in path:
            found = _cycle(start, components, [*path, attr.component])
            if found:
                return found
    return None


def resolve_targets(component: ContentType, by_uid: dict[str, ContentType]) -> tuple[ContentType, list[Problem]]:
    """Relation and media targets inside ``component`` settled to canonical UIDs (as for types)."""
    problems: list[Problem] = []
    attributes: dict[str, Attribute] = {}
    for attr in component.attributes.values():
        if attr.target is not None:
            target = by_uid.get(attr.target)
            if target is None:
                message = ("media attributes need the upload plugin, which is not installed" if attr.type == "media"
                           else f'relation target "{attr.target}" does not exist')
                problems.append(Problem(component.label, message, attr.name))
            else:
                attr = replace(attr, target=target.uid)
        attributes[attr.name] = attr
    return replace(component, attributes=attributes), problems
