"""The admin UI for content editors, built from the content-type registry.

It is enabled like a plugin (``[admin] module = "admin"`` in
``config/plugins.toml``) and uses only the public plugin API and the core's
services: one generic view per content type (``admin.views``, built by
``admin.site``), writes through the document service, lists through the
reader, admin users with roles (``admin.auth``), settings pages for the
super-admin (``admin.settings``; roles and API tokens in ``admin.access``,
through ``app.service("users_permissions")`` and only with that plugin) and a
dashboard (``admin.dashboard``).
See admin/README.md.
"""

from admin.plugin import AdminPlugin

plugin = AdminPlugin()

__all__ = ["AdminPlugin", "plugin"]
