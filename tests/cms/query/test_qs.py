"""Specification of ``parse_qs``: Strapi's ``qs.parse`` (qs 6.11.1, depth 20, arrayLimit 100).

Expected values were checked against the JavaScript ``qs`` package itself.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cms.query.qs import encode_qs, parse_qs

# --- What Strapi frontends send ---------------------------------------------------------

STRAPI_QUERIES = {
    "relation filter": (
        "filters[sender][username][$eq]=ana",
        {"filters": {"sender": {"username": {"$eq": "ana"}}}},
    ),
    "$or of conditions": (
        "filters[$or][0][room][$eq]=a&filters[$or][1][room][$eq]=b",
        {"filters": {"$or": [{"room": {"$eq": "a"}}, {"room": {"$eq": "b"}}]}},
    ),
    "$in with indices": (
        "filters[id][$in][0]=6&filters[id][$in][1]=8",
        {"filters": {"id": {"$in": ["6", "8"]}}},
    ),
    "$in with empty brackets": ("filters[id][$in][]=6", {"filters": {"id": {"$in": ["6"]}}}),
    "sort list": ("sort[0]=createdAt:desc&sort[1]=id", {"sort": ["createdAt:desc", "id"]}),
    "sort string": ("sort=title:asc", {"sort": "title:asc"}),
    "populate fields": (
        "populate[sender][fields][0]=username",
        {"populate": {"sender": {"fields": ["username"]}}},
    ),
    "populate all": ("populate=*", {"populate": "*"}),
    "populate list": ("populate[0]=a&populate[1]=b", {"populate": ["a", "b"]}),
    "pagination": (
        "pagination[page]=2&pagination[pageSize]=10",
        {"pagination": {"page": "2", "pageSize": "10"}},
    ),
    "fields": ("fields[0]=text", {"fields": ["text"]}),
    "nested populate filters": (
        "populate[author][populate][articles][filters][title][$contains]=x",
        {
            "populate": {
                "author": {"populate": {"articles": {"filters": {"title": {"$contains": "x"}}}}}
            }
        },
    ),
}


@pytest.mark.parametrize(("query", "expected"), STRAPI_QUERIES.values(), ids=STRAPI_QUERIES)
def test_strapi_frontend_queries_parse_to_nested_structures(query: str, expected: Any) -> None:
    assert parse_qs(query) == expected


# --- Pairs, keys and values -------------------------------------------------------------


def test_empty_query_string_is_an_empty_dict() -> None:
    assert parse_qs("") == {}


def test_plain_pairs_become_string_values() -> None:
    assert parse_qs("a=1&b=true") == {"a": "1", "b": "true"}


def test_key_without_equals_sign_has_empty_string_value() -> None:
    assert parse_qs("a&b=") == {"a": "", "b": ""}


def test_key_without_equals_sign_is_none_with_strict_null_handling() -> None:
    assert parse_qs("a&b=", strict_null_handling=True) == {"a": None, "b": ""}


def test_only_the_first_equals_sign_separates_key_from_value() -> None:
    assert parse_qs("a==b=c") == {"a": "=b=c"}


def test_bracket_followed_by_equals_ends_the_key() -> None:
    assert parse_qs("a[b=c]=d") == {"a": {"b=c": "d"}}


def test_semicolon_is_not_a_separator() -> None:
    assert parse_qs("a=1;b=2") == {"a": "1;b=2"}


def test_empty_parameters_are_skipped() -> None:
    assert parse_qs("&&a=1&&") == {"a": "1"}


def test_empty_key_is_dropped() -> None:
    assert parse_qs("=x&a=1") == {"a": "1"}


def test_dots_do_not_nest() -> None:
    assert parse_qs("a.b=1") == {"a.b": "1"}


def test_leading_question_mark_is_part_of_the_key() -> None:
    assert parse_qs("?a=1") == {"?a": "1"}


def test_only_the_first_parameter_limit_parameters_are_read() -> None:
    assert parse_qs("a=1&b=2&c=3", parameter_limit=2) == {"a": "1", "b": "2"}


def test_keys_naming_javascript_prototype_members_are_dropped() -> None:
    query = "toString=1&constructor=2&__proto__[x]=3&a[hasOwnProperty]=4&b=5"
    assert parse_qs(query) == {"b": "5"}


# --- Decoding ---------------------------------------------------------------------------


def test_percent_encoded_operator_equals_literal_operator() -> None:
    assert parse_qs("filters[title][%24eq]=x") == parse_qs("filters[title][$eq]=x")


def test_percent_encoded_brackets_nest_like_literal_brackets() -> None:
    assert parse_qs("a%5Bb%5D=1&a[c]=2") == {"a": {"b": "1", "c": "2"}}


def test_plus_is_a_space_in_keys_and_values() -> None:
    assert parse_qs("a+b=c+d") == {"a b": "c d"}


def test_encoded_plus_is_a_plus() -> None:
    assert parse_qs("a=%2B1") == {"a": "+1"}


def test_encoded_separators_stay_inside_the_value() -> None:
    assert parse_qs("a=x%26y%3Dz") == {"a": "x&y=z"}


def test_utf8_percent_sequences_are_decoded() -> None:
    assert parse_qs("caf%C3%A9=%E2%9C%93") == {"café": "✓"}


def test_malformed_percent_escape_leaves_the_whole_value_undecoded() -> None:
    assert parse_qs("a=%zz%41+b") == {"a": "%zz%41 b"}


def test_invalid_utf8_leaves_the_whole_key_undecoded() -> None:
    assert parse_qs("%FF%41=1") == {"%FF%41": "1"}


# --- Nesting ----------------------------------------------------------------------------


def test_brackets_nest_dicts() -> None:
    assert parse_qs("a[b][c]=1") == {"a": {"b": {"c": "1"}}}


def test_sibling_keys_merge_into_one_dict() -> None:
    query = "filters[a][$eq]=1&filters[b][$eq]=2"
    assert parse_qs(query) == {"filters": {"a": {"$eq": "1"}, "b": {"$eq": "2"}}}


def test_twenty_bracket_levels_nest_fully() -> None:
    names = [f"k{i}" for i in range(20)]
    expected: Any = "1"
    for name in reversed(names):
        expected = {name: expected}
    assert parse_qs("a" + "".join(f"[{n}]" for n in names) + "=1") == {"a": expected}


def test_brackets_beyond_depth_become_one_literal_key() -> None:
    assert parse_qs("a[b][c][d]=1", depth=2) == {"a": {"b": {"c": {"[d]": "1"}}}}


def test_all_remaining_brackets_beyond_depth_stay_in_the_literal_key() -> None:
    assert parse_qs("a[b][c][d]=1", depth=1) == {"a": {"b": {"[c][d]": "1"}}}


def test_depth_zero_keeps_the_whole_key_literal() -> None:
    assert parse_qs("a[b][c]=1", depth=0) == {"a[b][c]": "1"}


# --- Lists ------------------------------------------------------------------------------


def test_empty_brackets_build_a_list_in_order() -> None:
    assert parse_qs("a[]=x&a[]=y") == {"a": ["x", "y"]}


def test_indexed_brackets_build_a_list() -> None:
    assert parse_qs("a[0]=x&a[1]=y") == {"a": ["x", "y"]}


def test_indices_are_sorted() -> None:
    assert parse_qs("a[2]=c&a[0]=a&a[1]=b") == {"a": ["a", "b", "c"]}


def test_sparse_indices_are_compacted() -> None:
    assert parse_qs("a[1]=x&a[5]=y") == {"a": ["x", "y"]}


def test_empty_brackets_append_after_indices() -> None:
    assert parse_qs("a[0]=x&a[]=y") == {"a": ["x", "y"]}


def test_identical_keys_are_grouped_before_merging() -> None:
    assert parse_qs("a[]=x&a[3]=y&a[]=z") == {"a": ["x", "z", "y"]}


def test_fields_under_the_same_index_form_one_object() -> None:
    assert parse_qs("a[0][b]=1&a[0][c]=2&a[1][b]=3") == {"a": [{"b": "1", "c": "2"}, {"b": "3"}]}


def test_index_equal_to_array_limit_is_still_a_list() -> None:
    assert parse_qs("a[100]=x") == {"a": ["x"]}


def test_index_above_array_limit_makes_a_dict() -> None:
    assert parse_qs("a[101]=x") == {"a": {"101": "x"}}


def test_array_limit_is_configurable() -> None:
    assert parse_qs("a[3]=x", array_limit=2) == {"a": {"3": "x"}}


def test_a_hundred_and_one_indexed_items_stay_a_list() -> None:
    query = "&".join(f"a[{i}]={i}" for i in range(101))
    assert parse_qs(query) == {"a": [str(i) for i in range(101)]}


def test_empty_brackets_are_not_limited_by_array_limit() -> None:
    query = "&".join(f"a[]={i}" for i in range(150))
    assert parse_qs(query) == {"a": [str(i) for i in range(150)]}


@pytest.mark.parametrize("index", ["01", "-1", "1.5", " 1", "1e2"])
def test_non_canonical_indices_are_dict_keys(index: str) -> None:
    assert parse_qs(f"a[{index}]=x") == {"a": {index: "x"}}


def test_top_level_digit_key_is_a_dict_key() -> None:
    assert parse_qs("0=x&1=y") == {"0": "x", "1": "y"}


def test_mixing_indices_and_names_makes_a_dict() -> None:
    assert parse_qs("a[0]=x&a[foo]=y") == {"a": {"0": "x", "foo": "y"}}


def test_name_before_index_also_makes_a_dict() -> None:
    assert parse_qs("a[foo]=y&a[0]=x") == {"a": {"0": "x", "foo": "y"}}


def test_repeated_plain_key_builds_a_list() -> None:
    assert parse_qs("a=1&a=2&a=3") == {"a": ["1", "2", "3"]}


def test_repeated_nested_key_builds_a_list() -> None:
    assert parse_qs("a[b]=1&a[b]=2") == {"a": {"b": ["1", "2"]}}


def test_repeated_index_nests_a_list_at_that_index() -> None:
    assert parse_qs("a[0]=x&a[0]=y") == {"a": [["x", "y"]]}


# --- A plain value meeting an object ----------------------------------------------------


def test_plain_value_then_object_become_a_list() -> None:
    assert parse_qs("a=1&a[b]=2") == {"a": ["1", {"b": "2"}]}


def test_object_then_plain_value_become_a_list() -> None:
    # qs 6.11 gives {"b": "2", "1": true}; we keep every value a string, as qs >= 6.14 does.
    assert parse_qs("a[b]=2&a=1") == {"a": [{"b": "2"}, "1"]}


def test_plain_value_is_appended_to_a_list() -> None:
    assert parse_qs("a[0]=x&a=y") == {"a": ["x", "y"]}


def test_empty_plain_value_does_not_replace_an_object() -> None:
    assert parse_qs("a[b]=1&a=") == {"a": {"b": "1"}}


# --- Malformed input --------------------------------------------------------------------


def test_unclosed_bracket_is_part_of_the_key() -> None:
    assert parse_qs("a[b=1") == {"a[b": "1"}


def test_stray_closing_brackets_are_part_of_the_key() -> None:
    assert parse_qs("a]]=1") == {"a]]": "1"}


def test_text_between_or_after_bracket_segments_is_ignored() -> None:
    assert parse_qs("a[b]c=1&x[y]]=2") == {"a": {"b": "1"}, "x": {"y": "2"}}


def test_leading_bracket_segment_becomes_the_key() -> None:
    assert parse_qs("[a][b]=1") == {"a": {"b": "1"}}


def test_nameless_empty_brackets_become_index_keys() -> None:
    assert parse_qs("[]=1") == {"0": "1"}


def test_lone_percent_signs_are_kept() -> None:
    assert parse_qs("%=%&%zz=%zz") == {"%": "%", "%zz": "%zz"}


def _only_dicts_lists_and_strings(value: Any) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) for k in value) and all(
            _only_dicts_lists_and_strings(v) for v in value.values()
        )
    if isinstance(value, list):
        return all(_only_dicts_lists_and_strings(v) for v in value)
    return isinstance(value, str)


@given(st.text())
def test_any_text_parses_to_dicts_lists_and_strings(query: str) -> None:
    assert _only_dicts_lists_and_strings(parse_qs(query))


@given(st.text(alphabet="[]=&%+ab0159$", max_size=80))
def test_any_bracket_soup_parses_to_dicts_lists_and_strings(query: str) -> None:
    assert _only_dicts_lists_and_strings(parse_qs(query))


@given(st.text(alphabet="[]=&%+ab0159$", max_size=80), st.integers(-2, 25), st.integers(-2, 120))
def test_any_limits_are_accepted(query: str, depth: int, array_limit: int) -> None:
    """Catches limits that crash the parser, leak non-string values, or matter where they must not:
    every depth below 1 is depth 0, every negative array limit is -1, and a query without brackets
    parses the same whatever the limits."""
    parsed = parse_qs(query, depth=depth, array_limit=array_limit)
    assert _only_dicts_lists_and_strings(parsed)
    assert parsed == parse_qs(query, depth=max(depth, 0), array_limit=max(array_limit, -1))
    if "[" not in query:
        assert parsed == parse_qs(query)


_NAMES = st.text(alphabet="ab$", min_size=1, max_size=3)
_SEGMENTS = st.lists(st.one_of(st.just("[]"), st.integers(0, 150).map(lambda i: f"[{i}]"),
                               _NAMES.map(lambda name: f"[{name}]")), max_size=6)


def _expected_parse(name: str, segments: list[str], value: str, depth: int, array_limit: int) -> dict[str, Any]:
    """What qs 6.11 makes of the one parameter ``name<segments>=value``: at most ``depth`` segments are
    parsed (the rest is one literal key; none at all below depth 1), ``[]`` is a list, ``[i]`` a list
    when ``i <= array_limit`` (its hole-free form: ``[value]``) and a key otherwise."""
    if depth <= 0:
        return {name + "".join(segments): value}
    chain = segments if len(segments) <= depth else [*segments[:depth], "[" + "".join(segments[depth:]) + "]"]
    leaf: Any = value
    for segment in reversed(chain):
        inner = segment[1:-1]
        if segment == "[]":
            leaf = leaf if isinstance(leaf, list) else [leaf]  # [].concat(leaf)
        elif inner.isdigit() and int(inner) <= array_limit:
            leaf = [leaf]
        else:
            leaf = {inner: leaf}
    return {name: leaf}


@given(_NAMES, _SEGMENTS, st.text(alphabet="ab1$", min_size=1, max_size=4), st.integers(-2, 8), st.integers(-2, 120))
def test_one_parameter_parses_exactly_under_any_limits(name: str, segments: list[str], value: str, depth: int,
                                                       array_limit: int) -> None:
    """Catches a depth or array limit applied off by one, or ignored (see :func:`_expected_parse`)."""
    query = name + "".join(segments) + "=" + value
    assert parse_qs(query, depth=depth, array_limit=array_limit) == \
        _expected_parse(name, segments, value, depth, array_limit)


# --- encode_qs --------------------------------------------------------------------------


def test_encode_uses_brackets_and_list_indices() -> None:
    assert encode_qs({"a": {"b": ["x", "y"]}, "c": "z"}) == "a[b][0]=x&a[b][1]=y&c=z"


def test_encode_percent_encodes_key_segments_and_values() -> None:
    assert encode_qs({"a b": {"$eq": "x&y=z é"}}) == "a%20b[%24eq]=x%26y%3Dz%20%C3%A9"


def test_encode_skips_empty_containers() -> None:
    assert encode_qs({"a": {}, "b": [], "c": "1"}) == "c=1"


def test_encode_writes_none_as_empty_and_booleans_as_words() -> None:
    assert encode_qs({"a": None, "b": True, "c": False}) == "a=&b=true&c=false"


# Keys that survive a round trip: no brackets (qs would read them as nesting), not all
# digits (an index), not a JavaScript prototype member (dropped, as Strapi drops them).
_PROTOTYPE_NAMES = {
    "__proto__", "__defineGetter__", "__defineSetter__", "__lookupGetter__", "__lookupSetter__",
    "constructor", "hasOwnProperty", "isPrototypeOf", "propertyIsEnumerable", "toLocaleString",
    "toString", "valueOf",
}  # fmt: skip
keys = st.text(min_size=1, max_size=8).filter(
    lambda k: "[" not in k and "]" not in k and not k.isdigit() and k not in _PROTOTYPE_NAMES
)
structures = st.recursive(
    st.text(max_size=8),
    lambda inner: st.lists(inner, min_size=1, max_size=5)
    | st.dictionaries(keys, inner, min_size=1, max_size=4),
    max_leaves=12,
)


@given(st.dictionaries(keys, structures, max_size=4))
def test_parse_inverts_encode(value: dict[str, Any]) -> None:
    assert parse_qs(encode_qs(value)) == value


def test_parse_inverts_encode_for_a_hundred_item_list() -> None:
    value = {"filters": {"id": {"$in": [str(i) for i in range(100)]}}}
    assert parse_qs(encode_qs(value)) == value
