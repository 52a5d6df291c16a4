"""``fields`` → the scalar attributes to return (``id``/``documentId`` always are).

Shapes: ``fields=title``, a comma string ``fields=title,body``, the list form
``fields[0]=title`` (items comma-split too, as Strapi does), and ``fields=*``
(everything, i.e. None). Only scalar attributes and the system fields are
selectable; relations and media need ``populate``. An unknown, private or
password name, or a relation, is ``Invalid key <name>`` (Strapi's
``defaultValidateFields``).

Decisions: ``id`` and ``documentId`` are accepted and dropped from the result
(they are always returned, and :class:`ast.Query` says so); duplicates are
dropped, first position kept; empty comma segments are skipped, and an empty
``fields=`` selects everything (Strapi's behaviour there is a database error).
"""

from __future__ import annotations

from typing import Any

from cms.content import ContentType
from cms.query.values import Scope, as_list, lookup

INVALID_FIELDS = "Invalid fields parameter. Expected a string or an array of strings"
ALWAYS_RETURNED = ("id", "documentId")


def parse_fields(ct: ContentType, raw: Any, scope: Scope) -> tuple[str, ...] | None:
    """The attribute names to select on ``ct``, or None for all of them."""
    if raw is None or raw == "*":
        return None
    if isinstance(raw, str):
        items: list[Any] = [raw]
    else:
        listed = as_list(raw)
        if listed is None:
            raise scope.error(INVALID_FIELDS)
        items = listed
    names: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise scope.error(INVALID_FIELDS)
        names += (part.strip() for part in item.split(",") if part.strip())
    if not names:
        return None
    selected: dict[str, None] = {}
    for name in names:
        attr = lookup(ct, name)
        if attr is None:
            raise scope.invalid_key(name, None)
        if scope.hidden(ct, attr) or not attr.is_scalar:
            raise scope.invalid_key(name, name)
        if name not in ALWAYS_RETURNED:
            selected[name] = None
    return tuple(selected)
