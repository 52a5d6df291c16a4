"""Export what a list shows: every entry its search and filters match, streamed as CSV or JSON.

starlette-admin's own export reads every matching row at once, serializes each
cell through its field (an ``await`` per cell), renders the whole file in memory
and only then answers, so a large export holds the server's memory and shows
the editor nothing for as long as it takes. Here the answer starts at once and
is written batch by batch: entries are read in id order, :data:`BATCH` at a
time, through the document service (the reader's SQL and the lifecycle hooks,
as every admin read), each batch starting after the last id of the one before
(keyset: an index range per batch, never a growing ``OFFSET``). A JSON export is
one array written row by row, a row a line.

What is written is what the admin shows, readable: a relation by its related
entry's label (a sender's username, see :func:`admin.fields.display_field`),
never its id; a to-many relation as the list of labels. Private and hidden
attributes are never columns: the columns are the export fields of the view
(:class:`~starlette_admin.fields.BaseField` ``exclude_from_export``), and the
reader does not even select private and password columns, whatever the form
asks for.

The answer says how many rows are coming (``X-Export-Rows``), so that the
list's export dialog (``static/admin.js``) shows progress while it reads.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import orjson
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette_admin import HasMany
from starlette_admin.actions import ActionSelection
from starlette_admin.exceptions import ActionFailed
from starlette_admin.export import ExportConfig
from starlette_admin.export.helpers import escape_formula, safe_cd_filename
from starlette_admin.types import RequestAction

from cms.documents import DRAFT
from cms.query.ast import And, Condition, Node, Pagination, Query, SortKey

if TYPE_CHECKING:
    from admin.views import ContentTypeView

#: entries read (and written) at a time
BATCH = 500
SCOPES = ("all", "page", "selected")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


@dataclass(frozen=True)
class Column:
    """One column of the export: a field of the view and how its value is read from a document."""

    name: str
    label: str
    #: "value" (the document's own value), "one"/"many" (a relation's label(s)), "author"
    kind: str
    #: the related entries' label attribute, for relations
    label_field: str | None = None
    #: how a related entry without a label is named (``Sender #3``)
    target_name: str = ""
    json_value: bool = False

    def value(self, document: dict[str, Any]) -> Any:
        raw = document.get(self.name)
        if self.kind == "one":
            return None if raw is None else self._label(raw)
        if self.kind == "many":
            return [self._label(item) for item in raw or ()]
        return raw

    def _label(self, related: dict[str, Any]) -> str:
        label = related.get(self.label_field) if self.label_field else None
        return str(label) if label not in (None, "") else f"{self.target_name} #{related.get('id')}"

    def cell(self, value: Any) -> Any:
        """The value as a CSV cell: text a spreadsheet shows as written (no formulas)."""
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if self.json_value or isinstance(value, (dict, orjson.Fragment)):
            return orjson.dumps(value).decode()
        if isinstance(value, list):
            return "; ".join(escape_formula(str(v)) for v in value)
        if isinstance(value, str):
            return escape_formula(value)
        return value


def columns(view: ContentTypeView, request: Request, wanted: Sequence[str]) -> list[Column]:
    """The export's columns: the view's export fields that ``wanted`` names (all of them when it
    names none: asking only for a password gets the exportable columns, never the password)."""
    request.state.action = RequestAction.EXPORT  # as starlette-admin's export: fields as exports see them
    fields = list(view.get_fields_list(request, action=RequestAction.EXPORT))
    chosen = [f for f in fields if f.name in wanted] or fields
    found = []
    for field in chosen:
        key = view.relations.get(field.name)
        attr = view.ct.attributes.get(field.name)
        if key is not None:
            target = view.site.view(key)
            found.append(Column(field.name, field.label or field.name,
                                "many" if isinstance(field, HasMany) else "one",
                                view.relation_label(field.name), target.display_name))
        elif field.name in ("createdBy", "updatedBy"):
            found.append(Column(field.name, field.label or field.name, "author"))
        else:
            found.append(Column(field.name, field.label or field.name, "value",
                                json_value=attr is not None and attr.type in ("json", "blocks")))
    return found


@dataclass
class Plan:
    """What to read: the base query, whether to walk it in id order (keyset), and how many rows."""

    query: Query
    keyset: bool
    total: int


async def plan(view: ContentTypeView, request: Request, selection: ActionSelection, scope: str) -> Plan:
    """The rows of ``scope``: everything the list's search and filters match, its current page,
    or the selected rows (all matching ones when the editor selected them all)."""
    populate = view.export_populate()
    locale = view.locale(request)  # a localized type: the list's locale (its ?locale=, in _list_query)
    if scope == "page":
        params = view._parse_list_params(request, QueryParams((request.query_params.get("_list_query") or "")
                                                              .lstrip("?")))
        where = await view._where(request, params.filters)
        skip = (params.page - 1) * params.page_size
        total = await view.service.count(Query(filters=where, search=params.q, status=DRAFT, locale=locale))
        query = Query(filters=where, sort=view.sort_keys(params.sorts), search=params.q, populate=populate,
                      pagination=Pagination("offset", skip, params.page_size, with_count=False), status=DRAFT,
                      locale=locale)
        return Plan(query, False, max(0, min(params.page_size, total - skip)))
    where: Node | None
    search = selection.q
    if scope == "selected" and not selection.is_select_all:
        ids = view.pks(await selection.pks())
        if not ids:
            raise ActionFailed("Select the rows to export first.")
        where, search = Condition(("id",), "$in", ids), None
    else:
        where = await view._where(request, selection.filters)
    total = await view.service.count(Query(filters=where, search=search, status=DRAFT, locale=locale))
    return Plan(Query(filters=where, search=search, populate=populate, status=DRAFT, locale=locale), True, total)


async def batches(view: ContentTypeView, plan: Plan) -> AsyncIterator[list[dict[str, Any]]]:
    """The planned documents, :data:`BATCH` at a time (in id order for a keyset plan)."""
    if not plan.keyset:
        documents, _ = await view.service.find_many(plan.query)
        if documents:
            yield documents
        return
    last = 0
    while True:
        after = Condition(("id",), "$gt", last)
        where = after if plan.query.filters is None else And((plan.query.filters, after))
        query = Query(filters=where, sort=(SortKey(("id",)),), search=plan.query.search, populate=plan.query.populate,
                      pagination=Pagination("offset", 0, BATCH, with_count=False), status=DRAFT,
                      locale=plan.query.locale)
        documents, _ = await view.service.find_many(query)
        if not documents:
            return
        yield documents
        if len(documents) < BATCH:
            return
        last = documents[-1]["id"]


async def _with_authors(view: ContentTypeView, documents: list[dict[str, Any]]) -> None:
    """Who created and last updated each entry (admin usernames): not in the document itself."""
    entries = [SimpleNamespace(id=d["id"]) for d in documents]
    await view.site.add_authors(view.model, entries)  # type: ignore[arg-type]
    for document, entry in zip(documents, entries, strict=True):
        document["createdBy"], document["updatedBy"] = entry.createdBy, entry.updatedBy


def _encoder(fmt: str, cols: list[Column]) -> tuple[bytes, Callable[[list[dict[str, Any]], bool], bytes], bytes]:
    """The head of the file, a function writing a batch of documents (and whether it is the
    first one), and its tail."""
    if fmt == "json":
        def rows(documents: list[dict[str, Any]], first: bool) -> bytes:
            lines = [orjson.dumps({c.label: c.value(d) for c in cols}) for d in documents]
            return (b"\n" if first else b",\n") + b",\n".join(lines)
        return b"[", rows, b"\n]\n"

    def csv_rows(documents: list[dict[str, Any]], first: bool) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerows([c.cell(c.value(d)) for c in cols] for d in documents)
        return out.getvalue().encode("utf-8")

    head = io.StringIO()
    csv.writer(head).writerow([c.label for c in cols])
    return head.getvalue().encode("utf-8"), csv_rows, b""


async def stream(view: ContentTypeView, cols: list[Column], fmt: str, rows: Plan) -> AsyncIterator[bytes]:
    """The file, one chunk per batch."""
    head, write, tail = _encoder(fmt, cols)
    authors = any(c.kind == "author" for c in cols)
    yield head
    first = True
    async for documents in batches(view, rows):
        if authors:
            await _with_authors(view, documents)
        yield write(documents, first)
        first = False
    if tail:
        yield tail


async def export_response(view: ContentTypeView, request: Request, selection: ActionSelection) -> Response:
    """The export action: the form's scope, fields and format → a streamed attachment."""
    form = await request.form()
    scope = str(form.get("scope") or "all")
    fmt = str(form.get("format") or "csv")
    if fmt not in MEDIA_TYPES:
        raise ActionFailed(f"Unknown export format {fmt}")
    if scope not in SCOPES:
        raise ActionFailed(f"Unknown export scope {scope}")
    cols = columns(view, request, [str(f) for f in form.getlist("fields")])
    rows = await plan(view, request, selection, scope)
    limit = (getattr(request.state, "export_config", None) or ExportConfig()).max_rows
    if limit is not None and rows.total > limit:
        raise ActionFailed(f"Export would return {rows.total} rows, more than the {limit} allowed: "
                           "narrow the search or the filters.")
    name = str(form.get("filename") or "").strip() or f"{view.key}-{dt.date.today().isoformat()}"
    filename = safe_cd_filename(name.removesuffix(f".{fmt}")) + f".{fmt}"
    return StreamingResponse(stream(view, cols, fmt, rows), media_type=MEDIA_TYPES[fmt], headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "X-Export-Rows": str(rows.total),
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


async def export_form(request: Request, view: ContentTypeView) -> str:
    """The export dialog (``templates/export.html``): scope, columns, format, file name, progress."""
    assert view._admin is not None
    template = view._admin.templates.env.get_template("export.html")
    fields = view.get_fields_list(request, action=RequestAction.EXPORT)
    return template.render(request=request, view=view, fields=fields, formats=list(MEDIA_TYPES),
                           total=getattr(request.state, "list_total", None),
                           filename=f"{view.key}-{dt.date.today().isoformat()}",
                           action_url=str(request.url_for("admin:action", key=view.key)))
