"""What a locale code and a locale name may be: one rule for the config, the routes and the admin.

Strapi only accepts codes from its ISO list; we accept any BCP-47-like tag
(a 2-3 letter lowercase language, then subtags: ``en``, ``fr-FR``,
``zh-Hans``, ``es-419``) so that a project can name the locales it needs
without us shipping a list, and later steps can put the code in URLs and
query strings unescaped.
"""

from __future__ import annotations

import re

CODE_PATTERN = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
_CODE = re.compile(CODE_PATTERN)
#: BCP 47 asks implementations to handle tags of at least 35 characters
MAX_CODE = 35
#: Strapi's limit on a locale's name
MAX_NAME = 50


def code_problem(code: object) -> str | None:
    """Why ``code`` is not a locale code, or None when it is one."""
    if not isinstance(code, str):
        return "must be a string"
    if len(code) > MAX_CODE or not _CODE.match(code):
        return f"{code!r} is not a locale code (like en, fr-FR, zh-Hans: {CODE_PATTERN}, at most {MAX_CODE} characters)"
    return None


def name_problem(name: object) -> str | None:
    """Why ``name`` is not a locale name (null is one: Strapi stores an empty name as null)."""
    if name is None:
        return None
    if not isinstance(name, str):
        return "must be a string"
    if len(name) > MAX_NAME:
        return f"must be at most {MAX_NAME} characters"
    if "\x00" in name:  # PostgreSQL refuses NUL in text: refused alike on every database
        return "must not contain NUL characters"
    return None
