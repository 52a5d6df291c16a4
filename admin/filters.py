"""List filters, written once for every content type, compiled by the core's filter parser.

starlette-admin 1.0 gives custom views an empty filter registry. Each filter
here turns one rule of the list page's filter builder into a fragment of the
REST filter language (``{"text": {"$containsi": "hi"}}``); the view joins the
fragments of a rule tree with ``$and``/``$or`` and hands the result to
:func:`cms.query.filters.parse_filters`, so the admin filters with exactly the
parser, value casting and SQL compiler that serve ``?filters=`` in REST.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from starlette_admin import (
    BaseField,
    BooleanField,
    DateField,
    DateTimeField,
    EnumField,
    FloatField,
    HasMany,
    HasOne,
    IntegerField,
    JSONField,
    StringField,
)
from starlette_admin.fields import DecimalField, TimeField
from starlette_admin.filters import (
    BaseFilter,
    FilterApplyContext,
    FilterGroup,
    FilterRegistry,
    FilterRule,
    boolean,
    date,
    enum,
    filters,
    generic,
    numeric,
    string,
)

Fragment = dict[str, Any]


def _json_value(value: Any) -> Any:
    """Filter values as the REST filter language takes them (ISO text for temporal values)."""
    if isinstance(value, dt.datetime):
        value = value if value.tzinfo else value.replace(tzinfo=dt.UTC)  # the database time zone
        return value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return value


def _on(ctx: FilterApplyContext, operator: str, value: Any) -> Fragment:
    """``{field: {operator: value}}``; on a relation, the operator applies to the target's label."""
    path = ctx.view.filter_path(ctx.field_name) if ctx.view is not None else (ctx.field_name,)  # type: ignore[attr-defined]
    fragment: Any = {operator: _json_value(value)}
    for name in reversed(path):
        fragment = {name: fragment}
    return fragment


def _on_field(ctx: FilterApplyContext, operator: str, value: Any) -> Fragment:
    """``{field: {operator: value}}`` on the field itself (a relation: its related entry's id)."""
    return {ctx.field_name: {operator: _json_value(value)}}


# -- text ---------------------------------------------------------------------------


