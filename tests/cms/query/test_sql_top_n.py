"""A page under an indexable ``$or`` is the union of each term's page, with the same rows.

``Compiler.select`` writes ``t0.id IN (<each term's first offset+limit ids> UNION
ALL ...)`` for such pages (cms/query/sql.py, "Pages under an $or"), and with
``ids_first`` selects the ids of any other filtered page before its rows.
Generated pages (offsets, limits, sorts with ties on createdAt, NULL foreign
keys and rooms, the default grant and ``$or`` filters ANDed with other
conditions) are run on SQLite and PostgreSQL every way, and must return the
same ids in the same order; through the Reader (as the server has it for each
database), their totals and counts must be what a plain evaluation of the
conditions over the seeded rows gives. The SQLite plan of the default grant's
page must not sort the whole visible set: each branch reads an index in order.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import replace
from typing import Any, NamedTuple

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from cms.query.ast import And, Condition, Node, Not, Or, Pagination, Query, SortKey, Variable, bind
from cms.query.sql import SQL, Compiler, _flatten
from tests.cms.query.chat_db import (
    DIALECTS, MESSAGE, MODELS, REGISTRY, ChatDatabase, DatabaseReader, chat_database, document_id, message_grant,
    run, stamp,
)

USERS, MESSAGES, ROOMS = 8, 400, ["a", "b", "c", "d"]
DAY = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)


def created(dialect: str, minute: int) -> Any:
    at = DAY + dt.timedelta(minutes=minute)
    return str(at) if dialect == "sqlite" else at


class Row(NamedTuple):
    id: int
    text: str
    room: str | None
    sender: int | None
    recipient: int | None
    minute: int


def message_rows() -> list[Row]:
    rnd = random.Random(4)
    rows = []
    for i in range(1, MESSAGES + 1):
        sender = rnd.choice([None, *range(1, USERS + 1)])
        recipient = rnd.choice([None, None, *range(1, USERS + 1)])
        room = rnd.choice([None, *ROOMS])
        rows.append(Row(i, f"message {i % 7}", room, sender, recipient, rnd.randrange(40)))  # few distinct times
    return rows


ROWS = message_rows()


def seed(db: ChatDatabase) -> None:
    at = stamp(db.dialect)
    db.insert("registered_users", ["id", "document_id", "username", "email", "created_at", "updated_at"],
              [(i, document_id("u", i), f"user{i}", f"user{i}@example.com", at, at) for i in range(1, USERS + 1)])
    db.insert("messages", ["id", "document_id", "text", "room", "sender_id", "recipient_id", "client_id",
                           "created_at", "updated_at"],
              [(r.id, document_id("m", r.id), r.text, r.room, r.sender, r.recipient, None,
                created(db.dialect, r.minute), at) for r in ROWS])
    db.analyze()


@pytest.fixture(scope="module", params=DIALECTS)
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatDatabase]:
    with chat_database(request.param, tmp_path_factory.mktemp("top_n")) as database:
        seed(database)
        yield database


def page(db: ChatDatabase, query: Query, variables: dict[str, Any] | None, extra: Node | None,
         *, union: bool, ids_first: bool = False) -> tuple[str, list[int]]:
    compiler = Compiler(REGISTRY, MODELS, db.dialect)
    sql = SQL(db.dialect)
    text = compiler.select(MESSAGE, query, ["t0.id"], sql, variables, extra, top_n_per_term=union, ids_first=ids_first)
    return text, [row[0] for row in db.fetch(text, sql.params)]


# -- generated pages ---------------------------------------------------------------------

users = st.integers(0, USERS + 1)  # 0 and USERS + 1 name no user
rooms = st.sampled_from([*ROOMS, "z"])
terms = st.one_of(
    st.builds(lambda u: Condition(("sender", "id"), "$eq", u), users),
    st.builds(lambda u: Condition(("recipient", "id"), "$eq", u), users),
    st.builds(lambda us: Condition(("recipient", "id"), "$in", us), st.lists(users, max_size=3)),
    st.builds(lambda r: Condition(("room",), "$eq", r), rooms),
    st.builds(lambda rs: Condition(("room",), "$in", rs), st.lists(rooms, max_size=3)),
    st.builds(lambda ids: Condition(("id",), "$in", ids), st.lists(st.integers(1, MESSAGES + 5), max_size=4)),
    st.just(Condition(("room",), "$in", Variable("user.rooms"))),
    st.just(Condition(("sender", "id"), "$eq", Variable("user.id"))),
)
others = st.one_of(
    st.just(Condition(("room",), "$ne", "a")),
    st.just(Condition(("recipient", "id"), "$null", True)),
    st.just(Condition(("sender", "id"), "$notNull", True)),
    st.builds(lambda n: Condition(("text",), "$contains", str(n)), st.integers(0, 7)),
    st.builds(lambda m: Condition(("createdAt",), "$gte", DAY + dt.timedelta(minutes=m)), st.integers(0, 40)),
    st.builds(lambda u: Condition(("sender", "username"), "$eq", f"user{u}"), users),
)
SORTS = [
    (), (SortKey(("createdAt",), True),), (SortKey(("createdAt",), False),), (SortKey(("id",), True),),
    (SortKey(("room",), False), SortKey(("createdAt",), True)), (SortKey(("text",), True),),
]


@st.composite
def pages(draw: st.DrawFn) -> tuple[Query, Node | None, dict[str, Any]]:
    or_node = Or(tuple(draw(st.lists(terms, min_size=1, max_size=4))))
    anded = draw(st.lists(others, max_size=2))
    filters: Node = And((*anded, or_node)) if anded else or_node
    as_grant = draw(st.booleans())  # the $or in the permission condition, other filters in the query
    query = Query(filters=And(tuple(anded)) if as_grant and anded else None if as_grant else filters,
                  sort=draw(st.sampled_from(SORTS)),
                  pagination=Pagination("offset", draw(st.sampled_from([0, 0, 1, 5, 19, 20, 57, 80, 300])),
                                        draw(st.integers(0, 25)), with_count=False))
    extra = or_node if as_grant else None
    variables = {"user": {"id": draw(users), "rooms": draw(st.lists(rooms, max_size=3))}}
    return query, extra, variables


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=pages())
def test_generated_pages_match_the_plain_query(db: ChatDatabase, case: tuple[Query, Node | None, dict[str, Any]]) -> None:
    query, extra, variables = case
    plain_text, want = page(db, query, variables, extra, union=False)
    note(plain_text)
    for union, ids_first in ((True, False), (False, True), (True, True)):
        text, got = page(db, query, variables, extra, union=union, ids_first=ids_first)
        note(text)
        assert got == want


def matches(node: Node, row: Row, variables: dict[str, Any]) -> bool:
    """``node`` on ``row``, evaluated directly: a comparison with a missing value (SQL's NULL) fails."""
    if isinstance(node, And):
        return all(matches(item, row, variables) for item in node.items)
    if isinstance(node, Or):
        return any(matches(item, row, variables) for item in node.items)
    if isinstance(node, Not):
        raise NotImplementedError("no $not is generated")
    column = {
        ("id",): row.id, ("text",): row.text, ("room",): row.room, ("sender", "id"): row.sender,
        ("recipient", "id"): row.recipient, ("createdAt",): DAY + dt.timedelta(minutes=row.minute),
        ("sender", "username"): f"user{row.sender}" if row.sender is not None else None,
    }[node.path]
    value = bind(node.value, variables)
    if node.operator == "$null":
        return (column is None) == value
    if node.operator == "$notNull":
        return (column is not None) == value
    if column is None or value is None:
        return False
    return {
        "$eq": lambda: column == value, "$ne": lambda: column != value, "$gte": lambda: column >= value,
        "$in": lambda: column in _flatten(value), "$contains": lambda: value in column,
    }[node.operator]()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=pages())
