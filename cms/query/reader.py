"""Run compiled queries and shape rows straight into REST documents.

Rows never become model objects on the read path: each value is turned into
its JSON form by a per-type converter (Strapi's shapes: ISO 8601 UTC datetimes
with milliseconds, big integers as strings, decimals as numbers). JSON columns
read from SQLite are embedded as-is (``orjson.Fragment``), not parsed.
Populated relations are fetched with one query per relation and level, for
all parent rows at once, except to-one relations kept in a foreign-key column
without filters of their own, which are joined into the page's statement
(:meth:`Reader._joined`). Populated components and dynamic zones are read
from their JSON columns with one statement per level and shaped by
:mod:`cms.query.component_values` (:meth:`Reader._components`).

A read is written as a *plan*: a generator that yields each statement and
receives its rows (:data:`Plan`), so that one driver can run all of a read's
statements (the page, each populate, the count) in a single trip to SQLite's
worker thread instead of one trip each (:meth:`Reader._run`).
"""

from __future__ import annotations

import datetime as dt
import decimal
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Generator, Hashable, Iterable
from dataclasses import dataclass, replace
from operator import itemgetter
from typing import Any, TypeVar

import orjson
from tortoise import Tortoise
from tortoise.exceptions import IntegrityError, OperationalError

from cms.content import ContentType
from cms.models.fields import column_name
from cms.query.component_values import Shaper as ComponentShaper
from cms.query.component_values import fill as fill_components
from cms.query.ast import And, Condition, Node, Not, Or, Pagination, Populate, Query, Variable, bind
from cms.query.sql import SQL, SYSTEM_COLUMNS, Compiler, Link, link, quote

Document = dict[str, Any]
T = TypeVar("T")
#: one SQL statement and its parameters
Step = tuple[str, list[Any]]
#: a read: yields the statements it needs, one after the other, is sent each one's rows, returns its result
Plan = Generator[Step, list[Any], T]
#: the pagination of "the first match"
FIRST = Pagination("offset", 0, 1, with_count=False)
_IN_CHUNK = 500
#: SQLite: what changes whenever the data may have (:attr:`Reader._counts`)
_DATA_VERSION = "SELECT total_changes(), (SELECT data_version FROM pragma_data_version())"
#: compiled statements kept (:meth:`Reader._statement`); all are dropped when there would be more
_STATEMENTS_MAX = 4096


async def prepare_connection(connection: Any) -> None:
    """Give SQLite a Unicode-aware ``cms_lower`` (its ``lower()`` is ASCII-only)."""
    raw = getattr(connection, "_connection", None)
    if raw is not None and hasattr(raw, "create_function"):
        await raw.create_function("cms_lower", 1, _casefold, deterministic=True)


def _casefold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


