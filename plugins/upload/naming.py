"""File names: the one shown (cleaned, as the client gave it) and the one stored (never the client's).

A stored name is ``<hash><ext>``: the base name slugified as Strapi's
``nameToSlug`` does (ASCII letters, digits and ``_``, case kept), an ``_``,
and 10 random hex digits (``hero_7c0998f511``), then the sniffed extension.
Nothing the client sends reaches a path on disk or a key in a bucket except
through :func:`slug`, so ``../../etc/passwd`` cannot go anywhere.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

MAX_NAME = 255
MAX_SLUG = 100
_NOT_SLUG = re.compile(r"[^A-Za-z0-9]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean_name(raw: str) -> str:
    """The file name to show: its last path component (either slash), without control
    characters, NFC-normalised, at most 255 characters (the extension kept); "file" if empty."""
    name = re.split(r"[/\\]", raw)[-1]
    name = _CONTROL.sub("", unicodedata.normalize("NFC", name)).strip().strip(".") or "file"
    if len(name) > MAX_NAME:
        base, dot, ext = name.rpartition(".")
        name = base[: MAX_NAME - len(ext) - 1] + dot + ext if dot and len(ext) < 20 else name[:MAX_NAME]
    return name


def base_name(name: str) -> str:
    """``hero.png`` → ``hero``; ``.env`` and ``archive`` stay as they are."""
    base, dot, _ = name.rpartition(".")
    return base if dot and base else name


def slug(text: str) -> str:
    """Letters and digits (accents dropped), runs of anything else as one ``_``; "file" if empty."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NOT_SLUG.sub("_", ascii_text).strip("_")[:MAX_SLUG].strip("_") or "file"


def new_hash(name: str) -> str:
    """``Hero Image.png`` → ``Hero_Image_7c0998f511``."""
    return f"{slug(base_name(name))}_{secrets.token_hex(5)}"
