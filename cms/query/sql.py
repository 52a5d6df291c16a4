"""Compile a parsed :class:`~cms.query.ast.Query` into parameterised SQL.

Reads bypass the ORM's query builder: measured on this machine (DESIGN.md §2)
Tortoise's query API serves ~500 list requests/s where SQL built here and run
on Tortoise's own connection serves ~2,000. Identifiers come only from the
validated schema (never from the request); every value is a bound parameter.

Filters through relations compile to ``EXISTS`` sub-queries, so a to-many
relation never duplicates rows. Sorting through to-one relations joins.
Case rules are the same on every database: ``$eq``, ``$contains``,
``$startsWith``, ``$endsWith`` are case-sensitive, their ``i`` variants compare
Unicode lower case (on SQLite through ``cms_lower``, registered on each
connection by :func:`cms.query.reader.prepare_connection`).
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from cms.content import Attribute, ContentType, Registry
from cms.models.builder import Models
from cms.models.fields import column_name
from cms.query.ast import And, Condition, Node, Not, Query, SortKey, Variable

SYSTEM_COLUMNS = {
    "id": "id", "documentId": "document_id", "createdAt": "created_at",
    "updatedAt": "updated_at", "publishedAt": "published_at",
}
_DATETIME_SYSTEM = frozenset({"createdAt", "updatedAt", "publishedAt"})
STRING_TYPES = frozenset({"string", "text", "richtext", "email", "uid", "enumeration"})


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


@dataclass
class SQL:
    """SQL text being built, with its parameters in order."""

    dialect: str
    params: list[Any] = field(default_factory=list)
    _aliases: Iterator[int] = field(default_factory=lambda: iter(range(1, 1_000_000)))

    def bind(self, value: Any) -> str:
        self.params.append(value)
        return "?" if self.dialect == "sqlite" else f"${len(self.params)}"

    def alias(self) -> str:
        return f"t{next(self._aliases)}"


class Compiler:
    """SQL for one database dialect, for any content type of the registry."""

    def __init__(self, registry: Registry, models: Models, dialect: str) -> None:
        self.registry = registry
        self.models = models
        self.dialect = dialect

    # -- statements ---------------------------------------------------------------

    def select(self, ct: ContentType, query: Query, columns: list[str], sql: SQL,
               variables: dict[str, Any] | None = None, extra: Node | None = None) -> str:
        """``SELECT columns FROM ct WHERE filters ORDER BY sort LIMIT/OFFSET``."""
        joins: list[str] = []
        where = self.where(ct, "t0", query, sql, variables, extra)
        order = self.order_by(ct, "t0", query.sort, sql, joins)
        text = f"SELECT {', '.join(columns)} FROM {quote(ct.collection_name)} t0"
        if joins:
            text += " " + " ".join(joins)
        if where:
            text += f" WHERE {where}"
        text += f" ORDER BY {order}"
        page = query.pagination
        if page is not None:
            if page.limit is not None:
                text += f" LIMIT {sql.bind(page.limit)}"
            elif page.offset:
                text += " LIMIT -1" if self.dialect == "sqlite" else ""
            if page.offset:
                text += f" OFFSET {sql.bind(page.offset)}"
        return text

    def count(self, ct: ContentType, query: Query, sql: SQL, variables: dict[str, Any] | None = None,
              extra: Node | None = None) -> str:
        where = self.where(ct, "t0", query, sql, variables, extra)
        return f"SELECT COUNT(*) FROM {quote(ct.collection_name)} t0" + (f" WHERE {where}" if where else "")

    def where(self, ct: ContentType, alias: str, query: Query, sql: SQL,
              variables: dict[str, Any] | None, extra: Node | None = None) -> str:
        parts = []
        for node in (query.filters, extra):
            if node is not None:
                parts.append(self.node(ct, alias, node, sql, variables or {}))
        if query.search:
            parts.append(self.search(ct, alias, query.search, sql))
        return " AND ".join(f"({p})" for p in parts)

    # -- filters --------------------------------------------------------------------

    def node(self, ct: ContentType, alias: str, node: Node, sql: SQL, variables: dict[str, Any]) -> str:
        if isinstance(node, Condition):
            return self.condition(ct, alias, node, sql, variables)
        if isinstance(node, Not):
            return f"NOT ({self.node(ct, alias, node.item, sql, variables)})"
        joiner = " AND " if isinstance(node, And) else " OR "
        if not node.items:
            return "1=1" if isinstance(node, And) else "1=0"
        return joiner.join(f"({self.node(ct, alias, item, sql, variables)})" for item in node.items)

    def condition(self, ct: ContentType, alias: str, cond: Condition, sql: SQL, variables: dict[str, Any]) -> str:
        head = cond.path[0]
        if _unbound(cond.value, variables):
            return "1=0"  # a variable the caller does not have matches nothing, never "IS NULL"
        if len(cond.path) == 1:
            return self.leaf(ct, alias, head, cond.operator, _resolve(cond.value, variables), sql)
        attr = ct.attributes[head]
        target = self.registry.get(attr.target or "")
        inner = Condition(cond.path[1:], cond.operator, cond.value)
        related, from_where = self.related_rows(ct, alias, attr, sql)
        exists = f"EXISTS (SELECT 1 {from_where} AND ({self.condition(target, related, inner, sql, variables)}))"
        if _true_on_null(cond.operator, _resolve(cond.value, variables)):
            # a missing related row reads as NULL, as with Strapi's left joins
            _, from_any = self.related_rows(ct, alias, attr, sql)
            exists = f"({exists} OR NOT EXISTS (SELECT 1 {from_any}))"
        return exists

    def related_rows(self, ct: ContentType, alias: str, attr: Attribute, sql: SQL) -> tuple[str, str]:
        """``(alias, "FROM ... WHERE <linked to alias>")`` for the rows ``attr`` points at."""
        storage = self.models.storage(ct.uid, attr.name)
        target = quote(storage.target_table)
        related = sql.alias()
        if storage.kind == "column":
            return related, f"FROM {target} {related} WHERE {related}.id = {alias}.{quote(storage.column)}"
        if storage.kind == "reverse_column":
            return related, f"FROM {target} {related} WHERE {related}.{quote(storage.column)} = {alias}.id"
        link = sql.alias()
        return related, (
            f"FROM {quote(storage.join_table)} {link} JOIN {target} {related} "
            f"ON {related}.id = {link}.{quote(storage.join_other)} WHERE {link}.{quote(storage.join_self)} = {alias}.id"
        )

    def leaf(self, ct: ContentType, alias: str, name: str, op: str, value: Any, sql: SQL) -> str:
        attr = ct.attributes.get(name)
        col = f"{alias}.{quote(SYSTEM_COLUMNS.get(name) or column_name(name))}"
        kind = _kind(attr, name)
        if kind == "decimal" and self.dialect == "sqlite":
            col = f"CAST({col} AS REAL)"  # stored as text on SQLite
        to_db = self._to_db(kind)
        if op in ("$null", "$notNull"):
            is_null = bool(value) if op == "$null" else not bool(value)
            return f"{col} IS NULL" if is_null else f"{col} IS NOT NULL"
        if op in ("$in", "$notIn"):
            values = [to_db(v) for v in _flatten(value) if v is not None]
            if not values:
                return "1=0" if op == "$in" else "1=1"
            marks = ", ".join(sql.bind(v) for v in values)
            return f"{col} {'IN' if op == '$in' else 'NOT IN'} ({marks})"
        if op == "$between":
            low, high = value
            return f"{col} BETWEEN {sql.bind(to_db(low))} AND {sql.bind(to_db(high))}"
        if value is None:
            return f"{col} IS NULL" if op in ("$eq", "$eqi") else (f"{col} IS NOT NULL" if op in ("$ne", "$nei") else "1=0")
        if op in ("$eq", "$ne", "$lt", "$lte", "$gt", "$gte"):
            sign = {"$eq": "=", "$ne": "<>", "$lt": "<", "$lte": "<=", "$gt": ">", "$gte": ">="}[op]
            return f"{col} {sign} {sql.bind(to_db(value))}"
        text = str(to_db(value))
        if kind not in STRING_TYPES:
            col = f"CAST({col} AS TEXT)"
        insensitive = op.endswith("i")
        if insensitive:
            col, text = self._lower(col), text.casefold()
        base = op.rstrip("i") if insensitive else op
        if base in ("$eq", "$ne"):
            return f"{col} {'=' if base == '$eq' else '<>'} {sql.bind(text)}"
        negate = base in ("$notContains",)
        base = "$contains" if base == "$notContains" else base
        expr = self._match(col, base, text, sql)
        return f"NOT ({expr})" if negate else expr

    def _match(self, col: str, op: str, text: str, sql: SQL) -> str:
        if self.dialect == "sqlite":
            if op == "$contains":
                return f"instr({col}, {sql.bind(text)}) > 0"
            if op == "$startsWith":
                return f"substr({col}, 1, {sql.bind(len(text))}) = {sql.bind(text)}"
            if not text:
                return f"{col} IS NOT NULL"
            return f"substr({col}, {sql.bind(-len(text))}) = {sql.bind(text)}"
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = {"$contains": f"%{escaped}%", "$startsWith": f"{escaped}%", "$endsWith": f"%{escaped}"}[op]
        return f"{col} LIKE {sql.bind(pattern)}"

    def _lower(self, col: str) -> str:
        return f"cms_lower({col})" if self.dialect == "sqlite" else f"LOWER({col})"

    def search(self, ct: ContentType, alias: str, term: str, sql: SQL) -> str:
        """Strapi's ``_q``: a case-insensitive substring of any visible string attribute."""
        columns = [a.name for a in ct.scalar_attributes() if a.type in STRING_TYPES and not a.hidden]
        if not columns:
            return "1=0"
        lowered = term.casefold()
        parts = [self._match(self._lower(f"{alias}.{quote(column_name(c))}"), "$contains", lowered, sql) for c in columns]
        return " OR ".join(parts)

    # -- sorting --------------------------------------------------------------------

    def order_by(self, ct: ContentType, alias: str, keys: tuple[SortKey, ...], sql: SQL, joins: list[str]) -> str:
        terms = []
        for key in keys:
            current, current_alias = ct, alias
            for name in key.path[:-1]:
                attr = current.attributes[name]
                storage = self.models.storage(current.uid, name)
                joined = sql.alias()
                table = quote(storage.target_table)
                if storage.kind == "column":
                    joins.append(f"LEFT JOIN {table} {joined} ON {joined}.id = {current_alias}.{quote(storage.column)}")
                elif storage.kind == "reverse_column":
                    joins.append(f"LEFT JOIN {table} {joined} ON {joined}.{quote(storage.column)} = {current_alias}.id")
                else:
                    link = sql.alias()
                    joins.append(f"LEFT JOIN {quote(storage.join_table)} {link} ON {link}.{quote(storage.join_self)} = {current_alias}.id")
                    joins.append(f"LEFT JOIN {table} {joined} ON {joined}.id = {link}.{quote(storage.join_other)}")
                current, current_alias = self.registry.get(attr.target or ""), joined
            leaf = key.path[-1]
            col = f"{current_alias}.{quote(SYSTEM_COLUMNS.get(leaf) or column_name(leaf))}"
            if _kind(current.attributes.get(leaf), leaf) == "decimal" and self.dialect == "sqlite":
                col = f"CAST({col} AS REAL)"
            terms.append(f"{col} {'DESC' if key.descending else 'ASC'}")
        terms.append(f"{alias}.id ASC")  # a stable order for equal keys and for pagination
        return ", ".join(terms)

    # -- values ---------------------------------------------------------------------

    def _to_db(self, kind: str) -> Callable[[Any], Any]:
        if self.dialect == "sqlite":
            return _SQLITE_VALUES.get(kind, _same)
        return _POSTGRES_VALUES.get(kind, _same)


