"""The admin, enabled like a plugin: builds the site from the registry and mounts it at ``/admin``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cms.plugins import Plugin

if TYPE_CHECKING:
    from cms.app import CMS

BASE_URL = "/admin"


class AdminPlugin(Plugin):
    """The admin UI for content editors (see admin/README.md).

    Uses only the public plugin API: ``app.registry``/``app.models`` to build
    one view per content type, ``app.mount`` to serve it, the document service
    for writes and the reader for lists.
    """

    name = "admin"

    def register(self, app: CMS) -> None:
        from admin.config import load_config
        from admin.site import Site

        self.site = Site(app, load_config(app.plugin_config(self.name)))
        app.mount(BASE_URL, self.site.asgi())

    def add_commands(self, commands: Any) -> None:
        """``cms admin create-user``: an admin user from the command line (the first one in production)."""
        from admin import cli

        admin = commands.add_parser("admin", help="admin users of the admin UI")
        sub = admin.add_subparsers(dest="admin_command", required=True, metavar="COMMAND")
        create = sub.add_parser("create-user", help="create an admin user (super-admin by default)")
        cli.add_arguments(create)
        create.set_defaults(run=cli.run)
