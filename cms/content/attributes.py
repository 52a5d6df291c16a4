"""Attribute types of Strapi's schema format, and the parsed :class:`Attribute`.

The table :data:`ATTRIBUTE_TYPES` is the single place that says which types we
support and which options each accepts; the loader, the model builder, the REST
validation and the admin all read it (or the parsed :class:`Attribute`), so a
new type is one new row here plus one row in ``cms/models/fields.py``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from cms.content.problems import Problem

#: Options every attribute may carry (Strapi's common options; `column` and
#: `pluginOptions` are accepted and kept but have no effect here; the admin reads
#: `configurable: false` as read-only and `visible: false` as not shown).
COMMON_OPTIONS = frozenset(
    {"type", "required", "unique", "default", "private", "configurable", "writable",
     "visible", "pluginOptions", "column", "conditions", "searchable"}
)
_TEXT_OPTIONS = frozenset({"minLength", "maxLength", "regex"})
_NUMBER_OPTIONS = frozenset({"min", "max"})


@dataclass(frozen=True)
class AttributeType:
    """What one Strapi attribute type is and which options it takes."""

    name: str
    #: the kind of value it holds: string, integer, number, decimal, boolean,
    #: date, time, datetime, json, relation or media.
    value: str
    options: frozenset[str] = frozenset()


def _t(name: str, value: str, *options: frozenset[str] | str) -> AttributeType:
    extra: set[str] = set()
    for opt in options:
        extra |= {opt} if isinstance(opt, str) else set(opt)
    return AttributeType(name, value, frozenset(extra))


ATTRIBUTE_TYPES: dict[str, AttributeType] = {
    t.name: t
    for t in (
        _t("string", "string", _TEXT_OPTIONS),
        _t("text", "string", _TEXT_OPTIONS),
        _t("richtext", "string", _TEXT_OPTIONS),
        _t("email", "string", _TEXT_OPTIONS),
        _t("password", "string", _TEXT_OPTIONS),
        _t("uid", "string", _TEXT_OPTIONS, "targetField", "options"),
        _t("enumeration", "string", "enum", "enumName"),
        _t("integer", "integer", _NUMBER_OPTIONS),
        _t("biginteger", "integer", _NUMBER_OPTIONS),
        _t("float", "number", _NUMBER_OPTIONS),
        _t("decimal", "decimal", _NUMBER_OPTIONS),
        _t("date", "date"),
        _t("time", "time"),
        _t("datetime", "datetime"),
        _t("timestamp", "datetime"),
        _t("boolean", "boolean"),
        _t("json", "json"),
        _t("blocks", "json"),
        _t("relation", "relation",
           "relation", "target", "inversedBy", "mappedBy", "useJoinTable", "morphBy"),
        _t("media", "media", "multiple", "allowedTypes"),
        _t("component", "component", "component", "repeatable", _NUMBER_OPTIONS),
        _t("dynamiczone", "dynamiczone", "components", _NUMBER_OPTIONS),
    )
}

#: what a media attribute links to: the upload plugin's file type
MEDIA_TARGET = "plugin::upload.file"
#: the kinds of file a media attribute's ``allowedTypes`` may name (Strapi's)
MEDIA_KINDS = ("images", "videos", "audios", "files")

#: Types of Strapi's format that we recognise but do not build yet; loading one
#: is an error that says so rather than a silent drop.
NOT_YET_SUPPORTED = {
    "customField": "custom fields are not supported yet",
}

RELATION_KINDS = frozenset(
    {"oneToOne", "oneToMany", "manyToOne", "manyToMany", "oneWay", "manyWay"}
)
_POLYMORPHIC = frozenset({"morphOne", "morphMany", "morphToOne", "morphToMany"})
#: Relation kinds whose value is a list of entries.
TO_MANY = frozenset({"oneToMany", "manyToMany", "manyWay"})

#: System fields that every collection type has; attributes may not reuse them.
SYSTEM_FIELDS = ("id", "documentId", "createdAt", "updatedAt", "publishedAt")
RESERVED_NAMES = frozenset(
    {*SYSTEM_FIELDS, "document_id", "created_at", "updated_at", "published_at",
     "createdBy", "updatedBy", "created_by", "updated_by", "locale", "localizations",
}
)
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_TIME = re.compile(r"^\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$")
#: a component's UID: ``<category>.<name>``, both kebab-case (Strapi's folder and file names)
_COMPONENT_UID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*\.[a-z][a-z0-9]*(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Attribute:
    """One validated attribute of a content type (Strapi names, Python style)."""

    name: str
    type: str
    required: bool = False
    unique: bool = False
    private: bool = False
    writable: bool = True
    default: Any = None
    min_length: int | None = None
    max_length: int | None = None
    min: float | None = None
    max: float | None = None
    regex: str | None = None
    enum: tuple[str, ...] = ()
    target_field: str | None = None
    relation: str | None = None
    target: str | None = None
    inversed_by: str | None = None
    mapped_by: str | None = None
    multiple: bool = False
    #: media only: the kinds of file accepted (``images``, ``videos``, ``audios``, ``files``); empty: any
    allowed_types: tuple[str, ...] = ()
    #: component only: the component's UID (``shared.seo``) and whether it holds a list of them
    component: str | None = None
    repeatable: bool = False
    #: dynamic zone only: the UIDs of the components it may hold
    components: tuple[str, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def kind(self) -> AttributeType:
        return ATTRIBUTE_TYPES[self.type]

    @property
    def is_relation(self) -> bool:
        """Links to entries of another type: relations, and media, which link to the upload
        plugin's files (a ``oneWay`` relation, or an ordered ``manyWay`` with ``multiple``)."""
        return self.type in ("relation", "media")

    @property
    def is_scalar(self) -> bool:
        """Stored in a column of the type's own table (filterable, sortable, selectable)."""
        return self.type not in ("relation", "media", "component", "dynamiczone")

    @property
    def is_component(self) -> bool:
        """A component or a dynamic zone: one JSON column, returned only when populated."""
        return self.type in ("component", "dynamiczone")

    @property
    def is_list(self) -> bool:
        """A component attribute holding a list of items (repeatable, or a dynamic zone)."""
        return self.type == "dynamiczone" or (self.type == "component" and self.repeatable)

    @property
    def is_to_many(self) -> bool:
        if self.is_component:
            return self.is_list
        return self.relation in TO_MANY if self.is_relation else self.multiple

    @cached_property  # read on every request of every type: computed once
    def localized(self) -> bool:
        """Of a localized type: whether each locale holds its own value (Strapi v5's rule):
        relations and uids always do; other attributes when their ``pluginOptions.i18n.localized``
        is true. The others are shared by a document's locales (cms.documents keeps them equal)."""
        if self.type in ("relation", "uid"):
            return True
        options = self.raw.get("pluginOptions")
        i18n = options.get("i18n") if isinstance(options, Mapping) else None
        return isinstance(i18n, Mapping) and i18n.get("localized") is True

    @property
    def hidden(self) -> bool:
        """Never leaves the server: private fields and passwords."""
        return self.private or self.type == "password"


