"""Tortoise models generated from the registry at start-up.

Tortoise cannot change a model at runtime, so, as in Strapi, a schema change
means a migration and a restart. The generated classes live in a synthetic
module registered in ``sys.modules`` so that Tortoise and aerich can import
them by name like any hand-written models module.

How relations are stored (the owning side holds the data):

=================  ==========================================================
``manyToOne``      foreign-key column on this table (always the owning side)
``oneWay``         foreign-key column, no reverse accessor
``oneToOne``       one-to-one column, unless this side is ``mappedBy``
``manyToMany``     join table ``<collection>_<attr>_lnk``, unless ``mappedBy``
``manyWay``        join table, no reverse accessor
``oneToMany``      the reverse of the target's ``manyToOne`` when paired;
                   a join table when it has no inverse side
=================  ==========================================================

A to-one relation whose foreign key would close a cycle between tables (a
writer's favourite book while each book has a writer) is stored in a join
table instead, because neither table could be created first (Tortoise refuses
such schemas). :attr:`Models.joined_to_one` lists these; the layers above treat
them as to-one relations all the same.

Composite indexes (``options.indexes``) become ``Meta.indexes``, the unique ones
``Meta.unique_together``: aerich writes both into migrations (a unique index is
``CREATE UNIQUE INDEX "uid_<table>_..."``), and NULLs never collide in them.
"""

from __future__ import annotations

import secrets
import string
import sys
import types
import warnings
from collections.abc import Iterator
from typing import Any

from tortoise import fields
from tortoise.models import Model

from cms.content import Attribute, ContentType, Problem, Registry, SchemaError
from cms.models.components import component_field
from cms.models.fields import column_name, scalar_field, unique_column
from cms.models.storage import Storage

APP_LABEL = "models"
DEFAULT_MODULE = "cms_models"
# A project without content types yet (and without plugins that bring some) has an empty models
# module, which Tortoise warns about at every start and migration: that is no mistake here.
warnings.filterwarnings("ignore", message=f'Module "{DEFAULT_MODULE}" has no models', category=RuntimeWarning)
_ALPHABET = string.ascii_lowercase + string.digits


def new_document_id() -> str:
    """A random 24-character lowercase alphanumeric id, the public key of an entry.

    One draw of random bytes per id (not one per character); bytes of 252 and
    above are rejected so that each of the 36 characters is equally likely.
    """
    chars: list[str] = []
    while len(chars) < 24:
        chars += [_ALPHABET[b % 36] for b in secrets.token_bytes(32) if b < 252]
    return "".join(chars[:24])


class Models:
    """The generated model classes, by content-type UID.

    >>> models = build_models(registry)
    >>> Message = models["api::message.message"]
    """

    def __init__(self, module: types.ModuleType, by_uid: dict[str, type[Model]], registry: Registry,
                 storage: dict[tuple[str, str], Storage]):
        self.module = module
        self.registry = registry
        self._by_uid = by_uid
        self._storage = storage

    @property
    def joined_to_one(self) -> frozenset[tuple[str, str]]:
        """(UID, attribute) of to-one relations stored in a join table (see module docs)."""
        return frozenset((uid, name) for (uid, name), storage in self._storage.items()
                         if storage.kind == "join" and storage.owning
                         and not self.registry.get(uid).attributes[name].is_to_many)

    def storage(self, uid: str, attribute: str) -> Storage:
        """Where the links of relation ``attribute`` of type ``uid`` live."""
        return self._storage[(self.registry.get(uid).uid, attribute)]

    @property
    def module_name(self) -> str:
        return self.module.__name__

    def __getitem__(self, uid: str) -> type[Model]:
        return self._by_uid[self.registry.get(uid).uid]

    def __iter__(self) -> Iterator[type[Model]]:
        return iter(self._by_uid.values())

    def items(self) -> Iterator[tuple[ContentType, type[Model]]]:
        return ((self.registry.get(uid), model) for uid, model in self._by_uid.items())


