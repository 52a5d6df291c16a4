"""The OpenAPI side of the plugin's routes: bodies and answers, declared once.

The answers are bare JSON (no ``data`` envelope), as Strapi's users-permissions
plugin gives them; a user is the auth type's document, so its schema is the one
the core derives from that type (private fields never in it).
"""

from __future__ import annotations

from typing import Any

from cms.app import CMS
from cms.content import ContentType
from cms.rest.openapi import closed, input_schema, json_body, json_response, nullable, query_parameters, ref, type_schemas

Schema = dict[str, Any]
TEXT = {"type": "string"}


def declare_schemas(app: CMS, user: ContentType) -> None:
    """The user document (and what it can populate) and the role shapes, for ``$ref``."""
    for name, schema in type_schemas(user, app.registry).items():
        app.add_openapi_schema(name, schema)
    grant = closed({"enabled": {"type": "boolean"}, "condition": {}}, ["enabled"])
    summary = {"id": {"type": "integer"}, "documentId": TEXT, "name": TEXT, "description": nullable(TEXT),
               "type": TEXT, "nb_users": {"type": "integer", "minimum": 0}}
    app.add_openapi_schema("UsersPermissionsRoleSummary", closed(summary, list(summary)))
    app.add_openapi_schema("UsersPermissionsRole", closed(
        {**summary, "permissions": {"type": "object", "additionalProperties": grant}}, [*summary, "permissions"]))
    app.add_openapi_schema("UsersPermissionsSession", closed(
        {"jwt": TEXT, "user": ref(user.model_name)}, ["jwt", "user"]))


def strings_body(*names: str, user: ContentType | None = None) -> Schema:
    """A JSON object of these required, non-empty string fields; those that are attributes of
    the auth type ``user`` carry its rules (length, email format), as registration checks them."""
    def field(name: str) -> Schema:
        attribute = user.attributes.get(name) if user is not None else None
        return input_schema(attribute) if attribute is not None else {"type": "string", "minLength": 1}
    return json_body(closed({n: field(n) for n in names}, list(names)))


def session(description: str) -> Schema:
    return {"200": json_response(ref("UsersPermissionsSession"), description)}


def user_document(user: ContentType, description: str, status: str = "200") -> Schema:
    return {status: json_response(ref(user.model_name), description)}


def user_parameters(user: ContentType, action: str) -> list[Schema]:
    """Strapi's query parameters, as on a content type's routes (``find`` or one entry)."""
    return query_parameters(user, action)


def user_body(fields: Schema, required: list[str] | None = None) -> Schema:
    """What ``POST``/``PUT /users`` take: the account's own fields, and an admin's extras."""
    return json_body(closed(fields, required))


def user_fields(self_service: frozenset[str], admin: frozenset[str]) -> Schema:
    """The writable user fields: the self-service ones are strings, the rest an admin's."""
    known: Schema = {"username": TEXT, "email": {"type": "string", "format": "email"},
                     "password": {"type": "string", "format": "password"}, "provider": TEXT,
                     "blocked": {"type": "boolean"}, "confirmed": {"type": "boolean"},
                     "role": ref("RelationWrite")}
    return {name: known[name] for name in sorted(self_service | admin)}


def role_body(required: list[str] | None) -> Schema:
    """A role to create or change: its grants map actions to ``{enabled, condition}``."""
    grant = closed({"enabled": {"type": "boolean"}, "condition": {"type": ["object", "null"]}})
    return json_body(closed({"name": {"type": "string", "minLength": 3, "maxLength": 60},
                             "description": TEXT, "type": {"type": "string", "pattern": "^[a-z0-9_-]{1,60}$"},
                             "permissions": {"type": "object", "additionalProperties": grant}}, required))


def role_answer(description: str, key: str = "role", with_ok: bool = True) -> Schema:
    props: Schema = {key: ref("UsersPermissionsRole")}
    if with_ok:
        props["ok"] = {"const": True}
    return {"200": json_response(closed(props, list(props)), description)}


OK = {"200": json_response(closed({"ok": {"const": True}}, ["ok"]), "Done")}


def linked(responses: Schema, status: str, parameter: str, pointer: str, *operation_ids: str) -> Schema:
    """``responses`` with links from ``status`` to the operations that take the new id (so
    schemathesis' stateful phase chains create → read, update, delete)."""
    answer = dict(responses[status])
    answer["links"] = {op.replace(".", "_"): {"operationId": op, "parameters": {parameter: f"$response.body#{pointer}"}}
                       for op in operation_ids}
    return {**responses, status: answer}
