"""Strapi's error envelope for every failure, never a stack trace.

``{"data": null, "error": {"status", "name", "message", "details"}}``. Client
mistakes get their 4xx; anything unexpected is logged and answered with a bare
500 "Internal Server Error".
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from sanic import Request, Sanic
from sanic.exceptions import SanicException
from sanic.response import HTTPResponse

from cms.errors import ApplicationError

log = logging.getLogger("cms.rest")

#: Sanic's own exceptions by status, renamed as Strapi names them
_SANIC_NAMES = {
    400: ("ValidationError", None),
    404: ("NotFoundError", "Not Found"),
    405: ("MethodNotAllowedError", "Method Not Allowed"),
    413: ("PayloadTooLargeError", "Entity too large"),
    416: ("ValidationError", None),
}


def envelope(status: int, name: str, message: str, details: dict[str, Any] | None = None,
             with_details: bool = True) -> HTTPResponse:
    error: dict[str, Any] = {"status": status, "name": name, "message": message}
    if with_details:
        error["details"] = details or {}
    return HTTPResponse(orjson.dumps({"data": None, "error": error}), status=status, content_type="application/json")


def application_error(request: Request, exc: ApplicationError) -> HTTPResponse:
    return envelope(exc.status, exc.name, exc.message, exc.details, exc.has_details)


def sanic_error(request: Request, exc: SanicException) -> HTTPResponse:
    status = getattr(exc, "status_code", 500) or 500
    if status >= 500:
        return unexpected_error(request, exc)
    name, message = _SANIC_NAMES.get(status, ("ApplicationError", None))
    return envelope(status, name, message or str(exc) or "Bad Request")


def unexpected_error(request: Request, exc: Exception) -> HTTPResponse:
    log.error("unhandled error on %s %s", request.method, request.path, exc_info=exc)
    return envelope(500, "InternalServerError", "Internal Server Error")


def install(app: Sanic) -> None:
    app.error_handler.add(ApplicationError, application_error)
    app.error_handler.add(SanicException, sanic_error)
    app.error_handler.add(Exception, unexpected_error)
