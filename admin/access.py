"""Who may call the REST API: the settings pages of roles & permissions and of API tokens.

Roles, grants and tokens belong to the users_permissions plugin. The admin
never imports that plugin: it asks for the service the plugin provides,
``app.service("users_permissions")`` (roles, grants, ``check_grant``,
``set_grants``, API tokens), so a grant is checked and stored exactly as the
plugin's REST roles API does it, and applies at once in this process. Without
the plugin these pages are not built at all (see :func:`enabled`); the
service is asked for when a page is shown, since the plugin may register after
the admin.

A grant's condition is edited as rows of field → operator → value in groups
(``static/conditions.js``), over the JSON the form posts; the page gives the
editor what the service says a condition may name (each type's fields, walked
through relations :data:`RELATION_DEPTH` levels, and the declared ``$user.*``
variables), and the service's ``check_grant`` refuses the rest beside the cell.

The token itself is shown once, on the page that answers the form; only its
HMAC is stored (by the plugin).
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.status import HTTP_303_SEE_OTHER
from starlette_admin.flash import flash
from starlette_admin.routing import route

from admin.settings import SettingsPage
from cms.errors import ApplicationError, ValidationError

if TYPE_CHECKING:
    from admin.site import Site
    from cms.app import CMS

SERVICE = "users_permissions"
CONTENT_ACTIONS = ("find", "findOne", "create", "update", "delete")
TOKEN_DURATIONS = {"7": 7, "30": 30, "90": 90, "unlimited": None}
#: how many relations the condition editor walks from a grant's type (``sender.role.name``)
RELATION_DEPTH = 2


def enabled(app: CMS) -> bool:
    """Whether the users_permissions plugin is on: its service is provided, or it is enabled and
    will provide it when it registers (plugins register in ``config/plugins.toml`` order)."""
    return app.service(SERVICE) is not None or any(loaded.name == SERVICE for loaded in app.plugins)


class ServicePage(SettingsPage):
    """A settings page over the users_permissions service."""

    @property
    def service(self) -> Any:
        service = self.app.service(SERVICE)
        if service is None:
            raise HTTPException(404, "The users_permissions plugin is not enabled.")
        return service


# -- permissions -----------------------------------------------------------------------


class PermissionsPage(ServicePage):
    """Which actions each role of registered users may do: content type × action, with conditions."""

    def __init__(self, site: Site) -> None:
        super().__init__(site, "Roles & permissions", "fa-solid fa-user-shield", "/settings/permissions")

    @route("", name="settings-permissions")
    async def index(self, request: Request) -> Response:
        return await self.roles_page(request, adding="add" in request.query_params)

    @route("/new", methods=["GET", "POST"], name="settings-role-create")
    async def create(self, request: Request) -> Response:
        """Add a role (name, description), then go to its permissions: a new role is granted nothing."""
        if request.method != "POST":
            return RedirectResponse(f"{request.url_for('admin:settings-permissions')}?add#add-role",
                                    status_code=HTTP_303_SEE_OTHER)
        form = await request.form()
        values = {key: str(form.get(key) or "").strip() for key in ("name", "description")}
        try:
            role_id = await self.service.create_role(values["name"], values["description"])
        except ApplicationError as exc:
            errors: dict[str, str] = {}
            for item in exc.details.get("errors") or [{"path": ["_form"], "message": exc.message}]:
                path = item.get("path") or ["_form"]
                key = str(path[0]) if str(path[0]) in ("name", "description") else "_form"
                errors.setdefault(key, item.get("message") or exc.message)
            return await self.roles_page(request, adding=True, form=values, errors=errors, status_code=422)
        flash(request, f'Role "{values["name"]}" created: tick what it may do.', "success")
        return RedirectResponse(request.url_for("admin:settings-role", role_id=role_id), status_code=HTTP_303_SEE_OTHER)

    async def roles_page(self, request: Request, *, adding: bool, form: dict[str, str] | None = None,
                         errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
        return self.render(request, "settings/roles.html", status_code=status_code, roles=await self.service.roles(),
                           adding=adding, form=form or {}, errors=errors or {})

    @route("/{role_id:int}", methods=["GET", "POST"], name="settings-role")
    async def role(self, request: Request) -> Response:
        service = self.service
        role = await service.role(request.path_params["role_id"])
        if role is None:
            raise HTTPException(404)
        stored = await service.grants(role["id"])
        grants = {a: _condition_text(c) for a, c in stored.items()}
        conditions = dict(grants)  # what each condition cell shows, ticked or not
        errors: dict[str, str] = {}
        if request.method == "POST":
            form = await request.form()
            conditions = {a: str(form.get(f"condition:{a}") or "").strip() for a in sorted(self.app.actions)}
            grants = {a: conditions[a] for a in sorted(self.app.actions) if form.get(f"grant:{a}")}
            parsed, errors = self.check(grants)
            if not errors:
                # grants of actions no enabled plugin declares are not on the page: keep them
                kept = [(a, c) for a, c in stored.items() if a not in self.app.actions]
                await service.set_grants(role["id"], parsed + kept)
                flash(request, f'Permissions of "{role["name"]}" saved.', "success")
                return RedirectResponse(request.url_for("admin:settings-role", role_id=role["id"]),
                                        status_code=HTTP_303_SEE_OTHER)
            flash(request, "Nothing was saved: fix the conditions marked below.", "error")
        matrix = self.matrix()
        return self.render(request, "settings/permissions.html", status_code=422 if errors else 200,
                           role=role, matrix=matrix, grants=grants, conditions=conditions, errors=errors,
                           schema=self.condition_schema(matrix))

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
                self.service.check_grant(action, condition)
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
        groups: dict[str, list[tuple[str, str, str | None]]] = defaultdict(list)
        for action in sorted(actions - covered):
            controller, _, name = action.rpartition(".")  # (name, action, the type its condition is on)
            uid = self.app.registry.resolve(controller)
            groups[controller].append((name, action, uid))
        return {"columns": CONTENT_ACTIONS, "rows": rows, "groups": dict(groups)}

    def condition_schema(self, matrix: dict[str, Any]) -> dict[str, Any]:
        """What the condition editor offers: the types a condition may walk (from each type with
        a conditional grant, through relations up to :data:`RELATION_DEPTH`), their fields, and
        the ``$user.*`` variables; all from the service, so the editor offers what it accepts."""
        service = self.service
        level = {row["uid"] for row in matrix["rows"]}
        level |= {uid for items in matrix["groups"].values() for _, _, uid in items if uid}
        types: dict[str, Any] = {}
        for _ in range(RELATION_DEPTH + 1):
            following: set[str] = set()
            for uid in sorted(level - types.keys()):
                fields = [f for f in service.condition_fields(uid) if f["visible"]]
                types[uid] = {"label": self.app.registry.get(uid).display_name, "fields": fields}
                following |= {f["target"] for f in fields if f["target"]}
            level = following
        return {"types": types, "variables": service.condition_variables(), "depth": RELATION_DEPTH}


def _condition_text(condition: Any) -> str:
    return "" if condition is None else json.dumps(condition, indent=2, ensure_ascii=False)


# -- API tokens ------------------------------------------------------------------------


def token_action_groups(app: CMS) -> dict[str, Any]:
    """The actions a custom token may get, grouped as the form shows them: one row per content
    type with a box per action (find … delete), then every other action under its controller
    (``plugin::users-permissions.auth``: ``callback``, ``connect``, …). A flat list of 60
    dotted names was unreadable."""
    actions = set(app.actions)
    rows = []
    for ct in app.registry:
        cells = {name: f"{ct.uid}.{name}" for name in CONTENT_ACTIONS if f"{ct.uid}.{name}" in actions}
        if cells:
            rows.append({"label": ct.display_name, "uid": ct.uid, "cells": cells})
    covered = {action for row in rows for action in row["cells"].values()}
    others: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for action in sorted(actions - covered):
        controller, _, name = action.rpartition(".")
        others[controller].append((name, action))
    return {"columns": CONTENT_ACTIONS, "rows": rows, "others": dict(others)}


class ApiTokensPage(ServicePage):
    """Long-lived credentials for scripts: created (the value shown once) and revoked."""

    def __init__(self, site: Site) -> None:
        super().__init__(site, "API tokens", "fa-solid fa-key", "/settings/api-tokens")

    @route("", methods=["GET", "POST"], name="settings-api-tokens")
    async def index(self, request: Request) -> Response:
        service = self.service
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
                               tokens=await service.api_tokens(), created=created, errors=errors, form=form_values,
                               types=service.token_kinds, durations=TOKEN_DURATIONS,
                               action_groups=token_action_groups(self.app))
        response.headers["Cache-Control"] = "no-store"  # the page may hold a new token
        return response

    async def create(self, values: dict[str, Any]) -> tuple[str | None, dict[str, str]]:
        """The new token (shown once), or the form's errors."""
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
        try:
            token = await self.service.create_api_token(
                values["name"], values["type"], description=values["description"], actions=values["actions"],
                days=TOKEN_DURATIONS[values["duration"]])
        except ApplicationError as exc:
            for item in exc.details.get("errors") or [{"path": ["_form"], "message": exc.message}]:
                path = item.get("path") or ["_form"]
                errors.setdefault(str(path[0]), item.get("message") or exc.message)
            return None, errors
        return token, {}

    @route("/{token_id:int}/revoke", methods=["POST"], name="settings-api-token-revoke")
    async def revoke(self, request: Request) -> Response:
        name = await self.service.revoke_api_token(request.path_params["token_id"])
        if name is not None:
            flash(request, f'Token "{name}" revoked: it no longer opens the API.', "success")
        return RedirectResponse(request.url_for("admin:settings-api-tokens"), status_code=HTTP_303_SEE_OTHER)
