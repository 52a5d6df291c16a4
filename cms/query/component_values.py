"""Stored component values → what a populated component shows (Strapi v5's shapes).

A stored value (:mod:`cms.models.components`) already holds its fields in
their JSON form; reading it means keeping what the populate asks for: the
item's ``id`` (and ``__component`` in a dynamic zone), its visible scalar
fields (``fields`` narrows them), and only the relations, media and nested
components that are populated, as Strapi returns them. Private and password
fields inside never leave. Relations inside are row ids here; each becomes a
:class:`Pending` that the reader resolves into documents with one query per
target and populate shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cms.content import Attribute, ContentType, Registry
from cms.query.ast import Populate


@dataclass
class Pending:
    """Relation fields inside components, of one target and populate shape, waiting for documents."""

    target: str
    spec: Populate
    ids: set[int] = field(default_factory=set)
    #: (item, field name, stored ids, to-many)
    slots: list[tuple[dict[str, Any], str, Any, bool]] = field(default_factory=list)


class Shaper:
    """Shapes one read's component values, gathering the relations to resolve."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.pending: dict[tuple[str, str], Pending] = {}

    def value(self, attr: Attribute, stored: Any, spec: Populate) -> Any:
        """What ``attr`` shows for its ``stored`` value under ``spec``."""
        if attr.is_list:
            items = stored if isinstance(stored, list) else []
            shown = []
            for item in items:
                if not isinstance(item, dict):
                    continue
                uid = item.get("__component") if attr.type == "dynamiczone" else attr.component
                component = self.registry.components.get(uid or "")
                if component is None:  # a component removed from the schema since
                    continue
                item_spec = spec.on.get(uid or "") if spec.on else spec
                if item_spec is None:  # ``on`` names other components only: this one as a whole
                    item_spec = Populate()
                shown.append(self.item(component, item, item_spec, attr.type == "dynamiczone"))
            return shown
        if not isinstance(stored, dict):
            return None
        return self.item(self.registry.component(attr.component or ""), stored, spec, False)

    def item(self, component: ContentType, stored: dict[str, Any], spec: Populate, in_zone: bool) -> dict[str, Any]:
        shown: dict[str, Any] = {"__component": component.uid} if in_zone else {}
        shown["id"] = stored.get("id")
        for attr in component.attributes.values():
            name = attr.name
            if attr.hidden:
                continue
            if attr.is_scalar:
                if spec.fields is None or name in spec.fields:
                    shown[name] = stored.get(name, attr.default)
                continue
            inner = spec.populate.get(name)
            if inner is None:
                continue
            if attr.is_component:
                shown[name] = self.value(attr, stored.get(name), inner)
                continue
            key = (attr.target or "", repr(inner))
            pending = self.pending.get(key)
            if pending is None:
                pending = self.pending[key] = Pending(attr.target or "", inner)
            ids = stored.get(name)
            listed = ids if isinstance(ids, list) else [ids] if isinstance(ids, int) else []
            pending.ids.update(i for i in listed if isinstance(i, int))
            pending.slots.append((shown, name, ids, attr.is_to_many))
            shown[name] = [] if attr.is_to_many else None
        return shown


def fill(pending: Pending, documents: list[dict[str, Any]]) -> None:
    """Put the documents read for ``pending`` in their places, in stored order; ids of entries
    that no longer exist (no foreign key guards them) are left out."""
    by_id = {document["id"]: document for document in documents}
    for item, name, ids, to_many in pending.slots:
        if to_many:
            item[name] = [by_id[i] for i in (ids or []) if i in by_id]
        else:
            item[name] = by_id.get(ids) if isinstance(ids, int) else None
