"""``populate`` → which relations to load, each with its own fields/filters/sort/populate.

Shapes (Strapi's): ``populate=*`` (every relation and media attribute, one
level), ``populate=a,b``, the list form ``populate[0]=a``, dotted
``populate=a.b`` (``b`` populated inside ``a``), and objects
``populate[a]=true``, ``populate[a][fields][0]=x``, ``populate[a][filters]...``,
``populate[a][sort]...``, ``populate[a][populate]...`` (to any depth up to
:data:`MAX_DEPTH`) and ``populate[a][populate]=*``.

Decisions where Strapi is unclear, lenient or answers with a 500:

- ``*`` silently skips relations the caller cannot read and private ones (as
  Strapi's sanitizer does); naming such a relation explicitly is ``Invalid key``,
  as is any key that is not a relation or media attribute.
- A value ``true/t/1`` or ``*`` populates, ``false/f/0`` does not; any other
  string, a list, or a bare ``populate[a]`` is a 400 (Strapi: 500 or ignored).
- Inside a populate object only ``fields``, ``filters``, ``sort`` and
  ``populate`` are accepted. ``count`` is not supported yet and ``on`` (dynamic
  zones, polymorphic relations) does not apply: both are a ValidationError
  saying so; anything else (``page``, ``start``, an attribute name) is
  ``Invalid key``, as Strapi's validator rules.
- Errors on the populate keys carry the dotted populate path; errors inside a
  nested ``fields``/``filters``/``sort`` carry the path within the populated
  type, as Strapi's validators (which restart there) do. ``param`` is "populate".
"""

from __future__ import annotations

from typing import Any

from cms.content import ContentType
from cms.query.ast import Populate
from cms.query.fields import parse_fields
from cms.query.filters import filter_node
from cms.query.sort import parse_sort
from cms.query.values import MAX_DEPTH, Path, Scope, as_list, dotted, lookup, parse_bool, show

INVALID_POPULATE = (
    "Invalid populate parameter. Expected a string, an array of strings, a populate object"
)
INVALID_NESTED = "Invalid nested populate. Expected '*' or an object"
_OPTIONS = frozenset({"fields", "filters", "sort", "populate"})


def parse_populate(
    ct: ContentType, raw: Any, scope: Scope, depth: int = 1, prefix: Path = ()
) -> dict[str, Populate]:
    """The relations of ``ct`` to load; ``prefix`` is the populate path to ``ct``."""
    scope.check_depth(depth)
    if raw is None:
        return {}
    if isinstance(raw, dict) and as_list(raw) is None:
        return _from_object(ct, raw, scope, prefix, depth)
    items = [raw] if isinstance(raw, str) else as_list(raw)
    if items is None or not all(isinstance(item, str) for item in items):
        raise scope.error(INVALID_POPULATE)
    result: dict[str, Populate] = {}
    for item in items:
        for part in (p.strip() for p in item.split(",")):
            if part == "*":
                _merge_into(result, _wildcard(ct, scope))
            elif part:
                names = tuple(name.strip() for name in part.split("."))
                if len(names) + depth > MAX_DEPTH:
                    raise scope.too_deep()
                _merge_into(result, dict([_from_path(ct, names, scope, prefix)]))
    return result


def _from_path(
    ct: ContentType, names: Path, scope: Scope, prefix: Path
) -> tuple[str, Populate]:
    """``a.b.c`` → ``a`` populated with ``b`` populated with ``c``."""
    path = (*prefix, names[0])
    target = _relation_target(ct, names[0], scope, path)
    if len(names) == 1:
        return names[0], Populate(fields=scope.shown(target))
    return names[0], Populate(fields=scope.shown(target),
                              populate=dict([_from_path(target, names[1:], scope, path)]))


def _from_object(
    ct: ContentType, raw: dict[str, Any], scope: Scope, prefix: Path, depth: int
) -> dict[str, Populate]:
    result: dict[str, Populate] = {}
    for key, value in raw.items():
        path = (*prefix, str(key))
        target = _relation_target(ct, key, scope, path)
        if isinstance(value, dict) and as_list(value) is None:
            result[key] = _options(ct, target, value, scope, path, depth + 1)
            continue
        flag = True if value == "*" else parse_bool(value)
        if flag is None:
            raise scope.error(f"{INVALID_NESTED} (got {show(value)} at {dotted(path)})",
                              key=str(key), path=dotted(path))
        if flag:
            result[key] = Populate(fields=scope.shown(target))
    return result


def _options(
    ct: ContentType, target: ContentType, raw: dict[str, Any], scope: Scope,
    path: Path, depth: int,
) -> Populate:
    """``populate[a][fields|filters|sort|populate]`` for the relation at ``path``."""
    for key in raw:
        if key == "on":
            raise scope.error(
                f'Using fragments is not permitted to populate "{path[-1]}" in "{ct.uid}"',
                key="on", path=dotted(path),
            )
        if key == "count":
            raise scope.error(
                f'Populate "count" is not supported yet (at {dotted(path)}): '
                "populate the relation and count its entries instead",
                key="count", path=dotted(path),
            )
        if key not in _OPTIONS:
            raise scope.invalid_key(key, dotted(path))
    fields = parse_fields(target, raw.get("fields"), scope)
    return Populate(
        fields=fields if fields is not None else scope.shown(target),
        filters=filter_node(target, raw.get("filters"), scope, depth + 1),
        sort=parse_sort(target, raw.get("sort"), scope, depth + 1),
        populate=parse_populate(target, raw.get("populate"), scope, depth + 1, path),
    )


def _relation_target(ct: ContentType, name: Any, scope: Scope, path: Path) -> ContentType:
    """The type behind the populatable attribute ``name``, or ``Invalid key``."""
    attr = lookup(ct, name)
    if attr is None:  # nested: the parent's path; at the top Strapi's details name the key itself
        raise scope.invalid_key(name, dotted(path[:-1]) or str(name))
    if scope.hidden(ct, attr) or attr.type not in ("relation", "media"):
        raise scope.invalid_key(name, dotted(path))
    return scope.target(attr, path)


def _wildcard(ct: ContentType, scope: Scope) -> dict[str, Populate]:
    """``*``: every visible relation/media attribute whose target the caller may read."""
    result = {}
    for attr in ct.attributes.values():
        if scope.hidden(ct, attr) or attr.type not in ("relation", "media") or attr.target is None:
            continue
        uid = scope.registry.resolve(attr.target)
        if uid is not None and (scope.can_read is None or scope.can_read(uid)):
            result[attr.name] = Populate(fields=scope.shown(scope.registry.get(uid)))
    return result


def _merge_into(result: dict[str, Populate], more: dict[str, Populate]) -> None:
    for name, populate in more.items():
        result[name] = _merge(result[name], populate) if name in result else populate


def _merge(old: Populate, new: Populate) -> Populate:
    """Two mentions of one relation (``a,a.b``): the union of their nested populates."""
    children = dict(old.populate)
    _merge_into(children, new.populate)
    return Populate(
        fields=new.fields if new.fields is not None else old.fields,
        filters=new.filters if new.filters is not None else old.filters,
        sort=new.sort or old.sort,
        populate=children,
    )
