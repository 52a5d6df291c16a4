"""How components and dynamic zones are stored: one JSON column per attribute, on the owner's table.

Decision (issue 15): each component or dynamic-zone attribute is ONE column
of the owning type's table (Tortoise's ``JSONField``: JSON text on SQLite,
``JSONB`` on PostgreSQL), made by the same model builder and migrated by aerich
like any column. The stored values:

=====================  ========================================================
single component       an object ``{"id": 1, ...its fields}``, or NULL
repeatable component   a list of such objects, in order
dynamic zone           a list of objects, each with ``"__component": "<uid>"``
                       and ``"id"``
=====================  ========================================================

Components inside components are stored inline the same way. Relations and
media inside a component hold the related entries' row ids (to-one: an id or
null; to-many: a list of ids), resolved into documents when populated. Item
ids are integers unique within the entry's attribute (every level of it),
assigned max + 1, so a client can name an item to update it.

Why, and what it costs, against Strapi's table per component plus a
polymorphic link table:

- An entry is one row: reads, writes and deletes touch nothing else, and
  deleting an entry deletes its components by construction (they are never
  shared). Migrations stay one column per attribute.
- No foreign keys for relations inside components: deleting a related entry
  leaves its id behind; populate skips ids whose entry no longer exists.
- Filters through components (``json_extract``/``json_each`` on SQLite,
  ``->>``/``jsonb_array_elements`` on PostgreSQL) are not index-backed: they
  read every row that the other conditions leave.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tortoise import fields

from cms.component_input import InnerRelation
from cms.content import Attribute, ContentType
from cms.errors import ValidationError
from cms.models.fields import column_name


def component_field(attr: Attribute) -> fields.Field[Any]:
    """The column of one component or dynamic-zone attribute (nullable, as every column)."""
    return fields.JSONField(source_field=column_name(attr.name), null=True)


def merge(attr: Attribute, new: Any, old: Any, components: Mapping[str, ContentType],
          known: Mapping[tuple[str, Any], int]) -> Any:
    """The value to store for ``attr``: the clean ``new`` value applied to the stored ``old`` one.

    Items with an ``id`` update the stored item of that id (which must exist, in
    this list, of the same component); items without one are created with the
    next id; stored items not sent are gone. ``known`` maps (target UID,
    reference) to row ids for the relations inside (all of them exist).
    """
    counter = _Counter(max(_ids(old) | _ids(new), default=0))
    return _value(attr, new, old, components, known, counter, [attr.name])


class _Counter:
    def __init__(self, last: int) -> None:
        self.last = last

    def next(self) -> int:
        self.last += 1
        return self.last


def _ids(value: Any) -> set[int]:
    found: set[int] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("id"), int):
                found.add(item["id"])
            stack.extend(v for v in item.values() if isinstance(v, (dict, list)))
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _value(attr: Attribute, new: Any, old: Any, components: Mapping[str, ContentType],
           known: Mapping[tuple[str, Any], int], counter: _Counter, path: list[str | int]) -> Any:
    if new is None:
        return None
    if not attr.is_list:
        old_item = old if isinstance(old, dict) else None
        component = components[attr.component or ""]
        return _item(component, new, old_item, components, known, counter, path, attr.type == "dynamiczone")
    old_items = {item.get("id"): item for item in old or [] if isinstance(item, dict)}
    stored = []
    for index, item in enumerate(new):
        uid = item.get("__component") if attr.type == "dynamiczone" else attr.component
        old_item = old_items.get(item.get("id"))
        if "id" in item and (old_item is None or old_item.get("__component") != item.get("__component")):
            raise _unrelated(attr, [*path, index])
        stored.append(_item(components[uid or ""], item, old_item, components, known, counter, [*path, index],
                            attr.type == "dynamiczone"))
    return stored


def _item(component: ContentType, new: dict[str, Any], old: dict[str, Any] | None,
          components: Mapping[str, ContentType], known: Mapping[tuple[str, Any], int], counter: _Counter,
          path: list[str | int], in_zone: bool) -> dict[str, Any]:
    if "id" in new and (old is None or old.get("id") != new["id"]):
        raise _unrelated(component, path)
    base = dict(old) if "id" in new and old is not None else {}
    item: dict[str, Any] = {"__component": component.uid} if in_zone else {}
    item["id"] = new["id"] if "id" in new else counter.next()
    for attr in component.attributes.values():
        name = attr.name
        if name not in new:
            if name in base:
                item[name] = base[name]
            continue
        value = new[name]
        if attr.is_component:
            item[name] = _value(attr, value, base.get(name), components, known, counter, [*path, name])
        elif isinstance(value, InnerRelation):
            item[name] = _relation(value, base.get(name), known)
        else:
            item[name] = value
    return item


def _relation(value: InnerRelation, old: Any, known: Mapping[tuple[str, Any], int]) -> Any:
    write = value.write
    ids = [known[(value.target, ref)] for ref in write.connect]
    if write.mode == "patch":
        before = old if isinstance(old, list) else [old] if isinstance(old, int) else []
        gone = {known.get((value.target, ref)) for ref in write.disconnect}
        ids = [i for i in before if i not in gone and i not in ids] + ids
    if value.to_many:
        return list(dict.fromkeys(ids))
    return ids[-1] if ids else None


def relation_ids(attr: Attribute, stored: Any, components: Mapping[str, ContentType]) -> dict[str, set[int]]:
    """The row ids the relations inside a stored value hold, by target UID."""
    found: dict[str, set[int]] = {}

    def visit(inner: Attribute, ids: Any) -> Any:
        listed = ids if isinstance(ids, list) else [ids]
        found.setdefault(inner.target or "", set()).update(i for i in listed if isinstance(i, int))
        return ids

    _walk(attr, stored, components, visit)
    return found


def remap_relations(attr: Attribute, stored: Any, components: Mapping[str, ContentType],
                    mapping: Mapping[tuple[str, int], int]) -> Any:
    """A copy of a stored value whose relations hold ``mapping[(target, id)]`` instead of each id
    (ids not in ``mapping`` are dropped): a draft's value copied onto its published version
    links the published versions of draft & publish targets (cms.documents)."""
    def visit(inner: Attribute, ids: Any) -> Any:
        target = inner.target or ""
        if isinstance(ids, list):
            return [mapping[(target, i)] for i in ids if (target, i) in mapping]
        return mapping.get((target, ids)) if isinstance(ids, int) else ids

    return _walk(attr, stored, components, visit)


def _walk(attr: Attribute, stored: Any, components: Mapping[str, ContentType], visit: Any) -> Any:
    """``stored`` with every relation value inside replaced by ``visit(attribute, value)``."""
    if stored is None:
        return None
    items = stored if attr.is_list else [stored]
    copied = []
    for item in items:
        if not isinstance(item, dict):
            copied.append(item)
            continue
        uid = item.get("__component") if attr.type == "dynamiczone" else attr.component
        component = components.get(uid or "")
        if component is None:
            copied.append(item)
            continue
        item = dict(item)
        for inner in component.attributes.values():
            if inner.name not in item:
                continue
            if inner.is_component:
                item[inner.name] = _walk(inner, item[inner.name], components, visit)
            elif inner.is_relation:
                item[inner.name] = visit(inner, item[inner.name])
        copied.append(item)
    return copied if attr.is_list else copied[0]


def _unrelated(owner: Attribute | ContentType, path: list[str | int]) -> ValidationError:
    """An item ``id`` that names no stored item of this list (Strapi 5's message, with the path)."""
    name = owner.name if isinstance(owner, Attribute) else owner.uid
    message = f"Some of the provided components in {name} are not related to the entity"
    return ValidationError(message, {"errors": [{"path": path, "message": message, "name": "ValidationError"}]})
