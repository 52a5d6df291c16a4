"""The native chat protocol: join, leave, send, history, typing, presence.

Every event is acknowledged with ``{ok: true, data}`` or ``{ok: false, error:
{name, message}}``; see README.md beside this file for each payload. Only
registered, non-blocked users chat; what history returns is what the
permissions engine lets the caller read (the same condition as REST's find).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from cms.documents import DocumentService
from cms.errors import ApplicationError, ValidationError
from cms.query.ast import And, Condition, Node, Or, Pagination, Query, SortKey
from plugins.realtime.delivery import DELIVERED, MESSAGE, delivered_shape, shaped, who
from plugins.realtime.sockets import (
    MAX_ID, SocketError, SocketState, id_field, payload, room_key, room_name, storable, text_field, user_key,
)

if TYPE_CHECKING:
    from plugins.realtime.plugin import Realtime

USER = "plugin::users-permissions.user"
#: the upload plugin's file type, and the prefix of its actions (its public names, as Strapi's)
FILE, FILE_ACTIONS = "plugin::upload.file", "plugin::upload.content-api"
audit = logging.getLogger("cms.realtime.audit")


def chat_user(state: SocketState) -> dict[str, Any]:
    if state.user is None:
        raise SocketError("unauthorized", "Only registered users can chat: log in first")
    return state.user


class Chat:
    def __init__(self, rt: Realtime) -> None:
        self.rt = rt
        self.message_ct = rt.app.registry.get(MESSAGE)
        #: a message as clients get it (sender, recipient, files)
        self.shape = delivered_shape(self.message_ct)
        self.user_ct = rt.app.registry.get(USER)
        self.messages = DocumentService(rt.app, MESSAGE)
        #: (sender id, clientId) → the answer of a send waiting for its commit, for retries meanwhile
        self._in_flight: dict[tuple[int, str], asyncio.Future[dict[str, Any]]] = {}

    async def access(self, state: SocketState, action: str) -> Any:
        access = await self.rt.app.identity.access_for(state.caller, f"{MESSAGE}.{action}", self.message_ct)
        if access is None:
            raise SocketError("forbidden", f"Your role may not {action} messages")
        return access

    # -- rooms --------------------------------------------------------------------------

    async def join(self, state: SocketState, data: Any) -> dict[str, Any]:
        user = chat_user(state)
        body = payload(data)
        room = room_name(body)
        last_id = id_field(body, "lastMessageId", "a message id")  # checked before joining
        await self.rt.presence.join(user, room, state.sid)
        await self.rt.sio.enter_room(state.sid, room_key(room))
        state.rooms.add(room)
        audit.info("join user=%s room=%s", user["id"], room)
        await self.rt.sio.emit("chat:joined", {"room": room, "user": who(user)}, to=room_key(room), skip_sid=state.sid)
        missed, reload = None, False
        if last_id is not None:
            missed, reload = await self.missed(state, room, last_id)
        return {"room": room, "missed": missed, "reload": reload}

    async def leave(self, state: SocketState, data: Any) -> dict[str, Any]:
        user = chat_user(state)
        room = room_name(payload(data))
        if room not in state.rooms:
            raise SocketError("not_in_room", f"You are not in room {room!r}")
        state.rooms.discard(room)
        await self.rt.sio.leave_room(state.sid, room_key(room))
        await self.rt.presence.leave(user, room)
        audit.info("leave user=%s room=%s", user["id"], room)
        await self.rt.sio.emit("chat:left", {"room": room, "user": who(user)}, to=room_key(room))
        return {"room": room}

    # -- messages -------------------------------------------------------------------------

    async def send(self, state: SocketState, data: Any) -> dict[str, Any]:
        user = chat_user(state)
        body = payload(data)
        files = await self.attachments(state, body.get("attachments"))
        text = text_field(body, "text", self.rt.config.max_message_length, required=not files)
        client_id = text_field(body, "clientId", 64, required=False)
        access = await self.access(state, "create")
        message: dict[str, Any] = {"text": text, "sender": user["id"]}
        if files:
            message["attachments"] = files
        if body.get("to") is not None:
            message["recipient"] = (await self.recipient(body["to"]))["id"]
        else:
            room = room_name(body)
            if room not in state.rooms:
                raise SocketError("not_in_room", f"Join room {room!r} before sending to it")
            message["room"] = room
        if client_id is None:
            return await self.store(message, access)
        message["clientId"] = client_id
        key = (user["id"], client_id)
        pending = self._in_flight.get(key)
        if pending is not None:  # a retry while the first attempt waits for its commit: the same answer
            return await asyncio.shield(pending)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._in_flight[key] = future
        try:
            # a retry of a message already stored (and delivered): answer with it, store nothing
            result = await self.by_client_id(user["id"], client_id)
            if result is None:
                try:
                    result = await self.store(message, access)
                except SocketError as exc:
                    # (sender, clientId) is unique: another process stored the same send meanwhile
                    result = await self.by_client_id(user["id"], client_id) if exc.name == "invalid_message" else None
                    if result is None:
                        raise
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: nobody may be waiting on it
            raise
        else:
            future.set_result(result)
            return result
        finally:
            del self._in_flight[key]

    async def attachments(self, state: SocketState, refs: Any) -> list[int]:
        """The ids of the files a message carries: uploaded first over REST (``POST /api/upload``
        with the user's JWT), each one the sender may read (the upload plugin's ``findOne``
        grant: by default, files they uploaded), at most ``max_message_files`` of them, each
        within ``max_message_file_bytes``. The kinds the message type accepts (its
        ``allowedTypes``) are checked when it is stored, as for any writer."""
        if refs is None:
            return []
        limit = self.rt.config.max_message_files
        if not isinstance(refs, list) or not all(
                isinstance(r, int) and not isinstance(r, bool) and 0 < r <= MAX_ID for r in refs):
            raise SocketError("invalid_payload", '"attachments" must be a list of file ids')
        if len(refs) > limit:
            raise SocketError("too_large", f"A message carries at most {limit} files")
        if len(set(refs)) != len(refs):
            raise SocketError("invalid_payload", '"attachments" lists a file twice')
        if not refs:
            return []
        file_ct = self.rt.app.registry.get(FILE) if FILE in self.rt.app.registry else None
        if file_ct is None:
            raise SocketError("unsupported", "Attachments need the upload plugin, which is not enabled")
        access = await self.rt.app.identity.access_for(state.caller, f"{FILE_ACTIONS}.findOne", file_ct)
        found: list[dict[str, Any]] = []
        if access is not None:
            query = Query(filters=Condition(("id",), "$in", list(refs)), fields=("size",))
            found, _ = await self.rt.app.reader.find_many(file_ct, query, access.variables, access.condition)
        missing = set(refs) - {f["id"] for f in found}
        if missing:
            raise SocketError("invalid_attachment", f"No file {min(missing)} that you may send")
        too_big = [f["id"] for f in found if float(f["size"] or 0) * 1000 > self.rt.config.max_message_file_bytes]
        if too_big:
            raise SocketError("too_large", f"File {too_big[0]} is larger than a message may carry")
        return list(refs)

    async def store(self, message: dict[str, Any], access: Any) -> dict[str, Any]:
        """Store ``message`` under the caller's create grant; the delivery hook sends it live.

        Refused with ``overloaded`` before any work when the commit pipeline
        has fallen behind (more than ``max_pending`` messages wait for a
        transaction): only then, never because of the rate alone.
        """
        if self.messages.writes().backlog >= self.rt.config.max_pending:
            raise SocketError("overloaded", "The server is overloaded, try again shortly")
        try:
            if "attachments" in self.shape.populate and not message.get("attachments"):
                # no files: none to read back (populating them costs a query on every send)
                document = {**await self.messages.create(message, access, DELIVERED), "attachments": []}
            else:
                document = await self.messages.create(message, access, self.shape)
        except ValidationError as exc:
            raise SocketError("invalid_message", exc.message) from exc
        except ApplicationError as exc:
            raise SocketError(exc.name, exc.message) from exc
        return shaped(document)

    async def recipient(self, ref: Any) -> dict[str, Any]:
        if isinstance(ref, bool) or not isinstance(ref, (int, str)) or ref == "" \
                or (isinstance(ref, int) and not 0 <= ref <= MAX_ID) or (isinstance(ref, str) and not storable(ref)):
            raise SocketError("invalid_payload", '"to" must be a user id or documentId')
        field = "id" if isinstance(ref, int) else "documentId"
        query = Query(filters=Condition((field,), "$eq", ref), fields=("username", "blocked"))
        user = await self.rt.app.reader.find_one(self.user_ct, query)
        if user is None or user["blocked"]:
            raise SocketError("unknown_user", "No such user")
        return user

    async def by_client_id(self, sender_id: int, client_id: str) -> dict[str, Any] | None:
        query = Query(filters=And((Condition(("sender", "id"), "$eq", sender_id), Condition(("clientId",), "$eq", client_id))),
                      populate=self.shape.populate)
        found = await self.rt.app.reader.find_one(self.message_ct, query)
        return shaped(found) if found is not None else None

    # -- history --------------------------------------------------------------------------

    async def history(self, state: SocketState, data: Any) -> dict[str, Any]:
        user = chat_user(state)
        body = payload(data)
        access = await self.access(state, "find")
        limit = body.get("limit", self.rt.config.history_page)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= self.rt.config.history_max:
            raise SocketError("invalid_payload", f'"limit" must be an integer from 1 to {self.rt.config.history_max}')
        before = id_field(body, "before", "a message id")
        if body.get("with") is not None:
            other = await self.recipient(body["with"])
            scope: Node = Or((
                And((Condition(("sender", "id"), "$eq", user["id"]), Condition(("recipient", "id"), "$eq", other["id"]))),
                And((Condition(("sender", "id"), "$eq", other["id"]), Condition(("recipient", "id"), "$eq", user["id"]))),
            ))
        else:
            scope = Condition(("room",), "$eq", room_name(body))
        filters = And((scope, Condition(("id",), "$lt", before))) if before is not None else scope
        query = Query(filters=filters, sort=(SortKey(("id",), descending=True),),
                      pagination=Pagination("offset", 0, limit + 1, with_count=False),
                      populate=self.shape.populate)
        documents, _ = await self.rt.app.reader.find_many(self.message_ct, query, access.variables, access.condition)
        more = len(documents) > limit
        page = list(reversed(documents[:limit]))
        return {"messages": page, "nextCursor": page[0]["id"] if more and page else None}

    async def recover(self, state: SocketState, data: Any) -> dict[str, Any]:
        """Recovery of direct messages: those to or from the caller after ``lastMessageId``."""
        user = chat_user(state)
        last_id = id_field(payload(data), "lastMessageId", "a message id")
        if last_id is None:
            raise SocketError("invalid_payload", '"lastMessageId" must be a message id')
        direct = And((Or((Condition(("sender", "id"), "$eq", user["id"]), Condition(("recipient", "id"), "$eq", user["id"]))),
                      Condition(("recipient", "id"), "$notNull", True)))
        missed, reload = await self.missed(state, direct, last_id)
        return {"missed": missed, "reload": reload}

    async def missed(self, state: SocketState, scope: Node | str, last_id: int) -> tuple[list[dict[str, Any]], bool]:
        """Recovery: messages of ``scope`` (a room name, or a filter) after ``last_id``, oldest first, bounded."""
        access = await self.access(state, "find")
        limit = self.rt.config.recovery_limit
        where = Condition(("room",), "$eq", scope) if isinstance(scope, str) else scope
        query = Query(filters=And((where, Condition(("id",), "$gt", last_id))),
                      sort=(SortKey(("id",)),), pagination=Pagination("offset", 0, limit + 1, with_count=False),
                      populate=self.shape.populate)
        documents, _ = await self.rt.app.reader.find_many(self.message_ct, query, access.variables, access.condition)
        if len(documents) > limit:
            return [], True
        return [shaped(d) for d in documents], False

    # -- typing and presence ---------------------------------------------------------------

    async def typing(self, state: SocketState, data: Any) -> dict[str, Any]:
        user = chat_user(state)
        body = payload(data)
        typing = body.get("typing", True)
        if not isinstance(typing, bool):
            raise SocketError("invalid_payload", '"typing" must be true or false')
        event = {"user": who(user), "typing": typing}
        if body.get("to") is not None:
            recipient = await self.recipient(body["to"])
            await self.rt.sio.emit("chat:typing", event, to=user_key(recipient["id"]))
        else:
            room = room_name(body)
            if room not in state.rooms:
                raise SocketError("not_in_room", f"You are not in room {room!r}")
            await self.rt.sio.emit("chat:typing", {**event, "room": room}, to=room_key(room), skip_sid=state.sid)
        return {}

    async def set_presence(self, state: SocketState, data: Any) -> dict[str, Any]:
        user = chat_user(state)
        status = payload(data).get("status")
        if status not in ("online", "busy", "away"):
            raise SocketError("invalid_payload", '"status" must be one of online, busy, away')
        await self.rt.presence.set_status(user, status)
        return {"status": status}
