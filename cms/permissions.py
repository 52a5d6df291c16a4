"""The single permission hook point of every REST (and realtime) request.

The core does not know who a caller is; a plugin (users_permissions) installs
an :class:`Authorizer` with :meth:`cms.app.CMS.set_authorizer`. Until one is
installed, develop mode allows everything and production refuses everything,
so a fresh production deployment is never open by accident.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from cms.content import ContentType
from cms.errors import ForbiddenError
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
    #: who the caller is, for plugins and hooks (e.g. ``{"user": {...}}``)
    caller: dict[str, Any] = field(default_factory=dict)


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
