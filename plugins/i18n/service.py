"""The locales: rows of ``plugin::i18n.locale`` as Strapi answers them, and the cache other code reads.

Other plugins get this object with ``app.service("i18n")``. Its three
synchronous methods (:meth:`Locales.default_locale`, :meth:`Locales.codes`,
:meth:`Locales.check`) read a cache, because later steps call them on every
request (``?locale=``, the admin's switcher): the cache is loaded at bootstrap
and reloaded after every write of a locale in this process, whoever writes
(the routes, the admin, another plugin), by the lifecycle hooks of
:mod:`plugins.i18n.rules`. Another server process sees a change at its next
:meth:`Locales.refresh` (its next write of a locale, or its restart).

Writes go through :class:`~cms.documents.DocumentService` (validation,
lifecycle hooks), serialised by one lock so that two concurrent requests of
this process cannot leave two defaults behind.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from cms.documents import DocumentService
from cms.errors import ApplicationError, NotFoundError, ValidationError
from cms.query.ast import Condition, Query
from plugins.i18n.config import I18nSettings

if TYPE_CHECKING:
    from cms.app import CMS

log = logging.getLogger("cms.i18n")
LOCALE_UID = "plugin::i18n.locale"
#: a locale as Strapi's ``GET /i18n/locales`` answers it, keys in its order
KEYS = ("id", "documentId", "name", "code", "createdAt", "updatedAt", "publishedAt")
#: the largest row id (ids are 32-bit integers)
MAX_ID = 2**31 - 1
ALL = Query()


def answer(document: dict[str, Any]) -> dict[str, Any]:
    """A stored locale in Strapi's shape: its columns, then ``isDefault`` (never null)."""
    return {**{key: document.get(key) for key in KEYS}, "isDefault": bool(document.get("isDefault"))}


class Locales:
    """The ``"i18n"`` service: which locales exist and which is the default."""

    def __init__(self, app: CMS, settings: I18nSettings) -> None:
        self.app = app
        self.settings = settings
        self.ct = app.registry.get(LOCALE_UID)
        self.documents = DocumentService(app, LOCALE_UID)
        self.lock = asyncio.Lock()
        self._codes: tuple[str, ...] = tuple(spec.code for spec in settings.locales)
        self._default = settings.default_locale

    # -- the public service (synchronous: a cache) ------------------------------------

    def default_locale(self) -> str:
        """The default locale's code: what content is read and written in without ``?locale=``."""
        return self._default

    def codes(self) -> list[str]:
        """Every locale's code, in the order they were added (the default among them)."""
        return list(self._codes)

    def check(self, code: str) -> str:
        """``code`` if it is a locale; otherwise the 400 a client gets for naming an unknown one."""
        if isinstance(code, str) and code in self._codes:
            return code
        raise ValidationError("This locale doesn't exist", {"locale": code if isinstance(code, str) else None})

    async def refresh(self) -> None:
        """Reload the cache from the database (the rules call it after every write)."""
        rows = await self.rows()
        codes = tuple(row["code"] for row in rows)
        defaults = [row["code"] for row in rows if row.get("isDefault")]
        self._codes = codes
        # no row marked default only happens between two writes of a switch; keep the last one known
        if defaults:
            self._default = defaults[0]
        elif codes and self._default not in codes:
            self._default = codes[0]

    # -- reads --------------------------------------------------------------------------

    async def rows(self) -> list[dict[str, Any]]:
        """Every locale as a document, by id (no lifecycle hooks: the plugin's own reads)."""
        documents, _ = await self.app.reader.find_many(self.ct, ALL)
        return documents

    async def find(self) -> list[dict[str, Any]]:
        return [answer(row) for row in await self.rows()]

    async def row(self, locale_id: int) -> dict[str, Any]:
        """The locale with row id ``locale_id``, or Strapi's 404 ``locale.notFound``."""
        found = None
        if 0 < locale_id <= MAX_ID:
            found = await self.app.reader.find_one(self.ct, Query(filters=Condition(("id",), "$eq", locale_id)))
        if found is None:
            raise NotFoundError("locale.notFound")
        return found

    async def by_code(self, code: str) -> dict[str, Any] | None:
        return await self.app.reader.find_one(self.ct, Query(filters=Condition(("code",), "$eq", code)))

    # -- writes (the routes' and the seed's; the rules keep one default whoever writes) ----

    async def create(self, code: str, name: str | None, is_default: bool) -> dict[str, Any]:
        async with self.lock:
            if await self.by_code(code) is not None:
                raise ApplicationError("This locale already exists")
            return answer(await self.documents.create({"code": code, "name": name or None,
                                                        "isDefault": is_default}))

    async def update(self, locale_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        """``changes`` holds ``name`` and/or ``isDefault``; ``isDefault: false`` on the default is
        ignored (there is always one: set another locale as default instead)."""
        async with self.lock:
            row = await self.row(locale_id)
            if not changes:
                return answer(row)
            return answer(await self.documents.update(row["documentId"], changes))

    async def delete(self, locale_id: int) -> dict[str, Any]:
        async with self.lock:
            row = await self.row(locale_id)
            return answer(await self.documents.delete(row["documentId"]))

    async def seed(self) -> None:
        """Add the configured locales the database lacks; make the configured default the
        default when the database has none (a new database). Never deletes a locale, never
        renames one, and keeps a default an editor chose."""
        async with self.lock:
            existing = {row["code"]: row for row in await self.rows()}
            has_default = any(row.get("isDefault") for row in existing.values())
            for spec in self.settings.locales:
                if spec.code in existing:
                    continue
                is_default = spec.code == self.settings.default_locale and not has_default
                try:
                    await self.documents.create({"code": spec.code, "name": spec.name, "isDefault": is_default})
                except ValidationError:  # another server process seeded it first
                    log.info("locale %r was added by another process", spec.code)
                has_default = has_default or is_default
            if not has_default:
                wanted = await self.by_code(self.settings.default_locale)
                if wanted is not None:
                    await self.documents.update(wanted["documentId"], {"isDefault": True})
            await self.refresh()
        if self._default != self.settings.default_locale:
            log.info("the default locale is %r (chosen in the database); default_locale = %r in "
                     "config/plugins.toml applies to a new database only", self._default,
                     self.settings.default_locale)
