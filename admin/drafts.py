"""Draft & publish in the admin: the status of each document, the status filter, and the
Unpublish / Discard changes actions.

A type with ``options.draftAndPublish`` keeps a draft row and, once published, a
published row per ``documentId`` (see :mod:`cms.documents`). The admin works on
the drafts (lists, forms and detail pages read and write ``status="draft"``);
this module says what each draft's document is:

- **Draft**: never published (no published row), or unpublished since;
- **Published**: a published row exists and the draft was not saved after it was
  last written: ``draft.updatedAt <= published.updatedAt``;
- **Modified**: a published row exists and the draft was saved after it:
  ``draft.updatedAt > published.updatedAt``.

Why the published row's ``updatedAt`` and not its ``publishedAt``: publishing
writes the draft first and the published row after it, so the published row's
``updatedAt`` is the later of the two, while its ``publishedAt`` is taken before
the draft is written when an entry is created and published at once. Discarding
changes copies the published row onto the draft and gives it the published
row's ``updatedAt`` (the core does, :meth:`DocumentService.discard_draft`): the
two are the same content again.

A list page's statuses take one query for the page's documentIds
(:func:`statuses`); the list's *Status* filter takes one query for the whole
type (:func:`status_ids`), turned into a condition on the drafts' row ids, so
pagination and the count are those of the filtered list.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.status import HTTP_303_SEE_OTHER, HTTP_403_FORBIDDEN, HTTP_404_NOT_FOUND
from starlette_admin import CustomView, EnumField, flash
from starlette_admin.routing import route
from starlette_admin.types import RequestAction

from cms.errors import ApplicationError
from cms.query.sql import quote

if TYPE_CHECKING:
    from admin.site import Site
    from admin.views import ContentTypeView

DRAFT, PUBLISHED, MODIFIED = "draft", "published", "modified"
STATUSES = (DRAFT, PUBLISHED, MODIFIED)
LABELS = {DRAFT: "Draft", PUBLISHED: "Published", MODIFIED: "Modified"}
#: the key a status rule takes in the filter fragments until :func:`resolve_filter` replaces it
FILTER_KEY = "__status__"
#: the status's field (list column, detail row, filter) and attribute of the entries; not ``status``,
#: which a content type may have as an attribute of its own (a chat user's presence)
FIELD = "publicationStatus"
#: the value of the form buttons (``name="_continue_editing"``) that publish
PUBLISH_BUTTON = "publish"


class StatusField(EnumField):
    """The list column, detail row and filter of a draft & publish type's status (a badge)."""

    def __init__(self) -> None:
        super().__init__(FIELD, label="Status", choices=[(s, LABELS[s]) for s in STATUSES], read_only=True,
                         exclude_from_create=True, exclude_from_edit=True, exclude_from_export=True,
                         orderable=False)
        self.list_template = "fields/list/status.html"
        self.detail_template = "fields/detail/status.html"

    async def serialize_value(self, request: Request, value: Any) -> Any:
        return value  # the key; the templates show its label as a badge


def status_of(draft_updated: Any, published_updated: Any) -> str:
    """One document's status from its draft's and published row's ``updatedAt`` (None: no row)."""
    if published_updated is None:
        return DRAFT
    if draft_updated is not None and draft_updated > published_updated:
        return MODIFIED
    return PUBLISHED


async def statuses(model: Any, document_ids: Iterable[str], localized: bool = False) -> dict[Any, str]:
    """The status of each document of ``document_ids``: one query (both versions' timestamps).
    Of a localized type each locale's version has its own: keys are ``(documentId, locale)``."""
    wanted = sorted(set(document_ids))
    if not wanted:
        return {}
    drafts: dict[Any, Any] = {}
    published: dict[Any, Any] = {}
    columns = ("documentId", "publishedAt", "updatedAt", *(("locale",) if localized else ()))
    for row in await model.filter(documentId__in=wanted).values(*columns):
        key = (row["documentId"], row["locale"]) if localized else row["documentId"]
        (drafts if row["publishedAt"] is None else published)[key] = row["updatedAt"]
    return {key: status_of(drafts.get(key), published.get(key)) for key in {*drafts, *published}}


async def status_ids(view: ContentTypeView) -> tuple[list[int], list[int]]:
    """Row ids of the drafts whose document is published, and of those that are modified
    (every other draft is a *Draft*): one query over the type's table."""
    ct = view.ct
    table = quote(ct.collection_name)
    locale = " AND p.locale = d.locale" if getattr(ct, "localized", False) else ""
    conn = view.model._meta.db
    _, rows = await conn.execute_query(
        f"SELECT d.id AS id, CASE WHEN d.updated_at > p.updated_at THEN 1 ELSE 0 END AS modified "
        f"FROM {table} d JOIN {table} p ON p.document_id = d.document_id AND p.published_at IS NOT NULL{locale} "
        f"WHERE d.published_at IS NULL")
    published, modified = [], []
    for row in rows:
        (modified if row["modified"] else published).append(int(row["id"]))
    return sorted(published), sorted(modified)


