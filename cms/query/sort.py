"""``sort`` → :class:`ast.SortKey` tuple, every path checked against the schema.

Accepted shapes (all of Strapi's): ``sort=title``, ``sort=title:desc``, a comma
list ``sort=title:asc,id:desc``, dotted deep sorts ``sort=author.name:desc``,
the list form ``sort[0]=...`` (items may be strings or objects), the object
form ``sort[title]=asc`` and deep objects ``sort[author][name]=desc``. The order
is case-insensitive ``asc``/``desc``, ascending by default.

Decisions where Strapi is unclear, or where it answers with a 500:

- A path may go into non-repeatable components of the sorted type itself
  (``sort=seo.metaTitle``, nested components too), never into a repeatable
  one or a dynamic zone, nor from a component into a relation.
- A path may only cross to-one relations: sorting through a to-many relation
  has no single value per row, so it is ``Invalid key <relation>``. Sorting on
  a relation itself (``sort=author``) is ``Invalid key author`` (Strapi's
  ``nonScalarEmptyKeys``), as is every unknown, private or password key.
- ``title:desc:x`` (more than one colon) is an invalid order; ``:desc`` (no
  field) is ``Field cannot be empty``; empty comma segments are skipped.
- Any other value (a number, a bare ``sort[title]`` key) is Strapi's "Invalid
  sort parameter" message, as a 400 ValidationError.
"""

from __future__ import annotations

from typing import Any

from cms.content import ContentType
from cms.query.ast import SortKey
from cms.query.values import MAX_DEPTH, Path, Scope, as_list, dotted, lookup

INVALID_ORDER = "Invalid order. order can only be one of asc|desc|ASC|DESC"
INVALID_SORT = (
    "Invalid sort parameter. Expected a string, an array of strings, a sort object "
    "or an array of sort objects"
)


def parse_sort(ct: ContentType, raw: Any, scope: Scope, depth: int = 1) -> tuple[SortKey, ...]:
    """Every sort key of ``raw``, in order; ``()`` when there is none.

    ``scope.param`` is "sort", or "populate" for a sort nested in a populate.
    """
    if raw is None:
        return ()
    if isinstance(raw, str):
        return _from_string(ct, raw, scope)
    items = as_list(raw)
    if items is None:
        if isinstance(raw, dict):
            return tuple(_from_object(ct, raw, scope, (), depth))
        raise scope.error(INVALID_SORT)
    keys: list[SortKey] = []
    for item in items:
        if isinstance(item, str):
            keys += _from_string(ct, item, scope)
        elif isinstance(item, dict):
            keys += _from_object(ct, item, scope, (), depth + 1)
        else:
            raise scope.error(INVALID_SORT)
    return tuple(keys)


def _from_string(ct: ContentType, raw: str, scope: Scope) -> tuple[SortKey, ...]:
    keys = []
    for segment in raw.split(","):
        segment = segment.strip()
        if not segment:
            continue
        field, *orders = segment.split(":")
        if len(orders) > 1:
            raise scope.error(INVALID_ORDER)
        descending = _descending(orders[0].strip() if orders else "asc", scope)
        names = tuple(part.strip() for part in field.split("."))
        if not field.strip():
            raise scope.error("Field cannot be empty")
        if len(names) > MAX_DEPTH:
            raise scope.too_deep()
        keys.append(SortKey(resolve_sort_path(ct, names, scope), descending))
    return tuple(keys)


def _from_object(
    ct: ContentType, raw: dict[str, Any], scope: Scope, prefix: Path, depth: int
) -> list[SortKey]:
    """``{title: asc}`` or ``{author: {name: desc}}``; ``prefix`` leads to ``ct``."""
    scope.check_depth(depth)
    keys: list[SortKey] = []
    for key, value in raw.items():
        attr = lookup(ct, key)
        if attr is None:
            raise scope.invalid_key(key, dotted(prefix))
        path = (*prefix, attr.name)
        if isinstance(value, str):
            descending = _descending(value, scope)
            _check_leaf(ct, attr.name, scope, path)
            keys.append(SortKey(path, descending))
        elif isinstance(value, dict):
            target = _step(ct, attr.name, scope, path)
            keys += _from_object(target, value, scope, path, depth + 1)
        else:
            raise scope.error(INVALID_SORT)
    return keys


def resolve_sort_path(ct: ContentType, names: Path, scope: Scope) -> Path:
    """Check ``names``: to-one relations, then a readable scalar."""
    for index, name in enumerate(names):
        path = names[: index + 1]
        if index == len(names) - 1:
            _check_leaf(ct, name, scope, path)
        else:
            ct = _step(ct, name, scope, path)
    return names


def _step(ct: ContentType, name: str, scope: Scope, path: Path) -> ContentType:
    """Cross the relation ``name`` of ``ct`` (to-one, visible, readable)."""
    attr = lookup(ct, name)
    if attr is None:
        raise scope.invalid_key(name, dotted(path[:-1]))
    if attr.type == "component" and not attr.repeatable and not scope.hidden(ct, attr) and (
            len(path) == 1 or ct.is_component):  # into a component from the sorted type itself
        return scope.registry.component(attr.component or "")
    if ct.is_component or scope.hidden(ct, attr) or attr.type not in ("relation", "media") or attr.is_to_many:
        raise scope.invalid_key(name, dotted(path))
    return scope.target(attr, path)


def _check_leaf(ct: ContentType, name: str, scope: Scope, path: Path) -> None:
    attr = lookup(ct, name)
    if attr is None:
        raise scope.invalid_key(name, dotted(path[:-1]))
    if scope.hidden(ct, attr) or not attr.is_scalar:
        raise scope.invalid_key(name, dotted(path))


def _descending(order: str, scope: Scope) -> bool:
    lowered = order.lower()
    if lowered not in ("asc", "desc"):
        raise scope.error(INVALID_ORDER)
    return lowered == "desc"
