"""``fileInfo``: what the client says about each file (name, alternativeText, caption).

Sent as a multipart field holding a JSON object, one field per file in the
order of the files (or one field holding an array); with ``?id=`` also as a
JSON body ``{"fileInfo": {...}}``, as Strapi's body parser allows. Other keys
(Strapi's ``folder``) are ignored; a value that is not a string or null is a 400.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from cms.errors import ValidationError
from plugins.upload.naming import clean_name

KEYS = ("name", "alternativeText", "caption")


@dataclass(frozen=True)
class FileInfo:
    name: str | None = None
    alternativeText: str | None = None  # noqa: N815 - Strapi's name
    caption: str | None = None

    def given(self) -> dict[str, str]:
        """The values that were sent (Strapi keeps the stored value where null is sent)."""
        return {key: value for key in KEYS if (value := getattr(self, key)) is not None}


def parse_infos(raw: list[Any]) -> list[FileInfo]:
    """Each ``fileInfo`` field (JSON text or an already parsed value) → one FileInfo per file."""
    infos: list[FileInfo] = []
    for item in raw:
        value = item
        if isinstance(item, str):
            try:
                value = orjson.loads(item) if item.strip() else {}
            except orjson.JSONDecodeError:
                raise ValidationError("fileInfo must be a JSON object", {"key": "fileInfo"}) from None
        for one in value if isinstance(value, list) else [value]:
            infos.append(_info(one))
    return infos


def _info(value: Any) -> FileInfo:
    if value is None:
        return FileInfo()
    if not isinstance(value, dict):
        raise ValidationError("fileInfo must be a JSON object", {"key": "fileInfo"})
    values: dict[str, str | None] = {}
    for key in KEYS:
        item = value.get(key)
        if item is not None and not isinstance(item, str):
            raise ValidationError(f"fileInfo.{key} must be a `string` type", {"key": key})
        if isinstance(item, str) and "\x00" in item:
            raise ValidationError(f"fileInfo.{key} must not contain NUL characters", {"key": key})
        values[key] = item
    if values["name"] is not None:
        values["name"] = clean_name(values["name"])
    return FileInfo(**values)
