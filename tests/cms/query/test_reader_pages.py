"""Pages as the Reader reads them: ids first on SQLite, totals from short pages, statements compiled once.

The chat's history of a room (``room = ? ORDER BY id DESC LIMIT 51`` under the
default messages grant) sorted the room's rows whole on SQLite: 0.99 ms where
the REST room page took 0.09 ms. The Reader now leaves out the grant's parts
the filter implies and selects the page's ids first (cms/query/sql.py, "Other
pages: ids first, then rows"), so the page's ids come from the room's index
alone. These tests check the SQL and plan on SQLite, that PostgreSQL keeps the
plain page, that every way returns the same documents, that a page shorter
than its limit gives the total without a COUNT, and that the statement cache
never hands one caller's SQL to another.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Iterator
from typing import Any

import pytest

from cms.query.ast import And, Condition, Pagination, Query, SortKey, Variable
from cms.query.reader import _bound_key
from cms.query.sql import SQL, Compiler
from tests.cms.query.chat_db import (
    DIALECTS, MESSAGE, MODELS, REGISTRY, ChatDatabase, DatabaseReader, chat_database, message_grant, run,
)
from tests.cms.query.test_sql_plans import ME, seed

MINE = {"user": {"id": ME, "rooms": ["room1", "room2", "room3"]}}
#: as plugins/realtime/chat.py's history() builds it: newest first, one more row than the page
HISTORY = Query(filters=Condition(("room",), "$eq", "room2"), sort=(SortKey(("id",), descending=True),),
                pagination=Pagination("offset", 0, 51, with_count=False))


@pytest.fixture(scope="module", params=DIALECTS)
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatDatabase]:
    with chat_database(request.param, tmp_path_factory.mktemp("reader_pages")) as database:
        seed(database)
        database.analyze()
        yield database


def plain_ids(db: ChatDatabase, query: Query, variables: dict[str, Any], extra: Any) -> list[int]:
    """The page's ids as the plain query (no union, no ids first, whole condition) returns them."""
    sql = SQL(db.dialect)
    text = Compiler(REGISTRY, MODELS, db.dialect).select(MESSAGE, query, ["t0.id"], sql, variables, extra)
    return [row[0] for row in db.fetch(text, sql.params)]


def test_the_history_page_selects_its_ids_from_the_room_index(db: ChatDatabase) -> None:
    reader = DatabaseReader(db)
    documents, _ = run(reader.find_many(MESSAGE, HISTORY, MINE, message_grant()))
    assert [d["id"] for d in documents] == plain_ids(db, HISTORY, MINE, message_grant())
    assert len(documents) == 51 and all(d["room"] == "room2" for d in documents)
    (text, params), = reader.statements
    if db.dialect == "postgres":  # the plain page, whole condition: its planner keeps to the indexes
        assert not reader.ids_first and " t0.id IN (" not in text and '"sender_id"' in text
        return
    columns = text[len("SELECT "):text.index(' FROM "messages"')]
    assert text == (f'SELECT {columns} FROM "messages" t0 WHERE t0.id IN (SELECT t0.id FROM "messages" t0 '
                    f'WHERE (t0."room" = ?) ORDER BY t0."id" DESC, t0.id ASC LIMIT ?) '
                    f'ORDER BY t0."id" DESC, t0.id ASC')
    assert params == ["room2", 51]
    plan = db.plan(text, params)
    # the (room, id) index gives the ids in order: no sort at all
    assert "SEARCH t0 USING COVERING INDEX idx_messages_room_ff84d3 (room=?)" in plan, plan
    assert not [line for line in plan if "TEMP B-TREE" in line], plan
    assert plan[0] == "SEARCH t0 USING INTEGER PRIMARY KEY (rowid=?)", plan
    assert not [line for line in plan if re.match(r"SCAN t0\b", line)], plan


def test_a_room_that_is_not_mine_keeps_the_condition(db: ChatDatabase) -> None:
    """room9 is not among my rooms: only what I sent or received there may show, and the grant stays."""
    query = Query(filters=Condition(("room",), "$eq", "room9"), sort=HISTORY.sort, pagination=HISTORY.pagination)
    reader = DatabaseReader(db)
    documents, _ = run(reader.find_many(MESSAGE, query, MINE, message_grant()))
    assert [d["id"] for d in documents] == plain_ids(db, query, MINE, message_grant())
    assert '"sender_id"' in reader.statements[0][0]


@pytest.mark.parametrize("qs", [
    "filters[room][$eq]=room2", "filters[room][$eq]=room2&sort=createdAt:desc", "sort=createdAt:desc",
    "filters[text][$contains]=1&pagination[page]=3", "filters[sender][id][$eq]=9&sort=room:asc",
    "filters[$or][0][room][$eq]=room2&filters[$or][1][recipient][id][$null]=true&sort=id:desc",
])
def test_pages_and_totals_as_the_plain_query(db: ChatDatabase, qs: str) -> None:
    from tests.cms.query.test_sql_plans import rest

    query = rest(qs)
    for variables, extra in ((MINE, message_grant()), ({}, None)):
        reader = DatabaseReader(db)
        documents, total = run(reader.find_many(MESSAGE, query, variables, extra))
        assert [d["id"] for d in documents] == plain_ids(db, query, variables, extra)
        sql = SQL(db.dialect)
        count = db.fetch(Compiler(REGISTRY, MODELS, db.dialect).count(MESSAGE, query, sql, variables, extra),
                         sql.params)[0][0]
        assert total == count