class Reader:
    """Documents of any content type, read with SQL from :class:`Compiler`.

    With ``database.sqlite_direct_reads``, SQLite reads run on a plain
    ``sqlite3`` connection of their own, on the event loop: the ORM's driver
    hands every query to a worker thread and back, which costs ten times the
    query itself (bench/rest.py). WAL mode lets this reader run beside the ORM's
    writing connection and see every committed write. Otherwise, and on
    PostgreSQL, reads use the ORM's connection.
    """

    def __init__(self, compiler: Compiler, connection_name: str = "default") -> None:
        self.compiler = compiler
        self.dialect = compiler.dialect
        self.connection_name = connection_name
        self._sqlite: sqlite3.Connection | None = None
        self._shapers: dict[tuple[str, tuple[str, ...] | None, tuple[str, ...]], _Shaper] = {}
        #: pages under an indexable ``$or`` as the union of each term's page (cms/query/sql.py):
        #: on SQLite, where the plain query sorts every matching row (on PostgreSQL it measured faster)
        self.top_n_per_term = self.dialect == "sqlite"
        #: other filtered pages select their ids first, and leave out the condition parts the
        #: filters imply (cms/query/sql.py): on SQLite, where the plain query sorts whole rows; on
        #: PostgreSQL the full condition keeps the planner on the filter's index (chat history)
        self.ids_first = self.dialect == "sqlite"
        #: compiled SQL and parameters by what decides them (:meth:`_statement`)
        self._statements: dict[Hashable, tuple[str, tuple[Any, ...]]] = {}
        #: each relation's :class:`Link` by (type, attribute): the models a reader serves do not change
        self._links: dict[tuple[str, str], Link] = {}
        #: populate statements without filters, by relation, shape and number of keys (:meth:`_children`)
        self._populates: dict[Hashable, str] = {}
        #: SQLite: counts by statement and parameters, with the database's version when counted.
        #: The version is this connection's ``total_changes()`` (every row it wrote, committed
        #: or not) and ``data_version`` (changed by every commit of any other connection, the
        #: ORM's writer or another process), read in the same trip as the count would be; a
        #: count is reused only while both are unchanged, so it is always exact. A COUNT under
        #: the messages grant took 0.15 ms where its page took 0.03 (bench/rest.py --dataset
        #: chat); a read-mostly list now pays it once per write. PostgreSQL has no such cheap
        #: version: its counts run every time.
        self._counts: dict[Hashable, tuple[tuple[Any, ...], int]] = {}
        #: called with each statement and its parameters before it runs (benchmarks and tests record them)
        self.on_statement: Callable[[str, list[Any]], None] | None = None

    def attach_sqlite(self, path: str) -> None:
        """Read from the SQLite file at ``path`` directly (see class docs)."""
        self.close()
        connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=5.0)
        connection.execute("PRAGMA query_only = ON")
        connection.create_function("cms_lower", 1, _casefold, deterministic=True)
        self._sqlite = connection

    def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
            self._sqlite = None

    async def _run(self, plan: Plan[T]) -> T:
        """Run ``plan``'s statements in order and return its result.

        Through the ORM's SQLite driver (aiosqlite), every statement is a trip
        to its worker thread and back, which costs more than the statements of
        a page: a chat history page with its sender and attachments populated
        took three trips, the REST page with its count two (bench/history.py).
        The whole plan runs in one trip instead, under the driver's lock (the
        plan's own Python work is small: shaping rows and compiling populate
        statements). aiosqlite offers no public call for "run this function on
        the connection's thread", so its ``_execute`` is used where it exists;
        where it does not, and on PostgreSQL, each statement is awaited in turn
        (:meth:`_run_each`).
        """
        if self._sqlite is not None:
            return _drive(plan, self._sqlite, self.on_statement)
        if self.dialect == "sqlite":
            client = Tortoise.get_connection(self.connection_name)
            async with client.acquire_connection() as connection:
                execute, raw = getattr(connection, "_execute", None), getattr(connection, "_conn", None)
                if execute is not None and raw is not None:
                    try:
                        return await execute(_drive, plan, raw, self.on_statement)
                    except sqlite3.OperationalError as exc:  # as the ORM's own calls raise them
                        raise OperationalError(exc) from exc
                    except sqlite3.IntegrityError as exc:
                        raise IntegrityError(exc) from exc
        return await self._run_each(plan)

    async def _run_each(self, plan: Plan[T]) -> T:
        """Run ``plan`` one awaited statement (:meth:`_fetch`) at a time."""
        try:
            step = next(plan)
            while True:
                step = plan.send(await self._fetch(step[0], step[1]))
        except StopIteration as stop:
            return stop.value

    async def _fetch(self, text: str, params: list[Any]) -> list[Any]:
        if self.on_statement is not None:
            self.on_statement(text, params)
        connection = Tortoise.get_connection(self.connection_name)
        _, rows = await connection.execute_query(text, params)
        return list(rows)

    def _shaper(self, ct: ContentType, fields: tuple[str, ...] | None, populate: dict[str, Populate]) -> _Shaper:
        links = tuple(self._link_columns(ct, populate))
        key = (ct.uid, fields, links)
        shaper = self._shapers.get(key)
        if shaper is None:
            if len(self._shapers) > 10_000:
                self._shapers.clear()
            shaper = self._shapers[key] = _Shaper(ct, fields, self.dialect, list(links))
        return shaper

    async def find_many(self, ct: ContentType, query: Query, variables: dict[str, Any] | None = None,
                        extra: Node | None = None) -> tuple[list[Document], int | None]:
        """The page of documents and, when asked, the total matching count.

        The total comes from the page itself where the page tells it (a page
        shorter than its limit ends the matches: offset + its length), else from
        :meth:`count`.
        """
        return await self._run(self._find_many(ct, query, variables, extra))

    async def find_one(self, ct: ContentType, query: Query, variables: dict[str, Any] | None = None,
                       extra: Node | None = None) -> Document | None:
        """The first document ``query`` matches (its sort applies), or None."""
        documents, _ = await self.find_many(ct, replace(query, pagination=FIRST), variables, extra)
        return documents[0] if documents else None

    async def count(self, ct: ContentType, query: Query, variables: dict[str, Any] | None = None,
                    extra: Node | None = None) -> int:
        """How many documents ``query`` matches (its pagination, fields and populate do not matter).

        ``extra`` (a permission condition) is left out, wholly or in part, where
        the filters already imply it (:func:`_without_implied`): the count of
        ``room = ? AND (sender = me OR recipient = me OR room IN my rooms)``
        for one of my rooms is the count of ``room = ?``, which an index
        answers alone, where the full condition reads every row of the room.
        """
        return await self._run(self._count(ct, query, variables, extra))

    def _find_many(self, ct: ContentType, query: Query, variables: dict[str, Any] | None,
                   extra: Node | None) -> Plan[tuple[list[Document], int | None]]:
        shaper = self._shaper(ct, query.fields, query.populate)
        joined = self._joined(ct, query.populate)
        columns = shaper.columns("t0") + [column for join in joined for column in join.columns]
        outer_joins = "".join(f" {join.clause}" for join in joined)

        def compile_page(sql: SQL) -> str:
            condition = _without_implied(query.filters, extra, variables or {}) if self.ids_first else extra
            return self.compiler.select(ct, query, columns, sql, variables, condition, top_n_per_term=self.top_n_per_term,
                                        ids_first=self.ids_first, outer_joins=outer_joins)

        kind = ("page", tuple(columns), outer_joins, query.sort, query.pagination, self.top_n_per_term, self.ids_first)
        rows = yield self._statement(kind, ct, query, variables, extra, compile_page)
        documents = [shaper.document(row) for row in rows]
        offset = shaper.width
        for join in joined:
            yield from self._take_joined(join, documents, rows, offset, variables)
            offset += len(join.columns)
        rest = {name: spec for name, spec in query.populate.items() if all(j.name != name for j in joined)}
        yield from self._populate(ct, documents, rows, shaper, rest, variables)
        total = None
        page = query.pagination
        if page is None or page.with_count:
            total = _total_of_page(page, len(rows))
            if total is None:
                total = yield from self._count(ct, query, variables, extra)
        return documents, total

    def _count(self, ct: ContentType, query: Query, variables: dict[str, Any] | None,
               extra: Node | None) -> Plan[int]:
        def compile_count(sql: SQL) -> str:
            condition = _without_implied(query.filters, extra, variables or {})
            return self.compiler.count(ct, query, sql, variables, condition)

        text, params = self._statement(("count",), ct, query, variables, extra, compile_count)
        if self.dialect != "sqlite":
            rows = yield text, params
            return int(rows[0][0])
        # SQLite: a count is kept until the database changes (see _counts)
        try:
            key: Hashable | None = (text, tuple(params))
            hash(key)
        except TypeError:
            key = None
        version = tuple((yield _DATA_VERSION, [])[0])
        kept = self._counts.get(key) if key is not None else None
        if kept is not None and kept[0] == version:
            return kept[1]
        rows = yield text, params
        total = int(rows[0][0])
        if key is not None:
            if len(self._counts) >= _STATEMENTS_MAX:
                self._counts.clear()
            self._counts[key] = (version, total)  # the version read before counting: never too new
        return total

    def _statement(self, kind: tuple[Any, ...], ct: ContentType, query: Query, variables: dict[str, Any] | None,
                   extra: Node | None, compile: Callable[[SQL], str]) -> tuple[str, list[Any]]:
        """``compile``'s SQL and parameters, compiled once per distinct statement.

        Compiling the messages grant's page and count took 60 µs a request (of
        about 1 ms), for the same text every time. Statements under a condition
        (``extra``) are kept: without one, compiling takes 2 to 6 µs, about
        what keeping them costs when their values vary (a findOne by
        documentId). The key holds everything the text and parameters depend
        on: ``kind`` (a page's columns, sort, pagination and shape flags), the
        type, the query's filters and search, and the condition, each variable
        replaced by its value (:func:`_bound_key`). A value that cannot be
        keyed exactly (a dict, an object) compiles anew.
        """
        if extra is None:
            sql = SQL(self.dialect)
            return compile(sql), sql.params
        try:
            key: Hashable | None = (kind, ct.uid, _bound_key(query.filters, variables), query.search,
                                    _bound_key(extra, variables))
        except _NoKey:
            key = None
        found = self._statements.get(key) if key is not None else None
        if found is not None:
            return found[0], list(found[1])
        sql = SQL(self.dialect)
        text = compile(sql)
        if key is not None:
            if len(self._statements) >= _STATEMENTS_MAX:
                self._statements.clear()
            self._statements[key] = (text, tuple(sql.params))
        return text, sql.params

    # -- populate -------------------------------------------------------------------

    def _link_columns(self, ct: ContentType, populate: dict[str, Populate]) -> list[str]:
        """Foreign-key columns the populate step needs from the parent rows."""
        keys = (self._link(ct, name).source_key for name in populate if not ct.attributes[name].is_component)
        return [key for key in keys if key != "id"]

    def _link(self, ct: ContentType, name: str) -> Link:
        """Relation ``name`` of ``ct`` seen from its related rows, aliased ``t0`` (join table ``j``)."""
        found = self._links.get((ct.uid, name))
        if found is None:
            found = self._links[(ct.uid, name)] = link(self.compiler.models.storage(ct.uid, name), "", "t0", "j")
        return found

    def _joined(self, ct: ContentType, populate: dict[str, Populate]) -> list[_Joined]:
        """The populated relations read with the page itself: to-one, kept in a foreign-key
        column of ``ct`` (``LEFT JOIN target ON target.id = t0.fk``: one row or none per
        page row), without filters of their own (a grant's condition on the target, or the
        caller's). A chat history page read its senders with a second statement, which cost
        more than the page (bench/history.py); joined, they are a few more columns. Others
        are populated with a statement of their own (:meth:`_populate`)."""
        joined: list[_Joined] = []
        for name, spec in populate.items():
            attr = ct.attributes[name]
            if spec.filters is not None or attr.is_to_many or attr.is_component:
                continue
            storage = self.compiler.models.storage(ct.uid, name)
            if storage.kind != "column":
                continue
            target = self.compiler.registry.get(attr.target or "")
            alias = f"jp{len(joined)}"
            child = self._shaper(target, spec.fields, spec.populate)
            clause = (f"LEFT JOIN {quote(storage.target_table)} {alias} "
                      f"ON {alias}.id = t0.{quote(storage.column)}")
            joined.append(_Joined(name, spec, target, child, child.columns(alias), clause))
        return joined

    def _take_joined(self, join: _Joined, documents: list[Document], rows: list[Any], offset: int,
                     variables: dict[str, Any] | None) -> Plan[None]:
        """Shape ``join``'s columns of each page row (from ``offset``) into its related document."""
        width = len(join.columns)
        take = itemgetter(*range(offset, offset + width)) if width > 1 else (lambda row: (row[offset],))
        by_id: dict[Any, Document] = {}
        child_rows: list[Any] = []
        document_of = join.shaper.document
        name = join.name
        for document, row in zip(documents, rows):
            key = row[offset]  # the related row's id: None when there is none
            if key is None:
                document[name] = None
                continue
            related = by_id.get(key)
            if related is None:
                part = take(row)
                related = by_id[key] = document_of(part)
                child_rows.append(part)
            document[name] = related
        yield from self._populate(join.target, list(by_id.values()), child_rows, join.shaper,
                                  join.spec.populate, variables)

    def _populate(self, ct: ContentType, documents: list[Document], rows: list[Any], shaper: _Shaper,
                  populate: dict[str, Populate], variables: dict[str, Any] | None) -> Plan[None]:
        if not documents or not populate:
            return
        registry = self.compiler.registry
        components = {name: spec for name, spec in populate.items() if ct.attributes[name].is_component}
        if components:
            yield from self._components(ct, documents, components, variables)
        for name, spec in populate.items():
            attr = ct.attributes[name]
            if attr.is_component:
                continue
            target = registry.get(attr.target or "")
            rows_link = self._link(ct, name)
            child_query = Query(filters=spec.filters, sort=spec.sort, fields=spec.fields)
            child = self._shaper(target, spec.fields, spec.populate)
            # each parent's key (its id, or its foreign key) → the related documents, in order
            if rows_link.source_key == "id":
                keys = [document["id"] for document in documents]
            else:
                keys = [shaper.link(row, rows_link.source_key) for row in rows]
            by_key: dict[Any, list[Document]] = defaultdict(list)
            child_docs: list[Document] = []
            child_rows: list[Any] = []
            document_of = child.document
            for chunk in _chunks(sorted(set(keys) - {None})):
                found = yield self._children(target, child_query, child, chunk, rows_link, variables)
                docs = [document_of(row) for row in found]
                for row, doc in zip(found, docs):
                    by_key[row[-1]].append(doc)
                child_docs += docs
                child_rows += found
            if attr.is_to_many:
                for document, key in zip(documents, keys):
                    document[name] = by_key.get(key, [])
            else:
                first = {key: related[0] for key, related in by_key.items()}
                for document, key in zip(documents, keys):
                    document[name] = first.get(key)
            yield from self._populate(target, child_docs, child_rows, child, spec.populate, variables)

    def _components(self, ct: ContentType, documents: list[Document], populate: dict[str, Populate],
                    variables: dict[str, Any] | None) -> Plan[None]:
        """Populated components and dynamic zones of ``documents`` (:mod:`cms.query.component_values`):
        their JSON columns read with one statement, then the relations inside them with one read
        per target and shape (the target's own populate and the caller's conditions apply)."""
        names = list(populate)
        columns = ", ".join(f"t0.{quote(column_name(name))}" for name in names)
        stored: dict[Any, Any] = {}
        for chunk in _chunks([document["id"] for document in documents]):
            sql = SQL(self.dialect)
            marks = ", ".join(sql.bind(i) for i in chunk)
            found = yield (f"SELECT t0.id, {columns} FROM {quote(ct.collection_name)} t0 "
                           f"WHERE t0.id IN ({marks})", sql.params)
            stored.update((row[0], row[1:]) for row in found)
        shaper = ComponentShaper(self.compiler.registry)
        for document in documents:
            values = stored.get(document["id"], (None,) * len(names))
            for name, value in zip(names, values):
                if isinstance(value, (str, bytes)):
                    value = orjson.loads(value)
                document[name] = shaper.value(ct.attributes[name], value, populate[name])
        for pending in shaper.pending.values():
            if not pending.ids:
                continue
            target = self.compiler.registry.get(pending.target)
            spec = pending.spec
            by_id = Condition(("id",), "$in", sorted(pending.ids))
            query = Query(filters=And((by_id, spec.filters)) if spec.filters is not None else by_id,
                          fields=spec.fields, populate=spec.populate)
            found, _ = yield from self._find_many(target, query, variables, None)
            fill_components(pending, found)

    def _children(self, target: ContentType, query: Query, shaper: _Shaper, keys: list[Any],
                  rows_link: Link, variables: dict[str, Any] | None) -> Step:
        """The statement of the rows of ``target`` linked to the parent ``keys``, each ending with its parent key.

        Without filters its text depends only on the relation, the shape and
        how many keys there are, and its parameters are the keys: it is kept
        (compiling it was a fifth of a chat history page's populate time).
        """
        kept = (target.uid, rows_link, query.sort, shaper, len(keys)) if query.filters is None else None
        if kept is not None and (text := self._populates.get(kept)) is not None:
            return text, list(keys)
        sql = SQL(self.dialect)
        columns = [*shaper.columns("t0"), rows_link.inner]
        # placeholders bind in text order: the key list comes first in the WHERE clause
        marks = ", ".join(sql.bind(k) for k in keys)
        where = self.compiler.where(target, "t0", query, sql, variables)
        joins: list[str] = []
        order = self.compiler.order_by(target, "t0", query.sort, sql, joins)
        if not query.sort and len(rows_link.tables) == 2:  # through a link table: in link order
            order = f"{self.compiler.link_position('j')} ASC, {order}"
        text = f"SELECT {', '.join(columns)} FROM {rows_link.from_clause()}"
        text += "".join(f" {j}" for j in joins)
        text += f" WHERE {rows_link.inner} IN ({marks})" + (f" AND ({where})" if where else "")
        text += f" ORDER BY {order}"
        if kept is not None and len(sql.params) == len(keys):  # nothing bound but the keys
            if len(self._populates) >= _STATEMENTS_MAX:
                self._populates.clear()
            self._populates[kept] = text
        return text, sql.params


