"""The users_permissions plugin: wires accounts, tokens, roles and the authorizer into the app."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from cms.lifecycles import LifecycleEvent

from cms.plugins import Plugin
from plugins.users_permissions.accounts import Accounts
from plugins.users_permissions.builtin_roles import guard_roles
from plugins.users_permissions.config import UsersPermissionsConfig, load_config
from plugins.users_permissions.engine import PermissionEngine
from plugins.users_permissions.grants import Grants, ungranted_types
from plugins.users_permissions.mail import make_sender
from plugins.users_permissions.ratelimit import RateLimiter
from plugins.users_permissions.routes.auth import bind_auth_routes
from plugins.users_permissions.routes.roles import bind_role_routes
from plugins.users_permissions.routes.users import bind_user_routes
from plugins.users_permissions.service import UsersPermissionsService
from plugins.users_permissions.strategy import Strategy

if TYPE_CHECKING:
    from cms.app import CMS


log = logging.getLogger("cms.users_permissions")


class UsersPermissions(Plugin):
    """Registered users, JWT login, roles with conditional grants, API tokens.

    Other plugins never import it: they use ``app.identity`` (the
    :class:`~plugins.users_permissions.strategy.Strategy` installed here) to
    authenticate tokens, check actions and add ``$user.*`` variables, and
    ``app.service("users_permissions")`` (:class:`~plugins.users_permissions.service.UsersPermissionsService`:
    roles, grants, API tokens) for the admin's settings pages.
    """

    name = "users_permissions"
    app: CMS
    config: UsersPermissionsConfig

    def register(self, app: CMS) -> None:
        self.app = app
        self.config = load_config(app.plugin_config(self.name))
        self.engine = PermissionEngine(app)
        self.accounts = Accounts(app, self.config)
        self.strategy = Strategy(app, self.engine, self.accounts, self.config)
        self.grants = Grants(app, self.engine)
        self.limiter = RateLimiter(self.config.rate_limit_max, self.config.rate_limit_seconds)
        self.strategy.limiter = self.limiter
        self.strategy.address_limiter = RateLimiter(self.config.rate_limit_address_max, self.config.rate_limit_seconds)
        self.mailer = make_sender(self.config.mailer, app.settings.root, app.settings.develop)
        app.set_authorizer(self.strategy.authorize, self.strategy)
        # a password set anywhere (admin, REST, CLI) ends the sessions opened before it
        app.lifecycles.subscribe({"beforeUpdate": _stamp_password_change}, ["plugin::users-permissions.user"])
        guard_roles(app, self.config.default_role)
        bind_auth_routes(self)
        bind_user_routes(self)
        bind_role_routes(self)
        app.provide("users_permissions", UsersPermissionsService(self))

    def add_commands(self, commands: Any) -> None:
        from plugins.users_permissions.cli import add_commands

        add_commands(commands)

    async def bootstrap(self, app: CMS) -> None:
        await self.grants.seed(app.settings.root / self.config.permissions_file)
        self.engine.invalidate()
        await self.engine.refresh()
        if app.settings.develop:
            for uid in await ungranted_types(app):
                log.warning("%s: no role is granted any of its actions: its REST routes are closed to "
                            "Public and Authenticated (403) until you grant them in %s or in the admin "
                            "(Settings → Roles & permissions)", uid, self.config.permissions_file)


def _stamp_password_change(event: LifecycleEvent) -> None:
    data = event.params["data"]
    if data.get("password") is not None:
        now = dt.datetime.now(dt.timezone.utc)
        data["passwordChangedAt"] = now
