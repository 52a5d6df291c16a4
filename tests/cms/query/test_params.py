"""``parse_query``: top-level keys, find vs findOne, ``_q``, and never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cms.errors import PaginationError, ValidationError
from cms.content import ContentType
from cms.query.ast import OPERATORS, Condition, Pagination, Populate, Query, SortKey
from cms.query.params import ALLOWED_KEYS, Limits, parse_query
from tests.cms.query.schemas import ARTICLE, LIMITS, REGISTRY, SCHEMAS, can_read, query


def rejected(qs: str, **options: Any) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        query(qs, **options)
    return caught.value


def test_an_empty_query_is_the_default_list() -> None:
    assert query("") == Query(pagination=Pagination("page", 0, 25, True, page=1, page_size=25))


def test_a_full_query() -> None:
    qs = ("filters[author][username][$eq]=ana&sort=views:desc&fields=title&populate[tags][fields]=name"
          "&pagination[page]=2&pagination[pageSize]=5&_q=hello")
    assert query(qs) == Query(
        filters=Condition(("author", "username"), "$eq", "ana"),
        sort=(SortKey(("views",), True),),
        pagination=Pagination("page", 5, 5, True, page=2, page_size=5),
        fields=("title",),
        populate={"tags": Populate(fields=("name",))},
        search="hello",
    )


def test_an_unknown_top_level_key_is_strapis_invalid_key() -> None:
    error = rejected("where[id]=1")
    assert error.message == "Invalid key where"
    assert error.details == {"key": "where", "path": None, "source": "query", "param": "where"}


def test_unknown_top_level_keys_are_ignored_when_not_strict() -> None:
    assert query("where[id]=1&foo=bar", strict=False).filters is None


def test_every_key_strapi_allows_is_accepted() -> None:
    assert ALLOWED_KEYS >= {"filters", "sort", "pagination", "fields", "populate", "_q", "status", "locale"}
    query("status=published&locale=fr&publicationFilter=never-published&count=true&ordering=x&start=3&limit=4")


def test_status_and_locale_are_accepted_and_ignored() -> None:
    assert query("status=draft&locale=en") == query("")


@pytest.mark.parametrize("key", ["status", "locale", "publicationFilter", "_q"])
def test_string_parameters_must_be_strings(key: str) -> None:
    error = rejected(f"{key}[x]=1")
    assert error.message == f"Invalid {key} parameter. Expected a string"


def test_root_level_page_is_strapis_pagination_error() -> None:
    with pytest.raises(PaginationError) as caught:
        query("page=1&pageSize=10")
    assert caught.value.message == (
        "Invalid pagination attributes. You cannot use page and offset pagination in the same query")


def test_q_is_the_search() -> None:
    assert query("_q=café crème").search == "café crème"


def test_an_empty_or_bare_q_is_no_search() -> None:
    assert query("_q=").search is None
    assert query("_q").search is None


def test_find_one_keeps_fields_populate_filters_and_sort() -> None:
    result = query("fields=title&populate=author&filters[views][$gt]=1&sort=title", action="findOne")
    assert result == Query(filters=Condition(("views",), "$gt", 1), sort=(SortKey(("title",)),),
                           fields=("title",), populate={"author": Populate()})


def test_find_one_still_validates_filters() -> None:
    assert rejected("filters[nope]=1", action="findOne").message == "Invalid key nope"


def test_find_one_ignores_root_level_page() -> None:
    assert query("page=0", action="findOne").pagination is None


def test_errors_come_in_strapis_order_filters_first() -> None:
    error = rejected("sort=nope&filters[bad]=1&fields=worse")
    assert error.details["param"] == "filters"


def test_the_query_must_be_a_mapping() -> None:
    with pytest.raises(ValidationError):
        parse_query(ARTICLE, ["filters"], registry=REGISTRY, limits=LIMITS)  # type: ignore[arg-type]


# -- never a 500 ----------------------------------------------------------------------------------

_NAMES = sorted({name for schema in SCHEMAS.values() for name in schema["attributes"]}
                | {"id", "documentId", "createdAt", "nope"})
_WORDS = st.sampled_from([
    *_NAMES, *ALLOWED_KEYS, "$eq", "$ne", "$in", "$notIn", "$between", "$null", "$notNull", "$lt",
    "$contains", "$and", "$or", "$not", "$foo", "fields", "populate", "sort", "filters", "on", "count",
    "page", "pageSize", "start", "limit", "withCount", "0", "1", "2", "*", "true", "false", "asc",
    "desc", "title:desc", "author.username", "a,b", "-1", "1.5", "2024-01-01", "", "$user.id",
])
_LEAVES = st.one_of(st.none(), _WORDS, st.text(max_size=8), st.integers(-3, 200), st.booleans(), st.floats())
_TREES = st.recursive(
    _LEAVES,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_WORDS, inner, max_size=4)),
    max_leaves=30,
)
_TYPES = st.sampled_from(["api::article.article", "api::user.user", "api::comment.comment", "api::tag.tag"])
_QUERIES = st.dictionaries(st.sampled_from(sorted(ALLOWED_KEYS | {"where"})), _TREES, max_size=5)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=_QUERIES, uid=_TYPES, action=st.sampled_from(["find", "findOne"]), strict=st.booleans())
def test_any_input_gives_a_query_or_a_400_never_another_exception(
    raw: dict[str, Any], uid: str, action: str, strict: bool
) -> None:
    ct = REGISTRY.get(uid)
    try:
        result = parse_query(ct, raw, registry=REGISTRY, limits=Limits(), action=action,  # type: ignore[arg-type]
                             can_read=can_read, strict=strict)
    except (ValidationError, PaginationError) as error:
        assert error.status == 400 and error.message
        return
    assert isinstance(result, Query)


_OPERATOR_NAMES = sorted(OPERATORS)
_SCALAR_VALUES = st.one_of(_LEAVES, st.lists(_LEAVES, max_size=3))


@st.composite
def filter_trees(draw: Any, ct: ContentType, depth: int = 0) -> Any:
    """Filters that mostly fit ``ct`` (so parsing goes deep), with some noise."""
    if depth > 5 or draw(st.integers(0, 5)) == 0:
        return draw(_LEAVES)
    keys = [*ct.attributes, "id", "documentId", "createdAt", "$and", "$or", "$not", "$eq", "$foo"]
    tree: dict[str, Any] = {}
    for key in draw(st.lists(st.sampled_from(keys), min_size=1, max_size=3)):
        attr = ct.attributes.get(key)
        if key in ("$and", "$or"):
            tree[key] = draw(st.lists(filter_trees(ct, depth + 1), max_size=3))
        elif attr is not None and attr.is_relation:
            tree[key] = draw(filter_trees(REGISTRY.get(attr.target or ""), depth + 1) | _SCALAR_VALUES)
        elif key == "$not":
            tree[key] = draw(filter_trees(ct, depth + 1))
        else:
            ops = st.dictionaries(st.sampled_from([*_OPERATOR_NAMES, "$not", "$or", "$bar"]), _SCALAR_VALUES,
                                  max_size=2)
            tree[key] = draw(_SCALAR_VALUES | ops)
    return tree


@st.composite
def populate_trees(draw: Any, ct: ContentType, depth: int = 0) -> Any:
    relations = [a.name for a in ct.attributes.values() if a.is_relation] + ["title", "nope"]
    if depth > 4 or draw(st.integers(0, 4)) == 0:
        return draw(st.sampled_from(["*", "true", "false", *relations, ",".join(relations[:2])]) | _LEAVES)
    tree: dict[str, Any] = {}
    for key in draw(st.lists(st.sampled_from(relations), min_size=1, max_size=3)):
        attr = ct.attributes.get(key)
        target = REGISTRY.get(attr.target) if attr is not None and attr.target else ct
        options = st.fixed_dictionaries({}, optional={
            "fields": st.sampled_from([*target.attributes, "id", "title,nope"]) | _SCALAR_VALUES,
            "filters": filter_trees(target, depth + 2),
            "sort": st.sampled_from([*target.attributes, "id:desc", "x:up"]) | _TREES,
            "populate": populate_trees(target, depth + 1),
            "count": _LEAVES,
        })
        tree[key] = draw(options | _LEAVES)
    return tree


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), uid=_TYPES)
def test_any_filters_or_populate_give_a_query_or_a_400(data: Any, uid: str) -> None:
    ct = REGISTRY.get(uid)
    raw = {"filters": data.draw(filter_trees(ct)), "populate": data.draw(populate_trees(ct))}
    try:
        result = parse_query(ct, raw, registry=REGISTRY, limits=LIMITS, can_read=can_read)
    except (ValidationError, PaginationError) as error:
        assert error.status == 400 and error.message
        return
    assert isinstance(result, Query)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.text(alphabet="[]$0123abcdefilnoprstuqwy.:,*=&%", max_size=40),
                          st.text(max_size=10)), max_size=6))
def test_any_query_string_gives_a_query_or_a_400(pairs: list[tuple[str, str]]) -> None:
    qs = "&".join(f"{k}={v}" for k, v in pairs)
    try:
        query(qs, strict=False)
    except (ValidationError, PaginationError):
        pass
