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
the option take none of these paths: one attribute test per call.
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
from cms.models.components import merge
from cms.passwords import hash_password_async
from cms.permissions import Access
from cms.query.ast import And, Condition, Node, Pagination, Populate, Query
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
        #: whether any type of the project has draft & publish (else reads skip :meth:`_versioned`)
        self._any_versions = _has_versions(app.registry)
        self._versioned_queries: dict[int, tuple[Query, Query]] = {}

    def _status(self, status: str | None) -> str:
        """The status of a call on a draft & publish type: ``draft`` unless told (Strapi's default)."""
        if status is None:
            return DRAFT
        if status not in (DRAFT, PUBLISHED):
            raise ValidationError("Invalid status parameter. Expected 'draft' or 'published'",
                                  {"key": "status", "path": None, "source": "query", "param": "status"})
        return status

    def _versioned(self, query: Query) -> Query:
        """``query`` on a project with draft & publish types: narrowed to the versions of its
        status if this type has the option, and its populated relations too where both
        versions of a related document link the entry (:func:`_versioned_populate`).

        REST hands the same parsed query object for the same query string (its parse
        cache), so the answer is kept by that object (the query kept with it, so its id
        is not reused): 512 at most."""
        kept = self._versioned_queries.get(id(query))
        if kept is not None and kept[0] is query:
            return kept[1]
        versioned = self._versioned_of(query)
        if len(self._versioned_queries) >= 512:
            self._versioned_queries.clear()
        self._versioned_queries[id(query)] = (query, versioned)
        return versioned

    def _versioned_of(self, query: Query) -> Query:
        if self.versions:
            status = self._status(query.status)
            query = self._of_status(query, status)
        else:  # as Strapi's content API: related documents in their published version unless told
            status = query.status if query.status in (DRAFT, PUBLISHED) else PUBLISHED
        populate = _versioned_populate(self.app, self.content_type, query.populate, status)
        return query if populate is query.populate else replace(query, populate=populate)

    def _of_status(self, query: Query, status: str | None = None) -> Query:
        """``query`` narrowed to the rows of ``status`` (``query.status`` when not given)."""
        only = Condition(("publishedAt",), "$null" if self._status(status or query.status) == DRAFT else "$notNull", True)
        return replace(query, filters=And((only, query.filters)) if query.filters is not None else only)

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
        documents, total = await self.app.reader.find_many(
            self.content_type, query, access.variables, access.condition)
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
        if self._any_versions:
            by_id = self._versioned_of(replace(by_id, status=query.status))  # a new query each time: not kept
        document = await self.app.reader.find_one(self.content_type, by_id, access.variables, access.condition)
        if document is None:
            raise NotFoundError()
        event.result = document
        await self.app.lifecycles.fire("afterFindOne", event)
        return document

    async def find_first(self, query: Query | None = None, access: Access = OPEN) -> Document | None:
        """The single type's entry (or the first match), None when there is none."""
        documents, _ = await self.find_many(replace(query or Query(), pagination=FIRST), access)
        return documents[0] if documents else None

    async def count(self, query: Query | None = None, access: Access = OPEN) -> int:
        """How many entries match ``query`` (the ``beforeCount``/``afterCount`` hooks run around it)."""
        event = self._event("count", query=query or Query())
        await self.app.lifecycles.fire("beforeCount", event)
        counted = event.params["query"]
        if self.versions:
            counted = self._of_status(counted)
        event.result = await self.app.reader.count(self.content_type, counted, access.variables,
                                                   access.condition)
        await self.app.lifecycles.fire("afterCount", event)
        return int(event.result)

    # -- writes ---------------------------------------------------------------------

    async def create(self, data: Any, access: Access = OPEN, query: Query | None = None,
                     actor: int | None = None, status: str | None = None) -> Document:
        """Validate and store a new entry; returns it as a document (``query`` picks fields/populate).

        ``actor`` is the admin user making the change, recorded as creator and
        last editor. Concurrent creates of one type share a transaction (see
        :class:`CommitGroup`): the answer comes once the entry is committed.
        Of a draft & publish type: a draft, also published (and answered in its
        published version) with ``status="published"``.
        """
        publish = self.versions and self._status(status) == PUBLISHED
        clean = validate(self.content_type, data, partial=False, components=self.app.registry.components)
        event = self._event("create", data={**clean.scalars, **clean.relations, **clean.components})
        await self.app.lifecycles.fire("beforeCreate", event)
        clean = self._from_event(event, clean)
        scalars = await self._scalars(clean.scalars)  # hashing happens before the write lock
        pending = _NewEntry(clean, scalars, access, actor, _shape_only(query) or Query(), publish)
        document = await self.writes().submit(pending)
        event.result = document
        await self.app.lifecycles.fire("afterCreate", event)
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
            await self._components(entry, item.clean.components, conn, new=True)
            entry.publishedAt = None if self.versions else now  # a draft & publish type writes a draft
            entry.createdById = entry.updatedById = item.actor
            await self._unique(item.clean.scalars, None, conn)
            for name, write in item.clean.relations.items():
                storage = self.app.models.storage(self.content_type.uid, name)
                if storage.kind == "column" and write.connect:
                    setattr(entry, f"{name}_id", known[(storage.target_uid, write.connect[-1])])
            await self._save(entry, conn)
            await self._write_links(entry.id, item.clean.relations, conn)
            checked.append((entry.id, item.access))
            if item.publish:
                published = await self._publish_row(entry, conn, now)
                checked.append((published.id, item.access))
                ids.append(published.id)
            else:
                ids.append(entry.id)
        await self._check_conditions(checked, conn)
        return ids

    async def _references(self, batch: list[_NewEntry], conn: Any) -> dict[tuple[str, Any], int]:
        """Row ids of the documents the batch's to-one columns name; a missing one is a 400."""
        wanted: dict[str, set[Any]] = {}
        for item in batch:
            for name, write in item.clean.relations.items():
                storage = self.app.models.storage(self.content_type.uid, name)
                if storage.kind == "column" and write.connect:
                    wanted.setdefault(storage.target_uid, set()).add(write.connect[-1])
        known: dict[tuple[str, Any], int] = {}
        for target, refs in wanted.items():
            known.update(((target, ref), row_id) for ref, row_id in (await self._lookup(target, refs, conn)).items())
        for item in batch:
            for name, write in item.clean.relations.items():
                storage = self.app.models.storage(self.content_type.uid, name)
                if storage.kind == "column" and write.connect and (storage.target_uid, write.connect[-1]) not in known:
                    raise _not_found(write.connect[-1])
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
                filters=Condition(("id",), "$in", wanted), fields=query.fields, populate=query.populate,
                pagination=Pagination("offset", 0, len(wanted), with_count=False)))
            documents.update((d["id"], d) for d in found)
        return [documents[entry_id] for entry_id in ids]

    async def update(self, document_id: str, data: Any, access: Access = OPEN, query: Query | None = None,
                     actor: int | None = None, status: str | None = None) -> Document:
        """Change an entry; of a draft & publish type, its draft, then with
        ``status="published"`` publish it (the answer is the version of ``status``)."""
        publish = self.versions and self._status(status) == PUBLISHED
        if not _is_document_id(document_id):
            raise NotFoundError()
        clean = validate(self.content_type, data, partial=True, components=self.app.registry.components)
        event = self._event("update", where={"documentId": document_id},
                            data={**clean.scalars, **clean.relations, **clean.components})
        await self.app.lifecycles.fire("beforeUpdate", event)
        clean = self._from_event(event, clean)
        async with in_transaction() as conn:
            entry = await self._visible(document_id, access, conn)
            _assign(entry, await self._scalars(clean.scalars))
            await self._components(entry, clean.components, conn, new=False)
            if actor is not None:
                entry.updatedById = actor
            await self._unique(clean.scalars, entry.id, conn, document_id=entry.documentId if self.versions else None)
            await self._set_to_one_columns(entry, clean.relations, conn)
            await self._save(entry, conn)
            await self._write_links(entry.id, clean.relations, conn)
            written = [(entry.id, access)]
            if publish:
                written.append(((await self._publish_row(entry, conn)).id, access))
            await self._check_conditions(written, conn)
        document = await self.find_one(document_id, _shape_only(query, PUBLISHED if publish else None))
        event.result = document
        await self.app.lifecycles.fire("afterUpdate", event)
        return document

    async def delete(self, document_id: str, access: Access = OPEN) -> Document:
        """Remove an entry; returns what it was (as a document)."""
        if not _is_document_id(document_id):
            raise NotFoundError()
        event = self._event("delete", where={"documentId": document_id})
        await self.app.lifecycles.fire("beforeDelete", event)
        document = await self.find_one(document_id, access=access)
        async with in_transaction() as conn:
            entry = await self._visible(document_id, access, conn)
            if self.versions:  # every version goes
                await self.model.filter(documentId=document_id).using_db(conn).delete()
            else:
                await entry.delete(using_db=conn)
        event.result = document
        await self.app.lifecycles.fire("afterDelete", event)
        return document

    # -- draft & publish ------------------------------------------------------------

    def _need_versions(self) -> None:
        if not self.versions:
            raise ValidationError(f"{self.content_type.uid} does not have draft & publish enabled")

    async def publish(self, document_id: str, access: Access = OPEN, query: Query | None = None) -> Document:
        """Publish the draft: the published version becomes a copy of it; returns the published
        document (Strapi's ``publish``; hooks ``beforePublish``/``afterPublish``)."""
        self._need_versions()
        event = self._event("publish", where={"documentId": document_id})
        await self.app.lifecycles.fire("beforePublish", event)
        async with in_transaction() as conn:
            draft = await self._visible(document_id, access, conn)
            published = await self._publish_row(draft, conn)
            await self._check_conditions([(published.id, access)], conn)
        event.result = await self.find_one(document_id, _shape_only(query, PUBLISHED))
        await self.app.lifecycles.fire("afterPublish", event)
        return event.result

    async def unpublish(self, document_id: str, access: Access = OPEN, query: Query | None = None) -> Document:
        """Remove the published version (the draft stays); returns the draft (Strapi's
        ``unpublish``; hooks ``beforeUnpublish``/``afterUnpublish``). Links other published
        entries had to it go with it."""
        self._need_versions()
        event = self._event("unpublish", where={"documentId": document_id})
        await self.app.lifecycles.fire("beforeUnpublish", event)
        async with in_transaction() as conn:
            await self._visible(document_id, access, conn)
            await self.model.filter(documentId=document_id, publishedAt__isnull=False).using_db(conn).delete()
        event.result = await self.find_one(document_id, _shape_only(query, DRAFT))
        await self.app.lifecycles.fire("afterUnpublish", event)
        return event.result

    async def discard_draft(self, document_id: str, access: Access = OPEN, query: Query | None = None) -> Document:
        """Reset the draft to the published version (Strapi's ``discardDraft``; hooks
        ``beforeDiscardDraft``/``afterDiscardDraft``); returns the draft. A document never
        published has nothing to go back to: :class:`NotFoundError`."""
        self._need_versions()
        event = self._event("discardDraft", where={"documentId": document_id})
        await self.app.lifecycles.fire("beforeDiscardDraft", event)
        async with in_transaction() as conn:
            draft = await self._visible(document_id, access, conn)
            published = await self.model.filter(documentId=document_id, publishedAt__isnull=False).using_db(conn).first()
            if published is None:
                raise NotFoundError("No published version to discard the draft for")
            await self._copy_version(published, draft, None, conn)
        event.result = await self.find_one(document_id, _shape_only(query, DRAFT))
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
                f"(SELECT 1 FROM {table} d WHERE d.document_id = p.document_id AND d.published_at IS NULL)")
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
        await self._unique(scalars, None, conn, document_id=draft.documentId, status=PUBLISHED)
        published = await self.model.filter(documentId=draft.documentId, publishedAt__isnull=False).using_db(conn).first()
        first = published is None
        published = await self._copy_version(draft, published, now or dt.datetime.now(dt.timezone.utc), conn)
        if first:
            await self._link_published(draft.id, published.id, conn)
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
        table = quote(self.app.registry.get(uid).collection_name)
        sql = SQL(self.app.reader.dialect)
        marks = ", ".join(sql.bind(i) for i in row_ids)
        null = "IS NULL" if status == DRAFT else "IS NOT NULL"
        _, rows = await conn.execute_query(
            f"SELECT s.id, v.id FROM {table} s JOIN {table} v ON v.document_id = s.document_id "
            f"AND v.published_at {null} WHERE s.id IN ({marks})", sql.params)
        mapped = {row[0]: row[1] for row in rows}
        return [mapped[i] for i in row_ids if i in mapped]

    async def _relink_drafts(self, published_id: int, draft_id: int, conn: Any) -> None:
        """A draft made for a published row (:meth:`ensure_drafts`): drafts of draft & publish
        entries that link the published row link the new draft instead."""
        dialect = self.app.reader.dialect
        for ct in self.app.registry:
            if not ct.draft_and_publish:
                continue
            for attr in ct.relation_attributes():
                storage = self.app.models.storage(ct.uid, attr.name)
                if not storage.owning or storage.target_uid != self.content_type.uid:
                    continue
                source, sql = quote(ct.collection_name), SQL(dialect)
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
        dialect = self.app.reader.dialect
        for ct in self.app.registry:
            if not ct.draft_and_publish:
                continue
            for attr in ct.relation_attributes():
                storage = self.app.models.storage(ct.uid, attr.name)
                if not storage.owning or storage.target_uid != self.content_type.uid:
                    continue
                source = quote(ct.collection_name)
                sql = SQL(dialect)
                if storage.kind == "column":
                    fk = quote(storage.column)
                    text = (f"UPDATE {source} SET {fk} = {sql.bind(published_id)} WHERE published_at IS NOT NULL "
                            f"AND {fk} IS NULL AND document_id IN (SELECT d.document_id FROM {source} d "
                            f"WHERE d.published_at IS NULL AND d.{fk} = {sql.bind(draft_id)})")
                elif storage.kind == "join":
                    table, mine, other = quote(storage.join_table), quote(storage.join_self), quote(storage.join_other)
                    new = sql.bind(published_id)
                    text = (f"INSERT INTO {table} ({mine}, {other}) SELECT p.id, {new} FROM {source} p "
                            f"JOIN {source} d ON d.document_id = p.document_id AND d.published_at IS NULL "
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
        known: dict[tuple[str, Any], int] = {}
        for target, refs in wanted.items():
            known.update(((target, ref), row_id) for ref, row_id in (await self._lookup(target, refs, conn)).items())
        for inner in relation_writes(list(values.values())):
            for ref in inner.write.connect:
                if (inner.target, ref) not in known:
                    raise _not_found(ref)
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

    async def _visible(self, document_id: str, access: Access, conn: Any) -> Any:
        if not _is_document_id(document_id):
            raise NotFoundError()
        rows = self.model.filter(documentId=document_id)
        if self.versions:  # writes go to the draft
            rows = rows.filter(publishedAt__isnull=True)
        entry = await rows.using_db(conn).first()
        if entry is None:
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
                      document_id: str | None = None, status: str = DRAFT) -> None:
        """Unique attributes among other entries; of a draft & publish type, among the other
        documents' rows of ``status`` (a draft and its published version share values)."""
        errors = []
        for name, value in scalars.items():
            attr = self.content_type.attributes[name]
            if (attr.unique or attr.type == "uid") and value is not None:  # a uid is unique, as in Strapi
                query = self.model.filter(**{name: value}).using_db(conn)
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

    async def _lookup(self, uid: str, refs: Any, conn: Any = None) -> dict[Any, int]:
        """The row id of each reference that exists: documentIds, or row ids."""
        model = self.app.models[uid]
        doc_ids = [r for r in refs if isinstance(r, str) and _is_document_id(r)]
        row_ids = [r for r in refs if isinstance(r, int) and not isinstance(r, bool) and 0 < r < 2**63]
        found: dict[Any, int] = {}
        if doc_ids:
            rows = model.filter(documentId__in=doc_ids)
            if self.app.registry.get(uid).draft_and_publish:  # a document's draft: writes are drafts
                rows = rows.filter(publishedAt__isnull=True)
            found.update(await rows.using_db(conn).values_list("documentId", "id"))
        if row_ids:
            found.update((i, i) for i in await model.filter(id__in=row_ids).using_db(conn).values_list("id", flat=True))
        return found

    async def _resolve(self, uid: str, refs: list[Any], path: str, conn: Any) -> list[int]:
        """documentIds (or row ids) of ``uid`` → row ids, in order; unknown ones are a 400."""
        found = await self._lookup(uid, refs, conn)
        for ref in refs:
            if ref not in found:
                raise _not_found(ref)
        return [found[ref] for ref in refs]

    async def _set_to_one_columns(self, entry: Any, relations: dict[str, RelationWrite], conn: Any) -> None:
        for name, write in relations.items():
            storage = self.app.models.storage(self.content_type.uid, name)
            if storage.kind != "column":
                continue
            ids = await self._resolve(storage.target_uid, write.connect, name, conn)
            if write.mode == "set" or ids:
                setattr(entry, f"{name}_id", ids[-1] if ids else None)
            elif write.disconnect:
                gone = await self._resolve(storage.target_uid, write.disconnect, name, conn)
                if getattr(entry, f"{name}_id", None) in gone:
                    setattr(entry, f"{name}_id", None)

    async def _write_links(self, own_id: int, relations: dict[str, RelationWrite], conn: Any) -> None:
        """Relations stored outside this row: foreign keys on the target, join tables."""
        dialect = self.app.reader.dialect
        for name, write in relations.items():
            storage = self.app.models.storage(self.content_type.uid, name)
            if storage.kind == "column":
                continue
            to_many = self.content_type.attributes[name].is_to_many
            connect = await self._resolve(storage.target_uid, write.connect, name, conn)
            disconnect = await self._resolve(storage.target_uid, write.disconnect, name, conn)
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
    """Whether any type of ``registry`` has draft & publish (kept per registry)."""
    known = _VERSIONED.get(registry)
    if known is None:
        known = _VERSIONED[registry] = any(ct.draft_and_publish for ct in registry)
    return known


