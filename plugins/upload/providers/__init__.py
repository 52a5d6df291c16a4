"""Where file bytes live: one small interface, a provider per kind of storage.

A provider stores a finished file under a key (``<hash><ext>``, see
:mod:`plugins.upload.naming`), removes it, and says which URL reaches it. Rows
remember the provider's name (``local``, ``aws-s3``), so files stored before a
change of provider can still be removed by the one that holds them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from plugins.upload.config import UploadConfig


class Provider(Protocol):
    #: stored in each file's ``provider`` column (Strapi's names)
    name: str
    #: whether answers carry presigned URLs (``isUrlSigned``)
    private: bool

    async def put(self, source: Path, key: str, mime: str) -> str:
        """Store the temp file ``source`` as ``key`` (``source`` is consumed); its URL."""

    async def delete(self, key: str) -> None:
        """Remove ``key``; a missing one is not an error."""

    def signed_url(self, url: str) -> str:
        """A time-limited URL for the stored file at ``url`` (what :meth:`put` returned), for a
        private store."""

    async def close(self) -> None:
        """Release clients and threads (plugin shutdown)."""


def make_provider(kind: str, config: UploadConfig, root: Path) -> Provider:
    """The provider named ``kind`` ("local" or "s3"); boto3 is imported only for s3."""
    if kind == "s3":
        from plugins.upload.providers.s3 import S3Provider

        return S3Provider(config)
    from plugins.upload.providers.local import LocalProvider

    return LocalProvider(root / config.local_dir)
