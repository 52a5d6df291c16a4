"""A read as one plan: the same documents whichever way its statements run, and shapes made per type.

The Reader writes a read (the page, each populate, the count) as a generator of
statements (cms/query/reader.py, ``Plan``). Through the ORM on SQLite the whole
plan runs in one trip to aiosqlite's worker thread; with a direct connection
in the caller's thread; elsewhere (and on PostgreSQL) one awaited statement at
a time. These tests run the same reads all three ways on a real migrated
database (through a real Tortoise connection for the first) and require equal
documents and totals, and check the two shortcuts the populate step takes:
the shaper compiled per shape, and populate statements kept per shape.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from tortoise import Tortoise

from cms.query.ast import Condition, Pagination, Populate, Query, SortKey
from cms.query.reader import Reader, _iso_datetime, _Shaper
from cms.query.sql import Compiler
from tests.cms.query.chat_db import (
    DATA_VERSION, DIALECTS, MESSAGE, MODELS, REGISTRY, ChatDatabase, DatabaseReader, chat_database, message_grant, run,
)
from tests.cms.query.test_count_implied import MINE
from tests.cms.query.test_sql_plans import seed

SENDER = {"sender": Populate(), "recipient": Populate(fields=("username",))}
READS: dict[str, Query] = {
    "history with populate": Query(filters=Condition(("room",), "$eq", "room2"), sort=(SortKey(("id",), descending=True),),
                                   pagination=Pagination("offset", 0, 51, with_count=False), populate=SENDER),
    "page and count": Query(sort=(SortKey(("createdAt",), descending=True),),
                            pagination=Pagination("offset", 20, 20, with_count=True), populate=SENDER),
    "no page": Query(filters=Condition(("sender", "id"), "$eq", 3), populate={"sender": Populate(fields=("email",))}),
}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatDatabase]:
    with chat_database("sqlite", tmp_path_factory.mktemp("reader_plans")) as database:
        seed(database)
        yield database


def through_the_orm(db: ChatDatabase, query: Query) -> tuple[tuple[list[dict[str, Any]], int | None], list[str]]:
    """``find_many`` as the server runs it without direct reads: a Tortoise SQLite connection."""
    statements: list[str] = []

    async def read() -> tuple[list[dict[str, Any]], int | None]:
        await Tortoise.init(config={"connections": {"default": db.url},
                                    "apps": {"models": {"models": [MODELS.module_name], "default_connection": "default"}},
                                    "use_tz": True, "timezone": "UTC"})
        try:
            reader = Reader(Compiler(REGISTRY, MODELS, "sqlite"))
            reader.on_statement = lambda text, params: text == DATA_VERSION or statements.append(text)
            return await reader.find_many(MESSAGE, query, MINE, message_grant())
        finally:
            await Tortoise.close_connections()

    return asyncio.run(read()), statements


@pytest.mark.parametrize("name", list(READS))
def test_every_driver_reads_the_same(db: ChatDatabase, name: str) -> None:
    """Catches a plan driver that drops, reorders or mis-sends a statement's rows (populate or count)."""
    query = READS[name]
    one_at_a_time = DatabaseReader(db)
    expected = run(one_at_a_time.find_many(MESSAGE, query, MINE, message_grant()))
    direct = Reader(Compiler(REGISTRY, MODELS, "sqlite"))
    direct.attach_sqlite(db.url.removeprefix("sqlite://"))
    try:
        assert asyncio.run(direct.find_many(MESSAGE, query, MINE, message_grant())) == expected
    finally:
        direct.close()
    (documents, total), statements = through_the_orm(db, query)
    assert (documents, total) == expected
    assert statements == [text for text, _ in one_at_a_time.statements]
    assert documents and all(d["sender"] is None or set(d["sender"]) >= {"id", "documentId"}
                             for d in documents)
    if name == "page and count":
        # the page with its senders and recipients joined (to-one, no filters of their own), the count
        assert total is not None and total > 40 and len(statements) == 2
        assert 'LEFT JOIN "registered_users" jp0' in statements[0] and statements[1].startswith("SELECT COUNT(*)")


