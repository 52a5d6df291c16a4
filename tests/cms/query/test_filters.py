"""``filters``: Strapi's filter language, checked against the schema and typed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from cms.errors import ValidationError
from cms.query.ast import And, Condition, Not, Or, Variable
from cms.query.filters import parse_filters
from tests.cms.query.schemas import ARTICLE, REGISTRY, USER, can_read, query

UTC = dt.timezone.utc


def filters(qs: str, ct: Any = ARTICLE) -> Any:
    return query(qs, ct).filters


def rejected(qs: str, ct: Any = ARTICLE) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        query(qs, ct)
    return caught.value


def parse(raw: Any, ct: Any = ARTICLE, **options: Any) -> Any:
    options.setdefault("can_read", can_read)
    return parse_filters(ct, raw, registry=REGISTRY, **options)


# -- shapes ------------------------------------------------------------------------


def test_a_bare_value_means_eq() -> None:
    assert filters("filters[title]=Hello") == Condition(("title",), "$eq", "Hello")


def test_no_filters_means_none() -> None:
    assert filters("sort=title") is None


def test_sibling_keys_are_anded_in_order() -> None:
    assert filters("filters[title]=a&filters[views][$gt]=3") == And((
        Condition(("title",), "$eq", "a"), Condition(("views",), "$gt", 3),
    ))


def test_several_operators_on_one_attribute_are_anded() -> None:
    assert filters("filters[views][$gt]=1&filters[views][$lt]=9") == And((
        Condition(("views",), "$gt", 1), Condition(("views",), "$lt", 9),
    ))


def test_a_bare_list_means_in() -> None:
    assert filters("filters[title][0]=a&filters[title][1]=b") == Condition(("title",), "$in", ["a", "b"])


def test_a_list_under_a_single_value_operator_is_the_or_of_each_value() -> None:
    assert filters("filters[title][$contains][0]=a&filters[title][$contains][1]=b") == Or((
        Condition(("title",), "$contains", "a"), Condition(("title",), "$contains", "b"),
    ))


def test_a_bare_eq_key_means_is_null() -> None:
    assert filters("filters[title]") == Condition(("title",), "$eq", None)
    assert filters("filters[title][$ne]") == Condition(("title",), "$ne", None)


def test_an_empty_object_filters_nothing() -> None:
    assert parse({"id": {}}) is None
    assert parse({"title": "a", "views": {}}) == Condition(("title",), "$eq", "a")


def test_a_top_level_list_is_anded() -> None:
    assert parse([{"title": "a"}, {"views": 2}]) == And((
        Condition(("title",), "$eq", "a"), Condition(("views",), "$eq", 2),
    ))


# -- every operator, with casting ------------------------------------------------------

OPERATOR_CASES = [
    ("filters[views][$eq]=5", Condition(("views",), "$eq", 5)),
    ("filters[views][$ne]=5", Condition(("views",), "$ne", 5)),
    ("filters[views][$lt]=5", Condition(("views",), "$lt", 5)),
    ("filters[views][$lte]=-5", Condition(("views",), "$lte", -5)),
    ("filters[rating][$gt]=4.5", Condition(("rating",), "$gt", 4.5)),
    ("filters[price][$gte]=9.99", Condition(("price",), "$gte", Decimal("9.99"))),
    ("filters[title][$eqi]=HeLLo", Condition(("title",), "$eqi", "HeLLo")),
    ("filters[title][$nei]=x", Condition(("title",), "$nei", "x")),
    ("filters[title][$contains]=x", Condition(("title",), "$contains", "x")),
    ("filters[title][$notContains]=x", Condition(("title",), "$notContains", "x")),
    ("filters[title][$containsi]=x", Condition(("title",), "$containsi", "x")),
    ("filters[title][$notContainsi]=x", Condition(("title",), "$notContainsi", "x")),
    ("filters[title][$startsWith]=x", Condition(("title",), "$startsWith", "x")),
    ("filters[title][$startsWithi]=x", Condition(("title",), "$startsWithi", "x")),
    ("filters[title][$endsWith]=x", Condition(("title",), "$endsWith", "x")),
    ("filters[title][$endsWithi]=x", Condition(("title",), "$endsWithi", "x")),
    ("filters[id][$in][0]=6&filters[id][$in][1]=8", Condition(("id",), "$in", [6, 8])),
    ("filters[id][$notIn][0]=6", Condition(("id",), "$notIn", [6])),
    ("filters[views][$between][0]=1&filters[views][$between][1]=9", Condition(("views",), "$between", [1, 9])),
    ("filters[body][$null]=true", Condition(("body",), "$null", True)),
    ("filters[body][$notNull]=false", Condition(("body",), "$notNull", False)),
]


@pytest.mark.parametrize(("qs", "expected"), OPERATOR_CASES, ids=[c[0] for c in OPERATOR_CASES])
def test_every_operator_parses_and_casts_its_operand(qs: str, expected: Condition) -> None:
    assert filters(qs) == expected


def test_in_and_not_in_accept_a_single_value() -> None:
    assert filters("filters[id][$in]=3") == Condition(("id",), "$in", [3])
    assert filters("filters[title][$notIn]=a") == Condition(("title",), "$notIn", ["a"])


@pytest.mark.parametrize("text", ["true", "t", "1", "TRUE"])
def test_null_operators_accept_strapis_true_spellings(text: str) -> None:
    assert filters(f"filters[body][$null]={text}") == Condition(("body",), "$null", True)


@pytest.mark.parametrize("text", ["false", "f", "0"])
def test_null_operators_accept_strapis_false_spellings(text: str) -> None:
    assert filters(f"filters[body][$notNull]={text}") == Condition(("body",), "$notNull", False)


def test_json_and_blocks_attributes_take_null_operators() -> None:
    assert filters("filters[prefs][$notNull]=1", USER) == Condition(("prefs",), "$notNull", True)
    assert filters("filters[content][$null]=0") == Condition(("content",), "$null", False)


CAST_CASES = [
    ("age", "42", 42),
    ("big", "9007199254740993", 9007199254740993),
    ("score", "1.5", 1.5),
    ("score", "-3", -3.0),
    ("balance", "10.10", Decimal("10.10")),
    ("active", "true", True),
    ("active", "0", False),
    ("birthday", "2024-02-29", dt.date(2024, 2, 29)),
    ("birthday", "2024-02-29T23:00:00Z", dt.date(2024, 2, 29)),
    ("wakeUp", "07:30", dt.time(7, 30)),
    ("wakeUp", "07:30:15.250", dt.time(7, 30, 15, 250000)),
    ("lastLoginAt", "2024-01-02T03:04:05Z", dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
    ("lastLoginAt", "2024-01-02T03:04:05.123%2B02:00",
     dt.datetime(2024, 1, 2, 3, 4, 5, 123000, tzinfo=dt.timezone(dt.timedelta(hours=2)))),
    ("lastLoginAt", "2024-01-02", dt.datetime(2024, 1, 2, tzinfo=UTC)),
    ("lastLoginAt", "2024-01-02T03:04:05", dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
    ("stamp", "2024-01-02T03:04:05Z", dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
    ("createdAt", "2024-01-02", dt.datetime(2024, 1, 2, tzinfo=UTC)),
    ("id", "7", 7),
    ("documentId", "abc123", "abc123"),
    ("role", "not-in-the-enum", "not-in-the-enum"),
    ("email", "a@b.c", "a@b.c"),
    ("bio", " spaced ", " spaced "),
]


@pytest.mark.parametrize(("name", "text", "value"), CAST_CASES, ids=[f"{c[0]}={c[1]}" for c in CAST_CASES])
def test_values_are_cast_to_the_attribute_type(name: str, text: str, value: Any) -> None:
    assert filters(f"filters[{name}][$eq]={text}", USER) == Condition((name,), "$eq", value)


def test_json_values_from_conditions_are_accepted_as_they_are() -> None:
    assert parse({"views": {"$gt": 3}, "featured": True, "rating": 2}) == And((
        Condition(("views",), "$gt", 3), Condition(("featured",), "$eq", True),
        Condition(("rating",), "$eq", 2.0),
    ))


# -- logic ---------------------------------------------------------------------------------


def test_or_takes_a_list_of_filters() -> None:
    assert filters("filters[$or][0][title]=a&filters[$or][1][views][$gt]=3") == Or((
        Condition(("title",), "$eq", "a"), Condition(("views",), "$gt", 3),
    ))


def test_and_takes_a_list_of_filters() -> None:
    assert filters("filters[$and][0][title]=a&filters[$and][1][title]=b") == And((
        Condition(("title",), "$eq", "a"), Condition(("title",), "$eq", "b"),
    ))


def test_logical_operators_nest() -> None:
    qs = "filters[$and][0][$or][0][title]=a&filters[$and][0][$or][1][title]=b&filters[$and][1][views]=1"
    assert filters(qs) == And((
        Or((Condition(("title",), "$eq", "a"), Condition(("title",), "$eq", "b"))),
        Condition(("views",), "$eq", 1),
    ))


def test_not_negates_a_group() -> None:
    assert filters("filters[$not][title]=a") == Not(Condition(("title",), "$eq", "a"))


def test_not_works_per_attribute() -> None:
    assert filters("filters[title][$not][$contains]=x") == Not(Condition(("title",), "$contains", "x"))


def test_not_works_at_any_depth() -> None:
    qs = "filters[$or][0][$not][author][username][$not][$eq]=ana"
    assert filters(qs) == Not(Not(Condition(("author", "username"), "$eq", "ana")))


def test_or_works_under_an_attribute() -> None:
    assert filters("filters[title][$or][0][$eq]=a&filters[title][$or][1][$eq]=b") == Or((
        Condition(("title",), "$eq", "a"), Condition(("title",), "$eq", "b"),
    ))


def test_an_index_keyed_object_counts_as_a_list() -> None:
    assert parse({"$or": {"1": {"title": "b"}, "0": {"title": "a"}}}) == Or((
        Condition(("title",), "$eq", "a"), Condition(("title",), "$eq", "b"),
    ))


def test_an_in_list_longer_than_qs_array_limit_still_works() -> None:
    qs = "&".join(f"filters[id][$in][{i}]={i}" for i in range(150))
    assert filters(qs) == Condition(("id",), "$in", list(range(150)))


# -- relations -------------------------------------------------------------------------------

DEEP_CASES = [
    ("filters[author][username][$eq]=ana", ("author", "username")),           # manyToOne
    ("filters[tags][name][$eq]=ana", ("tags", "name")),                       # manyToMany
    ("filters[comments][text][$eq]=ana", ("comments", "text")),               # oneToMany
    ("filters[editor][username][$eq]=ana", ("editor", "username")),           # oneWay
    ("filters[related][title][$eq]=ana", ("related", "title")),               # manyWay
    ("filters[comments][author][username][$eq]=ana", ("comments", "author", "username")),
    ("filters[author][documentId][$eq]=ana", ("author", "documentId")),
]


@pytest.mark.parametrize(("qs", "path"), DEEP_CASES, ids=[c[0] for c in DEEP_CASES])
def test_filters_reach_through_relations_of_every_kind(qs: str, path: tuple[str, ...]) -> None:
    assert filters(qs) == Condition(path, "$eq", "ana")


def test_an_operator_on_a_relation_compares_its_id() -> None:
    assert filters("filters[author][$eq]=3") == Condition(("author", "id"), "$eq", 3)
    assert filters("filters[author]=3") == Condition(("author", "id"), "$eq", 3)
    assert filters("filters[tags][$in][0]=1&filters[tags][$in][1]=2") == Condition(("tags", "id"), "$in", [1, 2])


def test_null_on_a_relation_means_no_related_entry() -> None:
    assert filters("filters[author][$null]=true") == Condition(("author", "id"), "$null", True)


def test_system_fields_are_filterable_through_relations() -> None:
    assert filters("filters[author][createdAt][$lt]=2024-01-01") == Condition(
        ("author", "createdAt"), "$lt", dt.datetime(2024, 1, 1, tzinfo=UTC))


def test_a_relation_group_may_mix_logic_and_attributes() -> None:
    qs = "filters[author][$or][0][username]=a&filters[author][$or][1][$eq]=4"
    assert filters(qs) == Or((
        Condition(("author", "username"), "$eq", "a"), Condition(("author", "id"), "$eq", 4),
    ))


# -- variables (permission conditions) -------------------------------------------------------


def test_variables_become_placeholders_in_conditions() -> None:
    condition = {"$or": [{"author": {"id": {"$eq": "$user.id"}}}, {"editor": {"id": "$user.id"}}]}
    assert parse(condition, allow_variables=True, where="condition") == Or((
        Condition(("author", "id"), "$eq", Variable("user.id")),
        Condition(("editor", "id"), "$eq", Variable("user.id")),
    ))


def test_variables_are_plain_values_in_request_filters() -> None:
    error = rejected("filters[author][id][$eq]=$user.id")
    assert error.message == 'Invalid value "$user.id" for key id at author.id: expected an integer'


# -- errors --------------------------------------------------------------------------------------


def test_an_unknown_attribute_is_invalid_key() -> None:
    error = rejected("filters[nope]=1")
    assert error.message == "Invalid key nope"
    assert error.details == {"key": "nope", "path": None, "source": "query", "param": "filters"}


def test_an_unknown_attribute_through_a_relation_names_the_parent_path() -> None:
    error = rejected("filters[author][nope]=1")
    assert error.message == "Invalid key nope at author"
    assert error.details == {"key": "nope", "path": "author", "source": "query", "param": "filters"}


def test_a_private_attribute_is_invalid_key() -> None:
    error = rejected("filters[secretNote][$eq]=x")
    assert error.message == "Invalid key secretNote"
    assert error.details == {"key": "secretNote", "path": "secretNote", "source": "query", "param": "filters"}


def test_a_password_attribute_through_a_relation_is_invalid_key() -> None:
    error = rejected("filters[author][password][$eq]=x")
    assert error.message == "Invalid key password at author.password"
    assert error.details["path"] == "author.password"


def test_a_private_attribute_through_a_relation_is_invalid_key() -> None:
    assert rejected("filters[comments][author][resetToken]=x").message == (
        "Invalid key resetToken at comments.author.resetToken")


def test_a_relation_to_an_unreadable_type_is_invalid_key() -> None:
    error = rejected("filters[audit][action][$eq]=x")
    assert error.message == "Invalid key audit"
    assert error.details["path"] == "audit"


def test_a_relation_to_an_unreadable_type_is_fine_when_no_check_is_asked() -> None:
    assert parse({"audit": {"action": "x"}}, can_read=None) == Condition(("audit", "action"), "$eq", "x")


def test_an_unknown_operator_is_invalid_key() -> None:
    assert rejected("filters[$foo]=1").message == "Invalid key $foo"
    assert rejected("filters[title][$foo]=1").message == "Invalid key $foo at title"


def test_a_comparison_operator_at_the_root_is_invalid_key() -> None:
    assert rejected("filters[$eq]=1").message == "Invalid key $eq"


def test_an_uncastable_value_names_key_and_value() -> None:
    error = rejected("filters[views][$gt]=ten")
    assert error.message == 'Invalid value "ten" for key views: expected an integer'
    assert error.details == {"key": "views", "path": "views", "value": "ten", "source": "query", "param": "filters"}


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("age", "1.5", "an integer"), ("age", "1e3", "an integer"), ("score", "nan", "a number"),
    ("score", "x", "a number"), ("balance", "Infinity", "a decimal number"), ("active", "yes", "true or false"),
    ("birthday", "2024-02-30", "a date (YYYY-MM-DD)"), ("lastLoginAt", "yesterday", "an ISO 8601 date or datetime"),
    ("wakeUp", "7h", "a time (HH:MM:SS)"), ("wakeUp", "25:00", "a time (HH:MM:SS)"), ("id", "abc", "an integer"),
])
def test_every_type_rejects_values_it_cannot_hold(name: str, text: str, expected: str) -> None:
    """Catches a value refused for another reason than its type (the message names key, value and type)."""
    error = rejected(f"filters[{name}][$eq]={text}", USER)
    assert error.message == f'Invalid value "{text}" for key {name}: expected {expected}'
    assert error.details == {"key": name, "path": name, "value": text, "source": "query", "param": "filters"}


def test_null_operators_reject_anything_but_a_boolean() -> None:
    """Catches a bare ``$null`` (no value) refused for another reason, or taken as true."""
    assert rejected("filters[body][$null]=maybe").message == (
        'Invalid value "maybe" for $null at body: expected true or false')
    assert rejected("filters[body][$null]").message == 'Invalid value null for $null at body: expected true or false'


def test_between_needs_exactly_two_values() -> None:
    """Catches three values refused for another reason than their count."""
    assert rejected("filters[views][$between]=1").message == (
        'Invalid value "1" for $between at views: expected two values')
    error = rejected("filters[views][$between][0]=1&filters[views][$between][1]=2&filters[views][$between][2]=3")
    assert error.message == 'Invalid value ["1", "2", "3"] for $between at views: expected two values'


def test_in_rejects_an_object() -> None:
    """Catches an object under $in refused for another reason than not being a list."""
    error = rejected("filters[id][$in][a]=1")
    assert error.message == 'Invalid value {"a": "1"} for $in at id: expected a list of values'
    assert error.details == {"key": "$in", "path": "id", "value": {"a": "1"}, "source": "query", "param": "filters"}


def test_operators_other_than_eq_and_ne_need_a_value() -> None:
    assert rejected("filters[views][$gt]").message == 'Invalid value null for $gt at views: expected a single value'


def test_a_nested_object_where_a_value_is_expected_is_rejected() -> None:
    """Catches an object under $eq refused for another reason than not being a single value."""
    assert rejected("filters[title][$eq][x]=1").message == (
        'Invalid value {"x": "1"} for $eq at title: expected a single value')


def test_string_operators_apply_to_string_attributes_only() -> None:
    assert rejected("filters[views][$contains]=1").message == "Invalid key $contains at views"
    assert rejected("filters[author][$containsi]=1").message == "Invalid key $containsi at author.id"


def test_json_attributes_take_only_null_operators() -> None:
    assert rejected("filters[prefs][$eq]=x", USER).message == "Invalid key $eq at prefs"
    assert rejected("filters[content]=x").message == "Invalid key $eq at content"


def test_filters_must_be_an_object() -> None:
    error = rejected("filters=title")
    assert error.message == "The filters parameter must be an object or an array"


def test_logical_operators_need_a_list() -> None:
    """Catches an object under $and refused for another reason than not being a list."""
    assert rejected("filters[$or]=x").message == 'Invalid value "x" for $or: expected a list of filters'
    assert rejected("filters[$and][title]=x").message == (
        'Invalid value {"title": "x"} for $and: expected a list of filters')


def test_a_list_of_scalars_where_groups_are_expected_is_rejected() -> None:
    """Catches a scalar in a $or list refused for another reason than not being a filter object."""
    error = rejected("filters[$or][0]=x")
    assert error.message == 'Invalid filters: expected an object, got "x"'
    assert error.details == {"path": None, "source": "query", "param": "filters"}


def test_nesting_deeper_than_the_guard_is_rejected_not_a_recursion_error() -> None:
    raw: Any = {"title": "x"}
    for _ in range(5000):
        raw = {"$not": raw}
    with pytest.raises(ValidationError, match="nested deeper than 20 levels"):
        parse(raw)


def test_nesting_within_the_guard_is_fine() -> None:
    """Catches deep nesting parsed into anything but the 15 negations of the one condition."""
    raw: Any = {"title": "x"}
    expected: Any = Condition(("title",), "$eq", "x")
    for _ in range(15):
        raw = {"$not": raw}
        expected = Not(expected)
    assert parse(raw) == expected


def test_the_where_name_appears_in_details() -> None:
    """Catches an error about an unknown key that does not name it, or names the wrong parameter."""
    with pytest.raises(ValidationError, match="^Invalid key nope$") as caught:
        parse({"nope": 1}, where="condition")
    assert caught.value.details == {"key": "nope", "path": None, "source": "query", "param": "condition"}
