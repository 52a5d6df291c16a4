"""Compile a parsed :class:`~cms.query.ast.Query` into parameterised SQL.

Reads bypass the ORM's query builder: measured on this machine (DESIGN.md §2)
Tortoise's query API serves ~500 list requests/s where SQL built here and run
on Tortoise's own connection serves ~2,000. Identifiers come only from the
validated schema (never from the request); every value is a bound parameter.

Case rules are the same on every database: ``$eq``, ``$contains``,
``$startsWith``, ``$endsWith`` are case-sensitive, their ``i`` variants compare
Unicode lower case (on SQLite through ``cms_lower``, registered on each
connection by :func:`cms.query.reader.prepare_connection`).

Filters through relations, and which shapes an index can serve
----------------------------------------------------------------

A filter through a relation means "some related entry matches" (so a to-many
relation never duplicates rows), and a missing related entry reads as NULL, as
with Strapi's left joins. How that is written depends on where the links live
(:class:`Link`, the one place that knows the three storage kinds):

* A to-one relation stored as a foreign-key column on this table (manyToOne,
  oneWay, the owning side of oneToOne) compiles to that column, so the
  column's index serves it and the related table is not touched:
  ``sender.id $eq 3`` → ``t0."sender_id" = ?``; ``$in``, ``$lt`` ... alike;
  ``$null`` → ``t0."sender_id" IS NULL``. Any other condition on the related
  entry (``sender.documentId``, ``sender.username``, deeper paths) is an
  uncorrelated sub-query the planner runs once and turns into index lookups:
  ``t0."sender_id" IN (SELECT t1.id FROM "registered_users" t1 WHERE t1."username" = ?)``;
  ``sender.documentId $eq`` (one entry at most) is ``t0."sender_id" = (SELECT ...)``,
  an equality planners estimate like ``fk = ?``.
  An ``$or`` of such terms (and of indexable scalar terms) stays indexable:
  SQLite answers it with a MULTI-INDEX OR, PostgreSQL with a BitmapOr.
* Relations stored elsewhere (the inverse side of a foreign key, join tables,
  hence every to-many relation and a to-one relation moved to a join table to
  break a cycle) compile to a correlated ``EXISTS``. The related table's
  index serves each probe, but nothing drives the outer table: such a term
  alone, or inside an ``$or``, reads the outer table in full, unless another
  ANDed term narrows it.

The foreign-key form returns exactly what the ``EXISTS`` form returns. It
relies on the foreign-key constraint (a non-null key always has its row: the
constraints are ``ON DELETE SET NULL``, and Tortoise turns SQLite's
``foreign_keys`` pragma on). ``EXISTS`` is never NULL while ``fk = ?`` is NULL
for a NULL key; the two only differ under ``NOT`` (where SQL's NULL stays
NULL), so a comparison that can be NULL gets ``fk IS NOT NULL AND`` in front of
it only there (``$not``, an odd number of negations deep). ``sender.id $eq
null`` matches nothing, as before (a related entry always has an id).

Other shapes no index serves, by nature: negations (``$ne``, ``$notIn``,
``$notContains``, ``$not``), ``$contains``/``$endsWith`` and every
case-insensitive operator (they compare a function of the column), ``$startsWith``
(written with ``substr``/``LIKE``, which the default collations do not index),
decimals on SQLite (compared through ``CAST``) and ``_q``. Combined by
``$and`` with an indexable term they are checked on the rows the index found;
inside an ``$or`` they make the whole ``$or`` a full read.

Constant terms fold away (an ``$in`` over an empty ``$user.rooms`` is false,
and ``x OR false`` is ``x``), so they never hide an indexable ``$or``.

Pages under an ``$or``: the union of each term's page
-----------------------------------------------------

An index answers an ``$or`` (a MULTI-INDEX OR, a BitmapOr), but not in the
page's order: the database collects every matching row and sorts them all to
return 20 (the messages grant ``sender = me OR recipient = me OR room IN my
rooms``: 2,000 rows sorted per page). So on SQLite (:class:`Reader
<cms.query.reader.Reader>` passes ``top_n_per_term`` to :meth:`Compiler.select`)
a page (a LIMIT, maybe an OFFSET) whose WHERE ANDs an ``$or`` of two or more
indexable terms (``$eq``/``$in`` on a foreign key, ``id``, ``documentId``, a
unique scalar or the first column of an ``options.indexes`` entry; an ``$in``
counts as one term per value, at most 32 in all), and whose sort is on columns
of the table itself, selects its ids from the union of each term's own page::

    SELECT ... FROM "messages" t0 WHERE t0.id IN (
        SELECT p1_.id FROM (SELECT p1.id FROM "messages" p1
                            WHERE (<the other ANDed conditions>) AND (p1."sender_id" = ?)
                            ORDER BY <the order> LIMIT <offset + limit>) p1_
        UNION ALL SELECT p2_.id FROM (... p2."recipient_id" = ? ...) p2_
        UNION ALL SELECT p3_.id FROM (... p3."room" = ? ...) p3_ ...)
    ORDER BY <the order> LIMIT ? OFFSET ?

Each branch reads an index on (its column, ...) and stops after offset + limit
rows when that index also gives the order (an index on (column, sort key); a
foreign key's own index for the default order by id); the outer query sorts the
few ids the branches return. It returns what the plain query does: the order
is total (``id`` breaks ties), and a row among the plain query's first
offset + limit is among its own term's first offset + limit.

Any other shape is compiled as below (ids first, or plain): no LIMIT, a sort
through a relation or on a decimal, a term no index serves, an ``$or`` of one
term once constants fold, offset + limit above 100 (each branch reads that
many rows; deeper pages were faster plain), or an indexable ``$eq``/``$in``
ANDed beside the ``$or`` (``room = ?``: its index already reads few rows, in
order). PostgreSQL keeps the plain query: on the bench's chat data (100,000
messages, 2,023 visible) the union made its first page slower (0.30 → 1.24 ms
by id, 0.30 → 0.54 ms by createdAt), where on SQLite it took it from 0.24 to
0.09 ms by id and from 0.40 to 0.08 ms by createdAt.

Other pages: ids first, then rows
---------------------------------

When the index that narrows a page does not give its order, SQLite sorts the
matching rows whole (every column, ``text`` included) in a temporary B-tree to
keep the first few: the chat's history of a room (``room = ? ORDER BY id DESC
LIMIT 51``, 500 messages in the room) read and sorted 500 rows for 51, 0.99 ms
where the REST room page (``ORDER BY createdAt DESC``, the index's own order)
took 0.09 ms. So on SQLite (``ids_first``, asked for by the Reader) any other
filtered page with a LIMIT, sorted on the table's own columns, selects its ids
first, then its rows::

    SELECT ... FROM "messages" t0 WHERE t0.id IN (
        SELECT t0.id FROM "messages" t0 WHERE <where> ORDER BY <order> LIMIT ? OFFSET ?)
    ORDER BY <order>

The inner query sorts ids (and sort keys), from the index alone when the index
holds the filtered and sorted columns (SQLite's indexes end with the rowid):
the history page took 0.16 ms. Where the plain query already reads an index in
order and stops after the page, the extra step cost 1 to 2 µs (the room page
by createdAt 43 → 44 µs); a filter that pins one row (``$eq`` on ``id``,
``documentId`` or a unique attribute: a findOne) keeps the plain page. The Reader
also leaves out of such pages the parts of the permission condition the
filters imply (as it does for counts): ``room = <my room>`` under the messages
grant is ``room = ?`` alone, which the index covers; with the grant's
``sender``/``recipient`` terms kept, each of the room's rows is read to test
them (0.69 ms). PostgreSQL keeps the plain page and the full condition: its
top-N sort is cheap, and without the condition's terms its planner walked the
primary key backwards for the history (0.85 → 1.12 ms).

Counts
------

``COUNT(*)`` keeps the plain WHERE, minus the condition parts the filters
imply (:meth:`Reader.count <cms.query.reader.Reader.count>`). Under an
``$or`` of indexable terms SQLite already answers it from the indexes alone:
a MULTI-INDEX OR whose table cursor is never read (its DeferredSeek is never
resolved); PostgreSQL with a BitmapOr, then the heap pages for visibility.
What it costs is the de-duplication of the matching row ids (a row may match
several terms), about 90 ns a row on SQLite: 0.19 ms for the bench user's
2,023 messages (PostgreSQL 0.79 ms), against 0.067 ms for the three per-term
counts that would count overlaps twice. Exact alternatives measured
slower on the same data: ``COUNT(*)`` over a ``UNION`` of per-term ids from
covering indexes 0.41 ms (PostgreSQL 1.53 ms: it has no index-only
path to a row identity), ``COUNT(DISTINCT id)`` over ``UNION ALL``
0.45 ms, a sum of per-term counts excluding earlier terms through ``NOT IN``
0.45 ms, through index probes 0.77 ms, through the rows 1.25 ms. The Reader
runs no COUNT where the page tells the total (a page shorter than its limit:
offset + its rows), nor with ``withCount=false``.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from cms.content import Attribute, ContentType, Registry
from cms.query import component_sql
from cms.models.builder import Models
from cms.models.fields import column_name
from cms.models.storage import Storage
from cms.query.ast import And, Condition, Node, Not, Or, Query, SortKey, Variable, bind

SYSTEM_COLUMNS = {
    "id": "id", "documentId": "document_id", "createdAt": "created_at",
    "updatedAt": "updated_at", "publishedAt": "published_at", "locale": "locale",
}
_DATETIME_SYSTEM = frozenset({"createdAt", "updatedAt", "publishedAt"})
STRING_TYPES = frozenset({"string", "text", "richtext", "email", "uid", "enumeration"})
#: constant conditions, folded away by :meth:`Compiler.node`
TRUE, FALSE = "1=1", "1=0"
#: at most this many branches in a union of per-term pages (module docs)
_MAX_BRANCHES = 32
#: ... and only for the first this many rows (offset + limit): each branch reads that many,
#: and beyond about 150 the plain query was faster (SQLite, the bench's chat data, sorted by createdAt)
_MAX_UNION_ROWS = 100


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


@dataclass(frozen=True)
class Link:
    """How the rows a relation points at are reached from a row of its source.

    ``key`` (a column of the source row: the foreign key on the source table,
    or its ``id``) equals ``inner``, a column of the first of ``tables``; the
    related rows are ``alias`` in the last of them. ``source_key`` names the
    source column (unquoted) for callers that hold source rows rather than SQL.

    ==================  =========================  ==========================
    storage kind        ``key`` = ``inner``         ``tables``
    ==================  =========================  ==========================
    ``column``          ``t0.fk = r.id``           target ``r``
    ``reverse_column``  ``t0.id = r.fk``           target ``r``
    ``join``            ``t0.id = l.self``         join table ``l``, then
                                                   target ``r`` on
                                                   ``r.id = l.other``
    ==================  =========================  ==========================
    """

    source_key: str
    key: str
    inner: str
    alias: str
    #: ``(table and alias, join condition)``; the first condition is ``key = inner``
    tables: tuple[tuple[str, str], ...]

    def from_clause(self) -> str:
        """``FROM`` text reaching the related rows (without the link to the source row)."""
        first, *rest = self.tables
        return " ".join([first[0], *(f"JOIN {table} ON {on}" for table, on in rest)])

    def exists(self, where: str = TRUE) -> str:
        """Whether some related row of the source row satisfies ``where`` (correlated)."""
        more = "" if where == TRUE else f" AND ({where})"
        return f"EXISTS (SELECT 1 FROM {self.from_clause()} WHERE {self.inner} = {self.key}{more})"

    def left_joins(self) -> list[str]:
        """``LEFT JOIN`` clauses adding the related row's columns to each source row."""
        (first, _), *rest = self.tables
        return [f"LEFT JOIN {first} ON {self.inner} = {self.key}",
                *(f"LEFT JOIN {table} ON {on}" for table, on in rest)]


