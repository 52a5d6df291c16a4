"""``$user.*`` variables of grant conditions: which exist, and refusing a condition naming another.

The engine binds an unknown variable to nothing, so a grant naming one
(``$user.roomz``) would silently match no entry: a typo must be an error where
the grant is written (the REST roles API and the admin, through
:meth:`plugins.users_permissions.grants.Grants.check`), naming where it is and
what exists. Start-up seeding does not check them: ``config/permissions.toml``
may name a variable of a plugin that is not enabled (it then matches nothing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cms.errors import ValidationError
from cms.query.ast import And, Condition, Node, Not, Or, Variable

if TYPE_CHECKING:
    from plugins.users_permissions.engine import PermissionEngine

#: the caller's own fields a condition may name as ``$user.<name>`` (bound by the strategy from
#: ``strategy.USER_FIELDS``); plugins add theirs with ``app.identity.add_variable``
USER_VARIABLES = {
    "id": "the user's id", "documentId": "the user's documentId", "username": "the user's username",
    "email": "the user's email", "blocked": "whether the user is blocked",
    "confirmed": "whether the user is confirmed", "role_id": "the id of the user's role",
}


def declared(engine: PermissionEngine) -> list[dict[str, str]]:
    """Every ``$user.*`` variable a condition may use, ``{name, description}``: the user's own
    fields, then those plugins add (``app.identity.add_variable``, e.g. the realtime plugin's
    ``$user.rooms``), described by the first line of their provider's docstring."""
    found = [{"name": f"$user.{name}", "description": text} for name, text in USER_VARIABLES.items()]
    for name, provider in sorted(engine.variables().items()):
        if name not in USER_VARIABLES:
            found.append({"name": f"$user.{name}", "description": _describe(name, provider)})
    return found


def check_variables(node: Node | None, engine: PermissionEngine) -> None:
    """Refuse a parsed condition naming a variable nobody provides (a 400). ``details``:
    ``key`` (the variable), ``path`` (the attribute path)."""
    known = [v["name"] for v in declared(engine)]
    for path, variable in variables_in(node):
        name = f"${variable.name}"
        if name not in known:
            at = f" at {'.'.join(path)}" if path else ""
            raise ValidationError(f"Unknown variable {name}{at}: a condition may use {', '.join(known)}",
                                  {"key": name, "path": ".".join(path) or None, "value": name,
                                   "source": "query", "param": "condition"})


def variables_in(node: Node | None) -> list[tuple[tuple[str, ...], Variable]]:
    """Each variable a parsed condition compares with, and the attribute path it is compared to."""
    if node is None:
        return []
    if isinstance(node, Condition):
        values = node.value if isinstance(node.value, list) else [node.value]
        return [(node.path, v) for v in values if isinstance(v, Variable)]
    if isinstance(node, Not):
        return variables_in(node.item)
    assert isinstance(node, (And, Or))
    return [found for item in node.items for found in variables_in(item)]


def _describe(name: str, provider: Any) -> str:
    """A variable's description: its provider's first docstring line, without reST markup or a
    leading ``$user.<name> ...:`` that would repeat the name."""
    lines = (getattr(provider, "__doc__", None) or "").strip().splitlines()
    text = lines[0].replace("``", "").strip() if lines else ""
    if text.startswith(f"$user.{name}") and ":" in text:
        text = text.split(":", 1)[1].strip()
    return text or "provided by a plugin"
