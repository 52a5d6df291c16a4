"""The media library (``/admin/media``) and the media field of edit forms.

Files belong to the upload plugin; the admin reaches them only through the
service the plugin provides (``app.service("upload")``: ``find``, ``find_one``,
``upload``, ``update_info``, ``delete``, ``answer``), with an open
:class:`~cms.permissions.Access`: an admin is not a REST caller, so no grant
applies and no ``uploaderId`` is recorded. Uploads stream the multipart body to
the plugin's temp folder with the plugin's own parser, under its
``size_limit`` and ``max_files`` (a body larger than the limit is refused with
413, from its ``Content-Length`` before reading, else as soon as it passes it).

Pages and endpoints (all under the admin's session; every POST carries the
CSRF token, as a form field or the ``X-CSRFToken`` header):

| route | what |
|---|---|
| ``GET /admin/media`` | the grid: ``q`` (name contains), ``type`` (images, videos, audios, files), ``sort``, ``page``, ``pageSize`` |
| ``GET/POST /admin/media/{id}`` | one file: preview, details, the entries using it; the form for name, alternative text, caption |
| ``POST /admin/media/{id}/delete`` | delete the file (its stored bytes too; entries lose the link) |
| ``GET /admin/media/api/files`` | JSON: a page of files as cards (the grid's parameters, or ``ids=3,1``), for the pickers |
| ``GET /admin/media/api/files/{id}`` | JSON: one card and the entries using the file (the delete confirmation) |
| ``POST /admin/media/api/upload`` | multipart ``files`` (and optional ``fileInfo``): 201 with the new cards |

Every admin may browse, upload and pick files; changing a file's information
or deleting it is for editors and super-admins (authors cannot be told which
files are theirs: uploads record no uploader).

A ``"type": "media"`` attribute becomes a :class:`MediaOne` or
:class:`MediaMany` field: thumbnails of the chosen files, a picker over the
library, uploads in place and, for ``multiple``, an order the editor sets.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.status import HTTP_303_SEE_OTHER, HTTP_403_FORBIDDEN
from starlette_admin import HasMany, HasOne
from starlette_admin.flash import flash
from starlette_admin.helpers import static_url
from starlette_admin.routing import route
from starlette_admin.types import RequestAction
from starlette_admin.views import CustomView

from admin.auth import account_of
from admin.fields import display_field, label_of
from admin.urls import edit_url
from cms.documents import DocumentService
from cms.errors import ApplicationError, NotFoundError, ValidationError
from cms.permissions import Access
from cms.query.ast import And, Condition, Node, Not, Or, Pagination, Query, SortKey

if TYPE_CHECKING:
    from cms.content import Attribute
    from admin.site import Site

FILE_UID = "plugin::upload.file"
#: Strapi's kinds of file (a media attribute's ``allowedTypes``) → MIME family
KINDS = {"images": "image/", "videos": "video/", "audios": "audio/", "files": None}
KIND_LABELS = {"images": "Images", "videos": "Videos", "audios": "Audio", "files": "Other files"}
ICONS = {"images": "fa-solid fa-file-image", "videos": "fa-solid fa-file-video",
         "audios": "fa-solid fa-file-audio", "files": "fa-solid fa-file"}
MIME_ICONS = {"application/pdf": "fa-solid fa-file-pdf", "application/zip": "fa-solid fa-file-zipper",
              "text/csv": "fa-solid fa-file-csv", "application/json": "fa-solid fa-file-code"}
#: the grid's sort choices: key → (label, path, descending)
SORTS = {
    "createdAt:desc": ("Newest first", "createdAt", True),
    "createdAt:asc": ("Oldest first", "createdAt", False),
    "name:asc": ("Name A–Z", "name", False),
    "name:desc": ("Name Z–A", "name", True),
    "size:desc": ("Largest first", "size", True),
    "size:asc": ("Smallest first", "size", False),
}
DEFAULT_SORT = "createdAt:desc"
PAGE_SIZES = (12, 24, 48, 96)
DEFAULT_PAGE_SIZE = 24
MAX_IDS = 100
#: the file attributes a media field loads for its thumbnails
CARD_FIELDS = ("name", "alternativeText", "caption", "width", "height", "formats", "ext", "mime", "size", "url",
               "provider")
#: entries listed per attribute in "used by" (the total is always given)
USAGE_LIMIT = 50
JSON_HEADERS = {"Cache-Control": "no-store"}


def kind_of(mime: str) -> str:
    """Strapi's kind of a file: images, videos, audios, or files."""
    family = mime.split("/", 1)[0]
    return {"image": "images", "video": "videos", "audio": "audios"}.get(family, "files")