def test_a_failing_statement_raises_as_the_orm_does(db: ChatDatabase) -> None:
    """Catches a plan whose SQLite error escapes untranslated (or is swallowed) in the worker thread."""
    from tortoise.exceptions import OperationalError

    async def read() -> None:
        await Tortoise.init(config={"connections": {"default": db.url},
                                    "apps": {"models": {"models": [MODELS.module_name], "default_connection": "default"}}})
        try:
            reader = Reader(Compiler(REGISTRY, MODELS, "sqlite"))

            def plan() -> Any:
                yield "SELECT no_such_column FROM messages", []

            await reader._run(plan())
        finally:
            await Tortoise.close_connections()

    with pytest.raises(OperationalError, match="no such column: no_such_column"):
        asyncio.run(read())


def random_value(kind: str, rnd: random.Random) -> Any:
    if rnd.random() < 0.2:
        return None
    if kind in ("datetime", "timestamp"):
        moment = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(seconds=rnd.randrange(10**8),
                                                                               microseconds=rnd.randrange(10**6))
        return rnd.choice([str(moment), moment.isoformat(timespec="seconds"), moment])
    if kind == "boolean":
        return rnd.randrange(2)
    if kind in ("integer", "biginteger"):
        return rnd.randrange(-10**12, 10**12)
    if kind in ("decimal", "float"):
        return rnd.choice([rnd.random() * 1000, str(rnd.randrange(10**6) / 100)])
    return rnd.choice(["", "text", "ünïcödé", '{"a": 1}'])


@pytest.mark.parametrize("uid", sorted(ct.uid for ct in REGISTRY))
def test_the_compiled_shaper_shapes_as_the_generic_one(uid: str) -> None:
    """Catches a compiled shaper that skips a converter, keeps a None through one, or shifts a column."""
    ct = REGISTRY.get(uid)
    rnd = random.Random(uid)
    for fields in (None, tuple(a.name for a in ct.scalar_attributes())[:2]):
        shaper = _Shaper(ct, fields, "sqlite", ["sender_id"] if uid == MESSAGE.uid else [])
        kinds = [{"id": "integer", "documentId": "string"}.get(name) or
                 (ct.attributes[name].type if name in ct.attributes else "datetime") for name in shaper._names]
        for _ in range(200):
            row = tuple(random_value(kind, rnd) for kind in kinds) + (rnd.randrange(9),) * len(shaper._links)
            # JSON columns come out as orjson fragments, equal only once written
            assert orjson.dumps(shaper.document(row)) == orjson.dumps(_Shaper.document(shaper, row))


def test_datetimes_keep_strapi_shape_in_every_stored_form() -> None:
    """Catches the fast path for SQLite's usual text turning another form (no fraction, an offset) wrong."""
    assert _iso_datetime("2024-05-01 12:30:15.123456+00:00") == "2024-05-01T12:30:15.123Z"
    assert _iso_datetime("2024-05-01 12:30:15+00:00") == "2024-05-01T12:30:15.000Z"
    assert _iso_datetime("2024-05-01 14:30:15.123456+02:00") == "2024-05-01T12:30:15.123Z"
    assert _iso_datetime(dt.datetime(167, 1, 2, 3, 4, 5, 6000, tzinfo=dt.timezone.utc)) == "0167-01-02T03:04:05.006Z"


def test_kept_populate_statements_follow_the_shape_and_the_keys(db: ChatDatabase) -> None:
    """Catches a populate statement kept under a key too coarse: another shape's columns, or stale keys."""
    reader = DatabaseReader(db)
    first = run(reader.find_many(MESSAGE, READS["no page"], MINE, message_grant()))
    narrower = Query(filters=Condition(("sender", "id"), "$eq", 3), populate={"sender": Populate(fields=("username",))})
    second = run(reader.find_many(MESSAGE, narrower, MINE, message_grant()))
    assert first[0] and {tuple(sorted(d["sender"])) for d in first[0]} == {("documentId", "email", "id")}
    assert {tuple(sorted(d["sender"])) for d in second[0]} == {("documentId", "id", "username")}
    other = Query(filters=Condition(("sender", "id"), "$eq", 4), populate={"sender": Populate(fields=("email",))})
    third = run(reader.find_many(MESSAGE, other, MINE, message_grant()))
    assert third[0] and {d["sender"]["id"] for d in third[0]} == {4}


