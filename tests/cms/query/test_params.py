"""``parse_query``: top-level keys, find vs findOne, ``_q``, and never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cms.errors import PaginationError, ValidationError
from cms.content import ContentType
from cms.query.ast import OPERATORS, And, Condition, Not, Or, Pagination, Populate, Query, SortKey
from cms.query.params import ALLOWED_KEYS, Limits, parse_query
from cms.query.qs import parse_qs
from cms.query.values import SYSTEM_ATTRIBUTES
from tests.cms.query.schemas import ARTICLE, LIMITS, REGISTRY, SCHEMAS, can_read, query


def rejected(qs: str, **options: Any) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        query(qs, **options)
    return caught.value


DEFAULT_LIST = Query(pagination=Pagination("page", 0, 25, True, page=1, page_size=25))


def test_an_empty_query_is_the_default_list() -> None:
    assert query("") == DEFAULT_LIST


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
    """Catches a parser that refuses one of Strapi's keys, or lets the ignored root-level ones
    (start, limit, count, ordering, status, locale, publicationFilter) change the query."""
    assert ALLOWED_KEYS >= {"filters", "sort", "pagination", "fields", "populate", "_q", "status", "locale"}
    assert query("status=published&locale=fr&publicationFilter=never-published&count=true&ordering=x"
                 "&start=3&limit=4") == query("") == DEFAULT_LIST


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
    """Catches a non-mapping query refused with another error than Strapi-style "Invalid query"."""
    with pytest.raises(ValidationError, match="^Invalid query$") as caught:
        parse_query(ARTICLE, ["filters"], registry=REGISTRY, limits=LIMITS)  # type: ignore[arg-type]
    assert caught.value.details == {"source": "query"}


# -- never a 500 ----------------------------------------------------------------------------------

def assert_fits(ct: ContentType, raw: Any, result: Query, action: str = "find", limits: Limits = LIMITS) -> None:
    """``result``, parsed from ``raw`` for ``ct``, holds only what ``raw`` asked and ``ct`` allows: each part
    missing from ``raw`` is its default, and every path names attributes the caller may see (relations it
    may read, then a scalar; sorts only through to-one relations; populate only relations)."""
    assert isinstance(result, Query)
    if raw.get("filters") is None:
        assert result.filters is None, result
    if raw.get("sort") is None:
        assert result.sort == (), result
    if raw.get("fields") is None:
        assert result.fields is None, result
    if raw.get("populate") is None:
        assert result.populate == {}, result
    q = raw.get("_q")
    assert result.search == (q if isinstance(q, str) and q else None), result
    if action == "findOne":
        assert result.pagination is None, result
    elif raw.get("pagination") is None:
        assert result.pagination == DEFAULT_LIST.pagination, result
    else:
        pagination = result.pagination
        assert pagination is not None and pagination.offset >= 0, result
        assert pagination.limit is not None and 1 <= pagination.limit <= limits.max_limit, result
        if pagination.mode == "page":
            assert pagination.page >= 1 and pagination.limit == pagination.page_size, result
            assert pagination.offset == (pagination.page - 1) * pagination.page_size, result
    _assert_parts_fit(ct, result.filters, result.sort, result.fields, result.populate)


def _assert_parts_fit(ct: ContentType, filters: Any, sort: tuple[SortKey, ...], fields: tuple[str, ...] | None,
                      populate: dict[str, Populate]) -> None:
    def walk(path: tuple[str, ...], to_one: bool) -> None:
        assert path, "an empty path"
        current = ct
        for name in path[:-1]:
            attr = current.attributes.get(name)
            assert attr is not None and attr.is_relation and not attr.hidden, (current.uid, path)
            assert not (to_one and attr.is_to_many), ("sorted through a to-many relation", path)
            uid = REGISTRY.resolve(attr.target) if attr.target else None
            assert uid is not None and can_read(uid), ("a relation the caller may not read", path)
            current = REGISTRY.get(uid)
        leaf = current.attributes.get(path[-1]) or SYSTEM_ATTRIBUTES.get(path[-1])
        assert leaf is not None and not leaf.hidden, (current.uid, path)
        assert leaf.is_scalar or not to_one, ("sorted on a relation", path)

    def conditions(node: Any) -> None:
        if isinstance(node, Condition):
            assert node.operator in OPERATORS, node
            walk(node.path, to_one=False)
        elif isinstance(node, (And, Or)):
            for item in node.items:
                conditions(item)
        else:
            assert isinstance(node, Not), node
            conditions(node.item)

    if filters is not None:
        conditions(filters)
    for key in sort:
        walk(key.path, to_one=True)
    for name in fields or ():
        attr = ct.attributes.get(name) or SYSTEM_ATTRIBUTES.get(name)
        assert attr is not None and attr.is_scalar and not attr.hidden and name not in ("id", "documentId"), fields
    for name, nested in populate.items():
        attr = ct.attributes.get(name)
        assert attr is not None and attr.is_relation and not attr.hidden, (ct.uid, name)
        uid = REGISTRY.resolve(attr.target) if attr.target else None
        assert uid is not None and can_read(uid), ("populated a relation the caller may not read", name)
        assert isinstance(nested, Populate), nested
        _assert_parts_fit(REGISTRY.get(uid), nested.filters, nested.sort, nested.fields, nested.populate)


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
    """Catches a parser that crashes, or accepts a query but returns parts it was not asked for or that
    the schema does not allow (see :func:`assert_fits`)."""
    ct = REGISTRY.get(uid)
    try:
        result = parse_query(ct, raw, registry=REGISTRY, limits=Limits(), action=action,  # type: ignore[arg-type]
                             can_read=can_read, strict=strict)
    except (ValidationError, PaginationError) as error:
        assert error.status == 400 and error.message
        return
    assert_fits(ct, raw, result, action, Limits())


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
    """Catches a parser that crashes on deep filters/populate, or accepts them with paths the schema does
    not have (see :func:`assert_fits`)."""
    ct = REGISTRY.get(uid)
    raw = {"filters": data.draw(filter_trees(ct)), "populate": data.draw(populate_trees(ct))}
    try:
        result = parse_query(ct, raw, registry=REGISTRY, limits=LIMITS, can_read=can_read)
    except (ValidationError, PaginationError) as error:
        assert error.status == 400 and error.message
        return
    assert_fits(ct, raw, result)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.text(alphabet="[]$0123abcdefilnoprstuqwy.:,*=&%", max_size=40),
                          st.text(max_size=10)), max_size=6))
def test_any_query_string_gives_a_query_or_a_400(pairs: list[tuple[str, str]]) -> None:
    """Catches a parser that crashes on a query string, refuses one without a 400 and a message, or
    accepts one with parts the string did not ask for (see :func:`assert_fits`)."""
    qs = "&".join(f"{k}={v}" for k, v in pairs)
    try:
        result = query(qs, strict=False)
    except (ValidationError, PaginationError) as error:
        assert error.status == 400 and error.message
        return
    assert_fits(ARTICLE, parse_qs(qs, strict_null_handling=True), result)
