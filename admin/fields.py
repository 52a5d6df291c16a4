"""Attribute type → starlette-admin field: the one table that decides how each type is shown and edited.

Like Django's field-defaults map, :data:`KINDS` has one row per attribute type
of :mod:`cms.content.attributes`: the form field, how a stored value (as the
reader shapes documents: ISO strings, JSON fragments) becomes what the field
displays, and how a submitted value becomes what the document service
validates (the REST input shapes). A new attribute type is one new row.

The fields carry no HTML ``required``/``minlength`` constraints: the schema's
rules are checked by the document service on submit, and its messages are
shown beside the field (see :func:`form_errors`), the same words REST sends.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette_admin import (
    BaseField,
    BooleanField,
    DateField,
    DateTimeField,
    DecimalField,
    EnumField,
    FloatField,
    HasMany,
    HasOne,
    IntegerField,
    JSONField,
    PasswordField,
    StringField,
    TextAreaField,
    TimeField,
)

from admin.editors import BlocksField, InvalidJSON, MarkdownField, UidField  # InvalidJSON: admin.views too
from cms.content import Attribute, ContentType

#: attribute types that can label an entry (links, relation pickers)
LABEL_TYPES = frozenset({"string", "email", "uid", "enumeration", "text"})


class Json(JSONField):
    """JSON editor; text that does not parse is an error shown beside it, not a silent null."""

    async def parse_form_data(self, request: Request, form_data: FormData) -> Any:
        raw = form_data.get(self.id)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        try:
            return orjson.loads(str(raw))
        except orjson.JSONDecodeError:
            return InvalidJSON(str(raw))


def label_of(name: str) -> str:
    """``lastSeenAt`` → ``Last seen at``."""
    words = re.sub(r"(?<=[a-z0-9])([A-Z])", r" \1", name).replace("_", " ").split()
    text = " ".join(words).lower()
    return text[:1].upper() + text[1:]


def _datetime(value: Any) -> Any:
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value)  # "...Z": Python 3.11 reads it as UTC
    return value


def _date(value: Any) -> Any:
    return dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value


def _time(value: Any) -> Any:
    return dt.time.fromisoformat(value) if isinstance(value, str) else value


def _json(value: Any) -> Any:
    return orjson.loads(orjson.dumps(value)) if isinstance(value, orjson.Fragment) else value


def _datetime_input(value: Any) -> Any:
    """A datetime-local value, already converted to the database time zone (UTC), as ISO 8601."""
    if isinstance(value, dt.datetime):
        value = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    return value


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (dt.date, dt.time)) else value


def _bigint(value: Any) -> Any:
    return int(value) if isinstance(value, str) else value


def _number_input(value: Any) -> Any:
    return str(value) if isinstance(value, decimal.Decimal) else value


@dataclass(frozen=True)
class Kind:
    """How one attribute type appears in the admin."""

    build: Callable[[Attribute, dict[str, Any]], BaseField]
    #: stored (document) value → the Python value the field formats
    to_python: Callable[[Any], Any] | None = None
    #: parsed form value → REST input value
    to_input: Callable[[Any], Any] | None = None
    sortable: bool = True


def _string(cls: type[StringField]) -> Callable[[Attribute, dict[str, Any]], BaseField]:
    return lambda attr, kw: cls(**kw)


def _uid(attr: Attribute, kw: dict[str, Any]) -> BaseField:
    target = attr.target_field
    return UidField(target_field=target, target_label=label_of(target) if target else None, **kw)


KINDS: dict[str, Kind] = {
    "string": Kind(_string(StringField)),
    "uid": Kind(_uid),
    # not starlette-admin's EmailField: its validator needs an extra package, and the
    # document service checks emails already (with REST's message)
    "email": Kind(lambda attr, kw: StringField(input_type="email", **kw)),
    "text": Kind(lambda attr, kw: TextAreaField(rows=4, **kw)),
    "richtext": Kind(lambda attr, kw: MarkdownField(**kw)),  # Markdown: EasyMDE (admin.editors)
    "password": Kind(lambda attr, kw: PasswordField(**kw), sortable=False),
    "enumeration": Kind(lambda attr, kw: EnumField(choices=list(attr.enum), **kw)),
    "integer": Kind(lambda attr, kw: IntegerField(**kw)),
    "biginteger": Kind(lambda attr, kw: IntegerField(**kw), to_python=_bigint, to_input=str),
    "float": Kind(lambda attr, kw: FloatField(**kw)),
    "decimal": Kind(lambda attr, kw: DecimalField(**kw), to_input=_number_input),
    "boolean": Kind(lambda attr, kw: BooleanField(**kw)),
    "date": Kind(lambda attr, kw: DateField(**kw), to_python=_date, to_input=_iso),
    "time": Kind(lambda attr, kw: TimeField(**kw), to_python=_time, to_input=_iso),
    "datetime": Kind(lambda attr, kw: DateTimeField(**kw), to_python=_datetime, to_input=_datetime_input),
    "timestamp": Kind(lambda attr, kw: DateTimeField(**kw), to_python=_datetime, to_input=_datetime_input),
    "json": Kind(lambda attr, kw: Json(**kw), to_python=_json, sortable=False),
    # Strapi v5's blocks JSON, checked against its format in the page and by the core (cms.blocks)
    "blocks": Kind(lambda attr, kw: BlocksField(**kw), to_python=_json, sortable=False),
}


def constraints(attr: Attribute) -> str:
    """The schema's rules in words, shown under the field."""
    rules = []
    if attr.required:
        rules.append("required")
    if attr.unique:
        rules.append("unique")
    if attr.min_length is not None and attr.max_length is not None:
        rules.append(f"{attr.min_length}–{attr.max_length} characters")
    elif attr.max_length is not None:
        rules.append(f"at most {attr.max_length} characters")
    elif attr.min_length:
        rules.append(f"at least {attr.min_length} characters")
    if attr.min is not None:
        rules.append(f"≥ {attr.min:g}")
    if attr.max is not None:
        rules.append(f"≤ {attr.max:g}")
    if attr.regex:
        rules.append(f"matches /{attr.regex}/")
    if attr.private and attr.type != "password":
        rules.append("private: never sent by the API")
    return " · ".join(rules)