def test_a_kept_count_never_outlives_a_write(db: ChatDatabase) -> None:
    """Catches a count kept past a write: by the reader's own connection (committed or inside an open
    transaction), or by another connection (another process, the direct-reads file)."""
    query = Query(filters=Condition(("room",), "$eq", "room-kept"), pagination=Pagination("offset", 0, 1, True))
    at = "2024-01-01 00:00:00+00:00"

    def insert(number: int) -> str:
        return (f"INSERT INTO messages (id, document_id, text, room, created_at, updated_at) VALUES "
                f"({900_000 + number}, 'kept{number:020d}', 'kept', 'room-kept', '{at}', '{at}')")

    async def scenario() -> list[int]:
        await Tortoise.init(config={"connections": {"default": db.url},
                                    "apps": {"models": {"models": [MODELS.module_name], "default_connection": "default"}},
                                    "use_tz": True, "timezone": "UTC"})
        seen = []
        try:
            reader = Reader(Compiler(REGISTRY, MODELS, "sqlite"))
            ran: list[str] = []
            reader.on_statement = lambda text, params: ran.append(text)

            async def total() -> int:
                documents, counted = await reader.find_many(MESSAGE, query)
                return counted

            connection = Tortoise.get_connection("default")
            for number in range(2):  # a page of one: the total needs a count
                await connection.execute_query(insert(number))
            seen.append(await total())
            ran.clear()
            seen.append(await total())  # nothing written: the kept count, no COUNT run
            assert not any(text.startswith("SELECT COUNT") for text in ran)
            await connection.execute_query(insert(2))  # the reader's own connection
            seen.append(await total())
            db.fetch(insert(3))  # another connection commits
            seen.append(await total())
            from tortoise.transactions import in_transaction
            async with in_transaction() as tx:  # inside a transaction, its own rows
                await tx.execute_query(insert(4))
                documents, inside = await Reader(Compiler(REGISTRY, MODELS, "sqlite")).find_many(MESSAGE, query)
                seen.append(inside)
            seen.append(await total())
            db.fetch("DELETE FROM messages WHERE room = 'room-kept'")
            seen.append(await total())
        finally:
            await Tortoise.close_connections()
        return seen

    assert asyncio.run(scenario()) == [2, 2, 3, 4, 5, 5, 0]


class SeparateReader(DatabaseReader):
    """Every populated relation read with a statement of its own, as before joins (the reference)."""

    def _joined(self, ct: Any, populate: Any) -> list[Any]:
        return []


SHAPES: dict[str, dict[str, Populate]] = {
    "sender and recipient": {"sender": Populate(), "recipient": Populate()},
    "fields": {"sender": Populate(fields=("username",)), "recipient": Populate(fields=("email", "username"))},
    "nested through a joined one": {"sender": Populate(populate={"role": Populate(populate={"permissions": Populate()})})},
    "a filtered one is not joined": {"sender": Populate(filters=Condition(("username",), "$eq", "user3")),
                                     "recipient": Populate()},
    "with a to-many beside": {"attachments": Populate(), "sender": Populate(fields=("username",))},
}


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("shape", list(SHAPES))
def test_joined_relations_read_as_separate_statements_did(tmp_path_factory: pytest.TempPathFactory, dialect: str,
                                                          shape: str) -> None:
    """Catches a joined to-one relation that shifts columns, loses a null, duplicates a page row,
    drops a nested populate or joins a relation whose own filter must apply."""
    with chat_database(dialect, tmp_path_factory.mktemp("joined")) as database:
        seed(database)
        database.fetch("UPDATE messages SET sender_id = NULL WHERE id % 7 = 0")  # pages with no sender
        database.analyze()
        for sort, filters in ((SortKey(("id",), descending=True), Condition(("room",), "$eq", "room2")),
                              (SortKey(("createdAt",)), None)):
            query = Query(filters=filters, sort=(sort,), pagination=Pagination("offset", 5, 40, True),
                          populate=SHAPES[shape])
            joined_reader = DatabaseReader(database)
            got = run(joined_reader.find_many(MESSAGE, query, MINE, message_grant()))
            want = run(SeparateReader(database).find_many(MESSAGE, query, MINE, message_grant()))
            assert orjson.dumps(got, option=orjson.OPT_SORT_KEYS) == orjson.dumps(want, option=orjson.OPT_SORT_KEYS)
            assert len(got[0]) == 40 and any(d["sender"] is None for d in got[0])
            assert any(d["sender"] is not None for d in got[0]) or shape == "a filtered one is not joined"
            page = joined_reader.statements[0][0]
            if shape == "a filtered one is not joined":  # the sender's own filter needs its own statement
                assert page.count("LEFT JOIN") == 1 and 'jp0.id = t0."recipient_id"' in page
                assert any('"username" = ' in text for text, _ in joined_reader.statements[1:])
            else:
                assert 'LEFT JOIN "registered_users" jp0 ON jp0.id = t0."sender_id"' in page
