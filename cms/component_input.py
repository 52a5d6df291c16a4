"""Validating written component and dynamic-zone values, with paths into them.

Strapi v5's write shapes: ``{"seo": {...}}`` (a component), ``{"faqs": [{...}]}``
(repeatable), ``{"blocks": [{"__component": "shared.quote", ...}]}`` (a dynamic
zone). Every error carries its path into the value (``["blocks", 1, "title"]``),
as Strapi's ``error.details.errors[].path`` does, and all errors are reported
at once with those of the other attributes.

The result is the value to store, in JSON form (dates as ISO text, decimals as
numbers), except relations and media inside, which stay
:class:`~cms.validation.RelationWrite` until the document service resolves
them to row ids (a missing entry is a 400 there). An item's ``id`` is kept as
given: it names the stored item to update (:mod:`cms.models.components`).

Decisions: an item sent with an ``id`` is a partial update of that item
(absent fields keep their value, required ones are not demanded); an item
without one is new (defaults filled, required fields demanded). ``min`` is
enforced when the list is required or not empty, as Strapi does; ``max``
always. An unknown key inside an item is an error at its path.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cms.content import Attribute, ContentType
from cms.validation import _INVALID, RelationWrite, _Errors, _relation, _scalar

#: keys an item may carry besides its attributes
_ITEM_KEYS = frozenset({"id", "__component"})


def component_value(attr: Attribute, value: Any, path: list[str | int], errors: _Errors,
                    components: Mapping[str, ContentType]) -> Any:
    """The clean value of component attribute ``attr`` (None, an item, or a list of items)."""
    name = attr.name
    if value is None:
        if attr.required:
            errors.add(path, f"{name} must be defined.", value)
            return _INVALID
        return [] if attr.is_list else None
    if not attr.is_list:
        if not isinstance(value, dict):
            errors.add(path, f"{name} must be an object", value)
            return _INVALID
        return _item(components[attr.component or ""], value, path, errors, components)
    if not isinstance(value, list):
        errors.add(path, f"{name} must be an array", value)
        return _INVALID
    count = len(value)
    if attr.max is not None and count > attr.max:
        errors.add(path, f"{name} must have at most {int(attr.max)} items", value)
    if attr.min is not None and count < attr.min and (attr.required or count > 0):
        errors.add(path, f"{name} must have at least {int(attr.min)} items", value)
    items = []
    for index, item in enumerate(value):
        where = [*path, index]
        if not isinstance(item, dict):
            errors.add(where, f"{name}[{index}] must be an object", item)
            continue
        if attr.type == "dynamiczone":
            uid = item.get("__component")
            if not isinstance(uid, str) or uid not in attr.components:
                allowed = ", ".join(attr.components)
                errors.add([*where, "__component"],
                           f"__component must be one of the following values: {allowed}", uid)
                continue
            component = components[uid]
        else:
            component = components[attr.component or ""]
        items.append(_item(component, item, where, errors, components))
    return items


def _item(component: ContentType, value: dict[str, Any], path: list[str | int], errors: _Errors,
          components: Mapping[str, ContentType]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    if "__component" in value:
        clean["__component"] = component.uid
    item_id = value.get("id")
    if item_id is not None:
        if isinstance(item_id, bool) or not isinstance(item_id, int) or item_id <= 0:
            errors.add([*path, "id"], "id must be a positive integer", item_id)
        else:
            clean["id"] = item_id
    for key, field_value in value.items():
        if key in _ITEM_KEYS:
            continue
        attr = component.attributes.get(key)
        where = [*path, key]
        if attr is None:
            errors.add(where, f"Invalid key {key}", field_value)
            continue
        if not attr.writable:
            continue
        if attr.is_component:
            converted = component_value(attr, field_value, where, errors, components)
        elif attr.is_relation:
            write = _relation(attr, field_value, errors, where)
            converted = _INVALID if write is None else InnerRelation(attr.target or "", attr.is_to_many, write, where)
        elif field_value is None:
            if attr.required:
                errors.add(where, f"{key} must be defined.", None)
            converted = _INVALID if attr.required else None
        else:
            before = len(errors.items)
            converted = _json_form(_scalar(attr, field_value, errors, where))
            if attr.hidden:
                for error in errors.items[before:]:
                    error["value"] = None
        if converted is not _INVALID:
            clean[key] = converted
    if "id" not in clean:  # a new item: defaults, and every required field
        for attr in component.attributes.values():
            if attr.name in value:
                continue
            if attr.is_scalar and attr.default is not None:
                clean[attr.name] = _json_form(_scalar(attr, attr.default, errors, [*path, attr.name]))
            elif attr.required:
                errors.add([*path, attr.name], f"{attr.name} must be defined.")
    return clean


def _json_form(value: Any) -> Any:
    """A validated Python value as it is stored in JSON (and shown in documents)."""
    if isinstance(value, dt.datetime):
        value = value.astimezone(dt.timezone.utc)
        return f"{value.year:04d}" + value.strftime("-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S.%f")[:12]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


@dataclass(frozen=True)
class InnerRelation:
    """A relation or media value inside a component, before its references become row ids."""

    target: str
    to_many: bool
    write: RelationWrite
    path: list[str | int]


def relation_writes(value: Any) -> list[InnerRelation]:
    """Every :class:`InnerRelation` inside a clean component value (to resolve them in one go)."""
    found: list[InnerRelation] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, InnerRelation):
            found.append(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found