def shown_in_admin(attr: Attribute) -> bool:
    """Strapi's ``"visible": false``: an attribute the admin never shows (reset and
    confirmation tokens: even their digests are secrets)."""
    return attr.raw.get("visible") is not False


def managed_by_the_system(attr: Attribute) -> bool:
    """Strapi's ``"configurable": false`` (or ``writable: false``): a value the server keeps
    (when the password changed, the last login), shown read-only, never in a form."""
    return attr.raw.get("configurable") is False or not attr.writable


def scalar_field(attr: Attribute) -> BaseField | None:
    """The field of a scalar attribute, or None for types the admin cannot edit or must not show."""
    kind = KINDS.get(attr.type)
    if kind is None or not shown_in_admin(attr):
        return None
    label = label_of(attr.name)
    kw: dict[str, Any] = {"name": attr.name, "label": label, "help_text": constraints(attr) or None,
                          "read_only": not attr.writable, "orderable": kind.sortable}
    if managed_by_the_system(attr) and attr.type != "password":
        kw.update(read_only=True, exclude_from_create=True, exclude_from_edit=True)
    if attr.default is not None and attr.type not in ("password",):
        kw["default"] = attr.default
    if attr.private:
        kw["exclude_from_list"] = True
        kw["exclude_from_export"] = True
    if attr.type == "password":
        # write-only: never read back (the reader does not even select it), kept when left empty
        kw.update(label="Set new password" if attr.name == "password" else f"Set new {label_of(attr.name).lower()}",
                  help_text="Stored hashed. Leave empty to keep the current one."
                  + (f" {constraints(attr)[:1].upper()}{constraints(attr)[1:]}." if attr.min_length else ""),
                  placeholder="new password", exclude_from_list=True, exclude_from_detail=True,
                  exclude_from_export=True, getter=lambda request, obj: None)
    return kind.build(attr, kw)


def relation_field(attr: Attribute, target_key: str, target_label: str | None) -> BaseField:
    """A relation as a search-as-you-type picker (select2 over ``/_api/<key>/relation-lookup``)."""
    label = label_of(attr.name)
    cls = HasMany if attr.is_to_many else HasOne
    # a to-many list can be long: shown on the detail and edit pages, not in the list; a
    # to-one relation sorts by the related entry's label (admin.views.ContentTypeView.sort_path)
    return cls(attr.name, label=label, key=target_key, exclude_from_list=attr.is_to_many,
               orderable=not attr.is_to_many,
               help_text="Type to search" + (" · required" if attr.required else ""),
               extra={"label_field": target_label})


def display_field(ct: ContentType) -> str | None:
    """What names an entry: ``options.displayField`` (our extension), else the first string attribute."""
    named = ct.options.get("displayField")
    if isinstance(named, str):
        attr = ct.attributes.get(named)
        if attr is not None and attr.is_scalar and not attr.hidden:
            return named
    for attr in ct.attributes.values():
        if attr.type in LABEL_TYPES and not attr.hidden:
            return attr.name
    return None


def converters(ct: ContentType) -> dict[str, Callable[[Any], Any]]:
    """Per attribute, the stored value → Python value conversion (only where one is needed)."""
    found = {}
    for attr in ct.attributes.values():
        kind = KINDS.get(attr.type)
        if kind is not None and kind.to_python is not None:
            found[attr.name] = kind.to_python
    found["createdAt"] = found["updatedAt"] = _datetime
    return found


def to_input(attr: Attribute, value: Any) -> Any:
    """A parsed form value → the value :func:`cms.validation.validate` expects."""
    if attr.is_relation:
        if attr.is_to_many:
            return [int(v) if str(v).isdigit() else v for v in (value or []) if v not in ("", None)]
        if value in ("", None):
            return None
        return int(value) if str(value).isdigit() else value
    if isinstance(value, str) and value == "" and attr.type != "json":
        return None
    kind = KINDS.get(attr.type)
    if value is None or kind is None or kind.to_input is None:
        return value
    return kind.to_input(value)


def form_errors(details: dict[str, Any], fields: set[str], message: str,
                nested: set[str] = frozenset()) -> dict[str | int, Any]:  # type: ignore[assignment]
    """A :class:`cms.errors.ValidationError`'s ``details.errors[].path`` → starlette-admin form errors.

    Errors about a field go beside it; anything else (a unique clash seen only
    by the database, a lifecycle hook's refusal) goes to ``_form``, shown on top. A
    component attribute (``nested``) gets every message, by its path inside the value
    (``{"1.title": "..."}``; ``""``: the attribute itself), shown beside the nested inputs.
    """
    errors: dict[str | int, Any] = {}
    for item in details.get("errors") or []:
        path = item.get("path") or []
        name = str(path[0]) if path else ""
        if name in nested:
            inner = errors.setdefault(name, {})
            inner.setdefault(".".join(str(p) for p in path[1:]), item.get("message") or message)
        elif name in fields:
            errors.setdefault(name, item.get("message") or message)
        else:
            errors.setdefault("_form", item.get("message") or message)
    if not errors:
        errors["_form"] = message
    return errors
