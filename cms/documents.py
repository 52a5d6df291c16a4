"""The document service: the one place that writes entries and fires lifecycles.

REST, the admin and the realtime plugin all call it, so a change fires its
hooks exactly once whoever made it. Entries are addressed by ``documentId``,
the public identifier, never by row id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise.models import Model
from tortoise.transactions import in_transaction

from cms.content import ContentType
from cms.errors import NotFoundError
from cms.lifecycles import LifecycleEvent

if TYPE_CHECKING:
    from cms.app import CMS


class DocumentService:
    """Create, read, update and delete entries of one content type.

    >>> messages = DocumentService(app, "api::message.message")
    >>> entry = await messages.create({"text": "hello", "room": "lobby"})
    >>> await messages.delete(entry.documentId)
    """

    def __init__(self, app: CMS, uid: str) -> None:
        self.app = app
        self.content_type: ContentType = app.registry.get(uid)
        self.model: type[Model] = app.models[uid]

    def _event(self, action: str, **params: Any) -> LifecycleEvent:
        return LifecycleEvent(action=action, model=self.content_type, params=params)

    async def find_one(self, document_id: str) -> Model:
        event = self._event("findOne", where={"documentId": document_id})
        await self.app.lifecycles.fire("beforeFindOne", event)
        entry = await self.model.get_or_none(documentId=event.params["where"]["documentId"])
        if entry is None:
            raise NotFoundError()
        event.result = entry
        await self.app.lifecycles.fire("afterFindOne", event)
        return entry

    async def create(self, data: dict[str, Any]) -> Model:
        event = self._event("create", data=dict(data))
        await self.app.lifecycles.fire("beforeCreate", event)
        async with in_transaction():
            entry = await self.model.create(**event.params["data"])
        event.result = entry
        await self.app.lifecycles.fire("afterCreate", event)
        return entry

    async def update(self, document_id: str, data: dict[str, Any]) -> Model:
        event = self._event("update", where={"documentId": document_id}, data=dict(data))
        await self.app.lifecycles.fire("beforeUpdate", event)
        async with in_transaction():
            entry = await self.model.get_or_none(documentId=document_id)
            if entry is None:
                raise NotFoundError()
            entry.update_from_dict(event.params["data"])
            await entry.save()
        event.result = entry
        await self.app.lifecycles.fire("afterUpdate", event)
        return entry

    async def delete(self, document_id: str) -> Model:
        event = self._event("delete", where={"documentId": document_id})
        await self.app.lifecycles.fire("beforeDelete", event)
        async with in_transaction():
            entry = await self.model.get_or_none(documentId=document_id)
            if entry is None:
                raise NotFoundError()
            await entry.delete()
        event.result = entry
        await self.app.lifecycles.fire("afterDelete", event)
        return entry