def test_generated_totals_match_a_plain_evaluation(db: ChatDatabase,
                                                  case: tuple[Query, Node | None, dict[str, Any]]) -> None:
    """Counts and ``meta.pagination.total`` through the Reader: the COUNT (the condition's implied parts
    left out) or the page's own length, against the rows a plain evaluation keeps."""
    query, extra, variables = case
    want = [row.id for row in ROWS
            if all(matches(node, row, variables) for node in (query.filters, extra) if node is not None)]
    reader = DatabaseReader(db)
    assert run(reader.count(MESSAGE, query, variables, extra)) == len(want)
    assert query.pagination is not None
    counted = replace(query, pagination=replace(query.pagination, with_count=True))
    reader = DatabaseReader(db)  # a reader of its own: the first one keeps its count (SQLite)
    documents, total = run(reader.find_many(MESSAGE, counted, variables, extra))
    note("\n".join(text for text, _ in reader.statements))
    assert total == len(want)
    assert [d["id"] for d in documents] == page(db, query, variables, extra, union=False)[1]
    ran_count = [text.startswith("SELECT COUNT") for text, _ in reader.statements] == [False, True]
    assert ran_count == (len(documents) == query.pagination.limit or (not documents and query.pagination.offset > 0))


@pytest.mark.parametrize("sort", SORTS, ids=lambda s: ",".join(f"{k.path[0]}{'-' if k.descending else ''}" for k in s))
@pytest.mark.parametrize("offset", [0, 3, 40, 80])
def test_the_default_grant_pages_alike(db: ChatDatabase, sort: tuple[SortKey, ...], offset: int) -> None:
    variables = {"user": {"id": 3, "rooms": ["a", "c"]}}
    query = Query(sort=sort, pagination=Pagination("offset", offset, 20, with_count=True))
    text, got = page(db, query, variables, message_grant(), union=True)
    assert "UNION ALL" in text
    assert got == page(db, query, variables, message_grant(), union=False)[1]
    assert len(got) == 20


