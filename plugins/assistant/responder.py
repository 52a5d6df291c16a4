"""When the assistant answers, what it sends, and how the reply is stored.

The ``afterCreate`` hook of messages only schedules a task and returns, so no
writer (a socket's ``chat:send``, REST, the admin) ever waits for the model.
The task then decides, in order, and stops at the first "no":

1. the message is not generated (the assistant never answers an assistant);
2. it is a direct message, or (``mention_in_rooms``) a room message naming
   ``@username``; the addressee is not its sender;
3. the addressee's presence (the realtime service) is one of ``statuses``;
4. the addressee wants it (their own choice, else their role: settings.py)
   and may read the message (their ``find`` grant on messages);
5. no reply in that conversation for ``cooldown_seconds`` (and none being
   written), and fewer than ``daily_cap`` replies by that user in 24 hours.

Then the provider gets the system prompt, the last ``history`` messages of the
conversation that the busy user may read (only texts and public usernames) and
the new message; while it streams, the other side sees ``chat:typing`` from
the busy user. The reply is stored through the document service as a message
from the busy user with ``generated: true`` and ``clientId``
``assistant:<message id>`` (``(sender, clientId)`` is unique, so one message
never gets two replies, even from two processes); realtime's delivery hook
sends it live like any other message.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import re
import time
from collections import Counter
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cms.documents import DocumentService
from cms.errors import ApplicationError, UnauthorizedError
from cms.lifecycles import LifecycleEvent
from cms.permissions import Access
from cms.query.ast import And, Condition, Node, Or, Pagination, Populate, Query, SortKey
from plugins.assistant.config import AssistantConfig, fill
from plugins.assistant.providers import Prompt, Provider, ProviderError, Turn

if TYPE_CHECKING:
    from cms.app import CMS
    from plugins.assistant.settings import UserSettings

log = logging.getLogger("cms.assistant")
MESSAGE = "api::message.message"
USER = "plugin::users-permissions.user"
_PARTY = Populate(fields=("username",))
#: the shape realtime delivers (so its delivery hook needs no second read)
DELIVERED = Query(populate={"sender": _PARTY, "recipient": _PARTY})
#: ``@name`` not preceded by a word character (so e-mail addresses are not mentions)
MENTION = re.compile(r"(?<![\w@])@([^\s@,;:!?()\[\]{}<>\"'`]{1,50})")
#: mentions looked at per message, at most
MAX_MENTIONS = 5
DAY = dt.timedelta(hours=24)
#: set while the plugin stores a reply: the ``beforeCreate`` hook then marks that write as generated
GENERATING: ContextVar[bool] = ContextVar("assistant_generating", default=False)


@dataclass(frozen=True)
class Target:
    """A message the assistant will answer, and for whom."""

    message: dict[str, Any]
    #: the busy user, on whose behalf the reply is written ({id, username, role, ...})
    user: dict[str, Any]
    #: who wrote the message ({id, username})
    sender: dict[str, Any]
    #: the room, or None for a direct message
    room: str | None
    #: the busy user's read access to messages (history goes through it)
    access: Access

    @property
    def conversation(self) -> tuple[Any, ...]:
        return (self.user["id"], "room", self.room) if self.room is not None else (self.user["id"], "user", self.sender["id"])

    def scope(self) -> Node:
        """The conversation's messages: the room's, or those between the two users."""
        if self.room is not None:
            return Condition(("room",), "$eq", self.room)
        me, other = self.user["id"], self.sender["id"]
        return Or((
            And((Condition(("sender", "id"), "$eq", me), Condition(("recipient", "id"), "$eq", other))),
            And((Condition(("sender", "id"), "$eq", other), Condition(("recipient", "id"), "$eq", me))),
        ))


def mentions(text: str) -> list[str]:
    """The ``@usernames`` in ``text``, in order, without repeats (at most ``MAX_MENTIONS``)."""
    names: list[str] = []
    for match in MENTION.finditer(text):
        name = match.group(1).rstrip(".")
        if name and name.lower() not in (n.lower() for n in names):
            names.append(name)
        if len(names) == MAX_MENTIONS:
            break
    return names


class Responder:
    def __init__(self, app: CMS, config: AssistantConfig, provider: Provider, settings: UserSettings) -> None:
        self.app = app
        self.config = config
        self.provider = provider
        self.settings = settings
        self.ct = app.registry.get(MESSAGE)
        self.user_ct = app.registry.get(USER)
        self.messages = DocumentService(app, MESSAGE)
        self.max_text = self.ct.attributes["text"].max_length or 2000
        #: the realtime plugin's service (presence, typing); set in bootstrap, None without realtime
        self.realtime: Any = None
        #: replies being decided or written: cancelled at shutdown
        self.tasks: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(config.max_concurrent)
        #: conversation → when its last reply started (this process); conversations being answered
        self._recent: dict[tuple[Any, ...], float] = {}
        self._answering: set[tuple[Any, ...]] = set()
        #: busy user id → replies of theirs being written now (counted against the daily cap)
        self._in_flight: Counter[int] = Counter()
        self._dropped_at = 0.0
        #: how messages were settled since start (replied, away, ignored, cooldown, capped, ...): the admin page
        self.outcomes: Counter[str] = Counter()

    def hooks(self) -> dict[str, Any]:
        return {"beforeCreate": self._mark, "afterCreate": self._created}

    # -- lifecycle hooks (on the write path: nothing slow here) -----------------------------

    def _mark(self, event: LifecycleEvent) -> None:
        """Every stored message says whether the assistant wrote it: only the plugin's own
        write (inside :data:`GENERATING`) is ``generated``. Clients cannot set it: the
        attribute is ``writable: false``, so REST, the admin and ``chat:send`` drop it."""
        data = event.params.get("data")
        if isinstance(data, dict):
            data["generated"] = GENERATING.get()

    def _created(self, event: LifecycleEvent) -> None:
        document = event.result
        if self.realtime is None or GENERATING.get() or not isinstance(document, dict) or "id" not in document \
                or document.get("generated"):
            return
        if "recipient" in document and document["recipient"] is None and (  # a room message (as delivered) ...
                not self.config.mention_in_rooms or "@" not in str(document.get("text", "@"))):  # ... mentioning nobody
            return  # the bulk of a busy chat costs nothing more
        if len(self.tasks) >= self.config.max_pending:
            self.outcomes["dropped"] += 1
            now = time.monotonic()
            if now - self._dropped_at > 60:  # one line a minute, however many are dropped
                self._dropped_at = now
                log.warning("%d replies pending (max_pending): messages get no reply meanwhile",
                            len(self.tasks))
            return
        task = asyncio.get_running_loop().create_task(self._answer(int(document["id"])))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    # -- deciding -------------------------------------------------------------------------

    async def _answer(self, message_id: int) -> None:
        outcome = "failed"
        try:
            outcome = await self._settle(message_id)
        except asyncio.CancelledError:
            outcome = "cancelled"
            raise
        except Exception as exc:  # noqa: BLE001 - a reply must never take anything else down
            # the exception's text may quote the message: only its type goes to the log
            log.warning("answering message %s failed (%s)", message_id, type(exc).__name__)
            log.debug("answering message %s failed", message_id, exc_info=True)
        finally:
            self.outcomes[outcome] += 1

    async def _settle(self, message_id: int) -> str:
        target = await self.target(message_id)
        if target is None:
            return "ignored"
        key, user_id = target.conversation, target.user["id"]
        now = time.monotonic()
        last = self._recent.get(key)
        if key in self._answering or (last is not None and now - last < self.config.cooldown_seconds):
            return "cooldown"
        if self._in_flight[user_id] >= self.config.daily_cap:
            return "capped"
        # reserved before the first await below: concurrent messages see it
        self._answering.add(key)
        self._recent[key] = now
        self._in_flight[user_id] += 1
        try:
            refusal = await self._stored_limits(target)
            if refusal is not None:
                return refusal
            return await self._reply(target)
        finally:
            self._answering.discard(key)
            self._in_flight[user_id] -= 1
            if not self._in_flight[user_id]:
                del self._in_flight[user_id]
            if len(self._recent) > 10_000:
                horizon = time.monotonic() - self.config.cooldown_seconds
                self._recent = {k: v for k, v in self._recent.items() if v > horizon}

    async def target(self, message_id: int) -> Target | None:
        """The message and the busy user to answer it for, or None."""
        if self.realtime is None:
            return None
        message = await self.app.reader.find_one(self.ct, Query(
            filters=Condition(("id",), "$eq", message_id), fields=("text", "room", "generated"),
            populate=DELIVERED.populate))
        if message is None or message.get("generated") or not isinstance(message.get("sender"), dict) \
                or not message.get("text"):
            return None
        sender = message["sender"]
        if isinstance(message.get("recipient"), dict):
            room, candidates = None, [message["recipient"]["id"]]
        elif message.get("room") and self.config.mention_in_rooms:
            room, candidates = message["room"], await self._mentioned(message["text"])
        else:
            return None
        for user_id in candidates:
            if user_id == sender["id"] or await self.realtime.status(user_id) not in self.config.statuses:
                continue
            user = await self.settings.user(user_id)
            if user is None or not await self.settings.enabled_for(user):
                continue
            access = await self._read_access(user_id, message_id)
            if access is not None:
                return Target(message, user, sender, room, access)
        return None

    async def _mentioned(self, text: str) -> list[int]:
        """Ids of the users ``@mentioned`` in ``text``, in order (usernames compared ignoring case)."""
        names = mentions(text)
        if not names:
            return []
        found, _ = await self.app.reader.find_many(self.user_ct, Query(
            filters=Or(tuple(Condition(("username",), "$eqi", n) for n in names)), fields=("username",),
            pagination=Pagination("offset", 0, 2 * MAX_MENTIONS, with_count=False)))
        by_name = {str(u["username"]).lower(): int(u["id"]) for u in found}
        return [by_name[n.lower()] for n in names if n.lower() in by_name]

    async def _read_access(self, user_id: int, message_id: int) -> Access | None:
        """The busy user's read access to messages, if it lets them read this one."""
        try:
            caller = await self.app.identity.user_caller(user_id)
        except (UnauthorizedError, ApplicationError):
            return None
        access = await self.app.identity.access_for(caller, f"{MESSAGE}.find", self.ct)
        if access is None:
            return None
        visible = await self.app.reader.count(self.ct, Query(filters=Condition(("id",), "$eq", message_id)),
                                              access.variables, access.condition)
        return access if visible else None

    async def _stored_limits(self, target: Target) -> str | None:
        """The cooldown and the daily cap, from stored replies (so they hold across processes
        and restarts); None when the reply may be written."""
        now = dt.datetime.now(dt.timezone.utc)
        mine = (Condition(("sender", "id"), "$eq", target.user["id"]), Condition(("generated",), "$eq", True))
        if self.config.cooldown_seconds > 0:
            since = now - dt.timedelta(seconds=self.config.cooldown_seconds)
            recent = await self.app.reader.count(self.ct, Query(filters=And((
                *mine, target.scope(), Condition(("createdAt",), "$gt", since)))))
            if recent:
                return "cooldown"
        today = await self.app.reader.count(self.ct, Query(filters=And((*mine, Condition(("createdAt",), "$gt", now - DAY)))))
        if today + self._in_flight[target.user["id"]] - 1 >= self.config.daily_cap:
            return "capped"
        return None

    # -- writing --------------------------------------------------------------------------

    async def prompt(self, target: Target) -> Prompt:
        """What the provider gets: only texts and public usernames, of messages the busy user may read."""
        me = target.user["id"]
        history: list[Turn] = []
        if self.config.history:
            query = Query(filters=And((target.scope(), Condition(("id",), "$lt", target.message["id"]))),
                          sort=(SortKey(("id",), descending=True),), fields=("text",),
                          pagination=Pagination("offset", 0, self.config.history, with_count=False),
                          populate={"sender": _PARTY})
            found, _ = await self.app.reader.find_many(self.ct, query, target.access.variables,
                                                       target.access.condition)
            for document in reversed(found):
                author = document.get("sender") if isinstance(document.get("sender"), dict) else {}
                role = "assistant" if author.get("id") == me else "user"
                history.append(Turn(role, str(document.get("text") or ""), str(author.get("username") or "")))
        now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        username, sender = str(target.user["username"]), str(target.sender["username"])
        return Prompt(system=fill(self.config.system_prompt, username=username, sender=sender, time=now),
                      history=history, message=Turn("user", str(target.message["text"]), sender),
                      username=username, sender=sender, room=target.room is not None)

    async def _reply(self, target: Target) -> str:
        prompt = await self.prompt(target)
        message_id = target.message["id"]
        typing: asyncio.Task[None] | None = None
        text: str | None
        async with self._slots:
            if self.provider.streams:
                typing = asyncio.get_running_loop().create_task(self._keep_typing(target))
            try:
                text = await self._generate(prompt)
                outcome = "replied"
            except ProviderError as exc:
                # one line: which message and why; never its text, never the key
                log.warning("no reply to message %s for user %s: %s", message_id, target.user["id"],
                            exc.reason)
                if self.config.on_failure == "template":
                    text, outcome = fill(self.config.template, username=prompt.username, sender=prompt.sender), "away"
                else:
                    text, outcome = None, "provider_failed"
            finally:
                if typing is not None:
                    typing.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await typing
        try:
            if text:
                await self.store(target, text)
        finally:
            if typing is not None:
                await self._typing(target, False)
        return outcome

    async def _generate(self, prompt: Prompt) -> str:
        pieces: list[str] = []
        size = 0
        try:
            async with asyncio.timeout(self.config.deadline):
                replies = self.provider.reply(prompt)
                try:
                    async for piece in replies:
                        pieces.append(piece)
                        size += len(piece)
                        if size > self.max_text:  # a message holds no more: stop paying for tokens
                            break
                finally:
                    close = getattr(replies, "aclose", None)  # an async generator: stop it (and its request)
                    if close is not None:
                        await close()
        except TimeoutError as exc:
            raise ProviderError(f"the reply took longer than {self.config.deadline:g} s (deadline)") from exc
        text = "".join(pieces).strip()[: self.max_text].strip()
        if not text:
            raise ProviderError("the provider's answer was empty")
        return text

    async def store(self, target: Target, text: str) -> dict[str, Any] | None:
        """Store the reply as a message from the busy user, marked generated; realtime delivers it."""
        data: dict[str, Any] = {"text": text, "sender": target.user["id"], "clientId": f"assistant:{target.message['id']}"}
        if target.room is not None:
            data["room"] = target.room
        else:
            data["recipient"] = target.sender["id"]
        marked = GENERATING.set(True)
        try:
            return await self.messages.create(data, query=DELIVERED)
        except ApplicationError as exc:  # (sender, clientId) taken: that message was answered already
            log.info("reply to message %s not stored (%s)", target.message["id"], exc.name)
            return None
        finally:
            GENERATING.reset(marked)

    async def _keep_typing(self, target: Target) -> None:
        """``chat:typing`` from the busy user every ``typing_interval`` while the reply is written."""
        while True:
            await self._typing(target, True)
            await asyncio.sleep(self.config.typing_interval)

    async def _typing(self, target: Target, active: bool) -> None:
        where = {"room": target.room} if target.room is not None else {"to_user_id": target.sender["id"]}
        try:
            await self.realtime.typing(target.user["id"], active=active, **where)
        except Exception:  # noqa: BLE001 - a lost typing notice is no reason to lose the reply
            log.debug("typing notice failed", exc_info=True)

    async def close(self) -> None:
        """Cancel replies still being decided or written (at shutdown)."""
        tasks = list(self.tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
