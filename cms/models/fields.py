"""Attribute type → Tortoise field: the one table that decides storage of scalars.

Columns are nullable whatever ``required`` says, as in Strapi: ``required`` is
enforced by validation on writes, so adding a required attribute to a table
that already has rows is an ordinary, non-destructive migration. ``unique`` and
lengths are real database constraints.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import re
from collections.abc import Callable
from typing import Any

from tortoise import fields

from cms.content import Attribute

#: Strapi's string columns are varchar(255); a longer maxLength widens the column.
DEFAULT_STRING_LENGTH = 255


@functools.lru_cache(maxsize=4096)
def column_name(name: str) -> str:
    """Attribute names are camelCase, columns snake_case (as Strapi's tables)."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


class TimeOfDayField(fields.Field[dt.time]):
    """Strapi's ``time``, stored as ``HH:MM:SS.mmm`` text.

    Tortoise's own TimeField cannot be bound by SQLite's driver and attaches a
    timezone to a time of day; text in a fixed format compares and sorts the
    same on every database.
    """

    SQL_TYPE = "VARCHAR(12)"
    field_type = dt.time

    def to_db_value(self, value: Any, instance: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = dt.time.fromisoformat(value)
        return value.strftime("%H:%M:%S.%f")[:12]

    def to_python_value(self, value: Any) -> dt.time | None:
        if value is None or isinstance(value, dt.time):
            return value
        return dt.time.fromisoformat(value)


def _string(attr: Attribute, **kw: Any) -> fields.Field[Any]:
    length = max(DEFAULT_STRING_LENGTH, attr.max_length or 0)
    return fields.CharField(max_length=length, **kw)


FIELD_FACTORIES: dict[str, Callable[..., fields.Field[Any]]] = {
    "string": _string,
    "email": _string,
    "password": _string,
    "uid": _string,
    "enumeration": _string,
    "text": lambda attr, **kw: fields.TextField(**kw),
    "richtext": lambda attr, **kw: fields.TextField(**kw),
    "integer": lambda attr, **kw: fields.IntField(**kw),
    "biginteger": lambda attr, **kw: fields.BigIntField(**kw),
    "float": lambda attr, **kw: fields.FloatField(**kw),
    "decimal": lambda attr, **kw: fields.DecimalField(max_digits=10, decimal_places=2, **kw),
    "date": lambda attr, **kw: fields.DateField(**kw),
    "time": lambda attr, **kw: TimeOfDayField(**kw),
    "datetime": lambda attr, **kw: fields.DatetimeField(**kw),
    "timestamp": lambda attr, **kw: fields.DatetimeField(**kw),
    "boolean": lambda attr, **kw: fields.BooleanField(**kw),
    "json": lambda attr, **kw: fields.JSONField(**kw),
    "blocks": lambda attr, **kw: fields.JSONField(**kw),
}


def unique_column(attr: Attribute) -> bool:
    """Whether a unique attribute's column carries a unique index. TextField cannot carry
    one on every database; uniqueness of long text is left to validation."""
    return attr.type not in ("text", "richtext", "json", "blocks")


def scalar_field(attr: Attribute, per_status: bool = False) -> fields.Field[Any]:
    """The Tortoise field that stores one scalar attribute.

    ``per_status`` (draft & publish types): a draft and its published version
    share their values, so a unique attribute is unique among drafts and among
    published rows, by a partial index each (:mod:`cms.models.migrations`), not
    by a plain unique column.
    """
    unique = attr.unique and unique_column(attr) and not per_status
    return FIELD_FACTORIES[attr.type](
        attr,
        source_field=column_name(attr.name),
        null=True,
        unique=unique,
        default=_python_default(attr),
    )


_PARSE_DEFAULT: dict[str, Callable[[Any], Any]] = {
    "date": dt.date.fromisoformat,
    "time": dt.time.fromisoformat,
    "datetime": dt.datetime.fromisoformat,
    "timestamp": dt.datetime.fromisoformat,
    "decimal": lambda v: decimal.Decimal(str(v)),
}


def _python_default(attr: Attribute) -> Any:
    """Schema defaults are JSON; dates and decimals become Python values."""
    if attr.default is None:
        return None
    return _PARSE_DEFAULT.get(attr.type, lambda v: v)(attr.default)
