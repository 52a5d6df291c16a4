"""What the plugin offers other packages: ``app.service("users_permissions")``.

The admin (and any other plugin) must not import this package's modules: it
asks the app for this object and copes with None when the plugin is not
enabled. Everything here goes through the same code as the plugin's own REST
routes (``Grants.check``/``Grants.write``, the engine's invalidation, the
token format), so a grant or a token made through this service behaves exactly
like one made through ``/api/users-permissions/roles`` or ``cms api-token``
(including the refusal of a ``$user.*`` variable nobody declares:
:mod:`plugins.users_permissions.variables`). What a condition may name (:meth:`~UsersPermissionsService.condition_fields`,
:meth:`~UsersPermissionsService.condition_variables`) is offered to the admin's
condition editor from here, so it offers what the checks accept::

    up = app.service("users_permissions")
    if up is not None:
        up.check_grant("api::message.message.find", {"room": {"$eq": "lobby"}})
        await up.set_grants(role_id, [("api::message.message.find", None)])
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from tortoise.transactions import in_transaction

from cms.documents import DocumentService
from cms.errors import ValidationError
from cms.query.ast import OPERATORS
from cms.query.filters import STRING_OPERATORS
from cms.query.values import SYSTEM_ATTRIBUTES
from plugins.users_permissions.tokens import hash_api_token, new_api_token
from plugins.users_permissions.variables import declared

if TYPE_CHECKING:
    from plugins.users_permissions.plugin import UsersPermissions

ROLE_UID = "plugin::users-permissions.role"
PERMISSION_UID = "plugin::users-permissions.permission"
TOKEN_UID = "plugin::users-permissions.api-token"
USER_UID = "plugin::users-permissions.user"
#: what an API token's listing shows: never ``accessKey`` (the token's HMAC)
TOKEN_FIELDS = ("id", "name", "description", "type", "actions", "lastUsedAt", "expiresAt", "createdAt")
#: operators by kind of value, as the condition parser accepts them (``cms.query.filters``)
_ALL_OPERATORS = tuple(sorted(OPERATORS))
_NOT_STRING = tuple(op for op in _ALL_OPERATORS if op not in STRING_OPERATORS)
_JSON_OPERATORS = ("$null", "$notNull")


class UsersPermissionsService:
    """Roles, their grants and API tokens, for the admin's settings pages."""

    #: the plugin's content types, by role (the admin manages them on its settings pages)
    role_type = ROLE_UID
    permission_type = PERMISSION_UID
    api_token_type = TOKEN_UID
    user_type = USER_UID
    #: the kinds of API token (``read-only``: every find/findOne; ``full-access``; ``custom``: listed actions)
    token_kinds = ("read-only", "full-access", "custom")

    def __init__(self, plugin: UsersPermissions) -> None:
        self._up = plugin

    # -- roles and grants ---------------------------------------------------------------

    async def roles(self) -> list[dict[str, Any]]:
        """Every role (``id, name, description, type``) with ``users``, how many registered users hold it."""
        models = self._up.app.models
        roles = await models[ROLE_UID].all().order_by("id").values("id", "name", "description", "type")
        for role in roles:
            role["users"] = await models[USER_UID].filter(role_id=role["id"]).count()
        return list(roles)

    async def role(self, role_id: int) -> dict[str, Any] | None:
        """One role (``id, name, description, type``), or None."""
        rows = await self._up.app.models[ROLE_UID].filter(id=role_id).values("id", "name", "description", "type")
        return rows[0] if rows else None

    async def grants(self, role_id: int) -> dict[str, Any]:
        """The role's grants: action → condition (None for an unconditional grant)."""
        rows = await self._up.app.models[PERMISSION_UID].filter(role_id=role_id).values("action", "condition")
        return {row["action"]: row["condition"] for row in rows}

    def check_grant(self, action: str, condition: Any) -> None:
        """Raise :class:`cms.errors.ValidationError` for an unknown action or a condition the REST
        roles API refuses (bad filter, password attribute, unknown ``$user.*`` variable, action
        not about a content type): the same check (``Grants.check``)."""
        self._up.grants.check(action, condition, "condition")

    def condition_variables(self) -> list[dict[str, str]]:
        """Every ``$user.*`` variable a condition may use, ``{name, description}``
        (:func:`plugins.users_permissions.variables.declared`)."""
        return declared(self._up.engine)

    def condition_fields(self, uid: str) -> list[dict[str, Any]]:
        """What a condition on type ``uid`` (or an alias) may name, in schema order after the system
        fields: ``{name, type, kind, operators, target, toMany, visible}``. ``target`` is the related
        type's UID for a relation or media attribute, which compares the related entry's id (its
        ``kind`` is ``integer``) or leads to that type's fields; ``visible`` is false for attributes
        the schema hides from every page (``"visible": false``: secrets' digests).

        Passwords are never usable; private attributes are (a condition is the operator's, not a
        caller's). ``operators`` are those the parser accepts for the attribute's kind of value.
        """
        registry = self._up.app.registry
        ct = registry.get(uid)
        fields = []
        for attr in (*SYSTEM_ATTRIBUTES.values(), *ct.attributes.values()):
            if attr.type == "password":
                continue
            target = registry.resolve(attr.target) if attr.is_relation and attr.target else None
            kind = "integer" if attr.is_relation else attr.kind.value
            operators = _JSON_OPERATORS if kind == "json" else _ALL_OPERATORS if kind == "string" else _NOT_STRING
            fields.append({"name": attr.name, "type": attr.type, "kind": kind, "operators": list(operators),
                           "target": target, "toMany": attr.is_relation and attr.is_to_many,
                           "visible": attr.raw.get("visible", True) is not False})
        return fields

    async def create_role(self, name: str, description: str = "") -> int:
        """Create a role without grants and return its id; its ``type`` is the name in lower-case
        letters, digits and ``-``, as the REST roles API derives it.

        Written through the document service, so the role type's rules apply (name 3 to 60
        characters, type unique): a :class:`cms.errors.ApplicationError` (``details.errors[].path``)
        says what was refused.
        """
        role_type = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        if not role_type and name.strip():
            raise ValidationError("name must contain a letter or a digit",
                                  {"errors": [{"path": ["name"], "message": "name must contain a letter or a digit"}]})
        if role_type and await self._up.app.models[ROLE_UID].filter(type=role_type).exists():
            message = f"A role with the type {role_type!r} exists already: choose another name"
            raise ValidationError(message, {"errors": [{"path": ["name"], "message": message}]})
        created = await DocumentService(self._up.app, ROLE_UID).create(
            {"name": name, "description": description, "type": role_type})
        self._up.engine.invalidate()
        return int(created["id"])

    async def set_grants(self, role_id: int, grants: list[tuple[str, Any]]) -> None:
        """Replace the role's grants with exactly ``grants`` (each checked by :meth:`check_grant`
        first), in one transaction; they apply at once in this process, within the engine's
        reload time in others."""
        async with in_transaction():
            await self._up.grants.write(role_id, grants)
        self._up.engine.invalidate()
        self._up.strategy.forget_credentials()

    # -- API tokens ---------------------------------------------------------------------

    async def api_tokens(self) -> list[dict[str, Any]]:
        """Every API token, newest first, without its stored HMAC."""
        return list(await self._up.app.models[TOKEN_UID].all().order_by("-id").values(*TOKEN_FIELDS))

    async def create_api_token(self, name: str, kind: str, *, description: str | None = None,
                               actions: list[str] | None = None, days: int | None = None) -> str:
        """Store a new token (only its HMAC) and return the token itself, which is never shown again.

        Written through the document service, so the type's rules apply (name required and
        unique, ``kind`` one of :attr:`token_kinds`): a :class:`cms.errors.ApplicationError`
        (``details.errors[].path``) says what was refused. ``days=None`` never expires.
        """
        app = self._up.app
        token = new_api_token()
        expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=days) if days else None
        await DocumentService(app, TOKEN_UID).create({
            "name": name, "description": description or None, "type": kind,
            "accessKey": hash_api_token(token, app.settings.secrets.api_token_salt),
            "actions": actions if kind == "custom" else None,
            "expiresAt": expires.isoformat() if expires else None})
        return token

    async def revoke_api_token(self, token_id: int) -> str | None:
        """Delete the token (it stops opening the API at once); its name, or None if there was none."""
        row = await self._up.app.models[TOKEN_UID].get_or_none(id=token_id)
        if row is None:
            return None
        await DocumentService(self._up.app, TOKEN_UID).delete(row.documentId)
        return str(row.name)
