"""Mounting the admin Starlette app into the project."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette_admin.contrib.tortoise import Admin

from cms.plugins import Plugin

if TYPE_CHECKING:
    from cms.app import CMS

BASE_URL = "/admin"


class AdminPlugin(Plugin):
    name = "admin"

    def register(self, app: CMS) -> None:
        starlette = Starlette()
        admin = Admin(title="CMS", base_url=BASE_URL, secret_key=app.settings.secrets.admin_session_secret)
        admin.mount_to(starlette)
        app.mount(BASE_URL, starlette)