@pytest.mark.parametrize(("query", "extra"), [
    (Query(pagination=Pagination("offset", 0, 20, with_count=True)), Or((Condition(("room",), "$eq", "a"),))),
    (Query(pagination=Pagination("offset", 0, None, with_count=True)), message_grant()),  # no limit
    (Query(sort=(SortKey(("sender", "username"), False),), pagination=Pagination("offset", 0, 20, True)),
     message_grant()),  # a sort through a relation
    (Query(pagination=Pagination("offset", 0, 20, True)),
     Or((Condition(("room",), "$eq", "a"), Condition(("text",), "$contains", "x")))),  # not indexable
    (Query(pagination=Pagination("offset", 0, 20, True)),
     Or((Condition(("room",), "$eq", "a"), Condition(("room",), "$in", [])))),  # one term once folded
    (Query(pagination=Pagination("offset", 81, 20, True)), message_grant()),  # deep: 101 rows per branch
    (Query(filters=Condition(("room",), "$eq", "a"), pagination=Pagination("offset", 0, 20, True)),
     message_grant()),  # room = ? already reads one room's rows, in order
])
def test_other_shapes_stay_plain(query: Query, extra: Node) -> None:
    sql = SQL("sqlite")
    text = Compiler(REGISTRY, MODELS, "sqlite").select(MESSAGE, query, ["t0.id"], sql,
                                                       {"user": {"id": 1, "rooms": ["a"]}}, extra,
                                                       top_n_per_term=True)
    assert "UNION" not in text


# -- the plan -------------------------------------------------------------------------

