"""Bad input gets Strapi's 4xx envelope, with every validation error at once, and stores nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest


def error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["data"] is None and set(body["error"]) == {"status", "name", "message", "details"}
    assert body["error"]["status"] == status
    return body["error"]


def total(api: httpx.Client, plural: str) -> int:
    return api.get(f"/api/{plural}").json()["meta"]["pagination"]["total"]


def test_every_validation_error_is_reported_with_its_path(api: httpx.Client, blog: dict[str, Any]) -> None:
    before = total(api, "writers")
    response = api.post("/api/writers", json={"data": {
        "name": "x" * 41, "age": 200, "level": "boss", "email": "not-an-email", "born": "yesterday",
    }})
    err = error(response, 400)
    assert err["name"] == "ValidationError" and err["message"] == "5 errors occurred"
    paths = {tuple(e["path"]): e["message"] for e in err["details"]["errors"]}
    assert paths == {
        ("name",): "name must be at most 40 characters",
        ("age",): "age must be less than or equal to 150",
        ("level",): "level must be one of the following values: junior, senior, lead",
        ("email",): "email must be a valid email",
        ("born",): "born must be a valid date",
    }
    # each with the value as sent (Strapi reports ``value`` only when one was sent)
    assert {tuple(e["path"]): e["value"] for e in err["details"]["errors"]}[("age",)] == 200
    assert total(api, "writers") == before


def test_an_unknown_body_key_is_strapis_invalid_key(api: httpx.Client, blog: dict[str, Any]) -> None:
    """Strapi 5.54 refuses the body at its first unknown key: details ``{key, path: null, source: "body"}``."""
    err = error(api.post("/api/writers", json={"data": {"name": "Nope", "nope": 1}}), 400)
    assert (err["message"], err["details"]) == ("Invalid key nope", {"key": "nope", "path": None, "source": "body"})


def test_error_details_read_as_strapis(api: httpx.Client, blog: dict[str, Any]) -> None:
    missing = error(api.post("/api/books", json={"data": {"pages": 3}}), 400)["details"]["errors"][0]
    assert missing == {"path": ["title"], "message": "title must be defined.", "name": "ValidationError"}  # no value
    shown = error(api.post("/api/writers", json={"data": {"name": {"first": "Ada"}}}), 400)
    assert shown["message"] == 'name must be a `string` type, but the final value was: `{"first":"Ada"}`.'
    ghost = error(api.post("/api/books", json={"data": {"title": "T", "writer": "doesnotexist000000000000"}}), 400)
    assert ghost == {"status": 400, "name": "ValidationError", "details": {},
                     "message": 'Document with id "doesnotexist000000000000", locale "null" not found'}


def test_required_attributes_on_create_only(api: httpx.Client, blog: dict[str, Any]) -> None:
    err = error(api.post("/api/books", json={"data": {"pages": 3}}), 400)
    assert err["details"]["errors"][0]["path"] == ["title"] and err["message"] == "title must be defined."
    book = api.get("/api/books").json()["data"][0]
    assert api.put(f"/api/books/{book['documentId']}", json={"data": {"pages": 3}}).status_code == 200
    assert error(api.put(f"/api/books/{book['documentId']}", json={"data": {"title": None}}), 400)


def test_types_are_checked(api: httpx.Client, blog: dict[str, Any]) -> None:
    err = error(api.post("/api/writers", json={"data": {"name": 5, "age": "old", "active": "maybe", "rating": [1]}}), 400)
    assert {e["path"][0] for e in err["details"]["errors"]} == {"name", "age", "active", "rating"}


def test_regex_and_unique(api: httpx.Client, blog: dict[str, Any]) -> None:
    err = error(api.post("/api/books", json={"data": {"title": "T", "isbn": "abc"}}), 400)
    assert err["details"]["errors"][0]["path"] == ["isbn"]
    err = error(api.post("/api/books", json={"data": {"title": "T", "isbn": "111"}}), 400)
    assert err["message"] == "This attribute must be unique" and err["details"]["errors"][0]["path"] == ["isbn"]


@pytest.mark.parametrize("body", [b"", b"[]", b'{"data": 1}', b'{"nodata": {}}', b'"text"'])
def test_a_body_without_a_data_object_is_a_400(api: httpx.Client, blog: dict[str, Any], body: bytes) -> None:
    err = error(api.post("/api/tags", content=body, headers={"content-type": "application/json"}), 400)
    assert err["name"] == "ValidationError"


def test_read_only_fields_cannot_be_written(api: httpx.Client, blog: dict[str, Any]) -> None:
    for key, value in (("documentId", "a" * 24), ("createdAt", "2020-01-01")):
        err = error(api.post("/api/tags", json={"data": {"label": "ro", key: value}}), 400)
        assert (err["message"], err["details"]) == (f"Invalid key {key}", {"key": key, "path": None, "source": "body"})


def test_a_body_over_the_limit_is_a_413(api: httpx.Client, blog: dict[str, Any]) -> None:
    err = error(api.post("/api/tags", json={"data": {"label": "x" * 2_000_000}}), 413)
    assert err["name"] == "PayloadTooLargeError"


@pytest.mark.parametrize("query", [
    "filters[nope][$eq]=1", "filters[email][$eq]=a", "filters[secret][$eq]=a", "filters[name][$foo]=1",
    "filters[age][$eq]=abc", "filters[books][nope][$eq]=1", "unknown=1", "filters[$or]=x", "filters[age][$between]=1",
    "filters[bio][$contains]=private",
])
def test_bad_queries_are_400_never_500(api: httpx.Client, blog: dict[str, Any], query: str) -> None:
    err = error(api.get(f"/api/writers?{query}"), 400)
    assert err["name"] == "ValidationError"


def test_unknown_routes_and_methods(api: httpx.Client, blog: dict[str, Any]) -> None:
    assert error(api.get("/api/nothing-here"), 404)["name"] == "NotFoundError"
    assert error(api.patch("/api/writers"), 405)["name"] == "MethodNotAllowedError"


def test_a_before_hook_error_aborts_with_400(api: httpx.Client, blog: dict[str, Any]) -> None:
    err = error(api.post("/api/profiles", json={"data": {"nickname": "forbidden"}}), 400)
    assert err == {"status": 400, "name": "ApplicationError", "message": "nickname 'forbidden' is not allowed", "details": {}}
    assert not api.get("/api/profiles?filters[nickname]=forbidden").json()["data"]


@pytest.mark.parametrize("value", ["hello", 12, 1.5, True, None, [1, "a"], {"deep": {"er": [None]}}, "[1,2]"])
def test_json_attributes_store_any_json_value_as_given(api: httpx.Client, blog: dict[str, Any], value: Any) -> None:
    response = api.post("/api/writers", json={"data": {"name": "J", "meta": value}})
    assert response.status_code == 201, response.text
    assert response.json()["data"]["meta"] == value
    again = api.get(f"/api/writers/{response.json()['data']['documentId']}").json()["data"]
    assert again["meta"] == value


@pytest.mark.parametrize("reference", ["a" * 25, "../../etc", 10**19, -1, "ünïcode"])
def test_odd_relation_references_are_not_found_not_a_crash(api: httpx.Client, blog: dict[str, Any], reference: Any) -> None:
    for data in ({"title": "T", "writer": reference}, {"title": "T", "writer": {"connect": [reference]}}):
        err = error(api.post("/api/books", json={"data": data}), 400)
        assert err["name"] == "ValidationError"


@pytest.mark.parametrize("document_id", ["0" * 25, "x", "%00", "a" * 300])
def test_odd_document_ids_are_404(api: httpx.Client, blog: dict[str, Any], document_id: str) -> None:
    for method in ("GET", "PUT", "DELETE"):
        response = api.request(method, f"/api/tags/{document_id}", json={"data": {}})
        assert response.status_code == 404, (method, response.text)


@pytest.mark.parametrize("value", [1e30, "123456789012", -10**9])
def test_decimals_outside_the_column_are_a_400(api: httpx.Client, blog: dict[str, Any], value: Any) -> None:
    err = error(api.post("/api/writers", json={"data": {"name": "D", "salary": value}}), 400)
    assert err["details"]["errors"][0]["path"] == ["salary"]


async def test_concurrent_creates_share_commits_but_fail_alone(blog_server: Any, blog: dict[str, Any]) -> None:
    """Creates arriving together are committed together; one bad create fails alone."""
    import asyncio

    async with httpx.AsyncClient(base_url=blog_server.url, timeout=10) as client:
        bodies = [{"label": f"burst-{n}"} for n in range(30)]
        bodies[7] = {"label": "burst-3"}  # a duplicate of a unique label within the same burst
        bodies[19] = {"label": "burst-bad", "writers": ["x" * 24]}  # a relation to nothing
        answers = await asyncio.gather(*(client.post("/api/tags", json={"data": b}) for b in bodies))
    statuses = [a.status_code for a in answers]
    assert statuses.count(400) == 2 and statuses.count(201) == 28
    assert statuses[19] == 400
    listed = httpx.get(f"{blog_server.url}/api/tags?pagination[pageSize]=100&filters[label][$startsWith]=burst")
    assert {t["label"] for t in listed.json()["data"]} == {f"burst-{n}" for n in range(30) if n not in (7, 19)}


@pytest.mark.parametrize("body", [b"{", b'{"data": {"label": "x"', b"{data: 1}", b"\xff\xfe"])
def test_a_body_that_is_not_json_is_strapis_syntax_error(api: httpx.Client, blog: dict[str, Any], body: bytes) -> None:
    """Strapi 5.54: 400 ``SyntaxError`` with the JSON parser's message and no ``details`` key; nothing stored."""
    before = total(api, "tags")
    response = api.post("/api/tags", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    error_body = response.json()["error"]
    assert error_body["name"] == "SyntaxError" and error_body["message"] and "details" not in error_body
    assert total(api, "tags") == before


@pytest.mark.parametrize(("query", "message"), [
    ("filters[id][$eq]=9223372036854775808",
     "Invalid value \"9223372036854775808\" for key id: expected an integer from -2147483648 to 2147483647"),
    ("filters[id][$in][0]=1&filters[id][$in][1]=2147483648",
     "Invalid value \"2147483648\" for key id: expected an integer from -2147483648 to 2147483647"),
    ("filters[followers][$gt]=9223372036854775808",
     "Invalid value \"9223372036854775808\" for key followers: expected an integer from -9223372036854775808"
     " to 9223372036854775807"),
    ("filters[name][$eq]=a%00b", "Invalid value \"a\\u0000b\" for key name: expected a string without NUL characters"),
])
def test_values_no_column_can_hold_are_a_400_not_a_500(api: httpx.Client, blog: dict[str, Any], query: str,
                                                       message: str) -> None:
    """Found by trying: SQLite overflowed on ids of 2^63, PostgreSQL on 2^31 and on NUL characters."""
    err = error(api.get(f"/api/writers?{query}"), 400)
    assert (err["name"], err["message"]) == ("ValidationError", message)


def test_too_many_conditions_are_a_clear_400(api: httpx.Client, blog: dict[str, Any]) -> None:
    """994 or more items in ``$or`` made SQLite fail ("Expression tree is too large")."""
    many = "&".join(f"filters[$or][{i}][name][$eq]=n{i}" for i in range(600))
    err = error(api.get(f"/api/writers?{many}"), 400)
    assert err["message"] == "Invalid filters: more than 500 conditions"
    few = "&".join(f"filters[$or][{i}][name][$eq]=n{i}" for i in range(400))
    assert api.get(f"/api/writers?{few}").status_code == 200  # positive control


def test_nul_in_a_body_is_refused_with_its_path_and_nothing_is_stored(api: httpx.Client, blog: dict[str, Any]) -> None:
    before = total(api, "tags")
    err = error(api.post("/api/tags", json={"data": {"label": "a\x00b"}}), 400)
    assert err["details"]["errors"][0]["path"] == ["label"]
    assert err["details"]["errors"][0]["message"] == "label must not contain NUL characters"
    assert total(api, "tags") == before


def test_datetimes_before_year_1000_are_written_zero_padded(api: httpx.Client, blog: dict[str, Any]) -> None:
    """schemathesis found ``"167-01-21T..."`` on PostgreSQL."""
    created = api.post("/api/writers", json={"data": {"name": "Ancient", "joinedAt": "0167-01-21T10:00:00.000Z"}})
    assert created.status_code == 201, created.text
    assert created.json()["data"]["joinedAt"] == "0167-01-21T10:00:00.000Z"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_a_body_sent_as_another_content_type_is_not_read_as_json(api: httpx.Client, blog: dict[str, Any],
                                                                 content_type: str) -> None:
    """Strapi 5.54: 400 ``Missing "data" payload in the request body``; nothing stored."""
    before = total(api, "tags")
    body = f'{{"data": {{"label": "smuggled as {content_type or "nothing"}"}}}}'.encode()
    err = error(api.post("/api/tags", content=body, headers={"Content-Type": content_type}), 400)
    assert (err["name"], err["message"]) == ("ValidationError", 'Missing "data" payload in the request body')
    assert total(api, "tags") == before
    # positive control: the same body as JSON (with a charset) is read
    ok = api.post("/api/tags", content=body, headers={"Content-Type": "application/json; charset=utf-8"})
    assert ok.status_code == 201


def test_a_uid_is_unique_in_its_type(api: httpx.Client, blog: dict[str, Any]) -> None:
    """Two entries both got the slug ``hello-world``; Strapi refuses the second."""
    first = api.post("/api/writers", json={"data": {"name": "Hello", "slug": "hello-world"}})
    assert first.status_code == 201, first.text
    err = error(api.post("/api/writers", json={"data": {"name": "Hello again", "slug": "hello-world"}}), 400)
    assert err["details"]["errors"][0]["path"] == ["slug"]
    assert err["message"] == "This attribute must be unique"
    assert api.get("/api/writers?filters[slug][$eq]=hello-world").json()["meta"]["pagination"]["total"] == 1
    # its own slug is no conflict when the entry is updated
    assert api.put(f"/api/writers/{first.json()['data']['documentId']}",
                   json={"data": {"slug": "hello-world", "name": "Hello!"}}).status_code == 200
