"""The permissions engine: roles and their grants, turned into :class:`~cms.permissions.Access`.

Grants live in the database (``up_roles``, ``up_permissions``); this engine
keeps them in memory and reloads them at most every ``ttl`` seconds, so an
edit made in the admin or another process applies within that time (and at
once in the process that made it, which calls :meth:`invalidate`).

A grant may carry a condition in the REST filter language with ``$user.*``
variables. It is parsed once per role and content type with the same parser
that serves ``?filters=``, and compiled by the same SQL compiler. A comparison
with a variable the caller does not have (no user, no provider, a null value)
holds for no entry.

>>> access = engine.access(role_id, "api::message.message.find", message_type, user)
>>> access is None          # not granted
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cms.content import ContentType
from cms.permissions import Access
from cms.query.ast import And, Condition, Node, Not, Or, Variable
from cms.query.filters import parse_filters
from plugins.users_permissions.variables import variables_in

if TYPE_CHECKING:
    from cms.app import CMS

VariableProvider = Callable[[dict[str, Any]], Awaitable[Any]]
READ_ACTIONS = ("find", "findOne")


@dataclass
class RoleGrants:
    id: int
    type: str
    #: action → raw condition (None = unconditional)
    actions: dict[str, Any] = field(default_factory=dict)
    _parsed: dict[tuple[str, str], tuple[Node, frozenset[str]]] = field(default_factory=dict)


class PermissionEngine:
    def __init__(self, app: CMS, ttl: float = 2.0) -> None:
        self.app = app
        self.ttl = ttl
        self._roles: dict[int, RoleGrants] = {}
        self._by_type: dict[str, int] = {}
        self._loaded_at = 0.0
        self._reloading: asyncio.Future[None] | None = None
        self._variables: dict[str, VariableProvider] = {}

    def add_variable(self, name: str, provider: VariableProvider) -> None:
        """Offer ``$user.<name>`` to conditions, computed only when a condition uses it."""
        self._variables[name] = provider

    def variables(self) -> dict[str, VariableProvider]:
        """The variables plugins added (:meth:`add_variable`), by name."""
        return dict(self._variables)

    def invalidate(self) -> None:
        self._loaded_at = 0.0

    async def refresh(self) -> None:
        """Reload grants when older than ``ttl``; one reload at a time, others keep the current grants."""
        if time.monotonic() - self._loaded_at < self.ttl:
            return
        if self._reloading is not None:
            if self._loaded_at:  # grants exist: use them while the reload runs
                return
            await self._reloading
            return
        self._reloading = asyncio.get_running_loop().create_future()
        try:
            await self._reload()
        finally:
            self._reloading.set_result(None)
            self._reloading = None

    async def _reload(self) -> None:
        Role = self.app.models["plugin::users-permissions.role"]
        Permission = self.app.models["plugin::users-permissions.permission"]
        roles = {r["id"]: RoleGrants(r["id"], r["type"]) for r in await Role.all().values("id", "type")}
        for row in await Permission.all().values("role_id", "action", "condition"):
            if row["role_id"] in roles:
                roles[row["role_id"]].actions[row["action"]] = row["condition"]
        self._roles = roles
        self._by_type = {r.type: r.id for r in roles.values()}
        self._loaded_at = time.monotonic()

    def role_id(self, role_type: str) -> int | None:
        return self._by_type.get(role_type)

    def role_grants(self, role_id: int | None) -> RoleGrants | None:
        return self._roles.get(role_id) if role_id is not None else None

    def has_any(self, role_id: int | None) -> bool:
        grants = self.role_grants(role_id)
        return bool(grants and grants.actions)

    def allows(self, role_id: int | None, action: str) -> bool:
        grants = self.role_grants(role_id)
        return grants is not None and action in grants.actions

    async def access(self, role_id: int | None, action: str, ct: ContentType | None,
                     user: dict[str, Any] | None) -> Access | None:
        """The caller's access for ``action``, or None when the role lacks it."""
        grants = self.role_grants(role_id)
        if grants is None or action not in grants.actions:
            return None
        parsed = self._condition(grants, action, ct)
        condition, variables = None, {}
        if parsed is not None:
            condition, names = parsed
            variables = await self._bind(names, user)
            if any(Variable(name).lookup(variables) is None for name in names):
                condition = _unknown_is_false(condition, variables)
        finds = lambda uid: any(f"{name}.find" in grants.actions for name in self._names(uid))  # noqa: E731
        return Access(condition=condition, variables=variables,
                      can_read=lambda uid: finds(uid) or self.public_attributes(uid) is not None,
                      visible=lambda uid: None if finds(uid) else self.public_attributes(uid),
                      caller={"user": user, "role": grants.type})

    def token_access(self, token: dict[str, Any], action: str) -> Access | None:
        """API tokens: read-only (find/findOne), full-access (all) or custom (listed actions)."""
        kind = token["type"]
        listed = set(token.get("actions") or [])
        known = self.app.actions  # only actions the project declares: never admin or internal types
        if kind == "full-access":
            allowed = known.__contains__
        elif kind == "read-only":
            allowed = lambda a: a in known and a.rsplit(".", 1)[-1] in READ_ACTIONS  # noqa: E731
        else:
            allowed = lambda a: a in listed and a in known  # noqa: E731
        if not allowed(action):
            return None
        return Access(can_read=lambda uid: any(allowed(f"{name}.find") for name in self._names(uid)),
                      caller={"token": token["name"]})

    def public_attributes(self, uid: str) -> frozenset[str] | None:
        """What any role sees of a type it reads only through relations (no ``find`` grant on it):
        the type's ``pluginOptions["users-permissions"].publicAttributes``, or None (nothing).

        The auth type declares ``["username"]``: who sent a message can be populated
        (``populate=sender``) without giving every user the list of all users and their emails.
        """
        if uid not in self.app.registry:
            return None
        declared = self.app.registry.get(uid).plugin_options.get("users-permissions", {})
        names = declared.get("publicAttributes") if isinstance(declared, dict) else None
        return frozenset(names) if isinstance(names, list) else None

    def _names(self, uid: str) -> tuple[str, ...]:
        """A type's UID and its aliases: grants may name the auth type ``plugin::users-permissions.user``."""
        if uid not in self.app.registry:
            return (uid,)
        ct = self.app.registry.get(uid)
        return (ct.uid, *ct.aliases)

    def _condition(self, grants: RoleGrants, action: str,
                   ct: ContentType | None) -> tuple[Node, frozenset[str]] | None:
        """The grant's condition, parsed once per role and type, with the variables it uses."""
        raw = grants.actions[action]
        if raw is None or ct is None:
            return None
        key = (action, ct.uid)
        if key not in grants._parsed:
            node = parse_filters(ct, raw, registry=self.app.registry, allow_variables=True, where="condition")
            grants._parsed[key] = (node, frozenset(v.name for _, v in variables_in(node)))
        return grants._parsed[key]

    async def _bind(self, names: frozenset[str], user: dict[str, Any] | None) -> dict[str, Any]:
        """``{"user": {...}}`` with only the provided variables the condition uses computed."""
        bound = dict(user or {})
        if user is not None:
            for name in names:
                short = name.removeprefix("user.")
                if short not in bound and short in self._variables:
                    bound[short] = await self._variables[short](user)
        return {"user": bound if user is not None else None}


#: a condition that holds for no entry (compiles to ``1=0``)
NOTHING = Or(())


def _unknown_is_false(node: Node, variables: dict[str, Any]) -> Node:
    """Comparisons with a variable the caller does not have (no user, no provider, null) hold for nothing.

    Without this, ``{"room": {"$eq": "$user.room"}}`` would compile to
    ``room IS NULL`` for a caller without that value, and match entries.
    """
    if isinstance(node, Condition):
        values = node.value if isinstance(node.value, list) else [node.value]
        unknown = any(isinstance(v, Variable) and v.lookup(variables) is None for v in values)
        return NOTHING if unknown else node
    if isinstance(node, Not):
        item = _unknown_is_false(node.item, variables)
        return node if item is node.item else Not(item)
    assert isinstance(node, (And, Or))
    items = tuple(_unknown_is_false(item, variables) for item in node.items)
    return node if all(a is b for a, b in zip(items, node.items)) else type(node)(items)


