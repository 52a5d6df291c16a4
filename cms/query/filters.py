"""``filters`` (and permission conditions) → a checked, typed :data:`ast.Node` tree.

The grammar is Strapi v5's: an object ANDs its keys; ``$and``/``$or`` take a
list; ``$not`` negates what it holds, at any level and per attribute; a key is
an attribute, a system field, or (inside a relation) an operator. Every key is
checked against the content type (Strapi's ``validateQuery``), so an unknown,
private or password key, or a relation to a type the caller cannot read, is a
400 ``Invalid key`` rather than a silently ignored filter.

Decisions where Strapi is unclear, or where it answers with a 500:

- An operator directly on a relation (``filters[sender][$eq]=3``) or a bare
  value (``filters[sender]=3``) compares the related entry's ``id``, as
  Strapi's database layer does; ``$null`` there means "has no related entry".
- A list where one value is expected (``filters[title][$contains][0]=a&...[1]=b``)
  is the OR of the operator over the items (Strapi's ``applyOperator``); a bare
  list (``filters[title][0]=a``) is ``$in``, on a relation ``$in`` on ids.
- ``$and``/``$or`` may also be used under an attribute
  (``filters[title][$or][0][$eq]=a``); empty groups (``{}``) are dropped, as
  Strapi drops them, so ``filters[id]={}`` filters nothing.
- ``$eq``/``$ne`` with no value (a bare ``filters[title]`` key) mean IS NULL /
  IS NOT NULL (Strapi's ``whereNull``); every other operator needs a value.
- ``$in``/``$notIn`` take a list or one value; ``$between`` exactly two. An
  empty list (JSON conditions only; qs cannot produce one) is kept: ``$in []``
  matches nothing and ``$notIn []`` everything.
- Through a component the keys are its fields (``filters[seo][metaTitle][$eq]``),
  through a repeatable one "some item matches" (compiled by
  ``cms/query/component_sql.py``); dynamic zones are not filterable (``Invalid key``).
- The string operators (``$eqi``, ``$contains``, ``$startsWith``, ... and their
  negations) apply to string-valued attributes only; json/blocks attributes
  take only ``$null``/``$notNull``. Anything else is ``Invalid key <op> at <attr>``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cms.content import Attribute, ContentType, Registry
from cms.errors import ValidationError
from cms.query.ast import OPERATORS, And, Condition, Node, Not, Or
from cms.query.values import Path, Scope, as_list, dotted, lookup, parse_bool, show

STRING_OPERATORS = frozenset({
    "$eqi", "$nei", "$contains", "$notContains", "$containsi", "$notContainsi",
    "$startsWith", "$startsWithi", "$endsWith", "$endsWithi",
})  # fmt: skip
_LIST_OPERATORS = frozenset({"$in", "$notIn", "$between"})
_ID = Attribute("id", "integer")


def parse_filters(
    ct: ContentType,
    raw: Any,
    *,
    registry: Registry,
    can_read: Callable[[str], bool] | None = None,
    allow_variables: bool = False,
    where: str = "filters",
    visible: Callable[[str], frozenset[str] | None] | None = None,
) -> Node | None:
    """The filter tree for ``raw`` on ``ct``; None when it filters nothing.

    ``where`` names the parameter in error details ("filters", "populate", or
    e.g. "condition" for a permission condition, where ``allow_variables``
    turns ``"$user.id"`` values into :class:`ast.Variable`).
    """
    scope = Scope(registry, can_read, where, allow_variables, visible)
    return filter_node(ct, raw, scope)


def filter_node(ct: ContentType, raw: Any, scope: Scope, depth: int = 1) -> Node | None:
    """:func:`parse_filters` for callers that already hold a :class:`Scope`."""
    if raw is None:
        return None
    if not isinstance(raw, (dict, list)):
        raise scope.error(f"The {scope.param} parameter must be an object or an array")
    node = _group(ct, raw, scope, (), depth, on_relation=False)
    if _conditions(node) > MAX_CONDITIONS:
        raise scope.error(f"Invalid {scope.param}: more than {MAX_CONDITIONS} conditions")
    return node


#: conditions one ``filters`` parameter may hold: far more than any screen builds, and few
#: enough for every database (SQLite refuses expressions nested about 1,000 deep)
MAX_CONDITIONS = 500


def _conditions(node: Node | None) -> int:
    """How many comparisons ``node`` holds (iterative: trees may be wide)."""
    count, stack = 0, [node]
    while stack:
        item = stack.pop()
        if isinstance(item, Condition):
            count += 1
        elif isinstance(item, Not):
            stack.append(item.item)
        elif isinstance(item, (And, Or)):
            stack.extend(item.items)
    return count


def _group(
    ct: ContentType, raw: Any, scope: Scope, path: Path, depth: int, *, on_relation: bool
) -> Node | None:
    """An object (or list of objects) of keys on ``ct``; ``path`` leads to ``ct``."""
    scope.check_depth(depth)
    items = as_list(raw)
    if items is not None:
        return _all(_group(ct, item, scope, path, depth + 1, on_relation=on_relation)
                    for item in items)
    if not isinstance(raw, dict):
        raise _expected_object(scope, raw, path)
    nodes: list[Node | None] = []
    for key, value in raw.items():
        if key in ("$and", "$or"):
            parts = (_group(ct, item, scope, path, depth + 2, on_relation=on_relation)
                     for item in _logical_items(scope, key, value, path))
            nodes.append(_all(parts) if key == "$and" else _any(parts))
        elif key == "$not":
            inner = _group(ct, value, scope, path, depth + 1, on_relation=on_relation)
            nodes.append(_negate(inner))
        elif key in OPERATORS and on_relation:
            nodes.append(_operator(_ID, value, scope, (*path, "id"), key))
        else:
            attr = lookup(ct, key)
            if attr is None:
                raise scope.invalid_key(key, dotted(path))
            if scope.hidden(ct, attr):
                raise scope.invalid_key(attr.name, dotted((*path, attr.name)))
            nodes.append(_attribute(attr, value, scope, (*path, attr.name), depth + 1))
    return _all(nodes)


def _attribute(attr: Attribute, value: Any, scope: Scope, path: Path, depth: int) -> Node | None:
    if attr.is_component:  # its fields, as a relation's ("some item matches" when repeatable)
        if attr.type == "dynamiczone":
            raise scope.invalid_key(attr.name, dotted(path))
        if not isinstance(value, dict) or as_list(value) is not None:
            raise _expected_object(scope, value, path)
        component = scope.registry.component(attr.component or "")
        return _group(component, value, scope, path, depth, on_relation=False)
    if attr.type not in ("relation", "media"):
        return _scalar(attr, value, scope, path, depth)
    target = scope.target(attr, path)
    items = as_list(value)
    if isinstance(value, dict) and items is None:
        return _group(target, value, scope, path, depth, on_relation=True)
    if items is not None and items and all(isinstance(i, (dict, list)) for i in items):
        return _group(target, items, scope, path, depth, on_relation=True)
    # a bare value or a list of values: the related entry's id
    return _scalar(_ID, value, scope, (*path, "id"), depth)


def _scalar(attr: Attribute, value: Any, scope: Scope, path: Path, depth: int) -> Node | None:
    """What one scalar attribute (or an ``id``) must satisfy."""
    scope.check_depth(depth)
    items = as_list(value)
    if items is not None:
        return _operator(attr, items, scope, path, "$in")
    if not isinstance(value, dict):
        return _operator(attr, value, scope, path, "$eq")
    nodes: list[Node | None] = []
    for op, operand in value.items():
        if op in ("$and", "$or"):
            parts = (_scalar(attr, item, scope, path, depth + 2)
                     for item in _logical_items(scope, op, operand, path))
            nodes.append(_all(parts) if op == "$and" else _any(parts))
        elif op == "$not":
            nodes.append(_negate(_scalar(attr, operand, scope, path, depth + 1)))
        elif op in OPERATORS:
            nodes.append(_operator(attr, operand, scope, path, op))
        else:
            raise scope.invalid_key(op, dotted(path))
    return _all(nodes)


def _operator(attr: Attribute, operand: Any, scope: Scope, path: Path, op: str) -> Node | None:
    """One comparison, its operand cast to the attribute's type."""
    kind = attr.kind.value
    if (kind == "json" and op not in ("$null", "$notNull")) or (
        op in STRING_OPERATORS and kind != "string"
    ):
        raise scope.invalid_key(op, dotted(path))
    if op in ("$null", "$notNull"):
        flag = parse_bool(operand)
        if flag is None:
            raise _bad_operand(scope, op, operand, path, "true or false")
        return Condition(path, op, flag)
    items = as_list(operand)
    if op in _LIST_OPERATORS:
        if items is None:
            if op == "$between" or isinstance(operand, dict):
                raise _bad_operand(scope, op, operand, path,
                                   "two values" if op == "$between" else "a list of values")
            items = [operand]
        if op == "$between" and len(items) != 2:
            raise _bad_operand(scope, op, operand, path, "two values")
        return Condition(path, op, [_one(attr, item, scope, path, op) for item in items])
    if items is not None:
        if not items:
            raise _bad_operand(scope, op, operand, path, "a value")
        return _any(Condition(path, op, _one(attr, item, scope, path, op)) for item in items)
    if operand is None and op in ("$eq", "$ne"):
        return Condition(path, op, None)
    return Condition(path, op, _one(attr, operand, scope, path, op))