def _kind(attr: Attribute | None, name: str) -> str:
    if attr is not None:
        return attr.type
    if name in _DATETIME_SYSTEM:
        return "datetime"
    return "integer" if name == "id" else "string"


def _same(value: Any) -> Any:
    return value


def _utc(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc) if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    return value


def _time_text(value: Any) -> Any:
    return value.strftime("%H:%M:%S.%f")[:12] if isinstance(value, dt.time) else value


_SQLITE_VALUES: dict[str, Callable[[Any], Any]] = {
    # Tortoise writes str(datetime) in UTC on SQLite; the same text compares in order
    "datetime": lambda v: str(_utc(v)) if isinstance(v, dt.datetime) else v,
    "timestamp": lambda v: str(_utc(v)) if isinstance(v, dt.datetime) else v,
    "date": lambda v: v.isoformat() if isinstance(v, dt.date) else v,
    "time": _time_text,
    "decimal": lambda v: float(v) if isinstance(v, decimal.Decimal) else v,
    "boolean": lambda v: int(v) if isinstance(v, bool) else v,
}
_POSTGRES_VALUES: dict[str, Callable[[Any], Any]] = {
    "datetime": _utc,
    "timestamp": _utc,
    "time": _time_text,
}


def _resolve(value: Any, variables: dict[str, Any]) -> Any:
    if isinstance(value, Variable):
        current: Any = variables
        for part in value.name.split("."):
            current = current.get(part) if isinstance(current, dict) else None
        return current
    if isinstance(value, list):
        return [_resolve(v, variables) for v in value]
    return value


def _unbound(value: Any, variables: dict[str, Any]) -> bool:
    if isinstance(value, Variable):
        return _resolve(value, variables) is None
    return False


def _flatten(value: Any) -> list[Any]:
    """``$in`` values; a variable bound to a list (``$user.rooms``) counts as its items."""
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        return [value]
    return [item for v in value for item in _flatten(v)]


def _true_on_null(op: str, value: Any) -> bool:
    return (op == "$null" and bool(value)) or (op == "$notNull" and not bool(value))
