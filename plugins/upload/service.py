"""Files: received parts → stored bytes, formats and a row; rows → Strapi's file objects.

Rows are written through :class:`cms.documents.DocumentService` (validation,
lifecycle hooks, grant conditions) and read through the core's reader with
the caller's :class:`~cms.permissions.Access`, so a role whose grant carries a
condition (the default: ``uploaderId = $user.id``) sees, changes and deletes
only the files that match it, and can create only files that match it.

Bytes are stored before the row is written, and removed again when the write
fails; a deleted row's bytes are removed after the row is gone. A file that
cannot be removed from its store is logged, never answered as an error: the
row is what the API promises about.
"""

from __future__ import annotations

import asyncio
import logging
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import orjson

from cms.documents import DocumentService
from cms.errors import NotFoundError, ValidationError
from cms.permissions import Access
from cms.query.ast import And, Condition, Query
from plugins.upload import images
from plugins.upload.config import UploadConfig
from plugins.upload.fileinfo import FileInfo, parse_infos
from plugins.upload.multipart import FilePart, Form, boundary_of, read_form
from plugins.upload.naming import clean_name, new_hash
from plugins.upload.providers import Provider
from plugins.upload.sniff import SVG, Sniffed, allowed, sniff

if TYPE_CHECKING:
    from cms.app import CMS

log = logging.getLogger("cms.upload")
FILE_UID = "plugin::upload.file"
#: the keys of a file object, in Strapi's order (``isUrlSigned`` is added to each answer)
KEYS = ("id", "documentId", "name", "alternativeText", "caption", "focalPoint", "width", "height", "formats",
        "hash", "ext", "mime", "size", "url", "previewUrl", "provider", "provider_metadata",
        "createdAt", "updatedAt", "publishedAt")
FORMAT_KEYS = ("name", "hash", "ext", "mime", "path", "width", "height", "size", "sizeInBytes", "url")
FIELDS = tuple(k for k in KEYS if k not in ("id", "documentId"))
#: the largest row id (ids are 32-bit integers)
MAX_ID = 2**31 - 1


def kilobytes(size: int) -> float:
    """Strapi's sizes: kB (1000 bytes), two decimals, rounded half up."""
    return math.floor(size / 10 + 0.5) / 100