def build_models(registry: Registry, module_name: str = DEFAULT_MODULE) -> Models:
    """Create one Model class per content type in a fresh module named ``module_name``."""
    module = types.ModuleType(module_name, "Models generated from content_types/*/schema.json")
    problems: list[Problem] = []
    by_uid: dict[str, type[Model]] = {}
    links = _ForeignKeyGraph()
    storage: dict[tuple[str, str], Storage] = {}
    for ct in registry:
        # draft & publish: a document is a draft row and, once published, a published row
        # with the same documentId, so documentId and unique attributes are unique per
        # status, by partial unique indexes (cms.models.migrations) and by the document service
        # i18n (localized types): a row per (documentId, locale, status), so the same, per
        # locale too (the locale column joins those indexes)
        versions = ct.draft_and_publish or ct.localized
        attrs: dict[str, Any] = {
            "id": fields.IntField(primary_key=True),
            "documentId": fields.CharField(
                max_length=24, unique=not versions, db_index=versions, source_field="document_id",
                default=new_document_id,
            ),
        }
        for attr in ct.attributes.values():
            if hasattr(Model, attr.name):
                problems.append(Problem(ct.label, "name clashes with a method of the ORM's models", attr.name))
                continue
            if attr.is_scalar:
                attrs[attr.name] = scalar_field(attr, per_status=versions)
            elif attr.is_component:  # one JSON column (cms.models.components)
                attrs[attr.name] = component_field(attr)
            elif attr.is_relation:
                relation = _relation_field(ct, attr, registry, links)
                if relation is not None:
                    attrs[attr.name], storage[(ct.uid, attr.name)] = relation
        attrs["createdAt"] = fields.DatetimeField(auto_now_add=True, source_field="created_at")
        attrs["updatedAt"] = fields.DatetimeField(auto_now=True, source_field="updated_at")
        attrs["publishedAt"] = fields.DatetimeField(null=True, source_field="published_at")
        if ct.localized:  # the locale's code; null only between turning i18n on and the next start
            attrs["locale"] = fields.CharField(max_length=35, null=True, source_field="locale")
        # who wrote the entry in the admin (an admin user's id); never part of API output
        attrs["createdById"] = fields.IntField(null=True, source_field="created_by_id")
        attrs["updatedById"] = fields.IntField(null=True, source_field="updated_by_id")
        attrs["Meta"] = type("Meta", (), {
            "table": ct.collection_name,
            "app": APP_LABEL,
            # aerich diffs both (a unique index is created and dropped as one)
            "indexes": tuple(i for i in ct.indexes if i not in ct.unique_indexes),
            "unique_together": tuple(ct.unique_indexes),
        })
        attrs["__module__"] = module_name
        attrs["__qualname__"] = ct.model_name
        model = type(ct.model_name, (Model,), attrs)
        model.__doc__ = ct.description or ct.display_name
        #: columns unique per status (draft & publish types only; cms.models.migrations indexes them)
        model._cms_unique_per_status = (  # type: ignore[attr-defined]
            ("document_id", *(column_name(a.name) for a in ct.scalar_attributes() if a.unique and unique_column(a)))
            if versions else ())
        #: the columns those are unique together with (besides the status): the locale of a localized type
        model._cms_unique_scope = ("locale",) if ct.localized else ()  # type: ignore[attr-defined]
        setattr(module, ct.model_name, model)
        by_uid[ct.uid] = model
    if problems:
        raise SchemaError(problems)
    for ct in registry:  # inverse sides see the owning side's links from the other end
        for attr in ct.relation_attributes():
            if (ct.uid, attr.name) not in storage and attr.target:
                owner = storage[(attr.target, attr.mapped_by or attr.inversed_by or "")]
                storage[(ct.uid, attr.name)] = owner.flipped(attr.target, registry.get(attr.target).collection_name)
    module.__all__ = [m.__name__ for m in by_uid.values()]  # type: ignore[attr-defined]
    sys.modules[module_name] = module
    return Models(module, by_uid, registry, storage)


class _ForeignKeyGraph:
    """Foreign keys between tables; refuses the edge that would close a cycle."""

    def __init__(self) -> None:
        self.edges: dict[str, set[str]] = {}

    def add(self, source: str, target: str) -> bool:
        """Record a foreign key ``source → target``; False if it must live in a join table."""
        if source != target and self._reaches(target, source):
            return False
        self.edges.setdefault(source, set()).add(target)
        return True

    def _reaches(self, start: str, goal: str) -> bool:
        seen, stack = set(), [start]
        while stack:
            node = stack.pop()
            if node == goal:
                return True
            if node not in seen:
                seen.add(node)
                stack.extend(self.edges.get(node, ()))
        return False


def stores_relation(attr: Attribute) -> bool:
    """Whether this side of a relation owns a column or join table (see module docs)."""
    if attr.relation in ("manyToOne", "oneWay", "manyWay"):
        return True
    if attr.relation == "oneToMany":
        return attr.inversed_by is None and attr.mapped_by is None
    return attr.mapped_by is None


def _relation_field(ct: ContentType, attr: Attribute, registry: Registry, links: _ForeignKeyGraph) -> Any:
    if not stores_relation(attr):
        return None  # Tortoise adds the reverse accessor from the owning side
    assert attr.target is not None
    target = registry.get(attr.target)
    to = f"{APP_LABEL}.{target.model_name}"
    reverse = attr.inversed_by or attr.mapped_by
    to_one = attr.relation in ("manyToOne", "oneWay", "oneToOne")
    if to_one and links.add(ct.uid, target.uid):
        factory = fields.OneToOneField if attr.relation == "oneToOne" else fields.ForeignKeyField
        column = f"{column_name(attr.name)}_id"
        field = factory(
            to, related_name=reverse or False, null=True, on_delete=fields.SET_NULL,
            source_field=column, db_index=True,
        )
        return field, Storage("column", target.uid, target.collection_name, column=column)
    own_key = f"{column_name(ct.singular_name.replace('-', '_'))}_id"
    other_key = f"{column_name(target.singular_name.replace('-', '_'))}_id"
    if own_key == other_key:
        other_key = f"related_{other_key}"
    through = f"{ct.collection_name}_{column_name(attr.name)}_lnk"
    field = fields.ManyToManyField(
        to, through=through, backward_key=own_key, forward_key=other_key,
        related_name=reverse or f"{ct.collection_name}_{attr.name}_of",
    )
    return field, Storage("join", target.uid, target.collection_name, join_table=through,
                          join_self=own_key, join_other=other_key)
