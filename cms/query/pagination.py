"""``pagination`` → :class:`ast.Pagination` with the offset and limit to apply.

Page mode (``page``, ``pageSize``) or offset mode (``start``, ``limit``), each
with ``withCount``; no parameter means page 1 of ``default_limit`` entries.
Values follow Strapi's REST service (``core-api/service/pagination.ts``):

- ``pageSize`` and ``limit`` above ``max_limit`` are capped silently; ``limit=-1``
  means "no limit" and is then capped too; ``default_limit=-1`` with no
  parameter means no limit at all (``limit`` None, ``page_size`` -1, which is
  what Strapi reports in ``meta``). ``max_limit`` <= 0 disables the cap.
- ``limit=0`` becomes 1 (Strapi's ``ensureMinValues``).

- ``page`` below 1 is page 1 (``page=0`` answers 200, as Strapi does). A ``page``
  that is not an integer is Strapi's 400 ``ValidationError`` "Invalid parameter
  at 'start'. Expected integer >= 0, received: NaN" with empty details
  (Strapi computes the offset from it; clients match on that answer).
- Mixing page and offset keys is a 400 ``PaginationError`` with empty details.

Decisions where Strapi is lenient or inconsistent (it clamps ``pageSize=0``
silently), chosen strict:

- ``pageSize`` must be an integer > 0, ``start`` an integer >= 0 and
  ``limit`` an integer >= -1, else 400 PaginationError. Integers are decimal
  digits (``"10"``; JSON ints), not ``"1e1"`` or ``"10.0"``.
- A key other than the five above, or a ``pagination`` that is not an
  object, is a PaginationError; a bare key (``pagination[page]``) is absent.
- The offset of a capped page uses the capped size (``pageSize=250`` with a
  cap of 100 on page 2 starts at 100), not Strapi v5's uncapped size
  (strapi/strapi#22483, an open bug that skips entries).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cms.errors import PaginationError, ValidationError
from cms.query.ast import Pagination
from cms.query.values import parse_bool

MIXED = "Cannot use both page & offset pagination in the same query"
INVALID_WITH_COUNT = 'Invalid withCount parameter. Expected "t","1","true","false","0","f"'
_PAGE_KEYS = ("page", "pageSize")
_OFFSET_KEYS = ("start", "limit")
_KEYS = (*_PAGE_KEYS, *_OFFSET_KEYS, "withCount")
_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")


@dataclass(frozen=True)
class Limits:
    """``api.rest`` configuration: Strapi's ``defaultLimit``, ``maxLimit``, ``withCount``."""

    default_limit: int = 25
    max_limit: int = 100
    with_count: bool = True


def parse_pagination(raw: Any, limits: Limits) -> Pagination:
    """The pagination of a find query (``raw`` is the ``pagination`` value)."""
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise PaginationError("Invalid pagination parameter. Expected an object",
                              _details())
    for key in raw:
        if key not in _KEYS:
            raise PaginationError(
                f"Invalid pagination attribute {key}. "
                "Expected page, pageSize, start, limit or withCount",
                _details(key=str(key)),
            )
    given = {k: v for k, v in raw.items() if v is not None}
    with_count = _with_count(given.get("withCount", limits.with_count))
    by_page = any(k in given for k in _PAGE_KEYS)
    by_offset = any(k in given for k in _OFFSET_KEYS)
    if by_page and by_offset:
        raise PaginationError(MIXED, {})
    if by_offset:
        start = _integer(given, "start", 0, minimum=0, rule=">= 0")
        limit = _integer(given, "limit", limits.default_limit, minimum=-1, rule=">= 0 or -1")
        capped = _cap(limit if limit == -1 else max(limit, 1), limits.max_limit)
        return Pagination("offset", start, capped, with_count, page=1,
                          page_size=-1 if capped is None else capped)
    if not by_page:
        if limits.default_limit == -1:
            return Pagination("page", 0, None, with_count, page=1, page_size=-1)
        size = _cap(max(limits.default_limit, 1), limits.max_limit)
        shown = -1 if size is None else size
        return Pagination("page", 0, size, with_count, page=1, page_size=shown)
    page = _page(given)
    default = limits.default_limit if limits.default_limit == -1 else max(limits.default_limit, 1)
    size = _cap(_integer(given, "pageSize", default, minimum=1, rule="> 0"),
                limits.max_limit)
    if size is None:  # default_limit -1 and no cap: one page holds everything
        return Pagination("page", 0, None, with_count, page=page, page_size=-1)
    return Pagination("page", (page - 1) * size, size, with_count, page=page, page_size=size)


def _integer(given: Mapping[str, Any], key: str, default: int, *, minimum: int, rule: str) -> int:
    if key not in given:
        return default
    value = given[key]
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        number = int(value.strip())
    if number is None or number < minimum:
        raise PaginationError(
            f"Invalid '{key}' parameter. Expected an integer {rule}, received: {value}",
            _details(key=key),
        )
    return number


def _page(given: Mapping[str, Any]) -> int:
    """``page`` as Strapi reads it: integers below 1 are page 1, anything else is refused
    the way Strapi refuses the offset it would compute from it."""
    value = given.get("page", 1)
    if isinstance(value, int) and not isinstance(value, bool):
        return max(value, 1)
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        return max(int(value.strip()), 1)
    raise ValidationError("Invalid parameter at 'start'. Expected integer >= 0, received: NaN", {})


def _with_count(value: Any) -> bool:
    flag = parse_bool(value)
    if flag is None:
        raise ValidationError(INVALID_WITH_COUNT, _details(key="withCount"))
    return flag


def _cap(limit: int, max_limit: int) -> int | None:
    """``limit`` under the configured cap; -1 (no limit) becomes the cap, or None."""
    if max_limit <= 0:
        return None if limit == -1 else limit
    return max_limit if limit == -1 else min(limit, max_limit)


def _details(**extra: Any) -> dict[str, Any]:
    return {**extra, "source": "query", "param": "pagination"}