def size_text(kilobytes: float | None) -> str:
    """A file object's ``size`` (kB of 1000 bytes) for people: ``12.3 KB``, ``4.5 MB``."""
    if kilobytes is None:
        return ""
    value = float(kilobytes)
    if value < 0.1:
        return "< 0.1 KB"
    for unit in ("KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if value >= 100 else f"{value:.1f} {unit}".replace(".0 ", " ")
        value /= 1000
    return ""  # pragma: no cover


def bytes_text(size: int) -> str:
    return size_text(size / 1000)


def card(file: dict[str, Any]) -> dict[str, Any]:
    """A file object (as the service answers it) → what the grid and the pickers show.

    The thumbnail is the ``thumbnail`` format if there is one, else the file
    itself for images (small ones have no formats), else None (an icon by type).
    """
    mime = str(file.get("mime") or "")
    kind = kind_of(mime)
    formats = file.get("formats") if isinstance(file.get("formats"), dict) else {}
    thumbnail = (formats.get("thumbnail") or {}).get("url") if isinstance(formats.get("thumbnail"), dict) else None
    if thumbnail is None and kind == "images":
        thumbnail = file.get("url")
    preview = None
    if kind == "images":
        for name in ("medium", "small", "large"):
            item = formats.get(name)
            if isinstance(item, dict) and item.get("url"):
                preview = item["url"]
                break
        preview = preview or file.get("url")
    icon = MIME_ICONS.get(mime) or ("fa-solid fa-file-lines" if mime.startswith("text/") else ICONS[kind])
    size = file.get("size")
    return {
        "id": file.get("id"), "documentId": file.get("documentId"), "name": file.get("name") or "",
        "alternativeText": file.get("alternativeText"), "caption": file.get("caption"),
        "mime": mime, "ext": file.get("ext") or "", "size": float(size) if size is not None else None,
        "sizeText": size_text(size), "width": file.get("width"), "height": file.get("height"),
        "url": file.get("url"), "thumbnail": thumbnail, "preview": preview, "kind": kind, "icon": icon,
        "createdAt": _text(file.get("createdAt")), "updatedAt": _text(file.get("updatedAt")),
    }


def _text(value: Any) -> str | None:
    return value if value is None or isinstance(value, str) else str(value)


def kinds_filter(kinds: list[str]) -> Node | None:
    """Files of any of ``kinds`` (Strapi's: images, videos, audios, files = anything else)."""
    families = [f for f in (KINDS.get(k) for k in kinds if k != "files") if f]
    parts: list[Node] = [Condition(("mime",), "$startsWith", family) for family in families]
    if "files" in kinds:
        parts.append(And(tuple(Not(Condition(("mime",), "$startsWith", f)) for f in KINDS.values() if f)))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else Or(tuple(parts))


@dataclass(frozen=True)
class Listing:
    """The grid's (and the pickers') parameters, read leniently: anything unknown is the default."""

    q: str = ""
    kinds: tuple[str, ...] = ()
    sort: str = DEFAULT_SORT
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    @classmethod
    def of(cls, request: Request, page_sizes: tuple[int, ...] = PAGE_SIZES) -> Listing:
        params = request.query_params
        kinds = tuple(k for k in str(params.get("type") or "").split(",") if k in KINDS)
        sort = str(params.get("sort") or DEFAULT_SORT)
        page_size = _int(params.get("pageSize"), DEFAULT_PAGE_SIZE)
        return cls(q=str(params.get("q") or "").strip()[:200], kinds=kinds,
                   sort=sort if sort in SORTS else DEFAULT_SORT, page=max(1, min(_int(params.get("page"), 1), 10**6)),
                   page_size=page_size if page_size in page_sizes else DEFAULT_PAGE_SIZE)

    def filters(self) -> Node | None:
        parts = [p for p in (Condition(("name",), "$containsi", self.q) if self.q else None,
                             kinds_filter(list(self.kinds))) if p is not None]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def query(self) -> Query:
        _, path, descending = SORTS[self.sort]
        offset = (self.page - 1) * self.page_size
        return Query(filters=self.filters(), sort=(SortKey((path,), descending),),
                     pagination=Pagination("page", offset, self.page_size, with_count=False, page=self.page,
                                           page_size=self.page_size))

    def params(self, **changes: Any) -> str:
        """This listing's query string with ``changes`` (defaults left out)."""
        values = {"q": self.q, "type": ",".join(self.kinds), "sort": self.sort, "page": self.page,
                  "pageSize": self.page_size, **changes}
        defaults = {"q": "", "type": "", "sort": DEFAULT_SORT, "page": 1, "pageSize": DEFAULT_PAGE_SIZE}
        return urlencode({k: v for k, v in values.items() if v != defaults[k]})


def _int(value: Any, default: int) -> int:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) < 10 else default