class Files:
    def __init__(self, app: CMS, config: UploadConfig, provider: Provider, others: dict[str, Provider],
                 temp_dir: Path) -> None:
        self.app = app
        self.config = config
        self.provider = provider
        #: every provider that may hold existing files, by the name rows store
        self.providers = {**others, provider.name: provider}
        self.temp_dir = temp_dir
        self.ct = app.registry.get(FILE_UID)
        self.documents = DocumentService(app, FILE_UID)
        self.pool = ThreadPoolExecutor(max_workers=config.image_workers, thread_name_prefix="upload-images")

    # -- for other packages (the admin's media library): the REST routes' own parsing -------

    @staticmethod
    def parse_infos(raw: list[Any]) -> list[FileInfo]:
        """Each ``fileInfo`` value (JSON text or parsed) → its checked FileInfo (a 400 if not one)."""
        return parse_infos(raw)

    async def read_form(self, chunks: AsyncIterator[bytes], content_type: str) -> Form:
        """A ``multipart/form-data`` body, streamed: its fields, and its files written under the
        plugin's temporary folder (at most ``max_files``); a 400 for another content type."""
        boundary = boundary_of(content_type)
        if boundary is None:
            raise ValidationError('Send the files as multipart/form-data, in the field "files"')
        return await read_form(chunks, boundary, self.temp_dir, self.config.max_files)

    async def close(self) -> None:
        self.pool.shutdown(wait=False)
        for provider in {id(p): p for p in self.providers.values()}.values():
            await provider.close()

    # -- reads ----------------------------------------------------------------------------

    async def find(self, query: Query, access: Access) -> list[dict[str, Any]]:
        documents, _ = await self.app.reader.find_many(self.ct, _shown(query), access.variables, access.condition)
        return [self.answer(d) for d in documents]

    async def find_one(self, file_id: int, access: Access, query: Query | None = None) -> dict[str, Any]:
        """The row as a document (raw: formats may be an ``orjson.Fragment``), or 404 ``file.notFound``."""
        query = query or Query()
        if not 0 < file_id <= MAX_ID:
            raise NotFoundError("file.notFound")
        match = Condition(("id",), "$eq", file_id)
        one = Query(filters=And((match, query.filters)) if query.filters is not None else match,
                    fields=query.fields, populate=query.populate)
        document = await self.app.reader.find_one(self.ct, _shown(one), access.variables, access.condition)
        if document is None:
            raise NotFoundError("file.notFound")
        return document

    # -- writes ---------------------------------------------------------------------------

    async def upload(self, parts: list[FilePart], infos: list[FileInfo], access: Access) -> list[dict[str, Any]]:
        """Store each part and write its row; on any failure nothing of this request stays."""
        sniffed = [self._check(part) for part in parts]  # refuse before storing anything
        created: list[dict[str, Any]] = []
        try:
            for index, (part, kind) in enumerate(zip(parts, sniffed, strict=True)):
                info = infos[index] if index < len(infos) else FileInfo()
                data, keys = await self._store(part, kind, info)
                data["uploaderId"] = _uploader(access)
                try:
                    created.append(await self.documents.create(data, access, Query(fields=FIELDS)))
                except BaseException:
                    await self._remove(self.provider.name, keys)
                    raise
        except BaseException:
            for document in created:
                await self._delete_row(document)
            raise
        return [self.answer(d) for d in created]

    async def update_info(self, file_id: int, info: FileInfo, access: Access) -> dict[str, Any]:
        row = await self.find_one(file_id, access)
        document = await self.documents.update(row["documentId"], info.given(), access, Query(fields=FIELDS))
        return self.answer(document)

    async def replace(self, file_id: int, part: FilePart, info: FileInfo, access: Access) -> dict[str, Any]:
        """New bytes for an existing file: a new hash and URL (URLs are cached as immutable),
        the row's id and documentId kept; the old bytes are removed once the row points to the new ones."""
        row = await self.find_one(file_id, access)
        kind = self._check(part)
        merged = FileInfo(name=info.name or clean_name(part.filename),
                          alternativeText=info.alternativeText or row.get("alternativeText"),
                          caption=info.caption or row.get("caption"))
        data, keys = await self._store(part, kind, merged)
        try:
            document = await self.documents.update(row["documentId"], data, access, Query(fields=FIELDS))
        except BaseException:
            await self._remove(self.provider.name, keys)
            raise
        await self._remove(str(row["provider"]), _stored_keys(row))
        return self.answer(document)

    async def delete(self, file_id: int, access: Access) -> dict[str, Any]:
        row = await self.find_one(file_id, access)
        await self.documents.delete(row["documentId"], access)
        await self._remove(str(row["provider"]), _stored_keys(row))
        return self.answer(row)

    async def _delete_row(self, document: dict[str, Any]) -> None:
        try:
            await self.documents.delete(document["documentId"])
        finally:
            await self._remove(str(document["provider"]), _stored_keys(document))

    # -- storing --------------------------------------------------------------------------

    def _check(self, part: FilePart) -> Sniffed:
        kind = sniff(part.head, part.filename)
        if not allowed(kind.mime, self.config.allowed_types):
            raise ValidationError(f"File type {kind.mime} is not allowed", {"name": clean_name(part.filename)})
        return kind

    async def _store(self, part: FilePart, kind: Sniffed, info: FileInfo) -> tuple[dict[str, Any], list[str]]:
        """Measure, make formats, store everything; the row's data and the stored keys."""
        name = info.name or clean_name(part.filename)
        file_hash = new_hash(name)
        width = height = None
        variants: tuple[images.Variant, ...] = ()
        if kind.mime == SVG:
            width, height = images.svg_size(part.head) or (None, None)
        elif kind.mime.startswith("image/"):
            measured = await asyncio.get_running_loop().run_in_executor(
                self.pool, images.analyse, part.path, self.temp_dir, self.config.breakpoints,
                self.config.thumbnail, self.config.max_image_pixels)
            if measured is not None:
                width, height, variants = measured.width, measured.height, measured.variants
        keys: list[str] = []
        try:
            url = await self.provider.put(part.path, file_hash + kind.ext, kind.mime)
            keys.append(file_hash + kind.ext)
            formats: dict[str, Any] = {}
            for variant in variants:
                key = f"{variant.key}_{file_hash}{kind.ext}"
                format_url = await self.provider.put(variant.path, key, kind.mime)
                keys.append(key)
                formats[variant.key] = {
                    "name": f"{variant.key}_{name}", "hash": f"{variant.key}_{file_hash}", "ext": kind.ext,
                    "mime": kind.mime, "path": None, "width": variant.width, "height": variant.height,
                    "size": kilobytes(variant.size), "sizeInBytes": variant.size, "url": format_url}
        except BaseException:
            for variant in variants:
                variant.path.unlink(missing_ok=True)
            await self._remove(self.provider.name, keys)
            raise
        data = {"name": name, "alternativeText": info.alternativeText, "caption": info.caption,
                "width": width, "height": height, "formats": formats or None, "hash": file_hash,
                "ext": kind.ext, "mime": kind.mime, "size": kilobytes(part.size), "url": url,
                "previewUrl": None, "provider": self.provider.name, "provider_metadata": None}
        return data, keys

    async def _remove(self, provider_name: str, keys: list[str]) -> None:
        provider = self.providers.get(provider_name)
        if provider is None:
            log.warning("cannot remove %s: provider %r is not configured", ", ".join(keys), provider_name)
            return
        for key in keys:
            try:
                await provider.delete(key)
            except Exception:  # noqa: BLE001 - the row is gone; a stray object is only logged
                log.exception("could not remove %s from provider %s", key, provider_name)

    # -- answers --------------------------------------------------------------------------

    def answer(self, document: dict[str, Any]) -> dict[str, Any]:
        """A row as Strapi's file object: its keys in order, URLs signed for a private store."""
        out = {key: document[key] for key in KEYS if key in document}
        provider = self.providers.get(str(document.get("provider")))
        signed = bool(provider is not None and provider.private)
        if signed and provider is not None and out.get("url"):
            out["url"] = provider.signed_url(out["url"])
        if out.get("formats") is not None:
            out["formats"] = _formats(_json(out["formats"]), provider if signed else None)
        out["isUrlSigned"] = signed
        return out


