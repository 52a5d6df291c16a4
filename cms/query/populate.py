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
  ``populate`` are accepted. ``count`` is not supported yet and ``on``
  (polymorphic relations) does not apply to relations: both are a
  ValidationError saying so; anything else (``page``, ``start``, an attribute
  name) is ``Invalid key``, as Strapi's validator rules.
- Components and dynamic zones are populated like relations (``*`` includes
  them, one level: their own relations and nested components need naming).
  A component takes ``fields`` and ``populate``; a dynamic zone ``on``
  (``populate[blocks][on][shared.quote][fields][0]=title``, one entry per
  component UID it lists) or ``populate``; ``filters``/``sort`` do not apply to
  them (``Invalid key``).
- Errors on the populate keys carry the dotted populate path; errors inside a
  nested ``fields``/``filters``/``sort`` carry the path within the populated
  type, as Strapi's validators (which restart there) do. ``param`` is "populate".
"""

from __future__ import annotations

from typing import Any

from cms.content import Attribute, ContentType
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
    attr = _component_attribute(ct, names[0], scope, path)
    if attr is not None:
        if len(names) == 1:
            return names[0], Populate()
        if attr.type == "dynamiczone":  # no dotted path goes through a zone: use "on"
            raise scope.invalid_key(names[1], dotted(path))
        component = scope.registry.component(attr.component or "")
        return names[0], Populate(populate=dict([_from_path(component, names[1:], scope, path)]))
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
        if _component_attribute(ct, key, scope, path) is not None:
            spec = _component_options(ct, key, value, scope, path, depth + 1)
            if spec is not None:
                result[key] = spec
            continue
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


def _component_attribute(ct: ContentType, name: Any, scope: Scope, path: Path) -> Attribute | None:
    """Attribute ``name`` of ``ct`` if it is a component or a dynamic zone (visible), else None."""
    attr = lookup(ct, name)
    if attr is None or not attr.is_component:
        return None
    if scope.hidden(ct, attr):
        raise scope.invalid_key(name, dotted(path))
    return attr


def _component_options(ct: ContentType, name: str, value: Any, scope: Scope,
                       path: Path, depth: int) -> Populate | None:
    """``populate[seo]=...`` or ``populate[blocks]=...``: true/``*``, or an options object."""
    attr = ct.attributes[name]
    if not (isinstance(value, dict) and as_list(value) is None):
        flag = True if value == "*" else parse_bool(value)
        if flag is None:
            raise scope.error(f"{INVALID_NESTED} (got {show(value)} at {dotted(path)})",
                              key=str(name), path=dotted(path))
        return Populate() if flag else None
    scope.check_depth(depth)
    if attr.type == "component":
        for key in value:
            if key not in ("fields", "populate"):
                raise scope.invalid_key(key, dotted(path))
        return _component_spec(scope.registry.component(attr.component or ""), value, scope, path, depth)
    for key in value:
        if key not in ("on", "populate"):
            raise scope.invalid_key(key, dotted(path))
    if "populate" in value and value["populate"] not in ("*", True, "true"):
        raise scope.error(f'{INVALID_NESTED}: a dynamic zone takes populate=* or "on" (at {dotted(path)})',
                          key="populate", path=dotted(path))
    fragments = value.get("on")
    if fragments is None:
        return Populate()
    if not isinstance(fragments, dict) or as_list(fragments) is not None:
        raise scope.error(f"Invalid on at {dotted(path)}: expected an object of component UIDs",
                          key="on", path=dotted(path))
    on: dict[str, Populate] = {}
    for uid, options in fragments.items():
        if uid not in attr.components:
            raise scope.invalid_key(uid, dotted(path))
        member = scope.registry.component(uid)
        if isinstance(options, dict) and as_list(options) is None:
            for key in options:
                if key not in ("fields", "populate"):
                    raise scope.invalid_key(key, dotted((*path, uid)))
            on[uid] = _component_spec(member, options, scope, (*path, uid), depth + 1)
        elif options == "*" or parse_bool(options):
            on[uid] = Populate()
        else:
            raise scope.error(f"{INVALID_NESTED} (got {show(options)} at {dotted((*path, uid))})",
                              key=uid, path=dotted((*path, uid)))
    return Populate(on=on)


def _component_spec(component: ContentType, raw: dict[str, Any], scope: Scope, path: Path, depth: int) -> Populate:
    fields = parse_fields(component, raw.get("fields"), scope)
    return Populate(fields=fields, populate=parse_populate(component, raw.get("populate"), scope, depth + 1, path))


def _relation_target(ct: ContentType, name: Any, scope: Scope, path: Path) -> ContentType:
    """The type behind the populatable attribute ``name``, or ``Invalid key``. A localized type
    also has ``localizations``: the document's versions in other locales (cms.documents)."""
    if name == "localizations" and ct.localized:
        return ct
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
        if attr.is_component and not scope.hidden(ct, attr):
            result[attr.name] = Populate()  # one level: what it holds is not populated
            continue
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
        on={**old.on, **new.on},
    )
