"""The roles the plugin cannot work without, kept whole on every path.

``public`` is who a request without credentials is, ``authenticated`` (or the
configured ``default_role``) is what registration gives: deleting one made
every anonymous request and every registration fail until a restart. The REST
routes, the admin and any plugin change roles through different code, so the
rule is a lifecycle hook on the role type, which all of them fire (the REST
routes call the same checks directly).
"""

from __future__ import annotations

from typing import Any

from cms.app import CMS
from cms.errors import ApplicationError
from cms.lifecycles import LifecycleEvent

ROLE = "plugin::users-permissions.role"
BUILT_IN = ("public", "authenticated")


def check_delete(role_type: str, default_role: str) -> None:
    """Refuse deleting a built-in role or the role registrations get."""
    if role_type in BUILT_IN:
        raise ApplicationError(f"The {role_type} role cannot be deleted")
    if role_type == default_role:
        raise ApplicationError(f"The {role_type} role is the default role of new users and cannot be deleted")


def check_update(role_type: str, data: dict[str, Any], default_role: str) -> None:
    """Refuse changing the ``type`` that names a built-in or the default role (its name may change)."""
    if "type" in data and data["type"] != role_type and role_type in (*BUILT_IN, default_role):
        raise ApplicationError(f"The type of the {role_type} role cannot be changed")


def guard_roles(app: CMS, default_role: str) -> None:
    """Subscribe the checks to every write of a role, whoever makes it."""
    model = app.models[ROLE]

    async def role_type(event: LifecycleEvent) -> str | None:
        where = event.params.get("where") or {}
        rows = await model.filter(documentId=where.get("documentId")).values("type") if "documentId" in where else []
        return rows[0]["type"] if rows else None

    async def before_delete(event: LifecycleEvent) -> None:
        found = await role_type(event)
        if found is not None:
            check_delete(found, default_role)

    async def before_update(event: LifecycleEvent) -> None:
        found = await role_type(event)
        if found is not None:
            check_update(found, event.params.get("data") or {}, default_role)

    app.lifecycles.subscribe({"beforeDelete": before_delete, "beforeUpdate": before_update}, [ROLE])
