"""Serving the OpenAPI document and a page that renders it, offline.

``GET <prefix>/openapi.json`` answers bytes built once at registration (the
registry never changes while serving). ``GET <prefix>/docs`` is Swagger UI,
whose assets come from the ``swagger-ui-py`` wheel and are served from
``<prefix>/docs/assets/``: no CDN, so the page works on machines without
internet. Without that package the page still links to the JSON document.
"""

from __future__ import annotations

import html
import importlib.metadata
import importlib.util
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from sanic import Request
from sanic.response import HTTPResponse, file

from cms.errors import NotFoundError
from cms.rest.openapi import build_openapi, json_response, route_operation

if TYPE_CHECKING:
    from cms.app import CMS

log = logging.getLogger("cms.rest")
TEMPLATE = Path(__file__).with_name("docs.html")
#: the only files of the Swagger UI distribution the page needs
ASSETS = {
    "swagger-ui-bundle.js": "application/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
}
_FALLBACK = (
    "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>"
    "<body><h1>{title}</h1><p>The API description is at <a href=\"{spec}\">{spec}</a>. "
    "Install the <code>swagger-ui-py</code> package to browse it here.</p></body></html>"
)


def swagger_ui_dir() -> Path | None:
    """The static folder of the installed ``swagger-ui-py`` (found without importing it)."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        return None
    static = Path(next(iter(spec.submodule_search_locations))) / "static"
    return static if all((static / name).is_file() for name in ASSETS) else None


def docs_page(title: str, spec_url: str, assets_url: str | None) -> str:
    """The HTML of the docs page; a plain link when no Swagger UI assets are installed."""
    title, spec_url = html.escape(title), html.escape(spec_url)
    if assets_url is None:
        return _FALLBACK.format(title=title, spec=spec_url)
    page = TEMPLATE.read_text(encoding="utf-8")
    for token, value in (("__TITLE__", title), ("__SPEC_URL__", spec_url), ("__ASSETS__", assets_url)):
        page = page.replace(token, value)
    return page


def _version() -> str:
    try:
        return importlib.metadata.version("cms")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0.0.0"


def register_openapi(app: CMS, title: str = "CMS API") -> None:
    """Serve ``<prefix>/openapi.json`` and ``<prefix>/docs`` (call after every route is added):
    the content types' routes and every route added with an ``openapi`` operation."""
    prefix = app.settings.api.prefix.rstrip("/")
    if app.settings.api.docs_page and app.registry.by_route_name("docs") is not None:
        log.warning("a content type is served at %s/docs: the API docs page is not", prefix)
    elif app.settings.api.docs_page:
        _serve_docs_page(app, prefix, title)
    body = b""

    async def openapi_json(request: Request) -> HTTPResponse:
        return HTTPResponse(body, content_type="application/json")

    described = {"type": "object", "required": ["openapi", "info", "paths"]}
    app.add_route(openapi_json, f"{prefix}/openapi.json", ["GET"], name="openapi.json", openapi=route_operation(
        "openapi.document", "documentation", "This document", {"200": json_response(described, "OpenAPI 3.1")},
        errors=(500,)))
    routes, schemas = app.documented_routes()
    document = build_openapi(app.registry, prefix, title, routes, version=_version(), route_schemas=schemas)
    body = orjson.dumps(document)


def _serve_docs_page(app: CMS, prefix: str, title: str) -> None:
    static = swagger_ui_dir()
    page = docs_page(title, f"{prefix}/openapi.json", f"{prefix}/docs/assets" if static else None).encode()

    async def docs(request: Request) -> HTTPResponse:
        return HTTPResponse(page, content_type="text/html; charset=utf-8")

    async def asset(request: Request, name: str) -> HTTPResponse:
        if static is None or name not in ASSETS:
            raise NotFoundError()
        path, mime = static / name, ASSETS[name]
        return await file(path, request_headers=request.headers, mime_type=mime, max_age=86400)

    html_page = {"description": "Swagger UI", "content": {"text/html": {"schema": {"type": "string"}}}}
    app.add_route(docs, f"{prefix}/docs", ["GET"], name="openapi.docs", openapi=route_operation(
        "openapi.page", "documentation", "Browse this document (Swagger UI)", {"200": html_page}, errors=(500,)))
    name = {"name": "name", "in": "path", "required": True, "schema": {"type": "string", "enum": sorted(ASSETS)}}
    files = {"description": "A file of the page", "content": {mime.split(";")[0]: {"schema": {"type": "string"}}
                                                              for mime in ASSETS.values()}}
    app.add_route(asset, f"{prefix}/docs/assets/<name:str>", ["GET"], name="openapi.asset", openapi=route_operation(
        "openapi.asset", "documentation", "A script, style sheet or icon of the page",
        {"200": files}, errors=(404, 500), parameters=[name]))
