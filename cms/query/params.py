"""The entry point: a qs-parsed Strapi query → a validated :class:`ast.Query`.

``parse_query`` is Strapi's ``validateQuery`` + ``sanitizeQuery`` + query
conversion in one pass: every key is checked against the content type, every
value is cast, and anything wrong is a 400 (``ValidationError`` or
``PaginationError``), never a 500. Parsing order follows Strapi's (unknown
top-level keys, filters, sort, fields, populate, then pagination), so a query
with several faults reports the one Strapi would.

Top-level keys: Strapi's ``strictParams`` allow-list, i.e. ``filters, sort,
fields, populate, pagination, _q, status, locale`` plus ``page, pageSize,
start, limit, count, ordering, publicationFilter``. With ``strict`` any other key is
``Invalid key <key>`` (details ``{key, path: None, source: "query", param: key}``,
Strapi's exact error); without it, other keys are ignored.

Decisions where Strapi is unclear (or where we follow its behaviour, not the brief):

- ``status`` on a type with ``options.draftAndPublish`` is ``draft`` or
  ``published`` (anything else is a 400 ``Invalid status parameter``) and
  lands in :attr:`Query.status`; on other types it is accepted and ignored,
  as is ``publicationFilter``. ``locale`` on a localized type lands in
  :attr:`Query.locale` (the document service checks it: an unknown locale is a
  400); on other types it is accepted and ignored. Like ``_q``,
  each must be a string.
- Root-level ``page``/``pageSize`` on a find is Strapi's PaginationError
  "Invalid pagination attributes. You cannot use page and offset pagination in
  the same query" (its REST service adds start/limit next to them, see
  strapi/strapi#20383); root-level ``start``, ``limit``, ``count`` and
  ``ordering`` are overridden or unused by Strapi's REST service, so ignored.
- findOne: Strapi validates filters and sort there too and its document
  service ANDs the filters with the documentId (a non-matching filter gives
  404); pagination is not read. So findOne parses ``filters``, ``sort`` and
  ``_q`` like find and leaves ``pagination`` None (its value is not checked).
- ``_q`` empty or bare means no search.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

from cms.content import ContentType, Registry
from cms.errors import PaginationError, ValidationError
from cms.query.ast import Query
from cms.query.fields import parse_fields
from cms.query.filters import filter_node
from cms.query.pagination import Limits, parse_pagination
from cms.query.populate import parse_populate
from cms.query.sort import parse_sort
from cms.query.values import Scope

__all__ = ["ALLOWED_KEYS", "Limits", "parse_query"]

#: Strapi's ``ALLOWED_QUERY_PARAM_KEYS`` (``content-api-constants.ts``).
ALLOWED_KEYS = frozenset({
    "filters", "sort", "fields", "populate", "status", "locale", "page", "pageSize",
    "start", "limit", "_q", "publicationFilter", "pagination", "count", "ordering",
})  # fmt: skip
#: the values of ``status`` on a type with draft & publish
STATUSES = ("draft", "published")
ROOT_PAGINATION = (
    "Invalid pagination attributes. You cannot use page and offset pagination in the same query"
)


def parse_query(
    ct: ContentType,
    raw: Mapping[str, Any],
    *,
    registry: Registry,
    limits: Limits,
    action: Literal["find", "findOne"] = "find",
    can_read: Callable[[str], bool] | None = None,
    strict: bool = True,
    visible: Callable[[str], frozenset[str] | None] | None = None,
) -> Query:
    """Validate ``raw`` (``parse_qs(..., strict_null_handling=True)`` output) for ``ct``.

    ``can_read(uid)`` says whether the caller may read a related type (its
    ``find`` permission); relations it refuses are ``Invalid key`` in
    filters/sort/populate and skipped by ``populate=*``. None allows all.
    ``visible(uid)`` names the attributes of a type the caller sees when it
    sees only some (None: all but private ones); others are ``Invalid key``
    too, and populated entries of that type show only those.
    """
    if not isinstance(raw, Mapping):
        raise ValidationError("Invalid query", {"source": "query"})
    if strict:
        for key in raw:
            if key not in ALLOWED_KEYS:
                raise ValidationError(
                    f"Invalid key {key}",
                    {"key": str(key), "path": None, "source": "query", "param": str(key)},
                )
    scope = Scope(registry, can_read, "filters", visible=visible)
    filters = filter_node(ct, raw.get("filters"), scope)
    sort = parse_sort(ct, raw.get("sort"), scope.under("sort"))
    fields = parse_fields(ct, raw.get("fields"), scope.under("fields"))
    populate = parse_populate(ct, raw.get("populate"), scope.under("populate"))
    search = _string(raw, "_q")
    status = _string(raw, "status")
    if not ct.draft_and_publish:
        status = None
    elif status is not None and status not in STATUSES:
        raise ValidationError(
            "Invalid status parameter. Expected 'draft' or 'published'",
            {"key": "status", "path": None, "source": "query", "param": "status"},
        )
    locale = _string(raw, "locale")  # checked against the locales by the document service
    if not ct.localized:
        locale = None
    _string(raw, "publicationFilter")
    pagination = None
    if action == "find":
        if raw.get("page") is not None or raw.get("pageSize") is not None:
            raise PaginationError(ROOT_PAGINATION, {"source": "query", "param": "pagination"})
        pagination = parse_pagination(raw.get("pagination"), limits)
    return Query(filters=filters, sort=sort, pagination=pagination, fields=fields,
                 populate=populate, search=search or None, status=status, locale=locale or None)


def _string(raw: Mapping[str, Any], key: str) -> str | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, str):
        raise ValidationError(
            f"Invalid {key} parameter. Expected a string",
            {"key": key, "path": None, "source": "query", "param": key},
        )
    return value
