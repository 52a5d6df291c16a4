"""What the plugin offers other packages: ``app.service("users_permissions")``.

The admin (and any other plugin) must not import this package's modules: it
asks the app for this object and copes with None when the plugin is not
enabled. Everything here goes through the same code as the plugin's own REST
routes (``Grants.check``/``Grants.write``, the engine's invalidation, the
token format), so a grant or a token made through this service behaves exactly
like one made through ``/api/users-permissions/roles`` or ``cms api-token``::

    up = app.service("users_permissions")
    if up is not None:
        up.check_grant("api::message.message.find", {"room": {"$eq": "lobby"}})
        await up.set_grants(role_id, [("api::message.message.find", None)])
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from tortoise.transactions import in_transaction

from cms.documents import DocumentService
from plugins.users_permissions.tokens import hash_api_token, new_api_token

if TYPE_CHECKING:
    from plugins.users_permissions.plugin import UsersPermissions

ROLE_UID = "plugin::users-permissions.role"
PERMISSION_UID = "plugin::users-permissions.permission"
TOKEN_UID = "plugin::users-permissions.api-token"
USER_UID = "plugin::users-permissions.user"
#: what an API token's listing shows: never ``accessKey`` (the token's HMAC)
TOKEN_FIELDS = ("id", "name", "description", "type", "actions", "lastUsedAt", "expiresAt", "createdAt")


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
        roles API would refuse (bad filter, private attribute, action not about a content type)."""
        self._up.grants.check(action, condition, "condition")

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
