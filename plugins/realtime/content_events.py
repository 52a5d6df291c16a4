"""Live content events: ``<singularName>:create|update|delete`` for subscribed sockets.

A socket subscribes to a type (optionally with REST filters). When an entry
changes, by REST, the admin or the chat, the process that wrote it decides
for every subscriber, wherever it is connected, whether that caller's role
may read the entry under the permissions engine (conditions included) and
whether it matches the subscriber's filters, with one SQL check per distinct
condition; the event carries the REST document (private fields never
selected). For deletes the check runs before the entry is gone.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from cms.content import ContentType
from cms.errors import ApplicationError
from cms.lifecycles import LifecycleEvent
from cms.permissions import Caller
from cms.query.ast import And, Condition, Node, Query
from cms.query.filters import parse_filters
from cms.rest.routes import exposed
from plugins.realtime.sockets import SocketError, SocketState, payload

if TYPE_CHECKING:
    from plugins.realtime.plugin import Realtime

log = logging.getLogger("cms.realtime.content")
_USER_KEYS = ("id", "documentId", "username", "email", "role_id", "blocked", "confirmed")


class ContentEvents:
    def __init__(self, rt: Realtime) -> None:
        self.rt = rt
        allowed = rt.config.content_types
        named = lambda ct: ct.uid in allowed or ct.singular_name in allowed or any(a in allowed for a in ct.aliases)  # noqa: E731
        # "*" means every type of the content API; types kept off it (admin users,
        # API tokens, roles) are only subscribable when named explicitly
        self.types = {ct.uid: ct for ct in rt.app.registry if named(ct) or ("*" in allowed and exposed(ct))}

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
        spec = {"caller": _caller_spec(state.caller), "filters": filters}
        await self.rt.shared.subscribe(ct.uid, state.sid, spec)
        state.subscriptions[ct.uid] = filters
        return {"type": ct.uid, "events": [f"{ct.singular_name}:{a}" for a in ("create", "update", "delete")]}

    async def unsubscribe(self, state: SocketState, data: Any) -> dict[str, Any]:
        ct = self.resolve(payload(data).get("type"))
        if ct.uid not in state.subscriptions:
            raise SocketError("not_subscribed", f"You are not subscribed to {ct.plural_name}")
        del state.subscriptions[ct.uid]
        await self.rt.shared.unsubscribe(ct.uid, state.sid)
        return {"type": ct.uid}

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
            await self._deliver(event.model, event.action, event.result, await self._recipients(event.model, event.result["id"]))

    async def _before_delete(self, event: LifecycleEvent) -> None:
        if event.uid not in self.types:
            return
        model = self.rt.app.models[event.uid]
        row = await model.filter(documentId=event.params["where"]["documentId"]).first()
        if row is not None:
            event.state["realtime_recipients"] = await self._recipients(event.model, row.id)

    async def _after_delete(self, event: LifecycleEvent) -> None:
        recipients = event.state.get("realtime_recipients")
        if recipients and isinstance(event.result, dict):
            await self._deliver(event.model, "delete", event.result, recipients)

    async def _deliver(self, ct: ContentType, action: str, document: dict[str, Any], sids: list[str]) -> None:
        """The entry as REST's find shows it without populate: relations the writer populated stay out."""
        name = f"{ct.singular_name}:{action}"
        document = {k: v for k, v in document.items() if k not in ct.attributes or not ct.attributes[k].is_relation}
        for sid in sids:
            await self.rt.sio.emit(name, document, to=sid)

    async def _recipients(self, ct: ContentType, entry_id: int) -> list[str]:
        """Subscribers whose role may read entry ``entry_id`` and whose filters it matches."""
        subscribers = await self.rt.shared.subscribers(ct.uid)
        if not subscribers:
            return []
        verdicts: dict[str, bool] = {}
        chosen = []
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
                if verdicts[key]:
                    chosen.append(sid)
            except Exception:  # one broken subscription must not stop the others
                log.exception("content event check failed for socket %s", sid)
        return chosen

    def _filters(self, ct: ContentType, raw: Any) -> Node | None:
        return parse_filters(ct, raw, registry=self.rt.app.registry) if raw is not None else None

    async def _matches(self, ct: ContentType, entry_id: int, nodes: list[Node], variables: dict[str, Any]) -> bool:
        if not nodes:
            return True
        entry = Query(filters=Condition(("id",), "$eq", entry_id), fields=())
        return await self.rt.app.reader.find_one(ct, entry, variables, And(tuple(nodes))) is not None


def _caller_spec(caller: Caller) -> dict[str, Any]:
    user = {k: caller.user.get(k) for k in _USER_KEYS} if caller.user else None
    return {"kind": caller.kind, "user": user, "token": caller.token}
