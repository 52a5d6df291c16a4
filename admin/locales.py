"""Locales in the admin: a localized type (``pluginOptions.i18n.localized``) is listed, read
and edited one locale at a time, as in Strapi v5's content manager.

A document of such a type has a version per locale (rows sharing a ``documentId``,
each with its ``locale``; with draft & publish a draft and a published row per
locale, see :mod:`cms.documents`). The admin's row ids (``pk``) are those of one
version, so a row names its locale; the list names it with ``?locale=``:

- **the locale of a page** (:func:`chosen`): the request's ``locale`` parameter
  (the export and bulk actions read it from the list's query string,
  ``_list_query``); none: the default locale. A code that is not a locale is not
  an error: the page shows the default locale and says so (:attr:`Chosen.unknown`);
- **the locales** come from the i18n plugin's service (``app.service("i18n")``:
  ``codes()``, ``default_locale()``); without the plugin a localized type has the
  core's one locale (``app.locales``, ``en``);
- **the list** shows the versions in the page's locale (count and pages too) and a
  *Locales* column: the locales each document exists in, read with one query for
  the page's documentIds (:func:`versions`);
- **the edit form** of a row in another locale than ``?locale=`` shows the
  document's version in that locale, or, when it has none, the form that creates it
  (:func:`new_version`): shared attributes filled in from the row, localized ones
  empty, or copied from the document's version in ``?fill_from=<code>`` ("Fill in
  from another locale"); saving it calls ``update(documentId, data, locale=X)``,
  which creates the translation;
- **delete** (a row's button or the bulk action) removes the version in the row's
  locale only (``delete(documentId, locale=...)``), as Strapi's admin does.

Attributes that are not localized are shared by every locale (the core copies
them); their form fields say so (``field.extra["shared_by_locales"]``,
``templates/widgets/form_field_widget.html``).

The admin never imports the i18n plugin: it asks for its service by name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.status import HTTP_404_NOT_FOUND
from starlette_admin import BaseField, CustomView
from starlette_admin.helpers import create_url as _create_url
from starlette_admin.routing import route

from admin.auth import account_of

if TYPE_CHECKING:
    from admin.site import Site
    from admin.views import ContentTypeView

#: the query parameter naming the page's locale
PARAM = "locale"
#: the query parameter of "Fill in from another locale" (the locale to copy from)
FILL_PARAM = "fill_from"
#: the list column and detail row of the locales a document exists in (not an attribute name
#: Strapi allows: attributes are validated by the core, this is only the admin's)
FIELD = "localeVersions"
#: the flag a shared (not localized) attribute's form field carries
SHARED = "shared_by_locales"


def codes(app: Any) -> list[str]:
    """Every locale's code, in the i18n plugin's order; without the plugin the core's one locale."""
    service = app.service("i18n")
    if service is None:
        return [app.locales.default_locale()]
    return list(service.codes())


def default_locale(app: Any) -> str:
    service = app.service("i18n")
    return str(service.default_locale() if service is not None else app.locales.default_locale())


@dataclass(frozen=True)
class Chosen:
    """The locale a page works in, and the code asked for when it is not a locale."""

    code: str
    codes: tuple[str, ...]
    default: str
    #: ``?locale=`` named something that is not a locale (the page shows ``code``, the default)
    unknown: str | None = None
    #: whether the request named it (else the default was taken)
    named: bool = False


def requested(request: Request) -> str | None:
    """The ``locale`` the request names: its own parameter, or (actions posted from a list
    page) the list's query string's."""
    code = request.query_params.get(PARAM)
    if code is None and "_list_query" in request.query_params:
        code = QueryParams((request.query_params.get("_list_query") or "").lstrip("?")).get(PARAM)
    return code


def chosen(app: Any, request: Request) -> Chosen:
    """The page's locale (see the module's docstring)."""
    return named(app, requested(request))


def named(app: Any, code: str | None) -> Chosen:
    """Locale ``code`` as a page's locale: the default one when None, or not a locale."""
    known = tuple(codes(app))
    default = default_locale(app)
    if code is None or code == "":
        return Chosen(default, known, default)
    if code not in known:
        return Chosen(default, known, default, unknown=code)
    return Chosen(code, known, default, named=True)


async def versions(model: Any, document_ids: Iterable[str], order: list[str]) -> dict[str, list[str]]:
    """The locales each document of ``document_ids`` exists in (in the locales' order): one query."""
    wanted = sorted(set(document_ids))
    if not wanted:
        return {}
    found: dict[str, set[str]] = {}
    for doc, code in await model.filter(documentId__in=wanted).values_list("documentId", "locale"):
        found.setdefault(doc, set()).add(code)
    rank = {code: i for i, code in enumerate(order)}
    return {doc: sorted(found.get(doc, ()), key=lambda c: (rank.get(c, len(rank)), c)) for doc in wanted}


