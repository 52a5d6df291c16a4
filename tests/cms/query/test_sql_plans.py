"""The SQL of common message queries is answered through indexes, on SQLite and PostgreSQL.

Measured before: ``sender.id = X`` compiled to a correlated EXISTS made the
default messages grant (``sender or recipient is me, or a room I am in``) a
full read of ``messages`` (26 req/s against 918 without the condition, 100k
messages), and the chat's clientId duplicate check a full read too. The plans
are read from the database itself, on tables created by the committed
migrations and filled with 20,000 messages.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from typing import Any

import pytest

from cms.query.ast import And, Condition, Pagination, Query, SortKey
from cms.query.params import Limits, parse_query
from cms.query.qs import parse_qs
from cms.query.reader import FIRST
from tests.cms.query.chat_db import (
    MESSAGE, POSTGRES_MARKS, REGISTRY, ChatDatabase, chat_database, document_id, message_grant, stamp,
)

USERS, ROOMS, MESSAGES = 500, 100, 20_000
ME = 7


def seed(db: ChatDatabase) -> None:
    """USERS users, MESSAGES messages: 70% in rooms, 30% direct; every clientId set (unique per sender)."""
    at = stamp(db.dialect)
    db.insert("registered_users", ["id", "document_id", "username", "email", "created_at", "updated_at"],
              [(i, document_id("u", i), f"user{i}", f"user{i}@example.com", at, at) for i in range(1, USERS + 1)])
    rnd = random.Random(20_000)
    rows = []
    for i in range(1, MESSAGES + 1):
        direct = rnd.random() < 0.3
        room = None if direct else f"room{rnd.randrange(ROOMS)}"
        recipient = rnd.randrange(1, USERS + 1) if direct else None
        sender = ME if i == 77 else rnd.randrange(1, USERS + 1)  # message 77: CLIENT_ID finds it
        rows.append((i, document_id("m", i), f"message {i}", room, sender, recipient, f"client-{i}", at, at))
    db.insert("messages", ["id", "document_id", "text", "room", "sender_id", "recipient_id", "client_id",
                           "created_at", "updated_at"], rows)


@pytest.fixture(scope="module", params=[
    pytest.param(("sqlite", False), id="sqlite"),  # as served: the server never runs ANALYZE
    pytest.param(("sqlite", True), id="sqlite-analyzed"),  # with statistics, after a manual ANALYZE
    pytest.param(("postgres", True), id="postgres", marks=POSTGRES_MARKS),
])
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatDatabase]:
    dialect, analyzed = request.param
    with chat_database(dialect, tmp_path_factory.mktemp("plans")) as database:
        seed(database)
        if analyzed:
            database.analyze()
        yield database


def rest(qs: str) -> Query:
    """A REST query on messages (default sort by id, page of 25, with count)."""
    return parse_query(MESSAGE, parse_qs(qs, strict_null_handling=True), registry=REGISTRY, limits=Limits())


MY_ROOMS = {"user": {"id": ME, "rooms": ["room1", "room2", "room3"]}}
NO_ROOMS = {"user": {"id": ME, "rooms": []}}
CLIENT_ID = Query(filters=And((Condition(("sender", "id"), "$eq", ME), Condition(("clientId",), "$eq", "client-77"))),
                  pagination=FIRST)
HISTORY = Query(sort=(SortKey(("id",), descending=True),), pagination=Pagination("offset", 0, 51, with_count=False))

#: name → (query, variables, extra condition); each is checked as a select and as a count
CASES: dict[str, tuple[Query, dict[str, Any] | None, Any]] = {
    "messages grant, find": (rest(""), MY_ROOMS, message_grant()),
    "messages grant, no rooms": (rest(""), NO_ROOMS, message_grant()),
    "messages grant, findOne": (rest(f"filters[documentId]={document_id('m', 5)}"), MY_ROOMS,
                                message_grant("api::message.message.findOne")),
    "messages grant, chat history": (HISTORY, MY_ROOMS, message_grant()),
    "filters[sender][id][$eq]": (rest(f"filters[sender][id][$eq]={ME}"), None, None),
    "filters[sender][id][$in]": (rest(f"filters[sender][id][$in][0]={ME}&filters[sender][id][$in][1]=8"), None, None),
    "filters[sender][documentId]": (rest(f"filters[sender][documentId]={document_id('u', ME)}"), None, None),
    "$or of documentIds": (rest(f"filters[$or][0][sender][documentId]={document_id('u', ME)}"
                                f"&filters[$or][1][recipient][documentId]={document_id('u', ME)}"), None, None),
    "filters[recipient][id][$null]=false and room": (rest("filters[recipient][id][$null]=false&filters[room]=room5"),
                                                     None, None),
    "clientId duplicate lookup": (CLIENT_ID, None, None),
}


def sqlite_full_scans(lines: list[str]) -> list[str]:
    """Plan lines reading all of messages (the outer query's alias t0), indexed or not."""
    return [line for line in lines if re.match(r"SCAN t0\b", line)]


def pg_nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from pg_nodes(child)


@pytest.mark.parametrize("count", [False, True], ids=["select", "count"])
@pytest.mark.parametrize("case", list(CASES))
def test_no_full_read_of_messages(db: ChatDatabase, case: str, count: bool) -> None:
    query, variables, extra = CASES[case]
    text, params = db.compile(MESSAGE, query, variables, extra, count=count)
    plan = db.plan(text, params)
    if db.dialect == "sqlite":
        assert not sqlite_full_scans(plan), f"{text}\n{params}\n" + "\n".join(plan)
        assert any(re.match(r"SEARCH t0 USING (COVERING )?INDEX|SEARCH t0 USING INTEGER PRIMARY KEY", line)
                   for line in plan), "\n".join(plan)
        return
    on_messages = [n for n in pg_nodes(plan) if n.get("Relation Name") == "messages"]
    assert on_messages, plan
    assert not [n for n in on_messages if n["Node Type"] == "Seq Scan"], f"{text}\n{plan}"
    assert all(n["Node Type"] in ("Index Scan", "Index Only Scan", "Bitmap Heap Scan") for n in on_messages), plan


@pytest.mark.parametrize("case", ["messages grant, find", "filters[sender][id][$eq]", "clientId duplicate lookup"])
def test_the_filtered_columns_drive_the_index(db: ChatDatabase, case: str) -> None:
    """Not only no full read: the index searched is the one of the filtered foreign key.

    (Selects sorted by id with a LIMIT may legitimately walk the primary key on
    PostgreSQL when matches are frequent, so the count is the query checked there.)
    """
    query, variables, extra = CASES[case]
    text, params = db.compile(MESSAGE, query, variables, extra, count=db.dialect == "postgres")
    plan = db.plan(text, params)
    if db.dialect == "sqlite":
        searched = " ".join(line for line in plan if line.startswith("SEARCH t0"))
        assert "sender_id=?" in searched, "\n".join(plan)
        if case == "messages grant, find":
            assert plan[0] == "MULTI-INDEX OR" and "recipient_id=?" in searched and "room=?" in searched, "\n".join(plan)
        if case == "clientId duplicate lookup":
            assert "(sender_id=? AND client_id=?)" in searched, "\n".join(plan)
        return
    conditions = " ".join(str(n.get("Index Cond", "")) + str(n.get("Recheck Cond", "")) for n in pg_nodes(plan))
    assert "sender_id" in conditions, plan
    if case == "messages grant, find":
        assert any(n["Node Type"] == "BitmapOr" for n in pg_nodes(plan)), plan
        assert "recipient_id" in conditions and "room" in conditions, plan


def test_the_grant_compiles_to_foreign_key_columns(db: ChatDatabase) -> None:
    query, variables, extra = CASES["messages grant, find"]
    text, params = db.compile(MESSAGE, query, variables, extra)
    mark = (lambda n: "?") if db.dialect == "sqlite" else (lambda n: f"${n}")
    assert text == (
        f'SELECT t0.id FROM "messages" t0 WHERE ((t0."sender_id" = {mark(1)}) OR (t0."recipient_id" = {mark(2)})'
        f' OR (t0."room" IN ({mark(3)}, {mark(4)}, {mark(5)}))) ORDER BY t0.id ASC LIMIT {mark(6)}'
    )
    assert params == [ME, ME, "room1", "room2", "room3", 25]


@pytest.mark.parametrize("case", ["messages grant, find", "messages grant, no rooms", "filters[sender][documentId]",
                                  "$or of documentIds", "clientId duplicate lookup"])
def test_the_same_rows_as_the_previous_sql(db: ChatDatabase, case: str) -> None:
    query, variables, extra = CASES[case]
    for count in (False, True):
        new = db.fetch(*db.compile(MESSAGE, query, variables, extra, count=count))
        old = db.fetch(*db.compile(MESSAGE, query, variables, extra, count=count, legacy=True))
        assert new == old
    assert db.fetch(*db.compile(MESSAGE, query, variables, extra, count=True))[0][0] > 0
