"""Settings pages, for the super-admin only: permissions of registered users' roles, API tokens, schemas.

Roles and grants belong to the users_permissions plugin; the admin reaches it
through the loaded plugin (its ``grants`` and ``engine``), as the plugin's own
REST routes do, so a grant is checked (``Grants.check``: known action, a
condition in the REST filter language) and stored (``Grants.write``, inside a
transaction) the same way from both, and takes effect at once in this process.

API tokens are written through the document service; the token itself is
shown once, on the page that answers the form, and only its HMAC is stored.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.status import HTTP_303_SEE_OTHER
from starlette_admin import CustomView
from starlette_admin.flash import flash
from starlette_admin.routing import route
from tortoise.transactions import in_transaction

from admin.auth import account_of
from admin.fields import label_of
from cms.documents import DocumentService
from cms.errors import ApplicationError, ValidationError

if TYPE_CHECKING:
    from admin.site import Site
    from cms.app import CMS

ROLE_UID = "plugin::users-permissions.role"
PERMISSION_UID = "plugin::users-permissions.permission"
TOKEN_UID = "plugin::users-permissions.api-token"
CONTENT_ACTIONS = ("find", "findOne", "create", "update", "delete")
TOKEN_TYPES = ("read-only", "full-access", "custom")
TOKEN_DURATIONS = {"7": 7, "30": 30, "90": 90, "unlimited": None}


def users_permissions(app: CMS) -> Any:
    """The loaded users_permissions plugin (with ``grants`` and ``engine``), or None."""
    for loaded in app.plugins:
        plugin = loaded.plugin
        if loaded.name == "users_permissions" and hasattr(plugin, "grants") and hasattr(plugin, "engine"):
            return plugin
    return None


class SettingsPage(CustomView):
    """A settings page: visible and reachable by the super-admin only (others get 403)."""

    def __init__(self, site: Site, menu_label: str, icon: str, path: str) -> None:
        super().__init__(menu_label=menu_label, icon=icon, path=path)
        self.site = site
        self.app = site.app

    def is_accessible(self, request: Request) -> bool:
        account = account_of(request)
        return account is not None and account.is_super_admin

    def is_active(self, request: Request) -> bool:
        return request.scope["path"].startswith(request.scope["root_path"] + self.path)

    def render(self, request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
        assert self._admin is not None
        return self._admin._template_response(request, name, {"title": self.menu_label, "page": self, **context},
                                              status_code=status_code)


# -- permissions -----------------------------------------------------------------------


class PermissionsPage(SettingsPage):
    """Which actions each role of registered users may do: content type × action, with conditions."""

    def __init__(self, site: Site) -> None:
        super().__init__(site, "Roles & permissions", "fa-solid fa-user-shield", "/settings/permissions")

    @property
    def plugin(self) -> Any:
        return users_permissions(self.app)

    @route("", name="settings-permissions")
    async def index(self, request: Request) -> Response:
        Role = self.app.models[ROLE_UID]
        User = self.app.models["plugin::users-permissions.user"]
        roles = await Role.all().order_by("id").values("id", "name", "description", "type")
        for role in roles:
            role["users"] = await User.filter(role_id=role["id"]).count()
        return self.render(request, "settings/roles.html", roles=roles)

    @route("/{role_id:int}", methods=["GET", "POST"], name="settings-role")
    async def role(self, request: Request) -> Response:
        Role = self.app.models[ROLE_UID]
        Permission = self.app.models[PERMISSION_UID]
        role = await Role.get_or_none(id=request.path_params["role_id"])
        if role is None:
            raise HTTPException(404)
        stored = {r["action"]: r["condition"] for r in
                  await Permission.filter(role_id=role.id).values("action", "condition")}
        grants = {a: _condition_text(c) for a, c in stored.items()}
        errors: dict[str, str] = {}
        if request.method == "POST":
            form = await request.form()
            grants = {a: str(form.get(f"condition:{a}") or "").strip()
                      for a in sorted(self.app.actions) if form.get(f"grant:{a}")}
            parsed, errors = self.check(grants)
            if not errors:
                # grants of actions no enabled plugin declares are not on the page: keep them
                kept = [(a, c) for a, c in stored.items() if a not in self.app.actions]
                async with in_transaction():
                    await self.plugin.grants.write(role.id, parsed + kept)
                self.plugin.engine.invalidate()
                flash(request, f'Permissions of "{role.name}" saved.', "success")
                return RedirectResponse(request.url_for("admin:settings-role", role_id=role.id),
                                        status_code=HTTP_303_SEE_OTHER)
            flash(request, "Nothing was saved: fix the conditions marked below.", "error")
        return self.render(request, "settings/permissions.html", status_code=422 if errors else 200,
                           role=role, matrix=self.matrix(), grants=grants, errors=errors)

    def check(self, grants: dict[str, str]) -> tuple[list[tuple[str, Any]], dict[str, str]]:
        """Parse each condition (JSON) and check it against its content type, as the REST roles API does."""
        parsed: list[tuple[str, Any]] = []
        errors: dict[str, str] = {}
        for action, text in grants.items():
            condition = None
            if text:
                try:
                    condition = json.loads(text)
                except json.JSONDecodeError as exc:
                    errors[action] = f"Not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
                    continue
            try:
                self.plugin.grants.check(action, condition, "condition")
            except ValidationError as exc:
                errors[action] = exc.message
                continue
            parsed.append((action, condition))
        return parsed, errors

    def matrix(self) -> dict[str, Any]:
        """Content types × their actions, then the other actions grouped by controller."""
        actions = set(self.app.actions)
        rows = []
        for ct in self.app.registry:
            cells = [(a, f"{ct.uid}.{a}") for a in CONTENT_ACTIONS if f"{ct.uid}.{a}" in actions]
            if cells:
                rows.append({"label": ct.display_name, "uid": ct.uid, "cells": dict(cells)})
        covered = {action for row in rows for action in row["cells"].values()}
        groups: dict[str, list[tuple[str, str, bool]]] = defaultdict(list)
        for action in sorted(actions - covered):
            controller, _, name = action.rpartition(".")
            groups[controller].append((name, action, controller in self.app.registry))
        return {"columns": CONTENT_ACTIONS, "rows": rows, "groups": dict(groups)}


def _condition_text(condition: Any) -> str:
    return "" if condition is None else json.dumps(condition, indent=None, ensure_ascii=False)


# -- API tokens ------------------------------------------------------------------------


class ApiTokensPage(SettingsPage):
    """Long-lived credentials for scripts: created (the value shown once) and revoked."""

    def __init__(self, site: Site) -> None:
        super().__init__(site, "API tokens", "fa-solid fa-key", "/settings/api-tokens")

    async def tokens(self) -> list[dict[str, Any]]:
        model = self.app.models[TOKEN_UID]
        return await model.all().order_by("-id").values(
            "id", "name", "description", "type", "actions", "lastUsedAt", "expiresAt", "createdAt")

    @route("", methods=["GET", "POST"], name="settings-api-tokens")
    async def index(self, request: Request) -> Response:
        form_values: dict[str, Any] = {"type": "read-only", "duration": "30"}
        errors: dict[str, str] = {}
        created: str | None = None
        if request.method == "POST":
            form = await request.form()
            form_values = {"name": str(form.get("name") or "").strip(),
                           "description": str(form.get("description") or "").strip(),
                           "type": str(form.get("type") or ""), "duration": str(form.get("duration") or ""),
                           "actions": [str(a) for a in form.getlist("actions")]}
            created, errors = await self.create(form_values)
            if created:
                form_values = {"type": "read-only", "duration": "30"}
        response = self.render(request, "settings/tokens.html", status_code=422 if errors else 200,
                               tokens=await self.tokens(), created=created, errors=errors, form=form_values,
                               types=TOKEN_TYPES, durations=TOKEN_DURATIONS, actions=sorted(self.app.actions))
        response.headers["Cache-Control"] = "no-store"  # the page may hold a new token
        return response

    async def create(self, values: dict[str, Any]) -> tuple[str | None, dict[str, str]]:
        from plugins.users_permissions.tokens import (  # the plugin's token format
            hash_api_token,
            new_api_token,
        )

        errors: dict[str, str] = {}
        if values["duration"] not in TOKEN_DURATIONS:
            errors["duration"] = "Choose a duration"
        if values["type"] == "custom" and not values["actions"]:
            errors["actions"] = "A custom token needs at least one action"
        unknown = [a for a in values["actions"] if a not in self.app.actions]
        if unknown:
            errors["actions"] = f"Unknown action {unknown[0]}"
        if errors:
            return None, errors
        days = TOKEN_DURATIONS[values["duration"]]
        token = new_api_token()
        data = {"name": values["name"], "description": values["description"] or None, "type": values["type"],
                "accessKey": hash_api_token(token, self.app.settings.secrets.api_token_salt),
                "actions": values["actions"] if values["type"] == "custom" else None,
                "expiresAt": (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).isoformat()
                if days else None}
        try:
            await DocumentService(self.app, TOKEN_UID).create(data)
        except ApplicationError as exc:
            for item in exc.details.get("errors") or [{"path": ["_form"], "message": exc.message}]:
                path = item.get("path") or ["_form"]
                errors.setdefault(str(path[0]), item.get("message") or exc.message)
            return None, errors
        return token, {}

    @route("/{token_id:int}/revoke", methods=["POST"], name="settings-api-token-revoke")
    async def revoke(self, request: Request) -> Response:
        model = self.app.models[TOKEN_UID]
        row = await model.get_or_none(id=request.path_params["token_id"])
        if row is not None:
            await DocumentService(self.app, TOKEN_UID).delete(row.documentId)
            flash(request, f'Token "{row.name}" revoked: it no longer opens the API.', "success")
        return RedirectResponse(request.url_for("admin:settings-api-tokens"), status_code=HTTP_303_SEE_OTHER)


# -- schemas ---------------------------------------------------------------------------


class SchemasPage(SettingsPage):
    """Each content type's schema, read-only: attributes and their rules, and the file itself."""

    def __init__(self, site: Site) -> None:
        super().__init__(site, "Content types", "fa-solid fa-sitemap", "/settings/content-types")

    @route("", name="settings-content-types")
    async def index(self, request: Request) -> Response:
        types = [{"ct": ct, "key": ct.uid, "view": self.site.key_for(ct.uid)} for ct in self.app.registry]
        return self.render(request, "settings/schemas.html", types=types, current=None)

    @route("/{uid:str}", name="settings-content-type")
    async def detail(self, request: Request) -> Response:
        uid = request.path_params["uid"]
        if uid not in self.app.registry:
            raise HTTPException(404)
        ct = self.app.registry.get(uid)
        try:
            source = ct.source.read_text(encoding="utf-8")
        except OSError:
            source = ""
        attributes = [{"name": a.name, "label": label_of(a.name), "type": a.type, "rules": _rules(a)}
                      for a in ct.attributes.values()]
        return self.render(request, "settings/schema.html", ct=ct, attributes=attributes, source=source,
                           view=self.site.key_for(uid))


def _rules(attr: Any) -> list[str]:
    rules = []
    for flag in ("required", "unique", "private"):
        if getattr(attr, flag):
            rules.append(flag)
    if not attr.writable:
        rules.append("not writable")
    if attr.min_length is not None:
        rules.append(f"minLength {attr.min_length}")
    if attr.max_length is not None:
        rules.append(f"maxLength {attr.max_length}")
    if attr.min is not None:
        rules.append(f"min {attr.min:g}")
    if attr.max is not None:
        rules.append(f"max {attr.max:g}")
    if attr.regex:
        rules.append(f"regex /{attr.regex}/")
    if attr.enum:
        rules.append("one of " + ", ".join(attr.enum))
    if attr.default is not None:
        rules.append(f"default {json.dumps(attr.default)}")
    if attr.is_relation:
        rules.append(f"{attr.relation} → {attr.target}")
    return rules