def _drive(plan: Plan[T], connection: sqlite3.Connection,
           observe: Callable[[str, list[Any]], None] | None = None) -> T:
    """Run ``plan`` on a ``sqlite3`` connection, in the calling thread."""
    try:
        step = next(plan)
        while True:
            if observe is not None:
                observe(step[0], step[1])
            step = plan.send(connection.execute(step[0], step[1]).fetchall())
    except StopIteration as stop:
        return stop.value


def _total_of_page(page: Pagination | None, rows: int) -> int | None:
    """The total count a page's own length tells, or None: a page shorter than its limit (or
    with no limit) holds the last matches, unless it is empty past the first row."""
    if page is None:
        return rows
    if (page.limit is None or rows < page.limit) and (rows > 0 or not page.offset):
        return page.offset + rows
    return None


class _NoKey(Exception):
    """A value :func:`_bound_key` cannot key exactly."""


#: values whose equality (with their type) means the same SQL parameter
_KEYED_TYPES = (str, int, float, bool, type(None), decimal.Decimal, dt.date, dt.time, dt.datetime, dt.timedelta)


def _bound_key(node: Node | None, variables: dict[str, Any] | None) -> Hashable:
    """A hashable key of ``node`` with its variables bound: equal keys compile to the same SQL.

    Values are keyed with their type (``1``, ``True`` and ``1.0`` are equal in
    Python, not as parameters); a variable stays tagged as one, since an unbound
    variable matches nothing where a literal null means "is null".
    """
    if node is None:
        return None
    if isinstance(node, Condition):
        return (node.path, node.operator, _value_key(node.value, variables or {}))
    if isinstance(node, Not):
        return ("$not", _bound_key(node.item, variables))
    return ("$and" if isinstance(node, And) else "$or", tuple(_bound_key(item, variables) for item in node.items))