async def resolve_filter(view: ContentTypeView, request: Request, raw: Any) -> Any:
    """``raw`` (the REST filter language) with each status rule (``{FILTER_KEY: {"$in": [...]}}``)
    replaced by a condition on the drafts' ids; the ids are read once per request."""
    if not _has_status_rule(raw):
        return raw
    cache = getattr(request.state, "cms_status_ids", None)
    if cache is None:  # the list page counts and reads: one query for both
        cache = request.state.cms_status_ids = {}
    if view.key not in cache:
        cache[view.key] = await status_ids(view)
    published, modified = cache[view.key]
    return _replace(raw, {PUBLISHED: published, MODIFIED: modified})


def _has_status_rule(raw: Any) -> bool:
    if isinstance(raw, dict):
        return FILTER_KEY in raw or any(_has_status_rule(v) for v in raw.values())
    if isinstance(raw, list):
        return any(_has_status_rule(v) for v in raw)
    return False


def _replace(raw: Any, ids: dict[str, list[int]]) -> Any:
    if isinstance(raw, list):
        return [_replace(v, ids) for v in raw]
    if not isinstance(raw, dict):
        return raw
    if FILTER_KEY in raw:
        ((operator, values),) = raw[FILTER_KEY].items()
        chosen = {str(v) for v in values} & set(STATUSES)
        if operator == "$notIn":
            chosen = set(STATUSES) - chosen
        return _condition(chosen, ids)
    return {k: _replace(v, ids) for k, v in raw.items()}


def _condition(chosen: set[str], ids: dict[str, list[int]]) -> dict[str, Any]:
    """Drafts whose status is one of ``chosen``, as a condition on ``id``: a list of the
    published documents' drafts (or all drafts but those), never of the never-published ones."""
    if not chosen:
        return {"id": {"$null": True}}  # nothing
    if chosen == set(STATUSES):
        return {"id": {"$notNull": True}}  # everything
    if DRAFT in chosen:
        others = [i for status in (PUBLISHED, MODIFIED) if status not in chosen for i in ids[status]]
        return {"id": {"$notIn": others}} if others else {"id": {"$notNull": True}}
    picked = [i for status in (PUBLISHED, MODIFIED) if status in chosen for i in ids[status]]
    return {"id": {"$in": picked}} if picked else {"id": {"$null": True}}


def publishing(form: FormData | None) -> bool:
    """Whether the create or edit form was sent with its *Publish* button."""
    return form is not None and form.get("_continue_editing") == PUBLISH_BUTTON


class Publishing(CustomView):
    """``POST /admin/publishing/{key}/{pk}/unpublish`` and ``.../discard``: the edit view's
    *Unpublish* and *Discard changes* buttons (each its own small form, with the CSRF token).
    Both answer with a redirect to the edit view and say what happened in a message."""

    def __init__(self, site: Site) -> None:
        super().__init__(menu_label="Publishing", path="/publishing", route_name="publishing", add_to_menu=False)
        self.site = site

    def is_accessible(self, request: Request) -> bool:
        return True  # each route checks the view's own rules

    @route("", name="publishing")
    async def index(self, request: Request) -> Response:
        raise HTTPException(HTTP_404_NOT_FOUND)

    @route("/{key}/{pk:int}/unpublish", methods=["POST"], name="publishing-unpublish")
    async def unpublish(self, request: Request) -> Response:
        return await self._act(request, "unpublish")

    @route("/{key}/{pk:int}/discard", methods=["POST"], name="publishing-discard")
    async def discard(self, request: Request) -> Response:
        return await self._act(request, "discard")

    async def _act(self, request: Request, what: str) -> Response:
        try:
            view = self.site.view(str(request.path_params["key"]))
        except KeyError:
            raise HTTPException(HTTP_404_NOT_FOUND, "No such content type.") from None
        if not view.draft_and_publish:
            raise HTTPException(HTTP_404_NOT_FOUND, "This content type has no draft & publish.")
        if not view.is_accessible(request) or not view.can_edit(request):
            raise HTTPException(HTTP_403_FORBIDDEN)
        pk = int(request.path_params["pk"])
        request.state.action = RequestAction.EDIT  # an author's refusal is a 403, as for the edit form
        rows = await view._owned(request, [pk])
        if not rows:
            raise HTTPException(HTTP_404_NOT_FOUND)
        document_id = rows[0]["documentId"]
        locale = rows[0].get("locale")  # a localized type: the row's locale's version
        back = request.url_for("admin:edit", key=view.key).include_query_params(pk=str(pk))
        try:
            if what == "unpublish":
                document = await view.service.unpublish(document_id, locale=locale)
                message = 'The item "%s" was unpublished: only its draft is left.'
            else:
                document = await view.service.discard_draft(document_id, locale=locale)
                message = 'The changes to "%s" were discarded: the draft is the published version again.'
        except ApplicationError as exc:
            flash(request, exc.message, "error")
            return RedirectResponse(back, status_code=HTTP_303_SEE_OTHER)
        flash(request, message % view.label_for(document), "success")
        return RedirectResponse(back, status_code=HTTP_303_SEE_OTHER)
