"""Live content events: ``<singularName>:create|update|delete`` for subscribed sockets.

A socket subscribes to a type (optionally with REST filters). When an entry
changes, by REST, the admin or the chat, the process that wrote it decides
for every subscriber, wherever it is connected, whether that caller's role
may read the entry under the permissions engine (conditions included) and
whether it matches the subscriber's filters, with one SQL check per distinct
condition; the event carries the document ``GET /api/<plural>/<documentId>``
would give that subscriber with the ``populate`` it subscribed with (parsed by
REST's own parser, under the caller's grants; without one, no relations,
media, components or dynamic zones), read once per distinct shape (private
fields never selected). For deletes the checks and populated reads run before
the entry is gone.

Draft & publish types (``options.draftAndPublish``) have two versions per
document, two rows: a subscription names the one it follows with ``status``,
``"published"`` (the default, as REST's) or ``"draft"``, and every check and
read runs on that version's row. Published subscribers get
``publish``/``unpublish``/``delete`` and never see a draft (a create or update
that publishes reaches them through the core's ``afterPublish``); draft
subscribers get ``create``/``update``/``delete`` of the draft (a discarded
draft is an ``update``) and ``publish``/``unpublish`` with the draft. An
``unpublish`` carries the published version as it was, read before it goes.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from cms.content import ContentType
from cms.documents import DocumentService
from cms.errors import ApplicationError
from cms.lifecycles import LifecycleEvent
from cms.locales import ALL_LOCALES
from cms.permissions import Access, Caller
from cms.query.ast import And, Condition, Node, Populate, Query
from cms.query.filters import parse_filters
from cms.query.params import STATUSES, Limits, parse_query
from cms.rest.routes import exposed
from plugins.realtime.sockets import SocketError, SocketState, payload

if TYPE_CHECKING:
    from plugins.realtime.plugin import Realtime

log = logging.getLogger("cms.realtime.content")
_USER_KEYS = ("id", "documentId", "username", "email", "role_id", "blocked", "confirmed")
#: the system fields every document carries when no ``fields`` are asked (cms.query.reader)
_SYSTEM = ("id", "documentId", "createdAt", "updatedAt", "publishedAt")
#: the shape of a subscription without ``populate``
_PLAIN = repr({})
#: the versions of a draft & publish document a subscription follows (REST's ``status`` values)
DRAFT, PUBLISHED = STATUSES
#: the events a subscription gets: types without draft & publish, and each status of those with it
_EVENTS = ("create", "update", "delete")
_STATUS_EVENTS = {PUBLISHED: ("publish", "unpublish", "delete"),
                  DRAFT: ("create", "update", "delete", "publish", "unpublish")}


class ContentEvents:
    def __init__(self, rt: Realtime) -> None:
        self.rt = rt
        allowed = rt.config.content_types
        named = lambda ct: ct.uid in allowed or ct.singular_name in allowed or any(a in allowed for a in ct.aliases)  # noqa: E731
        # "*" means every type of the content API; types kept off it (admin users,
        # API tokens, roles) are only subscribable when named explicitly
        self.types = {ct.uid: ct for ct in rt.app.registry if named(ct) or ("*" in allowed and exposed(ct))}
        api = rt.app.settings.api
        self.limits = Limits(default_limit=api.default_limit, max_limit=api.max_limit, with_count=api.with_count)

    def resolve(self, name: Any) -> ContentType:
        if isinstance(name, str):
            uid = self.rt.app.registry.resolve(name)  # a UID or one of its aliases
            for ct in self.types.values():
                if ct.uid == uid or name in (ct.singular_name, ct.plural_name):
                    return ct
        raise SocketError("unknown_type", "No such content type to subscribe to")

    async def subscribe(self, state: SocketState, data: Any) -> dict[str, Any]:
        body = payload(data)
        ct = self.resolve(body.get("type"))
        access = await self.rt.app.identity.access_for(state.caller, f"{ct.uid}.find", ct)
        if access is None:
            raise SocketError("forbidden", f"Your role may not read {ct.plural_name}")
        filters = body.get("filters")
        if filters is not None:
            try:
                node = parse_filters(ct, filters, registry=self.rt.app.registry, can_read=access.can_read,
                                     visible=access.visible)
            except ApplicationError as exc:
                raise SocketError("invalid_filters", exc.message) from exc
            try:  # run them once now: values the database cannot compare are refused here, not at every event
                await self._matches(ct, 0, [node], {})
            except Exception as exc:  # noqa: BLE001 - a database error: the filters hold such values
                raise SocketError("invalid_filters", "These filters hold values the database cannot compare") from exc
        populate = body.get("populate")
        if populate is not None:
            try:
                self._populate(ct, populate, access)
            except ApplicationError as exc:
                raise SocketError("invalid_populate", exc.message) from exc
        subscription: dict[str, Any] = {"filters": filters, "populate": populate}
        if ct.draft_and_publish:  # other types ignore ``status``, as REST does
            subscription["status"] = self._status(ct, body.get("status"))
        if ct.localized:  # likewise ``locale``
            subscription["locale"] = self._locale(body.get("locale"))
        state.subscriptions[ct.uid] = subscription
        await self.rt.shared.subscribe(ct.uid, state.sid, {"caller": _caller_spec(state.caller), **subscription})
        status = subscription.get("status")
        actions = _EVENTS if status is None else _STATUS_EVENTS[status]
        answer: dict[str, Any] = {"type": ct.uid}
        if status is not None:
            answer["status"] = status
        if ct.localized:
            answer["locale"] = subscription["locale"]
        answer["events"] = [f"{ct.singular_name}:{a}" for a in actions]
        return answer

    def _status(self, ct: ContentType, raw: Any) -> str:
        """The version a subscription to a draft & publish type follows: REST's ``status``
        (parsed by REST's parser, refused with its message), ``published`` unless told."""
        if raw is None:
            return PUBLISHED
        try:
            status = parse_query(ct, {"status": raw}, registry=self.rt.app.registry, limits=self.limits,
                                 action="findOne").status
        except ApplicationError as exc:
            raise SocketError("invalid_status", exc.message) from exc
        return status or PUBLISHED

    def _locale(self, raw: Any) -> str:
        """The locale a subscription to a localized type follows: REST's ``locale`` (an unknown
        one refused with REST's message), the default locale unless told."""
        if raw is None:
            return self.rt.app.locales.default_locale()
        try:
            return self.rt.app.locales.check(raw)
        except ApplicationError as exc:
            raise SocketError("invalid_locale", exc.message) from exc

    async def unsubscribe(self, state: SocketState, data: Any) -> dict[str, Any]:
        ct = self.resolve(payload(data).get("type"))
        if ct.uid not in state.subscriptions:
            raise SocketError("not_subscribed", f"You are not subscribed to {ct.plural_name}")
        del state.subscriptions[ct.uid]
        await self.rt.shared.unsubscribe(ct.uid, state.sid)
        return {"type": ct.uid}

    async def caller_changed(self, state: SocketState) -> None:
        """The socket's user changed role: its subscriptions are judged by the new one from now on
        (the shared specs, read by whichever process writes an entry, carry the caller)."""
        for uid, subscription in list(state.subscriptions.items()):
            if state.subscriptions.get(uid) is subscription:  # not dropped meanwhile
                spec = {"caller": _caller_spec(state.caller), **subscription}
                await self.rt.shared.subscribe(uid, state.sid, spec)

    async def forget(self, state: SocketState) -> None:
        for uid in list(state.subscriptions):
            await self.rt.shared.unsubscribe(uid, state.sid)
        state.subscriptions.clear()

    # -- lifecycle subscribers ------------------------------------------------------------

    def hooks(self) -> dict[str, Any]:
        return {"afterCreate": self._after_write, "afterUpdate": self._after_write,
                "beforeDelete": self._before_delete, "afterDelete": self._after_delete,
                "afterPublish": self._after_publish, "beforeUnpublish": self._before_unpublish,
                "afterUnpublish": self._after_unpublish, "afterDiscardDraft": self._after_discard}

    async def _after_write(self, event: LifecycleEvent) -> None:
        if event.uid not in self.types or not isinstance(event.result, dict):
            return
        ct, locale = event.model, _locale(event)
        if not ct.draft_and_publish:
            subscribers = _of_locale(ct, await self._subscribers(ct, None), locale)
            await self._send(ct, event.action, subscribers, event.result["id"], event.result, None, locale)
            return
        # the draft, to draft subscribers; a write that also publishes reaches published
        # subscribers (and draft ones, as ``publish``) through the afterPublish that follows
        await self._send_version(ct, event.action, DRAFT, _document_id(event), event.result, locale=locale)

    async def _after_publish(self, event: LifecycleEvent) -> None:
        if event.uid not in self.types or not isinstance(event.result, dict) or not event.model.draft_and_publish:
            return
        locale = _locale(event)
        document_id = _document_id(event)
        subscribers = _of_locale(event.model, await self.rt.shared.subscribers(event.uid), locale)
        for status in (PUBLISHED, DRAFT):
            await self._send_version(event.model, "publish", status, document_id, event.result, subscribers, locale)

    async def _after_discard(self, event: LifecycleEvent) -> None:
        """A discarded draft is an update of the draft (the published version is unchanged)."""
        if event.uid in self.types and isinstance(event.result, dict) and event.model.draft_and_publish:
            await self._send_version(event.model, "update", DRAFT, _document_id(event), event.result,
                                     locale=_locale(event))

    async def _before_unpublish(self, event: LifecycleEvent) -> None:
        """Who gets the unpublish, and the published version they get, read while it is there."""
        ct = event.model
        if event.uid not in self.types or not ct.draft_and_publish:
            return
        locale = _locale(event)
        subscribers = _of_locale(ct, await self.rt.shared.subscribers(ct.uid), locale)
        if not subscribers:
            return
        published = await self._row(ct, event.params["where"]["documentId"], PUBLISHED, locale)
        event.state["realtime_was_published"] = published is not None
        mine = _of_status(ct, subscribers, PUBLISHED)
        if published is not None and mine:
            recipients, shapes = await self._recipients(ct, published, mine)
            if recipients:
                documents = await self._documents(ct, published, shapes, None, PUBLISHED, locale)
                event.state["realtime_recipients"] = [(recipients, documents)]

    async def _after_unpublish(self, event: LifecycleEvent) -> None:
        if event.uid not in self.types or not event.model.draft_and_publish or not isinstance(event.result, dict):
            return
        for recipients, documents in event.state.get("realtime_recipients") or ():
            await self._deliver(event.model, "unpublish", recipients, documents)
        if event.state.get("realtime_was_published"):  # unpublishing a draft-only document changes nothing
            await self._send_version(event.model, "unpublish", DRAFT, _document_id(event), event.result,
                                     locale=_locale(event))

    async def _before_delete(self, event: LifecycleEvent) -> None:
        """Who gets the delete, and the populated documents they get, read while the entry is there
        (of a draft & publish type: each version, for the subscribers following it)."""
        if event.uid not in self.types:
            return
        ct = event.model
        document_id = event.params["where"]["documentId"]
        every = await self.rt.shared.subscribers(ct.uid)
        # of a localized type: the locale deleted, or (``*``) each locale a subscriber follows
        locales = [_locale(event)] if _locale(event) != ALL_LOCALES else sorted({spec["locale"] for spec in every.values()
                                                                               if spec.get("locale")})
        pending = []
        for locale in locales:
            subscribers = _of_locale(ct, every, locale)
            if not ct.draft_and_publish:
                rows = self.rt.app.models[event.uid].filter(documentId=document_id)
                row = await (rows.filter(locale=locale) if locale is not None else rows).first()
                if row is not None and subscribers:
                    recipients, shapes = await self._recipients(ct, row.id, subscribers)
                    if recipients:
                        populated = {key: shapes[key] for key in set(recipients.values()) if key != _PLAIN}
                        pending.append((recipients, await self._documents(ct, row.id, populated, None, None, locale)))
                continue
            for status in (PUBLISHED, DRAFT):
                mine = _of_status(ct, subscribers, status)
                row_id = await self._row(ct, document_id, status, locale) if mine else None
                if row_id is not None:
                    recipients, shapes = await self._recipients(ct, row_id, mine)
                    if recipients:  # every shape read now, the plain one too: the written entry is gone after
                        pending.append((recipients, await self._documents(ct, row_id, shapes, None, status, locale)))
        if pending:
            event.state["realtime_recipients"] = pending

    async def _after_delete(self, event: LifecycleEvent) -> None:
        pending = event.state.get("realtime_recipients")
        if not pending or not isinstance(event.result, dict):
            return
        if not event.model.draft_and_publish and not event.model.localized:
            [(recipients, documents)] = pending
            plain = _plain(event.model, event.result)
            if plain is not None:  # the entry as it was, as the deleting caller read it
                documents[_PLAIN] = plain
        for recipients, documents in pending:
            await self._deliver(event.model, "delete", recipients, documents)

    async def _send_version(self, ct: ContentType, action: str, status: str, document_id: str | None,
                            written: dict[str, Any], every: dict[str, dict[str, Any]] | None = None,
                            locale: str | None = None) -> None:
        """``action`` to the subscribers (of ``every``, else all) following version ``status`` (and
        ``locale``) of a draft & publish document; ``written`` is used as is when it is that
        version (else it is read)."""
        subscribers = _of_status(ct, every, status) if every is not None else await self._subscribers(ct, status)
        subscribers = _of_locale(ct, subscribers, locale)
        if not subscribers or document_id is None:
            return
        known = "publishedAt" in written and (written["publishedAt"] is None) == (status == DRAFT)
        row_id = written["id"] if known else await self._row(ct, document_id, status, locale)
        if row_id is not None:
            await self._send(ct, action, subscribers, row_id, written if known else None, status, locale)

    async def _send(self, ct: ContentType, action: str, subscribers: dict[str, dict[str, Any]], entry_id: int,
                    written: dict[str, Any] | None, status: str | None = None, locale: str | None = None) -> None:
        if subscribers:
            recipients, shapes = await self._recipients(ct, entry_id, subscribers)
            documents = await self._documents(ct, entry_id, shapes, written, status, locale)
            await self._deliver(ct, action, recipients, documents)

    async def _subscribers(self, ct: ContentType, status: str | None) -> dict[str, dict[str, Any]]:
        return _of_status(ct, await self.rt.shared.subscribers(ct.uid), status)

    async def _row(self, ct: ContentType, document_id: str, status: str, locale: str | None = None) -> int | None:
        """The id of the row holding version ``status`` (in ``locale``) of a draft & publish document, if any."""
        rows = self.rt.app.models[ct.uid].filter(documentId=document_id, publishedAt__isnull=status == DRAFT)
        if ct.localized and locale is not None:
            rows = rows.filter(locale=locale)
        ids = await rows.limit(1).values_list("id", flat=True)
        return ids[0] if ids else None

    async def _deliver(self, ct: ContentType, action: str, recipients: dict[str, str],
                       documents: dict[str, dict[str, Any]]) -> None:
        name = f"{ct.singular_name}:{action}"
        for sid, shape in recipients.items():
            document = documents.get(shape)
            if document is not None:
                await self.rt.sio.emit(name, document, to=sid)

    async def _documents(self, ct: ContentType, entry_id: int, shapes: dict[str, dict[str, Populate]],
                         written: dict[str, Any] | None, status: str | None,
                         locale: str | None = None) -> dict[str, dict[str, Any]]:
        """The entry (row ``entry_id``) in each shape (populate) subscribers asked for: one read per shape.

        Without populate it is the written document itself when that holds every
        field REST shows (whatever the writer populated left out), else a read.
        Populated relations resolve to ``status`` as REST's do (``published`` for
        types without draft & publish).
        """
        documents: dict[str, dict[str, Any]] = {}
        for key, populate in shapes.items():
            document = _plain(ct, written) if key == _PLAIN and written is not None else None
            if document is None:  # as REST's findOne of that version (the core resolves its relations)
                document = await DocumentService(self.rt.app, ct.uid).find_row(
                    entry_id, Query(populate=populate, status=status or PUBLISHED, locale=locale))
            if document is not None:
                documents[key] = document
        return documents

    async def _recipients(self, ct: ContentType, entry_id: int, subscribers: dict[str, dict[str, Any]],
                          ) -> tuple[dict[str, str], dict[str, dict[str, Populate]]]:
        """Of ``subscribers``, those whose role may read row ``entry_id`` and whose filters it matches,
        each with the key of its shape (its populate parsed under its role's grants), and those shapes."""
        if not subscribers:
            return {}, {}
        verdicts: dict[str, bool] = {}
        chosen: dict[str, str] = {}
        shapes: dict[str, dict[str, Populate]] = {}
        for sid, spec in subscribers.items():
            try:
                caller = Caller(**spec["caller"])
                access = await self.rt.app.identity.access_for(caller, f"{ct.uid}.find", ct)
                if access is None:
                    continue
                nodes = [n for n in (access.condition, self._filters(ct, spec.get("filters"))) if n is not None]
                key = json.dumps([repr(nodes), access.variables], default=str, sort_keys=True)
                if key not in verdicts:
                    verdicts[key] = await self._matches(ct, entry_id, nodes, access.variables)
                if not verdicts[key]:
                    continue
                raw = spec.get("populate")
                try:
                    populate = self._populate(ct, raw, access) if raw is not None else {}
                except ApplicationError as exc:  # the role may no longer populate what it named: REST's 400
                    log.info("no content event for socket %s: its populate is refused now (%s)",
                             sid, exc.message)
                    continue
                shape = repr(populate)
                shapes.setdefault(shape, populate)
                chosen[sid] = shape
            except Exception:  # one broken subscription must not stop the others
                log.exception("content event check failed for socket %s", sid)
        return chosen, shapes

    def _populate(self, ct: ContentType, raw: Any, access: Access) -> dict[str, Populate]:
        """``populate`` as REST parses it for this caller (GET /api/<plural>/<documentId>?populate=...)."""
        query = parse_query(ct, {"populate": raw}, registry=self.rt.app.registry, limits=self.limits,
                            action="findOne", can_read=access.can_read, visible=access.visible)
        return query.populate

    def _filters(self, ct: ContentType, raw: Any) -> Node | None:
        return parse_filters(ct, raw, registry=self.rt.app.registry) if raw is not None else None

    async def _matches(self, ct: ContentType, entry_id: int, nodes: list[Node], variables: dict[str, Any]) -> bool:
        if not nodes:
            return True
        entry = Query(filters=Condition(("id",), "$eq", entry_id), fields=())
        return await self.rt.app.reader.find_one(ct, entry, variables, And(tuple(nodes))) is not None


def _plain(ct: ContentType, document: dict[str, Any]) -> dict[str, Any] | None:
    """``document`` as REST shows it without fields or populate (relations, media, components and
    dynamic zones left out), or None when it lacks a field (the writer asked for ``fields``)."""
    shown = {*_SYSTEM, *(a.name for a in ct.scalar_attributes() if not a.hidden), *(("locale",) * ct.localized)}
    if not shown <= document.keys():
        return None
    return {k: v for k, v in document.items() if k in shown}


def _caller_spec(caller: Caller) -> dict[str, Any]:
    user = {k: caller.user.get(k) for k in _USER_KEYS} if caller.user else None
    return {"kind": caller.kind, "user": user, "token": caller.token}


def _of_status(ct: ContentType, subscribers: dict[str, dict[str, Any]],
               status: str | None) -> dict[str, dict[str, Any]]:
    """The subscribers following version ``status`` (None: all of a type without draft & publish;
    a subscription recorded without ``status`` follows the published version)."""
    if not ct.draft_and_publish:
        return subscribers if status is None else {}
    return {sid: spec for sid, spec in subscribers.items() if (spec.get("status") or PUBLISHED) == status}


def _of_locale(ct: ContentType, subscribers: dict[str, dict[str, Any]],
               locale: str | None) -> dict[str, dict[str, Any]]:
    """The subscribers following ``locale`` (all of them for a type that is not localized, or for
    ``*``, every locale)."""
    if not ct.localized or locale is None or locale == ALL_LOCALES:
        return subscribers
    return {sid: spec for sid, spec in subscribers.items() if spec.get("locale") == locale}


def _locale(event: LifecycleEvent) -> str | None:
    """The locale an event's write was in (None for types that are not localized)."""
    locale = event.params.get("locale")
    return locale if isinstance(locale, str) else None


def _document_id(event: LifecycleEvent) -> str | None:
    where = event.params.get("where") or {}
    document_id = where.get("documentId")
    if document_id is None and isinstance(event.result, dict):
        document_id = event.result.get("documentId")
    return document_id if isinstance(document_id, str) else None
