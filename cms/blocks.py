"""Strapi v5's blocks format, checked wherever a value is written (REST, admin, plugins).

A ``"type": "blocks"`` attribute holds what Strapi's blocks editor writes: a
list of block nodes (paragraph, heading, quote, code, list, image) whose
children are inline nodes (text with its bold/italic/underline/strikethrough/
code flags, and links). Strapi refuses a malformed value, and frontends that
render blocks (``@strapi/blocks-react-renderer`` and the like) break on one, so
:mod:`cms.validation` refuses it with the same rules as Strapi's
``blocks-validator.ts`` (a 400 naming the block), and the admin shows the same
words beside the field; ``admin/static/blocks.js`` applies the same rules in the
page before the form is sent (tests/admin/test_rich_text.py checks they agree).
"""

from __future__ import annotations

import re
from typing import Any

BLOCK_TYPES = ("paragraph", "heading", "quote", "code", "list", "image")
TEXT_FLAGS = ("bold", "italic", "underline", "strikethrough", "code")
#: what a link may not point to (Strapi's list): scripts run on click
BLOCKED_SCHEMES = frozenset({"javascript", "vbscript", "data"})
#: the file fields an image block carries (the upload plugin's file object), and their JSON kinds
IMAGE_FIELDS = {"name": "string", "url": "string", "width": "number", "height": "number", "hash": "string",
                "ext": "string", "mime": "string", "size": "number", "provider": "string",
                "createdAt": "string", "updatedAt": "string"}
_LINK = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):(.*)", re.DOTALL)
_HOST = re.compile(r"//([^/?#]*)")
#: schemes whose URLs need a host (``http:foo`` is no link)
_HOSTED = frozenset({"http", "https", "ftp", "ws", "wss"})


class BlocksError(ValueError):
    """Where a blocks value breaks the format and how, in words shown beside the field."""


def blocks_error(value: Any) -> str | None:
    """The first problem of a blocks value, or None when Strapi would accept it (null included)."""
    try:
        check_blocks(value)
    except BlocksError as exc:
        return str(exc)
    return None


def check_blocks(value: Any) -> None:
    """Raise :class:`BlocksError` at the first node that breaks Strapi's blocks format."""
    if value is None:
        return
    if not isinstance(value, list):
        raise BlocksError("Blocks must be a list of block nodes, like [{\"type\": \"paragraph\", ...}]")
    for index, block in enumerate(value):
        _block(block, f"Block {index + 1}")


def _node(node: Any, where: str) -> str:
    if not isinstance(node, dict):
        raise BlocksError(f"{where}: must be an object with a \"type\"")
    kind = node.get("type")
    return kind if isinstance(kind, str) else ""


def _children(node: dict[str, Any], where: str, minimum: int, what: str) -> list[Any]:
    children = node.get("children")
    if not isinstance(children, list):
        raise BlocksError(f"{where}: \"children\" must be a list")
    if len(children) < minimum:
        raise BlocksError(f"{where}: \"children\" must have at least one {what}")
    return children


def _block(node: Any, where: str) -> None:
    kind = _node(node, where)
    if kind not in BLOCK_TYPES:
        raise BlocksError(f"{where}: the type must be one of {', '.join(BLOCK_TYPES)}")
    where = f"{where} ({kind})"
    if kind == "heading" and (isinstance(node.get("level"), bool) or node.get("level") not in (1, 2, 3, 4, 5, 6)):
        raise BlocksError(f"{where}: \"level\" must be a number from 1 to 6")
    if kind == "code":
        if node.get("language") is not None and not isinstance(node.get("language"), str):
            raise BlocksError(f"{where}: \"language\" must be a string")
        for i, child in enumerate(_children(node, where, 1, "text node")):
            _text(child, f"{where}, child {i + 1}")
        return
    if kind == "list":
        _list(node, where)
        return
    if kind == "image":
        _image(node.get("image"), where)
    minimum = 0 if kind == "image" else 1
    for i, child in enumerate(_children(node, where, minimum, "text or link node")):
        _inline(child, f"{where}, child {i + 1}")


def _list(node: dict[str, Any], where: str) -> None:
    if node.get("format") not in ("ordered", "unordered"):
        raise BlocksError(f"{where}: \"format\" must be \"ordered\" or \"unordered\"")
    for i, item in enumerate(_children(node, where, 1, "list-item or list node")):
        here = f"{where}, item {i + 1}"
        kind = _node(item, here)
        if kind == "list":
            _list(item, f"{here} (list)")
        elif kind == "list-item":
            for j, child in enumerate(_children(item, here, 0, "")):
                _inline(child, f"{here}, child {j + 1}")
        else:
            raise BlocksError(f"{here}: the type must be \"list-item\" or \"list\"")


def _image(image: Any, where: str) -> None:
    if not isinstance(image, dict):
        raise BlocksError(f"{where}: \"image\" must be the file object (name, url, width, height, ...)")
    for name, kind in IMAGE_FIELDS.items():
        value = image.get(name)
        ok = isinstance(value, str) if kind == "string" else \
            isinstance(value, (int, float)) and not isinstance(value, bool)
        if not ok:
            raise BlocksError(f"{where}: \"image.{name}\" must be a {kind}")


def _inline(node: Any, where: str) -> None:
    kind = _node(node, where)
    if kind == "text":
        _text(node, where)
    elif kind == "link":
        url = node.get("url")
        if not isinstance(url, str) or not valid_link(url):
            raise BlocksError(f"{where} (link): \"url\" must be a valid link (http, https, mailto, or a path)")
        for i, child in enumerate(_children(node, f"{where} (link)", 0, "")):
            _text(child, f"{where} (link), child {i + 1}")
    else:
        raise BlocksError(f"{where}: an inline node must be \"text\" or \"link\"")


def _text(node: Any, where: str) -> None:
    if _node(node, where) != "text":
        raise BlocksError(f"{where}: must be a text node ({{\"type\": \"text\", \"text\": \"...\"}})")
    if not isinstance(node.get("text"), str):
        raise BlocksError(f"{where}: \"text\" must be a string (at least \"\")")
    for flag in TEXT_FLAGS:
        if flag in node and not isinstance(node[flag], bool):
            raise BlocksError(f"{where}: \"{flag}\" must be true or false")


def valid_link(link: str) -> bool:
    """Strapi's rule: a path (``/about``) or an absolute URL whose scheme runs no script
    (``javascript:``, ``vbscript:``, ``data:``); ``http(s)`` and the like need a host."""
    if link.startswith("/"):
        return True
    match = _LINK.fullmatch(link)
    if match is None:
        return False
    scheme, rest = match[1].lower(), match[2]
    if scheme in BLOCKED_SCHEMES:
        return False
    if scheme in _HOSTED:
        host = _HOST.match(rest)
        return bool(host and host[1])
    return bool(rest)
