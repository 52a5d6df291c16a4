"""The OpenAPI document: valid 3.1, one operation per route, and schemas that match what the API emits.

Response schemas are checked against documents shaped as the reader shapes
them, so a key the reader emits but the schema forgets (or a private field
that leaks) fails here before schemathesis finds it on a live server.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import jsonschema
import orjson
import pytest
from openapi_spec_validator import validate

from cms.content import Registry, discover, load_registry
from cms.rest.docs import docs_page
from cms.rest.openapi import build_openapi
from tests.helpers.project import collection, make_project, write_schema

REPO = Path(__file__).resolve().parents[2]
ERRORS = {"400", "401", "403", "429", "500"}

EVERY_TYPE = {
    "title": {"type": "string", "required": True, "minLength": 2, "maxLength": 300, "regex": "^[A-Z]"},
    "body": {"type": "text"},
    "notes": {"type": "richtext"},
    "contact": {"type": "email"},
    "secret": {"type": "password", "minLength": 6},
    "slug": {"type": "uid", "targetField": "title"},
    "status": {"type": "enumeration", "enum": ["draft", "live"], "required": True, "default": "draft"},
    "views": {"type": "integer", "min": 0},
    "bigViews": {"type": "biginteger"},
    "rating": {"type": "float", "min": 0, "max": 5},
    "price": {"type": "decimal"},
    "day": {"type": "date"},
    "at": {"type": "time"},
    "when": {"type": "datetime"},
    "stamp": {"type": "timestamp"},
    "featured": {"type": "boolean"},
    "extra": {"type": "json"},
    "content": {"type": "blocks"},
    "internal": {"type": "string", "private": True},
    "fixed": {"type": "string", "writable": False},
}
RELATIONS = {
    "profile": {"type": "relation", "relation": "oneToOne", "target": "api::profile.profile", "inversedBy": "thing"},
    "books": {"type": "relation", "relation": "oneToMany", "target": "api::book.book", "mappedBy": "thing"},
    "tags": {"type": "relation", "relation": "manyToMany", "target": "api::tag.tag", "inversedBy": "things"},
    "favourite": {"type": "relation", "relation": "oneWay", "target": "api::tag.tag"},
    "read": {"type": "relation", "relation": "manyWay", "target": "api::book.book", "required": True},
    "secrets": {"type": "relation", "relation": "manyWay", "target": "api::vault.vault", "private": True},
}
SAMPLE = {  # a thing as the reader emits it, every value in its REST shape
    "id": 1, "documentId": "znrlzntu9ei5onjvwfaalu2v", "title": "Hello", "body": "long", "notes": "# md",
    "contact": "ana@example.com", "slug": "hello", "status": "live", "views": 3, "bigViews": "9007199254740993",
    "rating": 4.25, "price": 12345678.9, "day": "2024-02-29", "at": "23:59:58.000",
    "when": "2024-05-01T12:30:15.123Z", "stamp": None, "featured": True, "extra": {"a": [1, None]},
    "content": [{"type": "paragraph"}], "fixed": None, "createdAt": "2024-05-01T12:30:15.123Z",
    "updatedAt": "2024-05-01T12:30:15.123Z", "publishedAt": None,
}


def write_every_kind(root: Path) -> None:
    """Every attribute type and relation kind, a single type, a hidden type."""
    write_schema(root, "thing", collection("thing", "things", {**EVERY_TYPE, **RELATIONS}))
    write_schema(root, "profile", collection("profile", "profiles", {
        "bio": {"type": "text"},
        "thing": {"type": "relation", "relation": "oneToOne", "target": "api::thing.thing", "mappedBy": "profile"}}))
    write_schema(root, "book", collection("book", "books", {
        "title": {"type": "string"},
        "thing": {"type": "relation", "relation": "manyToOne", "target": "api::thing.thing", "inversedBy": "books"}}))
    write_schema(root, "tag", collection("tag", "tags", {
        "label": {"type": "string"},
        "things": {"type": "relation", "relation": "manyToMany", "target": "api::thing.thing", "mappedBy": "tags"}}))
    write_schema(root, "vault", {**collection("vault", "vaults", {"code": {"type": "string"}}),
                                 "pluginOptions": {"content-api": {"visible": False}}})
    write_schema(root, "setting", {**collection("setting", "settings", {"siteName": {"type": "string"}}),
                                   "kind": "singleType"})


@pytest.fixture(scope="module")
def every_kind(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("every")
    write_every_kind(root)
    return build_openapi(load_registry(discover(root / "content_types"), root), "/api")


def repo_registry() -> Registry:
    """This repository's content types, with those of the built-in plugins they point to."""
    plugins = {p.parent.name: p.parent for p in sorted((REPO / "plugins").glob("*/content_types"))}
    return load_registry(discover(REPO / "content_types", plugins), REPO)