CHAT_USERS, CHAT_MESSAGES = 300, 20_000


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatDatabase]:
    with chat_database("sqlite", tmp_path_factory.mktemp("top_n_plan")) as database:
        at = stamp("sqlite")
        database.insert("registered_users", ["id", "document_id", "username", "email", "created_at", "updated_at"],
                        [(i, document_id("u", i), f"user{i}", f"user{i}@example.com", at, at)
                         for i in range(1, CHAT_USERS + 1)])
        rnd = random.Random(20_000)
        rows = []
        for i in range(1, CHAT_MESSAGES + 1):
            direct = rnd.random() < 0.05
            rows.append((i, document_id("m", i), "hi", None if direct else f"room{rnd.randrange(100)}",
                         rnd.randrange(1, CHAT_USERS + 1), rnd.randrange(1, CHAT_USERS + 1) if direct else None,
                         created("sqlite", i), at))
        database.insert("messages", ["id", "document_id", "text", "room", "sender_id", "recipient_id",
                                     "created_at", "updated_at"], rows)
        yield database


@pytest.mark.parametrize("sort", [(), (SortKey(("createdAt",), True),), (SortKey(("id",), True),)],
                         ids=["default", "createdAt-desc", "id-desc"])
def test_the_default_grant_page_reads_each_branch_from_an_index(big: ChatDatabase, sort: tuple[SortKey, ...]) -> None:
    variables = {"user": {"id": 7, "rooms": ["room1", "room2"]}}
    query = Query(sort=sort, pagination=Pagination("offset", 0, 20, with_count=True))
    compiler = Compiler(REGISTRY, MODELS, "sqlite")
    sql = SQL("sqlite")
    text = compiler.select(MESSAGE, query, ["t0.id"], sql, variables, message_grant(), top_n_per_term=True)
    plan = big.plan(text, sql.params)
    print("\n".join(plan))
    assert text.count("UNION ALL") == 3  # sender, recipient, each room
    assert not any("MULTI-INDEX OR" in line for line in plan), plan
    # the outer query looks its rows up by id, from the branches' ids
    assert plan[0] == "SEARCH t0 USING INTEGER PRIMARY KEY (rowid=?)", plan
    assert not any(line.startswith("SCAN t0") or line.startswith(("SCAN p1 ", "SCAN p2 ")) for line in plan), plan
    # each branch searches an index on its own column (a to-one relation's, or (room, createdAt))
    searches = [line for line in plan if line.startswith("SEARCH p")]
    assert [line.split()[1] for line in searches] == ["p1", "p2", "p3", "p4"], plan
    assert all(" INDEX " in line and "=?)" in line for line in searches), plan
    # every branch reads its rows in order from its index, none is sorted: by createdAt the
    # indexes on (column, createdAt) (only ties on createdAt are sorted by id); by id the foreign
    # keys' own indexes and (room, id)
    branch_sorts = [line for line in plan[:-1] if line == "USE TEMP B-TREE FOR ORDER BY"]
    assert branch_sorts == [], plan
    rows = big.fetch(text, sql.params)
    plain = Compiler(REGISTRY, MODELS, "sqlite")
    sql2 = SQL("sqlite")
    assert rows == big.fetch(plain.select(MESSAGE, query, ["t0.id"], sql2, variables, message_grant()), sql2.params)


def test_the_reader_pages_the_union_on_sqlite_only(big: ChatDatabase) -> None:
    """The Reader asks for the union on SQLite (PostgreSQL's plain plan measured faster), same documents."""
    import asyncio

    from cms.query.reader import Reader

    assert Reader(Compiler(REGISTRY, MODELS, "postgres")).top_n_per_term is False
    reader = Reader(Compiler(REGISTRY, MODELS, "sqlite"))
    assert reader.top_n_per_term is True
    reader.attach_sqlite(big.url.removeprefix("sqlite://"))
    variables = {"user": {"id": 7, "rooms": ["room1", "room2"]}}
    query = Query(sort=(SortKey(("createdAt",), True),), pagination=Pagination("offset", 20, 20, with_count=True))
    try:
        union, total = asyncio.run(reader.find_many(MESSAGE, query, variables, message_grant()))
        reader.top_n_per_term = False
        plain, plain_total = asyncio.run(reader.find_many(MESSAGE, query, variables, message_grant()))
    finally:
        reader.close()
    assert len(union) == 20 and union == plain and total == plain_total
