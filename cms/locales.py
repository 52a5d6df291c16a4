"""Which locales content may be written in: the core's side of i18n.

A localized content type (``pluginOptions.i18n.localized``) stores a row per
(documentId, locale, status) and reads and writes one locale at a time
(cms.documents). The core does not manage locales itself: the ``i18n`` plugin
does (locales are data editors change), and offers them as the ``"i18n"``
service, which has the two methods of :class:`LocaleSource`. Without that
plugin a localized type has one locale, ``en``, so a schema copied from a
Strapi project loads and serves as it would with a single locale.
"""

from __future__ import annotations

from typing import Protocol

from cms.errors import ValidationError

#: the locale of a project without the i18n plugin (Strapi's default locale)
DEFAULT_LOCALE = "en"
#: ``?locale=*`` on a delete: every locale of the document
ALL_LOCALES = "*"


class LocaleSource(Protocol):
    """What the document service asks about locales (the ``"i18n"`` service has these)."""

    def default_locale(self) -> str:
        """The code writes and reads use when the caller names no locale."""
        ...

    def check(self, code: str) -> str:
        """``code`` when it is a locale, else the 400 :class:`ValidationError` the caller gets."""
        ...


class SingleLocale:
    """The locales of a project without the i18n plugin: ``en`` only."""

    def default_locale(self) -> str:
        return DEFAULT_LOCALE

    def check(self, code: str) -> str:
        if code == DEFAULT_LOCALE:
            return code
        raise ValidationError("This locale doesn't exist", {"locale": code if isinstance(code, str) else None})


SINGLE_LOCALE = SingleLocale()
