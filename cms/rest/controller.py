"""The fixed pipeline of every generated endpoint.

authorise → parse and validate the query → (validate the body, in the
service) → service → envelope. The controller never touches the database; the
:class:`~cms.documents.DocumentService` does, and strips nothing because the
reader never selects private or password columns in the first place.
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import orjson
from sanic import Request
from sanic.response import HTTPResponse

from cms.content import ContentType
from cms.documents import DRAFT, PUBLISHED, DocumentService
from cms.errors import BodySyntaxError, NotFoundError, ValidationError
from cms.locales import ALL_LOCALES
from cms.permissions import Access, action_name
from cms.query.ast import Pagination, Query
from cms.query.params import Limits, parse_query
from cms.query.qs import parse_qs

if TYPE_CHECKING:
    from cms.app import CMS

JSON = "application/json; charset=utf-8"
QUERY_CACHE_SIZE = 512
_MISSING_DATA = 'Missing "data" payload in the request body'
#: what Strapi's documentIds look like (24 lower-case letters and digits)
_DOCUMENT_ID = re.compile(r"[a-z0-9]{24}")


def respond(body: Any, status: int = 200) -> HTTPResponse:
    return HTTPResponse(orjson.dumps(body), status=status, content_type=JSON)


def pagination_meta(page: Pagination | None, total: int | None) -> dict[str, Any]:
    """``meta.pagination`` exactly as Strapi shapes it for each mode."""
    if page is None:
        return {}
    if page.mode == "offset":
        meta: dict[str, Any] = {"start": page.offset, "limit": page.limit if page.limit is not None else -1}
        if total is not None:
            meta["total"] = total
        return {"pagination": meta}
    meta = {"page": page.page, "pageSize": page.page_size}
    if total is not None:
        meta["pageCount"] = math.ceil(total / page.page_size) if page.page_size > 0 else 0
        meta["total"] = total
    return {"pagination": meta}


def read_data(request: Request) -> Any:
    """The ``data`` object of a JSON body, or Strapi's 400. A body sent with another content
    type is not read as JSON (Strapi's body parser leaves it aside): its ``data`` is missing."""
    if not request.body or not _is_json(request.headers.get("content-type", "")):
        raise ValidationError(_MISSING_DATA)
    try:
        body = orjson.loads(request.body)
    except orjson.JSONDecodeError as exc:
        raise BodySyntaxError(str(exc)) from exc
    if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
        raise ValidationError(_MISSING_DATA)
    return body["data"]


def _is_json(content_type: str) -> bool:
    """``application/json`` or any ``+json`` type, with or without parameters."""
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


class Controller:
    """find, findOne, create, update, delete for one content type."""

    def __init__(self, app: CMS, ct: ContentType) -> None:
        self.app = app
        self.ct = ct
        self.service = DocumentService(app, ct.uid)
        #: draft & publish: REST reads and writes are ``published`` unless ``?status=draft``
        #: (Strapi's content API; the document service's own default is ``draft``)
        self.status = PUBLISHED if ct.draft_and_publish else None
        api = app.settings.api
        self.limits = Limits(default_limit=api.default_limit, max_limit=api.max_limit, with_count=api.with_count)
        self.strict = api.strict_params
        self._queries: OrderedDict[tuple[str, str, str], Query] = OrderedDict()

    async def authorize(self, request: Request, action: str) -> Access:
        return await self.app.authorizer(request, action_name(self.ct, action), self.ct)

    def query(self, request: Request, access: Access, action: str) -> Query:
        """The parsed query; the same query string from the same role parses once.

        Parsing depends only on the string, the action and what the caller's
        role may read (``access.caller`` names the role, or the token), so its
        result is kept in a small LRU.
        """
        reader = access.caller.get("role") or access.caller.get("token") or ""
        key = (request.query_string, action, str(reader))
        cached = self._queries.get(key)
        if cached is not None:
            self._queries.move_to_end(key)
            return cached
        raw = parse_qs(request.query_string, strict_null_handling=True)
        parsed = parse_query(self.ct, raw, registry=self.app.registry, limits=self.limits,
                             action=action, can_read=access.can_read, strict=self.strict,
                             visible=access.visible)  # type: ignore[arg-type]
        if self.status is not None and parsed.status is None:  # draft & publish: REST's default
            parsed = replace(parsed, status=self.status)
        self._queries[key] = parsed
        if len(self._queries) > QUERY_CACHE_SIZE:
            self._queries.popitem(last=False)
        return parsed

    # -- collection types -----------------------------------------------------------

    async def find(self, request: Request) -> HTTPResponse:
        access = await self.authorize(request, "find")
        query = self.query(request, access, "find")
        documents, total = await self.service.find_many(query, access)
        return respond({"data": documents, "meta": pagination_meta(query.pagination, total)})

    async def find_one(self, request: Request, document_id: str) -> HTTPResponse:
        access = await self.authorize(request, "findOne")
        query = self.query(request, access, "findOne")
        return respond({"data": await self.service.find_one(document_id, query, access), "meta": {}})

    async def create(self, request: Request) -> HTTPResponse:
        access = await self.authorize(request, "create")
        query = self.query(request, access, "findOne")
        document = await self.service.create(read_data(request), access, query, status=query.status,
                                             locale=query.locale)
        return respond({"data": document, "meta": {}}, status=201)

    async def update(self, request: Request, document_id: str) -> HTTPResponse:
        access = await self.authorize(request, "update")
        query = self.query(request, access, "findOne")
        document = await self.service.update(document_id, read_data(request), access, query, status=query.status,
                                             locale=query.locale)
        return respond({"data": document, "meta": {}})

    async def delete(self, request: Request, document_id: str) -> HTTPResponse:
        """204 whether or not there was such a document, as Strapi answers a well-formed
        documentId: deleting twice is not an error, and an entry the caller may not see
        reads exactly like one that does not exist. A malformed documentId is a 404."""
        access = await self.authorize(request, "delete")
        query = self.query(request, access, "findOne")
        try:
            await self.service.delete(document_id, access, locale=query.locale)
        except NotFoundError:
            if not _DOCUMENT_ID.fullmatch(document_id):
                raise
        return HTTPResponse(status=204)

    # -- single types ---------------------------------------------------------------

    async def find_single(self, request: Request) -> HTTPResponse:
        access = await self.authorize(request, "find")
        query = self.query(request, access, "findOne")
        document = await self.service.find_first(query, access)
        if document is None:
            raise NotFoundError()
        return respond({"data": document, "meta": {}})

    async def update_single(self, request: Request) -> HTTPResponse:
        """PUT on a single type creates it the first time, as in Strapi."""
        access = await self.authorize(request, "update")
        query = self.query(request, access, "findOne")
        data = read_data(request)
        status, locale = query.status, query.locale
        current = await self.service.find_first(Query(fields=(), status=DRAFT if status else None, locale=locale), access)
        document_id = current["documentId"] if current is not None else await self.service.single_document_id()
        if document_id is None:
            document = await self.service.create(data, access, query, status=status, locale=locale)
        else:  # of a localized single type, a locale it lacks is added to its one document
            document = await self.service.update(document_id, data, access, query, status=status, locale=locale)
        return respond({"data": document, "meta": {}})

    async def delete_single(self, request: Request) -> HTTPResponse:
        access = await self.authorize(request, "delete")
        query = self.query(request, access, "findOne")
        locale = query.locale if query.locale != ALL_LOCALES else None
        current = await self.service.find_first(
            Query(fields=(), status=DRAFT if self.status else None, locale=locale), access)
        if current is None:
            raise NotFoundError()
        await self.service.delete(current["documentId"], access, locale=query.locale)
        return HTTPResponse(status=204)
