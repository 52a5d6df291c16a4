"""The composition root: settings → registry → models → plugins → one ASGI app.

:func:`create_app` follows the start-up order of DESIGN.md §1 and fails fast:
a broken schema or config raises before anything listens. The :class:`CMS`
object it returns is also the public API that plugins receive.
"""

from __future__ import annotations

import gc
import itertools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import socketio
from sanic import Sanic
from tortoise.transactions import in_transaction

from cms import database, health
from cms.permissions import Authorizer, Identity, NoIdentity, allow_all, deny_all
from cms.query.reader import Reader, prepare_connection
from cms.query.sql import SQL, Compiler, quote
from cms.rest import errors as rest_errors
from cms.rest.docs import register_openapi
from cms.rest.routes import build_routes
from cms.asgi import ASGIApp, StreamRoutes, compose
from cms.config import Mode, Settings, load_settings
from cms.content import Registry, discover, load_registry
from cms.lifecycles import Lifecycles
from cms.locales import SINGLE_LOCALE, LocaleSource
from cms.models.builder import Models, build_models
from cms.plugins import LoadedPlugin, load_plugins

log = logging.getLogger("cms")
_app_ids = itertools.count(1)


class CMS:
    """A project, assembled: what plugins and the serving layer work with.

    >>> app = create_app(load_project(Path("."), mode="develop"))
    >>> app.add_route(my_handler, "/api/hello", methods=["GET"])
    >>> app.lifecycles.subscribe({"afterCreate": notify}, ["api::message.message"])
    """

    def __init__(self, settings: Settings, registry: Registry, models: Models, plugins: list[LoadedPlugin]) -> None:
        self.settings = settings
        self.registry = registry
        self.models = models
        self.plugins = plugins
        self.lifecycles = Lifecycles(registry.resolve)
        #: permission action strings known to the project (``api::message.message.find``, plugin actions)
        self.actions: set[str] = set()
        self.sanic = Sanic(f"cms_{next(_app_ids)}", configure_logging=False)
        self.sanic.config.REQUEST_MAX_SIZE = settings.api.max_body_bytes
        self.sanic.config.KEEP_ALIVE_TIMEOUT = 75
        self.sanic.ctx.cms = self
        self._mounts: dict[str, ASGIApp] = {}
        self._streams = StreamRoutes()
        self._sio: socketio.AsyncServer | None = None
        #: what plugins offer each other by name (see :meth:`provide`)
        self._services: dict[str, Any] = {}
        #: OpenAPI operations (Sanic path → method → operation) and schemas that routes declared
        self._operations: dict[str, dict[str, Any]] = {}
        self._schemas: dict[str, Any] = {}
        self._asgi: ASGIApp | None = None
        self.db_config = database.tortoise_config(settings, models.module_name)
        #: reads documents with SQL compiled from Strapi queries (REST, admin, realtime)
        self.reader = Reader(Compiler(registry, models, settings.dialect))
        #: per content type, the transactions that concurrent creates share (cms.documents.CommitGroup)
        self.commit_groups: dict[str, Any] = {}
        #: the permission hook of every request; see :mod:`cms.permissions`
        self.authorizer: Authorizer = allow_all if settings.develop else deny_all
        #: who callers are (sockets, plugins); see :class:`cms.permissions.Identity`
        self.identity: Identity = NoIdentity(settings.develop)

    # -- public API for plugins ------------------------------------------------

    def provide(self, name: str, service: Any) -> None:
        """Offer ``service`` to other plugins under ``name`` (call in ``register``).

        This is how plugins use each other without importing each other's modules:
        realtime offers ``"realtime"`` (typing, presence), and a plugin that wants it
        asks :meth:`service` in its ``bootstrap`` and copes with None.
        """
        if self._services.setdefault(name, service) is not service:
            raise ValueError(f"a service named {name!r} is already provided")

    @property
    def locales(self) -> LocaleSource:
        """The locales localized types are read and written in: the i18n plugin's ``"i18n"``
        service when it is enabled, else ``en`` alone (cms.locales)."""
        return self._services.get("i18n") or SINGLE_LOCALE

    def service(self, name: str) -> Any | None:
        """The service another plugin provided under ``name``, or None."""
        return self._services.get(name)

    def plugin_config(self, name: str) -> dict[str, Any]:
        """The settings table of plugin ``name`` (without ``enabled``/``module``)."""
        for loaded in self.plugins:
            if loaded.name == name:
                return loaded.config
        return {}

    def add_route(self, handler: Callable[..., Any], path: str, methods: Iterable[str] = ("GET",),
                  name: str | None = None, openapi: dict[str, Any] | None = None,
                  stream: bool = False, max_body_bytes: int | None = None) -> None:
        """Serve ``handler(request, **params)`` (a Sanic handler) at ``path``.

        ``openapi`` is the route's OpenAPI operation object (summary, tags, request
        body, responses; see :mod:`cms.rest.openapi` for helpers), put in the one
        document at ``<prefix>/openapi.json`` for each of ``methods``. Sanic's
        ``<name:int>`` segments become ``{name}`` path parameters there by themselves.
        Every route of the API should have one: schemathesis in CI fuzzes what is
        documented, and a test fails for a route that is not.

        With ``stream`` the body is not read before the handler runs: the handler reads
        it as it arrives (``async for chunk in request.stream``), and it
        may be as large as ``max_body_bytes`` (default ``api.max_body_bytes``) instead
        of the JSON limit; see :class:`cms.asgi.BodyLimit`. ``handler`` must then be a
        plain function (Sanic marks it), not a bound method.
        """
        methods = list(methods)
        self.sanic.add_route(handler, path, methods=methods, name=name or handler.__name__, stream=stream)
        if stream:
            self._streams.add(path, methods, max_body_bytes or self.settings.api.max_body_bytes)
        if openapi is not None:
            item = self._operations.setdefault(path, {})
            for method in methods:
                if method.lower() in item:
                    raise ValueError(f"{method} {path} is documented twice")
                item[method.lower()] = openapi

    def add_openapi_schema(self, name: str, schema: dict[str, Any]) -> None:
        """Add ``#/components/schemas/<name>`` for routes' operations to ``$ref``."""
        if self._schemas.setdefault(name, schema) is not schema:
            raise ValueError(f"OpenAPI schema {name!r} is declared twice")

    def documented_routes(self) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
        """The operations and schemas routes declared (Sanic paths), for :mod:`cms.rest.docs`."""
        return self._operations, self._schemas

    def set_authorizer(self, authorizer: Authorizer, identity: Identity | None = None) -> None:
        """Install the permission check of REST requests, and the identity behind it
        (users_permissions does this in ``register``)."""
        self.authorizer = authorizer
        if identity is not None:
            self.identity = identity

    def add_actions(self, actions: Iterable[str]) -> None:
        """Declare permission actions (e.g. ``plugin::realtime.join``) that roles can be granted."""
        self.actions.update(actions)

    def mount(self, prefix: str, asgi_app: ASGIApp) -> None:
        """Serve another ASGI app under ``prefix`` (the admin is mounted this way)."""
        if self._asgi is not None:
            raise RuntimeError("mount() must be called from a plugin's register()")
        self._mounts[prefix.rstrip("/")] = asgi_app

    def mounted_prefixes(self) -> list[str]:
        return sorted(self._mounts)

    def socket_server(self, **options: Any) -> socketio.AsyncServer:
        """The Socket.IO server at ``/socket.io/``; the first caller may pass options.

        The realtime plugin calls this during ``register`` with its CORS origins
        and client manager; without it, a bare server is created at compose time.
        """
        if self._sio is None:
            options.setdefault("async_mode", "asgi")
            self._sio = socketio.AsyncServer(**options)
        elif options:
            raise RuntimeError("the Socket.IO server was already created; pass options on the first call")
        return self._sio

    # -- serving ----------------------------------------------------------------

    @property
    def asgi(self) -> ASGIApp:
        """The composite ASGI app (built on first access, after plugins registered)."""
        if self._asgi is None:
            self._asgi = compose(self.socket_server(), self.sanic, self._mounts, self.settings.api, self._streams)
        return self._asgi

    async def open_database(self) -> None:
        """Connect the ORM and prepare the reader's connection (also used by CLI commands)."""
        await database.connect(self.db_config)
        await database.ping()
        await prepare_connection(database.connection())
        url = self.settings.tortoise_db_url()
        if self.settings.database.sqlite_direct_reads and url.startswith("sqlite://") and url != "sqlite://:memory:":
            self.reader.attach_sqlite(url.removeprefix("sqlite://"))

    async def close_database(self) -> None:
        self.reader.close()
        await database.disconnect()

    async def _startup(self, *_: Any) -> None:
        await self.open_database()
        await self._ensure_drafts()
        for loaded in self.plugins:
            await loaded.plugin.bootstrap(self)
        await self._ensure_locales()
        # Everything built so far lives as long as the process: keeping it out of
        # the collector's generations removes the 100-200 ms full collections
        # that made the p99 latency of REST reads (bench/rest.py).
        gc.collect()
        gc.freeze()
        log.info("ready: %d content types, %d plugins", len(self.registry), len(self.plugins))

    async def _ensure_drafts(self) -> None:
        """Types with draft & publish: every published entry gets its draft if it has none
        (entries written before the option was turned on were all published, as Strapi
        publishes them; cms.documents.DocumentService.ensure_drafts). Nothing for other types."""
        from cms.documents import DocumentService

        for ct in self.registry:
            if ct.draft_and_publish and not ct.is_component:
                made = await DocumentService(self, ct.uid).ensure_drafts()
                if made:
                    log.info("%s: made the draft of %d published entries", ct.uid, made)

    async def _ensure_locales(self) -> None:
        """Localized types: rows without a locale (written before i18n was turned on for the
        type) get the default locale, as Strapi gives them. One UPDATE per such type."""
        for ct in self.registry:
            if ct.localized:
                sql = SQL(self.reader.dialect)
                async with in_transaction() as conn:
                    count, _ = await conn.execute_query(
                        f'UPDATE {quote(ct.collection_name)} SET "locale" = {sql.bind(self.locales.default_locale())} '
                        f'WHERE "locale" IS NULL', sql.params)
                if count:
                    log.info("%s: %d entries written before localization now have the default locale", ct.uid, count)

    async def _shutdown(self, *_: Any) -> None:
        try:
            for loaded in reversed(self.plugins):
                await loaded.plugin.destroy(self)
        finally:
            await self.close_database()


@dataclass(frozen=True)
class Project:
    """A project loaded up to its generated models, not yet serving."""

    settings: Settings
    plugins: list[LoadedPlugin]
    registry: Registry
    models: Models


def load_project(root: Path, mode: Mode = "develop") -> Project:
    """Config, plugins, schemas and models: everything that can fail before serving."""
    root = root.resolve()
    settings = load_settings(root, mode)
    plugins = load_plugins(settings)
    sources = discover(root / "content_types", {p.name: p.directory for p in plugins})
    registry = load_registry(sources, root)
    return Project(settings, plugins, registry, build_models(registry))


def create_app(project: Project) -> CMS:
    """Assemble a loaded project; the database is connected when serving starts."""
    app = CMS(project.settings, project.registry, project.models, project.plugins)
    app.lifecycles.load_project_hooks(project.registry)
    health.register(app)
    rest_errors.install(app.sanic)
    build_routes(app)
    for loaded in project.plugins:
        loaded.plugin.register(app)
    register_openapi(app)
    app.sanic.register_listener(app._startup, "before_server_start")
    app.sanic.register_listener(app._shutdown, "after_server_stop")
    return app
