"""The document service: the one place that reads and writes entries and fires lifecycles.

REST, the admin and the realtime plugin all call it, so a change is validated
the same way and fires its hooks exactly once whoever made it. Entries are
addressed by ``documentId``, the public identifier. Reads go through
:class:`cms.query.reader.Reader` (SQL built by us, rows shaped straight into
documents); writes go through the generated models inside one transaction.

A caller's :class:`~cms.permissions.Access` narrows everything: reads only see
entries matching its condition, updates and deletes of other entries are "not
found", and an entry created or updated must match the condition afterwards or
the whole write is rolled back (403).

Draft & publish (``options.draftAndPublish``, Strapi v5's Document Service
semantics): a document of such a type is a draft row (``publishedAt`` null)
and, once published, a published row with the same ``documentId``. Reads take
a ``status`` (``"draft"``, the service's default as in Strapi, or
``"published"``); writes edit the draft, and with ``status="published"``
publish it too (:meth:`DocumentService.publish`). Publishing copies the draft
onto the published row, updated in place once it exists (its row id stays, so
links to it stay); relations are copied mapped to the same status: a
published row links the published versions of draft & publish targets (none
while a target has no published version, linked when it is first published)
and the single row of other targets. Unique attributes are unique per status
(checked here with Strapi's 400, and by partial unique indexes). Types without
the option take none of these paths: one attribute test per call. A type
without the option that holds links to draft & publish documents links their
drafts (as writes resolve documentIds); its published reads show the linked
documents' published versions instead (:func:`_published_versions`).

Locales (``pluginOptions.i18n.localized``, Strapi v5): a document has a
version per locale, a row (or a draft and a published row) with a ``locale``
column. Every call takes a ``locale`` (the default one of ``app.locales`` when
None; an unknown code is Strapi's 400); ``update`` in a locale the document
lacks adds that translation. Attributes that are not localized are shared:
:meth:`DocumentService._share` copies them to the other locales' rows of the
same status. Relations link the target's version in the writer's locale,
unless a reference names another (``{documentId, locale}``).

Lifecycle events follow Strapi v5, where a write that publishes is a write and
then a publish: ``create``/``update`` with ``status="published"`` fire
``beforePublish`` before the write and ``afterPublish`` (its result the
published document) after ``afterCreate``/``afterUpdate``; ``publish()`` fires
only the publish pair. A subscriber that cares about what is public (the
realtime plugin's published subscribers) listens to ``afterPublish``,
``afterUnpublish`` and the deletes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import orjson
from tortoise.exceptions import IntegrityError
from tortoise.fields import JSONField
from tortoise.transactions import in_transaction

from cms.component_input import relation_writes
from cms.content import ContentType
from cms.errors import ForbiddenError, NotFoundError, ValidationError
from cms.lifecycles import LifecycleEvent
from cms.locales import ALL_LOCALES
from cms.models.components import merge, relation_ids, remap_relations
from cms.passwords import hash_password_async
from cms.permissions import Access
from cms.query.ast import And, Condition, Node, Pagination, Populate, Query, SortKey
from cms.query.reader import FIRST
from cms.query.sql import SQL, quote
from cms.validation import CleanData, RelationWrite, validate

if TYPE_CHECKING:
    from cms.app import CMS
    from cms.query.reader import Document

OPEN = Access()
DRAFT, PUBLISHED = "draft", "published"


class DocumentService:
    """Find, create, update and delete entries of one content type.

    >>> messages = DocumentService(app, "api::message.message")
    >>> doc = await messages.create({"text": "hello", "room": "lobby"})
    >>> page, total = await messages.find_many(Query(filters=...))
    >>> await messages.delete(doc["documentId"])
    """

    def __init__(self, app: CMS, uid: str) -> None:
        self.app = app
        self.content_type: ContentType = app.registry.get(uid)
        self.model = app.models[uid]
        #: draft & publish: each document has a draft row and maybe a published one
        self.versions = self.content_type.draft_and_publish
        #: i18n: each document has a version (a row, or a draft and a published row) per locale
        self.localized = self.content_type.localized
        #: whether any type of the project has draft & publish (else reads skip :meth:`_versioned`)
        self._any_versions = _has_versions(app.registry)
        self._versioned_queries: dict[int, tuple[Query, Query, str]] = {}

    def _status(self, status: str | None) -> str:
        """The status of a call on a draft & publish type: ``draft`` unless told (Strapi's default)."""
        if status is None:
            return DRAFT
        if status not in (DRAFT, PUBLISHED):
            raise ValidationError("Invalid status parameter. Expected 'draft' or 'published'",
                                  {"key": "status", "path": None, "source": "query", "param": "status"})
        return status

    def _locale(self, code: str | None) -> str | None:
        """The locale of a call on a localized type: ``code`` if it is one of the locales (else
        Strapi's 400), the default locale when None; None for a type that is not localized."""
        if not self.localized:
            return None
        return self.app.locales.default_locale() if code is None else self.app.locales.check(code)

    def _versioned(self, query: Query) -> Query:
        """``query`` on a project with draft & publish types: narrowed to the versions of its
        status if this type has the option, and its populated relations too where both
        versions of a related document link the entry (:func:`_versioned_populate`).

        REST hands the same parsed query object for the same query string (its parse
        cache), so the answer is kept by that object (the query kept with it, so its id
        is not reused): 512 at most."""
        default = self.app.locales.default_locale()  # editors may change it: part of the key
        kept = self._versioned_queries.get(id(query))
        if kept is not None and kept[0] is query and kept[2] == default:
            return kept[1]
        versioned = self._versioned_of(query)
        if len(self._versioned_queries) >= 512:
            self._versioned_queries.clear()
        self._versioned_queries[id(query)] = (query, versioned, default)
        return versioned

    def _versioned_of(self, query: Query) -> Query:
        if self.versions:
            status = self._status(query.status)
            query = self._of_status(query, status)
        else:  # as Strapi's content API: related documents in their published version unless told
            status = query.status if query.status in (DRAFT, PUBLISHED) else PUBLISHED
        locale = self._locale(query.locale)
        if locale is not None:
            query = _narrowed(query, Condition(("locale",), "$eq", locale))
        populate = _versioned_populate(self.app, self.content_type, query.populate, status,
                                       locale or self.app.locales.default_locale())
        return query if populate is query.populate else replace(query, populate=populate)

    def _of_status(self, query: Query, status: str | None = None) -> Query:
        """``query`` narrowed to the rows of ``status`` (``query.status`` when not given)."""
        only = Condition(("publishedAt",), "$null" if self._status(status or query.status) == DRAFT else "$notNull", True)
        return _narrowed(query, only)

    def _event(self, action: str, **params: Any) -> LifecycleEvent:
        return LifecycleEvent(action=action, model=self.content_type, params=params)

    # -- reads ----------------------------------------------------------------------

    async def find_many(self, query: Query, access: Access = OPEN) -> tuple[list[Document], int | None]:
        """A page of documents and its total; of a draft & publish type, the versions of
        ``query.status``: ``draft`` (the default, as Strapi's document service) or ``published``."""
        event = self._event("findMany", query=query)
        await self.app.lifecycles.fire("beforeFindMany", event)
        query = event.params["query"]
        if self._any_versions:
            query = self._versioned(query)
        query, localizations = self._without_localizations(query)
        documents, total = await self.app.reader.find_many(
            self.content_type, query, access.variables, access.condition)
        if localizations is not None:
            await self._localizations(documents, localizations, event.params["query"], access)
        if self._any_versions and query.populate:
            await self._published_targets(documents, query)
        event.result = documents
        await self.app.lifecycles.fire("afterFindMany", event)
        return documents, total

    async def find_one(self, document_id: str, query: Query | None = None, access: Access = OPEN) -> Document:
        """The document, or :class:`NotFoundError` (also when the caller may not see it); of a
        draft & publish type, its version of ``query.status`` (as :meth:`find_many`)."""
        if not _is_document_id(document_id):
            raise NotFoundError()
        query = query or Query()
        event = self._event("findOne", where={"documentId": document_id}, query=query)
        await self.app.lifecycles.fire("beforeFindOne", event)
        query = event.params["query"]
        by_id = Query(filters=_document_filter(event.params["where"]["documentId"], query.filters),
                      fields=query.fields, populate=query.populate)
        if self._any_versions:  # a new query each time: not kept
            by_id = self._versioned_of(replace(by_id, status=query.status, locale=query.locale))
        document = await self._read_one(replace(by_id, status=query.status, locale=query.locale), access)
        if document is None:
            raise NotFoundError()
        event.result = document
        await self.app.lifecycles.fire("afterFindOne", event)
        return document

    async def find_row(self, row_id: int, query: Query | None = None) -> Document | None:
        """The document of row ``row_id`` (one version of a document) as REST's findOne of that
        version shows it: ``query``'s fields and populate, relations resolved to ``query.status``
        and ``query.locale`` as REST resolves them (published, default locale, when None), None
        when the row is gone. No lifecycle hooks and no access check: for a plugin that has
        checked already and must answer exactly as REST (the realtime plugin's live events)."""
        query = query or Query()
        by_row = Query(filters=Condition(("id",), "$eq", row_id), fields=query.fields, populate=query.populate,
                       status=query.status, locale=query.locale)
        if self._any_versions:
            status = query.status if query.status in (DRAFT, PUBLISHED) else PUBLISHED
            populate = _versioned_populate(self.app, self.content_type, by_row.populate, status,
                                           self._locale(query.locale) or self.app.locales.default_locale())
            by_row = replace(by_row, populate=populate, status=status)
        return await self._read_one(by_row, OPEN)

    async def _read_one(self, query: Query, access: Access) -> Document | None:
        """One document of ``query`` (narrowed already, its ``status``/``locale`` those asked):
        read, then its ``localizations`` and the published versions its links name filled in."""
        narrowed, localizations = self._without_localizations(query)
        document = await self.app.reader.find_one(self.content_type, narrowed, access.variables, access.condition)
        if document is None:
            return None
        if localizations is not None:
            await self._localizations([document], localizations, query, access)
        if self._any_versions and narrowed.populate:
            await self._published_targets([document], narrowed)
        return document

    async def find_first(self, query: Query | None = None, access: Access = OPEN) -> Document | None:
        """The single type's entry (or the first match), None when there is none."""
        documents, _ = await self.find_many(replace(query or Query(), pagination=FIRST), access)
        return documents[0] if documents else None

    async def delete_locale(self, code: str) -> int:
        """Delete every version in locale ``code`` of every document of this type: what deleting
        a locale does to content, as in Strapi (the i18n plugin calls it). One statement, no
        per-document lifecycle events; how many rows went (0 for a type that is not localized)."""
        if not self.localized:
            return 0
        async with in_transaction() as conn:
            return int(await self.model.filter(locale=code).using_db(conn).delete())

    async def single_document_id(self) -> str | None:
        """The documentId of a localized single type's one document, whichever locales it has
        (None when there is none): a locale it lacks is added to it, not made a second one."""
        if not self.localized:
            return None
        found = await self.model.all().order_by("id").limit(1).values_list("documentId", flat=True)
        return found[0] if found else None

    async def count(self, query: Query | None = None, access: Access = OPEN) -> int:
        """How many entries match ``query`` (the ``beforeCount``/``afterCount`` hooks run around it)."""
        event = self._event("count", query=query or Query())
        await self.app.lifecycles.fire("beforeCount", event)
        counted = event.params["query"]
        if self.versions:
            counted = self._of_status(counted)
        if self.localized:
            counted = _narrowed(counted, Condition(("locale",), "$eq", self._locale(counted.locale)))
        event.result = await self.app.reader.count(self.content_type, counted, access.variables,
                                                   access.condition)
        await self.app.lifecycles.fire("afterCount", event)
        return int(event.result)

    def _without_localizations(self, query: Query) -> tuple[Query, Populate | None]:
        """``query`` without ``populate[localizations]`` (read apart: :meth:`_localizations`),
        and what was asked of it. Nested inside a populated relation it is left out."""
        if not self.localized or not _asks_localizations(query.populate):
            return query, None
        spec = query.populate.get("localizations")
        return replace(query, populate=_no_localizations(query.populate)), spec

    async def _localizations(self, documents: list[Document], spec: Populate, query: Query, access: Access) -> None:
        """Fill ``localizations`` of each document: its versions in the other locales, of the
        same status, with the fields asked (Strapi's ``populate=localizations``), by locale code."""
        if not documents:
            return
        locale = self._locale(query.locale)
        wanted: list[Node] = [Condition(("documentId",), "$in", sorted({d["documentId"] for d in documents})),
                              Condition(("locale",), "$ne", locale)]
        if self.versions:
            wanted.append(Condition(("publishedAt",), "$null" if self._status(query.status) == DRAFT else "$notNull", True))
        if spec.filters is not None:
            wanted.append(spec.filters)
        fields = spec.fields if spec.fields is None or "locale" in spec.fields else (*spec.fields, "locale")
        found, _ = await self.app.reader.find_many(self.content_type, Query(
            filters=And(tuple(wanted)), fields=fields, sort=spec.sort or (SortKey(("locale",)),),
            populate=_no_localizations(spec.populate)), access.variables, access.condition)
        by_document: dict[str, list[Document]] = {}
        for other in found:
            by_document.setdefault(other["documentId"], []).append(other)
        for document in documents:
            document["localizations"] = by_document.get(document["documentId"], [])

    async def _published_targets(self, documents: list[Document], query: Query) -> None:
        """Populated documents of types without draft & publish hold links to draft & publish
        documents that name their drafts (as writes link): under ``published`` (the default
        for them) each such linked document becomes its published version, read with the same
        fields and populate (left out while it has none), so a draft never shows, at any depth
        of the populate. Nothing to do for drafts."""
        status = self._status(query.status) if self.versions else (query.status or PUBLISHED)
        if status != DRAFT and _maps_drafts(self.app, self.content_type, query.populate):
            await _published_versions(self.app, self.content_type, documents, query.populate)

    # -- writes ---------------------------------------------------------------------

    async def create(self, data: Any, access: Access = OPEN, query: Query | None = None,
                     actor: int | None = None, status: str | None = None, locale: str | None = None) -> Document:
        """Validate and store a new entry; returns it as a document (``query`` picks fields/populate).

        ``actor`` is the admin user making the change, recorded as creator and
        last editor. Concurrent creates of one type share a transaction (see
        :class:`CommitGroup`): the answer comes once the entry is committed.
        Of a draft & publish type: a draft, also published (and answered in its
        published version) with ``status="published"``. Of a localized type: a
        document whose first version is in ``locale`` (the default one when None).
        """
        publish = self.versions and self._status(status) == PUBLISHED
        data, locale = self._split_locale(data, locale)
        clean = validate(self.content_type, data, partial=False, components=self.app.registry.components)
        event = self._event("create", data={**clean.scalars, **clean.relations, **clean.components}, locale=locale)
        await self.app.lifecycles.fire("beforeCreate", event)
        clean = self._from_event(event, clean)
        scalars = await self._scalars(clean.scalars)  # hashing happens before the write lock
        publishing = self._event("publish", where={}, data=event.params["data"], locale=locale) if publish else None
        if publishing is not None:
            await self.app.lifecycles.fire("beforePublish", publishing)
        pending = _NewEntry(clean, scalars, access, actor, _shape_only(query) or Query(), publish, locale)
        document = await self.writes().submit(pending)
        event.result = document
        await self.app.lifecycles.fire("afterCreate", event)
        if publishing is not None:
            publishing.params["where"] = {"documentId": document["documentId"]}
            publishing.result = document
            await self.app.lifecycles.fire("afterPublish", publishing)
        return document

    def writes(self) -> CommitGroup:
        """This type's group of concurrent creates (one per type and app)."""
        group = self.app.commit_groups.get(self.content_type.uid)
        if group is None:
            group = self.app.commit_groups[self.content_type.uid] = CommitGroup(self._insert, self._read_back)
        return group

    async def _insert(self, conn: Any, batch: list[_NewEntry]) -> list[int]:
        """Write a batch of new entries in transaction ``conn``; their row ids.

        References to other entries are looked up with one query per target
        type and grant conditions checked with one query for the batch; any
        failure raises, and :class:`CommitGroup` retries each entry alone.
        """
        known = await self._references(batch, conn)
        now = dt.datetime.now(dt.timezone.utc)
        ids = []
        checked: list[tuple[int, Access]] = []
        for item in batch:
            entry = _assign(self.model(), item.scalars)
            if self.localized:
                entry.locale = item.locale
            await self._components(entry, item.clean.components, conn, new=True)
            entry.publishedAt = None if self.versions else now  # a draft & publish type writes a draft
            entry.createdById = entry.updatedById = item.actor
            await self._unique(item.clean.scalars, None, conn, locale=item.locale)
            for name, write in item.clean.relations.items():
                storage = self.app.models.storage(self.content_type.uid, name)
                if storage.kind == "column" and write.connect:
                    code = self._ref_locale(storage.target_uid, write.connect[-1], write.locales, item.locale)
                    setattr(entry, f"{name}_id", known[(storage.target_uid, code, write.connect[-1])])
            await self._save(entry, conn)
            await self._write_links(entry.id, item.clean.relations, conn, item.locale)
            checked.append((entry.id, item.access))
            if item.publish:
                published = await self._publish_row(entry, conn, now)
                checked.append((published.id, item.access))
                ids.append(published.id)
            else:
                ids.append(entry.id)
        await self._check_conditions(checked, conn)
        return ids

    async def _references(self, batch: list[_NewEntry], conn: Any) -> dict[tuple[str, str | None, Any], int]:
        """Row ids of the documents the batch's to-one columns name, by (target, the entry's
        locale, reference); a missing one is a 400."""
        wanted: dict[tuple[str, str | None], set[Any]] = {}
        for item in batch:
            for name, write in item.clean.relations.items():
                storage = self.app.models.storage(self.content_type.uid, name)
                if storage.kind == "column" and write.connect:
                    code = self._ref_locale(storage.target_uid, write.connect[-1], write.locales, item.locale)
                    wanted.setdefault((storage.target_uid, code), set()).add(write.connect[-1])
        known: dict[tuple[str, str | None, Any], int] = {}
        for (target, locale), refs in wanted.items():
            found = await self._lookup(target, refs, conn, locale)
            known.update(((target, locale, ref), row_id) for ref, row_id in found.items())
        for item in batch:
            for name, write in item.clean.relations.items():
                storage = self.app.models.storage(self.content_type.uid, name)
                if storage.kind == "column" and write.connect:
                    code = self._ref_locale(storage.target_uid, write.connect[-1], write.locales, item.locale)
                    if (storage.target_uid, code, write.connect[-1]) not in known:
                        raise self._not_found(storage.target_uid, write.connect[-1], code)
        return known

    async def _read_back(self, batch: list[_NewEntry], ids: list[int]) -> list[Document]:
        """The committed entries as documents: one query per distinct fields/populate shape."""
        shapes: dict[str, list[int]] = {}
        for index, item in enumerate(batch):
            shapes.setdefault(repr((item.query.fields, item.query.populate)), []).append(index)
        documents: dict[int, Document] = {}
        for indexes in shapes.values():
            query = batch[indexes[0]].query
            wanted = [ids[i] for i in indexes]
            found, _ = await self.app.reader.find_many(self.content_type, Query(
                filters=Condition(("id",), "$in", wanted), fields=query.fields,
                populate=_no_localizations(query.populate),
                pagination=Pagination("offset", 0, len(wanted), with_count=False)))
            documents.update((d["id"], d) for d in found)
        return [documents[entry_id] for entry_id in ids]

    async def update(self, document_id: str, data: Any, access: Access = OPEN, query: Query | None = None,
                     actor: int | None = None, status: str | None = None, locale: str | None = None) -> Document:
        """Change an entry; of a draft & publish type, its draft, then with
        ``status="published"`` publish it (the answer is the version of ``status``).

        Of a localized type, its version in ``locale`` (the default one when None);
        a document without a version in that locale gets one (Strapi's way of
        adding a translation: its non-localized values are the document's, its
        localized ones come from ``data``, required ones included). Non-localized
        values written are copied to the document's other locales (same status).
        """
        publish = self.versions and self._status(status) == PUBLISHED
        if not _is_document_id(document_id):
            raise NotFoundError()
        data, locale = self._split_locale(data, locale)
        clean = validate(self.content_type, data, partial=True, components=self.app.registry.components)
        event = self._event("update", where={"documentId": document_id},
                            data={**clean.scalars, **clean.relations, **clean.components}, locale=locale)
        await self.app.lifecycles.fire("beforeUpdate", event)
        clean = self._from_event(event, clean)
        publishing = self._event("publish", where={"documentId": document_id}, locale=locale) if publish else None
        if publishing is not None:
            await self.app.lifecycles.fire("beforePublish", publishing)
        async with in_transaction() as conn:
            entry = await self._visible(document_id, access, conn, locale, missing_ok=self.localized)
            new_locale = entry is None
            if entry is None:  # a translation of an existing document
                entry = await self._new_locale(document_id, locale, access, conn)
            _assign(entry, await self._scalars(clean.scalars))
            await self._components(entry, clean.components, conn, new=new_locale)
            if new_locale:
                self._require(entry, clean)
            if actor is not None:
                entry.updatedById = actor
                if new_locale:
                    entry.createdById = actor
            await self._unique(clean.scalars, entry.id, conn,
                               document_id=entry.documentId if self.versions else None, locale=locale)
            await self._set_to_one_columns(entry, clean.relations, conn)
            await self._save(entry, conn)
            await self._write_links(entry.id, clean.relations, conn, locale)
            if self.localized:
                await self._share(entry, [*clean.scalars, *clean.components], conn)
            written = [(entry.id, access)]
            if publish:
                written.append(((await self._publish_row(entry, conn)).id, access))
            await self._check_conditions(written, conn)
        document = await self.find_one(document_id, _shape_only(query, PUBLISHED if publish else None, locale))
        event.result = document
        await self.app.lifecycles.fire("afterUpdate", event)
        if publishing is not None:
            publishing.result = document
            await self.app.lifecycles.fire("afterPublish", publishing)
        return document

    async def delete(self, document_id: str, access: Access = OPEN, locale: str | None = None) -> Document:
        """Remove an entry; returns what it was (as a document). Of a draft & publish type every
        version goes; of a localized type the versions in ``locale`` (the default one when
        None; ``"*"``: every locale), as Strapi's ``delete`` does."""
        if not _is_document_id(document_id):
            raise NotFoundError()
        every = self.localized and locale == ALL_LOCALES
        locale = None if every else self._locale(locale)
        if every:  # the answer is the version in the default locale, or in the first one there is
            codes = await self.model.filter(documentId=document_id).order_by("id").values_list("locale", flat=True)
            shown = self.app.locales.default_locale() if self.app.locales.default_locale() in codes else \
                (codes[0] if codes else None)
        else:
            shown = locale
        event = self._event("delete", where={"documentId": document_id}, locale=ALL_LOCALES if every else locale)
        await self.app.lifecycles.fire("beforeDelete", event)
        document = await self.find_one(document_id, Query(locale=shown), access=access)
        async with in_transaction() as conn:
            entry = await self._visible(document_id, access, conn, shown)
            if self.versions or self.localized:  # every version (of the locale) goes
                rows = self.model.filter(documentId=document_id)
                if locale is not None:
                    rows = rows.filter(locale=locale)
                await rows.using_db(conn).delete()
            else:
                await entry.delete(using_db=conn)
        event.result = document
        await self.app.lifecycles.fire("afterDelete", event)
        return document

    def _split_locale(self, data: Any, locale: str | None) -> tuple[Any, str | None]:
        """``data`` without ``locale`` (accepted in the body of a localized type's write, as
        Strapi's ``locale`` attribute, when the query names none) and the call's checked locale."""
        if self.localized and isinstance(data, dict) and "locale" in data:
            data = dict(data)
            named = data.pop("locale")
            if locale is None and named is not None:
                if not isinstance(named, str):
                    raise ValidationError("locale must be a string", {"errors": [
                        {"path": ["locale"], "message": "locale must be a string", "name": "ValidationError"}]})
                locale = named
        return data, self._locale(locale)

    async def _new_locale(self, document_id: str, locale: str | None, access: Access, conn: Any) -> Any:
        """A new row for ``document_id`` in ``locale`` (not saved yet) holding the document's
        non-localized values (from its first version the caller may see; else not found)."""
        rows = self.model.filter(documentId=document_id)
        if self.versions:
            rows = rows.filter(publishedAt__isnull=True)
        source = await rows.using_db(conn).order_by("id").first()
        if source is None or source.id not in await self._matching([(source.id, access)], conn):
            raise NotFoundError()
        entry = _assign(self.model(), self._stored(source, self._shared_names()))
        entry.documentId, entry.locale = document_id, locale
        entry.publishedAt = None if self.versions else dt.datetime.now(dt.timezone.utc)
        return entry

    def _require(self, entry: Any, clean: CleanData) -> None:
        """A new locale version: localized required attributes must be given (the 400 a create
        gives), defaults fill the others."""
        errors = []
        for attr in self.content_type.attributes.values():
            if not attr.localized or attr.is_relation or attr.name in clean.scalars or attr.name in clean.components:
                continue
            if attr.is_scalar and attr.default is not None:
                setattr(entry, attr.name, validate(self.content_type, {attr.name: attr.default}, partial=True,
                                                    components=self.app.registry.components).scalars[attr.name])
            elif attr.required:
                errors.append({"path": [attr.name], "message": f"{attr.name} must be defined.",
                               "name": "ValidationError"})
        if errors:
            raise ValidationError(errors[0]["message"] if len(errors) == 1 else f"{len(errors)} errors occurred",
                                  {"errors": errors})

    def _shared_names(self) -> list[str]:
        """Attributes a localized type's locales share (kept equal by :meth:`_share`)."""
        return [a.name for a in self.content_type.attributes.values()
                if (a.is_scalar or a.is_component) and not a.localized]

    def _stored(self, row: Any, names: list[str]) -> dict[str, Any]:
        """The values of ``names`` as ``row`` holds them, ready for :func:`_assign`."""
        fields_map = self.model._meta.fields_map
        values = {name: getattr(row, name) for name in names}
        for name, value in values.items():  # JSON reaches the ORM as text (see _assign)
            if value is not None and isinstance(fields_map.get(name), JSONField) and not isinstance(value, str):
                values[name] = orjson.dumps(value).decode()
        return values

    async def _share(self, entry: Any, written: list[str], conn: Any) -> None:
        """Non-localized values just written to ``entry`` go to the document's other locales
        (the rows of the same status: drafts when a draft is saved, published versions when one
        is published), as Strapi keeps them equal across a document's locales.

        Only rows whose values differ are written. A draft written so is edited (its
        ``updatedAt`` moves: that locale now has changes to publish); a published version is
        written without touching its ``updatedAt``, so another locale's unpublished edits
        still read as such (the admin's *Modified* compares the two)."""
        names = [name for name in self._shared_names() if name in written]
        if not names:
            return
        stored = await self.model.filter(id=entry.id).using_db(conn).first()
        values = self._stored(stored, names)
        rows = self.model.filter(documentId=entry.documentId, publishedAt__isnull=entry.publishedAt is None) \
            .exclude(id=entry.id).using_db(conn)
        for other in await rows:
            if self._stored(other, names) == values:
                continue
            if entry.publishedAt is None:
                _assign(other, values)
                await self._save(other, conn)
            else:  # a plain UPDATE: the ORM's save would stamp updatedAt
                await self.model.filter(id=other.id).using_db(conn).update(**values)

    # -- draft & publish ------------------------------------------------------------

    def _rows(self, document_id: str, status: str | None, locale: str | None) -> Any:
        """The ORM query of the document's rows of ``status`` (any when None) in ``locale``
        (every locale when None)."""
        rows = self.model.filter(documentId=document_id)
        if status is not None:
            rows = rows.filter(publishedAt__isnull=status == DRAFT)
        if locale is not None:
            rows = rows.filter(locale=locale)
        return rows

    def _need_versions(self) -> None:
        if not self.versions:
            raise ValidationError(f"{self.content_type.uid} does not have draft & publish enabled")

    async def publish(self, document_id: str, access: Access = OPEN, query: Query | None = None,
                      locale: str | None = None) -> Document:
        """Publish the draft: the published version becomes a copy of it; returns the published
        document (Strapi's ``publish``; hooks ``beforePublish``/``afterPublish``). Of a localized
        type, the draft in ``locale`` (the default one when None)."""
        self._need_versions()
        locale = self._locale(locale)
        event = self._event("publish", where={"documentId": document_id}, locale=locale)
        await self.app.lifecycles.fire("beforePublish", event)
        async with in_transaction() as conn:
            draft = await self._visible(document_id, access, conn, locale)
            published = await self._publish_row(draft, conn)
            await self._check_conditions([(published.id, access)], conn)
        event.result = await self.find_one(document_id, _shape_only(query, PUBLISHED, locale))
        await self.app.lifecycles.fire("afterPublish", event)
        return event.result

    async def unpublish(self, document_id: str, access: Access = OPEN, query: Query | None = None,
                        locale: str | None = None) -> Document:
        """Remove the published version (the draft stays); returns the draft (Strapi's
        ``unpublish``; hooks ``beforeUnpublish``/``afterUnpublish``). Links other published
        entries had to it go with it. Of a localized type, the version in ``locale``."""
        self._need_versions()
        locale = self._locale(locale)
        event = self._event("unpublish", where={"documentId": document_id}, locale=locale)
        await self.app.lifecycles.fire("beforeUnpublish", event)
        async with in_transaction() as conn:
            await self._visible(document_id, access, conn, locale)
            await self._rows(document_id, PUBLISHED, locale).using_db(conn).delete()
        event.result = await self.find_one(document_id, _shape_only(query, DRAFT, locale))
        await self.app.lifecycles.fire("afterUnpublish", event)
        return event.result

    async def discard_draft(self, document_id: str, access: Access = OPEN, query: Query | None = None,
                            locale: str | None = None) -> Document:
        """Reset the draft to the published version (Strapi's ``discardDraft``; hooks
        ``beforeDiscardDraft``/``afterDiscardDraft``); returns the draft. A document never
        published has nothing to go back to: :class:`NotFoundError`. Of a localized type,
        the version in ``locale``."""
        self._need_versions()
        locale = self._locale(locale)
        event = self._event("discardDraft", where={"documentId": document_id}, locale=locale)
        await self.app.lifecycles.fire("beforeDiscardDraft", event)
        async with in_transaction() as conn:
            draft = await self._visible(document_id, access, conn, locale)
            published = await self._rows(document_id, PUBLISHED, locale).using_db(conn).first()
            if published is None:
                raise NotFoundError("No published version to discard the draft for")
            await self._copy_version(published, draft, None, conn)
        event.result = await self.find_one(document_id, _shape_only(query, DRAFT, locale))
        await self.app.lifecycles.fire("afterDiscardDraft", event)
        return event.result

    async def ensure_drafts(self) -> int:
        """Give every published row without a draft its draft (a copy): what turning draft &
        publish on for a type with entries needs, since they were all published. Returns how
        many were made; one query when none is missing (run at every start)."""
        if not self.versions:
            return 0
        table = quote(self.content_type.collection_name)
        async with in_transaction() as conn:
            _, rows = await conn.execute_query(
                f"SELECT p.id FROM {table} p WHERE p.published_at IS NOT NULL AND NOT EXISTS "
                f"(SELECT 1 FROM {table} d WHERE d.document_id = p.document_id AND d.published_at IS NULL"
                f"{_same_locale('d', 'p', self.localized)})")
        made = 0
        for row in rows:
            try:
                async with in_transaction() as conn:
                    published = await self.model.filter(id=row["id"]).using_db(conn).first()
                    if published is not None:
                        draft = await self._copy_version(published, None, None, conn)
                        await self._relink_drafts(published.id, draft.id, conn)
                        made += 1
            except IntegrityError:  # another process made it first
                continue
        return made

    async def _publish_row(self, draft: Any, conn: Any, now: dt.datetime | None = None) -> Any:
        """Copy ``draft`` onto its published row (created the first time); the published row.

        Unique attributes must be free among other documents' published rows (400).
        A published row made for the first time also gets the links other published
        entries' drafts have to this draft (:meth:`_link_published`).
        """
        scalars = {name: getattr(draft, name) for name, attr in self.content_type.attributes.items()
                   if attr.is_scalar and (attr.unique or attr.type == "uid")}
        locale = getattr(draft, "locale", None) if self.localized else None
        await self._unique(scalars, None, conn, document_id=draft.documentId, status=PUBLISHED, locale=locale)
        published = await self._rows(draft.documentId, PUBLISHED, locale).using_db(conn).first()
        first = published is None
        published = await self._copy_version(draft, published, now or dt.datetime.now(dt.timezone.utc), conn)
        if first:
            await self._link_published(draft.id, published.id, conn)
        if self.localized:  # the other locales' published versions share its non-localized values
            await self._share(published, self._shared_names(), conn)
        return published

    async def _copy_version(self, source: Any, target: Any | None, published_at: dt.datetime | None, conn: Any) -> Any:
        """Write ``source``'s values and links onto ``target`` (a new row when None) with
        ``published_at`` (None: a draft). To-one columns and owned link tables are copied
        mapped to the targets' versions of that status (:meth:`_counterparts`)."""
        meta = self.model._meta
        source = await self.model.filter(id=source.id).using_db(conn).first()  # values as stored (JSON decoded)
        columns = {name: getattr(source, name) for name in meta.fields_db_projection
                   if name not in ("id", "publishedAt", "createdAt", "updatedAt")}
        for name, value in columns.items():  # JSON reaches the ORM as text (see _assign)
            if value is not None and isinstance(meta.fields_map.get(name), JSONField):
                columns[name] = orjson.dumps(value).decode()
        status = DRAFT if published_at is None else PUBLISHED
        for attr in self.content_type.component_attributes():  # relations inside, mapped alike
            stored = getattr(source, attr.name)
            if stored is not None:
                remapped = await self._remapped_components(attr, stored, status, conn)
                columns[attr.name] = orjson.dumps(remapped).decode()
        for name in self.content_type.attributes:
            if (self.content_type.uid, name) not in self._owned_storage():
                continue
            storage = self.app.models.storage(self.content_type.uid, name)
            if storage.kind == "column" and columns.get(f"{name}_id") is not None:
                mapped = await self._counterparts(storage.target_uid, [columns[f"{name}_id"]], status, conn)
                columns[f"{name}_id"] = mapped[0] if mapped else None
        if target is None:
            target = self.model()
            target.createdAt = source.createdAt
        _assign(target, columns)
        target.publishedAt = published_at
        await self._save(target, conn)
        if published_at is None:  # a draft made equal to its published version (discard, ensure_drafts):
            # it was last changed when that was, so it does not read as modified since
            await self.model.filter(id=target.id).using_db(conn).update(updatedAt=source.updatedAt)
        dialect = self.app.reader.dialect
        for name in self.content_type.attributes:
            if (self.content_type.uid, name) not in self._owned_storage():
                continue
            storage = self.app.models.storage(self.content_type.uid, name)
            if storage.kind != "join":
                continue
            table, mine, other = quote(storage.join_table), quote(storage.join_self), quote(storage.join_other)
            sql = SQL(dialect)
            order = self.app.reader.compiler.link_position(table)
            _, rows = await conn.execute_query(
                f"SELECT {other} FROM {table} WHERE {mine} = {sql.bind(source.id)} ORDER BY {order}", sql.params)
            linked = await self._counterparts(storage.target_uid, [row[0] for row in rows], status, conn)
            sql = SQL(dialect)
            await conn.execute_query(f"DELETE FROM {table} WHERE {mine} = {sql.bind(target.id)}", sql.params)
            for target_id in linked:
                sql = SQL(dialect)
                await conn.execute_query(f"INSERT INTO {table} ({mine}, {other}) VALUES "
                                         f"({sql.bind(target.id)}, {sql.bind(target_id)})", sql.params)
        return target

    async def _remapped_components(self, attr: Any, stored: Any, status: str, conn: Any) -> Any:
        """A component value with its relations to draft & publish targets pointing at their
        versions of ``status`` (those without one left out)."""
        components = self.app.registry.components
        mapping: dict[tuple[str, int], int] = {}
        for target, ids in relation_ids(attr, stored, components).items():
            uid = self.app.registry.resolve(target) or target
            ordered = sorted(ids)
            if not self.app.registry.get(uid).draft_and_publish:
                mapping.update(((target, i), i) for i in ordered)
                continue
            pairs = await self._counterpart_pairs(uid, ordered, status, conn)
            mapping.update(((target, i), pairs[i]) for i in ordered if i in pairs)
        return remap_relations(attr, stored, components, mapping)

    def _owned_storage(self) -> frozenset[tuple[str, str]]:
        """(type, attribute) of this type's relations whose links its rows hold (a column, an
        owned link table); kept on the app (the models do not change)."""
        owned = self.__dict__.get("_owned")
        if owned is None:
            owned = self.__dict__["_owned"] = frozenset(
                (self.content_type.uid, attr.name) for attr in self.content_type.relation_attributes()
                if (storage := self.app.models.storage(self.content_type.uid, attr.name)).owning
                and storage.kind in ("column", "join"))
        return owned

    async def _counterparts(self, uid: str, row_ids: list[Any], status: str, conn: Any) -> list[int]:
        """The rows of ``status`` of the documents of rows ``row_ids`` of ``uid``, in order (those
        without such a version left out); the rows themselves for a type without draft & publish."""
        if not row_ids or not self.app.registry.get(uid).draft_and_publish:
            return list(row_ids)
        mapped = await self._counterpart_pairs(uid, row_ids, status, conn)
        return [mapped[i] for i in row_ids if i in mapped]

    async def _counterpart_pairs(self, uid: str, row_ids: list[Any], status: str, conn: Any) -> dict[int, int]:
        """Row id → the row of ``status`` of the same document (and locale) of draft & publish type ``uid``."""
        target = self.app.registry.get(uid)
        table = quote(target.collection_name)
        sql = SQL(self.app.reader.dialect)
        marks = ", ".join(sql.bind(i) for i in row_ids)
        null = "IS NULL" if status == DRAFT else "IS NOT NULL"
        _, rows = await conn.execute_query(
            f"SELECT s.id, v.id FROM {table} s JOIN {table} v ON v.document_id = s.document_id "
            f"AND v.published_at {null}{_same_locale('v', 's', target.localized)} WHERE s.id IN ({marks})",
            sql.params)
        return {row[0]: row[1] for row in rows}

    def _versioned_links(self) -> list[tuple[ContentType, Any]]:
        """The links draft & publish types hold to this type, per version: (type, its storage)."""
        return [(ct, storage) for ct in self.app.registry if ct.draft_and_publish
                for attr in ct.relation_attributes()
                if (storage := self.app.models.storage(ct.uid, attr.name)).owning
                and storage.target_uid == self.content_type.uid]

    async def _relink_drafts(self, published_id: int, draft_id: int, conn: Any) -> None:
        """A draft made for a published row (:meth:`ensure_drafts`): drafts of draft & publish
        entries that link the published row link the new draft instead."""
        for ct, storage in self._versioned_links():
            source, sql = quote(ct.collection_name), SQL(self.app.reader.dialect)
            if storage.kind == "column":
                fk = quote(storage.column)
                text = (f"UPDATE {source} SET {fk} = {sql.bind(draft_id)} WHERE {fk} = {sql.bind(published_id)} "
                        f"AND published_at IS NULL")
            elif storage.kind == "join":
                table, mine, other = quote(storage.join_table), quote(storage.join_self), quote(storage.join_other)
                text = (f"UPDATE {table} SET {other} = {sql.bind(draft_id)} WHERE {other} = {sql.bind(published_id)} "
                        f"AND {mine} IN (SELECT id FROM {source} WHERE published_at IS NULL)")
            else:
                continue
            await conn.execute_query(text, sql.params)

    async def _link_published(self, draft_id: int, published_id: int, conn: Any) -> None:
        """A document's first published row: published entries of draft & publish types whose
        draft links this document's draft get the same link to its published row (what they
        could not link when they were published)."""
        for ct, storage in self._versioned_links():
            source, sql = quote(ct.collection_name), SQL(self.app.reader.dialect)
            if storage.kind == "column":
                fk = quote(storage.column)
                text = (f"UPDATE {source} SET {fk} = {sql.bind(published_id)} WHERE published_at IS NOT NULL "
                        f"AND {fk} IS NULL AND EXISTS (SELECT 1 FROM {source} d WHERE d.document_id = "
                        f"{source}.document_id{_same_locale('d', source, ct.localized)} "
                        f"AND d.published_at IS NULL AND d.{fk} = {sql.bind(draft_id)})")
            elif storage.kind == "join":
                table, mine, other = quote(storage.join_table), quote(storage.join_self), quote(storage.join_other)
                new = sql.bind(published_id)
                text = (f"INSERT INTO {table} ({mine}, {other}) SELECT p.id, {new} FROM {source} p "
                        f"JOIN {source} d ON d.document_id = p.document_id AND d.published_at IS NULL"
                        f"{_same_locale('d', 'p', ct.localized)} "
                        f"JOIN {table} l ON l.{mine} = d.id AND l.{other} = {sql.bind(draft_id)} "
                        f"WHERE p.published_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {table} x "
                        f"WHERE x.{mine} = p.id AND x.{other} = {sql.bind(published_id)})")
            else:
                continue
            await conn.execute_query(text, sql.params)

    # -- helpers --------------------------------------------------------------------

    def _from_event(self, event: LifecycleEvent, clean: CleanData) -> CleanData:
        """Hooks may change ``event.params["data"]``; keep what is an attribute."""
        data = event.params["data"]
        attrs = self.content_type.attributes
        return CleanData(
            {k: v for k, v in data.items() if k in attrs and attrs[k].is_scalar},
            {k: v for k, v in data.items() if k in attrs and attrs[k].is_relation and isinstance(v, RelationWrite)},
            {k: v for k, v in data.items() if k in attrs and attrs[k].is_component},
        )

    async def _components(self, entry: Any, values: dict[str, Any], conn: Any, *, new: bool) -> None:
        """Store component values on ``entry`` (cms.models.components): relations inside resolved
        to row ids (a missing entry is a 400), item ids kept or assigned."""
        if not values:
            return
        wanted: dict[str, set[Any]] = {}
        for inner in relation_writes(list(values.values())):
            wanted.setdefault(inner.target, set()).update(inner.write.connect, inner.write.disconnect)
        locale = getattr(entry, "locale", None) if self.localized else None
        known: dict[tuple[str, Any], int] = {}
        for target, refs in wanted.items():
            found = await self._lookup(target, refs, conn, locale)
            known.update(((target, ref), row_id) for ref, row_id in found.items())
        for inner in relation_writes(list(values.values())):
            for ref in inner.write.connect:
                if (inner.target, ref) not in known:
                    raise self._not_found(inner.target, ref, locale)
        components = self.app.registry.components
        for name, value in values.items():
            attr = self.content_type.attributes[name]
            old = None if new else getattr(entry, name, None)
            if isinstance(old, (str, bytes)):
                old = orjson.loads(old)
            stored = merge(attr, value, old, components, known)
            setattr(entry, name, None if stored is None else orjson.dumps(stored).decode())

    async def _scalars(self, scalars: dict[str, Any]) -> dict[str, Any]:
        values = dict(scalars)
        for name, value in scalars.items():
            kind = self.content_type.attributes[name].type
            if kind == "password" and isinstance(value, str):
                values[name] = await hash_password_async(value)
            elif kind in ("json", "blocks") and value is not None:
                # always JSON text: the ORM would otherwise read a plain string as JSON source
                values[name] = orjson.dumps(value).decode()
        return values

    async def _visible(self, document_id: str, access: Access, conn: Any, locale: str | None = None,
                       missing_ok: bool = False) -> Any:
        """The row a write to the document changes (its draft; in ``locale``), if the caller may
        see it; else not found, or None with ``missing_ok`` when the document has no such row."""
        if not _is_document_id(document_id):
            raise NotFoundError()
        # writes go to the draft; of a localized type, the version in the locale
        entry = await self._rows(document_id, DRAFT if self.versions else None, locale).using_db(conn).first()
        if entry is None:
            if missing_ok:
                return None
            raise NotFoundError()
        if entry.id not in await self._matching([(entry.id, access)], conn):
            raise NotFoundError()
        return entry

    async def _save(self, entry: Any, conn: Any) -> None:
        try:
            await entry.save(using_db=conn)
        except IntegrityError as exc:  # a unique value taken by a concurrent write
            raise ValidationError("This attribute must be unique", {"errors": []}) from exc

    async def _unique(self, scalars: dict[str, Any], own_id: int | None, conn: Any,
                      document_id: str | None = None, status: str = DRAFT, locale: str | None = None) -> None:
        """Unique attributes among other entries; of a draft & publish type, among the other
        documents' rows of ``status`` (a draft and its published version share values); of a
        localized type, among the rows of ``locale``."""
        errors = []
        for name, value in scalars.items():
            attr = self.content_type.attributes[name]
            if (attr.unique or attr.type == "uid") and value is not None:  # a uid is unique, as in Strapi
                query = self.model.filter(**{name: value}).using_db(conn)
                if self.localized:
                    query = query.filter(locale=locale)
                if self.versions:
                    query = query.filter(publishedAt__isnull=status == DRAFT)
                    if document_id is not None:
                        query = query.exclude(documentId=document_id)
                elif own_id is not None:
                    query = query.exclude(id=own_id)
                if await query.exists():
                    errors.append({"path": [name], "message": "This attribute must be unique",
                                   "name": "ValidationError", "value": value})
        if errors:
            message = errors[0]["message"] if len(errors) == 1 else f"{len(errors)} errors occurred"
            raise ValidationError(message, {"errors": errors})

    async def _lookup(self, uid: str, refs: Any, conn: Any = None, locale: str | None = None) -> dict[Any, int]:
        """The row id of each reference that exists: documentIds, or row ids. A documentId of a
        localized type names its version in ``locale`` (the writing entry's; the default
        locale when the writer is not localized), as Strapi links a translation to translations."""
        model = self.app.models[uid]
        doc_ids = [r for r in refs if isinstance(r, str) and _is_document_id(r)]
        row_ids = [r for r in refs if isinstance(r, int) and not isinstance(r, bool) and 0 < r < 2**63]
        found: dict[Any, int] = {}
        if doc_ids:
            target = self.app.registry.get(uid)
            rows = model.filter(documentId__in=doc_ids)
            if target.draft_and_publish:  # a document's draft: writes are drafts
                rows = rows.filter(publishedAt__isnull=True)
            if target.localized:
                rows = rows.filter(locale=locale or self.app.locales.default_locale())
            found.update(await rows.using_db(conn).values_list("documentId", "id"))
        if row_ids:
            found.update((i, i) for i in await model.filter(id__in=row_ids).using_db(conn).values_list("id", flat=True))
        return found

    async def _resolve(self, uid: str, refs: list[Any], path: str, conn: Any, locale: str | None = None,
                       named: dict[Any, str] | None = None) -> list[int]:
        """documentIds (or row ids) of ``uid`` → row ids, in order; unknown ones are a 400.
        A reference ``named`` with its own locale (``{documentId, locale}``) links that locale's
        version; the others ``locale``'s."""
        groups: dict[str | None, list[Any]] = {}
        for ref in refs:
            groups.setdefault(self._ref_locale(uid, ref, named, locale), []).append(ref)
        found: dict[tuple[str | None, Any], int] = {}
        for code, group in groups.items():
            found.update(((code, ref), row_id) for ref, row_id in (await self._lookup(uid, group, conn, code)).items())
        ids = []
        for ref in refs:
            code = self._ref_locale(uid, ref, named, locale)
            if (code, ref) not in found:
                raise self._not_found(uid, ref, code)
            ids.append(found[(code, ref)])
        return ids

    def _ref_locale(self, uid: str, ref: Any, named: dict[Any, str] | None, locale: str | None) -> str | None:
        """The locale reference ``ref`` to ``uid`` links: its own (checked: an unknown one is a
        400) when written ``{documentId, locale}`` and the target is localized, else ``locale``."""
        code = named.get(ref) if named else None
        if code is None or not self.app.registry.get(uid).localized:
            return locale
        return self.app.locales.check(code)

    def _not_found(self, uid: str, ref: Any, locale: str | None) -> ValidationError:
        """A relation naming a document that does not exist (in the locale it is looked up in)."""
        target = self.app.registry.get(uid)
        return _not_found(ref, (locale or self.app.locales.default_locale()) if target.localized else None)

    async def _set_to_one_columns(self, entry: Any, relations: dict[str, RelationWrite], conn: Any) -> None:
        locale = getattr(entry, "locale", None) if self.localized else None
        for name, write in relations.items():
            storage = self.app.models.storage(self.content_type.uid, name)
            if storage.kind != "column":
                continue
            ids = await self._resolve(storage.target_uid, write.connect, name, conn, locale, write.locales)
            if write.mode == "set" or ids:
                setattr(entry, f"{name}_id", ids[-1] if ids else None)
            elif write.disconnect:
                gone = await self._resolve(storage.target_uid, write.disconnect, name, conn, locale, write.locales)
                if getattr(entry, f"{name}_id", None) in gone:
                    setattr(entry, f"{name}_id", None)

    async def _write_links(self, own_id: int, relations: dict[str, RelationWrite], conn: Any,
                           locale: str | None = None) -> None:
        """Relations stored outside this row: foreign keys on the target, join tables (targets
        of a localized type in ``locale``, the row's)."""
        dialect = self.app.reader.dialect
        for name, write in relations.items():
            storage = self.app.models.storage(self.content_type.uid, name)
            if storage.kind == "column":
                continue
            to_many = self.content_type.attributes[name].is_to_many
            connect = await self._resolve(storage.target_uid, write.connect, name, conn, locale, write.locales)
            disconnect = await self._resolve(storage.target_uid, write.disconnect, name, conn, locale, write.locales)
            replace = write.mode == "set" or (not to_many and bool(connect))
            statements: list[tuple[str, list[Any]]] = []
            if storage.kind == "reverse_column":
                table, col = quote(storage.target_table), quote(storage.column)
                if replace:
                    statements.append((f"UPDATE {table} SET {col} = NULL WHERE {col} = {{}}", [own_id]))
                for target_id in disconnect:
                    statements.append((f"UPDATE {table} SET {col} = NULL WHERE id = {{}} AND {col} = {{}}", [target_id, own_id]))
                for target_id in connect:
                    statements.append((f"UPDATE {table} SET {col} = {{}} WHERE id = {{}}", [own_id, target_id]))
            else:
                table, mine, other = quote(storage.join_table), quote(storage.join_self), quote(storage.join_other)
                if replace:
                    statements.append((f"DELETE FROM {table} WHERE {mine} = {{}}", [own_id]))
                for target_id in disconnect:
                    statements.append((f"DELETE FROM {table} WHERE {mine} = {{}} AND {other} = {{}}", [own_id, target_id]))
                for target_id in connect:
                    statements.append((f"DELETE FROM {table} WHERE {mine} = {{}} AND {other} = {{}}", [own_id, target_id]))
                    statements.append((f"INSERT INTO {table} ({mine}, {other}) VALUES ({{}}, {{}})", [own_id, target_id]))
            for template, params in statements:
                sql = SQL(dialect)
                text = template.format(*(sql.bind(p) for p in params))
                await conn.execute_query(text, sql.params)

    async def _matching(self, entries: list[tuple[int, Access]], conn: Any) -> set[int]:
        """Which of the entries match their grant condition (those without one always do):
        one query per hundred conditioned entries, whatever the batch size."""
        checked = [(entry_id, access) for entry_id, access in entries if access.condition is not None]
        matching = {entry_id for entry_id, access in entries if access.condition is None}
        reader = self.app.reader
        for start in range(0, len(checked), 100):
            sql = SQL(reader.dialect)
            terms = []
            for entry_id, access in checked[start:start + 100]:
                node = And((Condition(("id",), "$eq", entry_id), access.condition))  # type: ignore[arg-type]
                terms.append(f"({reader.compiler.node(self.content_type, 't0', node, sql, access.variables)})")
            _, rows = await conn.execute_query(
                f"SELECT t0.id FROM {quote(self.content_type.collection_name)} t0 WHERE {' OR '.join(terms)}",
                sql.params)
            matching.update(int(row["id"]) for row in rows)
        return matching

    async def _check_conditions(self, entries: list[tuple[int, Access]], conn: Any) -> None:
        """Every written entry must match its writer's grant condition, or the write is refused (403)."""
        if len(await self._matching(entries, conn)) < len(entries):
            raise ForbiddenError()


@dataclass
class _NewEntry:
    """A create waiting for its batch: validated data, ready to insert."""

    clean: CleanData
    scalars: dict[str, Any]
    access: Access
    actor: int | None
    query: Query
    #: draft & publish: publish the new draft in the same transaction
    publish: bool = False
    #: i18n: the locale of a localized type's new document (None for other types)
    locale: str | None = None


T = TypeVar("T")
R = TypeVar("R")


class CommitGroup(Generic[T, R]):
    """Concurrent writes of one kind share a transaction: one commit (one fsync) for all.

    The one group-commit mechanism of the project: every create of a content
    type goes through its group, whoever asks (REST, admin, the chat). The
    first item starts a run at once; items arriving while it commits queue up
    and go together in the next transaction, so nothing waits for a timer.
    ``write(conn, items)`` stores a batch inside the transaction; if it
    raises, the batch is rolled back and each item is written again alone, so
    one caller's error never undoes or fails another's write. After the
    commit, ``after(items, results)`` turns the results into answers (one read
    for the batch), and each caller gets its own.
    """

    def __init__(self, write: Callable[[Any, list[T]], Awaitable[list[Any]]],
                 after: Callable[[list[T], list[Any]], Awaitable[list[R]]] | None = None) -> None:
        self._write = write
        self._after = after
        self._queue: list[tuple[T, asyncio.Future[R]]] = []
        self._running = False

    @property
    def backlog(self) -> int:
        """Items waiting for a transaction (not counting the batch being committed):
        it grows only when commits fall behind the writers."""
        return len(self._queue)

    async def submit(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if not self._running:
            self._running = True
            asyncio.ensure_future(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self._queue:
                batch, self._queue = self._queue, []
                await self._commit(batch)
        finally:
            self._running = False

    async def _commit(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        items = [item for item, _ in batch]
        outcomes: list[Any]
        try:
            async with in_transaction() as conn:
                outcomes = list(await self._write(conn, items))
        except Exception:  # noqa: BLE001 - retried one by one below
            outcomes = []
            for item in items:
                try:
                    async with in_transaction() as conn:
                        outcomes.extend(await self._write(conn, [item]))
                except Exception as exc:  # noqa: BLE001 - handed to that caller
                    outcomes.append(_Failed(exc))
        stored = [(index, outcome) for index, outcome in enumerate(outcomes) if not isinstance(outcome, _Failed)]
        if self._after is not None and stored:
            try:
                answers = await self._after([items[i] for i, _ in stored], [o for _, o in stored])
            except Exception as exc:  # noqa: BLE001 - stored, but the answer could not be read
                answers = [_Failed(exc)] * len(stored)
            for (index, _), answer in zip(stored, answers):
                outcomes[index] = answer
        for (_, future), outcome in zip(batch, outcomes):
            if future.done():
                continue
            if isinstance(outcome, _Failed):
                future.set_exception(outcome.error)
            else:
                future.set_result(outcome)


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


_VERSIONED: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()


def _has_versions(registry: Any) -> bool:
    """Whether any type of ``registry`` has draft & publish or is localized (kept per registry)."""
    known = _VERSIONED.get(registry)
    if known is None:
        known = _VERSIONED[registry] = any(ct.draft_and_publish or ct.localized for ct in registry)
    return known


def _versioned_populate(app: CMS, ct: ContentType, populate: dict[str, Populate], status: str,
                        locale: str) -> dict[str, Populate]:
    """``populate`` with the relations whose links both versions of a related document hold
    narrowed to ``status``: a type without draft & publish populating a draft & publish type
    whose rows own the links (a category's articles: the draft and the published article both
    name the category). Links a draft & publish entry holds itself are per version already.
    Likewise per locale: a type that is not localized populating a localized type's rows that
    link it gets the rows of ``locale`` (the request's, else the default one).
    The same dict when nothing changes."""
    changed: dict[str, Populate] = {}
    for name, spec in populate.items():
        attr = ct.attributes.get(name)
        if attr is None or not attr.is_relation or not attr.target:
            continue
        target = app.registry.get(attr.target)
        inner = _versioned_populate(app, target, spec.populate, status, locale)
        filters = spec.filters
        shared = not app.models.storage(ct.uid, name).owning  # the target's rows hold the links
        if target.draft_and_publish and not ct.draft_and_publish and shared:
            only = Condition(("publishedAt",), "$null" if status == DRAFT else "$notNull", True)
            filters = And((only, filters)) if filters is not None else only
        if target.localized and not ct.localized and shared:
            only = Condition(("locale",), "$eq", locale)
            filters = And((only, filters)) if filters is not None else only
        if inner is not spec.populate or filters is not spec.filters:
            changed[name] = replace(spec, filters=filters, populate=inner)
    return {**populate, **changed} if changed else populate


def _links_drafts(app: CMS, ct: ContentType, name: str) -> ContentType | None:
    """The draft & publish target of relation ``name`` when ``ct`` (without draft & publish)
    holds its links, which then name the target's drafts; else None."""
    attr = ct.attributes.get(name)
    if ct.draft_and_publish or attr is None or attr.type != "relation" or not attr.target:
        return None
    storage = app.models.storage(ct.uid, name)
    target = app.registry.get(storage.target_uid)
    return target if target.draft_and_publish and storage.owning else None


def _maps_drafts(app: CMS, ct: ContentType, populate: dict[str, Populate]) -> bool:
    """Whether ``populate`` reaches, at some depth, a relation :func:`_links_drafts` names."""
    for name, spec in populate.items():
        if _links_drafts(app, ct, name) is not None:
            return True
        attr = ct.attributes.get(name)
        if spec.populate and attr is not None and attr.type == "relation" and attr.target \
                and _maps_drafts(app, app.registry.get(app.models.storage(ct.uid, name).target_uid), spec.populate):
            return True
    return False


async def _published_versions(app: CMS, ct: ContentType, documents: list[Document],
                              populate: dict[str, Populate]) -> None:
    """In ``documents`` of ``ct`` as populated by ``populate``: the drafts linked through
    :func:`_links_drafts` relations replaced by their published versions, at every depth."""
    for name, spec in populate.items():
        values = [d[name] for d in documents if d.get(name)]
        linked = [item for value in values for item in (value if isinstance(value, list) else [value])]
        target = _links_drafts(app, ct, name)
        if target is None:
            attr = ct.attributes.get(name)
            if linked and spec.populate and attr is not None and attr.type == "relation" and attr.target:
                inner = app.registry.get(app.models.storage(ct.uid, name).target_uid)
                if _maps_drafts(app, inner, spec.populate):
                    await _published_versions(app, inner, linked, spec.populate)
            continue
        wanted = sorted({item["documentId"] for item in linked})
        found: dict[str, Document] = {}
        if wanted:  # read as the reader populates (no lifecycle hooks), in the published version
            versioned = DocumentService(app, target.uid)._versioned_of(Query(
                filters=Condition(("documentId",), "$in", wanted), fields=spec.fields,
                populate=spec.populate, status=PUBLISHED,
                pagination=Pagination("offset", 0, len(wanted), with_count=False)))
            published, _ = await app.reader.find_many(target, versioned)
            if _maps_drafts(app, target, spec.populate):
                await _published_versions(app, target, published, spec.populate)
            found = {d["documentId"]: d for d in published}
        for document in documents:
            value = document.get(name)
            if isinstance(value, list):
                document[name] = [found[d["documentId"]] for d in value if d["documentId"] in found]
            elif value is not None:
                document[name] = found.get(value["documentId"])


def _same_locale(one: str, other: str, localized: bool) -> str:
    """SQL requiring rows ``one`` and ``other`` of a localized table to be in the same locale."""
    return f" AND {one}.locale = {other}.locale" if localized else ""


def _narrowed(query: Query, condition: Node) -> Query:
    """``query`` with ``condition`` and its own filters both required."""
    return replace(query, filters=And((condition, query.filters)) if query.filters is not None else condition)


def _asks_localizations(populate: dict[str, Populate]) -> bool:
    return "localizations" in populate or any(_asks_localizations(spec.populate) for spec in populate.values())


def _no_localizations(populate: dict[str, Populate]) -> dict[str, Populate]:
    """``populate`` without ``localizations`` at any depth (the reader has no such relation)."""
    if not _asks_localizations(populate):
        return populate
    return {name: replace(spec, populate=_no_localizations(spec.populate))
            for name, spec in populate.items() if name != "localizations"}


def _not_found(ref: Any, locale: str | None = None) -> ValidationError:
    """A relation naming a document that does not exist: Strapi 5's message, with empty details."""
    return ValidationError(f'Document with id "{ref}", locale "{locale or "null"}" not found', {})


def _assign(entry: Any, values: dict[str, Any]) -> Any:
    """Set attributes as they are: the values are validated Python values already, and
    JSON text must reach the ORM as text (its constructor would decode it)."""
    for name, value in values.items():
        setattr(entry, name, value)
    return entry


def _is_document_id(value: str) -> bool:
    """Whether ``value`` could be a documentId at all (anything else is simply not found)."""
    return 0 < len(value) <= 24 and value.isascii() and value.isalnum()


def _shape_only(query: Query | None, status: str | None = None, locale: str | None = None) -> Query | None:
    """A write answers with the written entry: only fields and populate of the query apply
    (and, of a draft & publish type, ``status`` says which version; of a localized one, ``locale``)."""
    if query is None:
        return Query(status=status, locale=locale) if status is not None or locale is not None else None
    return Query(fields=query.fields, populate=query.populate, status=status, locale=locale)


def _document_filter(document_id: str, filters: Node | None) -> Node:
    match = Condition(("documentId",), "$eq", document_id)
    return And((match, filters)) if filters is not None else match
