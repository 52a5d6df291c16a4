"""Who the assistant may answer for: the user's own choice, else their role's default.

A user's choice is an ``assistant-setting`` entry (``plugin::assistant.assistant-setting``,
one per user, ``enabled`` true or false); without one, the operator's ``roles``
setting decides. Users read and change their own choice with

* ``GET /api/assistant/settings`` → ``{"data": {"enabled", "choice", "roleDefault"}}``
* ``PUT /api/assistant/settings`` with ``{"data": {"enabled": true | false | null}}``
  (``null`` forgets the choice: the role's default applies again)

both needing the ``plugin::assistant.settings`` grant (give it to the
``authenticated`` role in ``config/permissions.toml``). The type is not in the
generic REST API (nobody lists other users' choices); the admin shows it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
from sanic import Request
from sanic.response import HTTPResponse

from cms.documents import DocumentService
from cms.errors import BodySyntaxError, NotFoundError, UnauthorizedError, ValidationError
from cms.lifecycles import LifecycleEvent
from cms.query.ast import Condition, Populate, Query
from cms.rest.openapi import json_body, json_response, route_operation

if TYPE_CHECKING:
    from cms.app import CMS
    from plugins.assistant.config import AssistantConfig

SETTING = "plugin::assistant.assistant-setting"
USER = "plugin::users-permissions.user"
ACTION = "plugin::assistant.settings"
TAG = "assistant"


class UserSettings:
    def __init__(self, app: CMS, config: AssistantConfig) -> None:
        self.app = app
        self.config = config
        self.ct = app.registry.get(SETTING)
        self.user_ct = app.registry.get(USER)
        self.documents = DocumentService(app, SETTING)

    async def user(self, user_id: int) -> dict[str, Any] | None:
        """``{id, documentId, username, blocked, role}`` (role: its type, or None) of a user."""
        populate = {"role": Populate(fields=("type",))} if "role" in self.user_ct.attributes else {}
        fields = tuple(f for f in ("username", "blocked") if f in self.user_ct.attributes)
        found = await self.app.reader.find_one(
            self.user_ct, Query(filters=Condition(("id",), "$eq", user_id), fields=fields, populate=populate))
        if found is None:
            return None
        role = found.get("role")
        return {**found, "role": role.get("type") if isinstance(role, dict) else None}

    def role_default(self, role: str | None) -> bool:
        return "*" in self.config.roles or (role is not None and role in self.config.roles)

    async def choice(self, user_id: int) -> bool | None:
        """The user's own choice, or None when they made none."""
        found = await self.app.reader.find_one(
            self.ct, Query(filters=Condition(("user", "id"), "$eq", user_id), fields=("enabled",)))
        return None if found is None or found["enabled"] is None else bool(found["enabled"])

    async def enabled_for(self, user: dict[str, Any]) -> bool:
        """Whether the assistant may answer for ``user`` (from :meth:`user`)."""
        if user.get("blocked"):
            return False
        choice = await self.choice(user["id"])
        return choice if choice is not None else self.role_default(user.get("role"))

    async def view(self, user_id: int) -> dict[str, Any]:
        user = await self.user(user_id)
        if user is None:
            raise NotFoundError()
        choice = await self.choice(user_id)
        default = self.role_default(user.get("role"))
        return {"enabled": choice if choice is not None else default, "choice": choice, "roleDefault": default}

    async def set_choice(self, user_id: int, enabled: bool | None) -> None:
        """Store (or, with None, forget) the user's choice, through the document service."""
        query = Query(filters=Condition(("user", "id"), "$eq", user_id), fields=("enabled",))
        for attempt in range(2):
            found = await self.app.reader.find_one(self.ct, query)
            try:
                if enabled is None:
                    if found is not None:
                        await self.documents.delete(found["documentId"])
                elif found is None:
                    await self.documents.create({"user": user_id, "enabled": enabled})
                else:
                    await self.documents.update(found["documentId"], {"enabled": enabled})
                return
            except (NotFoundError, ValidationError):  # a concurrent change of the same user's entry
                if attempt:
                    raise

    async def forget_user(self, event: LifecycleEvent) -> None:
        """A user is being deleted: their choice goes with them (``beforeDelete`` of the user type)."""
        where = event.params.get("where") or {}
        rows = await self.app.reader.find_many(self.ct, Query(
            filters=Condition(("user", "documentId"), "$eq", where.get("documentId")), fields=("enabled",)))
        for found in rows[0]:
            try:
                await self.documents.delete(found["documentId"])
            except NotFoundError:
                pass

    # -- routes ---------------------------------------------------------------------------

    def add_routes(self, app: CMS) -> None:
        prefix = app.settings.api.prefix.rstrip("/")
        path = f"{prefix}/assistant/settings"
        schema = {"type": "object", "additionalProperties": False, "required": ["enabled", "choice", "roleDefault"],
                  "properties": {
                      "enabled": {"type": "boolean", "description": "whether the assistant answers for you now"},
                      "choice": {"type": ["boolean", "null"], "description": "your own choice (null: none)"},
                      "roleDefault": {"type": "boolean", "description": "what applies without a choice"}}}
        answer = {"type": "object", "additionalProperties": False, "required": ["data"],
                  "properties": {"data": schema}}
        body = {"type": "object", "required": ["data"], "properties": {"data": {
            "type": "object", "required": ["enabled"], "additionalProperties": False,
            "properties": {"enabled": {"type": ["boolean", "null"]}}}}}

        async def caller_id(request: Request) -> int:
            access = await app.authorizer(request, ACTION, None)
            user = access.caller.get("user")
            if not isinstance(user, dict) or "id" not in user:  # an API token is nobody
                raise UnauthorizedError("Missing or invalid credentials")
            return int(user["id"])

        async def read(request: Request) -> HTTPResponse:
            return _respond({"data": await self.view(await caller_id(request))})

        async def write(request: Request) -> HTTPResponse:
            user_id = await caller_id(request)
            enabled = _enabled(request)
            await self.set_choice(user_id, enabled)
            return _respond({"data": await self.view(user_id)})

        errors = (400, 401, 403, 404, 429, 500)
        app.add_route(read, path, ["GET"], name="assistant_settings_read", openapi=route_operation(
            "assistant.settings.read", TAG, "Your assistant setting: does it answer for you while you are busy",
            {"200": json_response(answer, "Your setting")}, errors=errors))
        app.add_route(write, path, ["PUT"], name="assistant_settings_write", openapi=route_operation(
            "assistant.settings.write", TAG, "Turn the assistant on or off for yourself (null: your role's default)",
            {"200": json_response(answer, "Your setting")}, body=json_body(body), errors=errors))
        app.add_actions([ACTION])


def _enabled(request: Request) -> bool | None:
    try:
        body = orjson.loads(request.body) if request.body else None
    except orjson.JSONDecodeError as exc:
        raise BodySyntaxError(str(exc)) from exc
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict) or "enabled" not in data:
        raise ValidationError('Missing "data.enabled" in the request body')
    unknown = [k for k in data if k != "enabled"]
    if unknown:
        raise ValidationError(f"Invalid key {unknown[0]}", {"key": unknown[0], "path": None, "source": "body"})
    enabled = data["enabled"]
    if enabled is not None and not isinstance(enabled, bool):
        raise ValidationError("enabled must be true, false or null",
                              {"errors": [{"path": ["enabled"], "message": "enabled must be true, false or null",
                                           "name": "ValidationError"}]})
    return enabled


def _respond(body: Any, status: int = 200) -> HTTPResponse:
    return HTTPResponse(orjson.dumps(body), status=status, content_type="application/json; charset=utf-8")