def parse_attribute(
    name: str, raw: Any, file: Path | str, private_names: frozenset[str] = frozenset()
) -> tuple[Attribute | None, list[Problem]]:
    """Validate one attribute definition on its own (cross-type checks come later)."""
    problems: list[Problem] = []

    def bad(message: str) -> None:
        problems.append(Problem(file, message, name))

    if not _NAME.match(name):
        bad("invalid name: use letters, digits and underscores, starting with a letter")
    elif name in RESERVED_NAMES:
        bad("name is reserved for a system field")
    if not isinstance(raw, dict):
        bad("definition must be a JSON object")
        return None, problems
    type_name = raw.get("type")
    if type_name is None:
        bad('missing "type"')
        return None, problems
    if not isinstance(type_name, str) or type_name not in ATTRIBUTE_TYPES:
        if isinstance(type_name, str) and type_name in NOT_YET_SUPPORTED:
            bad(f'type "{type_name}": {NOT_YET_SUPPORTED[type_name]}')
        else:
            known = ", ".join(sorted(ATTRIBUTE_TYPES))
            bad(f"unknown type {type_name!r} (known types: {known})")
        return None, problems
    kind = ATTRIBUTE_TYPES[type_name]

    for key in raw:
        if key not in COMMON_OPTIONS and key not in kind.options:
            bad(f'unknown option "{key}" for type "{type_name}"')

    values: dict[str, Any] = {"name": name, "type": type_name, "raw": raw}
    for key, attr in (("required", "required"), ("unique", "unique"),
                      ("private", "private"), ("writable", "writable"),
                      ("multiple", "multiple"), ("repeatable", "repeatable")):
        if key in raw:
            if not isinstance(raw[key], bool):
                bad(f'"{key}" must be true or false')
            else:
                values[attr] = raw[key]
    if name in private_names:
        values["private"] = True

    for key, attr in (("minLength", "min_length"), ("maxLength", "max_length")):
        if key in raw:
            if not _is_int(raw[key]) or raw[key] < 0:
                bad(f'"{key}" must be a non-negative integer')
            else:
                values[attr] = raw[key]
    if values.get("min_length") is not None and values.get("max_length") is not None:
        if values["min_length"] > values["max_length"]:
            bad(f'minLength ({values["min_length"]}) is greater than maxLength ({values["max_length"]})')
    for key in ("min", "max"):
        if key in raw:
            if not _is_number(raw[key]):
                bad(f'"{key}" must be a number')
            else:
                values[key] = raw[key]
    if values.get("min") is not None and values.get("max") is not None:
        if values["min"] > values["max"]:
            bad(f'min ({values["min"]}) is greater than max ({values["max"]})')
    if "regex" in raw:
        if not isinstance(raw["regex"], str):
            bad('"regex" must be a string')
        else:
            try:
                re.compile(raw["regex"])
                values["regex"] = raw["regex"]
            except re.error as exc:
                bad(f"regex does not compile: {exc}")

    if type_name == "enumeration":
        enum = raw.get("enum")
        if not isinstance(enum, list) or not enum:
            bad('enumeration needs a non-empty "enum" list')
        elif not all(isinstance(v, str) and v for v in enum):
            bad('"enum" values must be non-empty strings')
        elif len(set(enum)) != len(enum):
            dupes = sorted({v for v in enum if enum.count(v) > 1})
            bad(f'"enum" has duplicate values: {", ".join(dupes)}')
        else:
            values["enum"] = tuple(enum)
    if type_name == "uid" and "targetField" in raw:
        if not isinstance(raw["targetField"], str):
            bad('"targetField" must be the name of an attribute')
        else:
            values["target_field"] = raw["targetField"]
    if type_name == "relation":
        _parse_relation(raw, values, bad)
    if type_name == "media":
        values["target"] = MEDIA_TARGET
        values["relation"] = "manyWay" if values.get("multiple") else "oneWay"
        allowed = raw.get("allowedTypes")
        if allowed is not None:
            if not isinstance(allowed, list) or any(t not in MEDIA_KINDS for t in allowed):
                bad(f'"allowedTypes" must be a list of {", ".join(MEDIA_KINDS)}')
            else:
                values["allowed_types"] = tuple(allowed)

    if type_name == "component":
        if not isinstance(raw.get("component"), str) or not _COMPONENT_UID.match(raw["component"]):
            bad('component needs "component": "<category>.<name>", e.g. "shared.seo"')
        else:
            values["component"] = raw["component"]
    if type_name == "dynamiczone":
        listed = raw.get("components")
        if (not isinstance(listed, list) or not listed
                or not all(isinstance(c, str) and _COMPONENT_UID.match(c) for c in listed)):
            bad('dynamiczone needs "components": a non-empty list of "<category>.<name>" UIDs')
        else:
            values["components"] = tuple(dict.fromkeys(listed))
    if type_name in ("component", "dynamiczone"):
        for key in ("min", "max"):
            if key in values and (not _is_int(values[key]) or values[key] < 0):
                bad(f'"{key}" must be a non-negative integer (a number of items)')
        if values.get("unique"):
            bad('"unique" does not apply to components')

    if "default" in raw and raw["default"] is not None:
        message = _default_problem(type_name, raw["default"], values.get("enum", ()))
        if message:
            bad(message)
        else:
            values["default"] = raw["default"]

    if problems:
        return None, problems
    return Attribute(**values), problems


