"""Strapi's content-API upload routes: bare JSON answers, Strapi's error envelope.

| route | action | answer |
|---|---|---|
| ``POST /api/upload`` (multipart ``files``, ``fileInfo``) | ``upload`` | 201, array of files |
| ``POST /api/upload?id=<id>`` (``fileInfo``; or one file: replace) | ``upload`` | 200, the file |
| ``GET /api/upload/files`` | ``find`` | array of files |
| ``GET /api/upload/files/:id`` | ``findOne`` | the file, or 404 ``file.notFound`` |
| ``DELETE /api/upload/files/:id`` | ``destroy`` | the deleted file |

Actions are ``plugin::upload.content-api.<action>``, checked through the
core's authorizer before anything is read: an upload the caller may not make
is refused (and its connection closed) before its body is received. The upload
route streams its body (``size_limit``); see :mod:`plugins.upload.multipart`.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import orjson
from sanic import Request
from sanic.response import HTTPResponse

from cms.errors import BodySyntaxError, NotFoundError, PayloadTooLargeError, ValidationError
from cms.query.params import Limits, parse_query
from cms.query.qs import parse_qs
from cms.rest.openapi import route_operation
from plugins.upload import schemas
from plugins.upload.fileinfo import FileInfo, parse_infos
from plugins.upload.multipart import Form, boundary_of, read_form
from plugins.upload.service import FILE_UID, MAX_ID, Files

if TYPE_CHECKING:
    from cms.app import CMS
    from cms.permissions import Access
    from plugins.upload.config import UploadConfig

ACTION = "plugin::upload.content-api"
ACTIONS = tuple(f"{ACTION}.{a}" for a in ("upload", "find", "findOne", "destroy"))
TAG = "upload"


def respond(body: Any, status: int = 200) -> HTTPResponse:
    return HTTPResponse(orjson.dumps(body), status=status, content_type="application/json; charset=utf-8")


def bind_routes(app: CMS, files: Files, config: UploadConfig) -> None:
    """Add the five routes (with their OpenAPI operations) and declare the actions."""
    prefix = app.settings.api.prefix.rstrip("/")
    ct = app.registry.get(FILE_UID)
    api = app.settings.api
    limits = Limits(default_limit=api.default_limit, max_limit=api.max_limit, with_count=api.with_count)

    async def authorize(request: Request, action: str) -> Access:
        return await app.authorizer(request, f"{ACTION}.{action}", ct)

    def query(request: Request, access: Access, action: str) -> Any:
        """Strapi's query parameters (``uploaderId`` is private: an Invalid key to callers)."""
        raw = parse_qs(request.query_string, strict_null_handling=True)
        return parse_query(ct, raw, registry=app.registry, limits=limits, action=action,  # type: ignore[arg-type]
                           can_read=access.can_read, strict=api.strict_params, visible=access.visible)

    async def upload(request: Request) -> HTTPResponse:
        file_id = _target_id(request)
        access = await authorize(request, "upload")
        form = await _read_body(request, files, config, api.max_body_bytes)
        try:
            infos = parse_infos(form.fields.get("fileInfo", []))
            if not form.files:
                if file_id is None:
                    raise ValidationError("Files are empty")
                return respond(await files.update_info(file_id, infos[0] if infos else FileInfo(), access))
            if file_id is not None:
                if len(form.files) > 1:
                    raise ValidationError("Cannot replace a file with multiple ones")
                info = infos[0] if infos else FileInfo()
                return respond(await files.replace(file_id, form.files[0], info, access))
            return respond(await files.upload(form.files, infos, access), status=201)
        finally:
            form.discard()

    async def find(request: Request) -> HTTPResponse:
        access = await authorize(request, "find")
        return respond(await files.find(query(request, access, "find"), access))

    async def find_one(request: Request, file_id: int) -> HTTPResponse:
        access = await authorize(request, "findOne")
        return respond(files.answer(await files.find_one(file_id, access, query(request, access, "findOne"))))

    async def destroy(request: Request, file_id: int) -> HTTPResponse:
        access = await authorize(request, "destroy")
        return respond(await files.delete(file_id, access))

    schemas.declare(app, ct)
    errors = (400, 401, 403, 404, 408, 429, 500)
    target = {"name": "id", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1},
              "description": "Update this file's fileInfo (no files sent) or replace its bytes (one file)"}
    app.add_route(upload, f"{prefix}/upload", ["POST"], name="upload_upload", stream=True,
                  max_body_bytes=config.size_limit, openapi=route_operation(
                      "upload.upload", TAG, "Upload files (multipart field `files`, optional `fileInfo`)",
                      {**schemas.many_files("The stored files", "201"),
                       **schemas.one_file("The file, updated (with `?id=`)")},
                      body=schemas.upload_body(), parameters=[target], errors=errors))
    app.add_route(find, f"{prefix}/upload/files", ["GET"], name="upload_find", openapi=route_operation(
        "upload.find", TAG, "Files (a bare array)", schemas.many_files("The files"),
        parameters=schemas.parameters(ct, "find")))
    by_id = (400, 401, 403, 404, 429, 500)
    app.add_route(find_one, f"{prefix}/upload/files/<file_id:int>", ["GET"], name="upload_find_one",
                  openapi=route_operation("upload.findOne", TAG, "A file by id", schemas.one_file("The file"),
                                          parameters=schemas.parameters(ct, "findOne"), errors=by_id))
    app.add_route(destroy, f"{prefix}/upload/files/<file_id:int>", ["DELETE"], name="upload_destroy",
                  openapi=route_operation("upload.destroy", TAG, "Delete a file and its stored bytes",
                                          schemas.one_file("The deleted file"), errors=by_id))
    app.add_actions(ACTIONS)


def _target_id(request: Request) -> int | None:
    """``?id=``: the file to update; anything but a plausible row id names no file (404)."""
    raw = request.args.get("id")
    if raw is None:
        return None
    if not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
        raise NotFoundError("file.notFound")
    return int(raw)


async def _read_body(request: Request, files: Files, config: UploadConfig, json_limit: int) -> Form:
    """A multipart body streamed to temp files; a JSON or URL-encoded body (``fileInfo`` only)
    read whole up to the JSON limit; any other body is left unread (no files)."""
    content_type = request.headers.get("content-type", "")
    boundary = boundary_of(content_type)
    if boundary is not None:
        return await read_form(_chunks(request), boundary, files.temp_dir, config.max_files)
    media = content_type.split(";", 1)[0].strip().lower()
    if media not in ("application/json", "application/x-www-form-urlencoded"):
        return Form()
    body = bytearray()
    async for chunk in _chunks(request):
        body += chunk
        if len(body) > json_limit:
            raise PayloadTooLargeError()
    if media == "application/x-www-form-urlencoded":
        try:
            fields = urllib.parse.parse_qs(body.decode("utf-8", "replace"), max_num_fields=100)
        except ValueError:
            raise ValidationError("Too many fields in the request body") from None
        return Form(fields={"fileInfo": fields["fileInfo"]} if "fileInfo" in fields else {})
    try:
        parsed = orjson.loads(body) if body else {}
    except orjson.JSONDecodeError as exc:
        raise BodySyntaxError(str(exc)) from exc
    info = parsed.get("fileInfo") if isinstance(parsed, dict) else None
    return Form(fields={"fileInfo": [info]} if info is not None else {})


async def _chunks(request: Request) -> AsyncIterator[bytes]:
    stream = request.stream
    if stream is None:  # the body was read already (not a streamed route)
        if request.body:
            yield request.body
        return
    async for chunk in stream:
        yield chunk
