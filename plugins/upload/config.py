"""Settings of the upload plugin (``[upload]`` in config/plugins.toml).

Every key can be overridden by ``CMS_PLUGINS_UPLOAD_<KEY>``; secrets (the S3
secret key) belong there or in the environment boto3 reads
(``AWS_SECRET_ACCESS_KEY``), never in a committed file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from cms.config import ConfigError, read_settings, setting_source

#: Strapi's default responsive breakpoints (largest first, as Strapi lists them)
DEFAULT_BREAKPOINTS = {"large": 1000, "medium": 750, "small": 500}
_FORMAT_NAME = re.compile(r"^[a-z][a-z0-9]*$")


@dataclass(frozen=True)
class UploadConfig:
    #: where file bytes go: "local" (``<project>/<local_dir>``, served at ``/uploads``) or "s3"
    provider: Literal["local", "s3"] = "local"
    #: the largest upload request, in bytes (every file of one request and the multipart
    #: framing together); larger ones get 413 PayloadTooLargeError
    size_limit: int = 200 * 1024 * 1024
    #: files one request may carry
    max_files: int = 20
    #: responsive formats: name → width in px. An image wider or taller than a breakpoint gets
    #: a copy that fits in a square of that size; ``{}`` makes none. In a TOML table
    #: (``[upload.breakpoints]``) or, in the environment, ``large=1000,medium=750``
    breakpoints: Any = field(default_factory=lambda: dict(DEFAULT_BREAKPOINTS))
    #: a ``thumbnail`` format (fits in 245×156) for images larger than that
    thumbnail: bool = True
    #: MIME types accepted, as sniffed from the content: exact (``application/pdf``) or a
    #: family (``image/*``); ``*`` accepts anything. Others get 400
    allowed_types: list[str] = field(default_factory=lambda: ["*"])
    #: images with more pixels are stored without formats (decoding them would need too much memory)
    max_image_pixels: int = 90_000_000
    #: threads that decode and resize images (off the event loop)
    image_workers: int = 2
    #: local provider: the folder, relative to the project (Strapi's ``public/uploads``)
    local_dir: str = "public/uploads"
    #: s3 provider: bucket, region, endpoint (empty: AWS; set it for MinIO, R2, Ceph, ...)
    s3_bucket: str = ""
    s3_region: str = ""
    s3_endpoint: str = ""
    #: credentials; empty: boto3's own chain (AWS_* variables, instance role, ~/.aws)
    s3_access_key_id: str = ""
    s3_secret_access_key: str = ""
    #: key prefix inside the bucket, e.g. "uploads/"
    s3_prefix: str = ""
    #: public files: the URL the bucket's objects are reachable at (a CDN, or
    #: ``https://<bucket>.s3.<region>.amazonaws.com``); empty: ``<endpoint>/<bucket>``
    s3_base_url: str = ""
    #: private bucket: answers carry presigned GET URLs (``isUrlSigned: true``), valid this long
    s3_private: bool = False
    s3_signed_url_expires: int = 900
    #: an ACL for new objects (e.g. "public-read"); empty sends none (most buckets refuse ACLs)
    s3_acl: str = ""
    #: address buckets as ``<endpoint>/<bucket>`` (MinIO and most S3-compatible stores need it)
    s3_force_path_style: bool = True


def load_config(raw: dict[str, Any]) -> UploadConfig:
    """The ``[upload]`` table typed and range-checked; breakpoints normalised to ``{name: px}``."""
    config = read_settings(UploadConfig, raw, "upload")
    for key in ("size_limit", "max_files", "max_image_pixels", "image_workers", "s3_signed_url_expires"):
        if getattr(config, key) < 1:
            raise ConfigError(f"{setting_source(raw, 'upload', key)} must be at least 1")
    if config.provider == "s3" and not config.s3_bucket:
        raise ConfigError(f"{setting_source(raw, 'upload', 's3_bucket')} is needed with provider = \"s3\"")
    breakpoints = _breakpoints(config.breakpoints, setting_source(raw, "upload", "breakpoints"))
    return replace(config, breakpoints=breakpoints)


def _breakpoints(value: Any, where: str) -> dict[str, int]:
    if isinstance(value, str):  # from the environment: "large=1000,medium=750"
        pairs = [part.split("=", 1) for part in value.split(",") if part.strip()]
        if any(len(pair) != 2 for pair in pairs):
            raise ConfigError(f"{where} must look like large=1000,medium=750")
        value = {name.strip(): size.strip() for name, size in pairs}
        try:
            value = {name: int(size) for name, size in value.items()}
        except ValueError:
            raise ConfigError(f"{where} widths must be integers") from None
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a table of name = width")
    for name, size in value.items():
        if not isinstance(name, str) or not _FORMAT_NAME.match(name) or name == "thumbnail":
            raise ConfigError(f"{where}: {name!r} is not a format name (lowercase letters and digits)")
        if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= 10_000:
            raise ConfigError(f"{where}: {name} must be a width between 1 and 10000")
    return dict(value)