class Contains(string.ContainsFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on(ctx, "$containsi", ctx.value)


class NotContains(string.NotContainsFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on(ctx, "$notContainsi", ctx.value)


class StartsWith(string.StartsWithFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on(ctx, "$startsWithi", ctx.value)


class EndsWith(string.EndsWithFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on(ctx, "$endsWithi", ctx.value)


class Equal(generic.EqualFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on(ctx, "$eq", ctx.value)


class NotEqual(generic.NotEqualFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on(ctx, "$ne", ctx.value)


class IsNull(generic.IsNullFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on_field(ctx, "$null", True)


class IsNotNull(generic.IsNotNullFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on_field(ctx, "$notNull", True)


# -- choices and booleans -------------------------------------------------------------


class In(enum.InFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on_field(ctx, "$in", list(ctx.value))


class NotIn(enum.NotInFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on_field(ctx, "$notIn", list(ctx.value))


class IsTrue(boolean.IsTrueFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on_field(ctx, "$eq", True)


class IsFalse(boolean.IsFalseFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        # a boolean never set reads as false, as the switch on the form shows it
        return {"$or": [_on_field(ctx, "$eq", False), _on_field(ctx, "$null", True)]}


# -- numbers --------------------------------------------------------------------------


class NumberEqual(numeric.EqualFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on_field(ctx, "$eq", ctx.value)


class NumberNotEqual(numeric.NotEqualFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on_field(ctx, "$ne", ctx.value)


class GreaterThan(numeric.GreaterThanFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on_field(ctx, "$gt", ctx.value)


class GreaterOrEqual(numeric.GreaterThanOrEqualFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on_field(ctx, "$gte", ctx.value)


class LessThan(numeric.LessThanFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on_field(ctx, "$lt", ctx.value)


class LessOrEqual(numeric.LessThanOrEqualFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on_field(ctx, "$lte", ctx.value)


class Between(numeric.BetweenFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on_field(ctx, "$between", [ctx.value, ctx.value2])


# -- dates and times ------------------------------------------------------------------


class DateEqual(date.DateEqualFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on_field(ctx, "$eq", ctx.value)


class DateBetween(date.DateBetweenFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on_field(ctx, "$between", [ctx.value, ctx.value2])


class DateTimeBetween(date.DateTimeBetweenFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on_field(ctx, "$between", [ctx.value, ctx.value2])


class TimeBetween(date.TimeBetweenFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on_field(ctx, "$between", [ctx.value, ctx.value2])


class After(date.DateTimeEqualFilter):
    name = "after"
    label = "After"

    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on_field(ctx, "$gte", ctx.value)


class Before(date.DateTimeEqualFilter):
    name = "before"
    label = "Before"

    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on_field(ctx, "$lte", ctx.value)


class InPast(date.DateInPastFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on_field(ctx, "$lt", _now_for(ctx))


class InFuture(date.DateInFutureFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on_field(ctx, "$gt", _now_for(ctx))


def _now_for(ctx: FilterApplyContext) -> Any:
    now = dt.datetime.now(dt.UTC)
    field = ctx.view.field_named(ctx.field_name) if ctx.view is not None else None  # type: ignore[attr-defined]
    return now.date() if isinstance(field, DateField) else now


# -- relations ------------------------------------------------------------------------


class RelationId(numeric.EqualFilter):
    """The related entry's id (shown in its detail page)."""

    name = "id"
    label = "Has id"

    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return {ctx.field_name: {"id": {"$eq": ctx.value}}}


_NULLS: Sequence[type[BaseFilter]] = (IsNull, IsNotNull)
_TEXT: Sequence[type[BaseFilter]] = (Contains, NotContains, StartsWith, EndsWith, Equal, NotEqual, *_NULLS)
_NUMBERS: Sequence[type[BaseFilter]] = (NumberEqual, NumberNotEqual, GreaterThan, GreaterOrEqual, LessThan,
                                        LessOrEqual, Between, *_NULLS)


class Filters(FilterRegistry):
    """Filters per field type, for every content-type view."""

    @filters(StringField)
    def text(self, field: BaseField) -> Sequence[type[BaseFilter]]:
        return _TEXT

    @filters(EnumField)
    def choices(self, field: BaseField) -> Sequence[type[BaseFilter]]:
        return (In, NotIn, *_NULLS)

    @filters(IntegerField, FloatField, DecimalField)
    def numbers(self, field: BaseField) -> Sequence[type[BaseFilter]]:
        return _NUMBERS

    @filters(BooleanField)
    def booleans(self, field: BaseField) -> Sequence[type[BaseFilter]]:
        return (IsTrue, IsFalse)

    @filters(DateField)
    def dates(self, field: BaseField) -> Sequence[type[BaseFilter]]:
        return (DateEqual, DateBetween, InPast, InFuture, *_NULLS)

    @filters(DateTimeField)
    def datetimes(self, field: BaseField) -> Sequence[type[BaseFilter]]:
        return (After, Before, DateTimeBetween, InPast, InFuture, *_NULLS)

    @filters(TimeField)
    def times(self, field: BaseField) -> Sequence[type[BaseFilter]]:
        return (TimeBetween, *_NULLS)

    @filters(JSONField)
    def json(self, field: BaseField) -> Sequence[type[BaseFilter]]:
        return _NULLS

    @filters(HasOne, HasMany)
    def relations(self, field: BaseField) -> Sequence[type[BaseFilter]]:
        # text filters match the related entry's label (e.g. a sender's username)
        if (field.extra or {}).get("label_field"):
            return (Contains, StartsWith, Equal, RelationId, *_NULLS)
        return (RelationId, *_NULLS)


def to_where(group: FilterGroup | None, registry: FilterRegistry, fields: dict[str, BaseField], view: Any) -> Any:
    """A rule tree of the filter builder → the REST filter language, or None for no filter."""
    if group is None or group.is_empty():
        return None
    parts = []
    for rule in group.rules:
        part = to_where(rule, registry, fields, view) if isinstance(rule, FilterGroup) else _rule(rule, registry, fields, view)
        if part is not None:
            parts.append(part)
    if not parts:
        return None
    return {"$or" if group.logic == "or" else "$and": parts}


def _rule(rule: FilterRule, registry: FilterRegistry, fields: dict[str, BaseField], view: Any) -> Any:
    field = fields.get(rule.field)
    cls = registry.get_filter(field, rule.filter) if field is not None else None
    if cls is None:
        return None
    return cls().apply(FilterApplyContext(query=None, field_name=rule.field, value=rule.value,
                                          value2=rule.value2, view=view))
