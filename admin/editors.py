"""The form fields of Strapi's rich text types: Markdown, blocks, and uid.

Each is a plain form input that works without JavaScript (a textarea, a text
box), enhanced by a script of ``static/`` on create and edit pages:

- ``richtext`` (Markdown): the textarea becomes EasyMDE (toolbar, preview,
  side by side), vendored under ``static/vendor/`` and configured to load
  nothing from elsewhere (no CDN Font Awesome, no spell-check dictionaries);
  the textarea still holds, and the form still posts, the Markdown text.
- ``blocks`` (Strapi v5's JSON): a JSON text area checked as it is typed and
  before the form is sent (``static/blocks.js``), with a preview of the
  blocks; the server checks again (:mod:`cms.blocks`), since the core stores
  any JSON for this type.
- ``uid``: a button beside the text box asks the server for a free slug of
  the target field (:mod:`admin.uid`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette_admin import JSONField, StringField, TextAreaField
from starlette_admin.helpers import static_url

from cms.blocks import blocks_error

#: bump when a script or style of these fields changes (browsers cache static files)
ASSETS_VERSION = 1


class InvalidJSON(str):
    """What a JSON field submitted when it was not JSON (or not its type's shape): the raw
    text, kept to be shown again in the form, and ``reason``, shown beside the field."""

    reason = "This is not valid JSON"

    def __new__(cls, raw: str, reason: str | None = None) -> InvalidJSON:
        made = super().__new__(cls, raw)
        if reason is not None:
            made.reason = reason
        return made


def refuse_invalid_json(request: Request, field: Any, value: Any, form_values: dict[str, Any]) -> None:
    """A starlette-admin validator: the form is re-shown with the reason beside the field,
    before anything is written."""
    if isinstance(value, InvalidJSON):
        raise ValueError(value.reason)


def _form_assets(request: Request, field: Any, scripts: list[str]) -> list[str]:
    return [static_url(request, path, v=ASSETS_VERSION) for path in scripts] \
        if field._needs_form_assets(request) else []


@dataclass
class MarkdownField(TextAreaField):
    """Strapi's ``richtext``: Markdown text, edited with a toolbar and a preview."""

    rows: int = 10
    form_template: str = "fields/form/markdown.html"

    async def parse_form_data(self, request: Request, form_data: FormData) -> Any:
        """The text with ``\\n`` line ends: browsers post a textarea's as ``\\r\\n``, Strapi's
        editor (and this one, in the page) writes ``\\n``, and Markdown read back must match."""
        value = await super().parse_form_data(request, form_data)
        return value.replace("\r\n", "\n") if isinstance(value, str) else value

    def additional_css_links(self, request: Request) -> list[str]:
        return _form_assets(request, self, ["vendor/easymde/easymde.min.css", "editors.css"])

    def additional_js_links(self, request: Request) -> list[str]:
        return _form_assets(request, self, ["vendor/dompurify/purify.min.js", "vendor/easymde/easymde.min.js",
                                            "markdown.js"])


@dataclass
class BlocksField(JSONField):
    """Strapi v5's ``blocks``: the JSON of the blocks editor, checked against its format."""

    rows: int = 12
    form_template: str = "fields/form/blocks.html"

    def __post_init__(self) -> None:
        super().__post_init__()
        self.validators = [*(self.validators or []), refuse_invalid_json]

    async def parse_form_data(self, request: Request, form_data: FormData) -> Any:
        raw = form_data.get(self.id)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        try:
            value = orjson.loads(str(raw))
        except orjson.JSONDecodeError as exc:
            return InvalidJSON(str(raw), f"This is not valid JSON: {exc}")
        problem = blocks_error(value)
        return InvalidJSON(str(raw), problem) if problem else value

    def text(self, value: Any) -> str:
        """The value as the text area shows it: indented JSON, or the refused text as it was typed."""
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()

    def additional_css_links(self, request: Request) -> list[str]:
        return _form_assets(request, self, ["editors.css"]) or super().additional_css_links(request)

    def additional_js_links(self, request: Request) -> list[str]:
        return _form_assets(request, self, ["blocks.js"]) or super().additional_js_links(request)


@dataclass
class UidField(StringField):
    """Strapi's ``uid``: a text box, and a button making a free slug of ``target_field``."""

    target_field: str | None = None
    target_label: str | None = None
    form_template: str = "fields/form/uid.html"

    def additional_css_links(self, request: Request) -> list[str]:
        return _form_assets(request, self, ["editors.css"])

    def additional_js_links(self, request: Request) -> list[str]:
        return _form_assets(request, self, ["uid.js"]) if self.target_field else []