def test_a_short_page_tells_its_total(db: ChatDatabase) -> None:
    query = Query(filters=Condition(("sender", "id"), "$eq", ME), pagination=Pagination("page", 0, 100, True))
    reader = DatabaseReader(db)
    documents, total = run(reader.find_many(MESSAGE, query, MINE, message_grant()))
    assert 0 < len(documents) < 100
    assert total == len(documents) == run(reader.count(MESSAGE, query, MINE, message_grant()))
    assert [text.startswith("SELECT COUNT") for text, _ in reader.statements] == [False, True]  # count() only
    past = Query(filters=query.filters, pagination=Pagination("offset", 200, 100, True))
    reader = DatabaseReader(db)  # a reader of its own: the first one keeps its count (SQLite)
    assert run(reader.find_many(MESSAGE, past, MINE, message_grant())) == ([], total)  # empty past the end: counted
    assert [text.startswith("SELECT COUNT") for text, _ in reader.statements] == [False, True]


class CountingCompiler(Compiler):
    """A compiler that counts the statements it writes."""

    compiled = 0

    def select(self, *args: Any, **kwargs: Any) -> str:
        self.compiled += 1
        return super().select(*args, **kwargs)

    def count(self, *args: Any, **kwargs: Any) -> str:
        self.compiled += 1
        return super().count(*args, **kwargs)


def test_statements_are_compiled_once_per_caller(db: ChatDatabase) -> None:
    compiler = CountingCompiler(REGISTRY, MODELS, db.dialect)
    reader = DatabaseReader(db, compiler)
    query = Query(sort=(SortKey(("createdAt",), True),), pagination=Pagination("page", 0, 20, True))
    first = run(reader.find_many(MESSAGE, query, MINE, message_grant()))
    assert compiler.compiled == 2  # the page and its count
    assert run(reader.find_many(MESSAGE, query, MINE, message_grant())) == first
    assert compiler.compiled == 2
    # another user, other rooms, no rooms: other statements, and their own rows
    for variables in ({"user": {"id": ME + 1, "rooms": ["room1", "room2", "room3"]}},
                      {"user": {"id": ME, "rooms": ["room4"]}}, {"user": {"id": ME, "rooms": []}},
                      {"user": {"id": ME, "rooms": None}}):
        documents, total = run(reader.find_many(MESSAGE, query, variables, message_grant()))
        fresh = run(DatabaseReader(db).find_many(MESSAGE, query, variables, message_grant()))
        assert (documents, total) == fresh and documents != first[0]
    assert compiler.compiled == 2 + 4 * 2


def test_values_key_with_their_type() -> None:
    """``1 == True == 1.0`` in Python; as parameters they differ, so they must not share a statement.
    An unbound variable matches nothing where a literal null means "is null"."""
    keys = {_bound_key(Condition(("id",), "$eq", value), {}) for value in (1, True, 1.0, decimal.Decimal(1))}
    assert len(keys) == 4
    variable, literal = Condition(("room",), "$eq", Variable("user.room")), Condition(("room",), "$eq", None)
    assert _bound_key(variable, {"user": {}}) != _bound_key(literal, {"user": {}})
    assert _bound_key(And((variable,)), {"user": {"room": "a"}}) != _bound_key(And((variable,)),
                                                                                {"user": {"room": "b"}})


def test_a_value_without_an_exact_key_compiles_anew(db: ChatDatabase) -> None:
    """A value of a type the key does not know (here an object in a variable) is compiled each time."""

    class Room(str):
        pass

    compiler = CountingCompiler(REGISTRY, MODELS, db.dialect)
    reader = DatabaseReader(db, compiler)
    condition = Condition(("room",), "$eq", Variable("user.room"))
    query = Query(pagination=Pagination("page", 0, 5, False))
    for room in ("room1", "room2"):
        documents, _ = run(reader.find_many(MESSAGE, query, {"user": {"room": Room(room)}}, condition))
        assert documents and all(d["room"] == room for d in documents)
    assert compiler.compiled == 2


def test_a_page_of_one_row_stays_plain(db: ChatDatabase) -> None:
    """A findOne by documentId (or id, or a unique attribute) has nothing to sort: no ids-first step."""
    reader = DatabaseReader(db)
    for condition in (Condition(("documentId",), "$eq", "m00000000000000000000077"), Condition(("id",), "$eq", 77)):
        found = run(reader.find_one(MESSAGE, Query(filters=condition), MINE, message_grant()))
        assert found is not None and found["id"] == 77
    assert all(" t0.id IN (" not in text for text, _ in reader.statements)
