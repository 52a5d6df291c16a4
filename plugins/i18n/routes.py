"""Strapi's locale endpoints, served under the content API with bare JSON bodies and answers.

| route | action | answer |
|---|---|---|
| ``GET /api/i18n/locales`` | ``plugin::i18n.locales.listLocales`` | array of locales |
| ``POST /api/i18n/locales`` ``{code, name?, isDefault}`` | ``…createLocale`` | the locale |
| ``PUT /api/i18n/locales/:id`` ``{name?, isDefault?}`` | ``…updateLocale`` | the locale |
| ``DELETE /api/i18n/locales/:id`` | ``…deleteLocale`` | the deleted locale |

Strapi serves the list on its content API (action ``listLocales``) and the
writes on its admin API (``/i18n/locales``, admin permissions
``plugin::i18n.locale.create`` ...); here the writes are content-API routes
too, granted per role like any other action, with the names the same
controller's actions would have (``createLocale`` ...). Bodies, answers
(200, as Strapi) and error messages are Strapi's: ``id`` is the row id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
from sanic import Request
from sanic.response import HTTPResponse

from cms.errors import BodySyntaxError, ValidationError
from cms.rest.openapi import closed, json_body, json_response, nullable, ref, route_operation
from plugins.i18n.codes import CODE_PATTERN, MAX_CODE, MAX_NAME, code_problem, name_problem

if TYPE_CHECKING:
    from cms.app import CMS
    from plugins.i18n.service import Locales

ACTION = "plugin::i18n.locales"
LIST, CREATE, UPDATE, DELETE = (f"{ACTION}.{a}" for a in ("listLocales", "createLocale", "updateLocale",
                                                           "deleteLocale"))
ACTIONS = (LIST, CREATE, UPDATE, DELETE)
TAG = "i18n"
Schema = dict[str, Any]


def respond(body: Any) -> HTTPResponse:
    return HTTPResponse(orjson.dumps(body), status=200, content_type="application/json; charset=utf-8")


def bind_routes(app: CMS, locales: Locales) -> None:
    """Add the four routes (with their OpenAPI operations) and declare their actions."""
    base = f"{app.settings.api.prefix.rstrip('/')}/i18n/locales"

    async def list_locales(request: Request) -> HTTPResponse:
        await app.authorizer(request, LIST, None)
        return respond(await locales.find())

    async def create_locale(request: Request) -> HTTPResponse:
        await app.authorizer(request, CREATE, None)
        body = _checked(read_body(request), creating=True)
        return respond(await locales.create(body["code"], body.get("name"), body["isDefault"]))

    async def update_locale(request: Request, locale_id: int) -> HTTPResponse:
        await app.authorizer(request, UPDATE, None)
        return respond(await locales.update(locale_id, _checked(read_body(request), creating=False)))

    async def delete_locale(request: Request, locale_id: int) -> HTTPResponse:
        await app.authorizer(request, DELETE, None)
        return respond(await locales.delete(locale_id))

    app.add_actions(ACTIONS)
    app.add_openapi_schema("I18nLocale", _locale_schema())
    one, many = json_response(ref("I18nLocale"), "The locale"), json_response(
        {"type": "array", "items": ref("I18nLocale")}, "Every locale (a bare array)")
    by_id = (400, 401, 403, 404, 429, 500)
    app.add_route(list_locales, base, ["GET"], name="i18n_list_locales", openapi=route_operation(
        "i18n.listLocales", TAG, "The locales content can be written in", {"200": many},
        errors=(401, 403, 429, 500)))
    app.add_route(create_locale, base, ["POST"], name="i18n_create_locale", openapi=route_operation(
        "i18n.createLocale", TAG, "Add a locale (isDefault: true makes it the default)",
        {"200": one}, body=json_body(_create_body())))
    app.add_route(update_locale, f"{base}/<locale_id:int>", ["PUT"], name="i18n_update_locale",
                  openapi=route_operation("i18n.updateLocale", TAG,
                                          "Rename a locale or make it the default (its code never changes)",
                                          {"200": one}, body=json_body(_update_body()), errors=by_id))
    app.add_route(delete_locale, f"{base}/<locale_id:int>", ["DELETE"], name="i18n_delete_locale",
                  openapi=route_operation("i18n.deleteLocale", TAG, "Delete a locale (not the default)",
                                          {"200": json_response(ref("I18nLocale"), "The deleted locale")},
                                          errors=by_id))


def read_body(request: Request) -> dict[str, Any]:
    """The JSON object sent (an empty body is ``{}``), or Strapi's 400."""
    try:
        body = orjson.loads(request.body) if request.body else {}
    except orjson.JSONDecodeError as exc:
        raise BodySyntaxError(str(exc)) from exc
    if not isinstance(body, dict):
        raise ValidationError("The request body must be a JSON object")
    return body


def _checked(body: dict[str, Any], creating: bool) -> dict[str, Any]:
    """Strapi's validation of a locale body: no other keys (so no ``code`` in an update),
    every problem reported at once under ``details.errors``."""
    known = ("name", "code", "isDefault") if creating else ("name", "isDefault")
    unknown = [key for key in body if key not in known]
    if unknown:
        message = f"this field has unspecified keys: {', '.join(unknown)}"
        raise ValidationError(message, {"errors": [{"path": [], "message": message, "name": "ValidationError"}]})
    errors: list[dict[str, Any]] = []

    def bad(key: str, message: str) -> None:
        errors.append({"path": [key], "message": f"{key} {message}", "name": "ValidationError",
                       "value": body.get(key)})

    if creating:
        for key in ("code", "isDefault"):
            if body.get(key) is None:
                bad(key, "is a required field")
        if body.get("code") is not None and (problem := code_problem(body["code"])):
            bad("code", problem)
    flag = body.get("isDefault")
    if "isDefault" in body and not isinstance(flag, bool) and not (creating and flag is None):
        bad("isDefault", "must be a boolean")
    if problem := name_problem(body.get("name")):
        bad("name", problem)
    elif not creating and body.get("name") == "":
        bad("name", "must be at least 1 characters")
    if errors:
        message = errors[0]["message"] if len(errors) == 1 else f"{len(errors)} errors occurred"
        raise ValidationError(message, {"errors": errors})
    return body


def _locale_schema() -> Schema:
    text, stamp = {"type": "string"}, {"type": "string", "format": "date-time"}
    return closed({"id": {"type": "integer"}, "documentId": text, "name": nullable(text), "code": text,
                   "createdAt": stamp, "updatedAt": stamp, "publishedAt": nullable(stamp),
                   "isDefault": {"type": "boolean", "description": "exactly one locale is the default"}},
                  ["id", "documentId", "name", "code", "isDefault"], description="A locale (Strapi's)")


def _create_body() -> Schema:
    return closed({"code": {"type": "string", "pattern": CODE_PATTERN, "maxLength": MAX_CODE},
                   "name": nullable({"type": "string", "maxLength": MAX_NAME}),
                   "isDefault": {"type": "boolean"}}, ["code", "isDefault"])


def _update_body() -> Schema:
    return closed({"name": nullable({"type": "string", "minLength": 1, "maxLength": MAX_NAME}),
                   "isDefault": {"type": "boolean"}})
