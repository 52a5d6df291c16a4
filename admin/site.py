"""The admin site: one :class:`~admin.views.ContentTypeView` per registry entry, plus dashboard and settings.

Like Django's admin ``_registry``, :class:`Site` walks the content-type
registry once at start-up and builds a view for each type; nothing is written
per content type. Types that belong to the settings pages (permissions, API
tokens) get no content view; the admin users' view is the super-admin's only,
and roles may be read by every admin (to pick a user's role) but changed only
by the super-admin. Those types, and the settings pages of roles and API
tokens (:mod:`admin.access`), exist only with the users_permissions plugin,
which the admin reaches through ``app.service("users_permissions")`` and never
by importing it: without the plugin the admin serves content and the
remaining settings (schemas, admin users).

The whole admin is a Starlette app (starlette-admin inside, the session
middleware around it) that the plugin mounts at ``/admin``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette_admin import DropDown
from starlette_admin.base import BaseAdmin
from starlette_admin.export import ExportConfig
from starlette_admin.helpers import static_url
from starlette_admin.i18n import TimezoneConfig

from admin import access
from admin.assistant import page as assistant_page
from admin.auth import ADMIN_UID, AdminAuth
from admin.config import AdminConfig
from admin.dashboard import Dashboard
from admin.locales import LocaleLookup, create_url as locale_create_url
from admin.drafts import Publishing
from admin.media import library as media_library
from admin.settings import SchemasPage
from admin.setup import SetupPage
from admin.uid import UidLookup
from admin.urls import detail_url, edit_url
from admin.views import ContentTypeView, Entry
from cms.asgi import ASGIApp, BodyLimit, StreamRoutes

if TYPE_CHECKING:
    from cms.app import CMS

HERE = Path(__file__).resolve().parent
BASE_URL = "/admin"
ROUTE_NAME = "admin"
#: managed on the settings pages, not as content
SETTINGS_TYPES = frozenset({"plugin::users-permissions.permission", "plugin::users-permissions.api-token"})
#: every admin may read them, only the super-admin may change them
SUPER_ADMIN_WRITES = frozenset({"plugin::users-permissions.role"})
#: only the super-admin sees them
SUPER_ADMIN_ONLY = frozenset({ADMIN_UID})
#: served (a user's role picker and links reach them) but not in the menu: roles are listed, added
#: and granted on Settings → Roles & permissions, one menu entry for them rather than two
UNLISTED = frozenset({"plugin::users-permissions.role"})
#: types listed but never written here: uploaded files are added, changed and deleted in the
#: media library, which stores (and removes) their bytes with the upload plugin's provider
READ_ONLY = frozenset({"plugin::upload.file"})
PLUGIN_MENUS = {"users_permissions": "Users & permissions", "users-permissions": "Users & permissions"}


class NoFraming:
    """Admin pages may not be shown inside another site's frame (clickjacking): every HTTP
    answer says so, in the old header and in the Content-Security-Policy one."""

    HEADERS = [(b"x-frame-options", b"DENY"), (b"content-security-policy", b"frame-ancestors 'none'")]

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def framed(message: Any) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.HEADERS]
            await send(message)

        await self.app(scope, receive, framed)


class Unlisted(DropDown):
    """Views served at their URLs but shown in no menu (see :data:`UNLISTED`)."""

    def __init__(self, views: list[ContentTypeView]) -> None:
        super().__init__("", views=list(views))

    def is_accessible(self, request: Any) -> bool:
        return False


class Site:
    """The admin of one project.

    >>> site = Site(app, load_config(app.plugin_config("admin")))
    >>> app.mount("/admin", site.asgi())
    """

    def __init__(self, app: CMS, config: AdminConfig) -> None:
        self.app = app
        self.config = config
        self.keys = self._keys()
        self.auth = AdminAuth(app, config)
        self.admin = BaseAdmin(
            title=config.title,
            base_url=BASE_URL,
            route_name=ROUTE_NAME,
            logo_url=lambda request: static_url(request, "logo.svg", v=1),
            login_logo_url=lambda request: static_url(request, "logo-login.svg", v=1),
            favicon_url=lambda request: static_url(request, "mark.svg", v=1),
            templates_dir=str(HERE / "templates"),
            static_dir=str(HERE / "static"),
            index_view=Dashboard(self),
            auth_provider=self.auth,
            secret_key=app.settings.secrets.admin_session_secret,
            middlewares=[Middleware(NoFraming), Middleware(
                SessionMiddleware, secret_key=app.settings.secrets.admin_session_secret,
                session_cookie="cms_admin_session", max_age=config.remember_days * 86400,
                path=BASE_URL, same_site="lax", https_only=config.secure_cookies)],
            timezone_config=TimezoneConfig(database_timezone="UTC"),
            export_config=ExportConfig(max_rows=100_000),
        )
        self.admin.templates.env.globals.update(develop=app.settings.develop, detail_url=detail_url, edit_url=edit_url,
                                                create_url=locale_create_url)
        self._views: dict[str, ContentTypeView] = {}
        menus: dict[str, list[ContentTypeView]] = {}
        unlisted: list[ContentTypeView] = []
        for ct in app.registry:
            key = self.keys.get(ct.uid)
            if key is None:
                continue
            view = ContentTypeView(self, ct, key, super_admin_writes=ct.uid in SUPER_ADMIN_WRITES,
                                   super_admin_only=ct.uid in SUPER_ADMIN_ONLY, read_only=ct.uid in READ_ONLY)
            self._views[key] = view
            if ct.uid in SUPER_ADMIN_ONLY:
                continue  # listed under settings
            if ct.uid in UNLISTED:
                unlisted.append(view)
                continue
            plugin = ct.plugin or next((a.split("::", 1)[1].split(".")[0] for a in ct.aliases
                                        if a.startswith("plugin::")), None)
            if plugin:  # a plugin's types (or types standing in for them) are grouped under its name
                menus.setdefault(PLUGIN_MENUS.get(plugin, label(plugin)), []).append(view)
            else:
                self.admin.add_view(view)
        if (media := media_library(self)) is not None:  # the upload plugin's files as a grid
            self.admin.add_view(media)
        for title, views in menus.items():
            self.admin.add_view(DropDown(title, views=list(views), icon="fa-solid fa-users"))
        if unlisted:
            self.admin.add_view(Unlisted(unlisted))
        settings: list[Any] = []
        if access.enabled(app):  # roles, grants and tokens: through the users_permissions service
            settings += [access.PermissionsPage(self), access.ApiTokensPage(self)]
        settings.append(SchemasPage(self))
        settings += [self._views[k] for k in (self.keys.get(uid) for uid in SUPER_ADMIN_ONLY) if k]
        if (assistant := assistant_page(self)) is not None:  # the assistant plugin's settings and replies
            self.admin.add_view(assistant)
        self.admin.add_view(DropDown("Settings", views=settings, icon="fa-solid fa-gear"))
        self.admin.add_view(SetupPage(self))
        self.admin.add_view(UidLookup(self))
        if any(view.localized for view in self._views.values()):
            self.admin.add_view(LocaleLookup(self))  # the form pickers of localized targets, per locale
        if any(view.draft_and_publish for view in self._views.values()):
            self.admin.add_view(Publishing(self))  # the edit view's Unpublish and Discard changes  # the uid fields' "Generate" button asks it for a free value

    def _keys(self) -> dict[str, str]:
        """A URL key per content type with a view: its singular name (prefixed by its plugin on a clash)."""
        keys: dict[str, str] = {}
        taken: set[str] = set()
        for ct in self.app.registry:
            if ct.uid in SETTINGS_TYPES:
                continue
            key = ct.singular_name
            if key in taken:
                key = f"{ct.plugin or 'api'}-{key}"
            taken.add(key)
            keys[ct.uid] = key
        return keys

    def key_for(self, uid: str) -> str | None:
        """The view key of a content type (or alias); None when it has no content view."""
        if uid not in self.app.registry:
            return None
        return self.keys.get(self.app.registry.get(uid).uid)

    def view(self, key: str) -> ContentTypeView:
        return self._views[key]

    def content_views(self) -> list[ContentTypeView]:
        return list(self._views.values())

    async def add_authors(self, model: Any, entries: list[Entry]) -> None:
        """Who created and last updated each entry (admin usernames), for ownership and the detail page."""
        ids = [e.id for e in entries]
        rows = await model.filter(id__in=ids).values("id", "createdById", "updatedById")
        by_id = {r["id"]: r for r in rows}
        admin_ids = {v for r in rows for v in (r["createdById"], r["updatedById"]) if v is not None}
        names: dict[int, str] = {}
        if admin_ids:
            names = dict(await self.app.models[ADMIN_UID].filter(id__in=admin_ids).values_list("id", "username"))
        for entry in entries:
            row = by_id.get(entry.id, {})
            entry.createdById = row.get("createdById")
            entry.updatedById = row.get("updatedById")
            entry.createdBy = names.get(entry.createdById) if entry.createdById else None
            entry.updatedBy = names.get(entry.updatedById) if entry.updatedById else None

    def asgi(self) -> ASGIApp:
        """The app serving ``/admin`` (paths keep their ``/admin`` prefix).

        Request bodies are bounded as on the REST API (``api.max_body_bytes``, read within
        ``api.body_timeout``): starlette-admin's CSRF check reads a whole multipart body into
        memory before any session check, and an anonymous 150 MB POST took the server from
        147 to 585 MB. The media library's upload is the one route streamed under the upload
        plugin's ``size_limit``.
        """
        outer = Starlette()
        self.admin.mount_to(outer)
        streams = StreamRoutes()
        service = self.app.service("upload")
        if service is not None:
            streams.add(f"{BASE_URL}/media/api/upload", ["POST"], int(service.config.size_limit))
        api = self.app.settings.api
        return BodyLimit(outer, api.max_body_bytes, api.body_timeout, streams)


def label(name: str) -> str:
    return name.replace("_", " ").replace("-", " ").capitalize()
