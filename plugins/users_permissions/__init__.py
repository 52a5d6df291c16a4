"""users_permissions: registered users, JWT login, roles and permissions with conditions, API tokens.

Enable it in config/plugins.toml with ``[users_permissions]``; settings in
:mod:`plugins.users_permissions.config`. Other packages never import these
modules: they use ``app.identity`` and ``app.service("users_permissions")``
(:mod:`plugins.users_permissions.service`). See README.md beside this file.
"""

from plugins.users_permissions.plugin import UsersPermissions

plugin = UsersPermissions()

__all__ = ["UsersPermissions", "plugin"]