class LocalesField(BaseField):
    """The *Locales* list column and detail row: the locales a document exists in ("en, fr").
    Not a filter, a sort key or an export column; never in forms."""

    def __init__(self) -> None:
        super().__init__(FIELD, label="Locales", read_only=True, exclude_from_create=True,
                         exclude_from_edit=True, exclude_from_export=True, orderable=False)
        self.list_template = "locales/column.html"
        self.detail_template = "locales/column.html"

    async def serialize_value(self, request: Request, value: Any) -> Any:
        return list(value or [])


def with_param(url: str, **params: str | None) -> str:
    """``url`` with its query parameters ``params`` set (None: removed)."""
    parts = urlsplit(url)
    items = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    items += [(k, v) for k, v in params.items() if v is not None]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(items), parts.fragment))


def create_url(request: Request, key: str) -> str:
    """starlette-admin's ``create_url``, carrying the page's ``?locale=`` (a new document's first
    version is in the list's locale)."""
    url = _create_url(request, key)
    code = request.query_params.get(PARAM)
    return with_param(url, **{PARAM: code}) if code else url


@dataclass
class Switch:
    """One option of a locale switcher: the locale, where choosing it leads, and whether the
    document (on the detail and edit pages) has a version in it."""

    code: str
    url: str
    selected: bool
    exists: bool = True


def list_switches(request: Request, locale: Chosen) -> list[Switch]:
    """The list's switcher: the same list (search, filters, sort, page size) in each locale, on
    its first page."""
    base = str(request.url)
    return [Switch(code, with_param(base, **{PARAM: code, "page": None}), code == locale.code)
            for code in locale.codes]


def origin_in(request: Request, key: str, code: str) -> str | None:
    """The page's ``_origin`` (the list it came from) showing locale ``code`` when it is the list
    of this type (view ``key``), else as it is."""
    origin = request.query_params.get("_origin")
    if not origin or not urlsplit(origin).path.endswith(f"/{key}/list"):
        return origin
    return with_param(origin, **{PARAM: code})


async def document_switches(view: ContentTypeView, request: Request, entry: Any, page: str) -> list[Switch]:
    """The detail or edit page's switcher (``page``: ``"detail"`` or ``"edit"``): each locale's
    version of the document, or the form creating it (the edit page of this row in that
    locale). One query for the document's rows."""
    rows = view.model.filter(documentId=entry.documentId)
    if view.draft_and_publish:
        rows = rows.filter(publishedAt__isnull=True)
    by_locale = dict(await rows.values_list("locale", "id"))
    current = getattr(entry, "locale", None)
    base = str(request.url_for(f"admin:{page}", key=view.key))
    edit = str(request.url_for("admin:edit", key=view.key))
    found = []
    for code in codes(view.app):
        params = {"pk": str(by_locale.get(code, entry.id)), PARAM: code}
        if (origin := origin_in(request, view.key or "", code)) is not None:
            params["_origin"] = origin
        target = base if code in by_locale else edit
        found.append(Switch(code, f"{target}?{urlencode(params)}", code == current, code in by_locale))
    return found


def fill_switches(request: Request, entry: Any, existing: list[str]) -> list[Switch]:
    """The "Fill in from another locale" choices of a new version's form: the document's
    versions, each reloading the form with ``?fill_from=<code>``."""
    base = str(request.url)
    chosen_code = request.query_params.get(FILL_PARAM)
    return [Switch(code, with_param(base, **{FILL_PARAM: code}), code == chosen_code) for code in existing
            if code != getattr(entry, "locale", None)]


class LocaleLookup(CustomView):
    """``/admin/api/locale-lookup/{locale}/{key}``: starlette-admin's relation lookup (the form
    pickers' search, ``?q=``, and initial labels, ``?pks=``) over a localized type's versions
    in ``locale``. The pickers of a form in French look up the French categories
    (``templates/fields/form/relation.html``); the locale is in the path because the pickers'
    script appends ``?pks=...`` to the URL as it is."""

    def __init__(self, site: Site) -> None:
        super().__init__(menu_label="Locale lookup", path="/api/locale-lookup", route_name="locale-lookup",
                         add_to_menu=False)
        self.site = site

    def is_accessible(self, request: Request) -> bool:
        return account_of(request) is not None

    @route("", name="locale-lookup")
    async def index(self, request: Request) -> Response:
        raise HTTPException(HTTP_404_NOT_FOUND)

    @route("/{locale}/{key}", name="locale-relation-lookup")
    async def lookup(self, request: Request) -> Response:
        request.state.cms_locale = named(self.site.app, str(request.path_params["locale"]))
        return await self.site.admin._render_relation_lookup(request)  # noqa: SLF001 (its own endpoint's code)
