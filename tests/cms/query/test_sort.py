"""``sort``: every shape Strapi accepts, only sortable paths, Strapi's order error."""

from __future__ import annotations

from typing import Any

import pytest

from cms.errors import ValidationError
from cms.query.ast import SortKey
from cms.query.sort import INVALID_ORDER, INVALID_SORT
from tests.cms.query.schemas import ARTICLE, COMMENT, query


def sort(qs: str, ct: Any = ARTICLE) -> tuple[SortKey, ...]:
    return query(qs, ct).sort


def rejected(qs: str, ct: Any = ARTICLE) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        query(qs, ct)
    return caught.value


def test_no_sort_means_no_keys() -> None:
    assert sort("") == ()


def test_a_name_sorts_ascending() -> None:
    assert sort("sort=title") == (SortKey(("title",)),)


def test_an_order_after_a_colon() -> None:
    assert sort("sort=title:desc") == (SortKey(("title",), True),)
    assert sort("sort=title:asc") == (SortKey(("title",), False),)


def test_the_order_is_case_insensitive() -> None:
    assert sort("sort=title:DESC") == (SortKey(("title",), True),)
    assert sort("sort=title:Desc") == (SortKey(("title",), True),)


def test_a_comma_list_keeps_its_order() -> None:
    assert sort("sort=title:asc, id:desc") == (SortKey(("title",)), SortKey(("id",), True))


def test_the_list_form() -> None:
    assert sort("sort[0]=views:desc&sort[1]=title") == (SortKey(("views",), True), SortKey(("title",)))


def test_list_items_may_be_comma_lists_or_objects() -> None:
    assert sort("sort[0]=views,id&sort[1][title]=desc") == (
        SortKey(("views",)), SortKey(("id",)), SortKey(("title",), True))


def test_the_object_form() -> None:
    assert sort("sort[title]=desc&sort[views]=asc") == (SortKey(("title",), True), SortKey(("views",)))


def test_a_deep_object_sorts_through_a_relation() -> None:
    assert sort("sort[author][username]=desc") == (SortKey(("author", "username"), True),)


def test_a_dotted_path_sorts_through_relations() -> None:
    assert sort("sort=author.username:desc") == (SortKey(("author", "username"), True),)
    assert sort("sort=article.author.username", COMMENT) == (SortKey(("article", "author", "username")),)


def test_system_fields_are_sortable() -> None:
    assert sort("sort=createdAt:desc,updatedAt,publishedAt,documentId,author.id") == (
        SortKey(("createdAt",), True), SortKey(("updatedAt",)), SortKey(("publishedAt",)),
        SortKey(("documentId",)), SortKey(("author", "id")))


def test_empty_segments_are_skipped() -> None:
    assert sort("sort=title,,views,") == (SortKey(("title",)), SortKey(("views",)))


def test_an_unknown_order_is_strapis_invalid_order() -> None:
    for qs in ("sort=title:up", "sort=title:", "sort[title]=up", "sort=title:desc:x"):
        error = rejected(qs)
        assert error.message == INVALID_ORDER == "Invalid order. order can only be one of asc|desc|ASC|DESC"
        assert error.details == {"source": "query", "param": "sort"}


def test_an_unknown_key_is_invalid_key() -> None:
    error = rejected("sort=nope")
    assert error.message == "Invalid key nope"
    assert error.details == {"key": "nope", "path": None, "source": "query", "param": "sort"}
    assert rejected("sort[author][nope]=asc").message == "Invalid key nope at author"
    assert rejected("sort=author.nope").message == "Invalid key nope at author"


def test_private_and_password_keys_are_invalid() -> None:
    assert rejected("sort=secretNote").message == "Invalid key secretNote"
    assert rejected("sort=author.password:desc").message == "Invalid key password at author.password"
    assert rejected("sort[author][resetToken]=asc").message == "Invalid key resetToken at author.resetToken"


def test_sorting_on_a_relation_itself_is_invalid() -> None:
    assert rejected("sort=author").message == "Invalid key author"
    assert rejected("sort[author]=desc").message == "Invalid key author"


def test_sorting_through_a_to_many_relation_is_invalid() -> None:
    error = rejected("sort=tags.name")
    assert error.message == "Invalid key tags"
    assert error.details["path"] == "tags"
    rejected("sort[comments][text]=asc")


def test_sorting_through_an_unreadable_relation_is_invalid() -> None:
    assert rejected("sort=audit.action").message == "Invalid key audit"


def test_a_nested_object_under_a_scalar_is_invalid() -> None:
    assert rejected("sort[title][x]=asc").message == "Invalid key title"


def test_a_missing_field_name() -> None:
    assert rejected("sort=:desc").message == "Field cannot be empty"


def test_a_bare_object_key_is_an_invalid_sort() -> None:
    assert rejected("sort[title]").message == INVALID_SORT


def test_a_list_of_lists_is_an_invalid_sort() -> None:
    assert rejected("sort[0][0]=title").message == INVALID_SORT


def test_a_dotted_path_longer_than_the_guard_is_rejected() -> None:
    with pytest.raises(ValidationError, match="nested deeper"):
        query("sort=" + ".".join(["author"] * 30) + ".id")
