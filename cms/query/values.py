"""What every query parser shares: name lookup, Strapi's errors, and value casting.

Strapi reads ``?filters[views][$gt]=10`` as the *string* ``"10"`` and lets the
database driver coerce it; a bad value then surfaces as a 500 from the driver.
We cast in the parser instead, against the attribute's type, so the compiler
gets Python values and a bad value is a 400 that names the key.

Decisions where Strapi is silent or inconsistent (documented once, here):

- ``Invalid key <key>`` messages and details follow Strapi's ``throwInvalidKey``:
  ``path`` is the dotted *attribute* path, which for an unknown key or an
  operator is the parent's path (``None`` at the root), and the message adds
  ``at <path>`` when the path differs from the key. Details always carry
  ``source: "query"`` and ``param`` (the top-level parameter).
- Booleans accept what Strapi's ``parseType`` accepts: ``true/t/1`` and
  ``false/f/0`` (JSON ``true``/``false``/``1``/``0`` too); anything else is a 400.
- Datetimes accept a date (midnight UTC), or ISO 8601 with ``Z``/an offset; a
  naive datetime is taken as UTC. Dates accept a date or a datetime (its date).
  Times accept ``HH:MM``, ``HH:MM:SS`` and fractions.
- Strings are taken as they are; JSON numbers are not silently turned into
  strings. Enumerations are not checked against ``enum`` (Strapi does not).
- In permission conditions a value ``"$user.id"`` is a :class:`Variable`, never cast.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from cms.content import Attribute, ContentType, Registry
from cms.validation import INTEGER_RANGES
from cms.errors import ValidationError
from cms.query.ast import Variable

#: A path of attribute names from the queried type (relations, then a field).
Path = tuple[str, ...]

#: Deepest nesting of lists/objects (and of dotted paths) any parameter may
#: have. ``qs`` already stops at 20 bracket levels, so only JSON callers and
#: dotted strings can reach it; it turns would-be RecursionErrors into 400s.
MAX_DEPTH = 20

#: The system fields, typed like attributes so one lookup serves both.
SYSTEM_ATTRIBUTES: dict[str, Attribute] = {
    "id": Attribute("id", "integer"),
    "documentId": Attribute("documentId", "string"),
    "createdAt": Attribute("createdAt", "datetime"),
    "updatedAt": Attribute("updatedAt", "datetime"),
    "publishedAt": Attribute("publishedAt", "datetime"),
}

_INTEGER = re.compile(r"[+-]?\d{1,30}")
_TIME = re.compile(r"\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?")
_VARIABLE = re.compile(r"\$[A-Za-z_]\w*(\.\w+)*")
_INDEX = re.compile(r"0|[1-9]\d{0,8}")
_TRUE = frozenset({"true", "t", "1"})
_FALSE = frozenset({"false", "f", "0"})


#: the system field of localized types: the row's locale code
LOCALE_ATTRIBUTE = Attribute("locale", "string")


def lookup(ct: ContentType, name: Any) -> Attribute | None:
    """The attribute or system field ``name`` of ``ct`` (``locale`` on localized types), or None."""
    if not isinstance(name, str):
        return None
    found = ct.attributes.get(name) or SYSTEM_ATTRIBUTES.get(name)
    if found is None and name == "locale" and ct.localized:
        return LOCALE_ATTRIBUTE
    return found


def dotted(path: Path) -> str | None:
    return ".".join(path) if path else None


def as_list(value: Any) -> list[Any] | None:
    """``value`` as a list if it is one, or an index-keyed object, else None.

    ``qs`` turns an array longer than its ``arrayLimit`` (or with gaps past it)
    into an object with keys "0", "1", ...; Strapi's own code then treats it as
    an object. No attribute or operator name is a number, so reading such an
    object as a list is unambiguous.
    """
    if isinstance(value, list):
        return value
    if isinstance(value, dict) and value and all(
        isinstance(k, str) and _INDEX.fullmatch(k) for k in value
    ):
        return [value[k] for k in sorted(value, key=int)]
    return None


def parse_bool(value: Any) -> bool | None:
    """Strapi's boolean spelling (``parseType``); None when ``value`` is not one."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        if value.lower() in _TRUE:
            return True
        if value.lower() in _FALSE:
            return False
    return None


def show(value: Any) -> str:
    """A value as it may appear in a message, shortened."""
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


