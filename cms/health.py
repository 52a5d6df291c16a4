"""Health endpoints for load balancers and orchestrators."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from sanic import Request
from sanic.response import HTTPResponse, json

from cms import database
from cms.rest.openapi import closed, json_response, route_operation

if TYPE_CHECKING:
    from cms.app import CMS

log = logging.getLogger("cms")
#: seconds the database may take to answer before the process is reported not ready
READY_TIMEOUT = 2.0


async def health(request: Request) -> HTTPResponse:
    """The process is up and serving."""
    return json({"status": "ok"})


async def ready(request: Request) -> HTTPResponse:
    """The database answers; 503 otherwise (the reason is logged, not returned)."""
    try:
        await asyncio.wait_for(database.ping(), READY_TIMEOUT)
    except Exception:  # noqa: BLE001 - any failure means not ready
        log.exception("readiness check failed")
        return json({"status": "unavailable"}, status=503)
    return json({"status": "ok"})


def register(app: CMS) -> None:
    ok = json_response(closed({"status": {"const": "ok"}}, ["status"]), "Serving")
    down = json_response(closed({"status": {"const": "unavailable"}}, ["status"]), "The database does not answer")
    app.add_route(health, "/_health", name="health", openapi=route_operation(
        "health.live", "health", "The process is up", {"200": ok}, errors=()))
    app.add_route(ready, "/_ready", name="ready", openapi=route_operation(
        "health.ready", "health", "The database answers", {"200": ok, "503": down}, errors=()))