def _value_key(value: Any, variables: dict[str, Any]) -> Hashable:
    if isinstance(value, Variable):
        return (Variable, value.name, _value_key(value.lookup(variables), {}))
    if isinstance(value, (list, tuple)):
        return (type(value), tuple(_value_key(item, variables) for item in value))
    if type(value) not in _KEYED_TYPES:
        raise _NoKey(type(value).__name__)
    return (type(value), value)


def _equalities(node: Node | None, variables: dict[str, Any]) -> dict[tuple[str, ...], Any]:
    """``path → value`` of the ``$eq`` conditions ``node`` requires (itself, or ANDed at its top level)."""
    found: dict[tuple[str, ...], Any] = {}
    if isinstance(node, Condition) and node.operator == "$eq":
        value = bind(node.value, variables)
        if value is not None and not isinstance(value, list):
            found[node.path] = value
    elif isinstance(node, And):
        for item in node.items:
            for path, value in _equalities(item, variables).items():
                found.setdefault(path, value)  # two different values: matches nothing, either will do
    return found


def _implied(node: Node, equal: dict[tuple[str, ...], Any], variables: dict[str, Any]) -> bool:
    """Whether every row with ``path = value`` for each item of ``equal`` satisfies ``node``.

    Only ``$eq``/``$in`` on the same path are recognised (through relations
    too: "some related entry has v" implies "some related entry has a value
    among [..., v, ...]"); values compare with ``==``, so a value of another
    type is simply not recognised. Anything else is not implied.
    """
    if isinstance(node, Condition):
        if node.path not in equal or node.operator not in ("$eq", "$in"):
            return False
        wanted, value = equal[node.path], bind(node.value, variables)
        if node.operator == "$eq":
            return not isinstance(value, list) and type(value) is type(wanted) and value == wanted
        items = value if isinstance(value, list) else [value]
        flat = [x for item in items for x in (item if isinstance(item, list) else [item])]
        return any(type(x) is type(wanted) and x == wanted for x in flat)
    if isinstance(node, Or):
        return any(_implied(item, equal, variables) for item in node.items)
    if isinstance(node, And):
        return bool(node.items) and all(_implied(item, equal, variables) for item in node.items)
    return False