@dataclass(frozen=True)
class Scope:
    """Where a parser is working: the registry, the caller's rights, and which
    top-level parameter errors should name."""

    registry: Registry
    can_read: Callable[[str], bool] | None = None
    param: str = "filters"
    allow_variables: bool = False
    #: the attributes of a type the caller may see, when only some (see :class:`cms.permissions.Access`)
    visible: Callable[[str], frozenset[str] | None] | None = None

    def under(self, param: str) -> Scope:
        return replace(self, param=param)

    def details(self, **extra: Any) -> dict[str, Any]:
        return {**extra, "source": "query", "param": self.param}

    def error(self, message: str, **extra: Any) -> ValidationError:
        return ValidationError(message, self.details(**extra))

    def invalid_key(self, key: Any, path: str | None) -> ValidationError:
        """Strapi's ``Invalid key <key>`` (``at <path>`` when the path says more)."""
        key = str(key)
        message = f"Invalid key {key} at {path}" if path and path != key else f"Invalid key {key}"
        return self.error(message, key=key, path=path)

    def hidden(self, ct: ContentType, attr: Attribute) -> bool:
        """Whether ``attr`` of ``ct`` is out of the caller's sight: private, a password, or
        outside the part of ``ct`` the caller may see. A permission condition (the one place
        variables are allowed) is the operator's, not a caller's: it may test private
        attributes (the uploader of a file), never a password."""
        if attr.hidden:
            return not self.allow_variables or attr.type == "password"
        allowed = self.visible(ct.uid) if self.visible is not None else None
        return allowed is not None and attr.name not in allowed

    def shown(self, ct: ContentType) -> tuple[str, ...] | None:
        """The fields to return of ``ct`` when none are asked for: all (None), or the visible ones."""
        allowed = self.visible(ct.uid) if self.visible is not None else None
        if allowed is None:
            return None
        return tuple(a.name for a in ct.scalar_attributes() if a.name in allowed and not a.hidden)

    def too_deep(self) -> ValidationError:
        return self.error(f"Invalid {self.param}: nested deeper than {MAX_DEPTH} levels")

    def check_depth(self, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise self.too_deep()

    def target(self, attr: Attribute, path: Path) -> ContentType:
        """The type a relation/media attribute points to, if the caller may read it.

        A target the caller cannot read is an ``Invalid key`` (Strapi's
        ``throwRestrictedRelations``); so is one that is not loaded at all.
        """
        uid = self.registry.resolve(attr.target) if attr.target else None
        if uid is None or (self.can_read is not None and not self.can_read(uid)):
            raise self.invalid_key(attr.name, dotted(path))
        return self.registry.get(uid)

    def cast(self, attr: Attribute, value: Any, path: Path) -> Any:
        """``value`` (a query-string or JSON scalar) as ``attr``'s Python type."""
        if self.allow_variables and isinstance(value, str) and _VARIABLE.fullmatch(value):
            return Variable(value[1:])
        caster, expected = _CASTERS.get(attr.kind.value, (lambda v: None, "no value"))
        result = caster(value)
        if isinstance(result, int) and not isinstance(result, bool):
            low, high = INTEGER_RANGES.get(attr.type, INTEGER_RANGES["integer"])
            if not low <= result <= high:  # beyond the column's type: no row can match, and
                result, expected = None, f"an integer from {low} to {high}"  # SQLite overflows
        elif isinstance(result, str) and "\x00" in result:  # PostgreSQL refuses NUL in text
            result, expected = None, "a string without NUL characters"
        if result is None:
            where = dotted(path)
            suffix = f" at {where}" if where and where != attr.name else ""
            message = f"Invalid value {show(value)} for key {attr.name}{suffix}"
            raise self.error(f"{message}: expected {expected}",
                             key=attr.name, path=where, value=value)
        return result


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        return int(value)
    return None


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = Decimal(str(value).strip()) if isinstance(value, str) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _datetime(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or len(value) < 10 or len(value) > 40:
        return None
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.timezone.utc)


def _date(value: Any) -> dt.date | None:
    if isinstance(value, str) and len(value) == 10:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    moment = _datetime(value)
    return moment.date() if moment is not None else None


def _time(value: Any) -> dt.time | None:
    if not isinstance(value, str) or not _TIME.fullmatch(value):
        return None
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        return None


#: kind of attribute value → (caster returning None on failure, what to say it expects)
_CASTERS: dict[str, tuple[Callable[[Any], Any], str]] = {
    "string": (_string, "a string"),
    "integer": (_int, "an integer"),
    "number": (_float, "a number"),
    "decimal": (_decimal, "a decimal number"),
    "boolean": (parse_bool, "true or false"),
    "date": (_date, "a date (YYYY-MM-DD)"),
    "time": (_time, "a time (HH:MM:SS)"),
    "datetime": (_datetime, "an ISO 8601 date or datetime"),
}
