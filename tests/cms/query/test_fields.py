"""``fields``: which scalar attributes to return (id and documentId always are)."""

from __future__ import annotations

import pytest

from cms.errors import ValidationError
from tests.cms.query.schemas import USER, query


def fields(qs: str) -> tuple[str, ...] | None:
    return query(qs).fields


def rejected(qs: str) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        query(qs)
    return caught.value


def test_no_fields_means_all() -> None:
    assert fields("") is None


def test_a_star_means_all() -> None:
    assert fields("fields=*") is None


def test_one_name() -> None:
    assert fields("fields=title") == ("title",)


def test_a_comma_string() -> None:
    assert fields("fields=title, body") == ("title", "body")


def test_the_list_form_with_comma_items() -> None:
    assert fields("fields[0]=title&fields[1]=body,views") == ("title", "body", "views")


def test_id_and_document_id_are_accepted_and_dropped() -> None:
    assert fields("fields=id,documentId,title") == ("title",)
    assert fields("fields=id") == ()


def test_system_dates_are_selectable() -> None:
    assert fields("fields=createdAt,updatedAt,publishedAt") == ("createdAt", "updatedAt", "publishedAt")


def test_json_and_blocks_are_scalar() -> None:
    assert fields("fields=content") == ("content",)


def test_duplicates_are_dropped() -> None:
    assert fields("fields=title,views,title") == ("title", "views")


def test_an_empty_value_means_all() -> None:
    assert fields("fields=") is None
    assert fields("fields=,") is None


def test_an_unknown_name_is_invalid_key() -> None:
    error = rejected("fields=title,nope")
    assert error.message == "Invalid key nope"
    assert error.details == {"key": "nope", "path": None, "source": "query", "param": "fields"}


def test_a_private_name_is_invalid_key() -> None:
    error = rejected("fields[0]=secretNote")
    assert error.message == "Invalid key secretNote"
    assert error.details["path"] == "secretNote"


def test_a_relation_is_invalid_key() -> None:
    assert rejected("fields=author").message == "Invalid key author"
    assert rejected("fields=tags").message == "Invalid key tags"


def test_a_password_is_invalid_key() -> None:
    with pytest.raises(ValidationError, match="^Invalid key password$"):
        query("fields=password", USER)


@pytest.mark.parametrize("qs", ["fields[title]=1", "fields[0][0]=title", "fields[0]"])
def test_anything_but_strings_is_rejected(qs: str) -> None:
    assert rejected(qs).message == "Invalid fields parameter. Expected a string or an array of strings"