def _without_implied(filters: Node | None, extra: Node | None, variables: dict[str, Any]) -> Node | None:
    """``extra`` less what ``filters`` imply: ``filters AND result`` matches what ``filters AND extra`` does."""
    if extra is None or filters is None:
        return extra
    equal = _equalities(filters, variables)
    if not equal:
        return extra
    if _implied(extra, equal, variables):
        return None
    if isinstance(extra, And):
        kept = tuple(item for item in extra.items if not _implied(item, equal, variables))
        return extra if len(kept) == len(extra.items) else And(kept) if kept else None
    return extra


def _chunks(values: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start:start + _IN_CHUNK]


@dataclass(frozen=True)
class _Joined:
    """A populated relation read with the page (:meth:`Reader._joined`)."""

    name: str
    spec: Populate
    target: ContentType
    shaper: _Shaper
    #: its columns in the page, aliased
    columns: list[str]
    #: the ``LEFT JOIN`` clause
    clause: str


class _Shaper:
    """Which columns to select for a type and how to turn a row into a document."""

    def __init__(self, ct: ContentType, fields: tuple[str, ...] | None, dialect: str, links: list[str]) -> None:
        wanted = [a for a in ct.scalar_attributes() if not a.hidden and (fields is None or a.name in fields)]
        system = ["createdAt", "updatedAt", "publishedAt", "locale"] if ct.localized else \
            ["createdAt", "updatedAt", "publishedAt"]
        if fields is not None:
            system = [s for s in system if s in fields]
        self._names = ["id", "documentId", *(a.name for a in wanted), *system]
        self._columns = ["id", "document_id", *(column_name(a.name) for a in wanted),
                         *(SYSTEM_COLUMNS[s] for s in system)]
        converters = _CONVERTERS[dialect]
        kinds = ["integer", "string", *(a.type for a in wanted),
                 *("string" if s == "locale" else "datetime" for s in system)]
        #: (index, name, converter) of the columns whose value is not the document's as read
        self._converted = [(index, name, converters[kind]) for index, (name, kind) in enumerate(zip(self._names, kinds))
                           if kind in converters]
        self._links = {column: len(self._columns) + i for i, column in enumerate(links)}
        self.document = self._compile_document()  # type: ignore[method-assign]

    def columns(self, alias: str) -> list[str]:
        return [f"{alias}.{quote(c)}" for c in [*self._columns, *self._links]]

    @property
    def width(self) -> int:
        """How many columns :meth:`columns` selects."""
        return len(self._columns) + len(self._links)

    def link(self, row: Any, column: str) -> Any:
        return row[self._links[column]]

    def document(self, row: Any) -> Document:
        """The document of ``row`` (the link columns after the names are left out)."""
        doc = dict(zip(self._names, row))
        for index, name, convert in self._converted:
            value = row[index]
            if value is not None:
                doc[name] = convert(value)
        return doc

    def _compile_document(self) -> Callable[[Any], Document]:
        """:meth:`document` as one dict display made for this shape.

        Every row of every read goes through it (a chat history page shapes 96
        documents: its 51 messages and their senders), and a function written
        for the shape builds the dict in one step, without the generic loop's
        per-column work. Keys are written with ``repr`` and values are read by
        index, so no name from a schema becomes code.
        """
        converted = {index: f"_c{index}" for index, _, _ in self._converted}
        namespace: dict[str, Any] = {f"_c{index}": convert for index, _, convert in self._converted}
        items = []
        datetimes = {index for index, _, convert in self._converted if convert is _iso_datetime}
        for index, name in enumerate(self._names):
            value = f"row[{index}]"
            if index in datetimes:  # _iso_datetime's first case written in line: three per row, every row
                value = (f"(None if (v := {value}) is None else v[:10] + 'T' + v[11:23] + 'Z' "
                         f"if v.__class__ is str and len(v) == 32 and v[19] == '.' and v[26:] == '+00:00' "
                         f"else {converted[index]}(v))")
            elif index in converted:
                value = f"(None if {value} is None else {converted[index]}({value}))"
            items.append(f"{name!r}: {value}")
        source = f"def document(row):\n    return {{{', '.join(items)}}}\n"
        exec(compile(source, f"<shaper {'/'.join(self._names[:3])}...>", "exec"), namespace)  # noqa: S102
        return namespace["document"]


