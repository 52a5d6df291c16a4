"""The first administrator: a one-time page in develop mode, and the function behind ``cms admin create-user``.

In develop mode, while no admin user exists, ``/admin/setup`` offers to create
the first one (a super-admin) and logs it in; once any admin exists the page
is gone (404), and in production it never exists: there the first admin comes
from the command line.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.status import HTTP_303_SEE_OTHER
from starlette_admin import CustomView
from starlette_admin.auth import login_not_required
from starlette_admin.routing import route

from admin.auth import ADMIN_UID, ROLES, SUPER_ADMIN
from cms.documents import DocumentService
from cms.errors import ApplicationError

if TYPE_CHECKING:
    from admin.site import Site
    from cms.app import CMS


async def create_admin(app: CMS, username: str, password: str, role: str = SUPER_ADMIN,
                       email: str | None = None) -> dict[str, Any]:
    """Create an admin user through the document service (validated, password hashed).

    Raises :class:`cms.errors.ValidationError` with the schema's messages.
    """
    if role not in ROLES:
        from cms.errors import ValidationError

        raise ValidationError(f"role must be one of {', '.join(ROLES)}",
                              {"errors": [{"path": ["role"], "message": f"role must be one of {', '.join(ROLES)}"}]})
    data: dict[str, Any] = {"username": username, "password": password, "role": role}
    if email:
        data["email"] = email
    return await DocumentService(app, ADMIN_UID).create(data)


class SetupPage(CustomView):
    """``/admin/setup``: create the first administrator (develop mode, no admin yet)."""

    def __init__(self, site: Site) -> None:
        super().__init__(menu_label="Setup", path="/setup", route_name="setup", add_to_menu=False)
        self.site = site
        self._lock = asyncio.Lock()

    @route("", methods=["GET", "POST"], name="setup")
    @login_not_required
    async def index(self, request: Request) -> Response:
        app = self.site.app
        if not app.settings.develop or await self.site.auth.has_admins():
            raise HTTPException(404)
        assert self._admin is not None
        errors: dict[str, str] = {}
        values = {"username": "", "email": ""}
        if request.method == "POST":
            form = await request.form()
            values = {"username": str(form.get("username") or "").strip(), "email": str(form.get("email") or "").strip()}
            password = str(form.get("password") or "")
            if password != str(form.get("confirm") or ""):
                errors["confirm"] = "The two passwords differ"
            else:
                async with self._lock:  # two first visits at once must not make two first admins
                    if await self.site.auth.has_admins():
                        raise HTTPException(404)
                    try:
                        document = await create_admin(app, values["username"], password, SUPER_ADMIN,
                                                      values["email"] or None)
                    except ApplicationError as exc:
                        for item in exc.details.get("errors") or [{"path": ["_form"], "message": exc.message}]:
                            errors.setdefault(str((item.get("path") or ["_form"])[0]), item.get("message"))
                    else:
                        row = await app.models[ADMIN_UID].filter(id=document["id"]).values("id", "password")
                        self.site.auth.start_session(request, row[0], remember=False)
                        await app.models[ADMIN_UID].filter(id=row[0]["id"]).update(lastLoginAt=dt.datetime.now(dt.UTC))
                        return RedirectResponse(request.url_for("admin:index"), status_code=HTTP_303_SEE_OTHER)
        return self._admin._template_response(request, "setup.html", {"title": "Create the first administrator",
                                                                       "errors": errors, "values": values},
                                              status_code=422 if errors else 200)
