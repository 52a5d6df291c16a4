"""Writing grants: validated against known actions and content types, seeded from a file.

The default grants are operator configuration, ``config/permissions.toml`` (the
``permissions_file`` setting; the plugin's own ``permissions.toml`` when the
project has none). At every
start, missing roles are created and the file's grants that a role lacks are
added; grants changed or removed in the admin are left alone.
"""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cms.config import ConfigError
from cms.errors import ValidationError
from cms.query.filters import parse_filters
from cms.rest.routes import exposed
from plugins.users_permissions.variables import check_variables

if TYPE_CHECKING:
    from cms.app import CMS
    from plugins.users_permissions.engine import PermissionEngine

log = logging.getLogger("cms.users_permissions")
DEFAULTS = Path(__file__).with_name("permissions.toml")


class Grants:
    def __init__(self, app: CMS, engine: PermissionEngine | None = None) -> None:
        self.app = app
        #: whose declared ``$user.*`` variables a written condition may use (None: not checked)
        self.engine = engine
        self.Role = app.models["plugin::users-permissions.role"]
        self.Permission = app.models["plugin::users-permissions.permission"]

    def check(self, action: str, condition: Any, where: str, *, variables: bool = True) -> None:
        """A 400 (or a config error at start-up) for an unknown action or a bad condition;
        ``variables``: also for a ``$user.*`` variable no one declared (:mod:`.variables`)."""
        if action not in self.app.actions:
            raise ValidationError(f"{where}: unknown action {action!r}")
        if condition is None:
            return
        uid = action.rsplit(".", 1)[0]
        if uid not in self.app.registry:
            raise ValidationError(f"{where}: action {action!r} is not about a content type, it cannot have a condition")
        node = parse_filters(self.app.registry.get(uid), condition, registry=self.app.registry,
                             allow_variables=True, where="condition")
        if variables and self.engine is not None:
            check_variables(node, self.engine)

    def parse(self, permissions: Any) -> list[tuple[str, Any]]:
        """``{action: {"enabled", "condition"}}`` → the enabled ``(action, condition)`` pairs, checked (400)."""
        if not isinstance(permissions, dict):
            raise ValidationError("permissions must be an object of action → {enabled, condition}")
        grants = []
        for action, grant in permissions.items():
            grant = grant if isinstance(grant, dict) else {"enabled": bool(grant)}
            if not grant.get("enabled", True):
                continue
            self.check(action, grant.get("condition"), "permissions")
            grants.append((action, grant.get("condition")))
        return grants

    async def replace(self, role_id: int, permissions: Any) -> None:
        """Set a role's grants to exactly ``{action: {"enabled", "condition"}}`` (checked first: 400)."""
        await self.write(role_id, self.parse(permissions))

    async def write(self, role_id: int, grants: list[tuple[str, Any]]) -> None:
        """Set a role's grants to exactly ``grants`` (from :meth:`parse`)."""
        await self.Permission.filter(role_id=role_id).delete()
        if grants:
            await self.Permission.bulk_create(
                [self.Permission(action=action, condition=condition, role_id=role_id) for action, condition in grants])

    async def seed(self, path: Path) -> None:
        """Create missing roles and add the grants of ``path`` (or of the plugin's defaults) they lack."""
        path = path if path.exists() else DEFAULTS
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
        for role_type, spec in (data.get("roles") or {}).items():
            grants = [(a, None) for a in spec.get("actions", [])]
            grants += [(g.get("action"), g.get("condition")) for g in spec.get("grants", [])]
            role = await self.Role.filter(type=role_type).first()
            if role is None:
                role = await self.Role.create(type=role_type, name=spec.get("name", role_type.capitalize()),
                                              description=spec.get("description", ""))
            have = set(await self.Permission.filter(role_id=role.id).values_list("action", flat=True))
            new = []
            for action, condition in grants:
                if action in have:
                    continue
                if action not in self.app.actions:
                    log.warning("%s: role %s: skipping unknown action %r (is its plugin enabled?)", path, role_type, action)
                    continue
                try:
                    self.check(action, condition, f"role {role_type}", variables=False)
                except ValidationError as exc:
                    raise ConfigError(f"{path}: {exc.message}") from exc
                new.append(self.Permission(action=action, condition=condition, role_id=role.id))
            if new:
                await self.Permission.bulk_create(new)


async def ungranted_types(app: CMS) -> list[str]:
    """The REST-exposed content types no role holds any action of: Public and Authenticated
    get 403 on them until someone grants them (develop mode says so at start, as a hint)."""
    Permission = app.models["plugin::users-permissions.permission"]
    granted = {action.rsplit(".", 1)[0] for action in await Permission.all().values_list("action", flat=True)}
    return [ct.uid for ct in app.registry if exposed(ct) and ct.uid not in granted]
