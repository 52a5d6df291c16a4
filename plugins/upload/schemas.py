"""The OpenAPI side of the upload routes: the file object, the multipart body, the parameters.

Filters, sort and fields are described from a view of the file type without
``uploaderId`` (callers cannot select, filter or sort on it), under the name
``UploadFile``, so the document says exactly what :mod:`plugins.upload.routes`
accepts and answers.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from cms.content import ContentType
from cms.rest.openapi import closed, filters_schema, json_response, nullable, query_parameters, ref

if TYPE_CHECKING:
    from cms.app import CMS

Schema = dict[str, Any]
TEXT, INTEGER, NUMBER = {"type": "string"}, {"type": "integer"}, {"type": "number"}
STAMP = {"type": "string", "format": "date-time"}


def view(ct: ContentType) -> ContentType:
    """The file type as callers see it (``uploaderId`` is private), named ``UploadFile``."""
    return replace(ct, singular_name="upload-file")


def declare(app: CMS, ct: ContentType) -> None:
    shown = view(ct)
    fmt = {"name": TEXT, "hash": TEXT, "ext": TEXT, "mime": TEXT, "path": {"type": "null"}, "width": INTEGER,
           "height": INTEGER, "size": NUMBER, "sizeInBytes": INTEGER, "url": TEXT}
    app.add_openapi_schema("UploadFileFormat", closed(fmt, list(fmt)))
    document = {
        "id": INTEGER, "documentId": TEXT, "name": TEXT, "alternativeText": nullable(TEXT),
        "caption": nullable(TEXT), "focalPoint": {}, "width": nullable(INTEGER), "height": nullable(INTEGER),
        "formats": nullable({"type": "object", "additionalProperties": ref("UploadFileFormat")}),
        "hash": TEXT, "ext": nullable(TEXT), "mime": TEXT, "size": NUMBER, "url": TEXT,
        "previewUrl": nullable(TEXT), "provider": TEXT, "provider_metadata": {},
        "createdAt": STAMP, "updatedAt": STAMP, "publishedAt": nullable(STAMP),
        "isUrlSigned": {"type": "boolean", "description": "url (and the formats' urls) are presigned, "
                                                          "time-limited URLs of a private store"}}
    app.add_openapi_schema("UploadFile", closed(document, ["id", "documentId", "isUrlSigned"],
                                                description="An uploaded file (Strapi's file object)"))
    app.add_openapi_schema("UploadFileFilters", filters_schema(shown))


def parameters(ct: ContentType, action: str) -> list[Schema]:
    return query_parameters(view(ct), action)


def upload_body() -> Schema:
    binary = {"type": "string", "format": "binary"}
    info = {"type": "string", "description": 'JSON: {"name", "alternativeText", "caption"}'}
    form = {"type": "object", "properties": {
        "files": {"anyOf": [binary, {"type": "array", "items": binary}]},
        "fileInfo": {"anyOf": [info, {"type": "array", "items": info}]}}}
    fields = closed({"name": nullable(TEXT), "alternativeText": nullable(TEXT), "caption": nullable(TEXT),
                     "folder": {}})
    as_json = {"type": "object", "properties": {"fileInfo": fields}}
    return {"required": True, "content": {"multipart/form-data": {"schema": form},
                                          "application/json": {"schema": as_json}}}


def one_file(description: str, status: str = "200") -> Schema:
    return {status: json_response(ref("UploadFile"), description)}


def many_files(description: str, status: str = "200") -> Schema:
    return {status: json_response({"type": "array", "items": ref("UploadFile")}, description)}
