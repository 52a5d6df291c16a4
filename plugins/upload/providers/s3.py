"""The ``s3`` provider: any S3-compatible store (AWS, MinIO, R2, Ceph, ...), through boto3.

boto3 blocks, so every call that goes over the network runs in this
provider's own small thread pool (boto3 clients are thread-safe); presigning
is a local computation and runs inline. ``upload_file`` sends large files in
parts, from the temp file on disk, never from memory.

Public buckets: a file's URL is ``<s3_base_url>/<key>`` (or
``<endpoint>/<bucket>/<key>``). Private buckets (``s3_private``): the same URL
is stored, and every answer carries a presigned GET URL instead, valid
``s3_signed_url_expires`` seconds, with ``isUrlSigned: true``.

Objects get their sniffed Content-Type, a long Cache-Control (names are never
reused), and ``Content-Disposition: attachment`` unless they are of a type
safe to show inline (:func:`plugins.upload.sniff.serving`): an SVG or HTML file
in a bucket is downloaded, not rendered on the bucket's origin.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from plugins.upload.config import UploadConfig
from plugins.upload.sniff import serving

CACHE_CONTROL = "public, max-age=31536000, immutable"


class S3Provider:
    name = "aws-s3"

    def __init__(self, config: UploadConfig) -> None:
        self.bucket = config.s3_bucket
        self.prefix = config.s3_prefix
        self.private = config.s3_private
        self.expires = config.s3_signed_url_expires
        self.acl = config.s3_acl
        options: dict[str, Any] = {
            "region_name": config.s3_region or None,
            "endpoint_url": config.s3_endpoint or None,
            "config": Config(s3={"addressing_style": "path" if config.s3_force_path_style else "auto"},
                             signature_version="s3v4", retries={"max_attempts": 3, "mode": "standard"}),
        }
        if config.s3_access_key_id:
            options.update(aws_access_key_id=config.s3_access_key_id,
                           aws_secret_access_key=config.s3_secret_access_key)
        self.client = boto3.session.Session().client("s3", **options)
        base = config.s3_base_url or (f"{config.s3_endpoint.rstrip('/')}/{self.bucket}" if config.s3_endpoint
                                      else f"https://{self.bucket}.s3.{config.s3_region or 'us-east-1'}.amazonaws.com")
        self.base_url = base.rstrip("/")
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="upload-s3")

    def _key(self, key: str) -> str:
        return self.prefix + key

    async def _run(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._pool, lambda: function(*args, **kwargs))

    async def put(self, source: Path, key: str, mime: str) -> str:
        _, inline = serving(key)
        extra = {"ContentType": mime, "CacheControl": CACHE_CONTROL}
        if not inline:
            extra["ContentDisposition"] = "attachment"
        if self.acl:
            extra["ACL"] = self.acl
        try:
            await self._run(self.client.upload_file, str(source), self.bucket, self._key(key), ExtraArgs=extra)
        finally:
            source.unlink(missing_ok=True)
        return f"{self.base_url}/{self._key(key)}"

    async def delete(self, key: str) -> None:
        await self._run(self.client.delete_object, Bucket=self.bucket, Key=self._key(key))

    def signed_url(self, url: str) -> str:
        """The stored ``<base>/<key>`` URL presigned; a URL of another base (the settings
        changed since) is returned as it is."""
        if not url.startswith(self.base_url + "/"):
            return url
        key = url[len(self.base_url) + 1:]
        return str(self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=self.expires))

    async def close(self) -> None:
        self._pool.shutdown(wait=False)
