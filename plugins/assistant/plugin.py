"""Wiring of the assistant plugin, on the public plugin API only.

* ``register``: settings, the provider, the message hooks (``beforeCreate``
  marks the plugin's own replies, ``afterCreate`` schedules an answer), the
  per-user setting's routes and action, and ``app.provide("assistant", ...)``
  for the admin page;
* ``bootstrap``: ``app.service("realtime")`` for presence and typing (without
  realtime nobody is ever busy, and the assistant stays silent);
* ``destroy``: replies still being written are cancelled, connections closed.

It imports no other plugin: presence and typing come from the realtime
service, identities and grants from ``app.identity``.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from cms.config import ConfigError
from cms.plugins import Plugin
from cms.query.ast import And, Condition, Pagination, Query, SortKey
from plugins.assistant.config import AssistantConfig, load_config
from plugins.assistant.providers import OpenAICompatible, Provider, make_provider
from plugins.assistant.responder import DELIVERED, MESSAGE, USER, Responder
from plugins.assistant.settings import UserSettings

if TYPE_CHECKING:
    from cms.app import CMS

log = logging.getLogger("cms.assistant")


class Assistant(Plugin):
    name = "assistant"
    app: CMS
    config: AssistantConfig
    provider: Provider
    settings: UserSettings
    responder: Responder

    def register(self, app: CMS) -> None:
        self.app = app
        self.config = load_config(app.plugin_config(self.name))
        for uid in (MESSAGE, USER):
            if uid not in app.registry:
                raise ConfigError(f'plugin "assistant" needs the content type {uid} (and the realtime plugin)')
        if "generated" not in app.registry.get(MESSAGE).attributes:
            raise ConfigError('plugin "assistant": the message type needs a boolean attribute "generated" '
                              '(writable: false) to mark replies')
        self.provider = make_provider(self.config)
        self.settings = UserSettings(app, self.config)
        self.responder = Responder(app, self.config, self.provider, self.settings)
        app.lifecycles.subscribe(self.responder.hooks(), [MESSAGE])
        app.lifecycles.subscribe({"beforeDelete": self.settings.forget_user}, [USER])
        self.settings.add_routes(app)
        app.provide("assistant", self)

    async def bootstrap(self, app: CMS) -> None:
        self.responder.realtime = app.service("realtime")
        if self.responder.realtime is None:
            log.warning("the realtime plugin is not enabled, so nobody is ever busy: no replies")
        if isinstance(self.provider, OpenAICompatible) and not self.provider.has_key:
            log.warning("$%s is not set: requests to %s carry no API key", self.config.api_key_env,
                        self.provider.base_url)
        log.info("provider %s, answering users whose status is %s", self.provider.name,
                 " or ".join(self.config.statuses))

    async def destroy(self, app: CMS) -> None:
        await self.responder.close()
        await self.provider.close()

    # -- the "assistant" service (the admin page reads it) --------------------------------

    def summary(self) -> dict[str, Any]:
        """The settings in force, without secrets (the key's variable name, and whether it is set)."""
        c = self.config
        shown: dict[str, Any] = {"provider": self.provider.name, "statuses": c.statuses, "roles": c.roles,
                                 "mention_in_rooms": c.mention_in_rooms, "cooldown_seconds": c.cooldown_seconds,
                                 "daily_cap": c.daily_cap, "history": c.history, "on_failure": c.on_failure,
                                 "template": c.template, "max_concurrent": c.max_concurrent,
                                 "max_pending": c.max_pending}
        if isinstance(self.provider, OpenAICompatible):
            shown.update(base_url=self.provider.base_url, model=c.model, api_key_env=c.api_key_env,
                         api_key_set=self.provider.has_key, stream=c.stream, max_tokens=c.max_tokens,
                         timeout=c.timeout, retries=c.retries, deadline=c.deadline, system_prompt=c.system_prompt)
        return shown

    def counters(self) -> dict[str, int]:
        """How messages were settled since this process started (replied, ignored, cooldown, ...)."""
        return dict(self.responder.outcomes)

    async def recent(self, limit: int = 20) -> list[dict[str, Any]]:
        """The latest generated replies, newest first (as realtime delivers them)."""
        query = Query(filters=Condition(("generated",), "$eq", True), sort=(SortKey(("id",), descending=True),),
                      pagination=Pagination("offset", 0, limit, with_count=False), populate=DELIVERED.populate)
        found, _ = await self.app.reader.find_many(self.app.registry.get(MESSAGE), query)
        return found

    async def replies_today(self) -> int:
        since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=24)
        return await self.app.reader.count(self.app.registry.get(MESSAGE), Query(filters=And((
            Condition(("generated",), "$eq", True), Condition(("createdAt",), "$gt", since)))))
