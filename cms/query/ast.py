"""The parsed, validated form of a Strapi query: what the SQL compiler consumes.

``cms.query.params`` turns the raw (qs-parsed) query into these objects,
checking every key against the content type; ``cms.query.sql`` compiles them.
Permission conditions (filters with ``$user.*`` variables) parse into the same
:data:`Node` tree, so one compiler serves ``?filters=`` and conditions alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Union

#: Comparison operators of Strapi's filter language.
OPERATORS = frozenset({
    "$eq", "$eqi", "$ne", "$nei", "$lt", "$lte", "$gt", "$gte", "$in", "$notIn",
    "$contains", "$notContains", "$containsi", "$notContainsi", "$null", "$notNull",
    "$between", "$startsWith", "$startsWithi", "$endsWith", "$endsWithi",
})
LOGICAL = frozenset({"$and", "$or", "$not"})


@dataclass(frozen=True)
class Variable:
    """A placeholder in a permission condition, e.g. ``$user.id``, bound at query time."""

    name: str  # "user.id"

    def lookup(self, variables: dict[str, Any]) -> Any:
        """This variable's value in ``variables`` (``{"user": {"id": 1}}``), None when unbound."""
        current: Any = variables
        for part in self.name.split("."):
            current = current.get(part) if isinstance(current, dict) else None
        return current


def bind(value: Any, variables: dict[str, Any]) -> Any:
    """A condition's value with its variables (also inside lists) replaced by their values."""
    if isinstance(value, Variable):
        return value.lookup(variables)
    if isinstance(value, list):
        return [bind(v, variables) for v in value]
    return value


@dataclass(frozen=True)
class Condition:
    """``path`` compared by ``operator`` with ``value``.

    ``path`` walks relations: every element but the last is a relation
    attribute, the last a scalar attribute or system field (``id``,
    ``documentId``, ``createdAt``, ...). ``value`` is already cast to the
    attribute's Python type: a list for ``$in``/``$notIn``/``$between`` (two
    items), a bool for ``$null``/``$notNull``; any item may be a
    :class:`Variable`.
    """

    path: tuple[str, ...]
    operator: str
    value: Any


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


Node = Union[Condition, And, Or, Not]


@dataclass(frozen=True)
class SortKey:
    """Order by ``path`` (relations then a scalar, as in :class:`Condition`)."""

    path: tuple[str, ...]
    descending: bool = False


@dataclass(frozen=True)
class Pagination:
    """Normalised pagination; ``mode`` decides the shape of ``meta.pagination``.

    ``limit`` is None for "no limit" (only reachable through configuration).
    """

    mode: Literal["page", "offset"]
    offset: int
    limit: int | None
    with_count: bool = True
    page: int = 1
    page_size: int = 25


@dataclass(frozen=True)
class Populate:
    """What to load for one relation, with its own nested query parts."""

    fields: tuple[str, ...] | None = None
    filters: Node | None = None
    sort: tuple[SortKey, ...] = ()
    populate: dict[str, Populate] = field(default_factory=dict)
    #: dynamic zones only: per component UID, what to return of its items (``populate[blocks][on]``);
    #: a component not named here is returned whole when the zone has no ``on``
    on: dict[str, Populate] = field(default_factory=dict)


@dataclass(frozen=True)
class Query:
    """A whole find/findOne query on one content type."""

    filters: Node | None = None
    sort: tuple[SortKey, ...] = ()
    pagination: Pagination | None = None
    #: scalar attributes to return (id and documentId always are); None = all
    fields: tuple[str, ...] | None = None
    populate: dict[str, Populate] = field(default_factory=dict)
    #: ``_q`` full-text-ish search over the type's string attributes
    search: str | None = None
    #: ``status`` (``draft`` or ``published``), read only for types with draft & publish
    #: (:class:`cms.documents.DocumentService` applies it); None for the others
    status: str | None = None
    #: ``locale`` (a locale's code), read only for localized types (the document service checks
    #: it against the locales and uses the default one when it is None); None for the others
    locale: str | None = None
