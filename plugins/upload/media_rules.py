"""A media attribute's ``allowedTypes``, enforced on every write of any type.

The core stores a media attribute as a relation to ``plugin::upload.file`` and
knows nothing of MIME types, so the check is this plugin's: a ``beforeCreate``
and ``beforeUpdate`` hook for every type with a restricted media attribute.
REST, the admin and the chat all write through :class:`cms.documents.DocumentService`,
so they all meet it. Strapi's kinds: ``images``, ``videos``, ``audios``, and
``files`` for anything else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cms.errors import ValidationError
from cms.lifecycles import LifecycleEvent
from cms.validation import RelationWrite

if TYPE_CHECKING:
    from cms.app import CMS
    from cms.content import Attribute

FILE_UID = "plugin::upload.file"
_FAMILIES = {"image": "images", "video": "videos", "audio": "audios"}


def kind_of(mime: str) -> str:
    """Strapi's kind of a file: images, videos, audios, or files."""
    return _FAMILIES.get(mime.split("/", 1)[0], "files")


def enforce_allowed_types(app: CMS) -> None:
    """Subscribe the check for every type that restricts one of its media attributes."""
    model = app.models[FILE_UID]
    restricted = {ct.uid: [a for a in ct.attributes.values() if a.type == "media" and a.allowed_types]
                  for ct in app.registry}
    restricted = {uid: attrs for uid, attrs in restricted.items() if attrs}

    async def check(event: LifecycleEvent) -> None:
        data = event.params.get("data") or {}
        errors: list[dict[str, Any]] = []
        for attr in restricted.get(event.uid, ()):
            write = data.get(attr.name)
            if isinstance(write, RelationWrite) and write.connect:
                errors += await _refused(model, attr, write.connect)
        if errors:
            message = errors[0]["message"] if len(errors) == 1 else f"{len(errors)} errors occurred"
            raise ValidationError(message, {"errors": errors})

    if restricted:
        app.lifecycles.subscribe({"beforeCreate": check, "beforeUpdate": check}, list(restricted))


async def _refused(model: Any, attr: Attribute, refs: list[Any]) -> list[dict[str, Any]]:
    """An error for each referenced file whose kind ``attr`` does not accept (unknown
    references are left to the core, which answers them with its not-found error)."""
    ids = [r for r in refs if isinstance(r, int) and not isinstance(r, bool) and 0 < r <= 2**31 - 1]
    document_ids = [r for r in refs if isinstance(r, str)]
    rows: list[dict[str, Any]] = []
    if ids:
        rows += await model.filter(id__in=ids).values("id", "documentId", "mime")
    if document_ids:
        rows += await model.filter(documentId__in=document_ids).values("id", "documentId", "mime")
    allowed = ", ".join(attr.allowed_types)
    return [{"path": [attr.name], "name": "ValidationError", "value": row["id"],
             "message": f"{attr.name} accepts only {allowed}; file {row['id']} is {kind_of(row['mime'] or '')}"}
            for row in rows if kind_of(row["mime"] or "") not in attr.allowed_types]
