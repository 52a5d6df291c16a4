"""``/api/users``: Strapi's user routes (numeric ids, bare JSON answers).

Creating and updating users follows registration's rules: emails are stored
lower-cased, usernames and emails are unique whatever their letter case.

Updates narrowed by a condition (the default lets a user update only
themselves) may change only username, email and password: a user cannot
unblock, confirm or promote themselves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sanic import Request
from sanic.response import HTTPResponse

from cms.errors import NotFoundError, UnauthorizedError, ValidationError
from cms.query.ast import And, Condition, Query
from cms.query.params import Limits, parse_query
from cms.query.qs import parse_qs
from cms.validation import INTEGER_RANGES
from cms.rest.openapi import json_response, ref, route_operation
from plugins.users_permissions.routes.common import read_body, respond, strings
from plugins.users_permissions.routes.schemas import declare_schemas, linked, user_body, user_document, user_fields, user_parameters

if TYPE_CHECKING:
    from plugins.users_permissions.plugin import UsersPermissions

USER = "plugin::users-permissions.user"
SELF_SERVICE = frozenset({"username", "email", "password"})
ADMIN_FIELDS = SELF_SERVICE | {"blocked", "confirmed", "role", "provider"}

#: the largest row id (ids are 32-bit integers)
MAX_ID = INTEGER_RANGES["integer"][1]


def bind_user_routes(up: UsersPermissions) -> None:
    app = up.app
    prefix = app.settings.api.prefix.rstrip("/")
    ct = app.registry.get(USER)
    api = app.settings.api
    limits = Limits(default_limit=api.default_limit, max_limit=api.max_limit, with_count=api.with_count)

    def query(request: Request, access: Any, action: str = "findOne") -> Query:
        raw = parse_qs(request.query_string, strict_null_handling=True)
        return parse_query(ct, raw, registry=app.registry, limits=limits, action=action,  # type: ignore[arg-type]
                           can_read=access.can_read, strict=api.strict_params, visible=access.visible)

    def by_id(user_id: int, extra: Any = None) -> Any:
        if not 0 < user_id <= MAX_ID:  # no such row; and the database could not compare it
            raise NotFoundError()
        match = Condition(("id",), "$eq", user_id)
        return And((match, extra)) if extra is not None else match

    async def check_identity(body: dict[str, Any], except_id: int | None = None) -> None:
        """Emails are stored lower-cased; usernames and emails are unique whatever their case."""
        for key in ("username", "email", "password"):
            if key in body and not isinstance(body[key], str):
                raise ValidationError(f"{key} must be a `string` type", {"key": key})
        if "email" in body:
            body["email"] = body["email"].lower()
        if await up.accounts.taken(body.get("username"), body.get("email"), except_id=except_id):
            raise ValidationError("Email or Username are already taken")

    async def me(request: Request) -> HTTPResponse:
        access = await up.strategy.authorize(request, f"{USER}.me", ct)
        caller = request.ctx.caller
        if caller.user is None:  # an API token is nobody
            raise UnauthorizedError("Missing or invalid credentials")
        document = await up.accounts.document(caller.user["id"], query(request, access))
        if document is None:
            raise NotFoundError()
        return respond(document)

    async def find(request: Request) -> HTTPResponse:
        access = await up.strategy.authorize(request, f"{USER}.find", ct)
        documents, _ = await app.reader.find_many(ct, query(request, access, "find"), access.variables, access.condition)
        return respond(documents)

    async def count(request: Request) -> HTTPResponse:
        access = await up.strategy.authorize(request, f"{USER}.count", ct)
        parsed = query(request, access, "find")
        total = await app.reader.count(ct, Query(filters=parsed.filters), access.variables, access.condition)
        return respond(total)

    async def find_one(request: Request, user_id: int) -> HTTPResponse:
        access = await up.strategy.authorize(request, f"{USER}.findOne", ct)
        parsed = query(request, access)
        one = Query(filters=by_id(user_id, parsed.filters), fields=parsed.fields, populate=parsed.populate)
        document = await app.reader.find_one(ct, one, access.variables, access.condition)
        if document is None:
            raise NotFoundError()
        return respond(document)

    async def update(request: Request, user_id: int) -> HTTPResponse:
        access = await up.strategy.authorize(request, f"{USER}.update", ct)
        parsed = query(request, access)
        body = read_body(request)
        allowed = SELF_SERVICE if access.condition is not None else ADMIN_FIELDS
        refused = sorted(set(body) - allowed)
        if refused:
            raise ValidationError(f"Invalid key {refused[0]}", {"key": refused[0]})
        target = await app.reader.find_one(ct, Query(filters=by_id(user_id), fields=()), access.variables, access.condition)
        if target is None:
            raise NotFoundError()
        await check_identity(body, except_id=user_id)
        if body:  # one validated write: a bad password leaves the other fields unchanged too
            await up.accounts.users.update(target["documentId"], body, access, Query(fields=()))
        if "password" in body:
            await up.accounts.password_changed(user_id)
        return respond(await up.accounts.document(user_id, parsed))

    async def create(request: Request) -> HTTPResponse:
        access = await up.strategy.authorize(request, f"{USER}.create", ct)
        parsed = query(request, access)
        body = read_body(request)
        refused = sorted(set(body) - ADMIN_FIELDS)
        if refused:
            raise ValidationError(f"Invalid key {refused[0]}", {"key": refused[0]})
        strings(body, "username", "email", "password")
        await check_identity(body)
        body.setdefault("provider", "local")
        if "role" not in body:
            body["role"] = up.engine.role_id(up.config.default_role)
        created = await up.accounts.users.create(body, access, Query(fields=()))
        return respond(await up.accounts.document(int(created["id"]), parsed), status=201)

    async def destroy(request: Request, user_id: int) -> HTTPResponse:
        access = await up.strategy.authorize(request, f"{USER}.destroy", ct)
        target = await app.reader.find_one(ct, Query(filters=by_id(user_id), fields=()), access.variables, access.condition)
        if target is None:
            raise NotFoundError()
        document = await up.accounts.users.delete(target["documentId"], access)
        return respond(document)

    declare_schemas(app, ct)
    one, many = user_parameters(ct, "findOne"), user_parameters(ct, "find")
    tag, fields = "users-permissions", user_fields(SELF_SERVICE, ADMIN_FIELDS)
    app.add_route(me, f"{prefix}/users/me", ["GET"], name="up_users_me", openapi=route_operation(
        "users.me", tag, "The signed-in user", user_document(ct, "The user"), parameters=one,
        errors=(400, 401, 403, 404, 429, 500)))
    app.add_route(count, f"{prefix}/users/count", ["GET"], name="up_users_count", openapi=route_operation(
        "users.count", tag, "How many users match the filters",
        {"200": json_response({"type": "integer", "minimum": 0}, "The count")}, parameters=many))
    app.add_route(find, f"{prefix}/users", ["GET"], name="up_users_find", openapi=route_operation(
        "users.find", tag, "Users (a bare array, no pagination envelope)",
        {"200": json_response({"type": "array", "items": ref(ct.model_name)}, "The users")}, parameters=many))
    app.add_route(create, f"{prefix}/users", ["POST"], name="up_users_create", openapi=route_operation(
        "users.create", tag, "Create a user (default role unless given)",
        linked(user_document(ct, "The new user", "201"), "201", "user_id", "/id",
               "users.findOne", "users.update", "users.destroy"), parameters=one,
        body=user_body(fields, ["username", "email", "password"])))
    by_id_errors = (400, 401, 403, 404, 429, 500)
    app.add_route(find_one, f"{prefix}/users/<user_id:int>", ["GET"], name="up_users_find_one",
                  openapi=route_operation("users.findOne", tag, "A user by id", user_document(ct, "The user"),
                                          parameters=one, errors=by_id_errors))
    app.add_route(update, f"{prefix}/users/<user_id:int>", ["PUT"], name="up_users_update",
                  openapi=route_operation("users.update", tag, "Change a user (a condition limits it to "
                                          "username, email and password)", user_document(ct, "The user"),
                                          parameters=one, body=user_body(fields), errors=by_id_errors))
    app.add_route(destroy, f"{prefix}/users/<user_id:int>", ["DELETE"], name="up_users_destroy",
                  openapi=route_operation("users.destroy", tag, "Delete a user",
                                          user_document(ct, "The deleted user"), errors=by_id_errors))
    app.add_actions(f"{USER}.{a}" for a in ("me", "find", "findOne", "count", "create", "update", "destroy"))
