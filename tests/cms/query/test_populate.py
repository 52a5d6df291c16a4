"""``populate``: which relations to load, with nested fields/filters/sort/populate."""

from __future__ import annotations

from typing import Any

import pytest

from cms.errors import ValidationError
from cms.query.ast import Condition, Populate, SortKey
from cms.query.populate import parse_populate
from cms.query.values import Scope
from tests.cms.query.schemas import ARTICLE, COMMENT, REGISTRY, USER, query

P = Populate


def populate(qs: str, ct: Any = ARTICLE, **options: Any) -> dict[str, Populate]:
    return query(qs, ct, **options).populate


def rejected(qs: str, ct: Any = ARTICLE) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        query(qs, ct)
    return caught.value


def test_nothing_is_populated_by_default() -> None:
    assert populate("") == {}


def test_star_populates_every_relation_one_level() -> None:
    assert populate("populate=*") == {
        "author": P(), "tags": P(), "comments": P(), "editor": P(), "related": P(),
    }


def test_star_skips_relations_the_caller_cannot_read() -> None:
    assert "audit" not in populate("populate=*")


def test_star_includes_them_when_no_check_is_asked() -> None:
    assert "audit" in populate("populate=*", can_read=None)


def test_one_relation() -> None:
    assert populate("populate=author") == {"author": P()}


def test_a_comma_string() -> None:
    assert populate("populate=author, tags") == {"author": P(), "tags": P()}


def test_the_list_form() -> None:
    assert populate("populate[0]=author&populate[1]=tags,comments") == {
        "author": P(), "tags": P(), "comments": P()}


def test_a_dotted_name_populates_inside() -> None:
    assert populate("populate=comments.author") == {"comments": P(populate={"author": P()})}


def test_dotted_names_sharing_a_head_are_merged() -> None:
    assert populate("populate[0]=comments.author&populate[1]=comments.article&populate[2]=comments") == {
        "comments": P(populate={"author": P(), "article": P()})}


@pytest.mark.parametrize("value", ["true", "1", "t", "*"])
def test_an_object_with_a_true_value_populates(value: str) -> None:
    assert populate(f"populate[author]={value}") == {"author": P()}


@pytest.mark.parametrize("value", ["false", "0", "f"])
def test_an_object_with_a_false_value_does_not(value: str) -> None:
    assert populate(f"populate[author]={value}&populate[tags]=true") == {"tags": P()}


def test_nested_fields() -> None:
    assert populate("populate[author][fields][0]=username&populate[author][fields][1]=email") == {
        "author": P(fields=("username", "email"))}


def test_nested_filters_apply_to_the_populated_type() -> None:
    assert populate("populate[tags][filters][name][$eq]=news") == {
        "tags": P(filters=Condition(("name",), "$eq", "news"))}


def test_nested_sort() -> None:
    assert populate("populate[comments][sort][0]=createdAt:desc") == {
        "comments": P(sort=(SortKey(("createdAt",), True),))}


def test_nested_populate_recurses() -> None:
    qs = "populate[comments][populate][author][fields][0]=username&populate[comments][fields]=text"
    assert populate(qs) == {"comments": P(fields=("text",), populate={"author": P(fields=("username",))})}


def test_nested_populate_star() -> None:
    assert populate("populate[comments][populate]=*") == {
        "comments": P(populate={"article": P(), "author": P()})}


def test_deep_nesting_within_qs_limits() -> None:
    qs = "populate[comments][populate][article][populate][author][populate][comments][populate]=article"
    assert populate(qs) == {"comments": P(populate={"article": P(populate={"author": P(populate={
        "comments": P(populate={"article": P()})})})})}


def test_an_empty_object_populates_with_defaults() -> None:
    assert parse_populate(ARTICLE, {"author": {}}, Scope(REGISTRY, param="populate")) == {"author": P()}


# -- errors ------------------------------------------------------------------------------------


def test_an_unknown_key_is_invalid_key() -> None:
    error = rejected("populate=nope")
    assert error.message == "Invalid key nope"  # Strapi 5.54: details.path is the key
    assert error.details == {"key": "nope", "path": "nope", "source": "query", "param": "populate"}


def test_an_unknown_nested_key_names_its_parent() -> None:
    assert rejected("populate=comments.nope").message == "Invalid key nope at comments"
    assert rejected("populate[comments][populate][nope]=true").message == "Invalid key nope at comments"


def test_a_scalar_attribute_is_invalid_key() -> None:
    error = rejected("populate=title")
    assert error.message == "Invalid key title"
    assert error.details["path"] == "title"
    assert rejected("populate=author.username").message == "Invalid key username at author.username"


def test_a_system_field_is_invalid_key() -> None:
    assert rejected("populate=id").message == "Invalid key id"


def test_an_unreadable_relation_named_explicitly_is_invalid_key() -> None:
    assert rejected("populate=audit").message == "Invalid key audit"
    assert rejected("populate[audit]=true").message == "Invalid key audit"


def test_a_star_inside_a_dotted_name_is_invalid_key() -> None:
    assert rejected("populate=author.*").message == "Invalid key * at author"


def test_an_unknown_option_in_a_populate_object_is_invalid_key() -> None:
    for option in ("foo", "page", "start", "username"):
        assert rejected(f"populate[author][{option}]=1").message == f"Invalid key {option} at author"


def test_count_is_not_supported_and_says_so() -> None:
    error = rejected("populate[tags][count]=true")
    assert error.message.startswith('Populate "count" is not supported yet (at tags)')


def test_on_fragments_are_not_permitted_on_relations() -> None:
    error = rejected("populate[author][on][api::user.user][fields][0]=username")
    assert error.message == 'Using fragments is not permitted to populate "author" in "api::article.article"'


@pytest.mark.parametrize("qs", ["populate[author]=yes", "populate[author]", "populate[author][0]=x"])
def test_a_value_that_is_neither_boolean_nor_object_is_rejected(qs: str) -> None:
    assert rejected(qs).message.startswith("Invalid nested populate. Expected '*' or an object")


def test_a_list_of_non_strings_is_rejected() -> None:
    assert rejected("populate[0][author]=true").message == (
        "Invalid populate parameter. Expected a string, an array of strings, a populate object")


def test_errors_in_nested_parts_name_the_populate_param() -> None:
    error = rejected("populate[author][fields][0]=password")
    assert error.message == "Invalid key password"
    assert error.details["param"] == "populate"
    assert rejected("populate[author][filters][password][$eq]=x").details["param"] == "populate"
    assert rejected("populate[author][sort]=resetToken").message == "Invalid key resetToken"


def test_nested_filters_check_relations_the_caller_cannot_read() -> None:
    assert rejected("populate[comments][filters][article][audit][action]=x", USER).message == (
        "Invalid key audit at article.audit")


def test_a_dotted_name_longer_than_the_guard_is_rejected() -> None:
    with pytest.raises(ValidationError, match="nested deeper"):
        query("populate=" + ".".join(["article", "comments"] * 15), COMMENT)
