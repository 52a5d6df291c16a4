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
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from cms.content import ContentType
from cms.errors import ApplicationError
from cms.lifecycles import LifecycleEvent
from cms.permissions import Access, Caller
from cms.query.ast import And, Condition, Node, Populate, Query
from cms.query.filters import parse_filters
from cms.query.params import Limits, parse_query
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
        state.subscriptions[ct.uid] = {"filters": filters, "populate": populate}
        await self.rt.shared.subscribe(ct.uid, state.sid, {"caller": _caller_spec(state.caller),
                                                           **state.subscriptions[ct.uid]})
        return {"type": ct.uid, "events": [f"{ct.singular_name}:{a}" for a in ("create", "update", "delete")]}

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
                "beforeDelete": self._before_delete, "afterDelete": self._after_delete}

    async def _after_write(self, event: LifecycleEvent) -> None:
        if event.uid in self.types and isinstance(event.result, dict):
            ct, entry_id = event.model, event.result["id"]
            recipients, shapes = await self._recipients(ct, entry_id)
            documents = await self._documents(ct, entry_id, shapes, event.result)
            await self._deliver(ct, event.action, recipients, documents)

    async def _before_delete(self, event: LifecycleEvent) -> None:
        """Who gets the delete, and the populated documents they get, read while the entry is there."""
        if event.uid not in self.types:
            return
        model = self.rt.app.models[event.uid]
        row = await model.filter(documentId=event.params["where"]["documentId"]).first()
        if row is not None:
            recipients, shapes = await self._recipients(event.model, row.id)
            if recipients:
                populated = {key: shapes[key] for key in set(recipients.values()) if key != _PLAIN}
                event.state["realtime_recipients"] = (
                    recipients, await self._documents(event.model, row.id, populated, None))

    async def _after_delete(self, event: LifecycleEvent) -> None:
        pending = event.state.get("realtime_recipients")
        if pending and isinstance(event.result, dict):
            recipients, documents = pending
            plain = _plain(event.model, event.result)
            if plain is not None:  # the entry as it was, as the deleting caller read it
                documents[_PLAIN] = plain
            await self._deliver(event.model, "delete", recipients, documents)

    async def _deliver(self, ct: ContentType, action: str, recipients: dict[str, str],
                       documents: dict[str, dict[str, Any]]) -> None:
        name = f"{ct.singular_name}:{action}"
        for sid, shape in recipients.items():
            document = documents.get(shape)
            if document is not None:
                await self.rt.sio.emit(name, document, to=sid)

    async def _documents(self, ct: ContentType, entry_id: int, shapes: dict[str, dict[str, Populate]],
                         written: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
        """The entry in each shape (populate) subscribers asked for: one read per shape.

        Without populate it is the written document itself when that holds every
        field REST shows (whatever the writer populated left out), else a read.
        """
        documents: dict[str, dict[str, Any]] = {}
        for key, populate in shapes.items():
            document = _plain(ct, written) if key == _PLAIN and written is not None else None
            if document is None:
                query = Query(filters=Condition(("id",), "$eq", entry_id), populate=populate)
                document = await self.rt.app.reader.find_one(ct, query)
            if document is not None:
                documents[key] = document
        return documents

    async def _recipients(self, ct: ContentType,
                          entry_id: int) -> tuple[dict[str, str], dict[str, dict[str, Populate]]]:
        """Subscribers whose role may read entry ``entry_id`` and whose filters it matches, each with
        the key of its shape (its populate parsed under its role's grants), and those shapes."""
        subscribers = await self.rt.shared.subscribers(ct.uid)
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
    shown = {*_SYSTEM, *(a.name for a in ct.scalar_attributes() if not a.hidden)}
    if not shown <= document.keys():
        return None
    return {k: v for k, v in document.items() if k in shown}


def _caller_spec(caller: Caller) -> dict[str, Any]:
    user = {k: caller.user.get(k) for k in _USER_KEYS} if caller.user else None
    return {"kind": caller.kind, "user": user, "token": caller.token}
