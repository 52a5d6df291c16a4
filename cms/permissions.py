"""The single permission hook point of every REST (and realtime) request.

The core does not know who a caller is; a plugin (users_permissions) installs
an :class:`Authorizer` with :meth:`cms.app.CMS.set_authorizer`. Until one is
installed, develop mode allows everything and production refuses everything,
so a fresh production deployment is never open by accident.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from cms.content import ContentType
from cms.errors import ForbiddenError, UnauthorizedError
from cms.query.ast import Node


@dataclass(frozen=True)
class Access:
    """What one caller may do with one action.

    ``condition`` narrows reads and must hold for entries written (a filter in
    the REST filter language, with ``variables`` bound to ``$user.*``);
    ``can_read`` says whether populating/filtering into another type is allowed.
    """

    condition: Node | None = None
    variables: dict[str, Any] = field(default_factory=dict)
    can_read: Callable[[str], bool] = lambda uid: True
    #: the attributes of a related type the caller may see when it may see only some of them
    #: (a type read through a relation without its ``find`` grant), None for all but private ones
    visible: Callable[[str], frozenset[str] | None] = lambda uid: None
    #: who the caller is, for plugins and hooks (e.g. ``{"user": {...}}``)
    caller: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Caller:
    """Who is behind a request or a socket: nobody (public), a registered user, or an API token."""

    kind: str  # "public" | "user" | "token"
    user: dict[str, Any] | None = None
    token: dict[str, Any] | None = None

    @property
    def role_id(self) -> int | None:
        return self.user.get("role_id") if self.user else None


PUBLIC = Caller("public")


class Identity(Protocol):
    """Who callers are and what they may do; installed by a plugin (users_permissions).

    The realtime plugin authenticates sockets and checks events through this,
    so it never imports the plugin that provides it.
    """

    async def authenticate_token(self, token: str) -> Caller:
        """The caller behind a bearer credential; :class:`UnauthorizedError` says why not."""

    async def access_for(self, caller: Caller, action: str, ct: ContentType | None) -> Access | None:
        """The caller's access for ``action``, None when not granted."""

    async def require(self, caller: Caller, action: str) -> None:
        """Raise what REST answers a caller whose role lacks ``action`` (nothing when granted).

        :class:`ForbiddenError` (403) as a rule; :class:`UnauthorizedError` (401) for a
        caller without credentials when the Public role has no grant at all. Sockets and
        plugins refuse through this, so they answer exactly as the REST routes do."""

    def add_variable(self, name: str, provider: Callable[[dict[str, Any]], Awaitable[Any]]) -> None:
        """Offer ``$user.<name>`` to permission conditions."""

    async def register(self, username: str, email: str, password: str, client: str = "",
                       caller: Caller = PUBLIC) -> Caller:
        """Create a registered user (default role) and return it as a caller.

        The same policy as the provider's own registration route: ``caller``
        (who asks) needs the registration grant, registration must be open,
        and ``client`` (the remote address) is rate limited with that route."""

    async def login(self, identifier: str, password: str, client: str = "", caller: Caller = PUBLIC) -> Caller:
        """The caller for valid credentials; an ApplicationError otherwise.

        The same policy as the provider's login route: ``caller`` needs the
        login grant and ``client`` (the remote address) shares its rate limit."""

    async def user_caller(self, user_id: int) -> Caller:
        """The registered user ``user_id`` as a caller now (its current role);
        :class:`UnauthorizedError` when it is gone or blocked."""


class NoIdentity:
    """Without an identity plugin: nobody can log in; develop mode allows everything."""

    def __init__(self, develop: bool) -> None:
        self.develop = develop

    async def authenticate_token(self, token: str) -> Caller:
        raise UnauthorizedError("No identity provider is installed")

    async def access_for(self, caller: Caller, action: str, ct: ContentType | None) -> Access | None:
        return Access() if self.develop else None

    async def require(self, caller: Caller, action: str) -> None:
        if not self.develop:  # as deny_all answers REST requests
            raise ForbiddenError()

    def add_variable(self, name: str, provider: Callable[[dict[str, Any]], Awaitable[Any]]) -> None:
        pass

    async def register(self, username: str, email: str, password: str, client: str = "",
                       caller: Caller = PUBLIC) -> Caller:
        raise UnauthorizedError("No identity provider is installed")

    async def login(self, identifier: str, password: str, client: str = "", caller: Caller = PUBLIC) -> Caller:
        raise UnauthorizedError("No identity provider is installed")

    async def user_caller(self, user_id: int) -> Caller:
        raise UnauthorizedError("No identity provider is installed")


class Authorizer(Protocol):
    async def __call__(self, request: Any, action: str, ct: ContentType | None) -> Access:
        """Return the caller's access for ``action`` or raise Unauthorized/Forbidden."""


async def allow_all(request: Any, action: str, ct: ContentType | None) -> Access:
    return Access()


async def deny_all(request: Any, action: str, ct: ContentType | None) -> Access:
    raise ForbiddenError()


def action_name(ct: ContentType, action: str) -> str:
    """Strapi's action string: ``api::message.message.find``."""
    return f"{ct.uid}.{action}"
