"""``meta.pagination.total`` under a permission condition the filters already imply.

The count leaves out the parts of the condition that the filters' top-level
``$eq`` terms imply (``Reader.count``): ``filters[room][$eq]=<my room>`` under
the default messages grant (sender or recipient is me, or a room I am in)
counts ``room = ?`` alone, from the index, instead of reading every row of the
room to test the ``$or``. The totals must be those of the full condition, and
no count under the default grant may read all of messages.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import pytest

from cms.query.ast import And, Condition, Node, Or, Query, Variable
from cms.query.params import Limits, parse_query
from cms.query.qs import parse_qs
from cms.query.reader import Reader, _without_implied
from cms.query.sql import SQL
from tests.cms.query.chat_db import DATA_VERSION
from tests.cms.query.chat_db import MESSAGE, REGISTRY, ChatDatabase, chat_database, message_grant
from tests.cms.query.test_sql_plans import ME, seed


@pytest.fixture(scope="module", params=[False, True], ids=["sqlite", "sqlite-analyzed"])
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatDatabase]:
    with chat_database("sqlite", tmp_path_factory.mktemp("count")) as database:
        seed(database)
        if request.param:
            database.analyze()
        yield database


class RecordingReader(Reader):
    """A reader on the test database's file that keeps the SQL it ran."""

    def __init__(self, db: ChatDatabase) -> None:
        super().__init__(db.compiler)
        self.attach_sqlite(db.url.removeprefix("sqlite://"))
        self.statements: list[tuple[str, list[Any]]] = []
        self.on_statement = lambda text, params: (text == DATA_VERSION  # not a read of data
                                                  or self.statements.append((text, list(params))))


def rest(qs: str) -> Query:
    return parse_query(MESSAGE, parse_qs(qs, strict_null_handling=True), registry=REGISTRY, limits=Limits())


MINE = {"user": {"id": ME, "rooms": ["room1", "room2", "room3"]}}
NO_ROOMS = {"user": {"id": ME, "rooms": []}}
CREATE_GRANT = "api::message.message.create"

#: name → (query string, variables, condition, whether the condition is implied and dropped)
CASES: dict[str, tuple[str, dict[str, Any], Node, bool]] = {
    "no filter": ("", MINE, message_grant(), False),
    "my room": ("filters[room][$eq]=room2", MINE, message_grant(), True),
    "my room, sorted": ("filters[room][$eq]=room2&sort=createdAt:desc", MINE, message_grant(), True),
    "my room and a text filter": ("filters[room][$eq]=room1&filters[text][$contains]=1", MINE, message_grant(), True),
    "my room, $and form": ("filters[$and][0][room][$eq]=room3", MINE, message_grant(), True),
    "another room": ("filters[room][$eq]=room9", MINE, message_grant(), False),
    "a room, no rooms": ("filters[room][$eq]=room2", NO_ROOMS, message_grant(), False),
    "sent by me": (f"filters[sender][id][$eq]={ME}", MINE, message_grant(), True),
    "sent by another": (f"filters[sender][id][$eq]={ME + 1}", MINE, message_grant(), False),
    "room inside an $or": ("filters[$or][0][room][$eq]=room2&filters[$or][1][room][$eq]=room9", MINE,
                           message_grant(), False),
    "$ne is no equality": ("filters[room][$ne]=room2", MINE, message_grant(), False),
    "create grant: $and, the $or part implied": ("filters[room][$eq]=room2", MINE, message_grant(CREATE_GRANT), False),
}


def count(reader: RecordingReader, query: Query, variables: dict[str, Any], extra: Node | None) -> int:
    return asyncio.run(reader.count(MESSAGE, query, variables, extra))


def full_count(db: ChatDatabase, query: Query, variables: dict[str, Any], extra: Node) -> int:
    """The count with the whole condition, as compiled before."""
    sql = SQL("sqlite")
    return db.fetch(db.compiler.count(MESSAGE, query, sql, variables, extra), sql.params)[0][0]


def plan(db: ChatDatabase, statement: tuple[str, list[Any]]) -> list[str]:
    return db.plan(*statement)


