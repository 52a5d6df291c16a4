"""Files written by ``cms new`` and ``cms generate``: skeletons from defaults."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

from cms.config import ApiSettings, DatabaseSettings, ServerSettings

_KEBAB = re.compile(r"^[a-z][a-z0-9]*([-_][a-z0-9]+)*$")


def is_valid_name(name: str) -> bool:
    return bool(_KEBAB.match(name))


def kebab(name: str) -> str:
    return name.replace("_", "-")


def snake(name: str) -> str:
    return name.replace("-", "_")


def pluralize(word: str) -> str:
    """English plural good enough for a skeleton; the developer can edit it."""
    if re.search(r"(s|x|z|ch|sh)$", word):
        return word + "es"
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    return word + "s"


def content_type_schema(name: str, plural: str | None = None) -> str:
    singular = kebab(name)
    plural_name = kebab(plural or pluralize(singular))
    schema = {
        "kind": "collectionType",
        "collectionName": snake(plural_name),
        "info": {
            "singularName": singular,
            "pluralName": plural_name,
            "displayName": singular.replace("-", " ").capitalize(),
            "description": "",
        },
        "options": {"draftAndPublish": False},
        "pluginOptions": {},
        "attributes": {"title": {"type": "string", "required": True}},
    }
    return json.dumps(schema, indent=2) + "\n"


def component_schema(category: str, name: str) -> str:
    """A component in Strapi's format (``components/<category>/<name>.json``), UID ``<category>.<name>``."""
    schema = {
        "collectionName": f"components_{snake(category)}_{snake(pluralize(name))}",
        "info": {"displayName": name.replace("-", " ").capitalize(), "description": ""},
        "options": {},
        "attributes": {"title": {"type": "string"}},
    }
    return json.dumps(schema, indent=2) + "\n"


def settings_toml(cls: type, comment: str) -> str:
    """A config file listing every key of ``cls`` with its default value."""
    lines = [f"# {comment}"]
    for field in dataclasses.fields(cls):
        default = field.default_factory() if field.default is dataclasses.MISSING else field.default  # type: ignore[misc]
        lines.append(f"{field.name} = {_toml_value(default)}")
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value)


PROJECT_FILES: dict[str, str] = {
    "config/server.toml": settings_toml(ServerSettings, "Server settings; override with CMS_SERVER_<KEY>."),
    "config/database.toml": settings_toml(DatabaseSettings, "Database; override with CMS_DATABASE_URL."),
    "config/api.toml": settings_toml(ApiSettings, "REST API settings; override with CMS_API_<KEY>."),
    "config/plugins.toml": """\
# Enabled plugins, one table each: [name] then its settings.
# Override a key with CMS_PLUGINS_<PLUGIN>_<KEY>, e.g. CMS_PLUGINS_USERS_PERMISSIONS_JWT_EXPIRES_IN.

# registered users (content_types/registered_user), JWT login, roles and permissions, API tokens
[users_permissions]

# the media library: files under public/uploads/, served at /uploads/
[upload]
provider = "local"

# the admin UI at /admin/ (in develop mode its first visit creates the first administrator)
[admin]
module = "admin"

# The realtime chat (Socket.IO) needs the chat's content types (a message and a chat user,
# see the cms repository's content_types/) and then:
# [realtime]
""",
    ".gitignore": ".tmp/\nconfig/secrets.toml\n__pycache__/\n",
    "content_types/.keep": "",
    "plugins/.keep": "",
    "migrations/.keep": "",
}


#: plugins ``cms new`` enables (config/plugins.toml above); each may ship a ``starter/`` folder of
#: files a new project gets (users_permissions: its auth type, content_types/registered_user)
STANDARD_PLUGINS = ("users_permissions", "upload", "admin")


def plugin_init(name: str) -> str:
    cls = "".join(part.capitalize() for part in re.split(r"[-_]", name)) + "Plugin"
    return f'''"""The {name} plugin."""

from cms.plugins import Plugin


class {cls}(Plugin):
    def register(self, app):
        """Add routes (app.add_route, with openapi=route_operation(...) so that
        /api/openapi.json documents them), lifecycle subscribers (app.lifecycles.subscribe)
        and permission actions (app.add_actions). See docs/plugins.md."""

    async def bootstrap(self, app):
        """Runs once the database is connected, before serving: Socket.IO events with
        app.service("realtime").on(...) when the realtime plugin is enabled."""

    async def destroy(self, app):
        """Runs at shutdown, before the database closes."""


plugin = {cls}()
'''
