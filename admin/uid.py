"""A ``uid`` attribute's value made from its ``targetField``: slugified, then made unique.

Strapi's edit form has a "regenerate" button beside a uid field that asks the
server for a value: the target field's text as a slug, with ``-1``, ``-2``, ...
appended while another entry holds it. The uniqueness needs the database, so
the form's button (``static/uid.js``) calls the JSON endpoint below:

| route | what |
|---|---|
| ``GET /admin/api/uid/{key}/{field}?value=Hello World&pk=3`` | ``{"data": {"value": "hello-world-1", "slug": "hello-world", "taken": true}}`` |

``pk`` is the entry being edited: its own value does not count as taken. An
empty slug (no target text, or only symbols) falls back to the type's singular
name, as Strapi does. The answer is a proposal: two editors may be given the
same one at once, and the unique constraint, if the attribute has one, decides
on save (its error shown beside the field).
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.status import HTTP_403_FORBIDDEN, HTTP_404_NOT_FOUND
from starlette_admin import CustomView
from starlette_admin.routing import route

from admin.auth import account_of

if TYPE_CHECKING:
    from admin.site import Site

#: letters NFKD does not decompose into ASCII (a slug keeps them as their usual spelling)
_FOLD = str.maketrans({"ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O", "đ": "d",
                       "Đ": "D", "ł": "l", "Ł": "L", "þ": "th", "Þ": "TH", "ð": "d", "Ð": "D", "ı": "i"})
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
#: candidates checked per query (value, value-1, ... value-49)
BATCH = 50
MAX_SOURCE = 1000
JSON_HEADERS = {"Cache-Control": "no-store"}


def slugify(text: str, max_length: int | None = None) -> str:
    """``"Crème Brûlée: 2 ways!"`` → ``"creme-brulee-2-ways"``: lower case, accents folded to
    ASCII, every run of other characters one ``-``, none at either end."""
    folded = unicodedata.normalize("NFKD", text.translate(_FOLD)).encode("ascii", "ignore").decode()
    slug = _NOT_ALNUM.sub("-", folded.lower()).strip("-")
    if max_length is not None and len(slug) > max_length:
        slug = slug[:max_length].rstrip("-")
    return slug


def suffixed(slug: str, number: int, max_length: int | None = None) -> str:
    """``slug-number``, the slug shortened so that the whole fits ``max_length``."""
    tail = f"-{number}"
    if max_length is not None and len(slug) + len(tail) > max_length:
        slug = slug[:max(0, max_length - len(tail))].rstrip("-")
    return f"{slug}{tail}" if slug else tail.lstrip("-")


async def available(model: Any, field: str, slug: str, exclude_id: int | None = None,
                    max_length: int | None = None) -> str:
    """The first of ``slug``, ``slug-1``, ``slug-2``, ... that no other entry holds in ``field``."""
    start = 0
    while True:
        candidates = [slug if n == 0 else suffixed(slug, n, max_length) for n in range(start, start + BATCH)]
        query = model.filter(**{f"{field}__in": candidates})
        if exclude_id is not None:
            query = query.exclude(id=exclude_id)
        taken = set(await query.values_list(field, flat=True))
        free = next((c for c in candidates if c not in taken), None)
        if free is not None:
            return free
        start += BATCH


class UidLookup(CustomView):
    """``/admin/api/uid/...``: no page, one JSON endpoint for the uid fields' button."""

    def __init__(self, site: Site) -> None:
        super().__init__(menu_label="UID", path="/api/uid", route_name="uid", add_to_menu=False)
        self.site = site

    def is_accessible(self, request: Request) -> bool:
        return account_of(request) is not None

    @route("", name="uid")
    async def index(self, request: Request) -> Response:
        raise HTTPException(HTTP_404_NOT_FOUND)

    @route("/{key}/{field}", name="uid-available")
    async def generate(self, request: Request) -> Response:
        """A free value for ``field`` of the type ``key``, from the target text in ``value``."""
        try:
            view = self.site.view(str(request.path_params["key"]))
        except KeyError:
            raise HTTPException(HTTP_404_NOT_FOUND, "No such content type.") from None
        if not view.is_accessible(request) or not (view.can_create(request) or view.can_edit(request)):
            raise HTTPException(HTTP_403_FORBIDDEN)
        attr = view.ct.attributes.get(str(request.path_params["field"]))
        if attr is None or attr.type != "uid":
            raise HTTPException(HTTP_404_NOT_FOUND, "No such uid attribute.")
        source = str(request.query_params.get("value") or "")[:MAX_SOURCE]
        slug = slugify(source, attr.max_length) or slugify(view.ct.singular_name, attr.max_length)
        pk = str(request.query_params.get("pk") or "")
        value = await available(view.model, attr.name, slug, int(pk) if pk.isdigit() and len(pk) < 19 else None,
                                attr.max_length)
        return JSONResponse({"data": {"value": value, "slug": slug, "taken": value != slug}}, headers=JSON_HEADERS)
