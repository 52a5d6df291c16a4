"""``pagination``: page or offset mode, Strapi's defaults, caps and errors."""

from __future__ import annotations

from typing import Any

import pytest

from cms.errors import PaginationError, ValidationError
from cms.query.ast import Pagination
from cms.query.pagination import Limits, parse_pagination
from tests.cms.query.schemas import query


def page(qs: str, **limits: Any) -> Pagination:
    result = query(qs, limits=Limits(**limits)).pagination
    assert result is not None
    return result


def failure(qs: str, **limits: Any) -> PaginationError:
    """The PaginationError of ``qs``: a 400 whose details name the pagination parameter."""
    with pytest.raises(PaginationError) as caught:
        query(qs, limits=Limits(**limits))
    error = caught.value
    assert error.name == "PaginationError" and error.status == 400, error
    assert error.details.get("source", "query") == "query" and error.details.get("param", "pagination") == "pagination"
    return error


def test_the_default_is_page_one_of_the_default_limit() -> None:
    assert page("") == Pagination("page", 0, 25, True, page=1, page_size=25)


def test_the_default_limit_is_configurable() -> None:
    assert page("", default_limit=10) == Pagination("page", 0, 10, True, page=1, page_size=10)


def test_the_default_limit_is_capped_by_max_limit() -> None:
    assert page("", default_limit=50, max_limit=20).limit == 20


def test_a_default_limit_of_minus_one_means_no_limit() -> None:
    assert page("", default_limit=-1) == Pagination("page", 0, None, True, page=1, page_size=-1)


def test_page_and_page_size() -> None:
    assert page("pagination[page]=3&pagination[pageSize]=10") == Pagination("page", 20, 10, True, page=3, page_size=10)


def test_page_alone_uses_the_default_page_size() -> None:
    assert page("pagination[page]=2") == Pagination("page", 25, 25, True, page=2, page_size=25)


def test_a_page_size_above_max_limit_is_capped_and_the_offset_uses_the_cap() -> None:
    assert page("pagination[page]=2&pagination[pageSize]=250") == Pagination(
        "page", 100, 100, True, page=2, page_size=100)


def test_start_and_limit() -> None:
    assert page("pagination[start]=5&pagination[limit]=10") == Pagination(
        "offset", 5, 10, True, page=1, page_size=10)


def test_start_alone_uses_the_default_limit() -> None:
    assert page("pagination[start]=5").limit == 25


def test_limit_minus_one_is_capped_by_max_limit() -> None:
    assert page("pagination[limit]=-1").limit == 100


def test_limit_minus_one_without_a_cap_is_no_limit() -> None:
    assert page("pagination[limit]=-1", max_limit=0).limit is None


def test_a_limit_above_max_limit_is_capped() -> None:
    assert page("pagination[limit]=1000", max_limit=50).limit == 50


def test_limit_zero_becomes_one_as_in_strapi() -> None:
    assert page("pagination[limit]=0").limit == 1


@pytest.mark.parametrize(("text", "flag"), [("true", True), ("false", False), ("0", False), ("t", True)])
def test_with_count(text: str, flag: bool) -> None:
    assert page(f"pagination[withCount]={text}").with_count is flag


def test_with_count_defaults_to_the_configuration() -> None:
    assert page("", with_count=False).with_count is False
    assert page("pagination[pageSize]=5", with_count=False).with_count is False


def test_with_count_alone_stays_in_page_mode() -> None:
    assert page("pagination[withCount]=false").mode == "page"


def test_an_invalid_with_count_is_strapis_validation_error() -> None:
    """Catches a bad withCount refused as another error, or without naming the key."""
    with pytest.raises(ValidationError) as caught:
        query("pagination[withCount]=maybe")
    assert type(caught.value) is ValidationError and caught.value.status == 400
    assert caught.value.message == 'Invalid withCount parameter. Expected "t","1","true","false","0","f"'
    assert caught.value.details == {"key": "withCount", "source": "query", "param": "pagination"}


def test_mixing_page_and_offset_is_a_pagination_error() -> None:
    error = failure("pagination[page]=1&pagination[limit]=5")
    assert error.message == "Cannot use both page & offset pagination in the same query"
    assert error.name == "PaginationError" and error.status == 400 and error.details == {}


@pytest.mark.parametrize("qs", ["pagination[page]=0", "pagination[page]=-3"])
def test_a_page_below_one_is_the_first_page_as_in_strapi(qs: str) -> None:
    assert query(qs).pagination.page == 1 and query(qs).pagination.offset == 0


@pytest.mark.parametrize("qs", ["pagination[page]=abc", "pagination[page]=1.5", "pagination[page][0]=1"])
def test_a_page_that_is_no_integer_is_strapis_validation_error(qs: str) -> None:
    with pytest.raises(ValidationError) as caught:
        query(qs)
    assert caught.value.message == "Invalid parameter at 'start'. Expected integer >= 0, received: NaN"
    assert caught.value.details == {} and type(caught.value) is ValidationError


@pytest.mark.parametrize(("qs", "message"), [
    ("pagination[pageSize]=0", "Invalid 'pageSize' parameter. Expected an integer > 0, received: 0"),
    ("pagination[pageSize]=-1", "Invalid 'pageSize' parameter. Expected an integer > 0, received: -1"),
    ("pagination[start]=-1", "Invalid 'start' parameter. Expected an integer >= 0, received: -1"),
    ("pagination[limit]=-2", "Invalid 'limit' parameter. Expected an integer >= 0 or -1, received: -2"),
    ("pagination[limit]=1e3", "Invalid 'limit' parameter. Expected an integer >= 0 or -1, received: 1e3"),
])
def test_invalid_numbers_are_pagination_errors(qs: str, message: str) -> None:
    assert failure(qs).message == message


def test_nested_values_are_pagination_errors() -> None:
    """Catches a list where a number is expected refused for another reason than its type (or accepted)."""
    error = failure("pagination[pageSize][0]=1")
    assert error.message.startswith("Invalid 'pageSize' parameter. Expected an integer > 0, received: ")
    assert error.details == {"key": "pageSize", "source": "query", "param": "pagination"}


def test_an_unknown_key_is_a_pagination_error() -> None:
    """Catches an unknown pagination key that is ignored, or refused without naming it."""
    error = failure("pagination[offset]=3")
    assert error.message == "Invalid pagination attribute offset. Expected page, pageSize, start, limit or withCount"
    assert error.details == {"key": "offset", "source": "query", "param": "pagination"}


def test_pagination_must_be_an_object() -> None:
    assert failure("pagination=5").message == "Invalid pagination parameter. Expected an object"


def test_a_bare_key_counts_as_absent() -> None:
    assert page("pagination[page]&pagination[pageSize]=5") == Pagination("page", 0, 5, True, page=1, page_size=5)


def test_json_integers_are_accepted() -> None:
    assert parse_pagination({"page": 2, "pageSize": 3}, Limits()) == Pagination("page", 3, 3, True, page=2, page_size=3)


def test_find_one_has_no_pagination_and_does_not_read_it() -> None:
    assert query("pagination[page]=0", action="findOne").pagination is None
