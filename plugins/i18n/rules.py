"""The rules of locales, as lifecycle hooks on ``plugin::i18n.locale``: they hold for every writer.

The routes are not the only writer: the admin lists every content type and
writes through the same :class:`~cms.documents.DocumentService`, and so could
another plugin. Hooks are the one place every write passes, so:

- a code is a BCP-47-like tag (:mod:`plugins.i18n.codes`) and never changes
  once created (content will be keyed by it, as in Strapi);
- exactly one locale is the default: marking one unmarks the others (after the
  write), unmarking the only default is ignored (Strapi's rule), and the
  default cannot be deleted (400, Strapi's message);
- after every write the service's cache is reloaded;
- deleting a locale deletes the content in it (every localized type's versions
  in that locale), as Strapi does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cms.documents import DocumentService
from cms.errors import ApplicationError, ValidationError
from cms.query.ast import And, Condition, Query
from plugins.i18n.codes import code_problem
from plugins.i18n.service import LOCALE_UID

if TYPE_CHECKING:
    from cms.app import CMS
    from cms.lifecycles import LifecycleEvent
    from plugins.i18n.service import Locales


class LocaleRules:
    """Hooks named after Strapi's lifecycle events, subscribed to the locale type."""

    def __init__(self, locales: Locales) -> None:
        self.locales = locales

    def subscribe(self, app: CMS) -> None:
        app.lifecycles.subscribe(self, [LOCALE_UID])

    async def beforeCreate(self, event: LifecycleEvent) -> None:  # noqa: N802 - Strapi's event names
        data = event.params["data"]
        if problem := code_problem(data.get("code")):
            raise _invalid("code", f"code {problem}", data.get("code"))

    async def afterCreate(self, event: LifecycleEvent) -> None:  # noqa: N802
        await self._settle(event.result)

    async def beforeUpdate(self, event: LifecycleEvent) -> None:  # noqa: N802
        data = event.params["data"]
        row = await self._stored(event.params["where"]["documentId"])
        if row is None:
            return  # the update answers 404 itself
        if "code" in data and data["code"] != row["code"]:
            raise _invalid("code", "A locale's code cannot be changed", data["code"])
        if "isDefault" in data and not data["isDefault"] and row.get("isDefault"):
            if not await self._other_default(row["id"]):
                data["isDefault"] = True  # there is always a default: choose another one instead

    async def afterUpdate(self, event: LifecycleEvent) -> None:  # noqa: N802
        await self._settle(event.result)

    async def beforeDelete(self, event: LifecycleEvent) -> None:  # noqa: N802
        row = await self._stored(event.params["where"]["documentId"])
        if row is not None and row.get("isDefault"):
            raise ApplicationError("Cannot delete the default locale")

    async def afterDelete(self, event: LifecycleEvent) -> None:  # noqa: N802
        """The locale's content goes with it (Strapi's rule): every localized type's versions in it."""
        await self.locales.refresh()
        code = (event.result or {}).get("code")
        if isinstance(code, str):
            app = self.locales.app
            for ct in app.registry:
                if ct.localized:
                    await DocumentService(app, ct.uid).delete_locale(code)

    # -----------------------------------------------------------------------------------

    async def _settle(self, document: dict[str, Any] | None) -> None:
        """A locale just marked default unmarks every other one (through the document
        service, so their own hooks run); then the cache is reloaded."""
        if document and document.get("isDefault"):
            others = Query(filters=And((Condition(("isDefault",), "$eq", True),
                                        Condition(("id",), "$ne", document["id"]))))
            found, _ = await self.locales.app.reader.find_many(self.locales.ct, others)
            for other in found:
                await self.locales.documents.update(other["documentId"], {"isDefault": False})
        await self.locales.refresh()

    async def _stored(self, document_id: Any) -> dict[str, Any] | None:
        if not isinstance(document_id, str):
            return None
        return await self.locales.app.reader.find_one(
            self.locales.ct, Query(filters=Condition(("documentId",), "$eq", document_id)))

    async def _other_default(self, own_id: int) -> bool:
        query = Query(filters=And((Condition(("isDefault",), "$eq", True), Condition(("id",), "$ne", own_id))))
        return await self.locales.app.reader.count(self.locales.ct, query) > 0


def _invalid(attribute: str, message: str, value: Any) -> ValidationError:
    """Strapi's 400 for one bad attribute: the message, and the error under ``details.errors``."""
    return ValidationError(message, {"errors": [{"path": [attribute], "message": message, "name": "ValidationError",
                                     "value": value}]})
