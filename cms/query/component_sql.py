"""Filters and sorts through components: SQL on the JSON column that holds them.

Components live in one JSON column of their owner's table
(:mod:`cms.models.components`), so ``filters[seo][metaTitle][$contains]=x``
compares a value extracted from that column: ``json_extract(col, '$.metaTitle')``
on SQLite, ``col->>'metaTitle'`` (cast to the field's type) on PostgreSQL.
Through a repeatable component the filter means "some item matches" (as
through a to-many relation): ``EXISTS (SELECT 1 FROM json_each(col) ...)`` /
``jsonb_array_elements``. A relation inside a component holds row ids: ``id``
compares them, any other field is ``IN (SELECT id FROM target WHERE ...)``.
No index serves these shapes: they are checked on every row the other
conditions leave (the trade-off of the storage, documented there).

JSON paths are written into the SQL text: they are attribute names, which the
schema loader only accepts as ``[A-Za-z][A-Za-z0-9_]*``; values are bound.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from cms.content import Attribute, ContentType
from cms.models.fields import column_name
from cms.query.ast import Condition

if TYPE_CHECKING:
    from cms.query.sql import SQL, Compiler

#: PostgreSQL casts of a ``->>`` text value, by attribute type (others compare as text)
_PG_CASTS = {
    "integer": "bigint", "biginteger": "bigint", "float": "double precision", "decimal": "numeric",
    "boolean": "boolean", "date": "date", "datetime": "timestamptz", "timestamp": "timestamptz",
}


def column(alias: str, attr: Attribute) -> str:
    """The JSON column of component attribute ``attr`` on rows ``alias``."""
    return f'{alias}."{column_name(attr.name)}"'


def condition(compiler: Compiler, attr: Attribute, base: str, path: tuple[str, ...], op: str, value: Any,
              sql: SQL, variables: dict[str, Any]) -> str:
    """``path`` (inside the component of ``attr``, whose JSON value is ``base``) compared by ``op``."""
    component = compiler.registry.component(attr.component or "")
    if not attr.repeatable:
        return _in_item(compiler, component, base, path, op, value, sql, variables)
    alias = sql.alias()
    if compiler.dialect == "sqlite":
        source, item = f"json_each({base}) {alias}", f"{alias}.value"
    else:
        guarded = f"CASE WHEN jsonb_typeof({base}) = 'array' THEN {base} ELSE '[]'::jsonb END"
        source, item = f"jsonb_array_elements({guarded}) {alias}(value)", f"{alias}.value"
    inner = _in_item(compiler, component, item, path, op, value, sql, variables)
    return f"EXISTS (SELECT 1 FROM {source} WHERE {inner})"


def _in_item(compiler: Compiler, component: ContentType, item: str, path: tuple[str, ...], op: str, value: Any,
             sql: SQL, variables: dict[str, Any]) -> str:
    name = path[0]
    attr = component.attributes.get(name)
    kind = attr.type if attr is not None else "integer"  # ``id``, the item's own
    if len(path) == 1:
        return compiler.compare(field(compiler.dialect, item, name, kind), _kind_of(compiler, kind), op,
                                _stored(compiler, kind, value), sql)
    assert attr is not None
    if attr.is_component:
        return condition(compiler, attr, nested(compiler.dialect, item, name), path[1:], op, value, sql, variables)
    ids = field(compiler.dialect, item, name, "integer")
    if path[1:] == ("id",):
        return compiler.compare(ids, "integer", op, value, sql)
    target = compiler.registry.get(attr.target or "")
    related = sql.alias()
    inner = compiler.condition(target, related, Condition(path[1:], op, value), sql, variables)
    return f'{ids} IN (SELECT {related}.id FROM "{target.collection_name}" {related} WHERE {inner})'


def field(dialect: str, item: str, name: str, kind: str) -> str:
    """SQL of field ``name`` of the JSON object ``item``, typed like attribute type ``kind``."""
    if dialect == "sqlite":
        return f"json_extract({item}, '$.{name}')"
    cast = _PG_CASTS.get(kind)
    text = f"({item}->>'{name}')"
    return f"{text}::{cast}" if cast else text


def nested(dialect: str, item: str, name: str) -> str:
    """SQL of the JSON value of field ``name`` (a nested component) of JSON object ``item``."""
    if dialect == "sqlite":
        return f"json_extract({item}, '$.{name}')"
    return f"({item}->'{name}')"


def _kind_of(compiler: Compiler, kind: str) -> str:
    """How :meth:`Compiler.compare` should treat values: datetimes inside JSON are ISO text on SQLite."""
    if compiler.dialect == "sqlite" and kind in ("datetime", "timestamp"):
        return "json-datetime"
    return kind


def _stored(compiler: Compiler, kind: str, value: Any) -> Any:
    """A filter value as stored in the JSON (SQLite compares the text itself)."""
    if compiler.dialect != "sqlite" or kind not in ("datetime", "timestamp"):
        return value
    if isinstance(value, list):
        return [_stored(compiler, kind, v) for v in value]
    if isinstance(value, dt.datetime):
        value = value.astimezone(dt.timezone.utc) if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
        return f"{value.year:04d}" + value.strftime("-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    return value


def sort_expression(compiler: Compiler, ct: ContentType, alias: str, path: tuple[str, ...]) -> str:
    """The SQL a sort on ``path`` (non-repeatable components, then a scalar) orders by."""
    attr = ct.attributes[path[0]]
    base = column(alias, attr)
    component = compiler.registry.component(attr.component or "")
    for name in path[1:-1]:
        attr = component.attributes[name]
        base = nested(compiler.dialect, base, name)
        component = compiler.registry.component(attr.component or "")
    leaf = component.attributes.get(path[-1])
    return field(compiler.dialect, base, path[-1], leaf.type if leaf is not None else "integer")
