"""The ``local`` provider: files in ``<project>/public/uploads``, served at ``/uploads/<name>``.

Files are received into a temp folder on the same disk and renamed into
place, so a file appears whole or not at all. The serving side is
:mod:`plugins.upload.serving`, mounted by the plugin.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

URL_PREFIX = "/uploads"


class LocalProvider:
    name = "local"
    private = False

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def prepare(self) -> None:
        """Create the folder (when serving starts, not when a CLI command loads the project)."""
        self.directory.mkdir(parents=True, exist_ok=True)

    def path_of(self, key: str) -> Path:
        """The file of ``key`` (keys are generated names: one path segment, never ``..``)."""
        if "/" in key or "\\" in key or key.startswith(".") or not key:
            raise ValueError(f"not a stored file name: {key!r}")
        return self.directory / key

    async def put(self, source: Path, key: str, mime: str) -> str:
        target = self.path_of(key)
        os.chmod(source, 0o644)
        try:
            os.replace(source, target)
        except OSError:  # another file system: copy, then remove the temp file
            await asyncio.to_thread(shutil.move, source, target)
        return f"{URL_PREFIX}/{key}"

    async def delete(self, key: str) -> None:
        self.path_of(key).unlink(missing_ok=True)

    def signed_url(self, url: str) -> str:
        return url

    async def close(self) -> None:
        pass