def error_response(exc: ApplicationError) -> JSONResponse:
    """An error as the admin's JSON endpoints answer it (Strapi's names, no ``data``)."""
    body = {"error": {"status": exc.status, "name": exc.name, "message": exc.message}}
    return JSONResponse(body, status_code=exc.status, headers=JSON_HEADERS)


class MediaLibrary(CustomView):
    """The upload plugin's files as a grid, with uploads, edits and deletes."""

    def __init__(self, site: Site) -> None:
        super().__init__(menu_label="Media library", icon="fa-solid fa-photo-film", path="/media",
                         route_name="media")
        self.site = site
        self.app = site.app
        site.admin.templates.env.globals["media_config"] = self.config

    # -- who may do what ------------------------------------------------------------------

    def is_accessible(self, request: Request) -> bool:
        return account_of(request) is not None

    def is_active(self, request: Request) -> bool:
        base = request.scope["root_path"] + self.path
        return request.scope["path"] == base or request.scope["path"].startswith(base + "/")

    @staticmethod
    def may_change(request: Request) -> bool:
        """Editing a file's information and deleting it: editors and super-admins."""
        account = account_of(request)
        return account is not None and not account.is_author

    def _refuse_authors(self, request: Request) -> None:
        if not self.may_change(request):
            raise HTTPException(HTTP_403_FORBIDDEN, "Authors can upload and pick files, not change or delete them.")

    @property
    def files(self) -> Any:
        """The upload plugin's service (it may register after the admin: asked for at request time)."""
        service = self.app.service("upload")
        if service is None:
            raise HTTPException(404, "The upload plugin is not enabled.")
        return service

    def config(self, request: Request) -> dict[str, Any]:
        """What the pages' JavaScript needs: endpoints and limits."""
        service = self.app.service("upload")
        limit = service.config.size_limit if service is not None else 0
        return {"api": str(request.url_for("admin:media-api-files")),
                "upload": str(request.url_for("admin:media-api-upload")),
                "library": str(request.url_for("admin:media")),
                "sizeLimit": limit, "sizeLimitText": bytes_text(limit),
                "maxFiles": service.config.max_files if service is not None else 0}

    def render(self, request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
        assert self._admin is not None
        return self._admin._template_response(request, name, {"title": self.menu_label, "page": self,
                                                              "may_change": self.may_change(request), **context},
                                              status_code=status_code)

    # -- reads ------------------------------------------------------------------------------

    async def listing(self, listing: Listing) -> tuple[list[dict[str, Any]], int]:
        files = self.files
        found = await files.find(listing.query(), Access())
        total = await DocumentService(self.app, FILE_UID).count(Query(filters=listing.filters()))
        return [card(f) for f in found], total

    async def one(self, file_id: int) -> dict[str, Any]:
        """The file object, or 404."""
        try:
            return dict(self.files.answer(await self.files.find_one(file_id, Access())))
        except NotFoundError:
            raise HTTPException(404, "No such file.") from None

    async def usage(self, request: Request, file_id: int) -> list[dict[str, Any]]:
        """Every entry linking to the file, per content type and attribute (up to USAGE_LIMIT each)."""
        groups = []
        registry = self.app.registry
        for ct in registry:
            for attr in ct.attributes.values():
                if not attr.is_relation or not attr.target or attr.target not in registry:
                    continue
                if registry.get(attr.target).uid != FILE_UID:
                    continue
                label = display_field(ct)
                query = Query(filters=Condition((attr.name, "id"), "$eq", file_id),
                              fields=(label,) if label else (), sort=(SortKey(("id",)),),
                              pagination=Pagination("offset", 0, USAGE_LIMIT, with_count=True))
                documents, total = await DocumentService(self.app, ct.uid).find_many(query)
                if not documents:
                    continue
                key = self.site.key_for(ct.uid)
                entries = [{"id": d["id"], "label": str(d.get(label) or "") or f"{ct.display_name} #{d['id']}",
                            "url": edit_url(request, key, d["id"]) if key else None} for d in documents]
                groups.append({"type": ct.display_name, "uid": ct.uid, "attribute": attr.name,
                               "attributeLabel": label_of(attr.name), "entries": entries,
                               "total": total if total is not None else len(entries)})
        return groups

    # -- pages ------------------------------------------------------------------------------

    @route("", name="media")
    async def index(self, request: Request) -> Response:
        listing = Listing.of(request)
        cards, total = await self.listing(listing)
        pages = max(1, math.ceil(total / listing.page_size))
        uploaded = {_int(i, 0) for i in str(request.query_params.get("uploaded") or "").split(",")[:MAX_IDS]}
        return self.render(request, "media/library.html", listing=listing, cards=cards, total=total, pages=pages,
                           sorts=SORTS, kinds=KIND_LABELS, page_sizes=PAGE_SIZES, uploaded=uploaded - {0},
                           config=self.config(request))

    @route("/{file_id:int}", methods=["GET", "POST"], name="media-file")
    async def file(self, request: Request) -> Response:
        file_id = int(request.path_params["file_id"])
        file = await self.one(file_id)
        errors: dict[str, str] = {}
        values = {k: file.get(k) or "" for k in ("name", "alternativeText", "caption")}
        if request.method == "POST":
            self._refuse_authors(request)
            form = await request.form()
            values = {k: str(form.get(k) or "") for k in ("name", "alternativeText", "caption")}
            errors = await self.update(file_id, values)
            if not errors:
                flash(request, f'"{values["name"].strip()}" saved.', "success")
                return RedirectResponse(request.url_for("admin:media-file", file_id=file_id),
                                        status_code=HTTP_303_SEE_OTHER)
        return self.render(request, "media/file.html", status_code=422 if errors else 200, file=card(file),
                           raw=file, values=values, errors=errors, usage=await self.usage(request, file_id),
                           config=self.config(request))

    async def update(self, file_id: int, values: dict[str, str]) -> dict[str, str]:
        """Save name, alternative text and caption; the errors by field (empty: saved)."""
        if not values["name"].strip():
            return {"name": "A file needs a name."}
        try:
            info = self.files.parse_infos([{**values, "name": values["name"].strip()}])[0]  # the plugin's checks
            await self.files.update_info(file_id, info, Access())
        except NotFoundError:
            raise HTTPException(404, "No such file.") from None
        except ApplicationError as exc:
            errors: dict[str, str] = {}
            for item in exc.details.get("errors") or []:
                path = item.get("path") or []
                errors.setdefault(str(path[0]) if path else "_form", item.get("message") or exc.message)
            key = exc.details.get("key")
            return errors or {str(key) if key in values else "_form": exc.message}
        return {}

    @route("/{file_id:int}/delete", methods=["POST"], name="media-delete")
    async def delete(self, request: Request) -> Response:
        self._refuse_authors(request)
        file_id = int(request.path_params["file_id"])
        file = await self.one(file_id)
        used = sum(group["total"] for group in await self.usage(request, file_id))
        try:
            await self.files.delete(file_id, Access())
        except NotFoundError:
            raise HTTPException(404, "No such file.") from None
        except ApplicationError as exc:  # e.g. a lifecycle hook refusing
            flash(request, f'"{file["name"]}" was not deleted: {exc.message}', "error")
            return RedirectResponse(request.url_for("admin:media-file", file_id=file_id),
                                    status_code=HTTP_303_SEE_OTHER)
        unlinked = f"; {used} {'entry no longer links' if used == 1 else 'entries no longer link'} to it" if used else ""
        flash(request, f'"{file["name"]}" deleted{unlinked}.', "success")
        back = str(request.url_for("admin:media"))
        origin = str(request.query_params.get("back") or "")
        if origin.startswith("?"):  # the grid's filters and page, nothing else
            back += origin
        return RedirectResponse(back, status_code=HTTP_303_SEE_OTHER)

    # -- JSON -------------------------------------------------------------------------------

    @route("/api/files", name="media-api-files")
    async def api_files(self, request: Request) -> Response:
        raw_ids = str(request.query_params.get("ids") or "")
        if raw_ids:
            ids = [int(i) for i in raw_ids.split(",") if i.strip().isdigit() and len(i.strip()) < 10][:MAX_IDS]
            found = await self.files.find(Query(filters=Condition(("id",), "$in", ids),
                                                pagination=Pagination("offset", 0, MAX_IDS, with_count=False)),
                                          Access()) if ids else []
            by_id = {f["id"]: card(f) for f in found}
            data = [by_id[i] for i in dict.fromkeys(ids) if i in by_id]
            return JSONResponse({"data": data, "meta": {}}, headers=JSON_HEADERS)
        listing = Listing.of(request, page_sizes=(*PAGE_SIZES, 100))
        cards, total = await self.listing(listing)
        return JSONResponse({"data": cards, "meta": {"pagination": {
            "page": listing.page, "pageSize": listing.page_size,
            "pageCount": max(1, math.ceil(total / listing.page_size)), "total": total}}}, headers=JSON_HEADERS)

    @route("/api/files/{file_id:int}", name="media-api-file")
    async def api_file(self, request: Request) -> Response:
        file_id = int(request.path_params["file_id"])
        try:
            file = self.files.answer(await self.files.find_one(file_id, Access()))
        except NotFoundError as exc:
            return error_response(NotFoundError("file.notFound", exc.details))
        return JSONResponse({"data": card(file), "usage": await self.usage(request, file_id),
                             "mayChange": self.may_change(request)}, headers=JSON_HEADERS)

    @route("/api/upload", methods=["POST"], name="media-api-upload")
    async def api_upload(self, request: Request) -> Response:
        files = self.files
        try:
            form = await files.read_form(_chunks(request), request.headers.get("content-type", ""))
        except ApplicationError as exc:
            return error_response(exc)
        try:
            if not form.files:
                raise ValidationError("Files are empty")
            infos = files.parse_infos(form.fields.get("fileInfo", []))
            created = await files.upload(form.files, infos, Access())
        except ApplicationError as exc:
            return error_response(exc)
        finally:
            form.discard()
        return JSONResponse({"data": [card(f) for f in created]}, status_code=201, headers=JSON_HEADERS)


async def _chunks(request: Request) -> AsyncIterator[bytes]:
    """The body as it arrives. Its size (the upload plugin's ``size_limit``) and its pace
    (``api.body_timeout`` a chunk) are enforced in front of the admin, by the
    :class:`cms.asgi.BodyLimit` that :meth:`admin.site.Site.asgi` puts around it."""
    async for chunk in request.stream():
        if chunk:
            yield chunk


def library(site: Site) -> MediaLibrary | None:
    """The page, when the upload plugin is enabled (its service is asked for when a page is shown)."""
    return MediaLibrary(site) if any(loaded.name == "upload" for loaded in site.app.plugins) else None


# -- the media field of edit forms ---------------------------------------------------------


class _Media:
    """Shared by :class:`MediaOne` and :class:`MediaMany`: files shown as cards, picked in a dialog.

    Values are the file entries the view populated (``CARD_FIELDS``); they are
    serialized as cards (``card``) on every page but exports, which keep ids.
    After a refused submit the form shows the submitted ids, and the widget's
    script fetches their cards.
    """

    async def _card(self, request: Request, value: Any) -> Any:
        if not hasattr(value, "id"):
            return value
        document = {"id": value.id, "documentId": getattr(value, "documentId", None),
                    **{name: getattr(value, name, None) for name in CARD_FIELDS}}
        view = getattr(self, "_view", None)
        service = view.app.service("upload") if view is not None else None
        return card(service.answer(document) if service is not None else document)

    async def serialize_value(self, request: Request, value: Any) -> Any:
        if request.state.action == RequestAction.EXPORT:
            return await super().serialize_value(request, value)  # type: ignore[misc]
        if getattr(self, "multiple", False):
            return [await self._card(request, v) for v in value]
        return await self._card(request, value)

    def additional_css_links(self, request: Request) -> list[str]:
        return [static_url(request, "media.css", v=1)]

    def additional_js_links(self, request: Request) -> list[str]:
        if request.state.action.is_form():
            return [static_url(request, "media.js", v=1)]
        return []


class MediaOne(_Media, HasOne):
    """One file (``"multiple": false``)."""


class MediaMany(_Media, HasMany):
    """A list of files, in the order the editor sets."""


def media_field(attr: Attribute, target_key: str) -> HasOne:
    """A media attribute's field. It stays a relation field (filters by file name or id, never sorted)."""
    cls = MediaMany if attr.is_to_many else MediaOne
    allowed = [k for k in attr.allowed_types if k in KINDS]
    rules = []
    if allowed:
        rules.append(", ".join(KIND_LABELS[k].lower() for k in allowed) + " only")
    if attr.required:
        rules.append("required")
    return cls(attr.name, label=label_of(attr.name), key=target_key, exclude_from_list=attr.is_to_many,
               help_text=" · ".join(rules) or None, extra={"label_field": "name", "allowed_types": allowed},
               form_template="media/field_form.html", detail_template="media/field_detail.html",
               list_template="media/field_list.html")
