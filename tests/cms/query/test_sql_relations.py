"""Filters through to-one relations compile to the foreign-key column, with the same results.

Generated conditions (``sender``/``recipient`` of messages, and ``sender.role``
one level deeper) are run on a real database, SQLite and PostgreSQL, three
ways: the compiled SQL, the previous SQL shape (correlated EXISTS,
:class:`~tests.cms.query.chat_db.LegacyCompiler`) and a plain Python reading
of the semantics (SQL's three-valued logic for columns; a filter through a
relation is true or false, and a missing related entry reads as NULL). Foreign
keys are NULL on purpose in many rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from cms.query.ast import And, Condition, Node, Not, Or, Query, Variable, bind
from cms.query.sql import SQL, Compiler
from tests.cms.query.chat_db import (
    DIALECTS, MESSAGE, MODELS, REGISTRY, USER, ChatDatabase, chat_database, document_id, stamp,
)

# -- the data --------------------------------------------------------------------------

ROLES = {1: {"id": 1, "documentId": document_id("r", 1), "name": "Authenticated"},
         2: {"id": 2, "documentId": document_id("r", 2), "name": None}}
USERS = {i: {"id": i, "documentId": document_id("u", i), "username": f"user{i}", "role": role}
         for i, role in zip(range(1, 7), [1, 2, None, 1, None, 2])}
MESSAGES: list[dict[str, Any]] = []
for sender in (None, 1, 2, 3, 6):
    for recipient in (None, 2, 5):
        for room in (None, "a", "b"):
            number = len(MESSAGES) + 1
            MESSAGES.append({"id": number, "documentId": document_id("m", number), "sender": sender,
                             "recipient": recipient, "room": room, "clientId": f"c{number % 10}" if number % 2 else None})
# unique (sender, clientId) lets rows without a sender share a clientId
MESSAGES += [{"id": n, "documentId": document_id("m", n), "sender": None, "recipient": 2, "room": None,
              "clientId": "dup"} for n in (len(MESSAGES) + 1, len(MESSAGES) + 2)]
TABLES: dict[str, tuple[dict[Any, dict[str, Any]], dict[str, str]]] = {
    # uid → (rows by id, relation attribute → target uid)
    MESSAGE.uid: ({m["id"]: m for m in MESSAGES}, {"sender": USER.uid, "recipient": USER.uid}),
    USER.uid: (USERS, {"role": "plugin::users-permissions.role"}),
    "plugin::users-permissions.role": (ROLES, {}),
}


def seed(db: ChatDatabase) -> None:
    at = stamp(db.dialect)
    db.insert("up_roles", ["id", "document_id", "name", "type", "created_at", "updated_at"],
              [(r["id"], r["documentId"], r["name"], f"type{r['id']}", at, at) for r in ROLES.values()])
    db.insert("registered_users", ["id", "document_id", "username", "email", "role_id", "created_at", "updated_at"],
              [(u["id"], u["documentId"], u["username"], f"{u['username']}@example.com", u["role"], at, at)
               for u in USERS.values()])
    db.insert("messages", ["id", "document_id", "text", "sender_id", "recipient_id", "room", "client_id",
                           "created_at", "updated_at"],
              [(m["id"], m["documentId"], "hello", m["sender"], m["recipient"], m["room"], m["clientId"], at, at)
               for m in MESSAGES])
    db.analyze()


@pytest.fixture(scope="module", params=DIALECTS)
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatDatabase]:
    with chat_database(request.param, tmp_path_factory.mktemp("relations")) as database:
        seed(database)
        yield database


# -- the semantics, in Python ------------------------------------------------------------

Truth = bool | None  # SQL's three values


def flat(value: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        return [value]
    return [item for v in value for item in flat(v)]


def compare(column: Any, op: str, value: Any) -> Truth:
    """One comparison on a column value, as SQL evaluates it."""
    if op in ("$null", "$notNull"):
        return (column is None) == (bool(value) if op == "$null" else not bool(value))
    if op in ("$in", "$notIn"):
        values = [v for v in flat(value) if v is not None]
        if not values:
            return op == "$notIn"
        return None if column is None else (column in values) == (op == "$in")
    if value is None:
        return (column is None) if op == "$eq" else (column is not None) if op == "$ne" else False
    if column is None:
        return None
    if op == "$between":
        return value[0] <= column <= value[1]
    return {"$eq": column == value, "$ne": column != value, "$lt": column < value, "$lte": column <= value,
            "$gt": column > value, "$gte": column >= value}[op]


def holds(uid: str, row: dict[str, Any], node: Node, variables: dict[str, Any]) -> Truth:
    if isinstance(node, Not):
        inner = holds(uid, row, node.item, variables)
        return None if inner is None else not inner
    if isinstance(node, (And, Or)):
        values = [holds(uid, row, item, variables) for item in node.items]
        if isinstance(node, And):
            return False if False in values else None if None in values else True
        return True if True in values else None if None in values else False
    if isinstance(node.value, Variable) and bind(node.value, variables) is None:
        return False  # a variable the caller does not have matches nothing
    value = bind(node.value, variables)
    head, *rest = node.path
    if not rest:
        return compare(row[head], node.operator, value)
    rows, relations = TABLES[uid]
    target_uid = relations[head]
    related = TABLES[target_uid][0].get(row[head])
    on_null = (node.operator == "$null" and bool(value)) or (node.operator == "$notNull" and not bool(value))
    if related is None:
        return on_null  # "some related entry matches" over no entry; a missing entry reads as NULL
    return holds(target_uid, related, Condition(tuple(rest), node.operator, node.value), variables) is True


def expected(node: Node, variables: dict[str, Any]) -> list[int]:
    return [m["id"] for m in MESSAGES if holds(MESSAGE.uid, m, node, variables) is True]


# -- generated conditions -----------------------------------------------------------------

ids = st.integers(0, 7)  # 0 and 7 name no user
user_document_ids = st.sampled_from([u["documentId"] for u in USERS.values()] + [document_id("u", 99)])
usernames = st.sampled_from([u["username"] for u in USERS.values()] + ["nobody"])
rooms = st.sampled_from(["a", "b", "c"])
COMPARISONS = ["$eq", "$ne", "$lt", "$lte", "$gt", "$gte"]


def on(path: tuple[str, ...], values: st.SearchStrategy[Any], comparisons: list[str]) -> st.SearchStrategy[Condition]:
    """Conditions on ``path`` with every operator a value of ``values`` takes."""
    return st.one_of(
        st.builds(lambda op, v: Condition(path, op, v), st.sampled_from(comparisons), values),
        st.builds(lambda op, vs: Condition(path, op, vs), st.sampled_from(["$in", "$notIn"]), st.lists(values, max_size=3)),
        st.builds(lambda op, flag: Condition(path, op, flag), st.sampled_from(["$null", "$notNull"]), st.booleans()),
        st.builds(lambda op: Condition(path, op, None), st.sampled_from(["$eq", "$ne"])),  # bare key: IS [NOT] NULL
    )


def relation_conditions(name: str) -> st.SearchStrategy[Condition]:
    return st.one_of(
        on((name, "id"), ids, COMPARISONS),
        st.builds(lambda low, high: Condition((name, "id"), "$between", [low, high]), ids, ids),
        on((name, "documentId"), user_document_ids, ["$eq", "$ne"]),
        on((name, "username"), usernames, ["$eq", "$ne"]),
        on((name, "role", "id"), st.integers(0, 3), ["$eq", "$ne", "$gt"]),
        on((name, "role", "name"), st.sampled_from(["Authenticated", "Public"]), ["$eq", "$ne"]),
        st.builds(lambda op: Condition((name, "id"), op, Variable("user.id")), st.sampled_from(["$eq", "$ne"])),
        st.just(Condition((name, "id"), "$in", [Variable("user.id"), 2])),
        st.just(Condition((name, "documentId"), "$eq", Variable("user.documentId"))),
    )


leaves = st.one_of(
    relation_conditions("sender"),
    relation_conditions("recipient"),
    on(("room",), rooms, ["$eq", "$ne"]),
    st.just(Condition(("room",), "$in", Variable("user.rooms"))),
    on(("clientId",), st.sampled_from(["c1", "c3", "dup", "zz"]), ["$eq", "$ne"]),
    on(("id",), st.integers(0, 50), ["$lt", "$gte"]),
)
conditions = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=3).map(lambda items: And(tuple(items))),
        st.lists(children, max_size=3).map(lambda items: Or(tuple(items))),
        children.map(Not),
    ),
    max_leaves=8,
)
callers = st.fixed_dictionaries({
    "user": st.one_of(
        st.just({}),  # no id: a comparison with $user.id matches nothing
        st.fixed_dictionaries({
            "id": ids,
            "documentId": user_document_ids,
            "rooms": st.lists(rooms, max_size=2, unique=True),
        }),
    ),
})


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(node=conditions, variables=callers)
def test_generated_conditions_match_python_and_the_previous_sql(db: ChatDatabase, node: Node,
                                                                variables: dict[str, Any]) -> None:
    want = expected(node, variables)
    note(f"condition: {node!r}\nvariables: {variables!r}")
    note("SQL: %s %r" % db.compile(MESSAGE, Query(filters=node), variables))
    assert db.ids(MESSAGE, node, variables) == want
    assert db.ids(MESSAGE, node, variables, legacy=True) == want


def test_the_data_has_what_the_semantics_hinge_on(db: ChatDatabase) -> None:
    """NULL foreign keys on both relations, and users with and without a role, are present."""
    assert any(m["sender"] is None for m in MESSAGES) and any(m["recipient"] is None for m in MESSAGES)
    assert {u["role"] for u in USERS.values()} == {1, 2, None}
    assert db.fetch("SELECT count(*) FROM messages")[0][0] == len(MESSAGES)


# -- the SQL written -------------------------------------------------------------------------


def compiled(node: Node, variables: dict[str, Any] | None = None, dialect: str = "sqlite") -> tuple[str, list[Any]]:
    sql = SQL(dialect)
    text = Compiler(REGISTRY, MODELS, dialect).node(MESSAGE, "t0", node, sql, variables or {})
    return text, sql.params


USERS_SUBQUERY = 'SELECT t1.id FROM "registered_users" t1 WHERE'


@pytest.mark.parametrize(("node", "sql", "params"), [
    (Condition(("sender", "id"), "$eq", 3), 't0."sender_id" = ?', [3]),
    (Condition(("sender", "id"), "$in", [3, 4]), 't0."sender_id" IN (?, ?)', [3, 4]),
    (Condition(("sender", "id"), "$lt", 3), 't0."sender_id" < ?', [3]),
    (Condition(("sender", "id"), "$null", True), 't0."sender_id" IS NULL', []),
    (Condition(("sender", "id"), "$notNull", True), 't0."sender_id" IS NOT NULL', []),
    (Condition(("sender", "id"), "$null", False), 't0."sender_id" IS NOT NULL', []),
    (Condition(("sender", "id"), "$notIn", []), 't0."sender_id" IS NOT NULL', []),
    (Condition(("sender", "id"), "$in", []), "1=0", []),
    (Condition(("sender", "id"), "$eq", None), "1=0", []),  # an entry's id is never null
    # a NULL key makes "fk = ?" NULL, and NOT keeps it NULL: under NOT the key must be there
    (Not(Condition(("sender", "id"), "$eq", 3)), 'NOT (t0."sender_id" IS NOT NULL AND t0."sender_id" = ?)', [3]),
    (Not(Not(Condition(("sender", "id"), "$eq", 3))), 'NOT (NOT (t0."sender_id" = ?))', [3]),
    (Condition(("sender", "documentId"), "$eq", "abc"), f't0."sender_id" = ({USERS_SUBQUERY} t1."document_id" = ?)', ["abc"]),
    (Condition(("sender", "documentId"), "$in", ["a", "b"]),
     f't0."sender_id" IN ({USERS_SUBQUERY} t1."document_id" IN (?, ?))', ["a", "b"]),
    (Not(Condition(("sender", "documentId"), "$eq", "abc")),
     f'NOT (t0."sender_id" IS NOT NULL AND t0."sender_id" IN ({USERS_SUBQUERY} t1."document_id" = ?))', ["abc"]),
    (Condition(("sender", "username"), "$null", True),
     f't0."sender_id" IN ({USERS_SUBQUERY} t1."username" IS NULL) OR t0."sender_id" IS NULL', []),
    (Condition(("sender", "role", "id"), "$eq", 2),
     f't0."sender_id" IN ({USERS_SUBQUERY} t1."role_id" = ?)', [2]),
    # constants fold away, so an $or over an empty list stays an $or of indexable terms
    (Or((Condition(("sender", "id"), "$eq", Variable("user.id")), Condition(("room",), "$in", Variable("user.rooms")))),
     't0."sender_id" = ?', [5]),
    (And((Condition(("recipient", "id"), "$eq", Variable("user.nothing")), Condition(("sender", "id"), "$eq", 4))), "1=0", []),
])
def test_to_one_relations_compile_to_their_column(node: Node, sql: str, params: list[Any]) -> None:
    assert compiled(node, {"user": {"id": 5, "rooms": []}}) == (sql, params)


def test_postgres_numbers_parameters_in_order() -> None:
    node = Or((Condition(("sender", "documentId"), "$eq", "abc"), Condition(("recipient", "id"), "$in", [1, 2])))
    assert compiled(node, dialect="postgres") == (
        '(t0."sender_id" = (SELECT t1.id FROM "registered_users" t1 WHERE t1."document_id" = $1))'
        ' OR (t0."recipient_id" IN ($2, $3))', ["abc", 1, 2])


def test_relations_stored_elsewhere_stay_exists() -> None:
    """The inverse side of a foreign key (a role's users) is a correlated EXISTS, as documented."""
    role = REGISTRY.get("plugin::users-permissions.role")
    sql = SQL("sqlite")
    text = Compiler(REGISTRY, MODELS, "sqlite").node(role, "t0", Condition(("users", "id"), "$eq", 3), sql, {})
    assert text == 'EXISTS (SELECT 1 FROM "registered_users" t1 WHERE t1."role_id" = t0.id AND (t1."id" = ?))'
    assert sql.params == [3]