def _versioned_populate(app: CMS, ct: ContentType, populate: dict[str, Populate], status: str) -> dict[str, Populate]:
    """``populate`` with the relations whose links both versions of a related document hold
    narrowed to ``status``: a type without draft & publish populating a draft & publish type
    whose rows own the links (a category's articles: the draft and the published article both
    name the category). Links a draft & publish entry holds itself are per version already.
    The same dict when nothing changes."""
    changed: dict[str, Populate] = {}
    for name, spec in populate.items():
        attr = ct.attributes.get(name)
        if attr is None or not attr.is_relation or not attr.target:
            continue
        target = app.registry.get(attr.target)
        inner = _versioned_populate(app, target, spec.populate, status)
        filters = spec.filters
        if target.draft_and_publish and not ct.draft_and_publish and not app.models.storage(ct.uid, name).owning:
            only = Condition(("publishedAt",), "$null" if status == DRAFT else "$notNull", True)
            filters = And((only, filters)) if filters is not None else only
        if inner is not spec.populate or filters is not spec.filters:
            changed[name] = replace(spec, filters=filters, populate=inner)
    return {**populate, **changed} if changed else populate


def _not_found(ref: Any) -> ValidationError:
    """A relation naming a document that does not exist: Strapi 5's message, with empty details."""
    return ValidationError(f'Document with id "{ref}", locale "null" not found', {})


def _assign(entry: Any, values: dict[str, Any]) -> Any:
    """Set attributes as they are: the values are validated Python values already, and
    JSON text must reach the ORM as text (its constructor would decode it)."""
    for name, value in values.items():
        setattr(entry, name, value)
    return entry


def _is_document_id(value: str) -> bool:
    """Whether ``value`` could be a documentId at all (anything else is simply not found)."""
    return 0 < len(value) <= 24 and value.isascii() and value.isalnum()


def _shape_only(query: Query | None, status: str | None = None) -> Query | None:
    """A write answers with the written entry: only fields and populate of the query apply
    (and, of a draft & publish type, ``status`` says which version)."""
    if query is None:
        return Query(status=status) if status is not None else None
    return Query(fields=query.fields, populate=query.populate, status=status)


def _document_filter(document_id: str, filters: Node | None) -> Node:
    match = Condition(("documentId",), "$eq", document_id)
    return And((match, filters)) if filters is not None else match
