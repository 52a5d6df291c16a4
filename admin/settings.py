"""Settings pages, for the super-admin only: the base page, and each content type's schema.

The pages of roles & permissions and of API tokens exist only with the
users_permissions plugin and live in :mod:`admin.access`; the admin users'
list is a content view (:mod:`admin.site`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette_admin import CustomView
from starlette_admin.routing import route

from admin.auth import account_of
from admin.fields import label_of

if TYPE_CHECKING:
    from admin.site import Site


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