def _one(attr: Attribute, value: Any, scope: Scope, path: Path, op: str) -> Any:
    if value is None or isinstance(value, (dict, list)):
        raise _bad_operand(scope, op, value, path, "a single value")
    return scope.cast(attr, value, path)


def _logical_items(scope: Scope, op: str, value: Any, path: Path) -> list[Any]:
    items = as_list(value)
    if items is None:
        raise _bad_operand(scope, op, value, path, "a list of filters")
    return items


def _all(nodes: Any) -> Node | None:
    kept = tuple(n for n in nodes if n is not None)
    return None if not kept else kept[0] if len(kept) == 1 else And(kept)


def _any(nodes: Any) -> Node | None:
    kept = tuple(n for n in nodes if n is not None)
    return None if not kept else kept[0] if len(kept) == 1 else Or(kept)


def _negate(node: Node | None) -> Node | None:
    return None if node is None else Not(node)


def _bad_operand(
    scope: Scope, op: str, value: Any, path: Path, expected: str
) -> ValidationError:
    where = dotted(path)
    at = f" at {where}" if where else ""
    return scope.error(f"Invalid value {show(value)} for {op}{at}: expected {expected}",
                       key=op, path=where, value=value)


def _expected_object(scope: Scope, value: Any, path: Path) -> ValidationError:
    where = dotted(path)
    at = f" at {where}" if where else ""
    message = f"Invalid {scope.param}{at}: expected an object, got {show(value)}"
    return scope.error(message, path=where)
