"""The validated :class:`ContentType`: one schema.json, ready for every consumer."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from cms.content.attributes import Attribute

#: ``component``: a component schema (``components/<category>/<name>.json``), never a route or a table
Kind = Literal["collectionType", "singleType", "component"]


@dataclass(frozen=True)
class ContentType:
    """A content type as declared in Strapi's schema format.

    Consumers (models, REST, admin, realtime) read this object and never the
    JSON file. ``uid`` follows Strapi: ``api::message.message`` for
    ``content_types/message/``, ``plugin::<plugin>.<name>`` for a plugin's type.
    """

    uid: str
    kind: Kind
    collection_name: str
    singular_name: str
    plural_name: str
    display_name: str
    attributes: Mapping[str, Attribute]
    source: Path
    #: how messages name the file: relative to the project when possible
    label: str = ""
    description: str = ""
    plugin: str | None = None
    draft_and_publish: bool = False
    #: composite indexes (our extension of Strapi's ``options``), as tuples of attribute
    #: names: every declared index, unique or not
    indexes: tuple[tuple[str, ...], ...] = ()
    #: those of :attr:`indexes` declared ``"unique": true`` (NULLs never collide)
    unique_indexes: tuple[tuple[str, ...], ...] = ()
    #: other UIDs that name this type, e.g. ``plugin::users-permissions.user``
    aliases: tuple[str, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict, repr=False)
    plugin_options: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @cached_property  # read on every request of every type: computed once
    def localized(self) -> bool:
        """``pluginOptions.i18n.localized``: a document has one version per locale, each a row
        with a ``locale`` column (cms.documents; the locales come from the ``i18n`` service)."""
        i18n = self.plugin_options.get("i18n")
        return not self.is_component and isinstance(i18n, Mapping) and i18n.get("localized") is True

    @property
    def model_name(self) -> str:
        """Python class name of the generated model: ``chat-user`` → ``ChatUser``."""
        return "".join(part.capitalize() for part in re.split(r"[-_]", self.singular_name))

    @property
    def directory(self) -> Path:
        """The folder holding schema.json, and optionally lifecycles.py."""
        return self.source.parent

    @property
    def is_component(self) -> bool:
        return self.kind == "component"

    def component_attributes(self) -> Iterator[Attribute]:
        return (a for a in self.attributes.values() if a.is_component)

    @property
    def is_single(self) -> bool:
        return self.kind == "singleType"

    def scalar_attributes(self) -> Iterator[Attribute]:
        return (a for a in self.attributes.values() if a.is_scalar)

    def relation_attributes(self) -> Iterator[Attribute]:
        return (a for a in self.attributes.values() if a.is_relation)

    def hidden_names(self) -> frozenset[str]:
        """Attributes that must never appear in any output."""
        return frozenset(a.name for a in self.attributes.values() if a.hidden)