def _formats(formats: Any, signer: Provider | None) -> Any:
    """Formats in one order on every database (PostgreSQL's jsonb reorders keys): thumbnail, then
    the largest first, each format's keys as Strapi gives them; URLs signed by ``signer``."""
    if not isinstance(formats, dict):
        return formats
    def width(item: tuple[str, Any]) -> tuple[bool, int]:
        name, value = item
        return name != "thumbnail", -(value.get("width") or 0) if isinstance(value, dict) else 0
    ordered = {}
    for name, value in sorted(formats.items(), key=width):
        if isinstance(value, dict):
            value = {key: value[key] for key in FORMAT_KEYS if key in value} | value
            if signer is not None and value.get("url"):
                value["url"] = signer.signed_url(value["url"])
        ordered[name] = value
    return ordered


def _shown(query: Query) -> Query:
    """Without ``fields``, every key of a file object (never ``uploaderId``)."""
    return query if query.fields is not None else replace(query, fields=FIELDS)


def _uploader(access: Access) -> int | None:
    """The registered user behind the request, if any (tokens and the public have none)."""
    user = access.caller.get("user") if access.caller else None
    return user.get("id") if isinstance(user, dict) else None


def _json(value: Any) -> Any:
    """A JSON column's value, parsed (SQLite reads hand it over as an unparsed ``orjson.Fragment``)."""
    return orjson.loads(orjson.dumps(value)) if isinstance(value, orjson.Fragment) else value


def _stored_keys(document: dict[str, Any]) -> list[str]:
    """The keys of a row's stored bytes: the original and each format."""
    keys = [f"{document['hash']}{document.get('ext') or ''}"]
    formats = _json(document.get("formats"))
    if isinstance(formats, dict):
        keys += [f"{item['hash']}{item.get('ext') or ''}" for item in formats.values()
                 if isinstance(item, dict) and isinstance(item.get("hash"), str)]
    return keys
