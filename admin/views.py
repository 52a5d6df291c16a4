"""One generic view for every content type: lists, details and forms over the document service.

:class:`ContentTypeView` is a starlette-admin ``BaseModelView`` whose reads go
through the core's reader (the SQL compiler that serves REST, with the same
filter parser, search and sorting) and whose writes go through
:class:`cms.documents.DocumentService`, so an entry saved in the admin is
validated, hashed, hooked and broadcast exactly as one saved through REST,
and records the admin user who created and last updated it.

Entries reach starlette-admin as :class:`Entry` objects: the document's values
as attributes (converted to Python values where the reader keeps JSON shapes),
related entries as nested entries, and a label for links and pickers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.status import HTTP_400_BAD_REQUEST, HTTP_403_FORBIDDEN
from starlette_admin import (
    BaseField,
    BaseModelView,
    DateTimeField,
    IntegerField,
    RelationField,
    StringField,
    action,
    link_row_action,
)
from starlette.responses import Response
from starlette_admin.actions import ActionSelection
from starlette_admin.exceptions import ActionFailed, FormValidationError
from starlette_admin.filters import FilterGroup, FilterRegistry
from starlette_admin.helpers import static_url
from starlette_admin.types import RequestAction

from admin import locales as i18n
from admin.auth import ADMIN_UID, Account, account_of
from admin.components import ComponentColumn, ComponentField, Schemas, component_columns, component_field
from admin.drafts import FIELD as STATUS_FIELD, StatusField, publishing, resolve_filter, statuses
from admin.fields import (
    InvalidJSON,
    converters,
    display_field,
    form_errors,
    label_of,
    relation_field,
    scalar_field,
    shown_in_admin,
    to_input,
)
from admin.export import export_form, export_response
from admin.filters import Filters, picked_entries, to_where
from admin.locales import LocalesField
from admin.media import CARD_FIELDS, media_field
from admin.urls import detail_url, edit_url
from cms.content import ContentType
from cms.documents import DRAFT, PUBLISHED, DocumentService
from cms.errors import ApplicationError, ValidationError
from cms.query.ast import Condition, Node, Pagination, Populate, Query, SortKey
from cms.query.filters import parse_filters

if TYPE_CHECKING:
    from admin.site import Site

_FILTERS = Filters()


class Entry:
    """A document as starlette-admin reads it: values as attributes, a label for links and pickers."""

    def __init__(self, values: dict[str, Any], label: str) -> None:
        self.__dict__.update(values)
        self._label = label

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return None  # a value not loaded for this page (e.g. a relation's other fields)

    def __admin_repr__(self, request: Request) -> str:
        return self._label


class ContentTypeView(BaseModelView):
    """The admin pages of one content type, configured from its schema alone.

    Per-type tweaks live in the schema's ``options`` (``displayField``,
    ``icon``), never in subclasses.
    """

    pk_attr = "id"
    page_size = 25
    page_size_options = (10, 25, 50, 100)
    importers: Sequence[Any] = []
    search_auto_submit = False

    def __init__(self, site: Site, ct: ContentType, key: str, *, super_admin_writes: bool = False,
                 super_admin_only: bool = False, read_only: bool = False) -> None:
        self.site = site
        self.app = site.app
        self.ct = ct
        self.key = key
        self.display_name = ct.display_name
        self.menu_label = label_of(ct.plural_name.replace("-", " "))
        self.icon = str(ct.options.get("icon") or "fa-solid fa-table-list")
        self.service = DocumentService(site.app, ct.uid)
        self.model = site.app.models[ct.uid]
        self.super_admin_writes = super_admin_writes or super_admin_only
        self.super_admin_only = super_admin_only
        #: rows written elsewhere only (uploaded files: the media library stores their bytes too)
        self.read_only = read_only
        self.label_field = display_field(ct)
        #: draft & publish (admin.drafts): lists and forms work on the drafts, a status column,
        #: Publish / Unpublish / Discard changes buttons
        self.draft_and_publish = bool(ct.draft_and_publish)
        #: i18n (admin.locales): lists and forms work on one locale's versions, a locale switcher,
        #: a Locales column, shared attributes marked on forms
        self.localized = bool(getattr(ct, "localized", False))
        self._convert = converters(ct)
        self._private = [a.name for a in ct.scalar_attributes()
                         if a.private and a.type != "password" and shown_in_admin(a)]
        self.relations: dict[str, str] = {}  # attribute → target view key
        self.schemas = Schemas(self)
        #: list columns of a component's field (``seo__metaTitle``) → its path (``("seo", "metaTitle")``)
        self.component_columns: dict[str, tuple[str, str]] = {}
        self.fields = self._build_fields()
        self.searchable_fields = [f.name for f in self.fields if _FILTERS.filters_for(f) and not f.exclude_from_list]
        self.sortable_fields = [f.name for f in self.fields if f.orderable and not f.exclude_from_list]
        self.fields_default_sort = [("id", True)]
        super().__init__()

    # -- configuration ------------------------------------------------------------------

    def _build_fields(self) -> list[BaseField]:
        fields: list[BaseField] = [IntegerField("id", label="Id", read_only=True, exclude_from_create=True,
                                                exclude_from_edit=True)]
        columns: list[BaseField] = []
        for attr in self.ct.attributes.values():
            if attr.is_component:  # nested fieldsets (admin.components); a single one's name as a column
                fields.append(component_field(self, attr, self.schemas))
                for column in component_columns(attr, self.schemas):
                    self.component_columns[column.name] = (column.component_attr, column.inner)
                    columns.append(column)
                continue
            if attr.is_relation:
                target_key = self.site.key_for(attr.target or "")
                if target_key is None:
                    continue  # the target is managed elsewhere (settings pages)
                self.relations[attr.name] = target_key
                if attr.type == "media":  # thumbnails, a picker over the media library, uploads in place
                    field = media_field(attr, target_key)
                    field.orderable = False
                else:
                    field = relation_field(attr, target_key, display_field(self.app.registry.get(attr.target or "")))
            else:
                field = scalar_field(attr)
            if field is not None:
                fields.append(field)
        fields.extend(columns)
        if self.draft_and_publish:
            fields.append(StatusField())
        if self.localized:
            fields.append(LocalesField())
            for field in fields:  # "shared by every locale" beside the attributes the locales share
                attr = self.ct.attributes.get(field.name)
                if attr is not None and not attr.localized:
                    field.extra = {**(field.extra or {}), i18n.SHARED: True}
        for name in ("createdAt", "updatedAt"):
            fields.append(DateTimeField(name, label=label_of(name), read_only=True, exclude_from_create=True,
                                        exclude_from_edit=True, exclude_from_list=name == "updatedAt"))
        for name in ("createdBy", "updatedBy"):
            fields.append(StringField(name, label=label_of(name), read_only=True, exclude_from_create=True,
                                      exclude_from_edit=True, exclude_from_list=True, orderable=False))
        return fields

    def get_filter_registry(self) -> FilterRegistry:
        return _FILTERS

    def _additional_js_links(self, request: Request) -> Sequence[str]:
        """starlette-admin's, plus select2 on a list with relation filters (their pickers)."""
        return _with_select2(super()._additional_js_links(request), request, self, "js/vendor/select2.min.js")

    def _additional_css_links(self, request: Request) -> Sequence[str]:
        return _with_select2(super()._additional_css_links(request), request, self, "css/vendor/select2.min.css")

    def field_named(self, name: str) -> BaseField | None:
        return next((f for f in self.fields if f.name == name), None)

    def filter_path(self, name: str) -> tuple[str, ...]:
        """Where a text filter on field ``name`` applies: a relation's label, or the field itself."""
        if name in self.component_columns:
            return self.component_columns[name]
        key = self.relations.get(name)
        if key is not None:
            target = self.site.view(key)
            if target.label_field is not None:
                return (name, target.label_field)
            return (name, "id")
        return (name,)

    def sort_path(self, name: str) -> tuple[str, ...]:
        """What sorting by field ``name`` orders by: a to-one relation's label (a sender's
        username), else the field itself."""
        if name in self.component_columns:
            return self.component_columns[name]
        if name not in self.relations:
            return (name,)
        return (name, self.relation_label(name) or "id")

    def sort_keys(self, sorts: Sequence[tuple[str, str]] | None) -> tuple[SortKey, ...]:
        """The list's ``(field, "asc"|"desc")`` sorts as the reader's sort keys (unknown ones dropped)."""
        return tuple(SortKey(self.sort_path(name), direction == "desc") for name, direction in sorts or ()
                     if name in (self.sortable_fields or ()))

    def label_for(self, document: dict[str, Any]) -> str:
        """How an entry is named in links, pickers and exports: its display field, else ``Type #id``."""
        label = document.get(self.label_field) if self.label_field else None
        return str(label) if label not in (None, "") else f"{self.display_name} #{document.get('id')}"

    def relation_pickers(self, request: Request) -> dict[str, str]:
        """Per relation field with filters, the lookup URL of its picker (``static/admin.js``)."""
        return {name: str(request.url_for("admin:relation-lookup", key=key)) for name, key in self.relations.items()
                if name in (self.searchable_fields or ())}

    # -- who may do what ------------------------------------------------------------------

    def _account(self, request: Request) -> Account | None:
        return account_of(request)

    def is_accessible(self, request: Request) -> bool:
        account = self._account(request)
        return account is not None and (account.is_super_admin or not self.super_admin_only)

    def _may_write(self, request: Request) -> bool:
        account = self._account(request)
        return not self.read_only and account is not None and (account.is_super_admin or not self.super_admin_writes)

    def can_create(self, request: Request) -> bool:
        return self._may_write(request)

    def can_edit(self, request: Request) -> bool:
        return self._may_write(request)

    def can_delete(self, request: Request) -> bool:
        return self._may_write(request)

    def can_import(self, request: Request) -> bool:
        return False

    def owns(self, request: Request, entry: Any) -> bool:
        """Whether the admin may change this entry: authors only the entries they created."""
        account = self._account(request)
        if account is None:
            return False
        if not account.is_author:
            return True
        return getattr(entry, "createdById", None) == account.id

    async def is_row_action_allowed_for_obj(self, request: Request, name: str, obj: Any) -> bool:
        if name in ("edit", "delete") and not self.owns(request, obj):
            return False
        return await self.is_row_action_allowed(request, name)

    # -- rows as starlette-admin shows them -------------------------------------------------

    async def serialize(self, obj: Any, request: Request, include_relationships: bool = True,
                        include_select2: bool = False) -> dict[str, Any]:
        """starlette-admin's serialize, with links built from a per-page cache (see admin.urls)."""
        values: dict[str, Any] = {}
        for field in self.get_fields_list(request):
            if isinstance(field, RelationField) and not include_relationships:
                continue
            values[field.name] = await self.serialize_field_value(await field.parse_obj(request, obj), field, request)
        meta: dict[str, Any] = {"repr": obj._label}
        if include_select2:
            meta["select2"] = {"selection": await self.select2_selection(obj, request),
                               "result": await self.select2_result(obj, request)}
        values.setdefault("id", obj.id)
        meta["detailUrl"] = self._in_row_locale(request, detail_url(request, self.key or "", obj.id),
                                                getattr(obj, "locale", None))
        values["_meta"] = meta
        return values

    def _in_row_locale(self, request: Request, url: str, code: str | None = None) -> str:
        """A list row's link on a localized type, naming the row's locale (``code``, else the
        list's when it names one). The row id alone says it too: other pages' links go without."""
        if not self.localized or getattr(request.state, "action", None) != RequestAction.LIST:
            return url
        chosen = self.chosen_locale(request)
        code = code or (chosen.code if chosen.named else None)
        return f"{url}&{i18n.PARAM}={code}" if code else url

    @link_row_action(name="view", text="View", icon_class="default_actions.view", exclude_from_detail=True)
    def row_action_1_view(self, request: Request, pk: Any) -> str:
        return self._in_row_locale(request, detail_url(request, self.key or "", pk))

    @link_row_action(name="edit", text="Edit", icon_class="default_actions.edit",
                     action_btn_class="action.row_item_edit")
    def row_action_2_edit(self, request: Request, pk: Any) -> str:
        return self._in_row_locale(request, edit_url(request, self.key or "", pk))

    # -- locales (admin.locales) ----------------------------------------------------------

    def resolve_form_layout(self, request: Request, obj: Any = None, errors: Any = None) -> Any:
        """starlette-admin's; a localized type's create form looks related entries up in its locale
        (the edit form's is the entry's, set by :meth:`find_by_pk`)."""
        if self.localized and not hasattr(request.state, "cms_form_locale"):
            request.state.cms_form_locale = self.locale(request)
        return super().resolve_form_layout(request, obj, errors)

    def chosen_locale(self, request: Request) -> i18n.Chosen:
        """The locale the page works in (a localized type's): ``?locale=``, else the default."""
        found = getattr(request.state, "cms_locale", None)
        if found is None:
            found = request.state.cms_locale = i18n.chosen(self.app, request)
        return found  # type: ignore[no-any-return]

    def locale(self, request: Request) -> str | None:
        """The ``locale`` of the page's reads and writes; None for a type that is not localized."""
        return self.chosen_locale(request).code if self.localized else None

    def locale_switches(self, request: Request) -> list[i18n.Switch]:
        """The list's (and the create page's) locale switcher: this page in each locale. A
        document's detail and edit pages have theirs on the entry (``_switches``, :meth:`_in_locale`)."""
        return i18n.list_switches(request, self.chosen_locale(request))

    # -- reads ------------------------------------------------------------------------

    async def _where(self, request: Request, filters: FilterGroup | None) -> Node | None:
        fields = {f.name: f for f in self.fields}
        raw = to_where(filters, _FILTERS, fields, self)
        if raw is None:
            return None
        if self.draft_and_publish:  # status rules → conditions on the drafts' ids
            raw = await resolve_filter(self, request, raw)
        try:
            return parse_filters(self.ct, raw, registry=self.app.registry)
        except ValidationError as exc:
            raise HTTPException(HTTP_400_BAD_REQUEST, f"Invalid filter: {exc.message}") from exc

    def _populate(self, request: Request) -> dict[str, Populate]:
        populate = {}
        fields = self.get_fields_list(request)
        for field in fields:
            if isinstance(field, ComponentField) and field.attribute is not None:
                populate[field.name] = self.schemas.populate(field.attribute)  # everything inside
                continue
            if isinstance(field, ComponentColumn):
                populate.setdefault(field.component_attr, Populate(fields=(field.inner,), populate={}))
                continue
            key = self.relations.get(field.name)
            attr = self.ct.attributes.get(field.name)
            if key is not None and attr is not None and attr.type == "media":
                populate[field.name] = Populate(fields=CARD_FIELDS)  # what a thumbnail needs
            elif key is not None:
                label = self.site.view(key).label_field
                populate[field.name] = Populate(fields=(label,) if label else ())
        return populate

    def relation_label(self, name: str) -> str | None:
        """The attribute naming the entries relation ``name`` links to (a file: its name)."""
        if self.ct.attributes[name].type == "media":
            return "name"
        return self.site.view(self.relations[name]).label_field

    def export_populate(self) -> dict[str, Populate]:
        """Every relation, with its label only (what an export writes)."""
        return {name: Populate(fields=(label,) if (label := self.relation_label(name)) else ())
                for name in self.relations}

    async def _pick_labels(self, request: Request, filters: FilterGroup | None) -> None:
        """The labels of the related entries the filter picks (``sender is 3``: alice), for the
        filter builder's picker and the filter's pill (:class:`admin.filters.RelationIs`)."""
        choices: dict[str, list[tuple[int, str]]] = {}
        for name, ids in picked_entries(filters, self.relations).items():
            target, label = self.site.view(self.relations[name]), self.relation_label(name)
            documents = await target.find_rows(Query(
                filters=Condition(("id",), "$in", sorted(ids)), fields=(label,) if label else (),
                pagination=Pagination("offset", 0, len(ids), with_count=False), status=DRAFT),
                by_locale=True)
            choices[name] = [(d["id"], str(d[label]) if label and d.get(label) not in (None, "")
                              else f"{target.display_name} #{d['id']}") for d in documents]
        request.state.relation_choices = choices

    async def find_all(self, request: Request, skip: int = 0, limit: int = 100, q: str | None = None,
                       sorts: Sequence[tuple[str, str]] | None = None, filters: FilterGroup | None = None) -> Sequence[Any]:
        if filters is not None and not filters.is_empty():
            await self._pick_labels(request, filters)
        query = Query(filters=await self._where(request, filters), sort=self.sort_keys(sorts), search=q or None,
                      pagination=Pagination("offset", max(skip, 0), limit if limit > 0 else None, with_count=False),
                      populate=self._populate(request), status=DRAFT, locale=self.locale(request))
        documents, _ = await self.service.find_many(query)
        return await self._entries(documents)

    async def count(self, request: Request, q: str | None = None, filters: FilterGroup | None = None) -> int:
        total = await self.service.count(Query(filters=await self._where(request, filters), search=q or None,
                                               status=DRAFT, locale=self.locale(request)))
        if getattr(request.state, "action", None) == RequestAction.LIST:
            request.state.list_total = total  # for the export dialog, built later on the list page
        return total

    async def _by_ids(self, request: Request, ids: list[int]) -> list[Entry]:
        if not ids:
            return []
        query = Query(filters=Condition(("id",), "$in", ids), populate=self._populate(request),
                      pagination=Pagination("offset", 0, len(ids), with_count=False), status=DRAFT)
        entries = await self._entries(await self.find_rows(query, by_locale=True))
        action = getattr(request.state, "action", None)
        if self._private and action in (RequestAction.DETAIL, RequestAction.EDIT):
            # private attributes never leave the reader; the detail page and the form show them
            rows = await self.model.filter(id__in=ids).values("id", *self._private)
            by_id = {row["id"]: row for row in rows}
            for entry in entries:
                for name in self._private:
                    setattr(entry, name, by_id.get(entry.id, {}).get(name))
        return entries

    async def find_rows(self, query: Query, by_locale: bool = False) -> list[dict[str, Any]]:
        """The documents ``query`` finds; with ``by_locale`` (a query by row ids) of a localized
        type, in whichever locale each row is (the reads of a localized type are per locale)."""
        if not (by_locale and self.localized and isinstance(query.filters, Condition)
                and query.filters.path == ("id",) and query.filters.operator == "$in"):
            documents, _ = await self.service.find_many(query)
            return documents
        ids = list(query.filters.value)
        groups: dict[str, list[int]] = {}
        for row_id, code in await self.model.filter(id__in=ids).values_list("id", "locale"):
            groups.setdefault(code, []).append(row_id)
        found: list[dict[str, Any]] = []
        for code, group in groups.items():
            documents, _ = await self.service.find_many(replace(
                query, filters=Condition(("id",), "$in", group), locale=code,
                pagination=Pagination("offset", 0, len(group), with_count=False)))
            found += documents
        return sorted(found, key=lambda d: int(d["id"]))

    async def find_by_pk(self, request: Request, pk: Any) -> Any:
        action = getattr(request.state, "action", None)
        if self.localized and action in (RequestAction.DETAIL, RequestAction.EDIT):
            entry = await self._in_locale(request, _ids([pk]))
            if entry is not None:  # the form's relation pickers look up this locale's entries
                request.state.cms_form_locale = entry.locale
        else:
            found = await self._by_ids(request, _ids([pk]))
            entry = found[0] if found else None
        if entry is not None and getattr(request.state, "action", None) == RequestAction.EDIT \
                and not self.owns(request, entry):
            raise HTTPException(HTTP_403_FORBIDDEN, "Authors can edit only the entries they created.")
        return entry

    async def find_by_pks(self, request: Request, pks: list[Any]) -> Sequence[Any]:
        return await self._by_ids(request, _ids(pks))

    async def _in_locale(self, request: Request, ids: list[int]) -> Entry | None:
        """The detail or edit page's entry of a localized type: row ``ids[0]``, or its document's
        version in ``?locale=`` when that names another locale; the edit page of a locale the
        document lacks is the form creating that version (:meth:`_new_version`), the detail page
        a 404."""
        if not ids:
            return None
        rows = await self.model.filter(id=ids[0]).values("id", "documentId", "locale")
        if not rows:
            return None
        row, wanted = rows[0], self.chosen_locale(request)
        code = wanted.code if wanted.named else row["locale"]
        if code != row["locale"]:
            others = self.model.filter(documentId=row["documentId"], locale=code)
            if self.draft_and_publish:
                others = others.filter(publishedAt__isnull=True)
            other = await others.values_list("id", flat=True)
            if not other:
                if getattr(request.state, "action", None) != RequestAction.EDIT:
                    raise HTTPException(404, f'This {self.display_name.lower()} has no "{code}" version yet.')
                return await self._new_version(request, row["id"], code)
            ids = [int(other[0])]
        found = await self._by_ids(request, ids)
        return await self._with_switches(request, found[0]) if found else None

    async def _with_switches(self, request: Request, entry: Entry) -> Entry:
        """``entry`` with its page's locale switcher (``_switches``) and, for a version not
        created yet, the "Fill in from another locale" choices (``_fills``)."""
        page = "edit" if getattr(request.state, "action", None) == RequestAction.EDIT else "detail"
        entry._switches = await i18n.document_switches(self, request, entry, page)  # type: ignore[attr-defined]
        if getattr(entry, "_new_locale", None):
            entry._fills = i18n.fill_switches(  # type: ignore[attr-defined]
                request, entry, list(getattr(entry, i18n.FIELD, None) or []))
        return entry

    async def _new_version(self, request: Request, row_id: int, code: str) -> Entry | None:
        """The form of the document's version in locale ``code``, which it lacks: the shared
        attributes as the row ``row_id`` has them, the localized ones empty, or those of the
        document's version in ``?fill_from=`` ("Fill in from another locale"; relations to
        localized types mapped to the related documents' versions in ``code``, when they
        have one)."""
        found = await self._by_ids(request, [row_id])
        if not found:
            return None
        source = found[0]
        values = {k: v for k, v in vars(source).items() if not k.startswith("_")}
        for name, attr in self.ct.attributes.items():
            if attr.localized:
                values[name] = None
        fill = request.query_params.get(i18n.FILL_PARAM)
        if fill and fill != code and fill in (values.get(i18n.FIELD) or []):
            rows = self.model.filter(documentId=source.documentId, locale=fill)
            if self.draft_and_publish:
                rows = rows.filter(publishedAt__isnull=True)
            filled = await self._by_ids(request, [int(i) for i in await rows.values_list("id", flat=True)][:1])
            if filled:
                for name, attr in self.ct.attributes.items():
                    if attr.localized:
                        values[name] = await self._carried(name, getattr(filled[0], name, None), code)
        values.update({"locale": code, STATUS_FIELD: None, "_new_locale": code, "_fill_from": fill})
        return await self._with_switches(request, Entry(values, f"{self.label_for(values)} ({code})"))

    async def _carried(self, name: str, value: Any, code: str) -> Any:
        """Relation ``name``'s entries (``value``) as the version in ``code`` links them: a
        localized target's entries in ``code`` (those that have one); others as they are."""
        key = self.relations.get(name)
        if key is None or value is None:
            return value
        target = self.site.view(key)
        if not target.localized:
            return value
        items = value if isinstance(value, list) else [value]
        rows = target.model.filter(documentId__in=[i.documentId for i in items], locale=code)
        if target.draft_and_publish:
            rows = rows.filter(publishedAt__isnull=True)
        by_document = dict(await rows.values_list("documentId", "id"))
        ids = [by_document[i.documentId] for i in items if i.documentId in by_document]
        label = self.relation_label(name)
        documents, _ = await target.service.find_many(Query(
            filters=Condition(("id",), "$in", ids), fields=(label,) if label else (), locale=code,
            pagination=Pagination("offset", 0, max(len(ids), 1), with_count=False), status=DRAFT))
        order = {row_id: i for i, row_id in enumerate(ids)}
        carried = [target.entry(d) for d in sorted(documents, key=lambda d: order.get(d["id"], 0))]
        if isinstance(value, list):
            return carried
        return carried[0] if carried else None

    async def _entries(self, documents: list[dict[str, Any]]) -> list[Entry]:
        entries = [self.entry(doc) for doc in documents]
        if entries:
            await self.site.add_authors(self.model, entries)
            if self.draft_and_publish:  # one query for the page's documents (admin.drafts)
                found = await statuses(self.model, (e.documentId for e in entries), localized=self.localized)
                for entry in entries:
                    setattr(entry, STATUS_FIELD, found.get((entry.documentId, entry.locale) if self.localized
                                                           else entry.documentId))
            if self.localized:  # the locales each document exists in: one query for the page
                versions = await i18n.versions(self.model, (e.documentId for e in entries), i18n.codes(self.app))
                for entry in entries:
                    setattr(entry, i18n.FIELD, versions.get(entry.documentId, []))
        return entries

    def entry(self, document: dict[str, Any]) -> Entry:
        values = dict(document)
        for name, convert in self._convert.items():
            value = values.get(name)
            if value is not None:
                values[name] = convert(value)
        for name, key in self.relations.items():
            value = values.get(name)
            if value is not None:
                target = self.site.view(key)
                values[name] = [target.entry(v) for v in value] if isinstance(value, list) else target.entry(value)
        return Entry(values, self.label_for(values))

    # -- export -------------------------------------------------------------------------

    @action(name="export", text="Export", confirmation="", header="Export entries", icon_class="list.export",
            submit_btn_text="Export", form=export_form, custom_response=True, allow_empty_selection=True,
            dedicated_button=True, modal_size="lg")
    async def export_action(self, request: Request, selection: ActionSelection) -> Response:
        """Everything the list's search and filters match (or its page, or the selected rows),
        streamed; see :mod:`admin.export`."""
        return await export_response(self, request, selection)

    def pks(self, pks: Sequence[Any]) -> list[int]:
        """Row ids from a request (anything else dropped)."""
        return _ids(pks)

    # -- writes -------------------------------------------------------------------------

    def _payload(self, request: Request, data: dict[str, Any], creating: bool) -> dict[str, Any]:
        payload: dict[str, Any] = {}
        invalid: dict[str | int, Any] = {}
        for field in self.get_fields_list(request):
            attr = self.ct.attributes.get(field.name)
            if attr is None or field.read_only or field.name not in data:
                continue
            value = data[field.name]
            if isinstance(value, InvalidJSON):
                invalid[field.name] = "This is not valid JSON"
                continue
            if attr.type == "password" and value in (None, "") and not creating:
                continue  # write-only: empty means "keep the current password"
            payload[field.name] = to_input(attr, value)
        if invalid:
            raise FormValidationError(invalid)
        return payload

    def _raise_form_errors(self, exc: ApplicationError) -> None:
        names = {f.name for f in self.fields}
        nested = {f.name for f in self.fields if isinstance(f, ComponentField)}
        raise FormValidationError(form_errors(exc.details, names, exc.message, nested)) from exc

    def _status(self, publish: bool) -> str | None:
        """The ``status`` of a write: a draft & publish type's draft, published with *Publish*."""
        if not self.draft_and_publish:
            return None
        return PUBLISHED if publish else DRAFT

    async def _draft_entry(self, document: dict[str, Any]) -> Entry:
        """The entry the admin goes on with after a write that published: the document's draft
        (in the written locale)."""
        draft = await self.service.find_one(document["documentId"], Query(status=DRAFT, locale=document.get("locale")))
        return self.entry(draft)

    async def create(self, request: Request, data: dict[str, Any]) -> Any:
        account = self._account(request)
        payload = self._payload(request, data, creating=True)
        publish = self.draft_and_publish and publishing(await request.form())
        try:
            document = await self.service.create(payload, actor=account.id if account else None,
                                                 status=self._status(publish), locale=self.locale(request))
        except ApplicationError as exc:
            self._raise_form_errors(exc)
        return await self._draft_entry(document) if publish else self.entry(document)

    async def edit(self, request: Request, pk: Any, data: dict[str, Any]) -> Any:
        account = self._account(request)
        current = await self._owned(request, _ids([pk]))
        if not current:
            raise HTTPException(404)
        payload = self._payload(request, data, creating=False)
        publish = self.draft_and_publish and publishing(await request.form())
        locale = None
        if self.localized:  # the row's locale, or ?locale=: a version the document lacks is created
            wanted = self.chosen_locale(request)
            locale = wanted.code if wanted.named else current[0]["locale"]
        try:
            document = await self.service.update(current[0]["documentId"], payload,
                                                  actor=account.id if account else None,
                                                  status=self._status(publish), locale=locale)
        except ApplicationError as exc:
            self._raise_form_errors(exc)
        return await self._draft_entry(document) if publish else self.entry(document)

    async def delete(self, request: Request, pks: list[Any]) -> int | None:
        rows = await self._owned(request, _ids(pks))
        account = self._account(request)
        if self.ct.uid == ADMIN_UID and account is not None and any(r["id"] == account.id for r in rows):
            raise ActionFailed("You cannot delete your own account.")
        deleted = 0
        for row in rows:
            try:
                # a localized type: the version in the row's locale (the list's) only, as Strapi's admin
                await self.service.delete(row["documentId"], locale=row.get("locale"))
                deleted += 1
            except ApplicationError as exc:  # e.g. a lifecycle hook refusing
                raise ActionFailed(f"{deleted} deleted; then: {exc.message}") from exc
        return deleted

    async def _owned(self, request: Request, ids: list[int]) -> list[dict[str, Any]]:
        """The rows' documentIds, refusing the whole change if an author does not own one of them."""
        rows = await self.model.filter(id__in=ids).values("id", "documentId", "createdById",
                                                          *(("locale",) if self.localized else ()))
        account = self._account(request)
        if account is not None and account.is_author and any(r["createdById"] != account.id for r in rows):
            message = "Authors can change only the entries they created."
            if getattr(request.state, "action", None) in (RequestAction.EDIT, RequestAction.INLINE_EDIT):
                raise HTTPException(HTTP_403_FORBIDDEN, message)
            raise ActionFailed(message)
        return rows


def _with_select2(links: Sequence[str], request: Request, view: ContentTypeView, path: str) -> list[str]:
    found = list(links)
    pickers = any(name in (view.searchable_fields or ()) for name in view.relations)
    if pickers and getattr(request.state, "action", None) == RequestAction.LIST:
        url = static_url(request, path, v="4.1.0")
        if url not in found:
            found.append(url)
    return found


def _ids(pks: Sequence[Any]) -> list[int]:
    ids = []
    for pk in pks:
        text = str(pk).strip()
        if text.isdigit() and len(text) < 19:
            ids.append(int(text))
    return ids