def _iso_datetime(value: Any) -> str:
    """Strapi's datetime shape: ``2024-05-01T12:30:15.123Z``."""
    if isinstance(value, str):
        if len(value) == 32 and value[19] == "." and value.endswith("+00:00"):  # the usual: with microseconds
            return f"{value[:10]}T{value[11:23]}Z"
        if value.endswith("+00:00") and len(value) >= 25:  # Tortoise's SQLite text, always UTC
            fraction = value[19:23] if value[19] == "." else ".000"
            return f"{value[:10]}T{value[11:19]}{fraction}Z"
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc)
    # the year zero-padded: strftime's %Y writes year 167 as "167", which is no ISO 8601
    return f"{value.year:04d}" + value.strftime("-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _number(value: Any) -> Any:
    return float(value) if isinstance(value, (str, decimal.Decimal)) else value


def _date(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


_COMMON: dict[str, Callable[[Any], Any]] = {
    "datetime": _iso_datetime,
    "timestamp": _iso_datetime,
    "date": _date,
    "decimal": _number,
    "biginteger": str,
}
def _json(value: Any) -> Any:
    """Stored JSON text is embedded as-is; SQLite hands numbers back already decoded."""
    return orjson.Fragment(value) if isinstance(value, (str, bytes)) else value


_CONVERTERS: dict[str, dict[str, Callable[[Any], Any]]] = {
    "sqlite": {**_COMMON, "boolean": bool, "json": _json, "blocks": _json},
    "postgres": {**_COMMON, "json": _json, "blocks": _json},
}
