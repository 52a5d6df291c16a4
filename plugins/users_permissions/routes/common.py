"""Bodies and answers of the plugin's routes: bare JSON objects, not Strapi's data envelope."""

from __future__ import annotations

from typing import Any

import orjson
from sanic import Request
from sanic.response import HTTPResponse

from cms.errors import BodySyntaxError, ValidationError


def respond(body: Any, status: int = 200) -> HTTPResponse:
    return HTTPResponse(orjson.dumps(body), status=status, content_type="application/json; charset=utf-8")


def read_body(request: Request) -> dict[str, Any]:
    try:
        body = orjson.loads(request.body) if request.body else {}
    except orjson.JSONDecodeError as exc:
        raise BodySyntaxError(str(exc)) from exc
    if not isinstance(body, dict):
        raise ValidationError("The request body must be a JSON object")
    return body


def strings(body: dict[str, Any], *names: str, optional: tuple[str, ...] = ()) -> dict[str, str]:
    """The named string fields; every missing or non-string one is reported at once."""
    errors, values = [], {}
    for name in names + optional:
        value = body.get(name)
        if value is None and name in optional:
            continue
        if not isinstance(value, str) or (not value and name not in optional):
            errors.append({"path": [name], "message": f"{name} is a required field", "name": "ValidationError", "value": value})
        elif "\x00" in value:  # no account can hold it (PostgreSQL refuses NUL): refused alike everywhere
            errors.append({"path": [name], "message": f"{name} must not contain NUL characters",
                           "name": "ValidationError", "value": value})
        else:
            values[name] = value
    if errors:
        message = errors[0]["message"] if len(errors) == 1 else f"{len(errors)} errors occurred"
        raise ValidationError(message, {"errors": errors})
    return values


def client_ip(request: Request) -> str:
    return str(request.remote_addr or request.ip or "")
