"""The registry: every validated content type, looked up by UID or route name."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from cms.content.schema import ContentType


class Registry:
    """Every content type of the project, in load order.

    Built once at start-up by :func:`cms.content.loader.load_registry` and read
    by every builder (models, routes, admin, realtime); nothing writes to it
    afterwards.

    >>> registry.get("api::message.message").plural_name
    'messages'
    >>> registry.get("plugin::users-permissions.user") is registry.get("api::registered-user.registered-user")
    True
    """

    def __init__(self, types: Iterable[ContentType], components: Iterable[ContentType] = ()) -> None:
        self._types: dict[str, ContentType] = {}
        #: components by UID (``shared.seo``): never iterated with the types (no table, no route)
        self.components: dict[str, ContentType] = {c.uid: c for c in components}
        self._aliases: dict[str, str] = {}
        for ct in types:
            self._types[ct.uid] = ct
            for alias in ct.aliases:
                self._aliases[alias] = ct.uid

    def resolve(self, uid: str) -> str | None:
        """The canonical UID for ``uid`` or one of its aliases; None if unknown."""
        if uid in self._types:
            return uid
        return self._aliases.get(uid)

    def get(self, uid: str) -> ContentType:
        canonical = self.resolve(uid)
        if canonical is None:
            raise KeyError(f"unknown content type {uid!r}")
        return self._types[canonical]

    def component(self, uid: str) -> ContentType:
        """The component ``uid`` (``shared.seo``)."""
        return self.components[uid]

    def __contains__(self, uid: object) -> bool:
        return isinstance(uid, str) and self.resolve(uid) is not None

    def __iter__(self) -> Iterator[ContentType]:
        return iter(self._types.values())

    def __len__(self) -> int:
        return len(self._types)

    def by_route_name(self, name: str) -> ContentType | None:
        """The type served at ``/api/<name>``: plural name of a collection, singular of a single type."""
        for ct in self._types.values():
            if name == (ct.singular_name if ct.is_single else ct.plural_name):
                return ct
        return None
