"""Live delivery of chat messages, whoever stored them.

One pipeline: a message created by a socket, over REST, from the admin or by
a plugin's ``DocumentService`` is stored by the document service, and its
``afterCreate`` lifecycle hook (this module) sends ``chat:message`` to the
room's sockets, or to every socket of both parties of a direct message, with
the same payload: the stored message with ``sender`` and ``recipient`` as
``{id, documentId, username}`` (or null) and, with the upload plugin, its
``attachments`` as file objects (name, url, mime, sizes, formats...). The socket path asks the document
service for exactly that shape, so it costs no extra read; other writers'
answers may have other fields, and the message is read once more for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cms.lifecycles import LifecycleEvent
from cms.query.ast import Condition, Populate, Query
from plugins.realtime.sockets import room_key, user_key

if TYPE_CHECKING:
    from plugins.realtime.plugin import Realtime

MESSAGE = "api::message.message"
_PARTY = Populate(fields=("username",))
#: what clients get of a message's files (the upload plugin's file objects, trimmed)
_FILE = Populate(fields=("name", "alternativeText", "caption", "width", "height", "formats", "ext", "mime",
                         "size", "url", "previewUrl"))
#: what a socket send asks the document service for: the message as delivered
DELIVERED = Query(populate={"sender": _PARTY, "recipient": _PARTY})
_KEYS = ("text", "room", "sender", "recipient")


def delivered_shape(message_ct: Any) -> Query:
    """:data:`DELIVERED`, with the files when the message type has ``attachments`` (a media
    attribute: the upload plugin is enabled)."""
    if "attachments" not in message_ct.attributes:
        return DELIVERED
    return Query(populate={**DELIVERED.populate, "attachments": _FILE})


def carries_files(data: Any) -> bool:
    """Whether a message written with ``data`` (a create's validated data) links files. A
    message written without them has none, so its ``attachments`` are ``[]`` without the
    extra query that populating them costs on every send."""
    files = data.get("attachments") if isinstance(data, dict) else None
    return bool(getattr(files, "connect", None)) or (isinstance(files, list) and bool(files))


def who(user: dict[str, Any] | None) -> dict[str, Any] | None:
    """A message party as clients see it: id, documentId and username only."""
    if not isinstance(user, dict):
        return None
    return {"id": user["id"], "documentId": user.get("documentId"), "username": user.get("username")}


def shaped(document: dict[str, Any]) -> dict[str, Any]:
    return {**document, "sender": who(document.get("sender")), "recipient": who(document.get("recipient"))}


class Delivery:
    def __init__(self, rt: Realtime) -> None:
        self.rt = rt
        self.ct = rt.app.registry.get(MESSAGE)
        self.shape = delivered_shape(self.ct)
        self.keys = (*_KEYS, *self.shape.populate.keys() - {"sender", "recipient"})

    def hooks(self) -> dict[str, Any]:
        return {"afterCreate": self._created}

    async def _created(self, event: LifecycleEvent) -> None:
        document = event.result
        if not isinstance(document, dict) or "id" not in document:
            return
        files = "attachments" in self.shape.populate and carries_files(event.params.get("data"))
        if "attachments" in self.shape.populate and not files:
            document = {**document, "attachments": []}
        if not all(key in document for key in self.keys):  # written with another shape: read it as delivered
            populate = self.shape.populate if files else DELIVERED.populate
            found = await self.rt.app.reader.find_one(
                self.ct, Query(filters=Condition(("id",), "$eq", document["id"]), populate=populate))
            if found is None:
                return
            document = found if files or "attachments" not in self.shape.populate else {**found, "attachments": []}
        message = shaped(document)
        sender, recipient = message["sender"], message["recipient"]
        if recipient is not None:
            targets = [user_key(recipient["id"])] + ([user_key(sender["id"])] if sender is not None else [])
        elif message.get("room"):
            targets = [room_key(message["room"])]
        else:
            return
        await self.rt.sio.emit("chat:message", message, to=targets)
