"""Validating written data against the schema, every error at once.

Used by the document service, so REST, the admin and the realtime plugin
reject the same input with the same messages. Messages follow the wording
Strapi's validators produce (yup), e.g. ``title must be at most 80
characters``; each error carries its ``path``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from cms.blocks import blocks_error
from cms.content import Attribute, ContentType
from cms.errors import ValidationError

_EMAIL = re.compile(r"^[^\s@]+@[^\s@]+\.[^\s@]+$")
_UID = re.compile(r"^[A-Za-z0-9\-_.~]*$")
_TIME = re.compile(r"^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?$")
_INT32 = (-2_147_483_648, 2_147_483_647)
_INT64 = (-9_223_372_036_854_775_808, 9_223_372_036_854_775_807)
#: what the columns of integer attributes hold (ids are 32-bit too)
INTEGER_RANGES = {"integer": _INT32, "biginteger": _INT64}
#: decimal columns are decimal(10, 2), as in Strapi
_DECIMAL = (decimal.Decimal("-99999999.99"), decimal.Decimal("99999999.99"))
READ_ONLY = frozenset({"id", "documentId", "createdAt", "updatedAt", "publishedAt"})

Reference = str | int


@dataclass
class RelationWrite:
    """Changes to one relation: replace all links, or connect/disconnect some."""

    mode: Literal["set", "patch"]
    connect: list[Reference] = field(default_factory=list)
    disconnect: list[Reference] = field(default_factory=list)
    #: references written ``{"documentId": ..., "locale": "fr"}``: the locale of the version to
    #: link (Strapi v5); the others link the writer's locale (cms.documents)
    locales: dict[Reference, str] = field(default_factory=dict)


@dataclass
class CleanData:
    scalars: dict[str, Any]
    relations: dict[str, RelationWrite]
    #: component and dynamic-zone values (:mod:`cms.component_input`), relations inside still as
    #: :class:`RelationWrite`: the document service resolves them and assigns item ids
    components: dict[str, Any] = field(default_factory=dict)


#: "no value was sent" (a value of None was)
_ABSENT = object()


class _Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, path: list[str | int], message: str, value: Any = _ABSENT) -> None:
        """One error; ``value`` only when the client sent one (as Strapi reports them)."""
        item: dict[str, Any] = {"path": path, "message": message, "name": "ValidationError"}
        if value is not _ABSENT:
            item["value"] = value
        self.items.append(item)

    def raise_if_any(self) -> None:
        if self.items:
            message = self.items[0]["message"] if len(self.items) == 1 else f"{len(self.items)} errors occurred"
            raise ValidationError(message, {"errors": self.items})


def validate(ct: ContentType, data: Any, *, partial: bool,
             components: Mapping[str, ContentType] | None = None) -> CleanData:
    """Check ``data`` (the request's ``data`` object) and convert it to Python values.

    ``partial`` (updates) checks only the attributes present; creates also
    require every ``required`` attribute and fill in defaults. ``components``
    (the registry's) is needed when ``ct`` has component attributes.
    """
    if not isinstance(data, dict):
        raise ValidationError('Missing "data" payload in the request body')
    errors = _Errors()
    scalars: dict[str, Any] = {}
    relations: dict[str, RelationWrite] = {}
    values: dict[str, Any] = {}
    for key, value in data.items():
        attr = ct.attributes.get(key)
        if attr is None or key in READ_ONLY:  # Strapi refuses the body at its first unknown key
            raise ValidationError(f"Invalid key {key}", {"key": key, "path": None, "source": "body"})
        if not attr.writable:
            continue
        if attr.is_component:
            from cms.component_input import component_value  # one module per job; it imports this one

            converted = component_value(attr, value, [key], errors, components or {})
            if converted is not _INVALID:
                values[key] = converted
            continue
        if attr.is_relation:
            write = _relation(attr, value, errors)
            if write is not None:
                relations[key] = write
            continue
        if value is None:
            if attr.required:
                errors.add([key], f"{key} must be defined.", value)
            else:
                scalars[key] = None
            continue
        converted = _scalar(attr, value, errors)
        if converted is not _INVALID:
            scalars[key] = converted
    if not partial:
        for attr in ct.attributes.values():
            if attr.is_scalar and attr.name not in scalars and attr.name not in data:
                if attr.default is not None:
                    scalars[attr.name] = _scalar(attr, attr.default, errors)
                elif attr.required:
                    errors.add([attr.name], f"{attr.name} must be defined.")
            elif attr.is_relation and attr.required and attr.name not in relations:
                errors.add([attr.name], f"{attr.name} must be defined.")
            elif attr.is_component and attr.required and attr.name not in data:
                errors.add([attr.name], f"{attr.name} must be defined.")
    for item in errors.items:  # never echo a password back, not even a rejected one
        attr = ct.attributes.get(str(item["path"][0])) if item["path"] else None
        if attr is not None and attr.hidden and "value" in item:
            item["value"] = None
    errors.raise_if_any()
    return CleanData(scalars, relations, values)


_INVALID = object()


def _scalar(attr: Attribute, value: Any, errors: _Errors, path: list[str | int] | None = None) -> Any:
    name, kind = attr.name, attr.kind.value
    path = path or [name]
    if kind == "string":
        if not isinstance(value, str):
            errors.add(path, f"{name} must be a `string` type, but the final value was: `{_show(value)}`.", value)
            return _INVALID
        ok = True
        if attr.min_length is not None and len(value) < attr.min_length:
            errors.add(path, f"{name} must be at least {attr.min_length} characters", value)
            ok = False
        if attr.max_length is not None and len(value) > attr.max_length:
            errors.add(path, f"{name} must be at most {attr.max_length} characters", value)
            ok = False
        if attr.regex is not None and value and not re.search(attr.regex, value):
            errors.add(path, f'{name} must match the following: "/{attr.regex}/"', value)
            ok = False
        if attr.type == "email" and value and not _EMAIL.match(value):
            errors.add(path, f"{name} must be a valid email", value)
            ok = False
        if attr.type == "enumeration" and value not in attr.enum:
            errors.add(path, f"{name} must be one of the following values: {', '.join(attr.enum)}", value)
            ok = False
        if "\x00" in value:  # PostgreSQL cannot store it; refused on every database alike
            errors.add(path, f"{name} must not contain NUL characters", value)
            ok = False
        if attr.type == "uid" and not _UID.match(value):
            errors.add(path, f"{name} must match the following: \"/^[A-Za-z0-9-_.~]*$/\"", value)
            ok = False
        return value if ok else _INVALID
    if kind in ("integer", "number", "decimal"):
        number = _to_number(value, kind)
        if number is None:
            type_name = "integer" if kind == "integer" else "number"
            errors.add(path, f"{name} must be a `{type_name}` type, but the final value was: `{_show(value)}`.", value)
            return _INVALID
        low, high = _INT64 if attr.type == "biginteger" else _INT32 if kind == "integer" else _DECIMAL if kind == "decimal" else (None, None)
        if low is not None and not low <= number <= high:
            errors.add(path, f"{name} must be between {low} and {high}", value)
            return _INVALID
        if attr.min is not None and number < attr.min:
            errors.add(path, f"{name} must be greater than or equal to {attr.min}", value)
            return _INVALID
        if attr.max is not None and number > attr.max:
            errors.add(path, f"{name} must be less than or equal to {attr.max}", value)
            return _INVALID
        return number
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if value in ("true", "false", 0, 1, "0", "1"):
            return value in ("true", 1, "1")
        errors.add(path, f"{name} must be a `boolean` type, but the final value was: `{_show(value)}`.", value)
        return _INVALID
    if kind in ("date", "datetime", "time"):
        parsed = _to_temporal(value, kind)
        if parsed is None:
            errors.add(path, f"{name} must be a valid {attr.type}", value)
            return _INVALID
        return parsed
    if _has_nul(value):
        errors.add(path, f"{name} must not contain NUL characters", value)
        return _INVALID
    if attr.type == "blocks":
        problem = blocks_error(value)
        if problem is not None:
            errors.add(path, f"{name} is not valid blocks: {problem}", value)
            return _INVALID
    return value  # json: any other JSON value


def _has_nul(value: Any) -> bool:
    """Whether a JSON value holds a NUL character in any string or key (PostgreSQL refuses them)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _to_number(value: Any, kind: str) -> Any:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = decimal.Decimal(value.strip()) if value.strip() else None
        except decimal.InvalidOperation:
            return None
        if value is None or not value.is_finite():
            return None
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    if kind == "integer":
        if isinstance(value, (int, decimal.Decimal, float)) and value == int(value):
            return int(value)
        return None
    if kind == "decimal":
        if not isinstance(value, (int, float, decimal.Decimal)):
            return None
        number = decimal.Decimal(str(value))
        return number.quantize(decimal.Decimal("0.01")) if abs(number) < 10**8 else number
    return float(value) if isinstance(value, (int, float, decimal.Decimal)) else None


def _to_temporal(value: Any, kind: str) -> Any:
    if not isinstance(value, str):
        return None
    try:
        if kind == "date":
            return dt.date.fromisoformat(value[:10]) if len(value) >= 10 else None
        if kind == "time":
            match = _TIME.match(value)
            if not match:
                return None
            hour, minute, second, fraction = match.groups()
            micro = int((fraction or "0").ljust(6, "0"))
            return dt.time(int(hour), int(minute), int(second or 0), micro)
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)
    except ValueError:
        return None


def _relation(attr: Attribute, value: Any, errors: _Errors,
              path: list[str | int] | None = None) -> RelationWrite | None:
    """Strapi's relation syntax: shorthand id(s), or ``{connect, disconnect, set}``."""
    path = path or [attr.name]
    locales: dict[Reference, str] = {}
    if value is None:
        return RelationWrite("set")
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return RelationWrite("set", [value])
    if isinstance(value, list):
        refs = _references(value, path, errors, locales)
        if refs is None:
            return None
        if not attr.is_to_many:
            refs = refs[-1:]
        return RelationWrite("set", refs, locales=locales)
    if isinstance(value, dict):
        if "documentId" in value or "id" in value:
            refs = _references([value], path, errors, locales)
            return RelationWrite("set", refs, locales=locales) if refs is not None else None
        unknown = set(value) - {"connect", "disconnect", "set"}
        if unknown:
            errors.add(path, f"Invalid key {sorted(unknown)[0]}", value)
            return None
        if "set" in value and ({"connect", "disconnect"} & set(value)):
            errors.add(path, "Cannot use set together with connect or disconnect", value)
            return None
        if "set" in value:
            refs = _references(_as_list(value["set"]), [*path, "set"], errors, locales)
            if refs is None:
                return None
            return RelationWrite("set", refs if attr.is_to_many else refs[-1:], locales=locales)
        connect = _references(_as_list(value.get("connect", [])), [*path, "connect"], errors, locales)
        disconnect = _references(_as_list(value.get("disconnect", [])), [*path, "disconnect"], errors, locales)
        if connect is None or disconnect is None:
            return None
        if len(set(connect)) != len(connect):
            errors.add(path, "A relation cannot be connected twice to the same document", value)
            return None
        if not attr.is_to_many and connect:
            return RelationWrite("set", connect[-1:], locales=locales)
        return RelationWrite("patch", connect, disconnect, locales)
    errors.add(path, f"{attr.name} must be a document id, a list of them, or {{connect, disconnect, set}}", value)
    return None


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _references(items: list[Any], path: list[str | int], errors: _Errors,
                locales: dict[Reference, str] | None = None) -> list[Reference] | None:
    """The references of ``items`` (ids, or objects with ``documentId``/``id``); an object's
    ``locale`` (a string) goes into ``locales``."""
    refs: list[Reference] = []
    for index, item in enumerate(items):
        if isinstance(item, dict):
            named = item.get("locale")
            if named is not None and not isinstance(named, str):
                errors.add([*path, index, "locale"], "locale must be a string", named)
                return None
            item = item.get("documentId", item.get("id"))
            if named is not None and locales is not None and isinstance(item, (str, int)):
                locales[item] = named
        if isinstance(item, bool) or not isinstance(item, (str, int)) or item == "":
            errors.add([*path, index], "Invalid relation reference: expected a documentId", item)
            return None
        refs.append(item)
    return refs


def _show(value: Any) -> str:
    """A value in a message, as JSON writes it (``{"a":1}``, ``null``), never as a Python repr."""
    if isinstance(value, str):
        return value[:100]
    return json.dumps(value, ensure_ascii=False, default=str, separators=(",", ":"))[:100]
