"""The upload plugin: wires settings, the provider, the routes and the file server into the app."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cms.plugins import Plugin
from plugins.upload.config import UploadConfig, load_config
from plugins.upload.media_rules import enforce_allowed_types
from plugins.upload.multipart import make_temp_dir
from plugins.upload.providers import make_provider
from plugins.upload.providers.local import URL_PREFIX, LocalProvider
from plugins.upload.routes import bind_routes
from plugins.upload.serving import LocalFiles
from plugins.upload.service import Files

if TYPE_CHECKING:
    from cms.app import CMS


class Upload(Plugin):
    """Owns ``plugin::upload.file`` and serves Strapi's upload API.

    It never imports another plugin: callers are authorised through the core's
    ``app.authorizer`` (whatever identity plugin installed it), and the
    uploader is whichever registered user the authorizer reports in
    ``Access.caller``.
    """

    name = "upload"
    config: UploadConfig
    files: Files

    def register(self, app: CMS) -> None:
        self.config = load_config(app.plugin_config(self.name))
        root = app.settings.root
        self.local = LocalProvider(root / self.config.local_dir)
        provider = self.local
        if self.config.provider != "local":
            provider = make_provider(self.config.provider, self.config, root)
        self.files = Files(app, self.config, provider, {self.local.name: self.local}, root / ".tmp" / "uploads")
        bind_routes(app, self.files, self.config)
        enforce_allowed_types(app)
        # the admin's media library stores and deletes files through the same service
        app.provide("upload", self.files)
        # the local files are served whatever the provider: rows stored before a switch to s3 still resolve
        app.mount(URL_PREFIX, LocalFiles(self.local.directory, URL_PREFIX))

    async def bootstrap(self, app: CMS) -> None:
        self.local.prepare()
        make_temp_dir(self.files.temp_dir)

    async def destroy(self, app: CMS) -> None:
        await self.files.close()
