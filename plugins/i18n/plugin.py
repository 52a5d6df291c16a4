"""The i18n plugin: wires the settings, the locales service, its rules and its routes into the app."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cms.plugins import Plugin
from plugins.i18n.config import load_config
from plugins.i18n.routes import bind_routes
from plugins.i18n.rules import LocaleRules
from plugins.i18n.service import Locales

if TYPE_CHECKING:
    from cms.app import CMS


class I18n(Plugin):
    """Owns ``plugin::i18n.locale``, seeds it from ``[i18n]`` and provides the ``"i18n"`` service.

    Locales are managed data with Strapi's endpoints and rules; the core reads and
    writes localized content types in them through the ``"i18n"`` service
    (``app.locales``).
    """

    name = "i18n"
    locales: Locales

    def register(self, app: CMS) -> None:
        self.locales = Locales(app, load_config(app.plugin_config(self.name)))
        LocaleRules(self.locales).subscribe(app)
        bind_routes(app, self.locales)
        app.provide("i18n", self.locales)

    async def bootstrap(self, app: CMS) -> None:
        await self.locales.seed()
