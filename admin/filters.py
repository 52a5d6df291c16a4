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

from starlette.requests import Request
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
    FilterDataType,
    FilterGroup,
    FilterRegistry,
    FilterRule,
    FilterValidationError,
    boolean,
    date,
    enum,
    filters,
    generic,
    numeric,
    string,
)

from admin.drafts import FILTER_KEY, StatusField

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


# -- one vocabulary ------------------------------------------------------------------
#
# starlette-admin words the same test differently per field type ("Equal" for text,
# "Equals" for numbers, "Is on" for dates, "Is null" everywhere). Here one operator has
# one slug and one label whatever the field, so an editor reads the same words on every
# filter (checked by tests/admin/test_human_values.py).

LABELS = {
    "eq": "Is", "neq": "Is not", "contains": "Contains", "not_contains": "Does not contain",
    "startswith": "Starts with", "endswith": "Ends with", "in": "Is one of", "not_in": "Is none of",
    "gt": "Is greater than", "gte": "Is at least", "lt": "Is less than", "lte": "Is at most",
    "between": "Is between", "after": "Is on or after", "before": "Is on or before",
    "in_past": "Is in the past", "in_future": "Is in the future", "is_true": "Is yes", "is_false": "Is no",
    "is_null": "Is empty", "is_not_null": "Is not empty",
}


class _Worded:
    """Takes its label from :data:`LABELS` by its slug."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.label = LABELS[cls.name]


# -- text ---------------------------------------------------------------------------


class Contains(_Worded, string.ContainsFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on(ctx, "$containsi", ctx.value)


class NotContains(_Worded, string.NotContainsFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on(ctx, "$notContainsi", ctx.value)


class StartsWith(_Worded, string.StartsWithFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on(ctx, "$startsWithi", ctx.value)


class EndsWith(_Worded, string.EndsWithFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on(ctx, "$endsWithi", ctx.value)


class Equal(_Worded, generic.EqualFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on(ctx, "$eq", ctx.value)


class NotEqual(_Worded, generic.NotEqualFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on(ctx, "$ne", ctx.value)


class IsNull(_Worded, generic.IsNullFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on_field(ctx, "$null", True)


class IsNotNull(_Worded, generic.IsNotNullFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on_field(ctx, "$notNull", True)


# -- choices and booleans -------------------------------------------------------------


class In(_Worded, enum.InFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on_field(ctx, "$in", list(ctx.value))


class NotIn(_Worded, enum.NotInFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on_field(ctx, "$notIn", list(ctx.value))


class StatusIn(In):
    """A draft & publish type's status (:mod:`admin.drafts`): a rule the view resolves to the
    drafts' ids before the filter is parsed (the status compares two rows of a document)."""

    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return {FILTER_KEY: {"$in": list(ctx.value)}}


class StatusNotIn(NotIn):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return {FILTER_KEY: {"$notIn": list(ctx.value)}}