def schema_validator(document: dict[str, Any], schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    """Validate against ``schema`` with the document's ``#/components/...`` references resolvable."""
    return jsonschema.Draft202012Validator({**schema, "components": document["components"]},
                                           format_checker=jsonschema.FormatChecker())


def response_schema(document: dict[str, Any], path: str, method: str, status: str) -> dict[str, Any]:
    return document["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]


@pytest.mark.parametrize("which", ["repo", "every_kind"])
def test_the_document_is_valid_openapi_3_1(which: str, every_kind: dict[str, Any]) -> None:
    document = build_openapi(repo_registry(), "/api/") if which == "repo" else every_kind
    validate(document)
    assert document["openapi"] == "3.1.0"
    for schema in document["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)
    assert orjson.loads(orjson.dumps(document)) == document  # plain JSON all the way down


def test_each_collection_type_has_its_five_operations(every_kind: dict[str, Any]) -> None:
    paths = every_kind["paths"]
    for plural, singular in (("things", "thing"), ("books", "book"), ("tags", "tag"), ("profiles", "profile")):
        listing, entry = paths[f"/api/{plural}"], paths[f"/api/{plural}/{{documentId}}"]
        assert set(listing) == {"get", "post"} and set(entry) == {"get", "put", "delete"}
        statuses = {op["operationId"]: set(op["responses"]) for op in [*listing.values(), *entry.values()]}
        assert statuses == {
            f"{singular}.find": {"200", *ERRORS},
            f"{singular}.create": {"201", "413", *ERRORS},
            f"{singular}.findOne": {"200", "404", *ERRORS},
            f"{singular}.update": {"200", "404", "413", *ERRORS},
            f"{singular}.delete": {"204", "404", *ERRORS},
        }
        assert "content" not in entry["delete"]["responses"]["204"]
        assert entry["get"]["parameters"][0] == {"$ref": "#/components/parameters/documentId"}
        assert [t["name"] for t in every_kind["tags"]].count(singular) == 1
    setting = paths["/api/setting"]
    assert {m: op["operationId"] for m, op in setting.items()} == {
        "get": "setting.find", "put": "setting.update", "delete": "setting.delete"}
    assert set(setting["get"]["responses"]) == {"200", "404", *ERRORS}


def test_types_hidden_from_the_content_api_have_no_paths(every_kind: dict[str, Any]) -> None:
    assert not [p for p in every_kind["paths"] if "vault" in p]
    assert "VaultInput" not in every_kind["components"]["schemas"]
    repo = build_openapi(repo_registry(), "/api")
    assert not [p for p in repo["paths"] if "registered-users" in p or "roles" in p]
    assert set(repo["paths"]) >= {"/api/messages", "/api/messages/{documentId}", "/api/chat-users"}
    # populating message.sender shows a registered user, so its document schema is there
    assert "RegisteredUser" in repo["components"]["schemas"]


def test_find_takes_strapis_query_parameters_and_findone_fewer(every_kind: dict[str, Any]) -> None:
    find = {p["name"]: p for p in every_kind["paths"]["/api/things"]["get"]["parameters"]}
    assert set(find) == {"filters", "sort", "pagination[page]", "pagination[pageSize]", "pagination[withCount]",
                         "pagination[start]", "pagination[limit]", "fields", "populate", "_q"}
    assert (find["filters"]["style"], find["filters"]["explode"]) == ("deepObject", True)
    filters = every_kind["components"]["schemas"]["ThingFilters"]["properties"]
    assert {"$and", "$or", "$not", "id", "documentId", "title", "tags", "createdAt"} <= set(filters)
    assert not {"secret", "internal", "secrets"} & set(filters)
    entry = every_kind["paths"]["/api/things/{documentId}"]
    assert [p.get("name") for p in entry["get"]["parameters"]] == [None, "fields", "populate"]  # None: the $ref
    assert [p.get("name") for p in entry["delete"]["parameters"]] == [None]


def test_private_and_password_attributes_are_never_in_responses(every_kind: dict[str, Any]) -> None:
    thing = every_kind["components"]["schemas"]["Thing"]
    assert thing["additionalProperties"] is False
    assert not {"secret", "internal", "secrets"} & set(thing["properties"])
    document = schema_validator(every_kind, {"$ref": "#/components/schemas/Thing"})
    document.validate(SAMPLE)
    for leak in ("secret", "internal", "secrets", "locale"):
        assert not document.is_valid({**SAMPLE, leak: "x"}), leak


def test_password_is_write_only_and_required_only_on_create(every_kind: dict[str, Any]) -> None:
    data = every_kind["components"]["schemas"]["ThingInput"]
    assert data["properties"]["secret"] == {"type": ["string", "null"], "minLength": 6, "format": "password",
                                            "writeOnly": True}
    assert data["properties"]["internal"]["writeOnly"] is True
    assert not {"id", "documentId", "createdAt", "fixed"} & set(data["properties"])
    assert data["additionalProperties"] is False
    paths = every_kind["paths"]
    create = paths["/api/things"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    update = paths["/api/things/{documentId}"]["put"]["requestBody"]["content"]["application/json"]["schema"]
    # status is required but has a default, which the server fills in
    assert create["properties"]["data"]["allOf"][1] == {"required": ["title", "read"]}
    assert update["properties"]["data"] == {"$ref": "#/components/schemas/ThingInput"}
    on_create, on_update = (schema_validator(every_kind, body) for body in (create, update))
    minimal = {"data": {"title": "Hi", "read": ["znrlzntu9ei5onjvwfaalu2v"]}}
    assert on_create.is_valid(minimal) and on_update.is_valid({"data": {}})
    assert not on_create.is_valid({"data": {"title": "Hi"}})
    assert not on_update.is_valid({"data": {"title": None}})  # required: null is not accepted either


def test_input_schemas_carry_the_validation_rules(every_kind: dict[str, Any]) -> None:
    props = every_kind["components"]["schemas"]["ThingInput"]["properties"]
    assert props["title"] == {"type": "string", "minLength": 2, "maxLength": 300, "pattern": "^[A-Z]"}
    assert props["contact"]["format"] == "email" and props["day"]["format"] == "date"
    assert props["when"]["format"] == "date-time" and props["stamp"]["format"] == "date-time"
    assert props["status"] == {"type": "string", "enum": ["draft", "live"]}
    assert props["views"] == {"type": ["integer", "null"], "minimum": 0, "maximum": 2**31 - 1}
    assert props["rating"] == {"type": ["number", "null"], "minimum": 0, "maximum": 5}
    assert props["extra"] == {} and props["content"] == {}
    body = schema_validator(every_kind, {"$ref": "#/components/schemas/ThingInput"})
    for good in ({"at": "23:59"}, {"at": "07:05:09.123"}, {"bigViews": "9007199254740993"}, {"bigViews": 12},
                 {"tags": {"connect": ["a", {"documentId": "b"}], "disconnect": [3]}}, {"tags": {"set": []}},
                 {"profile": None}, {"profile": "abc"}, {"books": ["a", "b"]}, {"favourite": {"documentId": "x"}}):
        assert body.is_valid(good), good
    for bad in ({"at": "24:00"}, {"title": "lower"}, {"views": -1}, {"slug": "a b"}, {"nope": 1},
                {"tags": {"set": [], "connect": []}}, {"tags": {"add": ["a"]}}, {"profile": ""}, {"featured": "yes"}):
        assert not body.is_valid(bad), bad


def test_find_responses_have_both_pagination_shapes_and_populated_relations(every_kind: dict[str, Any]) -> None:
    listing = schema_validator(every_kind, response_schema(every_kind, "/api/things", "get", "200"))
    tag = {"id": 2, "documentId": "t" * 24, "label": "sf", "createdAt": SAMPLE["createdAt"]}
    populated = {**SAMPLE, "tags": [tag], "favourite": None, "profile": {"id": 3, "documentId": "p" * 24}}
    for meta in ({"pagination": {"page": 1, "pageSize": 25, "pageCount": 1, "total": 1}},
                 {"pagination": {"page": 2, "pageSize": 10}},
                 {"pagination": {"start": 0, "limit": 25, "total": 1}}):
        listing.validate({"data": [SAMPLE, populated], "meta": meta})
    assert not listing.is_valid({"data": [], "meta": {"pagination": {"page": 1, "start": 0}}})
    assert not listing.is_valid({"data": [{**SAMPLE, "tags": [{**tag, "secret": 1}]}], "meta": {}})
    one = schema_validator(every_kind, response_schema(every_kind, "/api/things/{documentId}", "get", "200"))
    one.validate({"data": SAMPLE, "meta": {}})
    created = every_kind["paths"]["/api/things"]["post"]["responses"]["201"]
    assert created["links"]["findOne"]["parameters"] == {"documentId": "$response.body#/data/documentId"}
    error = schema_validator(every_kind, {"$ref": "#/components/schemas/Error"})
    error.validate({"data": None, "error": {"status": 404, "name": "NotFoundError", "message": "Not Found",
                                            "details": {}}})


def test_security_allows_anonymous_and_bearer(every_kind: dict[str, Any]) -> None:
    assert every_kind["security"] == [{}, {"bearerAuth": []}]
    assert every_kind["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_plugins_can_add_paths_but_not_replace_operations(tmp_path: Path) -> None:
    write_schema(tmp_path, "tag", collection("tag", "tags", {"label": {"type": "string"}}))
    registry = load_registry(discover(tmp_path / "content_types"), tmp_path)
    login = {"post": {"operationId": "auth.local", "responses": {"200": {"description": "A JWT"}}}}
    document = build_openapi(registry, "/api", routes={"/api/auth/local": login})
    validate(document)
    assert document["paths"]["/api/auth/local"] == login
    with pytest.raises(ValueError, match="redefines get"):
        build_openapi(registry, "/api", routes={"/api/tags": {"get": login["post"]}})
    # Sanic's typed segments become path parameters the route need not spell out
    one = {"get": {"operationId": "thing.one", "responses": {"200": {"description": "A thing"}}}}
    document = build_openapi(registry, "/api", routes={"/api/things/<thing_id:int>/<part>": one})
    validate(document)
    assert document["paths"]["/api/things/{thing_id}/{part}"]["get"]["parameters"] == [
        {"name": "thing_id", "in": "path", "required": True, "schema": {"type": "integer"}},
        {"name": "part", "in": "path", "required": True, "schema": {"type": "string"}}]


def test_a_tag_two_methods_of_a_plugin_path_share_is_listed_once(tmp_path: Path) -> None:
    """Catches a new tag listed once per operation of its path: a duplicate tag is invalid OpenAPI."""
    write_schema(tmp_path, "tag", collection("tag", "tags", {"label": {"type": "string"}}))
    registry = load_registry(discover(tmp_path / "content_types"), tmp_path)
    op = {"tags": ["locales"], "responses": {"200": {"description": "ok"}}}
    document = build_openapi(registry, "/api", routes={"/api/locales": {
        "get": {**op, "operationId": "locales.list"}, "post": {**op, "operationId": "locales.create"}}})
    validate(document)
    assert [t["name"] for t in document["tags"]].count("locales") == 1


def test_every_route_the_server_answers_is_documented(tmp_path: Path) -> None:
    """This repository's project with its plugins: users_permissions' routes, health and the
    docs themselves are in the one document, which stays valid OpenAPI 3.1."""
    import re

    from cms.app import create_app, load_project

    root = make_project(tmp_path / "project", plugins_toml=(REPO / "config" / "plugins.toml").read_text())
    app = create_app(load_project(root))
    routes, schemas = app.documented_routes()
    document = build_openapi(app.registry, "/api", routes=routes, route_schemas=schemas)
    validate(document)
    segment = re.compile(r"<[^>]+>|\{[^}]+\}")  # parameter names differ: <document_id:str>, {documentId}
    documented = {(segment.sub("{}", path), method.upper())
                  for path, item in document["paths"].items() for method in item}
    served = {(segment.sub("{}", "/" + route.path.lstrip("/")), method)
              for route in app.sanic.router.routes for method in route.methods}
    assert served - documented == set()
    assert {"/api/auth/local/register", "/api/users/{user_id}", "/api/users-permissions/roles/{role_id}",
            "/_health", "/_ready"} <= set(document["paths"])
    session = document["components"]["schemas"]["UsersPermissionsSession"]
    user = document["components"]["schemas"][session["properties"]["user"]["$ref"].rsplit("/", 1)[1]]
    assert "password" not in user["properties"] and "resetPasswordToken" not in user["properties"]
    assert "username" in user["properties"]


def test_the_document_and_an_offline_docs_page_are_served(tmp_path: Path, server_factory: Any) -> None:
    root = make_project(tmp_path / "project", builtin_types=False)
    write_schema(root, "tag", collection("tag", "tags", {"label": {"type": "string"}}))
    server = server_factory(root)
    document = httpx.get(f"{server.url}/api/openapi.json").json()
    validate(document)
    assert "/api/tags" in document["paths"] and "/api/tags/{documentId}" in document["paths"]
    page = httpx.get(f"{server.url}/api/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'url: "/api/openapi.json"' in page.text and "validatorUrl: null" in page.text
    assert "https://" not in page.text and "http://" not in page.text  # nothing from a CDN
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert f'"/api/docs/assets/{asset}"' in page.text
        response = httpx.get(f"{server.url}/api/docs/assets/{asset}")
        assert response.status_code == 200 and len(response.content) > 10_000
    assert httpx.get(f"{server.url}/api/docs/assets/..%2Fsecrets.toml").status_code == 404
    assert httpx.get(f"{server.url}/api/docs/assets/nope.js").status_code == 404


def test_without_the_swagger_assets_the_page_is_a_plain_link() -> None:
    page = docs_page("Blog <API>", "/api/openapi.json", None)
    assert '<a href="/api/openapi.json">' in page and "Blog &lt;API&gt;" in page and "<script" not in page


def test_the_docs_page_can_be_turned_off(tmp_path: Path, server_factory: Any) -> None:
    root = make_project(tmp_path / "project", builtin_types=False)
    write_schema(root, "tag", collection("tag", "tags", {"label": {"type": "string"}}))
    server = server_factory(root, env={"CMS_API_DOCS_PAGE": "false"})
    assert httpx.get(f"{server.url}/api/docs").status_code == 404
    assert httpx.get(f"{server.url}/api/docs/assets/swagger-ui.css").status_code == 404
    assert httpx.get(f"{server.url}/api/openapi.json").status_code == 200  # the document stays
