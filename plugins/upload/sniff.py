"""What a file is, from its first bytes, and how it may be served.

The client's ``Content-Type`` and file extension are never believed: a
``.png`` holding HTML is text/html here, stored with the ``.html`` extension,
and served as an attachment in a CSP sandbox. The stored extension always
names the sniffed type (the client's own is kept only when it is a spelling of
the same type, ``.jpeg`` for a JPEG), so whoever serves the bytes (the local
provider's route, a bucket, a CDN) can derive the type from the name alone,
and :func:`serving` does exactly that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import filetype

#: bytes of a file kept for sniffing (filetype reads up to 8 KiB; text checks look at 1 KiB)
HEAD_BYTES = 8192
TEXT = "text/plain"
BINARY = "application/octet-stream"
SVG = "image/svg+xml"
HTML = "text/html"

#: extension → MIME type, for every type the sniffer can name (filetype's list, then text ones)
_BY_EXT: dict[str, str] = {}
for _kind in filetype.types:
    _BY_EXT.setdefault(_kind.extension.lower(), _kind.mime)
_BY_EXT.update({"txt": TEXT, "csv": "text/csv", "md": "text/markdown", "json": "application/json",
                "vtt": "text/vtt", "html": HTML, "svg": SVG, "xml": "application/xml", "bin": BINARY})
#: the canonical extension of each MIME type
_EXT: dict[str, str] = {}
for _ext, _mime in _BY_EXT.items():
    _EXT.setdefault(_mime, _ext)
#: other spellings of an extension that a client may keep
_ALIASES = {"jpeg": "jpg", "jpe": "jpg", "tiff": "tif", "htm": "html", "mid": "midi", "markdown": "md"}
#: text types whose extension the client chooses among (anything else that is text is .txt)
_TEXT_EXTS = ("txt", "csv", "md", "json", "vtt")
#: shown in the browser when opened; everything else is downloaded (Content-Disposition: attachment)
INLINE = frozenset({"image/jpeg", "image/png", "image/apng", "image/gif", "image/webp", "image/avif", "image/bmp",
                    "image/x-icon", TEXT, "text/csv", "text/vtt", "application/json", "application/pdf"})
_HTML_START = re.compile(rb"^<(!doctype html|html|head|body|script|iframe|h1|div|font|table|a|style|title|b|br|p|"
                         rb"img|meta|link|object|embed|form|svg|!--)[\s>/]", re.IGNORECASE)
_XML_PROLOGUE = re.compile(rb"^(<\?xml[^>]*>|<!--.*?-->|<!doctype[^>]*>|\s)*", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Sniffed:
    mime: str
    #: with its dot, lower case: ``.png``
    ext: str


def sniff(head: bytes, filename: str) -> Sniffed:
    """The type of a file whose first bytes are ``head`` (``filename`` only picks among
    spellings of that type's extension, or among text extensions)."""
    client_ext = filename.rsplit(".", 1)[1].lower() if "." in filename else ""
    kind = filetype.guess(head) if head else None
    if kind is not None:
        mime = kind.mime
    elif _is_text(head):
        mime = _text_type(head)
        if mime == TEXT and client_ext in _TEXT_EXTS:
            return Sniffed(_BY_EXT[client_ext], "." + client_ext)
    else:
        mime = BINARY
    if mime == BINARY:
        # unknown bytes keep a harmless extension of the client's: one no sniffed type uses
        keep = re.fullmatch(r"[a-z0-9]{1,10}", client_ext) and client_ext not in _BY_EXT and client_ext not in _ALIASES
        return Sniffed(BINARY, "." + (client_ext if keep else "bin"))
    ext = _EXT.get(mime, "bin")
    if _ALIASES.get(client_ext) == ext:
        ext = client_ext
    return Sniffed(mime, "." + ext)


def _is_text(head: bytes) -> bool:
    """UTF-8 without NUL or control characters other than whitespace (a cut multi-byte
    character at the end of the head is allowed)."""
    if not head:
        return False
    for cut in range(4):
        try:
            text = head[: len(head) - cut].decode("utf-8")
            break
        except UnicodeDecodeError:
            continue
    else:
        return False
    return not any(ord(c) < 32 and c not in "\t\n\r\f" or c == "\x7f" for c in text)


def _text_type(head: bytes) -> str:
    """HTML, SVG and XML are recognised (they are active content in a browser); the rest is text."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n\f")[:1024]
    prologue = _XML_PROLOGUE.match(start)
    body = start[prologue.end():] if prologue else start
    if body[:4].lower() == b"<svg" and body[4:5] in (b" ", b">", b"\n", b"\t", b"\r", b"/"):
        return SVG
    if _HTML_START.match(start) or _HTML_START.match(body):
        return HTML
    if start.startswith(b"<?xml"):
        return "application/xml"
    return TEXT


def serving(name: str) -> tuple[str, bool]:
    """``(Content-Type, inline?)`` of a stored file, from its extension: what the sniffer
    decided when storing it. Unknown extensions are binary downloads."""
    ext = name.rsplit(".", 1)[1].lower() if "." in name else ""
    mime = _BY_EXT.get(_ALIASES.get(ext, ext), BINARY)
    return mime, mime in INLINE or mime.startswith(("video/", "audio/"))


def allowed(mime: str, patterns: list[str]) -> bool:
    """Whether ``mime`` matches one of ``patterns`` (``*``, ``image/*``, ``application/pdf``)."""
    family = mime.split("/", 1)[0] + "/*"
    return any(p == "*" or p in (mime, family) for p in patterns)