class IsTrue(_Worded, boolean.IsTrueFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on_field(ctx, "$eq", True)


class IsFalse(_Worded, boolean.IsFalseFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        # a boolean never set reads as false, as the switch on the form shows it
        return {"$or": [_on_field(ctx, "$eq", False), _on_field(ctx, "$null", True)]}


# -- numbers --------------------------------------------------------------------------


class NumberEqual(_Worded, numeric.EqualFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on_field(ctx, "$eq", ctx.value)


class NumberNotEqual(_Worded, numeric.NotEqualFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on_field(ctx, "$ne", ctx.value)


class GreaterThan(_Worded, numeric.GreaterThanFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on_field(ctx, "$gt", ctx.value)


class GreaterOrEqual(_Worded, numeric.GreaterThanOrEqualFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on_field(ctx, "$gte", ctx.value)


class LessThan(_Worded, numeric.LessThanFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on_field(ctx, "$lt", ctx.value)


class LessOrEqual(_Worded, numeric.LessThanOrEqualFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on_field(ctx, "$lte", ctx.value)


class Between(_Worded, numeric.BetweenFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on_field(ctx, "$between", [ctx.value, ctx.value2])


# -- dates and times ------------------------------------------------------------------


class DateEqual(_Worded, date.DateEqualFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on_field(ctx, "$eq", ctx.value)


class DateBetween(_Worded, date.DateBetweenFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on_field(ctx, "$between", [ctx.value, ctx.value2])


class DateTimeBetween(DateBetween):
    data_type = FilterDataType.DATETIME


class TimeBetween(DateBetween):
    data_type = FilterDataType.TIME


class After(_Worded, date.DateTimeEqualFilter):
    name = "after"

    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on_field(ctx, "$gte", ctx.value)


class Before(_Worded, date.DateTimeEqualFilter):
    name = "before"

    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on_field(ctx, "$lte", ctx.value)


class DateAfter(After):
    data_type = FilterDataType.DATE


class DateBefore(Before):
    data_type = FilterDataType.DATE


class InPast(_Worded, date.DateInPastFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on_field(ctx, "$lt", _now_for(ctx))


class InFuture(_Worded, date.DateInFutureFilter):
    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return _on_field(ctx, "$gt", _now_for(ctx))


def _now_for(ctx: FilterApplyContext) -> Any:
    now = dt.datetime.now(dt.UTC)
    field = ctx.view.field_named(ctx.field_name) if ctx.view is not None else None  # type: ignore[attr-defined]
    return now.date() if isinstance(field, DateField) else now


# -- relations ------------------------------------------------------------------------


class RelationIs(_Worded, BaseFilter):
    """The related entry, chosen in a picker of the related entries (by their display field).

    The value is the entry's id; the page shows its label, which the view loads
    for the rules of the current filter (:meth:`admin.views.ContentTypeView.find_all`)
    into ``request.state.relation_choices``: the filter builder's picker starts
    on it and the filter's pill names it. One subclass per relation field
    (:func:`relation_filters`) says which field's labels are its choices.
    """

    name = "eq"
    data_type = FilterDataType.STRING
    field_name = ""

    def parse_value(self, raw: Any) -> int:
        text = str(raw).strip()
        if not text.isdigit() or len(text) > 18:
            raise FilterValidationError(f"{raw!r} is not an entry")
        return int(text)

    def get_choices(self, request: Request) -> Sequence[tuple[Any, str]] | None:
        choices = getattr(request.state, "relation_choices", None) or {}
        return choices.get(self.field_name) or None

    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return {ctx.field_name: {"id": {"$eq": ctx.value}}}


class RelationIsNot(RelationIs):
    """Not linked to the chosen entry (entries linked to nothing included)."""

    name = "neq"

    def apply(self, ctx: FilterApplyContext) -> Fragment:
        return {"$not": {ctx.field_name: {"id": {"$eq": ctx.value}}}}


#: the slugs whose value is a related entry's id
PICKER_SLUGS = frozenset({RelationIs.name, RelationIsNot.name})


def picked_entries(group: FilterGroup | None, relations: Any) -> dict[str, set[int]]:
    """Per relation field, the ids of the related entries a filter tree picks (``sender is 3``)."""
    picked: dict[str, set[int]] = {}
    for rule in _rules(group):
        if rule.field in relations and rule.filter in PICKER_SLUGS and isinstance(rule.value, int):
            picked.setdefault(rule.field, set()).add(rule.value)
    return picked


def _rules(group: FilterGroup | None) -> list[FilterRule]:
    """Every rule of a filter tree, at any depth."""
    if group is None:
        return []
    found: list[FilterRule] = []
    for rule in group.rules:
        found += _rules(rule) if isinstance(rule, FilterGroup) else [rule]
    return found


#: picker filter classes per relation field name (see :class:`RelationIs`)
_PICKERS: dict[str, tuple[type[BaseFilter], ...]] = {}


def relation_filters(name: str) -> tuple[type[BaseFilter], ...]:
    """The picker filters of relation field ``name`` (made once per name)."""
    found = _PICKERS.get(name)
    if found is None:
        found = _PICKERS[name] = tuple(type(f"{cls.__name__}_{name}", (cls,), {"field_name": name})
                                       for cls in (RelationIs, RelationIsNot))
    return found


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

    @filters(StatusField)
    def statuses(self, field: BaseField) -> Sequence[type[BaseFilter]]:
        return (StatusIn, StatusNotIn)

    @filters(IntegerField, FloatField, DecimalField)
    def numbers(self, field: BaseField) -> Sequence[type[BaseFilter]]:
        return _NUMBERS

    @filters(BooleanField)
    def booleans(self, field: BaseField) -> Sequence[type[BaseFilter]]:
        return (IsTrue, IsFalse)

    @filters(DateField)
    def dates(self, field: BaseField) -> Sequence[type[BaseFilter]]:
        return (DateEqual, DateAfter, DateBefore, DateBetween, InPast, InFuture, *_NULLS)

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
        # the related entry from a picker; or its label containing some text (e.g. a sender's username)
        if (field.extra or {}).get("label_field"):
            return (*relation_filters(field.name), Contains, *_NULLS)
        return (*relation_filters(field.name), *_NULLS)


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