def link(storage: Storage, source: str, related: str, through: str = "") -> Link:
    """The :class:`Link` of ``storage`` from source alias ``source`` to related alias ``related``
    (``through`` aliases the join table, for join storage)."""
    target = f"{quote(storage.target_table)} {related}"
    if storage.kind == "column":
        column = quote(storage.column)
        return Link(storage.column, f"{source}.{column}", f"{related}.id", related, ((target, ""),))
    if storage.kind == "reverse_column":
        return Link("id", f"{source}.id", f"{related}.{quote(storage.column)}", related, ((target, ""),))
    joined = f"{quote(storage.join_table)} {through}"
    return Link("id", f"{source}.id", f"{through}.{quote(storage.join_self)}", related,
                ((joined, ""), (target, f"{related}.id = {through}.{quote(storage.join_other)}")))


class Compiler:
    """SQL for one database dialect, for any content type of the registry."""

    def __init__(self, registry: Registry, models: Models, dialect: str) -> None:
        self.registry = registry
        self.models = models
        self.dialect = dialect

    def link(self, ct: ContentType, attribute: str, source: str, sql: SQL) -> Link:
        """:func:`link` for relation ``attribute`` of ``ct``, with fresh aliases from ``sql``."""
        storage = self.models.storage(ct.uid, attribute)
        related = sql.alias()
        return link(storage, source, related, sql.alias() if storage.kind == "join" else "")

    def link_position(self, through: str) -> str:
        """Where a link table's row stands among its source's links: the order they were
        written in (a ``set`` rewrites them in the order given, a ``connect`` appends), which
        is the order populate shows them in without a ``sort``, as Strapi keeps relation order.
        SQLite numbers every row (``rowid``); PostgreSQL link tables get an ``id`` serial column
        in their migration (:mod:`cms.models.migrations`)."""
        return f"{through}.rowid" if self.dialect == "sqlite" else f'{through}."id"'

    # -- statements ---------------------------------------------------------------

    def select(self, ct: ContentType, query: Query, columns: list[str], sql: SQL,
               variables: dict[str, Any] | None = None, extra: Node | None = None, *,
               top_n_per_term: bool = False, ids_first: bool = False, outer_joins: str = "") -> str:
        """``SELECT columns FROM ct WHERE filters ORDER BY sort LIMIT/OFFSET``.

        ``outer_joins``: joins written after the outer statement's ``FROM ct t0``
        (the Reader's to-one relations read with the page; they must not change
        how many rows there are), outside any id subquery.

        ``top_n_per_term``: a page under an indexable ``$or`` selects its ids from
        the union of each term's page where the shape applies (:meth:`page_ids`,
        module docs). ``ids_first``: any other filtered page selects its ids
        first, then its rows (module docs). :class:`~cms.query.reader.Reader`
        asks for both on SQLite.
        """
        table = quote(ct.collection_name)
        if top_n_per_term:
            union = self.page_ids(ct, query, sql, variables, extra)
            if union is not None:
                text = f"SELECT {', '.join(columns)} FROM {table} t0{outer_joins} WHERE t0.id IN ({union})"
                text += f" ORDER BY {self.order_by(ct, 't0', query.sort, sql, [])}"
                return text + self.limit_offset(query, sql)
        joins: list[str] = []
        where = self.where(ct, "t0", query, sql, variables, extra)
        order = self.order_by(ct, "t0", query.sort, sql, joins)
        page = query.pagination
        if (ids_first and where and not joins and page is not None and page.limit is not None
                and not self._one_row(ct, query.filters, variables or {})):
            ids = f"SELECT t0.id FROM {table} t0 WHERE {where} ORDER BY {order}" + self.limit_offset(query, sql)
            return f"SELECT {', '.join(columns)} FROM {table} t0{outer_joins} WHERE t0.id IN ({ids}) ORDER BY {order}"
        text = f"SELECT {', '.join(columns)} FROM {table} t0{outer_joins}"
        if joins:
            text += " " + " ".join(joins)
        if where:
            text += f" WHERE {where}"
        text += f" ORDER BY {order}"
        return text + self.limit_offset(query, sql)

    def limit_offset(self, query: Query, sql: SQL) -> str:
        text = ""
        page = query.pagination
        if page is not None:
            if page.limit is not None:
                text += f" LIMIT {sql.bind(page.limit)}"
            elif page.offset:
                text += " LIMIT -1" if self.dialect == "sqlite" else ""
            if page.offset:
                text += f" OFFSET {sql.bind(page.offset)}"
        return text

    def page_ids(self, ct: ContentType, query: Query, sql: SQL, variables: dict[str, Any] | None,
                 extra: Node | None) -> str | None:
        """The ids of a page as a union of each ``$or`` term's page (module docs), or None
        where the shape does not apply: no limit, an ORDER BY through a relation or a
        decimal on SQLite, no ANDed ``$or`` of two or more indexable terms."""
        page = query.pagination
        if page is None or page.limit is None or (page.offset or 0) + page.limit > _MAX_UNION_ROWS:
            return None
        if any(len(key.path) != 1 or (self.dialect == "sqlite" and _kind(ct.attributes.get(key.path[0]),
                                                                         key.path[0]) == "decimal")
               for key in query.sort):
            return None
        variables = variables or {}
        items: list[Node] = []
        for node in (query.filters, extra):
            if node is not None:
                items.extend(_and_items(node))
        if any(isinstance(item, Condition) and self._indexable(ct, item, variables) for item in items):
            return None  # an index already narrows the plain query to one key's rows, in order
        for position, item in enumerate(items):
            if not isinstance(item, Or) or len(item.items) < 2:
                continue
            terms = self._branches(ct, item, variables)
            if terms is None:
                continue
            if len(terms) < 2:
                return None  # one term (or none): the plain query is as indexable
            others = And((*items[:position], *items[position + 1:]))
            rows = (page.offset or 0) + page.limit
            branches = []
            for number, term in enumerate(terms, start=1):
                alias = f"p{number}"
                where = self.where(ct, alias, replace(query, filters=And((others, term))), sql, variables)
                order = self.order_by(ct, alias, query.sort, sql, [])
                branches.append(f"SELECT {alias}_.id FROM (SELECT {alias}.id FROM {quote(ct.collection_name)} "
                                f"{alias} WHERE {where} ORDER BY {order} LIMIT {sql.bind(rows)}) {alias}_")
            return " UNION ALL ".join(branches)
        return None

    def _branches(self, ct: ContentType, node: Or, variables: dict[str, Any]) -> list[Condition] | None:
        """The terms of ``node`` as one ``$eq`` each (an ``$in`` gives one per value, so that
        an index on (column, sort key) returns each branch in order), constant terms left
        out; None if a term is not indexable, ``node`` is constant, or there are too many."""
        terms: list[Condition] = []
        for term in node.items:
            if not isinstance(term, Condition):
                return None
            compiled = self.node(ct, "t0", term, SQL(self.dialect), variables)
            if compiled == FALSE:  # an $in over no value, an unbound variable
                continue
            if compiled == TRUE or not self._indexable(ct, term, variables):
                return None
            if term.operator == "$eq":
                terms.append(term)
            else:
                values = list(dict.fromkeys(v for v in _flatten(bind(term.value, variables)) if v is not None))
                terms.extend(Condition(term.path, "$eq", v) for v in values)
        return terms if len(terms) <= _MAX_BRANCHES else None

    def _one_row(self, ct: ContentType, node: Node | None, variables: dict[str, Any]) -> bool:
        """Whether ``node`` ANDs an ``$eq`` on ``id``, ``documentId`` or a unique attribute: at
        most one row matches, and its page has nothing to sort (a findOne stays plain)."""
        for item in _and_items(node) if node is not None else []:
            if (isinstance(item, Condition) and item.operator == "$eq" and len(item.path) == 1
                    and bind(item.value, variables) is not None):
                attr = ct.attributes.get(item.path[0])
                if item.path[0] in ("id", "documentId") if attr is None else attr.unique:
                    return True
        return False

    def _indexable(self, ct: ContentType, cond: Condition, variables: dict[str, Any]) -> bool:
        """Whether ``cond`` is ``$eq``/``$in`` on a column of ``ct`` that starts an index:
        a foreign key (``sender.id``), ``id``, or a scalar that is unique or first in
        ``options.indexes``."""
        if cond.operator not in ("$eq", "$in") or bind(cond.value, variables) is None:
            return False
        head = cond.path[0]
        attr = ct.attributes.get(head)
        if len(cond.path) == 2:
            return (cond.path[1] == "id" and attr is not None and attr.type == "relation"
                    and self.models.storage(ct.uid, head).kind == "column")
        if len(cond.path) != 1:
            return False
        if attr is None:
            return head in ("id", "documentId")
        if attr.type == "relation" or (attr.type == "decimal" and self.dialect == "sqlite"):
            return False
        return attr.unique or any(index[0] == head for index in ct.indexes)

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

    def node(self, ct: ContentType, alias: str, node: Node, sql: SQL, variables: dict[str, Any],
             *, negated: bool = False) -> str:
        """The condition ``node`` on rows ``alias`` of ``ct``.

        ``negated``: whether the text lands under an odd number of ``NOT``
        (see the module docs: only there must a NULL comparison read as false).
        """
        if isinstance(node, Condition):
            return self.condition(ct, alias, node, sql, variables, negated=negated)
        if isinstance(node, Not):
            inner = self.node(ct, alias, node.item, sql, variables, negated=not negated)
            return FALSE if inner == TRUE else TRUE if inner == FALSE else f"NOT ({inner})"
        is_and = isinstance(node, And)
        neutral, absorbing = (TRUE, FALSE) if is_and else (FALSE, TRUE)
        begin = len(sql.params)
        parts = []
        for item in node.items:
            text = self.node(ct, alias, item, sql, variables, negated=negated)
            if text == absorbing:  # x AND false, x OR true: the other items' parameters go too
                del sql.params[begin:]
                return absorbing
            if text != neutral:
                parts.append(text)
        if not parts:
            return neutral
        joiner = " AND " if is_and else " OR "
        return parts[0] if len(parts) == 1 else joiner.join(f"({text})" for text in parts)

    def condition(self, ct: ContentType, alias: str, cond: Condition, sql: SQL, variables: dict[str, Any],
                  *, negated: bool = False) -> str:
        head = cond.path[0]
        if _unbound(cond.value, variables):
            return FALSE  # a variable the caller does not have matches nothing, never "IS NULL"
        value = bind(cond.value, variables)
        if len(cond.path) == 1:
            return self.leaf(ct, alias, head, cond.operator, value, sql)
        attr = ct.attributes[head]
        if attr.is_component:  # inside the owner's JSON column (cms/query/component_sql.py)
            return component_sql.condition(self, attr, component_sql.column(alias, attr), cond.path[1:],
                                           cond.operator, value, sql, variables)
        target = self.registry.get(attr.target or "")
        inner = Condition(cond.path[1:], cond.operator, cond.value)
        if self.models.storage(ct.uid, head).kind == "column":
            return self.foreign_key(ct, alias, head, target, inner, value, sql, variables, negated=negated)
        rows = self.link(ct, head, alias, sql)
        # the related rows' own condition is a WHERE of its own: no negation above it
        matched = rows.exists(self.condition(target, rows.alias, inner, sql, variables))
        if _true_on_null(cond.operator, value):  # a missing related row reads as NULL
            matched = f"({matched} OR NOT {self.link(ct, head, alias, sql).exists()})"
        return matched

    def foreign_key(self, ct: ContentType, alias: str, name: str, target: ContentType, inner: Condition,
                    value: Any, sql: SQL, variables: dict[str, Any], *, negated: bool) -> str:
        """``inner`` on the entry that foreign-key column ``name`` of ``ct`` points at (module docs).

        Returns what ``EXISTS (related row with id = fk AND inner)`` returns:
        true or false, never NULL, except where a NULL cannot change the outcome.
        """
        storage = self.models.storage(ct.uid, name)
        fk = f"{alias}.{quote(storage.column)}"
        op = inner.operator
        on_null = _true_on_null(op, value)
        if inner.path == ("id",):
            if op in ("$null", "$notNull"):
                return f"{fk} IS NULL" if on_null else f"{fk} IS NOT NULL"
            if value is None:  # $eq/$ne null: an existing entry's id is never null
                return f"{fk} IS NOT NULL" if op == "$ne" else FALSE
            compared = self.compare(fk, "integer", op, value, sql)
            if compared in (TRUE, FALSE):  # $in []/$notIn []: no entry/any entry
                return f"{fk} IS NOT NULL" if compared == TRUE else FALSE
            # fk <op> ? is NULL for a NULL fk, as good as false unless negated
            return f"{fk} IS NOT NULL AND {compared}" if negated else compared
        related = sql.alias()
        condition = self.condition(target, related, inner, sql, variables)
        rows = f"SELECT {related}.id FROM {quote(storage.target_table)} {related} WHERE {condition}"
        if condition == FALSE:
            matched = FALSE
        elif condition == TRUE:
            matched = f"{fk} IS NOT NULL"
        elif inner.path == ("documentId",) and op == "$eq" and value is not None and not negated:
            # at most one row (document_id is unique): an equality, which planners estimate
            # as well as "fk = ?" (SQLite with ANALYZE statistics scans for an IN list);
            # no row gives NULL, as good as false where no NOT is above
            matched = f"{fk} = ({rows})"
        else:
            matched = f"{fk} IN ({rows})"
            if negated and not on_null:
                matched = f"{fk} IS NOT NULL AND {matched}"
        if on_null:
            return f"{fk} IS NULL" if matched == FALSE else f"{matched} OR {fk} IS NULL"
        return matched

    def leaf(self, ct: ContentType, alias: str, name: str, op: str, value: Any, sql: SQL) -> str:
        attr = ct.attributes.get(name)
        col = f"{alias}.{quote(SYSTEM_COLUMNS.get(name) or column_name(name))}"
        kind = _kind(attr, name)
        if kind == "decimal" and self.dialect == "sqlite":
            col = f"CAST({col} AS REAL)"  # stored as text on SQLite
        return self.compare(col, kind, op, value, sql)

    def compare(self, col: str, kind: str, op: str, value: Any, sql: SQL) -> str:
        """``col`` (SQL text of a value of attribute type ``kind``) compared by ``op`` with ``value``."""
        to_db = self._to_db(kind)
        if op in ("$null", "$notNull"):
            is_null = bool(value) if op == "$null" else not bool(value)
            return f"{col} IS NULL" if is_null else f"{col} IS NOT NULL"
        if op in ("$in", "$notIn"):
            values = [to_db(v) for v in _flatten(value) if v is not None]
            if not values:
                return FALSE if op == "$in" else TRUE
            marks = ", ".join(sql.bind(v) for v in values)
            return f"{col} {'IN' if op == '$in' else 'NOT IN'} ({marks})"
        if op == "$between":
            low, high = value
            return f"{col} BETWEEN {sql.bind(to_db(low))} AND {sql.bind(to_db(high))}"
        if value is None:
            return f"{col} IS NULL" if op in ("$eq", "$eqi") else (f"{col} IS NOT NULL" if op in ("$ne", "$nei") else FALSE)
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
            return FALSE
        lowered = term.casefold()
        parts = [self._match(self._lower(f"{alias}.{quote(column_name(c))}"), "$contains", lowered, sql) for c in columns]
        return " OR ".join(parts)

    # -- sorting --------------------------------------------------------------------

    def order_by(self, ct: ContentType, alias: str, keys: tuple[SortKey, ...], sql: SQL, joins: list[str]) -> str:
        terms = []
        for key in keys:
            current, current_alias = ct, alias
            head = ct.attributes.get(key.path[0])
            if head is not None and head.is_component:  # a field of a non-repeatable component
                col = component_sql.sort_expression(self, ct, alias, key.path)
                terms.append(f"{col} {'DESC' if key.descending else 'ASC'}")
                continue
            for name in key.path[:-1]:
                rows = self.link(current, name, current_alias, sql)
                joins.extend(rows.left_joins())
                current, current_alias = self.registry.get(current.attributes[name].target or ""), rows.alias
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


def _and_items(node: Node) -> list[Node]:
    """The items ``node`` ANDs at its top level (nested ``And`` flattened)."""
    if isinstance(node, And):
        return [leaf for item in node.items for leaf in _and_items(item)]
    return [node]


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


def _unbound(value: Any, variables: dict[str, Any]) -> bool:
    if isinstance(value, Variable):
        return bind(value, variables) is None
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
