"""The admin UI for content editors, built from the content-type registry.

It is enabled like a plugin (``[admin] module = "admin"`` in
``config/plugins.toml``) and uses only the public plugin API: it builds a
Starlette app holding starlette-admin and mounts it at ``/admin``. The views
per content type, admin users and settings come with the admin issue; for now
it serves the empty shell.
"""

from admin.plugin import AdminPlugin

plugin = AdminPlugin()

__all__ = ["AdminPlugin", "plugin"]