def _parse_relation(raw: dict[str, Any], values: dict[str, Any], bad: Any) -> None:
    relation = raw.get("relation")
    if relation in _POLYMORPHIC:
        bad(f'relation "{relation}": polymorphic relations are not supported yet')
        return
    if relation not in RELATION_KINDS:
        bad(f'"relation" must be one of {", ".join(sorted(RELATION_KINDS))}, not {relation!r}')
        return
    values["relation"] = relation
    target = raw.get("target")
    if not isinstance(target, str) or not target:
        bad('relation needs a "target" content-type UID, e.g. "api::article.article"')
    else:
        values["target"] = target
    for key, attr in (("inversedBy", "inversed_by"), ("mappedBy", "mapped_by")):
        if key in raw:
            if not isinstance(raw[key], str) or not raw[key]:
                bad(f'"{key}" must be an attribute name')
            elif relation in ("oneWay", "manyWay"):
                bad(f'"{key}" makes no sense on a one-way relation ("{relation}")')
            else:
                values[attr] = raw[key]
    if "inversedBy" in raw and "mappedBy" in raw:
        bad('a relation has either "inversedBy" (owning side) or "mappedBy" (inverse side), not both')


def _default_problem(type_name: str, value: Any, enum: tuple[str, ...]) -> str | None:
    """Why ``value`` cannot be the default of a ``type_name`` attribute, or None."""
    kind = ATTRIBUTE_TYPES[type_name].value
    if type_name == "enumeration":
        return None if value in enum else f"default {value!r} is not one of the enum values"
    checks = {
        "string": lambda v: isinstance(v, str),
        "integer": _is_int,
        "number": _is_number,
        "decimal": lambda v: _is_number(v) or _is_decimal_string(v),
        "boolean": lambda v: isinstance(v, bool),
        "date": lambda v: isinstance(v, str) and _parses(dt.date.fromisoformat, v),
        "time": lambda v: isinstance(v, str) and bool(_TIME.match(v)),
        "datetime": lambda v: isinstance(v, str) and _parses(dt.datetime.fromisoformat, v),
        "json": lambda v: True,
    }
    check = checks.get(kind)
    if check is None:
        return f'type "{type_name}" cannot have a default'
    return None if check(value) else f"default {value!r} is not a valid {type_name}"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_decimal_string(value: Any) -> bool:
    return isinstance(value, str) and bool(re.fullmatch(r"-?\d+(\.\d+)?", value))


def _parses(parse: Any, value: str) -> bool:
    try:
        parse(value)
    except ValueError:
        return False
    return True
