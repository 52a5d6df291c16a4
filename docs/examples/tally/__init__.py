"""tally: how many messages a chat room holds, over REST and Socket.IO, kept live.

The worked example of docs/plugins.md, run by tests/cms/test_plugin_example.py.
Copy this folder to ``<project>/plugins/tally/`` and add ``[tally]`` to
``config/plugins.toml``; give ``plugin::tally.read`` to the roles that may
see the counts (``config/permissions.toml`` or the admin). It shows the three
things most plugins do, each under the same grant:

* a REST route, ``GET /api/tally/<room>``, checked by ``app.authorizer``
  (401/403 as every route answers), documented in ``/api/openapi.json``;
* a lifecycle subscriber: after a message is stored (by REST, the chat, the
  admin or another plugin) the room's new count goes to the sockets watching;
* Socket.IO events through the realtime service, which knows who calls and
  refuses, as REST does, callers without the grant: ``tally:count`` answers
  the count, ``tally:watch`` starts the ``tally:update`` events.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import orjson
from sanic import Request
from sanic.response import HTTPResponse

from cms.config import ConfigError
from cms.documents import DocumentService
from cms.errors import ValidationError
from cms.lifecycles import LifecycleEvent
from cms.plugins import Plugin
from cms.query.ast import Condition, Query
from cms.rest.openapi import json_response, route_operation

if TYPE_CHECKING:
    from cms.app import CMS

log = logging.getLogger("cms.tally")
MESSAGE = "api::message.message"
READ = "plugin::tally.read"
#: the Socket.IO room of the sockets that asked for live counts
WATCHERS = "tally:watchers"
COUNT = {"type": "object", "required": ["room", "messages"], "additionalProperties": False,
         "properties": {"room": {"type": "string"}, "messages": {"type": "integer", "minimum": 0}}}


class Tally(Plugin):
    name = "tally"

    def register(self, app: CMS) -> None:
        """Routes, actions and hooks: everything that exists before the database is connected."""
        if MESSAGE not in app.registry:
            raise ConfigError('plugin "tally" needs the content type api::message.message')
        self.app = app
        self.messages = DocumentService(app, MESSAGE)
        self.realtime: Any = None
        app.add_actions([READ])
        prefix = app.settings.api.prefix.rstrip("/")
        app.add_route(self.read, f"{prefix}/tally/<room:str>", ["GET"], name="tally_read", openapi=route_operation(
            "tally.read", "tally", "How many messages a chat room holds",
            {"200": json_response({"type": "object", "required": ["data"], "properties": {"data": COUNT}},
                                  "The room's count")}))
        app.lifecycles.subscribe({"afterCreate": self.stored}, [MESSAGE])

    async def bootstrap(self, app: CMS) -> None:
        """The realtime service exists once every plugin registered: ask for it here."""
        self.realtime = app.service("realtime")
        if self.realtime is None:
            log.warning("the realtime plugin is not enabled: tally answers over REST only")
            return
        self.realtime.on("tally:count", self.socket_count, action=READ)
        self.realtime.on("tally:watch", self.watch, action=READ)

    async def count(self, room: str) -> dict[str, Any]:
        """The count every channel answers (the document service fires beforeCount/afterCount)."""
        return {"room": room, "messages": await self.messages.count(Query(filters=Condition(("room",), "$eq", room)))}

    # -- REST ---------------------------------------------------------------------------------

    async def read(self, request: Request, room: str) -> HTTPResponse:
        await self.app.authorizer(request, READ, None)  # raises 401/403 as for every route
        body = orjson.dumps({"data": await self.count(room)})
        return HTTPResponse(body, content_type="application/json; charset=utf-8")

    # -- Socket.IO (handlers run only for callers the grant admits) ---------------------------

    async def socket_count(self, sid: str, data: Any) -> dict[str, Any]:
        room = data.get("room") if isinstance(data, dict) else None
        if not isinstance(room, str) or not room.strip():
            raise ValidationError('"room" must be a room name')  # → {ok: false, error: {name: "ValidationError"}}
        return await self.count(room)

    async def watch(self, sid: str, data: Any) -> dict[str, Any]:
        user = self.realtime.user(sid)  # None for an anonymous socket the Public role lets in
        log.info("socket %s (user %s) watches the tallies", sid, user["id"] if user else "-")
        await self.app.socket_server().enter_room(sid, WATCHERS)
        return {"watching": True}

    # -- lifecycle ----------------------------------------------------------------------------

    async def stored(self, event: LifecycleEvent) -> None:
        """After a message is committed: its room's count to the watchers.

        An ``after*`` hook runs in the writer's path once the write is committed:
        if it raised, the writer would get an error for a message that is stored.
        So it logs instead.
        """
        room = event.params["data"].get("room")  # what was written (validated data)
        if self.realtime is None or not isinstance(room, str):
            return  # no sockets, or a direct message
        try:
            await self.app.socket_server().emit("tally:update", await self.count(room), to=WATCHERS)
        except Exception:  # noqa: BLE001 - the message is stored whatever happens here
            log.exception("tally of room %r not sent", room)


plugin = Tally()