@pytest.mark.parametrize("case", list(CASES))
def test_totals_are_those_of_the_whole_condition(db: ChatDatabase, case: str) -> None:
    qs, variables, extra, dropped = CASES[case]
    query = rest(qs)
    reader = RecordingReader(db)
    try:
        total = count(reader, query, variables, extra)
        documents, page_total = asyncio.run(reader.find_many(MESSAGE, query, variables, extra))
    finally:
        reader.close()
    assert total == full_count(db, query, variables, extra) == page_total
    if not case.startswith(("a room, no rooms", "another room", "sent by another", "create grant")):
        assert total > 0
    counted = reader.statements[0][0]
    assert ("$user" not in counted) and (("sender_id" in counted or "recipient_id" in counted) != dropped
                                         or case == "sent by me"), counted


@pytest.mark.parametrize("case", list(CASES))
def test_no_count_reads_all_messages(db: ChatDatabase, case: str) -> None:
    qs, variables, extra, _ = CASES[case]
    reader = RecordingReader(db)
    try:
        count(reader, rest(qs), variables, extra)
    finally:
        reader.close()
    lines = plan(db, reader.statements[0])
    if case == "$ne is no equality":  # the grant's $or drives it (room <> ? alone would be a full read)
        assert lines[0] == "MULTI-INDEX OR", lines
    assert not [line for line in lines if re.match(r"SCAN (t0|messages)\b", line)], (reader.statements[0], lines)


def test_a_room_of_mine_is_counted_from_the_index_alone(db: ChatDatabase) -> None:
    qs, variables, extra, _ = CASES["my room, sorted"]
    reader = RecordingReader(db)
    try:
        count(reader, rest(qs), variables, extra)
    finally:
        reader.close()
    text, params = reader.statements[0]
    assert text == 'SELECT COUNT(*) FROM "messages" t0 WHERE (t0."room" = ?)' and params == ["room2"]
    [line] = plan(db, reader.statements[0])  # an index on (room, ...) alone: (room, createdAt) or (room, id)
    assert re.fullmatch(r"SEARCH t0 USING COVERING INDEX idx_messages_room_\w+ \(room=\?\)", line), line


def test_with_count_false_runs_no_count(db: ChatDatabase) -> None:
    reader = RecordingReader(db)
    try:
        documents, total = asyncio.run(reader.find_many(
            MESSAGE, rest("pagination[withCount]=false&pagination[pageSize]=5"), MINE, message_grant()))
    finally:
        reader.close()
    assert total is None and len(documents) == 5
    assert len(reader.statements) == 1 and "COUNT" not in reader.statements[0][0]


ROOM = Condition(("room",), "$eq", "r1")
ROOMS_VAR = Condition(("room",), "$in", Variable("user.rooms"))
SENDER = Condition(("sender", "id"), "$eq", Variable("user.id"))


@pytest.mark.parametrize(("filters", "extra", "variables", "expected"), [
    (None, Or((SENDER, ROOMS_VAR)), {"user": {"id": 1, "rooms": ["r1"]}}, Or((SENDER, ROOMS_VAR))),
    (ROOM, None, {}, None),
    (ROOM, Or((SENDER, ROOMS_VAR)), {"user": {"id": 1, "rooms": ["r1"]}}, None),
    (ROOM, Or((SENDER, ROOMS_VAR)), {"user": {"id": 1, "rooms": ["r2"]}}, Or((SENDER, ROOMS_VAR))),
    (ROOM, Or((SENDER, ROOMS_VAR)), {"user": {"id": 1, "rooms": None}}, Or((SENDER, ROOMS_VAR))),
    (ROOM, And((SENDER, Or((ROOMS_VAR,)))), {"user": {"id": 1, "rooms": ["r1"]}}, And((SENDER,))),
    (And((ROOM, Condition(("sender", "id"), "$eq", 1))), And((SENDER, ROOMS_VAR)),
     {"user": {"id": 1, "rooms": ["r1"]}}, None),
    (Condition(("sender", "id"), "$eq", "1"), SENDER, {"user": {"id": 1}}, SENDER),  # another type: not recognised
    (Condition(("room",), "$eqi", "r1"), ROOMS_VAR, {"user": {"rooms": ["r1"]}}, ROOMS_VAR),
    (Or((ROOM,)), ROOMS_VAR, {"user": {"rooms": ["r1"]}}, ROOMS_VAR),
])
def test_without_implied(filters: Node | None, extra: Node | None, variables: dict[str, Any],
                         expected: Node | None) -> None:
    assert _without_implied(filters, extra, variables) == expected
