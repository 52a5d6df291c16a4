"""``/api/users-permissions/roles``: roles and their grants.

A role's ``permissions`` is a map from action to ``{"enabled": bool,
"condition": <filter or null>}`` (flatter than Strapi's nested controller
tree, plus our conditions). ``public``, ``authenticated`` and the default role cannot be
deleted (:mod:`plugins.users_permissions.builtin_roles`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sanic import Request
from sanic.response import HTTPResponse

from tortoise.transactions import in_transaction

from cms.errors import NotFoundError, ValidationError
from cms.rest.openapi import closed, json_response, ref, route_operation
from cms.validation import INTEGER_RANGES
from plugins.users_permissions.builtin_roles import check_delete
from plugins.users_permissions.routes.common import read_body, respond
from plugins.users_permissions.routes.schemas import OK, linked, role_answer, role_body

if TYPE_CHECKING:
    from plugins.users_permissions.plugin import UsersPermissions

ROLE = "plugin::users-permissions.role"
#: the largest row id (ids are 32-bit integers)
MAX_ID = INTEGER_RANGES["integer"][1]
TYPE = re.compile(r"[a-z0-9_-]{1,60}")


def bind_role_routes(up: UsersPermissions) -> None:
    app = up.app
    prefix = f"{app.settings.api.prefix.rstrip('/')}/users-permissions/roles"
    Role = app.models[ROLE]
    Permission = app.models["plugin::users-permissions.permission"]
    User = app.models["plugin::users-permissions.user"]

    def check_name(name: str) -> None:
        if not 3 <= len(name) <= 60:
            raise ValidationError("name must be 3 to 60 characters long")

    async def found(role_id: int) -> Any:
        """The role, or 404 (also for an id no row can have, which the database could not compare)."""
        role = await Role.get_or_none(id=role_id) if 0 < role_id <= MAX_ID else None
        if role is None:
            raise NotFoundError()
        return role

    async def role_json(role: Any, with_permissions: bool) -> dict[str, Any]:
        body = {"id": role.id, "documentId": role.documentId, "name": role.name,
                "description": role.description, "type": role.type,
                "nb_users": await User.filter(role_id=role.id).count()}
        if with_permissions:
            rows = await Permission.filter(role_id=role.id).order_by("action").values("action", "condition")
            body["permissions"] = {r["action"]: {"enabled": True, "condition": r["condition"]} for r in rows}
        return body

    async def find(request: Request) -> HTTPResponse:
        await up.strategy.authorize(request, f"{ROLE}.find", None)
        return respond({"roles": [await role_json(r, False) for r in await Role.all().order_by("id")]})

    async def find_one(request: Request, role_id: int) -> HTTPResponse:
        await up.strategy.authorize(request, f"{ROLE}.findOne", None)
        role = await found(role_id)
        return respond({"role": await role_json(role, True)})

    async def create(request: Request) -> HTTPResponse:
        await up.strategy.authorize(request, f"{ROLE}.create", None)
        body = read_body(request)
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ValidationError("name is a required field")
        check_name(name)
        role_type = body.get("type") or re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        if not isinstance(role_type, str) or not TYPE.fullmatch(role_type):
            raise ValidationError("type must be lower-case letters, digits, - and _")
        description = body.get("description") or ""
        if not isinstance(description, str):
            raise ValidationError("description must be a `string` type")
        grants = up.grants.parse(body.get("permissions") or {})  # checked before anything is written
        if await Role.filter(type=role_type).exists():
            raise ValidationError("A role with this type already exists")
        async with in_transaction():
            role = await Role.create(name=name, description=description, type=role_type)
            await up.grants.write(role.id, grants)
        up.engine.invalidate()
        up.strategy.forget_credentials()
        return respond({"ok": True, "role": await role_json(role, True)})

    async def update(request: Request, role_id: int) -> HTTPResponse:
        await up.strategy.authorize(request, f"{ROLE}.update", None)
        role = await found(role_id)
        body = read_body(request)
        grants = up.grants.parse(body["permissions"]) if "permissions" in body else None
        if isinstance(body.get("name"), str):
            check_name(body["name"])
        for key in ("name", "description"):
            if isinstance(body.get(key), str):
                setattr(role, key, body[key])
        async with in_transaction():
            await role.save()
            if grants is not None:
                await up.grants.write(role.id, grants)
        up.engine.invalidate()
        up.strategy.forget_credentials()
        return respond({"ok": True, "role": await role_json(role, True)})

    async def delete(request: Request, role_id: int) -> HTTPResponse:
        await up.strategy.authorize(request, f"{ROLE}.delete", None)
        role = await found(role_id)
        check_delete(role.type, up.config.default_role)
        fallback = up.engine.role_id(up.config.default_role)
        async with in_transaction():  # its users fall back to the default role
            await User.filter(role_id=role.id).update(role_id=fallback)
            await Permission.filter(role_id=role.id).delete()
            await role.delete()
        up.engine.invalidate()
        up.strategy.forget_credentials()
        return respond({"ok": True})

    tag, by_id_errors = "users-permissions", (400, 401, 403, 404, 429, 500)
    listing = closed({"roles": {"type": "array", "items": ref("UsersPermissionsRoleSummary")}}, ["roles"])
    app.add_route(find, prefix, ["GET"], name="up_roles_find", openapi=route_operation(
        "roles.find", tag, "Every role, with its number of users", {"200": json_response(listing, "The roles")}))
    app.add_route(create, prefix, ["POST"], name="up_roles_create", openapi=route_operation(
        "roles.create", tag, "Create a role and its grants",
        linked(role_answer("The new role"), "200", "role_id", "/role/id", "roles.findOne", "roles.update", "roles.delete"),
        body=role_body(["name"])))
    app.add_route(find_one, f"{prefix}/<role_id:int>", ["GET"], name="up_roles_find_one", openapi=route_operation(
        "roles.findOne", tag, "A role and its grants", role_answer("The role", with_ok=False), errors=by_id_errors))
    app.add_route(update, f"{prefix}/<role_id:int>", ["PUT"], name="up_roles_update", openapi=route_operation(
        "roles.update", tag, "Rename a role or replace its grants", role_answer("The role"),
        body=role_body(None), errors=by_id_errors))
    app.add_route(delete, f"{prefix}/<role_id:int>", ["DELETE"], name="up_roles_delete", openapi=route_operation(
        "roles.delete", tag, "Delete a role (not a built-in one); its users get the default role", OK,
        errors=by_id_errors))
    app.add_actions(f"{ROLE}.{a}" for a in ("find", "findOne", "create", "update", "delete"))
